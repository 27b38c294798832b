//! TLS 1.2 (RFC 5246): lucid client x lucid server, in memory.

mod common;
use std::sync::Arc;

use common::*;
use lucid::codec::extensions::ClientExtension;
use lucid::codec::handshake::ClientHello;
use lucid::codec::{AlertDescription, ExtensionType};
use lucid::suites::{self, KeyExchange12, ServerAuth};
use lucid::trace::{EventLog, Flow};
use lucid::{ClientAuth, ClientConnection, Error, ServerConnection, Version};

fn exchange_data(c: &mut ClientConnection, s: &mut ServerConnection) {
    c.write_plaintext(b"hello from the client").unwrap();
    let got = pump(c, s).unwrap();
    assert_eq!(got.server, b"hello from the client");
    let big: Vec<u8> = (0..50_000u32).map(|i| i as u8).collect();
    s.write_plaintext(&big).unwrap();
    let got = pump(c, s).unwrap();
    assert!(got.client == big, "client got {} bytes", got.client.len());
}

fn tls12_client(ca: &TestCa) -> lucid::ClientConfig {
    let mut cc = client_config(ca);
    cc.versions = vec![Version::Tls12];
    cc
}

fn observed(
    cc: &mut lucid::ClientConfig,
    sc: &mut lucid::ServerConfig,
) -> (Arc<EventLog>, Arc<EventLog>) {
    let c = Arc::new(EventLog::default());
    let s = Arc::new(EventLog::default());
    cc.observer = Some(c.clone());
    sc.observer = Some(s.clone());
    (c, s)
}

fn drop_ems(hello: &mut ClientHello) {
    hello
        .extensions
        .retain(|e| e.ext_type() != ExtensionType::EXTENDED_MASTER_SECRET);
}

#[test]
fn every_tls12_suite_completes_with_each_fitting_key_type_and_carries_data() {
    let ca = TestCa::new("TLS 1.2 matrix CA");
    // Ed25519 signs the ECDSA suites (RFC 8422 §5.1.1).
    for key_type in [
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Ed25519,
        KeyType::Rsa2048,
    ] {
        let mut server = server_config(&ca, key_type);
        server.suites = suites::ALL_SUITES.to_vec();
        let auth = if key_type == KeyType::Rsa2048 {
            ServerAuth::Rsa
        } else {
            ServerAuth::Ecdsa
        };
        for suite in suites::ALL_SUITES
            .iter()
            .filter(|s| s.version == Version::Tls12 && s.auth == auth)
        {
            let mut cc = tls12_client(&ca);
            cc.suites = vec![suite];
            let (mut c, mut s, r) = connect(cc, server.clone());
            r.unwrap_or_else(|e| panic!("{key_type:?} {}: {e:?}", suite.name()));
            for n in [c.negotiated(), s.negotiated()] {
                assert_eq!(n.version, Some(Version::Tls12));
                assert_eq!(n.suite.unwrap().id, suite.id);
                assert!(n.extended_master_secret);
                assert_eq!(
                    n.group.is_some(),
                    suite.kx == Some(KeyExchange12::Ecdhe),
                    "{}",
                    suite.name()
                );
            }
            assert!(!c.is_handshaking() && !s.is_handshaking());
            exchange_data(&mut c, &mut s);
        }
    }
}

type Setup = Box<dyn Fn(&mut lucid::ClientConfig, &mut lucid::ServerConfig)>;

#[test]
fn each_side_narrates_the_tls12_flows_in_order() {
    let ca = TestCa::new("TLS 1.2 flow CA");
    let client_ck = Arc::new(ca.certified_key(&["client"], KeyType::EcdsaP256, true));
    let client_roots = ca.roots();
    let cases: Vec<(Flow, KeyType, Setup)> = vec![
        (Flow::Tls12Ecdhe, KeyType::EcdsaP256, Box::new(|_, _| {})),
        (
            Flow::Tls12Rsa,
            KeyType::Rsa2048,
            Box::new(|c, s| {
                c.suites = vec![&suites::TLS_RSA_WITH_AES_128_GCM_SHA256];
                s.suites = suites::ALL_SUITES.to_vec();
            }),
        ),
        (
            Flow::Tls12EcdheClientAuth,
            KeyType::Rsa2048,
            Box::new(move |c, s| {
                c.client_cert = Some(client_ck.clone());
                s.client_auth = ClientAuth::Required(client_roots.clone());
            }),
        ),
    ];
    for (flow, key_type, setup) in cases {
        let mut cc = tls12_client(&ca);
        let mut sc = server_config(&ca, key_type);
        setup(&mut cc, &mut sc);
        let (client_log, server_log) = observed(&mut cc, &mut sc);
        let (mut c, mut s, r) = connect(cc, sc);
        r.unwrap_or_else(|e| panic!("{flow:?}: {e:?}"));
        assert_eq!(
            client_log.messages(),
            flow.messages(),
            "client view of {flow:?}"
        );
        assert_eq!(
            server_log.messages(),
            flow.messages(),
            "server view of {flow:?}"
        );
        assert_eq!(
            server_log.kinds().last().map(|k| k.1),
            Some("handshake_complete")
        );
        if flow == Flow::Tls12EcdheClientAuth {
            assert!(s.negotiated().peer_identity.is_some());
        }
        exchange_data(&mut c, &mut s);
    }
}

#[test]
fn a_required_client_certificate_that_is_missing_is_a_handshake_failure() {
    let ca = TestCa::new("TLS 1.2 client auth CA");
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.client_auth = ClientAuth::Required(ca.roots());
    let (_, _, r) = connect(tls12_client(&ca), sc);
    let (side, e) = r.unwrap_err();
    assert_eq!(side, "server");
    assert_eq!(
        e.alert(),
        Some(AlertDescription::HANDSHAKE_FAILURE),
        "{e:?}"
    );

    // Optional: the handshake goes on without one.
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.client_auth = ClientAuth::Optional(ca.roots());
    let (mut c, mut s, r) = connect(tls12_client(&ca), sc);
    r.unwrap();
    assert!(s.negotiated().peer_identity.is_none());
    exchange_data(&mut c, &mut s);
}

#[test]
fn versions_are_negotiated_across_mixed_configs() {
    let ca = TestCa::new("TLS 1.2 versions CA");
    let cases = [
        (
            vec![Version::Tls13, Version::Tls12],
            vec![Version::Tls12],
            Version::Tls12,
        ),
        (
            vec![Version::Tls12],
            vec![Version::Tls13, Version::Tls12],
            Version::Tls12,
        ),
        (
            vec![Version::Tls13, Version::Tls12],
            vec![Version::Tls13, Version::Tls12],
            Version::Tls13,
        ),
    ];
    for (client_versions, server_versions, expected) in cases {
        let mut cc = client_config(&ca);
        cc.versions = client_versions.clone();
        let mut sc = server_config(&ca, KeyType::EcdsaP256);
        sc.versions = server_versions.clone();
        let (mut c, mut s, r) = connect(cc, sc);
        r.unwrap_or_else(|e| panic!("{client_versions:?} x {server_versions:?}: {e:?}"));
        assert_eq!(c.negotiated().version, Some(expected));
        assert_eq!(s.negotiated().version, Some(expected));
        exchange_data(&mut c, &mut s);
    }

    let mut cc = client_config(&ca);
    cc.versions = vec![Version::Tls13];
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.versions = vec![Version::Tls12];
    let (_, _, r) = connect(cc, sc);
    let (_, e) = r.unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::PROTOCOL_VERSION), "{e:?}");
}

#[test]
fn a_tls13_client_detects_the_downgrade_sentinel() {
    let ca = TestCa::new("TLS 1.2 downgrade CA");
    let mut cc = client_config(&ca);
    // An attacker strips supported_versions: the TLS 1.3 server answers with TLS 1.2 and
    // marks its random (RFC 8446 §4.1.3); the client still wants TLS 1.3.
    cc.test_hooks.edit_client_hello = Some(|h: &mut ClientHello| {
        h.extensions
            .retain(|e| e.ext_type() != ExtensionType::SUPPORTED_VERSIONS);
    });
    let (_, _, r) = connect(cc, server_config(&ca, KeyType::EcdsaP256));
    let (side, e) = r.unwrap_err();
    assert_eq!(side, "client");
    assert_eq!(e, Error::DowngradeDetected);

    // A TLS 1.2-only server sets no sentinel, and a 1.3 + 1.2 client accepts it.
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.versions = vec![Version::Tls12];
    let (c, _, r) = connect(client_config(&ca), sc);
    r.unwrap();
    assert_ne!(&c.negotiated().server_random[24..], b"DOWNGRD\x01");
}

#[test]
fn a_server_requiring_ems_refuses_a_client_without_it() {
    let ca = TestCa::new("TLS 1.2 EMS CA");
    let mut cc = tls12_client(&ca);
    cc.test_hooks.edit_client_hello = Some(drop_ems);
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.require_ems = true;
    let (_, _, r) = connect(cc.clone(), sc);
    let (side, e) = r.unwrap_err();
    assert_eq!(side, "server");
    assert_eq!(e, Error::ExtendedMasterSecretRequired);
    assert_eq!(e.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));

    // Without the requirement the handshake completes, without EMS.
    let (mut c, mut s, r) = connect(cc, server_config(&ca, KeyType::EcdsaP256));
    r.unwrap();
    assert!(!c.negotiated().extended_master_secret);
    assert!(!s.negotiated().extended_master_secret);
    exchange_data(&mut c, &mut s);
}

#[test]
fn no_suite_the_certificate_can_serve_is_a_handshake_failure() {
    let ca = TestCa::new("TLS 1.2 no common suite CA");
    let mut cc = tls12_client(&ca);
    cc.suites = vec![&suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
    let (_, _, r) = connect(cc, server_config(&ca, KeyType::Rsa2048));
    let (side, e) = r.unwrap_err();
    assert_eq!(side, "server");
    assert!(matches!(e, Error::NoCommonGround(_)), "{e:?}");
    assert_eq!(e.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
}

#[test]
fn rsa_key_transport_is_off_by_default_and_ecdhe_is_preferred() {
    let ca = TestCa::new("TLS 1.2 RSA default CA");
    let mut cc = tls12_client(&ca);
    cc.suites = vec![&suites::TLS_RSA_WITH_AES_128_GCM_SHA256];
    let (_, _, r) = connect(cc, server_config(&ca, KeyType::Rsa2048));
    assert!(matches!(r.unwrap_err().1, Error::NoCommonGround(_)));

    // Both sides enable everything: the server picks ECDHE over RSA key transport.
    let mut cc = tls12_client(&ca);
    cc.suites = vec![
        &suites::TLS_RSA_WITH_AES_128_GCM_SHA256,
        &suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let mut sc = server_config(&ca, KeyType::Rsa2048);
    sc.suites = suites::ALL_SUITES.to_vec();
    let (_, s, r) = connect(cc, sc);
    r.unwrap();
    assert_eq!(s.negotiated().suite.unwrap().kx, Some(KeyExchange12::Ecdhe));
}

/// An unknown extension the server ignores, whose value a test can change in flight to make
/// the two transcripts (and so the Finished values) differ while the keys stay equal.
fn add_marker(hello: &mut ClientHello) {
    drop_ems(hello);
    hello
        .extensions
        .push(ClientExtension::Unknown(ExtensionType(0x7a7a), vec![0x00]));
}

/// Runs a TLS 1.2 RSA-key-transport handshake up to the client's second flight, lets
/// `tamper` change it (and the ClientHello), and returns the server's error, its state name
/// before the flight and after, and the kinds of event it emitted.
fn rsa_handshake_with_tampering(
    ca: &TestCa,
    tamper_hello: fn(&mut [u8]),
    tamper_flight: fn(&mut [u8]),
) -> (Error, &'static str, &'static str, Vec<&'static str>) {
    let mut cc = tls12_client(ca);
    cc.suites = vec![&suites::TLS_RSA_WITH_AES_128_GCM_SHA256];
    cc.test_hooks.edit_client_hello = Some(add_marker);
    let mut sc = server_config(ca, KeyType::Rsa2048);
    sc.suites = suites::ALL_SUITES.to_vec();
    let log = Arc::new(EventLog::default());
    sc.observer = Some(log.clone());
    let mut c = ClientConnection::new(cc.build().unwrap(), "localhost").unwrap();
    let mut s = ServerConnection::new(sc.build().unwrap()).unwrap();

    let mut hello = c.pending_tls().to_vec();
    c.consume_tls(hello.len());
    tamper_hello(&mut hello);
    assert_eq!(s.feed_tls(&hello), hello.len());
    s.process_new_packets().unwrap();
    let mut sink = Vec::new();
    transfer(&mut s, &mut c, &mut sink).unwrap();

    let mut flight = c.pending_tls().to_vec();
    c.consume_tls(flight.len());
    tamper_flight(&mut flight);
    let before = s.state_name();
    assert_eq!(s.feed_tls(&flight), flight.len());
    let e = s.process_new_packets().unwrap_err();
    let kinds = log.kinds().into_iter().map(|k| k.1).collect();
    (e, before, s.state_name(), kinds)
}

/// Flips the last byte of the first handshake record holding a ClientKeyExchange (type 16):
/// the RSA ciphertext.
fn corrupt_client_key_exchange(flight: &mut [u8]) {
    let mut at = 0;
    while at + 5 <= flight.len() {
        let len = u16::from_be_bytes([flight[at + 3], flight[at + 4]]) as usize;
        let body = at + 5;
        if flight[at] == 22 && flight[body] == 16 {
            flight[body + len - 1] ^= 0x01;
            return;
        }
        at = body + len;
    }
    panic!("no ClientKeyExchange record in the flight");
}

/// Changes the marker extension's value in the ClientHello the server sees.
fn change_marker(hello: &mut [u8]) {
    let needle = [0x7a, 0x7a, 0x00, 0x01, 0x00];
    let at = hello
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("marker extension");
    hello[at + 4] = 0x01;
}

fn untouched(_: &mut [u8]) {}

#[test]
fn a_corrupted_rsa_premaster_fails_exactly_like_a_wrong_finished() {
    let ca = TestCa::new("TLS 1.2 Bleichenbacher CA");
    // Sanity: without tampering the same manual run completes.
    let mut cc = tls12_client(&ca);
    cc.suites = vec![&suites::TLS_RSA_WITH_AES_128_GCM_SHA256];
    cc.test_hooks.edit_client_hello = Some(add_marker);
    let mut sc = server_config(&ca, KeyType::Rsa2048);
    sc.suites = suites::ALL_SUITES.to_vec();
    let (mut c, mut s, r) = connect(cc, sc);
    r.unwrap();
    exchange_data(&mut c, &mut s);

    // RFC 5246 §7.4.7.1: a bad ciphertext is answered with a random pre-master secret and
    // shows only at the Finished.
    let bad_premaster = rsa_handshake_with_tampering(&ca, untouched, corrupt_client_key_exchange);
    // Same keys, different transcripts: a genuinely wrong Finished.
    let wrong_finished = rsa_handshake_with_tampering(&ca, change_marker, untouched);
    assert_eq!(bad_premaster.0, Error::BadFinished);
    assert_eq!(wrong_finished.0, Error::BadFinished);
    assert_eq!(bad_premaster.1, "ExpectClientKeyExchange");
    assert_eq!(bad_premaster.1, wrong_finished.1);
    assert_eq!(bad_premaster.2, wrong_finished.2);
    assert_eq!(
        bad_premaster.3, wrong_finished.3,
        "the narration must not tell a bad ciphertext from a wrong Finished"
    );
}

#[test]
fn alpn_and_sni_are_negotiated_in_tls12() {
    let ca = TestCa::new("TLS 1.2 ALPN CA");
    let mut cc = tls12_client(&ca);
    cc.alpn = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let (mut c, mut s, r) = connect(cc, sc);
    r.unwrap();
    assert_eq!(c.negotiated().alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(s.negotiated().alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(s.negotiated().sni.as_deref(), Some("localhost"));
    exchange_data(&mut c, &mut s);
}

/// (label, client random, secret)
type Line = (String, [u8; 32], Vec<u8>);

#[derive(Default)]
struct Lines(std::sync::Mutex<Vec<Line>>);

impl lucid::KeyLog for Lines {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), *client_random, secret.to_vec()));
    }
}

#[test]
fn both_sides_log_the_same_client_random_master_secret() {
    let ca = TestCa::new("TLS 1.2 key log CA");
    let (cl, sl) = (Arc::new(Lines::default()), Arc::new(Lines::default()));
    let mut cc = tls12_client(&ca);
    cc.key_log = Some(cl.clone());
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.key_log = Some(sl.clone());
    let (c, _, r) = connect(cc, sc);
    r.unwrap();
    let client = cl.0.lock().unwrap().clone();
    let server = sl.0.lock().unwrap().clone();
    assert_eq!(client.len(), 1);
    assert_eq!(client, server);
    assert_eq!(client[0].0, "CLIENT_RANDOM");
    assert_eq!(client[0].1, c.negotiated().client_random);
    assert_eq!(client[0].2.len(), 48);
}

/// A ClientHello from an old client: TLS 1.1 in legacy_version, no supported_versions.
fn offer_tls11_only(hello: &mut ClientHello) {
    hello.legacy_version = lucid::codec::ProtocolVersion::TLS11;
    hello
        .extensions
        .retain(|e| e.ext_type() != ExtensionType::SUPPORTED_VERSIONS);
}

#[test]
fn a_client_wanting_tls11_is_refused_with_protocol_version_naming_it() {
    // RFC 8996: TLS 1.0 and 1.1 are never negotiated.
    let ca = TestCa::new("Old client CA");
    let mut cc = tls12_client(&ca);
    cc.test_hooks.edit_client_hello = Some(offer_tls11_only);
    let (_, _, r) = connect(cc, server_config(&ca, KeyType::EcdsaP256));
    let (side, e) = r.unwrap_err();
    assert_eq!(side, "server");
    assert_eq!(e.alert(), Some(AlertDescription::PROTOCOL_VERSION));
    assert!(e.to_string().contains("TLS 1.1"), "{e}");
}

#[test]
fn a_server_answering_tls10_is_refused_with_protocol_version_naming_it() {
    let ca = TestCa::new("Old server CA");
    let mut c = ClientConnection::new(tls12_client(&ca).build().unwrap(), "localhost").unwrap();
    // A minimal TLS 1.0 ServerHello: version 3.1, random, empty session id, a suite, null
    // compression, no extensions.
    let mut body = vec![3, 1];
    body.extend([7u8; 32]);
    body.push(0);
    body.extend([0xc0, 0x2b, 0]);
    let mut msg = vec![2, 0, 0, body.len() as u8];
    msg.extend(body);
    let mut record = vec![22, 3, 1, 0, msg.len() as u8];
    record.extend(msg);
    c.feed_tls(&record);
    let e = c.process_new_packets().unwrap_err();
    assert_eq!(e.alert(), Some(AlertDescription::PROTOCOL_VERSION));
    assert!(e.to_string().contains("TLS 1.0"), "{e}");
}
