//! lucid vs rustls 0.23 (aws-lc-rs provider, so both sides use the same crypto), in one
//! process, in memory, with rounds interleaved (lucid, rustls, lucid, ...) and one counting
//! global allocator for both.
//!
//! Every row is `case  lucid  rustls  lucid/rustls`. For rates (handshakes/s, MB/s) the
//! ratio is lucid/rustls of rates, so > 1 means lucid is faster; for memory it is
//! lucid/rustls of bytes, so < 1 means lucid holds less. The ratio is the median of the
//! per-round ratios; the two value columns are the medians of the per-round values.
//!
//! rustls has no RSA key transport, so the TLS 1.2 RSA key-transport rows
//! (`handshake-tls12-rsa-kx-*`) compare lucid with OpenSSL (the system libssl through the
//! `openssl` crate), driven over an in-memory duplex in the same process; so does the
//! cross-check row `handshake-tls13-ecdsa-pair-vs-openssl`. Those rows follow their own
//! `case  lucid  openssl  lucid/openssl` header, and the ratio is lucid/OpenSSL of rates.
//!
//! `--quick` runs a few tiny rounds (for the smoke test); the default run takes well
//! under two minutes on a release build.

mod alloc;
mod drive;
mod ossl;
mod report;
mod setup;

use std::error::Error as StdError;
use std::panic::{catch_unwind, AssertUnwindSafe};

use rustls::crypto::aws_lc_rs as provider;

use alloc::allocated;
use drive::{
    check, l_check, l_handshake, l_handshakes, l_receive, l_send, r_handshake, r_handshakes,
    r_receive, r_send, Scratch, CHUNK,
};
use ossl::{o_check, o_configs, o_handshakes, OsslConfigs};
use report::{mb_rate, median, print_na, print_row, rate, Samples, Unit};
use setup::{configs, lucid_configs, make_pki, Configs, LucidConfigs, Proto};

pub(crate) type Res<T> = Result<T, Box<dyn StdError>>;

struct Plan {
    rounds: usize,
    handshakes: usize,
    records: usize,
    memory_rounds: usize,
}

// ---------------------------------------------------------------------------------------
// Cases.

/// One handshake case measured once per round; yields the `-pair` and `-server` rows from
/// the same handshakes.
fn handshake_case(name: &str, cfg: &Configs, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    // Warm-up (also checks both sides work and negotiate the same thing).
    check(cfg, sc)?;
    l_handshakes(&cfg.lucid, sc, 1)?;
    r_handshakes(cfg, sc, 1)?;
    let mut pair = Samples::new();
    let mut server = Samples::new();
    for _ in 0..plan.rounds {
        let (lp, ls) = l_handshakes(&cfg.lucid, sc, plan.handshakes)?;
        let (rp, rs) = r_handshakes(cfg, sc, plan.handshakes)?;
        pair.lucid.push(rate(plan.handshakes, lp));
        pair.other.push(rate(plan.handshakes, rp));
        server.lucid.push(rate(plan.handshakes, ls));
        server.other.push(rate(plan.handshakes, rs));
    }
    print_row(&format!("{name}-pair"), Unit::HandshakesPerSec, &pair);
    print_row(&format!("{name}-server"), Unit::HandshakesPerSec, &server);
    Ok(())
}

/// TLS 1.2: only the pair row. If lucid's TLS 1.2 engine fails (error or panic), prints
/// n/a for lucid and still measures rustls.
fn tls12_case(name: &str, cfg: Res<Configs>, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => {
            print_na(name, Unit::HandshakesPerSec, None, &format!("config: {e}"));
            return Ok(());
        }
    };
    let probe = catch_unwind(AssertUnwindSafe(|| {
        check(&cfg, sc).map_err(|e| e.to_string())
    }));
    let lucid_err = match probe {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some("panicked".to_string()),
    };
    r_handshakes(&cfg, sc, 1)?;
    if let Some(why) = lucid_err {
        let mut r = Vec::new();
        for _ in 0..plan.rounds {
            let (rp, _) = r_handshakes(&cfg, sc, plan.handshakes)?;
            r.push(rate(plan.handshakes, rp));
        }
        print_na(name, Unit::HandshakesPerSec, Some(median(&r)), &why);
        return Ok(());
    }
    let mut pair = Samples::new();
    for _ in 0..plan.rounds {
        let l = catch_unwind(AssertUnwindSafe(|| {
            l_handshakes(&cfg.lucid, sc, plan.handshakes).map_err(|e| e.to_string())
        }));
        let (lp, _) = match l {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                print_na(name, Unit::HandshakesPerSec, None, &e);
                return Ok(());
            }
            Err(_) => {
                print_na(name, Unit::HandshakesPerSec, None, "panicked");
                return Ok(());
            }
        };
        let (rp, _) = r_handshakes(&cfg, sc, plan.handshakes)?;
        pair.lucid.push(rate(plan.handshakes, lp));
        pair.other.push(rate(plan.handshakes, rp));
    }
    print_row(name, Unit::HandshakesPerSec, &pair);
    Ok(())
}

/// lucid vs OpenSSL handshakes: the `pair` row and, if `server` names one, the server-call
/// row from the same handshakes. As for TLS 1.2 against rustls, a lucid failure (error or
/// panic) prints n/a for lucid and still measures OpenSSL.
fn openssl_case(
    pair: &str,
    server: Option<&str>,
    lucid: Res<LucidConfigs>,
    group: Option<lucid::Group>,
    ossl: &OsslConfigs,
    plan: &Plan,
    sc: &mut Scratch,
) -> Res<()> {
    let unit = Unit::HandshakesPerSec;
    o_check(ossl)?;
    o_handshakes(ossl, 1)?;
    let rows: Vec<&str> = std::iter::once(pair).chain(server).collect();
    // n/a rows for lucid, with OpenSSL's medians when it was measured.
    let na = |why: &str, o: Option<(&Samples, &Samples)>| {
        print_na(pair, unit, o.map(|(p, _)| median(&p.other)), why);
        if let Some(name) = server {
            print_na(name, unit, o.map(|(_, s)| median(&s.other)), why);
        }
    };
    let cfg = match lucid {
        Ok(c) => c,
        Err(e) => {
            na(&format!("config: {e}"), None);
            return Ok(());
        }
    };
    let lsuite = ossl.suite;
    let probe = catch_unwind(AssertUnwindSafe(|| {
        l_check(&cfg, sc, lsuite.version, lsuite, group)?;
        l_handshakes(&cfg, sc, 1).map(|_| ())
    }));
    let lucid_err = match probe {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("panicked".to_string()),
    };
    let mut p = Samples::new();
    let mut s = Samples::new();
    for _ in 0..plan.rounds {
        if lucid_err.is_none() {
            let l = catch_unwind(AssertUnwindSafe(|| {
                l_handshakes(&cfg, sc, plan.handshakes).map_err(|e| e.to_string())
            }));
            let (lp, ls) = match l {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => {
                    na(&e, None);
                    return Ok(());
                }
                Err(_) => {
                    na("panicked", None);
                    return Ok(());
                }
            };
            p.lucid.push(rate(plan.handshakes, lp));
            s.lucid.push(rate(plan.handshakes, ls));
        }
        let (op, os) = o_handshakes(ossl, plan.handshakes)?;
        p.other.push(rate(plan.handshakes, op));
        s.other.push(rate(plan.handshakes, os));
    }
    if let Some(why) = lucid_err {
        na(&why, Some((&p, &s)));
        return Ok(());
    }
    for (name, samples) in rows.iter().zip([&p, &s]) {
        print_row(name, unit, samples);
    }
    Ok(())
}

fn bulk_case(name: &str, cfg: &Configs, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    let chunk = vec![0x5au8; CHUNK];
    let bytes = plan.records * CHUNK;
    check(cfg, sc)?;
    let (mut lc, mut ls, _) = l_handshake(&cfg.lucid, sc)?;
    let (mut rc, mut rs, _) = r_handshake(cfg, sc)?;
    let mut wire = Vec::with_capacity(plan.records * (CHUNK + 64));

    // Separate connection pairs are not needed: send discards its bytes, so it runs on the
    // second pair, and receive keeps the first pair's sequence numbers in step.
    let (mut lc2, _ls2, _) = l_handshake(&cfg.lucid, sc)?;
    let (mut rc2, _rs2, _) = r_handshake(cfg, sc)?;

    // Warm-up.
    l_send(&mut lc2, sc, &chunk, 4)?;
    r_send(&mut rc2, sc, &chunk, 4)?;
    l_receive(&mut lc, &mut ls, sc, &chunk, 4, &mut wire)?;
    r_receive(&mut rc, &mut rs, sc, &chunk, 4, &mut wire)?;

    let mut send = Samples::new();
    let mut recv = Samples::new();
    for _ in 0..plan.rounds {
        let l = l_send(&mut lc2, sc, &chunk, plan.records)?;
        let r = r_send(&mut rc2, sc, &chunk, plan.records)?;
        send.lucid.push(mb_rate(bytes, l));
        send.other.push(mb_rate(bytes, r));
    }
    for _ in 0..plan.rounds {
        let l = l_receive(&mut lc, &mut ls, sc, &chunk, plan.records, &mut wire)?;
        let r = r_receive(&mut rc, &mut rs, sc, &chunk, plan.records, &mut wire)?;
        recv.lucid.push(mb_rate(bytes, l));
        recv.other.push(mb_rate(bytes, r));
    }
    print_row(&format!("{name}-send"), Unit::MegabytesPerSec, &send);
    print_row(&format!("{name}-receive"), Unit::MegabytesPerSec, &recv);
    Ok(())
}

/// Heap bytes held by an established pair: counter after establishing minus counter before
/// creating the connections. Neither side is asked to shrink anything: lucid releases its
/// handshake buffers by itself when the handshake ends.
fn memory_case(cfg: &Configs, plan: &Plan, sc: &mut Scratch) -> Res<()> {
    let mut s = Samples::new();
    for _ in 0..plan.memory_rounds {
        let before = allocated();
        let (c, sv, _) = l_handshake(&cfg.lucid, sc)?;
        let l = allocated() - before;
        drop((c, sv));

        let before = allocated();
        let (c, sv, _) = r_handshake(cfg, sc)?;
        let r = allocated() - before;
        drop((c, sv));

        s.lucid.push(l as f64);
        s.other.push(r as f64);
    }
    print_row("memory-idle-pair", Unit::Bytes, &s);
    Ok(())
}

fn main() -> Res<()> {
    let quick = std::env::args().skip(1).any(|a| a == "--quick");
    let plan = if quick {
        Plan {
            rounds: 3,
            handshakes: 2,
            records: 8,
            memory_rounds: 3,
        }
    } else {
        Plan {
            rounds: 10,
            handshakes: 30,
            records: 512,
            memory_rounds: 10,
        }
    };

    let pki = make_pki()?;
    let mut sc = Scratch::new();
    // `--profile-lucid N`: only lucid TLS 1.3 ECDSA handshakes, for perf/callgrind.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--profile-lucid") {
        let n = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(2000);
        let aes = Proto::Tls13(
            &lucid::suites::TLS_AES_128_GCM_SHA256,
            provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
        );
        let cfg = configs(&pki, &pki.ecdsa, aes)?;
        let (pair, server) = l_handshakes(&cfg.lucid, &mut sc, n)?;
        println!(
            "lucid: {n} handshakes, {:.1} us per pair, {:.1} us in the server",
            pair.as_secs_f64() * 1e6 / n as f64,
            server.as_secs_f64() * 1e6 / n as f64
        );
        return Ok(());
    }
    let aes13 = Proto::Tls13(
        &lucid::suites::TLS_AES_128_GCM_SHA256,
        provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
    );
    let chacha13 = Proto::Tls13(
        &lucid::suites::TLS_CHACHA20_POLY1305_SHA256,
        provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
    );
    let ecdsa13 = configs(&pki, &pki.ecdsa, aes13)?;
    let rsa13 = configs(&pki, &pki.rsa, aes13)?;
    let chacha_cfg = configs(&pki, &pki.ecdsa, chacha13)?;

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "# lucid-bench{}: lucid vs rustls 0.23 (aws-lc-rs provider), in memory, one process",
        if quick { " --quick" } else { "" },
    );
    println!(
        "# N = {} rounds per case, interleaved lucid, rustls, lucid, ...; {} handshakes or {} x {} B records per side per round",
        plan.rounds, plan.handshakes, plan.records, CHUNK
    );
    println!(
        "# machine: {cores} cores{}; all figures are medians over rounds (ratio = median of per-round ratios)",
        if cfg!(debug_assertions) { ", DEBUG build" } else { "" }
    );
    println!("# ratio: rates lucid/rustls (>1 = lucid faster); memory bytes lucid/rustls (<1 = lucid smaller)");
    println!("# handshakes: full, X25519, TLS_AES_128_GCM_SHA256; -pair and -server rows come from the same handshakes");
    println!("# MB = 10^6 bytes; memory counts Rust-heap bytes only (aws-lc's own C allocations are not seen)");
    println!(
        "# rows handshake-tls12-rsa-kx-* and *-vs-openssl compare with {} (system libssl), not rustls: they follow their own `lucid openssl` header",
        openssl::version::version()
    );
    println!("# OpenSSL rows: TLS 1.2 TLS_RSA_WITH_AES_128_GCM_SHA256 (RSA-2048, no group), TLS 1.3 ECDSA P-256 TLS_AES_128_GCM_SHA256 X25519; no tickets, session caches off, client verifies chain (same CA) and host name, EMS on; in-memory duplex; OpenSSL's C allocations not counted");
    println!(
        "{:<38} {:>14} {:>14} {:>8}",
        "case", "lucid", "rustls", "lucid/rustls"
    );

    handshake_case("handshake-tls13-ecdsa", &ecdsa13, &plan, &mut sc)?;
    handshake_case("handshake-tls13-rsa", &rsa13, &plan, &mut sc)?;
    bulk_case("bulk-aes128gcm", &ecdsa13, &plan, &mut sc)?;
    bulk_case("bulk-chacha20", &chacha_cfg, &plan, &mut sc)?;
    memory_case(&ecdsa13, &plan, &mut sc)?;

    let tls12_ecdsa = configs(
        &pki,
        &pki.ecdsa,
        Proto::Tls12(
            &lucid::suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
    );
    tls12_case(
        "handshake-tls12-ecdhe-ecdsa-pair",
        tls12_ecdsa,
        &plan,
        &mut sc,
    )?;
    let tls12_rsa = configs(
        &pki,
        &pki.rsa,
        Proto::Tls12(
            &lucid::suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
    );
    tls12_case("handshake-tls12-ecdhe-rsa-pair", tls12_rsa, &plan, &mut sc)?;

    // lucid vs OpenSSL.
    println!(
        "{:<38} {:>14} {:>14} {:>8}",
        "case", "lucid", "openssl", "lucid/openssl"
    );
    let rsa_kx = &lucid::suites::TLS_RSA_WITH_AES_128_GCM_SHA256;
    openssl_case(
        "handshake-tls12-rsa-kx-pair",
        Some("handshake-tls12-rsa-kx-server"),
        lucid_configs(&pki, &pki.rsa, rsa_kx, lucid::Version::Tls12),
        None,
        &o_configs(&pki.rsa, &pki, rsa_kx, "AES128-GCM-SHA256")?,
        &plan,
        &mut sc,
    )?;
    let aes13 = &lucid::suites::TLS_AES_128_GCM_SHA256;
    openssl_case(
        "handshake-tls13-ecdsa-pair-vs-openssl",
        None,
        Ok(LucidConfigs {
            client: ecdsa13.lucid.client.clone(),
            server: ecdsa13.lucid.server.clone(),
        }),
        Some(lucid::Group::X25519),
        &o_configs(&pki.ecdsa, &pki, aes13, "TLS_AES_128_GCM_SHA256")?,
        &plan,
        &mut sc,
    )?;
    Ok(())
}
