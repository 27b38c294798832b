//! Driving lucid and rustls in memory: moving bytes, handshakes, negotiation checks and
//! bulk send/receive.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;

use crate::setup::{Configs, LucidConfigs, Proto};
use crate::Res;

// ---------------------------------------------------------------------------------------
// Moving bytes. Both libraries go through the same intermediate Vec: the sender's bytes
// are taken into it, the receiver is fed from it.

fn l_take(conn: &mut lucid::Connection, out: &mut Vec<u8>) {
    let pending = conn.pending_tls();
    let n = pending.len();
    out.extend_from_slice(pending);
    conn.consume_tls(n);
}

/// Feeds all of `data`, processing as it goes; plaintext is read into `pt` (its byte count
/// returned).
fn l_give(conn: &mut lucid::Connection, data: &[u8], pt: &mut [u8]) -> Res<usize> {
    let mut pos = 0;
    let mut got = 0;
    while pos < data.len() {
        let n = conn.feed_tls(&data[pos..]);
        pos += n;
        conn.process_new_packets()?;
        let mut read = 0;
        loop {
            match conn.read_plaintext(pt) {
                Ok(0) => break,
                Ok(k) => read += k,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
        got += read;
        if n == 0 && read == 0 {
            return Err("lucid took no bytes and produced no plaintext".into());
        }
    }
    Ok(got)
}

fn r_take(conn: &mut rustls::Connection, out: &mut Vec<u8>) -> Res<()> {
    while conn.wants_write() {
        conn.write_tls(out)?;
    }
    Ok(())
}

fn r_give(conn: &mut rustls::Connection, data: &[u8], pt: &mut [u8]) -> Res<usize> {
    let mut rd = data;
    let mut got = 0;
    while !rd.is_empty() {
        conn.read_tls(&mut rd)?;
        conn.process_new_packets()?;
        loop {
            match conn.reader().read(pt) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(got)
}

/// Scratch buffers, allocated once, outside any measurement.
pub(crate) struct Scratch {
    pub(crate) wire: Vec<u8>,
    pub(crate) pt: Vec<u8>,
}

impl Scratch {
    pub(crate) fn new() -> Self {
        Scratch {
            wire: Vec::with_capacity(1 << 16),
            pt: vec![0u8; 1 << 16],
        }
    }
}

// ---------------------------------------------------------------------------------------
// Handshakes. Returns the established pair and the time spent in server calls.

pub(crate) fn l_handshake(
    cfg: &LucidConfigs,
    sc: &mut Scratch,
) -> Res<(lucid::ClientConnection, lucid::ServerConnection, Duration)> {
    let t = Instant::now();
    let mut s = lucid::ServerConnection::new(cfg.server.clone())?;
    let mut server = t.elapsed();
    let mut c = lucid::ClientConnection::new(cfg.client.clone(), "localhost")?;
    for _ in 0..100 {
        sc.wire.clear();
        l_take(&mut c, &mut sc.wire);
        let c_sent = !sc.wire.is_empty();
        if c_sent {
            let t = Instant::now();
            l_give(&mut s, &sc.wire, &mut sc.pt)?;
            server += t.elapsed();
        }
        sc.wire.clear();
        let t = Instant::now();
        l_take(&mut s, &mut sc.wire);
        server += t.elapsed();
        let s_sent = !sc.wire.is_empty();
        if s_sent {
            l_give(&mut c, &sc.wire, &mut sc.pt)?;
        }
        if !c_sent && !s_sent {
            if c.is_handshaking() || s.is_handshaking() {
                return Err("lucid handshake stalled".into());
            }
            return Ok((c, s, server));
        }
    }
    Err("lucid handshake did not finish".into())
}

pub(crate) fn r_handshake(
    cfg: &Configs,
    sc: &mut Scratch,
) -> Res<(rustls::Connection, rustls::Connection, Duration)> {
    let t = Instant::now();
    let mut s: rustls::Connection =
        rustls::ServerConnection::new(cfg.rustls_server.clone())?.into();
    let mut server = t.elapsed();
    let mut c: rustls::Connection = rustls::ClientConnection::new(
        cfg.rustls_client.clone(),
        ServerName::try_from("localhost")?,
    )?
    .into();
    for _ in 0..100 {
        sc.wire.clear();
        r_take(&mut c, &mut sc.wire)?;
        let c_sent = !sc.wire.is_empty();
        if c_sent {
            let t = Instant::now();
            r_give(&mut s, &sc.wire, &mut sc.pt)?;
            server += t.elapsed();
        }
        sc.wire.clear();
        let t = Instant::now();
        r_take(&mut s, &mut sc.wire)?;
        server += t.elapsed();
        let s_sent = !sc.wire.is_empty();
        if s_sent {
            r_give(&mut c, &sc.wire, &mut sc.pt)?;
        }
        if !c_sent && !s_sent {
            if c.is_handshaking() || s.is_handshaking() {
                return Err("rustls handshake stalled".into());
            }
            return Ok((c, s, server));
        }
    }
    Err("rustls handshake did not finish".into())
}

/// `n` full handshakes; returns (whole-pair time, server-call time). Dropping the server
/// connection counts as a server call; both drops count for the pair.
pub(crate) fn l_handshakes(
    cfg: &LucidConfigs,
    sc: &mut Scratch,
    n: usize,
) -> Res<(Duration, Duration)> {
    let start = Instant::now();
    let mut server = Duration::ZERO;
    for _ in 0..n {
        let (c, s, st) = l_handshake(cfg, sc)?;
        let t = Instant::now();
        drop(s);
        server += st + t.elapsed();
        drop(c);
    }
    Ok((start.elapsed(), server))
}

pub(crate) fn r_handshakes(cfg: &Configs, sc: &mut Scratch, n: usize) -> Res<(Duration, Duration)> {
    let start = Instant::now();
    let mut server = Duration::ZERO;
    for _ in 0..n {
        let (c, s, st) = r_handshake(cfg, sc)?;
        let t = Instant::now();
        drop(s);
        server += st + t.elapsed();
        drop(c);
    }
    Ok((start.elapsed(), server))
}

/// One handshake on each side, checking both negotiated exactly the intended version,
/// suite and group (so the comparison is like for like).
pub(crate) fn check(cfg: &Configs, sc: &mut Scratch) -> Res<()> {
    let (lsuite, rsuite, lver, rver) = match cfg.proto {
        Proto::Tls13(l, r) => (
            l,
            r,
            lucid::Version::Tls13,
            rustls::ProtocolVersion::TLSv1_3,
        ),
        Proto::Tls12(l, r) => (
            l,
            r,
            lucid::Version::Tls12,
            rustls::ProtocolVersion::TLSv1_2,
        ),
    };
    l_check(&cfg.lucid, sc, lver, lsuite, Some(lucid::Group::X25519))?;
    let (c, s, _) = r_handshake(cfg, sc)?;
    for n in [&c, &s] {
        let ok = n.protocol_version() == Some(rver)
            && n.negotiated_cipher_suite() == Some(rsuite)
            && n.negotiated_key_exchange_group().map(|g| g.name())
                == Some(rustls::NamedGroup::X25519);
        if !ok {
            return Err(format!(
                "rustls negotiated {:?} {:?}, not {rver:?} {:?} X25519",
                n.protocol_version(),
                n.negotiated_cipher_suite(),
                rsuite
            )
            .into());
        }
    }
    Ok(())
}

/// One lucid handshake, checking both sides negotiated exactly `lver`, `lsuite` and
/// `group` (None: RSA key transport), and, for TLS 1.2, the extended master secret.
pub(crate) fn l_check(
    cfg: &LucidConfigs,
    sc: &mut Scratch,
    lver: lucid::Version,
    lsuite: &'static lucid::Suite,
    group: Option<lucid::Group>,
) -> Res<()> {
    let (c, s, _) = l_handshake(cfg, sc)?;
    for n in [c.negotiated(), s.negotiated()] {
        if n.version != Some(lver)
            || n.suite.map(|s| s.id) != Some(lsuite.id)
            || n.group != group
            || (lver == lucid::Version::Tls12 && !n.extended_master_secret)
        {
            return Err(format!(
                "lucid negotiated {:?} {:?} {:?} ems={}, not {lver:?} {} {group:?}",
                n.version,
                n.suite.map(|s| s.name()),
                n.group,
                n.extended_master_secret,
                lsuite.name()
            )
            .into());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bulk data, client -> server, 16 KiB writes (one full record each).

pub(crate) const CHUNK: usize = 16384;

/// Time to write `records` chunks and take the TLS bytes (discarded).
pub(crate) fn l_send(
    c: &mut lucid::Connection,
    sc: &mut Scratch,
    chunk: &[u8],
    records: usize,
) -> Res<Duration> {
    let t = Instant::now();
    for _ in 0..records {
        c.write_plaintext(chunk)?;
        l_take(c, &mut sc.wire);
        sc.wire.clear();
    }
    Ok(t.elapsed())
}

pub(crate) fn r_send(
    c: &mut rustls::Connection,
    sc: &mut Scratch,
    chunk: &[u8],
    records: usize,
) -> Res<Duration> {
    let t = Instant::now();
    for _ in 0..records {
        c.writer().write_all(chunk)?;
        r_take(c, &mut sc.wire)?;
        sc.wire.clear();
    }
    Ok(t.elapsed())
}

/// Produces `records` records (untimed), then times feeding, processing and reading them.
pub(crate) fn l_receive(
    c: &mut lucid::Connection,
    s: &mut lucid::Connection,
    sc: &mut Scratch,
    chunk: &[u8],
    records: usize,
    wire: &mut Vec<u8>,
) -> Res<Duration> {
    wire.clear();
    for _ in 0..records {
        c.write_plaintext(chunk)?;
        l_take(c, wire);
    }
    let t = Instant::now();
    let got = l_give(s, wire, &mut sc.pt)?;
    let d = t.elapsed();
    if got != records * chunk.len() {
        return Err(format!("lucid received {got} bytes of {}", records * chunk.len()).into());
    }
    Ok(d)
}

pub(crate) fn r_receive(
    c: &mut rustls::Connection,
    s: &mut rustls::Connection,
    sc: &mut Scratch,
    chunk: &[u8],
    records: usize,
    wire: &mut Vec<u8>,
) -> Res<Duration> {
    wire.clear();
    for _ in 0..records {
        c.writer().write_all(chunk)?;
        r_take(c, wire)?;
    }
    let t = Instant::now();
    let got = r_give(s, wire, &mut sc.pt)?;
    let d = t.elapsed();
    if got != records * chunk.len() {
        return Err(format!("rustls received {got} bytes of {}", records * chunk.len()).into());
    }
    Ok(d)
}
