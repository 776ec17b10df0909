//! Shared helpers for the integration tests: the shipped profiles, running the real binary,
//! and scratch directories under target/.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every shipped profile (profiles/*.toml, not the bases they extend), sorted.
pub fn shipped_profiles() -> Vec<PathBuf> {
  // Relative to the crate root (the tests' working directory), so no checkout path
  // leaks into snapshots.
  let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("profiles"))
    .expect("profiles/ exists")
    .filter_map(|e| e.ok().map(|e| PathBuf::from("profiles").join(e.file_name())))
    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    .collect();
  v.sort();
  assert!(v.len() >= 9, "the nine shipped profiles are present");
  v
}

pub fn root() -> PathBuf {
  PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Run {
  pub stdout: String,
  pub stderr: String,
  pub code: i32,
}

/// The amlnet binary, to run from the crate root (so relative paths in messages are
/// stable) with `NO_COLOR` unset (so `--color` alone decides); for runs the helpers
/// below do not cover (spawned children, other stdio).
pub fn command() -> Command {
  let mut command = Command::new(env!("CARGO_BIN_EXE_amlnet"));
  command.current_dir(root()).env_remove("NO_COLOR");
  command
}

/// Run the amlnet binary from the crate root.
pub fn amlnet(args: &[&str]) -> Run {
  run(command().args(args))
}

/// Run the amlnet binary from `cwd`.
pub fn amlnet_in(cwd: &Path, args: &[&str]) -> Run {
  run(command().current_dir(cwd).args(args))
}

fn run(command: &mut Command) -> Run {
  let out = command.output().expect("the amlnet binary runs");
  Run {
    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    code: out.status.code().unwrap_or(-1),
  }
}

/// A fresh, empty directory under target/test-scratch/.
pub fn scratch(tag: &str) -> PathBuf {
  static N: AtomicUsize = AtomicUsize::new(0);
  let dir = root().join("target/test-scratch").join(format!(
    "{tag}-{}-{}",
    std::process::id(),
    N.fetch_add(1, Ordering::SeqCst)
  ));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).expect("scratch dir");
  dir
}

pub fn stem(path: &Path) -> String {
  path
    .file_stem()
    .map(|s| s.to_string_lossy().into_owned())
    .unwrap_or_default()
}
