//! The server's first step: read the ClientHello and choose the version (RFC 8446 §4.1.2,
//! §4.2.1; RFC 5246 §7.4.1.2; RFC 7507; RFC 8996).

use std::sync::Arc;

use crate::client::trace_hello_pub as trace_hello;
use crate::codec::handshake::ClientHello;
use crate::codec::{is_grease_u16, CipherSuite, HandshakeType, NamedGroup, ProtocolVersion};
use crate::common::{expect, Common, Message};
use crate::config::ServerConfig;
use crate::conn::State;
use crate::error::Error;
use crate::keys::transcript::Transcript;
use crate::suites::Version;

/// What a HelloRetryRequest asked for, to check the second ClientHello against.
pub(crate) struct Retry {
    pub group: NamedGroup,
    pub cookie: Vec<u8>,
    pub suite: CipherSuite,
    pub transcript: Transcript,
    pub first_hello: ClientHello,
}

/// The server waits for a ClientHello (the first, or the second after a retry).
pub(crate) struct ExpectClientHello {
    pub config: Arc<ServerConfig>,
    pub retry: Option<Retry>,
}

/// Everything the TLS 1.2 server needs from the hello step.
pub(crate) struct Chosen12 {
    pub config: Arc<ServerConfig>,
    pub hello: ClientHello,
    pub raw: Vec<u8>,
}

impl ExpectClientHello {
    pub(crate) fn new(config: Arc<ServerConfig>) -> Self {
        ExpectClientHello {
            config,
            retry: None,
        }
    }

    pub(crate) fn after_retry(&self) -> bool {
        self.retry.is_some()
    }

    pub(crate) fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<State, Error> {
        let m = expect(msg, HandshakeType::CLIENT_HELLO, "ClientHello")?;
        let hello = ClientHello::decode(m.body).map_err(Error::decode("ClientHello"))?;
        if cx.tracing() {
            trace_hello(cx, &hello, self.retry.is_some());
        }
        if !hello.compression_methods.contains(&0) {
            return Err(Error::IllegalParameter(
                "the ClientHello does not offer null compression".into(),
            ));
        }
        let version = self.choose_version(&hello)?;
        cx.facts.client_random = hello.random;
        cx.facts.sni = hello.server_name().map(str::to_string);
        match version {
            Version::Tls13 => super::tls13::start(self, cx, hello, m.raw),
            Version::Tls12 => {
                if self.retry.is_some() {
                    return Err(Error::IllegalParameter(
                        "the second ClientHello dropped TLS 1.3".into(),
                    ));
                }
                super::tls12::start(
                    cx,
                    Chosen12 {
                        config: self.config,
                        hello,
                        raw: m.raw.to_vec(),
                    },
                )
            }
        }
    }

    fn choose_version(&self, hello: &ClientHello) -> Result<Version, Error> {
        let ours = &self.config.versions;
        let offered: Vec<ProtocolVersion> = match hello.supported_versions() {
            // RFC 8701: GREASE values are ignored.
            Some(v) => v.iter().copied().filter(|v| !is_grease_u16(v.0)).collect(),
            // RFC 8446 §4.2.1: without the extension the client offers legacy_version and,
            // implicitly, everything below it.
            None if hello.legacy_version >= ProtocolVersion::TLS12 => vec![ProtocolVersion::TLS12],
            None => vec![hello.legacy_version],
        };
        let chosen = if offered.contains(&ProtocolVersion::TLS13) && ours.contains(&Version::Tls13)
        {
            Version::Tls13
        } else if offered.contains(&ProtocolVersion::TLS12) && ours.contains(&Version::Tls12) {
            Version::Tls12
        } else {
            let best = offered
                .iter()
                .max()
                .copied()
                .unwrap_or(hello.legacy_version);
            let why = if best < ProtocolVersion::TLS12 {
                format!("the client wants {best}, which lucid refuses (RFC 8996): it needs TLS 1.2 or 1.3")
            } else {
                let names: Vec<_> = ours.iter().map(|v| v.name()).collect();
                format!(
                    "the client offers up to {best}; this server is set to {}",
                    names.join(" and ")
                )
            };
            return Err(Error::UnsupportedVersion(why));
        };
        // RFC 7507 §3: TLS_FALLBACK_SCSV with a version below our highest is an attack or a
        // broken retry: inappropriate_fallback.
        let highest = ours.iter().max().copied().unwrap_or(chosen);
        if hello
            .cipher_suites
            .contains(&CipherSuite::TLS_FALLBACK_SCSV)
            && chosen < highest
        {
            return Err(Error::InappropriateFallback);
        }
        Ok(chosen)
    }
}
