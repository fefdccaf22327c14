//! Accepting gRPC connections: a TLS handshake that requires a client certificate from the
//! deployment's CA, then the connection with the service its certificate names.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

use crate::certs::service_named_by;
use crate::{Service, ServiceTls};

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Who is at the other end of a connection: its address and the service its verified
/// certificate names (`None`: a certificate from the CA that names no service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub addr: SocketAddr,
    pub service: Option<Service>,
}

/// An accepted, authenticated connection; its [`Peer`] reaches every request's extensions.
pub struct PeerIo {
    io: TlsStream<TcpStream>,
    peer: Peer,
}

impl Connected for PeerIo {
    type ConnectInfo = Peer;

    fn connect_info(&self) -> Peer {
        self.peer.clone()
    }
}

impl AsyncRead for PeerIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for PeerIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl ServiceTls {
    /// The connections `listener` accepts, each after a mutual TLS handshake (done on a task
    /// of its own, so a slow client holds up nobody). A refused handshake is logged with its
    /// cause: no certificate, one from another CA, an expired one. Accepting stops when the
    /// stream is dropped.
    pub fn incoming(&self, listener: TcpListener) -> ReceiverStream<std::io::Result<PeerIo>> {
        let acceptor = TlsAcceptor::from(self.server.clone());
        let (tx, rx) = mpsc::channel(64);
        let serving = self.service();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = tx.closed() => return,
                    accepted = listener.accept() => accepted,
                };
                let (tcp, addr) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, service = %serving, "accepting a gRPC connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // Without TCP_NODELAY, Nagle's algorithm and delayed ACKs add ~40 ms a call.
                let _ = tcp.set_nodelay(true);
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(io)) => {
                            let service = io
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|certs| certs.first())
                                .and_then(service_named_by);
                            let peer = Peer { addr, service };
                            let _ = tx.send(Ok(PeerIo { io, peer })).await;
                        }
                        Ok(Err(error)) => tracing::warn!(
                            peer = %addr, service = %serving, %error,
                            "refused a gRPC connection: its TLS handshake failed"
                        ),
                        Err(_) => tracing::warn!(
                            peer = %addr, service = %serving,
                            "refused a gRPC connection: no TLS handshake within 10 s"
                        ),
                    }
                });
            }
        });
        ReceiverStream::new(rx)
    }
}
