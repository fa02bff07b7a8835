//! The raw SQL search query through `pgbench`: the ceiling of the SQL
//! search path, to compare the index's HTTP throughput with (issue 12:
//! at least 5 times it).
//!
//! The script is the query `server::rooms::repo::search` sends for the
//! benchmark's searches (2 guests, 1 unit, no price bounds, cheapest first,
//! the first page of 20 plus the one that says another page follows), with
//! the same random check-in and stay length drawn by `\set ... random()`,
//! run as a prepared statement as sqlx runs it.

use std::{fmt::Write as _, path::PathBuf, process::Stdio, time::Duration};

use anyhow::{Context, bail};
use tokio::process::Command;

use crate::scenarios::Searches;

/// What one pgbench run gave.
#[derive(Debug, Clone, Copy, Default)]
pub struct Run {
    /// Transactions (one query each), failed ones excluded.
    pub transactions: u64,
    pub seconds: u64,
}

impl Run {
    pub fn merge(&mut self, other: Self) {
        self.transactions += other.transactions;
        self.seconds += other.seconds;
    }

    pub fn per_second(self) -> u64 {
        self.transactions / self.seconds.max(1)
    }
}

/// The pgbench script for `searches` (check-in dates are literals: the
/// seeded calendar is fixed for the run).
pub fn script(searches: Searches) -> String {
    let mut sql = String::new();
    let _ = writeln!(
        sql,
        "\\set nights random({}, {})",
        searches.min_nights, searches.max_nights
    );
    let _ = writeln!(sql, "\\set offset random(0, {})", searches.span());
    let first = searches.first;
    let _ = write!(
        sql,
        "with offers as (
    select r.id, r.name, r.description, r.capacity, r.currency,
           count(*)::int4 as nights,
           min(a.price_cents)::int8 as nightly_from_cents,
           (sum(a.price_cents) * 1)::int8 as total_cents,
           sum(a.price_cents)::int8 as one_unit_cents,
           min(a.total - a.booked)::int4 as min_free
      from rooms r
      join room_availability a on a.room_id = r.id
     where r.active
       and r.capacity * 1 >= 2
       and a.night >= date '{first}' + (:offset)::int4
       and a.night < date '{first}' + (:offset)::int4 + (:nights)::int4
       and not a.closed
     group by r.id
    having count(*) = (:nights)::int4
       and min(a.total - a.booked) >= 1
)
select id, name, description, capacity, currency, nights,
       nightly_from_cents, total_cents, min_free
  from offers
 where (null::int8 is null or one_unit_cents >= null::numeric * (:nights)::int4)
   and (null::int8 is null or one_unit_cents <= null::numeric * (:nights)::int4)
   and (null::uuid is null or (total_cents, id) > (null::int8, null::uuid))
 order by total_cents, id
 limit 21;
"
    );
    sql
}

/// Runs `script` with `clients` connections for `duration` (whole
/// seconds) against `database_url`.
pub async fn run(
    database_url: &str,
    script: &str,
    clients: u32,
    duration: Duration,
) -> anyhow::Result<Run> {
    let seconds = duration.as_secs().max(1);
    let path = script_path();
    std::fs::write(&path, script).with_context(|| format!("cannot write {}", path.display()))?;
    let output = Command::new("pgbench")
        .args(["--no-vacuum", "--protocol=prepared", "--jobs=2"])
        .arg(format!("--client={clients}"))
        .arg(format!("--time={seconds}"))
        .arg(format!("--file={}", path.display()))
        .arg(database_url)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await;
    std::fs::remove_file(&path).ok();
    let output = output.context("cannot run pgbench (is it installed?)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench ended with {}: {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let transactions = stdout
        .lines()
        .find_map(|line| line.strip_prefix("number of transactions actually processed:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("no transaction count in pgbench's output: {stdout}"))?;
    Ok(Run {
        transactions,
        seconds,
    })
}

fn script_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "roombook-bench-{}.sql",
        uuid::Uuid::new_v4().simple()
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn the_script_draws_the_same_stays_as_the_http_clients() {
        let searches = Searches {
            first: NaiveDate::from_ymd_opt(2026, 12, 2).expect("date"),
            last_night: NaiveDate::from_ymd_opt(2027, 11, 29).expect("date"),
            min_nights: 1,
            max_nights: 7,
        };
        let script = script(searches);
        assert!(script.starts_with("\\set nights random(1, 7)\n\\set offset random(0, 356)\n"));
        assert!(script.contains("date '2026-12-02' + (:offset)::int4"));
        assert!(script.trim_end().ends_with("limit 21;"));
    }
}
