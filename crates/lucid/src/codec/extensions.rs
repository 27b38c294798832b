//! Hello and EncryptedExtensions extensions (RFC 8446 §4.2, RFC 6066, RFC 7301, RFC 5746,
//! RFC 7627, RFC 8422, RFC 8449).

use super::{
    put_u16_list, DecodeError, ExtensionType, NamedGroup, ProtocolVersion, Reader, SignatureScheme,
    Writer,
};

/// One offered or chosen key share (RFC 8446 §4.2.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The group the share belongs to.
    pub group: NamedGroup,
    /// The public value.
    pub share: Vec<u8>,
}

impl KeyShareEntry {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let group = NamedGroup(r.u16()?);
        let share = r.vec_u16(1, 0xffff)?.to_vec();
        Ok(KeyShareEntry { group, share })
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.group.0);
        out.put_vec(2, &self.share);
    }
}

/// A ClientHello extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientExtension {
    /// server_name with one host_name entry (RFC 6066 §3).
    ServerName(String),
    /// supported_groups (RFC 8446 §4.2.7).
    SupportedGroups(Vec<NamedGroup>),
    /// signature_algorithms (RFC 8446 §4.2.3).
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// signature_algorithms_cert (RFC 8446 §4.2.3).
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// application_layer_protocol_negotiation (RFC 7301).
    Alpn(Vec<Vec<u8>>),
    /// supported_versions (RFC 8446 §4.2.1).
    SupportedVersions(Vec<ProtocolVersion>),
    /// key_share (RFC 8446 §4.2.8).
    KeyShare(Vec<KeyShareEntry>),
    /// psk_key_exchange_modes (RFC 8446 §4.2.9).
    PskKeyExchangeModes(Vec<u8>),
    /// cookie echoed after a HelloRetryRequest (RFC 8446 §4.2.2).
    Cookie(Vec<u8>),
    /// ec_point_formats (RFC 8422 §5.1.2).
    EcPointFormats(Vec<u8>),
    /// renegotiation_info (RFC 5746).
    RenegotiationInfo(Vec<u8>),
    /// extended_master_secret (RFC 7627).
    ExtendedMasterSecret,
    /// session_ticket (RFC 5077); lucid sends it empty.
    SessionTicket(Vec<u8>),
    /// record_size_limit (RFC 8449).
    RecordSizeLimit(u16),
    /// Anything else, kept as bytes.
    Unknown(ExtensionType, Vec<u8>),
}

impl ClientExtension {
    /// The extension's type code point.
    pub fn ext_type(&self) -> ExtensionType {
        use ClientExtension::*;
        match self {
            ServerName(_) => ExtensionType::SERVER_NAME,
            SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Alpn(_) => ExtensionType::ALPN,
            SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            KeyShare(_) => ExtensionType::KEY_SHARE,
            PskKeyExchangeModes(_) => ExtensionType::PSK_KEY_EXCHANGE_MODES,
            Cookie(_) => ExtensionType::COOKIE,
            EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            SessionTicket(_) => ExtensionType::SESSION_TICKET,
            RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            Unknown(t, _) => *t,
        }
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        use ClientExtension::*;
        out.put_u16(self.ext_type().0);
        out.nested(2, |out| match self {
            ServerName(name) => out.nested(2, |out| {
                out.put_u8(0);
                out.put_vec(2, name.as_bytes());
            }),
            SupportedGroups(g) => put_u16_list(out, g.iter().map(|g| g.0)),
            SignatureAlgorithms(s) | SignatureAlgorithmsCert(s) => {
                put_u16_list(out, s.iter().map(|s| s.0))
            }
            Alpn(protocols) => write_alpn(out, protocols),
            SupportedVersions(v) => out.nested(1, |out| {
                for v in v {
                    out.put_u16(v.0);
                }
            }),
            KeyShare(entries) => out.nested(2, |out| {
                for e in entries {
                    e.write(out);
                }
            }),
            PskKeyExchangeModes(m) | EcPointFormats(m) | RenegotiationInfo(m) => out.put_vec(1, m),
            Cookie(c) => out.put_vec(2, c),
            ExtendedMasterSecret => {}
            SessionTicket(t) => out.extend_from_slice(t),
            RecordSizeLimit(l) => out.put_u16(*l),
            Unknown(_, body) => out.extend_from_slice(body),
        });
    }

    fn read(typ: ExtensionType, body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let ext = match typ {
            ExtensionType::SERVER_NAME => ClientExtension::ServerName(read_server_name(&mut r)?),
            ExtensionType::SUPPORTED_GROUPS => ClientExtension::SupportedGroups(
                r.u16_list(2, 0xfffe)?.into_iter().map(NamedGroup).collect(),
            ),
            ExtensionType::SIGNATURE_ALGORITHMS => ClientExtension::SignatureAlgorithms(
                r.u16_list(2, 0xfffe)?
                    .into_iter()
                    .map(SignatureScheme)
                    .collect(),
            ),
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => ClientExtension::SignatureAlgorithmsCert(
                r.u16_list(2, 0xfffe)?
                    .into_iter()
                    .map(SignatureScheme)
                    .collect(),
            ),
            ExtensionType::ALPN => ClientExtension::Alpn(read_alpn(&mut r)?),
            ExtensionType::SUPPORTED_VERSIONS => {
                let list = r.vec_u8(2, 254)?;
                if list.len() % 2 != 0 {
                    return Err(DecodeError::Invalid("odd supported_versions length"));
                }
                ClientExtension::SupportedVersions(
                    list.chunks_exact(2)
                        .map(|c| ProtocolVersion(u16::from_be_bytes([c[0], c[1]])))
                        .collect(),
                )
            }
            ExtensionType::KEY_SHARE => {
                let mut list = r.sub_u16(0, 0xffff)?;
                let mut entries = Vec::new();
                while !list.is_empty() {
                    entries.push(KeyShareEntry::read(&mut list)?);
                }
                ClientExtension::KeyShare(entries)
            }
            ExtensionType::PSK_KEY_EXCHANGE_MODES => {
                ClientExtension::PskKeyExchangeModes(r.vec_u8(1, 255)?.to_vec())
            }
            ExtensionType::COOKIE => ClientExtension::Cookie(r.vec_u16(1, 0xffff)?.to_vec()),
            ExtensionType::EC_POINT_FORMATS => {
                ClientExtension::EcPointFormats(r.vec_u8(1, 255)?.to_vec())
            }
            ExtensionType::RENEGOTIATION_INFO => {
                ClientExtension::RenegotiationInfo(r.vec_u8(0, 255)?.to_vec())
            }
            ExtensionType::EXTENDED_MASTER_SECRET => ClientExtension::ExtendedMasterSecret,
            ExtensionType::SESSION_TICKET => ClientExtension::SessionTicket(r.rest().to_vec()),
            ExtensionType::RECORD_SIZE_LIMIT => ClientExtension::RecordSizeLimit(r.u16()?),
            other => ClientExtension::Unknown(other, r.rest().to_vec()),
        };
        r.expect_end()?;
        Ok(ext)
    }
}

/// A ServerHello, HelloRetryRequest or EncryptedExtensions extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerExtension {
    /// supported_versions: the chosen version (RFC 8446 §4.2.1).
    SupportedVersion(ProtocolVersion),
    /// key_share in a ServerHello: the server's share.
    KeyShare(KeyShareEntry),
    /// key_share in a HelloRetryRequest: the group the server wants.
    RetryGroup(NamedGroup),
    /// cookie in a HelloRetryRequest.
    Cookie(Vec<u8>),
    /// An empty server_name: the server used the client's SNI (RFC 6066 §3).
    ServerNameAck,
    /// The one ALPN protocol the server chose.
    Alpn(Vec<u8>),
    /// The server's supported_groups, for the client's future use (RFC 8446 §4.2.7).
    SupportedGroups(Vec<NamedGroup>),
    /// record_size_limit (RFC 8449).
    RecordSizeLimit(u16),
    /// ec_point_formats (TLS 1.2).
    EcPointFormats(Vec<u8>),
    /// renegotiation_info (TLS 1.2, RFC 5746).
    RenegotiationInfo(Vec<u8>),
    /// extended_master_secret (TLS 1.2, RFC 7627).
    ExtendedMasterSecret,
    /// session_ticket (TLS 1.2, RFC 5077).
    SessionTicket,
    /// Anything else, kept as bytes.
    Unknown(ExtensionType, Vec<u8>),
}

/// Which message a server extension block belongs to (key_share differs between them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerExtContext {
    /// A ServerHello (either version).
    ServerHello,
    /// A HelloRetryRequest.
    HelloRetryRequest,
    /// TLS 1.3 EncryptedExtensions.
    EncryptedExtensions,
}

impl ServerExtension {
    /// The extension's type code point.
    pub fn ext_type(&self) -> ExtensionType {
        use ServerExtension::*;
        match self {
            SupportedVersion(_) => ExtensionType::SUPPORTED_VERSIONS,
            KeyShare(_) | RetryGroup(_) => ExtensionType::KEY_SHARE,
            Cookie(_) => ExtensionType::COOKIE,
            ServerNameAck => ExtensionType::SERVER_NAME,
            Alpn(_) => ExtensionType::ALPN,
            SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            RecordSizeLimit(_) => ExtensionType::RECORD_SIZE_LIMIT,
            EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            SessionTicket => ExtensionType::SESSION_TICKET,
            Unknown(t, _) => *t,
        }
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        use ServerExtension::*;
        out.put_u16(self.ext_type().0);
        out.nested(2, |out| match self {
            SupportedVersion(v) => out.put_u16(v.0),
            KeyShare(e) => e.write(out),
            RetryGroup(g) => out.put_u16(g.0),
            Cookie(c) => out.put_vec(2, c),
            ServerNameAck | ExtendedMasterSecret | SessionTicket => {}
            Alpn(p) => write_alpn(out, std::slice::from_ref(p)),
            SupportedGroups(g) => put_u16_list(out, g.iter().map(|g| g.0)),
            RecordSizeLimit(l) => out.put_u16(*l),
            EcPointFormats(f) | RenegotiationInfo(f) => out.put_vec(1, f),
            Unknown(_, body) => out.extend_from_slice(body),
        });
    }

    fn read(ctx: ServerExtContext, typ: ExtensionType, body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let ext = match typ {
            ExtensionType::SUPPORTED_VERSIONS => {
                ServerExtension::SupportedVersion(ProtocolVersion(r.u16()?))
            }
            ExtensionType::KEY_SHARE if ctx == ServerExtContext::HelloRetryRequest => {
                ServerExtension::RetryGroup(NamedGroup(r.u16()?))
            }
            ExtensionType::KEY_SHARE => ServerExtension::KeyShare(KeyShareEntry::read(&mut r)?),
            ExtensionType::COOKIE => ServerExtension::Cookie(r.vec_u16(1, 0xffff)?.to_vec()),
            ExtensionType::SERVER_NAME => ServerExtension::ServerNameAck,
            ExtensionType::ALPN => {
                let mut list = read_alpn(&mut r)?;
                if list.len() != 1 {
                    return Err(DecodeError::Invalid("ALPN answer must name one protocol"));
                }
                ServerExtension::Alpn(list.remove(0))
            }
            ExtensionType::SUPPORTED_GROUPS => ServerExtension::SupportedGroups(
                r.u16_list(2, 0xfffe)?.into_iter().map(NamedGroup).collect(),
            ),
            ExtensionType::RECORD_SIZE_LIMIT => ServerExtension::RecordSizeLimit(r.u16()?),
            ExtensionType::EC_POINT_FORMATS => {
                ServerExtension::EcPointFormats(r.vec_u8(1, 255)?.to_vec())
            }
            ExtensionType::RENEGOTIATION_INFO => {
                ServerExtension::RenegotiationInfo(r.vec_u8(0, 255)?.to_vec())
            }
            ExtensionType::EXTENDED_MASTER_SECRET => ServerExtension::ExtendedMasterSecret,
            ExtensionType::SESSION_TICKET => ServerExtension::SessionTicket,
            other => ServerExtension::Unknown(other, r.rest().to_vec()),
        };
        r.expect_end()?;
        Ok(ext)
    }
}

/// Reads an extension block, refusing duplicates (RFC 8446 §4.2: "There MUST NOT be more
/// than one extension of the same type in a given extension block").
pub(crate) fn read_client_extensions(
    r: &mut Reader<'_>,
) -> Result<Vec<ClientExtension>, DecodeError> {
    read_block(r, ClientExtension::read, ClientExtension::ext_type)
}

/// Reads a server extension block for the given message.
pub(crate) fn read_server_extensions(
    r: &mut Reader<'_>,
    ctx: ServerExtContext,
) -> Result<Vec<ServerExtension>, DecodeError> {
    read_block(
        r,
        |t, b| ServerExtension::read(ctx, t, b),
        ServerExtension::ext_type,
    )
}

fn read_block<T>(
    r: &mut Reader<'_>,
    read: impl Fn(ExtensionType, &[u8]) -> Result<T, DecodeError>,
    ext_type: impl Fn(&T) -> ExtensionType,
) -> Result<Vec<T>, DecodeError> {
    let mut block = r.sub_u16(0, 0xffff)?;
    let mut out: Vec<T> = Vec::new();
    while !block.is_empty() {
        let typ = ExtensionType(block.u16()?);
        let body = block.vec_u16(0, 0xffff)?;
        if out.iter().any(|e| ext_type(e) == typ) {
            return Err(DecodeError::Invalid("the same extension appears twice"));
        }
        out.push(read(typ, body)?);
    }
    Ok(out)
}

fn read_server_name(r: &mut Reader<'_>) -> Result<String, DecodeError> {
    let mut list = r.sub_u16(1, 0xffff)?;
    let mut host = None;
    while !list.is_empty() {
        let name_type = list.u8()?;
        let name = list.vec_u16(1, 0xffff)?;
        // RFC 6066 §3: at most one name of each type; only host_name (0) is defined.
        if name_type == 0 {
            if host.is_some() {
                return Err(DecodeError::Invalid("two host names in server_name"));
            }
            let text = std::str::from_utf8(name)
                .map_err(|_| DecodeError::Invalid("server_name is not ASCII"))?;
            if !text.is_ascii() || text.ends_with('.') {
                return Err(DecodeError::Invalid("server_name is not a host name"));
            }
            host = Some(text.to_string());
        }
    }
    host.ok_or(DecodeError::Invalid("server_name has no host name"))
}

fn read_alpn(r: &mut Reader<'_>) -> Result<Vec<Vec<u8>>, DecodeError> {
    let mut list = r.sub_u16(2, 0xffff)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(list.vec_u8(1, 255)?.to_vec());
    }
    Ok(out)
}

fn write_alpn(out: &mut Vec<u8>, protocols: &[Vec<u8>]) {
    out.nested(2, |out| {
        for p in protocols {
            out.put_vec(1, p);
        }
    });
}

/// Writes a whole extension block (2-byte length, then each extension).
pub(crate) fn write_client_extensions(out: &mut Vec<u8>, exts: &[ClientExtension]) {
    out.nested(2, |out| {
        for e in exts {
            e.write(out);
        }
    });
}

/// Writes a server extension block.
pub(crate) fn write_server_extensions(out: &mut Vec<u8>, exts: &[ServerExtension]) {
    out.nested(2, |out| {
        for e in exts {
            e.write(out);
        }
    });
}
