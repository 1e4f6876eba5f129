//! `loadgen`: the load generator's command line.
//!
//! - `loadgen --smoke --gateway-bin target/debug/switchboard`: a few hundred connections for a
//!   few seconds on a two-node cluster, every workload; exits non-zero unless every
//!   correctness count is 0 (CI runs this from `scripts/test`).
//! - `loadgen` (full): Switchboard and the Socket.IO peer alternately (A/B), three times;
//!   writes `load-tests/results/latest.{json,md}` and the plots under `docs/benchmarks/`.
//!   `scripts/bench` builds everything and runs this.
//! - `loadgen --baseline-bin OLD --gateway-bin NEW`: the gateway before a change against the
//!   one after it, alternately (A/B) on the same workloads, instead of Socket.IO; the ratios
//!   are new / old. How a refactor shows it costs nothing on the message path.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use switchboard_load_tests::bench::error::{BenchError, Result};
use switchboard_load_tests::bench::report::{System, SystemReport};
use switchboard_load_tests::bench::run::{self, Workloads};
use switchboard_load_tests::bench::summary::{self, Machine, RunReport};
use switchboard_load_tests::bench::{peer, plot, services};

#[derive(Parser, Debug)]
#[command(about = "Measures Switchboard (and the Socket.IO peer) under load")]
struct Args {
    /// A short run for CI: a few hundred connections, a few seconds, Switchboard only;
    /// fails unless every correctness count is 0. Writes nothing unless --out is given.
    #[arg(long)]
    smoke: bool,
    /// The gateway binary (default: $CARGO_TARGET_DIR or target, then release/switchboard).
    #[arg(long)]
    gateway_bin: Option<PathBuf>,
    /// Gateway (and Socket.IO) nodes.
    #[arg(long, default_value_t = 2)]
    nodes: usize,
    /// A/B iterations.
    #[arg(long, default_value_t = 3)]
    iterations: usize,
    /// Idle connections (0 skips the idle workload).
    #[arg(long, default_value_t = 10_000)]
    connections: usize,
    /// Offered rates of the latency workload, messages/s (0 skips the workload).
    #[arg(long, value_delimiter = ',', default_value = "1000,5000,20000")]
    rates: Vec<u64>,
    /// One more offered rate (the configurable one; 0 for none). The default sits between
    /// 1k and 5k, where this machine's knee is.
    #[arg(long, default_value_t = 2000)]
    rate: u64,
    /// Seconds each latency rate is offered.
    #[arg(long, default_value_t = 10.0)]
    latency_secs: f64,
    /// Fan-out group sizes (0 skips the workload).
    #[arg(long, value_delimiter = ',', default_value = "2,5,50")]
    groups: Vec<usize>,
    /// Delivered frames per second the fan-out aims at.
    #[arg(long, default_value_t = 2000)]
    fanout_frames: u64,
    #[arg(long, default_value_t = 10.0)]
    fanout_secs: f64,
    /// Handovers per second (0 skips it).
    #[arg(long, default_value_t = 100)]
    handover_rate: u64,
    #[arg(long, default_value_t = 5.0)]
    handover_secs: f64,
    /// Skip the Socket.IO peer even when it is installed.
    #[arg(long)]
    no_peer: bool,
    /// Another gateway binary (the build before a change) to run A/B against --gateway-bin
    /// instead of the Socket.IO peer; the ratios are then ours / baseline.
    #[arg(long)]
    baseline_bin: Option<PathBuf>,
    /// Where latest.json and latest.md go (full runs default to load-tests/results).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Where the SVG plots go (full runs default to docs/benchmarks).
    #[arg(long)]
    plots: Option<PathBuf>,
    /// Words for the report's mode, e.g. "full (reduced: one iteration)".
    #[arg(long)]
    mode: Option<String>,
    /// Runs nothing: renders the tables and plots of an earlier run's latest.json.
    #[arg(long)]
    from_json: Option<PathBuf>,
}

fn default_gateway_bin() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| "target".into(), PathBuf::from);
    target.join("release/switchboard")
}

fn smoke_workloads(nodes: usize) -> Workloads {
    Workloads {
        nodes,
        idle_connections: 300,
        idle_window_secs: 1.0,
        latency_rates: vec![500],
        latency_secs: 3.0,
        group_sizes: vec![2, 5],
        fanout_frames_per_sec: 400,
        fanout_secs: 3.0,
        handover_rate: 20,
        handover_secs: 2.0,
        per_user_rate: 10.0,
        drain_secs: 10.0,
    }
}

fn full_workloads(args: &Args) -> Workloads {
    let mut rates = args.rates.clone();
    if args.rate > 0 {
        rates.push(args.rate);
    }
    // `--rates 0` / `--groups 0` skip a workload.
    rates.retain(|rate| *rate > 0);
    rates.sort_unstable();
    rates.dedup();
    Workloads {
        nodes: args.nodes,
        idle_connections: args.connections,
        idle_window_secs: 5.0,
        latency_rates: rates,
        latency_secs: args.latency_secs,
        group_sizes: args.groups.iter().copied().filter(|g| *g >= 2).collect(),
        fanout_frames_per_sec: args.fanout_frames,
        fanout_secs: args.fanout_secs,
        handover_rate: args.handover_rate,
        handover_secs: args.handover_secs,
        per_user_rate: 10.0,
        drain_secs: 10.0,
    }
}

/// The tables (stdout) and plots (`--plots`) of a report written earlier.
fn render(path: &std::path::Path, plots: Option<PathBuf>) -> Result<bool> {
    let text = std::fs::read_to_string(path)
        .map_err(BenchError::io(format!("reading {}", path.display())))?;
    let report: RunReport = serde_json::from_str(&text)
        .map_err(|err| BenchError::Workload(format!("{}: {err}", path.display())))?;
    println!("{}", report.markdown());
    if let Some(dir) = plots {
        write_plots(&report, &dir)?;
    }
    Ok(true)
}

fn write_plots(report: &RunReport, dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(BenchError::io(format!("creating {}", dir.display())))?;
    if report.passes.iter().any(|p| !p.latency.is_empty()) {
        plot::latency(&report.passes, &dir.join("latency.svg"))?;
    }
    if report.passes.iter().any(|p| !p.fanout.is_empty()) {
        plot::cpu_per_frame(&report.passes, &dir.join("cpu-per-frame.svg"))?;
    }
    eprintln!("wrote the plots to {}", dir.display());
    Ok(())
}

async fn run(args: Args) -> Result<bool> {
    if let Some(path) = &args.from_json {
        return render(path, args.plots.clone());
    }
    let limit = services::raise_nofile_limit();
    let workloads = if args.smoke {
        smoke_workloads(args.nodes)
    } else {
        full_workloads(&args)
    };
    // Every client socket is a descriptor of this process.
    let needed = workloads.idle_connections as u64 + 1000;
    if limit < needed {
        eprintln!("warning: the open-file limit is {limit}; {needed} would be safe (ulimit -Hn)");
    }
    let gateway_bin = args.gateway_bin.clone().unwrap_or_else(default_gateway_bin);
    let iterations = if args.smoke {
        1
    } else {
        args.iterations.max(1)
    };
    let (with_peer, mut peer_note) = if args.smoke {
        (false, Some("not run (smoke mode)".to_owned()))
    } else if args.baseline_bin.is_some() {
        (
            false,
            Some("not run (compared with a baseline build)".to_owned()),
        )
    } else if args.no_peer {
        (false, Some("not run (--no-peer)".to_owned()))
    } else if !peer::installed() {
        (
            false,
            Some("not run: not installed (load-tests/peers/install)".to_owned()),
        )
    } else {
        (true, None)
    };

    let mut passes: Vec<SystemReport> = Vec::new();
    let mut notes = run::Notes::default();
    for iteration in 1..=iterations {
        eprintln!("== iteration {iteration} of {iterations}");
        if let Some(baseline) = &args.baseline_bin {
            passes
                .push(run::switchboard(baseline, System::Baseline, &workloads, &mut notes).await?);
        }
        passes.push(
            run::switchboard(&gateway_bin, System::Switchboard, &workloads, &mut notes).await?,
        );
        if with_peer {
            match peer::socketio(&workloads, &mut notes).await {
                Ok(report) => passes.push(report),
                Err(err) => {
                    eprintln!("socket.io pass failed: {err}");
                    peer_note = Some(format!("pass {iteration} failed: {err}"));
                }
            }
        }
    }

    let theirs = if args.baseline_bin.is_some() {
        System::Baseline
    } else {
        System::Socketio
    };
    let report = RunReport {
        generated_at: summary::utc_now(),
        machine: Machine::detect(),
        mode: args
            .mode
            .clone()
            .unwrap_or_else(|| if args.smoke { "smoke" } else { "full" }.to_owned()),
        ratios: summary::ratios(&workloads, &passes, theirs),
        theirs,
        workloads,
        passes,
        peer_note,
        notes: notes.lines,
    };
    let markdown = report.markdown();
    println!("{markdown}");

    // A comparison with a baseline build does not replace the published report and plots.
    let compared = args.baseline_bin.is_some();
    let out = args.out.clone().or_else(|| {
        (!args.smoke).then(|| {
            PathBuf::from(if compared {
                "load-tests/results/baseline"
            } else {
                "load-tests/results"
            })
        })
    });
    if let Some(out) = out {
        std::fs::create_dir_all(&out)
            .map_err(BenchError::io(format!("creating {}", out.display())))?;
        let json = serde_json::to_string_pretty(&report)
            .map_err(|err| BenchError::Workload(format!("encoding the report: {err}")))?;
        std::fs::write(out.join("latest.json"), json + "\n")
            .map_err(BenchError::io("writing latest.json"))?;
        std::fs::write(out.join("latest.md"), &markdown)
            .map_err(BenchError::io("writing latest.md"))?;
        eprintln!("wrote {}/latest.json and latest.md", out.display());
    }
    let plots = args
        .plots
        .clone()
        .or_else(|| (!args.smoke && !compared).then(|| PathBuf::from("docs/benchmarks")));
    if let Some(dir) = plots {
        write_plots(&report, &dir)?;
    }

    let (correctness, handover_failures) = summary::total_correctness(&report.passes);
    // Overload (sends unanswered at the end) is a finding in a full run, a failure in the smoke.
    let clean = correctness.is_clean()
        && handover_failures == 0
        && notes.failed == 0
        && (!args.smoke || notes.unserved == 0);
    eprintln!(
        "correctness over every pass: {} expected, {} delivered, {} lost, {} duplicated, {} out of order; {} handover failures",
        correctness.expected,
        correctness.delivered,
        correctness.lost,
        correctness.duplicated,
        correctness.out_of_order,
        handover_failures
    );
    Ok(clean)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            // The report is written either way: a failure is a finding to read.
            eprintln!("loadgen: correctness counts must all be 0 (see the tables)");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("loadgen: {err}");
            ExitCode::FAILURE
        }
    }
}
