//! The HTTP/1.1 server: a private tokio runtime, the accept loop, connection tracking for
//! "die and restart", optional TLS (with optional client-certificate verification), body size
//! limits, and the truncated-response fault.
//!
//! Restart closes the listener and aborts every connection task (dropping a connection's future
//! closes its socket), then re-binds the same port after the down time. The listener uses
//! `SO_REUSEADDR` so the re-bind is not blocked by the server-side `TIME_WAIT` sockets the
//! closed connections leave behind.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::routes::{self, MAX_CONTENT_LENGTH};
use crate::{Shared, TlsIdentity};

/// How long a truncated response waits (after its partial body is flushed) before the
/// connection is torn down.
const TRUNCATE_PAUSE: Duration = Duration::from_millis(50);

struct Listening {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

struct ListenerSlot {
    current: Option<Listening>,
    /// Bumped on every restart so a late re-bind of an older restart does not win.
    generation: u64,
}

pub(crate) struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
    port: u16,
    tls: Option<TlsAcceptor>,
    slot: Arc<Mutex<ListenerSlot>>,
}

impl Server {
    pub fn start(shared: Arc<Shared>, port: u16, tls: Option<&TlsIdentity>) -> io::Result<Server> {
        let tls = tls.map(tls_acceptor).transpose()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("emulator")
            .enable_all()
            .build()?;
        let listener = runtime.block_on(bind(port))?;
        let port = listener.local_addr()?.port();
        let slot = Arc::new(Mutex::new(ListenerSlot { current: None, generation: 0 }));
        let server = Server { runtime: Some(runtime), shared, port, tls, slot };
        let listening = server.spawn_accept(listener);
        server.lock_slot().current = Some(listening);
        Ok(server)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime.as_ref().expect("runtime lives until drop").handle()
    }

    fn lock_slot(&self) -> std::sync::MutexGuard<'_, ListenerSlot> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn_accept(&self, listener: TcpListener) -> Listening {
        let (stop, stop_rx) = oneshot::channel();
        let task = self.handle().spawn(accept_loop(listener, self.shared.clone(), self.tls.clone(), stop_rx));
        Listening { stop, task }
    }

    /// Close the listener and all connections now; bind the same port again after `down_for`.
    pub fn restart(&self, down_for: Duration) {
        let (current, generation) = {
            let mut slot = self.lock_slot();
            slot.generation += 1;
            (slot.current.take(), slot.generation)
        };
        if let Some(l) = current {
            let _ = l.stop.send(());
            // Wait (from this synchronous caller) until every connection future is dropped.
            let (done_tx, done_rx) = std::sync::mpsc::channel();
            self.handle().spawn(async move {
                let _ = l.task.await;
                let _ = done_tx.send(());
            });
            let _ = done_rx.recv_timeout(Duration::from_secs(10));
        }
        let port = self.port;
        let slot = self.slot.clone();
        let shared = self.shared.clone();
        let tls = self.tls.clone();
        let handle = self.handle().clone();
        self.handle().spawn(async move {
            tokio::time::sleep(down_for).await;
            // The port may briefly still be held; keep trying for a while.
            let mut listener = None;
            for _ in 0..500 {
                match bind(port).await {
                    Ok(l) => {
                        listener = Some(l);
                        break;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            let Some(listener) = listener else { return };
            let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
            if guard.generation != generation || guard.current.is_some() {
                return;
            }
            let (stop, stop_rx) = oneshot::channel();
            let task = handle.spawn(accept_loop(listener, shared, tls, stop_rx));
            guard.current = Some(Listening { stop, task });
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(l) = self.lock_slot().current.take() {
            let _ = l.stop.send(());
        }
        if let Some(rt) = self.runtime.take() {
            // Never blocks, so dropping an emulator inside async code is fine too.
            rt.shutdown_background();
        }
    }
}

async fn bind(port: u16) -> io::Result<TcpListener> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, tls: Option<TlsAcceptor>, mut stop: oneshot::Receiver<()>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, shared.clone(), tls.clone()));
                }
                // Out of descriptors or an aborted handshake: back off briefly and go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>, tls: Option<TlsAcceptor>) {
    match tls {
        None => serve_io(TokioIo::new(stream), shared).await,
        Some(acceptor) => {
            if let Ok(Ok(tls_stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                serve_io(TokioIo::new(tls_stream), shared).await;
            }
        }
    }
}

async fn serve_io<I>(io: I, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle_request(shared.clone(), req));
    let mut builder = http1::Builder::new();
    // Elasticsearch's Netty transport sends no Date header.
    builder.timer(TokioTimer::new()).auto_date_header(false).keep_alive(true);
    let _ = builder.serve_connection(io, service).await;
}

async fn handle_request(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<RespBody>, Infallible> {
    let too_large = || {
        let mut r = Response::new(RespBody::full(Bytes::new()));
        *r.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
        r.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
        Ok(r)
    };
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_CONTENT_LENGTH as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_CONTENT_LENGTH).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return too_large(),
        // The client went away mid-body: answer nothing useful and close.
        Err(_) => {
            let mut r = Response::new(RespBody::full(Bytes::new()));
            *r.status_mut() = http::StatusCode::BAD_REQUEST;
            r.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
            return Ok(r);
        }
    };
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let finished = routes::handle(&shared, parts.method, path, query, parts.headers, body).await;

    let len = finished.body.len();
    let body = if finished.truncate && len > 1 {
        RespBody::truncated(finished.body.slice(..len / 2), len as u64)
    } else {
        RespBody::full(finished.body)
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = http::StatusCode::from_u16(finished.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    for (k, v) in finished.headers {
        if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(k.as_bytes()), http::HeaderValue::from_str(&v)) {
            headers.append(name, value);
        }
    }
    if finished.close {
        headers.insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    }
    Ok(resp)
}

/// Response body: whole, or a prefix followed by an error that makes hyper abort the
/// connection (the declared `Content-Length` is the full length, so clients see a short read).
pub(crate) enum RespBody {
    Full(Option<Bytes>),
    Truncated { prefix: Option<Bytes>, total: u64, pause: Option<Pin<Box<tokio::time::Sleep>>> },
}

impl RespBody {
    fn full(b: Bytes) -> RespBody {
        RespBody::Full(Some(b))
    }

    fn truncated(prefix: Bytes, total: u64) -> RespBody {
        RespBody::Truncated { prefix: Some(prefix), total, pause: None }
    }
}

impl Body for RespBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            RespBody::Full(b) => Poll::Ready(b.take().filter(|b| !b.is_empty()).map(|b| Ok(Frame::data(b)))),
            RespBody::Truncated { prefix, pause, .. } => {
                if let Some(p) = prefix.take() {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                // Stay pending long enough for hyper to flush the prefix to the socket.
                let sleep = pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(TRUNCATE_PAUSE)));
                ready!(sleep.as_mut().poll(cx));
                Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "emulator: injected connection drop"))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, RespBody::Full(None)) || matches!(self, RespBody::Full(Some(b)) if b.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            RespBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            RespBody::Full(None) => SizeHint::with_exact(0),
            RespBody::Truncated { total, .. } => SizeHint::with_exact(*total),
        }
    }
}

fn tls_acceptor(id: &TlsIdentity) -> io::Result<TlsAcceptor> {
    let bad = |what: &str, e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let certs = CertificateDer::pem_slice_iter(id.cert_chain_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("server certificate", &e))?;
    if certs.is_empty() {
        return Err(bad("server certificate", &"no certificate in PEM"));
    }
    let key = PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes()).map_err(|e| bad("server key", &e))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("TLS versions", &e))?;
    let builder = match &id.client_ca_pem {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots.add(cert.map_err(|e| bad("client CA", &e))?).map_err(|e| bad("client CA", &e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| bad("client verifier", &e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| bad("server identity", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
