//! Mutual authentication in TLS 1.3 and TLS 1.2, lucid client x lucid server, and against
//! OpenSSL.

mod common;
use std::sync::Arc;

use common::*;
use lucid::codec::AlertDescription;
use lucid::{
    CertError, CertifiedKey, ClientAuth, ClientConfig, ClientConnection, Error, ServerConfig,
    ServerConnection, Version,
};

const VERSIONS: [Version; 2] = [Version::Tls13, Version::Tls12];

fn configs(
    ca: &TestCa,
    version: Version,
    auth: ClientAuth,
    client_cert: Option<CertifiedKey>,
) -> (ClientConfig, ServerConfig) {
    let mut cc = client_config(ca);
    cc.versions = vec![version];
    cc.client_cert = client_cert.map(|k| Arc::new(k) as Arc<dyn lucid::ResolvesClientCert>);
    let mut sc = server_config(ca, KeyType::EcdsaP256);
    sc.versions = vec![version];
    sc.client_auth = auth;
    (cc, sc)
}

fn run(cc: ClientConfig, sc: ServerConfig) -> (ClientConnection, ServerConnection, Outcome) {
    let mut c = ClientConnection::new(cc.build().unwrap(), "localhost").unwrap();
    let mut s = ServerConnection::new(sc.build().unwrap()).unwrap();
    let out = run_to_end(&mut c, &mut s);
    (c, s, out)
}

#[test]
fn required_client_certificate_of_each_key_type() {
    let ca = TestCa::new("mTLS CA");
    for version in VERSIONS {
        for key_type in ALL_KEY_TYPES {
            let ck = ca.certified_key(&["client.test"], key_type, true);
            let (cc, sc) = configs(&ca, version, ClientAuth::Required(ca.roots()), Some(ck));
            let (c, s, out) = run(cc, sc);
            assert!(
                out.client.is_none() && out.server.is_none(),
                "{version:?} {key_type:?}: {out:?}"
            );
            assert!(!c.is_handshaking() && !s.is_handshaking());
            let id = s
                .negotiated()
                .peer_identity
                .as_ref()
                .unwrap_or_else(|| panic!("{key_type:?}: no peer identity"));
            assert!(
                id.certs()[0].subject.contains("client.test"),
                "{key_type:?}: {}",
                id.certs()[0].subject
            );
            assert!(!s.negotiated().peer_chain.is_empty());
        }
    }
}

#[test]
fn optional_without_certificate_succeeds_anonymously() {
    let ca = TestCa::new("mTLS CA");
    for version in VERSIONS {
        let (cc, sc) = configs(&ca, version, ClientAuth::Optional(ca.roots()), None);
        let (c, s, out) = run(cc, sc);
        assert!(out.client.is_none() && out.server.is_none(), "{out:?}");
        assert!(!c.is_handshaking() && !s.is_handshaking());
        assert!(s.negotiated().peer_identity.is_none());
    }
}

#[test]
fn optional_with_certificate_is_verified() {
    let ca = TestCa::new("mTLS CA");
    for version in VERSIONS {
        let ck = ca.certified_key(&["client.test"], KeyType::Ed25519, true);
        let (cc, sc) = configs(&ca, version, ClientAuth::Optional(ca.roots()), Some(ck));
        let (_c, s, out) = run(cc, sc);
        assert!(out.server.is_none(), "{out:?}");
        assert!(s.negotiated().peer_identity.is_some());
    }
}

#[test]
fn required_without_certificate_is_certificate_required() {
    let ca = TestCa::new("mTLS CA");
    for version in VERSIONS {
        let (cc, sc) = configs(&ca, version, ClientAuth::Required(ca.roots()), None);
        let (_c, s, out) = run(cc, sc);
        // RFC 8446 §4.4.2.4: certificate_required; RFC 5246 §7.4.6: handshake_failure.
        assert_eq!(
            out.server,
            Some(Error::CertificateRequired(version)),
            "{out:?}"
        );
        let alert = out.server.as_ref().and_then(|e| e.alert());
        let want = match version {
            Version::Tls13 => AlertDescription::CERTIFICATE_REQUIRED,
            Version::Tls12 => AlertDescription::HANDSHAKE_FAILURE,
        };
        assert_eq!(alert, Some(want));
        // The client explains the refusal as its missing certificate.
        assert_eq!(out.client, Some(Error::ServerRequiresCertificate));
        assert!(out
            .client
            .unwrap()
            .to_string()
            .contains("the server requires a client certificate and none was configured"));
        assert!(s.is_handshaking());
    }
}

#[test]
fn client_certificate_from_another_ca_is_unknown_ca() {
    let ca = TestCa::new("mTLS CA");
    let other = TestCa::new("Stranger CA");
    for version in VERSIONS {
        let ck = other.certified_key(&["client.test"], KeyType::EcdsaP256, true);
        let (cc, sc) = configs(&ca, version, ClientAuth::Required(ca.roots()), Some(ck));
        let (_c, s, out) = run(cc, sc);
        assert!(
            matches!(
                out.server,
                Some(Error::Certificate(CertError::UnknownIssuer { .. }))
            ),
            "{out:?}"
        );
        assert_eq!(
            out.client,
            Some(Error::PeerAlert(AlertDescription::UNKNOWN_CA))
        );
        assert!(s.negotiated().peer_identity.is_none());
    }
}

#[test]
fn expired_client_certificate_is_certificate_expired() {
    let ca = TestCa::new("mTLS CA");
    for version in VERSIONS {
        let (c, k) = ca.issue_with(&["client.test"], KeyType::EcdsaP256, true, |p| {
            p.not_before = rcgen::date_time_ymd(2015, 1, 1);
            p.not_after = rcgen::date_time_ymd(2016, 1, 1);
        });
        let ck = CertifiedKey::from_pem(c.as_bytes(), k.as_bytes()).unwrap();
        let (cc, sc) = configs(&ca, version, ClientAuth::Required(ca.roots()), Some(ck));
        let (_c, _s, out) = run(cc, sc);
        assert!(
            matches!(
                out.server,
                Some(Error::Certificate(CertError::Expired { .. }))
            ),
            "{out:?}"
        );
        assert_eq!(
            out.client,
            Some(Error::PeerAlert(AlertDescription::CERTIFICATE_EXPIRED))
        );
    }
}

#[test]
fn lucid_client_certificate_accepted_by_openssl_s_server() {
    use common::ossl::{self, Pki};
    let pki = Pki::new("ossl-mtls-c");
    let (cert, key) = pki.files(&["localhost"], KeyType::EcdsaP256, false);
    let (_server, port) = ossl::s_server(&[
        "-cert",
        &cert,
        "-key",
        &key,
        "-keyform",
        "DER",
        "-tls1_3",
        "-Verify",
        "1",
        "-CAfile",
        pki.ca_path(),
        "-verify_return_error",
        "-www",
    ]);
    for key_type in ALL_KEY_TYPES {
        let mut cc = client_config(&pki.ca);
        cc.versions = vec![Version::Tls13];
        cc.client_cert = Some(Arc::new(pki.ca.certified_key(
            &["client.test"],
            key_type,
            true,
        )));
        let (page, n) = ossl::lucid_get(cc, port).unwrap_or_else(|e| panic!("{key_type:?}: {e}"));
        assert!(page.contains("HTTP/1.0 200"), "{key_type:?}: {page}");
        assert!(!page.contains("no client certificate available"), "{page}");
        assert_eq!(n.version, Some(Version::Tls13));
    }
}

#[test]
fn openssl_s_client_certificate_accepted_by_lucid_server() {
    use common::ossl::{self, Pki};
    let pki = Pki::new("ossl-mtls-s");
    for key_type in ALL_KEY_TYPES {
        let (cert, key) = pki.files(&["client.test"], key_type, true);
        let mut sc = server_config(&pki.ca, KeyType::EcdsaP256);
        sc.versions = vec![Version::Tls13];
        sc.client_auth = ClientAuth::Required(pki.ca.roots());
        let (port, server) = ossl::lucid_echo_server(sc);
        let connect = format!("127.0.0.1:{port}");
        let out = ossl::s_client(
            &[
                "-connect",
                &connect,
                "-tls1_3",
                "-servername",
                "localhost",
                "-CAfile",
                pki.ca_path(),
                "-verify_return_error",
                "-cert",
                &cert,
                "-key",
                &key,
                "-keyform",
                "DER",
                "-quiet",
            ],
            b"mutual\n",
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        let (n, line) = server
            .join()
            .unwrap()
            .unwrap_or_else(|e| panic!("{key_type:?}: {e}; s_client: {stderr}"));
        assert_eq!(line, "mutual\n");
        assert!(out.status.success(), "{key_type:?}: {stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("echo: mutual"));
        let id = n.peer_identity.expect("client identity");
        assert!(id.certs()[0].subject.contains("client.test"));
    }
}

#[test]
fn lucid_server_refuses_openssl_s_client_without_certificate() {
    use common::ossl::{self, Pki};
    let pki = Pki::new("ossl-mtls-n");
    let mut sc = server_config(&pki.ca, KeyType::EcdsaP256);
    sc.versions = vec![Version::Tls13];
    sc.client_auth = ClientAuth::Required(pki.ca.roots());
    let (port, server) = ossl::lucid_echo_server(sc);
    let connect = format!("127.0.0.1:{port}");
    let out = ossl::s_client(
        &[
            "-connect",
            &connect,
            "-tls1_3",
            "-servername",
            "localhost",
            "-CAfile",
            pki.ca_path(),
            "-quiet",
        ],
        b"anonymous\n",
    );
    let err = server.join().unwrap().unwrap_err();
    assert!(err.contains("sent no certificate"), "{err}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("certificate required"),
        "s_client: {stderr}"
    );
}

#[test]
fn mode_by_version_by_client_key_matrix() {
    let ca = TestCa::new("Matrix CA");
    let keys: Vec<Option<KeyType>> = std::iter::once(None)
        .chain(ALL_KEY_TYPES.into_iter().map(Some))
        .collect();
    for version in VERSIONS {
        for mode in ["off", "optional", "required"] {
            for key in &keys {
                let auth = match mode {
                    "off" => ClientAuth::Off,
                    "optional" => ClientAuth::Optional(ca.roots()),
                    _ => ClientAuth::Required(ca.roots()),
                };
                let ck = key.map(|k| ca.certified_key(&["client.test"], k, true));
                let (cc, sc) = configs(&ca, version, auth, ck);
                let (_c, s, out) = run(cc, sc);
                let case = format!("{version:?} {mode} {key:?}");
                match (mode, key) {
                    ("required", None) => {
                        assert_eq!(
                            out.server,
                            Some(Error::CertificateRequired(version)),
                            "{case}"
                        );
                        assert_eq!(out.client, Some(Error::ServerRequiresCertificate), "{case}");
                    }
                    _ => {
                        assert!(
                            out.client.is_none() && out.server.is_none(),
                            "{case}: {out:?}"
                        );
                        // The identity is there exactly when a certificate was asked for and sent.
                        let asked = mode != "off";
                        assert_eq!(
                            s.negotiated().peer_identity.is_some(),
                            asked && key.is_some(),
                            "{case}"
                        );
                    }
                }
            }
        }
    }
}

/// A signer holding a different key from the certificate it is paired with (what a broken
/// or malicious client would do); CertifiedKey::new refuses such a pair, so it is built by
/// hand here.
fn mismatched_client_key(ca: &TestCa) -> CertifiedKey {
    let right = ca.certified_key(&["client.test"], KeyType::EcdsaP256, true);
    let wrong = ca.certified_key(&["other.test"], KeyType::EcdsaP256, true);
    CertifiedKey {
        chain: right.chain,
        key: wrong.key,
    }
}

#[test]
fn certificate_verify_signed_with_the_wrong_key_is_decrypt_error() {
    let ca = TestCa::new("mTLS CA");
    for version in VERSIONS {
        let (cc, sc) = configs(
            &ca,
            version,
            ClientAuth::Required(ca.roots()),
            Some(mismatched_client_key(&ca)),
        );
        let (_c, s, out) = run(cc, sc);
        let err = out.server.clone().expect("server must refuse");
        assert!(
            matches!(err, Error::BadSignature(_)),
            "{version:?}: {err:?}"
        );
        assert_eq!(err.alert(), Some(AlertDescription::DECRYPT_ERROR));
        assert!(
            err.to_string().contains("signature does not verify"),
            "{err}"
        );
        assert_eq!(
            out.client,
            Some(Error::PeerAlert(AlertDescription::DECRYPT_ERROR)),
            "{version:?}"
        );
        // No identity without proof of possession of its key.
        assert!(s.negotiated().peer_identity.is_none(), "{version:?}");
    }
}

#[test]
fn a_client_key_that_does_not_match_its_certificate_is_refused_when_loaded() {
    let ca = TestCa::new("mTLS CA");
    let (cert, _) = ca.issue(&["client.test"], KeyType::EcdsaP256, true);
    let (_, other_key) = ca.issue(&["other.test"], KeyType::EcdsaP256, true);
    let err = CertifiedKey::from_pem(cert.as_bytes(), other_key.as_bytes())
        .err()
        .expect("mismatched pair must be refused");
    assert!(matches!(err, Error::Config(_)));
    assert!(err.to_string().contains("does not match"), "{err}");
}

#[test]
fn a_client_with_several_certificates_presents_the_one_the_server_trusts() {
    let ours = TestCa::new("Server's client CA");
    let other = TestCa::new("Unrelated CA");
    for version in VERSIONS {
        let choices = lucid::ClientCertChoices(vec![
            Arc::new(other.certified_key(&["stranger.test"], KeyType::EcdsaP256, true)),
            Arc::new(ours.certified_key(&["member.test"], KeyType::Ed25519, true)),
        ]);
        let mut cc = client_config(&ours);
        cc.versions = vec![version];
        cc.client_cert = Some(Arc::new(choices));
        let mut sc = server_config(&ours, KeyType::EcdsaP256);
        sc.versions = vec![version];
        sc.client_auth = ClientAuth::Required(ours.roots());
        let (_c, s, out) = run(cc, sc);
        assert!(
            out.server.is_none() && out.client.is_none(),
            "{version:?}: {out:?}"
        );
        let id = s.negotiated().peer_identity.as_ref().expect("identity");
        assert!(
            id.certs()[0].subject.contains("member.test"),
            "{}",
            id.certs()[0].subject
        );
    }
}
