//! Signature schemes, private keys (signing and RSA key transport), and the
//! webpki verification algorithms for each scheme.

use super::rsa_kx::{self, Pkcs8, RsaPrivate};
use super::CryptoError;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use core::fmt;
use rustls_pki_types::PrivateKeyDer;

/// A TLS signature scheme (RFC 8446 §4.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigScheme {
    /// rsa_pkcs1_sha256 (TLS 1.2 and certificates only).
    RsaPkcs1Sha256,
    /// rsa_pkcs1_sha384 (TLS 1.2 and certificates only).
    RsaPkcs1Sha384,
    /// rsa_pkcs1_sha512 (TLS 1.2 and certificates only).
    RsaPkcs1Sha512,
    /// rsa_pss_rsae_sha256.
    RsaPssSha256,
    /// rsa_pss_rsae_sha384.
    RsaPssSha384,
    /// rsa_pss_rsae_sha512.
    RsaPssSha512,
    /// ecdsa_secp256r1_sha256.
    EcdsaP256Sha256,
    /// ecdsa_secp384r1_sha384.
    EcdsaP384Sha384,
    /// ed25519.
    Ed25519,
}

impl SigScheme {
    /// The IANA name, e.g. `"rsa_pss_rsae_sha256"`.
    pub fn name(self) -> &'static str {
        match self {
            SigScheme::RsaPkcs1Sha256 => "rsa_pkcs1_sha256",
            SigScheme::RsaPkcs1Sha384 => "rsa_pkcs1_sha384",
            SigScheme::RsaPkcs1Sha512 => "rsa_pkcs1_sha512",
            SigScheme::RsaPssSha256 => "rsa_pss_rsae_sha256",
            SigScheme::RsaPssSha384 => "rsa_pss_rsae_sha384",
            SigScheme::RsaPssSha512 => "rsa_pss_rsae_sha512",
            SigScheme::EcdsaP256Sha256 => "ecdsa_secp256r1_sha256",
            SigScheme::EcdsaP384Sha384 => "ecdsa_secp384r1_sha384",
            SigScheme::Ed25519 => "ed25519",
        }
    }

    /// The aws-lc-rs RSA padding for an RSA scheme.
    fn rsa_encoding(self) -> Option<&'static dyn signature::RsaEncoding> {
        Some(match self {
            SigScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
            SigScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
            SigScheme::RsaPkcs1Sha512 => &signature::RSA_PKCS1_SHA512,
            SigScheme::RsaPssSha256 => &signature::RSA_PSS_SHA256,
            SigScheme::RsaPssSha384 => &signature::RSA_PSS_SHA384,
            SigScheme::RsaPssSha512 => &signature::RSA_PSS_SHA512,
            _ => return None,
        })
    }
}

/// The kind (and for RSA, size) of a private key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// ECDSA on P-256.
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
}

impl KeyKind {
    /// A short description: `"RSA 2048-bit"`, `"ECDSA P-256"`, `"Ed25519"`.
    pub fn describe(&self) -> String {
        match self {
            KeyKind::Rsa { bits } => format!("RSA {bits}-bit"),
            KeyKind::EcdsaP256 => "ECDSA P-256".to_string(),
            KeyKind::EcdsaP384 => "ECDSA P-384".to_string(),
            KeyKind::Ed25519 => "Ed25519".to_string(),
        }
    }
}

/// Why a private key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// A key type lucid does not support; the text says which.
    Unsupported(String),
    /// An RSA key outside 2048..=4096 bits; holds its size.
    UnsupportedRsaSize(usize),
    /// The bytes are not a valid key; the text says what was wrong.
    Malformed(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Unsupported(what) => write!(
                f,
                "the private key is {what}, which lucid does not support; \
                 use an RSA (2048 to 4096 bits), ECDSA P-256/P-384 or Ed25519 key"
            ),
            KeyError::UnsupportedRsaSize(bits) => write!(
                f,
                "the RSA private key has {bits} bits; lucid accepts RSA keys of 2048 to \
                 4096 bits, so generate a new key (e.g. 2048 or 3072 bits)"
            ),
            KeyError::Malformed(why) => write!(
                f,
                "the private key could not be read: {why}; expected an unencrypted \
                 PKCS#8, PKCS#1 (RSA) or SEC1 (EC) key"
            ),
        }
    }
}

impl std::error::Error for KeyError {}

enum Inner {
    Rsa {
        sign: rsa::KeyPair,
        decrypt: RsaPrivate,
        bits: usize,
    },
    EcdsaP256(EcdsaKeyPair),
    EcdsaP384(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key able to sign handshake messages (and, for RSA, to decrypt
/// a TLS 1.2 pre-master secret).
pub struct PrivateKey {
    inner: Inner,
    spki: Vec<u8>,
}

static RSA_TLS13: &[SigScheme] = &[
    SigScheme::RsaPssSha256,
    SigScheme::RsaPssSha384,
    SigScheme::RsaPssSha512,
];
static RSA_TLS12: &[SigScheme] = &[
    SigScheme::RsaPssSha256,
    SigScheme::RsaPssSha384,
    SigScheme::RsaPssSha512,
    SigScheme::RsaPkcs1Sha256,
    SigScheme::RsaPkcs1Sha384,
    SigScheme::RsaPkcs1Sha512,
];
static P256: &[SigScheme] = &[SigScheme::EcdsaP256Sha256];
static P384: &[SigScheme] = &[SigScheme::EcdsaP384Sha384];
static ED25519: &[SigScheme] = &[SigScheme::Ed25519];

fn malformed(why: &str) -> KeyError {
    KeyError::Malformed(why.to_string())
}

impl PrivateKey {
    /// From a PKCS#8, PKCS#1 (RSA) or SEC1 (EC) DER key. RSA must be
    /// 2048..=4096 bits (else [`KeyError::UnsupportedRsaSize`]); ECDSA must
    /// be on P-256 or P-384.
    pub fn from_der(der: &PrivateKeyDer<'_>) -> Result<PrivateKey, KeyError> {
        match der {
            PrivateKeyDer::Pkcs1(k) => {
                let bytes = k.secret_pkcs1_der();
                let raw = RsaPrivate::from_pkcs1(bytes)
                    .ok_or_else(|| malformed("the PKCS#1 RSAPrivateKey is not valid DER"))?;
                Self::rsa(raw, rsa::KeyPair::from_der(bytes))
            }
            PrivateKeyDer::Sec1(k) => {
                let bytes = k.secret_sec1_der();
                let ec = |alg| EcdsaKeyPair::from_private_key_der(alg, bytes).ok();
                if let Some(kp) = ec(&signature::ECDSA_P256_SHA256_ASN1_SIGNING) {
                    Self::finish(Inner::EcdsaP256(kp))
                } else if let Some(kp) = ec(&signature::ECDSA_P384_SHA384_ASN1_SIGNING) {
                    Self::finish(Inner::EcdsaP384(kp))
                } else {
                    Err(malformed(
                        "the SEC1 EC key is not valid or is not on P-256 or P-384",
                    ))
                }
            }
            PrivateKeyDer::Pkcs8(k) => Self::from_pkcs8(k.secret_pkcs8_der()),
            _ => Err(KeyError::Unsupported("in an unknown format".to_string())),
        }
    }

    fn from_pkcs8(bytes: &[u8]) -> Result<PrivateKey, KeyError> {
        let ec = |alg| EcdsaKeyPair::from_pkcs8(alg, bytes).ok();
        if let Ok(kp) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(bytes) {
            return Self::finish(Inner::Ed25519(kp));
        }
        if let Some(kp) = ec(&signature::ECDSA_P256_SHA256_ASN1_SIGNING) {
            return Self::finish(Inner::EcdsaP256(kp));
        }
        if let Some(kp) = ec(&signature::ECDSA_P384_SHA384_ASN1_SIGNING) {
            return Self::finish(Inner::EcdsaP384(kp));
        }
        match RsaPrivate::from_pkcs8(bytes) {
            Pkcs8::Rsa(raw) => Self::rsa(raw, rsa::KeyPair::from_pkcs8(bytes)),
            Pkcs8::NotRsa => Err(KeyError::Unsupported(
                "a PKCS#8 key of another type (such as ECDSA P-521, Ed448 or DSA)".to_string(),
            )),
            Pkcs8::Invalid => Err(malformed("the PKCS#8 PrivateKeyInfo is not valid DER")),
        }
    }

    fn rsa(
        raw: RsaPrivate,
        signing: Result<rsa::KeyPair, aws_lc_rs::error::KeyRejected>,
    ) -> Result<PrivateKey, KeyError> {
        let bits = raw.bits();
        if !(2048..=4096).contains(&bits) {
            return Err(KeyError::UnsupportedRsaSize(bits));
        }
        let sign =
            signing.map_err(|e| KeyError::Malformed(format!("the RSA key was rejected ({e})")))?;
        Self::finish(Inner::Rsa {
            sign,
            decrypt: raw,
            bits,
        })
    }

    fn finish(inner: Inner) -> Result<PrivateKey, KeyError> {
        let spki = match &inner {
            Inner::Rsa { sign, .. } => sign.public_key().as_der().map(|d| d.as_ref().to_vec()),
            Inner::EcdsaP256(kp) | Inner::EcdsaP384(kp) => {
                kp.public_key().as_der().map(|d| d.as_ref().to_vec())
            }
            Inner::Ed25519(kp) => kp.public_key().as_der().map(|d| d.as_ref().to_vec()),
        }
        .map_err(|_| malformed("its public key could not be encoded"))?;
        Ok(PrivateKey { inner, spki })
    }

    /// The key type and size.
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            Inner::Rsa { bits, .. } => KeyKind::Rsa { bits: *bits },
            Inner::EcdsaP256(_) => KeyKind::EcdsaP256,
            Inner::EcdsaP384(_) => KeyKind::EcdsaP384,
            Inner::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// DER SubjectPublicKeyInfo of the public half (to compare with the
    /// certificate's SPKI, proving key and certificate match).
    pub fn public_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// TLS 1.3-usable schemes for this key, in preference order (RSA: PSS
    /// 256/384/512, never PKCS#1; P-256: ecdsa_secp256r1_sha256; P-384:
    /// ecdsa_secp384r1_sha384; Ed25519: ed25519).
    pub fn tls13_schemes(&self) -> &'static [SigScheme] {
        match self.inner {
            Inner::Rsa { .. } => RSA_TLS13,
            _ => self.tls12_schemes(),
        }
    }

    /// TLS 1.2-usable schemes (RSA: PSS 256/384/512 then PKCS#1
    /// 256/384/512; ECDSA and Ed25519 as in TLS 1.3).
    pub fn tls12_schemes(&self) -> &'static [SigScheme] {
        match self.inner {
            Inner::Rsa { .. } => RSA_TLS12,
            Inner::EcdsaP256(_) => P256,
            Inner::EcdsaP384(_) => P384,
            Inner::Ed25519(_) => ED25519,
        }
    }

    /// Signs `message` with `scheme`; `Err` if the scheme does not fit the key.
    pub fn sign(&self, scheme: SigScheme, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let rng = SystemRandom::new();
        match (&self.inner, scheme) {
            (Inner::Rsa { sign, .. }, _) => {
                let encoding = scheme.rsa_encoding().ok_or(CryptoError)?;
                let mut sig = vec![0u8; sign.public_modulus_len()];
                sign.sign(encoding, &rng, message, &mut sig)?;
                Ok(sig)
            }
            (Inner::EcdsaP256(kp), SigScheme::EcdsaP256Sha256)
            | (Inner::EcdsaP384(kp), SigScheme::EcdsaP384Sha384) => {
                Ok(kp.sign(&rng, message)?.as_ref().to_vec())
            }
            (Inner::Ed25519(kp), SigScheme::Ed25519) => Ok(kp.sign(message).as_ref().to_vec()),
            _ => Err(CryptoError),
        }
    }

    /// RSA key transport (TLS 1.2, RFC 5246 §7.4.7.1): decrypts a
    /// ClientKeyExchange ciphertext into a 48-byte pre-master secret without
    /// revealing padding validity.
    ///
    /// Returns the decrypted secret if the PKCS#1 v1.5 padding is correct,
    /// the message is exactly 48 bytes and its first two bytes equal
    /// `client_version`; in every other case returns `fallback` (48 random
    /// bytes the caller generated beforehand). The raw RSA operation is
    /// AWS-LC's (blinded); the unpadding and the selection are done with
    /// constant-time masks, never with a branch on the decrypted bytes.
    /// `Err` only if this is not an RSA key or the ciphertext length is not
    /// the modulus length.
    pub fn decrypt_premaster(
        &self,
        ciphertext: &[u8],
        client_version: [u8; 2],
        fallback: &[u8; 48],
    ) -> Result<[u8; 48], CryptoError> {
        match &self.inner {
            Inner::Rsa { decrypt, .. } => {
                rsa_kx::decrypt_premaster(decrypt, ciphertext, client_version, fallback)
            }
            _ => Err(CryptoError),
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

#[path = "sign_webpki.rs"]
mod webpki_tables;
pub use webpki_tables::{webpki_algs, webpki_chain_algs};

/// RSA PKCS#1 v1.5 encryption of a pre-master secret to the RSA key in a DER
/// SubjectPublicKeyInfo (the client side of TLS 1.2 RSA key transport).
pub fn rsa_encrypt_premaster(
    spki_der: &[u8],
    premaster: &[u8; 48],
) -> Result<Vec<u8>, CryptoError> {
    let public = rsa::PublicEncryptingKey::from_der(spki_der).map_err(|_| CryptoError)?;
    let key = rsa::Pkcs1PublicEncryptingKey::new(public)?;
    let mut out = vec![0u8; key.ciphertext_size()];
    let len = key.encrypt(premaster, &mut out)?.len();
    out.truncate(len);
    Ok(out)
}

#[cfg(test)]
#[path = "sign_tests.rs"]
mod tests;
