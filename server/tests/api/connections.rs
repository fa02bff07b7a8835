//! The listener's own limits, over real sockets: a client that trickles its
//! header or sits idle is cut off, and connections over the cap get a 503.

use std::{net::SocketAddr, time::Duration};

use server::{Application, Config};
use sqlx::PgPool;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
    time::{Instant, timeout},
};

/// A served application on a free port; dropping the sender stops it.
async fn serve(
    pool: PgPool,
    adjust: impl FnOnce(&mut Config),
) -> (SocketAddr, oneshot::Sender<()>) {
    let mut config = Config::default_for_tests();
    config.listen = "127.0.0.1:0".parse().expect("address");
    adjust(&mut config);
    let app = Application::with_database(config, pool.into())
        .await
        .expect("application");
    let address = app.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        stopped.await.ok();
    }));
    (address, stop)
}

/// Reads until the server closes the connection (or `limit` passes).
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut answer = Vec::new();
    match timeout(limit, stream.read_to_end(&mut answer)).await {
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(_) => None,
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_header_trickled_slower_than_the_timeout_is_cut_off(pool: PgPool) {
    let (address, _stop) = serve(pool, |config| config.header_read_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .expect("part of a header");
    let started = Instant::now();

    let closed = read_until_closed(&mut stream, Duration::from_secs(10)).await;

    assert!(closed.is_some(), "the connection stayed open");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed before the timeout"
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_idle_keep_alive_connection_is_closed_after_the_timeout(pool: PgPool) {
    let (address, _stop) = serve(pool, |config| config.header_read_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("a request");

    let answer = read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("closed once idle");

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn connections_over_the_cap_are_answered_503_and_closed(pool: PgPool) {
    let (address, _stop) = serve(pool, |config| config.max_connections = 2).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(address).await.expect("connect");
        // A full exchange proves the server has taken the connection in.
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .expect("a request");
        let mut buffer = [0_u8; 12];
        stream.read_exact(&mut buffer).await.expect("an answer");
        held.push(stream);
    }

    let mut third = TcpStream::connect(address).await.expect("connect");
    let answer = read_until_closed(&mut third, Duration::from_secs(5))
        .await
        .expect("answered and closed");

    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    drop(held);
}
