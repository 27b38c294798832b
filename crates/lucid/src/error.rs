//! One error type for the whole library. Every variant says, as a sentence, what went wrong,
//! and maps to exactly one alert in [`Error::alert`].

use crate::codec::{AlertDescription, DecodeError};
use crate::verify::CertError;

/// Everything that can end a TLS connection or refuse a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The peer sent bytes that do not parse as the message expected.
    Decode {
        /// What was being read.
        what: &'static str,
        /// How it failed.
        reason: DecodeError,
    },
    /// A message arrived that the handshake does not allow at this point.
    UnexpectedMessage {
        /// What the state machine waited for.
        expected: &'static str,
        /// What arrived.
        got: String,
    },
    /// A well-formed message carried a value the protocol forbids.
    IllegalParameter(String),
    /// The peers have nothing in common to agree on (suite, group, signature scheme).
    NoCommonGround(String),
    /// The peer wants a protocol version lucid will not speak.
    UnsupportedVersion(String),
    /// A required extension was absent.
    MissingExtension(&'static str),
    /// The peer answered with an extension that was never offered.
    UnsolicitedExtension(String),
    /// The client offered ALPN protocols and none is acceptable.
    NoApplicationProtocol,
    /// The peer's certificate chain was refused.
    Certificate(CertError),
    /// A handshake signature did not verify.
    BadSignature(&'static str),
    /// The peer's Finished did not match our transcript.
    BadFinished,
    /// A record failed authentication.
    BadRecordMac,
    /// A record was larger than the protocol permits.
    RecordOverflow,
    /// The peer closed the connection with a fatal alert.
    PeerAlert(AlertDescription),
    /// The server required a client certificate and none was sent (the alert is
    /// certificate_required in TLS 1.3, handshake_failure in TLS 1.2).
    CertificateRequired(crate::Version),
    /// Client side: the server asked for a certificate, none was configured (or none fits),
    /// and the server refused to go on without one.
    ServerRequiresCertificate,
    /// TLS_FALLBACK_SCSV on a connection the server could have made with a higher version.
    InappropriateFallback,
    /// The server signalled a downgrade in ServerHello.random (RFC 8446 §4.1.3).
    DowngradeDetected,
    /// The peer tried to renegotiate, which lucid refuses.
    RenegotiationRefused,
    /// The server has no certificate for the name the client asked for.
    UnrecognizedName(String),
    /// A bound on buffering, message size or repetition was exceeded.
    LimitExceeded(&'static str),
    /// The TLS 1.2 extended master secret is required and the peer did not use it.
    ExtendedMasterSecretRequired,
    /// A configuration could not be built.
    Config(String),
    /// The application misused the connection (e.g. wrote after close).
    Usage(&'static str),
    /// The transport ended without close_notify in the middle of the protocol.
    UnexpectedEof,
    /// An I/O error from the transport.
    Io(String),
    /// A crypto operation failed where it should not.
    Internal(&'static str),
}

impl Error {
    /// The alert this error makes lucid send, or `None` when none is sent (the peer already
    /// alerted, or the error is local).
    pub fn alert(&self) -> Option<AlertDescription> {
        use AlertDescription as A;
        Some(match self {
            Error::Decode { .. } => A::DECODE_ERROR,
            Error::UnexpectedMessage { .. } => A::UNEXPECTED_MESSAGE,
            Error::IllegalParameter(_) | Error::DowngradeDetected => A::ILLEGAL_PARAMETER,
            Error::NoCommonGround(_) | Error::ExtendedMasterSecretRequired => A::HANDSHAKE_FAILURE,
            Error::UnsupportedVersion(_) => A::PROTOCOL_VERSION,
            Error::MissingExtension(_) => A::MISSING_EXTENSION,
            Error::UnsolicitedExtension(_) => A::UNSUPPORTED_EXTENSION,
            Error::NoApplicationProtocol => A::NO_APPLICATION_PROTOCOL,
            Error::Certificate(e) => cert_alert(e),
            Error::BadSignature(_) | Error::BadFinished => A::DECRYPT_ERROR,
            Error::BadRecordMac => A::BAD_RECORD_MAC,
            Error::RecordOverflow => A::RECORD_OVERFLOW,
            Error::CertificateRequired(crate::Version::Tls13) => A::CERTIFICATE_REQUIRED,
            Error::CertificateRequired(crate::Version::Tls12) => A::HANDSHAKE_FAILURE,
            Error::InappropriateFallback => A::INAPPROPRIATE_FALLBACK,
            Error::RenegotiationRefused => A::NO_RENEGOTIATION,
            Error::UnrecognizedName(_) => A::UNRECOGNIZED_NAME,
            Error::LimitExceeded(_) => A::UNEXPECTED_MESSAGE,
            Error::Internal(_) => A::INTERNAL_ERROR,
            Error::PeerAlert(_)
            | Error::ServerRequiresCertificate
            | Error::Config(_)
            | Error::Usage(_)
            | Error::UnexpectedEof
            | Error::Io(_) => return None,
        })
    }

    pub(crate) fn decode(what: &'static str) -> impl FnOnce(DecodeError) -> Error {
        move |reason| Error::Decode { what, reason }
    }
}

fn cert_alert(e: &CertError) -> AlertDescription {
    use AlertDescription as A;
    match e {
        CertError::Expired { .. } | CertError::NotYetValid { .. } => A::CERTIFICATE_EXPIRED,
        CertError::UnknownIssuer { .. } | CertError::SelfSigned { .. } => A::UNKNOWN_CA,
        CertError::Revoked { .. } => A::CERTIFICATE_REVOKED,
        CertError::BadSignature => A::DECRYPT_ERROR,
        CertError::Malformed(_) => A::BAD_CERTIFICATE,
        CertError::NoCertificate => A::CERTIFICATE_REQUIRED,
        _ => A::BAD_CERTIFICATE,
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Decode { what, reason } => write!(f, "the peer sent a malformed {what}: {reason}"),
            Error::UnexpectedMessage { expected, got } => {
                write!(f, "the peer sent {got} where {expected} was expected")
            }
            Error::IllegalParameter(what) => write!(f, "the peer sent an illegal value: {what}"),
            Error::NoCommonGround(what) => write!(f, "no common ground with the peer: {what}"),
            Error::UnsupportedVersion(what) => write!(f, "{what}"),
            Error::MissingExtension(what) => {
                write!(f, "the peer left out the required {what} extension")
            }
            Error::UnsolicitedExtension(what) => {
                write!(f, "the peer answered with the {what} extension, which was not offered")
            }
            Error::NoApplicationProtocol => {
                f.write_str("none of the client's ALPN protocols is one this server speaks")
            }
            Error::Certificate(e) => write!(f, "{e}"),
            Error::BadSignature(what) => {
                write!(f, "the peer's {what} signature does not verify with its certificate's key")
            }
            Error::BadFinished => f.write_str(
                "the peer's Finished does not match the handshake transcript (keys or messages differ)",
            ),
            Error::BadRecordMac => {
                f.write_str("a record from the peer failed authentication (corrupted or forged)")
            }
            Error::RecordOverflow => f.write_str("the peer sent a record larger than TLS allows"),
            Error::PeerAlert(d) => write!(
                f,
                "the peer ended the connection with the alert {d}{}",
                alert_hint(*d)
            ),
            Error::CertificateRequired(_) => f.write_str(
                "the client sent no certificate and this server requires one",
            ),
            Error::ServerRequiresCertificate => f.write_str(
                "the server requires a client certificate and none was configured (or none fits its CA list); pass one with --cert and --key",
            ),
            Error::InappropriateFallback => f.write_str(
                "the client signalled a version fallback although both sides support a higher version",
            ),
            Error::DowngradeDetected => f.write_str(
                "the server's random carries the TLS 1.3 downgrade sentinel: an attacker may be forcing an older version",
            ),
            Error::RenegotiationRefused => f.write_str("the peer asked to renegotiate; lucid refuses renegotiation"),
            Error::UnrecognizedName(n) => write!(f, "the server has no certificate for the name {n}"),
            Error::LimitExceeded(what) => write!(f, "the peer exceeded a limit: {what}"),
            Error::ExtendedMasterSecretRequired => f.write_str(
                "the peer does not support the extended master secret (RFC 7627), which is required",
            ),
            Error::Config(what) => write!(f, "{what}"),
            Error::Usage(what) => write!(f, "{what}"),
            Error::UnexpectedEof => {
                f.write_str("the peer closed the connection without a close_notify alert")
            }
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Internal(what) => write!(f, "internal error: {what}"),
        }
    }
}

/// What a received alert usually means, for the user reading the error.
fn alert_hint(d: AlertDescription) -> &'static str {
    use AlertDescription as A;
    match d {
        A::HANDSHAKE_FAILURE => ": it found no acceptable parameters (version, suite, group, signature scheme or certificate)",
        A::PROTOCOL_VERSION => ": it does not speak any version this side offered",
        A::UNKNOWN_CA => ": it does not trust the CA that issued this side's certificate",
        A::BAD_CERTIFICATE | A::CERTIFICATE_UNKNOWN => ": it refused this side's certificate",
        A::CERTIFICATE_EXPIRED => ": it says this side's certificate has expired or is not yet valid",
        A::DECRYPT_ERROR => ": a signature or Finished check failed on its side",
        A::BAD_RECORD_MAC => ": a record failed authentication on its side",
        A::NO_APPLICATION_PROTOCOL => ": none of the ALPN protocols offered is acceptable",
        A::UNRECOGNIZED_NAME => ": it has no certificate for the server name asked for",
        A::INAPPROPRIATE_FALLBACK => ": it saw a fallback signal although a better version was possible",
        _ => "",
    }
}

impl std::error::Error for Error {}

impl From<CertError> for Error {
    fn from(e: CertError) -> Self {
        Error::Certificate(e)
    }
}

impl From<crate::crypto::CryptoError> for Error {
    fn from(_: crate::crypto::CryptoError) -> Self {
        Error::Internal("a cryptographic operation failed")
    }
}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> Self {
        let kind = match e {
            Error::Io(_) => std::io::ErrorKind::Other,
            Error::UnexpectedEof => std::io::ErrorKind::UnexpectedEof,
            _ => std::io::ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, e)
    }
}
