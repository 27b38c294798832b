//! The client state machine on arbitrary server bytes: no panic, and any failure queues an
//! alert.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use lucid::{ClientConfig, ClientConnection, RootStore};

fn config() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| ClientConfig::new(RootStore::webpki_roots()).build().unwrap())
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut conn = ClientConnection::new(config(), "localhost").unwrap();
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
