//! Every parser on arbitrary bytes: none may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lucid::codec::handshake::{
    decode_key_update, Certificate13, CertificateRequest13, CertificateVerify, ClientHello,
    EncryptedExtensions, NewSessionTicket13, ServerHello,
};
use lucid::codec::tls12::{
    decode_certificate12, decode_ecdhe_client_key_exchange, decode_rsa_client_key_exchange,
    CertificateRequest12, EcdheServerKeyExchange,
};

fuzz_target!(|data: &[u8]| {
    // A parsed ClientHello must encode back to bytes that parse to the same value.
    if let Ok(ch) = ClientHello::decode(data) {
        let again = ch.encode();
        assert_eq!(ClientHello::decode(&again[4..]).ok(), Some(ch));
    }
    let _ = ServerHello::decode(data);
    let _ = EncryptedExtensions::decode(data);
    let _ = Certificate13::decode(data);
    let _ = CertificateRequest13::decode(data);
    let _ = CertificateVerify::decode(data);
    let _ = NewSessionTicket13::decode(data);
    let _ = decode_key_update(data);
    let _ = decode_certificate12(data);
    let _ = EcdheServerKeyExchange::decode(data);
    let _ = CertificateRequest12::decode(data);
    let _ = decode_ecdhe_client_key_exchange(data);
    let _ = decode_rsa_client_key_exchange(data);
});
