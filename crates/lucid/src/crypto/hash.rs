//! Hash algorithms, hash values and running (transcript) hashes.

use aws_lc_rs::digest;
use core::fmt;

/// A hash algorithm used by a TLS cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384 (FIPS 180-4).
    Sha384,
}

impl HashAlg {
    /// The output length in bytes (32 or 48).
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }

    /// Hashes `data` in one go.
    pub fn hash(self, data: &[u8]) -> Digest {
        Digest::from_slice(digest::digest(self.aws(), data).as_ref())
    }

    /// The conventional name, e.g. `"SHA-256"`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
        }
    }

    /// The aws-lc-rs digest algorithm.
    pub(crate) fn aws(self) -> &'static digest::Algorithm {
        match self {
            HashAlg::Sha256 => &digest::SHA256,
            HashAlg::Sha384 => &digest::SHA384,
        }
    }

    /// The aws-lc-rs HMAC algorithm.
    pub(crate) fn aws_hmac(self) -> aws_lc_rs::hmac::Algorithm {
        match self {
            HashAlg::Sha256 => aws_lc_rs::hmac::HMAC_SHA256,
            HashAlg::Sha384 => aws_lc_rs::hmac::HMAC_SHA384,
        }
    }
}

/// The largest value a [`Digest`] can hold.
const MAX_DIGEST: usize = 64;

/// A hash value of up to 64 bytes, stored inline (no allocation).
///
/// Equality is an ordinary comparison; use [`crate::crypto::ct_eq`] when a
/// value is secret (a MAC or Finished `verify_data`).
#[derive(Clone, Copy)]
pub struct Digest {
    buf: [u8; MAX_DIGEST],
    len: u8,
}

impl Digest {
    /// Copies `bytes` into a `Digest`.
    ///
    /// # Panics
    /// If `bytes` is longer than 64 bytes; only used with trusted lengths.
    pub fn from_slice(bytes: &[u8]) -> Digest {
        assert!(bytes.len() <= MAX_DIGEST, "digest longer than 64 bytes");
        let mut buf = [0u8; MAX_DIGEST];
        buf[..bytes.len()].copy_from_slice(bytes);
        Digest {
            buf,
            len: bytes.len() as u8,
        }
    }

    /// Overwrites the stored bytes with zeros (for digests that hold
    /// secret material, such as HKDF blocks).
    pub(crate) fn wipe(&mut self) {
        crate::crypto::wipe(&mut self.buf);
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

impl PartialEq for Digest {
    fn eq(&self, other: &Self) -> bool {
        self.as_ref() == other.as_ref()
    }
}

impl Eq for Digest {}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest(")?;
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// Running hash (transcript). Cloneable so the current value can be read
/// without finishing.
#[derive(Clone)]
pub struct HashContext {
    alg: HashAlg,
    ctx: digest::Context,
}

impl HashContext {
    /// Starts an empty hash.
    pub fn new(alg: HashAlg) -> HashContext {
        HashContext {
            alg,
            ctx: digest::Context::new(alg.aws()),
        }
    }

    /// Appends `data` to the hashed input.
    pub fn update(&mut self, data: &[u8]) {
        self.ctx.update(data);
    }

    /// The hash of everything so far; `self` can keep being updated.
    pub fn current(&self) -> Digest {
        Digest::from_slice(self.ctx.clone().finish().as_ref())
    }

    /// The algorithm.
    pub fn alg(&self) -> HashAlg {
        self.alg
    }
}

impl fmt::Debug for HashContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashContext")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::unhex;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn one_shot_known_answers() {
        assert_eq!(HashAlg::Sha256.hash(b"").as_ref(), unhex(EMPTY_SHA256));
        assert_eq!(
            HashAlg::Sha384.hash(b"abc").as_ref(),
            unhex(
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
                 8086072ba1e7cc2358baeca134c825a7"
            )
        );
        assert_eq!(HashAlg::Sha256.output_len(), 32);
        assert_eq!(HashAlg::Sha384.output_len(), 48);
        assert_eq!(HashAlg::Sha256.name(), "SHA-256");
    }

    #[test]
    fn context_reads_without_finishing() {
        let mut ctx = HashContext::new(HashAlg::Sha256);
        assert_eq!(ctx.current().as_ref(), unhex(EMPTY_SHA256));
        ctx.update(b"ab");
        let mid = ctx.current();
        ctx.update(b"c");
        assert_eq!(mid, HashAlg::Sha256.hash(b"ab"));
        assert_eq!(ctx.current(), HashAlg::Sha256.hash(b"abc"));
        assert_eq!(ctx.alg(), HashAlg::Sha256);
    }

    #[test]
    fn digest_debug_is_hex() {
        let d = Digest::from_slice(&[0xab, 0x01]);
        assert_eq!(format!("{d:?}"), "Digest(ab01)");
    }

    #[test]
    #[should_panic]
    fn digest_rejects_oversized() {
        let _ = Digest::from_slice(&[0u8; 65]);
    }
}
