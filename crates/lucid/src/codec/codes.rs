//! IANA code points, in one place. Each is a newtype so unknown values round-trip.

macro_rules! code_points {
    ($(#[$meta:meta])* $name:ident($int:ty) { $($(#[$vmeta:meta])* $variant:ident = $value:expr, $text:expr;)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $int);

        impl $name {
            $($(#[$vmeta])* #[doc = $text] pub const $variant: $name = $name($value);)*

            /// The IANA name, if this value is one lucid knows.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}(0x{:x})", stringify!($name), self.0),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(self, f)
            }
        }
    };
}

code_points! {
    /// Record content types (RFC 8446 §5.1).
    ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20, "change_cipher_spec";
        ALERT = 21, "alert";
        HANDSHAKE = 22, "handshake";
        APPLICATION_DATA = 23, "application_data";
    }
}

code_points! {
    /// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
    HandshakeType(u8) {
        HELLO_REQUEST = 0, "hello_request";
        CLIENT_HELLO = 1, "client_hello";
        SERVER_HELLO = 2, "server_hello";
        NEW_SESSION_TICKET = 4, "new_session_ticket";
        END_OF_EARLY_DATA = 5, "end_of_early_data";
        ENCRYPTED_EXTENSIONS = 8, "encrypted_extensions";
        CERTIFICATE = 11, "certificate";
        SERVER_KEY_EXCHANGE = 12, "server_key_exchange";
        CERTIFICATE_REQUEST = 13, "certificate_request";
        SERVER_HELLO_DONE = 14, "server_hello_done";
        CERTIFICATE_VERIFY = 15, "certificate_verify";
        CLIENT_KEY_EXCHANGE = 16, "client_key_exchange";
        FINISHED = 20, "finished";
        KEY_UPDATE = 24, "key_update";
        MESSAGE_HASH = 254, "message_hash";
    }
}

code_points! {
    /// Protocol versions as they appear on the wire.
    ProtocolVersion(u16) {
        SSL3 = 0x0300, "SSL 3.0";
        TLS10 = 0x0301, "TLS 1.0";
        TLS11 = 0x0302, "TLS 1.1";
        TLS12 = 0x0303, "TLS 1.2";
        TLS13 = 0x0304, "TLS 1.3";
    }
}

code_points! {
    /// Cipher suites (IANA TLS Cipher Suites registry).
    CipherSuite(u16) {
        TLS_AES_128_GCM_SHA256 = 0x1301, "TLS_AES_128_GCM_SHA256";
        TLS_AES_256_GCM_SHA384 = 0x1302, "TLS_AES_256_GCM_SHA384";
        TLS_CHACHA20_POLY1305_SHA256 = 0x1303, "TLS_CHACHA20_POLY1305_SHA256";
        TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
        TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
        TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256";
        TLS_RSA_WITH_AES_256_GCM_SHA384 = 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384";
        TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV";
        TLS_FALLBACK_SCSV = 0x5600, "TLS_FALLBACK_SCSV";
    }
}

code_points! {
    /// Named groups for key exchange (RFC 8446 §4.2.7, draft-ietf-tls-ecdhe-mlkem).
    NamedGroup(u16) {
        SECP256R1 = 0x0017, "secp256r1";
        SECP384R1 = 0x0018, "secp384r1";
        SECP521R1 = 0x0019, "secp521r1";
        X25519 = 0x001d, "x25519";
        X448 = 0x001e, "x448";
        FFDHE2048 = 0x0100, "ffdhe2048";
        FFDHE3072 = 0x0101, "ffdhe3072";
        FFDHE4096 = 0x0102, "ffdhe4096";
        FFDHE6144 = 0x0103, "ffdhe6144";
        FFDHE8192 = 0x0104, "ffdhe8192";
        X25519MLKEM768 = 0x11ec, "X25519MLKEM768";
    }
}

code_points! {
    /// Signature schemes (RFC 8446 §4.2.3).
    SignatureScheme(u16) {
        RSA_PKCS1_SHA1 = 0x0201, "rsa_pkcs1_sha1";
        ECDSA_SHA1 = 0x0203, "ecdsa_sha1";
        RSA_PKCS1_SHA256 = 0x0401, "rsa_pkcs1_sha256";
        RSA_PKCS1_SHA384 = 0x0501, "rsa_pkcs1_sha384";
        RSA_PKCS1_SHA512 = 0x0601, "rsa_pkcs1_sha512";
        ECDSA_SECP256R1_SHA256 = 0x0403, "ecdsa_secp256r1_sha256";
        ECDSA_SECP384R1_SHA384 = 0x0503, "ecdsa_secp384r1_sha384";
        ECDSA_SECP521R1_SHA512 = 0x0603, "ecdsa_secp521r1_sha512";
        RSA_PSS_RSAE_SHA256 = 0x0804, "rsa_pss_rsae_sha256";
        RSA_PSS_RSAE_SHA384 = 0x0805, "rsa_pss_rsae_sha384";
        RSA_PSS_RSAE_SHA512 = 0x0806, "rsa_pss_rsae_sha512";
        ED25519 = 0x0807, "ed25519";
        ED448 = 0x0808, "ed448";
        RSA_PSS_PSS_SHA256 = 0x0809, "rsa_pss_pss_sha256";
        RSA_PSS_PSS_SHA384 = 0x080a, "rsa_pss_pss_sha384";
        RSA_PSS_PSS_SHA512 = 0x080b, "rsa_pss_pss_sha512";
    }
}

code_points! {
    /// Extension types (IANA TLS ExtensionType Values).
    ExtensionType(u16) {
        SERVER_NAME = 0, "server_name";
        STATUS_REQUEST = 5, "status_request";
        SUPPORTED_GROUPS = 10, "supported_groups";
        EC_POINT_FORMATS = 11, "ec_point_formats";
        SIGNATURE_ALGORITHMS = 13, "signature_algorithms";
        ALPN = 16, "application_layer_protocol_negotiation";
        SCT = 18, "signed_certificate_timestamp";
        EXTENDED_MASTER_SECRET = 23, "extended_master_secret";
        RECORD_SIZE_LIMIT = 28, "record_size_limit";
        SESSION_TICKET = 35, "session_ticket";
        PRE_SHARED_KEY = 41, "pre_shared_key";
        EARLY_DATA = 42, "early_data";
        SUPPORTED_VERSIONS = 43, "supported_versions";
        COOKIE = 44, "cookie";
        PSK_KEY_EXCHANGE_MODES = 45, "psk_key_exchange_modes";
        CERTIFICATE_AUTHORITIES = 47, "certificate_authorities";
        POST_HANDSHAKE_AUTH = 49, "post_handshake_auth";
        SIGNATURE_ALGORITHMS_CERT = 50, "signature_algorithms_cert";
        KEY_SHARE = 51, "key_share";
        RENEGOTIATION_INFO = 0xff01, "renegotiation_info";
    }
}

code_points! {
    /// Alert descriptions (RFC 8446 §6, RFC 5246 §7.2).
    AlertDescription(u8) {
        CLOSE_NOTIFY = 0, "close_notify";
        UNEXPECTED_MESSAGE = 10, "unexpected_message";
        BAD_RECORD_MAC = 20, "bad_record_mac";
        RECORD_OVERFLOW = 22, "record_overflow";
        HANDSHAKE_FAILURE = 40, "handshake_failure";
        BAD_CERTIFICATE = 42, "bad_certificate";
        UNSUPPORTED_CERTIFICATE = 43, "unsupported_certificate";
        CERTIFICATE_REVOKED = 44, "certificate_revoked";
        CERTIFICATE_EXPIRED = 45, "certificate_expired";
        CERTIFICATE_UNKNOWN = 46, "certificate_unknown";
        ILLEGAL_PARAMETER = 47, "illegal_parameter";
        UNKNOWN_CA = 48, "unknown_ca";
        ACCESS_DENIED = 49, "access_denied";
        DECODE_ERROR = 50, "decode_error";
        DECRYPT_ERROR = 51, "decrypt_error";
        PROTOCOL_VERSION = 70, "protocol_version";
        INSUFFICIENT_SECURITY = 71, "insufficient_security";
        INTERNAL_ERROR = 80, "internal_error";
        INAPPROPRIATE_FALLBACK = 86, "inappropriate_fallback";
        USER_CANCELED = 90, "user_canceled";
        NO_RENEGOTIATION = 100, "no_renegotiation";
        MISSING_EXTENSION = 109, "missing_extension";
        UNSUPPORTED_EXTENSION = 110, "unsupported_extension";
        UNRECOGNIZED_NAME = 112, "unrecognized_name";
        BAD_CERTIFICATE_STATUS_RESPONSE = 113, "bad_certificate_status_response";
        UNKNOWN_PSK_IDENTITY = 115, "unknown_psk_identity";
        CERTIFICATE_REQUIRED = 116, "certificate_required";
        NO_APPLICATION_PROTOCOL = 120, "no_application_protocol";
    }
}

/// RFC 8701: GREASE values have the form 0x?A?A with both bytes equal.
pub fn is_grease_u16(v: u16) -> bool {
    (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_code_points_keep_their_value() {
        let g = NamedGroup(0x1234);
        assert_eq!(g.name(), None);
        assert_eq!(format!("{g:?}"), "NamedGroup(0x1234)");
        assert_eq!(NamedGroup::X25519MLKEM768.name(), Some("X25519MLKEM768"));
    }

    #[test]
    fn grease_values_are_recognised() {
        assert!(is_grease_u16(0x0a0a));
        assert!(is_grease_u16(0xfafa));
        assert!(!is_grease_u16(0x0a1a));
        assert!(!is_grease_u16(0x001d));
    }
}
