//! `lucid ca init DIR` and `lucid ca issue DIR NAME...`: a small CA for tests.

use std::path::{Path, PathBuf};

use crate::pki::{self, KeyType, PemPair};
use crate::Fail;

#[derive(clap::Subcommand)]
pub enum CaCmd {
    /// Create a CA in DIR: ca.pem and ca-key.pem.
    Init {
        dir: PathBuf,
        /// Key type of the CA.
        #[arg(long, value_enum, default_value = "p256")]
        key_type: KeyType,
        /// Validity in days.
        #[arg(long, default_value_t = 3650)]
        days: u32,
    },
    /// Issue a certificate for NAME... (DNS names or IP addresses): NAME.pem and NAME-key.pem.
    Issue {
        dir: PathBuf,
        #[arg(required = true)]
        names: Vec<String>,
        /// A client certificate (for mutual TLS) instead of a server certificate.
        #[arg(long)]
        client: bool,
        /// Key type.
        #[arg(long, value_enum, default_value = "p256")]
        key_type: KeyType,
        /// Validity in days.
        #[arg(long, default_value_t = 365)]
        days: u32,
    },
}

pub fn run(cmd: CaCmd) -> Result<u8, Fail> {
    match cmd {
        CaCmd::Init {
            dir,
            key_type,
            days,
        } => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Fail::usage("ca init", format!("{}: {e}", dir.display())))?;
            let ca = pki::new_ca("lucid CA", key_type, days)?;
            let (cert, key) = (dir.join("ca.pem"), dir.join("ca-key.pem"));
            pki::write_new_files(&[(&cert, &ca.cert, false), (&key, &ca.key, true)])?;
            println!("created {} and {}", cert.display(), key.display());
            Ok(0)
        }
        CaCmd::Issue {
            dir,
            names,
            client,
            key_type,
            days,
        } => {
            let ca = load_ca(&dir)?;
            let stem = file_stem(&names[0]);
            let pair = pki::issue(&ca, &names, client, key_type, days)?;
            let cert = dir.join(format!("{stem}.pem"));
            let key = dir.join(format!("{stem}-key.pem"));
            pki::write_new_files(&[(&cert, &pair.cert, false), (&key, &pair.key, true)])?;
            println!("created {} and {}", cert.display(), key.display());
            Ok(0)
        }
    }
}

/// Reads ca.pem and ca-key.pem from `dir`.
pub fn load_ca(dir: &Path) -> Result<PemPair, Fail> {
    let read = |name: &str| {
        let p = dir.join(name);
        std::fs::read_to_string(&p).map_err(|e| {
            Fail::usage(
                "ca issue",
                format!(
                    "cannot read {}: {e} (run 'lucid ca init' first)",
                    p.display()
                ),
            )
        })
    };
    Ok(PemPair {
        cert: read("ca.pem")?,
        key: read("ca-key.pem")?,
    })
}

/// A file name for a certificate name (IPv6 colons and wildcards replaced).
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
