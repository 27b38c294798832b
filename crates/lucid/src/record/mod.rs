//! The record layer: framing, protection and sequence numbers (RFC 8446 §5, RFC 5246 §6).
//!
//! Received bytes live in one reusable buffer; records are decrypted in place there and
//! application data is read straight out of it, so a received record is copied once: into
//! the caller's buffer. Outgoing records are sealed in place in one reusable buffer.

mod joiner;
pub(crate) mod protect;

pub(crate) use joiner::HandshakeJoiner;
use protect::{Decrypter, Encrypter};

use crate::codec::ContentType;
use crate::error::Error;
use std::ops::Range;

/// Largest plaintext fragment (RFC 8446 §5.1).
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// Largest TLS 1.3 ciphertext (RFC 8446 §5.2).
pub const MAX_CIPHERTEXT_TLS13: usize = MAX_PLAINTEXT + 256;
/// Largest TLS 1.2 ciphertext (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT_TLS12: usize = MAX_PLAINTEXT + 2048;
const HEADER: usize = 5;
/// The receive buffer holds one maximal record plus the start of the next.
const RX_CAPACITY: usize = HEADER + MAX_CIPHERTEXT_TLS12 + HEADER + 1024;
/// More consecutive empty records than this is a denial-of-service attempt.
const MAX_EMPTY_RECORDS: u32 = 32;

/// A record ready for the layer above: its type and where its plaintext lies in the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub typ: ContentType,
    pub range: Range<usize>,
    /// True when the record was decrypted (it arrived protected).
    pub protected: bool,
}

pub(crate) struct RecordLayer {
    encrypter: Option<Box<dyn Encrypter>>,
    decrypter: Option<Box<dyn Decrypter>>,
    /// Version field of unprotected records we send (0x0301 for a first ClientHello).
    pub(crate) plaintext_version: u16,
    /// Largest ciphertext we accept: TLS 1.2's until TLS 1.3 is negotiated.
    pub(crate) max_ciphertext: usize,
    /// Largest plaintext we send in one record (record_size_limit can lower it).
    pub(crate) max_fragment: usize,
    /// Records per sending key before a KeyUpdate; `None` means the AEAD's own limit.
    pub(crate) key_limit: Option<u64>,
    tx: Vec<u8>,
    tx_pos: usize,
    /// Free the send buffer once it drains (set when the handshake ends: its flights are
    /// much larger than what an idle connection needs to keep).
    release_tx_when_drained: bool,
    rx: Vec<u8>,
    rx_start: usize,
    rx_end: usize,
    app: Range<usize>,
    empty_records: u32,
}

impl RecordLayer {
    pub(crate) fn new() -> Self {
        RecordLayer {
            encrypter: None,
            decrypter: None,
            plaintext_version: 0x0303,
            max_ciphertext: MAX_CIPHERTEXT_TLS12,
            max_fragment: MAX_PLAINTEXT,
            key_limit: None,
            tx: Vec::new(),
            tx_pos: 0,
            release_tx_when_drained: false,
            rx: Vec::new(),
            rx_start: 0,
            rx_end: 0,
            app: 0..0,
            empty_records: 0,
        }
    }

    pub(crate) fn set_encrypter(&mut self, e: Box<dyn Encrypter>) {
        self.encrypter = Some(e);
    }

    pub(crate) fn set_decrypter(&mut self, d: Box<dyn Decrypter>) {
        self.decrypter = Some(d);
    }

    /// True when the sending key has been used for as many records as its AEAD allows
    /// (RFC 8446 §5.5), so a KeyUpdate must come first.
    pub(crate) fn send_key_exhausted(&self) -> bool {
        self.encrypter
            .as_ref()
            // One record is kept back for the KeyUpdate message itself.
            .is_some_and(|e| {
                e.sealed().saturating_add(1)
                    >= self.key_limit.unwrap_or(e.alg().confidentiality_limit())
            })
    }

    // ---- sending ----

    /// Frames (and, once keys exist, protects) `payload` as records of type `typ`.
    pub(crate) fn send(&mut self, typ: ContentType, payload: &[u8]) -> Result<(), Error> {
        if self.tx_pos == self.tx.len() {
            self.tx.clear();
            self.tx_pos = 0;
        }
        let mut chunks = payload.chunks(self.max_fragment.max(1));
        let first = chunks.next().unwrap_or(&[]);
        for chunk in std::iter::once(first).chain(chunks) {
            match &mut self.encrypter {
                Some(e) => e.seal(typ, chunk, &mut self.tx)?,
                None => {
                    let v = self.plaintext_version.to_be_bytes();
                    let n = chunk.len();
                    self.tx
                        .extend_from_slice(&[typ.0, v[0], v[1], (n >> 8) as u8, n as u8]);
                    self.tx.extend_from_slice(chunk);
                }
            }
        }
        Ok(())
    }

    /// Bytes waiting to go to the peer.
    pub(crate) fn pending_tx(&self) -> &[u8] {
        &self.tx[self.tx_pos..]
    }

    /// Marks `n` pending bytes as sent.
    pub(crate) fn consume_tx(&mut self, n: usize) {
        self.tx_pos = (self.tx_pos + n).min(self.tx.len());
        if self.tx_pos == self.tx.len() {
            self.tx.clear();
            self.tx_pos = 0;
            if self.release_tx_when_drained {
                self.tx = Vec::new();
                self.release_tx_when_drained = false;
            }
        }
    }

    /// The handshake is over: release the buffers it filled, now or as soon as they drain.
    /// Application data allocates them again once, not per record.
    pub(crate) fn release_handshake_buffers(&mut self) {
        if self.rx_is_empty() {
            self.rx = Vec::new();
            self.rx_start = 0;
            self.rx_end = 0;
        }
        if self.tx_pos == self.tx.len() {
            self.tx = Vec::new();
            self.tx_pos = 0;
        } else {
            self.release_tx_when_drained = true;
        }
    }

    // ---- receiving ----

    /// Space to receive into; `commit_rx` says how much was filled.
    pub(crate) fn rx_space(&mut self) -> &mut [u8] {
        if self.rx.is_empty() {
            self.rx = vec![0u8; RX_CAPACITY];
        }
        if self.rx_end == self.rx.len() {
            self.compact();
        }
        &mut self.rx[self.rx_end..]
    }

    pub(crate) fn commit_rx(&mut self, n: usize) {
        self.rx_end = (self.rx_end + n).min(self.rx.len());
    }

    /// Copies as much of `data` as fits; returns how many bytes were taken.
    pub(crate) fn feed(&mut self, data: &[u8]) -> usize {
        let space = self.rx_space();
        let n = space.len().min(data.len());
        space[..n].copy_from_slice(&data[..n]);
        self.commit_rx(n);
        n
    }

    /// True when the receive buffer holds no unprocessed bytes.
    pub(crate) fn rx_is_empty(&self) -> bool {
        self.rx_start == self.rx_end && self.app.is_empty()
    }

    /// Moves unprocessed bytes (and unread plaintext) to the front of the buffer.
    fn compact(&mut self) {
        let keep = if self.app.is_empty() {
            self.rx_start
        } else {
            self.app.start
        };
        if keep == 0 {
            return;
        }
        self.rx.copy_within(keep..self.rx_end, 0);
        self.rx_end -= keep;
        self.rx_start -= keep;
        self.app =
            (self.app.start - keep.min(self.app.start))..(self.app.end - keep.min(self.app.end));
        if self.app.is_empty() {
            self.app = 0..0;
        }
    }

    /// Takes the next complete record, decrypting it in place. `None` means more bytes are
    /// needed, or unread application data must be consumed first.
    pub(crate) fn next_record(&mut self) -> Result<Option<Record>, Error> {
        if !self.app.is_empty() {
            return Ok(None);
        }
        let avail = self.rx_end - self.rx_start;
        if avail < HEADER {
            return Ok(None);
        }
        let mut header = [0u8; HEADER];
        header.copy_from_slice(&self.rx[self.rx_start..self.rx_start + HEADER]);
        let typ = ContentType(header[0]);
        let len = u16::from_be_bytes([header[3], header[4]]) as usize;
        check_header(typ, header[1], len, self.max_ciphertext)?;
        if avail < HEADER + len {
            return Ok(None);
        }
        let body = self.rx_start + HEADER..self.rx_start + HEADER + len;
        self.rx_start = body.end;
        // ChangeCipherSpec is never protected in TLS 1.3, nor when it arrives in TLS 1.2.
        let record = match (&mut self.decrypter, typ) {
            (Some(d), t) if t != ContentType::CHANGE_CIPHER_SPEC => {
                let (inner, r) = d.open(header, &mut self.rx[body.clone()])?;
                if r.len() > MAX_PLAINTEXT {
                    return Err(Error::RecordOverflow);
                }
                Record {
                    typ: inner,
                    range: body.start + r.start..body.start + r.end,
                    protected: true,
                }
            }
            _ => {
                if len > MAX_PLAINTEXT {
                    return Err(Error::RecordOverflow);
                }
                Record {
                    typ,
                    range: body,
                    protected: false,
                }
            }
        };
        self.check_empty(&record)?;
        if self.rx_start == self.rx_end && record.typ != ContentType::APPLICATION_DATA {
            self.rx_start = 0;
            self.rx_end = 0;
        }
        Ok(Some(record))
    }

    fn check_empty(&mut self, record: &Record) -> Result<(), Error> {
        if !record.range.is_empty() {
            self.empty_records = 0;
            return Ok(());
        }
        // RFC 8446 §5.1: zero-length handshake or alert fragments MUST NOT be sent.
        if record.typ != ContentType::APPLICATION_DATA {
            return Err(Error::UnexpectedMessage {
                expected: "a non-empty record",
                got: format!("an empty {} record", record.typ),
            });
        }
        self.empty_records += 1;
        if self.empty_records > MAX_EMPTY_RECORDS {
            return Err(Error::LimitExceeded("too many empty records in a row"));
        }
        Ok(())
    }

    /// The plaintext of a record returned by `next_record`.
    pub(crate) fn plaintext(&self, range: Range<usize>) -> &[u8] {
        &self.rx[range]
    }

    /// Keeps an application-data record's plaintext for the reader.
    pub(crate) fn hold_app_data(&mut self, range: Range<usize>) {
        self.app = range;
    }

    /// Unread application data.
    pub(crate) fn app_data(&self) -> &[u8] {
        &self.rx[self.app.clone()]
    }

    /// Marks `n` bytes of application data as read.
    pub(crate) fn consume_app(&mut self, n: usize) {
        self.app.start = (self.app.start + n).min(self.app.end);
        if self.app.is_empty() {
            self.app = 0..0;
            if self.rx_start == self.rx_end {
                self.rx_start = 0;
                self.rx_end = 0;
            }
        }
    }

    /// Releases the receive buffer when it holds nothing (for idle connections).
    pub(crate) fn shrink_when_idle(&mut self) {
        if self.rx_is_empty() {
            self.rx = Vec::new();
            self.rx_start = 0;
            self.rx_end = 0;
        }
        if self.tx_pos == self.tx.len() {
            self.tx = Vec::new();
            self.tx_pos = 0;
        }
    }
}

fn check_header(typ: ContentType, major: u8, len: usize, max: usize) -> Result<(), Error> {
    if !(20..=23).contains(&typ.0) {
        return Err(Error::UnexpectedMessage {
            expected: "a TLS record",
            got: format!("a record of unknown type {}", typ.0),
        });
    }
    if major != 3 {
        return Err(Error::Decode {
            what: "record header",
            reason: crate::codec::DecodeError::Invalid("record version is not 3.x"),
        });
    }
    if len > max {
        return Err(Error::RecordOverflow);
    }
    Ok(())
}
