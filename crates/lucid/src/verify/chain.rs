//! Certificate chain validation (rustls-webpki does the work) and handshake
//! signature checks, with every check recorded for narration.

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, KeyUsage, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

use super::describe::{describe_name, format_timestamp, summarize, CertSummary};
use super::explain::{explain, label_of, Context};
use super::roots::RootStore;
use crate::crypto::sign::{webpki_algs, webpki_chain_algs, SigScheme};

pub use super::cert_error::CertError;

/// What a certificate is being checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// A TLS server's certificate (extended key usage serverAuth, name checked).
    Server,
    /// A TLS client's certificate (extended key usage clientAuth).
    Client,
}

/// One check webpki made, for narration: what was checked, and the outcome as a
/// sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainCheck {
    /// What was checked, e.g. `"validity period"`.
    pub check: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// The outcome as a sentence with the real values.
    pub detail: String,
}

/// A chain that passed verification.
///
/// Only this module can build one, so holding a `VerifiedChain` proves the chain was
/// checked. Summaries and check descriptions for narration are made on demand, so a
/// handshake without an observer does not pay for them.
#[derive(Clone, Debug)]
pub struct VerifiedChain {
    usage: Usage,
    end_entity: CertificateDer<'static>,
    intermediates: Vec<CertificateDer<'static>>,
    anchor_subject: Vec<u8>,
    name: Option<String>,
    now: UnixTime,
    crl_count: usize,
}

impl VerifiedChain {
    /// The checks that were made, in order; all passed.
    pub fn checks(&self) -> Vec<ChainCheck> {
        build_checks(self, &self.certs())
    }

    /// Summaries of the verified path: end entity first, then the intermediates that
    /// were used, then the trust anchor (whose summary has only a subject).
    pub fn certs(&self) -> Vec<CertSummary> {
        let mut out: Vec<CertSummary> = std::iter::once(&self.end_entity)
            .chain(&self.intermediates)
            .filter_map(|c| summarize(c).ok())
            .collect();
        out.push(anchor_summary(&self.anchor_subject));
        out
    }

    /// The end-entity certificate, whose key signs the handshake.
    pub fn end_entity(&self) -> &CertificateDer<'static> {
        &self.end_entity
    }

    /// What the chain was verified for.
    pub fn usage(&self) -> Usage {
        self.usage
    }
}

/// Verify a server's chain (end entity first) for `name` at time `now` against
/// `roots`, checking revocation against `crls` when any are given.
///
/// ```
/// use lucid::verify::{verify_server_chain, CertError, RootStore};
/// use rustls_pki_types::{ServerName, UnixTime};
/// let name = ServerName::try_from("example.com").unwrap();
/// let err = verify_server_chain(&RootStore::empty(), &[], &name, UnixTime::now(), &[]);
/// assert_eq!(err.unwrap_err(), CertError::NoCertificate);
/// ```
pub fn verify_server_chain(
    roots: &RootStore,
    chain: &[CertificateDer<'static>],
    name: &ServerName<'_>,
    now: UnixTime,
    crls: &[CertificateRevocationListDer<'static>],
) -> Result<VerifiedChain, CertError> {
    verify_chain(roots, chain, Usage::Server, Some(name), now, crls)
}

/// Verify a client's chain (end entity first, extended key usage clientAuth) at
/// `now` against `roots`, checking revocation against `crls` when any are given.
///
/// ```
/// use lucid::verify::{verify_client_chain, CertError, RootStore};
/// use rustls_pki_types::UnixTime;
/// let err = verify_client_chain(&RootStore::empty(), &[], UnixTime::now(), &[]);
/// assert_eq!(err.unwrap_err(), CertError::NoCertificate);
/// ```
pub fn verify_client_chain(
    roots: &RootStore,
    chain: &[CertificateDer<'static>],
    now: UnixTime,
    crls: &[CertificateRevocationListDer<'static>],
) -> Result<VerifiedChain, CertError> {
    verify_chain(roots, chain, Usage::Client, None, now, crls)
}

/// Verify a handshake signature (TLS 1.3 CertificateVerify, TLS 1.2
/// ServerKeyExchange or CertificateVerify) made by the end-entity certificate's key.
///
/// Every webpki algorithm that `scheme` maps to is tried; one success is enough.
/// A scheme that does not fit the certificate's key is [`CertError::BadSignature`].
///
/// ```
/// use lucid::crypto::sign::SigScheme;
/// use lucid::verify::{verify_signature, CertError};
/// use rustls_pki_types::CertificateDer;
/// let junk = CertificateDer::from(vec![0x30, 0x00]);
/// let err = verify_signature(&junk, SigScheme::Ed25519, b"msg", b"sig").unwrap_err();
/// assert!(matches!(err, CertError::Malformed(_)));
/// ```
pub fn verify_signature(
    end_entity: &CertificateDer<'_>,
    scheme: SigScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertError> {
    let cert = EndEntityCert::try_from(end_entity).map_err(|e| {
        CertError::Malformed(format!(
            "the end-entity certificate cannot be parsed ({e:?})"
        ))
    })?;
    let algs = webpki_algs(scheme);
    if algs.is_empty() {
        return Err(CertError::Other(
            "the peer signed with a signature scheme lucid does not support".into(),
        ));
    }
    if algs
        .iter()
        .any(|alg| cert.verify_signature(*alg, message, signature).is_ok())
    {
        Ok(())
    } else {
        Err(CertError::BadSignature)
    }
}

/// The common path for both usages.
fn verify_chain(
    roots: &RootStore,
    chain: &[CertificateDer<'static>],
    usage: Usage,
    name: Option<&ServerName<'_>>,
    now: UnixTime,
    crls: &[CertificateRevocationListDer<'static>],
) -> Result<VerifiedChain, CertError> {
    let (ee_der, intermediates) = chain.split_first().ok_or(CertError::NoCertificate)?;
    let ctx = Context {
        chain,
        usage,
        name,
        crls,
    };
    let ee = EndEntityCert::try_from(ee_der).map_err(|e| explain(e, &ctx))?;

    let parsed_crls = parse_crls(crls)?;
    let crl_refs: Vec<&CertRevocationList<'_>> = parsed_crls.iter().collect();
    let revocation = RevocationOptionsBuilder::new(&crl_refs)
        .ok()
        .map(|builder| {
            builder
                .with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Allow)
                .build()
        });
    let eku = match usage {
        Usage::Server => KeyUsage::server_auth(),
        Usage::Client => KeyUsage::client_auth(),
    };

    // RFC 5280 §6: path building, signatures, validity, basic constraints and EKU.
    let path = ee
        .verify_for_usage(
            webpki_chain_algs(),
            roots.anchors(),
            intermediates,
            now,
            eku,
            revocation,
            None,
        )
        .map_err(|e| explain(e, &ctx))?;

    // RFC 6125 / RFC 5280 §4.2.1.6: the name must be among the subjectAltNames.
    if let Some(name) = name {
        ee.verify_is_valid_for_subject_name(name)
            .map_err(|e| explain(e, &ctx))?;
    }

    Ok(VerifiedChain {
        usage,
        end_entity: ee_der.clone(),
        intermediates: path
            .intermediate_certificates()
            .map(|c| c.der().into_owned())
            .collect(),
        anchor_subject: path.anchor().subject.as_ref().to_vec(),
        name: name.map(|n| n.to_str().into_owned()),
        now,
        crl_count: crls.len(),
    })
}

/// Parse the CRLs for webpki, explaining a bad one.
fn parse_crls<'a>(
    crls: &'a [CertificateRevocationListDer<'static>],
) -> Result<Vec<CertRevocationList<'a>>, CertError> {
    crls.iter()
        .enumerate()
        .map(|(i, crl)| {
            BorrowedCertRevocationList::from_der(crl.as_ref())
                .map(CertRevocationList::from)
                .map_err(|e| {
                    CertError::Other(format!(
                        "CRL #{} cannot be parsed ({e:?}); check the CRL file",
                        i + 1
                    ))
                })
        })
        .collect()
}

/// A trust anchor is only a name and a key: the summary has just the subject.
fn anchor_summary(subject_der: &[u8]) -> CertSummary {
    let subject = describe_name(subject_der);
    CertSummary {
        issuer: subject.clone(),
        subject,
        not_before: String::new(),
        not_after: String::new(),
        names: Vec::new(),
        key: String::new(),
        is_ca: true,
    }
}

/// The checks that passed, with the values narration shows.
fn build_checks(chain: &VerifiedChain, certs: &[CertSummary]) -> Vec<ChainCheck> {
    let passed = |check: &'static str, detail: String| ChainCheck {
        check,
        passed: true,
        detail,
    };
    let Some(ee) = certs.first() else {
        return Vec::new();
    };
    let anchor = certs.last().map_or("", |a| a.subject.as_str());
    let path: Vec<String> = certs
        .iter()
        .skip(1)
        .take(certs.len().saturating_sub(2))
        .map(|c| format!("'{}'", c.subject))
        .collect();
    let via = if path.is_empty() {
        String::new()
    } else {
        format!(" through {}", path.join(", "))
    };
    let ee_label = label_of(std::slice::from_ref(&chain.end_entity));
    let now = format_timestamp(i64::try_from(chain.now.as_secs()).unwrap_or(i64::MAX));

    let mut checks = vec![
        passed(
            "signature chain up to a trusted root",
            format!(
                "every signature verifies, from the certificate for {ee_label}{via} \
                 up to the trusted root '{anchor}'"
            ),
        ),
        passed(
            "validity period",
            format!(
                "now ({now}) is within every certificate's validity period; \
                 the end entity's runs from {} to {}",
                ee.not_before, ee.not_after
            ),
        ),
    ];
    if let Some(name) = &chain.name {
        checks.push(passed(
            "name matches",
            format!(
                "'{}' matches the certificate's names ({})",
                name,
                ee.names.join(", ")
            ),
        ));
    }
    checks.push(match chain.usage {
        Usage::Server => passed(
            "extended key usage serverAuth",
            "the certificate may be used by a TLS server".into(),
        ),
        Usage::Client => passed(
            "extended key usage clientAuth",
            "the certificate may be used by a TLS client".into(),
        ),
    });
    if chain.crl_count > 0 {
        checks.push(passed(
            "revocation (CRL)",
            format!(
                "no certificate in the chain is listed as revoked in the {} CRL(s) given",
                chain.crl_count
            ),
        ));
    }
    checks
}
