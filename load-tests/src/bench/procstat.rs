//! Resource use of a server process, read from `/proc` (Linux): resident memory and CPU time,
//! so a report can say bytes per idle connection and CPU µs per delivered frame for any
//! process we started (a gateway node, a Socket.IO node, Redis).

use std::io;

/// One reading of a process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcSample {
    /// Resident set size in bytes (`VmRSS`).
    pub rss_bytes: u64,
    /// User + system CPU time consumed so far, in microseconds.
    pub cpu_us: u64,
}

/// Reads `/proc/PID/status` and `/proc/PID/stat`.
pub fn sample(pid: u32) -> io::Result<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    Ok(ProcSample {
        rss_bytes: parse_rss(&status).ok_or_else(|| malformed("VmRSS"))?,
        cpu_us: parse_cpu_us(&stat, clock_ticks_per_second())
            .ok_or_else(|| malformed("utime/stime"))?,
    })
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("/proc: no {what}"))
}

/// `VmRSS:    12345 kB` → bytes.
fn parse_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Fields 14 and 15 of `/proc/PID/stat` (utime, stime, in clock ticks). The command name
/// (field 2) may hold spaces and parentheses, so counting starts after its last `)`.
fn parse_cpu_us(stat: &str, ticks_per_second: u64) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After ")" come field 3 (state) onwards; utime is field 14 → index 11 here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) * 1_000_000 / ticks_per_second.max(1))
}

/// `USER_HZ`: 100 on every Linux this runs on; `getconf CLK_TCK` says so when it differs.
/// Asked once per process: samples are taken during measured windows.
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(ask_clock_ticks_per_second)
}

fn ask_clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        let stat = "1234 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0";
        assert_eq!(parse_cpu_us(stat, 100), Some(3_000_000));
    }

    #[test]
    fn rss_is_read_in_bytes() {
        let status = "Name:\tx\nVmPeak:\t 9 kB\nVmRSS:\t    2048 kB\n";
        assert_eq!(parse_rss(status), Some(2048 * 1024));
    }

    #[test]
    fn this_process_can_be_sampled() {
        let now = sample(std::process::id()).expect("own /proc entry");
        assert!(now.rss_bytes > 0);
    }
}
