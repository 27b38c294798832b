//! The narration as JSON Lines (docs/trace-schema.md).

use super::*;

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
