//! Turning webpki's errors into [`CertError`]s that name the certificate at fault.
//!
//! webpki reports *what* failed; to say *which* certificate, this module re-reads
//! the presented chain (and CRLs) with x509-parser. Nothing here decides trust.

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use webpki::Error as E;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::cert_error::CertError;
use super::chain::Usage;
use super::describe::{format_timestamp, name_to_string, san_names, summarize};

/// What was being verified, for error messages.
pub(crate) struct Context<'a> {
    pub(crate) chain: &'a [CertificateDer<'static>],
    pub(crate) usage: Usage,
    pub(crate) name: Option<&'a ServerName<'a>>,
    pub(crate) crls: &'a [CertificateRevocationListDer<'static>],
}

/// Map a webpki error to the specific [`CertError`].
#[allow(deprecated)] // the old context-free variants are matched too, in case they appear
pub(crate) fn explain(err: E, ctx: &Context<'_>) -> CertError {
    let ee_label = || label_of(ctx.chain);
    match err {
        E::CertExpired { time, not_after } => CertError::Expired {
            subject: cert_with_time(ctx.chain, not_after, |c| c.validity().not_after.timestamp()),
            not_after: render(not_after),
            now: render(time),
        },
        E::CertNotValidYet { time, not_before } => CertError::NotYetValid {
            subject: cert_with_time(ctx.chain, not_before, |c| {
                c.validity().not_before.timestamp()
            }),
            not_before: render(not_before),
            now: render(time),
        },
        E::CertNotValidForName(_) | E::UnsupportedNameType => CertError::WrongName {
            wanted: ctx
                .name
                .map_or_else(String::new, |n| n.to_str().into_owned()),
            presented: ctx.chain.first().map_or_else(Vec::new, presented_names),
        },
        E::UnknownIssuer => unknown_issuer(ctx.chain),
        E::InvalidSignatureForPublicKey
        | E::InvalidCrlSignatureForPublicKey
        | E::SignatureAlgorithmMismatch
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_)
        | E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedCrlSignatureAlgorithm
        | E::UnsupportedCrlSignatureAlgorithmForPublicKey => CertError::BadSignature,
        E::RequiredEkuNotFoundContext(_) | E::RequiredEkuNotFound | E::EmptyEkuExtension => {
            match ctx.usage {
                Usage::Server => CertError::NotServerCert {
                    subject: ee_label(),
                },
                Usage::Client => CertError::NotClientCert {
                    subject: ee_label(),
                },
            }
        }
        E::CertRevoked => CertError::Revoked {
            subject: revoked_cert(ctx),
        },
        E::CaUsedAsEndEntity => CertError::Other(format!(
            "the certificate for {} is a CA certificate, not one for a TLS {}; \
             present a leaf certificate issued by that CA",
            ee_label(),
            usage_word(ctx.usage)
        )),
        E::EndEntityUsedAsCa | E::PathLenConstraintViolated => CertError::Other(format!(
            "the chain for {} uses a certificate as an issuing CA that is not allowed to \
             issue certificates; check the intermediates sent with it",
            ee_label()
        )),
        E::NameConstraintViolation => CertError::Other(format!(
            "the certificate for {} has a name its CA is not allowed to certify \
             (name constraints)",
            ee_label()
        )),
        E::CertDistrusted => CertError::Other(format!(
            "the chain for {} leads to a root that is no longer trusted",
            ee_label()
        )),
        E::CrlExpired { next_update, .. } => CertError::Other(format!(
            "a CRL given is out of date (next update was due {}); fetch a fresh one",
            render(next_update)
        )),
        E::UnknownRevocationStatus => CertError::Other(format!(
            "the revocation status of the chain for {} is unknown; pass the issuer's CRL",
            ee_label()
        )),
        E::MaximumPathDepthExceeded
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => CertError::Other(format!(
            "the chain for {} is too long or too tangled to verify ({err:?})",
            ee_label()
        )),
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::MalformedDnsIdentifier
        | E::MalformedNameConstraint
        | E::ExtensionValueInvalid
        | E::InvalidCertValidity
        | E::InvalidSerialNumber
        | E::InvalidNetworkMaskConstraint
        | E::UnsupportedCertVersion
        | E::UnsupportedCriticalExtension => CertError::Malformed(format!(
            "webpki cannot parse a certificate in the chain for {} ({err:?})",
            ee_label()
        )),
        other => CertError::Other(format!(
            "the chain for {} was refused by webpki ({other:?})",
            ee_label()
        )),
    }
}

/// "localhost" for a leaf with that SAN; the subject for others; a placeholder if
/// the first certificate of `chain` cannot be parsed.
pub(crate) fn label_of(chain: &[CertificateDer<'_>]) -> String {
    chain
        .first()
        .and_then(|c| summarize(c).ok())
        .map_or_else(|| "the presented certificate".into(), |s| s.label())
}

fn usage_word(usage: Usage) -> &'static str {
    match usage {
        Usage::Server => "server",
        Usage::Client => "client",
    }
}

fn render(t: UnixTime) -> String {
    format_timestamp(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
}

fn parse<'a>(cert: &'a CertificateDer<'_>) -> Option<X509Certificate<'a>> {
    X509Certificate::from_der(cert.as_ref())
        .ok()
        .map(|(_, c)| c)
}

/// The label of the first certificate whose time field (picked by `field`) equals
/// `t`; the end entity if none does.
fn cert_with_time(
    chain: &[CertificateDer<'_>],
    t: UnixTime,
    field: impl Fn(&X509Certificate<'_>) -> i64,
) -> String {
    let wanted = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
    chain
        .iter()
        .position(|c| parse(c).is_some_and(|p| field(&p) == wanted))
        .map_or_else(|| label_of(chain), |i| label_of(&chain[i..]))
}

fn presented_names(cert: &CertificateDer<'_>) -> Vec<String> {
    parse(cert).map_or_else(Vec::new, |c| san_names(&c))
}

/// SelfSigned when the end entity issued itself, else UnknownIssuer naming the
/// issuer at the top of the presented chain.
fn unknown_issuer(chain: &[CertificateDer<'_>]) -> CertError {
    let subject = label_of(chain);
    let parsed: Vec<X509Certificate<'_>> = chain.iter().filter_map(parse).collect();
    let Some(ee) = parsed.first() else {
        return CertError::UnknownIssuer {
            subject,
            issuer: "an unknown issuer".into(),
        };
    };
    if ee.issuer().as_raw() == ee.subject().as_raw() {
        return CertError::SelfSigned { subject };
    }
    // Follow issuer -> subject links through the presented certificates.
    let mut top = ee;
    for _ in 0..parsed.len() {
        let next = parsed.iter().find(|c| {
            c.subject().as_raw() == top.issuer().as_raw()
                && c.subject().as_raw() != top.subject().as_raw()
        });
        match next {
            Some(c) => top = c,
            None => break,
        }
    }
    CertError::UnknownIssuer {
        subject,
        issuer: name_to_string(top.issuer()),
    }
}

/// The label of the chain certificate listed in one of the CRLs by its issuer; the
/// end entity if it cannot be pinned down.
fn revoked_cert(ctx: &Context<'_>) -> String {
    let crls: Vec<CertificateRevocationList<'_>> = ctx
        .crls
        .iter()
        .filter_map(|c| CertificateRevocationList::from_der(c.as_ref()).ok())
        .map(|(_, crl)| crl)
        .collect();
    let is_listed = |cert: &X509Certificate<'_>| {
        crls.iter().any(|crl| {
            crl.issuer().as_raw() == cert.issuer().as_raw()
                && crl
                    .iter_revoked_certificates()
                    .any(|r| r.raw_serial() == cert.raw_serial())
        })
    };
    ctx.chain
        .iter()
        .position(|c| parse(c).is_some_and(|p| is_listed(&p)))
        .map_or_else(|| label_of(ctx.chain), |i| label_of(&ctx.chain[i..]))
}
