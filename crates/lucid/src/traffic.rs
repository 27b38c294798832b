//! After the handshake: application data flows; TLS 1.3 allows KeyUpdate and
//! NewSessionTicket; TLS 1.2 refuses renegotiation.

use crate::codec::handshake::{decode_key_update, encode_key_update, NewSessionTicket13};
use crate::codec::{AlertDescription, ContentType, DecodeError, HandshakeType};
use crate::common::{unexpected, Common, Message, SessionTicket};
use crate::conn::State;
use crate::crypto::hmac::Secret;
use crate::error::Error;
use crate::keys::tls13::{next_traffic_secret, protection};
use crate::record::protect::Tls13Protection;
use crate::suites::Suite;
use crate::trace::{Event, Side};

/// KeyUpdates accepted in a row without application data in between.
const MAX_KEY_UPDATES_IN_A_ROW: u32 = 32;
/// Session tickets kept for the application.
const MAX_TICKETS: usize = 8;

pub(crate) struct Traffic13 {
    pub suite: &'static Suite,
    pub tx_secret: TrafficSecret,
    pub rx_secret: TrafficSecret,
    pub key_updates_in_a_row: u32,
}

/// An application traffic secret at rest: only its bytes. An idle connection keeps two of
/// these instead of two keyed HMAC states; the key is made again on the rare KeyUpdate.
pub(crate) struct TrafficSecret {
    bytes: [u8; 64],
    len: u8,
}

impl TrafficSecret {
    pub(crate) fn keep(secret: &Secret) -> Self {
        let mut bytes = [0u8; 64];
        let b = secret.bytes();
        bytes[..b.len()].copy_from_slice(b);
        TrafficSecret {
            bytes,
            len: b.len() as u8,
        }
    }

    /// application_traffic_secret_N+1 and its record protection (RFC 8446 §7.2).
    fn next(&mut self, suite: &Suite) -> Result<Tls13Protection, Error> {
        let current = Secret::from_bytes(suite.hash, &self.bytes[..self.len as usize]);
        let next = next_traffic_secret(&current);
        *self = TrafficSecret::keep(&next);
        protection(suite, &next)
    }
}

impl Drop for TrafficSecret {
    fn drop(&mut self) {
        self.bytes.fill(0);
        std::hint::black_box(&self.bytes);
    }
}

impl Traffic13 {
    pub(crate) fn handle(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<State, Error> {
        let Message::Handshake(m) = &msg else {
            return Err(unexpected("a post-handshake message", &msg));
        };
        match m.typ {
            HandshakeType::KEY_UPDATE => {
                let requested = decode_key_update(m.body).map_err(|e| match e {
                    DecodeError::Invalid(what) => Error::IllegalParameter(what.into()),
                    e => Error::Decode {
                        what: "KeyUpdate",
                        reason: e,
                    },
                })?;
                self.key_updates_in_a_row += 1;
                if self.key_updates_in_a_row > MAX_KEY_UPDATES_IN_A_ROW {
                    return Err(Error::LimitExceeded("too many KeyUpdates without data"));
                }
                if cx.tracing() {
                    cx.emit(Event::KeyUpdate {
                        sender: cx.side.peer(),
                        update_requested: requested,
                    });
                }
                // RFC 8446 §4.6.3: the receiver updates its receiving keys, and answers an
                // update_requested with its own KeyUpdate(update_not_requested).
                let protection = self.rx_secret.next(self.suite)?;
                cx.set_decrypter(Box::new(protection));
                if requested {
                    self.send_key_update(cx, false)?;
                }
            }
            HandshakeType::NEW_SESSION_TICKET if cx.side == Side::Client => {
                let t = NewSessionTicket13::decode(m.body)
                    .map_err(Error::decode("NewSessionTicket"))?;
                if cx.tracing() {
                    cx.emit(Event::NewSessionTicket {
                        lifetime: t.lifetime,
                    });
                }
                if cx.tickets.len() >= MAX_TICKETS {
                    cx.tickets.remove(0);
                }
                cx.tickets.push(SessionTicket {
                    lifetime: t.lifetime,
                    ticket: t.ticket,
                });
            }
            _ => return Err(unexpected("KeyUpdate or NewSessionTicket", &msg)),
        }
        Ok(State::Traffic13(self))
    }

    /// Sends KeyUpdate under the current key, then switches to the next one.
    pub(crate) fn send_key_update(
        &mut self,
        cx: &mut Common,
        request_peer: bool,
    ) -> Result<(), Error> {
        cx.send_handshake(&encode_key_update(request_peer))?;
        if cx.tracing() {
            cx.emit(Event::KeyUpdate {
                sender: cx.side,
                update_requested: request_peer,
            });
        }
        let protection = self.tx_secret.next(self.suite)?;
        cx.record.set_encrypter(Box::new(protection));
        Ok(())
    }
}

pub(crate) struct Traffic12 {
    pub renegotiation_attempts: u32,
}

impl Traffic12 {
    pub(crate) fn handle(
        mut self: Box<Self>,
        cx: &mut Common,
        msg: Message<'_>,
    ) -> Result<State, Error> {
        let wants_renegotiation = matches!(&msg, Message::Handshake(m)
            if (m.typ == HandshakeType::HELLO_REQUEST && cx.side == Side::Client)
                || (m.typ == HandshakeType::CLIENT_HELLO && cx.side == Side::Server));
        if !wants_renegotiation {
            return Err(unexpected("application data", &msg));
        }
        // RFC 5746 §4.2 / RFC 5246 §7.2.2: refuse with a no_renegotiation warning; a peer
        // that keeps asking is cut off.
        self.renegotiation_attempts += 1;
        if self.renegotiation_attempts > 1 {
            return Err(Error::RenegotiationRefused);
        }
        cx.record.send(
            ContentType::ALERT,
            &[1, AlertDescription::NO_RENEGOTIATION.0],
        )?;
        if cx.tracing() {
            cx.emit(Event::Alert {
                sender: cx.side,
                fatal: false,
                description: AlertDescription::NO_RENEGOTIATION,
            });
        }
        Ok(State::Traffic12(self))
    }
}
