//! The server: ClientHello and version selection, then the TLS 1.3 (`tls13.rs`) or
//! TLS 1.2 (`tls12.rs`) states.

mod hello;
mod tls12;
mod tls13;

use std::sync::Arc;

use crate::common::{Common, Message};
use crate::config::ServerConfig;
use crate::conn::{Connection, State};
use crate::error::Error;
use crate::trace::Side;

pub(crate) use hello::ExpectClientHello;

/// Every state of the server, in handshake order.
pub(crate) enum ServerState {
    ExpectClientHello(Box<ExpectClientHello>),
    Tls13(tls13::Tls13State),
    Tls12(tls12::Tls12State),
}

impl ServerState {
    pub(crate) fn handle(self, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        match self {
            ServerState::ExpectClientHello(s) => s.handle(cx, msg),
            ServerState::Tls13(s) => s.handle(cx, msg),
            ServerState::Tls12(s) => s.handle(cx, msg),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            ServerState::ExpectClientHello(_) => "ExpectClientHello",
            ServerState::Tls13(s) => s.name(),
            ServerState::Tls12(s) => s.name(),
        }
    }

    pub(crate) fn drops_compat_ccs(&self) -> bool {
        match self {
            // Before the first ClientHello a CCS is an unexpected record (RFC 8446 §5).
            ServerState::ExpectClientHello(s) => s.after_retry(),
            ServerState::Tls13(_) => true,
            ServerState::Tls12(_) => false,
        }
    }
}

/// A TLS server connection (sans-IO). It derefs to [`Connection`].
pub struct ServerConnection {
    conn: Connection,
}

impl ServerConnection {
    /// A connection waiting for a ClientHello.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let mut common = Common::new(
            Side::Server,
            config.observer.clone(),
            config.key_log.clone(),
            config.trace_secrets,
        );
        common.record.key_limit = config.test_hooks.records_per_key;
        Ok(ServerConnection {
            conn: Connection::new(
                common,
                State::Server(ServerState::ExpectClientHello(Box::new(
                    ExpectClientHello::new(config),
                ))),
            ),
        })
    }
}

impl std::ops::Deref for ServerConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl std::fmt::Debug for ServerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.conn.fmt(f)
    }
}
