//! A rate limit ("`requests` per `window` per client, bursts up to
//! `requests`"), counted by GCRA in Redis for the whole deployment, or in
//! this process when there is no Redis or it is degraded.
//!
//! The in-process counters (`governor`, the same GCRA) see every request,
//! also while Redis decides: when Redis fails, a client keeps what it has
//! spent on this instance instead of getting a fresh budget. They are pruned
//! every minute, so memory stays bounded by the clients of the last window.

use std::{sync::Arc, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use ipnet::IpNet;

use super::{RedisLink, SharedState};

/// Where a decision was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Redis,
    Local,
}

impl Store {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Redis => "redis",
            Self::Local => "local",
        }
    }
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed { store: Store },
    Limited { retry_after: Duration, store: Store },
}

/// One named budget (e.g. `general`, `sign_in`).
pub struct Limiter {
    name: &'static str,
    burst: u32,
    interval: Duration,
    local: DefaultKeyedRateLimiter<IpNet>,
    redis: Option<Arc<RedisLink>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("name", &self.name)
            .field("burst", &self.burst)
            .field("interval", &self.interval)
            .field("redis", &self.redis)
            .finish_non_exhaustive()
    }
}

impl Limiter {
    /// `requests` per `window` per client; Redis keys are
    /// `roombook:rate:<name>:<client>`.
    pub fn new(
        name: &'static str,
        requests: u32,
        window: Duration,
        shared: &SharedState,
    ) -> Arc<Self> {
        let burst = requests.max(1);
        let interval = (window / burst).max(Duration::from_micros(1));
        let quota = Quota::with_period(interval)
            .expect("the interval is at least 1 µs")
            .allow_burst(std::num::NonZeroU32::new(burst).expect("burst is at least 1"));
        let limiter = Arc::new(Self {
            name,
            burst,
            interval,
            local: RateLimiter::keyed(quota),
            redis: shared.redis().cloned(),
        });
        prune_periodically(&limiter);
        limiter
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Counts one request of `client` (an address or, for IPv6, its /64).
    pub async fn check(&self, client: IpNet) -> Verdict {
        let local = self.local.check_key(&client);
        if let Some(redis) = &self.redis {
            let key = format!("roombook:rate:{}:{client}", self.name);
            if let Some(answer) = redis.gcra(&key, self.interval, self.burst).await {
                return if answer.allowed {
                    Verdict::Allowed {
                        store: Store::Redis,
                    }
                } else {
                    Verdict::Limited {
                        retry_after: answer.retry_after,
                        store: Store::Redis,
                    }
                };
            }
        }
        match local {
            Ok(()) => Verdict::Allowed {
                store: Store::Local,
            },
            Err(not_until) => Verdict::Limited {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
                store: Store::Local,
            },
        }
    }

    /// Clients tracked in process right now (bounded by pruning).
    pub fn local_clients(&self) -> usize {
        self.local.len()
    }
}

/// Forgets clients whose budget is full again, every minute, until the
/// limiter is dropped.
fn prune_periodically(limiter: &Arc<Limiter>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let limiter = Arc::downgrade(limiter);
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_mins(1));
        loop {
            tick.tick().await;
            let Some(limiter) = limiter.upgrade() else {
                break;
            };
            limiter.local.retain_recent();
            limiter.local.shrink_to_fit();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(text: &str) -> IpNet {
        text.parse().expect("net")
    }

    #[tokio::test]
    async fn without_redis_the_budget_is_counted_in_process_per_client() {
        let limiter = Limiter::new(
            "test",
            2,
            Duration::from_mins(1),
            &SharedState::single_instance(),
        );
        let a = client("203.0.113.1/32");
        for _ in 0..2 {
            assert_eq!(
                limiter.check(a).await,
                Verdict::Allowed {
                    store: Store::Local
                }
            );
        }
        let Verdict::Limited { retry_after, store } = limiter.check(a).await else {
            panic!("the third request must be limited");
        };
        assert_eq!(store, Store::Local);
        assert!(retry_after <= Duration::from_secs(30), "{retry_after:?}");
        assert!(matches!(
            limiter.check(client("203.0.113.2/32")).await,
            Verdict::Allowed { .. }
        ));
        assert_eq!(limiter.local_clients(), 2);
    }
}
