//! Wire structures: parse and encode, no crypto, no state.
//!
//! Every length is checked against its bound; a parse failure is a [`DecodeError`]
//! that the engine turns into a `decode_error` alert (RFC 8446 §6.2).

mod codes;
pub mod extensions;
pub mod handshake;
pub mod tls12;

pub use codes::*;

/// Why bytes from the peer could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The input ended before a field was complete.
    Truncated,
    /// Bytes were left over after the structure ended.
    Trailing,
    /// A length or value is outside what the RFC allows.
    Invalid(&'static str),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Truncated => f.write_str("a message ended before its last field"),
            DecodeError::Trailing => f.write_str("a message had bytes after its last field"),
            DecodeError::Invalid(what) => write!(f, "a message field was invalid: {what}"),
        }
    }
}

/// A cursor over received bytes that checks every length.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading at the beginning of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let out = self.buf.get(self.pos..end).ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(out)
    }

    /// Takes a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads one byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Reads a big-endian 24-bit length.
    pub fn u24(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(3)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads an opaque vector with a 1-byte length, bounded to `min..=max`.
    pub fn vec_u8(&mut self, min: usize, max: usize) -> Result<&'a [u8], DecodeError> {
        let n = self.u8()? as usize;
        Self::check_len(n, min, max)?;
        self.take(n)
    }

    /// Reads an opaque vector with a 2-byte length, bounded to `min..=max`.
    pub fn vec_u16(&mut self, min: usize, max: usize) -> Result<&'a [u8], DecodeError> {
        let n = self.u16()? as usize;
        Self::check_len(n, min, max)?;
        self.take(n)
    }

    /// Reads an opaque vector with a 3-byte length, bounded to `min..=max`.
    pub fn vec_u24(&mut self, min: usize, max: usize) -> Result<&'a [u8], DecodeError> {
        let n = self.u24()? as usize;
        Self::check_len(n, min, max)?;
        self.take(n)
    }

    /// A reader over a 1-byte-length-prefixed sub-structure.
    pub fn sub_u8(&mut self, min: usize, max: usize) -> Result<Reader<'a>, DecodeError> {
        self.vec_u8(min, max).map(Reader::new)
    }

    /// A reader over a 2-byte-length-prefixed sub-structure.
    pub fn sub_u16(&mut self, min: usize, max: usize) -> Result<Reader<'a>, DecodeError> {
        self.vec_u16(min, max).map(Reader::new)
    }

    /// A reader over a 3-byte-length-prefixed sub-structure.
    pub fn sub_u24(&mut self, min: usize, max: usize) -> Result<Reader<'a>, DecodeError> {
        self.vec_u24(min, max).map(Reader::new)
    }

    /// Reads a list of u16 code points with a 2-byte length, bounded in bytes.
    pub fn u16_list(&mut self, min: usize, max: usize) -> Result<Vec<u16>, DecodeError> {
        let bytes = self.vec_u16(min, max)?;
        if bytes.len() % 2 != 0 {
            return Err(DecodeError::Invalid(
                "odd length for a list of 16-bit values",
            ));
        }
        Ok(bytes
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect())
    }

    /// The bytes not yet read.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// Fails unless every byte has been read.
    pub fn expect_end(&self) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::Trailing)
        }
    }

    fn check_len(n: usize, min: usize, max: usize) -> Result<(), DecodeError> {
        if n < min || n > max {
            return Err(DecodeError::Invalid("length outside its bounds"));
        }
        Ok(())
    }
}

/// Appends big-endian integers and length-prefixed vectors to a buffer.
pub trait Writer {
    /// Appends one byte.
    fn put_u8(&mut self, v: u8);
    /// Appends a big-endian u16.
    fn put_u16(&mut self, v: u16);
    /// Appends a big-endian 24-bit value.
    fn put_u24(&mut self, v: u32);
    /// Appends a big-endian u32.
    fn put_u32(&mut self, v: u32);
    /// Appends `bytes` behind a length prefix of `prefix` bytes (1, 2 or 3).
    fn put_vec(&mut self, prefix: usize, bytes: &[u8]);
    /// Appends whatever `body` writes, behind a length prefix of `prefix` bytes.
    fn nested(&mut self, prefix: usize, body: impl FnOnce(&mut Vec<u8>));
}

impl Writer for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u24(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes()[1..]);
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_vec(&mut self, prefix: usize, bytes: &[u8]) {
        put_len(self, prefix, bytes.len());
        self.extend_from_slice(bytes);
    }
    fn nested(&mut self, prefix: usize, body: impl FnOnce(&mut Vec<u8>)) {
        let at = self.len();
        self.extend_from_slice(&[0u8; 3][..prefix]);
        body(self);
        let len = self.len() - at - prefix;
        let be = (len as u32).to_be_bytes();
        self[at..at + prefix].copy_from_slice(&be[4 - prefix..]);
    }
}

fn put_len(out: &mut Vec<u8>, prefix: usize, len: usize) {
    let be = (len as u32).to_be_bytes();
    out.extend_from_slice(&be[4 - prefix..]);
}

/// Encodes a list of u16 code points behind a 2-byte length.
pub fn put_u16_list(out: &mut Vec<u8>, items: impl IntoIterator<Item = u16>) {
    out.nested(2, |out| {
        for v in items {
            out.put_u16(v);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_refuses_lengths_past_the_end() {
        let mut r = Reader::new(&[0x00, 0x05, 1, 2]);
        assert_eq!(r.vec_u16(0, 100), Err(DecodeError::Truncated));
    }

    #[test]
    fn reader_refuses_lengths_outside_bounds() {
        let mut r = Reader::new(&[0x03, 1, 2, 3]);
        assert!(matches!(r.vec_u8(0, 2), Err(DecodeError::Invalid(_))));
    }

    #[test]
    fn nested_writes_the_right_prefix() {
        let mut out = Vec::new();
        out.nested(3, |o| o.extend_from_slice(&[9; 300]));
        assert_eq!(&out[..3], &[0, 1, 44]);
        assert_eq!(out.len(), 303);
    }
}
