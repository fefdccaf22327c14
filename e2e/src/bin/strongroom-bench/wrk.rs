//! The same scenarios measured with `wrk`, an independent load generator.

use std::path::Path;

use anyhow::{Context, bail};

use crate::load::{Target, prepare};
use crate::report::ratio;

pub struct WrkStats {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Requests completed (each a reveal the trail must hold, for Strongroom).
    pub requests: u64,
    pub non_2xx: u64,
}

/// Picks a random target per request; the header and paths come from a file.
const SCRIPT: &str = r#"
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local paths = {}
local name, value
init = function(args)
  for line in io.lines(args[1]) do
if name == nil then name = line
elseif value == nil then value = line
else table.insert(paths, line) end
  end
  math.randomseed(os.time() * 1000 + id)
end
request = function()
  local headers = {}
  if name ~= "" then headers[name] = value end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"#;

pub async fn measure(
    dir: &Path,
    targets: &[Target],
    conns: usize,
    warmup: std::time::Duration,
    duration: std::time::Duration,
) -> anyhow::Result<WrkStats> {
    let (authority, prepared) = prepare(targets)?;
    let script = dir.join("wrk.lua");
    std::fs::write(&script, SCRIPT).context("writing the wrk script")?;
    let (name, value) = match &targets.first().and_then(|t| t.header.clone()) {
        Some((n, v)) => (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()),
        None => (String::new(), String::new()),
    };
    let mut list = format!("{name}\n{value}\n");
    for p in &prepared {
        list.push_str(&p.path.to_string());
        list.push('\n');
    }
    let paths = dir.join("wrk-targets.txt");
    std::fs::write(&paths, list).context("writing the wrk targets")?;
    let threads = conns.min(2);
    let run = |secs: f64| {
        let (script, paths, authority) = (script.clone(), paths.clone(), authority.clone());
        async move {
            tokio::process::Command::new("wrk")
                .arg(format!("-t{threads}"))
                .arg(format!("-c{conns}"))
                .arg(format!("-d{}s", secs.ceil().max(1.0)))
                .arg("--latency")
                .arg("-s")
                .arg(&script)
                .arg(format!("http://{authority}"))
                .arg("--")
                .arg(&paths)
                .output()
                .await
                .context("running wrk (apt-get install wrk)")
        }
    };
    if !warmup.is_zero() {
        run(warmup.as_secs_f64()).await?;
    }
    let out = run(duration.as_secs_f64()).await?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
}

fn parse(text: &str) -> Option<WrkStats> {
    let mut stats = WrkStats {
        rps: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        requests: 0,
        non_2xx: 0,
    };
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(v)) => stats.rps = v.parse().ok()?,
            (Some("50%"), Some(v)) => stats.p50_ms = millis(v)?,
            (Some("99%"), Some(v)) => stats.p99_ms = millis(v)?,
            (Some(n), Some("requests")) => stats.requests = n.parse().ok()?,
            _ => {}
        }
        if let Some(n) = line.strip_prefix("Non-2xx or 3xx responses:") {
            stats.non_2xx = n.trim().parse().ok()?;
        }
    }
    (stats.rps > 0.0).then_some(stats)
}

/// `812.00us`, `1.23ms`, `2.01s` in milliseconds.
fn millis(v: &str) -> Option<f64> {
    for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] {
        if let Some(n) = v.strip_suffix(unit) {
            return n.parse::<f64>().ok().map(|n| n * factor);
        }
    }
    None
}

/// wrk's figures beside the built-in generator's, and whether they agree within 15%.
pub fn print(rows: &[(&str, usize, f64, WrkStats)]) {
    println!();
    println!(
        "{:<15}  {:>11}  {:>14}  {:>12}  {:>8}  {:>8}  {:>8}  {:>6}",
        "wrk scenario",
        "connections",
        "built-in rps",
        "wrk rps",
        "ratio",
        "p50 ms",
        "p99 ms",
        "non-2xx"
    );
    let mut agree = 0;
    for (name, conns, ours, w) in rows {
        let r = ratio(w.rps, *ours);
        if (0.85..=1.15).contains(&r) {
            agree += 1;
        }
        println!(
            "{name:<15}  {conns:>11}  {ours:>14.0}  {:>12.0}  {r:>8.2}  {:>8.3}  {:>8.3}  {:>6}",
            w.rps, w.p50_ms, w.p99_ms, w.non_2xx
        );
    }
    println!(
        "wrk agrees with the built-in generator within 15%: {agree} of {}",
        rows.len()
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_wrks_report() {
        let out = "Running 1s test @ http://127.0.0.1:1\n  2 threads and 64 connections\n  Latency Distribution\n     50%    6.21ms\n     75%    8.00ms\n     90%   10.00ms\n     99%  812.00us\n  7699 requests in 1.00s, 2.00MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:   7699.12\n";
        let s = super::parse(out).unwrap();
        assert_eq!((s.requests, s.non_2xx), (7699, 3));
        assert!((s.rps - 7699.12).abs() < 1e-6 && (s.p50_ms - 6.21).abs() < 1e-9);
        assert!((s.p99_ms - 0.812).abs() < 1e-9);
    }
}
