//! Narration: records the engine's trace events (this file) and renders them as numbered
//! text steps (`text.rs`), JSON Lines (`json.rs`, schema in docs/trace-schema.md) or an SVG
//! sequence diagram (`svg.rs`).

mod json;
mod svg;
mod text;

pub use json::render_json;
pub use svg::render_svg;
pub use text::{render_one, render_text};

use std::fmt::Write as _;
use std::sync::Mutex;

use lucid::trace::{Event, KeyExchangeKind, Observer, Side};
use lucid::verify::CertSummary;

/// One event, owned, with every value already in the form it is shown in.
#[derive(Clone, Debug)]
pub enum Ev {
    ClientHello {
        random: String,
        session_id: String,
        versions: Vec<String>,
        suites: Vec<String>,
        groups: Vec<String>,
        key_shares: Vec<String>,
        schemes: Vec<String>,
        sni: Option<String>,
        alpn: Vec<String>,
        retry: bool,
    },
    HelloRetryRequest {
        suite: String,
        group: String,
        cookie: bool,
    },
    ServerHello {
        random: String,
        version: String,
        suite: String,
        group: Option<String>,
    },
    KeyExchange {
        /// "ecdhe" or "rsa_transport".
        kind: &'static str,
        group: Option<String>,
        post_quantum: bool,
    },
    SecretDerived {
        name: String,
        inputs: String,
        value: Option<String>,
    },
    EncryptedExtensions {
        alpn: Option<String>,
        sni_acknowledged: bool,
    },
    CertificateRequest {
        schemes: Vec<String>,
        authorities: Vec<String>,
    },
    Certificate {
        sender: Side,
        chain: Vec<CertSummary>,
    },
    ChainCheck {
        check: String,
        passed: bool,
        detail: String,
    },
    ServerKeyExchange {
        group: String,
        scheme: String,
    },
    ServerHelloDone,
    ClientKeyExchange {
        kind: &'static str,
        group: Option<String>,
        length: usize,
    },
    CertificateVerify {
        sender: Side,
        scheme: String,
        verified: bool,
    },
    ChangeCipherSpec {
        sender: Side,
        compatibility: bool,
    },
    Finished {
        sender: Side,
        verify_data: String,
    },
    HandshakeComplete {
        version: String,
        suite: String,
        group: Option<String>,
        alpn: Option<String>,
    },
    NewSessionTicket {
        lifetime: u32,
    },
    KeyUpdate {
        sender: Side,
        update_requested: bool,
    },
    Alert {
        sender: Side,
        fatal: bool,
        description: String,
    },
    Other {
        kind: &'static str,
    },
}

/// An event as recorded: who emitted it, what kind, and its values.
#[derive(Clone, Debug)]
pub struct Rec {
    pub side: Side,
    pub kind: &'static str,
    /// The record on the wire this event is, from [`Event::wire_message`].
    pub wire: Option<(Side, &'static str)>,
    pub ev: Ev,
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn strs<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(|i| i.to_string()).collect()
}

fn kx_parts(kind: KeyExchangeKind) -> (&'static str, Option<String>) {
    match kind {
        KeyExchangeKind::Ephemeral(g) => ("ecdhe", Some(g.to_string())),
        KeyExchangeKind::RsaTransport => ("rsa_transport", None),
    }
}

impl Ev {
    pub fn from_event(event: &Event<'_>) -> Ev {
        match event {
            Event::ClientHello {
                random,
                session_id,
                versions,
                suites,
                groups,
                key_shares,
                schemes,
                sni,
                alpn,
                retry,
            } => Ev::ClientHello {
                random: hex(&random[..]),
                session_id: hex(session_id),
                versions: strs(versions),
                suites: strs(suites),
                groups: strs(groups),
                key_shares: strs(key_shares),
                schemes: strs(schemes),
                sni: sni.map(str::to_string),
                alpn: alpn
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect(),
                retry: *retry,
            },
            Event::HelloRetryRequest {
                suite,
                group,
                cookie,
            } => Ev::HelloRetryRequest {
                suite: suite.to_string(),
                group: group.to_string(),
                cookie: *cookie,
            },
            Event::ServerHello {
                random,
                version,
                suite,
                group,
            } => Ev::ServerHello {
                random: hex(&random[..]),
                version: version.to_string(),
                suite: suite.to_string(),
                group: group.map(|g| g.to_string()),
            },
            Event::KeyExchange { kind, post_quantum } => {
                let (kind, group) = kx_parts(*kind);
                Ev::KeyExchange {
                    kind,
                    group,
                    post_quantum: *post_quantum,
                }
            }
            Event::SecretDerived {
                name,
                inputs,
                value,
            } => Ev::SecretDerived {
                name: name.to_string(),
                inputs: inputs.to_string(),
                value: value.map(hex),
            },
            Event::EncryptedExtensions {
                alpn,
                sni_acknowledged,
            } => Ev::EncryptedExtensions {
                alpn: alpn.map(|a| String::from_utf8_lossy(a).into_owned()),
                sni_acknowledged: *sni_acknowledged,
            },
            Event::CertificateRequest {
                schemes,
                authorities,
            } => Ev::CertificateRequest {
                schemes: strs(schemes),
                authorities: authorities.to_vec(),
            },
            Event::Certificate { sender, chain } => Ev::Certificate {
                sender: *sender,
                chain: chain.to_vec(),
            },
            Event::ChainCheck {
                check,
                passed,
                detail,
            } => Ev::ChainCheck {
                check: check.to_string(),
                passed: *passed,
                detail: detail.to_string(),
            },
            Event::ServerKeyExchange { group, scheme } => Ev::ServerKeyExchange {
                group: group.to_string(),
                scheme: scheme.to_string(),
            },
            Event::ServerHelloDone => Ev::ServerHelloDone,
            Event::ClientKeyExchange { kind, length } => {
                let (kind, group) = kx_parts(*kind);
                Ev::ClientKeyExchange {
                    kind,
                    group,
                    length: *length,
                }
            }
            Event::CertificateVerify {
                sender,
                scheme,
                verified,
            } => Ev::CertificateVerify {
                sender: *sender,
                scheme: scheme.to_string(),
                verified: *verified,
            },
            Event::ChangeCipherSpec {
                sender,
                compatibility,
            } => Ev::ChangeCipherSpec {
                sender: *sender,
                compatibility: *compatibility,
            },
            Event::Finished {
                sender,
                verify_data,
            } => Ev::Finished {
                sender: *sender,
                verify_data: hex(verify_data),
            },
            Event::HandshakeComplete {
                version,
                suite,
                group,
                alpn,
            } => Ev::HandshakeComplete {
                version: version.to_string(),
                suite: suite.to_string(),
                group: group.map(|g| g.to_string()),
                alpn: alpn.map(|a| String::from_utf8_lossy(a).into_owned()),
            },
            Event::NewSessionTicket { lifetime } => Ev::NewSessionTicket {
                lifetime: *lifetime,
            },
            Event::KeyUpdate {
                sender,
                update_requested,
            } => Ev::KeyUpdate {
                sender: *sender,
                update_requested: *update_requested,
            },
            Event::Alert {
                sender,
                fatal,
                description,
            } => Ev::Alert {
                sender: *sender,
                fatal: *fatal,
                description: description.to_string(),
            },
            other => Ev::Other { kind: other.kind() },
        }
    }
}

/// An observer that keeps every event, from any number of connections, in arrival order.
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<Rec>>,
}

impl Recorder {
    pub fn events(&self) -> Vec<Rec> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Observer for Recorder {
    fn on_event(&self, side: Side, event: &Event<'_>) {
        let rec = Rec {
            side,
            kind: event.kind(),
            wire: event.wire_message(),
            ev: Ev::from_event(event),
        };
        if let Ok(mut e) = self.events.lock() {
            e.push(rec);
        }
    }
}

/// Prints each event as it happens (for `lucid serve --explain`).
pub struct LivePrinter {
    pub style: Style,
}

impl Observer for LivePrinter {
    fn on_event(&self, side: Side, event: &Event<'_>) {
        let ev = Ev::from_event(event);
        let mut out = String::new();
        render_one(&mut out, self.style, side, &ev, None);
        eprint!("{out}");
    }
}

/// ANSI styling, on only when writing to a terminal.
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn stdout() -> Style {
        use std::io::IsTerminal;
        Style {
            color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    fn ok(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn bad(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn lock(&self, t: &str) -> String {
        self.paint("33", t)
    }
}

fn who(side: Side) -> &'static str {
    match side {
        Side::Client => "Client",
        Side::Server => "Server",
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

fn field(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "      {:<20} {}", format!("{label}:"), value);
}

/// Which recorded events the text narration shows for the in-process demo, where both
/// ends report: every client event, plus what only the server knows (its checks of a
/// client certificate, alerts it sends).
pub fn demo_filter(r: &Rec) -> bool {
    match r.side {
        Side::Client => true,
        Side::Server => matches!(
            r.ev,
            Ev::ChainCheck { .. }
                | Ev::Alert {
                    sender: Side::Server,
                    fatal: true,
                    ..
                }
        ),
    }
}

/// Message events in order with their step numbers, as the text and the diagram number them.
pub fn steps(recs: &[&Rec]) -> Vec<Option<usize>> {
    let mut n = 0;
    recs.iter()
        .map(|r| {
            r.wire.map(|_| {
                n += 1;
                n
            })
        })
        .collect()
}

/// For each event: whether it was sent encrypted. TLS 1.3 encrypts everything after
/// ServerHello but ChangeCipherSpec; TLS 1.2 encrypts a side's messages after its own
/// ChangeCipherSpec.
pub fn encrypted(recs: &[&Rec]) -> Vec<bool> {
    let mut tls13 = false;
    let mut after_ccs = [false, false];
    recs.iter()
        .map(|r| {
            let Some((sender, _)) = r.wire else {
                return false;
            };
            let idx = usize::from(sender == Side::Server);
            match &r.ev {
                Ev::ServerHello { version, .. } => {
                    tls13 = version.contains("1.3");
                    false
                }
                Ev::ClientHello { .. } | Ev::HelloRetryRequest { .. } => false,
                Ev::ChangeCipherSpec { compatibility, .. } => {
                    if !compatibility && !tls13 {
                        after_ccs[idx] = true;
                    }
                    false
                }
                _ => tls13 || after_ccs[idx],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::json::json_str;
    use super::*;

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(json_str("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(json_str("✓"), "\"✓\"");
    }

    #[test]
    fn svg_marks_tls13_messages_after_server_hello_as_encrypted() {
        let recs = [
            Rec {
                side: Side::Client,
                kind: "server_hello",
                wire: Some((Side::Server, "ServerHello")),
                ev: Ev::ServerHello {
                    random: "00".into(),
                    version: "TLS 1.3".into(),
                    suite: "TLS_AES_128_GCM_SHA256".into(),
                    group: None,
                },
            },
            Rec {
                side: Side::Client,
                kind: "finished",
                wire: Some((Side::Server, "Finished")),
                ev: Ev::Finished {
                    sender: Side::Server,
                    verify_data: "ab".into(),
                },
            },
        ];
        let refs: Vec<&Rec> = recs.iter().collect();
        assert_eq!(encrypted(&refs), [false, true]);
        let svg = render_svg(&refs, "t <&>");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("1. ServerHello"));
        assert!(svg.contains("2. Finished 🔒"));
        assert!(svg.contains("t &lt;&amp;&gt;"));
    }
}
