//! End-to-end tests of `lucid ca`, `lucid serve` and `lucid get` together: fetching pages,
//! mTLS, every handshake kind over serve/get, exit code 22 and SIGTERM. Everything runs on
//! 127.0.0.1, every child is bounded in time and killed at the end.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    free_port, lucid, p, parse_json, pki_dir, serve_localhost, start_serve, temp_dir, Killer, LUCID,
};

// --- ca + serve + get -------------------------------------------------------------------

#[test]
fn ca_serve_and_get_fetch_the_page() {
    let dir = temp_dir("pki");
    let out = lucid(&["ca", "init", p(&dir)], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let out = lucid(&["ca", "issue", p(&dir), "localhost", "127.0.0.1"], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let out = lucid(&["ca", "issue", p(&dir), "alice", "--client"], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    for f in [
        "ca.pem",
        "ca-key.pem",
        "localhost.pem",
        "localhost-key.pem",
        "alice.pem",
        "alice-key.pem",
    ] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    // Issuing again refuses to overwrite.
    let out = lucid(&["ca", "issue", p(&dir), "localhost"], 60);
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let server = Command::new(LUCID)
        .args(["serve", "--listen", &listen])
        .args([
            "--cert",
            p(&dir.join("localhost.pem")),
            "--key",
            p(&dir.join("localhost-key.pem")),
        ])
        .args(["--client-ca", p(&dir.join("ca.pem"))])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let _server = Killer(server);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("https://localhost:{port}/");
    let ca = dir.join("ca.pem");

    let out = lucid(&["get", "--cacert", p(&ca), &url], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(out.stdout.contains("Hello from lucid!"), "{}", out.stdout);
    assert!(out.stdout.contains("ALPN:            h2"), "{}", out.stdout);

    let out = lucid(
        &[
            "get",
            "--cacert",
            p(&ca),
            "--http1.1",
            "--max-tls",
            "1.2",
            "--cert",
            p(&dir.join("alice.pem")),
            "--key",
            p(&dir.join("alice-key.pem")),
            &url,
        ],
        60,
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(out.stdout.contains("TLS 1.2"), "{}", out.stdout);
    assert!(out.stdout.contains("http/1.1"), "{}", out.stdout);
    assert!(
        out.stdout.contains("client identity: alice"),
        "{}",
        out.stdout
    );

    // --explain narrates the client's view; --trace-json works for get too.
    let trace = dir.join("get.jsonl");
    let out = lucid(
        &[
            "get",
            "--cacert",
            p(&ca),
            "--explain",
            "--trace-json",
            p(&trace),
            &url,
        ],
        60,
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(out.stdout.contains("ServerHello"));
    let first = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(
        parse_json(first.lines().next().unwrap()).str("event"),
        Some("client_hello")
    );

    // Without the CA the certificate is refused with one line saying why.
    let out = lucid(&["get", "--cacert", p(&dir.join("alice.pem")), &url], 60);
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("lucid: tls handshake: "),
        "{}",
        out.stderr
    );

    // A name the certificate does not hold: the error names the valid ones.
    let rule = format!("wrong.example:{port}:127.0.0.1:{port}");
    let out = lucid(
        &[
            "get",
            "--cacert",
            p(&ca),
            "--connect-to",
            &rule,
            &format!("https://wrong.example:{port}/"),
        ],
        60,
    );
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("localhost"), "{}", out.stderr);
    drop(_server);

    // A server that requires a client certificate: a client without one is told so, over
    // TLS 1.3 (refused after the client's Finished) as over TLS 1.2, on h2 and HTTP/1.1.
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let server = Command::new(LUCID)
        .args(["serve", "--listen", &listen])
        .args([
            "--cert",
            p(&dir.join("localhost.pem")),
            "--key",
            p(&dir.join("localhost-key.pem")),
        ])
        .args([
            "--client-ca",
            p(&dir.join("ca.pem")),
            "--require-client-cert",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let _server = Killer(server);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("https://localhost:{port}/");
    for extra in [&[][..], &["--http1.1"][..], &["--max-tls", "1.2"][..]] {
        let mut args = vec!["get", "--cacert", p(&ca)];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = lucid(&args, 60);
        assert_eq!(out.code, Some(1), "{extra:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("the server requires a client certificate and none was configured"),
            "{extra:?}: {}",
            out.stderr
        );
    }
    let out = lucid(
        &[
            "get",
            "--cacert",
            p(&ca),
            "--cert",
            p(&dir.join("alice.pem")),
            "--key",
            p(&dir.join("alice-key.pem")),
            &url,
        ],
        60,
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(
        out.stdout.contains("client identity: alice"),
        "{}",
        out.stdout
    );
    drop(_server);
    let _ = std::fs::remove_dir_all(dir);
}

// --- serve <-> get for every handshake kind ------------------------------------------------

#[test]
fn serve_and_get_agree_on_tls13_tls12_ecdhe_and_tls12_rsa() {
    let dir = pki_dir("flows");
    let ca = dir.join("ca.pem");

    // TLS 1.3 and TLS 1.2 ECDHE against the default server.
    let (server, port) = serve_localhost(&dir, &[]);
    let url = format!("https://localhost:{port}/");
    let out = lucid(&["get", "--cacert", p(&ca), &url], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(
        out.stdout.contains("version:         TLS 1.3"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("cipher suite:    TLS_AES_"),
        "{}",
        out.stdout
    );

    let out = lucid(&["get", "--cacert", p(&ca), "--max-tls", "1.2", &url], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
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
    drop(server);

    // TLS 1.2 RSA key transport: an RSA certificate and the RSA suite on both ends.
    let out = lucid(
        &[
            "ca",
            "issue",
            p(&dir),
            "rsa.test",
            "localhost",
            "--key-type",
            "rsa2048",
        ],
        120,
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    const RSA: &str = "TLS_RSA_WITH_AES_128_GCM_SHA256";
    let (server, port) = start_serve(&[
        "--cert",
        p(&dir.join("rsa.test.pem")),
        "--key",
        p(&dir.join("rsa.test-key.pem")),
        "--cipher-suites",
        RSA,
        "--max-tls",
        "1.2",
    ]);
    let url = format!("https://localhost:{port}/");
    let out = lucid(
        &[
            "get",
            "--cacert",
            p(&ca),
            "--cipher-suites",
            RSA,
            "--max-tls",
            "1.2",
            &url,
        ],
        60,
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(
        out.stdout.contains("version:         TLS 1.2"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("cipher suite:    {RSA}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("group:           none (RSA key transport)"),
        "{}",
        out.stdout
    );
    // A client that only offers TLS 1.3 cannot talk to this server.
    let out = lucid(&["get", "--cacert", p(&ca), "--min-tls", "1.3", &url], 60);
    assert_eq!(out.code, Some(1), "stdout: {}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn get_of_a_missing_file_exits_22_and_prints_the_body() {
    let dir = pki_dir("missing");
    let www = dir.join("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("hello.txt"), "hello from a file\n").unwrap();
    let (server, port) = serve_localhost(&dir, &["--dir", p(&www)]);
    let ca = dir.join("ca.pem");
    let base = format!("https://localhost:{port}");
    for extra in [&[][..], &["--http1.1"][..]] {
        let mut args = vec!["get", "--cacert", p(&ca)];
        args.extend_from_slice(extra);
        let url = format!("{base}/hello.txt");
        args.push(&url);
        let out = lucid(&args, 60);
        assert_eq!(out.code, Some(0), "{extra:?}: {}", out.stderr);
        assert_eq!(out.stdout, "hello from a file\n");

        let mut args = vec!["get", "--cacert", p(&ca)];
        args.extend_from_slice(extra);
        let url = format!("{base}/no-such-file.txt");
        args.push(&url);
        let out = lucid(&args, 60);
        assert_eq!(out.code, Some(22), "{extra:?}: stderr: {}", out.stderr);
        assert_eq!(out.stdout, "not found\n", "{extra:?}");
        // Path escapes are refused the same way.
        let mut args = vec!["get", "--cacert", p(&ca)];
        args.extend_from_slice(extra);
        let url = format!("{base}/%2e%2e/ca-key.pem");
        args.push(&url);
        let out = lucid(&args, 60);
        assert_eq!(out.code, Some(22), "{extra:?}: stderr: {}", out.stderr);
        assert!(!out.stdout.contains("PRIVATE KEY"), "{}", out.stdout);
    }
    let out = lucid(
        &["get", "--cacert", p(&ca), "-I", &format!("{base}/nope")],
        60,
    );
    assert_eq!(out.code, Some(22), "stderr: {}", out.stderr);
    assert!(out.stdout.contains("404"), "{}", out.stdout);
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

// --- signals --------------------------------------------------------------------------------

#[test]
fn serve_exits_cleanly_on_sigterm() {
    let dir = pki_dir("sigterm");
    let (mut server, port) = serve_localhost(&dir, &[]);
    // One request first, so the server is not only started but has served.
    let out = lucid(
        &[
            "get",
            "--cacert",
            p(&dir.join("ca.pem")),
            &format!("https://localhost:{port}/"),
        ],
        60,
    );
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let pid = server.0.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = server.0.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "lucid serve still running 15 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status}"
    );
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serve_exits_cleanly_on_sigterm_right_after_the_port_opens() {
    let dir = pki_dir("sigterm-early");
    let (mut server, _port) = serve_localhost(&dir, &[]);
    let pid = server.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = server.0.try_wait().expect("wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "still running 15 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status}");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

// --- redirects ----------------------------------------------------------------------------

/// A tiny HTTPS server on the lucid library that answers `/old` with a redirect to `/new`
/// and `/new` with a page, for up to `connections` connections.
fn redirecting_server(
    dir: &std::path::Path,
    connections: usize,
) -> (u16, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let ck = lucid::CertifiedKey::from_pem_files(
        dir.join("localhost.pem"),
        dir.join("localhost-key.pem"),
    )
    .unwrap();
    let mut config = lucid::ServerConfig::new(ck);
    config.alpn = vec![b"http/1.1".to_vec()];
    let config = config.build().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        for _ in 0..connections {
            let Ok((tcp, _)) = listener.accept() else {
                return;
            };
            tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let conn = lucid::ServerConnection::new(config.clone()).unwrap();
            let mut tls = lucid::Stream::new(conn, tcp);
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&request);
            let reply = if text.starts_with("GET /old ") {
                "HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            } else {
                "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\narrived\n"
                    .to_string()
            };
            let _ = tls.write_all(reply.as_bytes());
            let _ = tls.close();
        }
    });
    (port, handle)
}

#[test]
fn get_follows_redirects_only_with_dash_l() {
    let dir = pki_dir("redirect");
    let (port, server) = redirecting_server(&dir, 3);
    let url = format!("https://localhost:{port}/old");
    let ca = dir.join("ca.pem");

    // Without -L the redirect itself is the answer: status 301, empty body, exit 0.
    let out = lucid(&["get", "--http1.1", "--cacert", p(&ca), &url], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert!(!out.stdout.contains("arrived"), "{}", out.stdout);

    // With -L the client follows Location to /new (a second connection).
    let out = lucid(&["get", "-L", "--http1.1", "--cacert", p(&ca), &url], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    assert_eq!(out.stdout, "arrived\n");
    server.join().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
