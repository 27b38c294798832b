//! Narration: records the engine's trace events and renders them as numbered text steps,
//! JSON Lines (docs/trace-schema.md) or an SVG sequence diagram.

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

    /// For handshake messages: who sent it and its name. `None` for facts that are not
    /// messages on the wire (secrets, checks, key exchange, completion).
    pub fn message(&self) -> Option<(Side, &'static str)> {
        Some(match self {
            Ev::ClientHello { .. } => (Side::Client, "ClientHello"),
            Ev::HelloRetryRequest { .. } => (Side::Server, "HelloRetryRequest"),
            Ev::ServerHello { .. } => (Side::Server, "ServerHello"),
            Ev::EncryptedExtensions { .. } => (Side::Server, "EncryptedExtensions"),
            Ev::CertificateRequest { .. } => (Side::Server, "CertificateRequest"),
            Ev::Certificate { sender, .. } => (*sender, "Certificate"),
            Ev::ServerKeyExchange { .. } => (Side::Server, "ServerKeyExchange"),
            Ev::ServerHelloDone => (Side::Server, "ServerHelloDone"),
            Ev::ClientKeyExchange { .. } => (Side::Client, "ClientKeyExchange"),
            Ev::CertificateVerify { sender, .. } => (*sender, "CertificateVerify"),
            Ev::ChangeCipherSpec { sender, .. } => (*sender, "ChangeCipherSpec"),
            Ev::Finished { sender, .. } => (*sender, "Finished"),
            Ev::NewSessionTicket { .. } => (Side::Server, "NewSessionTicket"),
            Ev::KeyUpdate { sender, .. } => (*sender, "KeyUpdate"),
            Ev::Alert { sender, .. } => (*sender, "Alert"),
            _ => return None,
        })
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
            r.ev.message().map(|_| {
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
            let Some((sender, _)) = r.ev.message() else {
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

/// The narration as text: numbered steps for messages, indented facts under them.
pub fn render_text(recs: &[&Rec], style: Style) -> String {
    let mut out = String::new();
    let numbers = steps(recs);
    let enc = encrypted(recs);
    for ((r, n), e) in recs.iter().zip(numbers).zip(enc) {
        let mut block = String::new();
        render_one(&mut block, style, r.side, &r.ev, n);
        if e && !block.contains("🔒") {
            // Mark the headline (first line) of an encrypted message.
            if let Some(i) = block.find('\n') {
                block.insert_str(i, &style.lock(" 🔒"));
            }
        }
        out.push_str(&block);
    }
    out
}

fn headline(
    out: &mut String,
    style: Style,
    n: Option<usize>,
    sender: Side,
    name: &str,
    note: &str,
) {
    let num = n.map(|n| format!("{n:>2}. ")).unwrap_or_default();
    let arrow = format!("{} → {}", who(sender), who(sender.peer()));
    let _ = writeln!(out, "{num}{}: {}{}", arrow, style.bold(name), note);
}

fn say(out: &mut String, text: &str) {
    let _ = writeln!(out, "      {text}");
}

/// Renders one event. `side` is the connection that reported it.
pub fn render_one(out: &mut String, style: Style, side: Side, ev: &Ev, n: Option<usize>) {
    match ev {
        Ev::ClientHello {
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
        } => {
            let note = if *retry {
                " (again, after HelloRetryRequest)"
            } else {
                ""
            };
            headline(out, style, n, Side::Client, "ClientHello", note);
            say(
                out,
                "The client opens: everything it can do, a fresh random, and key shares",
            );
            say(
                out,
                "so the server can agree on keys without another round trip.",
            );
            field(out, "client random", random);
            field(out, "versions offered", &list(versions));
            field(out, "cipher suites", &list(suites));
            field(out, "groups", &list(groups));
            field(out, "key shares for", &list(key_shares));
            field(out, "signature schemes", &list(schemes));
            field(out, "server name (SNI)", sni.as_deref().unwrap_or("(none)"));
            field(out, "ALPN", &list(alpn));
            if !session_id.is_empty() {
                field(out, "legacy session id", session_id);
            }
        }
        Ev::HelloRetryRequest {
            suite,
            group,
            cookie,
        } => {
            headline(out, style, n, Side::Server, "HelloRetryRequest", "");
            say(out, &format!("None of the client's key shares suits the server: it asks for a {group} share."));
            field(out, "suite so far", suite);
            field(out, "cookie to echo", if *cookie { "yes" } else { "no" });
        }
        Ev::ServerHello {
            random,
            version,
            suite,
            group,
        } => {
            headline(out, style, n, Side::Server, "ServerHello", "");
            say(
                out,
                "The server picks one of each thing the client offered and adds its own random.",
            );
            field(out, "server random", random);
            field(out, "version", version);
            field(out, "cipher suite", suite);
            if let Some(g) = group {
                field(out, "key-exchange group", g);
            }
        }
        Ev::KeyExchange {
            kind,
            group,
            post_quantum,
        } => {
            let text = match (*kind, group) {
                ("ecdhe", Some(g)) if *post_quantum => format!(
                    "key exchange: ephemeral {g}, hybrid post-quantum (ML-KEM-768 + X25519): both shares combine into the shared secret"
                ),
                ("ecdhe", Some(g)) => format!("key exchange: ephemeral (EC)DHE over {g}: forward secret"),
                _ => "key exchange: RSA key transport: the client encrypts a pre-master secret to the server's RSA key (no forward secrecy)".to_string(),
            };
            say(out, &format!("{} {text}", side_tag(side)));
        }
        Ev::SecretDerived {
            name,
            inputs,
            value,
        } => {
            say(
                out,
                &format!("{} {} {name} ← {inputs}", side_tag(side), style.lock("⚿")),
            );
            if let Some(v) = value {
                say(out, &format!("    = {}", style.dim(v)));
            }
        }
        Ev::EncryptedExtensions {
            alpn,
            sni_acknowledged,
        } => {
            headline(out, style, n, Side::Server, "EncryptedExtensions", "");
            say(
                out,
                "The first encrypted message: the rest of the server's choices.",
            );
            field(out, "ALPN chosen", alpn.as_deref().unwrap_or("(none)"));
            field(
                out,
                "SNI acknowledged",
                if *sni_acknowledged { "yes" } else { "no" },
            );
        }
        Ev::CertificateRequest {
            schemes,
            authorities,
        } => {
            headline(out, style, n, Side::Server, "CertificateRequest", "");
            say(
                out,
                "The server asks the client for a certificate too (mutual TLS).",
            );
            field(out, "schemes accepted", &list(schemes));
            field(out, "trusted client CAs", &list(authorities));
        }
        Ev::Certificate { sender, chain } => {
            headline(out, style, n, *sender, "Certificate", "");
            if chain.is_empty() {
                say(
                    out,
                    &format!("The {} sends no certificate.", who(*sender).to_lowercase()),
                );
            } else {
                say(
                    out,
                    &format!(
                        "The {}'s certificate chain, end entity first ({} certificate{}):",
                        who(*sender).to_lowercase(),
                        chain.len(),
                        if chain.len() == 1 { "" } else { "s" }
                    ),
                );
            }
            for (i, c) in chain.iter().enumerate() {
                say(out, &format!("[{i}] subject:  {}", c.subject));
                say(out, &format!("    issuer:   {}", c.issuer));
                say(
                    out,
                    &format!("    valid:    {} → {}", c.not_before, c.not_after),
                );
                say(out, &format!("    names:    {}", list(&c.names)));
                say(
                    out,
                    &format!(
                        "    key:      {}{}",
                        c.key,
                        if c.is_ca { " (a CA)" } else { "" }
                    ),
                );
            }
        }
        Ev::ChainCheck {
            check,
            passed,
            detail,
        } => {
            let mark = if *passed {
                style.ok("✓")
            } else {
                style.bad("✗")
            };
            let whose = match side {
                Side::Client => "client checks",
                Side::Server => "server checks",
            };
            say(out, &format!("{mark} {whose} {check}: {detail}"));
        }
        Ev::ServerKeyExchange { group, scheme } => {
            headline(out, style, n, Side::Server, "ServerKeyExchange", "");
            say(
                out,
                &format!("The server's ephemeral {group} share, signed with {scheme}"),
            );
            say(
                out,
                "so the client knows it comes from the certificate's owner.",
            );
        }
        Ev::ServerHelloDone => {
            headline(out, style, n, Side::Server, "ServerHelloDone", "");
            say(
                out,
                "The server's first flight is complete; it now waits for the client's key exchange.",
            );
        }
        Ev::ClientKeyExchange {
            kind,
            group,
            length,
        } => {
            headline(out, style, n, Side::Client, "ClientKeyExchange", "");
            if *kind == "rsa_transport" {
                say(out, &format!("A 48-byte pre-master secret encrypted to the server's RSA key ({length} bytes)."));
                say(
                    out,
                    "Client random + server random + pre-master secret → master secret → keys.",
                );
            } else {
                say(out, &format!(
                    "The client's ephemeral {} share ({length} bytes); both sides now compute the same pre-master secret.",
                    group.as_deref().unwrap_or("?")
                ));
            }
        }
        Ev::CertificateVerify {
            sender,
            scheme,
            verified,
        } => {
            headline(out, style, n, *sender, "CertificateVerify", "");
            say(out, &format!(
                "A signature ({scheme}) over the transcript: proof the {} holds the certificate's private key.",
                who(*sender).to_lowercase()
            ));
            if *sender != side {
                let mark = if *verified {
                    style.ok("✓ verified")
                } else {
                    style.bad("✗ not verified")
                };
                say(out, &mark);
            }
        }
        Ev::ChangeCipherSpec {
            sender,
            compatibility,
        } => {
            headline(out, style, n, *sender, "ChangeCipherSpec", "");
            if *compatibility {
                say(
                    out,
                    "For middlebox compatibility only; in TLS 1.3 it changes nothing.",
                );
            } else {
                say(
                    out,
                    &format!(
                        "From here on the {}'s records are encrypted with the new keys.",
                        who(*sender).to_lowercase()
                    ),
                );
            }
        }
        Ev::Finished {
            sender,
            verify_data,
        } => {
            headline(out, style, n, *sender, "Finished", "");
            say(out, "A MAC over the hash of every handshake message so far: both sides saw the same handshake.");
            field(out, "verify_data", verify_data);
            if *sender != side {
                say(out, &style.ok("✓ matches our own transcript"));
            }
        }
        Ev::HandshakeComplete {
            version,
            suite,
            group,
            alpn,
        } => {
            let _ = writeln!(
                out,
                "{}",
                style.bold(&format!("{} Handshake complete", side_tag(side)))
            );
            field(out, "version", version);
            field(out, "cipher suite", suite);
            field(
                out,
                "group",
                group.as_deref().unwrap_or("(none: RSA key transport)"),
            );
            field(out, "ALPN", alpn.as_deref().unwrap_or("(none)"));
            say(out, "Application data now flows under the traffic keys.");
        }
        Ev::NewSessionTicket { lifetime } => {
            headline(out, style, n, Side::Server, "NewSessionTicket", "");
            say(
                out,
                &format!("A ticket the client may use to resume later (lifetime {lifetime} s)."),
            );
        }
        Ev::KeyUpdate {
            sender,
            update_requested,
        } => {
            headline(out, style, n, *sender, "KeyUpdate", "");
            say(
                out,
                &format!(
                    "New traffic keys; peer asked to update too: {}",
                    if *update_requested { "yes" } else { "no" }
                ),
            );
        }
        Ev::Alert {
            sender,
            fatal,
            description,
        } => {
            let level = if *fatal { "fatal" } else { "warning" };
            headline(out, style, n, *sender, "Alert", "");
            let text = if description == "close_notify" {
                format!(
                    "close_notify: the {} has finished sending (a clean end, not an error)",
                    who(*sender).to_lowercase()
                )
            } else {
                format!("{level} alert: {description}")
            };
            say(out, &if *fatal { style.bad(&text) } else { text });
        }
        Ev::Other { kind } => say(out, &format!("{} {kind}", side_tag(side))),
    }
}

fn side_tag(side: Side) -> &'static str {
    match side {
        Side::Client => "[client]",
        Side::Server => "[server]",
    }
}

// ---------------------------------------------------------------------------------------
// JSON Lines

/// Escapes `s` as a JSON string, quotes included.
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| json_str(s)).collect();
    format!("[{}]", parts.join(","))
}

fn json_opt(v: &Option<String>) -> String {
    v.as_deref().map(json_str).unwrap_or_else(|| "null".into())
}

fn json_cert(c: &CertSummary) -> String {
    format!(
        "{{\"subject\":{},\"issuer\":{},\"not_before\":{},\"not_after\":{},\"names\":{},\"key\":{},\"is_ca\":{}}}",
        json_str(&c.subject),
        json_str(&c.issuer),
        json_str(&c.not_before),
        json_str(&c.not_after),
        json_list(&c.names),
        json_str(&c.key),
        c.is_ca
    )
}

/// One JSON object (no newline) for a recorded event.
pub fn json_line(seq: usize, r: &Rec) -> String {
    let mut f: Vec<(&str, String)> = Vec::new();
    let side = |s: Side| json_str(s.name());
    match &r.ev {
        Ev::ClientHello {
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
        } => {
            f.push(("random", json_str(random)));
            f.push(("session_id", json_str(session_id)));
            f.push(("versions", json_list(versions)));
            f.push(("suites", json_list(suites)));
            f.push(("groups", json_list(groups)));
            f.push(("key_shares", json_list(key_shares)));
            f.push(("schemes", json_list(schemes)));
            f.push(("sni", json_opt(sni)));
            f.push(("alpn", json_list(alpn)));
            f.push(("retry", retry.to_string()));
        }
        Ev::HelloRetryRequest {
            suite,
            group,
            cookie,
        } => {
            f.push(("suite", json_str(suite)));
            f.push(("group", json_str(group)));
            f.push(("cookie", cookie.to_string()));
        }
        Ev::ServerHello {
            random,
            version,
            suite,
            group,
        } => {
            f.push(("random", json_str(random)));
            f.push(("version", json_str(version)));
            f.push(("suite", json_str(suite)));
            f.push(("group", json_opt(group)));
        }
        Ev::KeyExchange {
            kind,
            group,
            post_quantum,
        } => {
            f.push(("kind", json_str(kind)));
            f.push(("group", json_opt(group)));
            f.push(("post_quantum", post_quantum.to_string()));
        }
        Ev::SecretDerived {
            name,
            inputs,
            value,
        } => {
            f.push(("name", json_str(name)));
            f.push(("inputs", json_str(inputs)));
            f.push(("value", json_opt(value)));
        }
        Ev::EncryptedExtensions {
            alpn,
            sni_acknowledged,
        } => {
            f.push(("alpn", json_opt(alpn)));
            f.push(("sni_acknowledged", sni_acknowledged.to_string()));
        }
        Ev::CertificateRequest {
            schemes,
            authorities,
        } => {
            f.push(("schemes", json_list(schemes)));
            f.push(("authorities", json_list(authorities)));
        }
        Ev::Certificate { sender, chain } => {
            f.push(("sender", side(*sender)));
            let certs: Vec<String> = chain.iter().map(json_cert).collect();
            f.push(("chain", format!("[{}]", certs.join(","))));
        }
        Ev::ChainCheck {
            check,
            passed,
            detail,
        } => {
            f.push(("check", json_str(check)));
            f.push(("passed", passed.to_string()));
            f.push(("detail", json_str(detail)));
        }
        Ev::ServerKeyExchange { group, scheme } => {
            f.push(("group", json_str(group)));
            f.push(("scheme", json_str(scheme)));
        }
        Ev::ServerHelloDone => {}
        Ev::ClientKeyExchange {
            kind,
            group,
            length,
        } => {
            f.push(("kind", json_str(kind)));
            f.push(("group", json_opt(group)));
            f.push(("length", length.to_string()));
        }
        Ev::CertificateVerify {
            sender,
            scheme,
            verified,
        } => {
            f.push(("sender", side(*sender)));
            f.push(("scheme", json_str(scheme)));
            f.push(("verified", verified.to_string()));
        }
        Ev::ChangeCipherSpec {
            sender,
            compatibility,
        } => {
            f.push(("sender", side(*sender)));
            f.push(("compatibility", compatibility.to_string()));
        }
        Ev::Finished {
            sender,
            verify_data,
        } => {
            f.push(("sender", side(*sender)));
            f.push(("verify_data", json_str(verify_data)));
        }
        Ev::HandshakeComplete {
            version,
            suite,
            group,
            alpn,
        } => {
            f.push(("version", json_str(version)));
            f.push(("suite", json_str(suite)));
            f.push(("group", json_opt(group)));
            f.push(("alpn", json_opt(alpn)));
        }
        Ev::NewSessionTicket { lifetime } => f.push(("lifetime", lifetime.to_string())),
        Ev::KeyUpdate {
            sender,
            update_requested,
        } => {
            f.push(("sender", side(*sender)));
            f.push(("update_requested", update_requested.to_string()));
        }
        Ev::Alert {
            sender,
            fatal,
            description,
        } => {
            f.push(("sender", side(*sender)));
            f.push(("fatal", fatal.to_string()));
            f.push(("description", json_str(description)));
        }
        Ev::Other { .. } => {}
    }
    let mut out = format!(
        "{{\"seq\":{seq},\"side\":{},\"event\":{}",
        json_str(r.side.name()),
        json_str(r.kind)
    );
    for (k, v) in f {
        let _ = write!(out, ",{}:{}", json_str(k), v);
    }
    out.push('}');
    out
}

/// Every event as JSON Lines.
pub fn render_json(recs: &[Rec]) -> String {
    let mut out = String::new();
    for (i, r) in recs.iter().enumerate() {
        out.push_str(&json_line(i + 1, r));
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------
// SVG sequence diagram

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A sequence diagram of the handshake messages in `recs` (numbered as in the text).
pub fn render_svg(recs: &[&Rec], title: &str) -> String {
    const W: i32 = 760;
    const CX: i32 = 140;
    const SX: i32 = 620;
    const TOP: i32 = 90;
    const ROW: i32 = 44;
    let numbers = steps(recs);
    let enc = encrypted(recs);
    let mut rows = Vec::new();
    for ((r, n), e) in recs.iter().zip(numbers).zip(enc) {
        if let (Some(n), Some((sender, name))) = (n, r.ev.message()) {
            rows.push((n, sender, name, e));
        }
    }
    let height = TOP + ROW * rows.len() as i32 + 60;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" font-family="sans-serif" font-size="14">"#
    );
    s.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>"##);
    s.push('\n');
    let _ = writeln!(
        s,
        r##"<rect width="{W}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text x="{}" y="24" text-anchor="middle" font-weight="bold">{}</text>"##,
        W / 2,
        xml(title)
    );
    for (x, label) in [(CX, "Client"), (SX, "Server")] {
        let _ = writeln!(
            s,
            r##"<rect x="{}" y="40" width="120" height="30" rx="4" fill="#e8eef8" stroke="#335"/><text x="{x}" y="60" text-anchor="middle" font-weight="bold">{label}</text>"##,
            x - 60
        );
        let _ = writeln!(
            s,
            r##"<line x1="{x}" y1="70" x2="{x}" y2="{}" stroke="#999" stroke-width="1.5"/>"##,
            height - 20
        );
    }
    for (i, (n, sender, name, enc)) in rows.iter().enumerate() {
        let y = TOP + ROW * i as i32 + 24;
        let (x1, x2) = if *sender == Side::Client {
            (CX, SX)
        } else {
            (SX, CX)
        };
        let dash = if *enc {
            r#" stroke-dasharray="6,4""#
        } else {
            ""
        };
        let lock = if *enc { " 🔒" } else { "" };
        let _ = writeln!(
            s,
            r##"<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#333" stroke-width="1.5"{dash} marker-end="url(#arrow)"/>"##
        );
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle">{n}. {}{lock}</text>"##,
            (CX + SX) / 2,
            y - 6,
            xml(name)
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#666">dashed arrows with 🔒: sent encrypted</text>"##,
        W / 2,
        height - 6
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
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
