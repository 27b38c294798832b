//! `lucid demo`: a fresh CA and server certificate in memory, a server thread and a client
//! in this process, one HTTP request, and the handshake narrated.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use lucid::{ClientAuth, ClientConfig, ClientConnection, ServerConfig, ServerConnection, Version};

use crate::narrate::{self, Recorder};
use crate::pki::{self, KeyType};
use crate::{Fail, TraceFlags};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Flow {
    /// TLS 1.3 full handshake.
    Tls13,
    /// TLS 1.2 with ECDHE key exchange.
    Tls12Ecdhe,
    /// TLS 1.2 with RSA key transport (no forward secrecy).
    Tls12Rsa,
    /// TLS 1.3 with a client certificate (mutual TLS).
    Mtls,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Which handshake to show.
    #[arg(long, value_enum, default_value = "tls13")]
    flow: Flow,
    /// Do not narrate (the page and any files are still produced).
    #[arg(long, conflicts_with = "explain")]
    quiet: bool,
    #[command(flatten)]
    trace: TraceFlags,
}

const TIMEOUT: Duration = Duration::from_secs(15);

pub fn run(args: DemoArgs) -> Result<u8, Fail> {
    let flow = args.flow;
    let recorder = Arc::new(Recorder::default());

    let leaf_type = if flow == Flow::Tls12Rsa {
        KeyType::Rsa2048
    } else {
        KeyType::P256
    };
    let ca = pki::new_ca("lucid demo CA", KeyType::P256, 30)?;
    let server_pem = pki::issue(&ca, &["localhost".into()], false, leaf_type, 30)?;
    let roots =
        lucid::RootStore::from_pem(ca.cert.as_bytes()).map_err(|e| Fail::new("demo CA", e))?;
    let server_key =
        lucid::CertifiedKey::from_pem(server_pem.cert.as_bytes(), server_pem.key.as_bytes())
            .map_err(|e| Fail::new("demo certificate", e))?;

    let versions = match flow {
        Flow::Tls13 | Flow::Mtls => vec![Version::Tls13],
        Flow::Tls12Ecdhe | Flow::Tls12Rsa => vec![Version::Tls12],
    };
    let rsa_suite = lucid::suites::suite_by_name("TLS_RSA_WITH_AES_128_GCM_SHA256")
        .ok_or_else(|| Fail::new("demo", "this build has no TLS_RSA_WITH_AES_128_GCM_SHA256"))?;

    let mut sc = ServerConfig::new(server_key);
    sc.versions = versions.clone();
    sc.alpn = vec![b"http/1.1".to_vec()];
    sc.observer = Some(recorder.clone());
    sc.trace_secrets = args.trace.show_secrets;
    let mut cc = ClientConfig::new(roots.clone());
    cc.versions = versions;
    cc.alpn = vec![b"http/1.1".to_vec()];
    cc.observer = Some(recorder.clone());
    cc.trace_secrets = args.trace.show_secrets;
    cc.key_log = lucid::KeyLogFile::from_env().map(|k| Arc::new(k) as Arc<dyn lucid::KeyLog>);
    if flow == Flow::Tls12Rsa {
        sc.suites = vec![rsa_suite];
        cc.suites = vec![rsa_suite];
    }
    if flow == Flow::Mtls {
        sc.client_auth = ClientAuth::Required(roots);
        let client_pem = pki::issue(&ca, &["alice.demo".into()], true, KeyType::P256, 30)?;
        let client_key =
            lucid::CertifiedKey::from_pem(client_pem.cert.as_bytes(), client_pem.key.as_bytes())
                .map_err(|e| Fail::new("demo client certificate", e))?;
        cc.client_cert = Some(Arc::new(client_key));
    }
    let sc = sc.build().map_err(|e| Fail::new("server config", e))?;
    let cc = cc.build().map_err(|e| Fail::new("client config", e))?;

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| Fail::new("listen", e))?;
    let addr = listener.local_addr().map_err(|e| Fail::new("listen", e))?;
    let server = std::thread::spawn(move || serve_once(listener, sc));

    let client_result = fetch(addr, cc);
    let server_result = server
        .join()
        .unwrap_or_else(|_| Err(Fail::new("server", "the server thread panicked")));

    let all = recorder.events();
    let shown: Vec<&narrate::Rec> = all.iter().filter(|r| narrate::demo_filter(r)).collect();
    let narrate_text = !args.quiet;
    if narrate_text {
        println!(
            "lucid demo: a {} handshake between a client and a server in this process.\n\
             A fresh CA and a certificate for 'localhost' were made in memory; the client trusts that CA.\n",
            flow_title(flow)
        );
    }
    args.trace.emit(
        &all,
        &shown,
        narrate_text,
        &format!("lucid demo: {}", flow_title(flow)),
    )?;
    let body = client_result?;
    server_result?;
    if narrate_text {
        println!("\nThe client sent 'GET / HTTP/1.1'; the server's page:\n");
    }
    print!("{body}");
    Ok(0)
}

fn flow_title(flow: Flow) -> &'static str {
    match flow {
        Flow::Tls13 => "TLS 1.3",
        Flow::Tls12Ecdhe => "TLS 1.2 ECDHE",
        Flow::Tls12Rsa => "TLS 1.2 RSA key transport",
        Flow::Mtls => "TLS 1.3 mutual-TLS",
    }
}

fn fetch(addr: std::net::SocketAddr, cc: Arc<ClientConfig>) -> Result<String, Fail> {
    let tcp = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| Fail::new("connect", e))?;
    tcp.set_read_timeout(Some(TIMEOUT))
        .map_err(|e| Fail::new("connect", e))?;
    let conn = ClientConnection::new(cc, "localhost").map_err(|e| Fail::new("client", e))?;
    let mut tls = lucid::Stream::new(conn, tcp);
    tls.handshake().map_err(|e| Fail::new("tls handshake", e))?;
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| Fail::new("send request", e))?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response)
        .map_err(|e| Fail::new("read response", e))?;
    let text = String::from_utf8_lossy(&response).into_owned();
    Ok(match text.split_once("\r\n\r\n") {
        Some((_, body)) => body.to_string(),
        None => text,
    })
}

fn serve_once(listener: TcpListener, sc: Arc<ServerConfig>) -> Result<(), Fail> {
    let (tcp, _) = listener
        .accept()
        .map_err(|e| Fail::new("server accept", e))?;
    tcp.set_read_timeout(Some(TIMEOUT))
        .map_err(|e| Fail::new("server", e))?;
    let conn = ServerConnection::new(sc).map_err(|e| Fail::new("server", e))?;
    let mut tls = lucid::Stream::new(conn, tcp);
    tls.handshake()
        .map_err(|e| Fail::new("server handshake", e))?;
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        let n = tls
            .read(&mut buf)
            .map_err(|e| Fail::new("server read", e))?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let body = page(tls.conn.negotiated());
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(response.as_bytes())
        .map_err(|e| Fail::new("server write", e))?;
    tls.close().map_err(|e| Fail::new("server close", e))?;
    Ok(())
}

/// The small page both `demo` and `serve` answer with.
pub fn page(n: &lucid::Negotiated) -> String {
    let version = n.version.map(|v| v.name()).unwrap_or("?");
    let suite = n.suite.map(|s| s.name()).unwrap_or("?");
    let group = n
        .group
        .map(|g| g.name())
        .unwrap_or("none (RSA key transport)");
    let alpn = n
        .alpn
        .as_ref()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .unwrap_or_else(|| "none".into());
    let client = client_identity(n);
    format!(
        "Hello from lucid!\n\
         version:         {version}\n\
         cipher suite:    {suite}\n\
         group:           {group}\n\
         ALPN:            {alpn}\n\
         server name:     {}\n\
         client identity: {client}\n",
        n.sni.as_deref().unwrap_or("(none)")
    )
}

pub fn client_identity(n: &lucid::Negotiated) -> String {
    n.peer_identity
        .as_ref()
        .and_then(|c| {
            let certs = c.certs();
            certs
                .first()
                .map(|c| format!("{} ({})", c.label(), c.subject))
        })
        .unwrap_or_else(|| "anonymous (no client certificate)".into())
}
