//! Key schedules (TLS 1.3 HKDF stages, TLS 1.2 PRF), the transcript hash and the key log.

pub(crate) mod keylog;
pub(crate) mod tls12;
pub(crate) mod tls13;
pub(crate) mod transcript;
