//! The TLS 1.3 server (RFC 8446 §4): ServerHello (or HelloRetryRequest), then
//! EncryptedExtensions, optional CertificateRequest, Certificate, CertificateVerify and
//! Finished in one flight; then the client's optional certificate and its Finished.

use std::sync::Arc;

use rustls_pki_types::CertificateDer;

use super::hello::{ExpectClientHello, Retry};
use super::ServerState;
use crate::auth::{self, Expect};
use crate::client::tls13_log_secret as log_secret;
use crate::codec::extensions::{KeyShareEntry, ServerExtension};
use crate::codec::handshake::{
    encode_finished, Certificate13, CertificateEntry, CertificateRequest13, CertificateVerify,
    ClientHello, EncryptedExtensions, ServerHello, HRR_RANDOM,
};
use crate::codec::{HandshakeType, ProtocolVersion};
use crate::common::{check_peer_finished, expect, Common, Message};
use crate::config::{CertifiedKey, ClientAuth, ServerConfig};
use crate::conn::State;
use crate::crypto::hmac::Secret;
use crate::crypto::kx::{self, KxGroup};
use crate::crypto::rand::random_array;
use crate::crypto::sign::SigScheme;
use crate::error::Error;
use crate::keys::tls13::{
    certificate_verify_content, finished_verify_data, protection, EarlySecret, SecretKind,
};
use crate::keys::transcript::Transcript;
use crate::record::MAX_CIPHERTEXT_TLS13;
use crate::suites::{self, Suite, Version};
use crate::trace::{Event, KeyExchangeKind, Side};
use crate::traffic::{Traffic13, TrafficSecret};
use crate::verify::VerifiedChain;

/// The server's TLS 1.3 states, one per awaited message.
#[allow(clippy::enum_variant_names)] // DESIGN.md: a state is named for what it awaits.
pub(crate) enum Tls13State {
    ExpectCertificate(Box<AwaitClient>),
    ExpectCertificateVerify(Box<AwaitClient>),
    ExpectFinished(Box<AwaitClient>),
}

/// What the server keeps while it waits for the client's second flight.
pub(crate) struct AwaitClient {
    config: Arc<ServerConfig>,
    suite: &'static Suite,
    transcript: Transcript,
    client_hs: Secret,
    client_app: Secret,
    server_app: Secret,
    client_chain_required: bool,
    /// The client's chain, verified; it becomes the peer identity once its
    /// CertificateVerify checks out.
    client_chain: Option<VerifiedChain>,
}

impl Tls13State {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Tls13State::ExpectCertificate(_) => "ExpectClientCertificate",
            Tls13State::ExpectCertificateVerify(_) => "ExpectClientCertificateVerify",
            Tls13State::ExpectFinished(_) => "ExpectClientFinished",
        }
    }

    pub(crate) fn handle(self, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let next = match self {
            Tls13State::ExpectCertificate(s) => s.certificate(cx, msg)?,
            Tls13State::ExpectCertificateVerify(s) => s.certificate_verify(cx, msg)?,
            Tls13State::ExpectFinished(s) => return s.finished(cx, msg),
        };
        Ok(State::Server(ServerState::Tls13(next)))
    }
}

/// The negotiation over a TLS 1.3 ClientHello.
struct Choice {
    suite: &'static Suite,
    cert: Arc<CertifiedKey>,
    scheme: SigScheme,
    group: KxGroup,
    share: Option<Vec<u8>>,
}

/// ClientHello chose TLS 1.3: negotiate, then send ServerHello and the server's flight,
/// or a HelloRetryRequest when no usable key share came.
pub(crate) fn start(
    mut st: Box<ExpectClientHello>,
    cx: &mut Common,
    hello: ClientHello,
    raw: &[u8],
) -> Result<State, Error> {
    let config = st.config.clone();
    if let Some(retry) = &st.retry {
        check_second_hello(retry, &hello)?;
    }
    let choice = negotiate(&config, &hello, st.retry.as_ref())?;
    let compat = !hello.session_id.is_empty();
    let Some(client_share) = choice.share else {
        return send_retry(st, cx, hello, raw, choice.suite, choice.group, compat);
    };
    let mut transcript = match st.retry.take() {
        Some(r) => r.transcript,
        None => {
            let mut t = Transcript::new();
            t.start_hash(choice.suite.hash, false);
            t
        }
    };
    transcript.add(raw);
    let retried = cx.facts.hello_retry;
    let (server_share, shared) = match (choice.group, config.test_hooks.x25519_private) {
        (KxGroup::X25519, Some(p)) => kx::respond_x25519_fixed(&p, &client_share),
        (g, _) => kx::respond(g, &client_share),
    }
    .map_err(|_| {
        Error::IllegalParameter("the client's key share is not a valid public value".into())
    })?;

    // RFC 8446 §4.1.3: ServerHello.
    let random = match config.test_hooks.random {
        Some(r) => r,
        None => random_array()?,
    };
    let group_code = suites::group_code(choice.group);
    let sh = ServerHello {
        legacy_version: ProtocolVersion::TLS12,
        random,
        session_id: hello.session_id.clone(),
        cipher_suite: choice.suite.id,
        compression_method: 0,
        extensions: vec![
            ServerExtension::KeyShare(KeyShareEntry {
                group: group_code,
                share: server_share,
            }),
            ServerExtension::SupportedVersion(ProtocolVersion::TLS13),
        ],
    }
    .encode();
    cx.send_handshake(&sh)?;
    transcript.add(&sh);
    cx.facts.version = Some(Version::Tls13);
    cx.facts.suite = Some(choice.suite);
    cx.facts.group = Some(choice.group);
    cx.facts.server_random = random;
    cx.facts.signature_scheme = Some(choice.scheme);
    cx.record.max_ciphertext = MAX_CIPHERTEXT_TLS13;
    if cx.tracing() {
        cx.emit(Event::ServerHello {
            random: &random,
            version: ProtocolVersion::TLS13,
            suite: choice.suite.id,
            group: Some(group_code),
        });
        cx.emit(Event::KeyExchange {
            kind: KeyExchangeKind::Ephemeral(group_code),
            post_quantum: choice.group.is_hybrid_pq(),
        });
    }
    // RFC 8446 Appendix D.4: in compatibility mode, CCS after the first server flight
    // message (once only: after HRR if there was one).
    if compat && !retried {
        send_compat_ccs(cx)?;
    }

    let handshake_secret = EarlySecret::new(choice.suite.hash).into_handshake(shared.bytes());
    let hash = transcript.current();
    let client_hs = handshake_secret.derive(SecretKind::ClientHandshakeTraffic, &hash);
    let server_hs = handshake_secret.derive(SecretKind::ServerHandshakeTraffic, &hash);
    log_secret(cx, SecretKind::ClientHandshakeTraffic, &client_hs);
    log_secret(cx, SecretKind::ServerHandshakeTraffic, &server_hs);
    cx.record
        .set_encrypter(Box::new(protection(choice.suite, &server_hs)?));
    cx.set_decrypter(Box::new(protection(choice.suite, &client_hs)?));

    send_encrypted_extensions(cx, &config, &hello, &mut transcript)?;
    let client_auth = send_certificate_request(cx, &config, &mut transcript)?;

    // Certificate and CertificateVerify (RFC 8446 §4.4.2, §4.4.3).
    let cert = Certificate13 {
        context: Vec::new(),
        entries: choice
            .cert
            .chain
            .iter()
            .map(|c| CertificateEntry {
                cert: c.to_vec(),
                extensions: Vec::new(),
            })
            .collect(),
    }
    .encode();
    cx.send_handshake(&cert)?;
    transcript.add(&cert);
    if cx.tracing() {
        auth::trace_chain(cx, Side::Server, &choice.cert.chain);
    }
    let content = certificate_verify_content(true, &transcript.current());
    let signature = choice.cert.key.sign(choice.scheme, &content)?;
    let scheme_code = suites::scheme_code(choice.scheme);
    let cv = CertificateVerify {
        scheme: scheme_code,
        signature,
    }
    .encode();
    cx.send_handshake(&cv)?;
    transcript.add(&cv);
    if cx.tracing() {
        cx.emit(Event::CertificateVerify {
            sender: Side::Server,
            scheme: scheme_code,
            verified: true,
        });
    }

    let verify_data = finished_verify_data(&server_hs, &transcript.current());
    let fin = encode_finished(verify_data.as_ref());
    cx.send_handshake(&fin)?;
    transcript.add(&fin);
    if cx.tracing() {
        cx.emit(Event::Finished {
            sender: Side::Server,
            verify_data: verify_data.as_ref(),
        });
    }

    let hash = transcript.current();
    let master = handshake_secret.into_master();
    let client_app = master.derive(SecretKind::ClientApplicationTraffic, &hash);
    let server_app = master.derive(SecretKind::ServerApplicationTraffic, &hash);
    log_secret(cx, SecretKind::ClientApplicationTraffic, &client_app);
    log_secret(cx, SecretKind::ServerApplicationTraffic, &server_app);
    let exporter = master.derive(SecretKind::ExporterMaster, &hash);
    log_secret(cx, SecretKind::ExporterMaster, &exporter);
    cx.record
        .set_encrypter(Box::new(protection(choice.suite, &server_app)?));

    let wait = Box::new(AwaitClient {
        config: config.clone(),
        suite: choice.suite,
        transcript,
        client_hs,
        client_app,
        server_app,
        client_chain_required: matches!(config.client_auth, ClientAuth::Required(_)),
        client_chain: None,
    });
    let next = if client_auth {
        Tls13State::ExpectCertificate(wait)
    } else {
        Tls13State::ExpectFinished(wait)
    };
    Ok(State::Server(ServerState::Tls13(next)))
}

fn send_compat_ccs(cx: &mut Common) -> Result<(), Error> {
    cx.send_ccs()?;
    if cx.tracing() {
        cx.emit(Event::ChangeCipherSpec {
            sender: Side::Server,
            compatibility: true,
        });
    }
    Ok(())
}

/// Chooses suite, certificate, signature scheme and group, in the server's preference order.
fn negotiate(
    config: &ServerConfig,
    hello: &ClientHello,
    retry: Option<&Retry>,
) -> Result<Choice, Error> {
    let suite = config
        .suites
        .iter()
        .copied()
        .filter(|s| s.version == Version::Tls13)
        .find(|s| hello.cipher_suites.contains(&s.id))
        .ok_or_else(|| {
            Error::NoCommonGround(
                "the client offers no TLS 1.3 cipher suite this server enables".into(),
            )
        })?;
    // RFC 8446 §9.2: a certificate-authenticated handshake needs signature_algorithms.
    let schemes = hello
        .signature_schemes()
        .ok_or(Error::MissingExtension("signature_algorithms"))?;
    let cert = config
        .cert_resolver
        .resolve(hello.server_name())
        .ok_or_else(|| match hello.server_name() {
            Some(n) => Error::UnrecognizedName(n.to_string()),
            None => {
                Error::NoCommonGround("no certificate for a client that sent no server name".into())
            }
        })?;
    let scheme =
        auth::choose_scheme(cert.key.as_ref(), Version::Tls13, schemes).ok_or_else(|| {
            Error::NoCommonGround(format!(
                "the client accepts no signature scheme this server's {} key can make",
                cert.key.kind().describe()
            ))
        })?;
    let shares = hello
        .key_shares()
        .ok_or(Error::MissingExtension("key_share"))?;
    if hello
        .find(crate::codec::ExtensionType::SUPPORTED_GROUPS)
        .is_none()
    {
        return Err(Error::MissingExtension("supported_groups"));
    }
    // RFC 8446 §4.2.8: one share per group at most.
    for (i, s) in shares.iter().enumerate() {
        if shares[..i].iter().any(|o| o.group == s.group) {
            return Err(Error::IllegalParameter(
                "two key shares for one group".into(),
            ));
        }
    }
    let client_groups = hello.groups();
    let mutual: Vec<KxGroup> = config
        .groups
        .iter()
        .copied()
        .filter(|g| client_groups.contains(&suites::group_code(*g)))
        .collect();
    // Prefer a group the client already sent a share for (no extra round trip).
    let with_share = mutual.iter().copied().find_map(|g| {
        shares
            .iter()
            .find(|s| s.group == suites::group_code(g))
            .map(|s| (g, s.share.clone()))
    });
    let (group, share) = match (with_share, mutual.first()) {
        (Some((g, s)), _) => (g, Some(s)),
        (None, Some(g)) if retry.is_none() => (*g, None),
        (None, Some(_)) => {
            return Err(Error::IllegalParameter(
                "the second ClientHello has no share for the requested group".into(),
            ))
        }
        (None, None) => {
            return Err(Error::NoCommonGround(
                "the client offers no key-exchange group this server enables".into(),
            ))
        }
    };
    Ok(Choice {
        suite,
        cert,
        scheme,
        group,
        share,
    })
}

/// RFC 8446 §4.1.2: the second ClientHello repeats the first, with one share for the
/// requested group and the cookie echoed.
fn check_second_hello(retry: &Retry, hello: &ClientHello) -> Result<(), Error> {
    let shares = hello.key_shares().unwrap_or(&[]);
    if shares.len() != 1 || shares[0].group != retry.group {
        return Err(Error::IllegalParameter(
            "the second ClientHello does not carry one share for the requested group".into(),
        ));
    }
    if hello.cookie() != Some(retry.cookie.as_slice()) {
        return Err(Error::IllegalParameter(
            "the second ClientHello does not echo the cookie".into(),
        ));
    }
    let first = &retry.first_hello;
    if hello.random != first.random
        || hello.session_id != first.session_id
        || hello.cipher_suites != first.cipher_suites
        || !hello.cipher_suites.contains(&retry.suite)
    {
        return Err(Error::IllegalParameter(
            "the second ClientHello differs from the first".into(),
        ));
    }
    Ok(())
}

/// RFC 8446 §4.1.4: HelloRetryRequest naming the group we want, with a cookie to echo.
fn send_retry(
    mut st: Box<ExpectClientHello>,
    cx: &mut Common,
    hello: ClientHello,
    raw: &[u8],
    suite: &'static Suite,
    group: KxGroup,
    compat: bool,
) -> Result<State, Error> {
    let cookie = random_array::<32>()?.to_vec();
    let group_code = suites::group_code(group);
    let hrr = ServerHello {
        legacy_version: ProtocolVersion::TLS12,
        random: HRR_RANDOM,
        session_id: hello.session_id.clone(),
        cipher_suite: suite.id,
        compression_method: 0,
        extensions: vec![
            ServerExtension::SupportedVersion(ProtocolVersion::TLS13),
            ServerExtension::RetryGroup(group_code),
            ServerExtension::Cookie(cookie.clone()),
        ],
    }
    .encode();
    let mut transcript = Transcript::new();
    transcript.add(raw);
    transcript.start_hash(suite.hash, false);
    transcript.replace_with_message_hash(suite.hash);
    transcript.add(&hrr);
    cx.send_handshake(&hrr)?;
    cx.facts.hello_retry = true;
    if cx.tracing() {
        cx.emit(Event::HelloRetryRequest {
            suite: suite.id,
            group: group_code,
            cookie: true,
        });
    }
    if compat {
        send_compat_ccs(cx)?;
    }
    st.retry = Some(Retry {
        group: group_code,
        cookie,
        suite: suite.id,
        transcript,
        first_hello: hello,
    });
    Ok(State::Server(ServerState::ExpectClientHello(st)))
}

fn send_encrypted_extensions(
    cx: &mut Common,
    config: &ServerConfig,
    hello: &ClientHello,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let mut exts = Vec::new();
    // RFC 6066 §3: an empty server_name acknowledges that the name was used.
    if hello.server_name().is_some() {
        exts.push(ServerExtension::ServerNameAck);
    }
    if let Some(p) = choose_alpn(config, hello)? {
        cx.facts.alpn = Some(p.clone());
        exts.push(ServerExtension::Alpn(p));
    }
    if let Some(edit) = config.test_hooks.edit_encrypted_extensions {
        edit(&mut exts);
    }
    let ee = EncryptedExtensions { extensions: exts }.encode();
    cx.send_handshake(&ee)?;
    transcript.add(&ee);
    if cx.tracing() {
        cx.emit(Event::EncryptedExtensions {
            alpn: cx.facts.alpn.as_deref(),
            sni_acknowledged: hello.server_name().is_some(),
        });
    }
    Ok(())
}

/// RFC 7301 §3.2: the first of our protocols the client offers; none in common is
/// no_application_protocol. A server without ALPN settings ignores the extension.
pub(crate) fn choose_alpn(
    config: &ServerConfig,
    hello: &ClientHello,
) -> Result<Option<Vec<u8>>, Error> {
    let offered = hello.alpn();
    if offered.is_empty() || config.alpn.is_empty() {
        return Ok(None);
    }
    config
        .alpn
        .iter()
        .find(|p| offered.contains(p))
        .cloned()
        .map(Some)
        .ok_or(Error::NoApplicationProtocol)
}

fn send_certificate_request(
    cx: &mut Common,
    config: &ServerConfig,
    transcript: &mut Transcript,
) -> Result<bool, Error> {
    let roots = match &config.client_auth {
        ClientAuth::Off => return Ok(false),
        ClientAuth::Optional(r) | ClientAuth::Required(r) => r,
    };
    let req = CertificateRequest13 {
        context: Vec::new(),
        schemes: auth::offered_schemes(Version::Tls13),
        authorities: roots.subjects().to_vec(),
    };
    let bytes = req.encode();
    cx.send_handshake(&bytes)?;
    transcript.add(&bytes);
    auth::trace_certificate_request(cx, &req.schemes, &req.authorities);
    Ok(true)
}

impl AwaitClient {
    fn certificate(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls13State, Error> {
        let m = expect(msg, HandshakeType::CERTIFICATE, "the client's Certificate")?;
        let cert = Certificate13::decode(m.body).map_err(Error::decode("Certificate"))?;
        if !cert.context.is_empty() {
            return Err(Error::IllegalParameter(
                "the client's Certificate has a context we did not send".into(),
            ));
        }
        self.transcript.add(m.raw);
        if cert.entries.is_empty() {
            if cx.tracing() {
                auth::trace_chain(cx, Side::Client, &[]);
            }
            // RFC 8446 §4.4.2.4: no certificate where one is required: certificate_required.
            if self.client_chain_required {
                return Err(Error::CertificateRequired(Version::Tls13));
            }
            return Ok(Tls13State::ExpectFinished(self));
        }
        let roots = match &self.config.client_auth {
            ClientAuth::Optional(r) | ClientAuth::Required(r) => r,
            ClientAuth::Off => {
                return Err(Error::Internal("client certificate without client auth"))
            }
        };
        let chain: Vec<CertificateDer<'static>> = cert
            .entries
            .into_iter()
            .map(|e| CertificateDer::from(e.cert))
            .collect();
        let now = (self.config.clock)();
        let verified =
            auth::verify_peer_chain(cx, roots, &self.config.crls, chain, Expect::Client, now)?;
        self.client_chain = Some(verified);
        Ok(Tls13State::ExpectCertificateVerify(self))
    }

    fn certificate_verify(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls13State, Error> {
        let m = expect(
            msg,
            HandshakeType::CERTIFICATE_VERIFY,
            "the client's CertificateVerify",
        )?;
        let cv = CertificateVerify::decode(m.body).map_err(Error::decode("CertificateVerify"))?;
        let chain = self
            .client_chain
            .take()
            .ok_or(Error::Internal("no client chain"))?;
        let content = certificate_verify_content(false, &self.transcript.current());
        auth::accept_client_certificate_verify(cx, Version::Tls13, chain, &cv, &content)?;
        self.transcript.add(m.raw);
        Ok(Tls13State::ExpectFinished(self))
    }

    fn finished(self: Box<Self>, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let m = expect(msg, HandshakeType::FINISHED, "the client's Finished")?;
        let expected = finished_verify_data(&self.client_hs, &self.transcript.current());
        check_peer_finished(cx, expected.as_ref(), m.body)?;
        cx.set_decrypter(Box::new(protection(self.suite, &self.client_app)?));
        cx.handshake_done = true;
        if cx.tracing() {
            cx.emit(Event::HandshakeComplete {
                version: ProtocolVersion::TLS13,
                suite: self.suite.id,
                group: cx.facts.group.map(suites::group_code),
                alpn: cx.facts.alpn.as_deref(),
            });
        }
        let me = *self;
        Ok(State::Traffic13(Box::new(Traffic13 {
            suite: me.suite,
            tx_secret: TrafficSecret::keep(&me.server_app),
            rx_secret: TrafficSecret::keep(&me.client_app),
            key_updates_in_a_row: 0,
        })))
    }
}
