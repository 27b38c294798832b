//! Hostile input: truncated and corrupted certificates never panic.

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::{leaf_params, Pki};
use crate::verify::{
    certificate_spki, describe_name, load_certs_pem, load_private_key_pem, summarize,
    verify_client_chain, verify_server_chain,
};

#[test]
fn truncated_and_corrupted_certificates_never_panic() {
    let pki = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost", "127.0.0.1"]));
    let good = leaf.cert.as_ref().to_vec();
    let name = ServerName::try_from("localhost").unwrap();

    let mut variants: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
    for i in (0..good.len()).step_by(7) {
        let mut flipped = good.clone();
        flipped[i] ^= 0x5a;
        variants.push(flipped);
    }
    for bytes in variants {
        let cert = CertificateDer::from(bytes.clone());
        let chain = [cert.clone(), pki.inter.der().clone()];
        let _ = summarize(&cert);
        let _ = certificate_spki(&cert);
        let _ = describe_name(&bytes);
        let _ = load_certs_pem(&bytes, "fuzz");
        let _ = load_private_key_pem(&bytes, "fuzz");
        if let Ok(v) = verify_server_chain(&pki.roots, &chain, &name, UnixTime::now(), &[]) {
            // A flip in an unsigned part (e.g. the outer signature's unused padding)
            // may still verify; then it must be the same leaf.
            assert_eq!(v.certs()[0].subject, "CN=localhost");
        }
        let _ = verify_client_chain(&pki.roots, &chain, UnixTime::now(), &[]);
    }
}
