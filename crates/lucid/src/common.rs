//! What every handshake state may touch: the record layer, the negotiated facts, the trace
//! and the key log. States own everything else they need.

use std::sync::Arc;

use rustls_pki_types::CertificateDer;

use crate::codec::{ContentType, HandshakeType};
use crate::crypto::kx::KxGroup;
use crate::crypto::sign::SigScheme;
use crate::error::Error;
use crate::keys::keylog::KeyLog;
use crate::record::RecordLayer;
use crate::suites::{Suite, Version};
use crate::trace::{Event, Observer, Side};
use crate::verify::VerifiedChain;

/// What the handshake settled, readable by the application.
#[derive(Clone, Default)]
pub struct Negotiated {
    /// The protocol version.
    pub version: Option<Version>,
    /// The cipher suite.
    pub suite: Option<&'static Suite>,
    /// The key-exchange group (ECDHE or hybrid), absent for RSA key transport.
    pub group: Option<KxGroup>,
    /// The scheme the server signed the handshake with.
    pub signature_scheme: Option<SigScheme>,
    /// The ALPN protocol.
    pub alpn: Option<Vec<u8>>,
    /// The server name the client asked for.
    pub sni: Option<String>,
    /// The peer's certificate chain as sent, end entity first.
    pub peer_chain: Vec<CertificateDer<'static>>,
    /// The peer's verified identity (server: the client certificate, when one was verified).
    pub peer_identity: Option<VerifiedChain>,
    /// Whether a HelloRetryRequest happened.
    pub hello_retry: bool,
    /// TLS 1.2: whether the extended master secret was used.
    pub extended_master_secret: bool,
    /// The client random (for the key log and exporters).
    pub client_random: [u8; 32],
    /// The server random.
    pub server_random: [u8; 32],
}

impl std::fmt::Debug for Negotiated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Negotiated")
            .field("version", &self.version)
            .field("suite", &self.suite.map(|s| s.name()))
            .field("group", &self.group)
            .field("signature_scheme", &self.signature_scheme)
            .field(
                "alpn",
                &self.alpn.as_ref().map(|a| String::from_utf8_lossy(a)),
            )
            .field("sni", &self.sni)
            .field("peer_chain_len", &self.peer_chain.len())
            .finish()
    }
}

/// A TLS 1.3 NewSessionTicket handed to the application (resumption comes later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTicket {
    /// Lifetime in seconds.
    pub lifetime: u32,
    /// The opaque ticket.
    pub ticket: Vec<u8>,
}

pub(crate) struct Common {
    pub side: Side,
    pub record: RecordLayer,
    pub facts: Negotiated,
    pub observer: Option<Arc<dyn Observer>>,
    pub key_log: Option<Arc<dyn KeyLog>>,
    pub trace_secrets: bool,
    pub handshake_done: bool,
    pub tickets: Vec<SessionTicket>,
    /// Counts decrypter changes, so a message spanning a key change can be caught.
    pub rx_epoch: u32,
    /// Client: a certificate was requested and an empty one was sent, so a following
    /// refusal is explained as a missing client certificate.
    pub sent_empty_certificate: bool,
}

impl Common {
    pub(crate) fn new(
        side: Side,
        observer: Option<Arc<dyn Observer>>,
        key_log: Option<Arc<dyn KeyLog>>,
        trace_secrets: bool,
    ) -> Self {
        Common {
            side,
            record: RecordLayer::new(),
            facts: Negotiated::default(),
            observer,
            key_log,
            trace_secrets,
            handshake_done: false,
            tickets: Vec::new(),
            rx_epoch: 0,
            sent_empty_certificate: false,
        }
    }

    /// True when someone listens; callers skip building events otherwise.
    pub(crate) fn tracing(&self) -> bool {
        self.observer.is_some()
    }

    pub(crate) fn emit(&self, event: Event<'_>) {
        if let Some(o) = &self.observer {
            o.on_event(self.side, &event);
        }
    }

    /// Narrates a derived secret (its value only when opted in) and writes the key log.
    pub(crate) fn secret(
        &self,
        name: &'static str,
        inputs: &'static str,
        log_label: Option<&str>,
        value: &[u8],
    ) {
        if let (Some(log), Some(label)) = (&self.key_log, log_label) {
            log.log(label, &self.facts.client_random, value);
        }
        if self.tracing() {
            self.emit(Event::SecretDerived {
                name,
                inputs,
                value: self.trace_secrets.then_some(value),
            });
        }
    }

    /// Sends a handshake message (already framed) in records.
    pub(crate) fn send_handshake(&mut self, message: &[u8]) -> Result<(), Error> {
        self.record.send(ContentType::HANDSHAKE, message)
    }

    pub(crate) fn send_ccs(&mut self) -> Result<(), Error> {
        self.record.send(ContentType::CHANGE_CIPHER_SPEC, &[1])
    }

    pub(crate) fn set_decrypter(&mut self, d: Box<dyn crate::record::protect::Decrypter>) {
        self.record.set_decrypter(d);
        self.rx_epoch += 1;
    }
}

/// A handshake message as the states see it.
pub(crate) struct HandshakeMessage<'a> {
    pub typ: HandshakeType,
    /// The body after the 4-byte header.
    pub body: &'a [u8],
    /// The whole message, for the transcript.
    pub raw: &'a [u8],
}

/// What arrives at a state.
pub(crate) enum Message<'a> {
    Handshake(HandshakeMessage<'a>),
    /// A TLS 1.2 ChangeCipherSpec.
    ChangeCipherSpec,
}

impl Message<'_> {
    pub(crate) fn describe(&self) -> String {
        match self {
            Message::Handshake(m) => m.typ.to_string(),
            Message::ChangeCipherSpec => "change_cipher_spec".into(),
        }
    }
}

/// The unexpected_message error for a state waiting for `expected`, decided in one place.
pub(crate) fn unexpected(expected: &'static str, got: &Message<'_>) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: got.describe(),
    }
}

/// RFC 8446 §4.4.4 / RFC 5246 §7.4.9: the peer's Finished must equal the value our own
/// transcript gives, compared in constant time; a mismatch is decrypt_error.
pub(crate) fn check_peer_finished(
    cx: &Common,
    expected: &[u8],
    received: &[u8],
) -> Result<(), Error> {
    if !crate::crypto::ct_eq(expected, received) {
        return Err(Error::BadFinished);
    }
    if cx.tracing() {
        cx.emit(Event::Finished {
            sender: cx.side.peer(),
            verify_data: received,
        });
    }
    Ok(())
}

/// Takes the handshake message of type `typ` or fails with unexpected_message.
pub(crate) fn expect<'a>(
    msg: Message<'a>,
    typ: HandshakeType,
    expected: &'static str,
) -> Result<HandshakeMessage<'a>, Error> {
    match msg {
        Message::Handshake(m) if m.typ == typ => Ok(m),
        other => Err(unexpected(expected, &other)),
    }
}
