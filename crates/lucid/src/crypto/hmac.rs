//! HMAC, HKDF (RFC 5869) and the TLS 1.3 key-schedule secret (RFC 8446 §7.1).

use super::hash::{Digest, HashAlg};
use aws_lc_rs::hmac;
use core::fmt;

/// HMAC keyed once; signing many messages reuses the keyed state
/// (aws-lc-rs `hmac::Key`, whose `Context` starts from a copy of it).
#[derive(Clone)]
pub struct HmacKey {
    alg: HashAlg,
    key: hmac::Key,
}

impl HmacKey {
    /// Keys HMAC-`alg` with `key`.
    pub fn new(alg: HashAlg, key: &[u8]) -> Self {
        HmacKey {
            alg,
            key: hmac::Key::new(alg.aws_hmac(), key),
        }
    }

    /// HMAC over the concatenation of `parts`.
    pub fn sign(&self, parts: &[&[u8]]) -> Digest {
        let mut ctx = hmac::Context::with_key(&self.key);
        for part in parts {
            ctx.update(part);
        }
        Digest::from_slice(ctx.sign().as_ref())
    }

    /// The hash algorithm.
    pub fn alg(&self) -> HashAlg {
        self.alg
    }
}

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// The "tls13 " prefix of every HKDF label (RFC 8446 §7.1).
const LABEL_PREFIX: &[u8] = b"tls13 ";

/// Largest encoded HkdfLabel: uint16 length, label<7..255>, context<0..255>.
const MAX_HKDF_LABEL: usize = 2 + 1 + 255 + 1 + 255;

/// A TLS 1.3 secret (RFC 8446 §7.1): its bytes plus an HMAC key already
/// keyed with them, so HKDF-Expand-Label never re-keys.
///
/// The bytes are zeroized on drop. `Debug` shows only the algorithm.
#[derive(Clone)]
pub struct Secret {
    buf: [u8; 64],
    len: u8,
    key: HmacKey,
}

impl Secret {
    /// Wraps existing secret bytes (at most 64).
    ///
    /// # Panics
    /// If `bytes` is longer than 64 bytes.
    pub fn from_bytes(alg: HashAlg, bytes: &[u8]) -> Secret {
        assert!(bytes.len() <= 64, "secret longer than 64 bytes");
        let mut buf = [0u8; 64];
        buf[..bytes.len()].copy_from_slice(bytes);
        Secret {
            buf,
            len: bytes.len() as u8,
            key: HmacKey::new(alg, bytes),
        }
    }

    /// HKDF-Extract(salt, ikm) (RFC 5869): PRK = HMAC(salt, ikm); an empty
    /// salt means HashLen zero bytes.
    pub fn extract(alg: HashAlg, salt: &[u8], ikm: &[u8]) -> Secret {
        let zeros = [0u8; 64];
        let salt = if salt.is_empty() {
            &zeros[..alg.output_len()]
        } else {
            salt
        };
        let mut prk = HmacKey::new(alg, salt).sign(&[ikm]);
        let secret = Secret::from_bytes(alg, prk.as_ref());
        prk.wipe();
        secret
    }

    /// HKDF-Expand-Label(Secret, Label, Context, Length) with "tls13 "
    /// prefixed to `label` (pass the label WITHOUT the prefix, e.g. `b"key"`).
    /// Length is `out.len()`.
    ///
    /// # Panics
    /// If `out.len() > 255 * HashLen`, `label` is longer than 249 bytes or
    /// `context` longer than 255 bytes (all fixed by the protocol, never by
    /// a peer).
    pub fn expand_label(&self, label: &[u8], context: &[u8], out: &mut [u8]) {
        assert!(
            label.len() + LABEL_PREFIX.len() <= 255,
            "HKDF label too long"
        );
        assert!(context.len() <= 255, "HKDF context too long");
        let out_len = u16::try_from(out.len()).expect("HKDF output too long");

        // struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel;
        let mut info = [0u8; MAX_HKDF_LABEL];
        let mut n = 0;
        let mut put = |bytes: &[u8]| {
            info[n..n + bytes.len()].copy_from_slice(bytes);
            n += bytes.len();
        };
        put(&out_len.to_be_bytes());
        put(&[(LABEL_PREFIX.len() + label.len()) as u8]);
        put(LABEL_PREFIX);
        put(label);
        put(&[context.len() as u8]);
        put(context);

        hkdf_expand(&self.key, &info[..n], out);
    }

    /// Derive-Secret(Secret, Label, Messages) given the transcript hash:
    /// `expand_label(label, hash, HashLen)` as a new `Secret`.
    pub fn derive(&self, label: &[u8], transcript_hash: &[u8]) -> Secret {
        let alg = self.alg();
        let mut tmp = [0u8; 64];
        let out = &mut tmp[..alg.output_len()];
        self.expand_label(label, transcript_hash, out);
        let secret = Secret::from_bytes(alg, out);
        crate::crypto::wipe(&mut tmp);
        secret
    }

    /// HKDF-Extract with this secret as salt: `Secret::extract(alg, self.bytes, ikm)`.
    pub fn extract_with(&self, ikm: &[u8]) -> Secret {
        Secret::extract(self.alg(), self.bytes(), ikm)
    }

    /// The secret bytes (for key logging, resumption and tests).
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// The hash algorithm of the key schedule this secret belongs to.
    pub fn alg(&self) -> HashAlg {
        self.key.alg()
    }

    /// HMAC keyed by this secret (for Finished: HMAC(finished_key, hash)).
    pub fn hmac(&self, parts: &[&[u8]]) -> Digest {
        self.key.sign(parts)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        crate::crypto::wipe(&mut self.buf);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

/// HKDF-Expand (RFC 5869 §2.3) over an HMAC key already keyed with PRK:
/// T(0) = empty, T(i) = HMAC(PRK, T(i-1) | info | i), OKM = first L bytes
/// of T(1) | T(2) | ...
fn hkdf_expand(prk: &HmacKey, info: &[u8], out: &mut [u8]) {
    let hash_len = prk.alg().output_len();
    assert!(out.len() <= 255 * hash_len, "HKDF output too long");
    let mut prev = Digest::from_slice(&[]);
    for (i, chunk) in out.chunks_mut(hash_len).enumerate() {
        let counter = [(i + 1) as u8];
        let mut block = prk.sign(&[prev.as_ref(), info, &counter]);
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        prev.wipe();
        prev = block;
        block.wipe();
    }
    prev.wipe();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::unhex;

    /// RFC 5869 Appendix A.1 (Test Case 1), SHA-256.
    #[test]
    fn rfc5869_case1() {
        let ikm = [0x0b; 22];
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let prk = Secret::extract(HashAlg::Sha256, &salt, &ikm);
        assert_eq!(
            prk.bytes(),
            unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
        );
        let mut okm = [0u8; 42];
        hkdf_expand(&prk.key, &info, &mut okm);
        assert_eq!(
            okm.to_vec(),
            unhex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf\
                 34007208d5b887185865"
            )
        );
    }

    /// RFC 8448 §3: the early secret, "derived", handshake secret,
    /// a Derive-Secret step and traffic-key expansion.
    #[test]
    fn rfc8448_key_schedule() {
        let alg = HashAlg::Sha256;
        let early = Secret::extract(alg, &[], &[0u8; 32]);
        assert_eq!(
            early.bytes(),
            unhex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
        );
        let empty_hash = alg.hash(b"");
        let derived = early.derive(b"derived", empty_hash.as_ref());
        assert_eq!(
            derived.bytes(),
            unhex("6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba")
        );
        let ecdhe = unhex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
        let hs = derived.extract_with(&ecdhe);
        assert_eq!(
            hs.bytes(),
            unhex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
        );
        let th = unhex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
        let s_hs = hs.derive(b"s hs traffic", &th);
        assert_eq!(
            s_hs.bytes(),
            unhex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
        );
        let mut key = [0u8; 16];
        s_hs.expand_label(b"key", &[], &mut key);
        assert_eq!(key.to_vec(), unhex("3fce516009c21727d0f2e4e86ee403bc"));
        let mut iv = [0u8; 12];
        s_hs.expand_label(b"iv", &[], &mut iv);
        assert_eq!(iv.to_vec(), unhex("5d313eb2671276ee13000b30"));

        // Finished: finished_key = HKDF-Expand-Label(s_hs, "finished", "", 32).
        let mut fk = [0u8; 32];
        s_hs.expand_label(b"finished", &[], &mut fk);
        assert_eq!(
            fk.to_vec(),
            unhex("008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8")
        );
        let master = hs
            .derive(b"derived", empty_hash.as_ref())
            .extract_with(&[0u8; 32]);
        assert_eq!(
            master.bytes(),
            unhex("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919")
        );
    }

    #[test]
    fn secret_hmac_matches_hmac_key() {
        let s = Secret::from_bytes(HashAlg::Sha384, &[7u8; 48]);
        let k = HmacKey::new(HashAlg::Sha384, &[7u8; 48]);
        assert_eq!(s.hmac(&[b"a", b"bc"]), k.sign(&[b"abc"]));
        assert_eq!(s.hmac(&[]).as_ref().len(), 48);
        assert_eq!(format!("{s:?}"), "Secret { alg: Sha384, .. }");
    }

    /// RFC 4231 test case 2 (HMAC-SHA-256, key "Jefe").
    #[test]
    fn hmac_known_answer() {
        let k = HmacKey::new(HashAlg::Sha256, b"Jefe");
        assert_eq!(
            k.sign(&[b"what do ya want ", b"for nothing?"]).as_ref(),
            unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        assert_eq!(k.alg(), HashAlg::Sha256);
    }

    #[test]
    fn expand_multiple_blocks_sha384() {
        let s = Secret::from_bytes(HashAlg::Sha384, &[1u8; 48]);
        let mut long = [0u8; 100];
        s.expand_label(b"x", b"ctx", &mut long);
        let mut short = [0u8; 48];
        s.expand_label(b"x", b"ctx", &mut short);
        // Different lengths are bound into the label, so outputs differ.
        assert_ne!(long[..48], short[..]);
    }
}
