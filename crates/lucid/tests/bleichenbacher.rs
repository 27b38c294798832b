//! RFC 5246 §7.4.7.1 (Bleichenbacher): a TLS 1.2 server using RSA key transport must treat
//! every malformed encrypted pre-master secret exactly like a good one whose Finished is
//! wrong. A real lucid client is driven to its second flight; the flight is intercepted and
//! its ClientKeyExchange ciphertext replaced with ones crafted under the server's public key.

mod common;
use std::sync::{Arc, Mutex};

use common::*;
use lucid::codec::AlertDescription;
use lucid::suites;
use lucid::trace::Event;
use lucid::{ClientConnection, Error, Observer, ServerConnection, Side, Version};
use num_bigint::BigUint;

const K: usize = 256; // RSA-2048 modulus length in bytes.

/// Records each server event as its kind plus the fields that carry no per-connection
/// randomness, so the comparison is stricter than kinds alone.
#[derive(Default)]
struct Shapes(Mutex<Vec<String>>);

impl Observer for Shapes {
    fn on_event(&self, side: Side, event: &Event<'_>) {
        let detail = match event {
            Event::ClientKeyExchange { kind, length } => format!("{kind:?} len={length}"),
            Event::KeyExchange { kind, post_quantum } => format!("{kind:?} pq={post_quantum}"),
            Event::SecretDerived { name, .. } => name.to_string(),
            Event::ChangeCipherSpec {
                sender,
                compatibility,
            } => format!("{sender:?} compat={compatibility}"),
            Event::Alert {
                sender,
                fatal,
                description,
            } => format!("{sender:?} fatal={fatal} {description:?}"),
            Event::Finished { sender, .. } => format!("{sender:?}"),
            _ => String::new(),
        };
        self.0
            .lock()
            .unwrap()
            .push(format!("{side:?} {} {detail}", event.kind()));
    }
}

impl Shapes {
    fn kinds(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A small deterministic generator: test inputs need not be secret, only varied.
struct Rng(u64);

impl Rng {
    fn byte(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }
    fn nonzero(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| loop {
                let b = self.byte();
                if b != 0 {
                    break b;
                }
            })
            .collect()
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.byte()).collect()
    }
}

/// The server's RSA public key (n, e), read from its certificate's SPKI.
fn rsa_public(cert_der: &[u8]) -> (BigUint, BigUint) {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).unwrap();
    match cert.public_key().parsed().unwrap() {
        x509_parser::public_key::PublicKey::RSA(rsa) => (
            BigUint::from_bytes_be(rsa.modulus),
            BigUint::from_bytes_be(rsa.exponent),
        ),
        other => panic!("not an RSA key: {other:?}"),
    }
}

/// Raw RSA: m^e mod n, left-padded to the modulus length.
fn encrypt_raw(em: &[u8], n: &BigUint, e: &BigUint) -> Vec<u8> {
    assert_eq!(em.len(), K);
    let m = BigUint::from_bytes_be(em);
    assert!(&m < n);
    let c = m.modpow(e, n).to_bytes_be();
    let mut out = vec![0u8; K - c.len()];
    out.extend_from_slice(&c);
    out
}

/// An encryption block: `00 bt PS 00 pms`, or with `separator: false` no zero at all after
/// the block type.
fn encryption_block(rng: &mut Rng, block_type: u8, pms: Option<&[u8]>) -> Vec<u8> {
    let mut em = vec![0x00, block_type];
    match pms {
        Some(pms) => {
            em.extend(rng.nonzero(K - 3 - pms.len()));
            em.push(0x00);
            em.extend_from_slice(pms);
        }
        None => em.extend(rng.nonzero(K - 2)),
    }
    em
}

fn premaster(rng: &mut Rng, version: [u8; 2], len: usize) -> Vec<u8> {
    let mut pms = version.to_vec();
    pms.extend(rng.bytes(len - 2));
    pms
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// The client's own flight, untouched: the handshake must complete.
    Control,
    /// (a) block type 01 instead of 02.
    WrongBlockType,
    /// (b) 00 02 and no zero separator.
    NoSeparator,
    /// (c) a correctly padded 47-byte pre-master secret.
    ShortPremaster,
    /// (d) correct padding and length, version 03 01 instead of ClientHello's 03 03.
    WrongVersion,
    /// (e) the client's own valid ciphertext, then a Finished record with a flipped bit.
    WrongFinished,
}

/// One record of the client's flight: (content type, whole record bytes).
fn split_records(flight: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < flight.len() {
        assert!(at + 5 <= flight.len(), "truncated record header");
        let len = u16::from_be_bytes([flight[at + 3], flight[at + 4]]) as usize;
        out.push((flight[at], flight[at..at + 5 + len].to_vec()));
        at += 5 + len;
    }
    out
}

/// What the server did with one (possibly tampered) flight.
#[derive(Debug)]
struct Observed {
    /// The error, if the flight was refused.
    error: Option<Error>,
    /// Records fully processed before the failure.
    records_ok: usize,
    /// State name before each record was fed.
    states: Vec<&'static str>,
    /// The server's state just before the record that failed.
    state_before_failure: Option<&'static str>,
    /// Everything the server queued in answer to the flight.
    reply: Vec<u8>,
    /// The server's event shapes, from its first event on.
    events: Vec<String>,
}

fn run(case: Case, seed: u64) -> Observed {
    let ca = TestCa::new("Bleichenbacher CA");
    let suite = &suites::TLS_RSA_WITH_AES_128_GCM_SHA256;
    let ck = ca.certified_key(&["localhost"], KeyType::Rsa2048, false);
    let (n, e) = rsa_public(ck.chain[0].as_ref());
    let server_key = ck.key.clone();
    let mut sc = lucid::ServerConfig::new(ck);
    sc.suites = vec![suite];
    sc.versions = vec![Version::Tls12];
    let shapes = Arc::new(Shapes::default());
    sc.observer = Some(shapes.clone());
    let mut cc = client_config(&ca);
    cc.suites = vec![suite];
    cc.versions = vec![Version::Tls12];

    let mut c = ClientConnection::new(cc.build().unwrap(), "localhost").unwrap();
    let mut s = ServerConnection::new(sc.build().unwrap()).unwrap();
    let mut sink = Vec::new();
    // ClientHello to the server, its flight back: the client now holds its own flight.
    transfer(&mut c, &mut s, &mut sink).unwrap();
    transfer(&mut s, &mut c, &mut sink).unwrap();
    assert!(!s.wants_write());
    let flight = c.pending_tls().to_vec();
    c.consume_tls(flight.len());

    let mut records = split_records(&flight);
    let types: Vec<u8> = records.iter().map(|r| r.0).collect();
    assert_eq!(
        types,
        [22, 20, 22],
        "ClientKeyExchange, ChangeCipherSpec, Finished"
    );
    // The ClientKeyExchange record: header(5) | type 16 | u24 len | u16 len | ciphertext.
    let cke = &mut records[0].1;
    assert_eq!(cke[5], 16, "the first record holds a ClientKeyExchange");
    let body_len = u32::from_be_bytes([0, cke[6], cke[7], cke[8]]) as usize;
    assert_eq!(body_len, 2 + K);
    assert_eq!(u16::from_be_bytes([cke[9], cke[10]]) as usize, K);
    assert_eq!(cke.len(), 11 + K, "one message in the record");
    let ciphertext = &mut cke[11..];

    let mut rng = Rng(seed | 1);
    let good_version = [3, 3];
    let crafted = match case {
        Case::Control | Case::WrongFinished => None,
        Case::WrongBlockType => {
            let pms = premaster(&mut rng, good_version, 48);
            Some(encryption_block(&mut rng, 0x01, Some(&pms)))
        }
        Case::NoSeparator => Some(encryption_block(&mut rng, 0x02, None)),
        Case::ShortPremaster => {
            let pms = premaster(&mut rng, good_version, 47);
            Some(encryption_block(&mut rng, 0x02, Some(&pms)))
        }
        Case::WrongVersion => {
            let pms = premaster(&mut rng, [3, 1], 48);
            Some(encryption_block(&mut rng, 0x02, Some(&pms)))
        }
    };
    if let Some(em) = crafted {
        let ct = encrypt_raw(&em, &n, &e);
        // The crafted ciphertext really is what its case says: the key rejects it (the
        // fallback comes back), while the same crafting with a good block decrypts.
        let fallback = [0xa5u8; 48];
        assert_eq!(
            server_key.decrypt_premaster(&ct, good_version, &fallback),
            Ok(fallback),
            "{case:?}"
        );
        let good_pms = premaster(&mut rng, good_version, 48);
        let good = encrypt_raw(&encryption_block(&mut rng, 0x02, Some(&good_pms)), &n, &e);
        assert_eq!(
            server_key
                .decrypt_premaster(&good, good_version, &fallback)
                .unwrap()
                .to_vec(),
            good_pms
        );
        ciphertext.copy_from_slice(&ct);
    }
    if case == Case::WrongFinished {
        let fin = &mut records[2].1;
        let last = fin.len() - 1;
        fin[last] ^= 0x01;
    }

    let mut observed = Observed {
        error: None,
        records_ok: 0,
        states: Vec::new(),
        state_before_failure: None,
        reply: Vec::new(),
        events: Vec::new(),
    };
    for (_, record) in &records {
        let state = s.state_name();
        observed.states.push(state);
        assert_eq!(s.feed_tls(record), record.len());
        match s.process_new_packets() {
            Ok(()) => {
                observed.records_ok += 1;
                // Nothing at all goes out while the client's flight is being read: the
                // server's answer waits for a verified Finished.
                if observed.records_ok < records.len() {
                    assert!(
                        !s.wants_write(),
                        "{case:?}: the server sent something after record {}",
                        observed.records_ok
                    );
                }
            }
            Err(err) => {
                observed.state_before_failure = Some(state);
                observed.error = Some(err);
                break;
            }
        }
    }
    observed.reply = s.pending_tls().to_vec();
    observed.events = shapes.kinds();
    if case == Case::Control {
        // The untouched flight completes the handshake: the interception itself is sound.
        let n = observed.reply.len();
        assert_eq!(c.feed_tls(&observed.reply), n);
        s.consume_tls(n);
        c.process_new_packets().unwrap();
        assert!(!c.is_handshaking() && !s.is_handshaking());
        c.write_plaintext(b"after the flight").unwrap();
        let got = pump(&mut c, &mut s).unwrap();
        assert_eq!(got.server, b"after the flight");
    }
    observed
}

/// A TLS 1.2 plaintext alert record: fatal decrypt_error.
fn is_fatal_decrypt_error_record(reply: &[u8]) -> bool {
    reply.len() == 7
        && reply[0] == 21
        && reply[1..3] == [3, 3]
        && reply[3..5] == [0, 2]
        && reply[5] == 2
        && reply[6] == AlertDescription::DECRYPT_ERROR.0
}

const TAMPERED: [Case; 5] = [
    Case::WrongBlockType,
    Case::NoSeparator,
    Case::ShortPremaster,
    Case::WrongVersion,
    Case::WrongFinished,
];

#[test]
fn the_untouched_intercepted_flight_completes_the_handshake() {
    let o = run(Case::Control, 7);
    assert_eq!(o.error, None);
    assert_eq!(o.records_ok, 3);
    assert_eq!(
        o.states,
        [
            "ExpectClientKeyExchange",
            "ExpectClientChangeCipherSpec",
            "ExpectClientFinished"
        ]
    );
}

#[test]
fn every_bad_premaster_fails_exactly_like_a_wrong_finished() {
    let results: Vec<(Case, Observed)> = TAMPERED
        .iter()
        .enumerate()
        .map(|(i, case)| (*case, run(*case, 0x9e37_79b9_7f4a_7c15 ^ i as u64)))
        .collect();
    let (_, reference) = &results[results.len() - 1];
    for (case, o) in &results {
        assert_eq!(o.error, Some(Error::BadFinished), "{case:?}: {o:?}");
        assert_eq!(
            o.error.as_ref().unwrap().alert(),
            Some(AlertDescription::DECRYPT_ERROR)
        );
        assert_eq!(o.records_ok, 2, "{case:?}: failed at another record");
        assert_eq!(
            o.state_before_failure,
            Some("ExpectClientFinished"),
            "{case:?}"
        );
        assert_eq!(o.states, reference.states, "{case:?}");
        assert!(
            is_fatal_decrypt_error_record(&o.reply),
            "{case:?}: the server's reply is not exactly one decrypt_error alert record: {:02x?}",
            o.reply
        );
        assert_eq!(o.reply.len(), reference.reply.len(), "{case:?}");
        assert_eq!(
            o.events, reference.events,
            "{case:?}: the narration must not tell a bad ciphertext from a wrong Finished"
        );
    }
    // The narration ends with the fatal alert, and never mentions a verified Finished.
    let last = reference.events.last().unwrap();
    assert!(
        last.contains(" alert Server fatal=true"),
        "last server event: {last}"
    );
    assert!(reference
        .events
        .iter()
        .any(|e| e.contains("client_key_exchange")));
    assert!(!reference.events.iter().any(|e| e.contains("finished")));
}
