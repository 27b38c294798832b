//! `lucid get URL`: one HTTPS request with hyper over the lucid tokio adapter.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lucid::tokio_io::TlsConnector;
use lucid::ClientConfig;

use crate::narrate::{Rec, Recorder};
use crate::{Fail, TlsFlags, TraceFlags};

#[derive(clap::Args)]
pub struct GetArgs {
    /// The https:// URL to fetch.
    url: String,
    /// Write the body to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Send HEAD and print the status line and headers.
    #[arg(short = 'I', long = "head")]
    head: bool,
    /// Extra request header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// Follow redirects (up to 10).
    #[arg(short = 'L', long = "location")]
    follow: bool,
    /// Trust the CAs in FILE (PEM) instead of the system store.
    #[arg(long, value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Client certificate chain (PEM) for mutual TLS.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    #[command(flatten)]
    tls: TlsFlags,
    /// Connect to ADDR:PORT instead of HOST:PORT (curl style HOST:PORT:ADDR:PORT).
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT")]
    connect_to: Vec<String>,
    /// Only HTTP/1.1.
    #[arg(long = "http1.1", conflicts_with = "http2")]
    http1: bool,
    /// Only HTTP/2.
    #[arg(long = "http2")]
    http2: bool,
    /// Append TLS secrets to FILE (NSS key log format, for Wireshark).
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Seconds to wait for connect + handshake + response.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    #[command(flatten)]
    trace: TraceFlags,
}

/// The parts of an https URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, String> {
        let rest = match s.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
            Some((scheme, _)) => {
                return Err(format!("'{scheme}' URLs are not supported: use https://"))
            }
            None => s,
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = path.split('#').next().unwrap_or("/");
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        if authority.contains('@') {
            return Err("user names in URLs are not supported".into());
        }
        let (host, port) = if let Some(h) = authority.strip_prefix('[') {
            let (h, after) = h.split_once(']').ok_or("unclosed '[' in the host")?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(format!("no host in '{s}'"));
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| format!("bad port '{p}'"))?,
            None => 443,
        };
        Ok(Url { host, port, path })
    }

    fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 443 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Resolves a Location header against this URL.
    fn join(&self, location: &str) -> Result<Url, String> {
        if location.contains("://") {
            Url::parse(location)
        } else if let Some(rest) = location.strip_prefix("//") {
            Url::parse(&format!("https://{rest}"))
        } else if location.starts_with('/') {
            Ok(Url {
                path: location.to_string(),
                ..self.clone()
            })
        } else {
            let base = self.path.split('?').next().unwrap_or("/");
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            Ok(Url {
                path: format!("{dir}{location}"),
                ..self.clone()
            })
        }
    }
}

/// curl-style --connect-to: `HOST:PORT:ADDR:PORT`, empty HOST or PORT matching any.
fn connect_target(url: &Url, rules: &[String]) -> Result<(String, u16), Fail> {
    for rule in rules {
        let parts: Vec<&str> = rule.split(':').collect();
        let [host, port, addr, aport] = parts[..] else {
            return Err(Fail::usage(
                "options",
                format!("--connect-to '{rule}' is not HOST:PORT:ADDR:PORT"),
            ));
        };
        let host_ok = host.is_empty() || host.eq_ignore_ascii_case(&url.host);
        let port_ok = port.is_empty() || port.parse::<u16>().ok() == Some(url.port);
        if host_ok && port_ok {
            let aport = if aport.is_empty() {
                url.port
            } else {
                aport.parse().map_err(|_| {
                    Fail::usage("options", format!("bad port in --connect-to '{rule}'"))
                })?
            };
            let addr = if addr.is_empty() {
                url.host.clone()
            } else {
                addr.to_string()
            };
            return Ok((addr, aport));
        }
    }
    Ok((url.host.clone(), url.port))
}

pub fn run(args: GetArgs) -> Result<u8, Fail> {
    let mut url = Url::parse(&args.url).map_err(|e| Fail::usage("url", e))?;
    let mut headers = Vec::new();
    for h in &args.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| Fail::usage("options", format!("header '{h}' is not 'Name: value'")))?;
        let name = hyper::header::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Fail::usage("options", format!("bad header name in '{h}'")))?;
        let value = hyper::header::HeaderValue::from_str(value.trim())
            .map_err(|_| Fail::usage("options", format!("bad header value in '{h}'")))?;
        headers.push((name, value));
    }
    let recorder = Arc::new(Recorder::default());
    let config = client_config(&args, &recorder)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::new("runtime", e))?;

    let mut redirects = 0;
    let result = loop {
        let attempt = rt.block_on(async {
            tokio::time::timeout(
                Duration::from_secs(args.timeout),
                fetch(&args, &url, &headers, config.clone()),
            )
            .await
            .unwrap_or_else(|_| {
                Err(Fail::new(
                    "timeout",
                    format!("no complete answer within {} s", args.timeout),
                ))
            })
        });
        match attempt {
            Ok(Fetched::Redirect(location)) if args.follow && redirects < 10 => {
                redirects += 1;
                url = url.join(&location).map_err(|e| Fail::new("redirect", e))?;
            }
            Ok(Fetched::Redirect(location)) if args.follow => {
                break Err(Fail::new(
                    "redirect",
                    format!("more than 10 redirects (last to {location})"),
                ));
            }
            Ok(Fetched::Redirect(_)) => break Ok(0),
            Ok(Fetched::Done(code)) => break Ok(code),
            Err(e) => break Err(e),
        }
    };
    if args.trace.wants_events() {
        let all = recorder.events();
        let shown: Vec<&Rec> = all.iter().collect();
        args.trace.emit(
            &all,
            &shown,
            args.trace.explain,
            &format!("lucid get {}", args.url),
        )?;
    }
    result
}

fn client_config(args: &GetArgs, recorder: &Arc<Recorder>) -> Result<Arc<ClientConfig>, Fail> {
    let roots = match &args.cacert {
        Some(p) => crate::load_roots(p)?,
        None => lucid::RootStore::system().unwrap_or_else(|_| lucid::RootStore::webpki_roots()),
    };
    let mut c = ClientConfig::new(roots);
    args.tls
        .apply(&mut c.versions, &mut c.suites, &mut c.groups)?;
    c.alpn = if args.http1 {
        vec![b"http/1.1".to_vec()]
    } else if args.http2 {
        vec![b"h2".to_vec()]
    } else {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    };
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        c.client_cert = Some(Arc::new(crate::load_certified_key(cert, key)?));
    }
    c.key_log = match &args.keylog {
        Some(p) => {
            Some(Arc::new(lucid::KeyLogFile::create(p).map_err(|e| {
                Fail::usage("keylog", format!("{}: {e}", p.display()))
            })?))
        }
        None => lucid::KeyLogFile::from_env().map(|k| Arc::new(k) as Arc<dyn lucid::KeyLog>),
    };
    if args.trace.wants_events() {
        c.observer = Some(recorder.clone());
        c.trace_secrets = args.trace.show_secrets;
    }
    c.build().map_err(|e| Fail::usage("config", e))
}

enum Fetched {
    Done(u8),
    Redirect(String),
}

async fn fetch(
    args: &GetArgs,
    url: &Url,
    headers: &[(hyper::header::HeaderName, hyper::header::HeaderValue)],
    config: Arc<ClientConfig>,
) -> Result<Fetched, Fail> {
    let (addr, port) = connect_target(url, &args.connect_to)?;
    let tcp = tokio::net::TcpStream::connect((addr.as_str(), port))
        .await
        .map_err(|e| Fail::new("connect", format!("{addr}:{port}: {e}")))?;
    let tls = TlsConnector::new(config)
        .connect(&url.host, tcp)
        .await
        .map_err(|e| Fail::new("tls handshake", e))?;
    let h2 = tls.connection().negotiated().alpn.as_deref() == Some(b"h2");
    if args.http2 && !h2 {
        return Err(Fail::new(
            "http",
            "the server does not speak HTTP/2 (ALPN h2 not chosen)",
        ));
    }
    let failure = tls.failure_handle();
    let io = TokioIo::new(tls);
    let method = if args.head {
        hyper::Method::HEAD
    } else {
        hyper::Method::GET
    };
    let mut builder = hyper::Request::builder().method(method);
    if h2 {
        builder = builder.uri(format!("https://{}{}", url.authority(), url.path));
    } else {
        builder = builder
            .uri(url.path.as_str())
            .header(hyper::header::HOST, url.authority());
    }
    builder = builder.header(
        hyper::header::USER_AGENT,
        concat!("lucid/", env!("CARGO_PKG_VERSION")),
    );
    let mut req = builder
        .body(Empty::<Bytes>::new())
        .map_err(|e| Fail::usage("request", e))?;
    for (n, v) in headers {
        req.headers_mut().insert(n.clone(), v.clone());
    }
    // When the server refuses us after our Finished (TLS 1.3 client authentication, for
    // one), hyper only sees a closed connection: the TLS reason is dug out of the
    // connection task's error.
    let response = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(|e| Fail::new("http/2", e))?;
        let task = tokio::spawn(conn);
        match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => return Err(explain_failure("http/2 request", e, task, &failure).await),
        }
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| Fail::new("http/1.1", e))?;
        let task = tokio::spawn(conn);
        match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => return Err(explain_failure("http/1.1 request", e, task, &failure).await),
        }
    };
    let status = response.status();
    if args.follow && status.is_redirection() {
        if let Some(loc) = response
            .headers()
            .get(hyper::header::LOCATION)
            .and_then(|v| v.to_str().ok())
        {
            return Ok(Fetched::Redirect(loc.to_string()));
        }
    }
    if args.head {
        let mut out = format!("{:?} {}\n", response.version(), status);
        for (n, v) in response.headers() {
            out.push_str(&format!(
                "{}: {}\n",
                n,
                String::from_utf8_lossy(v.as_bytes())
            ));
        }
        print!("{out}");
        return Ok(Fetched::Done(if status.as_u16() >= 400 { 22 } else { 0 }));
    }
    let mut body = response.into_body();
    let mut sink = Output::open(args.output.as_ref())?;
    let copied: Result<(), Fail> = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| Fail::new("read body", e))?;
            if let Ok(data) = frame.into_data() {
                sink.write(&data)?;
            }
        }
        Ok(())
    }
    .await;
    match copied {
        Ok(()) => sink.finish()?,
        Err(e) => {
            sink.abort();
            return Err(e);
        }
    }
    Ok(Fetched::Done(if status.as_u16() >= 400 { 22 } else { 0 }))
}

/// Stdout, or a file written under a temporary name and renamed once complete.
enum Output {
    Stdout(std::io::Stdout),
    File {
        tmp: PathBuf,
        dest: PathBuf,
        file: std::fs::File,
    },
}

impl Output {
    fn open(path: Option<&PathBuf>) -> Result<Output, Fail> {
        Ok(match path {
            None => Output::Stdout(std::io::stdout()),
            Some(dest) => {
                let mut name = dest.file_name().unwrap_or_default().to_os_string();
                name.push(".part");
                let tmp = dest.with_file_name(name);
                let file = std::fs::File::create(&tmp)
                    .map_err(|e| Fail::usage("output", format!("{}: {e}", tmp.display())))?;
                Output::File {
                    tmp,
                    dest: dest.clone(),
                    file,
                }
            }
        })
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Fail> {
        let r = match self {
            Output::Stdout(s) => s.write_all(data),
            Output::File { file, .. } => file.write_all(data),
        };
        r.map_err(|e| Fail::new("write output", e))
    }

    /// Removes a partly written file.
    fn abort(self) {
        if let Output::File { tmp, .. } = self {
            let _ = std::fs::remove_file(tmp);
        }
    }

    fn finish(self) -> Result<(), Fail> {
        match self {
            Output::Stdout(mut s) => s.flush().map_err(|e| Fail::new("write output", e)),
            Output::File { tmp, dest, file } => {
                file.sync_all().map_err(|e| Fail::new("write output", e))?;
                std::fs::rename(&tmp, &dest)
                    .map_err(|e| Fail::new("write output", format!("{}: {e}", dest.display())))
            }
        }
    }
}

/// Prefers the TLS engine's own explanation of a failed request over hyper's.
async fn explain_failure(
    step: &str,
    err: hyper::Error,
    task: tokio::task::JoinHandle<Result<(), hyper::Error>>,
    failure: &std::sync::OnceLock<lucid::Error>,
) -> Fail {
    if let Some(reason) = tls_cause(&err) {
        return Fail::new("tls", reason);
    }
    let waited = tokio::time::timeout(std::time::Duration::from_secs(2), task).await;
    if let Ok(Ok(Err(conn_err))) = waited {
        if let Some(reason) = tls_cause(&conn_err) {
            return Fail::new("tls", reason);
        }
    }
    if let Some(tls) = failure.get() {
        return Fail::new("tls", tls);
    }
    Fail::new(step, err)
}

/// The lucid error somewhere in an error's source chain, as a sentence.
fn tls_cause(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<lucid::Error>() {
            return Some(tls.to_string());
        }
        if let Some(tls) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<lucid::Error>())
        {
            return Some(tls.to_string());
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parse_reads_host_port_and_path() {
        let u = Url::parse("https://localhost:8443/a/b?x=1").unwrap();
        assert_eq!(
            u,
            Url {
                host: "localhost".into(),
                port: 8443,
                path: "/a/b?x=1".into()
            }
        );
        assert_eq!(Url::parse("https://[::1]/").unwrap().host, "::1");
        assert!(Url::parse("http://x/").is_err());
        assert_eq!(u.join("c").unwrap().path, "/a/c");
    }
}
