//! Shared test helpers: a throwaway PKI made with rcgen, and an in-memory handshake pump.
#![allow(dead_code)]

use std::sync::Arc;

use lucid::{
    CertifiedKey, ClientConfig, ClientConnection, Connection, RootStore, ServerConfig,
    ServerConnection,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    SignatureAlgorithm,
};

/// Key types a test certificate can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa2048,
    EcdsaP256,
    EcdsaP384,
    Ed25519,
}

pub const ALL_KEY_TYPES: [KeyType; 4] = [
    KeyType::Rsa2048,
    KeyType::EcdsaP256,
    KeyType::EcdsaP384,
    KeyType::Ed25519,
];

impl KeyType {
    pub fn alg(self) -> &'static SignatureAlgorithm {
        match self {
            KeyType::Rsa2048 => &rcgen::PKCS_RSA_SHA256,
            KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::Ed25519 => &rcgen::PKCS_ED25519,
        }
    }

    pub fn generate(self) -> KeyPair {
        KeyPair::generate_for(self.alg()).expect("key generation")
    }
}

/// A CA that can issue server and client certificates.
pub struct TestCa {
    pub cert: rcgen::Certificate,
    pub key: KeyPair,
    pub issuer: rcgen::Issuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyType::EcdsaP256.generate();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        let issuer = rcgen::Issuer::new(params, KeyType::EcdsaP256.generate());
        // The issuer must hold the CA's own key: rebuild with a clone of it.
        let key_der = key.serialize_der();
        let issuer_key = KeyPair::try_from(key_der.as_slice()).unwrap();
        let mut params2 = CertificateParams::new(Vec::<String>::new()).unwrap();
        params2.distinguished_name.push(DnType::CommonName, name);
        params2.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let _ = issuer;
        let issuer = rcgen::Issuer::new(params2, issuer_key);
        TestCa { cert, key, issuer }
    }

    pub fn roots(&self) -> RootStore {
        let mut r = RootStore::empty();
        r.add_der(self.cert.der()).unwrap();
        r
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// Issues an end-entity certificate; returns (cert PEM, key PEM).
    pub fn issue(&self, names: &[&str], key_type: KeyType, client: bool) -> (String, String) {
        self.issue_with(names, key_type, client, |_| {})
    }

    pub fn issue_with(
        &self,
        names: &[&str],
        key_type: KeyType,
        client: bool,
        edit: impl FnOnce(&mut CertificateParams),
    ) -> (String, String) {
        let key = key_type.generate();
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().copied().unwrap_or("client"),
        );
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        edit(&mut params);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    pub fn certified_key(&self, names: &[&str], key_type: KeyType, client: bool) -> CertifiedKey {
        let (c, k) = self.issue(names, key_type, client);
        CertifiedKey::from_pem(c.as_bytes(), k.as_bytes()).unwrap()
    }
}

pub fn server_config(ca: &TestCa, key_type: KeyType) -> ServerConfig {
    ServerConfig::new(ca.certified_key(&["localhost", "127.0.0.1"], key_type, false))
}

pub fn client_config(ca: &TestCa) -> ClientConfig {
    ClientConfig::new(ca.roots())
}

/// Plaintext each side received while pumping.
#[derive(Default, Debug)]
pub struct Received {
    pub client: Vec<u8>,
    pub server: Vec<u8>,
}

/// Moves bytes between the two sides until neither has anything to send, collecting the
/// plaintext each receives. Returns the first error either side reports.
pub fn pump(
    client: &mut Connection,
    server: &mut Connection,
) -> Result<Received, (&'static str, lucid::Error)> {
    let mut got = Received::default();
    for _ in 0..10_000 {
        let a = transfer(client, server, &mut got.server).map_err(|e| ("server", e))?;
        let b = transfer(server, client, &mut got.client).map_err(|e| ("client", e))?;
        if !a && !b {
            return Ok(got);
        }
    }
    panic!("connection did not settle");
}

/// Sends everything `from` has to `to`, lets `to` process it and drains its plaintext.
pub fn transfer(
    from: &mut Connection,
    to: &mut Connection,
    sink: &mut Vec<u8>,
) -> Result<bool, lucid::Error> {
    let mut moved = false;
    while from.wants_write() {
        let n = to.feed_tls(from.pending_tls());
        from.consume_tls(n);
        to.process_new_packets()?;
        drain(to, sink)?;
        moved = true;
    }
    Ok(moved)
}

/// Reads all plaintext available now.
pub fn drain(conn: &mut Connection, sink: &mut Vec<u8>) -> Result<(), lucid::Error> {
    let mut buf = vec![0u8; 1 << 15];
    loop {
        match conn.read_plaintext(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => sink.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
            Err(_) => return Err(conn.error().cloned().unwrap_or(lucid::Error::UnexpectedEof)),
        }
    }
}

pub fn connect(
    client_cfg: ClientConfig,
    server_cfg: ServerConfig,
) -> (
    ClientConnection,
    ServerConnection,
    Result<Received, (&'static str, lucid::Error)>,
) {
    let mut c = ClientConnection::new(client_cfg.build().unwrap(), "localhost").unwrap();
    let mut s = ServerConnection::new(server_cfg.build().unwrap()).unwrap();
    let r = pump(&mut c, &mut s);
    (c, s, r)
}

pub fn arc<T>(t: T) -> Arc<T> {
    Arc::new(t)
}
