//! `cargo bench --bench fleet`: what a fleet compile costs in process (every spoke compiled,
//! the hub firewall and DNS planned and rendered; no files written) for the shipped example
//! and for fleets of 10, 100 and 1,000 generated workspaces (`scripts/gen-fleet.py`,
//! `ip_groups = "per-rule-set"`). Prints milliseconds (min / median); never judges a figure.
//! Whole-process timings with `--out` and peak memory: scripts/bench-fleet.sh.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
  let root = Path::new(env!("CARGO_MANIFEST_DIR"));
  println!("| fleet | workspaces | compile (ms, min / median) | per workspace (ms, median) |");
  println!("|---|---|---|---|");
  row(
    "fleets/contoso-hub.toml",
    &root.join("fleets/contoso-hub.toml"),
    20,
  );
  for n in [10, 100, 1000] {
    let dir = root.join(format!("target/bench-fleet/{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    let status = std::process::Command::new("python3")
      .arg(root.join("scripts/gen-fleet.py"))
      .arg(n.to_string())
      .arg(&dir)
      .status()
      .expect("python3 runs scripts/gen-fleet.py");
    assert!(status.success());
    row(
      &format!("generated ({n})"),
      &dir.join("fleet.toml"),
      if n > 100 { 3 } else { 5 },
    );
  }
}

fn row(name: &str, path: &Path, runs: usize) {
  let n = amlnet::fleet::compile(path)
    .expect("the fleet compiles")
    .spokes
    .len();
  let mut t: Vec<Duration> = (0..runs)
    .map(|_| {
      let start = Instant::now();
      black_box(amlnet::fleet::compile(path).expect("the fleet compiles"));
      start.elapsed()
    })
    .collect();
  t.sort();
  let median = t[t.len() / 2];
  println!(
    "| {name} | {n} | {:.1} / {:.1} | {:.2} |",
    t[0].as_secs_f64() * 1e3,
    median.as_secs_f64() * 1e3,
    median.as_secs_f64() * 1e3 / n as f64
  );
}
