//! lucid against the real `openssl` binary (OpenSSL 3.x) over 127.0.0.1, TLS 1.2: every
//! suite both ways, version mixing, fallback SCSV, refused renegotiation, mutual TLS, and
//! TLS 1.3 session tickets from s_server.

mod common;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::ossl::{self, ChildGuard, Pki};
use common::*;
use lucid::codec::AlertDescription;
use lucid::trace::Event;
use lucid::{
    suites, ClientAuth, ClientConfig, ClientConnection, Error, Negotiated, Observer, ServerConfig,
    ServerConnection, Side, Suite, Version,
};

/// (OpenSSL name, IANA name, certificate key type).
const SUITES: [(&str, &str, KeyType); 8] = [
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        KeyType::EcdsaP256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        KeyType::EcdsaP256,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        KeyType::EcdsaP256,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        KeyType::Rsa2048,
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        KeyType::Rsa2048,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        KeyType::Rsa2048,
    ),
    (
        "AES128-GCM-SHA256",
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        KeyType::Rsa2048,
    ),
    (
        "AES256-GCM-SHA384",
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
        KeyType::Rsa2048,
    ),
];

fn suite(iana: &str) -> &'static Suite {
    suites::suite_by_name(iana).unwrap_or_else(|| panic!("lucid has no {iana}"))
}

/// Every alert an endpoint saw or sent: (sender, fatal, description).
#[derive(Default)]
struct Alerts(Mutex<Vec<(Side, bool, AlertDescription)>>);

impl Observer for Alerts {
    fn on_event(&self, _side: Side, event: &Event<'_>) {
        if let Event::Alert {
            sender,
            fatal,
            description,
        } = event
        {
            self.0.lock().unwrap().push((*sender, *fatal, *description));
        }
    }
}

impl Alerts {
    fn all(&self) -> Vec<(Side, bool, AlertDescription)> {
        self.0.lock().unwrap().clone()
    }
}

fn s_server_tls12(pki: &Pki, key_type: KeyType, extra: &[&str]) -> (ChildGuard, u16) {
    let (cert, key) = pki.files(&["localhost"], key_type, false);
    let mut args = vec!["-cert", &cert, "-key", &key, "-keyform", "DER"];
    args.extend_from_slice(extra);
    ossl::s_server(&args)
}

/// A lucid client GET against `s_server -www`, keeping the connection for inspection.
fn get(cc: ClientConfig, port: u16) -> (Result<String, String>, ClientConnection) {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(ossl::TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(ossl::TIMEOUT)).unwrap();
    let conn = ClientConnection::new(cc.build().unwrap(), "localhost").unwrap();
    let mut tls = lucid::Stream::new(conn, tcp);
    let result = (|| {
        tls.write_all(b"GET / HTTP/1.0\r\n\r\n")
            .map_err(|e| format!("write: {e}"))?;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                // s_server may close without close_notify once the page is out.
                Err(_) if !out.is_empty() => break,
                Err(e) => return Err(format!("read: {e}")),
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    })();
    (result, tls.conn)
}

fn tls12_client(pki: &Pki, suite: &'static Suite) -> ClientConfig {
    let mut cc = client_config(&pki.ca);
    cc.versions = vec![Version::Tls12];
    cc.suites = vec![suite];
    cc
}

#[test]
fn lucid_client_each_tls12_suite_against_s_server() {
    let pki = Pki::new("ossl12-csuites");
    for (ossl_name, iana, key_type) in SUITES {
        let suite = suite(iana);
        let (_server, port) =
            s_server_tls12(&pki, key_type, &["-tls1_2", "-cipher", ossl_name, "-www"]);
        let (page, conn) = get(tls12_client(&pki, suite), port);
        let page = page.unwrap_or_else(|e| panic!("{ossl_name}: {e}"));
        assert!(page.contains("HTTP/1.0 200"), "{ossl_name}: {page:?}");
        assert!(
            page.contains(ossl_name),
            "{ossl_name}: the -www page names another cipher: {page}"
        );
        let n = conn.negotiated();
        assert_eq!(n.version, Some(Version::Tls12), "{ossl_name}");
        assert_eq!(n.suite.unwrap().id, suite.id, "{ossl_name}");
        assert!(n.extended_master_secret, "{ossl_name}: OpenSSL does EMS");
    }
}

/// What a one-connection lucid server thread saw.
struct Served {
    negotiated: Negotiated,
    received: Vec<u8>,
    error: Option<Error>,
    io_error: Option<String>,
}

/// Accepts one connection; echoes every chunk as `echo: <chunk>` until `lines` newlines
/// arrived (then close_notify), or the peer closes or fails.
fn lucid_server(sc: ServerConfig, lines: usize) -> (u16, std::thread::JoinHandle<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = sc.build().unwrap();
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let start = Instant::now();
        let tcp = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if start.elapsed() > ossl::TIMEOUT => panic!("no connection: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        tcp.set_nonblocking(false).unwrap();
        tcp.set_read_timeout(Some(ossl::TIMEOUT)).unwrap();
        tcp.set_write_timeout(Some(ossl::TIMEOUT)).unwrap();
        let conn = ServerConnection::new(config).unwrap();
        let mut tls = lucid::Stream::new(conn, tcp);
        let mut received = Vec::new();
        let mut buf = [0u8; 4096];
        let mut io_error = None;
        loop {
            if received.iter().filter(|b| **b == b'\n').count() >= lines {
                let _ = tls.close();
                break;
            }
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    received.extend_from_slice(&buf[..n]);
                    let mut reply = b"echo: ".to_vec();
                    reply.extend_from_slice(&buf[..n]);
                    if let Err(e) = tls.write_all(&reply) {
                        io_error = Some(format!("write: {e}"));
                        break;
                    }
                }
                Err(e) => {
                    io_error = Some(format!("read: {e}"));
                    break;
                }
            }
        }
        Served {
            negotiated: tls.conn.negotiated().clone(),
            received,
            error: tls.conn.error().cloned(),
            io_error,
        }
    });
    (port, handle)
}

fn s_client_args<'a>(pki: &'a Pki, connect: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "-connect",
        connect,
        "-servername",
        "localhost",
        "-CAfile",
        pki.ca_path(),
        "-verify_return_error",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn s_client_each_tls12_suite_against_lucid_server() {
    let pki = Pki::new("ossl12-ssuites");
    for (ossl_name, iana, key_type) in SUITES {
        let suite = suite(iana);
        let mut sc = server_config(&pki.ca, key_type);
        sc.versions = vec![Version::Tls12];
        // RSA key transport is off by default: name the suite explicitly.
        sc.suites = vec![suite];
        let (port, server) = lucid_server(sc, 1);
        let connect = format!("127.0.0.1:{port}");
        let out = ossl::s_client(
            &s_client_args(&pki, &connect, &["-tls1_2", "-cipher", ossl_name, "-quiet"]),
            b"hello from openssl\n",
        );
        let served = server.join().expect("server thread panicked");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            served.error, None,
            "{ossl_name}: {:?}; s_client: {stderr}",
            served.io_error
        );
        assert_eq!(served.received, b"hello from openssl\n", "{ossl_name}");
        assert!(
            out.status.success(),
            "{ossl_name}: s_client exited with {}: {stderr}",
            out.status
        );
        assert!(
            stdout.contains("echo: hello from openssl"),
            "{ossl_name}: s_client stdout {stdout:?} stderr {stderr}"
        );
        assert_eq!(served.negotiated.version, Some(Version::Tls12));
        assert_eq!(served.negotiated.suite.unwrap().id, suite.id, "{ossl_name}");
    }
}

#[test]
fn a_tls13_and_tls12_lucid_client_gets_tls12_from_a_tls12_s_server() {
    let pki = Pki::new("ossl12-cmixed");
    for key_type in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let (_server, port) = s_server_tls12(&pki, key_type, &["-tls1_2", "-www"]);
        let cc = client_config(&pki.ca);
        assert_eq!(cc.versions, [Version::Tls13, Version::Tls12]);
        let (page, conn) = get(cc, port);
        let page = page.unwrap_or_else(|e| panic!("{key_type:?}: {e}"));
        assert!(page.contains("HTTP/1.0 200"), "{page:?}");
        assert!(page.contains("TLSv1.2"), "{page}");
        let n = conn.negotiated();
        assert_eq!(n.version, Some(Version::Tls12), "{key_type:?}");
        assert_eq!(n.suite.unwrap().kx, Some(suites::KeyExchange12::Ecdhe));
        // A TLS 1.2-only server sets no downgrade sentinel.
        assert_ne!(&n.server_random[24..], b"DOWNGRD\x01");
    }
}

#[test]
fn a_tls12_s_client_gets_tls12_from_a_tls13_lucid_server_without_a_downgrade_complaint() {
    let pki = Pki::new("ossl12-smixed");
    let sc = server_config(&pki.ca, KeyType::EcdsaP256);
    assert_eq!(sc.versions, [Version::Tls13, Version::Tls12]);
    let (port, server) = lucid_server(sc, 1);
    let connect = format!("127.0.0.1:{port}");
    let out = ossl::s_client(
        &s_client_args(&pki, &connect, &["-tls1_2", "-quiet"]),
        b"mixed versions\n",
    );
    let served = server.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        served.error, None,
        "{:?}; s_client: {stderr}",
        served.io_error
    );
    assert!(out.status.success(), "s_client: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("echo: mixed versions"));
    let lower = stderr.to_lowercase();
    assert!(
        !lower.contains("downgrade") && !lower.contains("alert"),
        "s_client complained: {stderr}"
    );
    assert_eq!(served.negotiated.version, Some(Version::Tls12));
    // The lucid server did mark its random (RFC 8446 §4.1.3); a client that cannot do
    // TLS 1.3 must ignore it, and OpenSSL does.
    assert_eq!(&served.negotiated.server_random[24..], b"DOWNGRD\x01");
}

#[test]
fn fallback_scsv_from_s_client_is_refused_by_a_tls13_lucid_server() {
    let pki = Pki::new("ossl12-fallback");
    let alerts = Arc::new(Alerts::default());
    let mut sc = server_config(&pki.ca, KeyType::EcdsaP256);
    sc.versions = vec![Version::Tls13, Version::Tls12];
    sc.observer = Some(alerts.clone());
    let (port, server) = lucid_server(sc, 1);
    let connect = format!("127.0.0.1:{port}");
    let out = ossl::s_client(
        &s_client_args(&pki, &connect, &["-tls1_2", "-fallback_scsv", "-quiet"]),
        b"should not arrive\n",
    );
    let served = server.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        served.error,
        Some(Error::InappropriateFallback),
        "{:?}",
        served.io_error
    );
    assert!(served.received.is_empty());
    assert!(!out.status.success(), "s_client should fail: {stderr}");
    assert!(
        stderr.contains("inappropriate fallback"),
        "s_client should report the alert: {stderr}"
    );
    assert_eq!(
        alerts.all(),
        [(Side::Server, true, AlertDescription::INAPPROPRIATE_FALLBACK)]
    );

    // Control: a server whose best version is TLS 1.2 accepts the same fallback hello.
    let mut sc = server_config(&pki.ca, KeyType::EcdsaP256);
    sc.versions = vec![Version::Tls12];
    let (port, server) = lucid_server(sc, 1);
    let connect = format!("127.0.0.1:{port}");
    let out = ossl::s_client(
        &s_client_args(&pki, &connect, &["-tls1_2", "-fallback_scsv", "-quiet"]),
        b"fallback ok\n",
    );
    let served = server.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(served.error, None, "{:?}; {stderr}", served.io_error);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(served.received, b"fallback ok\n");
}

/// Reads from `tls` until `want` appears in what arrived, the connection ends or fails, or
/// `limit` passes. Returns the bytes and the error, if one ended it.
fn read_until<C, T>(
    tls: &mut lucid::Stream<C, T>,
    want: &[u8],
    limit: Duration,
) -> (Vec<u8>, Option<std::io::Error>)
where
    C: std::ops::DerefMut<Target = lucid::Connection>,
    T: Read + Write,
{
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        if !want.is_empty() && got.windows(want.len()).any(|w| w == want) {
            return (got, None);
        }
        match tls.read(&mut buf) {
            Ok(0) => return (got, None),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return (got, Some(e)),
        }
    }
    (got, None)
}

#[test]
fn a_lucid_client_refuses_renegotiation_asked_by_s_server() {
    let pki = Pki::new("ossl12-creneg");
    // No -www and no -quiet: s_server reads commands from stdin ("r" renegotiates).
    let (mut server, port) = s_server_tls12(&pki, KeyType::EcdsaP256, &["-tls1_2"]);
    let alerts = Arc::new(Alerts::default());
    let mut cc = tls12_client(&pki, suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
    cc.observer = Some(alerts.clone());
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(ossl::TIMEOUT)).unwrap();
    tcp.set_write_timeout(Some(ossl::TIMEOUT)).unwrap();
    let conn = ClientConnection::new(cc.build().unwrap(), "localhost").unwrap();
    let mut tls = lucid::Stream::new(conn, tcp);
    tls.handshake().unwrap();
    // From here reads poll, so a connection that stays open does not block the test.
    tls.sock
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    assert_eq!(tls.conn.negotiated().version, Some(Version::Tls12));
    tls.write_all(b"hello s_server\n").unwrap();

    let stdin = server.0.stdin.as_mut().unwrap();
    // Data before the renegotiation request shows the channel works.
    stdin.write_all(b"before\n").unwrap();
    stdin.flush().unwrap();
    let (got, err) = read_until(&mut tls, b"before\n", ossl::TIMEOUT);
    assert!(err.is_none(), "{err:?}");
    assert!(got.ends_with(b"before\n"), "{got:?}");

    stdin.write_all(b"r\n").unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stdin.write_all(b"after\n").unwrap();
    stdin.flush().unwrap();
    let (got, err) = read_until(&mut tls, b"after\n", ossl::TIMEOUT);
    let seen = alerts.all();
    assert!(
        seen.contains(&(Side::Client, false, AlertDescription::NO_RENEGOTIATION)),
        "the client did not answer HelloRequest with a no_renegotiation warning: {seen:?} \
         (read {got:?}, {err:?})"
    );
    assert!(
        !seen
            .iter()
            .any(|(s, fatal, _)| *s == Side::Client && *fatal),
        "the client sent a fatal alert: {seen:?}"
    );
    assert!(err.is_none(), "{err:?}");
    assert!(
        String::from_utf8_lossy(&got).contains("after"),
        "data queued by s_server next to the HelloRequest: {got:?}"
    );
    // Once s_server has surely read the warning: either both directions still work, or
    // s_server (OpenSSL 3 does) treats the refusal of a renegotiation it asked for as fatal
    // and ends with handshake_failure. Either way lucid itself sent no fatal alert.
    std::thread::sleep(Duration::from_millis(300));
    let _ = tls.write_all(b"still here\n");
    let stdin = server.0.stdin.as_mut().unwrap();
    let _ = stdin.write_all(b"more\n").and_then(|()| stdin.flush());
    let (more, err) = read_until(&mut tls, b"more\n", ossl::TIMEOUT);
    match tls.conn.error() {
        None => {
            assert!(err.is_none(), "{err:?}");
            assert!(more.ends_with(b"more\n"), "{more:?}");
        }
        Some(e) => assert_eq!(
            *e,
            Error::PeerAlert(AlertDescription::HANDSHAKE_FAILURE),
            "{seen:?}"
        ),
    }
    let seen = alerts.all();
    assert!(
        !seen
            .iter()
            .any(|(s, fatal, _)| *s == Side::Client && *fatal),
        "the client sent a fatal alert: {seen:?}"
    );
    eprintln!(
        "client-side renegotiation: alerts {seen:?}, error {:?}, read {:?}",
        tls.conn.error(),
        String::from_utf8_lossy(&got)
    );
}

/// `openssl s_client` driven line by line, its output collected by reader threads.
struct Interactive {
    child: ChildGuard,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Interactive {
    fn spawn(args: &[&str]) -> Interactive {
        let child = Command::new(ossl::bin())
            .arg("s_client")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_client");
        let mut child = ChildGuard(child);
        let collect = |mut r: Box<dyn Read + Send>| {
            let buf = Arc::new(Mutex::new(Vec::new()));
            let b = buf.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = r.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    b.lock().unwrap().extend_from_slice(&chunk[..n]);
                }
            });
            buf
        };
        let stdout = collect(Box::new(child.0.stdout.take().unwrap()));
        let stderr = collect(Box::new(child.0.stderr.take().unwrap()));
        Interactive {
            child,
            stdout,
            stderr,
        }
    }

    /// Writes to stdin; false when s_client has already exited (broken pipe).
    fn send(&mut self, line: &[u8]) -> bool {
        let stdin = self.child.0.stdin.as_mut().unwrap();
        stdin.write_all(line).and_then(|()| stdin.flush()).is_ok()
    }

    fn wait_stdout(&self, needle: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < ossl::TIMEOUT {
            if String::from_utf8_lossy(&self.stdout.lock().unwrap()).contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Closes stdin and waits (bounded) for the exit; kills it after the limit.
    fn finish(mut self) -> (Option<std::process::ExitStatus>, String, String) {
        drop(self.child.0.stdin.take());
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.0.try_wait().unwrap() {
                break Some(s);
            }
            if start.elapsed() > ossl::TIMEOUT {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(50));
        let out = String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned();
        let err = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
        (status, out, err)
    }
}

#[test]
fn a_lucid_server_refuses_renegotiation_asked_by_s_client() {
    let pki = Pki::new("ossl12-sreneg");
    let alerts = Arc::new(Alerts::default());
    let mut sc = server_config(&pki.ca, KeyType::EcdsaP256);
    sc.versions = vec![Version::Tls12];
    sc.observer = Some(alerts.clone());
    let (port, server) = lucid_server(sc, usize::MAX);
    let connect = format!("127.0.0.1:{port}");
    // No -quiet: s_client reads commands from stdin ("R" renegotiates).
    let mut client = Interactive::spawn(&s_client_args(&pki, &connect, &["-tls1_2"]));
    assert!(client.send(b"hello\n"));
    assert!(
        client.wait_stdout("echo: hello"),
        "no echo before renegotiation"
    );
    assert!(client.send(b"R\n"));
    // Give the renegotiation its round trip, then try data again.
    let start = Instant::now();
    while start.elapsed() < ossl::TIMEOUT
        && !alerts
            .all()
            .iter()
            .any(|a| a.2 == AlertDescription::NO_RENEGOTIATION)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let echoed_again = client.send(b"again\n") && client.wait_stdout("echo: again");
    let (status, stdout, stderr) = client.finish();
    let served = server.join().unwrap();
    let seen = alerts.all();
    eprintln!(
        "server-side renegotiation: alerts {seen:?}, error {:?}, s_client {status:?}, \
         echoed again: {echoed_again}",
        served.error
    );
    assert!(
        seen.contains(&(Side::Server, false, AlertDescription::NO_RENEGOTIATION)),
        "the server did not answer the renegotiating ClientHello with a no_renegotiation \
         warning: {seen:?}; s_client stderr: {stderr}"
    );
    assert!(
        !seen
            .iter()
            .any(|(s, fatal, _)| *s == Side::Server && *fatal),
        "the server sent a fatal alert: {seen:?}"
    );
    assert_eq!(served.negotiated.version, Some(Version::Tls12));
    match &served.error {
        // The connection went on after the refusal.
        None => assert!(echoed_again, "no echo after the refusal: {stdout}"),
        // OpenSSL 3 treats the refusal of a renegotiation it asked for as fatal: it reports
        // "no renegotiation" and sends handshake_failure.
        Some(e) => {
            assert_eq!(*e, Error::PeerAlert(AlertDescription::HANDSHAKE_FAILURE));
            assert!(
                stderr.contains("no renegotiation"),
                "s_client did not see the refusal: {stderr}"
            );
            assert!(status.is_some_and(|s| !s.success()), "{status:?}");
        }
    }
}

#[test]
fn a_lucid_client_keeps_tls13_session_tickets_from_s_server() {
    let pki = Pki::new("ossl12-tickets");
    let (_server, port) = s_server_tls12(&pki, KeyType::EcdsaP256, &["-tls1_3", "-www"]);
    let (page, mut conn) = get(client_config(&pki.ca), port);
    let page = page.unwrap();
    assert!(page.contains("HTTP/1.0 200"), "{page:?}");
    assert_eq!(conn.negotiated().version, Some(Version::Tls13));
    let tickets = conn.take_session_tickets();
    assert!(
        !tickets.is_empty(),
        "s_server sends session tickets by default"
    );
    for t in &tickets {
        assert!(t.lifetime > 0);
        assert!(!t.ticket.is_empty());
    }
    assert!(conn.take_session_tickets().is_empty(), "taken once");
}

#[test]
fn lucid_client_presents_a_certificate_to_s_server_in_tls12() {
    let pki = Pki::new("ossl12-cmtls");
    for key_type in ALL_KEY_TYPES {
        let (_server, port) = s_server_tls12(
            &pki,
            KeyType::EcdsaP256,
            &[
                "-tls1_2",
                "-Verify",
                "1",
                "-CAfile",
                pki.ca_path(),
                "-verify_return_error",
                "-www",
            ],
        );
        let mut cc = client_config(&pki.ca);
        cc.versions = vec![Version::Tls12];
        cc.client_cert = Some(Arc::new(pki.ca.certified_key(&["client"], key_type, true)));
        let (page, conn) = get(cc, port);
        let page = page.unwrap_or_else(|e| panic!("{key_type:?}: {e}"));
        assert!(page.contains("HTTP/1.0 200"), "{key_type:?}: {page:?}");
        assert!(page.contains("TLSv1.2"), "{page}");
        assert_eq!(conn.negotiated().version, Some(Version::Tls12));
    }

    // Without a certificate s_server refuses, and lucid says why.
    let (_server, port) = s_server_tls12(
        &pki,
        KeyType::EcdsaP256,
        &["-tls1_2", "-Verify", "1", "-CAfile", pki.ca_path(), "-www"],
    );
    let mut cc = client_config(&pki.ca);
    cc.versions = vec![Version::Tls12];
    let (page, conn) = get(cc, port);
    assert!(page.is_err(), "{page:?}");
    assert_eq!(conn.error(), Some(&Error::ServerRequiresCertificate));
}

#[test]
fn s_client_presents_a_certificate_to_a_lucid_server_in_tls12() {
    let pki = Pki::new("ossl12-smtls");
    for key_type in ALL_KEY_TYPES {
        let mut sc = server_config(&pki.ca, KeyType::EcdsaP256);
        sc.versions = vec![Version::Tls12];
        sc.client_auth = ClientAuth::Required(pki.ca.roots());
        let (port, server) = lucid_server(sc, 1);
        let connect = format!("127.0.0.1:{port}");
        let (cert, key) = pki.files(&["client"], key_type, true);
        let out = ossl::s_client(
            &s_client_args(
                &pki,
                &connect,
                &[
                    "-tls1_2", "-cert", &cert, "-key", &key, "-keyform", "DER", "-quiet",
                ],
            ),
            b"mutual\n",
        );
        let served = server.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            served.error, None,
            "{key_type:?}: {:?}; s_client: {stderr}",
            served.io_error
        );
        assert!(out.status.success(), "{key_type:?}: {stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("echo: mutual"));
        assert_eq!(served.negotiated.version, Some(Version::Tls12));
        assert!(
            served.negotiated.peer_identity.is_some(),
            "{key_type:?}: the client certificate was not verified"
        );
    }

    // Without a certificate the lucid server refuses.
    let mut sc = server_config(&pki.ca, KeyType::EcdsaP256);
    sc.versions = vec![Version::Tls12];
    sc.client_auth = ClientAuth::Required(pki.ca.roots());
    let (port, server) = lucid_server(sc, 1);
    let connect = format!("127.0.0.1:{port}");
    let out = ossl::s_client(
        &s_client_args(&pki, &connect, &["-tls1_2", "-quiet"]),
        b"no cert\n",
    );
    let served = server.join().unwrap();
    assert_eq!(
        served.error,
        Some(Error::CertificateRequired(Version::Tls12))
    );
    assert!(!out.status.success());
}
