//! Step 1 of every handshake: the ClientHello, and the ServerHello (or HelloRetryRequest)
//! that decides the version.

use std::sync::Arc;

use rustls_pki_types::ServerName;

use crate::codec::extensions::{ClientExtension, KeyShareEntry, ServerExtension};
use crate::codec::handshake::{ClientHello, ServerHello};
use crate::codec::{CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion};
use crate::common::{expect, Common, Message};
use crate::config::ClientConfig;
use crate::conn::State;
use crate::crypto::kx::{KxGroup, KxKeyPair};
use crate::crypto::rand::random_array;
use crate::error::Error;
use crate::keys::transcript::Transcript;
use crate::suites::{self, Version};
use crate::trace::Event;

/// RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random when a TLS 1.3 server
/// negotiates TLS 1.2 ("DOWNGRD" + 01) or below ("DOWNGRD" + 00).
pub(crate) const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";
pub(crate) const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// The client waits for ServerHello (or HelloRetryRequest).
pub(crate) struct ExpectServerHello {
    pub config: Arc<ClientConfig>,
    pub server_name: ServerName<'static>,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub key_shares: Vec<KxKeyPair>,
    pub transcript: Transcript,
    pub hello: ClientHello,
    /// The suite a HelloRetryRequest chose, once one happened.
    pub retry_suite: Option<CipherSuite>,
}

/// Builds and sends the first ClientHello.
pub(crate) fn start(
    cx: &mut Common,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
) -> Result<Box<ExpectServerHello>, Error> {
    let random = match config.test_hooks.random {
        Some(r) => r,
        None => random_array()?,
    };
    let tls13 = config.versions.contains(&Version::Tls13);
    let tls12 = config.versions.contains(&Version::Tls12);
    // RFC 8446 Appendix D.4: a non-empty session id puts the client in compatibility mode.
    let session_id = if tls13 && config.middlebox_compat {
        random_array::<32>()?.to_vec()
    } else {
        Vec::new()
    };
    let key_shares = if tls13 {
        initial_key_shares(&config)?
    } else {
        Vec::new()
    };
    let sni = match (&server_name, config.enable_sni) {
        // RFC 6066 §3: literal IP addresses are not permitted in server_name.
        (ServerName::DnsName(d), true) => Some(d.as_ref().to_string()),
        _ => None,
    };

    let mut suites: Vec<CipherSuite> = Vec::new();
    for v in [Version::Tls13, Version::Tls12] {
        if config.versions.contains(&v) {
            suites.extend(config.suites_for(v).map(|s| s.id));
        }
    }
    let mut exts = Vec::new();
    if let Some(name) = &sni {
        exts.push(ClientExtension::ServerName(name.clone()));
    }
    if tls12 {
        exts.push(ClientExtension::EcPointFormats(vec![0]));
    }
    // The hybrid post-quantum group is defined for TLS 1.3 only.
    exts.push(ClientExtension::SupportedGroups(
        config
            .groups
            .iter()
            .filter(|g| tls13 || !g.is_hybrid_pq())
            .map(|g| suites::group_code(*g))
            .collect(),
    ));
    exts.push(ClientExtension::SignatureAlgorithms(
        suites::VERIFY_SCHEMES
            .iter()
            .map(|s| suites::scheme_code(*s))
            .collect(),
    ));
    if !config.alpn.is_empty() {
        exts.push(ClientExtension::Alpn(config.alpn.clone()));
    }
    if tls12 {
        exts.push(ClientExtension::ExtendedMasterSecret);
        // RFC 5746 §3.4: an empty renegotiation_info on the initial handshake.
        exts.push(ClientExtension::RenegotiationInfo(Vec::new()));
    }
    if tls13 {
        let mut versions = vec![ProtocolVersion::TLS13];
        if tls12 {
            versions.push(ProtocolVersion::TLS12);
        }
        exts.push(ClientExtension::SupportedVersions(versions));
        exts.push(ClientExtension::KeyShare(
            key_shares.iter().map(share_entry).collect(),
        ));
    }
    let mut hello = ClientHello {
        legacy_version: ProtocolVersion::TLS12,
        random,
        session_id: session_id.clone(),
        cipher_suites: suites,
        compression_methods: vec![0],
        extensions: exts,
    };
    if let Some(edit) = config.test_hooks.edit_client_hello {
        edit(&mut hello);
    }
    let mut transcript = Transcript::new();
    send_hello(cx, &hello, &mut transcript, false)?;
    cx.facts.client_random = random;
    cx.facts.sni = sni;
    Ok(Box::new(ExpectServerHello {
        config,
        server_name,
        random,
        session_id,
        key_shares,
        transcript,
        hello,
        retry_suite: None,
    }))
}

/// Key shares for the first group and, when that is the hybrid post-quantum group, for the
/// first classical group too (so a server without ML-KEM needs no HelloRetryRequest).
fn initial_key_shares(config: &ClientConfig) -> Result<Vec<KxKeyPair>, Error> {
    let mut shares = Vec::new();
    let Some(first) = config.groups.first().copied() else {
        return Ok(shares);
    };
    shares.push(make_share(config, first)?);
    if first.is_hybrid_pq() {
        if let Some(classic) = config.groups.iter().copied().find(|g| !g.is_hybrid_pq()) {
            shares.push(make_share(config, classic)?);
        }
    }
    Ok(shares)
}

fn make_share(config: &ClientConfig, group: KxGroup) -> Result<KxKeyPair, Error> {
    match (group, config.test_hooks.x25519_private) {
        (KxGroup::X25519, Some(private)) => Ok(KxKeyPair::x25519_from_private(&private)?),
        _ => Ok(KxKeyPair::generate(group)?),
    }
}

fn share_entry(k: &KxKeyPair) -> KeyShareEntry {
    KeyShareEntry {
        group: suites::group_code(k.group()),
        share: k.public_share().to_vec(),
    }
}

fn send_hello(
    cx: &mut Common,
    hello: &ClientHello,
    transcript: &mut Transcript,
    retry: bool,
) -> Result<(), Error> {
    let bytes = hello.encode();
    // RFC 8446 §5.1: legacy_record_version 0x0301 for the first ClientHello.
    cx.record.plaintext_version = if retry { 0x0303 } else { 0x0301 };
    cx.send_handshake(&bytes)?;
    cx.record.plaintext_version = 0x0303;
    transcript.add(&bytes);
    if cx.tracing() {
        trace_hello(cx, hello, retry);
    }
    Ok(())
}

/// Emits the ClientHello event (shared with the server, which narrates what it received).
pub(crate) fn trace_hello(cx: &Common, hello: &ClientHello, retry: bool) {
    let versions = hello
        .supported_versions()
        .map(|v| v.to_vec())
        .unwrap_or_else(|| vec![hello.legacy_version]);
    let shares: Vec<NamedGroup> = hello
        .key_shares()
        .unwrap_or(&[])
        .iter()
        .map(|k| k.group)
        .collect();
    cx.emit(Event::ClientHello {
        random: &hello.random,
        session_id: &hello.session_id,
        versions: &versions,
        suites: &hello.cipher_suites,
        groups: hello.groups(),
        key_shares: &shares,
        schemes: hello.signature_schemes().unwrap_or(&[]),
        sni: hello.server_name(),
        alpn: hello.alpn(),
        retry,
    });
}

impl ExpectServerHello {
    pub(crate) fn offered_tls13(&self) -> bool {
        self.config.versions.contains(&Version::Tls13)
    }

    pub(crate) fn handle(
        self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<State, Error> {
        let m = expect(msg, HandshakeType::SERVER_HELLO, "ServerHello")?;
        let sh = ServerHello::decode(m.body).map_err(Error::decode("ServerHello"))?;
        let tls13 = sh.selected_version() == Some(ProtocolVersion::TLS13);
        if sh.is_retry_request() {
            return self.handle_retry(cx, &sh, m.raw);
        }
        if let Some(v) = sh.selected_version() {
            // RFC 8446 §4.2.1: the server must pick a version the client offered, and TLS 1.3
            // is the only one selected through this extension.
            if v != ProtocolVersion::TLS13 || !self.offered_tls13() {
                return Err(Error::IllegalParameter(format!(
                    "the server selected {v}, which was not offered"
                )));
            }
        }
        cx.facts.server_random = sh.random;
        if tls13 {
            cx.facts.version = Some(Version::Tls13);
            return super::tls13::handle_server_hello(self, cx, sh, m.raw);
        }
        self.check_legacy_version(&sh)?;
        cx.facts.version = Some(Version::Tls12);
        super::tls12::handle_server_hello(self, cx, sh, m.raw)
    }

    /// A server that did not select TLS 1.3 must be speaking TLS 1.2, must not carry the
    /// downgrade sentinel if we offered 1.3, and must be allowed by our config.
    fn check_legacy_version(&self, sh: &ServerHello) -> Result<(), Error> {
        if self.retry_suite.is_some() {
            return Err(Error::IllegalParameter(
                "the server fell back to TLS 1.2 after a HelloRetryRequest".into(),
            ));
        }
        if sh.legacy_version != ProtocolVersion::TLS12 {
            // RFC 8996: TLS 1.0 and 1.1 (and SSL 3.0) are never negotiated.
            return Err(Error::UnsupportedVersion(format!(
                "the server wants {}, which lucid refuses (RFC 8996); it needs TLS 1.2 or 1.3",
                sh.legacy_version
            )));
        }
        if !self.config.versions.contains(&Version::Tls12) {
            return Err(Error::UnsupportedVersion(
                "the server only speaks TLS 1.2 and this client is set to TLS 1.3 only".into(),
            ));
        }
        // RFC 8446 §4.1.3: a TLS 1.3 client MUST check for the downgrade sentinel.
        let tail: [u8; 8] = sh.random[24..].try_into().unwrap_or_default();
        if self.offered_tls13() && (tail == DOWNGRADE_TLS12 || tail == DOWNGRADE_TLS11) {
            return Err(Error::DowngradeDetected);
        }
        Ok(())
    }

    /// RFC 8446 §4.1.4: HelloRetryRequest.
    fn handle_retry(
        mut self: Box<Self>,
        cx: &mut Common,
        hrr: &ServerHello,
        raw: &[u8],
    ) -> Result<State, Error> {
        if self.retry_suite.is_some() {
            return Err(Error::UnexpectedMessage {
                expected: "ServerHello",
                got: "a second HelloRetryRequest".into(),
            });
        }
        if hrr.selected_version() != Some(ProtocolVersion::TLS13) || !self.offered_tls13() {
            return Err(Error::IllegalParameter(
                "a HelloRetryRequest that does not select TLS 1.3".into(),
            ));
        }
        let suite = suites::suite_by_id(hrr.cipher_suite)
            .filter(|s| s.version == Version::Tls13 && self.hello.cipher_suites.contains(&s.id))
            .ok_or_else(|| {
                Error::IllegalParameter(format!(
                    "the server chose {}, which was not offered",
                    hrr.cipher_suite
                ))
            })?;
        if hrr.session_id != self.session_id || hrr.compression_method != 0 {
            return Err(Error::IllegalParameter(
                "the HelloRetryRequest does not echo our session id".into(),
            ));
        }
        let mut group = None;
        let mut cookie = None;
        for ext in &hrr.extensions {
            match ext {
                ServerExtension::SupportedVersion(_) => {}
                ServerExtension::RetryGroup(g) => group = Some(*g),
                ServerExtension::Cookie(c) => cookie = Some(c.clone()),
                other => return Err(Error::UnsolicitedExtension(other.ext_type().to_string())),
            }
        }
        // RFC 8446 §4.1.4: the retry must change something, and the group must be one we
        // offered and have not already sent a share for.
        if group.is_none() && cookie.is_none() {
            return Err(Error::IllegalParameter(
                "a HelloRetryRequest that changes nothing".into(),
            ));
        }
        if let Some(g) = group {
            let ours = suites::group_from_code(g).filter(|k| self.config.groups.contains(k));
            let already = self
                .key_shares
                .iter()
                .any(|k| suites::group_code(k.group()) == g);
            match ours {
                Some(k) if !already => self.key_shares = vec![make_share(&self.config, k)?],
                _ => {
                    return Err(Error::IllegalParameter(format!(
                        "the server asked for a share of {g}, which it may not"
                    )))
                }
            }
        }
        if cx.tracing() {
            cx.emit(Event::HelloRetryRequest {
                suite: suite.id,
                group: group.unwrap_or(NamedGroup(0)),
                cookie: cookie.is_some(),
            });
        }
        cx.facts.hello_retry = true;
        self.transcript.start_hash(suite.hash, false);
        self.transcript.replace_with_message_hash(suite.hash);
        self.transcript.add(raw);
        self.retry_suite = Some(suite.id);

        // The second ClientHello: the same, with the new share and the cookie.
        let shares: Vec<KeyShareEntry> = self.key_shares.iter().map(share_entry).collect();
        self.hello
            .extensions
            .retain(|e| e.ext_type() != ExtensionType::COOKIE);
        for e in &mut self.hello.extensions {
            if let ClientExtension::KeyShare(k) = e {
                *k = shares.clone();
            }
        }
        if let Some(c) = cookie {
            self.hello.extensions.push(ClientExtension::Cookie(c));
        }
        // RFC 8446 Appendix D.4: in compatibility mode the client's CCS goes before its
        // second flight, which here is the second ClientHello.
        if !self.session_id.is_empty() {
            cx.send_ccs()?;
        }
        send_hello(cx, &self.hello, &mut self.transcript, true)?;
        Ok(State::Client(super::ClientState::ExpectServerHello(self)))
    }
}
