//! The TLS 1.3 client after ServerHello (RFC 8446 §4): EncryptedExtensions, optional
//! CertificateRequest, Certificate, CertificateVerify, Finished; then our Finished.

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, ServerName};

use super::hello::ExpectServerHello;
use super::ClientState;
use crate::auth::{self, Expect};
use crate::codec::extensions::ServerExtension;
use crate::codec::handshake::{
    encode_finished, Certificate13, CertificateEntry, CertificateRequest13, CertificateVerify,
    EncryptedExtensions, ServerHello,
};
use crate::codec::{ExtensionType, HandshakeType, SignatureScheme};
use crate::common::{check_peer_finished, expect, unexpected, Common, Message};
use crate::config::{CertifiedKey, ClientConfig};
use crate::conn::State;
use crate::crypto::hmac::Secret;
use crate::error::Error;
use crate::keys::tls13::{
    certificate_verify_content, finished_verify_data, protection, EarlySecret, HandshakeSecret,
    SecretKind,
};
use crate::keys::transcript::Transcript;
use crate::record::MAX_CIPHERTEXT_TLS13;
use crate::suites::{self, Suite, Version};
use crate::trace::{Event, KeyExchangeKind, Side};
use crate::traffic::{Traffic13, TrafficSecret};
use crate::verify::VerifiedChain;

/// The client's TLS 1.3 states, one per awaited message.
#[allow(clippy::enum_variant_names)] // DESIGN.md: a state is named for what it awaits.
pub(crate) enum Tls13State {
    ExpectEncryptedExtensions(Box<Handshake>),
    ExpectCertificateOrRequest(Box<Handshake>),
    ExpectCertificate(Box<Handshake>),
    ExpectCertificateVerify(Box<Handshake>),
    ExpectFinished(Box<Handshake>),
}

/// What the client carries from ServerHello to its Finished.
pub(crate) struct Handshake {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    suite: &'static Suite,
    transcript: Transcript,
    handshake_secret: HandshakeSecret,
    client_secret: Secret,
    server_secret: Secret,
    offered: Vec<ExtensionType>,
    cert_request: Option<CertificateRequest13>,
    server_chain: Option<VerifiedChain>,
}

impl Tls13State {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Tls13State::ExpectEncryptedExtensions(_) => "ExpectEncryptedExtensions",
            Tls13State::ExpectCertificateOrRequest(_) => "ExpectCertificateOrCertificateRequest",
            Tls13State::ExpectCertificate(_) => "ExpectCertificate",
            Tls13State::ExpectCertificateVerify(_) => "ExpectCertificateVerify",
            Tls13State::ExpectFinished(_) => "ExpectFinished",
        }
    }

    pub(crate) fn handle(self, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let next = match self {
            Tls13State::ExpectEncryptedExtensions(hs) => hs.encrypted_extensions(cx, msg)?,
            Tls13State::ExpectCertificateOrRequest(hs) => match &msg {
                Message::Handshake(m) if m.typ == HandshakeType::CERTIFICATE_REQUEST => {
                    hs.certificate_request(cx, msg)?
                }
                _ => hs.certificate(cx, msg)?,
            },
            Tls13State::ExpectCertificate(hs) => hs.certificate(cx, msg)?,
            Tls13State::ExpectCertificateVerify(hs) => hs.certificate_verify(cx, msg)?,
            Tls13State::ExpectFinished(hs) => return hs.finished(cx, msg),
        };
        Ok(State::Client(ClientState::Tls13(next)))
    }
}

/// ServerHello selected TLS 1.3: check it, finish the key exchange, derive the handshake
/// traffic secrets (RFC 8446 §4.1.3, §7.1).
pub(crate) fn handle_server_hello(
    mut st: Box<ExpectServerHello>,
    cx: &mut Common,
    sh: ServerHello,
    raw: &[u8],
) -> Result<State, Error> {
    let suite = suites::suite_by_id(sh.cipher_suite)
        .filter(|s| s.version == Version::Tls13 && st.hello.cipher_suites.contains(&s.id))
        .ok_or_else(|| {
            Error::IllegalParameter(format!(
                "the server chose {}, which was not offered",
                sh.cipher_suite
            ))
        })?;
    // RFC 8446 §4.1.4: the suite after a HelloRetryRequest must be the one it named.
    if st.retry_suite.is_some_and(|s| s != suite.id) {
        return Err(Error::IllegalParameter(
            "the suite changed after HelloRetryRequest".into(),
        ));
    }
    // RFC 8446 §4.1.3: legacy_session_id_echo must match, compression must be 0.
    if sh.session_id != st.session_id || sh.compression_method != 0 {
        return Err(Error::IllegalParameter(
            "ServerHello does not echo the session id".into(),
        ));
    }
    let mut share = None;
    for ext in &sh.extensions {
        match ext {
            ServerExtension::SupportedVersion(_) => {}
            ServerExtension::KeyShare(k) => share = Some(k),
            other => return Err(Error::UnsolicitedExtension(other.ext_type().to_string())),
        }
    }
    let share = share.ok_or(Error::MissingExtension("key_share"))?;
    let position = st
        .key_shares
        .iter()
        .position(|k| suites::group_code(k.group()) == share.group)
        .ok_or_else(|| {
            Error::IllegalParameter(format!(
                "the server answered with a share of {}, which was not offered",
                share.group
            ))
        })?;
    let keypair = st.key_shares.swap_remove(position);
    let group = keypair.group();
    let shared = keypair.complete(&share.share).map_err(|_| {
        Error::IllegalParameter("the server's key share is not a valid public value".into())
    })?;

    st.transcript.start_hash(suite.hash, false);
    st.transcript.add(raw);
    cx.facts.suite = Some(suite);
    cx.facts.group = Some(group);
    cx.record.max_ciphertext = MAX_CIPHERTEXT_TLS13;
    if cx.tracing() {
        cx.emit(Event::ServerHello {
            random: &sh.random,
            version: crate::codec::ProtocolVersion::TLS13,
            suite: suite.id,
            group: Some(share.group),
        });
        cx.emit(Event::KeyExchange {
            kind: KeyExchangeKind::Ephemeral(share.group),
            post_quantum: group.is_hybrid_pq(),
        });
    }

    let handshake_secret = EarlySecret::new(suite.hash).into_handshake(shared.bytes());
    let hash = st.transcript.current();
    let client_secret = handshake_secret.derive(SecretKind::ClientHandshakeTraffic, &hash);
    let server_secret = handshake_secret.derive(SecretKind::ServerHandshakeTraffic, &hash);
    log_secret(cx, SecretKind::ClientHandshakeTraffic, &client_secret);
    log_secret(cx, SecretKind::ServerHandshakeTraffic, &server_secret);
    cx.set_decrypter(Box::new(protection(suite, &server_secret)?));
    // RFC 8446 §5.1/§6: from here on every record the client sends, alerts included, goes
    // under the client handshake key (a plaintext alert would be refused by the server).
    // In compatibility mode the one CCS goes first, unless it preceded a second ClientHello.
    if !st.session_id.is_empty() && !cx.facts.hello_retry {
        cx.send_ccs()?;
        if cx.tracing() {
            cx.emit(Event::ChangeCipherSpec {
                sender: Side::Client,
                compatibility: true,
            });
        }
    }
    cx.record
        .set_encrypter(Box::new(protection(suite, &client_secret)?));

    let st = *st;
    Ok(State::Client(ClientState::Tls13(
        Tls13State::ExpectEncryptedExtensions(Box::new(Handshake {
            offered: st.hello.extensions.iter().map(|e| e.ext_type()).collect(),
            config: st.config,
            server_name: st.server_name,
            suite,
            transcript: st.transcript,
            handshake_secret,
            client_secret,
            server_secret,
            cert_request: None,
            server_chain: None,
        })),
    )))
}

pub(crate) fn log_secret(cx: &Common, kind: SecretKind, secret: &Secret) {
    let inputs = match kind {
        SecretKind::ClientHandshakeTraffic | SecretKind::ServerHandshakeTraffic => {
            "HKDF: handshake secret (from the (EC)DHE shared secret) + hash of ClientHello..ServerHello"
        }
        _ => "HKDF: master secret + hash of ClientHello..server Finished",
    };
    cx.secret(kind.describe(), inputs, kind.log_label(), secret.bytes());
}

impl Handshake {
    fn encrypted_extensions(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls13State, Error> {
        let m = expect(
            msg,
            HandshakeType::ENCRYPTED_EXTENSIONS,
            "EncryptedExtensions",
        )?;
        let ee =
            EncryptedExtensions::decode(m.body).map_err(Error::decode("EncryptedExtensions"))?;
        let mut sni_ack = false;
        for ext in &ee.extensions {
            let typ = ext.ext_type();
            match ext {
                // RFC 8446 §4.2: these belong to ServerHello/HRR, never EncryptedExtensions.
                ServerExtension::SupportedVersion(_)
                | ServerExtension::KeyShare(_)
                | ServerExtension::RetryGroup(_)
                | ServerExtension::Cookie(_)
                | ServerExtension::EcPointFormats(_)
                | ServerExtension::RenegotiationInfo(_)
                | ServerExtension::ExtendedMasterSecret
                | ServerExtension::SessionTicket => {
                    return Err(Error::IllegalParameter(format!(
                        "{typ} in EncryptedExtensions"
                    )))
                }
                _ if !self.offered.contains(&typ) => {
                    return Err(Error::UnsolicitedExtension(typ.to_string()))
                }
                ServerExtension::Alpn(p) => {
                    // RFC 7301 §3.2: the server's choice must be one the client offered.
                    if !self.config.alpn.contains(p) {
                        return Err(Error::IllegalParameter(
                            "the server chose an ALPN protocol that was not offered".into(),
                        ));
                    }
                    cx.facts.alpn = Some(p.clone());
                }
                ServerExtension::ServerNameAck => sni_ack = true,
                ServerExtension::RecordSizeLimit(limit) => {
                    // RFC 8449 §4: below 64 is illegal; the limit includes the content type byte.
                    if *limit < 64 {
                        return Err(Error::IllegalParameter("record_size_limit below 64".into()));
                    }
                    cx.record.max_fragment =
                        (*limit as usize - 1).min(crate::record::MAX_PLAINTEXT);
                }
                _ => {}
            }
        }
        self.transcript.add(m.raw);
        if cx.tracing() {
            cx.emit(Event::EncryptedExtensions {
                alpn: cx.facts.alpn.as_deref(),
                sni_acknowledged: sni_ack,
            });
        }
        Ok(Tls13State::ExpectCertificateOrRequest(self))
    }

    fn certificate_request(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls13State, Error> {
        let m = expect(
            msg,
            HandshakeType::CERTIFICATE_REQUEST,
            "CertificateRequest",
        )?;
        let req =
            CertificateRequest13::decode(m.body).map_err(Error::decode("CertificateRequest"))?;
        // RFC 8446 §4.3.2: the context is empty in a request made during the handshake.
        if !req.context.is_empty() {
            return Err(Error::IllegalParameter(
                "a handshake CertificateRequest with a context".into(),
            ));
        }
        auth::trace_certificate_request(cx, &req.schemes, &req.authorities);
        self.transcript.add(m.raw);
        self.cert_request = Some(req);
        Ok(Tls13State::ExpectCertificate(self))
    }

    fn certificate(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls13State, Error> {
        let m = expect(msg, HandshakeType::CERTIFICATE, "Certificate")?;
        let cert = Certificate13::decode(m.body).map_err(Error::decode("Certificate"))?;
        if !cert.context.is_empty() {
            return Err(Error::IllegalParameter(
                "the server's Certificate has a request context".into(),
            ));
        }
        // RFC 8446 §4.4.2.4: an empty server Certificate is a decode_error.
        if cert.entries.is_empty() {
            return Err(Error::Decode {
                what: "Certificate",
                reason: crate::codec::DecodeError::Invalid("the server sent no certificate"),
            });
        }
        let chain: Vec<CertificateDer<'static>> = cert
            .entries
            .into_iter()
            .map(|e| CertificateDer::from(e.cert))
            .collect();
        let now = (self.config.clock)();
        let verified = auth::verify_peer_chain(
            cx,
            &self.config.roots,
            &self.config.crls,
            chain,
            Expect::Server(&self.server_name),
            now,
        )?;
        self.transcript.add(m.raw);
        self.server_chain = Some(verified);
        Ok(Tls13State::ExpectCertificateVerify(self))
    }

    fn certificate_verify(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls13State, Error> {
        let m = expect(msg, HandshakeType::CERTIFICATE_VERIFY, "CertificateVerify")?;
        let cv = CertificateVerify::decode(m.body).map_err(Error::decode("CertificateVerify"))?;
        let chain = self
            .server_chain
            .as_ref()
            .ok_or(Error::Internal("no verified chain"))?;
        let content = certificate_verify_content(true, &self.transcript.current());
        let scheme = auth::check_signature(
            Version::Tls13,
            chain.end_entity(),
            cv.scheme,
            &content,
            &cv.signature,
            "CertificateVerify",
        )?;
        cx.facts.signature_scheme = Some(scheme);
        cx.facts.peer_identity = self.server_chain.take();
        if cx.tracing() {
            cx.emit(Event::CertificateVerify {
                sender: Side::Server,
                scheme: cv.scheme,
                verified: true,
            });
        }
        self.transcript.add(m.raw);
        Ok(Tls13State::ExpectFinished(self))
    }

    fn finished(mut self: Box<Self>, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let m = match msg {
            Message::Handshake(m) if m.typ == HandshakeType::FINISHED => m,
            other => return Err(unexpected("Finished", &other)),
        };
        // RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(..CertificateVerify)),
        // compared in constant time.
        let expected = finished_verify_data(&self.server_secret, &self.transcript.current());
        check_peer_finished(cx, expected.as_ref(), m.body)?;
        self.transcript.add(m.raw);

        // Application secrets come from the transcript through the server's Finished.
        let hash = self.transcript.current();
        let master = self.handshake_secret.into_master();
        let client_app = master.derive(SecretKind::ClientApplicationTraffic, &hash);
        let server_app = master.derive(SecretKind::ServerApplicationTraffic, &hash);
        log_secret(cx, SecretKind::ClientApplicationTraffic, &client_app);
        log_secret(cx, SecretKind::ServerApplicationTraffic, &server_app);
        let exporter = master.derive(SecretKind::ExporterMaster, &hash);
        log_secret(cx, SecretKind::ExporterMaster, &exporter);
        cx.set_decrypter(Box::new(protection(self.suite, &server_app)?));

        // Our flight, under the client handshake key (set at ServerHello, after any
        // compatibility CCS): an optional Certificate + CertificateVerify, then Finished.
        if let Some(req) = self.cert_request.take() {
            send_client_certificate(cx, &self.config, &req, &mut self.transcript)?;
        }
        let verify_data = finished_verify_data(&self.client_secret, &self.transcript.current());
        let fin = encode_finished(verify_data.as_ref());
        cx.send_handshake(&fin)?;
        self.transcript.add(&fin);
        if cx.tracing() {
            cx.emit(Event::Finished {
                sender: Side::Client,
                verify_data: verify_data.as_ref(),
            });
        }
        cx.record
            .set_encrypter(Box::new(protection(self.suite, &client_app)?));
        cx.handshake_done = true;
        if cx.tracing() {
            cx.emit(Event::HandshakeComplete {
                version: crate::codec::ProtocolVersion::TLS13,
                suite: self.suite.id,
                group: cx.facts.group.map(suites::group_code),
                alpn: cx.facts.alpn.as_deref(),
            });
        }
        Ok(State::Traffic13(Box::new(Traffic13 {
            suite: self.suite,
            tx_secret: TrafficSecret::keep(&client_app),
            rx_secret: TrafficSecret::keep(&server_app),
            key_updates_in_a_row: 0,
        })))
    }
}

/// RFC 8446 §4.4.2: the client's Certificate (empty when it has none that fits) and, with a
/// certificate, its CertificateVerify.
fn send_client_certificate(
    cx: &mut Common,
    config: &ClientConfig,
    req: &CertificateRequest13,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let accepted: Vec<_> = req
        .schemes
        .iter()
        .filter_map(|s| suites::scheme_from_code(*s))
        .filter(|s| suites::tls13_handshake_scheme(*s))
        .collect();
    let chosen: Option<(Arc<CertifiedKey>, _)> = config
        .client_cert
        .as_ref()
        .and_then(|r| r.resolve(&accepted, &req.authorities))
        .and_then(|ck| {
            let scheme = auth::choose_scheme(ck.key.as_ref(), Version::Tls13, &req.schemes)?;
            Some((ck, scheme))
        });
    let entries = chosen.as_ref().map_or_else(Vec::new, |(ck, _)| {
        ck.chain
            .iter()
            .map(|c| CertificateEntry {
                cert: c.to_vec(),
                extensions: Vec::new(),
            })
            .collect()
    });
    let cert = Certificate13 {
        context: req.context.clone(),
        entries,
    }
    .encode();
    cx.send_handshake(&cert)?;
    transcript.add(&cert);
    cx.sent_empty_certificate = chosen.is_none();
    if cx.tracing() {
        let chain = chosen.as_ref().map_or(&[][..], |(ck, _)| &ck.chain[..]);
        auth::trace_chain(cx, Side::Client, chain);
    }
    if let Some((ck, scheme)) = chosen {
        let content = certificate_verify_content(false, &transcript.current());
        let signature = ck.key.sign(scheme, &content)?;
        let code: SignatureScheme = suites::scheme_code(scheme);
        let cv = CertificateVerify {
            scheme: code,
            signature,
        }
        .encode();
        cx.send_handshake(&cv)?;
        transcript.add(&cv);
        if cx.tracing() {
            cx.emit(Event::CertificateVerify {
                sender: Side::Client,
                scheme: code,
                verified: true,
            });
        }
    }
    Ok(())
}
