//! Hostile input: mutated handshake records, random records, junk floods and messages out of
//! order. Nothing may panic; every failure must be a fatal error with an alert (or the
//! peer's alert); buffers stay bounded.

mod common;
use std::sync::Arc;
use std::time::Instant;

use common::*;
use lucid::codec::AlertDescription;
use lucid::{
    ClientConfig, ClientConnection, Connection, Error, Group, ServerConfig, ServerConnection,
};

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

struct Fixture {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
}

fn fixture() -> Fixture {
    let ca = TestCa::new("Hostile CA");
    let mut cc = client_config(&ca);
    cc.groups = vec![Group::X25519, Group::Secp256r1];
    let sc = server_config(&ca, KeyType::EcdsaP256);
    Fixture {
        client: cc.build().unwrap(),
        server: sc.build().unwrap(),
    }
}

/// The error is acceptable: it queues a fatal alert, or it is the peer's alert.
fn check_error(e: &Error, ctx: &str) {
    assert!(
        e.alert().is_some() || matches!(e, Error::PeerAlert(_)),
        "{ctx}: error without an alert: {e:?}"
    );
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    match rng.below(5) {
        0 => {
            let i = rng.below(data.len());
            data[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = rng.below(data.len() + 1);
            let b = rng.next() as u8;
            data.insert(i, b);
        }
        2 => {
            let n = rng.below(data.len());
            data.truncate(n);
        }
        3 => {
            let a = rng.below(data.len());
            let b = a + rng.below(data.len() - a) + 1;
            let chunk = data[a..b].to_vec();
            data.splice(b..b, chunk);
        }
        _ => {
            // Overwrite a few bytes, record headers included.
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(data.len());
                data[i] = rng.next() as u8;
            }
        }
    }
}

/// Delivers `from`'s pending bytes (mutated when `hit`) to `to`. Returns whether bytes moved.
fn deliver(rng: &mut Rng, from: &mut Connection, to: &mut Connection, hit: bool) -> bool {
    if !from.wants_write() {
        return false;
    }
    let mut data = from.pending_tls().to_vec();
    from.consume_tls(data.len());
    if hit {
        mutate(rng, &mut data);
    }
    let mut off = 0;
    while off < data.len() {
        let n = to.feed_tls(&data[off..]);
        if n == 0 || to.process_new_packets().is_err() {
            break;
        }
        off += n;
    }
    let _ = to.process_new_packets();
    let mut sink = Vec::new();
    let _ = drain(to, &mut sink);
    true
}

#[test]
fn mutated_handshake_records_fail_cleanly() {
    let fx = fixture();
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let start = Instant::now();
    let (mut completed, mut failed, mut stalled) = (0, 0, 0);
    for run in 0..1500 {
        let mut c = ClientConnection::new(fx.client.clone(), "localhost").unwrap();
        let mut s = ServerConnection::new(fx.server.clone()).unwrap();
        let target = rng.below(4);
        let mut transfer = 0;
        for _ in 0..50 {
            let a = deliver(&mut rng, &mut c, &mut s, transfer == target);
            transfer += a as usize;
            let b = deliver(&mut rng, &mut s, &mut c, transfer == target);
            transfer += b as usize;
            if !a && !b {
                break;
            }
        }
        let ctx = format!("run {run}");
        for e in [c.error(), s.error()].into_iter().flatten() {
            check_error(e, &ctx);
        }
        if c.error().is_some() || s.error().is_some() {
            failed += 1;
        } else if !c.is_handshaking() && !s.is_handshaking() {
            completed += 1;
        } else {
            // A truncated or lengthened record leaves a side waiting for bytes that never
            // come: not an error in a sans-IO engine (the transport's timeout ends it).
            stalled += 1;
        }
    }
    eprintln!("mutations: {completed} completed, {failed} failed with alerts, {stalled} waiting");
    assert!(failed > 500, "most mutations must be caught: {failed}");
    assert!(start.elapsed().as_secs() < 20);
}

fn random_record(rng: &mut Rng) -> Vec<u8> {
    let typ = match rng.below(6) {
        0 => 20,
        1 => 21,
        2 | 3 => 22,
        4 => 23,
        _ => rng.next() as u8,
    };
    let len = match rng.below(4) {
        0 => rng.below(8),
        1 => rng.below(300),
        2 => rng.below(17_000),
        _ => rng.below(70_000).min(0xffff),
    };
    let mut r = vec![typ, 3, rng.below(5) as u8, (len >> 8) as u8, len as u8];
    r.extend(rng.bytes(len));
    r
}

#[test]
fn random_records_to_fresh_connections() {
    let fx = fixture();
    let mut rng = Rng(0xdead_beef_0bad_f00d);
    for run in 0..600 {
        let mut s = ServerConnection::new(fx.server.clone()).unwrap();
        let mut c = ClientConnection::new(fx.client.clone(), "localhost").unwrap();
        let pending = c.pending_tls().len();
        c.consume_tls(pending);
        for conn in [&mut *s as &mut Connection, &mut *c] {
            for _ in 0..1 + rng.below(4) {
                let rec = random_record(&mut rng);
                let mut off = 0;
                while off < rec.len() {
                    let n = conn.feed_tls(&rec[off..]);
                    let r = conn.process_new_packets();
                    if let Err(e) = &r {
                        check_error(e, &format!("run {run}"));
                    }
                    if n == 0 || r.is_err() {
                        break;
                    }
                    off += n;
                }
                if conn.error().is_some() {
                    break;
                }
            }
            if let Some(e) = conn.error() {
                check_error(e, &format!("run {run}"));
            }
        }
    }
}

/// A plaintext record.
fn record(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 3, 3, (body.len() >> 8) as u8, body.len() as u8];
    r.extend_from_slice(body);
    r
}

fn feed_all(conn: &mut Connection, data: &[u8]) -> Result<(), Error> {
    let mut off = 0;
    while off < data.len() {
        let n = conn.feed_tls(&data[off..]);
        conn.process_new_packets()?;
        if n == 0 {
            return Err(Error::Internal("receive buffer stuck"));
        }
        off += n;
    }
    conn.process_new_packets()
}

#[test]
fn a_megabyte_of_handshake_junk_is_refused_early() {
    let fx = fixture();
    for declared in [0x00ff_ffffu32, 0x0000_ffff, 0x0001_0001] {
        let mut s = ServerConnection::new(fx.server.clone()).unwrap();
        let mut rng = Rng(declared as u64 | 1);
        let mut fed = 0usize;
        let mut first = true;
        let err = loop {
            assert!(fed < 1 << 20, "1 MB of junk taken without an error");
            let mut body = rng.bytes(16_384);
            if first {
                body[..4].copy_from_slice(&[
                    1,
                    (declared >> 16) as u8,
                    (declared >> 8) as u8,
                    declared as u8,
                ]);
                first = false;
            }
            fed += body.len();
            if let Err(e) = feed_all(&mut s, &record(22, &body)) {
                break e;
            }
        };
        check_error(&err, "junk");
        assert!(fed <= 96 * 1024, "error only after {fed} bytes");
    }
}

fn expect_unexpected(r: Result<(), Error>) {
    let e = r.expect_err("must be refused");
    assert_eq!(
        e.alert(),
        Some(AlertDescription::UNEXPECTED_MESSAGE),
        "{e:?}"
    );
}

#[test]
fn server_receiving_finished_first() {
    let fx = fixture();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    let mut fin = vec![20, 0, 0, 32];
    fin.extend([0u8; 32]);
    expect_unexpected(feed_all(&mut s, &record(22, &fin)));
}

#[test]
fn client_receiving_a_second_server_hello() {
    let fx = fixture();
    let mut c = ClientConnection::new(fx.client.clone(), "localhost").unwrap();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    feed_all(&mut s, c.pending_tls()).unwrap();
    let flight = s.pending_tls().to_vec();
    assert_eq!(flight[0], 22);
    let sh_len = 5 + u16::from_be_bytes([flight[3], flight[4]]) as usize;
    let sh = flight[..sh_len].to_vec();
    feed_all(&mut c, &sh).unwrap();
    expect_unexpected(feed_all(&mut c, &sh));
}

#[test]
fn application_data_before_the_handshake() {
    let fx = fixture();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    expect_unexpected(feed_all(&mut s, &record(23, b"GET / HTTP/1.0\r\n\r\n")));
    let mut c = ClientConnection::new(fx.client.clone(), "localhost").unwrap();
    expect_unexpected(feed_all(&mut c, &record(23, b"hello")));
}

#[test]
fn change_cipher_spec_with_value_two() {
    let fx = fixture();
    let c = ClientConnection::new(fx.client.clone(), "localhost").unwrap();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    feed_all(&mut s, c.pending_tls()).unwrap();
    // A proper compatibility CCS is dropped; one holding 2 is refused.
    feed_all(&mut s, &record(20, &[1])).unwrap();
    expect_unexpected(feed_all(&mut s, &record(20, &[2])));
}

#[test]
fn oversized_tls13_record_is_record_overflow() {
    let fx = fixture();
    let c = ClientConnection::new(fx.client.clone(), "localhost").unwrap();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    feed_all(&mut s, c.pending_tls()).unwrap();
    let body = vec![0x42u8; 16384 + 257];
    let e = feed_all(&mut s, &record(23, &body)).expect_err("must overflow");
    assert_eq!(e, Error::RecordOverflow);
    assert_eq!(e.alert(), Some(AlertDescription::RECORD_OVERFLOW));
    // The largest legal TLS 1.3 ciphertext is not an overflow (it fails authentication).
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    feed_all(&mut s, c.pending_tls()).unwrap();
    let e = feed_all(&mut s, &record(23, &body[..16384 + 256])).expect_err("bad mac");
    assert_eq!(e, Error::BadRecordMac);
}

#[test]
fn change_cipher_spec_inside_a_fragmented_handshake_message() {
    let fx = fixture();
    let c = ClientConnection::new(fx.client.clone(), "localhost").unwrap();
    let hello = c.pending_tls()[5..].to_vec();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    // The first half of the ClientHello, then a CCS before the rest.
    feed_all(&mut s, &record(22, &hello[..hello.len() / 2])).unwrap();
    expect_unexpected(feed_all(&mut s, &record(20, &[1])));
}

#[test]
fn an_alert_of_unknown_level_is_illegal() {
    let fx = fixture();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    let e = feed_all(&mut s, &record(21, &[3, 0])).expect_err("refused");
    assert_eq!(
        e.alert(),
        Some(AlertDescription::ILLEGAL_PARAMETER),
        "{e:?}"
    );
}

#[test]
fn records_after_close_notify_are_ignored() {
    let fx = fixture();
    let mut s = ServerConnection::new(fx.server.clone()).unwrap();
    let mut data = record(21, &[1, 0]);
    data.extend(record(23, b"junk that would otherwise be refused"));
    feed_all(&mut s, &data).unwrap();
    assert!(s.received_close_notify());
    let mut buf = [0u8; 16];
    assert_eq!(s.read_plaintext(&mut buf).unwrap(), 0);
}
