//! A channel that hands each call straight to its HTTP/2 connection, for the hottest path
//! (the gateway's reveals to the vault).
//!
//! tonic's `Channel` passes a call through a buffer task, then hyper's dispatch task, which
//! waits for the new stream to open before taking its message, so a unary call leaves as
//! headers, message and end of stream in separate writes, and wakes three tasks (often on
//! another core) before any byte leaves. Here the caller's own task opens the stream and
//! queues the whole message with END_STREAM: the connection's task writes both frames at
//! once, and the answer wakes the caller directly.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::uri::{PathAndQuery, Scheme};
use http::{Request, Response, Uri};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::{Service, TrustError};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type CallFuture =
    Pin<Box<dyn Future<Output = Result<Response<tonic::body::Body>, BoxError>> + Send>>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A lazily connected mutual-TLS HTTP/2 channel to one service. A connection that fails is
/// dropped, and the next call opens a new one. Clones share the connection.
#[derive(Clone)]
pub struct DirectChannel {
    shared: Arc<Shared>,
}

struct Shared {
    addr: String,
    authority: http::uri::Authority,
    server_name: ServerName<'static>,
    tls: TlsConnector,
    // The connection in use, numbered so that a call failing on it forgets it and not
    // one opened since.
    connection: Mutex<Option<(u64, h2::client::SendRequest<Bytes>)>>,
    // One connection attempt at a time: callers arriving meanwhile wait for it.
    connecting: tokio::sync::Mutex<()>,
    opened: AtomicU64,
}

impl std::fmt::Debug for DirectChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectChannel")
            .field("addr", &self.shared.addr)
            .finish_non_exhaustive()
    }
}

impl DirectChannel {
    pub(crate) fn new(
        url: &str,
        target: Service,
        client: Arc<rustls::ClientConfig>,
    ) -> Result<Self, TrustError> {
        let bad = |why: &str| TrustError::Config(format!("{url}: {why}"));
        let uri: Uri = url.parse().map_err(|_| bad("not a URL"))?;
        if uri.scheme() != Some(&Scheme::HTTPS) {
            return Err(bad(
                "services talk over mutual TLS only; give an https:// URL",
            ));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?.clone();
        let port = authority.port_u16().unwrap_or(443);
        let server_name = ServerName::try_from(target.as_str().to_owned())
            .map_err(|e| TrustError::Config(e.to_string()))?;
        Ok(Self {
            shared: Arc::new(Shared {
                addr: format!("{}:{port}", authority.host()),
                authority,
                server_name,
                tls: TlsConnector::from(client),
                connection: Mutex::new(None),
                connecting: tokio::sync::Mutex::new(()),
                opened: AtomicU64::new(0),
            }),
        })
    }
}

impl Shared {
    fn current(&self) -> Option<(u64, h2::client::SendRequest<Bytes>)> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets connection `failed`, unless another has replaced it.
    fn forget(&self, failed: u64) {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if connection.as_ref().is_some_and(|(n, _)| *n == failed) {
            *connection = None;
        }
    }

    async fn sender(&self) -> Result<(u64, h2::client::SendRequest<Bytes>), BoxError> {
        if let Some(sender) = self.current() {
            return Ok(sender);
        }
        let _one = self.connecting.lock().await;
        if let Some(sender) = self.current() {
            return Ok(sender);
        }
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.addr))
            .await
            .map_err(|_| format!("connecting to {} timed out", self.addr))??;
        // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs add ~40 ms a call.
        tcp.set_nodelay(true)?;
        let tls = tokio::time::timeout(
            CONNECT_TIMEOUT,
            self.tls.connect(self.server_name.clone(), tcp),
        )
        .await
        .map_err(|_| format!("the TLS handshake with {} timed out", self.addr))?
        .map_err(|e| format!("the TLS handshake with {} failed: {e}", self.addr))?;
        let (sender, connection) = h2::client::handshake(tls).await?;
        let addr = self.addr.clone();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%addr, %error, "a direct HTTP/2 connection ended");
            }
        });
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let number = self.opened.fetch_add(1, Ordering::Relaxed);
        *connection = Some((number, sender.clone()));
        Ok((number, sender))
    }

    /// The connection, ready for a new stream; a connection that is not is forgotten.
    async fn ready(&self) -> Result<(u64, h2::client::SendRequest<Bytes>), BoxError> {
        let (number, sender) = self.sender().await?;
        match sender.ready().await {
            Ok(ready) => Ok((number, ready)),
            Err(error) => {
                self.forget(number);
                Err(error.into())
            }
        }
    }

    async fn call(self: Arc<Self>, request: Request<tonic::body::Body>) -> CallResult {
        let (mut parts, body) = request.into_parts();
        // A unary call's message is encoded as the body is polled, without waiting.
        let message = body.collect().await?.to_bytes();
        let mut uri = http::uri::Parts::default();
        uri.scheme = Some(Scheme::HTTPS);
        uri.authority = Some(self.authority.clone());
        uri.path_and_query = parts
            .uri
            .path_and_query()
            .cloned()
            .or_else(|| Some(PathAndQuery::from_static("/")));
        parts.uri = Uri::from_parts(uri)?;
        // A connection found closed before the stream opened (the vault restarted, say)
        // is replaced, and the call goes on: nothing of it has been sent.
        let (number, mut ready) = match self.ready().await {
            Ok(ready) => ready,
            Err(_) => self.ready().await?,
        };
        let sent = async {
            let (answer, mut stream) =
                ready.send_request(Request::from_parts(parts, ()), message.is_empty())?;
            if !message.is_empty() {
                stream.send_data(message, true)?;
            }
            answer.await
        }
        .await;
        let answer = match sent {
            Ok(answer) => answer,
            Err(error) => {
                // A connection that failed takes no more calls; a stream refused alone
                // (reset by the server) leaves it in use.
                if !error.is_reset() {
                    self.forget(number);
                }
                return Err(error.into());
            }
        };
        let (parts, body) = answer.into_parts();
        Ok(Response::from_parts(
            parts,
            tonic::body::Body::new(Received {
                stream: body,
                data_done: false,
            }),
        ))
    }
}

type CallResult = Result<Response<tonic::body::Body>, BoxError>;

impl tower::Service<Request<tonic::body::Body>> for DirectChannel {
    type Response = Response<tonic::body::Body>;
    type Error = BoxError;
    type Future = CallFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Each call waits for its stream itself: the connection limits concurrent streams.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.shared.clone().call(request))
    }
}

/// An answer's body: its data, then its trailers (a gRPC status), giving the connection
/// back its window as data is taken.
struct Received {
    stream: h2::RecvStream,
    data_done: bool,
}

impl Body for Received {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        if !self.data_done {
            match std::task::ready!(self.stream.poll_data(cx)) {
                Some(Ok(data)) => {
                    let _ = self.stream.flow_control().release_capacity(data.len());
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => self.data_done = true,
            }
        }
        match std::task::ready!(self.stream.poll_trailers(cx)) {
            Ok(Some(trailers)) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Ok(None) => Poll::Ready(None),
            Err(e) => Poll::Ready(Some(Err(e))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stream.is_end_stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ServiceTls, TlsFiles, keygen};
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};

    fn tls(dir: &std::path::Path, service: Service) -> ServiceTls {
        ServiceTls::load(service, &TlsFiles::in_dir(dir, service)).unwrap()
    }

    /// Serves gRPC health as `vault` on a clone of `listener` until `stop` fires.
    fn serve(
        vault: &ServiceTls,
        listener: &std::net::TcpListener,
    ) -> (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = listener.try_clone().unwrap();
        listener.set_nonblocking(true).unwrap();
        let incoming = vault.incoming(tokio::net::TcpListener::from_std(listener).unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (_, health) = tonic_health::server::health_reporter();
        let server = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(health)
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        (stop, server)
    }

    async fn check(channel: &DirectChannel) -> Result<ServingStatus, tonic::Status> {
        let answer = HealthClient::new(channel.clone())
            .check(HealthCheckRequest::default())
            .await?;
        Ok(answer.into_inner().status())
    }

    #[tokio::test]
    async fn calls_go_to_the_named_service_only_and_survive_its_restart() {
        let dir = tempfile::tempdir().unwrap();
        keygen(dir.path()).unwrap();
        let (vault, gateway) = (
            tls(dir.path(), Service::Vault),
            tls(dir.path(), Service::Gateway),
        );
        // One socket for both servers below: the port is never given up.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let (stop, server) = serve(&vault, &listener);

        let channel = gateway.direct_channel(&url, Service::Vault).unwrap();
        assert_eq!(check(&channel).await.unwrap(), ServingStatus::Serving);
        assert_eq!(check(&channel).await.unwrap(), ServingStatus::Serving);

        // The server must prove the name the caller expects.
        let impostor = gateway.direct_channel(&url, Service::Access).unwrap();
        let refused = check(&impostor).await.unwrap_err();
        assert!(refused.message().contains("certificate"), "{refused}");
        // And plain text, or another CA's URL scheme, is refused up front.
        let plain = gateway.direct_channel("http://127.0.0.1:1", Service::Vault);
        assert!(plain.unwrap_err().to_string().contains("mutual TLS only"));

        // The vault restarts: the next call finds the old connection closed, and opens a
        // new one without failing.
        stop.send(()).unwrap();
        server.await.unwrap();
        // Time for the channel's connection task to read the server's goodbye.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_stop, _server) = serve(&vault, &listener);
        assert_eq!(check(&channel).await.unwrap(), ServingStatus::Serving);
    }
}
