//! The benchmark's report: per-operation statistics, the machine, CPU use,
//! and the human-readable table.

use hdrhistogram::Histogram;
use serde::Serialize;

/// The benchmark's result.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    pub(super) backend: &'static str,
    pub(super) machine: Machine,
    pub(super) concurrency: usize,
    pub(super) conversations: u64,
    pub(super) messages_per_conversation: u64,
    pub(super) warmup_conversations: u64,
    pub(super) elapsed_secs: f64,
    /// POST /v1/conversations/{id}/messages requests per second (one customer message each).
    pub(super) posts_per_sec: f64,
    /// Message rows stored per second: the customer's message and the reply.
    pub(super) messages_stored_per_sec: f64,
    /// Both operations together.
    pub(super) requests_per_sec: f64,
    pub(super) create: OpStats,
    pub(super) post: OpStats,
    /// CPU time of this process (server and load generator) over wall time × cores.
    pub(super) cpu_utilisation: Option<f64>,
    /// Busy share of all cores over the same time, whoever used them (this
    /// process, a database server, anything else running).
    pub(super) machine_cpu_busy: Option<f64>,
    pub(super) errors: u64,
    pub(super) first_error: Option<String>,
    pub(super) rows_expected: u64,
    pub(super) rows_counted: u64,
    /// `placeholder` or `pipeline`.
    pub(super) engine: &'static str,
    /// Mean time per pipeline stage (pipeline only).
    pub(super) stages: Vec<Stage>,
}

/// One pipeline stage's mean time.
#[derive(Debug, Serialize)]
pub(super) struct Stage {
    pub(super) stage: String,
    pub(super) count: u64,
    pub(super) mean_ms: f64,
}

/// Count, rate and latency percentiles of one operation (milliseconds).
#[derive(Debug, Serialize)]
pub(super) struct OpStats {
    pub(super) count: u64,
    pub(super) per_sec: f64,
    pub(super) mean_ms: f64,
    pub(super) p50_ms: f64,
    pub(super) p90_ms: f64,
    pub(super) p99_ms: f64,
    pub(super) p999_ms: f64,
    pub(super) max_ms: f64,
}

impl OpStats {
    pub(super) fn new(h: &Histogram<u64>, secs: f64) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            per_sec: if secs > 0.0 {
                h.len() as f64 / secs
            } else {
                0.0
            },
            mean_ms: h.mean() / 1000.0,
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

/// The machine the figures come from.
#[derive(Debug, Serialize)]
pub(super) struct Machine {
    pub(super) cores: usize,
    pub(super) cpu: String,
    pub(super) memory_gib: f64,
}

impl Machine {
    pub(super) fn read(cores: usize) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, m)| m.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let kib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0);
        Self {
            cores,
            cpu,
            memory_gib: (kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        }
    }
}

/// Busy and total CPU ticks of the whole machine since boot (Linux; `None` elsewhere).
pub(super) fn machine_cpu_ticks() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<f64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    let all: f64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0.0);
    Some((all - idle, all))
}

/// User + system CPU seconds of this process (Linux; `None` elsewhere).
pub(super) fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    // USER_HZ is 100 on every Linux platform we run on.
    Some((utime + stime) / 100.0)
}

pub(super) fn print_table(r: &Report) {
    let m = &r.machine;
    println!(
        "Concierge API benchmark: {} (fresh database), {} engine",
        r.backend, r.engine
    );
    println!(
        "machine: {} cores, {}, {} GiB; load generator and server share the cores",
        m.cores, m.cpu, m.memory_gib
    );
    println!(
        "workload: {} workers, {} conversations x {} messages in {:.2} s (after {} warm-up conversations)",
        r.concurrency, r.conversations, r.messages_per_conversation, r.elapsed_secs, r.warmup_conversations
    );
    println!();
    println!(
        "{:<22} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "operation", "count", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9", "max ms"
    );
    for (name, s) in [
        ("create conversation", &r.create),
        ("post message", &r.post),
    ] {
        println!(
            "{:<22} {:>8} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            name, s.count, s.per_sec, s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms
        );
    }
    println!();
    println!(
        "posts/s: {:.0}   messages stored/s: {:.0} (customer message + reply)   all requests/s: {:.0}",
        r.posts_per_sec, r.messages_stored_per_sec, r.requests_per_sec
    );
    if let (Some(u), Some(b)) = (r.cpu_utilisation, r.machine_cpu_busy) {
        println!(
            "CPU busy: this process {:.0}%, whole machine {:.0}% (of {} cores)",
            u * 100.0,
            b * 100.0,
            m.cores
        );
    }
    println!(
        "stored message rows: {} counted, {} expected; failed requests: {}",
        r.rows_counted, r.rows_expected, r.errors
    );
    if !r.stages.is_empty() {
        println!();
        println!("pipeline stages (mean per turn, whole run):");
        for s in &r.stages {
            println!(
                "  {:<12} {:>9.3} ms  ({} turns)",
                s.stage, s.mean_ms, s.count
            );
        }
    }
}

/// The first run compared to a later one (first ÷ other).
#[derive(Debug, Serialize)]
pub(super) struct Ratio {
    pub(super) first: &'static str,
    pub(super) other: &'static str,
    pub(super) posts_per_sec: f64,
    pub(super) post_p50: f64,
    pub(super) post_p99: f64,
    pub(super) create_p50: f64,
    pub(super) create_p99: f64,
}

/// The first report against each later one.
pub(super) fn ratios(reports: &[Report]) -> Vec<Ratio> {
    let Some((first, others)) = reports.split_first() else {
        return Vec::new();
    };
    let div = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    others
        .iter()
        .map(|o| Ratio {
            first: first.backend,
            other: o.backend,
            posts_per_sec: div(first.posts_per_sec, o.posts_per_sec),
            post_p50: div(first.post.p50_ms, o.post.p50_ms),
            post_p99: div(first.post.p99_ms, o.post.p99_ms),
            create_p50: div(first.create.p50_ms, o.create.p50_ms),
            create_p99: div(first.create.p99_ms, o.create.p99_ms),
        })
        .collect()
}

pub(super) fn print_ratios(ratios: &[Ratio]) {
    for r in ratios {
        println!(
            "{} / {}: posts/s x{:.2}; post p50 x{:.2}, p99 x{:.2}; create p50 x{:.2}, p99 x{:.2}",
            r.first, r.other, r.posts_per_sec, r.post_p50, r.post_p99, r.create_p50, r.create_p99
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentiles_are_reported_in_milliseconds() {
        let mut h = super::super::histogram();
        for us in 1..=1000 {
            h.record(us * 10).unwrap();
        }
        let s = super::OpStats::new(&h, 2.0);
        assert_eq!(s.count, 1000);
        assert_eq!(s.per_sec, 500.0);
        assert!((s.p50_ms - 5.0).abs() < 0.01, "{}", s.p50_ms);
        assert!((s.p99_ms - 9.9).abs() < 0.01, "{}", s.p99_ms);
    }
}
