//! End-to-end tests of `lucid demo`: the narration, the JSON trace, the SVG diagram and
//! every flow (checked against lucid's flow table).

mod common;

use common::{lucid, p, parse_json, temp_dir, Json};
use lucid::trace::{Flow, Side};

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

// --- the JSON trace of every demo flow against lucid's flow table ---------------------------

/// The handshake message a JSON trace event stands for, as `Event::message()` names it.
fn json_message(e: &Json) -> Option<(Side, &'static str)> {
    let sender = || match e.str("sender") {
        Some("client") => Side::Client,
        Some("server") => Side::Server,
        other => panic!("bad sender {other:?} in {e:?}"),
    };
    Some(match e.str("event")? {
        "client_hello" => (Side::Client, "ClientHello"),
        "hello_retry_request" => (Side::Server, "HelloRetryRequest"),
        "server_hello" => (Side::Server, "ServerHello"),
        "encrypted_extensions" => (Side::Server, "EncryptedExtensions"),
        "certificate_request" => (Side::Server, "CertificateRequest"),
        "certificate" => (sender(), "Certificate"),
        "server_key_exchange" => (Side::Server, "ServerKeyExchange"),
        "server_hello_done" => (Side::Server, "ServerHelloDone"),
        "client_key_exchange" => (Side::Client, "ClientKeyExchange"),
        "certificate_verify" => (sender(), "CertificateVerify"),
        "change_cipher_spec" => match e.get("compatibility") {
            Some(Json::Bool(false)) => (sender(), "ChangeCipherSpec"),
            Some(Json::Bool(true)) => return None,
            other => panic!("change_cipher_spec without compatibility: {other:?}"),
        },
        "finished" => (sender(), "Finished"),
        _ => return None,
    })
}

fn is_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn demo_trace_json_of_every_flow_matches_the_flow_table() {
    let dir = temp_dir("flowtrace");
    for (name, flow, tls13, suite_prefix) in [
        ("tls13", Flow::Tls13, true, "TLS_AES_"),
        (
            "tls12-ecdhe",
            Flow::Tls12Ecdhe,
            false,
            "TLS_ECDHE_ECDSA_WITH_",
        ),
        (
            "tls12-rsa",
            Flow::Tls12Rsa,
            false,
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
        ),
        ("mtls", Flow::Tls13ClientAuth, true, "TLS_AES_"),
    ] {
        let trace = dir.join(format!("{name}.jsonl"));
        let svg = dir.join(format!("{name}.svg"));
        let out = lucid(
            &[
                "demo",
                "--quiet",
                "--flow",
                name,
                "--trace-json",
                p(&trace),
                "--diagram",
                p(&svg),
            ],
            120,
        );
        assert_eq!(out.code, Some(0), "{name}: stderr: {}", out.stderr);
        let text = std::fs::read_to_string(&trace).unwrap();
        let events: Vec<Json> = text.lines().map(parse_json).collect();
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.get("seq"), Some(&Json::Num((i + 1) as f64)), "{name}");
        }

        // The demo runs both ends, and each reports every message it sends or receives:
        // each side's view, on its own, is the whole flow.
        let expected: Vec<(Side, &str)> = flow.messages().to_vec();
        for side in ["client", "server"] {
            let seen: Vec<(Side, &str)> = events
                .iter()
                .filter(|e| e.str("side") == Some(side))
                .filter_map(json_message)
                .collect();
            assert_eq!(seen, expected, "{name}, {side} side:\n{text}");
        }

        let client: Vec<&Json> = events
            .iter()
            .filter(|e| e.str("side") == Some("client"))
            .collect();
        let server: Vec<&Json> = events
            .iter()
            .filter(|e| e.str("side") == Some("server"))
            .collect();
        let one = |side: &[&'_ Json], kind: &str| -> usize {
            let found: Vec<usize> = side
                .iter()
                .filter(|e| e.str("event") == Some(kind))
                .map(|e| seq_of(e) - 1)
                .collect();
            assert_eq!(found.len(), 1, "{name}: {kind} events at {found:?}");
            found[0]
        };
        let one = |side: &[&Json], kind: &str| -> &Json { &events[one(side, kind)] };

        // ClientHello: a 64-hex-digit random, the same on both ends; not a retry.
        let ch = one(&client, "client_hello");
        let random = ch.str("random").unwrap();
        assert_eq!(random.len(), 64, "{name}: {random}");
        assert!(is_hex(random), "{name}: {random}");
        assert_eq!(one(&server, "client_hello").str("random"), Some(random));
        assert_eq!(ch.get("retry"), Some(&Json::Bool(false)), "{name}");
        assert_eq!(ch.str("sni"), Some("localhost"), "{name}");

        // ServerHello: version and suite of the flow, a random of its own.
        let sh = one(&client, "server_hello");
        let version = if tls13 { "TLS 1.3" } else { "TLS 1.2" };
        assert_eq!(sh.str("version"), Some(version), "{name}");
        let suite = sh.str("suite").unwrap().to_string();
        assert!(suite.starts_with(suite_prefix), "{name}: suite {suite}");
        let sr = sh.str("random").unwrap();
        assert!(sr.len() == 64 && is_hex(sr) && sr != random, "{name}: {sr}");
        assert_eq!(one(&server, "server_hello").str("random"), Some(sr));
        // The group is in a TLS 1.3 ServerHello's key_share; TLS 1.2 has none there.
        if tls13 {
            assert!(sh.str("group").is_some(), "{name}: {sh:?}");
        } else {
            assert_eq!(sh.get("group"), Some(&Json::Null), "{name}: {sh:?}");
        }

        // Certificates: the server's chain names localhost; in mTLS the client's is alice.
        for e in client
            .iter()
            .filter(|e| e.str("event") == Some("certificate"))
        {
            let Some(Json::Arr(chain)) = e.get("chain") else {
                panic!("{name}: certificate without chain: {e:?}");
            };
            assert!(!chain.is_empty(), "{name}: empty chain");
            let subject = chain[0].str("subject").unwrap();
            match e.str("sender") {
                Some("server") => assert!(subject.contains("localhost"), "{name}: {subject}"),
                Some("client") => assert!(subject.contains("alice"), "{name}: {subject}"),
                s => panic!("{name}: sender {s:?}"),
            }
        }
        for e in client
            .iter()
            .filter(|e| e.str("event") == Some("certificate_verify"))
        {
            assert_eq!(e.get("verified"), Some(&Json::Bool(true)), "{name}: {e:?}");
            assert!(e.str("scheme").is_some(), "{name}: {e:?}");
        }
        if flow == Flow::Tls13ClientAuth {
            let cr = one(&client, "certificate_request");
            assert!(
                matches!(cr.get("schemes"), Some(Json::Arr(s)) if !s.is_empty()),
                "{name}: {cr:?}"
            );
        }

        // TLS 1.2 key exchange messages.
        match flow {
            Flow::Tls12Ecdhe => {
                let ske = one(&client, "server_key_exchange");
                assert!(
                    ske.str("group").is_some() && ske.str("scheme").is_some(),
                    "{ske:?}"
                );
                let cke = one(&client, "client_key_exchange");
                assert_eq!(cke.str("kind"), Some("ecdhe"), "{cke:?}");
                assert_eq!(cke.str("group"), ske.str("group"), "{cke:?}");
            }
            Flow::Tls12Rsa => {
                let cke = one(&client, "client_key_exchange");
                assert_eq!(cke.str("kind"), Some("rsa_transport"), "{cke:?}");
                assert_eq!(cke.get("group"), Some(&Json::Null), "{cke:?}");
                assert_eq!(cke.get("length"), Some(&Json::Num(256.0)), "{cke:?}");
            }
            _ => {}
        }

        // Finished: verify_data is 12 bytes in TLS 1.2, a hash length in TLS 1.3, and the
        // two ends agree on each.
        for sender in ["client", "server"] {
            let vd = |side: &[&Json]| -> String {
                let f: Vec<&&Json> = side
                    .iter()
                    .filter(|e| {
                        e.str("event") == Some("finished") && e.str("sender") == Some(sender)
                    })
                    .collect();
                assert_eq!(f.len(), 1, "{name}: {sender} finished: {f:?}");
                f[0].str("verify_data").unwrap().to_string()
            };
            let v = vd(&client);
            assert!(is_hex(&v), "{name}: {v}");
            let want = if tls13 { 64 } else { 24 };
            assert_eq!(v.len(), want, "{name}: {sender} verify_data {v}");
            assert_eq!(vd(&server), v, "{name}: {sender} verify_data differs");
        }

        // Both ends complete with the suite the ServerHello chose.
        for side in [&client, &server] {
            let hc = one(side, "handshake_complete");
            assert_eq!(hc.str("version"), Some(version), "{name}: {hc:?}");
            assert_eq!(hc.str("suite"), Some(suite.as_str()), "{name}: {hc:?}");
        }

        // The diagram names every message of the flow, once per message.
        let svg_text = std::fs::read_to_string(&svg).unwrap();
        assert!(svg_text.starts_with("<svg"), "{name}");
        assert!(svg_text.trim_end().ends_with("</svg>"), "{name}");
        for (_, msg) in flow.messages() {
            assert!(svg_text.contains(msg), "{name}: no {msg} in the diagram");
        }
        // Its numbered arrows, in order, are the flow's messages plus what the narration
        // also draws: TLS 1.3 compatibility ChangeCipherSpecs and the closing alerts.
        let labels: Vec<&str> = svg_text
            .split("</text>")
            .filter_map(|t| t.rsplit('>').next())
            .filter_map(|t| t.split_once(". "))
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, rest)| rest.trim_end_matches(" 🔒"))
            .collect();
        let arrows = svg_text.matches("marker-end=\"url(#arrow)\"").count();
        assert_eq!(labels.len(), arrows, "{name}: {labels:?}");
        let drawn: Vec<&str> = labels
            .iter()
            .copied()
            .filter(|l| *l != "Alert" && !(tls13 && *l == "ChangeCipherSpec"))
            .collect();
        let want: Vec<&str> = flow.messages().iter().map(|(_, m)| *m).collect();
        assert_eq!(drawn, want, "{name}: diagram labels {labels:?}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn seq_of(e: &Json) -> usize {
    match e.get("seq") {
        Some(Json::Num(n)) => *n as usize,
        other => panic!("no seq: {other:?}"),
    }
}
