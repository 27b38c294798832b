//! The TLS 1.2 client (RFC 5246 §7.3), filled in by the TLS 1.2 work.

use super::hello::ExpectServerHello;
use crate::codec::handshake::ServerHello;
use crate::common::{unexpected, Common, Message};
use crate::conn::State;
use crate::error::Error;

/// The client's TLS 1.2 states.
pub(crate) enum Tls12State {}

impl Tls12State {
    pub(crate) fn name(&self) -> &'static str {
        match *self {}
    }

    pub(crate) fn handle(self, _cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        let _ = unexpected("", &msg);
        match self {}
    }
}

pub(crate) fn handle_server_hello(
    _st: Box<ExpectServerHello>,
    _cx: &mut Common,
    _sh: ServerHello,
    _raw: &[u8],
) -> Result<State, Error> {
    Err(Error::UnsupportedVersion(
        "the server chose TLS 1.2, which this build does not speak yet".into(),
    ))
}
