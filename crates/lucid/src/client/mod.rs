//! The client: ClientHello, then the TLS 1.3 (`tls13.rs`) or TLS 1.2 (`tls12.rs`) states.

mod hello;
mod tls12;
mod tls13;

use std::sync::Arc;

use rustls_pki_types::ServerName;

use crate::common::{Common, Message};
use crate::config::ClientConfig;
use crate::conn::{Connection, State};
use crate::error::Error;
use crate::trace::Side;

pub(crate) use hello::trace_hello as trace_hello_pub;
pub(crate) use hello::ExpectServerHello;
pub(crate) use tls13::log_secret as tls13_log_secret;

/// Every state of the client, in handshake order.
pub(crate) enum ClientState {
    ExpectServerHello(Box<ExpectServerHello>),
    Tls13(tls13::Tls13State),
    Tls12(tls12::Tls12State),
}

impl ClientState {
    pub(crate) fn handle(self, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        match self {
            ClientState::ExpectServerHello(s) => s.handle(cx, msg),
            ClientState::Tls13(s) => s.handle(cx, msg),
            ClientState::Tls12(s) => s.handle(cx, msg),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            ClientState::ExpectServerHello(_) => "ExpectServerHello",
            ClientState::Tls13(s) => s.name(),
            ClientState::Tls12(s) => s.name(),
        }
    }

    pub(crate) fn drops_compat_ccs(&self) -> bool {
        match self {
            // The server may send its compatibility CCS right after ServerHello or HRR.
            ClientState::ExpectServerHello(s) => s.offered_tls13(),
            ClientState::Tls13(_) => true,
            ClientState::Tls12(_) => false,
        }
    }
}

/// A TLS client connection (sans-IO). It derefs to [`Connection`] for I/O and plaintext.
///
/// ```
/// # fn main() -> Result<(), lucid::Error> {
/// let config = lucid::ClientConfig::new(lucid::RootStore::webpki_roots()).build()?;
/// let conn = lucid::ClientConnection::new(config, "example.com")?;
/// assert!(conn.is_handshaking());
/// assert!(conn.wants_write()); // the ClientHello
/// # Ok(()) }
/// ```
pub struct ClientConnection {
    conn: Connection,
}

impl ClientConnection {
    /// Starts a handshake with `server_name` (a DNS name or an IP address); the
    /// ClientHello is ready to send at once.
    pub fn new(config: Arc<ClientConfig>, server_name: &str) -> Result<Self, Error> {
        let name = ServerName::try_from(server_name.to_string()).map_err(|_| {
            Error::Config(format!(
                "'{server_name}' is neither a DNS name nor an IP address"
            ))
        })?;
        let mut common = Common::new(
            Side::Client,
            config.observer.clone(),
            config.key_log.clone(),
            config.trace_secrets,
        );
        common.record.key_limit = config.test_hooks.records_per_key;
        let state = hello::start(&mut common, config, name)?;
        Ok(ClientConnection {
            conn: Connection::new(common, State::Client(ClientState::ExpectServerHello(state))),
        })
    }
}

impl std::ops::Deref for ClientConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for ClientConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl std::fmt::Debug for ClientConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.conn.fmt(f)
    }
}
