//! `--out DIR` (src/io/): what may be replaced, atomic replacement, locking, stale staging
//! trees, kills mid-write, and ir.json bytes independent of the cwd and the profile path.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::support::{amlnet, amlnet_in, command, root, scratch, Run};

const PROFILE: &str = "profiles/secure-workspace.toml";

fn s(p: &Path) -> String {
  p.to_string_lossy().into_owned()
}

fn compile(profile: &str, out: &Path, extra: &[&str]) -> Run {
  let abs = s(&root().join(profile));
  let out = s(out);
  let mut args = vec!["compile", abs.as_str(), "--out", out.as_str()];
  args.extend(extra);
  amlnet(&args)
}

/// Every file under `dir`, `/`-separated, sorted.
fn tree(dir: &Path) -> Vec<String> {
  let mut files = Vec::new();
  let mut stack = vec![dir.to_path_buf()];
  while let Some(d) = stack.pop() {
    for e in std::fs::read_dir(&d).expect("readable").flatten() {
      if e.path().is_dir() {
        stack.push(e.path());
      } else {
        let rel = e.path().strip_prefix(dir).expect("inside").to_path_buf();
        files.push(rel.to_string_lossy().replace('\\', "/"));
      }
    }
  }
  files.sort();
  files
}

fn names(dir: &Path) -> Vec<String> {
  let mut v: Vec<String> = std::fs::read_dir(dir)
    .expect("readable")
    .flatten()
    .map(|e| e.file_name().to_string_lossy().into_owned())
    .collect();
  v.sort();
  v
}

/// `dir` is one complete amlnet output: its manifest lists exactly the other files, ir.json
/// included, with matching sha256.
fn assert_complete(dir: &Path) {
  let manifest: serde_json::Value =
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"))
      .expect("manifest is JSON");
  assert_eq!(manifest["generator"], "amlnet");
  let mut listed = Vec::new();
  for a in manifest["artifacts"].as_array().expect("artifacts") {
    let path = a["path"].as_str().expect("path");
    let bytes = std::fs::read(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let hash: String = Sha256::digest(&bytes)
      .iter()
      .map(|b| format!("{b:02x}"))
      .collect();
    assert_eq!(a["sha256"], hash.as_str(), "{path}");
    listed.push(path.to_string());
  }
  assert!(
    listed.iter().any(|p| p == "ir.json"),
    "the manifest covers ir.json"
  );
  listed.push("manifest.json".into());
  listed.sort();
  assert_eq!(tree(dir), listed, "the tree holds exactly the manifest's files");
}

fn refused(run: &Run) {
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains("will not write to"), "{}", run.stderr);
}

#[test]
fn a_directory_with_user_files_is_refused_and_left_intact() {
  let dir = scratch("user-files");
  let out = dir.join("out");
  std::fs::create_dir_all(out.join("sub")).expect("mkdir");
  std::fs::write(out.join("notes.txt"), "mine\n").expect("write");
  std::fs::write(out.join("sub/keep.txt"), "also mine\n").expect("write");
  let run = compile(PROFILE, &out, &[]);
  refused(&run);
  assert!(run.stderr.contains("--force"), "{}", run.stderr);
  assert_eq!(tree(&out), ["notes.txt", "sub/keep.txt"]);
  assert_eq!(
    std::fs::read_to_string(out.join("notes.txt")).expect("kept"),
    "mine\n"
  );
  assert_eq!(names(&dir), ["out"], "nothing else was created");
  // A manifest amlnet did not write does not count.
  std::fs::write(out.join("manifest.json"), "{\"artifacts\": []}\n").expect("write");
  refused(&compile(PROFILE, &out, &[]));
  assert!(out.join("notes.txt").is_file());
}

#[test]
fn the_profiles_folder_is_refused_even_with_force() {
  let dir = scratch("profiles-dir");
  let profiles = dir.join("profiles");
  std::fs::create_dir_all(&profiles).expect("mkdir");
  // A profile that extends nothing, so it compiles on its own.
  std::fs::copy(
    root().join("profiles/china-training-no-public-ip.toml"),
    profiles.join("p.toml"),
  )
  .expect("copy");
  let p = s(&profiles.join("p.toml"));
  for extra in [&[][..], &["--force"][..]] {
    let mut args = vec!["compile", p.as_str(), "--out", "profiles"];
    args.extend(extra);
    let run = amlnet_in(&dir, &args);
    refused(&run);
    assert_eq!(names(&profiles), ["p.toml"], "{extra:?}");
  }
  assert_eq!(names(&dir), ["profiles"]);
}

#[test]
fn dot_dotdot_and_the_cwd_are_refused_even_with_force() {
  let dir = scratch("cwd");
  let cwd = dir.join("work");
  std::fs::create_dir_all(&cwd).expect("mkdir");
  std::fs::write(cwd.join("keep.txt"), "x").expect("write");
  let profile = s(&root().join(PROFILE));
  let cwd_abs = s(&cwd);
  for out in [".", "..", "./", cwd_abs.as_str(), "sub/.."] {
    for extra in [&[][..], &["--force"][..]] {
      let mut args = vec!["compile", profile.as_str(), "--out", out];
      args.extend(extra);
      let run = amlnet_in(&cwd, &args);
      refused(&run);
      assert_eq!(names(&cwd), ["keep.txt"], "--out {out} {extra:?}");
    }
  }
  assert_eq!(names(&dir), ["work"]);
}

#[test]
fn a_regular_file_is_refused_even_with_force() {
  let dir = scratch("file");
  let file = dir.join("out");
  std::fs::write(&file, "not a directory\n").expect("write");
  refused(&compile(PROFILE, &file, &[]));
  refused(&compile(PROFILE, &file, &["--force"]));
  assert_eq!(std::fs::read_to_string(&file).expect("kept"), "not a directory\n");
  assert_eq!(names(&dir), ["out"]);
}

#[test]
fn a_previous_amlnet_output_and_an_empty_directory_are_replaced() {
  let dir = scratch("replace");
  let out = dir.join("out");
  std::fs::create_dir_all(&out).expect("mkdir");
  assert_eq!(compile("profiles/training-public-ip.toml", &out, &[]).code, 0);
  assert_complete(&out);
  let run = compile(PROFILE, &out, &[]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert_complete(&out);
  let ir: serde_json::Value =
    serde_json::from_str(&std::fs::read_to_string(out.join("ir.json")).expect("ir")).expect("JSON");
  assert_eq!(ir["profile"], "secure-workspace");
  assert_eq!(names(&dir), ["out"], "no staging tree or lock left behind");
}

#[test]
fn force_replaces_a_directory_with_user_files() {
  let dir = scratch("force");
  let out = dir.join("out");
  std::fs::create_dir_all(&out).expect("mkdir");
  std::fs::write(out.join("notes.txt"), "mine\n").expect("write");
  let run = compile(PROFILE, &out, &["--force"]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert_complete(&out);
  assert_eq!(names(&dir), ["out"]);
}

#[test]
fn stale_staging_trees_of_dead_runs_are_removed() {
  let dir = scratch("stale");
  let out = dir.join("out");
  assert_eq!(compile(PROFILE, &out, &[]).code, 0);
  // A pid that is certainly dead: a child that has exited and been reaped.
  let mut child = Command::new("true").spawn().expect("spawn");
  let pid = child.id();
  child.wait().expect("wait");
  for stale in [
    format!(".out.amlnet-staging-{pid}-0"),
    format!(".out.amlnet-staging-{pid}-1-old"),
  ] {
    std::fs::create_dir_all(dir.join(&stale).join("nsg")).expect("mkdir");
    std::fs::write(dir.join(&stale).join("nsg/nsg.json"), "{}").expect("write");
  }
  std::fs::write(dir.join(".out.amlnet.lock"), "").expect("lock file of a killed run");
  let run = compile(PROFILE, &out, &[]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert_complete(&out);
  assert_eq!(names(&dir), ["out"]);
}

#[test]
fn concurrent_compiles_to_one_directory_all_succeed() {
  let dir = scratch("concurrent");
  let out = dir.join("out");
  let profiles = ["profiles/training-public-ip.toml", PROFILE];
  let children: Vec<_> = (0..6)
    .map(|i| {
      command()
        .args(["compile", profiles[i % 2], "--out", &s(&out)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
    })
    .collect();
  for child in children {
    let done = child.wait_with_output().expect("wait");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
  }
  assert_complete(&out);
  assert_eq!(names(&dir), ["out"]);
}

#[test]
fn a_killed_run_never_leaves_the_directory_missing_or_half_written() {
  let dir = scratch("kill");
  let out = dir.join("out");
  assert_eq!(compile(PROFILE, &out, &[]).code, 0);
  let profiles = ["profiles/training-public-ip.toml", PROFILE];
  for i in 0..30u64 {
    let mut child = command()
      .args(["compile", profiles[i as usize % 2], "--out", &s(&out)])
      .stdout(Stdio::null())
      .stderr(Stdio::null())
      .spawn()
      .expect("spawn");
    // Spread the kills over the run (a debug build takes a few tens of milliseconds).
    std::thread::sleep(std::time::Duration::from_micros(i * 1500));
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.is_dir(), "run {i}: the output directory is never missing");
    assert_complete(&out);
  }
  assert_eq!(compile(PROFILE, &out, &[]).code, 0);
  assert_complete(&out);
  assert_eq!(names(&dir), ["out"], "no staging tree survives a successful run");
}

#[test]
fn ir_json_is_the_same_from_any_cwd_and_path() {
  let base = scratch("cwd-independent");
  let elsewhere = base.join("elsewhere");
  std::fs::create_dir_all(&elsewhere).expect("mkdir");
  // registry-private extends base/contoso-eastus.toml.
  for name in ["registry-private.toml", "training-public-ip.toml"] {
    let rel = format!("profiles/{name}");
    let abs = s(&root().join(&rel));
    let runs: [(PathBuf, &str, PathBuf); 4] = [
      (root(), rel.as_str(), base.join(format!("a-{name}"))),
      (root(), abs.as_str(), base.join(format!("b-{name}"))),
      (elsewhere.clone(), abs.as_str(), base.join(format!("c-{name}"))),
      (root().join("profiles"), name, base.join(format!("d-{name}"))),
    ];
    let mut bytes = Vec::new();
    for (cwd, profile, out) in &runs {
      let run = amlnet_in(cwd, &["compile", profile, "--out", &s(out)]);
      assert_eq!(run.code, 0, "{}", run.stderr);
      let ir = std::fs::read(out.join("ir.json")).expect("ir.json");
      let manifest = std::fs::read(out.join("manifest.json")).expect("manifest");
      bytes.push((ir, manifest));
    }
    let ir = String::from_utf8_lossy(&bytes[0].0).into_owned();
    assert!(!ir.contains(&s(&root())), "{name}: no absolute path in ir.json");
    assert!(
      ir.contains(&format!("at {name}:")),
      "{name}: locations name the file"
    );
    for (i, b) in bytes.iter().enumerate() {
      assert!(b == &bytes[0], "{name}: run {i} differs from run 0");
    }
  }
}

/// `--force` never replaces the folder of a file the profile extends: the base profile in
/// `base/` survives `--out base --force`.
#[test]
fn the_folder_of_an_extended_profile_is_refused_even_with_force() {
  let dir = scratch("out-extends");
  std::fs::create_dir_all(dir.join("base")).expect("dir");
  let base = root().join("profiles/secure-workspace.toml");
  std::fs::write(
    dir.join("base/common.toml"),
    format!("extends = {:?}\n", s(&base)),
  )
  .expect("write");
  std::fs::write(
    dir.join("p.toml"),
    "extends = \"base/common.toml\"\nname = \"p\"\n",
  )
  .expect("write");
  let run = amlnet(&[
    "compile",
    &s(&dir.join("p.toml")),
    "--out",
    &s(&dir.join("base")),
    "--force",
  ]);
  refused(&run);
  assert!(
    dir.join("base/common.toml").is_file(),
    "the base profile is still there"
  );
}

/// A `manifest.json` that is a device (or a FIFO, or huge) is not amlnet's: the directory is
/// refused at once instead of amlnet reading the device.
#[test]
fn a_manifest_that_is_a_device_is_not_read() {
  let dir = scratch("out-manifest-device");
  let out = dir.join("out");
  std::fs::create_dir_all(&out).expect("dir");
  std::os::unix::fs::symlink("/dev/zero", out.join("manifest.json")).expect("symlink");
  let run = compile("profiles/training-no-public-ip.toml", &out, &[]);
  refused(&run);
}
