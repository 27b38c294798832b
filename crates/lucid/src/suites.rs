//! What lucid can negotiate: cipher suites, groups and signature schemes, each mapped
//! between its IANA code point and the crypto types behind it.

use crate::codec::{CipherSuite, NamedGroup, SignatureScheme};
use crate::crypto::aead::AeadAlg;
use crate::crypto::hash::HashAlg;
use crate::crypto::kx::KxGroup;
use crate::crypto::sign::SigScheme;

/// A TLS protocol version lucid speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446).
    Tls13,
}

impl Version {
    /// "TLS 1.2" or "TLS 1.3".
    pub fn name(self) -> &'static str {
        match self {
            Version::Tls12 => "TLS 1.2",
            Version::Tls13 => "TLS 1.3",
        }
    }

    /// The wire code point.
    pub fn code(self) -> crate::codec::ProtocolVersion {
        match self {
            Version::Tls12 => crate::codec::ProtocolVersion::TLS12,
            Version::Tls13 => crate::codec::ProtocolVersion::TLS13,
        }
    }
}

/// How a TLS 1.2 suite agrees on the pre-master secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyExchange12 {
    /// Ephemeral elliptic-curve Diffie-Hellman, signed by the server (forward secret).
    Ecdhe,
    /// The client encrypts the pre-master secret to the server's RSA key (no forward secrecy).
    Rsa,
}

/// What kind of key must sign (TLS 1.2 suites name it; TLS 1.3 suites do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerAuth {
    /// An RSA certificate.
    Rsa,
    /// An ECDSA certificate.
    Ecdsa,
    /// Whatever the certificate is (TLS 1.3).
    Any,
}

/// A cipher suite lucid implements.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Suite {
    /// The code point.
    pub id: CipherSuite,
    /// The version the suite belongs to.
    pub version: Version,
    /// Record protection.
    pub aead: AeadAlg,
    /// Hash for the transcript and key schedule (and PRF in TLS 1.2).
    pub hash: HashAlg,
    /// TLS 1.2 key exchange; `None` for TLS 1.3.
    pub kx: Option<KeyExchange12>,
    /// The certificate key type the suite requires.
    pub auth: ServerAuth,
}

impl Suite {
    /// The IANA name, e.g. `TLS_AES_128_GCM_SHA256`.
    pub fn name(&self) -> &'static str {
        self.id.name().unwrap_or("unknown")
    }
}

macro_rules! suite {
    ($name:ident, $version:ident, $aead:ident, $hash:ident, $kx:expr, $auth:ident) => {
        #[doc = concat!("`", stringify!($name), "`.")]
        pub static $name: Suite = Suite {
            id: CipherSuite::$name,
            version: Version::$version,
            aead: AeadAlg::$aead,
            hash: HashAlg::$hash,
            kx: $kx,
            auth: ServerAuth::$auth,
        };
    };
}

suite!(TLS_AES_128_GCM_SHA256, Tls13, Aes128Gcm, Sha256, None, Any);
suite!(TLS_AES_256_GCM_SHA384, Tls13, Aes256Gcm, Sha384, None, Any);
suite!(
    TLS_CHACHA20_POLY1305_SHA256,
    Tls13,
    ChaCha20Poly1305,
    Sha256,
    None,
    Any
);
suite!(
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    Tls12,
    Aes128Gcm,
    Sha256,
    Some(KeyExchange12::Ecdhe),
    Ecdsa
);
suite!(
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    Tls12,
    Aes256Gcm,
    Sha384,
    Some(KeyExchange12::Ecdhe),
    Ecdsa
);
suite!(
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    Tls12,
    ChaCha20Poly1305,
    Sha256,
    Some(KeyExchange12::Ecdhe),
    Ecdsa
);
suite!(
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    Tls12,
    Aes128Gcm,
    Sha256,
    Some(KeyExchange12::Ecdhe),
    Rsa
);
suite!(
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    Tls12,
    Aes256Gcm,
    Sha384,
    Some(KeyExchange12::Ecdhe),
    Rsa
);
suite!(
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    Tls12,
    ChaCha20Poly1305,
    Sha256,
    Some(KeyExchange12::Ecdhe),
    Rsa
);
suite!(
    TLS_RSA_WITH_AES_128_GCM_SHA256,
    Tls12,
    Aes128Gcm,
    Sha256,
    Some(KeyExchange12::Rsa),
    Rsa
);
suite!(
    TLS_RSA_WITH_AES_256_GCM_SHA384,
    Tls12,
    Aes256Gcm,
    Sha384,
    Some(KeyExchange12::Rsa),
    Rsa
);

/// Every suite lucid implements, in lucid's default preference order.
pub static ALL_SUITES: &[&Suite] = &[
    &TLS_AES_128_GCM_SHA256,
    &TLS_AES_256_GCM_SHA384,
    &TLS_CHACHA20_POLY1305_SHA256,
    &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    &TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    &TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    &TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    &TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    &TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    &TLS_RSA_WITH_AES_128_GCM_SHA256,
    &TLS_RSA_WITH_AES_256_GCM_SHA384,
];

/// The suites a config enables unless told otherwise: everything with forward secrecy.
pub fn default_suites() -> Vec<&'static Suite> {
    ALL_SUITES
        .iter()
        .copied()
        .filter(|s| s.kx != Some(KeyExchange12::Rsa))
        .collect()
}

/// Looks a suite up by code point.
pub fn suite_by_id(id: CipherSuite) -> Option<&'static Suite> {
    ALL_SUITES.iter().copied().find(|s| s.id == id)
}

/// Looks a suite up by IANA name (case-insensitive).
///
/// ```
/// let s = lucid::suites::suite_by_name("tls_aes_128_gcm_sha256").unwrap();
/// assert_eq!(s.name(), "TLS_AES_128_GCM_SHA256");
/// ```
pub fn suite_by_name(name: &str) -> Option<&'static Suite> {
    ALL_SUITES
        .iter()
        .copied()
        .find(|s| s.name().eq_ignore_ascii_case(name))
}

/// Groups lucid offers by default, in order: the hybrid post-quantum group first, as
/// current browsers do, then X25519, P-256, P-384.
pub fn default_groups() -> Vec<KxGroup> {
    vec![
        KxGroup::X25519MlKem768,
        KxGroup::X25519,
        KxGroup::Secp256r1,
        KxGroup::Secp384r1,
    ]
}

/// Every group lucid implements.
pub static ALL_GROUPS: &[KxGroup] = &[
    KxGroup::X25519MlKem768,
    KxGroup::X25519,
    KxGroup::Secp256r1,
    KxGroup::Secp384r1,
];

/// The code point of a group.
pub fn group_code(g: KxGroup) -> NamedGroup {
    match g {
        KxGroup::X25519 => NamedGroup::X25519,
        KxGroup::Secp256r1 => NamedGroup::SECP256R1,
        KxGroup::Secp384r1 => NamedGroup::SECP384R1,
        KxGroup::X25519MlKem768 => NamedGroup::X25519MLKEM768,
    }
}

/// The group behind a code point, if lucid implements it.
pub fn group_from_code(code: NamedGroup) -> Option<KxGroup> {
    ALL_GROUPS.iter().copied().find(|g| group_code(*g) == code)
}

/// Looks a group up by name (`x25519`, `secp256r1`, `X25519MLKEM768`, also `P-256`...).
///
/// ```
/// assert!(lucid::suites::group_by_name("X25519MLKEM768").is_some());
/// assert!(lucid::suites::group_by_name("p-384").is_some());
/// ```
pub fn group_by_name(name: &str) -> Option<KxGroup> {
    let alias = match name.to_ascii_lowercase().as_str() {
        "p-256" | "p256" | "prime256v1" => "secp256r1".to_string(),
        "p-384" | "p384" => "secp384r1".to_string(),
        other => other.to_string(),
    };
    ALL_GROUPS
        .iter()
        .copied()
        .find(|g| g.name().eq_ignore_ascii_case(&alias))
}

/// Every scheme lucid can verify, in the order it offers them.
pub static VERIFY_SCHEMES: &[SigScheme] = &[
    SigScheme::EcdsaP256Sha256,
    SigScheme::EcdsaP384Sha384,
    SigScheme::Ed25519,
    SigScheme::RsaPssSha256,
    SigScheme::RsaPssSha384,
    SigScheme::RsaPssSha512,
    SigScheme::RsaPkcs1Sha256,
    SigScheme::RsaPkcs1Sha384,
    SigScheme::RsaPkcs1Sha512,
];

/// The code point of a signature scheme.
pub fn scheme_code(s: SigScheme) -> SignatureScheme {
    match s {
        SigScheme::RsaPkcs1Sha256 => SignatureScheme::RSA_PKCS1_SHA256,
        SigScheme::RsaPkcs1Sha384 => SignatureScheme::RSA_PKCS1_SHA384,
        SigScheme::RsaPkcs1Sha512 => SignatureScheme::RSA_PKCS1_SHA512,
        SigScheme::RsaPssSha256 => SignatureScheme::RSA_PSS_RSAE_SHA256,
        SigScheme::RsaPssSha384 => SignatureScheme::RSA_PSS_RSAE_SHA384,
        SigScheme::RsaPssSha512 => SignatureScheme::RSA_PSS_RSAE_SHA512,
        SigScheme::EcdsaP256Sha256 => SignatureScheme::ECDSA_SECP256R1_SHA256,
        SigScheme::EcdsaP384Sha384 => SignatureScheme::ECDSA_SECP384R1_SHA384,
        SigScheme::Ed25519 => SignatureScheme::ED25519,
    }
}

/// The scheme behind a code point, if lucid implements it.
pub fn scheme_from_code(code: SignatureScheme) -> Option<SigScheme> {
    VERIFY_SCHEMES
        .iter()
        .copied()
        .find(|s| scheme_code(*s) == code)
}

/// True for schemes allowed in TLS 1.3 handshake signatures (RFC 8446 §4.2.3: RSASSA-PKCS1-v1_5
/// only in certificates).
pub fn tls13_handshake_scheme(s: SigScheme) -> bool {
    !matches!(
        s,
        SigScheme::RsaPkcs1Sha256 | SigScheme::RsaPkcs1Sha384 | SigScheme::RsaPkcs1Sha512
    )
}
