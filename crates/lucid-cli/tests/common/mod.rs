//! Helpers shared by the `lucid` CLI end-to-end tests: running the binary with a time
//! limit, temp dirs and free ports, a tiny JSON checker, a test PKI and `lucid serve`.
//! Not every test file uses every helper.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const LUCID: &str = env!("CARGO_BIN_EXE_lucid");

pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs lucid with `args`, killing it after `secs` seconds.
pub fn lucid(args: &[&str], secs: u64) -> Out {
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
pub struct Killer(pub Child);

impl Drop for Killer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lucid-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

// --- a tiny JSON checker (the CLI writes JSON by hand; this makes sure it parses) ------

#[derive(Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn str(&self, key: &str) -> Option<&str> {
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

pub fn parse_json(line: &str) -> Json {
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

/// A CA in a fresh temp dir with a localhost (and 127.0.0.1) server certificate.
pub fn pki_dir(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    let out = lucid(&["ca", "init", p(&dir)], 60);
    assert_eq!(out.code, Some(0), "ca init: {}", out.stderr);
    let out = lucid(&["ca", "issue", p(&dir), "localhost", "127.0.0.1"], 60);
    assert_eq!(out.code, Some(0), "ca issue: {}", out.stderr);
    dir
}

/// Starts `lucid serve` on a free 127.0.0.1 port with `args` and waits until it accepts.
pub fn start_serve(args: &[&str]) -> (Killer, u16) {
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

pub fn serve_localhost(dir: &Path, extra: &[&str]) -> (Killer, u16) {
    let cert = dir.join("localhost.pem");
    let key = dir.join("localhost-key.pem");
    let mut args = vec!["--cert", p(&cert), "--key", p(&key)];
    args.extend_from_slice(extra);
    start_serve(&args)
}

/// Asserts a failure reported as exactly one `lucid: ...` line on stderr.
pub fn assert_one_line_failure(out: &Out, code: i32, needle: &str) {
    assert_eq!(out.code, Some(code), "stderr: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with("lucid: "), "{}", out.stderr);
    assert!(
        out.stderr.to_lowercase().contains(&needle.to_lowercase()),
        "no '{needle}' in: {}",
        out.stderr
    );
}
