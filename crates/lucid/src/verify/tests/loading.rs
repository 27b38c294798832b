//! Loading certificates, keys, CRLs and root stores from files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::PublicKeyData;
use rustls_pki_types::PrivateKeyDer;

use super::{leaf_params, Pki};
use crate::verify::{
    certificate_spki, load_certs_pem, load_certs_pem_file, load_crls_pem_file,
    load_private_key_pem, load_private_key_pem_file, LoadError, RootStore,
};

/// A fresh scratch directory for one test.
fn scratch() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lucid-verify-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(dir: &std::path::Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write scratch file");
    path
}

#[test]
fn missing_file_says_cannot_read_and_names_the_path() {
    let path = PathBuf::from("/nonexistent/lucid/cert.pem");
    let err = load_certs_pem_file(&path).unwrap_err();
    assert!(matches!(&err, LoadError::Io { path: p, .. } if *p == path));
    assert_eq!(
        err.to_string(),
        "cannot read /nonexistent/lucid/cert.pem: No such file or directory; check the path"
    );
    assert!(matches!(
        load_private_key_pem_file(&path),
        Err(LoadError::Io { .. })
    ));
    assert!(matches!(
        load_crls_pem_file(&path),
        Err(LoadError::Io { .. })
    ));
    assert!(matches!(
        RootStore::from_pem_file(&path),
        Err(LoadError::Io { .. })
    ));
}

#[test]
fn file_without_certificates_is_refused_with_its_path() {
    let dir = scratch();
    let path = write(&dir, "empty.pem", b"just some text\n");
    let err = load_certs_pem_file(&path).unwrap_err();
    assert_eq!(
        err,
        LoadError::NoCertificates {
            what: path.display().to_string()
        }
    );
    assert!(err.to_string().contains(&path.display().to_string()));
    assert!(matches!(
        RootStore::from_pem_file(&path),
        Err(LoadError::NoCertificates { .. })
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn key_passed_as_certificate_suggests_swapping_cert_and_key() {
    let pki = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost"]));
    let dir = scratch();
    let key_path = write(&dir, "key.pem", leaf.key.serialize_pem().as_bytes());
    let cert_path = write(&dir, "cert.pem", pem_of(&leaf.chain).as_bytes());

    let err = load_certs_pem_file(&key_path).unwrap_err();
    assert!(matches!(err, LoadError::NoCertificates { .. }));
    let text = err.to_string();
    assert!(
        text.contains(&key_path.display().to_string()) && text.contains("swap"),
        "{text}"
    );

    let err = load_private_key_pem_file(&cert_path).unwrap_err();
    assert!(matches!(err, LoadError::NoPrivateKey { .. }));
    assert!(err.to_string().contains(&cert_path.display().to_string()));

    // And the right way round, both load.
    let certs = load_certs_pem_file(&cert_path).expect("certs load");
    assert_eq!(certs, leaf.chain);
    let key = load_private_key_pem_file(&key_path).expect("key loads");
    assert!(matches!(key, PrivateKeyDer::Pkcs8(_)));
    assert_eq!(key.secret_der(), leaf.key.serialize_der().as_slice());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn broken_pem_and_encrypted_keys_are_explained() {
    let err = load_certs_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n", "x.pem").unwrap_err();
    assert!(matches!(err, LoadError::BadPem { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot use x.pem: "));

    let bogus = b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    let err = load_certs_pem(bogus, "x.pem").unwrap_err();
    assert!(matches!(err, LoadError::BadCertificate { .. }), "{err:?}");

    let encrypted =
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let err = load_private_key_pem(encrypted, "k.pem").unwrap_err();
    assert!(err.to_string().contains("encrypted"), "{err}");
}

#[test]
fn der_certificates_and_crls_load() {
    let pki = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost"]));
    let certs = load_certs_pem(leaf.cert.as_ref(), "leaf.der").expect("DER accepted");
    assert_eq!(certs, std::slice::from_ref(&leaf.cert));

    let dir = scratch();
    let crl = pki.crl_revoking(leaf.serial);
    let pem = format!(
        "-----BEGIN X509 CRL-----\n{}\n-----END X509 CRL-----\n",
        base64(crl.as_ref())
    );
    let path = write(&dir, "list.crl", pem.as_bytes());
    assert_eq!(load_crls_pem_file(&path).expect("CRL loads"), [crl]);

    let not_crl = write(&dir, "cert.pem", pem_of(&leaf.chain).as_bytes());
    assert!(matches!(
        load_crls_pem_file(&not_crl),
        Err(LoadError::BadPem { .. })
    ));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn certificate_spki_matches_the_key() {
    let pki = Pki::new();
    let leaf = pki.issue(leaf_params(&["localhost"]));
    assert_eq!(
        certificate_spki(&leaf.cert).unwrap(),
        leaf.key.subject_public_key_info()
    );
    let other = pki.issue(leaf_params(&["localhost"]));
    assert_ne!(
        certificate_spki(&leaf.cert).unwrap(),
        other.key.subject_public_key_info()
    );
}

#[test]
fn root_stores_load_from_pem_and_directories() {
    let pki = Pki::new();
    let other = Pki::new();
    let pem = format!("{}{}", pki.root.pem(), other.root.pem());
    let store = RootStore::from_pem(pem.as_bytes()).expect("two roots");
    assert_eq!(store.len(), 2);
    assert_eq!(store.subjects().len(), 2);

    let dir = scratch();
    write(&dir, "a.pem", pki.root.pem().as_bytes());
    write(&dir, "a-again.pem", pki.root.pem().as_bytes());
    write(&dir, "b.pem", other.root.pem().as_bytes());
    write(&dir, "README", b"not a certificate");
    let store = RootStore::from_dirs(std::slice::from_ref(&dir)).expect("directory store");
    assert_eq!(store.len(), 2, "duplicates are dropped, junk skipped");

    let empty = scratch();
    assert!(matches!(
        RootStore::from_dirs(std::slice::from_ref(&empty)),
        Err(LoadError::NoCertificates { .. })
    ));
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(empty);

    assert!(RootStore::webpki_roots().len() > 50);
}

fn pem_of(certs: &[rustls_pki_types::CertificateDer<'_>]) -> String {
    certs
        .iter()
        .map(|c| {
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                base64(c.as_ref())
            )
        })
        .collect()
}

/// Standard base64 with 64-column lines (test helper; PEM bodies only).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.as_bytes()
        .chunks(64)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}
