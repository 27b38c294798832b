//! Handshake messages shared by both versions, and TLS 1.3's own (RFC 8446 §4).

use super::extensions::{
    read_client_extensions, read_server_extensions, write_client_extensions,
    write_server_extensions, ClientExtension, KeyShareEntry, ServerExtContext, ServerExtension,
};
use super::{
    CipherSuite, DecodeError, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, Reader,
    SignatureScheme, Writer,
};

/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Frames a handshake message: type, 24-bit length, then what `body` writes.
pub fn encode_handshake(typ: HandshakeType, body: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.put_u8(typ.0);
    out.nested(3, body);
    out
}

/// ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// legacy_version: 0x0303 from any modern client.
    pub legacy_version: ProtocolVersion,
    /// The 32-byte client random.
    pub random: [u8; 32],
    /// legacy_session_id (0..32 bytes).
    pub session_id: Vec<u8>,
    /// Offered suites in preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// legacy_compression_methods; must contain null (0).
    pub compression_methods: Vec<u8>,
    /// Extensions in wire order.
    pub extensions: Vec<ClientExtension>,
}

impl ClientHello {
    /// Parses a ClientHello body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let legacy_version = ProtocolVersion(r.u16()?);
        let random = r.array::<32>()?;
        let session_id = r.vec_u8(0, 32)?.to_vec();
        let cipher_suites = r
            .u16_list(2, 0xfffe)?
            .into_iter()
            .map(CipherSuite)
            .collect();
        let compression_methods = r.vec_u8(1, 255)?.to_vec();
        // RFC 5246 §7.4.1.2: extensions may be absent altogether.
        let extensions = if r.is_empty() {
            Vec::new()
        } else {
            read_client_extensions(&mut r)?
        };
        r.expect_end()?;
        Ok(ClientHello {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }

    /// Encodes the whole handshake message (header included).
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::CLIENT_HELLO, |out| {
            out.put_u16(self.legacy_version.0);
            out.extend_from_slice(&self.random);
            out.put_vec(1, &self.session_id);
            super::put_u16_list(out, self.cipher_suites.iter().map(|s| s.0));
            out.put_vec(1, &self.compression_methods);
            write_client_extensions(out, &self.extensions);
        })
    }

    /// The extension of the given type, if present.
    pub fn find(&self, typ: ExtensionType) -> Option<&ClientExtension> {
        self.extensions.iter().find(|e| e.ext_type() == typ)
    }

    /// supported_versions, if offered.
    pub fn supported_versions(&self) -> Option<&[ProtocolVersion]> {
        match self.find(ExtensionType::SUPPORTED_VERSIONS) {
            Some(ClientExtension::SupportedVersions(v)) => Some(v),
            _ => None,
        }
    }

    /// supported_groups, or an empty list.
    pub fn groups(&self) -> &[NamedGroup] {
        match self.find(ExtensionType::SUPPORTED_GROUPS) {
            Some(ClientExtension::SupportedGroups(g)) => g,
            _ => &[],
        }
    }

    /// signature_algorithms, if offered.
    pub fn signature_schemes(&self) -> Option<&[SignatureScheme]> {
        match self.find(ExtensionType::SIGNATURE_ALGORITHMS) {
            Some(ClientExtension::SignatureAlgorithms(s)) => Some(s),
            _ => None,
        }
    }

    /// key_share entries, if offered.
    pub fn key_shares(&self) -> Option<&[KeyShareEntry]> {
        match self.find(ExtensionType::KEY_SHARE) {
            Some(ClientExtension::KeyShare(k)) => Some(k),
            _ => None,
        }
    }

    /// The host name from server_name.
    pub fn server_name(&self) -> Option<&str> {
        match self.find(ExtensionType::SERVER_NAME) {
            Some(ClientExtension::ServerName(n)) => Some(n),
            _ => None,
        }
    }

    /// The offered ALPN protocols, or an empty list.
    pub fn alpn(&self) -> &[Vec<u8>] {
        match self.find(ExtensionType::ALPN) {
            Some(ClientExtension::Alpn(p)) => p,
            _ => &[],
        }
    }

    /// The cookie echoed from a HelloRetryRequest.
    pub fn cookie(&self) -> Option<&[u8]> {
        match self.find(ExtensionType::COOKIE) {
            Some(ClientExtension::Cookie(c)) => Some(c),
            _ => None,
        }
    }
}

/// ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4; RFC 5246 §7.4.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// legacy_version (0x0303 in TLS 1.3).
    pub legacy_version: ProtocolVersion,
    /// The 32-byte server random (HRR_RANDOM for a HelloRetryRequest).
    pub random: [u8; 32],
    /// legacy_session_id_echo.
    pub session_id: Vec<u8>,
    /// The chosen suite.
    pub cipher_suite: CipherSuite,
    /// legacy_compression_method: must be 0.
    pub compression_method: u8,
    /// Extensions in wire order.
    pub extensions: Vec<ServerExtension>,
}

impl ServerHello {
    /// Parses a ServerHello body; a HelloRetryRequest is recognised by its random.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let legacy_version = ProtocolVersion(r.u16()?);
        let random = r.array::<32>()?;
        let session_id = r.vec_u8(0, 32)?.to_vec();
        let cipher_suite = CipherSuite(r.u16()?);
        let compression_method = r.u8()?;
        let ctx = if random == HRR_RANDOM {
            ServerExtContext::HelloRetryRequest
        } else {
            ServerExtContext::ServerHello
        };
        let extensions = if r.is_empty() {
            Vec::new()
        } else {
            read_server_extensions(&mut r, ctx)?
        };
        r.expect_end()?;
        Ok(ServerHello {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        })
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::SERVER_HELLO, |out| {
            out.put_u16(self.legacy_version.0);
            out.extend_from_slice(&self.random);
            out.put_vec(1, &self.session_id);
            out.put_u16(self.cipher_suite.0);
            out.put_u8(self.compression_method);
            write_server_extensions(out, &self.extensions);
        })
    }

    /// True for a HelloRetryRequest.
    pub fn is_retry_request(&self) -> bool {
        self.random == HRR_RANDOM
    }

    /// The extension of the given type, if present.
    pub fn find(&self, typ: ExtensionType) -> Option<&ServerExtension> {
        self.extensions.iter().find(|e| e.ext_type() == typ)
    }

    /// The version from supported_versions, if present.
    pub fn selected_version(&self) -> Option<ProtocolVersion> {
        match self.find(ExtensionType::SUPPORTED_VERSIONS) {
            Some(ServerExtension::SupportedVersion(v)) => Some(*v),
            _ => None,
        }
    }
}

/// EncryptedExtensions (RFC 8446 §4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedExtensions {
    /// Extensions in wire order.
    pub extensions: Vec<ServerExtension>,
}

impl EncryptedExtensions {
    /// Parses the body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let extensions = read_server_extensions(&mut r, ServerExtContext::EncryptedExtensions)?;
        r.expect_end()?;
        Ok(EncryptedExtensions { extensions })
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::ENCRYPTED_EXTENSIONS, |out| {
            write_server_extensions(out, &self.extensions)
        })
    }
}

/// One certificate in a TLS 1.3 Certificate message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateEntry {
    /// DER certificate.
    pub cert: Vec<u8>,
    /// The entry's extensions, unparsed (lucid sends none).
    pub extensions: Vec<u8>,
}

/// TLS 1.3 Certificate (RFC 8446 §4.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate13 {
    /// certificate_request_context.
    pub context: Vec<u8>,
    /// The chain, end entity first.
    pub entries: Vec<CertificateEntry>,
}

impl Certificate13 {
    /// Parses the body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let context = r.vec_u8(0, 255)?.to_vec();
        let mut list = r.sub_u24(0, 0xff_ffff)?;
        let mut entries = Vec::new();
        while !list.is_empty() {
            let cert = list.vec_u24(1, 0xff_ffff)?.to_vec();
            let extensions = list.vec_u16(0, 0xffff)?.to_vec();
            entries.push(CertificateEntry { cert, extensions });
        }
        r.expect_end()?;
        Ok(Certificate13 { context, entries })
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::CERTIFICATE, |out| {
            out.put_vec(1, &self.context);
            out.nested(3, |out| {
                for e in &self.entries {
                    out.put_vec(3, &e.cert);
                    out.put_vec(2, &e.extensions);
                }
            });
        })
    }
}

/// TLS 1.3 CertificateRequest (RFC 8446 §4.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest13 {
    /// certificate_request_context (empty during the handshake).
    pub context: Vec<u8>,
    /// signature_algorithms (required).
    pub schemes: Vec<SignatureScheme>,
    /// certificate_authorities: DER distinguished names.
    pub authorities: Vec<Vec<u8>>,
}

impl CertificateRequest13 {
    /// Parses the body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let context = r.vec_u8(0, 255)?.to_vec();
        let mut block = r.sub_u16(2, 0xffff)?;
        let mut schemes = None;
        let mut authorities = Vec::new();
        let mut seen = Vec::new();
        while !block.is_empty() {
            let typ = ExtensionType(block.u16()?);
            let mut body = block.sub_u16(0, 0xffff)?;
            if seen.contains(&typ) {
                return Err(DecodeError::Invalid("the same extension appears twice"));
            }
            seen.push(typ);
            match typ {
                ExtensionType::SIGNATURE_ALGORITHMS => {
                    schemes = Some(
                        body.u16_list(2, 0xfffe)?
                            .into_iter()
                            .map(SignatureScheme)
                            .collect(),
                    )
                }
                ExtensionType::CERTIFICATE_AUTHORITIES => authorities = read_dn_list(&mut body)?,
                _ => {
                    body.rest();
                }
            }
            body.expect_end()?;
        }
        r.expect_end()?;
        // RFC 8446 §4.3.2: "The signature_algorithms extension MUST be specified".
        let schemes = schemes.ok_or(DecodeError::Invalid(
            "CertificateRequest lacks signature_algorithms",
        ))?;
        Ok(CertificateRequest13 {
            context,
            schemes,
            authorities,
        })
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::CERTIFICATE_REQUEST, |out| {
            out.put_vec(1, &self.context);
            out.nested(2, |out| {
                out.put_u16(ExtensionType::SIGNATURE_ALGORITHMS.0);
                out.nested(2, |out| {
                    super::put_u16_list(out, self.schemes.iter().map(|s| s.0))
                });
                if !self.authorities.is_empty() {
                    out.put_u16(ExtensionType::CERTIFICATE_AUTHORITIES.0);
                    out.nested(2, |out| write_dn_list(out, &self.authorities));
                }
            });
        })
    }
}

/// Reads a DistinguishedName list (opaque DistinguishedName<1..2^16-1> inside <3..2^16-1>).
pub(crate) fn read_dn_list(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, DecodeError> {
    let mut list = r.sub_u16(0, 0xffff)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(list.vec_u16(1, 0xffff)?.to_vec());
    }
    Ok(out)
}

/// Writes a DistinguishedName list.
pub(crate) fn write_dn_list(out: &mut Vec<u8>, names: &[Vec<u8>]) {
    out.nested(2, |out| {
        for n in names {
            out.put_vec(2, n);
        }
    });
}

/// CertificateVerify (RFC 8446 §4.4.3; RFC 5246 §7.4.8 with TLS 1.2 signature_algorithms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateVerify {
    /// The scheme used.
    pub scheme: SignatureScheme,
    /// The signature.
    pub signature: Vec<u8>,
}

impl CertificateVerify {
    /// Parses the body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let scheme = SignatureScheme(r.u16()?);
        let signature = r.vec_u16(1, 0xffff)?.to_vec();
        r.expect_end()?;
        Ok(CertificateVerify { scheme, signature })
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::CERTIFICATE_VERIFY, |out| {
            out.put_u16(self.scheme.0);
            out.put_vec(2, &self.signature);
        })
    }
}

/// Finished: the verify_data is the whole body (RFC 8446 §4.4.4, RFC 5246 §7.4.9).
pub fn encode_finished(verify_data: &[u8]) -> Vec<u8> {
    encode_handshake(HandshakeType::FINISHED, |out| {
        out.extend_from_slice(verify_data)
    })
}

/// TLS 1.3 NewSessionTicket (RFC 8446 §4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicket13 {
    /// ticket_lifetime in seconds (at most 604800).
    pub lifetime: u32,
    /// ticket_age_add.
    pub age_add: u32,
    /// ticket_nonce.
    pub nonce: Vec<u8>,
    /// The opaque ticket.
    pub ticket: Vec<u8>,
    /// Extensions, unparsed.
    pub extensions: Vec<u8>,
}

impl NewSessionTicket13 {
    /// Parses the body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let lifetime = r.u32()?;
        let age_add = r.u32()?;
        let nonce = r.vec_u8(0, 255)?.to_vec();
        let ticket = r.vec_u16(1, 0xffff)?.to_vec();
        let extensions = r.vec_u16(0, 0xfffe)?.to_vec();
        r.expect_end()?;
        // RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds".
        if lifetime > 604_800 {
            return Err(DecodeError::Invalid("ticket lifetime over seven days"));
        }
        Ok(NewSessionTicket13 {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions,
        })
    }

    /// Encodes the whole handshake message.
    pub fn encode(&self) -> Vec<u8> {
        encode_handshake(HandshakeType::NEW_SESSION_TICKET, |out| {
            out.put_u32(self.lifetime);
            out.put_u32(self.age_add);
            out.put_vec(1, &self.nonce);
            out.put_vec(2, &self.ticket);
            out.put_vec(2, &self.extensions);
        })
    }
}

/// KeyUpdate (RFC 8446 §4.6.3): true when the sender asks for an update in return.
pub fn decode_key_update(body: &[u8]) -> Result<bool, DecodeError> {
    match body {
        [0] => Ok(false),
        [1] => Ok(true),
        // RFC 8446 §4.6.3: other values are illegal_parameter; the caller maps this one.
        [_] => Err(DecodeError::Invalid(
            "KeyUpdate request_update out of range",
        )),
        _ => Err(DecodeError::Truncated),
    }
}

/// Encodes a KeyUpdate message.
pub fn encode_key_update(update_requested: bool) -> Vec<u8> {
    encode_handshake(HandshakeType::KEY_UPDATE, |out| {
        out.put_u8(update_requested as u8)
    })
}

/// The synthetic message_hash message that replaces ClientHello1 in the transcript after a
/// HelloRetryRequest (RFC 8446 §4.4.1).
pub fn message_hash(hash: &[u8]) -> Vec<u8> {
    encode_handshake(HandshakeType::MESSAGE_HASH, |out| {
        out.extend_from_slice(hash)
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

    // RFC 8448 §3, the ClientHello of the simple 1-RTT handshake.
    const RFC8448_CH: &str = "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001";

    #[test]
    fn rfc8448_client_hello_round_trips() {
        let bytes = hex(RFC8448_CH);
        let ch = ClientHello::decode(&bytes[4..]).unwrap();
        assert_eq!(ch.server_name(), Some("server"));
        assert_eq!(ch.cipher_suites.len(), 3);
        assert_eq!(ch.key_shares().unwrap()[0].group, NamedGroup::X25519);
        assert_eq!(ch.encode(), bytes);
    }

    #[test]
    fn rfc8448_server_hello_round_trips() {
        let bytes = hex("020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304");
        let sh = ServerHello::decode(&bytes[4..]).unwrap();
        assert_eq!(sh.selected_version(), Some(ProtocolVersion::TLS13));
        assert!(!sh.is_retry_request());
        assert_eq!(sh.encode(), bytes);
    }

    #[test]
    fn duplicate_extensions_are_refused() {
        let mut ch = ClientHello::decode(&hex(RFC8448_CH)[4..]).unwrap();
        ch.extensions
            .push(ClientExtension::ServerName("again".into()));
        let bytes = ch.encode();
        assert!(matches!(
            ClientHello::decode(&bytes[4..]),
            Err(DecodeError::Invalid(_))
        ));
    }

    #[test]
    fn every_truncation_of_a_client_hello_is_an_error() {
        let bytes = hex(RFC8448_CH);
        for cut in 4..bytes.len() - 1 {
            // Cutting exactly after compression_methods leaves a valid extension-less hello.
            if let Ok(ch) = ClientHello::decode(&bytes[4..cut]) {
                assert!(ch.extensions.is_empty(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn certificate_request_needs_signature_algorithms() {
        let req = CertificateRequest13 {
            context: vec![],
            schemes: vec![SignatureScheme::ED25519],
            authorities: vec![vec![0x30, 0x00]],
        };
        let bytes = req.encode();
        assert_eq!(CertificateRequest13::decode(&bytes[4..]).unwrap(), req);
        // Context 0, then an extension block holding one unknown extension only.
        assert!(CertificateRequest13::decode(&[0, 0, 4, 0xaa, 0xaa, 0, 0]).is_err());
    }
}
