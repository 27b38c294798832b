//! lucid against the real `openssl` binary (OpenSSL 3.x) over 127.0.0.1, TLS 1.3.

mod common;
use common::ossl::{self, Pki};
use common::*;
use lucid::{suites, ClientConfig, Group, Suite, Version};

const SUITES: [(&str, &Suite); 3] = [
    ("TLS_AES_128_GCM_SHA256", &suites::TLS_AES_128_GCM_SHA256),
    ("TLS_AES_256_GCM_SHA384", &suites::TLS_AES_256_GCM_SHA384),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        &suites::TLS_CHACHA20_POLY1305_SHA256,
    ),
];

fn groups() -> Vec<(&'static str, Group)> {
    let mut g = vec![
        ("X25519", Group::X25519),
        ("P-256", Group::Secp256r1),
        ("P-384", Group::Secp384r1),
    ];
    if ossl::has_mlkem_hybrid() {
        g.push(("X25519MLKEM768", Group::X25519MlKem768));
    }
    g
}

fn tls13_client(pki: &Pki, suite: &'static Suite, groups: Vec<Group>) -> ClientConfig {
    let mut cc = client_config(&pki.ca);
    cc.suites = vec![suite];
    cc.groups = groups;
    cc.versions = vec![Version::Tls13];
    cc
}

/// lucid client -> `openssl s_server -www`.
fn get_from_s_server(
    pki: &Pki,
    key_type: KeyType,
    ossl_suite: &str,
    ossl_groups: &str,
    cc: ClientConfig,
) -> lucid::Negotiated {
    let (cert, key) = pki.files(&["localhost"], key_type, false);
    let (_server, port) = ossl::s_server(&[
        "-cert",
        &cert,
        "-key",
        &key,
        "-keyform",
        "DER",
        "-tls1_3",
        "-ciphersuites",
        ossl_suite,
        "-groups",
        ossl_groups,
        "-www",
    ]);
    let (page, negotiated) = ossl::lucid_get(cc, port)
        .unwrap_or_else(|e| panic!("{ossl_suite} {ossl_groups} {key_type:?}: {e}"));
    assert!(
        page.contains("HTTP/1.0 200"),
        "{ossl_suite} {ossl_groups}: unexpected page {page:?}"
    );
    assert!(
        page.contains(ossl_suite),
        "the -www page names the suite: {page}"
    );
    assert_eq!(negotiated.version, Some(Version::Tls13));
    negotiated
}

#[test]
fn lucid_client_each_suite_against_s_server() {
    let pki = Pki::new("ossl-suites");
    for (name, suite) in SUITES {
        let n = get_from_s_server(
            &pki,
            KeyType::EcdsaP256,
            name,
            "X25519",
            tls13_client(&pki, suite, vec![Group::X25519]),
        );
        assert_eq!(n.suite.unwrap().id, suite.id);
    }
}

#[test]
fn lucid_client_each_group_against_s_server() {
    let pki = Pki::new("ossl-groups");
    for (name, group) in groups() {
        let n = get_from_s_server(
            &pki,
            KeyType::EcdsaP256,
            "TLS_AES_128_GCM_SHA256",
            name,
            tls13_client(&pki, &suites::TLS_AES_128_GCM_SHA256, vec![group]),
        );
        assert_eq!(n.group, Some(group));
        assert!(!n.hello_retry);
    }
}

#[test]
fn lucid_client_each_server_key_type_against_s_server() {
    let pki = Pki::new("ossl-ckeys");
    for key_type in ALL_KEY_TYPES {
        get_from_s_server(
            &pki,
            key_type,
            "TLS_AES_256_GCM_SHA384",
            "X25519",
            tls13_client(&pki, &suites::TLS_AES_256_GCM_SHA384, vec![Group::X25519]),
        );
    }
}

#[test]
fn lucid_client_hello_retry_from_s_server() {
    let pki = Pki::new("ossl-hrr");
    let n = get_from_s_server(
        &pki,
        KeyType::EcdsaP256,
        "TLS_AES_128_GCM_SHA256",
        "P-384",
        tls13_client(
            &pki,
            &suites::TLS_AES_128_GCM_SHA256,
            vec![Group::X25519, Group::Secp384r1],
        ),
    );
    assert_eq!(n.group, Some(Group::Secp384r1));
    assert!(n.hello_retry, "expected a HelloRetryRequest");
}

/// `openssl s_client` -> lucid echo server; returns what the lucid server negotiated.
fn s_client_to_lucid(
    pki: &Pki,
    key_type: KeyType,
    suite: &'static Suite,
    ossl_suite: &str,
    ossl_groups: &str,
    server_groups: Option<Vec<Group>>,
) -> lucid::Negotiated {
    let mut sc = server_config(&pki.ca, key_type);
    sc.versions = vec![Version::Tls13];
    sc.suites = vec![suite];
    if let Some(g) = server_groups {
        sc.groups = g;
    }
    let (port, server) = ossl::lucid_echo_server(sc);
    let connect = format!("127.0.0.1:{port}");
    let out = ossl::s_client(
        &[
            "-connect",
            &connect,
            "-tls1_3",
            "-ciphersuites",
            ossl_suite,
            "-groups",
            ossl_groups,
            "-servername",
            "localhost",
            "-CAfile",
            pki.ca_path(),
            "-verify_return_error",
            "-quiet",
        ],
        b"hello from openssl\n",
    );
    let served = server.join().expect("server thread panicked");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (negotiated, line) = served.unwrap_or_else(|e| {
        panic!(
            "{key_type:?} {ossl_suite} {ossl_groups}: lucid server failed: {e}; s_client: {stderr}"
        )
    });
    assert_eq!(line, "hello from openssl\n");
    assert!(
        out.status.success(),
        "{key_type:?} {ossl_suite} {ossl_groups}: s_client exited with {}: {stderr}",
        out.status
    );
    assert!(
        stdout.contains("echo: hello from openssl"),
        "s_client stdout: {stdout:?} stderr: {stderr}"
    );
    assert_eq!(negotiated.version, Some(Version::Tls13));
    assert_eq!(negotiated.suite.unwrap().id, suite.id);
    negotiated
}

#[test]
fn s_client_each_suite_against_lucid_server() {
    let pki = Pki::new("ossl-ssuites");
    for (name, suite) in SUITES {
        s_client_to_lucid(&pki, KeyType::EcdsaP256, suite, name, "X25519", None);
    }
}

#[test]
fn s_client_each_group_against_lucid_server() {
    let pki = Pki::new("ossl-sgroups");
    for (name, group) in groups() {
        let n = s_client_to_lucid(
            &pki,
            KeyType::EcdsaP256,
            &suites::TLS_AES_128_GCM_SHA256,
            "TLS_AES_128_GCM_SHA256",
            name,
            None,
        );
        assert_eq!(n.group, Some(group));
    }
}

#[test]
fn s_client_each_server_key_type_against_lucid_server() {
    let pki = Pki::new("ossl-skeys");
    for key_type in ALL_KEY_TYPES {
        s_client_to_lucid(
            &pki,
            key_type,
            &suites::TLS_CHACHA20_POLY1305_SHA256,
            "TLS_CHACHA20_POLY1305_SHA256",
            "X25519",
            None,
        );
    }
}

#[test]
fn lucid_server_hello_retry_to_s_client() {
    let pki = Pki::new("ossl-shrr");
    let n = s_client_to_lucid(
        &pki,
        KeyType::EcdsaP256,
        &suites::TLS_AES_128_GCM_SHA256,
        "TLS_AES_128_GCM_SHA256",
        "X25519:P-384",
        Some(vec![Group::Secp384r1]),
    );
    assert!(
        n.hello_retry,
        "expected the lucid server to send a HelloRetryRequest"
    );
    assert_eq!(n.group, Some(Group::Secp384r1));
}
