//! A minimal HTTP/1.1 client for loopback load: one kept-alive TCP
//! connection per benchmark client, one request in flight at a time, as a
//! browser or API client with a connection of its own behaves.
//!
//! Built directly on hyper's connection API (already in the dependency
//! tree through axum), so the client costs as little CPU as possible on a
//! machine it shares with the server and PostgreSQL.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::{
    HeaderMap, Method, Request, StatusCode,
    body::Bytes,
    client::conn::http1::{self, SendRequest},
    header,
};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpStream, task::JoinHandle};

/// Longest wait for one answer, so that no client loop can hang: above the
/// server's own request timeout (15 s by default), which answers first.
pub const ANSWER_LIMIT: Duration = Duration::from_secs(30);

/// One kept-alive connection to the server.
#[derive(Debug)]
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    /// Drives the connection's I/O; stopped when the connection is dropped.
    driver: JoinHandle<()>,
    host: String,
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Connection {
    /// Connects to `address`, which must be a loopback address: the
    /// benchmark sends traffic nowhere else.
    pub async fn open(address: SocketAddr) -> anyhow::Result<Self> {
        anyhow::ensure!(
            address.ip().is_loopback(),
            "the benchmark only talks to loopback, not {address}"
        );
        let stream = TcpStream::connect(address)
            .await
            .with_context(|| format!("cannot connect to {address}"))?;
        // Requests are small and written at once; never wait for an ACK.
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(async move {
            // A connection ends when either side closes it; the request
            // that was using it reports the error.
            connection.await.ok();
        });
        Ok(Self {
            sender,
            driver,
            host: address.to_string(),
        })
    }

    /// Sends one request and reads the whole answer. `body` is JSON.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Bytes>,
    ) -> anyhow::Result<Reply> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host);
        if let Some(token) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Full::new(json)
            }
            None => Full::new(Bytes::new()),
        };
        let request = request.body(body)?;
        let exchange = async {
            self.sender
                .ready()
                .await
                .context("the connection was closed")?;
            let response = self.sender.send_request(request).await?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.into_body().collect().await?.to_bytes();
            Ok(Reply {
                status,
                headers,
                body,
            })
        };
        tokio::time::timeout(ANSWER_LIMIT, exchange)
            .await
            .with_context(|| format!("no answer within {ANSWER_LIMIT:?}"))?
    }

    /// `GET path`, which must answer 200 with JSON.
    pub async fn get_json(&mut self, path: &str) -> anyhow::Result<serde_json::Value> {
        let reply = self.send(Method::GET, path, None, None).await?;
        if reply.status != StatusCode::OK {
            anyhow::bail!(
                "GET {path} answered {}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            );
        }
        Ok(serde_json::from_slice(&reply.body)?)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}
