//! Reassembles handshake messages from records: a message may span records and a record
//! may hold several messages (RFC 8446 §5.1).

use crate::codec::HandshakeType;
use crate::error::Error;

/// The largest handshake message lucid accepts: big enough for long certificate chains,
/// small enough that a peer cannot make us buffer without bound.
pub const MAX_HANDSHAKE_MESSAGE: usize = 64 * 1024;

#[derive(Default)]
pub(crate) struct HandshakeJoiner {
    buf: Vec<u8>,
    start: usize,
}

impl HandshakeJoiner {
    /// Adds a handshake record's plaintext.
    pub(crate) fn push(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        if self.buf.len() - self.start + data.len()
            > MAX_HANDSHAKE_MESSAGE + 4 + super::MAX_PLAINTEXT
        {
            return Err(Error::LimitExceeded(
                "handshake data buffered past its bound",
            ));
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// The next complete message as (type, whole message bytes), if one is buffered.
    pub(crate) fn next_message(
        &mut self,
    ) -> Result<Option<(HandshakeType, std::ops::Range<usize>)>, Error> {
        let avail = &self.buf[self.start..];
        if avail.len() < 4 {
            return Ok(None);
        }
        let len = u32::from_be_bytes([0, avail[1], avail[2], avail[3]]) as usize;
        if len > MAX_HANDSHAKE_MESSAGE {
            return Err(Error::LimitExceeded(
                "a handshake message is larger than 64 KiB",
            ));
        }
        if avail.len() < 4 + len {
            return Ok(None);
        }
        let range = self.start..self.start + 4 + len;
        self.start = range.end;
        Ok(Some((HandshakeType(avail[0]), range)))
    }

    pub(crate) fn bytes(&self, range: std::ops::Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// True when no partial message is buffered (RFC 8446 §5.1: handshake messages MUST NOT
    /// span key changes).
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }

    /// Frees the buffer once the handshake is over and nothing is pending.
    pub(crate) fn shrink_when_idle(&mut self) {
        if self.is_empty() {
            self.buf = Vec::new();
            self.start = 0;
        }
    }
}
