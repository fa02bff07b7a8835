//! What the figures were measured on: CPUs, load, PostgreSQL and its
//! durability settings. Read-only; Linux `/proc` where available.

use sqlx::PgPool;

/// The machine and database a run measured.
#[derive(Debug)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub postgres: String,
    pub fsync: String,
    pub synchronous_commit: String,
    pub shared_buffers: String,
}

impl Machine {
    pub async fn describe(pool: &PgPool) -> anyhow::Result<Self> {
        let (postgres, fsync, synchronous_commit, shared_buffers): (
            String,
            String,
            String,
            String,
        ) = sqlx::query_as(
            "select version(), current_setting('fsync'),
                        current_setting('synchronous_commit'), current_setting('shared_buffers')",
        )
        .fetch_one(pool)
        .await?;
        Ok(Self {
            cpus: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown CPU".to_owned()),
            postgres,
            fsync,
            synchronous_commit,
            shared_buffers,
        })
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

/// The 1, 5 and 15 minute load averages, as the kernel prints them: other
/// work on a shared machine shows up here.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}
