//! The TLS 1.2 client after ServerHello (RFC 5246 §7.3): Certificate, ServerKeyExchange
//! (ECDHE), optional CertificateRequest, ServerHelloDone; then our flight (Certificate,
//! ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished) and the server's
//! ChangeCipherSpec and Finished.

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, ServerName};

use super::hello::ExpectServerHello;
use super::ClientState;
use crate::auth::{self, Expect};
use crate::codec::extensions::ServerExtension;
use crate::codec::handshake::{encode_finished, CertificateVerify, ServerHello};
use crate::codec::tls12::{
    decode_certificate12, encode_certificate12, encode_client_key_exchange, CertificateRequest12,
    EcdheServerKeyExchange,
};
use crate::codec::{DecodeError, ExtensionType, HandshakeType, ProtocolVersion};
use crate::common::{check_peer_finished, expect, unexpected, Common, Message};
use crate::config::{CertifiedKey, ClientConfig};
use crate::conn::State;
use crate::crypto::kx::{KxGroup, KxKeyPair};
use crate::crypto::rand::random_array;
use crate::crypto::sign::{rsa_encrypt_premaster, KeyKind, SigScheme};
use crate::error::Error;
use crate::keys::tls12::{narrate_key_block, narrate_master_secret, MasterSecret12};
use crate::keys::transcript::Transcript;
use crate::record::protect::Decrypter;
use crate::suites::{self, KeyExchange12, ServerAuth, Suite, Version};
use crate::trace::{Event, KeyExchangeKind, Side};
use crate::traffic::Traffic12;
use crate::verify::{self, VerifiedChain};

/// The client's TLS 1.2 states, one per awaited message.
// Every variant is named for the message it awaits, as the flows table reads.
#[allow(clippy::enum_variant_names)]
pub(crate) enum Tls12State {
    ExpectCertificate(Box<Handshake>),
    ExpectServerKeyExchange(Box<Handshake>),
    ExpectCertificateRequestOrDone(Box<Handshake>),
    ExpectServerHelloDone(Box<Handshake>),
    ExpectChangeCipherSpec(Box<Handshake>),
    ExpectFinished(Box<Handshake>),
}

impl Tls12State {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Tls12State::ExpectCertificate(_) => "ExpectCertificate",
            Tls12State::ExpectServerKeyExchange(_) => "ExpectServerKeyExchange",
            Tls12State::ExpectCertificateRequestOrDone(_) => {
                "ExpectCertificateRequestOrServerHelloDone"
            }
            Tls12State::ExpectServerHelloDone(_) => "ExpectServerHelloDone",
            Tls12State::ExpectChangeCipherSpec(_) => "ExpectChangeCipherSpec",
            Tls12State::ExpectFinished(_) => "ExpectFinished",
        }
    }

    pub(crate) fn handle(self, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let next = match self {
            Tls12State::ExpectCertificate(hs) => hs.certificate(cx, msg)?,
            Tls12State::ExpectServerKeyExchange(hs) => hs.server_key_exchange(cx, msg)?,
            Tls12State::ExpectCertificateRequestOrDone(hs) => match &msg {
                Message::Handshake(m) if m.typ == HandshakeType::CERTIFICATE_REQUEST => {
                    hs.certificate_request(cx, msg)?
                }
                _ => hs.server_hello_done(cx, msg)?,
            },
            Tls12State::ExpectServerHelloDone(hs) => hs.server_hello_done(cx, msg)?,
            Tls12State::ExpectChangeCipherSpec(hs) => hs.change_cipher_spec(cx, msg)?,
            Tls12State::ExpectFinished(hs) => return hs.finished(cx, msg),
        };
        Ok(State::Client(ClientState::Tls12(next)))
    }
}

/// What the client carries from ServerHello to the server's Finished.
pub(crate) struct Handshake {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    suite: &'static Suite,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// ClientHello.client_version, the first two bytes of an RSA pre-master secret.
    client_version: ProtocolVersion,
    extended_master_secret: bool,
    server_chain: Option<VerifiedChain>,
    /// The server's ECDHE group and public value, from ServerKeyExchange.
    server_share: Option<(KxGroup, Vec<u8>)>,
    cert_request: Option<CertificateRequest12>,
    master: Option<MasterSecret12>,
    /// Installed when the server's ChangeCipherSpec arrives.
    pending_decrypter: Option<Box<dyn Decrypter>>,
}

/// ServerHello selected TLS 1.2: check the suite and extensions, start the transcript hash.
pub(crate) fn handle_server_hello(
    st: Box<ExpectServerHello>,
    cx: &mut Common,
    sh: ServerHello,
    raw: &[u8],
) -> Result<State, Error> {
    // RFC 5246 §7.4.1.3: the suite MUST be one the client offered.
    let suite = suites::suite_by_id(sh.cipher_suite)
        .filter(|s| s.version == Version::Tls12 && st.hello.cipher_suites.contains(&s.id))
        .ok_or_else(|| {
            Error::IllegalParameter(format!(
                "the server chose {}, which was not offered for TLS 1.2",
                sh.cipher_suite
            ))
        })?;
    // RFC 5246 §7.4.1.3: the compression method MUST be one the client offered (null only).
    if sh.compression_method != 0 {
        return Err(Error::IllegalParameter(
            "the server chose a compression method that was not offered".into(),
        ));
    }
    // No resumption is offered: a server echoing our (compatibility) session id would be
    // resuming a session that never existed (RFC 5246 §7.4.1.3).
    if !st.session_id.is_empty() && sh.session_id == st.session_id {
        return Err(Error::IllegalParameter(
            "the server resumed a session that was not offered".into(),
        ));
    }
    let extended_master_secret = check_extensions(&st, cx, &sh)?;
    // RFC 7627 §5.3: a client that requires the extension aborts without it.
    if st.config.require_ems && !extended_master_secret {
        return Err(Error::ExtendedMasterSecretRequired);
    }

    let st = *st;
    let mut transcript = st.transcript;
    // RFC 5246 §7.4.8: a client CertificateVerify signs the handshake messages themselves,
    // so keep them while a client certificate may be asked for.
    transcript.start_hash(suite.hash, st.config.client_cert.is_some());
    transcript.add(raw);
    cx.facts.version = Some(Version::Tls12);
    cx.facts.suite = Some(suite);
    cx.facts.server_random = sh.random;
    cx.facts.extended_master_secret = extended_master_secret;
    if cx.tracing() {
        cx.emit(Event::ServerHello {
            random: &sh.random,
            version: ProtocolVersion::TLS12,
            suite: suite.id,
            group: None,
        });
    }
    Ok(State::Client(ClientState::Tls12(
        Tls12State::ExpectCertificate(Box::new(Handshake {
            config: st.config,
            server_name: st.server_name,
            suite,
            transcript,
            client_random: st.random,
            server_random: sh.random,
            client_version: st.hello.legacy_version,
            extended_master_secret,
            server_chain: None,
            server_share: None,
            cert_request: None,
            master: None,
            pending_decrypter: None,
        })),
    )))
}

/// The ServerHello extensions: each one offered, each value acceptable. Returns whether
/// the extended master secret is in use.
fn check_extensions(
    st: &ExpectServerHello,
    cx: &mut Common,
    sh: &ServerHello,
) -> Result<bool, Error> {
    let offered: Vec<ExtensionType> = st.hello.extensions.iter().map(|e| e.ext_type()).collect();
    let mut ems = false;
    for ext in &sh.extensions {
        let typ = ext.ext_type();
        // RFC 5246 §7.4.1.4: an extension the client did not offer MUST NOT appear.
        if !offered.contains(&typ) {
            return Err(Error::UnsolicitedExtension(typ.to_string()));
        }
        match ext {
            ServerExtension::RenegotiationInfo(v) => {
                // RFC 5746 §3.4: on the initial handshake renegotiated_connection MUST be
                // empty, else abort with handshake_failure.
                if !v.is_empty() {
                    return Err(Error::NoCommonGround(
                        "the server's renegotiation_info is not empty on the initial handshake"
                            .into(),
                    ));
                }
            }
            ServerExtension::ExtendedMasterSecret => ems = true,
            ServerExtension::EcPointFormats(f) => {
                // RFC 8422 §5.2: the list MUST contain uncompressed (0).
                if !f.contains(&0) {
                    return Err(Error::IllegalParameter(
                        "the server's ec_point_formats lacks the uncompressed format".into(),
                    ));
                }
            }
            ServerExtension::Alpn(p) => {
                // RFC 7301 §3.2: the server's choice must be one the client offered.
                if !st.config.alpn.contains(p) {
                    return Err(Error::IllegalParameter(
                        "the server chose an ALPN protocol that was not offered".into(),
                    ));
                }
                cx.facts.alpn = Some(p.clone());
            }
            ServerExtension::ServerNameAck => {}
            // key_share, supported_versions and the rest belong to TLS 1.3 only.
            _ => return Err(Error::UnsolicitedExtension(typ.to_string())),
        }
    }
    Ok(ems)
}

/// Which key type a TLS 1.2 suite's certificate must hold (Ed25519 signs ECDSA suites,
/// RFC 8422 §5.1.1).
fn key_fits(auth: ServerAuth, key_description: &str) -> bool {
    match auth {
        ServerAuth::Rsa => key_description.starts_with("RSA"),
        ServerAuth::Ecdsa => {
            key_description.starts_with("ECDSA") || key_description.starts_with("Ed25519")
        }
        ServerAuth::Any => true,
    }
}

impl Handshake {
    fn certificate(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        let m = expect(msg, HandshakeType::CERTIFICATE, "Certificate")?;
        let list = decode_certificate12(m.body).map_err(Error::decode("Certificate"))?;
        // RFC 5246 §7.4.2: the server's certificate_list holds at least its own certificate.
        if list.is_empty() {
            return Err(Error::Decode {
                what: "Certificate",
                reason: DecodeError::Invalid("the server sent no certificate"),
            });
        }
        let chain: Vec<CertificateDer<'static>> =
            list.into_iter().map(CertificateDer::from).collect();
        let now = (self.config.clock)();
        let verified = auth::verify_peer_chain(
            cx,
            &self.config.roots,
            &self.config.crls,
            chain,
            Expect::Server(&self.server_name),
            now,
        )?;
        // RFC 5246 §7.4.2: the certificate's key MUST fit the suite's key exchange.
        let key = verify::summarize(verified.end_entity())
            .map(|s| s.key)
            .unwrap_or_default();
        if !key_fits(self.suite.auth, &key) {
            return Err(Error::IllegalParameter(format!(
                "the server's certificate holds a {key} key, which {} cannot use",
                self.suite.name()
            )));
        }
        self.transcript.add(m.raw);
        self.server_chain = Some(verified);
        Ok(match self.suite.kx {
            Some(KeyExchange12::Rsa) => Tls12State::ExpectCertificateRequestOrDone(self),
            _ => Tls12State::ExpectServerKeyExchange(self),
        })
    }

    fn server_key_exchange(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        let m = expect(msg, HandshakeType::SERVER_KEY_EXCHANGE, "ServerKeyExchange")?;
        let ske =
            EcdheServerKeyExchange::decode(m.body).map_err(Error::decode("ServerKeyExchange"))?;
        // RFC 8422 §5.4: the curve MUST be one the client offered in supported_groups.
        let group = suites::group_from_code(ske.group)
            .filter(|g| !g.is_hybrid_pq() && self.config.groups.contains(g))
            .ok_or_else(|| {
                Error::IllegalParameter(format!(
                    "the server chose the curve {}, which was not offered",
                    ske.group
                ))
            })?;
        let chain = self
            .server_chain
            .as_ref()
            .ok_or(Error::Internal("no verified chain"))?;
        // RFC 5246 §7.4.3: the signature covers client_random + server_random + params,
        // with a scheme the client offered in signature_algorithms.
        let mut signed = Vec::with_capacity(64 + 4 + ske.public.len());
        signed.extend_from_slice(&self.client_random);
        signed.extend_from_slice(&self.server_random);
        signed.extend_from_slice(&EcdheServerKeyExchange::params(ske.group, &ske.public));
        let scheme = auth::check_signature(
            Version::Tls12,
            chain.end_entity(),
            ske.scheme,
            &signed,
            &ske.signature,
            "ServerKeyExchange",
        )?;
        cx.facts.group = Some(group);
        cx.facts.signature_scheme = Some(scheme);
        if cx.tracing() {
            cx.emit(Event::ServerKeyExchange {
                group: ske.group,
                scheme: ske.scheme,
            });
        }
        self.transcript.add(m.raw);
        self.server_share = Some((group, ske.public));
        Ok(Tls12State::ExpectCertificateRequestOrDone(self))
    }

    fn certificate_request(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        let m = expect(
            msg,
            HandshakeType::CERTIFICATE_REQUEST,
            "CertificateRequest",
        )?;
        let req =
            CertificateRequest12::decode(m.body).map_err(Error::decode("CertificateRequest"))?;
        auth::trace_certificate_request(cx, &req.schemes, &req.authorities);
        self.transcript.add(m.raw);
        self.cert_request = Some(req);
        Ok(Tls12State::ExpectServerHelloDone(self))
    }

    fn server_hello_done(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        let m = expect(msg, HandshakeType::SERVER_HELLO_DONE, "ServerHelloDone")?;
        // RFC 5246 §7.4.5: ServerHelloDone is empty.
        if !m.body.is_empty() {
            return Err(Error::Decode {
                what: "ServerHelloDone",
                reason: DecodeError::Invalid("ServerHelloDone has a body"),
            });
        }
        self.transcript.add(m.raw);
        if cx.tracing() {
            cx.emit(Event::ServerHelloDone);
        }
        let signer = match self.cert_request.take() {
            Some(req) => self.send_certificate(cx, &req)?,
            None => None,
        };
        let premaster = self.send_client_key_exchange(cx)?;
        self.derive_master(cx, &premaster)?;
        if let Some((ck, scheme)) = signer {
            self.send_certificate_verify(cx, &ck, scheme)?;
        }
        self.transcript.drop_messages();
        self.send_ccs_and_finished(cx)?;
        Ok(Tls12State::ExpectChangeCipherSpec(self))
    }

    /// RFC 5246 §7.4.6: the client's Certificate, empty when none fits the request.
    fn send_certificate(
        &mut self,
        cx: &mut Common,
        req: &CertificateRequest12,
    ) -> Result<Option<(Arc<CertifiedKey>, SigScheme)>, Error> {
        let accepted: Vec<SigScheme> = req
            .schemes
            .iter()
            .filter_map(|s| suites::scheme_from_code(*s))
            .collect();
        let chosen = self
            .config
            .client_cert
            .as_ref()
            .and_then(|r| r.resolve(&accepted, &req.authorities))
            .and_then(|ck| {
                // RFC 5246 §7.4.6: the key MUST fit one of the requested certificate types
                // (rsa_sign 1, ecdsa_sign 64; RFC 8422 §5.5).
                let cert_type = match ck.key.kind() {
                    KeyKind::Rsa { .. } => 1,
                    _ => 64,
                };
                if !req.cert_types.contains(&cert_type) {
                    return None;
                }
                let scheme = auth::choose_scheme(ck.key.as_ref(), Version::Tls12, &req.schemes)?;
                Some((ck, scheme))
            });
        let chain = chosen.as_ref().map_or(&[][..], |(ck, _)| &ck.chain[..]);
        let cert = encode_certificate12(chain);
        cx.send_handshake(&cert)?;
        cx.sent_empty_certificate = chain.is_empty();
        self.transcript.add(&cert);
        if cx.tracing() {
            auth::trace_chain(cx, Side::Client, chain);
        }
        Ok(chosen)
    }

    /// RFC 5246 §7.4.7: ClientKeyExchange; returns the pre-master secret.
    fn send_client_key_exchange(&mut self, cx: &mut Common) -> Result<Vec<u8>, Error> {
        let (cke, premaster, kind, length) = match self.suite.kx {
            Some(KeyExchange12::Rsa) => {
                // RFC 5246 §7.4.7.1: client_version (of the ClientHello) + 46 random bytes,
                // encrypted with RSAES-PKCS1-v1_5 to the server's certificate key.
                let mut pms = [0u8; 48];
                pms[..2].copy_from_slice(&self.client_version.0.to_be_bytes());
                pms[2..].copy_from_slice(&random_array::<46>()?);
                let chain = self
                    .server_chain
                    .as_ref()
                    .ok_or(Error::Internal("no verified chain"))?;
                let spki = verify::certificate_spki(chain.end_entity()).map_err(|_| {
                    Error::IllegalParameter("the server's certificate key is unreadable".into())
                })?;
                let encrypted = rsa_encrypt_premaster(&spki, &pms).map_err(|_| {
                    Error::IllegalParameter(
                        "the server's certificate key cannot encrypt a pre-master secret".into(),
                    )
                })?;
                let len = encrypted.len();
                (
                    encode_client_key_exchange(2, &encrypted),
                    pms.to_vec(),
                    KeyExchangeKind::RsaTransport,
                    len,
                )
            }
            _ => {
                // RFC 8422 §5.7: our ephemeral public point on the server's curve.
                let (group, server_public) = self
                    .server_share
                    .take()
                    .ok_or(Error::Internal("no server key share"))?;
                let keypair = KxKeyPair::generate(group)?;
                let public = keypair.public_share().to_vec();
                let shared = keypair.complete(&server_public).map_err(|_| {
                    Error::IllegalParameter(
                        "the server's ECDHE public value is not a valid point".into(),
                    )
                })?;
                let code = suites::group_code(group);
                (
                    encode_client_key_exchange(1, &public),
                    shared.bytes().to_vec(),
                    KeyExchangeKind::Ephemeral(code),
                    public.len(),
                )
            }
        };
        cx.send_handshake(&cke)?;
        self.transcript.add(&cke);
        if cx.tracing() {
            cx.emit(Event::KeyExchange {
                kind,
                post_quantum: false,
            });
            cx.emit(Event::ClientKeyExchange { kind, length });
        }
        Ok(premaster)
    }

    /// RFC 5246 §8.1 (RFC 7627 §4 with the extended master secret: the session hash runs
    /// through ClientKeyExchange).
    fn derive_master(&mut self, cx: &mut Common, premaster: &[u8]) -> Result<(), Error> {
        let session_hash = self
            .extended_master_secret
            .then(|| self.transcript.current());
        let ms = MasterSecret12::derive(
            self.suite.hash,
            premaster,
            &self.client_random,
            &self.server_random,
            session_hash.as_ref(),
        )?;
        narrate_master_secret(cx, &ms, self.extended_master_secret);
        self.master = Some(ms);
        Ok(())
    }

    /// RFC 5246 §7.4.8: the signature covers every handshake message so far.
    fn send_certificate_verify(
        &mut self,
        cx: &mut Common,
        ck: &CertifiedKey,
        scheme: SigScheme,
    ) -> Result<(), Error> {
        let messages = self
            .transcript
            .messages()
            .ok_or(Error::Internal("handshake messages were not kept"))?;
        let signature = ck.key.sign(scheme, messages)?;
        let code = suites::scheme_code(scheme);
        let cv = CertificateVerify {
            scheme: code,
            signature,
        }
        .encode();
        cx.send_handshake(&cv)?;
        self.transcript.add(&cv);
        if cx.tracing() {
            cx.emit(Event::CertificateVerify {
                sender: Side::Client,
                scheme: code,
                verified: true,
            });
        }
        Ok(())
    }

    /// RFC 5246 §7.1, §7.4.9: ChangeCipherSpec, then Finished under the new keys.
    fn send_ccs_and_finished(&mut self, cx: &mut Common) -> Result<(), Error> {
        let ms = self
            .master
            .as_ref()
            .ok_or(Error::Internal("no master secret"))?;
        let key_block = ms.key_block(self.suite, &self.client_random, &self.server_random)?;
        narrate_key_block(cx, &key_block);
        let (encrypter, decrypter) = key_block.protection(self.suite, true)?;
        cx.send_ccs()?;
        if cx.tracing() {
            cx.emit(Event::ChangeCipherSpec {
                sender: Side::Client,
                compatibility: false,
            });
        }
        cx.record.set_encrypter(encrypter);
        self.pending_decrypter = Some(decrypter);
        let verify_data = ms.verify_data(true, &self.transcript.current())?;
        let fin = encode_finished(&verify_data);
        cx.send_handshake(&fin)?;
        self.transcript.add(&fin);
        if cx.tracing() {
            cx.emit(Event::Finished {
                sender: Side::Client,
                verify_data: &verify_data,
            });
        }
        Ok(())
    }

    fn change_cipher_spec(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        if !matches!(msg, Message::ChangeCipherSpec) {
            return Err(unexpected("ChangeCipherSpec", &msg));
        }
        // RFC 5246 §7.1: the server's records are protected from here on.
        let decrypter = self
            .pending_decrypter
            .take()
            .ok_or(Error::Internal("no pending decrypter"))?;
        cx.set_decrypter(decrypter);
        if cx.tracing() {
            cx.emit(Event::ChangeCipherSpec {
                sender: Side::Server,
                compatibility: false,
            });
        }
        Ok(Tls12State::ExpectFinished(self))
    }

    fn finished(self: Box<Self>, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let m = expect(msg, HandshakeType::FINISHED, "Finished")?;
        let ms = self
            .master
            .as_ref()
            .ok_or(Error::Internal("no master secret"))?;
        // RFC 5246 §7.4.9: verify_data over every handshake message before this one,
        // compared in constant time.
        let expected = ms.verify_data(false, &self.transcript.current())?;
        check_peer_finished(cx, &expected, m.body)?;
        cx.facts.peer_identity = self.server_chain;
        cx.handshake_done = true;
        if cx.tracing() {
            cx.emit(Event::HandshakeComplete {
                version: ProtocolVersion::TLS12,
                suite: self.suite.id,
                group: cx.facts.group.map(suites::group_code),
                alpn: cx.facts.alpn.as_deref(),
            });
        }
        Ok(State::Traffic12(Box::new(Traffic12 {
            renegotiation_attempts: 0,
        })))
    }
}
