//! The server state machine on arbitrary bytes: no panic, and any failure queues an alert.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use lucid::{CertifiedKey, ServerConfig, ServerConnection};

fn config() -> Arc<ServerConfig> {
    static CONFIG: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
                .unwrap()
                .self_signed(&key)
                .unwrap();
            let ck = CertifiedKey::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes())
                .unwrap();
            ServerConfig::new(ck).build().unwrap()
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut conn = ServerConnection::new(config()).unwrap();
    let mut rest = data;
    while !rest.is_empty() {
        let n = conn.feed_tls(rest);
        rest = &rest[n..];
        if let Err(e) = conn.process_new_packets() {
            assert!(e.alert().is_some() || matches!(e, lucid::Error::PeerAlert(_)));
            break;
        }
        if n == 0 {
            break;
        }
    }
});
