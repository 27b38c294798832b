//! Tests for the verify module, against a PKI made with rcgen for each test.

mod chains;
mod hostile;
mod loading;
mod signatures;

use std::sync::atomic::{AtomicU64, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber, SignatureAlgorithm,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use time::{Duration, OffsetDateTime};

use super::RootStore;

/// A root CA, an intermediate CA it issued, and a store trusting the root.
pub(super) struct Pki {
    pub root: CertifiedIssuer<'static, KeyPair>,
    pub inter: CertifiedIssuer<'static, KeyPair>,
    pub roots: RootStore,
}

/// A leaf certificate, its key, and the chain a peer would send (leaf, intermediate).
pub(super) struct Leaf {
    pub cert: CertificateDer<'static>,
    pub key: KeyPair,
    pub serial: u64,
    pub chain: Vec<CertificateDer<'static>>,
}

static SERIAL: AtomicU64 = AtomicU64::new(1000);

fn next_serial() -> u64 {
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

pub(super) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

/// Parameters for a CA certificate valid from yesterday for a year.
pub(super) fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = now() - Duration::days(1);
    p.not_after = now() + Duration::days(365);
    p.serial_number = Some(SerialNumber::from(next_serial()));
    p
}

/// Parameters for a server leaf (EKU serverAuth) valid from an hour ago for 30 days.
/// Names that parse as IP addresses become IP SANs; the first name is also the CN.
pub(super) fn leaf_params(names: &[&str]) -> CertificateParams {
    let owned: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut p = CertificateParams::new(owned).expect("valid names");
    p.distinguished_name = dn(names.first().copied().unwrap_or("leaf"));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.use_authority_key_identifier_extension = true;
    p.not_before = now() - Duration::hours(1);
    p.not_after = now() + Duration::days(30);
    p
}

impl Pki {
    /// Root "Lucid Test Root" -> intermediate "Lucid Test Intermediate", ECDSA P-256.
    pub fn new() -> Self {
        Self::named("Lucid Test Root", "Lucid Test Intermediate")
    }

    /// Root `root_cn` -> intermediate `inter_cn`, ECDSA P-256.
    pub fn named(root_cn: &str, inter_cn: &str) -> Self {
        let root_key = KeyPair::generate().expect("root key");
        let root = CertifiedIssuer::self_signed(ca_params(root_cn), root_key).expect("root");
        let inter_key = KeyPair::generate().expect("intermediate key");
        let inter = CertifiedIssuer::signed_by(ca_params(inter_cn), inter_key, &root)
            .expect("intermediate");
        let mut roots = RootStore::empty();
        roots.add_der(root.der()).expect("root is a usable anchor");
        Pki { root, inter, roots }
    }

    /// Issue a leaf from the intermediate with a fresh key of algorithm `alg`.
    pub fn issue_with(
        &self,
        mut params: CertificateParams,
        alg: &'static SignatureAlgorithm,
    ) -> Leaf {
        let serial = next_serial();
        params.serial_number = Some(SerialNumber::from(serial));
        let key = KeyPair::generate_for(alg).expect("leaf key");
        let cert = params
            .signed_by(&key, &self.inter)
            .expect("leaf")
            .der()
            .clone();
        let chain = vec![cert.clone(), self.inter.der().clone()];
        Leaf {
            cert,
            key,
            serial,
            chain,
        }
    }

    /// Issue an ECDSA P-256 leaf from the intermediate.
    pub fn issue(&self, params: CertificateParams) -> Leaf {
        self.issue_with(params, &rcgen::PKCS_ECDSA_P256_SHA256)
    }

    /// A CRL from the intermediate listing `serial` as revoked.
    pub fn crl_revoking(&self, serial: u64) -> CertificateRevocationListDer<'static> {
        let params = CertificateRevocationListParams {
            this_update: now() - Duration::hours(1),
            next_update: now() + Duration::days(7),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: vec![RevokedCertParams {
                serial_number: SerialNumber::from(serial),
                revocation_time: now() - Duration::minutes(30),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            }],
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params.signed_by(&self.inter).expect("crl").der().clone()
    }
}
