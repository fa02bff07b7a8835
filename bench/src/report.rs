//! Counting and printing: per-scenario statistics (counts by outcome and a
//! sorted list of latencies, exact percentiles), the results table and the
//! verdicts against the targets of the booking-core issue.
//!
//! All arithmetic is in integers (microseconds, requests), so figures are
//! exact and no float casts are needed.

use std::{fmt::Write as _, time::Duration};

/// Issue 12: booking over HTTP on one hot night above the old
/// five-statement transaction called directly...
const TARGET_HOT_VS_FIVE_PER_MILLE: u64 = 1000;
/// ... and spread over every room at least 80% of it.
const TARGET_SPREAD_VS_FIVE_PER_MILLE: u64 = 800;
/// Search p99 at the fixed rate.
const TARGET_SEARCH_P99_US: u64 = 5_000;

/// How one request ended.
#[derive(Debug)]
pub enum Outcome {
    /// 2xx: booked (201) or searched (200).
    Success,
    /// 409: sold out, or an idempotency conflict.
    Conflict,
    /// Anything else, transport errors included.
    Error(String),
}

/// What the requests of one scenario gave, merged over its clients.
#[derive(Debug, Default)]
pub struct Stats {
    pub success: u64,
    pub conflict: u64,
    pub errors: u64,
    /// Microseconds, one entry per request; sorted by [`Stats::finish`].
    latencies_us: Vec<u64>,
    pub first_error: Option<String>,
}

impl Stats {
    pub fn record(&mut self, outcome: Outcome, latency: Duration) {
        match outcome {
            Outcome::Success => self.success += 1,
            Outcome::Conflict => self.conflict += 1,
            Outcome::Error(message) => {
                self.errors += 1;
                self.first_error.get_or_insert(message);
            }
        }
        self.latencies_us
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
    }

    pub fn merge(&mut self, other: Self) {
        self.success += other.success;
        self.conflict += other.conflict;
        self.errors += other.errors;
        self.latencies_us.extend(other.latencies_us);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// Sorts the latencies; call once, before reading percentiles.
    pub fn finish(&mut self) {
        self.latencies_us.sort_unstable();
    }

    pub fn requests(&self) -> u64 {
        self.success + self.conflict + self.errors
    }

    /// The latency below which `per_mille`/1000 of the requests finished
    /// (nearest-rank: the smallest sample with at least that share at or
    /// below it).
    pub fn percentile_us(&self, per_mille: u64) -> Option<u64> {
        let n = self.latencies_us.len() as u64;
        if n == 0 {
            return None;
        }
        let rank = (n * per_mille).div_ceil(1000).max(1);
        let index = usize::try_from(rank - 1).ok()?;
        self.latencies_us.get(index).copied()
    }

    pub fn max_us(&self) -> Option<u64> {
        self.latencies_us.last().copied()
    }
}

/// One measured scenario.
#[derive(Debug)]
pub struct Row {
    pub name: String,
    pub stats: Stats,
    /// The measured window the requests were started in.
    pub window: Duration,
}

impl Row {
    /// Completed requests per second (all outcomes).
    pub fn per_second(&self) -> u64 {
        let micros = u64::try_from(self.window.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        self.stats.requests().saturating_mul(1_000_000) / micros
    }
}

/// `12.34` from microseconds, or `-` when there is nothing.
pub fn millis(micros: Option<u64>) -> String {
    micros.map_or_else(
        || "-".to_owned(),
        |us| format!("{}.{:02}", us / 1000, (us % 1000) / 10),
    )
}

/// `part` as a share of `whole`, `83.4%`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_owned();
    }
    let tenths = part.saturating_mul(1000) / whole;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// The results table, one row per scenario.
pub fn table(rows: &[&Row]) -> String {
    let name_width = rows
        .iter()
        .map(|row| row.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<name_width$} {:>9} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "scenario",
        "requests",
        "2xx",
        "409",
        "errors",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms"
    );
    let _ = writeln!(out, "{}", "-".repeat(name_width + 82));
    for row in rows {
        let stats = &row.stats;
        let _ = writeln!(
            out,
            "{:<name_width$} {:>9} {:>7} {:>7} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
            row.name,
            stats.requests(),
            stats.success,
            stats.conflict,
            stats.errors,
            row.per_second(),
            millis(stats.percentile_us(500)),
            millis(stats.percentile_us(900)),
            millis(stats.percentile_us(990)),
            millis(stats.max_us()),
        );
    }
    out
}

/// One booking case measured three ways.
#[derive(Debug)]
pub struct Pair {
    /// What was booked, e.g. `1 room 1 night`.
    pub case: String,
    /// Over HTTP (the server's `book_stay`, one round trip).
    pub http: Row,
    /// The same use case called directly: the ceiling without HTTP.
    pub raw: Row,
    /// The old five-statement transaction called directly: the baseline.
    pub five: Row,
    /// Whether this is the one-hot-night case.
    pub contention: bool,
}

impl Pair {
    /// HTTP throughput as a share of raw, in per mille.
    pub fn ratio_per_mille(&self) -> u64 {
        ratio(&self.http, &self.raw)
    }

    /// HTTP throughput as a share of the five-statement baseline.
    pub fn vs_five_per_mille(&self) -> u64 {
        ratio(&self.http, &self.five)
    }
}

fn ratio(part: &Row, whole: &Row) -> u64 {
    part.per_second().saturating_mul(1000) / whole.per_second().max(1)
}

/// The open-loop search run.
#[derive(Debug)]
pub struct SearchRow {
    pub row: Row,
    /// Requests per second asked for.
    pub rate: u32,
    /// Requests the schedule held in the measured window.
    pub scheduled: u64,
    /// Offers on the first page of the sanity-check search.
    pub offers: usize,
}

/// Prints the header lines, the table, the ratios and verdicts, errors and
/// the caveats.
pub fn print(header: &[(&str, String)], pairs: &[Pair], search: Option<&SearchRow>, cpus: usize) {
    println!();
    println!(
        "Roombook benchmark, {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    for (label, text) in header {
        println!("{label:<9} {text}");
    }
    println!();
    let rows: Vec<&Row> = pairs
        .iter()
        .flat_map(|pair| [&pair.http, &pair.raw, &pair.five])
        .chain(search.map(|search| &search.row))
        .collect();
    print!("{}", table(&rows));
    println!();

    for pair in pairs {
        let vs_five = pair.vs_five_per_mille();
        let (target, limit) = if pair.contention {
            ("> 100%", vs_five > TARGET_HOT_VS_FIVE_PER_MILLE)
        } else {
            (">= 80%", vs_five >= TARGET_SPREAD_VS_FIVE_PER_MILLE)
        };
        println!(
            "{}: HTTP / five-statement raw {} (target {target}: {}); HTTP / raw {}; \
             raw / five-statement raw {}",
            pair.case,
            percent(vs_five, 1000),
            verdict(limit),
            percent(pair.ratio_per_mille(), 1000),
            percent(ratio(&pair.raw, &pair.five), 1000),
        );
        for row in [&pair.http, &pair.raw, &pair.five] {
            println!(
                "  {}: 201 {}, 409 {}",
                row.name,
                percent(row.stats.success, row.stats.requests()),
                percent(row.stats.conflict, row.stats.requests())
            );
        }
    }
    if let Some(search) = search {
        let stats = &search.row.stats;
        let p99 = stats.percentile_us(990);
        println!(
            "search at {}/s (1-7 nights, 2 guests, {} offers on the first page): p50 {} ms, \
             p99 {} ms (target <= 5 ms: {}); {} of {} scheduled requests answered",
            search.rate,
            search.offers,
            millis(stats.percentile_us(500)),
            millis(p99),
            verdict(p99.is_some_and(|p99| p99 <= TARGET_SEARCH_P99_US)),
            stats.success,
            search.scheduled
        );
    }
    for row in &rows {
        if let Some(error) = &row.stats.first_error {
            println!("first error in {:?}: {error}", row.name);
        }
    }
    println!();
    println!(
        "note: fsync on this machine is fast (about 90 us): commit-bound figures (bookings) are \
         higher than on real disks or cloud volumes. The client, the server and PostgreSQL share \
         the same {cpus} CPUs, and other work on the machine moves every figure."
    );
}

pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of(micros: &[u64]) -> Stats {
        let mut stats = Stats::default();
        for us in micros {
            stats.record(Outcome::Success, Duration::from_micros(*us));
        }
        stats.finish();
        stats
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let stats = stats_of(&(1..=100).rev().collect::<Vec<_>>());
        assert_eq!(stats.percentile_us(500), Some(50));
        assert_eq!(stats.percentile_us(990), Some(99));
        assert_eq!(stats.percentile_us(1000), Some(100));
        assert_eq!(stats.max_us(), Some(100));
        assert_eq!(stats_of(&[7]).percentile_us(10), Some(7));
        assert_eq!(Stats::default().percentile_us(500), None);
    }

    #[test]
    fn figures_print_without_floats() {
        assert_eq!(millis(Some(12_345)), "12.34");
        assert_eq!(millis(Some(999)), "0.99");
        assert_eq!(millis(None), "-");
        assert_eq!(percent(834, 1000), "83.4%");
        assert_eq!(percent(1, 0), "-");
    }

    #[test]
    fn throughput_counts_every_outcome_over_the_window() {
        let mut stats = stats_of(&[1, 2, 3]);
        stats.record(Outcome::Conflict, Duration::from_micros(1));
        stats.record(Outcome::Error("x".into()), Duration::from_micros(1));
        let row = Row {
            name: "x".into(),
            stats,
            window: Duration::from_millis(500),
        };
        assert_eq!(row.per_second(), 10);
        assert_eq!(row.stats.first_error.as_deref(), Some("x"));
    }
}
