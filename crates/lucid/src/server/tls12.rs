//! The TLS 1.2 server (RFC 5246 §7.3), filled in by the TLS 1.2 work.

use super::hello::Chosen12;
use crate::common::{unexpected, Common, Message};
use crate::conn::State;
use crate::error::Error;

/// The server's TLS 1.2 states.
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

pub(crate) fn start(_cx: &mut Common, _chosen: Chosen12) -> Result<State, Error> {
    Err(Error::UnsupportedVersion(
        "the client wants TLS 1.2, which this build does not speak yet".into(),
    ))
}
