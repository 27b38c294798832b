//! A tokio adapter: [`TlsStream`] moves bytes between an async transport and the same
//! sans-IO [`Connection`] the blocking [`crate::Stream`] drives. It holds no protocol logic.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! let roots = lucid::RootStore::system().map_err(std::io::Error::other)?;
//! let config = lucid::ClientConfig::new(roots).build()?;
//! let tcp = tokio::net::TcpStream::connect("example.com:443").await?;
//! let mut tls = lucid::tokio_io::TlsConnector::new(config)
//!     .connect("example.com", tcp)
//!     .await?;
//! tls.write_all(b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n").await?;
//! let mut page = Vec::new();
//! tls.read_to_end(&mut page).await?;
//! # Ok(()) }
//! ```

use std::future::poll_fn;
use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

/// Bytes read from the transport per read call (one full record and its header).
const READ_CHUNK: usize = 16 * 1024 + 256;

/// Starts client connections over any async transport.
///
/// ```no_run
/// # async fn run(config: std::sync::Arc<lucid::ClientConfig>) -> std::io::Result<()> {
/// let tcp = tokio::net::TcpStream::connect("127.0.0.1:8443").await?;
/// let tls = lucid::tokio_io::TlsConnector::new(config).connect("localhost", tcp).await?;
/// println!("{:?}", tls.connection().negotiated().version);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsConnector {
    /// The configuration every connection uses.
    pub config: Arc<ClientConfig>,
}

impl TlsConnector {
    /// A connector using `config`.
    pub fn new(config: Arc<ClientConfig>) -> Self {
        TlsConnector { config }
    }

    /// Runs a handshake with `server_name` over `io` and returns the established stream.
    ///
    /// Errors from the handshake carry the [`crate::Error`] as their inner error.
    pub async fn connect<IO>(
        &self,
        server_name: &str,
        io: IO,
    ) -> io::Result<TlsStream<IO, ClientConnection>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = ClientConnection::new(self.config.clone(), server_name)?;
        let mut stream = TlsStream::new(io, conn);
        if let Err(e) = stream.handshake().await {
            stream.close_after_failure().await;
            return Err(e);
        }
        Ok(stream)
    }
}

/// Accepts server connections over any async transport.
///
/// ```no_run
/// # async fn run(config: std::sync::Arc<lucid::ServerConfig>) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
/// let (tcp, _) = listener.accept().await?;
/// let tls = lucid::tokio_io::TlsAcceptor::new(config).accept(tcp).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsAcceptor {
    /// The configuration every connection uses.
    pub config: Arc<ServerConfig>,
}

impl TlsAcceptor {
    /// An acceptor using `config`.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        TlsAcceptor { config }
    }

    /// Runs the server side of a handshake over `io` and returns the established stream.
    pub async fn accept<IO>(&self, io: IO) -> io::Result<TlsStream<IO, ServerConnection>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let conn = ServerConnection::new(self.config.clone())?;
        let mut stream = TlsStream::new(io, conn);
        if let Err(e) = stream.handshake().await {
            stream.close_after_failure().await;
            return Err(e);
        }
        Ok(stream)
    }
}

/// Wakes nothing: used for the one best-effort attempt to send a fatal alert.
struct NoopWaker;

impl std::task::Wake for NoopWaker {
    fn wake(self: Arc<Self>) {}
}

/// A TLS stream over an async transport: tokio `AsyncRead` and `AsyncWrite` of plaintext.
///
/// `C` is a [`ClientConnection`] or a [`ServerConnection`]. The handshake runs on the
/// first read or write if it has not been run yet; `poll_shutdown` sends close_notify.
pub struct TlsStream<IO, C> {
    io: IO,
    conn: C,
    /// Bytes read from the transport and not yet taken by the engine: `buf[start..end]`.
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    failure: Arc<std::sync::OnceLock<crate::Error>>,
}

impl<IO, C> TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = Connection> + Unpin,
{
    /// Wraps a connection and a transport; nothing is sent until the stream is polled.
    pub fn new(io: IO, conn: C) -> Self {
        TlsStream {
            io,
            conn,
            buf: vec![0; READ_CHUNK].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            failure: Arc::default(),
        }
    }

    /// A handle that will hold the TLS error that ended the connection, if one does. An
    /// HTTP library that owns the stream reports a closed connection; this says why.
    pub fn failure_handle(&self) -> Arc<std::sync::OnceLock<crate::Error>> {
        self.failure.clone()
    }

    /// Runs the handshake to completion.
    pub async fn handshake(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_handshake(cx)).await
    }

    /// After a failed handshake: send the queued alert, close our direction, and drain what
    /// the peer still sends for a moment. Closing with unread data makes the kernel answer
    /// with a reset, which can destroy the alert before the peer reads it.
    async fn close_after_failure(&mut self) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let _ = poll_fn(|cx| self.poll_flush_tls(cx)).await;
        let _ = self.io.shutdown().await;
        let mut sink = [0u8; 4096];
        let drain = async {
            let mut total = 0usize;
            while total < 64 * 1024 {
                match self.io.read(&mut sink).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n,
                }
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), drain).await;
    }

    /// The TLS connection (for [`Connection::negotiated`] and friends).
    pub fn connection(&self) -> &C {
        &self.conn
    }

    /// The transport and the connection.
    pub fn get_ref(&self) -> (&IO, &C) {
        (&self.io, &self.conn)
    }

    /// The transport and the connection, mutably.
    pub fn get_mut(&mut self) -> (&mut IO, &mut C) {
        (&mut self.io, &mut self.conn)
    }

    /// Takes the stream apart. Bytes read but not yet processed are lost.
    pub fn into_inner(self) -> (IO, C) {
        (self.io, self.conn)
    }

    /// Drives the handshake: send what is queued, read, process, until it completes.
    fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.is_handshaking() {
            ready!(self.poll_flush_tls(cx))?;
            if !self.conn.is_handshaking() {
                break;
            }
            if ready!(self.poll_read_tls(cx))? == 0 {
                return Poll::Ready(Err(crate::Error::UnexpectedEof.into()));
            }
            self.process()?;
        }
        self.poll_flush_tls(cx)
    }

    /// Processes received records; on failure tries once to send the alert the engine queued.
    fn process(&mut self) -> io::Result<()> {
        if let Err(e) = self.conn.process_new_packets() {
            let _ = self.failure.set(e.clone());
            let waker = std::task::Waker::from(Arc::new(NoopWaker));
            let mut cx = Context::from_waker(&waker);
            let _ = self.poll_flush_tls(&mut cx);
            return Err(e.into());
        }
        Ok(())
    }

    /// Writes every pending TLS byte to the transport.
    fn poll_flush_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            let n = match ready!(Pin::new(&mut self.io).poll_write(cx, self.conn.pending_tls())) {
                Ok(n) => n,
                Err(e) => return Poll::Ready(Err(self.why_the_peer_left(e))),
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.conn.consume_tls(n);
        }
        Poll::Ready(Ok(()))
    }

    /// A write failed (the peer closed): read what the peer sent before leaving, so a fatal
    /// alert it sent explains the failure instead of a bare broken pipe.
    fn why_the_peer_left(&mut self, write_error: io::Error) -> io::Error {
        let waker = std::task::Waker::from(Arc::new(NoopWaker));
        let mut cx = Context::from_waker(&waker);
        for _ in 0..16 {
            match self.poll_read_tls(&mut cx) {
                Poll::Ready(Ok(n)) if n > 0 => {
                    if self.conn.process_new_packets().is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
        match self.conn.error() {
            Some(tls) => {
                let _ = self.failure.set(tls.clone());
                tls.clone().into()
            }
            None => write_error,
        }
    }

    /// Hands received bytes to the engine, reading from the transport when none are left.
    /// Returns how many bytes were fed; 0 means the transport reached end of file.
    fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.start == self.end {
            if self.eof {
                return Poll::Ready(Ok(0));
            }
            let mut rb = ReadBuf::new(&mut self.buf);
            ready!(Pin::new(&mut self.io).poll_read(cx, &mut rb))?;
            let n = rb.filled().len();
            if n == 0 {
                self.eof = true;
                return Poll::Ready(Ok(0));
            }
            self.start = 0;
            self.end = n;
        }
        let fed = self.conn.feed_tls(&self.buf[self.start..self.end]);
        if fed == 0 {
            return Poll::Ready(Err(io::Error::other(
                "TLS receive buffer full: read the plaintext first",
            )));
        }
        self.start += fed;
        Poll::Ready(Ok(fed))
    }
}

impl<IO, C> AsyncRead for TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = Connection> + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_handshake(cx))?;
        loop {
            match this.conn.read_plaintext(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // Answers the engine queued (a KeyUpdate, say) go out as we read.
                    if let Poll::Ready(Err(e)) = this.poll_flush_tls(cx) {
                        return Poll::Ready(Err(e));
                    }
                    if ready!(this.poll_read_tls(cx))? == 0 {
                        return Poll::Ready(Err(crate::Error::UnexpectedEof.into()));
                    }
                    this.process()?;
                }
                Err(e) => {
                    if let Some(tls) = this.conn.error() {
                        let _ = this.failure.set(tls.clone());
                    }
                    return Poll::Ready(Err(e));
                }
            }
        }
    }
}

impl<IO, C> AsyncWrite for TlsStream<IO, C>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: DerefMut<Target = Connection> + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_handshake(cx))?;
        // Back-pressure: records queued earlier leave before new plaintext is taken.
        ready!(this.poll_flush_tls(cx))?;
        let n = this.conn.write_plaintext(data)?;
        if let Poll::Ready(Err(e)) = this.poll_flush_tls(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_flush_tls(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.send_close_notify();
        ready!(this.poll_flush_tls(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

impl<IO, C: std::ops::Deref<Target = Connection>> std::fmt::Debug for TlsStream<IO, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream")
            .field("conn", &*self.conn)
            .field("eof", &self.eof)
            .finish()
    }
}
