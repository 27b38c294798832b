//! Chain verification: the happy paths and each way a chain is refused.

use rcgen::ExtendedKeyUsagePurpose;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::Duration;

use super::{leaf_params, now, Pki};
use crate::verify::{
    describe_name, summarize, verify_client_chain, verify_server_chain, CertError,
};

fn name(s: &str) -> ServerName<'static> {
    ServerName::try_from(s.to_owned()).expect("valid server name")
}

#[test]
fn server_chain_verifies_for_a_dns_name() {
    let pki = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost", "127.0.0.1"]));
    let verified = verify_server_chain(
        &pki.roots,
        &leaf.chain,
        &name("localhost"),
        UnixTime::now(),
        &[],
    )
    .expect("chain verifies");

    assert_eq!(verified.end_entity(), &leaf.cert);
    let checks: Vec<&str> = verified.checks().iter().map(|c| c.check).collect();
    assert_eq!(
        checks,
        [
            "signature chain up to a trusted root",
            "validity period",
            "name matches",
            "extended key usage serverAuth"
        ]
    );
    assert!(verified.checks().iter().all(|c| c.passed));
    assert!(verified.checks()[0].detail.contains("'CN=Lucid Test Root'"));
    assert!(verified.checks()[2].detail.contains("'localhost' matches"));

    let certs = verified.certs();
    assert_eq!(certs.len(), 3);
    assert_eq!(certs[0].subject, "CN=localhost");
    assert_eq!(certs[0].issuer, "CN=Lucid Test Intermediate");
    assert_eq!(certs[0].names, ["localhost", "127.0.0.1"]);
    assert_eq!(certs[0].key, "ECDSA P-256");
    assert!(!certs[0].is_ca);
    assert_eq!(certs[1].subject, "CN=Lucid Test Intermediate");
    assert!(certs[1].is_ca);
    assert_eq!(certs[2].subject, "CN=Lucid Test Root");
}

#[test]
fn server_chain_verifies_for_an_ip_address() {
    let pki = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost", "127.0.0.1", "::1"]));
    for ip in ["127.0.0.1", "::1"] {
        let verified =
            verify_server_chain(&pki.roots, &leaf.chain, &name(ip), UnixTime::now(), &[]);
        assert!(verified.is_ok(), "{ip}: {verified:?}");
    }
    let err = verify_server_chain(
        &pki.roots,
        &leaf.chain,
        &name("10.0.0.1"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    assert!(matches!(err, CertError::WrongName { .. }), "{err:?}");
}

#[test]
fn client_refuses_expired_chain() {
    let pki = Pki::new();
    let mut params = leaf_params(&["localhost"]);
    params.not_before = now() - Duration::days(60);
    params.not_after = now() - Duration::days(1);
    let leaf = pki.issue(params);
    let err = verify_server_chain(
        &pki.roots,
        &leaf.chain,
        &name("localhost"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    let CertError::Expired {
        subject,
        not_after,
        now,
    } = &err
    else {
        panic!("expected Expired, got {err:?}");
    };
    assert_eq!(subject, "localhost");
    assert!(not_after.ends_with(" UTC") && now.ends_with(" UTC"));
    assert!(not_after < now);
    assert!(err
        .to_string()
        .starts_with("the certificate for localhost expired on "));
}

#[test]
fn client_refuses_chain_not_yet_valid() {
    let pki = Pki::new();
    let mut params = leaf_params(&["localhost"]);
    params.not_before = now() + Duration::days(2);
    params.not_after = now() + Duration::days(60);
    let leaf = pki.issue(params);
    let err = verify_server_chain(
        &pki.roots,
        &leaf.chain,
        &name("localhost"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    assert!(matches!(&err, CertError::NotYetValid { subject, .. } if subject == "localhost"));
    assert!(err.to_string().contains("is not valid until"));
}

#[test]
fn client_refuses_wrong_name_and_lists_the_presented_names() {
    let pki = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost", "127.0.0.1"]));
    let err = verify_server_chain(
        &pki.roots,
        &leaf.chain,
        &name("wrong.test"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertError::WrongName {
            wanted: "wrong.test".into(),
            presented: vec!["localhost".into(), "127.0.0.1".into()],
        }
    );
    assert_eq!(
        err.to_string(),
        "the certificate is valid for localhost, 127.0.0.1, not for wrong.test"
    );
}

#[test]
fn client_refuses_chain_from_an_unknown_root() {
    let pki = Pki::new();
    let other = Pki::named("Other Root", "Other Intermediate");
    let leaf = pki.issue(leaf_params(&["localhost"]));
    let err = verify_server_chain(
        &other.roots,
        &leaf.chain,
        &name("localhost"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertError::UnknownIssuer {
            subject: "localhost".into(),
            issuer: "CN=Lucid Test Root".into()
        }
    );
    assert!(err.to_string().contains("pass its CA with --cacert"));

    // Without the intermediate, the leaf's own issuer is the one missing.
    let err = verify_server_chain(
        &pki.roots,
        &leaf.chain[..1],
        &name("localhost"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    assert!(
        matches!(&err, CertError::UnknownIssuer { issuer, .. } if issuer == "CN=Lucid Test Intermediate"),
        "{err:?}"
    );
}

#[test]
fn client_refuses_chain_from_a_regenerated_root_of_the_same_name() {
    // Same root name, different key: webpki finds the root but its signature fails.
    let pki = Pki::new();
    let regenerated = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost"]));
    let err = verify_server_chain(
        &regenerated.roots,
        &leaf.chain,
        &name("localhost"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    assert_eq!(err, CertError::BadSignature);
}

#[test]
fn client_refuses_self_signed_leaf() {
    let pki = Pki::new();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = leaf_params(&["localhost"]).self_signed(&key).unwrap();
    let chain = vec![cert.der().clone()];
    let err = verify_server_chain(&pki.roots, &chain, &name("localhost"), UnixTime::now(), &[])
        .unwrap_err();
    assert_eq!(
        err,
        CertError::SelfSigned {
            subject: "localhost".into()
        }
    );
    assert!(err.to_string().contains("self-signed"));
}

#[test]
fn client_refuses_leaf_without_server_auth() {
    let pki = Pki::new();
    let mut params = leaf_params(&["localhost"]);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let leaf = pki.issue(params);
    let err = verify_server_chain(
        &pki.roots,
        &leaf.chain,
        &name("localhost"),
        UnixTime::now(),
        &[],
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertError::NotServerCert {
            subject: "localhost".into()
        }
    );
}

#[test]
fn server_accepts_client_cert_and_refuses_server_only_leaf() {
    let pki = Pki::new();
    let mut params = leaf_params(&["alice.example"]);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = pki.issue(params);
    let verified = verify_client_chain(&pki.roots, &client.chain, UnixTime::now(), &[])
        .expect("client chain verifies");
    let checks: Vec<&str> = verified.checks().iter().map(|c| c.check).collect();
    assert_eq!(
        checks,
        [
            "signature chain up to a trusted root",
            "validity period",
            "extended key usage clientAuth"
        ]
    );

    let server = pki.issue(leaf_params(&["localhost"]));
    let err = verify_client_chain(&pki.roots, &server.chain, UnixTime::now(), &[]).unwrap_err();
    assert_eq!(
        err,
        CertError::NotClientCert {
            subject: "localhost".into()
        }
    );
}

#[test]
fn client_refuses_revoked_leaf_and_narrates_the_crl_check_otherwise() {
    let pki = Pki::new();
    let revoked = pki.issue(leaf_params(&["localhost"]));
    let fine = pki.issue(leaf_params(&["localhost"]));
    let crls = [pki.crl_revoking(revoked.serial)];

    let err = verify_server_chain(
        &pki.roots,
        &revoked.chain,
        &name("localhost"),
        UnixTime::now(),
        &crls,
    )
    .unwrap_err();
    assert_eq!(
        err,
        CertError::Revoked {
            subject: "localhost".into()
        }
    );

    let ok = verify_server_chain(
        &pki.roots,
        &fine.chain,
        &name("localhost"),
        UnixTime::now(),
        &crls,
    )
    .expect("unrevoked leaf verifies");
    let checks = ok.checks();
    let last = checks.last().unwrap();
    assert_eq!(last.check, "revocation (CRL)");
    assert!(last.passed);
}

#[test]
fn rsa_and_ed25519_leaves_verify_and_describe_their_keys() {
    let pki = Pki::new();
    let rsa = pki.issue_with(leaf_params(&["rsa.test"]), &rcgen::PKCS_RSA_SHA256);
    let ed = pki.issue_with(leaf_params(&["ed.test"]), &rcgen::PKCS_ED25519);
    let v = verify_server_chain(
        &pki.roots,
        &rsa.chain,
        &name("rsa.test"),
        UnixTime::now(),
        &[],
    )
    .expect("RSA leaf verifies");
    assert_eq!(v.certs()[0].key, "RSA 2048-bit");
    let v = verify_server_chain(
        &pki.roots,
        &ed.chain,
        &name("ed.test"),
        UnixTime::now(),
        &[],
    )
    .expect("Ed25519 leaf verifies");
    assert_eq!(v.certs()[0].key, "Ed25519");
}

#[test]
fn empty_and_garbage_chains_are_refused_without_panicking() {
    let pki = Pki::new();
    let n = name("localhost");
    let err = verify_server_chain(&pki.roots, &[], &n, UnixTime::now(), &[]).unwrap_err();
    assert_eq!(err, CertError::NoCertificate);

    for junk in [
        vec![],
        vec![0x30],
        vec![0x30, 0x03, 0x02, 0x01, 0x01],
        vec![0xff; 64],
    ] {
        let chain = [CertificateDer::from(junk)];
        let err = verify_server_chain(&pki.roots, &chain, &n, UnixTime::now(), &[]).unwrap_err();
        assert!(matches!(err, CertError::Malformed(_)), "{err:?}");
        assert!(summarize(&chain[0]).is_err());
    }
}

#[test]
fn root_store_subjects_are_full_der_names() {
    let pki = Pki::new();
    assert_eq!(pki.roots.len(), 1);
    assert_eq!(
        describe_name(&pki.roots.subjects()[0]),
        "CN=Lucid Test Root"
    );
    assert_eq!(
        summarize(pki.root.der()).unwrap().subject,
        "CN=Lucid Test Root"
    );
}
