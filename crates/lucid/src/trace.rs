//! Narration: one structured event per handshake step, with the real values.
//!
//! Events borrow from the engine; an [`Observer`] attached to a config receives them as
//! they happen. With no observer the engine builds no events at all.

use crate::codec::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::verify::CertSummary;

/// Which end of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The side that sends ClientHello.
    Client,
    /// The side that answers it.
    Server,
}

impl Side {
    /// "client" or "server".
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }

    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// How the pre-master (1.2) or shared (1.3) secret was agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchangeKind {
    /// Ephemeral (EC)DH, or the hybrid X25519 + ML-KEM-768, over a group.
    Ephemeral(NamedGroup),
    /// The client encrypted a 48-byte pre-master secret to the server's RSA key.
    RsaTransport,
}

/// One step of the handshake, as it happened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event<'a> {
    /// ClientHello sent or received.
    ClientHello {
        /// The 32-byte client random.
        random: &'a [u8; 32],
        /// legacy_session_id.
        session_id: &'a [u8],
        /// Versions offered (supported_versions, or legacy_version alone).
        versions: &'a [ProtocolVersion],
        /// Suites offered in preference order.
        suites: &'a [CipherSuite],
        /// Groups offered.
        groups: &'a [NamedGroup],
        /// Groups with a key share in this hello.
        key_shares: &'a [NamedGroup],
        /// Signature schemes offered.
        schemes: &'a [SignatureScheme],
        /// server_name.
        sni: Option<&'a str>,
        /// ALPN protocols offered.
        alpn: &'a [Vec<u8>],
        /// True for the second ClientHello after a HelloRetryRequest.
        retry: bool,
    },
    /// The server asked the client to try again with another key share.
    HelloRetryRequest {
        /// The suite chosen so far.
        suite: CipherSuite,
        /// The group the server wants a share for.
        group: NamedGroup,
        /// Whether a cookie must be echoed.
        cookie: bool,
    },
    /// ServerHello sent or received.
    ServerHello {
        /// The 32-byte server random.
        random: &'a [u8; 32],
        /// The version chosen.
        version: ProtocolVersion,
        /// The suite chosen.
        suite: CipherSuite,
        /// The key-exchange group (TLS 1.3) when known at this point.
        group: Option<NamedGroup>,
    },
    /// The key exchange behind the secrets.
    KeyExchange {
        /// Which exchange.
        kind: KeyExchangeKind,
        /// True for a hybrid post-quantum group.
        post_quantum: bool,
    },
    /// A secret was derived.
    SecretDerived {
        /// Its name ("client handshake traffic secret", "master secret", ...).
        name: &'static str,
        /// What it was derived from, in words.
        inputs: &'static str,
        /// The value, only when the config opts in to showing secrets.
        value: Option<&'a [u8]>,
    },
    /// EncryptedExtensions (TLS 1.3).
    EncryptedExtensions {
        /// The ALPN protocol the server chose.
        alpn: Option<&'a [u8]>,
        /// Whether the server acknowledged the SNI.
        sni_acknowledged: bool,
    },
    /// The server asked for a client certificate.
    CertificateRequest {
        /// Schemes the server accepts.
        schemes: &'a [SignatureScheme],
        /// Names of the CAs the server trusts for clients.
        authorities: &'a [String],
    },
    /// A certificate chain sent or received.
    Certificate {
        /// Who sent it.
        sender: Side,
        /// The chain, end entity first (empty when none was sent).
        chain: &'a [CertSummary],
    },
    /// One check of a peer chain.
    ChainCheck {
        /// What was checked.
        check: &'a str,
        /// Whether it passed.
        passed: bool,
        /// Details with values.
        detail: &'a str,
    },
    /// ServerKeyExchange (TLS 1.2 ECDHE): the server's share, signed.
    ServerKeyExchange {
        /// The curve.
        group: NamedGroup,
        /// The signature scheme.
        scheme: SignatureScheme,
    },
    /// ServerHelloDone (TLS 1.2): the server's first flight is complete.
    ServerHelloDone,
    /// ClientKeyExchange (TLS 1.2).
    ClientKeyExchange {
        /// ECDHE share, or pre-master secret encrypted to the server's RSA key.
        kind: KeyExchangeKind,
        /// Length of what was sent (share or ciphertext).
        length: usize,
    },
    /// A handshake signature made or checked.
    CertificateVerify {
        /// Who signed.
        sender: Side,
        /// The scheme.
        scheme: SignatureScheme,
        /// True once verified (always true when sent by us).
        verified: bool,
    },
    /// ChangeCipherSpec sent or received.
    ChangeCipherSpec {
        /// Who sent it.
        sender: Side,
        /// True for TLS 1.3's middlebox-compatibility CCS, which changes nothing.
        compatibility: bool,
    },
    /// Finished sent, or received and verified.
    Finished {
        /// Who sent it.
        sender: Side,
        /// verify_data.
        verify_data: &'a [u8],
    },
    /// The handshake is over.
    HandshakeComplete {
        /// Version.
        version: ProtocolVersion,
        /// Suite.
        suite: CipherSuite,
        /// Key-exchange group, if any.
        group: Option<NamedGroup>,
        /// ALPN protocol, if any.
        alpn: Option<&'a [u8]>,
    },
    /// A TLS 1.3 NewSessionTicket arrived.
    NewSessionTicket {
        /// Lifetime in seconds.
        lifetime: u32,
    },
    /// KeyUpdate sent or received.
    KeyUpdate {
        /// Who sent it.
        sender: Side,
        /// Whether the sender asked for an update in return.
        update_requested: bool,
    },
    /// An alert sent or received.
    Alert {
        /// Who sent it.
        sender: Side,
        /// Fatal or a warning.
        fatal: bool,
        /// Which alert.
        description: AlertDescription,
    },
}

impl Event<'_> {
    /// A stable snake_case name for the event kind (used by the JSON trace).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ClientHello { .. } => "client_hello",
            Event::HelloRetryRequest { .. } => "hello_retry_request",
            Event::ServerHello { .. } => "server_hello",
            Event::KeyExchange { .. } => "key_exchange",
            Event::SecretDerived { .. } => "secret_derived",
            Event::EncryptedExtensions { .. } => "encrypted_extensions",
            Event::CertificateRequest { .. } => "certificate_request",
            Event::Certificate { .. } => "certificate",
            Event::ChainCheck { .. } => "chain_check",
            Event::ServerKeyExchange { .. } => "server_key_exchange",
            Event::ServerHelloDone => "server_hello_done",
            Event::ClientKeyExchange { .. } => "client_key_exchange",
            Event::CertificateVerify { .. } => "certificate_verify",
            Event::ChangeCipherSpec { .. } => "change_cipher_spec",
            Event::Finished { .. } => "finished",
            Event::HandshakeComplete { .. } => "handshake_complete",
            Event::NewSessionTicket { .. } => "new_session_ticket",
            Event::KeyUpdate { .. } => "key_update",
            Event::Alert { .. } => "alert",
        }
    }
}

impl Event<'_> {
    /// For events that are records on the wire (handshake messages, ChangeCipherSpec,
    /// alerts): who sent it and its name as in the RFC ("ClientHello", "Alert", ...).
    /// `None` for checks, derivations and completion.
    pub fn wire_message(&self) -> Option<(Side, &'static str)> {
        Some(match self {
            Event::ClientHello { .. } => (Side::Client, "ClientHello"),
            Event::HelloRetryRequest { .. } => (Side::Server, "HelloRetryRequest"),
            Event::ServerHello { .. } => (Side::Server, "ServerHello"),
            Event::EncryptedExtensions { .. } => (Side::Server, "EncryptedExtensions"),
            Event::CertificateRequest { .. } => (Side::Server, "CertificateRequest"),
            Event::Certificate { sender, .. } => (*sender, "Certificate"),
            Event::ServerKeyExchange { .. } => (Side::Server, "ServerKeyExchange"),
            Event::ServerHelloDone => (Side::Server, "ServerHelloDone"),
            Event::ClientKeyExchange { .. } => (Side::Client, "ClientKeyExchange"),
            Event::CertificateVerify { sender, .. } => (*sender, "CertificateVerify"),
            Event::ChangeCipherSpec { sender, .. } => (*sender, "ChangeCipherSpec"),
            Event::Finished { sender, .. } => (*sender, "Finished"),
            Event::NewSessionTicket { .. } => (Side::Server, "NewSessionTicket"),
            Event::KeyUpdate { sender, .. } => (*sender, "KeyUpdate"),
            Event::Alert { sender, .. } => (*sender, "Alert"),
            _ => return None,
        })
    }

    /// The messages of the handshake proper, as the [`Flow`] table lists them: the wire
    /// messages less compatibility ChangeCipherSpecs, post-handshake messages and alerts.
    pub fn message(&self) -> Option<(Side, &'static str)> {
        match self {
            Event::ChangeCipherSpec {
                compatibility: true,
                ..
            }
            | Event::NewSessionTicket { .. }
            | Event::KeyUpdate { .. }
            | Event::Alert { .. } => None,
            _ => self.wire_message(),
        }
    }
}

/// The kinds of handshake lucid performs, each with its message order: an oracle for tests
/// and the source of the CLI's sequence diagrams (the flows table idea from s2n-tls).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// TLS 1.3 full handshake.
    Tls13,
    /// TLS 1.3 with a HelloRetryRequest.
    Tls13Retry,
    /// TLS 1.3 with a client certificate.
    Tls13ClientAuth,
    /// TLS 1.2 with ECDHE.
    Tls12Ecdhe,
    /// TLS 1.2 with RSA key transport.
    Tls12Rsa,
    /// TLS 1.2 with ECDHE and a client certificate.
    Tls12EcdheClientAuth,
}

impl Flow {
    /// The handshake messages in wire order, with their senders.
    pub fn messages(self) -> &'static [(Side, &'static str)] {
        use Side::{Client as C, Server as S};
        match self {
            Flow::Tls13 => &[
                (C, "ClientHello"),
                (S, "ServerHello"),
                (S, "EncryptedExtensions"),
                (S, "Certificate"),
                (S, "CertificateVerify"),
                (S, "Finished"),
                (C, "Finished"),
            ],
            Flow::Tls13Retry => &[
                (C, "ClientHello"),
                (S, "HelloRetryRequest"),
                (C, "ClientHello"),
                (S, "ServerHello"),
                (S, "EncryptedExtensions"),
                (S, "Certificate"),
                (S, "CertificateVerify"),
                (S, "Finished"),
                (C, "Finished"),
            ],
            Flow::Tls13ClientAuth => &[
                (C, "ClientHello"),
                (S, "ServerHello"),
                (S, "EncryptedExtensions"),
                (S, "CertificateRequest"),
                (S, "Certificate"),
                (S, "CertificateVerify"),
                (S, "Finished"),
                (C, "Certificate"),
                (C, "CertificateVerify"),
                (C, "Finished"),
            ],
            Flow::Tls12Ecdhe => &[
                (C, "ClientHello"),
                (S, "ServerHello"),
                (S, "Certificate"),
                (S, "ServerKeyExchange"),
                (S, "ServerHelloDone"),
                (C, "ClientKeyExchange"),
                (C, "ChangeCipherSpec"),
                (C, "Finished"),
                (S, "ChangeCipherSpec"),
                (S, "Finished"),
            ],
            Flow::Tls12Rsa => &[
                (C, "ClientHello"),
                (S, "ServerHello"),
                (S, "Certificate"),
                (S, "ServerHelloDone"),
                (C, "ClientKeyExchange"),
                (C, "ChangeCipherSpec"),
                (C, "Finished"),
                (S, "ChangeCipherSpec"),
                (S, "Finished"),
            ],
            Flow::Tls12EcdheClientAuth => &[
                (C, "ClientHello"),
                (S, "ServerHello"),
                (S, "Certificate"),
                (S, "ServerKeyExchange"),
                (S, "CertificateRequest"),
                (S, "ServerHelloDone"),
                (C, "Certificate"),
                (C, "ClientKeyExchange"),
                (C, "CertificateVerify"),
                (C, "ChangeCipherSpec"),
                (C, "Finished"),
                (S, "ChangeCipherSpec"),
                (S, "Finished"),
            ],
        }
    }
}

/// Receives events. `side` is the side of the connection that emitted the event.
pub trait Observer: Send + Sync {
    /// Called once per event, in order.
    fn on_event(&self, side: Side, event: &Event<'_>);
}

/// An observer that keeps event kinds in memory (handy in tests and tools).
#[derive(Default)]
pub struct EventLog {
    events: std::sync::Mutex<Vec<(Side, &'static str)>>,
    messages: std::sync::Mutex<Vec<(Side, &'static str)>>,
}

impl EventLog {
    /// The (emitting side, kind) of every event so far.
    pub fn kinds(&self) -> Vec<(Side, &'static str)> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// The handshake messages (sender, name) this observer saw, in order.
    pub fn messages(&self) -> Vec<(Side, &'static str)> {
        self.messages.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Observer for EventLog {
    fn on_event(&self, side: Side, event: &Event<'_>) {
        if let Ok(mut e) = self.events.lock() {
            e.push((side, event.kind()));
        }
        if let (Some(m), Ok(mut list)) = (event.message(), self.messages.lock()) {
            list.push(m);
        }
    }
}
