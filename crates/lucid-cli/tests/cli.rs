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
