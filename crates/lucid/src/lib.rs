//! lucid: a TLS 1.3 and TLS 1.2 stack that can narrate every step of its handshake.
//!
//! The engine is sans-IO: [`ClientConnection`] and [`ServerConnection`] take received
//! bytes and hand out bytes to send; [`Stream`] drives one over any `Read + Write`.
//!
//! ```no_run
//! use std::net::TcpStream;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = lucid::ClientConfig::new(lucid::RootStore::system()?).build()?;
//! let conn = lucid::ClientConnection::new(config, "example.com")?;
//! let mut tls = lucid::Stream::new(conn, TcpStream::connect("example.com:443")?);
//! use std::io::Write;
//! tls.write_all(b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n")?;
//! # Ok(()) }
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod auth;
mod client;
pub mod codec;
mod common;
mod config;
mod conn;
pub mod crypto;
mod error;
mod keys;
pub mod record;
mod server;
mod stream;
pub mod suites;
#[cfg(feature = "tokio")]
pub mod tokio_io;
pub mod trace;
mod traffic;
pub mod verify;

pub use client::ClientConnection;
pub use common::{Negotiated, SessionTicket};
pub use config::{
    CertifiedKey, ClientAuth, ClientCertChoices, ClientConfig, Clock, ResolvesClientCert,
    ResolvesServerCert, ServerConfig, SigningKey, SingleCert, SniResolver, TestHooks,
};
pub use conn::Connection;
pub use crypto::kx::KxGroup as Group;
pub use error::Error;
pub use keys::keylog::{keylog_line, KeyLog, KeyLogFile};
pub use keys::tls13::SecretKind;
pub use server::ServerConnection;
pub use stream::Stream;
pub use suites::{Suite, Version};
pub use trace::{Event, Observer, Side};
pub use verify::{CertError, RootStore};
