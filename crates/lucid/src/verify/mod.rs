//! Certificate verification: chains through rustls-webpki, root stores, PEM loading,
//! certificate summaries for narration, and errors that read as sentences.
//!
//! Path validation itself is rustls-webpki's job. This module feeds it (roots,
//! intermediates, CRLs, the algorithms from [`crate::crypto::sign`]), maps its errors
//! to [`CertError`]s that name the certificate at fault, and records each check it
//! made in a [`VerifiedChain`] so the trace can narrate them.
//!
//! ```
//! use lucid::verify::{verify_server_chain, CertError, RootStore};
//! use rustls_pki_types::{ServerName, UnixTime};
//!
//! let roots = RootStore::webpki_roots();
//! let name = ServerName::try_from("example.com").unwrap();
//! // An empty chain is refused before webpki is even asked.
//! let err = verify_server_chain(&roots, &[], &name, UnixTime::now(), &[]).unwrap_err();
//! assert_eq!(err.to_string(), "the peer sent no certificate, but one is required");
//! ```

pub mod chain;
pub mod describe;
pub mod pem;
pub mod roots;

mod cert_error;
mod explain;

pub use chain::{
    verify_client_chain, verify_server_chain, verify_signature, CertError, ChainCheck, Usage,
    VerifiedChain,
};
pub use describe::{describe_name, summarize, CertSummary};
pub use pem::{
    certificate_issuer, certificate_spki, load_certs_pem, load_certs_pem_file, load_crls_pem_file,
    load_private_key_pem, load_private_key_pem_file, LoadError,
};
pub use roots::RootStore;

#[cfg(test)]
mod tests;
