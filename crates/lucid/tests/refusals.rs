//! The client refuses bad server certificates with the right error and alert, and every
//! error maps to the alert RFC 8446 §6.2 prescribes.

mod common;
use common::*;
use lucid::codec::{AlertDescription, DecodeError};
use lucid::{CertError, CertifiedKey, ClientConnection, Error, ServerConfig, ServerConnection};

fn date(y: i32, m: u8, d: u8) -> time::OffsetDateTime {
    rcgen::date_time_ymd(y, m, d)
}

/// Connects a client (for `name`, trusting `ca`) to a server using `cert`.
fn refuse(ca: &TestCa, cert: CertifiedKey, name: &str) -> Outcome {
    let cc = client_config(ca);
    let sc = ServerConfig::new(cert);
    let mut c = ClientConnection::new(cc.build().unwrap(), name).unwrap();
    let mut s = ServerConnection::new(sc.build().unwrap()).unwrap();
    let out = run_to_end(&mut c, &mut s);
    assert!(c.is_handshaking(), "client must not complete: {out:?}");
    out
}

fn issued_with(ca: &TestCa, edit: impl FnOnce(&mut rcgen::CertificateParams)) -> CertifiedKey {
    let (c, k) = ca.issue_with(&["localhost"], KeyType::EcdsaP256, false, edit);
    CertifiedKey::from_pem(c.as_bytes(), k.as_bytes()).unwrap()
}

fn assert_alert(out: &Outcome, alert: AlertDescription) {
    let client = out.client.as_ref().expect("client error");
    assert_eq!(client.alert(), Some(alert), "client error {client:?}");
    assert_eq!(
        out.server,
        Some(Error::PeerAlert(alert)),
        "server should have received {alert:?}"
    );
}

#[test]
fn expired_server_certificate() {
    let ca = TestCa::new("Refusal CA");
    let cert = issued_with(&ca, |p| {
        p.not_before = date(2015, 1, 1);
        p.not_after = date(2016, 1, 1);
    });
    let out = refuse(&ca, cert, "localhost");
    assert!(
        matches!(
            out.client,
            Some(Error::Certificate(CertError::Expired { .. }))
        ),
        "{out:?}"
    );
    assert_alert(&out, AlertDescription::CERTIFICATE_EXPIRED);
}

#[test]
fn not_yet_valid_server_certificate() {
    let ca = TestCa::new("Refusal CA");
    let cert = issued_with(&ca, |p| {
        p.not_before = date(2090, 1, 1);
        p.not_after = date(2091, 1, 1);
    });
    let out = refuse(&ca, cert, "localhost");
    assert!(
        matches!(
            out.client,
            Some(Error::Certificate(CertError::NotYetValid { .. }))
        ),
        "{out:?}"
    );
    assert_alert(&out, AlertDescription::CERTIFICATE_EXPIRED);
}

#[test]
fn wrong_name() {
    let ca = TestCa::new("Refusal CA");
    let cert = ca.certified_key(&["localhost"], KeyType::EcdsaP256, false);
    let out = refuse(&ca, cert, "wrong.test");
    match &out.client {
        Some(e @ Error::Certificate(CertError::WrongName { wanted, presented })) => {
            assert_eq!(wanted, "wrong.test");
            assert!(presented.iter().any(|p| p == "localhost"), "{presented:?}");
            let text = e.to_string();
            assert!(
                text.contains("localhost") && text.contains("wrong.test"),
                "{text}"
            );
        }
        other => panic!("expected WrongName, got {other:?}"),
    }
    assert_alert(&out, AlertDescription::BAD_CERTIFICATE);
}

#[test]
fn untrusted_root() {
    let ca = TestCa::new("Trusted CA");
    let other = TestCa::new("Other CA");
    let cert = other.certified_key(&["localhost"], KeyType::EcdsaP256, false);
    let out = refuse(&ca, cert, "localhost");
    match &out.client {
        Some(Error::Certificate(CertError::UnknownIssuer { issuer, .. })) => {
            assert!(issuer.contains("Other CA"), "{issuer}")
        }
        other => panic!("expected UnknownIssuer, got {other:?}"),
    }
    assert_alert(&out, AlertDescription::UNKNOWN_CA);
}

#[test]
fn self_signed_server_certificate() {
    let ca = TestCa::new("Trusted CA");
    let key = KeyType::EcdsaP256.generate();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "self-signed localhost");
    let cert = params.self_signed(&key).unwrap();
    let ck = CertifiedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    let out = refuse(&ca, ck, "localhost");
    assert!(
        matches!(
            out.client,
            Some(Error::Certificate(CertError::SelfSigned { .. }))
        ),
        "{out:?}"
    );
    assert_alert(&out, AlertDescription::UNKNOWN_CA);
}

#[test]
fn errors_map_to_rfc_alerts() {
    use AlertDescription as A;
    let cases: Vec<(Error, Option<AlertDescription>)> = vec![
        (
            Error::Decode {
                what: "ClientHello",
                reason: DecodeError::Invalid("x"),
            },
            Some(A::DECODE_ERROR),
        ),
        (
            Error::UnexpectedMessage {
                expected: "ServerHello",
                got: "Finished".into(),
            },
            Some(A::UNEXPECTED_MESSAGE),
        ),
        (
            Error::IllegalParameter("x".into()),
            Some(A::ILLEGAL_PARAMETER),
        ),
        (Error::DowngradeDetected, Some(A::ILLEGAL_PARAMETER)),
        (
            Error::NoCommonGround("x".into()),
            Some(A::HANDSHAKE_FAILURE),
        ),
        (
            Error::UnsupportedVersion("x".into()),
            Some(A::PROTOCOL_VERSION),
        ),
        (
            Error::MissingExtension("key_share"),
            Some(A::MISSING_EXTENSION),
        ),
        (
            Error::UnsolicitedExtension("alpn".into()),
            Some(A::UNSUPPORTED_EXTENSION),
        ),
        (
            Error::NoApplicationProtocol,
            Some(A::NO_APPLICATION_PROTOCOL),
        ),
        (
            Error::Certificate(CertError::Expired {
                subject: "a".into(),
                not_after: "b".into(),
                now: "c".into(),
            }),
            Some(A::CERTIFICATE_EXPIRED),
        ),
        (
            Error::Certificate(CertError::UnknownIssuer {
                subject: "a".into(),
                issuer: "b".into(),
            }),
            Some(A::UNKNOWN_CA),
        ),
        (
            Error::Certificate(CertError::Revoked {
                subject: "a".into(),
            }),
            Some(A::CERTIFICATE_REVOKED),
        ),
        (
            Error::Certificate(CertError::WrongName {
                wanted: "a".into(),
                presented: vec![],
            }),
            Some(A::BAD_CERTIFICATE),
        ),
        (
            Error::BadSignature("CertificateVerify"),
            Some(A::DECRYPT_ERROR),
        ),
        (Error::BadFinished, Some(A::DECRYPT_ERROR)),
        (Error::BadRecordMac, Some(A::BAD_RECORD_MAC)),
        (Error::RecordOverflow, Some(A::RECORD_OVERFLOW)),
        (
            Error::CertificateRequired(lucid::Version::Tls13),
            Some(A::CERTIFICATE_REQUIRED),
        ),
        (
            Error::CertificateRequired(lucid::Version::Tls12),
            Some(A::HANDSHAKE_FAILURE),
        ),
        (Error::ServerRequiresCertificate, None),
        (
            Error::InappropriateFallback,
            Some(A::INAPPROPRIATE_FALLBACK),
        ),
        (
            Error::UnrecognizedName("x".into()),
            Some(A::UNRECOGNIZED_NAME),
        ),
        (Error::Internal("x"), Some(A::INTERNAL_ERROR)),
        (Error::PeerAlert(A::HANDSHAKE_FAILURE), None),
        (Error::Config("x".into()), None),
        (Error::Io("x".into()), None),
        (Error::UnexpectedEof, None),
    ];
    for (err, want) in cases {
        assert_eq!(err.alert(), want, "{err:?}");
        assert!(!err.to_string().is_empty());
    }
}
