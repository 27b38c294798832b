//! Tests for `kx.rs`.

use super::*;
use crate::crypto::unhex;

const ALL: [KxGroup; 4] = [
    KxGroup::X25519,
    KxGroup::Secp256r1,
    KxGroup::Secp384r1,
    KxGroup::X25519MlKem768,
];

#[test]
fn client_and_server_agree_in_every_group() {
    for group in ALL {
        let client = KxKeyPair::generate(group).unwrap();
        assert_eq!(client.group(), group);
        let expected_len = match group {
            KxGroup::X25519 => 32,
            KxGroup::Secp256r1 => 65,
            KxGroup::Secp384r1 => 97,
            KxGroup::X25519MlKem768 => 1216,
        };
        assert_eq!(client.public_share().len(), expected_len, "{group:?}");
        let (server_share, server_secret) = respond(group, client.public_share()).unwrap();
        if group.is_hybrid_pq() {
            assert_eq!(server_share.len(), 1120);
            assert_eq!(server_secret.bytes().len(), 64);
        }
        let client_secret = client.complete(&server_share).unwrap();
        assert_eq!(client_secret.bytes(), server_secret.bytes(), "{group:?}");
    }
}

#[test]
fn rfc8448_x25519() {
    let client_priv: [u8; 32] =
        unhex("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005")
            .try_into()
            .unwrap();
    let server_priv: [u8; 32] =
        unhex("b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e")
            .try_into()
            .unwrap();
    let client = KxKeyPair::x25519_from_private(&client_priv).unwrap();
    assert_eq!(
        client.public_share(),
        unhex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")
    );
    let (server_share, server_secret) =
        respond_x25519_fixed(&server_priv, client.public_share()).unwrap();
    assert_eq!(
        server_share,
        unhex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f")
    );
    let expected = unhex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
    assert_eq!(server_secret.bytes(), expected);
    assert_eq!(client.complete(&server_share).unwrap().bytes(), expected);
}

#[test]
fn malformed_shares_are_rejected() {
    // Wrong lengths, for every group, on both sides.
    for group in ALL {
        assert!(respond(group, &[]).is_err());
        assert!(respond(group, &[4u8; 33]).is_err());
        let client = KxKeyPair::generate(group).unwrap();
        let bad = vec![4u8; client.public_share().len() + 1];
        assert!(client.complete(&bad).is_err(), "{group:?}");
    }
    // Low-order X25519 point gives an all-zero secret.
    assert!(respond(KxGroup::X25519, &[0u8; 32]).is_err());
    let client = KxKeyPair::generate(KxGroup::X25519).unwrap();
    assert!(client.complete(&[0u8; 32]).is_err());
    // Not on the curve / compressed / SPKI forms of a P-256 point.
    let mut off_curve = vec![4u8; 65];
    off_curve[64] ^= 1;
    assert!(respond(KxGroup::Secp256r1, &off_curve).is_err());
    let p256 = KxKeyPair::generate(KxGroup::Secp256r1).unwrap();
    let mut compressed = vec![2 + (p256.public_share()[64] & 1)];
    compressed.extend_from_slice(&p256.public_share()[1..33]);
    assert!(respond(KxGroup::Secp256r1, &compressed).is_err());
    // Hybrid: X25519 half all-zero.
    let hybrid = KxKeyPair::generate(KxGroup::X25519MlKem768).unwrap();
    let mut share = hybrid.public_share().to_vec();
    share[MLKEM768_EK_LEN..].fill(0);
    assert!(respond(KxGroup::X25519MlKem768, &share).is_err());
}

#[test]
fn names() {
    assert_eq!(KxGroup::X25519MlKem768.name(), "X25519MLKEM768");
    assert_eq!(KxGroup::Secp256r1.name(), "secp256r1");
    assert!(!KxGroup::X25519.is_hybrid_pq());
}
