//! Per-client rate limits as middleware: a global budget for every API call
//! and page, and a much smaller one for sign-in and sign-up. The counting
//! itself ([`Limiter`]: Redis for the whole deployment, or in process) lives
//! in `shared_state`; this module decides who the client is and answers 429.
//!
//! The client is the socket's peer address. `X-Forwarded-For` is believed
//! only when that peer is a configured trusted proxy, and then only its
//! rightmost entry that is not itself a trusted proxy: everything left of
//! that was written by the client and proves nothing. Every header line
//! counts (a client may send its own line before the proxy adds one), in
//! order, as if joined by commas (RFC 9110, 5.3). IPv6 clients are limited
//! per /64, the smallest network a provider usually hands one customer.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Request},
    response::{IntoResponse, Response},
};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use tower::{Layer, Service};

use super::{metrics::Metrics, problem::ApiError};
use crate::{
    error::Error,
    shared_state::{Limiter, Verdict},
};

/// An address or network (`10.0.0.0/8`, `::1`) whose forwarded headers we
/// believe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(IpNet);

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let network = match text.parse::<IpNet>() {
            Ok(network) => network,
            Err(_) if text.contains('/') => {
                return Err(format!("`{text}` has an invalid prefix length"));
            }
            Err(_) => IpNet::from(
                text.parse::<IpAddr>()
                    .map_err(|_| format!("`{text}` is not an IP address or CIDR network"))?,
            ),
        };
        Ok(Self(network.trunc()))
    }
}

impl TrustedProxy {
    fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&canonical(ip))
    }
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, a dual-stack socket's view of an
/// IPv4 peer) is the IPv4 address it carries.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// One `X-Forwarded-For` entry: an address, optionally with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`) or in brackets (`[2001:db8::1]`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|inner| inner.strip_suffix(']'))
                .and_then(|inner| inner.parse().ok())
        })?;
    Some(canonical(ip))
}

/// The rate-limit key of a client address: itself for IPv4, its /64 for
/// IPv6.
pub fn client_key(ip: IpAddr) -> IpNet {
    match canonical(ip) {
        IpAddr::V4(v4) => IpNet::V4(Ipv4Net::from(v4)),
        IpAddr::V6(v6) => IpNet::V6(
            Ipv6Net::new(v6, 64)
                .expect("64 is a valid IPv6 prefix")
                .trunc(),
        ),
    }
}

/// Finds the client of a request, as described in the module docs.
#[derive(Debug, Clone)]
pub struct ClientIp {
    trusted: Arc<[TrustedProxy]>,
}

impl ClientIp {
    pub fn new(trusted: &[TrustedProxy]) -> Self {
        Self {
            trusted: trusted.into(),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|proxy| proxy.contains(ip))
    }

    /// The client address of a request whose socket peer is `peer`, given
    /// its `X-Forwarded-For` lines in the order received (`None` for a
    /// line that is not text).
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl DoubleEndedIterator<Item = Option<&'a str>>,
    ) -> IpAddr {
        let mut client = canonical(peer);
        if !self.is_trusted(client) {
            return client;
        }
        // From the right: each hop we trust tells us who spoke to it. An
        // entry we cannot read ends the walk at the last hop we could.
        for line in forwarded_for.rev() {
            let Some(line) = line else {
                return client;
            };
            for entry in line.rsplit(',') {
                let Some(ip) = parse_entry(entry) else {
                    return client;
                };
                client = ip;
                if !self.is_trusted(ip) {
                    return client;
                }
            }
        }
        client
    }

    /// The client address of `request`.
    pub fn of_request<B>(&self, request: &Request<B>) -> IpAddr {
        // Requests driven in memory (tests) have no socket: one shared key.
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(address)| {
                address.ip()
            });
        self.client(peer, forwarded_lines(request.headers()))
    }
}

fn forwarded_lines(headers: &HeaderMap) -> impl DoubleEndedIterator<Item = Option<&str>> + use<'_> {
    headers
        .get_all("x-forwarded-for")
        .into_iter()
        .map(|value| value.to_str().ok())
}

/// Middleware that counts each request against one [`Limiter`] and answers
/// 429 with `Retry-After` when the client is over its budget.
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    limiter: Arc<Limiter>,
    client_ip: ClientIp,
    metrics: Arc<Metrics>,
}

/// The budget `limiter`, keyed by `client_ip`.
pub fn layer(limiter: Arc<Limiter>, client_ip: ClientIp, metrics: Arc<Metrics>) -> RateLimitLayer {
    RateLimitLayer {
        limiter,
        client_ip,
        metrics,
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimited<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimited {
            inner,
            limit: self.clone(),
        }
    }
}

/// The service [`RateLimitLayer`] wraps around a route.
#[derive(Debug, Clone)]
pub struct RateLimited<S> {
    inner: S,
    limit: RateLimitLayer,
}

impl<S> Service<Request<Body>> for RateLimited<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        let limit = self.limit.clone();
        Box::pin(async move {
            let key = client_key(limit.client_ip.of_request(&request));
            let verdict = limit.limiter.check(key).await;
            limit
                .metrics
                .rate_limit_decision(limit.limiter.name(), verdict);
            match verdict {
                Verdict::Allowed { .. } => inner.call(request).await,
                Verdict::Limited { retry_after, .. } => Ok(too_many_requests(retry_after)),
            }
        })
    }
}

fn too_many_requests(retry_after: Duration) -> Response {
    // Whole seconds, rounded up, at least 1.
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    ApiError::from(Error::RateLimited {
        retry_after_secs: seconds.max(1),
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn proxies(list: &[&str]) -> ClientIp {
        let parsed: Vec<TrustedProxy> = list.iter().map(|p| p.parse().expect("proxy")).collect();
        ClientIp::new(&parsed)
    }

    /// The client for `peer` with these `X-Forwarded-For` lines.
    fn client(key: &ClientIp, peer: &str, lines: &[&str]) -> IpAddr {
        key.client(ip(peer), lines.iter().map(|line| Some(*line)))
    }

    #[test]
    fn without_trusted_proxies_the_socket_peer_is_the_client() {
        let key = proxies(&[]);
        assert_eq!(client(&key, "203.0.113.9", &["1.2.3.4"]), ip("203.0.113.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry_is_the_client() {
        let key = proxies(&["10.0.0.0/8"]);
        // The client wrote "6.6.6.6" itself; the proxy appended the real peer.
        let header = "6.6.6.6, 198.51.100.7, 10.0.0.3";
        assert_eq!(client(&key, "10.0.0.2", &[header]), ip("198.51.100.7"));
    }

    #[test]
    fn every_header_line_counts_and_the_last_line_is_the_proxys() {
        let key = proxies(&["127.0.0.1"]);
        // The client sent its own line first; the proxy added a second one.
        assert_eq!(
            client(&key, "127.0.0.1", &["6.6.6.6", "198.51.100.7"]),
            ip("198.51.100.7")
        );
        // Reading only the first line would have let the client choose.
        assert_eq!(
            client(&key, "127.0.0.1", &["6.6.6.6, 7.7.7.7", "198.51.100.7"]),
            ip("198.51.100.7")
        );
        // Lines are one list: trusted hops are skipped across lines.
        let chain = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            client(&chain, "127.0.0.1", &["6.6.6.6, 198.51.100.7", "10.1.2.3"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn entries_with_ports_and_brackets_are_understood() {
        let key = proxies(&["127.0.0.1"]);
        assert_eq!(client(&key, "127.0.0.1", &["1.2.3.4:5678"]), ip("1.2.3.4"));
        assert_eq!(
            client(&key, "127.0.0.1", &["[2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
        assert_eq!(
            client(&key, "127.0.0.1", &["[2001:db8::1]"]),
            ip("2001:db8::1")
        );
        assert_eq!(
            client(&key, "127.0.0.1", &[" 2001:db8::1 "]),
            ip("2001:db8::1")
        );
        assert_eq!(
            client(&key, "127.0.0.1", &["::ffff:198.51.100.7"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_key_with_forwarded_headers() {
        let key = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            client(&key, "198.51.100.7", &["10.0.0.1"]),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn an_unreadable_entry_stops_the_walk_at_the_last_readable_hop() {
        let key = proxies(&["127.0.0.1"]);
        assert_eq!(client(&key, "127.0.0.1", &["not-an-ip"]), ip("127.0.0.1"));
        assert_eq!(client(&key, "127.0.0.1", &["1.2.3.4,"]), ip("127.0.0.1"));
        assert_eq!(client(&key, "127.0.0.1", &[]), ip("127.0.0.1"));
        // Garbage the client wrote left of the proxy's entry changes nothing.
        assert_eq!(
            client(&key, "127.0.0.1", &["garbage", "198.51.100.7"]),
            ip("198.51.100.7")
        );
        let not_text = [Some("198.51.100.7"), None];
        assert_eq!(
            key.client(ip("127.0.0.1"), not_text.into_iter()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_ipv4_by_address() {
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            "2001:db8:1:2::/64".parse::<IpNet>().expect("net")
        );
        assert_eq!(
            client_key(ip("2001:db8:1:2:ffff::9")),
            client_key(ip("2001:db8:1:2::1"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:3::1")),
            client_key(ip("2001:db8:1:2::1"))
        );
        assert_eq!(
            client_key(ip("198.51.100.7")),
            "198.51.100.7/32".parse::<IpNet>().expect("net")
        );
        assert_eq!(
            client_key(ip("::ffff:198.51.100.7")),
            client_key(ip("198.51.100.7"))
        );
    }

    #[test]
    fn networks_match_by_prefix_including_ipv4_mapped_ipv6() {
        let net: TrustedProxy = "192.168.0.0/16".parse().expect("net");
        assert!(net.contains(ip("192.168.44.1")));
        assert!(!net.contains(ip("192.169.0.1")));
        assert!(net.contains(ip("::ffff:192.168.1.1")));
        let v6: TrustedProxy = "fd00::/8".parse().expect("net");
        assert!(v6.contains(ip("fd12::1")));
        let single: TrustedProxy = "127.0.0.1".parse().expect("address");
        assert!(single.contains(ip("127.0.0.1")));
        assert!(!single.contains(ip("127.0.0.2")));
        // Host bits set in the network are ignored, as `ip route` does.
        let sloppy: TrustedProxy = "10.1.2.3/8".parse().expect("net");
        assert!(sloppy.contains(ip("10.200.0.1")));
        assert!("10.0.0.0/33".parse::<TrustedProxy>().is_err());
        assert!("nonsense".parse::<TrustedProxy>().is_err());
    }
}
