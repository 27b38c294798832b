//! Why a certificate (chain or handshake signature) was refused.

use std::fmt;

/// Why a certificate chain or a handshake signature was refused.
///
/// Each variant's `Display` is one sentence a user can act on.
///
/// ```
/// use lucid::verify::CertError;
/// let e = CertError::WrongName {
///     wanted: "wrong.test".into(),
///     presented: vec!["localhost".into(), "127.0.0.1".into()],
/// };
/// assert_eq!(
///     e.to_string(),
///     "the certificate is valid for localhost, 127.0.0.1, not for wrong.test"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertError {
    /// A certificate's validity period has ended.
    Expired {
        /// The certificate that expired.
        subject: String,
        /// When it expired, `"YYYY-MM-DD HH:MM:SS UTC"`.
        not_after: String,
        /// The time of the check, same format.
        now: String,
    },
    /// A certificate's validity period has not started.
    NotYetValid {
        /// The certificate that is not valid yet.
        subject: String,
        /// When it becomes valid, `"YYYY-MM-DD HH:MM:SS UTC"`.
        not_before: String,
        /// The time of the check, same format.
        now: String,
    },
    /// The end-entity certificate does not cover the name that was asked for.
    WrongName {
        /// The name the client wanted.
        wanted: String,
        /// The DNS names and IP addresses the certificate does cover.
        presented: Vec<String>,
    },
    /// The chain does not lead to a trusted root.
    UnknownIssuer {
        /// The end-entity certificate.
        subject: String,
        /// The issuer that could not be found among the roots.
        issuer: String,
    },
    /// A self-signed end-entity certificate that is not itself a trusted root.
    SelfSigned {
        /// The certificate.
        subject: String,
    },
    /// A signature in the chain or in the handshake does not verify.
    BadSignature,
    /// The end-entity certificate's extended key usage does not allow serverAuth.
    NotServerCert {
        /// The certificate.
        subject: String,
    },
    /// The end-entity certificate's extended key usage does not allow clientAuth.
    NotClientCert {
        /// The certificate.
        subject: String,
    },
    /// A certificate in the chain is listed in a CRL.
    Revoked {
        /// The revoked certificate.
        subject: String,
    },
    /// The peer sent an empty chain.
    NoCertificate,
    /// A certificate could not be parsed; the text says what was wrong.
    Malformed(String),
    /// Any other refusal; the text is a complete sentence.
    Other(String),
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Expired {
                subject,
                not_after,
                now,
            } => write!(
                f,
                "the certificate for {subject} expired on {not_after}; it is now {now}"
            ),
            Self::NotYetValid {
                subject,
                not_before,
                now,
            } => write!(
                f,
                "the certificate for {subject} is not valid until {not_before}; it is now {now} \
                 (check this machine's clock)"
            ),
            Self::WrongName { wanted, presented } if presented.is_empty() => write!(
                f,
                "the certificate names no DNS name or IP address, so it is not valid for {wanted}"
            ),
            Self::WrongName { wanted, presented } => write!(
                f,
                "the certificate is valid for {}, not for {wanted}",
                presented.join(", ")
            ),
            Self::UnknownIssuer { subject, issuer } => write!(
                f,
                "the certificate for {subject} is issued by '{issuer}', which is not among \
                 the trusted roots; pass its CA with --cacert"
            ),
            Self::SelfSigned { subject } => write!(
                f,
                "the certificate for {subject} is self-signed and not among the trusted roots; \
                 to trust it, pass it with --cacert"
            ),
            Self::BadSignature => write!(
                f,
                "a signature does not verify: the certificate chain or the handshake was not \
                 signed with the key it claims"
            ),
            Self::NotServerCert { subject } => write!(
                f,
                "the certificate for {subject} may not be used by a TLS server (its extended \
                 key usage lacks serverAuth); issue one with serverAuth"
            ),
            Self::NotClientCert { subject } => write!(
                f,
                "the certificate for {subject} may not be used by a TLS client (its extended \
                 key usage lacks clientAuth); issue one with clientAuth"
            ),
            Self::Revoked { subject } => write!(
                f,
                "the certificate for {subject} has been revoked by its issuer; \
                 a new certificate is needed"
            ),
            Self::NoCertificate => write!(f, "the peer sent no certificate, but one is required"),
            Self::Malformed(what) => write!(f, "a certificate is malformed: {what}"),
            Self::Other(sentence) => write!(f, "{sentence}"),
        }
    }
}

impl std::error::Error for CertError {}
