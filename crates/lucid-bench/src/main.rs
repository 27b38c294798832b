//! lucid vs rustls 0.23 (aws-lc-rs provider, so both sides use the same crypto), in one
//! process, in memory, with rounds interleaved (lucid, rustls, lucid, ...) and one counting
//! global allocator for both.
//!
//! Every row is `case  lucid  rustls  lucid/rustls`. For rates (handshakes/s, MB/s) the
//! ratio is lucid/rustls of rates, so > 1 means lucid is faster; for memory it is
//! lucid/rustls of bytes, so < 1 means lucid holds less. The ratio is the median of the
//! per-round ratios; the two value columns are the medians of the per-round values.
//!
//! rustls has no RSA key transport, so the TLS 1.2 RSA key-transport rows
//! (`handshake-tls12-rsa-kx-*`) compare lucid with OpenSSL (the system libssl through the
//! `openssl` crate), driven over an in-memory duplex in the same process; so does the
//! cross-check row `handshake-tls13-ecdsa-pair-vs-openssl`. Those rows follow their own
//! `case  lucid  openssl  lucid/openssl` header, and the ratio is lucid/OpenSSL of rates.
//!
//! `--quick` runs a few tiny rounds (for the smoke test); the default run takes well
//! under two minutes on a release build.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::error::Error as StdError;
use std::io::{self, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openssl::pkey::{Id, PKey};
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslSessionCacheMode,
    SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509VerifyResult, X509};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    SignatureAlgorithm,
};
use rustls::crypto::aws_lc_rs as provider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};

// ---------------------------------------------------------------------------------------
// The counting allocator: bytes currently allocated (by Rust code, through this allocator).

struct Counting;

static CURRENT: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            CURRENT.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            CURRENT.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            CURRENT.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocated() -> isize {
    CURRENT.load(Ordering::Relaxed)
}

type Res<T> = Result<T, Box<dyn StdError>>;

// ---------------------------------------------------------------------------------------
// PKI: one CA (ECDSA P-256) issuing an ECDSA P-256 and an RSA-2048 leaf for "localhost".

struct Leaf {
    cert_pem: String,
    key_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

struct Pki {
    ca_der: CertificateDer<'static>,
    ecdsa: Leaf,
    rsa: Leaf,
}

fn ca_params() -> Res<CertificateParams> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name
        .push(DnType::CommonName, "lucid-bench CA");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    Ok(p)
}

fn make_pki() -> Res<Pki> {
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let ca_cert = ca_params()?.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params()?, ca_key);
    let leaf = |alg: &'static SignatureAlgorithm| -> Res<Leaf> {
        let key = KeyPair::generate_for(alg)?;
        let mut p = CertificateParams::new(vec!["localhost".to_string()])?;
        p.distinguished_name.push(DnType::CommonName, "localhost");
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = p.signed_by(&key, &issuer)?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        })
    };
    Ok(Pki {
        ca_der: ca_cert.der().clone(),
        ecdsa: leaf(&rcgen::PKCS_ECDSA_P256_SHA256)?,
        rsa: leaf(&rcgen::PKCS_RSA_SHA256)?,
    })
}

// ---------------------------------------------------------------------------------------
// Configs. Both sides: exactly one suite, X25519 only, one protocol version, full
// handshakes only (lucid has no resumption; rustls has tickets and session caches off, as
// lucid's server sends no tickets).

#[derive(Clone, Copy)]
enum Proto {
    Tls13(&'static lucid::Suite, rustls::SupportedCipherSuite),
    Tls12(&'static lucid::Suite, rustls::SupportedCipherSuite),
}

struct LucidConfigs {
    client: Arc<lucid::ClientConfig>,
    server: Arc<lucid::ServerConfig>,
}

struct Configs {
    proto: Proto,
    lucid: LucidConfigs,
    rustls_client: Arc<rustls::ClientConfig>,
    rustls_server: Arc<rustls::ServerConfig>,
}

fn lucid_configs(
    pki: &Pki,
    leaf: &Leaf,
    lsuite: &'static lucid::Suite,
    lver: lucid::Version,
) -> Res<LucidConfigs> {
    let mut roots = lucid::RootStore::empty();
    roots.add_der(&pki.ca_der)?;
    let mut lc = lucid::ClientConfig::new(roots);
    lc.suites = vec![lsuite];
    lc.groups = vec![lucid::Group::X25519];
    lc.versions = vec![lver];
    let ck = lucid::CertifiedKey::from_pem(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes())?;
    let mut ls = lucid::ServerConfig::new(ck);
    ls.suites = vec![lsuite];
    ls.groups = vec![lucid::Group::X25519];
    ls.versions = vec![lver];
    Ok(LucidConfigs {
        client: lc.build()?,
        server: ls.build()?,
    })
}

fn configs(pki: &Pki, leaf: &Leaf, proto: Proto) -> Res<Configs> {
    let (lsuite, rsuite, lver, rver) = match proto {
        Proto::Tls13(l, r) => (l, r, lucid::Version::Tls13, &rustls::version::TLS13),
        Proto::Tls12(l, r) => (l, r, lucid::Version::Tls12, &rustls::version::TLS12),
    };
    let lucid = lucid_configs(pki, leaf, lsuite, lver)?;

    let prov = Arc::new(rustls::crypto::CryptoProvider {
        cipher_suites: vec![rsuite],
        kx_groups: vec![provider::kx_group::X25519],
        ..provider::default_provider()
    });
    let mut rroots = rustls::RootCertStore::empty();
    rroots.add(pki.ca_der.clone())?;
    let mut rc = rustls::ClientConfig::builder_with_provider(prov.clone())
        .with_protocol_versions(&[rver])?
        .with_root_certificates(rroots)
        .with_no_client_auth();
    rc.resumption = rustls::client::Resumption::disabled();
    let mut rs = rustls::ServerConfig::builder_with_provider(prov)
        .with_protocol_versions(&[rver])?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone())),
        )?;
    rs.send_tls13_tickets = 0;
    rs.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});

    Ok(Configs {
        proto,
        lucid,
        rustls_client: Arc::new(rc),
        rustls_server: Arc::new(rs),
    })
}

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
struct Scratch {
    wire: Vec<u8>,
    pt: Vec<u8>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            wire: Vec::with_capacity(1 << 16),
            pt: vec![0u8; 1 << 16],
        }
    }
}

// ---------------------------------------------------------------------------------------
// Handshakes. Returns the established pair and the time spent in server calls.

fn l_handshake(
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

fn r_handshake(
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
fn l_handshakes(cfg: &LucidConfigs, sc: &mut Scratch, n: usize) -> Res<(Duration, Duration)> {
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

fn r_handshakes(cfg: &Configs, sc: &mut Scratch, n: usize) -> Res<(Duration, Duration)> {
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
fn check(cfg: &Configs, sc: &mut Scratch) -> Res<()> {
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
fn l_check(
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
// OpenSSL (system libssl through the `openssl` crate), the peer for the rows rustls cannot
// do (RSA key transport) and a cross-check. Same PKI, exactly one version, suite and group,
// full handshakes only: no tickets (TLS 1.2 option, TLS 1.3 count 0), session caches off,
// the client verifying the chain against the same CA and the host name like lucid does,
// extended master secret at its default (on); `o_check` verifies all of it.

/// One direction of the in-memory duplex.
type Queue = Rc<RefCell<VecDeque<u8>>>;

/// One side of the in-memory duplex: reads what the peer wrote, `WouldBlock` when there is
/// nothing (so OpenSSL returns WANT_READ instead of blocking).
struct Endpoint {
    rx: Queue,
    tx: Queue,
}

impl Read for Endpoint {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut q = self.rx.borrow_mut();
        if q.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        q.read(buf)
    }
}

impl Write for Endpoint {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx.borrow_mut().extend(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A connected pair of endpoints (client, server) over two shared byte queues.
fn duplex() -> (Endpoint, Endpoint) {
    let a: Queue = Rc::new(RefCell::new(VecDeque::with_capacity(1 << 13)));
    let b: Queue = Rc::new(RefCell::new(VecDeque::with_capacity(1 << 13)));
    (
        Endpoint {
            rx: a.clone(),
            tx: b.clone(),
        },
        Endpoint { rx: b, tx: a },
    )
}

struct OsslConfigs {
    client: SslContext,
    server: SslContext,
    version: SslVersion,
    /// IANA name, compared with lucid's.
    suite: &'static lucid::Suite,
    /// Whether an X25519 key exchange is expected (false: RSA key transport).
    x25519: bool,
}

/// `suite` must be the OpenSSL spelling of `lsuite` (checked after a handshake).
fn o_configs(
    leaf: &Leaf,
    pki: &Pki,
    lsuite: &'static lucid::Suite,
    suite: &str,
) -> Res<OsslConfigs> {
    let tls13 = matches!(lsuite.version, lucid::Version::Tls13);
    let version = if tls13 {
        SslVersion::TLS1_3
    } else {
        SslVersion::TLS1_2
    };
    let common = |b: &mut SslContextBuilder| -> Res<()> {
        b.set_min_proto_version(Some(version))?;
        b.set_max_proto_version(Some(version))?;
        if tls13 {
            b.set_ciphersuites(suite)?;
        } else {
            b.set_cipher_list(suite)?;
        }
        b.set_groups_list("X25519")?;
        b.set_options(SslOptions::NO_TICKET);
        b.set_session_cache_mode(SslSessionCacheMode::OFF);
        Ok(())
    };

    let mut c = SslContextBuilder::new(SslMethod::tls_client())?;
    common(&mut c)?;
    let mut store = X509StoreBuilder::new()?;
    store.add_cert(X509::from_der(&pki.ca_der)?)?;
    c.set_cert_store(store.build());
    c.set_verify(SslVerifyMode::PEER);

    let mut s = SslContextBuilder::new(SslMethod::tls_server())?;
    common(&mut s)?;
    s.set_num_tickets(0)?;
    let cert = X509::from_pem(leaf.cert_pem.as_bytes())?;
    let key = PKey::private_key_from_pem(leaf.key_pem.as_bytes())?;
    s.set_certificate(&cert)?;
    s.set_private_key(&key)?;
    s.check_private_key()?;
    s.set_verify(SslVerifyMode::NONE);

    Ok(OsslConfigs {
        client: c.build(),
        server: s.build(),
        version,
        suite: lsuite,
        x25519: tls13,
    })
}

type OStream = SslStream<Endpoint>;

/// Whether a handshake step finished (`Ok(true)`) or waits for the peer (`Ok(false)`).
fn o_step(r: Result<(), openssl::ssl::Error>, side: &str) -> Res<bool> {
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.code() == ErrorCode::WANT_READ => Ok(false),
        Err(e) => Err(format!("OpenSSL {side} handshake: {e}").into()),
    }
}

/// Client and server handshakes over a fresh duplex, stepped alternately without blocking.
/// Returns the established pair and the time spent in server calls (creating the server
/// `Ssl`/stream and its `accept` calls), as for lucid and rustls.
fn o_handshake(cfg: &OsslConfigs) -> Res<(OStream, OStream, Duration)> {
    let (ce, se) = duplex();
    let t = Instant::now();
    let mut s = SslStream::new(Ssl::new(&cfg.server)?, se)?;
    let mut server = t.elapsed();
    let mut ssl = Ssl::new(&cfg.client)?;
    ssl.set_hostname("localhost")?; // SNI, as lucid's client sends it
    ssl.param_mut().set_host("localhost")?; // host-name check, as lucid's client does
    let mut c = SslStream::new(ssl, ce)?;
    let (mut c_done, mut s_done) = (false, false);
    for _ in 0..100 {
        if !c_done {
            c_done = o_step(c.connect(), "client")?;
        }
        if !s_done {
            let t = Instant::now();
            let r = s.accept();
            server += t.elapsed();
            s_done = o_step(r, "server")?;
        }
        if c_done && s_done {
            return Ok((c, s, server));
        }
    }
    Err("OpenSSL handshake did not finish".into())
}

fn o_handshakes(cfg: &OsslConfigs, n: usize) -> Res<(Duration, Duration)> {
    let start = Instant::now();
    let mut server = Duration::ZERO;
    for _ in 0..n {
        let (c, s, st) = o_handshake(cfg)?;
        let t = Instant::now();
        drop(s);
        server += st + t.elapsed();
        drop(c);
    }
    Ok((start.elapsed(), server))
}

/// One OpenSSL handshake, checking version, suite, group, extended master secret, that the
/// client verified the chain, that no ticket was sent and that no bytes were left over.
fn o_check(cfg: &OsslConfigs) -> Res<()> {
    let (c, s, _) = o_handshake(cfg)?;
    for (side, st) in [("client", &c), ("server", &s)] {
        let ssl = st.ssl();
        let suite = ssl.current_cipher().and_then(|c| c.standard_name());
        if ssl.version2() != Some(cfg.version)
            || suite != Some(cfg.suite.name())
            // The extended master secret is a TLS 1.2 mechanism (TLS 1.3 always binds it).
            || (cfg.version == SslVersion::TLS1_2 && ssl.extms_support() != Some(true))
            || ssl.session_reused()
        {
            return Err(format!(
                "OpenSSL {side} negotiated {} {suite:?} ems={:?}, not {:?} {} (EMS in TLS 1.2)",
                ssl.version_str(),
                ssl.extms_support(),
                cfg.version,
                cfg.suite.name()
            )
            .into());
        }
    }
    let kx = c.ssl().peer_tmp_key().ok().map(|k| k.id());
    if kx != cfg.x25519.then_some(Id::X25519) {
        return Err(format!(
            "OpenSSL key exchange {kx:?}, expected x25519={}",
            cfg.x25519
        )
        .into());
    }
    if c.ssl().verify_result() != X509VerifyResult::OK || c.ssl().peer_certificate().is_none() {
        return Err("OpenSSL client did not verify the server chain".into());
    }
    let (ce, se) = (c.get_ref(), s.get_ref());
    if !ce.rx.borrow().is_empty() || !se.rx.borrow().is_empty() {
        return Err("OpenSSL handshake left unread bytes (a ticket?)".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bulk data, client -> server, 16 KiB writes (one full record each).

const CHUNK: usize = 16384;

/// Time to write `records` chunks and take the TLS bytes (discarded).
fn l_send(
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

fn r_send(
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
fn l_receive(
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

fn r_receive(
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

// ---------------------------------------------------------------------------------------
// Results.

#[derive(Clone, Copy)]
enum Unit {
    HandshakesPerSec,
    MegabytesPerSec,
    Bytes,
}

impl Unit {
    fn fmt(self, v: f64) -> String {
        match self {
            Unit::HandshakesPerSec => format!("{v:.1} hs/s"),
            Unit::MegabytesPerSec => format!("{v:.1} MB/s"),
            Unit::Bytes => format!("{v:.0} B"),
        }
    }
}

/// Per-round values of one case (rates or bytes).
struct Samples {
    lucid: Vec<f64>,
    /// rustls, or OpenSSL in the OpenSSL rows.
    other: Vec<f64>,
}

impl Samples {
    fn new() -> Self {
        Samples {
            lucid: Vec::new(),
            other: Vec::new(),
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn print_row(case: &str, unit: Unit, s: &Samples) {
    let ratios: Vec<f64> = s.lucid.iter().zip(&s.other).map(|(l, r)| l / r).collect();
    println!(
        "{case:<38} {:>14} {:>14} {:>8.3}",
        unit.fmt(median(&s.lucid)),
        unit.fmt(median(&s.other)),
        median(&ratios)
    );
}

fn print_na(case: &str, unit: Unit, rustls: Option<f64>, why: &str) {
    let r = rustls.map_or("n/a".to_string(), |v| unit.fmt(v));
    println!(
        "{case:<38} {:>14} {r:>14} {:>8}   # lucid: {why}",
        "n/a", "n/a"
    );
}

fn rate(count: usize, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64().max(1e-12)
}

fn mb_rate(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64().max(1e-12)
}

struct Plan {
    rounds: usize,
    handshakes: usize,
    records: usize,
    memory_rounds: usize,
}

// ---------------------------------------------------------------------------------------
// Cases.

/// One handshake case measured once per round; yields the `-pair` and `-server` rows from
/// the same handshakes.
fn handshake_case(name: &str, cfg: &Configs, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    // Warm-up (also checks both sides work and negotiate the same thing).
    check(cfg, sc)?;
    l_handshakes(&cfg.lucid, sc, 1)?;
    r_handshakes(cfg, sc, 1)?;
    let mut pair = Samples::new();
    let mut server = Samples::new();
    for _ in 0..plan.rounds {
        let (lp, ls) = l_handshakes(&cfg.lucid, sc, plan.handshakes)?;
        let (rp, rs) = r_handshakes(cfg, sc, plan.handshakes)?;
        pair.lucid.push(rate(plan.handshakes, lp));
        pair.other.push(rate(plan.handshakes, rp));
        server.lucid.push(rate(plan.handshakes, ls));
        server.other.push(rate(plan.handshakes, rs));
    }
    print_row(&format!("{name}-pair"), Unit::HandshakesPerSec, &pair);
    print_row(&format!("{name}-server"), Unit::HandshakesPerSec, &server);
    Ok(())
}

/// TLS 1.2: only the pair row. If lucid's TLS 1.2 engine fails (error or panic), prints
/// n/a for lucid and still measures rustls.
fn tls12_case(name: &str, cfg: Res<Configs>, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => {
            print_na(name, Unit::HandshakesPerSec, None, &format!("config: {e}"));
            return Ok(());
        }
    };
    let probe = catch_unwind(AssertUnwindSafe(|| {
        check(&cfg, sc).map_err(|e| e.to_string())
    }));
    let lucid_err = match probe {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some("panicked".to_string()),
    };
    r_handshakes(&cfg, sc, 1)?;
    if let Some(why) = lucid_err {
        let mut r = Vec::new();
        for _ in 0..plan.rounds {
            let (rp, _) = r_handshakes(&cfg, sc, plan.handshakes)?;
            r.push(rate(plan.handshakes, rp));
        }
        print_na(name, Unit::HandshakesPerSec, Some(median(&r)), &why);
        return Ok(());
    }
    let mut pair = Samples::new();
    for _ in 0..plan.rounds {
        let l = catch_unwind(AssertUnwindSafe(|| {
            l_handshakes(&cfg.lucid, sc, plan.handshakes).map_err(|e| e.to_string())
        }));
        let (lp, _) = match l {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                print_na(name, Unit::HandshakesPerSec, None, &e);
                return Ok(());
            }
            Err(_) => {
                print_na(name, Unit::HandshakesPerSec, None, "panicked");
                return Ok(());
            }
        };
        let (rp, _) = r_handshakes(&cfg, sc, plan.handshakes)?;
        pair.lucid.push(rate(plan.handshakes, lp));
        pair.other.push(rate(plan.handshakes, rp));
    }
    print_row(name, Unit::HandshakesPerSec, &pair);
    Ok(())
}

/// lucid vs OpenSSL handshakes: the `pair` row and, if `server` names one, the server-call
/// row from the same handshakes. As for TLS 1.2 against rustls, a lucid failure (error or
/// panic) prints n/a for lucid and still measures OpenSSL.
fn openssl_case(
    pair: &str,
    server: Option<&str>,
    lucid: Res<LucidConfigs>,
    group: Option<lucid::Group>,
    ossl: &OsslConfigs,
    plan: &Plan,
    sc: &mut Scratch,
) -> Res<()> {
    let unit = Unit::HandshakesPerSec;
    o_check(ossl)?;
    o_handshakes(ossl, 1)?;
    let rows: Vec<&str> = std::iter::once(pair).chain(server).collect();
    // n/a rows for lucid, with OpenSSL's medians when it was measured.
    let na = |why: &str, o: Option<(&Samples, &Samples)>| {
        print_na(pair, unit, o.map(|(p, _)| median(&p.other)), why);
        if let Some(name) = server {
            print_na(name, unit, o.map(|(_, s)| median(&s.other)), why);
        }
    };
    let cfg = match lucid {
        Ok(c) => c,
        Err(e) => {
            na(&format!("config: {e}"), None);
            return Ok(());
        }
    };
    let lsuite = ossl.suite;
    let probe = catch_unwind(AssertUnwindSafe(|| {
        l_check(&cfg, sc, lsuite.version, lsuite, group)?;
        l_handshakes(&cfg, sc, 1).map(|_| ())
    }));
    let lucid_err = match probe {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("panicked".to_string()),
    };
    let mut p = Samples::new();
    let mut s = Samples::new();
    for _ in 0..plan.rounds {
        if lucid_err.is_none() {
            let l = catch_unwind(AssertUnwindSafe(|| {
                l_handshakes(&cfg, sc, plan.handshakes).map_err(|e| e.to_string())
            }));
            let (lp, ls) = match l {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => {
                    na(&e, None);
                    return Ok(());
                }
                Err(_) => {
                    na("panicked", None);
                    return Ok(());
                }
            };
            p.lucid.push(rate(plan.handshakes, lp));
            s.lucid.push(rate(plan.handshakes, ls));
        }
        let (op, os) = o_handshakes(ossl, plan.handshakes)?;
        p.other.push(rate(plan.handshakes, op));
        s.other.push(rate(plan.handshakes, os));
    }
    if let Some(why) = lucid_err {
        na(&why, Some((&p, &s)));
        return Ok(());
    }
    for (name, samples) in rows.iter().zip([&p, &s]) {
        print_row(name, unit, samples);
    }
    Ok(())
}

fn bulk_case(name: &str, cfg: &Configs, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    let chunk = vec![0x5au8; CHUNK];
    let bytes = plan.records * CHUNK;
    check(cfg, sc)?;
    let (mut lc, mut ls, _) = l_handshake(&cfg.lucid, sc)?;
    let (mut rc, mut rs, _) = r_handshake(cfg, sc)?;
    let mut wire = Vec::with_capacity(plan.records * (CHUNK + 64));

    // Separate connection pairs are not needed: send discards its bytes, so it runs on the
    // second pair, and receive keeps the first pair's sequence numbers in step.
    let (mut lc2, _ls2, _) = l_handshake(&cfg.lucid, sc)?;
    let (mut rc2, _rs2, _) = r_handshake(cfg, sc)?;

    // Warm-up.
    l_send(&mut lc2, sc, &chunk, 4)?;
    r_send(&mut rc2, sc, &chunk, 4)?;
    l_receive(&mut lc, &mut ls, sc, &chunk, 4, &mut wire)?;
    r_receive(&mut rc, &mut rs, sc, &chunk, 4, &mut wire)?;

    let mut send = Samples::new();
    let mut recv = Samples::new();
    for _ in 0..plan.rounds {
        let l = l_send(&mut lc2, sc, &chunk, plan.records)?;
        let r = r_send(&mut rc2, sc, &chunk, plan.records)?;
        send.lucid.push(mb_rate(bytes, l));
        send.other.push(mb_rate(bytes, r));
    }
    for _ in 0..plan.rounds {
        let l = l_receive(&mut lc, &mut ls, sc, &chunk, plan.records, &mut wire)?;
        let r = r_receive(&mut rc, &mut rs, sc, &chunk, plan.records, &mut wire)?;
        recv.lucid.push(mb_rate(bytes, l));
        recv.other.push(mb_rate(bytes, r));
    }
    print_row(&format!("{name}-send"), Unit::MegabytesPerSec, &send);
    print_row(&format!("{name}-receive"), Unit::MegabytesPerSec, &recv);
    Ok(())
}

/// Heap bytes held by an established pair: counter after establishing minus counter before
/// creating the connections. Neither side is asked to shrink anything: lucid releases its
/// handshake buffers by itself when the handshake ends.
fn memory_case(cfg: &Configs, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    let mut s = Samples::new();
    for _ in 0..plan.memory_rounds {
        let before = allocated();
        let (c, sv, _) = l_handshake(&cfg.lucid, sc)?;
        let l = allocated() - before;
        drop((c, sv));

        let before = allocated();
        let (c, sv, _) = r_handshake(cfg, sc)?;
        let r = allocated() - before;
        drop((c, sv));

        s.lucid.push(l as f64);
        s.other.push(r as f64);
    }
    print_row("memory-idle-pair", Unit::Bytes, &s);
    Ok(())
}

fn main() -> Res<()> {
    let quick = std::env::args().skip(1).any(|a| a == "--quick");
    let plan = if quick {
        Plan {
            rounds: 3,
            handshakes: 2,
            records: 8,
            memory_rounds: 3,
        }
    } else {
        Plan {
            rounds: 10,
            handshakes: 30,
            records: 512,
            memory_rounds: 10,
        }
    };

    let pki = make_pki()?;
    let mut sc = Scratch::new();
    // `--profile-lucid N`: only lucid TLS 1.3 ECDSA handshakes, for perf/callgrind.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile-lucid") {
        let n = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(2000);
        let aes = Proto::Tls13(
            &lucid::suites::TLS_AES_128_GCM_SHA256,
            provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
        );
        let cfg = configs(&pki, &pki.ecdsa, aes)?;
        let (pair, server) = l_handshakes(&cfg.lucid, &mut sc, n)?;
        println!(
            "lucid: {n} handshakes, {:.1} us per pair, {:.1} us in the server",
            pair.as_secs_f64() * 1e6 / n as f64,
            server.as_secs_f64() * 1e6 / n as f64
        );
        return Ok(());
    }
    let aes13 = Proto::Tls13(
        &lucid::suites::TLS_AES_128_GCM_SHA256,
        provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
    );
    let chacha13 = Proto::Tls13(
        &lucid::suites::TLS_CHACHA20_POLY1305_SHA256,
        provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
    );
    let ecdsa13 = configs(&pki, &pki.ecdsa, aes13)?;
    let rsa13 = configs(&pki, &pki.rsa, aes13)?;
    let chacha_cfg = configs(&pki, &pki.ecdsa, chacha13)?;

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "# lucid-bench{}: lucid vs rustls 0.23 (aws-lc-rs provider), in memory, one process",
        if quick { " --quick" } else { "" },
    );
    println!(
        "# N = {} rounds per case, interleaved lucid, rustls, lucid, ...; {} handshakes or {} x {} B records per side per round",
        plan.rounds, plan.handshakes, plan.records, CHUNK
    );
    println!(
        "# machine: {cores} cores{}; all figures are medians over rounds (ratio = median of per-round ratios)",
        if cfg!(debug_assertions) { ", DEBUG build" } else { "" }
    );
    println!("# ratio: rates lucid/rustls (>1 = lucid faster); memory bytes lucid/rustls (<1 = lucid smaller)");
    println!("# handshakes: full, X25519, TLS_AES_128_GCM_SHA256; -pair and -server rows come from the same handshakes");
    println!("# MB = 10^6 bytes; memory counts Rust-heap bytes only (aws-lc's own C allocations are not seen)");
    println!(
        "# rows handshake-tls12-rsa-kx-* and *-vs-openssl compare with {} (system libssl), not rustls: they follow their own `lucid openssl` header",
        openssl::version::version()
    );
    println!("# OpenSSL rows: TLS 1.2 TLS_RSA_WITH_AES_128_GCM_SHA256 (RSA-2048, no group), TLS 1.3 ECDSA P-256 TLS_AES_128_GCM_SHA256 X25519; no tickets, session caches off, client verifies chain (same CA) and host name, EMS on; in-memory duplex; OpenSSL's C allocations not counted");
    println!(
        "{:<38} {:>14} {:>14} {:>8}",
        "case", "lucid", "rustls", "lucid/rustls"
    );

    handshake_case("handshake-tls13-ecdsa", &ecdsa13, &plan, &mut sc)?;
    handshake_case("handshake-tls13-rsa", &rsa13, &plan, &mut sc)?;
    bulk_case("bulk-aes128gcm", &ecdsa13, &plan, &mut sc)?;
    bulk_case("bulk-chacha20", &chacha_cfg, &plan, &mut sc)?;
    memory_case(&ecdsa13, &plan, &mut sc)?;

    let tls12_ecdsa = configs(
        &pki,
        &pki.ecdsa,
        Proto::Tls12(
            &lucid::suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
    );
    tls12_case(
        "handshake-tls12-ecdhe-ecdsa-pair",
        tls12_ecdsa,
        &plan,
        &mut sc,
    )?;
    let tls12_rsa = configs(
        &pki,
        &pki.rsa,
        Proto::Tls12(
            &lucid::suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
    );
    tls12_case("handshake-tls12-ecdhe-rsa-pair", tls12_rsa, &plan, &mut sc)?;

    // lucid vs OpenSSL.
    println!(
        "{:<38} {:>14} {:>14} {:>8}",
        "case", "lucid", "openssl", "lucid/openssl"
    );
    let rsa_kx = &lucid::suites::TLS_RSA_WITH_AES_128_GCM_SHA256;
    openssl_case(
        "handshake-tls12-rsa-kx-pair",
        Some("handshake-tls12-rsa-kx-server"),
        lucid_configs(&pki, &pki.rsa, rsa_kx, lucid::Version::Tls12),
        None,
        &o_configs(&pki.rsa, &pki, rsa_kx, "AES128-GCM-SHA256")?,
        &plan,
        &mut sc,
    )?;
    let aes13 = &lucid::suites::TLS_AES_128_GCM_SHA256;
    openssl_case(
        "handshake-tls13-ecdsa-pair-vs-openssl",
        None,
        Ok(LucidConfigs {
            client: ecdsa13.lucid.client.clone(),
            server: ecdsa13.lucid.server.clone(),
        }),
        Some(lucid::Group::X25519),
        &o_configs(&pki.ecdsa, &pki, aes13, "TLS_AES_128_GCM_SHA256")?,
        &plan,
        &mut sc,
    )?;
    Ok(())
}
