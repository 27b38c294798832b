//! Client and server configuration. Building a config checks what can be checked before a
//! connection exists: the key matches the certificate, at least one suite is usable.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime};

use crate::crypto::kx::KxGroup;
use crate::crypto::sign::{KeyKind, PrivateKey, SigScheme};
use crate::error::Error;
use crate::keys::keylog::KeyLog;
use crate::suites::{self, Suite, Version};
use crate::trace::Observer;
use crate::verify::{self, RootStore};

/// Signs handshake messages with a private key (an HSM could implement this too).
pub trait SigningKey: Send + Sync {
    /// What kind of key this is.
    fn kind(&self) -> KeyKind;
    /// Schemes this key can sign with in the given version, in preference order.
    fn schemes(&self, version: Version) -> &[SigScheme];
    /// Signs `message` (the whole to-be-signed content) with `scheme`.
    fn sign(&self, scheme: SigScheme, message: &[u8]) -> Result<Vec<u8>, Error>;
    /// For RSA key transport (TLS 1.2): the pre-master secret from a ClientKeyExchange,
    /// or `fallback` whenever decryption fails, without revealing which.
    fn decrypt_premaster(
        &self,
        ciphertext: &[u8],
        client_version: [u8; 2],
        fallback: &[u8; 48],
    ) -> Result<[u8; 48], Error>;
}

impl SigningKey for PrivateKey {
    fn kind(&self) -> KeyKind {
        PrivateKey::kind(self)
    }
    fn schemes(&self, version: Version) -> &[SigScheme] {
        match version {
            Version::Tls13 => self.tls13_schemes(),
            Version::Tls12 => self.tls12_schemes(),
        }
    }
    fn sign(&self, scheme: SigScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(PrivateKey::sign(self, scheme, message)?)
    }
    fn decrypt_premaster(
        &self,
        ciphertext: &[u8],
        client_version: [u8; 2],
        fallback: &[u8; 48],
    ) -> Result<[u8; 48], Error> {
        Ok(PrivateKey::decrypt_premaster(
            self,
            ciphertext,
            client_version,
            fallback,
        )?)
    }
}

/// A certificate chain and the key for its end-entity certificate.
#[derive(Clone)]
pub struct CertifiedKey {
    /// The chain, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key.
    pub key: Arc<dyn SigningKey>,
}

impl CertifiedKey {
    /// Pairs a chain with its key, checking that the key belongs to the first certificate.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'_>) -> Result<Self, Error> {
        let key = PrivateKey::from_der(&key).map_err(|e| Error::Config(e.to_string()))?;
        let first = chain
            .first()
            .ok_or_else(|| Error::Config("the certificate chain is empty".into()))?;
        let cert_spki =
            verify::certificate_spki(first).map_err(|e| Error::Config(e.to_string()))?;
        if cert_spki != key.public_key_spki() {
            return Err(Error::Config(
                "the private key does not match the certificate: pass the key file made with this certificate".into(),
            ));
        }
        Ok(CertifiedKey {
            chain,
            key: Arc::new(key),
        })
    }

    /// Loads a PEM chain and a PEM private key from files.
    ///
    /// ```no_run
    /// let ck = lucid::CertifiedKey::from_pem_files("cert.pem", "key.pem")?;
    /// # Ok::<(), lucid::Error>(())
    /// ```
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self, Error> {
        let chain =
            verify::load_certs_pem_file(cert.as_ref()).map_err(|e| Error::Config(e.to_string()))?;
        let key = verify::load_private_key_pem_file(key.as_ref())
            .map_err(|e| Error::Config(e.to_string()))?;
        Self::new(chain, key)
    }

    /// Loads from PEM text in memory.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, Error> {
        let chain = verify::load_certs_pem(cert_pem, "certificate")
            .map_err(|e| Error::Config(e.to_string()))?;
        let key = verify::load_private_key_pem(key_pem, "private key")
            .map_err(|e| Error::Config(e.to_string()))?;
        Self::new(chain, key)
    }
}

/// Picks the server's certificate for a ClientHello (by SNI, say).
pub trait ResolvesServerCert: Send + Sync {
    /// The certificate for `sni`, or `None` to refuse the handshake.
    fn resolve(&self, sni: Option<&str>) -> Option<Arc<CertifiedKey>>;
}

/// Always the same certificate.
pub struct SingleCert(pub Arc<CertifiedKey>);

impl ResolvesServerCert for SingleCert {
    fn resolve(&self, _sni: Option<&str>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// Chooses by exact SNI name (case-insensitive), with an optional default.
#[derive(Default)]
pub struct SniResolver {
    by_name: Vec<(String, Arc<CertifiedKey>)>,
    default: Option<Arc<CertifiedKey>>,
}

impl SniResolver {
    /// Adds a certificate for `name`.
    pub fn add(&mut self, name: &str, key: CertifiedKey) {
        self.by_name
            .push((name.to_ascii_lowercase(), Arc::new(key)));
    }
    /// Sets the certificate used when no name matches (or no SNI was sent).
    pub fn set_default(&mut self, key: CertifiedKey) {
        self.default = Some(Arc::new(key));
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, sni: Option<&str>) -> Option<Arc<CertifiedKey>> {
        sni.and_then(|n| {
            self.by_name
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(n))
                .map(|(_, k)| k.clone())
        })
        .or_else(|| self.default.clone())
    }
}

/// Picks the client's certificate when a server asks for one.
pub trait ResolvesClientCert: Send + Sync {
    /// `schemes`: what the server accepts; `authorities`: DER names of its trusted CAs.
    fn resolve(&self, schemes: &[SigScheme], authorities: &[Vec<u8>]) -> Option<Arc<CertifiedKey>>;
}

impl ResolvesClientCert for CertifiedKey {
    fn resolve(
        &self,
        schemes: &[SigScheme],
        _authorities: &[Vec<u8>],
    ) -> Option<Arc<CertifiedKey>> {
        let usable = self
            .key
            .schemes(Version::Tls12)
            .iter()
            .any(|s| schemes.contains(s));
        usable.then(|| Arc::new(self.clone()))
    }
}

/// Several client certificates to choose from: the first whose chain was issued by a CA
/// the server names in its CertificateRequest (any, when it names none) and whose key can
/// make a signature the server accepts.
///
/// ```no_run
/// use std::sync::Arc;
/// let work = lucid::CertifiedKey::from_pem_files("work.pem", "work-key.pem")?;
/// let home = lucid::CertifiedKey::from_pem_files("home.pem", "home-key.pem")?;
/// let mut config = lucid::ClientConfig::new(lucid::RootStore::system()?);
/// config.client_cert = Some(Arc::new(lucid::ClientCertChoices(vec![Arc::new(work), Arc::new(home)])));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientCertChoices(pub Vec<Arc<CertifiedKey>>);

impl ResolvesClientCert for ClientCertChoices {
    fn resolve(&self, schemes: &[SigScheme], authorities: &[Vec<u8>]) -> Option<Arc<CertifiedKey>> {
        let issued_by_named_ca = |ck: &CertifiedKey| {
            authorities.is_empty()
                || ck
                    .chain
                    .iter()
                    .filter_map(verify::certificate_issuer)
                    .any(|issuer| authorities.contains(&issuer))
        };
        let can_sign = |ck: &CertifiedKey| {
            ck.key
                .schemes(Version::Tls12)
                .iter()
                .any(|s| schemes.contains(s))
        };
        self.0
            .iter()
            .find(|ck| can_sign(ck) && issued_by_named_ca(ck))
            .cloned()
    }
}

/// Whether the server asks for a client certificate.
#[derive(Clone, Default)]
pub enum ClientAuth {
    /// Never ask.
    #[default]
    Off,
    /// Ask; verify against these roots if one is sent; go on without one.
    Optional(RootStore),
    /// Ask and refuse clients without a valid certificate.
    Required(RootStore),
}

/// Deterministic inputs for known-answer tests (RFC 8448). Not for production use.
#[doc(hidden)]
#[derive(Clone, Default)]
pub struct TestHooks {
    /// Fixed hello random.
    pub random: Option<[u8; 32]>,
    /// Fixed X25519 private key for the key share.
    pub x25519_private: Option<[u8; 32]>,
    /// Edits the ClientHello before it is encoded.
    pub edit_client_hello: Option<fn(&mut crate::codec::handshake::ClientHello)>,
    /// Edits EncryptedExtensions before they are encoded.
    pub edit_encrypted_extensions: Option<fn(&mut Vec<crate::codec::extensions::ServerExtension>)>,
    /// Records per sending key before an automatic KeyUpdate (instead of the AEAD's limit),
    /// so tests can reach the limit.
    pub records_per_key: Option<u64>,
}

/// A clock, so tests can verify certificates at a chosen time.
pub type Clock = fn() -> UnixTime;

/// Everything a client connection needs to know.
///
/// ```
/// let roots = lucid::RootStore::webpki_roots();
/// let config = lucid::ClientConfig::new(roots).build().unwrap();
/// assert!(config.versions.contains(&lucid::Version::Tls13));
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    /// Trust anchors for the server's chain.
    pub roots: RootStore,
    /// Certificate revocation lists to apply.
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// Suites in preference order.
    pub suites: Vec<&'static Suite>,
    /// Groups in preference order; key shares go for the first group and, when it is the
    /// hybrid post-quantum group, for the first classical group too.
    pub groups: Vec<KxGroup>,
    /// Versions enabled.
    pub versions: Vec<Version>,
    /// ALPN protocols offered, in preference order.
    pub alpn: Vec<Vec<u8>>,
    /// Send server_name.
    pub enable_sni: bool,
    /// Send a session id and ChangeCipherSpec for middleboxes (RFC 8446 Appendix D.4).
    pub middlebox_compat: bool,
    /// Refuse TLS 1.2 servers without the extended master secret.
    pub require_ems: bool,
    /// Client certificates for mutual TLS.
    pub client_cert: Option<Arc<dyn ResolvesClientCert>>,
    /// Receives secrets (NSS key log format).
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Receives narration events.
    pub observer: Option<Arc<dyn Observer>>,
    /// Put secret values into narration events.
    pub trace_secrets: bool,
    /// The time used to verify certificates.
    pub clock: Clock,
    #[doc(hidden)]
    pub test_hooks: TestHooks,
}

impl ClientConfig {
    /// Defaults: TLS 1.3 and 1.2, forward-secret suites, X25519MLKEM768 first, SNI on.
    pub fn new(roots: RootStore) -> Self {
        ClientConfig {
            roots,
            crls: Vec::new(),
            suites: suites::default_suites(),
            groups: suites::default_groups(),
            versions: vec![Version::Tls13, Version::Tls12],
            alpn: Vec::new(),
            enable_sni: true,
            middlebox_compat: true,
            require_ems: false,
            client_cert: None,
            key_log: None,
            observer: None,
            trace_secrets: false,
            clock: UnixTime::now,
            test_hooks: TestHooks::default(),
        }
    }

    /// Checks the config and freezes it for sharing between connections.
    pub fn build(self) -> Result<Arc<Self>, Error> {
        check_common(&self.suites, &self.groups, &self.versions)?;
        if self.roots.is_empty() {
            return Err(Error::Config(
                "no trusted roots: load a CA file (--cacert) or use the system store".into(),
            ));
        }
        Ok(Arc::new(self))
    }

    pub(crate) fn suites_for(&self, v: Version) -> impl Iterator<Item = &'static Suite> + '_ {
        self.suites.iter().copied().filter(move |s| s.version == v)
    }
}

/// Everything a server connection needs to know.
#[derive(Clone)]
pub struct ServerConfig {
    /// Chooses the certificate.
    pub cert_resolver: Arc<dyn ResolvesServerCert>,
    /// Suites in the server's preference order (the server's order wins).
    pub suites: Vec<&'static Suite>,
    /// Groups in preference order.
    pub groups: Vec<KxGroup>,
    /// Versions enabled.
    pub versions: Vec<Version>,
    /// ALPN protocols the server speaks, in preference order.
    pub alpn: Vec<Vec<u8>>,
    /// Whether to ask for client certificates.
    pub client_auth: ClientAuth,
    /// Revocation lists for client certificates.
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// Refuse TLS 1.2 clients without the extended master secret.
    pub require_ems: bool,
    /// Receives secrets (NSS key log format).
    pub key_log: Option<Arc<dyn KeyLog>>,
    /// Receives narration events.
    pub observer: Option<Arc<dyn Observer>>,
    /// Put secret values into narration events.
    pub trace_secrets: bool,
    /// The time used to verify client certificates.
    pub clock: Clock,
    #[doc(hidden)]
    pub test_hooks: TestHooks,
}

impl ServerConfig {
    /// A server with one certificate and otherwise default settings.
    pub fn new(cert: CertifiedKey) -> Self {
        Self::with_resolver(Arc::new(SingleCert(Arc::new(cert))))
    }

    /// A server that picks certificates with `resolver`.
    pub fn with_resolver(resolver: Arc<dyn ResolvesServerCert>) -> Self {
        ServerConfig {
            cert_resolver: resolver,
            suites: suites::default_suites(),
            groups: suites::default_groups(),
            versions: vec![Version::Tls13, Version::Tls12],
            alpn: Vec::new(),
            client_auth: ClientAuth::Off,
            crls: Vec::new(),
            require_ems: false,
            key_log: None,
            observer: None,
            trace_secrets: false,
            clock: UnixTime::now,
            test_hooks: TestHooks::default(),
        }
    }

    /// Checks the config and freezes it.
    pub fn build(self) -> Result<Arc<Self>, Error> {
        check_common(&self.suites, &self.groups, &self.versions)?;
        if let ClientAuth::Optional(r) | ClientAuth::Required(r) = &self.client_auth {
            if r.is_empty() {
                return Err(Error::Config(
                    "client authentication needs at least one client CA".into(),
                ));
            }
        }
        Ok(Arc::new(self))
    }
}

fn check_common(suites: &[&Suite], groups: &[KxGroup], versions: &[Version]) -> Result<(), Error> {
    if versions.is_empty() {
        return Err(Error::Config("no TLS version enabled".into()));
    }
    if !suites.iter().any(|s| versions.contains(&s.version)) {
        let names: Vec<_> = versions.iter().map(|v| v.name()).collect();
        return Err(Error::Config(format!(
            "none of the configured cipher suites is usable with {}",
            names.join(" or ")
        )));
    }
    let needs_groups = versions.contains(&Version::Tls13)
        || suites
            .iter()
            .any(|s| s.kx == Some(suites::KeyExchange12::Ecdhe));
    if needs_groups && groups.is_empty() {
        return Err(Error::Config("no key-exchange group configured".into()));
    }
    Ok(())
}
