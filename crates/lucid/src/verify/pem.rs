//! Loading certificates, private keys and CRLs from the files users hand us.
//!
//! Every error names the file and says what to do about it, because the most common
//! mistakes are mundane: a wrong path, the key passed where the certificate belongs,
//! an encrypted key.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls_pki_types::pem::{PemObject, SectionKind};
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs1KeyDer,
    PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// Why a certificate, key or CRL file could not be loaded.
///
/// `Display` is one line that says what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The file we tried to read.
        path: PathBuf,
        /// The operating system's explanation.
        reason: String,
    },
    /// The input holds no `CERTIFICATE` block.
    NoCertificates {
        /// The file (or other source) that was read.
        what: String,
    },
    /// The input holds no private key block.
    NoPrivateKey {
        /// The file (or other source) that was read.
        what: String,
    },
    /// The input is not usable PEM (bad base64, missing END line, encrypted key, ...).
    BadPem {
        /// The file (or other source) that was read.
        what: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A certificate block decoded but is not a usable X.509 certificate.
    BadCertificate {
        /// The file (or other source) that was read.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, reason } => {
                let hint = if reason.contains("ermission") {
                    "check the file's permissions"
                } else if reason.contains("directory") && !reason.contains("No such") {
                    "pass a file, not a directory"
                } else {
                    "check the path"
                };
                write!(f, "cannot read {}: {reason}; {hint}", path.display())
            }
            Self::NoCertificates { what } => write!(
                f,
                "no certificate found in {what}: expected a PEM block 'BEGIN CERTIFICATE'; \
                 did you swap --cert and --key?"
            ),
            Self::NoPrivateKey { what } => write!(
                f,
                "no private key found in {what}: expected a PEM block 'BEGIN PRIVATE KEY' \
                 (or 'BEGIN RSA PRIVATE KEY' / 'BEGIN EC PRIVATE KEY'); \
                 did you swap --cert and --key?"
            ),
            Self::BadPem { what, reason } => write!(f, "cannot use {what}: {reason}"),
            Self::BadCertificate { what, reason } => write!(
                f,
                "{what} holds a certificate that cannot be used: {reason}; \
                 check that it is an X.509 certificate in PEM form"
            ),
        }
    }
}

impl std::error::Error for LoadError {}

/// Load every certificate in a PEM file (a lone DER certificate is accepted too).
///
/// ```
/// use lucid::verify::{load_certs_pem_file, LoadError};
/// let err = load_certs_pem_file("/no/such/cert.pem".as_ref()).unwrap_err();
/// assert!(matches!(err, LoadError::Io { .. }));
/// assert!(err.to_string().starts_with("cannot read /no/such/cert.pem"));
/// ```
pub fn load_certs_pem_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    let bytes = read_file(path)?;
    load_certs_pem(&bytes, &path.display().to_string())
}

/// Load every certificate in PEM text; `what` names the source in errors.
///
/// Each certificate is checked to parse as X.509, so a bad one is reported here
/// rather than during a handshake.
///
/// ```
/// use lucid::verify::{load_certs_pem, LoadError};
/// let err = load_certs_pem(b"hello", "greeting.txt").unwrap_err();
/// assert_eq!(err, LoadError::NoCertificates { what: "greeting.txt".into() });
/// ```
pub fn load_certs_pem(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    let sections = read_sections(pem, what)?;
    let mut certs = Vec::new();
    for (kind, der) in sections {
        if kind == SectionKind::Certificate {
            certs.push(CertificateDer::from(der));
        }
    }
    if certs.is_empty() && looks_like_der_certificate(pem) {
        certs.push(CertificateDer::from(pem.to_vec()));
    }
    if certs.is_empty() {
        return Err(LoadError::NoCertificates { what: what.into() });
    }
    for (i, cert) in certs.iter().enumerate() {
        if let Err(e) = X509Certificate::from_der(cert.as_ref()) {
            return Err(LoadError::BadCertificate {
                what: what.into(),
                reason: format!("certificate #{} is not valid X.509 DER ({e})", i + 1),
            });
        }
    }
    Ok(certs)
}

/// Load the first private key (PKCS#8, PKCS#1 RSA or SEC1 EC) in a PEM file.
///
/// ```
/// use lucid::verify::{load_private_key_pem_file, LoadError};
/// let err = load_private_key_pem_file("/no/such/key.pem".as_ref()).unwrap_err();
/// assert!(matches!(err, LoadError::Io { .. }));
/// ```
pub fn load_private_key_pem_file(path: &Path) -> Result<PrivateKeyDer<'static>, LoadError> {
    let bytes = read_file(path)?;
    load_private_key_pem(&bytes, &path.display().to_string())
}

/// Load the first private key (PKCS#8, PKCS#1 RSA or SEC1 EC) in PEM text; `what`
/// names the source in errors.
///
/// ```
/// use lucid::verify::{load_private_key_pem, LoadError};
/// let err = load_private_key_pem(b"", "key.pem").unwrap_err();
/// assert_eq!(err, LoadError::NoPrivateKey { what: "key.pem".into() });
/// ```
pub fn load_private_key_pem(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, LoadError> {
    for (kind, der) in read_sections(pem, what)? {
        let key = match kind {
            SectionKind::PrivateKey => PrivateKeyDer::from(PrivatePkcs8KeyDer::from(der)),
            SectionKind::RsaPrivateKey => PrivateKeyDer::from(PrivatePkcs1KeyDer::from(der)),
            SectionKind::EcPrivateKey => PrivateKeyDer::from(PrivateSec1KeyDer::from(der)),
            _ => continue,
        };
        return Ok(key);
    }
    if contains(pem, b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || contains(pem, b"Proc-Type: 4,ENCRYPTED")
    {
        return Err(LoadError::BadPem {
            what: what.into(),
            reason: "the private key is encrypted; decrypt it first, e.g. \
                     `openssl pkey -in KEY -out KEY.plain`"
                .into(),
        });
    }
    Err(LoadError::NoPrivateKey { what: what.into() })
}

/// Load every CRL (`BEGIN X509 CRL` block) in a PEM file.
///
/// ```
/// use lucid::verify::{load_crls_pem_file, LoadError};
/// let err = load_crls_pem_file("/no/such/list.crl".as_ref()).unwrap_err();
/// assert!(matches!(err, LoadError::Io { .. }));
/// ```
pub fn load_crls_pem_file(
    path: &Path,
) -> Result<Vec<CertificateRevocationListDer<'static>>, LoadError> {
    let bytes = read_file(path)?;
    let what = path.display().to_string();
    let mut crls = Vec::new();
    for (kind, der) in read_sections(&bytes, &what)? {
        if kind == SectionKind::Crl {
            crls.push(CertificateRevocationListDer::from(der));
        }
    }
    if crls.is_empty() {
        return Err(LoadError::BadPem {
            what,
            reason: "no PEM block 'BEGIN X509 CRL' found; pass a CRL in PEM form \
                     (convert DER with `openssl crl -inform DER -in FILE -out FILE.pem`)"
                .into(),
        });
    }
    for (i, crl) in crls.iter().enumerate() {
        if let Err(e) = webpki::BorrowedCertRevocationList::from_der(crl.as_ref()) {
            return Err(LoadError::BadPem {
                what,
                reason: format!("CRL #{} cannot be parsed ({e}); regenerate it", i + 1),
            });
        }
    }
    Ok(crls)
}

/// The DER `SubjectPublicKeyInfo` of a certificate, to check that a private key
/// belongs to it.
///
/// ```
/// use lucid::verify::certificate_spki;
/// use rustls_pki_types::CertificateDer;
/// assert!(certificate_spki(&CertificateDer::from(vec![1, 2, 3])).is_err());
/// ```
pub fn certificate_spki(cert: &CertificateDer<'_>) -> Result<Vec<u8>, LoadError> {
    match X509Certificate::from_der(cert.as_ref()) {
        Ok((_, parsed)) => Ok(parsed.tbs_certificate.subject_pki.raw.to_vec()),
        Err(e) => Err(LoadError::BadCertificate {
            what: "the certificate".into(),
            reason: format!("it is not valid X.509 DER ({e})"),
        }),
    }
}

/// The DER-encoded issuer name of a certificate (to match a server's list of acceptable
/// CAs in a CertificateRequest), or `None` if it does not parse.
///
/// ```
/// use rustls_pki_types::CertificateDer;
/// assert!(lucid::verify::certificate_issuer(&CertificateDer::from(vec![0x30])).is_none());
/// ```
pub fn certificate_issuer(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, parsed) = X509Certificate::from_der(cert.as_ref()).ok()?;
    Some(parsed.tbs_certificate.issuer.as_raw().to_vec())
}

/// Read a whole file, mapping failure to [`LoadError::Io`].
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|e| LoadError::Io {
        path: path.to_path_buf(),
        reason: io_reason(&e),
    })
}

/// The OS message without the "(os error N)" suffix.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Every PEM section of a known kind, in order.
pub(crate) fn read_sections(
    pem: &[u8],
    what: &str,
) -> Result<Vec<(SectionKind, Vec<u8>)>, LoadError> {
    <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| LoadError::BadPem {
            what: what.into(),
            reason: format!(
                "{}; each block needs a '-----BEGIN ...-----' line, base64 data \
                 and a matching '-----END ...-----' line",
                describe_pem_error(&e)
            ),
        })
}

/// The PEM parser's error in words (its own Display prints byte arrays).
fn describe_pem_error(e: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as E;
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    match e {
        E::MissingSectionEnd { end_marker } => {
            let marker = text(end_marker);
            if marker.starts_with("-----") {
                format!("the file is cut short: '{marker}' is missing")
            } else {
                format!("the file is cut short: '-----END {marker}-----' is missing")
            }
        }
        E::IllegalSectionStart { line } => {
            format!("a malformed BEGIN line: '{}'", text(line))
        }
        E::Base64Decode(why) => format!("the base64 data is damaged ({why})"),
        other => other.to_string(),
    }
}

/// Whether `bytes` is plausibly a single binary DER certificate.
fn looks_like_der_certificate(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
        && matches!(X509Certificate::from_der(bytes), Ok((rest, _)) if rest.is_empty())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
