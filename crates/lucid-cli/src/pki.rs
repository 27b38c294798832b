//! Test and demo PKI with rcgen: a CA and certificates it issues, as PEM text.

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use crate::Fail;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyType {
    Rsa2048,
    P256,
    P384,
    Ed25519,
}

/// A certificate and its private key, PEM-encoded.
pub struct PemPair {
    pub cert: String,
    pub key: String,
}

fn keypair(kt: KeyType) -> Result<KeyPair, Fail> {
    let alg = match kt {
        KeyType::Rsa2048 => &rcgen::PKCS_RSA_SHA256,
        KeyType::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyType::P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        KeyType::Ed25519 => &rcgen::PKCS_ED25519,
    };
    KeyPair::generate_for(alg).map_err(|e| Fail::new("generate key", e))
}

fn validity(params: &mut CertificateParams, days: u32) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(i64::from(days));
}

/// A new self-signed CA.
pub fn new_ca(common_name: &str, kt: KeyType, days: u32) -> Result<PemPair, Fail> {
    let key = keypair(kt)?;
    let mut params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| Fail::new("make CA", e))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "lucid");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, days);
    let cert = params
        .self_signed(&key)
        .map_err(|e| Fail::new("make CA", e))?;
    Ok(PemPair {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// A certificate for `names` (DNS names or IP addresses) issued by `ca`.
pub fn issue(
    ca: &PemPair,
    names: &[String],
    client: bool,
    kt: KeyType,
    days: u32,
) -> Result<PemPair, Fail> {
    let ca_key = KeyPair::from_pem(&ca.key).map_err(|e| Fail::usage("read CA key", e))?;
    let issuer = Issuer::from_ca_cert_pem(&ca.cert, ca_key)
        .map_err(|e| Fail::usage("read CA certificate", e))?;
    let key = keypair(kt)?;
    let mut params = CertificateParams::new(names.to_vec())
        .map_err(|e| Fail::usage("issue", format!("bad name: {e}")))?;
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        names.first().map(String::as_str).unwrap_or("lucid"),
    );
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if kt == KeyType::Rsa2048 {
        params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
    }
    params.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    validity(&mut params, days);
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| Fail::new("issue", e))?;
    Ok(PemPair {
        cert: cert.pem(),
        key: key.serialize_pem(),
    })
}

/// Writes files all-or-nothing: each goes to a temporary name first, then all are renamed.
/// Refuses to overwrite an existing file.
pub fn write_new_files(files: &[(&Path, &str, bool)]) -> Result<(), Fail> {
    for (path, _, _) in files {
        if path.exists() {
            return Err(Fail::usage(
                "write",
                format!("{} already exists; not overwriting it", path.display()),
            ));
        }
    }
    let mut temps = Vec::new();
    for (path, text, secret) in files {
        let tmp = path.with_extension("pem.tmp");
        if let Err(e) = write_file(&tmp, text, *secret) {
            for t in &temps {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&tmp);
            return Err(Fail::usage("write", format!("{}: {e}", path.display())));
        }
        temps.push(tmp);
    }
    for ((path, _, _), tmp) in files.iter().zip(&temps) {
        std::fs::rename(tmp, path)
            .map_err(|e| Fail::new("write", format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

fn write_file(path: &Path, text: &str, secret: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
