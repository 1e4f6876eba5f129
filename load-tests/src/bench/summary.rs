//! The whole run's report: every pass of both systems (in the order they ran, A/B
//! alternating), the ratios ours / theirs per metric with their min and max over the
//! iterations, the machine, and a Markdown rendering for people.

use super::measure::Correctness;
use super::report::{System, SystemReport};
use super::run::Workloads;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// What `results/latest.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunReport {
    /// UTC, RFC 3339.
    pub generated_at: String,
    pub machine: Machine,
    /// `smoke`, or `full` (or `full (reduced: …)` when options shrank it).
    pub mode: String,
    pub workloads: Workloads,
    /// Every pass, in run order.
    pub passes: Vec<SystemReport>,
    /// Ours / theirs per metric; empty when the peer did not run.
    pub ratios: Vec<Ratio>,
    /// Whom "theirs" is: Socket.IO, or the baseline build with `--baseline-bin`.
    #[serde(default = "socketio")]
    pub theirs: System,
    /// Why the peer did not run, when it did not.
    pub peer_note: Option<String>,
    #[serde(default)]
    /// Workloads that failed (and so are missing from the tables), with the error, and
    /// sends the server did not answer in time (overload).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory: String,
    pub kernel: String,
}

impl Machine {
    /// Read from `/proc` (Linux).
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|kb| kb.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
            .unwrap_or_default();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_owned();
        Machine {
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model,
            memory,
            kernel,
        }
    }
}

/// One metric compared: the median of each side over the iterations, and the spread of the
/// per-iteration ratios (iteration i of ours against iteration i of theirs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ratio {
    pub metric: String,
    pub unit: String,
    pub ours: f64,
    pub theirs: f64,
    /// Median of ours_i / theirs_i (JSON `null` when theirs is 0).
    #[serde(deserialize_with = "nullable_f64")]
    pub ratio: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub min: f64,
    #[serde(deserialize_with = "nullable_f64")]
    pub max: f64,
    /// True when a smaller number is better (latency, memory, CPU).
    pub lower_is_better: bool,
}

fn socketio() -> System {
    System::Socketio
}

/// serde_json writes a non-finite float as `null`; read it back as NaN.
fn nullable_f64<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

impl Ratio {
    /// Which side is better, "about equal" within 5 %.
    pub fn better(&self) -> &'static str {
        if !self.ratio.is_finite() {
            return if self.lower_is_better {
                "theirs"
            } else {
                "ours"
            };
        }
        if (self.ratio - 1.0).abs() <= 0.05 {
            return "about equal";
        }
        if (self.ratio < 1.0) == self.lower_is_better {
            "ours"
        } else {
            "theirs"
        }
    }
}

/// The value of one metric in one pass, if that pass measured it.
type Metric = (
    &'static str,
    &'static str,
    bool,
    Box<dyn Fn(&SystemReport) -> Option<f64>>,
);

/// The metrics both systems report, named for the tables.
fn metrics(workloads: &Workloads) -> Vec<(String, Metric)> {
    let mut list: Vec<(String, Metric)> = Vec::new();
    list.push((
        "idle: bytes per connection".into(),
        (
            "idle",
            "bytes",
            true,
            Box::new(|r| r.idle.as_ref().map(|i| i.bytes_per_connection as f64)),
        ),
    ));
    list.push((
        "idle: CPU".into(),
        (
            "idle",
            "% of a core",
            true,
            Box::new(|r| r.idle.as_ref().map(|i| i.idle_cpu_percent)),
        ),
    ));
    for &rate in &workloads.latency_rates {
        let find = move |r: &SystemReport| {
            r.latency
                .iter()
                .find(|l| l.offered_per_sec == rate)
                .cloned()
        };
        list.push((
            format!("latency at {rate}/s: p50"),
            (
                "latency",
                "ms",
                true,
                Box::new(move |r| find(r).map(|l| l.latency.p50_us as f64 / 1000.0)),
            ),
        ));
        list.push((
            format!("latency at {rate}/s: p99"),
            (
                "latency",
                "ms",
                true,
                Box::new(move |r| find(r).map(|l| l.latency.p99_us as f64 / 1000.0)),
            ),
        ));
        list.push((
            format!("latency at {rate}/s: achieved rate"),
            (
                "latency",
                "msg/s",
                false,
                Box::new(move |r| find(r).map(|l| l.achieved_per_sec)),
            ),
        ));
    }
    for &size in &workloads.group_sizes {
        let find = move |r: &SystemReport| r.fanout.iter().find(|f| f.group_size == size).cloned();
        list.push((
            format!("fan-out, groups of {size}: CPU per delivered frame"),
            (
                "fanout",
                "µs",
                true,
                Box::new(move |r| find(r).map(|f| f.cpu_us_per_frame)),
            ),
        ));
        list.push((
            format!("fan-out, groups of {size}: delivered frames/s"),
            (
                "fanout",
                "frames/s",
                false,
                Box::new(move |r| find(r).map(|f| f.delivered_per_sec)),
            ),
        ));
        list.push((
            format!("fan-out, groups of {size}: p99"),
            (
                "fanout",
                "ms",
                true,
                Box::new(move |r| find(r).map(|f| f.latency.p99_us as f64 / 1000.0)),
            ),
        ));
    }
    list
}

pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The passes of one system, in run order.
pub fn passes_of(passes: &[SystemReport], system: System) -> Vec<&SystemReport> {
    passes.iter().filter(|p| p.system == system).collect()
}

/// Ours / `theirs` for every metric both sides measured.
pub fn ratios(workloads: &Workloads, passes: &[SystemReport], theirs: System) -> Vec<Ratio> {
    let ours = passes_of(passes, System::Switchboard);
    let theirs = passes_of(passes, theirs);
    let mut out = Vec::new();
    for (name, (_, unit, lower_is_better, value)) in metrics(workloads) {
        let pairs: Vec<(f64, f64)> = ours
            .iter()
            .zip(&theirs)
            .filter_map(|(o, t)| Some((value(o)?, value(t)?)))
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let mut each: Vec<f64> = pairs.iter().map(|(o, t)| o / t).collect();
        let min = each.iter().copied().fold(f64::INFINITY, f64::min);
        let max = each.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        out.push(Ratio {
            metric: name,
            unit: unit.into(),
            ours: median(&mut pairs.iter().map(|p| p.0).collect::<Vec<_>>()),
            theirs: median(&mut pairs.iter().map(|p| p.1).collect::<Vec<_>>()),
            ratio: median(&mut each),
            min,
            max,
            lower_is_better,
        });
    }
    out
}

/// Every correctness count of every pass summed, plus handover failures as "lost".
pub fn total_correctness(passes: &[SystemReport]) -> (Correctness, u64) {
    let mut total = Correctness::default();
    let mut handover_failures = 0;
    for pass in passes {
        for l in &pass.latency {
            total.add(&l.correctness);
        }
        for f in &pass.fanout {
            total.add(&f.correctness);
        }
        if let Some(h) = &pass.handover {
            handover_failures += h.failures;
        }
    }
    (total, handover_failures)
}

fn name(system: System) -> &'static str {
    system.label()
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn correctness_cell(c: &Correctness) -> String {
    format!(
        "{}/{} lost {} dup {} ooo {}",
        c.delivered, c.expected, c.lost, c.duplicated, c.out_of_order
    )
}

/// Thousands separated by commas, for people.
/// How many idle connections one GiB of memory holds at `bytes_per_connection` (0 when
/// nothing was measured).
fn connections_per_gib(bytes_per_connection: u64) -> u64 {
    (1u64 << 30).checked_div(bytes_per_connection).unwrap_or(0)
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl RunReport {
    /// The tables for people (also what `results/latest.md` holds).
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let m = &self.machine;
        let _ = writeln!(md, "Run of {} ({} mode).", self.generated_at, self.mode);
        let _ = writeln!(
            md,
            "Machine: {} CPUs ({}), {}, Linux {}; load generator, servers, Redis and \
             PostgreSQL all on this machine.\n",
            m.cpus, m.cpu_model, m.memory, m.kernel
        );
        if let Some(note) = &self.peer_note {
            let _ = writeln!(md, "Socket.IO: {note}\n");
        }
        for note in &self.notes {
            let _ = writeln!(md, "- {note}");
        }
        if !self.notes.is_empty() {
            md.push('\n');
        }
        if !self.ratios.is_empty() {
            let _ = writeln!(
                md,
                "### Ours / theirs\n\nMedians over the iterations; the ratio is the median of \
                 the per-iteration ratios, with their min and max.\n"
            );
            let _ = writeln!(
                md,
                "| metric | Switchboard | {} | ours / theirs (min–max) | better |",
                name(self.theirs)
            );
            let _ = writeln!(md, "| --- | --- | --- | --- | --- |");
            for r in &self.ratios {
                let ratio = if r.ratio.is_finite() {
                    format!("{:.2} ({:.2}–{:.2})", r.ratio, r.min, r.max)
                } else {
                    "n/a (theirs is 0)".to_owned()
                };
                let _ = writeln!(
                    md,
                    "| {} | {:.2} {} | {:.2} {} | {} | {} |",
                    r.metric,
                    r.ours,
                    r.unit,
                    r.theirs,
                    r.unit,
                    ratio,
                    r.better()
                );
            }
            md.push('\n');
        }

        let _ = writeln!(md, "### Idle connections\n");
        let _ = writeln!(
            md,
            "| pass | system | connections | RSS before | RSS after | bytes/connection | connections per GiB | idle CPU |"
        );
        let _ = writeln!(md, "| --- | --- | --- | --- | --- | --- | --- | --- |");
        for (i, p) in self.passes.iter().enumerate() {
            if let Some(idle) = &p.idle {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.1} MiB | {:.1} MiB | {} | {} | {:.2} % |",
                    i + 1,
                    name(p.system),
                    grouped(idle.connections),
                    idle.rss_before_bytes as f64 / 1048576.0,
                    idle.rss_after_bytes as f64 / 1048576.0,
                    grouped(idle.bytes_per_connection),
                    grouped(connections_per_gib(idle.bytes_per_connection)),
                    idle.idle_cpu_percent
                );
            }
        }

        let _ = writeln!(md, "\n### Latency across nodes (open loop)\n");
        let _ = writeln!(
            md,
            "| pass | system | offered/s | achieved/s | conversations | p50 ms | p99 ms | p99.9 ms | max ms | CPU µs/frame | delivered/expected, lost, dup, out of order |"
        );
        let _ = writeln!(
            md,
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for (i, p) in self.passes.iter().enumerate() {
            for l in &p.latency {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {:.1} | {} |",
                    i + 1,
                    name(p.system),
                    grouped(l.offered_per_sec),
                    l.achieved_per_sec,
                    l.conversations,
                    ms(l.latency.p50_us),
                    ms(l.latency.p99_us),
                    ms(l.latency.p999_us),
                    ms(l.latency.max_us),
                    l.cpu_us_per_frame,
                    correctness_cell(&l.correctness)
                );
            }
        }
        md.push('\n');
        for system in [System::Switchboard, self.theirs] {
            let bests: Vec<String> = passes_of(&self.passes, system)
                .iter()
                .filter(|p| !p.latency.is_empty())
                .map(|p| {
                    p.latency
                        .iter()
                        .filter(|l| l.latency.p99_us < 50_000 && l.correctness.is_clean())
                        .map(|l| l.offered_per_sec)
                        .max()
                        .map_or("none".to_owned(), |r| format!("{}/s", grouped(r)))
                })
                .collect();
            if !bests.is_empty() {
                let _ = writeln!(
                    md,
                    "{}: highest offered rate with p99 under 50 ms, per pass: {}.\n",
                    name(system),
                    bests.join(", ")
                );
            }
        }

        let _ = writeln!(md, "\n### Fan-out\n");
        let _ = writeln!(
            md,
            "| pass | system | group size | groups | messages | delivered frames | frames/s | server CPU µs/frame | p99 ms | delivered/expected, lost, dup, out of order |"
        );
        let _ = writeln!(
            md,
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        );
        for (i, p) in self.passes.iter().enumerate() {
            for f in &p.fanout {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {:.0} | {:.1} | {} | {} |",
                    i + 1,
                    name(p.system),
                    f.group_size,
                    f.groups,
                    grouped(f.messages_sent),
                    grouped(f.delivered_frames),
                    f.delivered_per_sec,
                    f.cpu_us_per_frame,
                    ms(f.latency.p99_us),
                    correctness_cell(&f.correctness)
                );
            }
        }

        let _ = writeln!(
            md,
            "\n### Handover (Switchboard only: Socket.IO has no equivalent)\n"
        );
        let _ = writeln!(
            md,
            "| pass | system | handovers | per second | p50 ms | p99 ms | max ms | failures |"
        );
        let _ = writeln!(md, "| --- | --- | --- | --- | --- | --- | --- | --- |");
        for (i, p) in self.passes.iter().enumerate() {
            if let Some(h) = &p.handover {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {:.0} | {} | {} | {} | {} |",
                    i + 1,
                    name(p.system),
                    h.handovers,
                    h.per_sec,
                    ms(h.handover_to_ack.p50_us),
                    ms(h.handover_to_ack.p99_us),
                    ms(h.handover_to_ack.max_us),
                    h.failures
                );
            }
        }
        md
    }
}

/// Now as RFC 3339 UTC (no calendar crate for one timestamp).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn connections_per_gib_divides_a_gib_and_survives_zero() {
        assert_eq!(super::connections_per_gib(9_520), 112_788);
        assert_eq!(super::connections_per_gib(1 << 30), 1);
        assert_eq!(super::connections_per_gib(0), 0);
    }
    use super::*;

    #[test]
    fn medians_and_grouping() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(grouped(1234567), "1,234,567");
        assert_eq!(grouped(12), "12");
    }

    #[test]
    fn a_baseline_comparison_pairs_each_pass_with_the_baseline_of_its_iteration() {
        let workloads = Workloads {
            nodes: 2,
            idle_connections: 10,
            idle_window_secs: 1.0,
            latency_rates: Vec::new(),
            latency_secs: 1.0,
            group_sizes: Vec::new(),
            fanout_frames_per_sec: 0,
            fanout_secs: 1.0,
            handover_rate: 0,
            handover_secs: 1.0,
            per_user_rate: 10.0,
            drain_secs: 1.0,
        };
        let pass = |system, bytes| SystemReport {
            system,
            idle: Some(crate::bench::report::IdleResult {
                bytes_per_connection: bytes,
                ..Default::default()
            }),
            latency: Vec::new(),
            fanout: Vec::new(),
            handover: None,
        };
        let passes = [
            pass(System::Baseline, 100),
            pass(System::Switchboard, 90),
            pass(System::Baseline, 200),
            pass(System::Switchboard, 220),
        ];
        let compared = ratios(&workloads, &passes, System::Baseline);
        let bytes = &compared[0];
        assert_eq!(bytes.metric, "idle: bytes per connection");
        assert_eq!((bytes.ours, bytes.theirs), (155.0, 150.0));
        assert_eq!((bytes.min, bytes.max), (0.9, 1.1));
        assert!(ratios(&workloads, &passes, System::Socketio).is_empty());
    }

    #[test]
    fn the_date_is_rfc3339() {
        let now = utc_now();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.starts_with("20") && now.ends_with('Z'), "{now}");
    }
}
