//! The sans-IO connection: bytes in, bytes out, plaintext in and out. Client and server
//! share this core; only their handshake states differ.

use std::io::{self, Read, Write};

use crate::codec::{AlertDescription, ContentType, HandshakeType};
use crate::common::{Common, HandshakeMessage, Message, Negotiated, SessionTicket};
use crate::error::Error;
use crate::trace::Event;

/// Most consecutive warning alerts or compatibility ChangeCipherSpecs tolerated.
const MAX_IGNORED_RECORDS: u32 = 16;
/// Plaintext buffered before the handshake completes.
const MAX_EARLY_PLAINTEXT: usize = 64 * 1024;

/// Every state a connection can be in, client and server, in handshake order within each.
pub(crate) enum State {
    Client(crate::client::ClientState),
    Server(crate::server::ServerState),
    Traffic13(Box<crate::traffic::Traffic13>),
    Traffic12(Box<crate::traffic::Traffic12>),
}

impl State {
    fn handle(self, cx: &mut Common, msg: Message<'_>) -> Result<State, Error> {
        match self {
            State::Client(s) => s.handle(cx, msg),
            State::Server(s) => s.handle(cx, msg),
            State::Traffic13(s) => s.handle(cx, msg),
            State::Traffic12(s) => s.handle(cx, msg),
        }
    }

    /// The state's name, e.g. `ExpectServerHello`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            State::Client(s) => s.name(),
            State::Server(s) => s.name(),
            State::Traffic13(_) => "Traffic13",
            State::Traffic12(_) => "Traffic12",
        }
    }

    /// RFC 8446 §5: between the first ClientHello and the peer's Finished, a TLS 1.3
    /// endpoint drops an unprotected ChangeCipherSpec holding 0x01.
    fn drops_compat_ccs(&self) -> bool {
        match self {
            State::Client(s) => s.drops_compat_ccs(),
            State::Server(s) => s.drops_compat_ccs(),
            _ => false,
        }
    }

    fn is_traffic(&self) -> bool {
        matches!(self, State::Traffic13(_) | State::Traffic12(_))
    }
}

/// The shared core of [`crate::ClientConnection`] and [`crate::ServerConnection`].
///
/// Feed it received bytes ([`Connection::read_tls`] or [`Connection::feed_tls`]), call
/// [`Connection::process_new_packets`], send what [`Connection::write_tls`] hands out, and
/// read and write plaintext.
pub struct Connection {
    pub(crate) common: Common,
    state: Option<State>,
    joiner: crate::record::HandshakeJoiner,
    error: Option<Error>,
    received_close: bool,
    sent_close: bool,
    ignored_records: u32,
    early_plaintext: Vec<u8>,
    released_handshake_buffers: bool,
}

impl Connection {
    pub(crate) fn new(common: Common, state: State) -> Self {
        Connection {
            common,
            state: Some(state),
            joiner: Default::default(),
            error: None,
            received_close: false,
            sent_close: false,
            ignored_records: 0,
            early_plaintext: Vec::new(),
            released_handshake_buffers: false,
        }
    }

    /// Reads TLS bytes from `rd` into the receive buffer (one read call). Returns 0 at EOF.
    pub fn read_tls(&mut self, rd: &mut dyn Read) -> io::Result<usize> {
        let space = self.common.record.rx_space();
        if space.is_empty() {
            return Err(io::Error::other(
                "receive buffer full: call process_new_packets and read plaintext",
            ));
        }
        let n = rd.read(space)?;
        self.common.record.commit_rx(n);
        Ok(n)
    }

    /// Copies received TLS bytes in; returns how many were taken (the rest must be fed later).
    pub fn feed_tls(&mut self, data: &[u8]) -> usize {
        self.common.record.feed(data)
    }

    /// True when TLS bytes wait to be sent.
    pub fn wants_write(&self) -> bool {
        !self.common.record.pending_tx().is_empty()
    }

    /// Writes pending TLS bytes to `wr` (one write call).
    pub fn write_tls(&mut self, wr: &mut dyn Write) -> io::Result<usize> {
        let n = wr.write(self.common.record.pending_tx())?;
        self.common.record.consume_tx(n);
        Ok(n)
    }

    /// Pending TLS bytes, for callers that send them themselves; then call [`Self::consume_tls`].
    pub fn pending_tls(&self) -> &[u8] {
        self.common.record.pending_tx()
    }

    /// Marks `n` bytes of [`Self::pending_tls`] as sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.common.record.consume_tx(n)
    }

    /// True until the handshake has completed.
    pub fn is_handshaking(&self) -> bool {
        !self.common.handshake_done
    }

    /// What the handshake settled.
    pub fn negotiated(&self) -> &Negotiated {
        &self.common.facts
    }

    /// NewSessionTickets received so far (TLS 1.3 client).
    pub fn take_session_tickets(&mut self) -> Vec<SessionTicket> {
        std::mem::take(&mut self.common.tickets)
    }

    /// The name of the current handshake state (for diagnostics).
    pub fn state_name(&self) -> &'static str {
        self.state.as_ref().map_or("Failed", |s| s.name())
    }

    /// True once the peer sent close_notify.
    pub fn received_close_notify(&self) -> bool {
        self.received_close
    }

    /// The error that ended the connection, if one did.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Processes every complete record received so far. On error a fatal alert is queued
    /// for the peer (send it with [`Self::write_tls`]) and the error is returned from now on.
    pub fn process_new_packets(&mut self) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        match self.process() {
            Ok(()) => Ok(()),
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    fn fail(&mut self, e: &Error) {
        if let Some(alert) = e.alert() {
            self.send_alert(alert, true);
        }
        self.error = Some(e.clone());
        self.state = None;
    }

    fn send_alert(&mut self, description: AlertDescription, fatal: bool) {
        let level = if fatal { 2 } else { 1 };
        // An alert that cannot be sealed cannot be sent; the error is reported anyway.
        let _ = self
            .common
            .record
            .send(ContentType::ALERT, &[level, description.0]);
        if self.common.tracing() {
            self.common.emit(Event::Alert {
                sender: self.common.side,
                fatal,
                description,
            });
        }
    }

    fn process(&mut self) -> Result<(), Error> {
        // RFC 8446 §6.1: anything after close_notify is ignored.
        if self.received_close {
            return Ok(());
        }
        while let Some(record) = self.common.record.next_record()? {
            match record.typ {
                ContentType::HANDSHAKE => {
                    let data = self.common.record.plaintext(record.range);
                    self.joiner.push(data)?;
                    self.handle_handshake_messages()?;
                }
                ContentType::ALERT => {
                    let data = self.common.record.plaintext(record.range).to_vec();
                    self.handle_alert(&data)?;
                    if self.received_close {
                        break;
                    }
                }
                ContentType::CHANGE_CIPHER_SPEC => {
                    let protected = record.protected;
                    let data = self.common.record.plaintext(record.range).to_vec();
                    self.handle_ccs(&data, protected)?;
                }
                ContentType::APPLICATION_DATA => {
                    if !self.state.as_ref().is_some_and(State::is_traffic) {
                        return Err(Error::UnexpectedMessage {
                            expected: "a handshake message",
                            got: "application data before the handshake finished".into(),
                        });
                    }
                    self.ignored_records = 0;
                    if let Some(State::Traffic13(t)) = &mut self.state {
                        t.key_updates_in_a_row = 0;
                    }
                    self.common.record.hold_app_data(record.range);
                    break;
                }
                other => {
                    return Err(Error::UnexpectedMessage {
                        expected: "a handshake, alert or application data record",
                        got: format!("a {other} record"),
                    })
                }
            }
        }
        Ok(())
    }

    fn handle_handshake_messages(&mut self) -> Result<(), Error> {
        while let Some((typ, range)) = self.joiner.next_message()? {
            let epoch = self.common.rx_epoch;
            let raw = self.joiner.bytes(range);
            let msg = Message::Handshake(HandshakeMessage {
                typ,
                body: &raw[4..],
                raw,
            });
            let state = self
                .state
                .take()
                .ok_or(Error::Usage("the connection has failed"))?;
            self.state = Some(state.handle(&mut self.common, msg)?);
            // RFC 8446 §5.1: handshake messages MUST NOT span key changes.
            if self.common.rx_epoch != epoch && !self.joiner.is_empty() {
                return Err(Error::UnexpectedMessage {
                    expected: "a record boundary at a key change",
                    got: "handshake data sharing a record with a key change".into(),
                });
            }
            if typ == HandshakeType::FINISHED || self.common.handshake_done {
                self.flush_early_plaintext()?;
            }
        }
        if self.common.handshake_done && !self.released_handshake_buffers {
            self.released_handshake_buffers = true;
            self.joiner.shrink_when_idle();
            self.common.record.release_handshake_buffers();
        }
        Ok(())
    }

    fn handle_alert(&mut self, data: &[u8]) -> Result<(), Error> {
        let [level, desc] = data else {
            return Err(Error::Decode {
                what: "alert",
                reason: crate::codec::DecodeError::Invalid("an alert is two bytes"),
            });
        };
        let description = AlertDescription(*desc);
        if *level != 1 && *level != 2 {
            return Err(Error::IllegalParameter(format!(
                "an alert of unknown level {level}"
            )));
        }
        if self.common.tracing() {
            self.common.emit(Event::Alert {
                sender: self.common.side.peer(),
                fatal: *level == 2,
                description,
            });
        }
        if description == AlertDescription::CLOSE_NOTIFY {
            self.received_close = true;
            return Ok(());
        }
        let tls13 = self.common.facts.version == Some(crate::Version::Tls13);
        // RFC 8446 §6: in TLS 1.3 every alert but close_notify and user_canceled is fatal;
        // in TLS 1.2 warnings may be ignored (bounded here).
        let ignorable = *level == 1
            && (!tls13 || description == AlertDescription::USER_CANCELED)
            && description != AlertDescription::NO_RENEGOTIATION;
        if ignorable {
            self.ignored_records += 1;
            if self.ignored_records > MAX_IGNORED_RECORDS {
                return Err(Error::LimitExceeded("too many warning alerts"));
            }
            return Ok(());
        }
        self.state = None;
        let cert_refusal = description == AlertDescription::CERTIFICATE_REQUIRED
            || description == AlertDescription::HANDSHAKE_FAILURE;
        if self.common.sent_empty_certificate && cert_refusal {
            return Err(Error::ServerRequiresCertificate);
        }
        Err(Error::PeerAlert(description))
    }

    fn handle_ccs(&mut self, data: &[u8], protected: bool) -> Result<(), Error> {
        // RFC 5246 §7.1 / RFC 8446 §5.1: a ChangeCipherSpec may not interrupt a handshake
        // message.
        if !self.joiner.is_empty() {
            return Err(Error::UnexpectedMessage {
                expected: "the rest of a handshake message",
                got: "a ChangeCipherSpec inside a handshake message".into(),
            });
        }
        if data != [1] || protected {
            return Err(Error::UnexpectedMessage {
                expected: "a ChangeCipherSpec of one byte 0x01, unprotected",
                got: "a malformed or protected ChangeCipherSpec".into(),
            });
        }
        let state = self
            .state
            .take()
            .ok_or(Error::Usage("the connection has failed"))?;
        if state.drops_compat_ccs() {
            self.state = Some(state);
            self.ignored_records += 1;
            if self.ignored_records > MAX_IGNORED_RECORDS {
                return Err(Error::LimitExceeded("too many ChangeCipherSpec records"));
            }
            if self.common.tracing() {
                self.common.emit(Event::ChangeCipherSpec {
                    sender: self.common.side.peer(),
                    compatibility: true,
                });
            }
            return Ok(());
        }
        self.state = Some(state.handle(&mut self.common, Message::ChangeCipherSpec)?);
        Ok(())
    }

    /// Reads decrypted application data. `Ok(0)` means the peer closed cleanly
    /// (close_notify); `WouldBlock` means more TLS bytes are needed.
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        for _ in 0..2 {
            let avail = self.common.record.app_data();
            if !avail.is_empty() {
                let n = avail.len().min(buf.len());
                buf[..n].copy_from_slice(&avail[..n]);
                self.common.record.consume_app(n);
                return Ok(n);
            }
            if self.received_close {
                return Ok(0);
            }
            // Records behind the one just read may already be buffered.
            self.process_new_packets()?;
        }
        Err(io::ErrorKind::WouldBlock.into())
    }

    /// Encrypts `data` as application data. Before the handshake completes, up to 64 KiB
    /// is buffered and sent once it does.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.sent_close {
            return Err(Error::Usage("cannot write after close_notify was sent"));
        }
        if !self.common.handshake_done {
            let room = MAX_EARLY_PLAINTEXT.saturating_sub(self.early_plaintext.len());
            let n = room.min(data.len());
            self.early_plaintext.extend_from_slice(&data[..n]);
            return Ok(n);
        }
        self.send_app_data(data)?;
        Ok(data.len())
    }

    fn send_app_data(&mut self, data: &[u8]) -> Result<(), Error> {
        // RFC 8446 §5.5: a key must be updated before its AEAD usage limit; checked per
        // record so a large write cannot overshoot it.
        for chunk in data.chunks(self.common.record.max_fragment.max(1)) {
            if self.common.record.send_key_exhausted() {
                self.refresh_traffic_keys(false)?;
            }
            self.common
                .record
                .send(ContentType::APPLICATION_DATA, chunk)?;
        }
        Ok(())
    }

    fn flush_early_plaintext(&mut self) -> Result<(), Error> {
        if self.common.handshake_done && !self.early_plaintext.is_empty() {
            let data = std::mem::take(&mut self.early_plaintext);
            self.send_app_data(&data)?;
        }
        Ok(())
    }

    /// Sends a TLS 1.3 KeyUpdate and switches to the next sending key; with
    /// `request_peer` the peer is asked to update its key too (RFC 8446 §4.6.3).
    pub fn refresh_traffic_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        match &mut self.state {
            Some(State::Traffic13(t)) => t.send_key_update(&mut self.common, request_peer),
            _ => Err(Error::Usage(
                "key updates need an established TLS 1.3 connection",
            )),
        }
    }

    /// Queues a close_notify alert: no more data will be sent.
    pub fn send_close_notify(&mut self) {
        if !self.sent_close {
            self.sent_close = true;
            self.send_alert(AlertDescription::CLOSE_NOTIFY, false);
        }
    }

    /// Releases buffers an idle connection does not need.
    pub fn shrink_buffers(&mut self) {
        self.common.record.shrink_when_idle();
        self.joiner.shrink_when_idle();
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("side", &self.common.side)
            .field("state", &self.state_name())
            .field("negotiated", &self.common.facts)
            .finish()
    }
}
