//! TLS 1.2's own handshake messages (RFC 5246 §7.4, RFC 8422 §5).

use super::handshake::{encode_handshake, read_dn_list, write_dn_list};
use super::{DecodeError, HandshakeType, NamedGroup, Reader, SignatureScheme, Writer};

/// TLS 1.2 Certificate: a list of DER certificates, end entity first (RFC 5246 §7.4.2).
pub fn decode_certificate12(body: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
    let mut r = Reader::new(body);
    let mut list = r.sub_u24(0, 0xff_ffff)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(list.vec_u24(1, 0xff_ffff)?.to_vec());
    }
    r.expect_end()?;
    Ok(out)
}

/// Encodes a TLS 1.2 Certificate message.
pub fn encode_certificate12(chain: &[impl AsRef<[u8]>]) -> Vec<u8> {
    encode_handshake(HandshakeType::CERTIFICATE, |out| {
        out.nested(3, |out| {
            for c in chain {
                out.put_vec(3, c.as_ref());
            }
        })
    })
}

/// ServerKeyExchange for ECDHE (RFC 8422 §5.4): named curve, public point, signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdheServerKeyExchange {
    /// The curve (ECCurveType named_curve).
    pub group: NamedGroup,
    /// The server's ephemeral public value.
    pub public: Vec<u8>,
    /// The scheme the server signed with.
    pub scheme: SignatureScheme,
    /// Signature over client_random + server_random + params.
    pub signature: Vec<u8>,
}

impl EcdheServerKeyExchange {
    /// Parses the body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        // ECCurveType: only named_curve (3) is allowed (RFC 8422 §5.4).
        if r.u8()? != 3 {
            return Err(DecodeError::Invalid("curve type is not named_curve"));
        }
        let group = NamedGroup(r.u16()?);
        let public = r.vec_u8(1, 255)?.to_vec();
        let scheme = SignatureScheme(r.u16()?);
        let signature = r.vec_u16(1, 0xffff)?.to_vec();
        r.expect_end()?;
        Ok(EcdheServerKeyExchange {
            group,
            public,
            scheme,
            signature,
        })
    }

    /// The signed part: ServerECDHParams as on the wire.
    pub fn params(group: NamedGroup, public: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + public.len());
        out.put_u8(3);
        out.put_u16(group.0);
        out.put_vec(1, public);
        out
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::SERVER_KEY_EXCHANGE, |out| {
            out.extend_from_slice(&Self::params(self.group, &self.public));
            out.put_u16(self.scheme.0);
            out.put_vec(2, &self.signature);
        })
    }
}

/// TLS 1.2 CertificateRequest (RFC 5246 §7.4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest12 {
    /// ClientCertificateType values (rsa_sign 1, ecdsa_sign 64).
    pub cert_types: Vec<u8>,
    /// supported_signature_algorithms.
    pub schemes: Vec<SignatureScheme>,
    /// certificate_authorities: DER distinguished names.
    pub authorities: Vec<Vec<u8>>,
}

impl CertificateRequest12 {
    /// Parses the body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let cert_types = r.vec_u8(1, 255)?.to_vec();
        let schemes = r
            .u16_list(2, 0xfffe)?
            .into_iter()
            .map(SignatureScheme)
            .collect();
        let authorities = read_dn_list(&mut r)?;
        r.expect_end()?;
        Ok(CertificateRequest12 {
            cert_types,
            schemes,
            authorities,
        })
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::CERTIFICATE_REQUEST, |out| {
            out.put_vec(1, &self.cert_types);
            super::put_u16_list(out, self.schemes.iter().map(|s| s.0));
            write_dn_list(out, &self.authorities);
        })
    }
}

/// ServerHelloDone (empty body).
pub fn encode_server_hello_done() -> Vec<u8> {
    encode_handshake(HandshakeType::SERVER_HELLO_DONE, |_| {})
}

/// ClientKeyExchange for ECDHE: the client's public point (RFC 8422 §5.7).
pub fn decode_ecdhe_client_key_exchange(body: &[u8]) -> Result<&[u8], DecodeError> {
    let mut r = Reader::new(body);
    let public = r.vec_u8(1, 255)?;
    r.expect_end()?;
    Ok(public)
}

/// ClientKeyExchange for RSA: the encrypted pre-master secret (RFC 5246 §7.4.7.1).
pub fn decode_rsa_client_key_exchange(body: &[u8]) -> Result<&[u8], DecodeError> {
    let mut r = Reader::new(body);
    let encrypted = r.vec_u16(1, 0xffff)?;
    r.expect_end()?;
    Ok(encrypted)
}

/// Encodes a ClientKeyExchange: 1-byte length for an ECDHE point, 2 for RSA.
pub fn encode_client_key_exchange(prefix: usize, value: &[u8]) -> Vec<u8> {
    encode_handshake(HandshakeType::CLIENT_KEY_EXCHANGE, |out| {
        out.put_vec(prefix, value)
    })
}
