//! The connection to Redis and its health, as every request sees it.
//!
//! One `fred` client per instance, configured so that Redis can never hold
//! a request up: a 250 ms timeout on every command, no retries, a bounded
//! command buffer, reconnection with backoff, and the unresponsive-connection
//! detector (a frozen Redis keeps its socket open and never answers, which a
//! timeout alone does not notice). After the first failed command the link
//! is *degraded*: requests skip Redis altogether (they use the in-process
//! counters) until a background `PING`, once a second, is answered again.
//! One log line per change of state, never one per request.

use std::{
    fmt,
    str::FromStr,
    sync::{
        Arc, Weak,
        atomic::{AtomicU8, Ordering},
    },
    time::Duration,
};

use fred::{
    prelude::{
        Builder, Client, ClientLike, Config as FredConfig, LuaInterface, Options, ReconnectPolicy,
    },
    types::config::UnresponsiveConfig,
};
use prometheus_client::metrics::{counter::Counter, gauge::Gauge};

/// The longest a request waits for Redis before it counts in process.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// How often a background `PING` checks Redis (and brings it back).
const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// A connection whose oldest command waits longer than this is closed and
/// reconnected (a frozen Redis).
const UNRESPONSIVE_AFTER: Duration = Duration::from_millis(500);
/// Commands queued while (re)connecting; more are refused at once.
const COMMAND_BUFFER: usize = 1024;
/// Reconnection delays: 100 ms doubling up to 2 s, forever.
const RECONNECT_MIN_MS: u32 = 100;
const RECONNECT_MAX_MS: u32 = 2_000;

/// GCRA (generic cell rate algorithm) on one key per client: the value is
/// the client's theoretical arrival time (TAT) in microseconds of Redis'
/// own clock, so instances need no synchronised clocks. `ARGV[1]` is the
/// emission interval (window / limit) in microseconds, `ARGV[2]` the burst
/// (the limit). Answers `{1, 0}` (allowed, counted) or `{0, wait µs}`.
/// `replicate_commands` makes `TIME` legal before Redis 5 (a no-op since).
const GCRA_LUA: &str = r"
redis.replicate_commands()
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if allow_at > now then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {1, 0}
";

/// A validated `REDIS_URL`; its `Debug` never shows a password.
#[derive(Clone)]
pub struct RedisUrl {
    config: FredConfig,
    shown: String,
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl FromStr for RedisUrl {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        // One Redis over plain TCP (a private network or loopback): this
        // build has no TLS, cluster or sentinel support.
        if !url.starts_with("redis://") {
            return Err(format!("`{url}`: a Redis URL starts with redis://"));
        }
        let config =
            FredConfig::from_url(url).map_err(|error| format!("not a Redis URL: {error}"))?;
        // Refused here, at start-up, rather than when the link is built.
        builder(config.clone())
            .build()
            .map_err(|error| format!("unusable Redis URL: {error}"))?;
        let shown = match url.split_once("://") {
            Some((scheme, rest)) => {
                let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                format!("{scheme}://{host}")
            }
            None => url.to_owned(),
        };
        Ok(Self { config, shown })
    }
}

fn builder(config: FredConfig) -> Builder {
    let mut builder = Builder::from_config(config);
    builder
        // A Redis that is down at start-up is reconnected to like one that
        // went away later, instead of failing the client for good.
        .with_config(|config| config.fail_fast = false)
        .with_performance_config(|performance| {
            performance.default_command_timeout = COMMAND_TIMEOUT;
        })
        .with_connection_config(|connection| {
            connection.connection_timeout = Duration::from_secs(1);
            connection.internal_command_timeout = Duration::from_secs(1);
            // A failed command falls back to the in-process counters; a
            // retry would only make the request wait longer.
            connection.max_command_attempts = 1;
            connection.max_command_buffer_len = COMMAND_BUFFER;
            connection.unresponsive = UnresponsiveConfig {
                max_timeout: Some(UNRESPONSIVE_AFTER),
                interval: Duration::from_millis(100),
            };
        })
        .set_policy(ReconnectPolicy::new_exponential(
            0,
            RECONNECT_MIN_MS,
            RECONNECT_MAX_MS,
            2,
        ));
    builder
}

/// What `/readyz` and the metrics say about Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisStatus {
    /// No `REDIS_URL`: one instance, counters in process.
    Off,
    /// Counters are shared through Redis.
    Up,
    /// Redis is configured but not answering (or not yet): counters in
    /// process until the probe sees it again.
    Degraded,
}

impl RedisStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Up => "ok",
            Self::Degraded => "degraded",
        }
    }
}

const STARTING: u8 = 0;
const UP: u8 = 1;
const DEGRADED: u8 = 2;

/// One instance's link to Redis.
pub struct RedisLink {
    client: Client,
    state: AtomicU8,
    script_sha: String,
    shown: String,
    errors: Counter,
    up: Gauge,
}

impl fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLink")
            .field("redis", &self.shown)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// Whether a GCRA check let the request through, as Redis decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GcraAnswer {
    pub allowed: bool,
    pub retry_after: Duration,
}

impl RedisLink {
    /// Builds the client, starts connecting and probing in the background
    /// and returns at once.
    pub(crate) fn start(url: &RedisUrl) -> Arc<Self> {
        let client = builder(url.config.clone())
            .build()
            .expect("the same settings were built when the URL was parsed");
        // The task drives the connection and reconnects forever; requests
        // never wait for it.
        drop(client.connect());
        let link = Arc::new(Self {
            client,
            state: AtomicU8::new(STARTING),
            script_sha: fred::util::sha1_hash(GCRA_LUA),
            shown: url.shown.clone(),
            errors: Counter::default(),
            up: Gauge::default(),
        });
        tokio::spawn(probe(Arc::downgrade(&link)));
        link
    }

    pub fn status(&self) -> RedisStatus {
        match self.state.load(Ordering::Acquire) {
            UP => RedisStatus::Up,
            _ => RedisStatus::Degraded,
        }
    }

    /// Commands that failed or timed out, the probe's included.
    pub fn errors(&self) -> Counter {
        self.errors.clone()
    }

    /// 1 while counters are shared through Redis, else 0.
    pub fn up_gauge(&self) -> Gauge {
        self.up.clone()
    }

    /// The client with this module's per-command settings.
    fn commands(&self) -> fred::clients::WithOptions<Client> {
        self.client.with_options(&Options {
            timeout: Some(COMMAND_TIMEOUT),
            max_attempts: Some(1),
            // Disconnected: an error at once, not a wait for reconnection.
            fail_fast: true,
            ..Options::default()
        })
    }

    /// One GCRA step on `key`, or `None` when Redis is degraded or fails now
    /// (the caller counts in process instead).
    pub(crate) async fn gcra(
        &self,
        key: &str,
        interval: Duration,
        burst: u32,
    ) -> Option<GcraAnswer> {
        if self.state.load(Ordering::Acquire) != UP {
            return None;
        }
        let interval_us = i64::try_from(interval.as_micros().max(1)).unwrap_or(i64::MAX);
        let args = vec![interval_us, i64::from(burst)];
        let commands = self.commands();
        let answer: Result<Vec<i64>, fred::error::Error> = match commands
            .evalsha(self.script_sha.as_str(), key, args.clone())
            .await
        {
            // Redis restarted and lost its script cache: EVAL loads it again.
            Err(error) if error.details().starts_with("NOSCRIPT") => {
                commands.eval(GCRA_LUA, key, args).await
            }
            other => other,
        };
        match answer.as_deref() {
            Ok(&[allowed, wait_us]) => Some(GcraAnswer {
                allowed: allowed == 1,
                retry_after: Duration::from_micros(u64::try_from(wait_us).unwrap_or(0)),
            }),
            Ok(other) => {
                self.mark_down(&format!("unexpected GCRA answer {other:?}"));
                None
            }
            Err(error) => {
                self.mark_down(error);
                None
            }
        }
    }

    fn mark_down(&self, error: &dyn fmt::Display) {
        self.errors.inc();
        if self.state.swap(DEGRADED, Ordering::AcqRel) != DEGRADED {
            self.up.set(0);
            tracing::warn!(
                redis = %self.shown,
                %error,
                "Redis is not answering: rate limits use this instance's own counters until it does"
            );
        }
    }

    fn mark_up(&self) {
        if self.state.swap(UP, Ordering::AcqRel) != UP {
            self.up.set(1);
            tracing::info!(
                redis = %self.shown,
                "Redis answers: rate limits are shared by every instance"
            );
        }
    }
}

impl Drop for RedisLink {
    fn drop(&mut self) {
        // Ends the connection task and its reconnection loop.
        let client = self.client.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _closed = client.quit().await;
            });
        }
    }
}

/// Pings Redis every second while the link exists: a success brings
/// requests back to Redis, a failure sends them to the in-process counters
/// before any request has to find out.
async fn probe(link: Weak<RedisLink>) {
    // The first attempt to connect is under way: give it the time it is
    // allowed (not a request's time: requests count in process meanwhile),
    // so a Redis that is up at start-up is not logged as unavailable.
    if let Some(link) = link.upgrade()
        && !link.client.is_connected()
    {
        let first = link.client.wait_for_connect();
        let _connected = tokio::time::timeout(Duration::from_secs(2), first).await;
    }
    let mut tick = tokio::time::interval(PROBE_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(link) = link.upgrade() else {
            break;
        };
        match link.commands().ping::<String>(None).await {
            Ok(_) => link.mark_up(),
            Err(error) => link.mark_down(&error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_shown_in_logs_has_no_password() {
        let url: RedisUrl = "redis://user:secret@cache.internal:6380/0"
            .parse()
            .expect("url");
        assert_eq!(url.to_string(), "redis://cache.internal:6380/0");
        assert!(!format!("{url:?}").contains("secret"));
        assert!("http://nope".parse::<RedisUrl>().is_err());
    }
}
