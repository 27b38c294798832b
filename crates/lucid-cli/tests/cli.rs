//! End-to-end tests of the `lucid` binary. Everything runs on 127.0.0.1, every child is
//! bounded in time and killed at the end.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const LUCID: &str = env!("CARGO_BIN_EXE_lucid");

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs lucid with `args`, killing it after `secs` seconds.
fn lucid(args: &[&str], secs: u64) -> Out {
    let mut child = Command::new(LUCID)
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lucid");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(secs);
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("lucid {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Out {
        code,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

/// Kills the child when dropped.
struct Killer(Child);

impl Drop for Killer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lucid-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

// --- a tiny JSON checker (the CLI writes JSON by hand; this makes sure it parses) ------

#[derive(Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Json::Str(s)) => Some(s),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at {}", c as char, self.i))
        }
    }
    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Obj(m));
                }
                loop {
                    self.ws();
                    let Json::Str(k) = self.value()? else {
                        return Err("object key is not a string".into());
                    };
                    self.eat(b':')?;
                    let v = self.value()?;
                    m.push((k, v));
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Obj(m));
                        }
                        _ => return Err(format!("bad object at {}", self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Arr(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Arr(a));
                        }
                        _ => return Err(format!("bad array at {}", self.i)),
                    }
                }
            }
            Some(b'"') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.s.get(self.i) {
                        None => return Err("unterminated string".into()),
                        Some(b'"') => {
                            self.i += 1;
                            return String::from_utf8(out)
                                .map(Json::Str)
                                .map_err(|e| e.to_string());
                        }
                        Some(b'\\') => {
                            let c = *self.s.get(self.i + 1).ok_or("bad escape")?;
                            self.i += 2;
                            match c {
                                b'"' | b'\\' | b'/' => out.push(c),
                                b'n' => out.push(b'\n'),
                                b'r' => out.push(b'\r'),
                                b't' => out.push(b'\t'),
                                b'b' | b'f' => {}
                                b'u' => {
                                    let hex = std::str::from_utf8(&self.s[self.i..self.i + 4])
                                        .map_err(|e| e.to_string())?;
                                    let cp =
                                        u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                                    let ch = char::from_u32(cp).ok_or("bad \\u")?;
                                    out.extend_from_slice(ch.to_string().as_bytes());
                                    self.i += 4;
                                }
                                _ => return Err("bad escape".into()),
                            }
                        }
                        Some(&c) if c < 0x20 => return Err("control character in string".into()),
                        Some(&c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
            }
            Some(b't') if self.s[self.i..].starts_with(b"true") => {
                self.i += 4;
                Ok(Json::Bool(true))
            }
            Some(b'f') if self.s[self.i..].starts_with(b"false") => {
                self.i += 5;
                Ok(Json::Bool(false))
            }
            Some(b'n') if self.s[self.i..].starts_with(b"null") => {
                self.i += 4;
                Ok(Json::Null)
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit() || b"-+.eE".contains(&self.s[self.i]))
                {
                    self.i += 1;
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                t.parse().map(Json::Num).map_err(|e| format!("{e}: {t}"))
            }
            _ => Err(format!("unexpected input at {}", self.i)),
        }
    }
}

fn parse_json(line: &str) -> Json {
    let mut parser = Parser {
        s: line.as_bytes(),
        i: 0,
    };
    let v = parser
        .value()
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {line}"));
    parser.ws();
    assert_eq!(parser.i, line.len(), "trailing bytes after JSON: {line}");
    v
}

// --- demo ------------------------------------------------------------------------------

#[test]
fn demo_narrates_the_handshake_and_prints_the_page() {
    let out = lucid(&["demo"], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    for word in [
        "ClientHello",
        "ServerHello",
        "Certificate",
        "Finished",
        "Handshake complete",
        "✓",
    ] {
        assert!(out.stdout.contains(word), "no {word} in:\n{}", out.stdout);
    }
    assert!(
        out.stdout.contains("Hello from lucid!"),
        "no page in:\n{}",
        out.stdout
    );
    assert!(out.stdout.contains("TLS 1.3"));
    // Plain output when not a terminal.
    assert!(!out.stdout.contains('\x1b'), "ANSI codes in piped output");
    // Full randoms: 64 hex digits after the label.
    let random_line = out
        .stdout
        .lines()
        .find(|l| l.contains("client random:"))
        .unwrap();
    let hex = random_line.split_whitespace().last().unwrap();
    assert_eq!(hex.len(), 64, "{random_line}");
}

#[test]
fn demo_trace_json_lists_tls13_events_in_handshake_order() {
    let dir = temp_dir("trace");
    let trace = dir.join("trace.jsonl");
    let out = lucid(&["demo", "--trace-json", p(&trace)], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let text = std::fs::read_to_string(&trace).unwrap();
    let events: Vec<Json> = text.lines().map(parse_json).collect();
    assert!(!events.is_empty());
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.get("seq"), Some(&Json::Num((i + 1) as f64)));
        assert!(matches!(e.str("side"), Some("client" | "server")));
        assert!(e.str("event").is_some());
    }
    let interesting = [
        "client_hello",
        "server_hello",
        "encrypted_extensions",
        "certificate",
        "certificate_verify",
        "finished",
        "handshake_complete",
    ];
    let client: Vec<(String, Option<String>)> = events
        .iter()
        .filter(|e| e.str("side") == Some("client"))
        .filter(|e| interesting.contains(&e.str("event").unwrap()))
        .map(|e| {
            (
                e.str("event").unwrap().to_string(),
                e.str("sender").map(str::to_string),
            )
        })
        .collect();
    let kinds: Vec<&str> = client.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "client_hello",
            "server_hello",
            "encrypted_extensions",
            "certificate",
            "certificate_verify",
            "finished",
            "finished",
            "handshake_complete"
        ],
        "{text}"
    );
    assert_eq!(client[5].1.as_deref(), Some("server"));
    assert_eq!(client[6].1.as_deref(), Some("client"));
    // Secrets stay out without --show-secrets.
    for e in events
        .iter()
        .filter(|e| e.str("event") == Some("secret_derived"))
    {
        assert_eq!(e.get("value"), Some(&Json::Null));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn demo_show_secrets_puts_values_in_the_trace() {
    let dir = temp_dir("secrets");
    let trace = dir.join("trace.jsonl");
    let out = lucid(&["demo", "--show-secrets", "--trace-json", p(&trace)], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let text = std::fs::read_to_string(&trace).unwrap();
    let with_value = text
        .lines()
        .map(parse_json)
        .filter(|e| e.str("event") == Some("secret_derived"))
        .filter(|e| matches!(e.get("value"), Some(Json::Str(v)) if v.len() >= 64))
        .count();
    assert!(with_value > 0, "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn demo_diagram_is_an_svg_with_every_message() {
    let dir = temp_dir("svg");
    let svg = dir.join("hs.svg");
    let out = lucid(&["demo", "--diagram", p(&svg)], 60);
    assert_eq!(out.code, Some(0), "stderr: {}", out.stderr);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"), "{text}");
    assert!(text.trim_end().ends_with("</svg>"));
    for name in [
        "ClientHello",
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
    ] {
        assert!(text.contains(name), "no {name} in the diagram");
    }
    assert!(
        text.contains("stroke-dasharray"),
        "encrypted messages are dashed"
    );
    let opens = text.matches("<text").count();
    let closes = text.matches("</text>").count();
    assert_eq!(opens, closes);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn demo_runs_every_flow() {
    for (flow, expect) in [
        ("tls12-ecdhe", "ServerKeyExchange"),
        ("tls12-rsa", "ClientKeyExchange"),
        ("mtls", "CertificateRequest"),
    ] {
        let out = lucid(&["demo", "--flow", flow], 120);
        assert_eq!(out.code, Some(0), "{flow}: stderr: {}", out.stderr);
        assert!(
            out.stdout.contains(expect),
            "{flow}: no {expect} in\n{}",
            out.stdout
        );
        assert!(out.stdout.contains("Hello from lucid!"), "{flow}");
    }
}

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

// --- bad input ----------------------------------------------------------------------------

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

// --- helpers for the tests below -----------------------------------------------------------

/// A CA in a fresh temp dir with a localhost (and 127.0.0.1) server certificate.
fn pki_dir(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    let out = lucid(&["ca", "init", p(&dir)], 60);
    assert_eq!(out.code, Some(0), "ca init: {}", out.stderr);
    let out = lucid(&["ca", "issue", p(&dir), "localhost", "127.0.0.1"], 60);
    assert_eq!(out.code, Some(0), "ca issue: {}", out.stderr);
    dir
}

/// Starts `lucid serve` on a free 127.0.0.1 port with `args` and waits until it accepts.
fn start_serve(args: &[&str]) -> (Killer, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(LUCID)
        .args(["serve", "--listen", &listen])
        .args(args)
        .env_remove("SSLKEYLOGFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn lucid serve");
    let mut server = Killer(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&listen).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("lucid serve {args:?} exited early: {status}");
        }
        assert!(Instant::now() < deadline, "lucid serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

fn serve_localhost(dir: &Path, extra: &[&str]) -> (Killer, u16) {
    let cert = dir.join("localhost.pem");
    let key = dir.join("localhost-key.pem");
    let mut args = vec!["--cert", p(&cert), "--key", p(&key)];
    args.extend_from_slice(extra);
    start_serve(&args)
}

/// Asserts a failure reported as exactly one `lucid: ...` line on stderr.
fn assert_one_line_failure(out: &Out, code: i32, needle: &str) {
    assert_eq!(out.code, Some(code), "stderr: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("lucid: "), "{}", out.stderr);
    assert!(
        out.stderr.to_lowercase().contains(&needle.to_lowercase()),
        "no '{needle}' in: {}",
        out.stderr
    );
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

// --- the JSON trace of every demo flow against lucid's flow table ---------------------------

use lucid::trace::{Flow, Side};

/// The handshake message a JSON trace event stands for, as `Event::message()` names it.
fn json_message(e: &Json) -> Option<(Side, &'static str)> {
    let sender = || match e.str("sender") {
        Some("client") => Side::Client,
        Some("server") => Side::Server,
        other => panic!("bad sender {other:?} in {e:?}"),
    };
    Some(match e.str("event")? {
        "client_hello" => (Side::Client, "ClientHello"),
        "hello_retry_request" => (Side::Server, "HelloRetryRequest"),
        "server_hello" => (Side::Server, "ServerHello"),
        "encrypted_extensions" => (Side::Server, "EncryptedExtensions"),
        "certificate_request" => (Side::Server, "CertificateRequest"),
        "certificate" => (sender(), "Certificate"),
        "server_key_exchange" => (Side::Server, "ServerKeyExchange"),
        "server_hello_done" => (Side::Server, "ServerHelloDone"),
        "client_key_exchange" => (Side::Client, "ClientKeyExchange"),
        "certificate_verify" => (sender(), "CertificateVerify"),
        "change_cipher_spec" => match e.get("compatibility") {
            Some(Json::Bool(false)) => (sender(), "ChangeCipherSpec"),
            Some(Json::Bool(true)) => return None,
            other => panic!("change_cipher_spec without compatibility: {other:?}"),
        },
        "finished" => (sender(), "Finished"),
        _ => return None,
    })
}

fn is_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn demo_trace_json_of_every_flow_matches_the_flow_table() {
    let dir = temp_dir("flowtrace");
    for (name, flow, tls13, suite_prefix) in [
        ("tls13", Flow::Tls13, true, "TLS_AES_"),
        (
            "tls12-ecdhe",
            Flow::Tls12Ecdhe,
            false,
            "TLS_ECDHE_ECDSA_WITH_",
        ),
        (
            "tls12-rsa",
            Flow::Tls12Rsa,
            false,
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
        ),
        ("mtls", Flow::Tls13ClientAuth, true, "TLS_AES_"),
    ] {
        let trace = dir.join(format!("{name}.jsonl"));
        let svg = dir.join(format!("{name}.svg"));
        let out = lucid(
            &[
                "demo",
                "--quiet",
                "--flow",
                name,
                "--trace-json",
                p(&trace),
                "--diagram",
                p(&svg),
            ],
            120,
        );
        assert_eq!(out.code, Some(0), "{name}: stderr: {}", out.stderr);
        let text = std::fs::read_to_string(&trace).unwrap();
        let events: Vec<Json> = text.lines().map(parse_json).collect();
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.get("seq"), Some(&Json::Num((i + 1) as f64)), "{name}");
        }

        // The demo runs both ends, and each reports every message it sends or receives:
        // each side's view, on its own, is the whole flow.
        let expected: Vec<(Side, &str)> = flow.messages().to_vec();
        for side in ["client", "server"] {
            let seen: Vec<(Side, &str)> = events
                .iter()
                .filter(|e| e.str("side") == Some(side))
                .filter_map(json_message)
                .collect();
            assert_eq!(seen, expected, "{name}, {side} side:\n{text}");
        }

        let client: Vec<&Json> = events
            .iter()
            .filter(|e| e.str("side") == Some("client"))
            .collect();
        let server: Vec<&Json> = events
            .iter()
            .filter(|e| e.str("side") == Some("server"))
            .collect();
        let one = |side: &[&'_ Json], kind: &str| -> usize {
            let found: Vec<usize> = side
                .iter()
                .filter(|e| e.str("event") == Some(kind))
                .map(|e| seq_of(e) - 1)
                .collect();
            assert_eq!(found.len(), 1, "{name}: {kind} events at {found:?}");
            found[0]
        };
        let one = |side: &[&Json], kind: &str| -> &Json { &events[one(side, kind)] };

        // ClientHello: a 64-hex-digit random, the same on both ends; not a retry.
        let ch = one(&client, "client_hello");
        let random = ch.str("random").unwrap();
        assert_eq!(random.len(), 64, "{name}: {random}");
        assert!(is_hex(random), "{name}: {random}");
        assert_eq!(one(&server, "client_hello").str("random"), Some(random));
        assert_eq!(ch.get("retry"), Some(&Json::Bool(false)), "{name}");
        assert_eq!(ch.str("sni"), Some("localhost"), "{name}");

        // ServerHello: version and suite of the flow, a random of its own.
        let sh = one(&client, "server_hello");
        let version = if tls13 { "TLS 1.3" } else { "TLS 1.2" };
        assert_eq!(sh.str("version"), Some(version), "{name}");
        let suite = sh.str("suite").unwrap().to_string();
        assert!(suite.starts_with(suite_prefix), "{name}: suite {suite}");
        let sr = sh.str("random").unwrap();
        assert!(sr.len() == 64 && is_hex(sr) && sr != random, "{name}: {sr}");
        assert_eq!(one(&server, "server_hello").str("random"), Some(sr));
        // The group is in a TLS 1.3 ServerHello's key_share; TLS 1.2 has none there.
        if tls13 {
            assert!(sh.str("group").is_some(), "{name}: {sh:?}");
        } else {
            assert_eq!(sh.get("group"), Some(&Json::Null), "{name}: {sh:?}");
        }

        // Certificates: the server's chain names localhost; in mTLS the client's is alice.
        for e in client
            .iter()
            .filter(|e| e.str("event") == Some("certificate"))
        {
            let Some(Json::Arr(chain)) = e.get("chain") else {
                panic!("{name}: certificate without chain: {e:?}");
            };
            assert!(!chain.is_empty(), "{name}: empty chain");
            let subject = chain[0].str("subject").unwrap();
            match e.str("sender") {
                Some("server") => assert!(subject.contains("localhost"), "{name}: {subject}"),
                Some("client") => assert!(subject.contains("alice"), "{name}: {subject}"),
                s => panic!("{name}: sender {s:?}"),
            }
        }
        for e in client
            .iter()
            .filter(|e| e.str("event") == Some("certificate_verify"))
        {
            assert_eq!(e.get("verified"), Some(&Json::Bool(true)), "{name}: {e:?}");
            assert!(e.str("scheme").is_some(), "{name}: {e:?}");
        }
        if flow == Flow::Tls13ClientAuth {
            let cr = one(&client, "certificate_request");
            assert!(
                matches!(cr.get("schemes"), Some(Json::Arr(s)) if !s.is_empty()),
                "{name}: {cr:?}"
            );
        }

        // TLS 1.2 key exchange messages.
        match flow {
            Flow::Tls12Ecdhe => {
                let ske = one(&client, "server_key_exchange");
                assert!(
                    ske.str("group").is_some() && ske.str("scheme").is_some(),
                    "{ske:?}"
                );
                let cke = one(&client, "client_key_exchange");
                assert_eq!(cke.str("kind"), Some("ecdhe"), "{cke:?}");
                assert_eq!(cke.str("group"), ske.str("group"), "{cke:?}");
            }
            Flow::Tls12Rsa => {
                let cke = one(&client, "client_key_exchange");
                assert_eq!(cke.str("kind"), Some("rsa_transport"), "{cke:?}");
                assert_eq!(cke.get("group"), Some(&Json::Null), "{cke:?}");
                assert_eq!(cke.get("length"), Some(&Json::Num(256.0)), "{cke:?}");
            }
            _ => {}
        }

        // Finished: verify_data is 12 bytes in TLS 1.2, a hash length in TLS 1.3, and the
        // two ends agree on each.
        for sender in ["client", "server"] {
            let vd = |side: &[&Json]| -> String {
                let f: Vec<&&Json> = side
                    .iter()
                    .filter(|e| {
                        e.str("event") == Some("finished") && e.str("sender") == Some(sender)
                    })
                    .collect();
                assert_eq!(f.len(), 1, "{name}: {sender} finished: {f:?}");
                f[0].str("verify_data").unwrap().to_string()
            };
            let v = vd(&client);
            assert!(is_hex(&v), "{name}: {v}");
            let want = if tls13 { 64 } else { 24 };
            assert_eq!(v.len(), want, "{name}: {sender} verify_data {v}");
            assert_eq!(vd(&server), v, "{name}: {sender} verify_data differs");
        }

        // Both ends complete with the suite the ServerHello chose.
        for side in [&client, &server] {
            let hc = one(side, "handshake_complete");
            assert_eq!(hc.str("version"), Some(version), "{name}: {hc:?}");
            assert_eq!(hc.str("suite"), Some(suite.as_str()), "{name}: {hc:?}");
        }

        // The diagram names every message of the flow, once per message.
        let svg_text = std::fs::read_to_string(&svg).unwrap();
        assert!(svg_text.starts_with("<svg"), "{name}");
        assert!(svg_text.trim_end().ends_with("</svg>"), "{name}");
        for (_, msg) in flow.messages() {
            assert!(svg_text.contains(msg), "{name}: no {msg} in the diagram");
        }
        // Its numbered arrows, in order, are the flow's messages plus what the narration
        // also draws: TLS 1.3 compatibility ChangeCipherSpecs and the closing alerts.
        let labels: Vec<&str> = svg_text
            .split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .filter_map(|t| t.split_once(". "))
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, rest)| rest.trim_end_matches(" 🔒"))
            .collect();
        let arrows = svg_text.matches("marker-end=\"url(#arrow)\"").count();
        assert_eq!(labels.len(), arrows, "{name}: {labels:?}");
        let drawn: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| *l != "Alert" && !(tls13 && *l == "ChangeCipherSpec"))
            .collect();
        let want: Vec<&str> = flow.messages().iter().map(|(_, m)| *m).collect();
        assert_eq!(drawn, want, "{name}: diagram labels {labels:?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn seq_of(e: &Json) -> usize {
    match e.get("seq") {
        Some(Json::Num(n)) => *n as usize,
        other => panic!("no seq: {other:?}"),
    }
}

// --- more bad input -------------------------------------------------------------------------

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
