//! Interop with rustls 0.23, an independent implementation, in memory: every TLS 1.3 suite
//! and group including the hybrid X25519MLKEM768 (which OpenSSL 3.0 lacks), HelloRetryRequest,
//! TLS 1.2 ECDHE, and mutual TLS, in both directions.

mod common;
use std::sync::Arc;

use common::*;
use lucid::{suites, ClientAuth, Group, Version};
use rustls::crypto::aws_lc_rs as provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Moves every pending byte from lucid to rustls and processes it.
fn to_rustls(from: &mut lucid::Connection, to: &mut rustls::Connection) -> Result<bool, String> {
    let mut moved = false;
    while from.wants_write() {
        let data = from.pending_tls().to_vec();
        let mut rd = &data[..];
        while !rd.is_empty() {
            to.read_tls(&mut rd)
                .map_err(|e| format!("rustls read_tls: {e}"))?;
            to.process_new_packets()
                .map_err(|e| format!("rustls: {e}"))?;
        }
        from.consume_tls(data.len());
        moved = true;
    }
    Ok(moved)
}

/// Moves every pending byte from rustls to lucid and processes it.
fn to_lucid(from: &mut rustls::Connection, to: &mut lucid::Connection) -> Result<bool, String> {
    let mut moved = false;
    while from.wants_write() {
        let mut data = Vec::new();
        from.write_tls(&mut data).map_err(|e| e.to_string())?;
        let mut pos = 0;
        while pos < data.len() {
            let n = to.feed_tls(&data[pos..]);
            pos += n;
            to.process_new_packets()
                .map_err(|e| format!("lucid: {e}"))?;
            if n == 0 {
                return Err("lucid's receive buffer is full".into());
            }
        }
        moved = true;
    }
    Ok(moved)
}

fn pump(l: &mut lucid::Connection, r: &mut rustls::Connection) -> Result<(), String> {
    for _ in 0..100 {
        let a = to_rustls(l, r)?;
        let b = to_lucid(r, l)?;
        if !a && !b {
            return Ok(());
        }
    }
    Err("did not settle".into())
}

/// Application data both ways after the handshake.
fn exchange(l: &mut lucid::Connection, r: &mut rustls::Connection) {
    use std::io::{Read, Write};
    l.write_plaintext(b"ping from lucid").unwrap();
    r.writer().write_all(b"pong from rustls").unwrap();
    pump(l, r).unwrap();
    let mut got = vec![0u8; 64];
    let n = r.reader().read(&mut got).unwrap();
    assert_eq!(&got[..n], b"ping from lucid");
    let n = l.read_plaintext(&mut got).unwrap();
    assert_eq!(&got[..n], b"pong from rustls");
}

fn rustls_suite(s: &lucid::Suite) -> rustls::SupportedCipherSuite {
    provider::ALL_CIPHER_SUITES
        .iter()
        .copied()
        .find(|r| u16::from(r.suite()) == s.id.0)
        .unwrap_or_else(|| panic!("rustls lacks {}", s.name()))
}

fn rustls_group(g: Group) -> &'static dyn rustls::crypto::SupportedKxGroup {
    match g {
        Group::X25519MlKem768 => provider::kx_group::X25519MLKEM768,
        Group::X25519 => provider::kx_group::X25519,
        Group::Secp256r1 => provider::kx_group::SECP256R1,
        Group::Secp384r1 => provider::kx_group::SECP384R1,
    }
}

fn rustls_provider(
    suites: &[&lucid::Suite],
    groups: &[Group],
) -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::CryptoProvider {
        cipher_suites: suites.iter().map(|s| rustls_suite(s)).collect(),
        kx_groups: groups.iter().map(|g| rustls_group(*g)).collect(),
        ..provider::default_provider()
    })
}

static TLS13_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
static TLS12_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];

fn versions(v: Version) -> &'static [&'static rustls::SupportedProtocolVersion] {
    match v {
        Version::Tls13 => &TLS13_ONLY,
        Version::Tls12 => &TLS12_ONLY,
    }
}

fn pem_chain(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap()
}

fn pem_key(pem: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap()
}

fn rustls_roots(ca: &TestCa) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.cert.der().clone()).unwrap();
    roots
}

struct Case {
    version: Version,
    suite: &'static lucid::Suite,
    groups: Vec<Group>,
    key: KeyType,
}

fn rustls_server(ca: &TestCa, case: &Case, client_auth: bool) -> rustls::ServerConnection {
    let (cert, key) = ca.issue(&["localhost"], case.key, false);
    let builder =
        rustls::ServerConfig::builder_with_provider(rustls_provider(&[case.suite], &case.groups))
            .with_protocol_versions(versions(case.version))
            .unwrap();
    let builder = if client_auth {
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(rustls_roots(ca)),
            Arc::new(provider::default_provider()),
        )
        .build()
        .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(pem_chain(&cert), pem_key(&key))
        .unwrap();
    rustls::ServerConnection::new(Arc::new(config)).unwrap()
}

fn rustls_client(
    ca: &TestCa,
    case: &Case,
    cert: Option<(String, String)>,
) -> rustls::ClientConnection {
    let builder =
        rustls::ClientConfig::builder_with_provider(rustls_provider(&[case.suite], &case.groups))
            .with_protocol_versions(versions(case.version))
            .unwrap()
            .with_root_certificates(rustls_roots(ca));
    let config = match cert {
        Some((c, k)) => builder
            .with_client_auth_cert(pem_chain(&c), pem_key(&k))
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap()
}

fn lucid_client(ca: &TestCa, case: &Case) -> lucid::ClientConfig {
    let mut cc = client_config(ca);
    cc.versions = vec![case.version];
    cc.suites = vec![case.suite];
    cc.groups = case.groups.clone();
    cc
}

fn lucid_server(ca: &TestCa, case: &Case) -> lucid::ServerConfig {
    let mut sc = server_config(ca, case.key);
    sc.versions = vec![case.version];
    sc.suites = vec![case.suite];
    sc.groups = case.groups.clone();
    sc
}

fn tls13_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for suite in suites::ALL_SUITES
        .iter()
        .filter(|s| s.version == Version::Tls13)
    {
        for group in suites::ALL_GROUPS {
            out.push(Case {
                version: Version::Tls13,
                suite,
                groups: vec![*group],
                key: KeyType::EcdsaP256,
            });
        }
    }
    out
}

fn tls12_cases() -> Vec<Case> {
    suites::ALL_SUITES
        .iter()
        .filter(|s| s.kx == Some(suites::KeyExchange12::Ecdhe))
        .map(|s| Case {
            version: Version::Tls12,
            suite: s,
            groups: vec![Group::X25519, Group::Secp256r1],
            key: match s.auth {
                suites::ServerAuth::Rsa => KeyType::Rsa2048,
                _ => KeyType::EcdsaP384,
            },
        })
        .collect()
}

#[test]
fn lucid_client_to_rustls_server_for_every_suite_and_group() {
    let ca = TestCa::new("rustls interop CA");
    for case in tls13_cases().into_iter().chain(tls12_cases()) {
        let what = format!("{} {:?}", case.suite.name(), case.groups);
        let mut l =
            lucid::ClientConnection::new(lucid_client(&ca, &case).build().unwrap(), "localhost")
                .unwrap();
        let mut r = rustls::Connection::Server(rustls_server(&ca, &case, false));
        pump(&mut l, &mut r).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!l.is_handshaking() && !r.is_handshaking(), "{what}");
        assert_eq!(
            l.negotiated().suite.map(|s| s.id),
            Some(case.suite.id),
            "{what}"
        );
        if case.version == Version::Tls13 {
            assert_eq!(l.negotiated().group, Some(case.groups[0]), "{what}");
        }
        exchange(&mut l, &mut r);
    }
}

#[test]
fn rustls_client_to_lucid_server_for_every_suite_and_group() {
    let ca = TestCa::new("rustls interop CA");
    for case in tls13_cases().into_iter().chain(tls12_cases()) {
        let what = format!("{} {:?}", case.suite.name(), case.groups);
        let mut l =
            lucid::ServerConnection::new(lucid_server(&ca, &case).build().unwrap()).unwrap();
        let mut r = rustls::Connection::Client(rustls_client(&ca, &case, None));
        // The client speaks first.
        to_lucid(&mut r, &mut l).unwrap_or_else(|e| panic!("{what}: {e}"));
        pump(&mut l, &mut r).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!l.is_handshaking() && !r.is_handshaking(), "{what}");
        assert_eq!(
            l.negotiated().suite.map(|s| s.id),
            Some(case.suite.id),
            "{what}"
        );
        exchange(&mut l, &mut r);
    }
}

#[test]
fn the_default_lucid_client_gets_the_hybrid_group_from_a_post_quantum_rustls_server() {
    let ca = TestCa::new("rustls interop CA");
    let case = Case {
        version: Version::Tls13,
        suite: &suites::TLS_AES_128_GCM_SHA256,
        groups: vec![Group::X25519MlKem768, Group::X25519],
        key: KeyType::Ed25519,
    };
    let mut l =
        lucid::ClientConnection::new(client_config(&ca).build().unwrap(), "localhost").unwrap();
    let mut r = rustls::Connection::Server(rustls_server(&ca, &case, false));
    pump(&mut l, &mut r).unwrap();
    assert_eq!(l.negotiated().group, Some(Group::X25519MlKem768));
    assert!(!l.negotiated().hello_retry);
    exchange(&mut l, &mut r);
}

#[test]
fn hello_retry_request_with_rustls_in_both_directions() {
    let ca = TestCa::new("rustls interop CA");
    // lucid client sends an X25519 share; the rustls server only does P-384.
    let client_case = Case {
        version: Version::Tls13,
        suite: &suites::TLS_AES_256_GCM_SHA384,
        groups: vec![Group::X25519, Group::Secp384r1],
        key: KeyType::EcdsaP256,
    };
    let server_case = Case {
        groups: vec![Group::Secp384r1],
        ..client_case
    };
    let mut l = lucid::ClientConnection::new(
        lucid_client(&ca, &client_case).build().unwrap(),
        "localhost",
    )
    .unwrap();
    let mut r = rustls::Connection::Server(rustls_server(&ca, &server_case, false));
    pump(&mut l, &mut r).unwrap();
    assert!(l.negotiated().hello_retry);
    assert_eq!(l.negotiated().group, Some(Group::Secp384r1));
    exchange(&mut l, &mut r);

    // rustls client sends an X25519 share; the lucid server wants the hybrid group.
    let client_case = Case {
        version: Version::Tls13,
        suite: &suites::TLS_CHACHA20_POLY1305_SHA256,
        groups: vec![Group::X25519, Group::X25519MlKem768],
        key: KeyType::EcdsaP256,
    };
    let server_case = Case {
        groups: vec![Group::X25519MlKem768],
        ..client_case
    };
    let mut l =
        lucid::ServerConnection::new(lucid_server(&ca, &server_case).build().unwrap()).unwrap();
    let mut r = rustls::Connection::Client(rustls_client(&ca, &client_case, None));
    to_lucid(&mut r, &mut l).unwrap();
    pump(&mut l, &mut r).unwrap();
    assert!(l.negotiated().hello_retry);
    assert_eq!(l.negotiated().group, Some(Group::X25519MlKem768));
    exchange(&mut l, &mut r);
}

#[test]
fn mutual_tls_with_rustls_in_both_versions_and_directions() {
    let ca = TestCa::new("rustls interop CA");
    for version in [Version::Tls13, Version::Tls12] {
        let suite = match version {
            Version::Tls13 => &suites::TLS_AES_128_GCM_SHA256,
            Version::Tls12 => &suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        };
        let case = Case {
            version,
            suite,
            groups: vec![Group::X25519],
            key: KeyType::EcdsaP256,
        };
        // lucid client with a certificate -> rustls server that requires one.
        let mut cc = lucid_client(&ca, &case);
        cc.client_cert = Some(Arc::new(ca.certified_key(
            &["alice.test"],
            KeyType::EcdsaP384,
            true,
        )));
        let mut l = lucid::ClientConnection::new(cc.build().unwrap(), "localhost").unwrap();
        let mut r = rustls::Connection::Server(rustls_server(&ca, &case, true));
        pump(&mut l, &mut r).unwrap_or_else(|e| panic!("{version:?}: {e}"));
        let presented = r
            .peer_certificates()
            .expect("rustls saw a client certificate");
        assert_eq!(presented.len(), 1, "{version:?}");
        exchange(&mut l, &mut r);

        // rustls client with a certificate -> lucid server requiring one.
        let mut sc = lucid_server(&ca, &case);
        sc.client_auth = ClientAuth::Required(ca.roots());
        let mut l = lucid::ServerConnection::new(sc.build().unwrap()).unwrap();
        let cert = ca.issue(&["bob.test"], KeyType::Rsa2048, true);
        let mut r = rustls::Connection::Client(rustls_client(&ca, &case, Some(cert)));
        to_lucid(&mut r, &mut l).unwrap();
        pump(&mut l, &mut r).unwrap_or_else(|e| panic!("{version:?}: {e}"));
        let id = l
            .negotiated()
            .peer_identity
            .as_ref()
            .expect("verified client");
        assert!(
            id.certs()[0].subject.contains("bob.test"),
            "{}",
            id.certs()[0].subject
        );
        exchange(&mut l, &mut r);
    }
}
