//! `cargo bench --bench compile`: what one compile costs, split into its two halves —
//! load + model + constraints + lowering to the IR, and planning every target once +
//! rendering every artifact — for every shipped profile, and for a generated profile with
//! 10,000 subnets and 10,000 computes. Prints microseconds (min / median over repeated
//! runs); never judges a figure and never writes files: the table goes to README.md.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
  let root = Path::new(env!("CARGO_MANIFEST_DIR"));
  let catalog = amlnet::catalog::get();
  let mut profiles: Vec<PathBuf> = std::fs::read_dir(root.join("profiles"))
    .expect("profiles/")
    .filter_map(|e| e.ok().map(|e| e.path()))
    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    .collect();
  profiles.sort();
  println!("| profile | lower (µs, min / median) | plan + render (µs, min / median) | ratio |");
  println!("|---|---|---|---|");
  for profile in &profiles {
    row(profile, catalog, 200);
  }
  let training = root.join("profiles/training-no-public-ip.toml");
  let (ir, _) = amlnet::lower_with(&training, catalog).expect("compiles");
  println!("\n| training-no-public-ip target | render (µs, median) |\n|---|---|");
  let plan = amlnet::plan::Plan::new(&ir);
  let planning = measure(200, || {
    black_box(amlnet::plan::Plan::new(&ir));
  });
  println!("| plan | {} |", planning[100].as_micros());
  for target in amlnet::backend::Target::ALL {
    let t = measure(200, || {
      let mut out = amlnet::backend::Output::default();
      target.render(&ir, &plan, &mut out);
      black_box(out);
    });
    println!("| {} | {} |", target.name(), t[100].as_micros());
  }
  println!();
  let large = large_profile();
  row(&large, catalog, 5);
  let _ = std::fs::remove_file(&large);
}

fn row(profile: &Path, catalog: &amlnet::catalog::Catalog, runs: usize) {
  let lower = measure(runs, || {
    black_box(amlnet::lower_with(profile, catalog).expect("compiles"));
  });
  let (ir, _) = amlnet::lower_with(profile, catalog).expect("compiles");
  // What plan_and_render does, without cloning its owned inputs for each run.
  let render = measure(runs, || {
    let plan = amlnet::plan::Plan::new(&ir);
    black_box(amlnet::backend::render_all(&ir, &plan));
  });
  let name = profile
    .file_stem()
    .map(|s| s.to_string_lossy().into_owned())
    .unwrap_or_default();
  println!(
    "| {name} | {} / {} | {} / {} | {:.2} |",
    lower[0].as_micros(),
    lower[runs / 2].as_micros(),
    render[0].as_micros(),
    render[runs / 2].as_micros(),
    render[runs / 2].as_secs_f64() / lower[runs / 2].as_secs_f64()
  );
}

/// Sorted durations of `runs` calls.
fn measure(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
  let mut times: Vec<Duration> = (0..runs)
    .map(|_| {
      let start = Instant::now();
      f();
      start.elapsed()
    })
    .collect();
  times.sort();
  times
}

#[path = "../tests/shared/large_profile.rs"]
mod shared;

/// 10,000 subnets and 10,000 computes (the limits test's profile).
fn large_profile() -> PathBuf {
  let path = std::env::temp_dir().join(format!("amlnet-bench-large-{}.toml", std::process::id()));
  std::fs::write(&path, shared::large_profile(10_000)).expect("write the generated profile");
  path
}
