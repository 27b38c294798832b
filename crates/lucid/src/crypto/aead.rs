//! AEAD record protection keys (AES-GCM, ChaCha20-Poly1305).

use super::CryptoError;
use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use core::fmt;

/// An AEAD algorithm used by a TLS cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadAlg {
    /// AES-128 in Galois/Counter Mode.
    Aes128Gcm,
    /// AES-256 in Galois/Counter Mode.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
}

impl AeadAlg {
    /// Length of the nonce in bytes (all three algorithms).
    pub const NONCE_LEN: usize = 12;
    /// Length of the authentication tag in bytes (all three algorithms).
    pub const TAG_LEN: usize = 16;

    /// Length of the key in bytes.
    pub fn key_len(self) -> usize {
        match self {
            AeadAlg::Aes128Gcm => 16,
            AeadAlg::Aes256Gcm | AeadAlg::ChaCha20Poly1305 => 32,
        }
    }

    /// The conventional name, e.g. `"AES-128-GCM"`.
    pub fn name(self) -> &'static str {
        match self {
            AeadAlg::Aes128Gcm => "AES-128-GCM",
            AeadAlg::Aes256Gcm => "AES-256-GCM",
            AeadAlg::ChaCha20Poly1305 => "ChaCha20-Poly1305",
        }
    }

    /// The number of records that may be protected with one key in TLS 1.3
    /// before it must be updated (RFC 8446 §5.5, RFC 9846): 2^24.5 full-size
    /// records for AES-GCM; 2^62 for ChaCha20-Poly1305, which exceeds any
    /// sequence number in practice, so `u64::MAX`.
    pub fn confidentiality_limit(self) -> u64 {
        match self {
            AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm => 23_726_566,
            AeadAlg::ChaCha20Poly1305 => u64::MAX,
        }
    }

    fn aws(self) -> &'static aead::Algorithm {
        match self {
            AeadAlg::Aes128Gcm => &aead::AES_128_GCM,
            AeadAlg::Aes256Gcm => &aead::AES_256_GCM,
            AeadAlg::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        }
    }
}

/// A key for one direction of record protection.
///
/// The caller builds each nonce (RFC 8446 §5.3 / RFC 5288 §3) and must never
/// repeat one under the same key.
pub struct AeadKey {
    alg: AeadAlg,
    key: LessSafeKey,
}

impl AeadKey {
    /// Builds a key; `Err` if `key` has the wrong length for `alg`.
    pub fn new(alg: AeadAlg, key: &[u8]) -> Result<AeadKey, CryptoError> {
        if key.len() != alg.key_len() {
            return Err(CryptoError);
        }
        let unbound = UnboundKey::new(alg.aws(), key)?;
        Ok(AeadKey {
            alg,
            key: LessSafeKey::new(unbound),
        })
    }

    /// The algorithm.
    pub fn alg(&self) -> AeadAlg {
        self.alg
    }

    /// Encrypts `data` in place and returns the 16-byte tag.
    pub fn seal_in_place(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; 16], CryptoError> {
        let tag = self.key.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            data,
        )?;
        let mut out = [0u8; 16];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    /// `data` is ciphertext followed by the 16-byte tag; on success decrypts
    /// in place and returns the plaintext length (`data.len() - 16`).
    /// On failure the contents of `data` are unspecified.
    pub fn open_in_place(
        &self,
        nonce: [u8; 12],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<usize, CryptoError> {
        if data.len() < AeadAlg::TAG_LEN {
            return Err(CryptoError);
        }
        let plain =
            self.key
                .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), data)?;
        Ok(plain.len())
    }
}

impl fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AeadKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::unhex;

    const ALL: [AeadAlg; 3] = [
        AeadAlg::Aes128Gcm,
        AeadAlg::Aes256Gcm,
        AeadAlg::ChaCha20Poly1305,
    ];

    #[test]
    fn round_trip_and_tamper() {
        for alg in ALL {
            let key = AeadKey::new(alg, &vec![0x42; alg.key_len()]).unwrap();
            assert_eq!(key.alg(), alg);
            let nonce = [9u8; 12];
            let mut buf = b"hello, record layer".to_vec();
            let tag = key.seal_in_place(nonce, b"hdr", &mut buf).unwrap();
            assert_ne!(&buf[..], b"hello, record layer");
            buf.extend_from_slice(&tag);
            let mut bad = buf.clone();
            let n = key.open_in_place(nonce, b"hdr", &mut buf).unwrap();
            assert_eq!(&buf[..n], b"hello, record layer");
            bad[0] ^= 1;
            assert_eq!(key.open_in_place(nonce, b"hdr", &mut bad), Err(CryptoError));
            assert_eq!(
                key.open_in_place(nonce, b"", &mut [0u8; 15]),
                Err(CryptoError)
            );
        }
    }

    #[test]
    fn wrong_key_length_is_rejected() {
        assert!(AeadKey::new(AeadAlg::Aes128Gcm, &[0u8; 32]).is_err());
        assert!(AeadKey::new(AeadAlg::ChaCha20Poly1305, &[0u8; 16]).is_err());
    }

    /// RFC 8448 §3: the server's first encrypted handshake record.
    #[test]
    fn rfc8448_first_server_record() {
        let key = AeadKey::new(
            AeadAlg::Aes128Gcm,
            &unhex("3fce516009c21727d0f2e4e86ee403bc"),
        )
        .unwrap();
        let iv = unhex("5d313eb2671276ee13000b30");
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&iv); // sequence number 0
        let record = unhex(include_str!("testdata/rfc8448_server_hs_record.hex"));
        let (header, body) = record.split_at(5);
        let mut body = body.to_vec();
        let n = key.open_in_place(nonce, header, &mut body).unwrap();
        // Plaintext starts with EncryptedExtensions and ends with content type 0x16.
        assert_eq!(&body[..4], &[0x08, 0x00, 0x00, 0x24]);
        assert_eq!(body[n - 1], 0x16);
    }

    #[test]
    fn limits_and_names() {
        assert_eq!(AeadAlg::Aes128Gcm.confidentiality_limit(), 23_726_566);
        assert_eq!(AeadAlg::ChaCha20Poly1305.confidentiality_limit(), u64::MAX);
        assert_eq!(AeadAlg::Aes256Gcm.name(), "AES-256-GCM");
        assert_eq!(AeadAlg::NONCE_LEN, 12);
        assert_eq!(AeadAlg::TAG_LEN, 16);
    }
}
