//! A blocking stream over any `Read + Write`: it moves bytes between the transport and a
//! connection and has no protocol logic of its own.

use std::io::{self, Read, Write};
use std::ops::DerefMut;

use crate::conn::Connection;

/// A TLS stream: `Read` and `Write` plaintext over `T`.
///
/// `C` is a [`crate::ClientConnection`] or [`crate::ServerConnection`]. The handshake runs on
/// the first read or write, or explicitly with [`Stream::handshake`].
pub struct Stream<C, T> {
    /// The TLS connection.
    pub conn: C,
    /// The transport.
    pub sock: T,
    eof: bool,
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Stream<C, T> {
    /// Wraps a connection and a transport.
    pub fn new(conn: C, sock: T) -> Self {
        Stream {
            conn,
            sock,
            eof: false,
        }
    }

    /// Runs the handshake to completion.
    pub fn handshake(&mut self) -> io::Result<()> {
        while self.conn.is_handshaking() {
            self.flush_tls()?;
            if !self.conn.is_handshaking() {
                break;
            }
            self.read_more()?;
        }
        self.flush_tls()
    }

    fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.sock)?;
        }
        self.sock.flush()
    }

    /// Reads once from the transport and processes what arrived.
    fn read_more(&mut self) -> io::Result<()> {
        if self.eof {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                crate::Error::UnexpectedEof,
            ));
        }
        let n = self.conn.read_tls(&mut self.sock)?;
        if n == 0 {
            self.eof = true;
        }
        let result = self.conn.process_new_packets();
        // Send whatever the engine queued (an alert on failure) before reporting.
        let _ = self.flush_tls();
        result?;
        if n == 0 && self.conn.is_handshaking() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                crate::Error::UnexpectedEof,
            ));
        }
        Ok(())
    }

    /// Sends close_notify.
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.send_close_notify();
        self.flush_tls()
    }
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Read for Stream<C, T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.handshake()?;
        loop {
            match self.conn.read_plaintext(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if self.eof {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            crate::Error::UnexpectedEof,
                        ));
                    }
                    self.read_more()?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl<C: DerefMut<Target = Connection>, T: Read + Write> Write for Stream<C, T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.handshake()?;
        let n = self.conn.write_plaintext(buf)?;
        self.flush_tls()?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}
