//! State that every instance of a deployment shares: today the rate-limit
//! counters, kept in Redis (through `fred`) when `REDIS_URL` is set and in
//! the process otherwise.
//!
//! Redis is never a source of truth: a booking decision, a session or
//! anything else the product must not lose lives in PostgreSQL. When Redis
//! is away or frozen, every instance falls back to its own counters within
//! one command timeout, and goes back to Redis by itself when a background
//! probe sees it answer again (ADR 0008).
//!
//! This module knows nothing of HTTP: it counts per key, and the HTTP layer
//! decides what a key is and what a refusal looks like.

mod limiter;
mod redis;

use std::sync::Arc;

pub use limiter::{Limiter, Store, Verdict};
pub use redis::{RedisLink, RedisStatus, RedisUrl};

/// The link to Redis, if the deployment has one; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SharedState {
    redis: Option<Arc<RedisLink>>,
}

impl SharedState {
    /// One instance on its own: every counter in process.
    pub fn single_instance() -> Self {
        Self::default()
    }

    /// Starts connecting to Redis in the background and returns at once: a
    /// Redis that is down at start-up only means the in-process counters
    /// are used until it answers. Needs a Tokio runtime.
    pub fn connect(url: &RedisUrl) -> Self {
        Self {
            redis: Some(RedisLink::start(url)),
        }
    }

    /// From the settings: Redis when `REDIS_URL` is set.
    pub fn from_config(config: &crate::Config) -> Self {
        config
            .redis_url
            .as_ref()
            .map_or_else(Self::single_instance, Self::connect)
    }

    /// Whether counters are shared right now.
    pub fn redis_status(&self) -> RedisStatus {
        self.redis
            .as_ref()
            .map_or(RedisStatus::Off, |link| link.status())
    }

    /// The link itself (metrics read its counters).
    pub fn redis(&self) -> Option<&Arc<RedisLink>> {
        self.redis.as_ref()
    }
}
