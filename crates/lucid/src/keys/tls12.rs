//! The TLS 1.2 key schedule (RFC 5246 §6.3, §8.1, §7.4.9; RFC 7627 §4): pre-master secret
//! and the two randoms make the master secret; the master secret makes the key block and
//! the Finished values.

use crate::common::Common;
use crate::crypto::aead::{AeadAlg, AeadKey};
use crate::crypto::hash::{Digest, HashAlg};
use crate::crypto::prf::tls12_prf;
use crate::error::Error;
use crate::record::protect::{Decrypter, Encrypter, Tls12ChaCha, Tls12Gcm};
use crate::suites::Suite;

/// The 48-byte master secret, zeroized on drop.
pub(crate) struct MasterSecret12 {
    pub(crate) bytes: [u8; 48],
    hash: HashAlg,
}

impl Drop for MasterSecret12 {
    fn drop(&mut self) {
        self.bytes.fill(0);
    }
}

impl MasterSecret12 {
    /// master_secret = PRF(pre_master_secret, "master secret", client_random + server_random),
    /// or with extended master secret (RFC 7627 §4):
    /// PRF(pre_master_secret, "extended master secret", session_hash).
    pub(crate) fn derive(
        hash: HashAlg,
        premaster: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        session_hash: Option<&Digest>,
    ) -> Result<Self, Error> {
        let mut bytes = [0u8; 48];
        match session_hash {
            Some(h) => tls12_prf(
                hash,
                premaster,
                b"extended master secret",
                h.as_ref(),
                &mut bytes,
            )?,
            None => {
                let mut seed = [0u8; 64];
                seed[..32].copy_from_slice(client_random);
                seed[32..].copy_from_slice(server_random);
                tls12_prf(hash, premaster, b"master secret", &seed, &mut bytes)?
            }
        }
        Ok(MasterSecret12 { bytes, hash })
    }

    /// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..12].
    pub(crate) fn verify_data(&self, client: bool, transcript: &Digest) -> Result<[u8; 12], Error> {
        let label: &[u8] = if client {
            b"client finished"
        } else {
            b"server finished"
        };
        let mut out = [0u8; 12];
        tls12_prf(self.hash, &self.bytes, label, transcript.as_ref(), &mut out)?;
        Ok(out)
    }

    /// key_block = PRF(master_secret, "key expansion", server_random + client_random), split
    /// as client key, server key, client IV, server IV (AEAD suites have no MAC keys).
    pub(crate) fn key_block(
        &self,
        suite: &Suite,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<KeyBlock, Error> {
        let key_len = suite.aead.key_len();
        let iv_len = iv_len(suite.aead);
        let mut seed = [0u8; 64];
        seed[..32].copy_from_slice(server_random);
        seed[32..].copy_from_slice(client_random);
        let mut block = [0u8; 2 * 32 + 2 * 12];
        let total = 2 * key_len + 2 * iv_len;
        tls12_prf(
            self.hash,
            &self.bytes,
            b"key expansion",
            &seed,
            &mut block[..total],
        )?;
        let kb = KeyBlock::split(&block[..total], key_len, iv_len);
        block.fill(0);
        Ok(kb)
    }
}

/// Narrates the master secret (and writes the NSS CLIENT_RANDOM key-log line).
pub(crate) fn narrate_master_secret(cx: &Common, ms: &MasterSecret12, ems: bool) {
    let inputs = if ems {
        "PRF: pre-master secret + hash of the handshake so far (extended master secret, RFC 7627)"
    } else {
        "PRF: pre-master secret + client random + server random"
    };
    cx.secret("master secret", inputs, Some("CLIENT_RANDOM"), &ms.bytes);
}

/// Narrates the session keys made from the master secret and the two randoms.
pub(crate) fn narrate_key_block(cx: &Common, kb: &KeyBlock) {
    if !cx.tracing() {
        return;
    }
    let mut all = [
        &kb.client_key[..],
        &kb.server_key,
        &kb.client_iv,
        &kb.server_iv,
    ]
    .concat();
    cx.secret(
        "session keys (client and server write keys and IVs)",
        "PRF: master secret + server random + client random (\"key expansion\")",
        None,
        &all,
    );
    all.fill(0);
}

/// AES-GCM takes a 4-byte implicit salt (RFC 5288 §3); ChaCha20-Poly1305 a 12-byte IV
/// (RFC 7905 §2).
fn iv_len(aead: AeadAlg) -> usize {
    match aead {
        AeadAlg::ChaCha20Poly1305 => 12,
        _ => 4,
    }
}

/// The key block split into its parts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeyBlock {
    pub client_key: Vec<u8>,
    pub server_key: Vec<u8>,
    pub client_iv: Vec<u8>,
    pub server_iv: Vec<u8>,
}

impl Drop for KeyBlock {
    fn drop(&mut self) {
        for v in [&mut self.client_key, &mut self.server_key] {
            v.fill(0);
        }
    }
}

impl KeyBlock {
    pub(crate) fn split(block: &[u8], key_len: usize, iv_len: usize) -> KeyBlock {
        let (client_key, rest) = block.split_at(key_len);
        let (server_key, rest) = rest.split_at(key_len);
        let (client_iv, rest) = rest.split_at(iv_len);
        let server_iv = &rest[..iv_len];
        KeyBlock {
            client_key: client_key.to_vec(),
            server_key: server_key.to_vec(),
            client_iv: client_iv.to_vec(),
            server_iv: server_iv.to_vec(),
        }
    }

    /// Record protection for one direction.
    pub(crate) fn protection(&self, suite: &Suite, client_side: bool) -> Result<Pair, Error> {
        let (wk, wiv, rk, riv) = if client_side {
            (
                &self.client_key,
                &self.client_iv,
                &self.server_key,
                &self.server_iv,
            )
        } else {
            (
                &self.server_key,
                &self.server_iv,
                &self.client_key,
                &self.client_iv,
            )
        };
        Ok((make(suite, wk, wiv)?.0, make(suite, rk, riv)?.1))
    }
}

type Pair = (Box<dyn Encrypter>, Box<dyn Decrypter>);

fn make(suite: &Suite, key: &[u8], iv: &[u8]) -> Result<Pair, Error> {
    let k1 = AeadKey::new(suite.aead, key)?;
    let k2 = AeadKey::new(suite.aead, key)?;
    Ok(match suite.aead {
        AeadAlg::ChaCha20Poly1305 => {
            let iv: [u8; 12] = iv.try_into().map_err(|_| Error::Internal("iv length"))?;
            (
                Box::new(Tls12ChaCha::new(k1, iv)),
                Box::new(Tls12ChaCha::new(k2, iv)),
            )
        }
        _ => {
            let salt: [u8; 4] = iv.try_into().map_err(|_| Error::Internal("salt length"))?;
            (
                Box::new(Tls12Gcm::new(k1, salt)),
                Box::new(Tls12Gcm::new(k2, salt)),
            )
        }
    })
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

    // illustrated-tls12.txt: pre-master secret, randoms and master secret.
    #[test]
    fn master_secret_from_the_three_values() {
        let pms = hex("df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624");
        let cr: [u8; 32] = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
            .try_into()
            .unwrap();
        let sr: [u8; 32] = hex("707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f")
            .try_into()
            .unwrap();
        let ms = MasterSecret12::derive(HashAlg::Sha256, &pms, &cr, &sr, None).unwrap();
        assert_eq!(
            ms.bytes.to_vec(),
            hex("916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac06ae237344c")
        );
    }

    #[test]
    fn key_block_splits_in_rfc_order() {
        let block: Vec<u8> = (0u8..40).collect();
        let kb = KeyBlock::split(&block, 16, 4);
        assert_eq!(kb.client_key, (0u8..16).collect::<Vec<_>>());
        assert_eq!(kb.server_key, (16u8..32).collect::<Vec<_>>());
        assert_eq!(kb.client_iv, vec![32, 33, 34, 35]);
        assert_eq!(kb.server_iv, vec![36, 37, 38, 39]);
    }
}
