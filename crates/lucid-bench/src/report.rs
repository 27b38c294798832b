//! Results: units, per-round samples, medians, row printing and rate helpers.

use std::time::Duration;

#[derive(Clone, Copy)]
pub(crate) enum Unit {
    HandshakesPerSec,
    MegabytesPerSec,
    Bytes,
}

impl Unit {
    pub(crate) fn fmt(self, v: f64) -> String {
        match self {
            Unit::HandshakesPerSec => format!("{v:.1} hs/s"),
            Unit::MegabytesPerSec => format!("{v:.1} MB/s"),
            Unit::Bytes => format!("{v:.0} B"),
        }
    }
}

/// Per-round values of one case (rates or bytes).
pub(crate) struct Samples {
    pub(crate) lucid: Vec<f64>,
    /// rustls, or OpenSSL in the OpenSSL rows.
    pub(crate) other: Vec<f64>,
}

impl Samples {
    pub(crate) fn new() -> Self {
        Samples {
            lucid: Vec::new(),
            other: Vec::new(),
        }
    }
}

pub(crate) fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

pub(crate) fn print_row(case: &str, unit: Unit, s: &Samples) {
    let ratios: Vec<f64> = s.lucid.iter().zip(&s.other).map(|(l, r)| l / r).collect();
    println!(
        "{case:<38} {:>14} {:>14} {:>8.3}",
        unit.fmt(median(&s.lucid)),
        unit.fmt(median(&s.other)),
        median(&ratios)
    );
}

pub(crate) fn print_na(case: &str, unit: Unit, rustls: Option<f64>, why: &str) {
    let r = rustls.map_or("n/a".to_string(), |v| unit.fmt(v));
    println!(
        "{case:<38} {:>14} {r:>14} {:>8}   # lucid: {why}",
        "n/a", "n/a"
    );
}

pub(crate) fn rate(count: usize, d: Duration) -> f64 {
    count as f64 / d.as_secs_f64().max(1e-12)
}

pub(crate) fn mb_rate(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64().max(1e-12)
}
