//! Shared helpers for the integration tests: the shipped profiles, running the real binary,
//! the project's Python (.venv/, made by `make deps`) and scratch directories under target/.

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

/// Every valid test profile (tests/profiles/*.toml), sorted, relative to the crate root: other
/// regions, sovereign clouds and scenarios the shipped profiles do not cover. Each compiles
/// with exit 0.
pub fn test_profiles() -> Vec<PathBuf> {
  let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/profiles"))
    .expect("tests/profiles/ exists")
    .filter_map(|e| {
      e.ok()
        .map(|e| PathBuf::from("tests/profiles").join(e.file_name()))
    })
    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    .collect();
  v.sort();
  assert!(v.len() >= 8, "the test profiles are present");
  v
}

/// The shipped profiles, then the test profiles: for the loops that check every valid profile.
pub fn every_profile() -> Vec<PathBuf> {
  shipped_profiles().into_iter().chain(test_profiles()).collect()
}

pub fn root() -> PathBuf {
  PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project's Python, `.venv/bin/python3`, which holds the checkers' modules. Tests never
/// fall back to a `python3` on PATH: what it has installed is not what scripts/deps/pip.txt says.
pub fn python() -> PathBuf {
  venv_bin("python3")
}

/// A program pip installed into `.venv/bin` (e.g. `checkov`); panics with the fix when absent.
pub fn venv_bin(name: &str) -> PathBuf {
  let path = root().join(".venv/bin").join(name);
  assert!(
    path.exists(),
    "{} is missing: run `make deps` (scripts/install-test-deps.sh creates .venv/ and installs \
     scripts/deps/pip.txt into it)",
    path.display()
  );
  path
}

/// PATH with `.venv/bin` first, for a venv program that starts others by name.
pub fn venv_path() -> std::ffi::OsString {
  let mut dirs = vec![root().join(".venv/bin")];
  dirs.extend(std::env::split_paths(
    &std::env::var_os("PATH").unwrap_or_default(),
  ));
  std::env::join_paths(dirs).expect("PATH entries have no separator")
}

/// For a test that skips because optional data is absent: counts the snapshots in `dir` whose
/// names start with `prefix` as asserted, so the orphan check of `make test` (which reads
/// insta's INSTA_SNAPSHOT_REFERENCES_FILE list) does not take them for orphans.
pub fn snapshots_skipped(dir: &str, prefix: &str) {
  use std::io::Write as _;
  let Some(refs) = std::env::var_os("INSTA_SNAPSHOT_REFERENCES_FILE") else {
    return;
  };
  let mut list = String::new();
  for e in std::fs::read_dir(root().join(dir))
    .expect("snapshot dir exists")
    .flatten()
  {
    let name = e.file_name().to_string_lossy().into_owned();
    if name.starts_with(prefix) && name.ends_with(".snap") {
      list += &format!("{}\n", e.path().display());
    }
  }
  std::fs::OpenOptions::new()
    .append(true)
    .create(true)
    .open(refs)
    .and_then(|mut f| f.write_all(list.as_bytes()))
    .expect("the snapshot references file is writable");
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

/// A profile in a fresh scratch directory that `extends` the shipped `profiles/<base>.toml`
/// (by absolute path) and adds `extra` TOML (arrays of tables in `extra` replace the base's
/// whole). Returns its path.
pub fn extending(base: &str, tag: &str, extra: &str) -> PathBuf {
  let file = scratch(tag).join("p.toml");
  let base = root().join("profiles").join(format!("{base}.toml"));
  std::fs::write(
    &file,
    format!("extends = {:?}\n{extra}", base.display().to_string()),
  )
  .expect("writable");
  file
}

/// Run a Python script of the project's venv with `args` and `stdin`; it prints one JSON
/// value, which is returned. A script exits 3 when a module it needs is missing, which fails
/// the test with the fix.
pub fn python_json<A: AsRef<std::ffi::OsStr>>(script: &str, args: &[A], stdin: &str) -> serde_json::Value {
  use std::io::Write as _;
  use std::process::Stdio;
  let mut child = Command::new(python())
    .arg("-c")
    .arg(script)
    .args(args)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap_or_else(|e| panic!("python3 runs: {e}"));
  child
    .stdin
    .take()
    .expect("stdin")
    .write_all(stdin.as_bytes())
    .expect("write stdin");
  let out = child.wait_with_output().expect("python finishes");
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert_ne!(
    out.status.code(),
    Some(3),
    "a Python module is missing: run `make deps`\n{stderr}"
  );
  assert!(out.status.success(), "python failed:\n{stderr}");
  serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("python prints JSON: {e}"))
}
