//! Key exchange: X25519, P-256, P-384 (ECDHE) and the hybrid X25519MLKEM768
//! (draft-ietf-tls-ecdhe-mlkem).

use super::CryptoError;
use aws_lc_rs::agreement::{self, UnparsedPublicKey};
use aws_lc_rs::kem::{self, Ciphertext, DecapsulationKey, EncapsulationKey};
use core::fmt;

/// ML-KEM-768 encapsulation key length (FIPS 203).
const MLKEM768_EK_LEN: usize = 1184;
/// ML-KEM-768 ciphertext length (FIPS 203).
const MLKEM768_CT_LEN: usize = 1088;
/// X25519 public key length (RFC 7748).
const X25519_LEN: usize = 32;

/// A named group for (EC)DHE key exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KxGroup {
    /// X25519 (RFC 7748).
    X25519,
    /// NIST P-256 (secp256r1).
    Secp256r1,
    /// NIST P-384 (secp384r1).
    Secp384r1,
    /// Hybrid of ML-KEM-768 and X25519 (post-quantum).
    X25519MlKem768,
}

impl KxGroup {
    /// The IANA name: `"x25519"`, `"secp256r1"`, `"secp384r1"`, `"X25519MLKEM768"`.
    pub fn name(self) -> &'static str {
        match self {
            KxGroup::X25519 => "x25519",
            KxGroup::Secp256r1 => "secp256r1",
            KxGroup::Secp384r1 => "secp384r1",
            KxGroup::X25519MlKem768 => "X25519MLKEM768",
        }
    }

    /// True for groups that combine a post-quantum KEM with ECDH.
    pub fn is_hybrid_pq(self) -> bool {
        matches!(self, KxGroup::X25519MlKem768)
    }

    /// The ECDH algorithm (for the hybrid: its X25519 half).
    fn ecdh(self) -> &'static agreement::Algorithm {
        match self {
            KxGroup::X25519 | KxGroup::X25519MlKem768 => &agreement::X25519,
            KxGroup::Secp256r1 => &agreement::ECDH_P256,
            KxGroup::Secp384r1 => &agreement::ECDH_P384,
        }
    }
}

/// A shared secret from a key exchange; zeroized on drop.
pub struct SharedSecret {
    buf: [u8; 64],
    len: usize,
}

impl SharedSecret {
    /// The secret bytes (the IKM of the TLS 1.3 handshake secret, or the
    /// TLS 1.2 pre-master secret).
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn empty() -> SharedSecret {
        SharedSecret {
            buf: [0u8; 64],
            len: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), CryptoError> {
        let end = self.len + bytes.len();
        if end > self.buf.len() {
            return Err(CryptoError);
        }
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

impl Drop for SharedSecret {
    fn drop(&mut self) {
        crate::crypto::wipe(&mut self.buf);
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedSecret")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// The client's (or a TLS 1.2 server's) ephemeral key pair for one group.
pub struct KxKeyPair {
    group: KxGroup,
    ecdh: agreement::PrivateKey,
    /// Only for the hybrid group.
    mlkem: Option<DecapsulationKey>,
    share: Vec<u8>,
}

impl KxKeyPair {
    /// Generates a fresh key pair.
    pub fn generate(group: KxGroup) -> Result<KxKeyPair, CryptoError> {
        let ecdh = agreement::PrivateKey::generate(group.ecdh())?;
        let ecdh_public = ecdh.compute_public_key()?;
        if !group.is_hybrid_pq() {
            return Ok(KxKeyPair {
                group,
                share: ecdh_public.as_ref().to_vec(),
                ecdh,
                mlkem: None,
            });
        }
        let mlkem = DecapsulationKey::generate(&kem::ML_KEM_768)?;
        let ek = mlkem.encapsulation_key()?.key_bytes()?;
        let mut share = Vec::with_capacity(MLKEM768_EK_LEN + X25519_LEN);
        share.extend_from_slice(ek.as_ref());
        share.extend_from_slice(ecdh_public.as_ref());
        Ok(KxKeyPair {
            group,
            ecdh,
            mlkem: Some(mlkem),
            share,
        })
    }

    /// Deterministic X25519 key (test vectors such as RFC 8448).
    pub fn x25519_from_private(private: &[u8; 32]) -> Result<KxKeyPair, CryptoError> {
        let ecdh = agreement::PrivateKey::from_private_key(&agreement::X25519, private)
            .map_err(|_| CryptoError)?;
        let share = ecdh.compute_public_key()?.as_ref().to_vec();
        Ok(KxKeyPair {
            group: KxGroup::X25519,
            ecdh,
            mlkem: None,
            share,
        })
    }

    /// The group.
    pub fn group(&self) -> KxGroup {
        self.group
    }

    /// The share to put on the wire: X25519 32 bytes; P-256/P-384
    /// uncompressed point (0x04||X||Y); X25519MLKEM768: ML-KEM-768
    /// encapsulation key (1184 bytes) || X25519 public (32).
    pub fn public_share(&self) -> &[u8] {
        &self.share
    }

    /// Completes the exchange with the peer's share (for the hybrid: ML-KEM
    /// ciphertext (1088) || X25519 public (32); the secret is then ML-KEM
    /// shared secret (32) || X25519 shared secret (32)). Any malformed share
    /// (wrong length, invalid point, all-zero X25519 result) gives `Err`.
    pub fn complete(self, peer_share: &[u8]) -> Result<SharedSecret, CryptoError> {
        let mut out = SharedSecret::empty();
        match &self.mlkem {
            None => ecdh_agree(self.group, &self.ecdh, peer_share, &mut out)?,
            Some(dk) => {
                if peer_share.len() != MLKEM768_CT_LEN + X25519_LEN {
                    return Err(CryptoError);
                }
                let (ct, x25519_peer) = peer_share.split_at(MLKEM768_CT_LEN);
                let ss = dk.decapsulate(Ciphertext::from(ct))?;
                out.push(ss.as_ref())?;
                ecdh_agree(KxGroup::X25519, &self.ecdh, x25519_peer, &mut out)?;
            }
        }
        Ok(out)
    }
}

impl fmt::Debug for KxKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KxKeyPair")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

/// Server side of TLS 1.3 key exchange: given the client's share, returns
/// (server share, shared secret). For the hybrid group this encapsulates to
/// the client's ML-KEM key; for ECDH it generates an ephemeral pair and
/// agrees. A malformed client share gives `Err`.
pub fn respond(
    group: KxGroup,
    client_share: &[u8],
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    let ecdh = agreement::PrivateKey::generate(group.ecdh())?;
    if !group.is_hybrid_pq() {
        return respond_ecdh(group, &ecdh, client_share);
    }
    if client_share.len() != MLKEM768_EK_LEN + X25519_LEN {
        return Err(CryptoError);
    }
    let (ek, x25519_peer) = client_share.split_at(MLKEM768_EK_LEN);
    let ek = EncapsulationKey::new(&kem::ML_KEM_768, ek).map_err(|_| CryptoError)?;
    // Encapsulation performs the FIPS 203 §7.2 modulus check on `ek`.
    let (ct, ss) = ek.encapsulate()?;
    let mut secret = SharedSecret::empty();
    secret.push(ss.as_ref())?;
    ecdh_agree(KxGroup::X25519, &ecdh, x25519_peer, &mut secret)?;
    let mut share = Vec::with_capacity(MLKEM768_CT_LEN + X25519_LEN);
    share.extend_from_slice(ct.as_ref());
    share.extend_from_slice(ecdh.compute_public_key()?.as_ref());
    Ok((share, secret))
}

/// Same as [`respond`] for X25519, with a fixed server private key
/// (tests and RFC 8448 only).
pub fn respond_x25519_fixed(
    private: &[u8; 32],
    client_share: &[u8],
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    let ecdh = agreement::PrivateKey::from_private_key(&agreement::X25519, private)
        .map_err(|_| CryptoError)?;
    respond_ecdh(KxGroup::X25519, &ecdh, client_share)
}

fn respond_ecdh(
    group: KxGroup,
    ecdh: &agreement::PrivateKey,
    client_share: &[u8],
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    let mut secret = SharedSecret::empty();
    ecdh_agree(group, ecdh, client_share, &mut secret)?;
    let share = ecdh.compute_public_key()?.as_ref().to_vec();
    Ok((share, secret))
}

/// ECDH with the peer's raw share, appending the result to `out`.
///
/// aws-lc-rs would also accept SPKI-encoded and compressed points; TLS
/// allows only the raw X25519 key (RFC 8446 §4.2.8.2) and the uncompressed
/// point (RFC 8446 §4.2.8.2, RFC 8422 §5.4.1), so the format is checked first.
fn ecdh_agree(
    group: KxGroup,
    ecdh: &agreement::PrivateKey,
    peer: &[u8],
    out: &mut SharedSecret,
) -> Result<(), CryptoError> {
    let well_formed = match group {
        KxGroup::X25519 | KxGroup::X25519MlKem768 => peer.len() == X25519_LEN,
        KxGroup::Secp256r1 => peer.len() == 65 && peer[0] == 0x04,
        KxGroup::Secp384r1 => peer.len() == 97 && peer[0] == 0x04,
    };
    if !well_formed {
        return Err(CryptoError);
    }
    let peer = UnparsedPublicKey::new(group.ecdh(), peer);
    agreement::agree(ecdh, peer, CryptoError, |secret| {
        // RFC 8446 §7.4.2: an all-zero X25519 result MUST be rejected
        // (aws-lc already refuses it; checked again here, without a
        // data-dependent early exit).
        if secret.iter().fold(0u8, |acc, b| acc | b) == 0 {
            return Err(CryptoError);
        }
        out.push(secret)
    })
}

#[cfg(test)]
#[path = "kx_tests.rs"]
mod tests;
