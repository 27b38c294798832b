//! Tests for `sign.rs` (and, through `decrypt_premaster`, `rsa_kx.rs`).
//! Keys are generated here with aws-lc-rs; only the RFC 8448 key is fixed.

use super::*;
use crate::crypto::unhex;
use aws_lc_rs::rand::SystemRandom;
use rustls_pki_types::{PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use std::sync::OnceLock;

const ALL: [SigScheme; 9] = [
    SigScheme::RsaPkcs1Sha256,
    SigScheme::RsaPkcs1Sha384,
    SigScheme::RsaPkcs1Sha512,
    SigScheme::RsaPssSha256,
    SigScheme::RsaPssSha384,
    SigScheme::RsaPssSha512,
    SigScheme::EcdsaP256Sha256,
    SigScheme::EcdsaP384Sha384,
    SigScheme::Ed25519,
];

/// One RSA-2048 PKCS#8 key per test run (generation is slow).
fn rsa_pkcs8() -> &'static [u8] {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| {
        let kp = rsa::KeyPair::generate(rsa::KeySize::Rsa2048).unwrap();
        kp.as_der().unwrap().as_ref().to_vec()
    })
}

fn pkcs8(bytes: &[u8]) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(bytes.to_vec()))
}

/// The raw public key webpki's `verify_signature` expects (the contents of
/// the SPKI's BIT STRING): RSAPublicKey DER, EC point, or Ed25519 key.
fn raw_public(der: &[u8]) -> Vec<u8> {
    if let Ok(kp) = rsa::KeyPair::from_pkcs8(der) {
        return kp.public_key().as_ref().to_vec();
    }
    if let Ok(kp) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
        return kp.public_key().as_ref().to_vec();
    }
    for alg in [
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
    ] {
        if let Ok(kp) = EcdsaKeyPair::from_pkcs8(alg, der) {
            return kp.public_key().as_ref().to_vec();
        }
    }
    panic!("unknown test key")
}

fn test_keys() -> Vec<(Vec<u8>, KeyKind)> {
    let rng = SystemRandom::new();
    let p256 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &rng);
    let p384 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, &rng);
    let ed = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    vec![
        (rsa_pkcs8().to_vec(), KeyKind::Rsa { bits: 2048 }),
        (p256.unwrap().as_ref().to_vec(), KeyKind::EcdsaP256),
        (p384.unwrap().as_ref().to_vec(), KeyKind::EcdsaP384),
        (ed.as_ref().to_vec(), KeyKind::Ed25519),
    ]
}

#[test]
fn sign_and_verify_every_scheme_with_webpki_algs() {
    let msg = b"TLS 1.3, server CertificateVerify\x00transcript hash";
    for (der, kind) in test_keys() {
        let key = PrivateKey::from_der(&pkcs8(&der)).unwrap();
        assert_eq!(key.kind(), kind);
        let public = raw_public(&der);
        for scheme in ALL {
            let usable = key.tls12_schemes().contains(&scheme);
            let Ok(sig) = key.sign(scheme, msg) else {
                assert!(!usable, "{kind:?} should sign {scheme:?}");
                continue;
            };
            assert!(usable, "{kind:?} signed {scheme:?}");
            let ok = webpki_algs(scheme)
                .iter()
                .any(|alg| alg.verify_signature(&public, msg, &sig).is_ok());
            assert!(ok, "{kind:?} {scheme:?} did not verify");
            let bad = webpki_algs(scheme)
                .iter()
                .any(|alg| alg.verify_signature(&public, b"other", &sig).is_ok());
            assert!(!bad);
        }
    }
}

#[test]
fn scheme_lists_and_descriptions() {
    let rsa = PrivateKey::from_der(&pkcs8(rsa_pkcs8())).unwrap();
    assert_eq!(rsa.kind().describe(), "RSA 2048-bit");
    assert!(rsa
        .tls13_schemes()
        .iter()
        .all(|s| s.name().starts_with("rsa_pss")));
    assert_eq!(rsa.tls12_schemes().len(), 6);
    assert_eq!(rsa.tls12_schemes()[3], SigScheme::RsaPkcs1Sha256);
    for (der, kind) in test_keys().into_iter().skip(1) {
        let key = PrivateKey::from_der(&pkcs8(&der)).unwrap();
        assert_eq!(key.tls13_schemes(), key.tls12_schemes());
        assert_eq!(key.tls13_schemes().len(), 1);
        assert!(!kind.describe().is_empty());
    }
    assert_eq!(KeyKind::EcdsaP256.describe(), "ECDSA P-256");
    assert_eq!(SigScheme::EcdsaP256Sha256.name(), "ecdsa_secp256r1_sha256");
    assert_eq!(SigScheme::RsaPssSha256.name(), "rsa_pss_rsae_sha256");
    assert!(!webpki_chain_algs().is_empty());
}

#[test]
fn spki_matches_public_key() {
    for (der, _) in test_keys() {
        let key = PrivateKey::from_der(&pkcs8(&der)).unwrap();
        let spki = key.public_key_spki();
        assert_eq!(spki[0], 0x30);
        let raw = raw_public(&der);
        assert!(
            spki.ends_with(&raw),
            "SPKI must end with the key's BIT STRING"
        );
    }
}

/// PKCS#1 RSAPrivateKey inside a PKCS#8 document for an RSA-2048 key:
/// SEQUENCE(4) INTEGER(3) AlgorithmIdentifier(15) OCTET STRING header(4).
fn pkcs1_from_pkcs8(der: &[u8]) -> Vec<u8> {
    assert_eq!(&der[22..24], &[0x04, 0x82]);
    der[26..].to_vec()
}

#[test]
fn pkcs1_and_sec1_formats() {
    let pkcs1 = pkcs1_from_pkcs8(rsa_pkcs8());
    let der = PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(pkcs1));
    let key = PrivateKey::from_der(&der).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 2048 });
    let from8 = PrivateKey::from_der(&pkcs8(rsa_pkcs8())).unwrap();
    assert_eq!(key.public_key_spki(), from8.public_key_spki());

    let rng = SystemRandom::new();
    let doc = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, &rng);
    let kp = EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        doc.unwrap().as_ref(),
    );
    let sec1 = kp
        .unwrap()
        .private_key()
        .as_der()
        .unwrap()
        .as_ref()
        .to_vec();
    let key = PrivateKey::from_der(&PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(sec1))).unwrap();
    assert_eq!(key.kind(), KeyKind::EcdsaP384);
    key.sign(SigScheme::EcdsaP384Sha384, b"m").unwrap();
}

/// DER INTEGER from unsigned big-endian bytes (test helper).
fn der_int(v: &[u8]) -> Vec<u8> {
    let mut body = if v[0] & 0x80 != 0 { vec![0] } else { vec![] };
    body.extend_from_slice(v);
    let mut out = vec![0x02];
    out.extend(der_len(body.len()));
    out.extend(body);
    out
}

fn der_len(n: usize) -> Vec<u8> {
    match n {
        0..=127 => vec![n as u8],
        128..=255 => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

/// The RFC 8448 §2 server key (1024 bits) as PKCS#1 DER.
fn rfc8448_rsa_pkcs1() -> Vec<u8> {
    let text = include_str!("testdata/rfc8448_rsa_key.txt");
    let mut body = der_int(&[0]);
    for line in text.lines().filter(|l| l.contains(" = ")) {
        body.extend(der_int(&unhex(line.rsplit(" = ").next().unwrap())));
    }
    let mut out = vec![0x30];
    out.extend(der_len(body.len()));
    out.extend(body);
    out
}

#[test]
fn small_rsa_key_is_refused_with_its_size() {
    let der = PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(rfc8448_rsa_pkcs1()));
    let err = PrivateKey::from_der(&der).unwrap_err();
    assert_eq!(err, KeyError::UnsupportedRsaSize(1024));
    assert!(err.to_string().contains("1024 bits"));
}

#[test]
fn garbage_is_malformed() {
    let err = PrivateKey::from_der(&pkcs8(&[0x30, 0x03, 0x02, 0x01, 0x00])).unwrap_err();
    assert!(matches!(err, KeyError::Malformed(_)), "{err:?}");
    let der = PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(vec![1, 2, 3]));
    assert!(matches!(
        PrivateKey::from_der(&der),
        Err(KeyError::Malformed(_))
    ));
    let der = PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(vec![1, 2, 3]));
    assert!(matches!(
        PrivateKey::from_der(&der),
        Err(KeyError::Malformed(_))
    ));
}

#[test]
fn rsa_premaster_round_trip_and_fallbacks() {
    let key = PrivateKey::from_der(&pkcs8(rsa_pkcs8())).unwrap();
    let spki = key.public_key_spki();
    let fallback = [0xeeu8; 48];
    let mut pms = [0x11u8; 48];
    pms[..2].copy_from_slice(&[3, 3]);

    let ct = rsa_encrypt_premaster(&spki, &pms).unwrap();
    assert_eq!(ct.len(), 256);
    assert_eq!(key.decrypt_premaster(&ct, [3, 3], &fallback), Ok(pms));
    // Client version mismatch (version rollback): the fallback.
    assert_eq!(key.decrypt_premaster(&ct, [3, 1], &fallback), Ok(fallback));
    // A different PMS version inside the ciphertext: the fallback.
    let mut old = pms;
    old[1] = 1;
    let ct_old = rsa_encrypt_premaster(&spki, &old).unwrap();
    assert_eq!(
        key.decrypt_premaster(&ct_old, [3, 3], &fallback),
        Ok(fallback)
    );
    // Garbage ciphertexts (bad padding, and a value above the modulus).
    let mut garbage = ct.clone();
    garbage[100] ^= 0x40;
    assert_eq!(
        key.decrypt_premaster(&garbage, [3, 3], &fallback),
        Ok(fallback)
    );
    assert_eq!(
        key.decrypt_premaster(&[0xff; 256], [3, 3], &fallback),
        Ok(fallback)
    );
    assert_eq!(
        key.decrypt_premaster(&[0x00; 256], [3, 3], &fallback),
        Ok(fallback)
    );
    // Wrong length, and a non-RSA key: errors.
    assert!(key.decrypt_premaster(&ct[1..], [3, 3], &fallback).is_err());
    let (ec, _) = test_keys().swap_remove(1);
    let ec = PrivateKey::from_der(&pkcs8(&ec)).unwrap();
    assert!(ec.decrypt_premaster(&ct, [3, 3], &fallback).is_err());
    assert!(rsa_encrypt_premaster(&ec.public_key_spki(), &pms).is_err());
}

#[test]
fn premaster_of_wrong_length_gives_fallback() {
    let key = PrivateKey::from_der(&pkcs8(rsa_pkcs8())).unwrap();
    let public = rsa::PublicEncryptingKey::from_der(&key.public_key_spki()).unwrap();
    let enc = rsa::Pkcs1PublicEncryptingKey::new(public).unwrap();
    let fallback = [0xeeu8; 48];
    for len in [0usize, 2, 47, 49, 100] {
        let mut msg = vec![0x22u8; len];
        if len >= 2 {
            msg[..2].copy_from_slice(&[3, 3]);
        }
        let mut ct = vec![0u8; 256];
        enc.encrypt(&msg, &mut ct).unwrap();
        assert_eq!(
            key.decrypt_premaster(&ct, [3, 3], &fallback),
            Ok(fallback),
            "{len}"
        );
    }
}

#[test]
fn crypto_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<PrivateKey>();
    check::<crate::crypto::kx::KxKeyPair>();
    check::<crate::crypto::kx::SharedSecret>();
    check::<crate::crypto::aead::AeadKey>();
    check::<crate::crypto::hmac::Secret>();
    check::<crate::crypto::hmac::HmacKey>();
    check::<crate::crypto::hash::HashContext>();
}
