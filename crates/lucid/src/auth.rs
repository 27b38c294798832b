//! Certificates and signatures shared by both versions and both sides: verifying a peer
//! chain with narration, choosing a signature scheme, checking a handshake signature.

use rustls_pki_types::{CertificateDer, ServerName};

use crate::codec::SignatureScheme;
use crate::common::Common;
use crate::config::SigningKey;
use crate::crypto::sign::SigScheme;
use crate::error::Error;
use crate::suites::{self, Version};
use crate::trace::{Event, Side};
use crate::verify::{self, CertSummary, RootStore, VerifiedChain};

/// What the peer's chain is checked for.
pub(crate) enum Expect<'a> {
    Server(&'a ServerName<'static>),
    Client,
}

/// Verifies the peer's chain through rustls-webpki, narrating the chain and each check.
pub(crate) fn verify_peer_chain(
    cx: &mut Common,
    roots: &RootStore,
    crls: &[rustls_pki_types::CertificateRevocationListDer<'static>],
    chain: Vec<CertificateDer<'static>>,
    expect: Expect<'_>,
    now: rustls_pki_types::UnixTime,
) -> Result<VerifiedChain, Error> {
    if cx.tracing() {
        trace_chain(cx, cx.side.peer(), &chain);
    }
    let result = match expect {
        Expect::Server(name) => verify::verify_server_chain(roots, &chain, name, now, crls),
        Expect::Client => verify::verify_client_chain(roots, &chain, now, crls),
    };
    cx.facts.peer_chain = chain;
    match result {
        Ok(verified) => {
            if cx.tracing() {
                for c in &verified.checks() {
                    cx.emit(Event::ChainCheck {
                        check: c.check,
                        passed: c.passed,
                        detail: &c.detail,
                    });
                }
            }
            Ok(verified)
        }
        Err(e) => {
            if cx.tracing() {
                let detail = e.to_string();
                cx.emit(Event::ChainCheck {
                    check: "certificate chain",
                    passed: false,
                    detail: &detail,
                });
            }
            Err(Error::Certificate(e))
        }
    }
}

/// Emits the Certificate event with a summary of each certificate.
pub(crate) fn trace_chain(cx: &Common, sender: Side, chain: &[CertificateDer<'_>]) {
    let summaries: Vec<CertSummary> = chain
        .iter()
        .filter_map(|c| verify::summarize(c).ok())
        .collect();
    cx.emit(Event::Certificate {
        sender,
        chain: &summaries,
    });
}

/// Picks our signing scheme: the first of the key's schemes (our preference) that the
/// peer offered.
pub(crate) fn choose_scheme(
    key: &dyn SigningKey,
    version: Version,
    offered: &[SignatureScheme],
) -> Option<SigScheme> {
    key.schemes(version)
        .iter()
        .copied()
        .find(|s| offered.contains(&suites::scheme_code(*s)))
}

/// Checks a peer's handshake signature: the scheme must be one we offered (and allowed in
/// the version), and the signature must verify with the end-entity key.
pub(crate) fn check_signature(
    version: Version,
    end_entity: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<SigScheme, Error> {
    let ours = suites::scheme_from_code(scheme)
        .filter(|s| version == Version::Tls12 || suites::tls13_handshake_scheme(*s))
        .ok_or_else(|| {
            Error::IllegalParameter(format!(
                "the peer signed with {scheme}, which was not offered"
            ))
        })?;
    verify::verify_signature(end_entity, ours, message, signature)
        .map_err(|_| Error::BadSignature(what))?;
    Ok(ours)
}

/// The schemes we accept from peers, as code points.
pub(crate) fn offered_schemes(version: Version) -> Vec<SignatureScheme> {
    suites::VERIFY_SCHEMES
        .iter()
        .copied()
        .filter(|s| version == Version::Tls12 || suites::tls13_handshake_scheme(*s))
        .map(suites::scheme_code)
        .collect()
}

/// The server's check of a client CertificateVerify (RFC 8446 §4.4.3, RFC 5246 §7.4.8): the
/// signature must verify with the client certificate's key; only then does the chain
/// become the connection's peer identity.
pub(crate) fn accept_client_certificate_verify(
    cx: &mut Common,
    version: Version,
    chain: VerifiedChain,
    cv: &crate::codec::handshake::CertificateVerify,
    signed: &[u8],
) -> Result<(), Error> {
    check_signature(
        version,
        chain.end_entity(),
        cv.scheme,
        signed,
        &cv.signature,
        "client CertificateVerify",
    )?;
    if cx.tracing() {
        cx.emit(Event::CertificateVerify {
            sender: Side::Client,
            scheme: cv.scheme,
            verified: true,
        });
    }
    cx.facts.peer_identity = Some(chain);
    Ok(())
}

/// Narrates a CertificateRequest, naming the CAs it lists.
pub(crate) fn trace_certificate_request(
    cx: &Common,
    schemes: &[SignatureScheme],
    authorities: &[Vec<u8>],
) {
    if cx.tracing() {
        let names: Vec<String> = authorities
            .iter()
            .map(|n| verify::describe_name(n))
            .collect();
        cx.emit(Event::CertificateRequest {
            schemes,
            authorities: &names,
        });
    }
}
