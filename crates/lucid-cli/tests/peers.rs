//! `lucid` against other TLS implementations: curl and `openssl s_client` against
//! `lucid serve`, and `lucid get` against `openssl s_server`. Everything runs on 127.0.0.1,
//! every child is bounded in time and killed at the end. A missing tool fails the test,
//! naming the Debian package that provides it.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, p, Killer, Out, LUCID};

/// Runs `cmd`, writing `input` to its stdin (then closing it), killing it after `secs`.
fn run(mut cmd: Command, input: Option<&[u8]>, secs: u64) -> Out {
    let what = format!("{cmd:?}");
    let child = cmd
        .env_remove("SSLKEYLOGFILE")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
    let mut child = Killer(child);
    if let Some(input) = input {
        let mut stdin = child.0.stdin.take().unwrap();
        let _ = stdin.write_all(input);
        // Dropping stdin closes it: s_client with -ign_eof keeps waiting for the server.
    }
    let mut stdout = child.0.stdout.take().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let deadline = Instant::now() + Duration::from_secs(secs);
    let code = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status.code();
        }
        if Instant::now() > deadline {
            drop(child);
            panic!(
                "{what} did not finish within {secs} s; stdout so far: {}",
                out_t.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Out {
        code,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

fn lucid(args: &[&str], secs: u64) -> Out {
    let mut cmd = Command::new(LUCID);
    cmd.args(args);
    run(cmd, None, secs)
}

/// Fails, naming the Debian package, when `tool` is not installed.
fn require(tool: &str, package: &str) {
    match Command::new(tool)
        .arg(if tool == "openssl" {
            "version"
        } else {
            "--version"
        })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "'{tool}' is not installed: these tests need it (Debian/Ubuntu: apt-get install {package})"
        ),
        Err(e) => panic!("cannot run '{tool}' (Debian package {package}): {e}"),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lucid-peers-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CA and a localhost / 127.0.0.1 certificate made by `lucid ca`.
fn pki_dir(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    let out = lucid(&["ca", "init", p(&dir)], 60);
    assert_eq!(out.code, Some(0), "ca init: {}", out.stderr);
    let out = lucid(&["ca", "issue", p(&dir), "localhost", "127.0.0.1"], 60);
    assert_eq!(out.code, Some(0), "ca issue: {}", out.stderr);
    dir
}

/// Waits until 127.0.0.1:port accepts, or the child exits, or 30 s pass.
fn wait_for_port(child: &mut Killer, port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        assert!(Instant::now() < deadline, "{what} did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `lucid serve` with the localhost certificate from `dir`.
fn start_lucid_serve(dir: &Path) -> (Killer, u16) {
    let port = free_port();
    let child = Command::new(LUCID)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--cert", p(&dir.join("localhost.pem"))])
        .args(["--key", p(&dir.join("localhost-key.pem"))])
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn lucid serve");
    let mut server = Killer(child);
    wait_for_port(&mut server, port, "lucid serve");
    (server, port)
}

fn curl(dir: &Path, port: u16, extra: &[&str]) -> Out {
    let mut cmd = Command::new("curl");
    cmd.args(["--silent", "--show-error", "--max-time", "30"])
        .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
        .args(["--cacert", p(&dir.join("ca.pem"))])
        .args(extra)
        .args(["-w", "\nhttp_version=%{http_version}\n"])
        .arg(format!("https://localhost:{port}/"));
    run(cmd, None, 60)
}

// --- curl -> lucid serve ------------------------------------------------------------------

#[test]
fn curl_fetches_the_page_from_lucid_serve_over_http1_h2_and_tls12() {
    require("curl", "curl");
    let dir = pki_dir("curl");
    let (server, port) = start_lucid_serve(&dir);

    let out = curl(&dir, port, &["--http1.1"]);
    assert_eq!(out.code, Some(0), "curl --http1.1: {}", out.stderr);
    assert!(out.stdout.contains("Hello from lucid!"), "{}", out.stdout);
    assert!(
        out.stdout.contains("version:         TLS 1.3"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("ALPN:            http/1.1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("server name:     localhost"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.ends_with("http_version=1.1\n"), "{}", out.stdout);

    let out = curl(&dir, port, &["--http2"]);
    assert_eq!(out.code, Some(0), "curl --http2: {}", out.stderr);
    assert!(out.stdout.contains("Hello from lucid!"), "{}", out.stdout);
    assert!(out.stdout.contains("ALPN:            h2"), "{}", out.stdout);
    assert!(out.stdout.ends_with("http_version=2\n"), "{}", out.stdout);

    let out = curl(&dir, port, &["--tlsv1.2", "--tls-max", "1.2"]);
    assert_eq!(out.code, Some(0), "curl --tls-max 1.2: {}", out.stderr);
    assert!(out.stdout.contains("Hello from lucid!"), "{}", out.stdout);
    assert!(
        out.stdout.contains("version:         TLS 1.2"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("cipher suite:    TLS_ECDHE_ECDSA_WITH_"),
        "{}",
        out.stdout
    );

    // Without the CA, curl refuses the certificate (exit 60: peer certificate not verified).
    let mut cmd = Command::new("curl");
    cmd.args(["--silent", "--max-time", "30", "--cacert", "/dev/null"])
        .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
        .arg(format!("https://localhost:{port}/"));
    let out = run(cmd, None, 60);
    assert_ne!(out.code, Some(0), "{}", out.stdout);
    assert!(!out.stdout.contains("Hello from lucid!"));
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

// --- openssl s_client -> lucid serve --------------------------------------------------------

#[test]
fn openssl_s_client_verifies_lucid_serve_and_gets_the_page() {
    require("openssl", "openssl");
    let dir = pki_dir("s_client");
    let (server, port) = start_lucid_serve(&dir);
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    for extra in [&[][..], &["-tls1_2"][..]] {
        let mut cmd = Command::new("openssl");
        cmd.arg("s_client")
            .args(["-connect", &format!("127.0.0.1:{port}")])
            .args(["-servername", "localhost"])
            .args(["-CAfile", p(&dir.join("ca.pem"))])
            .args(["-verify_return_error", "-ign_eof"])
            .args(extra);
        let out = run(cmd, Some(request), 60);
        assert_eq!(
            out.code,
            Some(0),
            "{extra:?}: {}\n{}",
            out.stdout,
            out.stderr
        );
        assert!(
            out.stdout.contains("Verify return code: 0 (ok)"),
            "{extra:?}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("HTTP/1.1 200 OK"),
            "{extra:?}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("Hello from lucid!"),
            "{extra:?}: {}",
            out.stdout
        );
        let want = if extra.is_empty() {
            "TLS 1.3"
        } else {
            "TLS 1.2"
        };
        assert!(
            out.stdout.contains(&format!("version:         {want}")),
            "{extra:?}: {}",
            out.stdout
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

// --- lucid get -> openssl s_server ----------------------------------------------------------

#[test]
fn lucid_get_fetches_from_openssl_s_server_over_tls13_and_tls12() {
    require("openssl", "openssl");
    let dir = pki_dir("s_server");
    // OpenSSL 3 reads the PKCS#8 keys `lucid ca` writes as they are: no conversion needed.
    let port = free_port();
    let child = Command::new("openssl")
        .arg("s_server")
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .args(["-cert", p(&dir.join("localhost.pem"))])
        .args(["-key", p(&dir.join("localhost-key.pem"))])
        .arg("-www")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn openssl s_server");
    let mut server = Killer(child);
    wait_for_port(&mut server, port, "openssl s_server");
    let url = format!("https://localhost:{port}/");
    let ca = dir.join("ca.pem");
    for (extra, protocol) in [(&[][..], "TLSv1.3"), (&["--max-tls", "1.2"][..], "TLSv1.2")] {
        let mut args = vec!["get", "--cacert", p(&ca), "--timeout", "30"];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = lucid(&args, 60);
        assert_eq!(out.code, Some(0), "{extra:?}: stderr: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{extra:?}: {}", out.stderr);
        // The -www page echoes the s_server command line and describes the session.
        assert!(out.stdout.contains("s_server"), "{extra:?}: {}", out.stdout);
        assert!(
            out.stdout.contains(&format!("Protocol  : {protocol}")),
            "{extra:?}: {}",
            out.stdout
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
