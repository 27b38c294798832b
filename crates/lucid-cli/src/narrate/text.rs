//! The narration as numbered text steps.

use super::*;

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
