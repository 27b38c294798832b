//! PKI (one ECDSA P-256 CA issuing an ECDSA P-256 and an RSA-2048 leaf for "localhost")
//! and the lucid and rustls configs for each case.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    SignatureAlgorithm,
};
use rustls::crypto::aws_lc_rs as provider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::Res;

pub(crate) struct Leaf {
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
    pub(crate) cert_der: CertificateDer<'static>,
    pub(crate) key_der: Vec<u8>,
}

pub(crate) struct Pki {
    pub(crate) ca_der: CertificateDer<'static>,
    pub(crate) ecdsa: Leaf,
    pub(crate) rsa: Leaf,
}

fn ca_params() -> Res<CertificateParams> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name
        .push(DnType::CommonName, "lucid-bench CA");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    Ok(p)
}

pub(crate) fn make_pki() -> Res<Pki> {
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let ca_cert = ca_params()?.self_signed(&ca_key)?;
    let issuer = rcgen::Issuer::new(ca_params()?, ca_key);
    let leaf = |alg: &'static SignatureAlgorithm| -> Res<Leaf> {
        let key = KeyPair::generate_for(alg)?;
        let mut p = CertificateParams::new(vec!["localhost".to_string()])?;
        p.distinguished_name.push(DnType::CommonName, "localhost");
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = p.signed_by(&key, &issuer)?;
        Ok(Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        })
    };
    Ok(Pki {
        ca_der: ca_cert.der().clone(),
        ecdsa: leaf(&rcgen::PKCS_ECDSA_P256_SHA256)?,
        rsa: leaf(&rcgen::PKCS_RSA_SHA256)?,
    })
}

// ---------------------------------------------------------------------------------------
// Configs. Both sides: exactly one suite, X25519 only, one protocol version, full
// handshakes only (lucid has no resumption; rustls has tickets and session caches off, as
// lucid's server sends no tickets).

#[derive(Clone, Copy)]
pub(crate) enum Proto {
    Tls13(&'static lucid::Suite, rustls::SupportedCipherSuite),
    Tls12(&'static lucid::Suite, rustls::SupportedCipherSuite),
}

pub(crate) struct LucidConfigs {
    pub(crate) client: Arc<lucid::ClientConfig>,
    pub(crate) server: Arc<lucid::ServerConfig>,
}

pub(crate) struct Configs {
    pub(crate) proto: Proto,
    pub(crate) lucid: LucidConfigs,
    pub(crate) rustls_client: Arc<rustls::ClientConfig>,
    pub(crate) rustls_server: Arc<rustls::ServerConfig>,
}

pub(crate) fn lucid_configs(
    pki: &Pki,
    leaf: &Leaf,
    lsuite: &'static lucid::Suite,
    lver: lucid::Version,
) -> Res<LucidConfigs> {
    let mut roots = lucid::RootStore::empty();
    roots.add_der(&pki.ca_der)?;
    let mut lc = lucid::ClientConfig::new(roots);
    lc.suites = vec![lsuite];
    lc.groups = vec![lucid::Group::X25519];
    lc.versions = vec![lver];
    let ck = lucid::CertifiedKey::from_pem(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes())?;
    let mut ls = lucid::ServerConfig::new(ck);
    ls.suites = vec![lsuite];
    ls.groups = vec![lucid::Group::X25519];
    ls.versions = vec![lver];
    Ok(LucidConfigs {
        client: lc.build()?,
        server: ls.build()?,
    })
}

pub(crate) fn configs(pki: &Pki, leaf: &Leaf, proto: Proto) -> Res<Configs> {
    let (lsuite, rsuite, lver, rver) = match proto {
        Proto::Tls13(l, r) => (l, r, lucid::Version::Tls13, &rustls::version::TLS13),
        Proto::Tls12(l, r) => (l, r, lucid::Version::Tls12, &rustls::version::TLS12),
    };
    let lucid = lucid_configs(pki, leaf, lsuite, lver)?;

    let prov = Arc::new(rustls::crypto::CryptoProvider {
        cipher_suites: vec![rsuite],
        kx_groups: vec![provider::kx_group::X25519],
        ..provider::default_provider()
    });
    let mut rroots = rustls::RootCertStore::empty();
    rroots.add(pki.ca_der.clone())?;
    let mut rc = rustls::ClientConfig::builder_with_provider(prov.clone())
        .with_protocol_versions(&[rver])?
        .with_root_certificates(rroots)
        .with_no_client_auth();
    rc.resumption = rustls::client::Resumption::disabled();
    let mut rs = rustls::ServerConfig::builder_with_provider(prov)
        .with_protocol_versions(&[rver])?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key_der.clone())),
        )?;
    rs.send_tls13_tickets = 0;
    rs.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});

    Ok(Configs {
        proto,
        lucid,
        rustls_client: Arc::new(rc),
        rustls_server: Arc::new(rs),
    })
}
