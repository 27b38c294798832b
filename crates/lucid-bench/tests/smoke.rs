//! Runs the bench binary with `--quick` and checks every case prints a row with a ratio.

use std::process::Command;

/// Rows that must always carry a numeric ratio.
const CASES: &[&str] = &[
    "handshake-tls13-ecdsa-pair",
    "handshake-tls13-ecdsa-server",
    "handshake-tls13-rsa-pair",
    "handshake-tls13-rsa-server",
    "bulk-aes128gcm-send",
    "bulk-aes128gcm-receive",
    "bulk-chacha20-send",
    "bulk-chacha20-receive",
    "memory-idle-pair",
    // Against OpenSSL.
    "handshake-tls13-ecdsa-pair-vs-openssl",
];

/// TLS 1.2 rows: a numeric ratio when lucid's TLS 1.2 engine works, "n/a" otherwise.
const TLS12_CASES: &[&str] = &[
    "handshake-tls12-ecdhe-ecdsa-pair",
    "handshake-tls12-ecdhe-rsa-pair",
    // Against OpenSSL (rustls has no RSA key transport).
    "handshake-tls12-rsa-kx-pair",
    "handshake-tls12-rsa-kx-server",
];

/// The ratio column of `case`'s row (the 4th column; value columns carry a unit).
fn ratio<'a>(out: &'a str, case: &str) -> &'a str {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(case))
        .unwrap_or_else(|| panic!("no row for {case} in:\n{out}"));
    // Drop a trailing "# note" before reading the last column.
    let cols = line.split('#').next().unwrap();
    cols.split_whitespace()
        .last()
        .unwrap_or_else(|| panic!("empty row for {case}"))
}

#[test]
fn quick_run_prints_every_case() {
    let out = Command::new(env!("CARGO_BIN_EXE_lucid-bench"))
        .arg("--quick")
        .output()
        .expect("run lucid-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "lucid-bench --quick failed: {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("N = 3 rounds"), "header missing:\n{stdout}");
    assert!(stdout.contains("medians"), "header missing:\n{stdout}");
    assert!(
        stdout.contains("compare with OpenSSL"),
        "OpenSSL note missing:\n{stdout}"
    );
    // The OpenSSL rows come after their own column header, after every rustls row.
    let ossl_header = stdout
        .lines()
        .position(|l| l.starts_with("case") && l.contains("openssl"))
        .unwrap_or_else(|| panic!("no `lucid openssl` column header:\n{stdout}"));
    for case in CASES.iter().chain(TLS12_CASES) {
        let row = stdout
            .lines()
            .position(|l| l.split_whitespace().next() == Some(*case))
            .unwrap_or_else(|| panic!("no row for {case} in:\n{stdout}"));
        let vs_openssl = case.ends_with("-vs-openssl") || case.contains("-rsa-kx-");
        assert_eq!(
            row > ossl_header,
            vs_openssl,
            "{case} is on the wrong side of the OpenSSL header:\n{stdout}"
        );
    }
    for case in CASES {
        let r = ratio(&stdout, case);
        let v: f64 = r
            .parse()
            .unwrap_or_else(|_| panic!("{case}: ratio {r:?} is not a number:\n{stdout}"));
        assert!(v.is_finite() && v > 0.0, "{case}: ratio {v}");
    }
    for case in TLS12_CASES {
        let r = ratio(&stdout, case);
        assert!(
            r == "n/a" || r.parse::<f64>().is_ok_and(|v| v.is_finite() && v > 0.0),
            "{case}: ratio {r:?} is neither a number nor n/a:\n{stdout}"
        );
    }
}
