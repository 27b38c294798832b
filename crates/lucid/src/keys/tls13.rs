//! The TLS 1.3 key schedule (RFC 8446 §7.1) as typestates: each stage consumes the one
//! before, so a secret cannot be derived out of order.

use crate::crypto::aead::AeadKey;
use crate::crypto::hash::{Digest, HashAlg};
use crate::crypto::hmac::Secret;
use crate::error::Error;
use crate::record::protect::Tls13Protection;
use crate::suites::Suite;

/// What each secret is, with its RFC label and its NSS key-log label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// client_handshake_traffic_secret.
    ClientHandshakeTraffic,
    /// server_handshake_traffic_secret.
    ServerHandshakeTraffic,
    /// client_application_traffic_secret_0.
    ClientApplicationTraffic,
    /// server_application_traffic_secret_0.
    ServerApplicationTraffic,
    /// exporter_master_secret.
    ExporterMaster,
    /// resumption_master_secret.
    ResumptionMaster,
}

impl SecretKind {
    /// The label in HKDF-Expand-Label (without "tls13 ").
    pub fn rfc_label(self) -> &'static [u8] {
        match self {
            SecretKind::ClientHandshakeTraffic => b"c hs traffic",
            SecretKind::ServerHandshakeTraffic => b"s hs traffic",
            SecretKind::ClientApplicationTraffic => b"c ap traffic",
            SecretKind::ServerApplicationTraffic => b"s ap traffic",
            SecretKind::ExporterMaster => b"exp master",
            SecretKind::ResumptionMaster => b"res master",
        }
    }

    /// The NSS key log label, where one exists.
    pub fn log_label(self) -> Option<&'static str> {
        Some(match self {
            SecretKind::ClientHandshakeTraffic => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            SecretKind::ServerHandshakeTraffic => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            SecretKind::ClientApplicationTraffic => "CLIENT_TRAFFIC_SECRET_0",
            SecretKind::ServerApplicationTraffic => "SERVER_TRAFFIC_SECRET_0",
            SecretKind::ExporterMaster => "EXPORTER_SECRET",
            SecretKind::ResumptionMaster => return None,
        })
    }

    /// A short human name for narration.
    pub fn describe(self) -> &'static str {
        match self {
            SecretKind::ClientHandshakeTraffic => "client handshake traffic secret",
            SecretKind::ServerHandshakeTraffic => "server handshake traffic secret",
            SecretKind::ClientApplicationTraffic => "client application traffic secret",
            SecretKind::ServerApplicationTraffic => "server application traffic secret",
            SecretKind::ExporterMaster => "exporter master secret",
            SecretKind::ResumptionMaster => "resumption master secret",
        }
    }
}

/// Early Secret = HKDF-Extract(0, 0) without a PSK.
pub(crate) struct EarlySecret(Secret);

impl EarlySecret {
    pub(crate) fn new(alg: HashAlg) -> Self {
        let zeros = [0u8; 64];
        EarlySecret(Secret::extract(alg, &[], &zeros[..alg.output_len()]))
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }

    /// Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE).
    pub(crate) fn into_handshake(self, shared: &[u8]) -> HandshakeSecret {
        let alg = self.0.alg();
        let salt = self.0.derive(b"derived", alg.hash(&[]).as_ref());
        HandshakeSecret(salt.extract_with(shared))
    }
}

pub(crate) struct HandshakeSecret(Secret);

impl HandshakeSecret {
    pub(crate) fn derive(&self, kind: SecretKind, transcript: &Digest) -> Secret {
        self.0.derive(kind.rfc_label(), transcript.as_ref())
    }

    /// Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0).
    pub(crate) fn into_master(self) -> MasterSecret {
        let alg = self.0.alg();
        let salt = self.0.derive(b"derived", alg.hash(&[]).as_ref());
        let zeros = [0u8; 64];
        MasterSecret(salt.extract_with(&zeros[..alg.output_len()]))
    }
}

pub(crate) struct MasterSecret(Secret);

impl MasterSecret {
    pub(crate) fn derive(&self, kind: SecretKind, transcript: &Digest) -> Secret {
        self.0.derive(kind.rfc_label(), transcript.as_ref())
    }
}

/// Record protection for one direction from a traffic secret (RFC 8446 §7.3).
pub(crate) fn protection(suite: &Suite, secret: &Secret) -> Result<Tls13Protection, Error> {
    let mut key = [0u8; 32];
    let key = &mut key[..suite.aead.key_len()];
    secret.expand_label(b"key", &[], key);
    let mut iv = [0u8; 12];
    secret.expand_label(b"iv", &[], &mut iv);
    let aead = AeadKey::new(suite.aead, key)?;
    key.fill(0);
    Ok(Tls13Protection::new(aead, iv))
}

/// Finished verify_data = HMAC(finished_key, transcript hash) (RFC 8446 §4.4.4).
pub(crate) fn finished_verify_data(secret: &Secret, transcript: &Digest) -> Digest {
    let alg = secret.alg();
    let mut finished_key = [0u8; 64];
    let fk = &mut finished_key[..alg.output_len()];
    secret.expand_label(b"finished", &[], fk);
    let out = Secret::from_bytes(alg, fk).hmac(&[transcript.as_ref()]);
    finished_key.fill(0);
    out
}

/// application_traffic_secret_N+1 (RFC 8446 §7.2).
pub(crate) fn next_traffic_secret(secret: &Secret) -> Secret {
    let alg = secret.alg();
    let mut next = [0u8; 64];
    secret.expand_label(b"traffic upd", &[], &mut next[..alg.output_len()]);
    let out = Secret::from_bytes(alg, &next[..alg.output_len()]);
    next.fill(0);
    out
}

/// The content a TLS 1.3 CertificateVerify signs (RFC 8446 §4.4.3): 64 spaces, the
/// context string, a zero byte, then the transcript hash.
pub(crate) fn certificate_verify_content(server: bool, transcript: &Digest) -> Vec<u8> {
    let context: &[u8] = if server {
        b"TLS 1.3, server CertificateVerify"
    } else {
        b"TLS 1.3, client CertificateVerify"
    };
    let mut out = Vec::with_capacity(64 + context.len() + 1 + 64);
    out.extend_from_slice(&[0x20; 64]);
    out.extend_from_slice(context);
    out.push(0);
    out.extend_from_slice(transcript.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc8448_early_and_handshake_secrets() {
        let early = EarlySecret::new(HashAlg::Sha256);
        assert_eq!(
            early.bytes(),
            hex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a")
        );
        let shared = hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
        let hs = early.into_handshake(&shared);
        assert_eq!(
            hs.0.bytes(),
            hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
        );
    }
}
