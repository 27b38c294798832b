//! The rustls-webpki verification algorithms matching each [`SigScheme`],
//! so `verify/` can check signatures without naming aws-lc-rs.

use super::SigScheme;
use rustls_pki_types::SignatureVerificationAlgorithm;
use webpki::aws_lc_rs as wp;

type Alg = &'static dyn SignatureVerificationAlgorithm;

static V_PKCS1_256: &[Alg] = &[wp::RSA_PKCS1_2048_8192_SHA256];
static V_PKCS1_384: &[Alg] = &[wp::RSA_PKCS1_2048_8192_SHA384];
static V_PKCS1_512: &[Alg] = &[wp::RSA_PKCS1_2048_8192_SHA512];
static V_PSS_256: &[Alg] = &[wp::RSA_PSS_2048_8192_SHA256_LEGACY_KEY];
static V_PSS_384: &[Alg] = &[wp::RSA_PSS_2048_8192_SHA384_LEGACY_KEY];
static V_PSS_512: &[Alg] = &[wp::RSA_PSS_2048_8192_SHA512_LEGACY_KEY];
static V_ECDSA_256: &[Alg] = &[wp::ECDSA_P256_SHA256, wp::ECDSA_P384_SHA256];
static V_ECDSA_384: &[Alg] = &[wp::ECDSA_P384_SHA384, wp::ECDSA_P256_SHA384];
static V_ED25519: &[Alg] = &[wp::ED25519];
static V_CHAIN: &[Alg] = &[
    wp::ECDSA_P256_SHA256,
    wp::ECDSA_P256_SHA384,
    wp::ECDSA_P384_SHA256,
    wp::ECDSA_P384_SHA384,
    wp::ECDSA_P521_SHA256,
    wp::ECDSA_P521_SHA384,
    wp::ECDSA_P521_SHA512,
    wp::ED25519,
    wp::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    wp::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    wp::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    wp::RSA_PKCS1_2048_8192_SHA256,
    wp::RSA_PKCS1_2048_8192_SHA384,
    wp::RSA_PKCS1_2048_8192_SHA512,
];

/// webpki signature verification algorithms for a scheme, for checking
/// CertificateVerify / ServerKeyExchange through rustls-webpki.
///
/// The ECDSA schemes return algorithms for both curves: TLS 1.2 does not
/// bind the curve to the scheme, and the certificate's key decides.
pub fn webpki_algs(scheme: SigScheme) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
    match scheme {
        SigScheme::RsaPkcs1Sha256 => V_PKCS1_256,
        SigScheme::RsaPkcs1Sha384 => V_PKCS1_384,
        SigScheme::RsaPkcs1Sha512 => V_PKCS1_512,
        SigScheme::RsaPssSha256 => V_PSS_256,
        SigScheme::RsaPssSha384 => V_PSS_384,
        SigScheme::RsaPssSha512 => V_PSS_512,
        SigScheme::EcdsaP256Sha256 => V_ECDSA_256,
        SigScheme::EcdsaP384Sha384 => V_ECDSA_384,
        SigScheme::Ed25519 => V_ED25519,
    }
}

/// All algorithms lucid accepts in certificate chains (for webpki's chain
/// verification), including rsa_pkcs1 and ECDSA P-521.
pub fn webpki_chain_algs() -> &'static [&'static dyn SignatureVerificationAlgorithm] {
    V_CHAIN
}
