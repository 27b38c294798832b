//! Cryptography: the only module of lucid that names `aws-lc-rs`.
//!
//! Everything else in the crate sees the small types defined here: hash
//! algorithms and transcript hashes ([`hash`]), HMAC and the TLS 1.3 key
//! schedule ([`hmac`]), record protection keys ([`aead`]), key exchange
//! ([`kx`]), signatures and RSA key transport ([`sign`]), the TLS 1.2 PRF
//! ([`prf`]) and random numbers ([`rand`]). No primitive is written by hand:
//! each one is a call into aws-lc-rs (HKDF-Expand is composed from its HMAC).

#![warn(missing_docs)]

pub mod aead;
pub mod hash;
pub mod hmac;
pub mod kx;
pub mod prf;
pub mod rand;
#[allow(unsafe_code)]
// FFI to AWS-LC for constant-time RSA decryption; each block argues its soundness.
pub mod rsa_kx;
pub mod sign;

use core::fmt;

/// An opaque failure from a crypto operation (the engine maps it to an alert).
///
/// It deliberately carries no detail: a decryption or verification failure
/// must not tell an attacker *why* it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CryptoError;

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a cryptographic operation failed")
    }
}

impl std::error::Error for CryptoError {}

impl From<aws_lc_rs::error::Unspecified> for CryptoError {
    fn from(_: aws_lc_rs::error::Unspecified) -> Self {
        CryptoError
    }
}

/// Compares two byte strings in constant time (for MACs, Finished
/// verify_data, and anything else derived from a secret).
///
/// Returns `false` if the lengths differ; the lengths themselves are not
/// treated as secret.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

/// Overwrites `buf` with zeros in a way the optimiser may not remove
/// (the write is followed by an opaque read through `black_box`).
pub(crate) fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    core::hint::black_box(buf);
}

/// Hex decoding for known-answer tests.
#[cfg(test)]
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert_eq!(s.len() % 2, 0, "odd hex length");
    s.chunks(2)
        .map(|p| u8::from_str_radix(core::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_compares_contents_and_lengths() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
    }

    #[test]
    fn crypto_error_displays() {
        assert_eq!(CryptoError.to_string(), "a cryptographic operation failed");
    }
}
