//! The TLS 1.2 pseudo-random function (RFC 5246 §5).

use super::hash::HashAlg;
use super::hmac::HmacKey;
use super::CryptoError;
use aws_lc_rs::tls_prf;

/// TLS 1.2 PRF (RFC 5246 §5): `P_<hash>(secret, label || seed)` into `out`.
///
/// Computed by aws-lc-rs `tls_prf`. That API refuses an empty secret and an
/// empty output; an empty output is trivially done, and an empty secret
/// (never produced by a real key exchange, but legal in the PRF) falls back
/// to `P_hash` composed from [`HmacKey`].
pub fn tls12_prf(
    alg: HashAlg,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    if out.is_empty() {
        return Ok(());
    }
    if secret.is_empty() {
        p_hash(&HmacKey::new(alg, secret), label, seed, out);
        return Ok(());
    }
    let p = match alg {
        HashAlg::Sha256 => &tls_prf::P_SHA256,
        HashAlg::Sha384 => &tls_prf::P_SHA384,
    };
    let derived = tls_prf::Secret::new(p, secret)?.derive(label, seed, out.len())?;
    // `derived` zeroizes its own buffer when dropped.
    out.copy_from_slice(derived.as_ref());
    Ok(())
}

/// P_hash(secret, label || seed) (RFC 5246 §5):
/// A(0) = label || seed, A(i) = HMAC(secret, A(i-1)),
/// output = HMAC(secret, A(1) || label || seed) || HMAC(secret, A(2) || label || seed) || ...
fn p_hash(key: &HmacKey, label: &[u8], seed: &[u8], out: &mut [u8]) {
    let mut a = key.sign(&[label, seed]);
    for chunk in out.chunks_mut(key.alg().output_len()) {
        let mut block = key.sign(&[a.as_ref(), label, seed]);
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        block.wipe();
        let next = key.sign(&[a.as_ref()]);
        a.wipe();
        a = next;
    }
    a.wipe();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::unhex;

    // Vectors from specs/vectors/tls12-prf.txt.
    const SHA256_OUT: &str = "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
        6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fc\
        e34f796789baa48082d122ee42c5a72e5a5110fff70187347b66";
    const SHA384_OUT: &str = "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
        e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792ec\
        a722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2ee\
        a9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f";

    #[test]
    fn prf_sha256_known_answer() {
        let mut out = [0u8; 100];
        tls12_prf(
            HashAlg::Sha256,
            &unhex("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &unhex("a0ba9f936cda311827a6f796ffd5198c"),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.to_vec(), unhex(SHA256_OUT));
    }

    #[test]
    fn prf_sha384_known_answer() {
        let mut out = [0u8; 148];
        tls12_prf(
            HashAlg::Sha384,
            &unhex("b80b733d6ceefcdc71566ea48e5567df"),
            b"test label",
            &unhex("cd665cf6a8447dd6ff8b27555edb7465"),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.to_vec(), unhex(SHA384_OUT));
    }

    #[test]
    fn fallback_p_hash_matches_aws_lc() {
        for (alg, secret, seed, expected) in [
            (
                HashAlg::Sha256,
                "9bbe436ba940f017b17652849a71db35",
                "a0ba9f936cda311827a6f796ffd5198c",
                SHA256_OUT,
            ),
            (
                HashAlg::Sha384,
                "b80b733d6ceefcdc71566ea48e5567df",
                "cd665cf6a8447dd6ff8b27555edb7465",
                SHA384_OUT,
            ),
        ] {
            let mut out = vec![0u8; expected.len() / 2];
            p_hash(
                &HmacKey::new(alg, &unhex(secret)),
                b"test label",
                &unhex(seed),
                &mut out,
            );
            assert_eq!(out, unhex(expected));
        }
    }

    #[test]
    fn empty_secret_and_output_work() {
        let mut out = [0u8; 12];
        tls12_prf(HashAlg::Sha256, &[], b"client finished", &[1; 32], &mut out).unwrap();
        assert_ne!(out, [0u8; 12]);
        tls12_prf(HashAlg::Sha256, &[1], b"x", &[], &mut []).unwrap();
    }
}
