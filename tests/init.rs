//! `amlnet init` (src/init.rs): a starter for every shipped scenario in every cloud compiles,
//! passes the schema, and `--out` never overwrites a file.

use std::path::PathBuf;

use amlnet::region::Cloud;

use crate::support::{amlnet, python, root, scratch};

#[test]
fn embedded_scenarios_are_the_shipped_profiles() {
  let mut on_disk = Vec::new();
  for dir in ["profiles", "profiles/base"] {
    for e in std::fs::read_dir(root().join(dir)).expect("readable").flatten() {
      let name = e.file_name().to_string_lossy().into_owned();
      if name.ends_with(".toml") {
        let rel = dir.trim_start_matches("profiles").trim_start_matches('/');
        on_disk.push(if rel.is_empty() {
          name
        } else {
          format!("{rel}/{name}")
        });
      }
    }
  }
  on_disk.sort();
  let mut embedded: Vec<String> = amlnet::init::SHIPPED.iter().map(|(p, _)| p.to_string()).collect();
  embedded.sort();
  assert_eq!(
    embedded, on_disk,
    "src/init.rs SHIPPED must list every profile of profiles/"
  );
  for (path, text) in amlnet::init::SHIPPED {
    let disk = std::fs::read_to_string(root().join("profiles").join(path)).expect("readable");
    assert_eq!(*text, disk, "{path}");
  }
}

#[test]
fn every_scenario_compiles_in_every_cloud_and_passes_the_schema() {
  let dir = scratch("init");
  let mut starters: Vec<PathBuf> = Vec::new();
  for scenario in amlnet::init::scenarios() {
    for cloud in Cloud::ALL {
      let file = dir.join(format!("{scenario}-{}.toml", cloud.name()));
      let out = file.display().to_string();
      let run = amlnet(&[
        "init",
        "--scenario",
        scenario,
        "--cloud",
        cloud.name(),
        "--out",
        &out,
      ]);
      assert_eq!(run.code, 0, "{scenario} in {cloud}: {}", run.stderr);
      assert!(run.stdout.is_empty(), "--out prints nothing on stdout");
      let text = std::fs::read_to_string(&file).expect("written");
      assert!(text.contains(&format!("cloud = \"{}\"", cloud.name())), "{text}");
      assert!(!text.contains("extends"), "a starter stands alone");
      let compiled = amlnet(&["compile", &out]);
      assert_eq!(compiled.code, 0, "{scenario} in {cloud}:\n{}", compiled.stderr);
      assert!(!compiled.stderr.contains("error"), "{}", compiled.stderr);
      starters.push(file);
    }
  }
  let region = dir.join("westeurope.toml");
  let run = amlnet(&[
    "init",
    "--scenario",
    "training-no-public-ip",
    "--cloud",
    "AzureCloud",
    "--region",
    "westeurope",
    "--out",
    &region.display().to_string(),
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert!(std::fs::read_to_string(&region)
    .expect("written")
    .contains("region = \"westeurope\""));
  starters.push(region);

  let out = std::process::Command::new(python())
    .current_dir(root())
    .arg("scripts/check_schema.py")
    .arg("schema/profile.schema.json")
    .args(&starters)
    .output()
    .expect("python runs");
  assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
  let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
  for (file, errors) in report.as_object().expect("object") {
    assert_eq!(errors, &serde_json::json!([]), "{file}");
  }
}

#[test]
fn stdout_starter_is_the_out_file_and_deterministic() {
  let a = amlnet(&["init", "--scenario", "secure-workspace"]);
  let b = amlnet(&["init", "--scenario", "secure-workspace"]);
  assert_eq!(a.code, 0, "{}", a.stderr);
  assert_eq!(a.stdout, b.stdout);
  assert!(a.stdout.starts_with("# "), "a commented starter");
  assert!(
    a.stdout.contains("# How compute reaches the internet"),
    "keys carry their meaning"
  );
}

#[test]
fn out_never_overwrites_a_file() {
  let file = scratch("init-exists").join("mine.toml");
  std::fs::write(&file, "# my own work\n").expect("writable");
  let run = amlnet(&[
    "init",
    "--scenario",
    "secure-workspace",
    "--out",
    &file.display().to_string(),
  ]);
  assert_eq!(run.code, 2);
  assert!(run.stderr.contains("already exists"), "{}", run.stderr);
  assert_eq!(
    std::fs::read_to_string(&file).expect("readable"),
    "# my own work\n"
  );
}

#[test]
fn unknown_regions_and_regions_of_other_clouds_are_refused_with_a_hint() {
  let typo = amlnet(&["init", "--scenario", "secure-workspace", "--region", "westeurop"]);
  assert_eq!(typo.code, 2);
  assert!(
    typo.stderr.contains("did you mean `westeurope`?"),
    "{}",
    typo.stderr
  );
  let other = amlnet(&[
    "init",
    "--scenario",
    "secure-workspace",
    "--cloud",
    "AzureChinaCloud",
    "--region",
    "westeurope",
  ]);
  assert_eq!(other.code, 2);
  assert!(
    other.stderr.contains("is a region of AzureCloud"),
    "{}",
    other.stderr
  );
  assert!(other.stdout.is_empty());
  // A region alone picks its cloud.
  let china = amlnet(&[
    "init",
    "--scenario",
    "secure-workspace",
    "--region",
    "chinanorth3",
  ]);
  assert_eq!(china.code, 0, "{}", china.stderr);
  assert!(china.stdout.contains("cloud = \"AzureChinaCloud\""));
}
