//! The TLS 1.2 server (RFC 5246 §7.3): ServerHello, Certificate, ServerKeyExchange (ECDHE),
//! optional CertificateRequest and ServerHelloDone in one flight; then the client's
//! Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec and Finished; then
//! our ChangeCipherSpec and Finished.

use std::sync::Arc;

use rustls_pki_types::CertificateDer;

use super::hello::Chosen12;
use super::ServerState;
use crate::auth::{self, Expect};
use crate::codec::extensions::{ClientExtension, ServerExtension};
use crate::codec::handshake::{encode_finished, CertificateVerify, ClientHello, ServerHello};
use crate::codec::tls12::{
    decode_certificate12, decode_ecdhe_client_key_exchange, decode_rsa_client_key_exchange,
    encode_certificate12, encode_server_hello_done, CertificateRequest12, EcdheServerKeyExchange,
};
use crate::codec::{
    CipherSuite, DecodeError, ExtensionType, HandshakeType, ProtocolVersion, SignatureScheme,
};
use crate::common::{check_peer_finished, expect, unexpected, Common, Message};
use crate::config::{CertifiedKey, ClientAuth, ServerConfig};
use crate::conn::State;
use crate::crypto::kx::{KxGroup, KxKeyPair};
use crate::crypto::rand::random_array;
use crate::crypto::sign::{KeyKind, SigScheme};
use crate::error::Error;
use crate::keys::tls12::{narrate_key_block, narrate_master_secret, MasterSecret12};
use crate::keys::transcript::Transcript;
use crate::record::protect::{Decrypter, Encrypter};
use crate::suites::{self, KeyExchange12, ServerAuth, Suite, Version};
use crate::trace::{Event, KeyExchangeKind, Side};
use crate::traffic::Traffic12;
use crate::verify::VerifiedChain;

/// RFC 8446 §4.1.3: a TLS 1.3-capable server negotiating TLS 1.2 ends its random with this.
const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";

/// The server's TLS 1.2 states, one per awaited message.
// Every variant is named for the message it awaits, as the flows table reads.
#[allow(clippy::enum_variant_names)]
pub(crate) enum Tls12State {
    ExpectCertificate(Box<Handshake>),
    ExpectClientKeyExchange(Box<Handshake>),
    ExpectCertificateVerify(Box<Handshake>),
    ExpectChangeCipherSpec(Box<Handshake>),
    ExpectFinished(Box<Handshake>),
}

impl Tls12State {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Tls12State::ExpectCertificate(_) => "ExpectClientCertificate",
            Tls12State::ExpectClientKeyExchange(_) => "ExpectClientKeyExchange",
            Tls12State::ExpectCertificateVerify(_) => "ExpectClientCertificateVerify",
            Tls12State::ExpectChangeCipherSpec(_) => "ExpectClientChangeCipherSpec",
            Tls12State::ExpectFinished(_) => "ExpectClientFinished",
        }
    }

    pub(crate) fn handle(self, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let next = match self {
            Tls12State::ExpectCertificate(hs) => hs.certificate(cx, msg)?,
            Tls12State::ExpectClientKeyExchange(hs) => hs.client_key_exchange(cx, msg)?,
            Tls12State::ExpectCertificateVerify(hs) => hs.certificate_verify(cx, msg)?,
            Tls12State::ExpectChangeCipherSpec(hs) => hs.change_cipher_spec(cx, msg)?,
            Tls12State::ExpectFinished(hs) => return hs.finished(cx, msg),
        };
        Ok(State::Server(ServerState::Tls12(next)))
    }
}

/// The TLS 1.2 key exchange: the one seam where RSA and ECDHE differ.
enum Kx12 {
    /// RSA key transport: the client encrypts the pre-master secret to our certificate.
    Rsa,
    /// ECDHE: our ephemeral key pair, sent in ServerKeyExchange.
    Ecdhe(KxKeyPair),
}

/// What the server carries from its first flight to the client's Finished.
pub(crate) struct Handshake {
    config: Arc<ServerConfig>,
    suite: &'static Suite,
    cert: Arc<CertifiedKey>,
    transcript: Transcript,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// ClientHello.client_version, which an RSA pre-master secret must start with.
    client_version: ProtocolVersion,
    extended_master_secret: bool,
    kx: Option<Kx12>,
    client_chain_required: bool,
    /// The client's chain, verified; it becomes the peer identity once its
    /// CertificateVerify checks out.
    client_chain: Option<VerifiedChain>,
    master: Option<MasterSecret12>,
    pending_decrypter: Option<Box<dyn Decrypter>>,
    pending_encrypter: Option<Box<dyn Encrypter>>,
}

/// The negotiation over a TLS 1.2 ClientHello.
struct Choice {
    suite: &'static Suite,
    cert: Arc<CertifiedKey>,
    /// For ECDHE suites: the curve and the scheme that signs ServerKeyExchange.
    ecdhe: Option<(KxGroup, SigScheme)>,
}

/// ClientHello chose TLS 1.2: negotiate, then send ServerHello .. ServerHelloDone.
pub(crate) fn start(cx: &mut Common, chosen: Chosen12) -> Result<State, Error> {
    let Chosen12 { config, hello, raw } = chosen;
    check_renegotiation_info(&hello)?;
    // RFC 7627 §5.2: use the extended master secret when the client offers it.
    let ems = hello.find(ExtensionType::EXTENDED_MASTER_SECRET).is_some();
    if config.require_ems && !ems {
        return Err(Error::ExtendedMasterSecretRequired);
    }
    let choice = negotiate(&config, &hello)?;
    let alpn = super::tls13::choose_alpn(&config, &hello)?;

    let client_auth = !matches!(config.client_auth, ClientAuth::Off);
    let mut transcript = Transcript::new();
    // RFC 5246 §7.4.8: the client's CertificateVerify signs the messages themselves.
    transcript.start_hash(choice.suite.hash, client_auth);
    transcript.add(&raw);

    let server_random = make_random(&config)?;
    cx.facts.version = Some(Version::Tls12);
    cx.facts.suite = Some(choice.suite);
    cx.facts.server_random = server_random;
    cx.facts.extended_master_secret = ems;
    cx.facts.alpn = alpn.clone();
    send_server_hello(
        cx,
        &hello,
        &choice,
        server_random,
        ems,
        alpn,
        &mut transcript,
    )?;

    // RFC 5246 §7.4.2: the server's chain, end entity first.
    let cert = encode_certificate12(&choice.cert.chain);
    cx.send_handshake(&cert)?;
    transcript.add(&cert);
    if cx.tracing() {
        auth::trace_chain(cx, Side::Server, &choice.cert.chain);
    }

    let kx = match choice.ecdhe {
        Some((group, scheme)) => {
            let keypair = send_server_key_exchange(
                cx,
                &choice.cert,
                group,
                scheme,
                &hello.random,
                &server_random,
                &mut transcript,
            )?;
            cx.facts.group = Some(group);
            cx.facts.signature_scheme = Some(scheme);
            Kx12::Ecdhe(keypair)
        }
        None => Kx12::Rsa,
    };
    if client_auth {
        send_certificate_request(cx, &config, &mut transcript)?;
    }
    // RFC 5246 §7.4.5: ServerHelloDone ends the server's flight.
    let done = encode_server_hello_done();
    cx.send_handshake(&done)?;
    transcript.add(&done);
    if cx.tracing() {
        cx.emit(Event::ServerHelloDone);
    }

    let hs = Box::new(Handshake {
        client_chain_required: matches!(config.client_auth, ClientAuth::Required(_)),
        client_chain: None,
        config,
        suite: choice.suite,
        cert: choice.cert,
        transcript,
        client_random: hello.random,
        server_random,
        client_version: hello.legacy_version,
        extended_master_secret: ems,
        kx: Some(kx),
        master: None,
        pending_decrypter: None,
        pending_encrypter: None,
    });
    let next = if client_auth {
        Tls12State::ExpectCertificate(hs)
    } else {
        Tls12State::ExpectClientKeyExchange(hs)
    };
    Ok(State::Server(ServerState::Tls12(next)))
}

/// RFC 5746 §3.6: on the initial handshake a renegotiation_info from the client MUST be
/// empty, else handshake_failure. (Its absence, without the SCSV either, is tolerated: lucid
/// never renegotiates, and always answers with an empty renegotiation_info.)
fn check_renegotiation_info(hello: &ClientHello) -> Result<(), Error> {
    let bad = hello
        .extensions
        .iter()
        .any(|e| matches!(e, ClientExtension::RenegotiationInfo(v) if !v.is_empty()));
    if bad {
        return Err(Error::NoCommonGround(
            "the client's renegotiation_info is not empty on the initial handshake".into(),
        ));
    }
    Ok(())
}

fn make_random(config: &ServerConfig) -> Result<[u8; 32], Error> {
    let mut random = match config.test_hooks.random {
        Some(r) => r,
        None => random_array()?,
    };
    // RFC 8446 §4.1.3: a TLS 1.3 server negotiating TLS 1.2 MUST set the last 8 bytes of
    // its random to DOWNGRD 01.
    if config.versions.contains(&Version::Tls13) {
        random[24..].copy_from_slice(&DOWNGRADE_TLS12);
    }
    Ok(random)
}

/// Which certificate key type a suite needs, from the key we hold (Ed25519 signs ECDSA
/// suites, RFC 8422 §5.1.1).
fn key_auth(kind: KeyKind) -> ServerAuth {
    match kind {
        KeyKind::Rsa { .. } => ServerAuth::Rsa,
        _ => ServerAuth::Ecdsa,
    }
}

/// Server preference among the client's TLS 1.2 suites that our certificate can serve;
/// ECDHE before RSA key transport.
fn negotiate(config: &ServerConfig, hello: &ClientHello) -> Result<Choice, Error> {
    let cert = config
        .cert_resolver
        .resolve(hello.server_name())
        .ok_or_else(|| match hello.server_name() {
            Some(n) => Error::UnrecognizedName(n.to_string()),
            None => {
                Error::NoCommonGround("no certificate for a client that sent no server name".into())
            }
        })?;
    let auth = key_auth(cert.key.kind());
    let offered: Vec<&'static Suite> = config
        .suites
        .iter()
        .copied()
        .filter(|s| s.version == Version::Tls12 && hello.cipher_suites.contains(&s.id))
        .filter(|s| s.auth == auth)
        .collect();
    let ecdhe = || {
        // RFC 8422 §4: without supported_groups the client is assumed to support secp256r1.
        let client_groups: Vec<_> = match hello.find(ExtensionType::SUPPORTED_GROUPS) {
            Some(_) => hello.groups().to_vec(),
            None => vec![suites::group_code(KxGroup::Secp256r1)],
        };
        let group = config
            .groups
            .iter()
            .copied()
            .filter(|g| !g.is_hybrid_pq())
            .find(|g| client_groups.contains(&suites::group_code(*g)))?;
        // RFC 5246 §7.4.1.4.1: without signature_algorithms a default applies; lucid takes
        // the SHA-256 schemes as that default rather than SHA-1.
        let defaults = [
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ];
        let schemes = hello.signature_schemes().unwrap_or(&defaults);
        let scheme = auth::choose_scheme(cert.key.as_ref(), Version::Tls12, schemes)?;
        Some((group, scheme))
    };
    let ecdhe_params = ecdhe();
    let suite_ecdhe = offered
        .iter()
        .copied()
        .find(|s| s.kx == Some(KeyExchange12::Ecdhe) && ecdhe_params.is_some());
    let (suite, ecdhe) = match suite_ecdhe {
        Some(s) => (s, ecdhe_params),
        None => {
            let rsa = offered
                .iter()
                .copied()
                .find(|s| s.kx == Some(KeyExchange12::Rsa) && auth == ServerAuth::Rsa)
                .ok_or_else(|| {
                    Error::NoCommonGround(format!(
                        "the client offers no TLS 1.2 suite, curve and signature scheme this \
                         server's {} certificate can serve",
                        cert.key.kind().describe()
                    ))
                })?;
            (rsa, None)
        }
    };
    Ok(Choice { suite, cert, ecdhe })
}

fn send_server_hello(
    cx: &mut Common,
    hello: &ClientHello,
    choice: &Choice,
    random: [u8; 32],
    ems: bool,
    alpn: Option<Vec<u8>>,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    // RFC 5746 §3.6: always an empty renegotiation_info on the initial handshake.
    let mut exts = vec![ServerExtension::RenegotiationInfo(Vec::new())];
    if ems {
        exts.push(ServerExtension::ExtendedMasterSecret);
    }
    // RFC 8422 §5.2: echo ec_point_formats (uncompressed) for ECC suites.
    if choice.ecdhe.is_some() && hello.find(ExtensionType::EC_POINT_FORMATS).is_some() {
        exts.push(ServerExtension::EcPointFormats(vec![0]));
    }
    if let Some(p) = alpn {
        exts.push(ServerExtension::Alpn(p));
    }
    // RFC 6066 §3: an empty server_name acknowledges that the name was used.
    if hello.server_name().is_some() {
        exts.push(ServerExtension::ServerNameAck);
    }
    // No resumption: a fresh session id that no later hello can resume (RFC 5246 §7.4.1.3).
    let session_id = random_array::<32>()?.to_vec();
    let sh = ServerHello {
        legacy_version: ProtocolVersion::TLS12,
        random,
        session_id,
        cipher_suite: choice.suite.id,
        compression_method: 0,
        extensions: exts,
    }
    .encode();
    cx.send_handshake(&sh)?;
    transcript.add(&sh);
    if cx.tracing() {
        let suite: CipherSuite = choice.suite.id;
        cx.emit(Event::ServerHello {
            random: &random,
            version: ProtocolVersion::TLS12,
            suite,
            group: choice.ecdhe.map(|(g, _)| suites::group_code(g)),
        });
    }
    Ok(())
}

/// RFC 8422 §5.4: our ephemeral public point, signed over both randoms and the params.
fn send_server_key_exchange(
    cx: &mut Common,
    cert: &CertifiedKey,
    group: KxGroup,
    scheme: SigScheme,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    transcript: &mut Transcript,
) -> Result<KxKeyPair, Error> {
    let keypair = KxKeyPair::generate(group)?;
    let code = suites::group_code(group);
    let public = keypair.public_share().to_vec();
    let mut signed = Vec::with_capacity(64 + 4 + public.len());
    signed.extend_from_slice(client_random);
    signed.extend_from_slice(server_random);
    signed.extend_from_slice(&EcdheServerKeyExchange::params(code, &public));
    let signature = cert.key.sign(scheme, &signed)?;
    let scheme_code = suites::scheme_code(scheme);
    let ske = EcdheServerKeyExchange {
        group: code,
        public,
        scheme: scheme_code,
        signature,
    }
    .encode();
    cx.send_handshake(&ske)?;
    transcript.add(&ske);
    if cx.tracing() {
        cx.emit(Event::ServerKeyExchange {
            group: code,
            scheme: scheme_code,
        });
    }
    Ok(keypair)
}

/// RFC 5246 §7.4.4: ask for an RSA or ECDSA client certificate from our client CAs.
fn send_certificate_request(
    cx: &mut Common,
    config: &ServerConfig,
    transcript: &mut Transcript,
) -> Result<(), Error> {
    let roots = match &config.client_auth {
        ClientAuth::Off => return Ok(()),
        ClientAuth::Optional(r) | ClientAuth::Required(r) => r,
    };
    let req = CertificateRequest12 {
        cert_types: vec![1, 64],
        schemes: auth::offered_schemes(Version::Tls12),
        authorities: roots.subjects().to_vec(),
    };
    let bytes = req.encode();
    cx.send_handshake(&bytes)?;
    transcript.add(&bytes);
    auth::trace_certificate_request(cx, &req.schemes, &req.authorities);
    Ok(())
}

/// The client's first protected record is its Finished. If it fails authentication the
/// keys differ, which (with RSA key transport) is what a bad pre-master secret causes: that
/// is reported as a Finished mismatch, so a corrupted ClientKeyExchange and a wrong Finished
/// end the same way, with the same alert (RFC 5246 §7.4.7.1: no padding oracle).
struct FinishedGuard {
    inner: Box<dyn Decrypter>,
    armed: bool,
}

impl Decrypter for FinishedGuard {
    fn open(
        &mut self,
        header: [u8; 5],
        body: &mut [u8],
    ) -> Result<(crate::codec::ContentType, std::ops::Range<usize>), Error> {
        let result = self.inner.open(header, body);
        if !std::mem::take(&mut self.armed) {
            return result;
        }
        result.map_err(|e| match e {
            Error::BadRecordMac => Error::BadFinished,
            other => other,
        })
    }
}

impl Handshake {
    fn certificate(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        let m = expect(msg, HandshakeType::CERTIFICATE, "the client's Certificate")?;
        let list = decode_certificate12(m.body).map_err(Error::decode("Certificate"))?;
        self.transcript.add(m.raw);
        if list.is_empty() {
            if cx.tracing() {
                auth::trace_chain(cx, Side::Client, &[]);
            }
            // RFC 5246 §7.4.6: a server that requires a certificate MAY answer an empty one
            // with a fatal handshake_failure alert.
            if self.client_chain_required {
                return Err(Error::CertificateRequired(Version::Tls12));
            }
            self.transcript.drop_messages();
            return Ok(Tls12State::ExpectClientKeyExchange(self));
        }
        let roots = match &self.config.client_auth {
            ClientAuth::Optional(r) | ClientAuth::Required(r) => r,
            ClientAuth::Off => {
                return Err(Error::Internal("client certificate without client auth"))
            }
        };
        let chain: Vec<CertificateDer<'static>> =
            list.into_iter().map(CertificateDer::from).collect();
        let now = (self.config.clock)();
        let verified =
            auth::verify_peer_chain(cx, roots, &self.config.crls, chain, Expect::Client, now)?;
        self.client_chain = Some(verified);
        Ok(Tls12State::ExpectClientKeyExchange(self))
    }

    fn client_key_exchange(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        let m = expect(msg, HandshakeType::CLIENT_KEY_EXCHANGE, "ClientKeyExchange")?;
        let (premaster, kind, length) = match self.kx.take() {
            Some(Kx12::Ecdhe(keypair)) => {
                // RFC 8422 §5.7: the client's public point on our curve.
                let public = decode_ecdhe_client_key_exchange(m.body)
                    .map_err(Error::decode("ClientKeyExchange"))?;
                let code = suites::group_code(keypair.group());
                let length = public.len();
                let shared = keypair.complete(public).map_err(|_| {
                    Error::IllegalParameter(
                        "the client's ECDHE public value is not a valid point".into(),
                    )
                })?;
                (
                    shared.bytes().to_vec(),
                    KeyExchangeKind::Ephemeral(code),
                    length,
                )
            }
            Some(Kx12::Rsa) => (
                self.decrypt_premaster(m.body)?.to_vec(),
                KeyExchangeKind::RsaTransport,
                m.body.len().saturating_sub(2),
            ),
            None => return Err(Error::Internal("key exchange used twice")),
        };
        // The same events whether or not an RSA pre-master secret decrypted: narration
        // must never become a padding oracle.
        if cx.tracing() {
            cx.emit(Event::KeyExchange {
                kind,
                post_quantum: false,
            });
            cx.emit(Event::ClientKeyExchange { kind, length });
        }
        self.transcript.add(m.raw);
        self.derive_keys(cx, &premaster)?;
        Ok(if self.client_chain.is_some() {
            Tls12State::ExpectCertificateVerify(self)
        } else {
            self.transcript.drop_messages();
            Tls12State::ExpectChangeCipherSpec(self)
        })
    }

    /// RFC 5246 §7.4.7.1: against Bleichenbacher's attack, make a random pre-master secret
    /// first and use it, without any different behaviour, whenever the decrypted message is
    /// badly padded, not 48 bytes, or does not start with ClientHello.client_version. A bad
    /// one then shows only as a Finished mismatch.
    fn decrypt_premaster(&self, body: &[u8]) -> Result<[u8; 48], Error> {
        let fallback = random_array::<48>()?;
        let ciphertext =
            decode_rsa_client_key_exchange(body).map_err(Error::decode("ClientKeyExchange"))?;
        // The modulus length is public: a ciphertext of another length is malformed.
        let modulus_len = match self.cert.key.kind() {
            KeyKind::Rsa { bits } => bits.div_ceil(8),
            _ => return Err(Error::Internal("RSA key exchange without an RSA key")),
        };
        if ciphertext.len() != modulus_len {
            return Err(Error::Decode {
                what: "ClientKeyExchange",
                reason: DecodeError::Invalid(
                    "the encrypted pre-master secret is not the modulus length",
                ),
            });
        }
        self.cert
            .key
            .decrypt_premaster(ciphertext, self.client_version.0.to_be_bytes(), &fallback)
    }

    /// RFC 5246 §8.1, §6.3 (RFC 7627 §4: the session hash runs through ClientKeyExchange).
    fn derive_keys(&mut self, cx: &mut Common, premaster: &[u8]) -> Result<(), Error> {
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
        let key_block = ms.key_block(self.suite, &self.client_random, &self.server_random)?;
        narrate_key_block(cx, &key_block);
        let (encrypter, decrypter) = key_block.protection(self.suite, false)?;
        self.pending_encrypter = Some(encrypter);
        self.pending_decrypter = Some(decrypter);
        self.master = Some(ms);
        Ok(())
    }

    fn certificate_verify(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
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
        // RFC 5246 §7.4.8: the signature covers every handshake message before this one.
        let messages = self
            .transcript
            .messages()
            .ok_or(Error::Internal("handshake messages were not kept"))?;
        auth::accept_client_certificate_verify(cx, Version::Tls12, chain, &cv, messages)?;
        self.transcript.add(m.raw);
        self.transcript.drop_messages();
        Ok(Tls12State::ExpectChangeCipherSpec(self))
    }

    fn change_cipher_spec(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<Tls12State, Error> {
        if !matches!(msg, Message::ChangeCipherSpec) {
            return Err(unexpected("ChangeCipherSpec", &msg));
        }
        // RFC 5246 §7.1: the client's records are protected from here on.
        let decrypter = self
            .pending_decrypter
            .take()
            .ok_or(Error::Internal("no pending decrypter"))?;
        cx.set_decrypter(Box::new(FinishedGuard {
            inner: decrypter,
            armed: true,
        }));
        if cx.tracing() {
            cx.emit(Event::ChangeCipherSpec {
                sender: Side::Client,
                compatibility: false,
            });
        }
        Ok(Tls12State::ExpectFinished(self))
    }

    fn finished(mut self: Box<Self>, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let m = expect(msg, HandshakeType::FINISHED, "the client's Finished")?;
        let ms = self
            .master
            .take()
            .ok_or(Error::Internal("no master secret"))?;
        // RFC 5246 §7.4.9: verify_data over every handshake message before this one,
        // compared in constant time.
        let expected = ms.verify_data(true, &self.transcript.current())?;
        check_peer_finished(cx, &expected, m.body)?;
        self.transcript.add(m.raw);

        // Our ChangeCipherSpec and Finished (RFC 5246 §7.1, §7.4.9).
        cx.send_ccs()?;
        if cx.tracing() {
            cx.emit(Event::ChangeCipherSpec {
                sender: Side::Server,
                compatibility: false,
            });
        }
        let encrypter = self
            .pending_encrypter
            .take()
            .ok_or(Error::Internal("no pending encrypter"))?;
        cx.record.set_encrypter(encrypter);
        let verify_data = ms.verify_data(false, &self.transcript.current())?;
        let fin = encode_finished(&verify_data);
        cx.send_handshake(&fin)?;
        if cx.tracing() {
            cx.emit(Event::Finished {
                sender: Side::Server,
                verify_data: &verify_data,
            });
        }
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
