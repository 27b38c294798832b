//! The NSS key log format (SSLKEYLOGFILE), so Wireshark can decrypt a capture.

use std::io::Write;
use std::sync::Mutex;

/// Receives secrets as they are derived. Only attached when the user opts in.
pub trait KeyLog: Send + Sync {
    /// One secret: `label` is the NSS label (e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET`).
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]);
}

/// Appends NSS key log lines to a file.
///
/// ```no_run
/// let log = lucid::KeyLogFile::create("/tmp/keys.log").unwrap();
/// ```
pub struct KeyLogFile {
    file: Mutex<std::fs::File>,
}

impl KeyLogFile {
    /// Opens `path` for appending (creating it).
    pub fn create(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(KeyLogFile {
            file: Mutex::new(file),
        })
    }

    /// Opens the file named by SSLKEYLOGFILE, if that variable is set.
    pub fn from_env() -> Option<Self> {
        let path = std::env::var_os("SSLKEYLOGFILE")?;
        Self::create(path).ok()
    }
}

/// Formats one NSS key log line.
pub fn keylog_line(label: &str, client_random: &[u8; 32], secret: &[u8]) -> String {
    format!("{label} {} {}\n", hex(client_random), hex(secret))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

impl KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8; 32], secret: &[u8]) {
        if let Ok(mut f) = self.file.lock() {
            // A failed write to the key log must not break the connection.
            let _ = f.write_all(keylog_line(label, client_random, secret).as_bytes());
        }
    }
}
