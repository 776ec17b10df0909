//! A fleet's `--out` tree, written spoke by spoke as the spokes are compiled (in parallel):
//! complete manifests, bytes independent of profile order and scheduling, nothing left
//! behind by a fleet refused after its spokes were written, inputs found late still guarded,
//! and each spoke reporting what a single compile of it reports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fleet_support::{spoke, EXAMPLE, SPOKES};
use crate::support::{amlnet, root, scratch};

/// A fleet file in `dir` with the example's hub and these workspaces, in this order.
fn fleet_in(dir: &Path, workspaces: &[PathBuf]) -> PathBuf {
  let list: Vec<String> = workspaces
    .iter()
    .map(|p| format!("{:?}", p.display().to_string()))
    .collect();
  let text = format!(
    "name = \"test-hub\"\nworkspaces = [{}]\n\n[hub]\nvnet_name = \"vnet-hub\"\n\n[hub.firewall]\npolicy_name = \"afwp-hub\"\nprivate_ip = \"10.0.1.4\"\n",
    list.join(", ")
  );
  let path = dir.join("fleet.toml");
  std::fs::write(&path, text).expect("writable");
  path
}

/// Every file under `dir` with its bytes, by `/`-separated path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
  let mut out = BTreeMap::new();
  let mut stack = vec![dir.to_path_buf()];
  while let Some(d) = stack.pop() {
    for e in std::fs::read_dir(&d).expect("readable").flatten() {
      if e.path().is_dir() {
        stack.push(e.path());
      } else {
        let rel = e
          .path()
          .strip_prefix(dir)
          .expect("inside")
          .to_string_lossy()
          .replace('\\', "/");
        out.insert(rel, std::fs::read(e.path()).expect("readable"));
      }
    }
  }
  out
}

fn compile_out(fleet: &Path, out: &Path) -> crate::support::Run {
  amlnet(&[
    "compile",
    &fleet.to_string_lossy(),
    "--out",
    &out.to_string_lossy(),
  ])
}

/// Staging trees or locks amlnet left in `parent`.
fn leftovers(parent: &Path) -> Vec<String> {
  std::fs::read_dir(parent)
    .expect("readable")
    .flatten()
    .map(|e| e.file_name().to_string_lossy().into_owned())
    .filter(|n| n.contains(".amlnet-staging-") || n.ends_with(".amlnet.lock"))
    .collect()
}

fn hex(bytes: &[u8]) -> String {
  Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_file_is_in_the_manifests_with_its_hash() {
  let out = scratch("fleet-manifest").join("out");
  let run = amlnet(&["compile", EXAMPLE, "--out", &out.to_string_lossy()]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  let tree = files(&out);
  let top: serde_json::Value = serde_json::from_slice(&tree["manifest.json"]).expect("JSON");
  let listed: BTreeMap<String, (String, u64)> = top["artifacts"]
    .as_array()
    .expect("artifacts")
    .iter()
    .map(|a| {
      let path = a["path"].as_str().expect("path").to_string();
      let sha = a["sha256"].as_str().expect("sha256").to_string();
      (path, (sha, a["bytes"].as_u64().expect("bytes")))
    })
    .collect();
  let expected: BTreeMap<String, (String, u64)> = tree
    .iter()
    .filter(|(p, _)| *p != "manifest.json")
    .map(|(p, b)| (p.clone(), (hex(b), b.len() as u64)))
    .collect();
  assert_eq!(
    listed, expected,
    "the tree's manifest lists every other file as it is"
  );
  for name in SPOKES {
    let own: serde_json::Value =
      serde_json::from_slice(&tree[&format!("{name}/manifest.json")]).expect("JSON");
    let artifacts = own["artifacts"].as_array().expect("artifacts");
    let in_dir = tree.keys().filter(|p| p.starts_with(&format!("{name}/"))).count();
    assert_eq!(
      artifacts.len() + 1,
      in_dir,
      "{name}: its manifest lists its other files"
    );
    for a in artifacts {
      let path = format!("{name}/{}", a["path"].as_str().expect("path"));
      assert_eq!(a["sha256"].as_str(), Some(listed[&path].0.as_str()), "{path}");
    }
  }
  assert!(
    listed.keys().any(|p| p.starts_with("hub/dns/")),
    "the hub's files are listed"
  );
  // The summary counts what was written (the hub's files went to the writer, not the fleet).
  let said = format!("wrote {} artifacts to", listed.len());
  assert!(run.stdout.contains(&said), "{said}: {}", run.stdout);
}

#[test]
fn the_tree_is_byte_identical_whatever_the_profile_order() {
  let paths: Vec<PathBuf> = SPOKES.iter().map(|s| spoke(s)).collect();
  let mut reversed = paths.clone();
  reversed.reverse();
  let mut trees = Vec::new();
  for (tag, order) in [("order-a", &paths), ("order-b", &reversed), ("order-c", &paths)] {
    let dir = scratch(tag);
    let out = dir.join("out");
    let run = compile_out(&fleet_in(&dir, order), &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    trees.push(files(&out));
  }
  assert!(trees[0].len() > 50, "{} files", trees[0].len());
  assert!(trees[0] == trees[1], "profile order changed the tree");
  assert!(trees[0] == trees[2], "two runs differ");
}

#[test]
fn a_fleet_refused_after_its_spokes_were_written_leaves_the_old_tree_and_no_staging() {
  let dir = scratch("fleet-refused");
  let out = dir.join("out");
  let good = fleet_in(&dir, &[spoke("train-eastus"), spoke("secure-eastus")]);
  assert_eq!(compile_out(&good, &out).code, 0);
  let before = files(&out);
  // Every spoke compiles (and is written to the staging tree); the fleet checks then refuse
  // it: two workspaces with one endpoint address.
  let copy = dir.join("copy.toml");
  std::fs::write(
    &copy,
    format!(
      "extends = {:?}\n[workspace]\nname = \"mlw-copy\"\nid = \"11111111-2222-4333-8444-555555555555\"\n",
      spoke("train-eastus").display().to_string()
    ),
  )
  .expect("writable");
  let conflict_dir = scratch("fleet-refused-conflict");
  let conflict = fleet_in(&conflict_dir, &[spoke("train-eastus"), copy]);
  let run = compile_out(&conflict, &out);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains("error[FLT021]"), "{}", run.stderr);
  assert!(
    run.stderr.contains("the fleet has 4 errors; nothing was written"),
    "{}",
    run.stderr
  );
  // A spoke that does not compile, after others that did.
  let broken = dir.join("zz-broken.toml");
  std::fs::write(&broken, "region = \"nowhere\"\n").expect("writable");
  let broken_fleet = fleet_in(&scratch("fleet-refused-broken"), &[spoke("train-eastus"), broken]);
  let broken_run = compile_out(&broken_fleet, &out);
  assert_eq!(broken_run.code, 2);
  assert!(
    broken_run
      .stderr
      .contains("the fleet has 3 errors; nothing was written"),
    "{}",
    broken_run.stderr
  );
  assert!(files(&out) == before, "the previous tree is untouched");
  assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn an_input_inside_out_is_refused_even_when_only_a_spoke_reads_it() {
  // `out` holds an earlier amlnet tree and, beside it, the base a spoke extends; the fleet
  // file names only the spoke, so the base is known once the spoke has been compiled.
  let dir = scratch("fleet-input");
  let out = dir.join("out");
  let first = fleet_in(&dir, &[spoke("train-eastus")]);
  assert_eq!(compile_out(&first, &out).code, 0);
  let base = out.join("base.toml");
  std::fs::write(
    &base,
    format!("extends = {:?}\n", spoke("train-eastus").display().to_string()),
  )
  .expect("writable");
  let child = dir.join("child.toml");
  std::fs::write(&child, format!("extends = {:?}\n", base.display().to_string())).expect("writable");
  let fleet = fleet_in(&scratch("fleet-input-fleet"), &[child]);
  let run = amlnet(&[
    "compile",
    &fleet.to_string_lossy(),
    "--out",
    &out.to_string_lossy(),
    "--force",
  ]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains("holds the input"), "{}", run.stderr);
  assert!(base.is_file(), "the base profile is still there");
  assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn a_spoke_reports_what_a_single_compile_reports() {
  let fleet = amlnet::fleet::compile(&root().join(EXAMPLE)).expect("compiles");
  for s in &fleet.spokes {
    let single = amlnet::compile(&spoke(s.name())).expect("compiles");
    let notes: Vec<_> = s
      .compiled
      .output
      .notes
      .iter()
      .filter(|n| n.code != "FLT030")
      .collect();
    assert_eq!(
      notes,
      single.output.notes.iter().collect::<Vec<_>>(),
      "{}",
      s.name()
    );
    assert!(!notes.is_empty(), "{}", s.name());
  }
}

#[test]
fn the_private_dns_backend_reports_nothing_a_spoke_would_miss() {
  // A spoke renders the DNS backends for their notes only, and skips the Private DNS ARM set
  // (fleet::DNS_NOTES): it must report nothing, for every shipped and test profile.
  let mut rendered = 0;
  for path in crate::support::every_profile() {
    let compiled = amlnet::compile(&path).expect("compiles");
    let mut out = amlnet::backend::Output::default();
    amlnet::backend::Target::PrivateDns.render(&compiled.ir, &compiled.plan, &mut out);
    rendered += usize::from(!out.artifacts.is_empty());
    assert_eq!(out.notes, Vec::new(), "{}", path.display());
  }
  assert!(rendered > 5, "{rendered} profiles have private DNS zones");
}

#[test]
fn each_spoke_ir_is_a_single_compiles_though_the_bases_are_read_once() {
  // The spokes of the example extend the shipped scenarios, which extend one base: read and
  // parsed once for all (loader::Bases), the IRs are still what each profile alone gives.
  let out = scratch("fleet-irs").join("out");
  let run = amlnet(&["compile", EXAMPLE, "--out", &out.to_string_lossy()]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  for name in SPOKES {
    let single = amlnet::compile(&spoke(name)).expect("compiles");
    let written = std::fs::read_to_string(out.join(name).join("ir.json")).expect("ir.json");
    assert_eq!(written, single.ir.to_json(), "{name}");
  }
}
