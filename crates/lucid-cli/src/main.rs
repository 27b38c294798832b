//! `lucid`: an HTTPS client and server that can narrate every step of the TLS handshake.

mod ca;
mod demo;
mod get;
mod narrate;
mod pki;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use lucid::{Group, Suite, Version};

use narrate::{Rec, Style};

/// A failure to report: `lucid: <step>: <reason>` on one line, and an exit code.
#[derive(Debug)]
pub struct Fail {
    pub step: String,
    pub reason: String,
    pub code: u8,
}

impl Fail {
    /// A runtime failure (network, TLS, peer): exit 1.
    pub fn new(step: impl Into<String>, reason: impl std::fmt::Display) -> Fail {
        Fail {
            step: step.into(),
            reason: one_line(&reason.to_string()),
            code: 1,
        }
    }
    /// Bad user input: exit 2.
    pub fn usage(step: impl Into<String>, reason: impl std::fmt::Display) -> Fail {
        Fail {
            code: 2,
            ..Fail::new(step, reason)
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Parser)]
#[command(
    name = "lucid",
    version,
    about = "HTTPS client and server that narrate every step of the TLS handshake"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a client and a server in this process and narrate their handshake.
    Demo(demo::DemoArgs),
    /// Fetch an https:// URL.
    Get(get::GetArgs),
    /// Serve HTTPS (HTTP/1.1 and HTTP/2).
    Serve(serve::ServeArgs),
    /// A small certificate authority for tests.
    #[command(subcommand)]
    Ca(ca::CaCmd),
}

/// Version, suite and group choices shared by `get` and `serve`.
#[derive(Args, Clone, Default)]
pub struct TlsFlags {
    /// Lowest TLS version to use: 1.2 or 1.3.
    #[arg(long, value_name = "VERSION")]
    pub min_tls: Option<String>,
    /// Highest TLS version to use: 1.2 or 1.3.
    #[arg(long, value_name = "VERSION")]
    pub max_tls: Option<String>,
    /// Cipher suites by IANA name, comma-separated, in preference order.
    #[arg(long, value_delimiter = ',', value_name = "SUITES")]
    pub cipher_suites: Vec<String>,
    /// Key-exchange groups, comma-separated (x25519, secp256r1, secp384r1, X25519MLKEM768).
    #[arg(long, value_delimiter = ',', value_name = "GROUPS")]
    pub groups: Vec<String>,
}

fn parse_version(s: &str) -> Result<Version, Fail> {
    match s
        .trim()
        .to_ascii_lowercase()
        .trim_start_matches("tls")
        .trim_start_matches(['v', ' '])
    {
        "1.2" | "12" => Ok(Version::Tls12),
        "1.3" | "13" => Ok(Version::Tls13),
        _ => Err(Fail::usage(
            "options",
            format!("unknown TLS version '{s}': use 1.2 or 1.3"),
        )),
    }
}

impl TlsFlags {
    pub fn versions(&self) -> Result<Option<Vec<Version>>, Fail> {
        if self.min_tls.is_none() && self.max_tls.is_none() {
            return Ok(None);
        }
        let min = self
            .min_tls
            .as_deref()
            .map(parse_version)
            .transpose()?
            .unwrap_or(Version::Tls12);
        let max = self
            .max_tls
            .as_deref()
            .map(parse_version)
            .transpose()?
            .unwrap_or(Version::Tls13);
        let v: Vec<Version> = [Version::Tls13, Version::Tls12]
            .into_iter()
            .filter(|v| *v >= min && *v <= max)
            .collect();
        if v.is_empty() {
            return Err(Fail::usage(
                "options",
                "--min-tls is above --max-tls: no version is left",
            ));
        }
        Ok(Some(v))
    }

    pub fn suites(&self) -> Result<Option<Vec<&'static Suite>>, Fail> {
        if self.cipher_suites.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for name in &self.cipher_suites {
            let s = lucid::suites::suite_by_name(name.trim()).ok_or_else(|| {
                let known: Vec<&str> = lucid::suites::ALL_SUITES.iter().map(|s| s.name()).collect();
                Fail::usage(
                    "options",
                    format!("unknown cipher suite '{name}'; known: {}", known.join(", ")),
                )
            })?;
            out.push(s);
        }
        Ok(Some(out))
    }

    pub fn groups(&self) -> Result<Option<Vec<Group>>, Fail> {
        if self.groups.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for name in &self.groups {
            let g = lucid::suites::group_by_name(name.trim()).ok_or_else(|| {
                let known: Vec<&str> = lucid::suites::ALL_GROUPS.iter().map(|g| g.name()).collect();
                Fail::usage(
                    "options",
                    format!("unknown group '{name}'; known: {}", known.join(", ")),
                )
            })?;
            out.push(g);
        }
        Ok(Some(out))
    }

    /// Applies the flags to a config's fields.
    pub fn apply(
        &self,
        versions: &mut Vec<Version>,
        suites: &mut Vec<&'static Suite>,
        groups: &mut Vec<Group>,
    ) -> Result<(), Fail> {
        if let Some(v) = self.versions()? {
            *versions = v;
        }
        if let Some(s) = self.suites()? {
            *suites = s;
        }
        if let Some(g) = self.groups()? {
            *groups = g;
        }
        Ok(())
    }
}

/// Narration outputs shared by `demo` and `get`.
#[derive(Args, Clone, Default)]
pub struct TraceFlags {
    /// Narrate the handshake step by step.
    #[arg(long)]
    pub explain: bool,
    /// Include secret values in the narration (they decrypt the session!).
    #[arg(long)]
    pub show_secrets: bool,
    /// Write every handshake event as JSON Lines to FILE (see docs/trace-schema.md).
    #[arg(long, value_name = "FILE")]
    pub trace_json: Option<PathBuf>,
    /// Write an SVG sequence diagram of the handshake to FILE.
    #[arg(long, value_name = "FILE")]
    pub diagram: Option<PathBuf>,
}

impl TraceFlags {
    pub fn wants_events(&self) -> bool {
        self.explain || self.trace_json.is_some() || self.diagram.is_some()
    }

    /// Writes the requested outputs. `shown` are the events the text and diagram use.
    pub fn emit(&self, all: &[Rec], shown: &[&Rec], text: bool, title: &str) -> Result<(), Fail> {
        if text {
            print!("{}", narrate::render_text(shown, Style::stdout()));
        }
        if let Some(path) = &self.trace_json {
            std::fs::write(path, narrate::render_json(all))
                .map_err(|e| Fail::usage("write trace", format!("{}: {e}", path.display())))?;
        }
        if let Some(path) = &self.diagram {
            std::fs::write(path, narrate::render_svg(shown, title))
                .map_err(|e| Fail::usage("write diagram", format!("{}: {e}", path.display())))?;
        }
        Ok(())
    }
}

/// Loads a PEM certificate chain and key, with the step named for errors.
pub fn load_certified_key(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<lucid::CertifiedKey, Fail> {
    lucid::CertifiedKey::from_pem_files(cert, key).map_err(|e| Fail::usage("load certificate", e))
}

pub fn load_roots(path: &std::path::Path) -> Result<lucid::RootStore, Fail> {
    lucid::RootStore::from_pem_file(path).map_err(|e| Fail::usage("load CA file", e))
}

pub type SharedRecorder = Arc<narrate::Recorder>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Demo(a) => demo::run(a),
        Cmd::Get(a) => get::run(a),
        Cmd::Serve(a) => serve::run(a),
        Cmd::Ca(c) => ca::run(c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            use std::io::Write;
            let _ = std::io::stdout().flush();
            eprintln!("lucid: {}: {}", f.step, f.reason);
            ExitCode::from(f.code)
        }
    }
}
