//! Human-readable summaries of certificates and names, for narration.
//!
//! Nothing here makes a trust decision: these functions only read certificates so
//! that the trace and error messages can say *which* certificate they talk about.
//! Every function accepts arbitrary bytes from the network and never panics.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use rustls_pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{SubjectPublicKeyInfo, X509Name};

use super::chain::CertError;

/// What narration needs to know about one certificate.
///
/// Fields that cannot be had (for example the validity of a trust anchor, which is
/// only a name and a key) are empty strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertSummary {
    /// The subject name, RFC 4514-ish: `"CN=localhost, O=Example"`.
    pub subject: String,
    /// The issuer name, in the same form as `subject`.
    pub issuer: String,
    /// Start of the validity period, `"YYYY-MM-DD HH:MM:SS UTC"`.
    pub not_before: String,
    /// End of the validity period, `"YYYY-MM-DD HH:MM:SS UTC"`.
    pub not_after: String,
    /// The DNS names and IP addresses from the subjectAltName extension.
    pub names: Vec<String>,
    /// The public key type: `"ECDSA P-256"`, `"RSA 2048-bit"`, `"Ed25519"`, ...
    pub key: String,
    /// Whether the certificate says it is a certificate authority (basicConstraints cA).
    pub is_ca: bool,
}

impl CertSummary {
    /// A short label for messages: the first subjectAltName if there is one, else the
    /// subject's common name, else the whole subject.
    ///
    /// ```
    /// use lucid::verify::CertSummary;
    /// let s = CertSummary {
    ///     subject: "CN=Example Leaf".into(),
    ///     issuer: "CN=Example CA".into(),
    ///     not_before: String::new(),
    ///     not_after: String::new(),
    ///     names: vec!["www.example.com".into()],
    ///     key: "Ed25519".into(),
    ///     is_ca: false,
    /// };
    /// assert_eq!(s.label(), "www.example.com");
    /// ```
    pub fn label(&self) -> String {
        if let Some(first) = self.names.first() {
            return first.clone();
        }
        common_name(&self.subject).unwrap_or_else(|| self.subject.clone())
    }
}

/// Summarize a DER certificate for narration.
///
/// Returns [`CertError::Malformed`] if the bytes are not an X.509 certificate.
///
/// ```
/// use lucid::verify::summarize;
/// use rustls_pki_types::CertificateDer;
/// let junk = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
/// assert!(summarize(&junk).is_err());
/// ```
pub fn summarize(cert: &CertificateDer<'_>) -> Result<CertSummary, CertError> {
    let parsed = parse_cert(cert)?;
    let tbs = &parsed.tbs_certificate;
    Ok(CertSummary {
        subject: name_to_string(tbs.subject()),
        issuer: name_to_string(tbs.issuer()),
        not_before: format_timestamp(tbs.validity().not_before.timestamp()),
        not_after: format_timestamp(tbs.validity().not_after.timestamp()),
        names: san_names(&parsed),
        key: describe_key(tbs.public_key()),
        is_ca: parsed.is_ca(),
    })
}

/// Format a DER-encoded X.501 `Name` (a full `SEQUENCE`, as in
/// [`RootStore::subjects`](super::RootStore::subjects) or the certificate_authorities
/// list of a CertificateRequest) as a string such as `"CN=Example CA, O=Example"`.
///
/// The bare contents of the SEQUENCE (as webpki's `TrustAnchor::subject` holds them)
/// are accepted too. Bytes that are not a name give a placeholder, never a panic.
///
/// ```
/// use lucid::verify::describe_name;
/// // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3 (CN), UTF8String "Test CA" } } }
/// let der = [
///     0x30, 0x12, 0x31, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x07, b'T',
///     b'e', b's', b't', b' ', b'C', b'A',
/// ];
/// assert_eq!(describe_name(&der), "CN=Test CA");
/// assert_eq!(describe_name(&[0xff]), "<unreadable name, 1 bytes>");
/// ```
pub fn describe_name(der_name: &[u8]) -> String {
    let unreadable = || format!("<unreadable name, {} bytes>", der_name.len());
    // A full Name is a SEQUENCE (0x30) of RDNs; bare contents are the RDNs alone.
    let full = match split_tlv(der_name) {
        Some((0x30, _, [])) => der_name.to_vec(),
        _ => wrap_sequence(der_name),
    };
    let Some((_, contents, _)) = split_tlv(&full) else {
        return unreadable();
    };
    // x509-parser is lenient about junk inside the SEQUENCE: insist on SETs only.
    let mut rest = contents;
    while !rest.is_empty() {
        match split_tlv(rest) {
            Some((0x31, _, after)) => rest = after,
            _ => return unreadable(),
        }
    }
    match X509Name::from_der(&full) {
        Ok(([], name)) => name_to_string(&name),
        _ => unreadable(),
    }
}

/// Split one DER TLV off the front of `input`: (tag, contents, rest).
/// Single-byte tags and definite lengths of up to four bytes only.
fn split_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, mut after_len) = after_tag.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || after_len.len() < n {
            return None;
        }
        let (len_bytes, rest) = after_len.split_at(n);
        after_len = rest;
        len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if after_len.len() < len {
        return None;
    }
    let (contents, rest) = after_len.split_at(len);
    Some((tag, contents, rest))
}

/// Render seconds since the Unix epoch as `"YYYY-MM-DD HH:MM:SS UTC"` (proleptic
/// Gregorian calendar).
///
/// ```
/// use lucid::verify::describe::format_timestamp;
/// assert_eq!(format_timestamp(0), "1970-01-01 00:00:00 UTC");
/// assert_eq!(format_timestamp(1_767_225_600), "2026-01-01 00:00:00 UTC");
/// ```
pub fn format_timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe
        .saturating_add(era.saturating_mul(400))
        .saturating_add(i64::from(month <= 2));
    (year, month, day)
}

/// Parse a certificate, mapping failure to [`CertError::Malformed`].
pub(crate) fn parse_cert<'a>(
    cert: &'a CertificateDer<'_>,
) -> Result<X509Certificate<'a>, CertError> {
    match X509Certificate::from_der(cert.as_ref()) {
        Ok(([], parsed)) => Ok(parsed),
        Ok(_) => Err(CertError::Malformed(
            "the certificate has trailing bytes after its DER encoding".into(),
        )),
        Err(e) => Err(CertError::Malformed(format!(
            "the certificate is not valid X.509 DER ({e})"
        ))),
    }
}

/// The subject name of `name` as a string.
pub(crate) fn name_to_string(name: &X509Name<'_>) -> String {
    if name.iter_attributes().next().is_none() {
        return "(empty name)".into();
    }
    name.to_string()
}

/// The value of the first `CN=` in a name string, if any.
fn common_name(subject: &str) -> Option<String> {
    subject
        .split(", ")
        .find_map(|part| part.strip_prefix("CN="))
        .map(str::to_owned)
}

/// The DNS names and IP addresses in the subjectAltName extension, in order.
pub(crate) fn san_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_owned()),
            GeneralName::IPAddress(bytes) => Some(ip_to_string(bytes)),
            _ => None,
        })
        .collect()
}

fn ip_to_string(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Ipv4Addr::from(v4).to_string();
    }
    if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        return Ipv6Addr::from(v6).to_string();
    }
    let mut hex = String::from("IP:");
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// "ECDSA P-256", "RSA 2048-bit", "Ed25519", ...
fn describe_key(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let alg = spki.algorithm.algorithm.to_id_string();
    match alg.as_str() {
        "1.2.840.113549.1.1.1" => match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => format!("RSA {}-bit", modulus_bits(rsa.modulus)),
            _ => "RSA (unreadable key)".into(),
        },
        "1.2.840.113549.1.1.10" => "RSA-PSS".into(),
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => "ECDSA P-256".into(),
                Some("1.3.132.0.34") => "ECDSA P-384".into(),
                Some("1.3.132.0.35") => "ECDSA P-521".into(),
                Some(other) => format!("ECDSA (curve {other})"),
                None => "ECDSA (unknown curve)".into(),
            }
        }
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44".into(),
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65".into(),
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87".into(),
        other => format!("unknown key type (OID {other})"),
    }
}

/// Bit length of a big-endian unsigned modulus, ignoring leading zero bytes.
fn modulus_bits(modulus: &[u8]) -> usize {
    let trimmed: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(i) => &modulus[i..],
        None => &[],
    };
    match trimmed.first() {
        Some(first) => trimmed.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

/// DER-wrap `contents` in a SEQUENCE (tag 0x30) with a definite length.
pub(crate) fn wrap_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(0x30);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = &bytes[skip..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_as_civil_dates() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_timestamp(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_timestamp(1_795_784_400), "2026-11-27 13:00:00 UTC");
        assert_eq!(format_timestamp(-1), "1969-12-31 23:59:59 UTC");
        // Extremes do not panic.
        let _ = format_timestamp(i64::MAX);
        let _ = format_timestamp(i64::MIN);
    }

    #[test]
    fn modulus_bits_ignore_leading_zeros() {
        assert_eq!(modulus_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(modulus_bits(&[0x01]), 1);
        assert_eq!(modulus_bits(&[]), 0);
    }

    #[test]
    fn long_sequences_get_long_form_lengths() {
        assert_eq!(describe_name(&[0xff]), "<unreadable name, 1 bytes>");
        assert_eq!(
            describe_name(&[0x30, 0x01, 0xff]),
            "<unreadable name, 3 bytes>"
        );
        let w = wrap_sequence(&[0u8; 300]);
        assert_eq!(&w[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(w.len(), 304);
    }
}
