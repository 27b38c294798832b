//! Record protection: one type per mode, each encrypting and decrypting in place.

use crate::codec::ContentType;
use crate::crypto::aead::{AeadAlg, AeadKey};
use crate::error::Error;

/// Seals outgoing records.
pub(crate) trait Encrypter: Send + Sync {
    /// Appends one protected record (header included) carrying `payload` of type `typ`.
    fn seal(&mut self, typ: ContentType, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error>;
    /// Records sealed so far with this key (its sequence number).
    fn sealed(&self) -> u64;
    /// The AEAD in use (for its usage limit).
    fn alg(&self) -> AeadAlg;
}

/// Opens incoming records.
pub(crate) trait Decrypter: Send + Sync {
    /// Decrypts `body` (the record after its 5-byte header) in place and returns the inner
    /// content type and the plaintext's range within `body`.
    fn open(
        &mut self,
        header: [u8; 5],
        body: &mut [u8],
    ) -> Result<(ContentType, std::ops::Range<usize>), Error>;
}

const TAG: usize = 16;

fn xor_nonce(iv: &[u8; 12], seq: u64) -> [u8; 12] {
    let mut nonce = *iv;
    for (n, s) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    nonce
}

fn next_seq(seq: &mut u64) -> Result<u64, Error> {
    let current = *seq;
    // RFC 8446 §5.3 / RFC 5246 §6.1: sequence numbers must not wrap.
    *seq = seq
        .checked_add(1)
        .ok_or(Error::Internal("record sequence number exhausted"))?;
    Ok(current)
}

/// TLS 1.3 protection (RFC 8446 §5.2): the real type is inside, the outer type is
/// application_data, the nonce is the IV XOR the sequence number.
pub(crate) struct Tls13Protection {
    key: AeadKey,
    iv: [u8; 12],
    seq: u64,
}

impl Tls13Protection {
    pub(crate) fn new(key: AeadKey, iv: [u8; 12]) -> Self {
        Tls13Protection { key, iv, seq: 0 }
    }
}

impl Encrypter for Tls13Protection {
    fn seal(&mut self, typ: ContentType, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let seq = next_seq(&mut self.seq)?;
        let len = payload.len() + 1 + TAG;
        let header = [23, 3, 3, (len >> 8) as u8, len as u8];
        let start = out.len();
        out.reserve(5 + len);
        out.extend_from_slice(&header);
        out.extend_from_slice(payload);
        out.push(typ.0);
        let body = start + 5;
        let tag = self
            .key
            .seal_in_place(xor_nonce(&self.iv, seq), &header, &mut out[body..])?;
        out.extend_from_slice(&tag);
        Ok(())
    }

    fn sealed(&self) -> u64 {
        self.seq
    }

    fn alg(&self) -> AeadAlg {
        self.key.alg()
    }
}

impl Decrypter for Tls13Protection {
    fn open(
        &mut self,
        header: [u8; 5],
        body: &mut [u8],
    ) -> Result<(ContentType, std::ops::Range<usize>), Error> {
        // RFC 8446 §5.2: protected records always carry the outer type application_data.
        if header[0] != ContentType::APPLICATION_DATA.0 {
            return Err(Error::UnexpectedMessage {
                expected: "an encrypted record",
                got: format!("a plaintext {} record", ContentType(header[0])),
            });
        }
        if body.len() < TAG + 1 {
            return Err(Error::BadRecordMac);
        }
        let seq = next_seq(&mut self.seq)?;
        let len = self
            .key
            .open_in_place(xor_nonce(&self.iv, seq), &header, body)
            .map_err(|_| Error::BadRecordMac)?;
        // RFC 8446 §5.4: strip zero padding; the last non-zero byte is the real type.
        let Some(type_at) = body[..len].iter().rposition(|b| *b != 0) else {
            return Err(Error::UnexpectedMessage {
                expected: "a record with a content type",
                got: "a record of padding only".into(),
            });
        };
        Ok((ContentType(body[type_at]), 0..type_at))
    }
}

/// TLS 1.2 AES-GCM (RFC 5288): nonce = 4-byte salt from the key block + 8-byte explicit
/// part sent with each record (lucid sends the sequence number there).
pub(crate) struct Tls12Gcm {
    key: AeadKey,
    salt: [u8; 4],
    seq: u64,
}

impl Tls12Gcm {
    pub(crate) fn new(key: AeadKey, salt: [u8; 4]) -> Self {
        Tls12Gcm { key, salt, seq: 0 }
    }
}

fn tls12_aad(seq: u64, typ: u8, len: usize) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8] = typ;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (len >> 8) as u8;
    aad[12] = len as u8;
    aad
}

impl Encrypter for Tls12Gcm {
    fn seal(&mut self, typ: ContentType, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let seq = next_seq(&mut self.seq)?;
        let len = 8 + payload.len() + TAG;
        out.reserve(5 + len);
        out.extend_from_slice(&[typ.0, 3, 3, (len >> 8) as u8, len as u8]);
        out.extend_from_slice(&seq.to_be_bytes());
        let body = out.len();
        out.extend_from_slice(payload);
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&self.salt);
        nonce[4..].copy_from_slice(&seq.to_be_bytes());
        let aad = tls12_aad(seq, typ.0, payload.len());
        let tag = self.key.seal_in_place(nonce, &aad, &mut out[body..])?;
        out.extend_from_slice(&tag);
        Ok(())
    }

    fn sealed(&self) -> u64 {
        self.seq
    }

    fn alg(&self) -> AeadAlg {
        self.key.alg()
    }
}

impl Decrypter for Tls12Gcm {
    fn open(
        &mut self,
        header: [u8; 5],
        body: &mut [u8],
    ) -> Result<(ContentType, std::ops::Range<usize>), Error> {
        if body.len() < 8 + TAG {
            return Err(Error::BadRecordMac);
        }
        let seq = next_seq(&mut self.seq)?;
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&self.salt);
        nonce[4..].copy_from_slice(&body[..8]);
        let aad = tls12_aad(seq, header[0], body.len() - 8 - TAG);
        let len = self
            .key
            .open_in_place(nonce, &aad, &mut body[8..])
            .map_err(|_| Error::BadRecordMac)?;
        Ok((ContentType(header[0]), 8..8 + len))
    }
}

/// TLS 1.2 ChaCha20-Poly1305 (RFC 7905 §2): nonce = 12-byte IV XOR the sequence number,
/// nothing explicit on the wire.
pub(crate) struct Tls12ChaCha {
    key: AeadKey,
    iv: [u8; 12],
    seq: u64,
}

impl Tls12ChaCha {
    pub(crate) fn new(key: AeadKey, iv: [u8; 12]) -> Self {
        Tls12ChaCha { key, iv, seq: 0 }
    }
}

impl Encrypter for Tls12ChaCha {
    fn seal(&mut self, typ: ContentType, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let seq = next_seq(&mut self.seq)?;
        let len = payload.len() + TAG;
        out.reserve(5 + len);
        out.extend_from_slice(&[typ.0, 3, 3, (len >> 8) as u8, len as u8]);
        let body = out.len();
        out.extend_from_slice(payload);
        let aad = tls12_aad(seq, typ.0, payload.len());
        let tag = self
            .key
            .seal_in_place(xor_nonce(&self.iv, seq), &aad, &mut out[body..])?;
        out.extend_from_slice(&tag);
        Ok(())
    }

    fn sealed(&self) -> u64 {
        self.seq
    }

    fn alg(&self) -> AeadAlg {
        self.key.alg()
    }
}

impl Decrypter for Tls12ChaCha {
    fn open(
        &mut self,
        header: [u8; 5],
        body: &mut [u8],
    ) -> Result<(ContentType, std::ops::Range<usize>), Error> {
        if body.len() < TAG {
            return Err(Error::BadRecordMac);
        }
        let seq = next_seq(&mut self.seq)?;
        let aad = tls12_aad(seq, header[0], body.len() - TAG);
        let len = self
            .key
            .open_in_place(xor_nonce(&self.iv, seq), &aad, body)
            .map_err(|_| Error::BadRecordMac)?;
        Ok((ContentType(header[0]), 0..len))
    }
}
