//! The narration as an SVG sequence diagram.

use super::*;

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
        if let (Some(n), Some((sender, name))) = (n, r.wire) {
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
