//! OpenSSL (system libssl through the `openssl` crate): the in-memory duplex, configs,
//! handshakes and checks for the lucid vs OpenSSL rows.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use openssl::pkey::{Id, PKey};
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslMethod, SslOptions, SslSessionCacheMode,
    SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509VerifyResult, X509};

use crate::setup::{Leaf, Pki};
use crate::Res;

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

pub(crate) struct OsslConfigs {
    pub(crate) client: SslContext,
    pub(crate) server: SslContext,
    pub(crate) version: SslVersion,
    /// IANA name, compared with lucid's.
    pub(crate) suite: &'static lucid::Suite,
    /// Whether an X25519 key exchange is expected (false: RSA key transport).
    pub(crate) x25519: bool,
}

/// `suite` must be the OpenSSL spelling of `lsuite` (checked after a handshake).
pub(crate) fn o_configs(
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

pub(crate) fn o_handshakes(cfg: &OsslConfigs, n: usize) -> Res<(Duration, Duration)> {
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
pub(crate) fn o_check(cfg: &OsslConfigs) -> Res<()> {
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
