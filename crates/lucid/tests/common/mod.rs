//! Shared test helpers: a throwaway PKI made with rcgen, and an in-memory handshake pump.
#![allow(dead_code)]

use std::sync::Arc;

use lucid::{
    CertifiedKey, ClientConfig, ClientConnection, Connection, RootStore, ServerConfig,
    ServerConnection,
};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    SignatureAlgorithm,
};

/// Key types a test certificate can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa2048,
    EcdsaP256,
    EcdsaP384,
    Ed25519,
}

pub const ALL_KEY_TYPES: [KeyType; 4] = [
    KeyType::Rsa2048,
    KeyType::EcdsaP256,
    KeyType::EcdsaP384,
    KeyType::Ed25519,
];

impl KeyType {
    pub fn alg(self) -> &'static SignatureAlgorithm {
        match self {
            KeyType::Rsa2048 => &rcgen::PKCS_RSA_SHA256,
            KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::Ed25519 => &rcgen::PKCS_ED25519,
        }
    }

    pub fn generate(self) -> KeyPair {
        KeyPair::generate_for(self.alg()).expect("key generation")
    }
}

/// A CA that can issue server and client certificates.
pub struct TestCa {
    pub cert: rcgen::Certificate,
    pub key: KeyPair,
    pub issuer: rcgen::Issuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyType::EcdsaP256.generate();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap();
        let issuer = rcgen::Issuer::new(params, KeyType::EcdsaP256.generate());
        // The issuer must hold the CA's own key: rebuild with a clone of it.
        let key_der = key.serialize_der();
        let issuer_key = KeyPair::try_from(key_der.as_slice()).unwrap();
        let mut params2 = CertificateParams::new(Vec::<String>::new()).unwrap();
        params2.distinguished_name.push(DnType::CommonName, name);
        params2.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let _ = issuer;
        let issuer = rcgen::Issuer::new(params2, issuer_key);
        TestCa { cert, key, issuer }
    }

    pub fn roots(&self) -> RootStore {
        let mut r = RootStore::empty();
        r.add_der(self.cert.der()).unwrap();
        r
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// Issues an end-entity certificate; returns (cert PEM, key PEM).
    pub fn issue(&self, names: &[&str], key_type: KeyType, client: bool) -> (String, String) {
        self.issue_with(names, key_type, client, |_| {})
    }

    pub fn issue_with(
        &self,
        names: &[&str],
        key_type: KeyType,
        client: bool,
        edit: impl FnOnce(&mut CertificateParams),
    ) -> (String, String) {
        let key = key_type.generate();
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().copied().unwrap_or("client"),
        );
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        edit(&mut params);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    pub fn certified_key(&self, names: &[&str], key_type: KeyType, client: bool) -> CertifiedKey {
        let (c, k) = self.issue(names, key_type, client);
        CertifiedKey::from_pem(c.as_bytes(), k.as_bytes()).unwrap()
    }
}

pub fn server_config(ca: &TestCa, key_type: KeyType) -> ServerConfig {
    ServerConfig::new(ca.certified_key(&["localhost", "127.0.0.1"], key_type, false))
}

pub fn client_config(ca: &TestCa) -> ClientConfig {
    ClientConfig::new(ca.roots())
}

/// Plaintext each side received while pumping.
#[derive(Default, Debug)]
pub struct Received {
    pub client: Vec<u8>,
    pub server: Vec<u8>,
}

/// Moves bytes between the two sides until neither has anything to send, collecting the
/// plaintext each receives. Returns the first error either side reports.
pub fn pump(
    client: &mut Connection,
    server: &mut Connection,
) -> Result<Received, (&'static str, lucid::Error)> {
    let mut got = Received::default();
    for _ in 0..10_000 {
        let a = transfer(client, server, &mut got.server).map_err(|e| ("server", e))?;
        let b = transfer(server, client, &mut got.client).map_err(|e| ("client", e))?;
        if !a && !b {
            return Ok(got);
        }
    }
    panic!("connection did not settle");
}

/// Sends everything `from` has to `to`, lets `to` process it and drains its plaintext.
pub fn transfer(
    from: &mut Connection,
    to: &mut Connection,
    sink: &mut Vec<u8>,
) -> Result<bool, lucid::Error> {
    let mut moved = false;
    while from.wants_write() {
        let n = to.feed_tls(from.pending_tls());
        from.consume_tls(n);
        to.process_new_packets()?;
        drain(to, sink)?;
        moved = true;
    }
    Ok(moved)
}

/// Reads all plaintext available now.
pub fn drain(conn: &mut Connection, sink: &mut Vec<u8>) -> Result<(), lucid::Error> {
    let mut buf = vec![0u8; 1 << 15];
    loop {
        match conn.read_plaintext(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => sink.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
            Err(_) => return Err(conn.error().cloned().unwrap_or(lucid::Error::UnexpectedEof)),
        }
    }
}

pub fn connect(
    client_cfg: ClientConfig,
    server_cfg: ServerConfig,
) -> (
    ClientConnection,
    ServerConnection,
    Result<Received, (&'static str, lucid::Error)>,
) {
    let mut c = ClientConnection::new(client_cfg.build().unwrap(), "localhost").unwrap();
    let mut s = ServerConnection::new(server_cfg.build().unwrap()).unwrap();
    let r = pump(&mut c, &mut s);
    (c, s, r)
}

pub fn arc<T>(t: T) -> Arc<T> {
    Arc::new(t)
}

/// A key log that remembers every (label, secret) it is given.
#[derive(Default)]
pub struct CollectKeyLog(pub std::sync::Mutex<Vec<(String, Vec<u8>)>>);

impl lucid::KeyLog for CollectKeyLog {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .push((label.to_string(), secret.to_vec()));
    }
}

impl CollectKeyLog {
    pub fn get(&self, label: &str) -> Option<Vec<u8>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s.clone())
    }
}

/// How a handshake driven to its end finished on each side.
#[derive(Debug)]
pub struct Outcome {
    pub client: Option<lucid::Error>,
    pub server: Option<lucid::Error>,
}

fn step_to_end(from: &mut Connection, to: &mut Connection, sink: &mut Vec<u8>) -> bool {
    if !from.wants_write() {
        return false;
    }
    let n = to.feed_tls(from.pending_tls());
    if n == 0 {
        // The receiver cannot take more (it failed or its buffer is full): drop the rest.
        let len = from.pending_tls().len();
        from.consume_tls(len);
    } else {
        from.consume_tls(n);
    }
    let _ = to.process_new_packets();
    let _ = drain(to, sink);
    true
}

/// Moves bytes both ways until nothing moves, even after an error (so the peer sees the
/// alert), and reports the error each side ended with.
pub fn run_to_end(client: &mut Connection, server: &mut Connection) -> Outcome {
    let mut sink = Vec::new();
    for _ in 0..10_000 {
        let a = step_to_end(client, server, &mut sink);
        let b = step_to_end(server, client, &mut sink);
        if !a && !b {
            break;
        }
    }
    Outcome {
        client: client.error().cloned(),
        server: server.error().cloned(),
    }
}

/// A fresh directory under the system temp dir, unique per process and call.
pub fn unique_temp_dir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "lucid-{tag}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Driving the real `openssl` binary (s_server / s_client) against lucid over 127.0.0.1.
pub mod ossl {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::process::{Child, Command, Output, Stdio};
    use std::time::{Duration, Instant};

    use super::{KeyType, TestCa};
    use lucid::{ClientConfig, ClientConnection, Negotiated, ServerConfig, ServerConnection};

    pub const TIMEOUT: Duration = Duration::from_secs(10);

    /// The openssl binary; fails the test with the package to install when it is missing.
    pub fn bin() -> &'static str {
        match Command::new("openssl").arg("version").output() {
            Ok(o) if o.status.success() => "openssl",
            _ => panic!(
                "the `openssl` command-line tool is required for interop tests: \
                 install the Debian package `openssl` (apt-get install openssl)"
            ),
        }
    }

    /// Kills and reaps the child when dropped.
    pub struct ChildGuard(pub Child);

    impl Drop for ChildGuard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// A throwaway PKI written as PEM files to a unique temp dir.
    pub struct Pki {
        pub dir: PathBuf,
        pub ca: TestCa,
        pub ca_file: PathBuf,
    }

    impl Pki {
        pub fn new(tag: &str) -> Pki {
            let dir = super::unique_temp_dir(tag);
            let ca = TestCa::new(&format!("{tag} CA"));
            let ca_file = dir.join("ca.pem");
            std::fs::write(&ca_file, ca.pem()).unwrap();
            Pki { dir, ca, ca_file }
        }

        pub fn write(&self, name: &str, contents: &str) -> String {
            let p = self.dir.join(name);
            std::fs::write(&p, contents).unwrap();
            p.to_str().unwrap().to_string()
        }

        /// Issues a certificate and writes it; returns (cert PEM path, key DER path): pass
        /// `-keyform DER`. The key is PKCS#8 v1, since OpenSSL 3.0 cannot load the v2
        /// (RFC 5958, public key included) Ed25519 keys rcgen writes.
        pub fn files(&self, names: &[&str], key_type: KeyType, client: bool) -> (String, String) {
            let (c, k) = self.ca.issue(names, key_type, client);
            let mut der = rcgen::KeyPair::from_pem(&k).unwrap().serialize_der();
            if key_type == KeyType::Ed25519 && der.len() > 48 {
                let seed = der[16..48].to_vec();
                der = [
                    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                ]
                .to_vec();
                der.extend_from_slice(&[0x04, 0x22, 0x04, 0x20]);
                der.extend_from_slice(&seed);
            }
            let tag = format!("{}-{key_type:?}-{client}", names[0]);
            let key_path = self.dir.join(format!("{tag}.key.der"));
            std::fs::write(&key_path, der).unwrap();
            (
                self.write(&format!("{tag}.crt.pem"), &c),
                key_path.to_str().unwrap().to_string(),
            )
        }

        pub fn ca_path(&self) -> &str {
            self.ca_file.to_str().unwrap()
        }
    }

    impl Drop for Pki {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// Spawns `openssl s_server -accept PORT <args>` and waits until it accepts.
    pub fn s_server(args: &[&str]) -> (ChildGuard, u16) {
        let port = free_port();
        let child = Command::new(bin())
            .arg("s_server")
            .arg("-accept")
            .arg(port.to_string())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_server");
        let mut guard = ChildGuard(child);
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = guard.0.try_wait() {
                let mut err = String::new();
                if let Some(e) = guard.0.stderr.as_mut() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("openssl s_server {args:?} exited early ({status}): {err}");
            }
            if TcpStream::connect_timeout(
                &([127, 0, 0, 1], port).into(),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return (guard, port);
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "s_server did not listen on {port} within 10 s"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Connects a lucid client, sends an HTTP/1.0 GET and reads until the server closes.
    pub fn lucid_get(cc: ClientConfig, port: u16) -> Result<(String, Negotiated), String> {
        let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
        tcp.set_write_timeout(Some(TIMEOUT)).unwrap();
        let conn = ClientConnection::new(cc.build().map_err(|e| e.to_string())?, "localhost")
            .map_err(|e| e.to_string())?;
        let mut tls = lucid::Stream::new(conn, tcp);
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
        Ok((
            String::from_utf8_lossy(&out).into_owned(),
            tls.conn.negotiated().clone(),
        ))
    }

    /// What the lucid server thread saw.
    pub type Served = Result<(Negotiated, String), String>;

    /// Accepts one connection with a lucid server, reads a line, echoes it back as
    /// `echo: <line>`, then sends close_notify and closes.
    pub fn lucid_echo_server(sc: ServerConfig) -> (u16, std::thread::JoinHandle<Served>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let config = sc.build().unwrap();
        let handle = std::thread::spawn(move || -> Served {
            listener.set_nonblocking(true).unwrap();
            let start = Instant::now();
            let tcp = loop {
                match listener.accept() {
                    Ok((s, _)) => break s,
                    Err(_) if start.elapsed() < TIMEOUT => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Err(e) => return Err(format!("no connection: {e}")),
                }
            };
            tcp.set_nonblocking(false).unwrap();
            tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
            tcp.set_write_timeout(Some(TIMEOUT)).unwrap();
            let conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
            let mut tls = lucid::Stream::new(conn, tcp);
            let mut line = Vec::new();
            let mut buf = [0u8; 1024];
            while !line.contains(&b'\n') {
                match tls.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => line.extend_from_slice(&buf[..n]),
                    Err(e) => return Err(format!("server read: {e}")),
                }
            }
            let text = String::from_utf8_lossy(&line).into_owned();
            tls.write_all(format!("echo: {text}").as_bytes())
                .map_err(|e| format!("server write: {e}"))?;
            let _ = tls.close();
            Ok((tls.conn.negotiated().clone(), text))
        });
        (port, handle)
    }

    /// Runs `openssl s_client <args>`, writes `input` to its stdin and closes it, and waits
    /// (bounded) for it to exit.
    pub fn s_client(args: &[&str], input: &[u8]) -> Output {
        let child = Command::new(bin())
            .arg("s_client")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn openssl s_client");
        let mut guard = ChildGuard(child);
        {
            let mut stdin = guard.0.stdin.take().unwrap();
            let _ = stdin.write_all(input);
        }
        let start = Instant::now();
        let status = loop {
            if let Some(s) = guard.0.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > TIMEOUT {
                panic!("openssl s_client {args:?} did not exit within 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        if let Some(o) = guard.0.stdout.as_mut() {
            let _ = o.read_to_end(&mut stdout);
        }
        if let Some(e) = guard.0.stderr.as_mut() {
            let _ = e.read_to_end(&mut stderr);
        }
        Output {
            status,
            stdout,
            stderr,
        }
    }

    /// True when this openssl knows the hybrid X25519MLKEM768 group.
    pub fn has_mlkem_hybrid() -> bool {
        Command::new(bin())
            .args(["list", "-kem-algorithms"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("X25519MLKEM768"))
            .unwrap_or(false)
    }
}
