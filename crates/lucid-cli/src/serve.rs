//! `lucid serve`: HTTPS with HTTP/1.1 and HTTP/2 (hyper) over the lucid tokio adapter.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use lucid::tokio_io::TlsAcceptor;
use lucid::{ClientAuth, ServerConfig};
use tokio::sync::Semaphore;

use crate::narrate::{LivePrinter, Style};
use crate::pki::{self, KeyType};
use crate::{Fail, TlsFlags};

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_CONNECTIONS: usize = 256;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: String,
    /// Certificate chain (PEM). Without --cert, a demo CA and localhost certificate are used.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Ask clients for a certificate and verify it against the CAs in FILE.
    #[arg(long, value_name = "FILE")]
    client_ca: Option<PathBuf>,
    /// Refuse clients without a valid certificate (needs --client-ca).
    #[arg(long, requires = "client_ca")]
    require_client_cert: bool,
    /// Serve files from DIR instead of the page describing the connection.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(flatten)]
    tls: TlsFlags,
    /// Narrate each handshake to stderr.
    #[arg(long)]
    explain: bool,
}

pub fn run(args: ServeArgs) -> Result<u8, Fail> {
    let key = match (&args.cert, &args.key) {
        (Some(c), Some(k)) => crate::load_certified_key(c, k)?,
        _ => default_cert()?,
    };
    let mut sc = ServerConfig::new(key);
    args.tls
        .apply(&mut sc.versions, &mut sc.suites, &mut sc.groups)?;
    sc.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    if let Some(ca) = &args.client_ca {
        let roots = crate::load_roots(ca)?;
        sc.client_auth = if args.require_client_cert {
            ClientAuth::Required(roots)
        } else {
            ClientAuth::Optional(roots)
        };
    }
    if args.explain {
        sc.observer = Some(Arc::new(LivePrinter {
            style: Style { color: false },
        }));
    }
    sc.key_log = lucid::KeyLogFile::from_env().map(|k| Arc::new(k) as Arc<dyn lucid::KeyLog>);
    let sc = sc.build().map_err(|e| Fail::usage("config", e))?;
    if let Some(d) = &args.dir {
        if !d.is_dir() {
            return Err(Fail::usage(
                "options",
                format!("--dir {}: not a directory", d.display()),
            ));
        }
    }
    let addr: SocketAddr = args.listen.parse().map_err(|_| {
        Fail::usage(
            "options",
            format!(
                "--listen '{}' is not an address like 127.0.0.1:8443",
                args.listen
            ),
        )
    })?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fail::new("runtime", e))?;
    // Signal handlers go in before the port opens, so a SIGTERM sent as soon as the port
    // accepts connections already stops the server cleanly instead of killing it.
    let shutdown = {
        let _rt = rt.enter();
        shutdown_signal().map_err(|e| Fail::new("signals", e))?
    };
    let std_listener = std::net::TcpListener::bind(addr)
        .map_err(|e| Fail::usage("listen", format!("{addr}: {e}")))?;
    std_listener
        .set_nonblocking(true)
        .map_err(|e| Fail::new("listen", e))?;
    rt.block_on(serve(std_listener, sc, args.dir.map(Arc::new), shutdown))?;
    Ok(0)
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM. The handlers are registered when
/// this is called (inside a runtime), not when the future is first polled.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

async fn serve(
    std_listener: std::net::TcpListener,
    sc: Arc<ServerConfig>,
    dir: Option<Arc<PathBuf>>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), Fail> {
    let listener =
        tokio::net::TcpListener::from_std(std_listener).map_err(|e| Fail::new("listen", e))?;
    let local = listener.local_addr().map_err(|e| Fail::new("listen", e))?;
    eprintln!("lucid: serving https://{local}/ (HTTP/2 and HTTP/1.1); Ctrl-C or SIGTERM stops");
    let acceptor = TlsAcceptor::new(sc);
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => p.map_err(|e| Fail::new("accept", e))?,
            _ = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("lucid: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let dir = dir.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    eprintln!("lucid: {peer}: tls handshake: {e}");
                    return;
                }
                Err(_) => {
                    eprintln!("lucid: {peer}: tls handshake: no handshake within 10 s");
                    return;
                }
            };
            let info = Arc::new(ConnInfo::from(peer, tls.connection().negotiated()));
            let service = hyper::service::service_fn(move |req| {
                let info = info.clone();
                let dir = dir.clone();
                async move {
                    Ok::<_, Infallible>(
                        handle(req, &info, dir.as_deref().map(|d| d.as_path())).await,
                    )
                }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            if let Err(e) = builder.serve_connection(TokioIo::new(tls), service).await {
                eprintln!("lucid: {peer}: http: {e}");
            }
        });
    }
    eprintln!(
        "lucid: shutting down; waiting up to 10 s for {} open connection(s)",
        MAX_CONNECTIONS - limit.available_permits()
    );
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        limit.acquire_many(MAX_CONNECTIONS as u32),
    )
    .await;
    Ok(())
}

struct ConnInfo {
    peer: SocketAddr,
    page: String,
    summary: String,
}

impl ConnInfo {
    fn from(peer: SocketAddr, n: &lucid::Negotiated) -> ConnInfo {
        let alpn = n
            .alpn
            .as_ref()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .unwrap_or_else(|| "-".into());
        ConnInfo {
            peer,
            page: crate::demo::page(n),
            summary: format!(
                "{} {} {}",
                n.version.map(|v| v.name()).unwrap_or("?"),
                n.suite.map(|s| s.name()).unwrap_or("?"),
                alpn
            ),
        }
    }
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    info: &ConnInfo,
    dir: Option<&Path>,
) -> Response<Full<Bytes>> {
    let (status, ctype, body) = match dir {
        None => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            Bytes::from(info.page.clone()),
        ),
        Some(dir) => serve_file(dir, req.uri().path()).await,
    };
    eprintln!(
        "{} {} {} {:?} {} [{}]",
        info.peer,
        req.method(),
        req.uri().path(),
        req.version(),
        status.as_u16(),
        info.summary
    );
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(ctype) {
        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    resp
}

async fn serve_file(dir: &Path, path: &str) -> (StatusCode, &'static str, Bytes) {
    let not_found = (
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        Bytes::from_static(b"not found\n"),
    );
    let mut full = dir.to_path_buf();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part == "." || part.contains('\\') || part.contains('%') {
            return not_found;
        }
        full.push(part);
    }
    if full.is_dir() {
        full.push("index.html");
    }
    match tokio::fs::read(&full).await {
        Ok(data) => {
            let ctype = match full.extension().and_then(|e| e.to_str()) {
                Some("html") | Some("htm") => "text/html; charset=utf-8",
                Some("txt") | Some("md") => "text/plain; charset=utf-8",
                Some("json") => "application/json",
                Some("svg") => "image/svg+xml",
                Some("css") => "text/css",
                Some("js") => "text/javascript",
                Some("png") => "image/png",
                _ => "application/octet-stream",
            };
            (StatusCode::OK, ctype, Bytes::from(data))
        }
        Err(_) => not_found,
    }
}

/// The state directory: $XDG_STATE_HOME/lucid or ~/.local/state/lucid.
fn state_dir() -> Result<PathBuf, Fail> {
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("lucid"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            Fail::usage(
                "serve",
                "no --cert given and neither XDG_STATE_HOME nor HOME is set",
            )
        })?;
    Ok(PathBuf::from(home).join(".local/state/lucid"))
}

/// The demo CA and localhost certificate in the state dir, made on first use.
fn default_cert() -> Result<lucid::CertifiedKey, Fail> {
    let dir = state_dir()?;
    let (ca_path, cert, key) = (
        dir.join("ca.pem"),
        dir.join("localhost.pem"),
        dir.join("localhost-key.pem"),
    );
    if !cert.exists() || !key.exists() {
        std::fs::create_dir_all(&dir)
            .map_err(|e| Fail::usage("serve", format!("{}: {e}", dir.display())))?;
        let ca = if ca_path.exists() {
            crate::ca::load_ca(&dir)?
        } else {
            let ca = pki::new_ca("lucid local demo CA", KeyType::P256, 3650)?;
            pki::write_new_files(&[
                (&ca_path, &ca.cert, false),
                (&dir.join("ca-key.pem"), &ca.key, true),
            ])?;
            ca
        };
        let names = [
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        let leaf = pki::issue(&ca, &names, false, KeyType::P256, 365)?;
        pki::write_new_files(&[(&cert, &leaf.cert, false), (&key, &leaf.key, true)])?;
        eprintln!(
            "lucid: created a demo CA and a localhost certificate in {}",
            dir.display()
        );
    }
    eprintln!(
        "lucid: using the demo certificate; clients can trust it with --cacert {}",
        ca_path.display()
    );
    crate::load_certified_key(&cert, &key)
}
