//! Handshake signatures (CertificateVerify, ServerKeyExchange) and self-signed roots.

use rustls_pki_types::{ServerName, UnixTime};

use super::{leaf_params, Pki};
use crate::verify::{verify_server_chain, CertError, RootStore};

#[test]
fn handshake_signatures_verify_with_the_leaf_key_only() {
    use crate::crypto::sign::SigScheme;
    use crate::verify::verify_signature;
    use rcgen::SigningKey;

    let pki = Pki::new();
    let message = b"TLS 1.3, server CertificateVerify\x00transcript hash";
    let cases = [
        (&rcgen::PKCS_ECDSA_P256_SHA256, SigScheme::EcdsaP256Sha256),
        (&rcgen::PKCS_ED25519, SigScheme::Ed25519),
        (&rcgen::PKCS_RSA_SHA256, SigScheme::RsaPkcs1Sha256),
    ];
    for (alg, scheme) in cases {
        let leaf = pki.issue_with(leaf_params(&["localhost"]), alg);
        let sig = leaf.key.sign(message).expect("sign");
        assert_eq!(
            verify_signature(&leaf.cert, scheme, message, &sig),
            Ok(()),
            "{scheme:?}"
        );

        let mut bad = sig.clone();
        if let Some(last) = bad.last_mut() {
            *last ^= 1;
        }
        let err = verify_signature(&leaf.cert, scheme, message, &bad);
        assert_eq!(err, Err(CertError::BadSignature), "{scheme:?}");
        let err = verify_signature(&leaf.cert, scheme, b"another message", &sig);
        assert_eq!(err, Err(CertError::BadSignature), "{scheme:?}");
    }

    // A scheme that does not fit the key is a bad signature, not a panic.
    let ec = pki.issue(leaf_params(&["localhost"]));
    let sig = ec.key.sign(message).unwrap();
    let err = verify_signature(&ec.cert, SigScheme::Ed25519, message, &sig);
    assert_eq!(err, Err(CertError::BadSignature));
    let err = verify_signature(&ec.cert, SigScheme::EcdsaP256Sha256, message, &[]);
    assert_eq!(err, Err(CertError::BadSignature));
}

#[test]
fn self_signed_leaf_verifies_once_trusted_as_a_root() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = leaf_params(&["localhost"]).self_signed(&key).unwrap();
    let mut roots = RootStore::empty();
    roots.add_der(cert.der()).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let chain = [cert.der().clone()];
    let verified = verify_server_chain(&roots, &chain, &name, UnixTime::now(), &[])
        .expect("a trusted self-signed certificate verifies");
    assert_eq!(
        verified.certs().len(),
        2,
        "the leaf, then the anchor (itself)"
    );
}
