//! lucid client x lucid server, in memory.

mod common;
use common::*;
use lucid::{suites, Group, Version};

fn exchange_data(c: &mut lucid::ClientConnection, s: &mut lucid::ServerConnection) {
    c.write_plaintext(b"hello from the client").unwrap();
    let got = pump(c, s).unwrap();
    assert!(
        got.server == b"hello from the client",
        "server got {} bytes",
        got.server.len()
    );
    let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    s.write_plaintext(&big).unwrap();
    let got = pump(c, s).unwrap();
    assert!(
        got.client == big,
        "client got {} of {} bytes",
        got.client.len(),
        big.len()
    );
}

#[test]
fn tls13_handshake_completes_and_carries_data() {
    let ca = TestCa::new("Test CA");
    let (mut c, mut s, r) = connect(client_config(&ca), server_config(&ca, KeyType::EcdsaP256));
    r.unwrap();
    assert!(!c.is_handshaking() && !s.is_handshaking());
    assert_eq!(c.negotiated().version, Some(Version::Tls13));
    assert_eq!(c.negotiated().group, Some(Group::X25519MlKem768));
    exchange_data(&mut c, &mut s);
}

#[test]
fn tls13_matrix_of_suites_groups_and_key_types() {
    let ca = TestCa::new("Matrix CA");
    for key_type in ALL_KEY_TYPES {
        let server = server_config(&ca, key_type);
        for suite in suites::ALL_SUITES
            .iter()
            .filter(|s| s.version == Version::Tls13)
        {
            for group in suites::ALL_GROUPS {
                let mut cc = client_config(&ca);
                cc.suites = vec![suite];
                cc.groups = vec![*group];
                let (mut c, mut s, r) = connect(cc, server.clone());
                r.unwrap_or_else(|e| panic!("{key_type:?} {} {group:?}: {e:?}", suite.name()));
                assert_eq!(s.negotiated().suite.unwrap().id, suite.id);
                assert_eq!(s.negotiated().group, Some(*group));
                exchange_data(&mut c, &mut s);
            }
        }
    }
}

#[test]
fn server_asks_for_another_share_with_hello_retry_request() {
    let ca = TestCa::new("HRR CA");
    let mut cc = client_config(&ca);
    cc.groups = vec![Group::X25519, Group::Secp384r1];
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.groups = vec![Group::Secp384r1];
    let (mut c, mut s, r) = connect(cc, sc);
    r.unwrap();
    assert!(c.negotiated().hello_retry);
    assert_eq!(c.negotiated().group, Some(Group::Secp384r1));
    exchange_data(&mut c, &mut s);
}

#[test]
fn alpn_is_negotiated_in_server_order() {
    let ca = TestCa::new("ALPN CA");
    let mut cc = client_config(&ca);
    cc.alpn = vec![b"http/1.1".to_vec(), b"h2".to_vec()];
    let mut sc = server_config(&ca, KeyType::Ed25519);
    sc.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let (c, s, r) = connect(cc, sc);
    r.unwrap();
    assert_eq!(c.negotiated().alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(s.negotiated().alpn.as_deref(), Some(&b"h2"[..]));
}

#[test]
fn alpn_without_overlap_is_no_application_protocol() {
    let ca = TestCa::new("ALPN CA");
    let mut cc = client_config(&ca);
    cc.alpn = vec![b"spdy/1".to_vec()];
    let mut sc = server_config(&ca, KeyType::EcdsaP256);
    sc.alpn = vec![b"h2".to_vec()];
    let (_, _, r) = connect(cc, sc);
    let (side, err) = r.unwrap_err();
    assert_eq!(side, "server");
    assert_eq!(err, lucid::Error::NoApplicationProtocol);
}

#[test]
fn key_update_in_both_directions_keeps_data_flowing() {
    let ca = TestCa::new("KU CA");
    let (mut c, mut s, r) = connect(client_config(&ca), server_config(&ca, KeyType::EcdsaP256));
    r.unwrap();
    c.refresh_traffic_keys(true).unwrap();
    exchange_data(&mut c, &mut s);
    s.refresh_traffic_keys(false).unwrap();
    exchange_data(&mut c, &mut s);
}

#[test]
fn close_notify_ends_reading_cleanly_in_both_directions() {
    let ca = TestCa::new("Close CA");
    let (mut c, mut s, r) = connect(client_config(&ca), server_config(&ca, KeyType::EcdsaP256));
    r.unwrap();
    c.write_plaintext(b"last words").unwrap();
    c.send_close_notify();
    let got = pump(&mut c, &mut s).unwrap();
    assert_eq!(got.server, b"last words");
    assert!(s.received_close_notify());
    let mut buf = [0u8; 8];
    assert_eq!(s.read_plaintext(&mut buf).unwrap(), 0);
    s.send_close_notify();
    pump(&mut c, &mut s).unwrap();
    assert_eq!(c.read_plaintext(&mut buf).unwrap(), 0);
    assert!(c.write_plaintext(b"more").is_err());
}

fn observed(
    cc: &mut lucid::ClientConfig,
    sc: &mut lucid::ServerConfig,
) -> (
    std::sync::Arc<lucid::trace::EventLog>,
    std::sync::Arc<lucid::trace::EventLog>,
) {
    let c = std::sync::Arc::new(lucid::trace::EventLog::default());
    let s = std::sync::Arc::new(lucid::trace::EventLog::default());
    cc.observer = Some(c.clone());
    sc.observer = Some(s.clone());
    (c, s)
}

type Setup = Box<dyn Fn(&mut lucid::ClientConfig, &mut lucid::ServerConfig)>;

#[test]
fn each_side_narrates_the_messages_of_its_flow_in_order() {
    use lucid::trace::Flow;
    let ca = TestCa::new("Flow CA");
    let cases: Vec<(Flow, Setup)> = vec![
        (Flow::Tls13, Box::new(|_, _| {})),
        (
            Flow::Tls13Retry,
            Box::new(|c, s| {
                c.groups = vec![Group::X25519, Group::Secp256r1];
                s.groups = vec![Group::Secp256r1];
            }),
        ),
    ];
    for (flow, setup) in cases {
        let mut cc = client_config(&ca);
        let mut sc = server_config(&ca, KeyType::EcdsaP256);
        setup(&mut cc, &mut sc);
        let (client_log, server_log) = observed(&mut cc, &mut sc);
        let (_, _, r) = connect(cc, sc);
        r.unwrap();
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
        let kinds = client_log.kinds();
        assert_eq!(kinds.last().map(|k| k.1), Some("handshake_complete"));
    }
}

#[test]
fn without_an_observer_no_secret_reaches_anyone_and_with_one_values_are_opt_in() {
    struct Secrets(std::sync::Mutex<Vec<bool>>);
    impl lucid::Observer for Secrets {
        fn on_event(&self, _: lucid::Side, e: &lucid::Event<'_>) {
            if let lucid::Event::SecretDerived { value, .. } = e {
                self.0.lock().unwrap().push(value.is_some());
            }
        }
    }
    let ca = TestCa::new("Secret CA");
    for show in [false, true] {
        let seen = std::sync::Arc::new(Secrets(Default::default()));
        let mut cc = client_config(&ca);
        cc.observer = Some(seen.clone());
        cc.trace_secrets = show;
        let (_, _, r) = connect(cc, server_config(&ca, KeyType::EcdsaP256));
        r.unwrap();
        let flags = seen.0.lock().unwrap().clone();
        assert!(flags.len() >= 4, "secrets narrated: {}", flags.len());
        assert!(flags.iter().all(|f| *f == show));
    }
}

#[test]
fn sending_keys_are_updated_before_their_usage_limit() {
    struct KeyUpdates(std::sync::Mutex<u32>);
    impl lucid::Observer for KeyUpdates {
        fn on_event(&self, side: lucid::Side, e: &lucid::Event<'_>) {
            if let lucid::Event::KeyUpdate { sender, .. } = e {
                if *sender == side {
                    *self.0.lock().unwrap() += 1;
                }
            }
        }
    }
    let ca = TestCa::new("Limit CA");
    let mut cc = client_config(&ca);
    let seen = std::sync::Arc::new(KeyUpdates(Default::default()));
    cc.observer = Some(seen.clone());
    // Each key may seal 4 records, one of them kept for the KeyUpdate message.
    cc.test_hooks.records_per_key = Some(4);
    let (mut c, mut s, r) = connect(cc, server_config(&ca, KeyType::EcdsaP256));
    r.unwrap();
    let data: Vec<u8> = (0..10 * 16384u32).map(|i| (i % 251) as u8).collect();
    c.write_plaintext(&data).unwrap();
    let got = pump(&mut c, &mut s).unwrap();
    assert!(got.server == data, "server got {} bytes", got.server.len());
    // 10 records at 4 per key (the KeyUpdate message itself uses a record) means at
    // least 3 updates, and the server followed every one.
    let updates = *seen.0.lock().unwrap();
    assert!(updates >= 3, "{updates} key updates");
}

/// RFC 8701: GREASE values a client sprinkles into its hello.
fn add_grease(hello: &mut lucid::codec::handshake::ClientHello) {
    use lucid::codec::extensions::{ClientExtension, KeyShareEntry};
    use lucid::codec::{CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme};
    hello.cipher_suites.insert(0, CipherSuite(0x0a0a));
    for ext in &mut hello.extensions {
        match ext {
            ClientExtension::SupportedGroups(g) => g.insert(0, NamedGroup(0x1a1a)),
            ClientExtension::KeyShare(k) => k.insert(
                0,
                KeyShareEntry {
                    group: NamedGroup(0x1a1a),
                    share: vec![0],
                },
            ),
            ClientExtension::SupportedVersions(v) => v.insert(0, ProtocolVersion(0x2a2a)),
            ClientExtension::SignatureAlgorithms(s) => s.insert(0, SignatureScheme(0x3a3a)),
            _ => {}
        }
    }
    hello
        .extensions
        .insert(0, ClientExtension::Unknown(ExtensionType(0x4a4a), vec![]));
    hello
        .extensions
        .push(ClientExtension::Unknown(ExtensionType(0x5a5a), vec![0]));
}

#[test]
fn grease_values_from_a_client_are_ignored() {
    let ca = TestCa::new("GREASE CA");
    for versions in [vec![Version::Tls13, Version::Tls12], vec![Version::Tls12]] {
        let mut cc = client_config(&ca);
        cc.versions = versions.clone();
        cc.test_hooks.edit_client_hello = Some(add_grease);
        let (mut c, mut s, r) = connect(cc, server_config(&ca, KeyType::EcdsaP256));
        r.unwrap_or_else(|e| panic!("{versions:?}: {e:?}"));
        assert_eq!(s.negotiated().version, versions.first().copied());
        exchange_data(&mut c, &mut s);
    }
}
