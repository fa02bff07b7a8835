//! Per-client rate limits (`tower_governor`): a global budget for every API
//! call and page, and a much smaller one for sign-in and sign-up.
//!
//! The client is the socket's peer address. `X-Forwarded-For` is believed
//! only when that peer is a configured trusted proxy, and then only its
//! rightmost entry that is not itself a trusted proxy: everything left of
//! that was written by the client and proves nothing.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, Response},
    response::IntoResponse,
};
use governor::middleware::NoOpMiddleware;
use tower_governor::{
    GovernorError, GovernorLayer,
    governor::{GovernorConfig, GovernorConfigBuilder},
    key_extractor::KeyExtractor,
};

use super::problem::ApiError;
use crate::error::Error;

/// An address or network (`10.0.0.0/8`, `::1`) whose forwarded headers we
/// believe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    network: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = text
            .split_once('/')
            .map_or((text, None), |(a, p)| (a, Some(p)));
        let network: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or CIDR network"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{text}` has an invalid prefix length"))?,
            None => max,
        };
        Ok(Self { network, prefix })
    }
}

impl TrustedProxy {
    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Keys requests by client address, as described in the module docs.
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

    /// The client address of a request whose socket peer is `peer`.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        forwarded_for
            .into_iter()
            .flat_map(|header| header.rsplit(','))
            .map_while(|entry| entry.trim().parse::<IpAddr>().ok())
            .find(|ip| !self.is_trusted(*ip))
            .unwrap_or(peer)
    }
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        // Requests driven in memory (tests) have no socket: one shared key.
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(address)| {
                address.ip()
            });
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok());
        Ok(self.client(peer, forwarded))
    }
}

/// The middleware [`layer`] builds.
pub type RateLimitLayer = GovernorLayer<ClientIp, NoOpMiddleware, Body>;

/// `requests` per `window` per client, with bursts up to `requests`.
pub fn layer(requests: u32, window: Duration, key: ClientIp) -> RateLimitLayer {
    let requests = requests.max(1);
    let period = (window / requests).max(Duration::from_millis(1));
    let config = Arc::new(
        GovernorConfigBuilder::default()
            .period(period)
            .burst_size(requests)
            .key_extractor(key)
            .finish()
            .expect("period and burst size are both at least 1"),
    );
    prune_periodically(&config);
    GovernorLayer::new(config).error_handler(too_many_requests)
}

/// Forgets clients whose budget is full again, so memory stays bounded by
/// the clients of the last window. Stops when the layer is dropped.
fn prune_periodically(config: &Arc<GovernorConfig<ClientIp, NoOpMiddleware>>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let config = Arc::downgrade(config);
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_mins(1));
        loop {
            tick.tick().await;
            let Some(config) = config.upgrade() else {
                break;
            };
            config.limiter().retain_recent();
            config.limiter().shrink_to_fit();
        }
    });
}

fn too_many_requests(error: GovernorError) -> Response<Body> {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => ApiError::from(Error::RateLimited {
            retry_after_secs: wait_time.max(1),
        })
        .into_response(),
        other => ApiError::from(Error::Internal(anyhow::anyhow!("rate limiter: {other}")))
            .into_response(),
    }
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

    #[test]
    fn without_trusted_proxies_the_socket_peer_is_the_client() {
        let key = proxies(&[]);
        assert_eq!(
            key.client(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry_is_the_client() {
        let key = proxies(&["10.0.0.0/8"]);
        // The client wrote "6.6.6.6" itself; the proxy appended the real peer.
        let header = "6.6.6.6, 198.51.100.7, 10.0.0.3";
        assert_eq!(key.client(ip("10.0.0.2"), Some(header)), ip("198.51.100.7"));
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_key_with_forwarded_headers() {
        let key = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            key.client(ip("198.51.100.7"), Some("10.0.0.1")),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn garbage_in_the_header_stops_the_walk_at_the_peer() {
        let key = proxies(&["127.0.0.1"]);
        assert_eq!(
            key.client(ip("127.0.0.1"), Some("not-an-ip")),
            ip("127.0.0.1")
        );
        assert_eq!(key.client(ip("127.0.0.1"), None), ip("127.0.0.1"));
    }

    #[test]
    fn networks_match_by_prefix_including_ipv4_mapped_ipv6() {
        let net: TrustedProxy = "192.168.0.0/16".parse().expect("net");
        assert!(net.contains(ip("192.168.44.1")));
        assert!(!net.contains(ip("192.169.0.1")));
        assert!(net.contains(ip("::ffff:192.168.1.1")));
        let v6: TrustedProxy = "fd00::/8".parse().expect("net");
        assert!(v6.contains(ip("fd12::1")));
        assert!("10.0.0.0/33".parse::<TrustedProxy>().is_err());
        assert!("nonsense".parse::<TrustedProxy>().is_err());
    }
}
