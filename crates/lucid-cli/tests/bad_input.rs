//! End-to-end tests of how `lucid` reports bad input in one line: missing or malformed
//! files, unknown names, a port in use and an unreachable server.

mod common;

use std::path::Path;

use common::{assert_one_line_failure, free_port, lucid, p, pki_dir, temp_dir};

#[test]
fn serve_with_a_missing_cert_file_says_so_in_one_line() {
    let port = free_port();
    let out = lucid(
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--cert",
            "/nonexistent/cert.pem",
            "--key",
            "/nonexistent/key.pem",
        ],
        30,
    );
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("lucid: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("/nonexistent/cert.pem"),
        "{}",
        out.stderr
    );
}

#[test]
fn get_with_an_unknown_suite_says_so_in_one_line() {
    let out = lucid(
        &[
            "get",
            "--cipher-suites",
            "TLS_NOT_A_SUITE",
            "https://127.0.0.1:1/",
        ],
        30,
    );
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("TLS_NOT_A_SUITE"), "{}", out.stderr);
}

#[test]
fn get_with_an_unknown_group_says_so_in_one_line() {
    let out = lucid(&["get", "--groups", "x448", "https://127.0.0.1:1/"], 30);
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("x448"), "{}", out.stderr);
}

#[test]
fn ca_issue_without_a_ca_fails_and_writes_nothing() {
    let dir = temp_dir("noca");
    let out = lucid(&["ca", "issue", p(&dir), "localhost"], 30);
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serve_on_a_port_in_use_fails_cleanly() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let dir = temp_dir("inuse");
    assert_eq!(lucid(&["ca", "init", p(&dir)], 60).code, Some(0));
    assert_eq!(
        lucid(&["ca", "issue", p(&dir), "localhost"], 60).code,
        Some(0)
    );
    let out = lucid(
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--cert",
            p(&dir.join("localhost.pem")),
            "--key",
            p(&dir.join("localhost-key.pem")),
        ],
        30,
    );
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    drop(holder);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serve_with_malformed_cert_or_key_files_says_so_in_one_line() {
    let dir = pki_dir("badpem");
    let out = lucid(&["ca", "issue", p(&dir), "other.test"], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\nnor a key\n").unwrap();
    let bad_block = dir.join("bad-block.pem");
    std::fs::write(
        &bad_block,
        "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let bad_key = dir.join("bad-key.pem");
    std::fs::write(
        &bad_key,
        "-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let cert = dir.join("localhost.pem");
    let key = dir.join("localhost-key.pem");
    let other_key = dir.join("other.test-key.pem");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let serve = |cert: &Path, key: &Path| {
        lucid(
            &[
                "serve",
                "--listen",
                &listen,
                "--cert",
                p(cert),
                "--key",
                p(key),
            ],
            30,
        )
    };
    // Garbage text as the certificate: names the file.
    assert_one_line_failure(&serve(&garbage, &key), 2, "garbage.pem");
    assert_one_line_failure(&serve(&garbage, &key), 2, "no certificate found");
    // A PEM block that is not X.509.
    assert_one_line_failure(&serve(&bad_block, &key), 2, "bad-block.pem");
    // Garbage as the key, and a key block that is not a key.
    assert_one_line_failure(&serve(&cert, &garbage), 2, "no private key found");
    assert_one_line_failure(&serve(&cert, &bad_key), 2, "private key");
    // Cert A with key B.
    assert_one_line_failure(&serve(&cert, &other_key), 2, "does not match");
    // Nothing was left listening.
    assert!(std::net::TcpStream::connect(&listen).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn get_from_a_port_with_nothing_listening_says_connect() {
    let dir = pki_dir("refused");
    let port = free_port();
    let out = lucid(
        &[
            "get",
            &format!("https://127.0.0.1:{port}/"),
            "--cacert",
            p(&dir.join("ca.pem")),
        ],
        60,
    );
    assert_one_line_failure(&out, 1, "connect");
    assert!(out.stderr.contains(&port.to_string()), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let _ = std::fs::remove_dir_all(dir);
}
