//! The server process seen through `/proc/PID`: resident memory and CPU time (Linux only).

use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};

/// Memory figures of a process, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// `VmRSS` from `/proc/PID/status`.
    pub rss_kb: u64,
    /// `Pss` from `/proc/PID/smaps_rollup` (0 where the kernel lacks it).
    pub pss_kb: u64,
    /// `Private_Clean + Private_Dirty` from `/proc/PID/smaps_rollup`.
    pub private_kb: u64,
}

/// Reads the memory figures of `pid`.
pub fn memory(pid: u32) -> anyhow::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let rss_kb = field_kb(&status, "VmRSS:").ok_or_else(|| anyhow!("no VmRSS for {pid}"))?;
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let private = field_kb(&rollup, "Private_Clean:").unwrap_or(0)
        + field_kb(&rollup, "Private_Dirty:").unwrap_or(0);
    Ok(Memory {
        rss_kb,
        pss_kb: field_kb(&rollup, "Pss:").unwrap_or(0),
        private_kb: private,
    })
}

/// `NAME   1234 kB` in a `/proc` file.
fn field_kb(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|line| line.starts_with(name))?;
    line[name.len()..].split_whitespace().next()?.parse().ok()
}

/// `utime + stime` of `pid`, in clock ticks (fields 14 and 15 of `/proc/PID/stat`).
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("cannot read /proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    let rest = &stat[stat.rfind(')').ok_or_else(|| anyhow!("bad stat"))? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so utime (14) and stime (15) are at 11 and 12.
    let utime: u64 = fields.get(11).ok_or_else(|| anyhow!("no utime"))?.parse()?;
    let stime: u64 = fields.get(12).ok_or_else(|| anyhow!("no stime"))?.parse()?;
    Ok(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100, the Linux default, if that fails).
fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// The CPU use of `pid` over `window`, in percent of one core.
pub async fn cpu_percent(pid: u32, window: Duration) -> anyhow::Result<f64> {
    let ticks = ticks_per_second();
    let (start_ticks, start) = (cpu_ticks(pid)?, Instant::now());
    tokio::time::sleep(window).await;
    let (end_ticks, elapsed) = (cpu_ticks(pid)?, start.elapsed());
    let cpu_seconds = end_ticks.saturating_sub(start_ticks) as f64 / ticks;
    Ok(cpu_seconds / elapsed.as_secs_f64() * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        let memory = memory(pid).expect("memory");
        assert!(memory.rss_kb > 0);
        assert!(cpu_ticks(pid).is_ok());
        assert_eq!(field_kb("Pss:     12 kB\n", "Pss:"), Some(12));
    }
}
