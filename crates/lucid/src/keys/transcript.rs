//! The running hash of handshake messages (RFC 8446 §4.4.1, RFC 5246 §7.4.9).

use crate::crypto::hash::{Digest, HashAlg, HashContext};

/// Before the suite is known, messages are buffered; afterwards they are hashed as they
/// pass. The raw bytes are kept only when a TLS 1.2 signature over them may be needed.
pub(crate) struct Transcript {
    buffer: Option<Vec<u8>>,
    hash: Option<HashContext>,
}

impl Transcript {
    pub(crate) fn new() -> Self {
        Transcript {
            buffer: Some(Vec::new()),
            hash: None,
        }
    }

    /// Starts hashing with the suite's hash, replaying what was buffered. The buffer is
    /// kept only when `keep_messages` (TLS 1.2 CertificateVerify signs the messages).
    pub(crate) fn start_hash(&mut self, alg: HashAlg, keep_messages: bool) {
        if self.hash.is_some() {
            return;
        }
        let mut ctx = HashContext::new(alg);
        if let Some(buf) = &self.buffer {
            ctx.update(buf);
        }
        self.hash = Some(ctx);
        if !keep_messages {
            self.buffer = None;
        }
    }

    pub(crate) fn add(&mut self, message: &[u8]) {
        if let Some(buf) = &mut self.buffer {
            buf.extend_from_slice(message);
        }
        if let Some(h) = &mut self.hash {
            h.update(message);
        }
    }

    /// The hash of everything so far. Panics only on a programming error (hash not started).
    pub(crate) fn current(&self) -> Digest {
        self.hash
            .as_ref()
            .expect("transcript hash used before the suite was chosen")
            .current()
    }

    /// The messages so far (TLS 1.2 client CertificateVerify).
    pub(crate) fn messages(&self) -> Option<&[u8]> {
        self.buffer.as_deref()
    }

    /// Stops keeping message bytes.
    pub(crate) fn drop_messages(&mut self) {
        self.buffer = None;
    }

    /// RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by a synthetic
    /// message_hash message holding Hash(ClientHello1).
    pub(crate) fn replace_with_message_hash(&mut self, alg: HashAlg) {
        let ch1_hash = match &self.hash {
            Some(h) => h.current(),
            None => alg.hash(self.buffer.as_deref().unwrap_or(&[])),
        };
        let synthetic = crate::codec::handshake::message_hash(ch1_hash.as_ref());
        let mut ctx = HashContext::new(alg);
        ctx.update(&synthetic);
        self.hash = Some(ctx);
        self.buffer = None;
    }
}
