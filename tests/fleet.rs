//! Fleets (docs/fleet.md): the shipped example's hub and summaries as golden files, priority
//! stability when a workspace is added, independence of profile order, the fleet checks and
//! their located errors, the hub firewall limit, `--out` trees, several profiles at once.

use std::path::{Path, PathBuf};

use amlnet::fleet::{self, Fleet};

use crate::fleet_support::{compiled, deployed_rules, refused, spoke, EXAMPLE, SPOKES};
use crate::support::{amlnet, root, scratch};

/// A fleet file in a scratch directory: the example's hub, `hub_extra` appended to `[hub]`
/// keys, and these workspace profiles (absolute paths).
fn fleet_file(tag: &str, workspaces: &[PathBuf], hub_extra: &str) -> PathBuf {
  let dir = scratch(tag);
  let list: Vec<String> = workspaces
    .iter()
    .map(|p| format!("{:?}", p.display().to_string()))
    .collect();
  let text = format!(
    "name = \"test-hub\"\nworkspaces = [{}]\n\n[hub]\ncloud = \"AzureCloud\"\nvnet_name = \"vnet-hub\"\n{hub_extra}\n\n[hub.firewall]\npolicy_name = \"afwp-hub\"\nprivate_ip = \"10.0.1.4\"\n",
    list.join(", ")
  );
  let path = dir.join("fleet.toml");
  std::fs::write(&path, text).expect("writable");
  path
}

#[test]
fn the_example_fleet_matches_its_golden_files() {
  let fleet = compiled(&root().join(EXAMPLE));
  assert_eq!(fleet.workspace_names(), SPOKES);
  assert!(
    fleet.firewall.shared() > 0,
    "the example shares rules between workspaces"
  );
  let settings = || {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../golden/fleet/contoso-hub");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
  };
  for a in &fleet.output.artifacts {
    let name = a.path.replace('/', "__");
    settings().bind(|| insta::assert_snapshot!(name.clone(), a.contents));
  }
  let text = amlnet(&["compile", EXAMPLE]);
  assert_eq!(text.code, 0, "{}", text.stderr);
  settings().bind(|| insta::assert_snapshot!("summary", text.stdout));
  let json = amlnet(&["compile", EXAMPLE, "--format", "json"]);
  assert_eq!(json.code, 0, "{}", json.stderr);
  settings().bind(|| insta::assert_snapshot!("summary.json", json.stdout));
  // What each spoke keeps: a single compile's files minus the firewall group and DNS.
  let listing: Vec<String> = fleet
    .spokes
    .iter()
    .flat_map(|s| {
      s.compiled
        .output
        .artifacts
        .iter()
        .map(move |a| format!("{}/{}", s.name(), a.path))
    })
    .collect();
  settings().bind(|| insta::assert_snapshot!("spoke-files", listing.join("\n")));
}

#[test]
fn adding_a_workspace_changes_no_existing_rule_priority() {
  for added in SPOKES {
    let before: Vec<PathBuf> = SPOKES.iter().filter(|s| **s != added).map(|s| spoke(s)).collect();
    let after: Vec<PathBuf> = SPOKES.iter().map(|s| spoke(s)).collect();
    let (small, large) = (
      compiled(&fleet_file("fleet-before", &before, "")),
      compiled(&fleet_file("fleet-after", &after, "")),
    );
    let (old, new) = (deployed_rules(&small), deployed_rules(&large));
    assert!(!old.is_empty());
    for (key, (group, collection, sources)) in &old {
      let Some((g, c, s)) = new.get(key) else {
        panic!("adding {added} removed or renamed rule {key:?}");
      };
      assert_eq!((group, collection), (g, c), "adding {added} moved rule {key:?}");
      assert!(
        sources.iter().all(|x| s.contains(x)),
        "adding {added} took sources from {key:?}"
      );
    }
    // The IP groups of the workspaces that were there keep their names and addresses.
    for g in &small.firewall.ip_groups {
      assert!(
        large.firewall.ip_groups.contains(g),
        "adding {added} changed {}",
        g.name
      );
    }
  }
}

#[test]
fn profile_order_does_not_change_the_hub_firewall_bytes() {
  let forward: Vec<PathBuf> = SPOKES.iter().map(|s| spoke(s)).collect();
  let mut backward = forward.clone();
  backward.reverse();
  let mut shuffled = forward.clone();
  shuffled.swap(0, 2);
  let a = compiled(&fleet_file("order-a", &forward, ""));
  for other in [backward, shuffled] {
    let b = compiled(&fleet_file("order-b", &other, ""));
    let firewall = |f: &Fleet| -> Vec<(String, String)> {
      f.output
        .artifacts
        .iter()
        .filter(|x| x.path.starts_with("hub/"))
        .map(|x| (x.path.clone(), x.contents.clone()))
        .collect()
    };
    assert_eq!(firewall(&a), firewall(&b));
  }
}

/// A spoke profile in a scratch directory that extends a fleet spoke and adds `extra`.
fn variant(base: &str, tag: &str, extra: &str) -> PathBuf {
  let path = scratch(tag).join(format!("{tag}.toml"));
  std::fs::write(
    &path,
    format!("extends = {:?}\n{extra}", spoke(base).display().to_string()),
  )
  .expect("writable");
  path
}

#[test]
fn two_workspaces_with_one_endpoint_address_are_refused_naming_both() {
  // Same subnets and endpoint addresses as train-eastus, another workspace.
  let copy = variant(
    "train-eastus",
    "copy",
    "[workspace]\nname = \"mlw-copy\"\nid = \"11111111-2222-4333-8444-555555555555\"\n",
  );
  let err = refused(&fleet_file("dns-conflict", &[spoke("train-eastus"), copy], ""));
  assert!(err.contains("error[FLT021]"), "{err}");
  assert!(err.contains("error[FLT013]"), "{err}");
  // Both profiles by name, each at the line of the address.
  assert!(err.contains("copy (") && err.contains("train-eastus ("), "{err}");
  assert!(err.contains("train-eastus.toml:19:"), "{err}");
}

#[test]
fn two_workspaces_giving_one_name_two_addresses_are_refused() {
  // Same workspace GUID as train-eastus (so the same private names) in its own address space.
  let twin = variant(
    "train-westeurope",
    "twin",
    "region = \"eastus\"\n[workspace]\nid = \"0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b\"\n",
  );
  let err = refused(&fleet_file("dns-names", &[spoke("train-eastus"), twin], ""));
  assert!(err.contains("error[FLT020]"), "{err}");
  assert!(err.contains("error[FLT012]"), "{err}");
  assert!(
    err.contains("gives it 10.21.2.4") && err.contains("gives it 10.24.2.4"),
    "{err}"
  );
}

#[test]
fn fleet_checks_name_the_spoke() {
  let all: Vec<PathBuf> = SPOKES.iter().map(|s| spoke(s)).collect();
  let err = refused(&fleet_file("on-prem", &all, "on_premises = [\"10.22.0.0/15\"]"));
  assert!(
    err.contains("error[FLT013]") && err.contains("secure-eastus"),
    "{err}"
  );
}

#[test]
fn a_spoke_in_another_cloud_is_refused() {
  let dir = scratch("cloud");
  let path = dir.join("fleet.toml");
  let list = format!("{:?}", spoke("train-eastus").display().to_string());
  std::fs::write(
    &path,
    format!("workspaces = [{list}]\n[hub]\ncloud = \"AzureUSGovernment\"\nvnet_name = \"vnet-hub\"\n[hub.firewall]\npolicy_name = \"afwp\"\nprivate_ip = \"10.0.1.4\"\n"),
  )
  .expect("writable");
  let err = refused(&path);
  assert!(
    err.contains("error[FLT014]") && err.contains("train-eastus is in AzureCloud"),
    "{err}"
  );
}

#[test]
fn fleet_file_errors_are_located_like_profile_errors() {
  let dir = scratch("fleet-key");
  let path = dir.join("fleet.toml");
  std::fs::write(
    &path,
    "workspaces = [\"none/*.toml\"]\n[hub]\nvnet_name = \"vnet-hub\"\n[hub.firewall]\npolicy_name = \"afwp\"\nprivate_ip = \"10.0.1.4\"\nprioritty = 200\n",
  )
  .expect("writable");
  let err = refused(&path);
  assert!(err.contains("error[AML001]: unknown key `prioritty`"), "{err}");
  assert!(err.contains("fleet.toml:7:1"), "{err}");
  assert!(err.contains("did you mean `priority`"), "{err}");
  std::fs::write(
    &path,
    "workspaces = [\"none/*.toml\"]\n[hub]\nvnet_name = \"vnet-hub\"\n[hub.firewall]\npolicy_name = \"afwp\"\nprivate_ip = \"10.0.1\"\n",
  )
  .expect("writable");
  let err = refused(&path);
  assert!(
    err.contains("error[FLT002]") && err.contains("fleet.toml:6:14"),
    "{err}"
  );
  assert!(
    err.contains("error[FLT003]") && err.contains("fleet.toml:1:15"),
    "{err}"
  );
}

#[test]
fn the_workspace_that_passes_the_ip_group_limit_is_named() {
  let dir = scratch("fleet-201");
  let gen = crate::support::python();
  let status = std::process::Command::new(gen)
    .arg(root().join("scripts/gen-fleet.py"))
    .arg("201")
    .arg(&dir)
    .args(["--ip-groups", "per-workspace"])
    .status()
    .expect("python runs");
  assert!(status.success());
  let err = refused(&dir.join("fleet.toml"));
  assert!(err.contains("error[FLT010]"), "{err}");
  assert!(
    err.contains("workspace ws-0200 pushes the hub firewall over"),
    "{err}"
  );
  assert!(err.contains("IP group number 201"), "{err}");
  assert!(err.contains("ip_groups = \"per-rule-set\""), "{err}");
  assert_eq!(err.matches("error[").count(), 1, "{err}");
}

/// A fleet file given by its bare name, globbing its own directory, finds its profiles (the
/// directory of `fleet.toml` is the empty path, which lists nothing).
#[test]
fn a_bare_fleet_file_name_globs_its_own_directory() {
  let dir = scratch("bare");
  std::fs::write(
    dir.join("s-train.toml"),
    std::fs::read_to_string(spoke("train-eastus"))
      .expect("spoke")
      .replace("\"../../profiles/", &format!("\"{}/profiles/", root().display())),
  )
  .expect("writable");
  std::fs::write(
    dir.join("fleet.toml"),
    "workspaces = [\"s-*.toml\"]\n[hub]\nvnet_name = \"vnet-hub\"\n[hub.firewall]\npolicy_name = \"afwp\"\nprivate_ip = \"10.0.1.4\"\n",
  )
  .expect("writable");
  let run = crate::support::amlnet_in(&dir, &["compile", "fleet.toml"]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert!(
    run.stdout.contains("s-train (AzureCloud eastus)"),
    "{}",
    run.stdout
  );
}

#[test]
fn out_holds_the_hub_and_each_spoke_as_a_single_compile_writes_it() {
  let out = scratch("fleet-out").join("out");
  let run = amlnet(&["compile", EXAMPLE, "--out", &out.to_string_lossy()]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert!(out.join("manifest.json").is_file());
  assert!(out.join("hub/firewall/rule-collection-group.json").is_file());
  assert!(out
    .join("hub/dns/zones/privatelink.api.azureml.ms.zone")
    .is_file());
  for name in SPOKES {
    let dir = out.join(name);
    assert!(dir.join("manifest.json").is_file(), "{name}");
    assert!(!dir.join("firewall").exists(), "{name} keeps its firewall group");
    assert!(!dir.join("private-dns").exists(), "{name} keeps its DNS");
    // The NSG is exactly a single compile's.
    let single = amlnet::compile(&spoke(name)).expect("compiles");
    let nsg = single
      .output
      .artifacts
      .iter()
      .find(|a| a.path == "nsg/nsg.json")
      .expect("nsg");
    assert_eq!(
      std::fs::read_to_string(dir.join("nsg/nsg.json")).expect("nsg"),
      nsg.contents,
      "{name}"
    );
  }
  // A second run replaces the tree (amlnet's own), a user directory is refused.
  let again = amlnet(&["compile", EXAMPLE, "--out", &out.to_string_lossy()]);
  assert_eq!(again.code, 0, "{}", again.stderr);
  let user = scratch("fleet-user");
  std::fs::write(user.join("notes.txt"), "mine").expect("writable");
  let refused = amlnet(&["compile", EXAMPLE, "--out", &user.to_string_lossy()]);
  assert_eq!(refused.code, 2);
  assert_eq!(
    std::fs::read_to_string(user.join("notes.txt")).expect("kept"),
    "mine"
  );
}

#[test]
fn several_profiles_write_one_directory_each() {
  let out = scratch("multi").join("out");
  let a = "profiles/training-no-public-ip.toml";
  let b = "profiles/secure-workspace.toml";
  let run = amlnet(&["compile", a, b, "--out", &out.to_string_lossy()]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  for (path, name) in [(a, "training-no-public-ip"), (b, "secure-workspace")] {
    let single = amlnet::compile(Path::new(&root().join(path))).expect("compiles");
    for artifact in &single.output.artifacts {
      let written = std::fs::read_to_string(out.join(name).join(&artifact.path)).expect("written");
      assert_eq!(written, artifact.contents, "{name}/{}", artifact.path);
    }
  }
  let twice = amlnet(&[
    "compile",
    a,
    a,
    "--out",
    &scratch("multi-dup").join("out").to_string_lossy(),
  ]);
  assert_eq!(twice.code, 2);
  assert!(twice.stderr.contains("error[FLT011]"), "{}", twice.stderr);
}

#[test]
fn diff_of_two_fleets_names_the_workspace_and_the_hub_changes() {
  let three: Vec<PathBuf> = SPOKES[..3].iter().map(|s| spoke(s)).collect();
  let four: Vec<PathBuf> = SPOKES.iter().map(|s| spoke(s)).collect();
  let (v1, v2) = (
    fleet_file("diff-v1", &three, ""),
    fleet_file("diff-v2", &four, ""),
  );
  let run = amlnet(&[
    "diff",
    &v1.to_string_lossy(),
    &v2.to_string_lossy(),
    "--color",
    "never",
  ]);
  assert_eq!(run.code, 1, "{}", run.stderr);
  assert!(
    run.stdout.contains("workspace train-westeurope: added"),
    "{}",
    run.stdout
  );
  assert!(
    run
      .stdout
      .contains("+ IP group ipg-train-westeurope (10.24.0.0/24)"),
    "{}",
    run.stdout
  );
  assert!(
    run.stdout.contains("now also from ipg-train-westeurope"),
    "{}",
    run.stdout
  );
  assert!(
    run
      .stdout
      .contains("~ network Allow-Out-Tcp-Storage.WestEurope: now also from ipg-train-westeurope"),
    "{}",
    run.stdout
  );
  assert!(
    !run.stdout.contains("workspace train-eastus"),
    "unchanged workspaces are not listed:\n{}",
    run.stdout
  );
  // A change inside one workspace comes from the single-profile diff of that workspace.
  let narrowed = variant("train-eastus", "train-eastus", "[features]\nvscode = false\n");
  let mut changed = three.clone();
  changed[2] = narrowed;
  let v3 = fleet_file("diff-v3", &changed, "");
  let run = amlnet(&[
    "diff",
    &v1.to_string_lossy(),
    &v3.to_string_lossy(),
    "--format",
    "json",
  ]);
  assert_eq!(run.code, 1, "{}", run.stderr);
  let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
  assert_eq!(doc["workspaces"][0]["name"], "train-eastus");
  assert_eq!(doc["workspaces"][0]["change"], "changed");
  assert!(
    doc["hub"]["rules"].as_array().expect("rules").iter().any(|r| r
      .as_str()
      .unwrap_or_default()
      .starts_with("- application Allow-Out-Tcp-code.visualstudio.com")),
    "{}",
    run.stdout
  );
  let same = amlnet(&["diff", &v1.to_string_lossy(), &v1.to_string_lossy()]);
  assert_eq!(same.code, 0, "{}", same.stdout);
}

#[test]
fn globs_match_only_the_file_name_sorted_and_once() {
  let dir = scratch("glob");
  let path = dir.join("fleet.toml");
  let base = root().join("fleets/contoso-hub");
  let text = format!(
    "workspaces = [{:?}, {:?}, {:?}]\n[hub]\nvnet_name = \"vnet-hub\"\n[hub.firewall]\npolicy_name = \"afwp\"\nprivate_ip = \"10.0.1.4\"\n",
    format!("{}/train-*.toml", base.display()),
    format!("{}/tr?in-eastus.toml", base.display()),
    format!("{}/*-west*.toml", base.display()),
  );
  std::fs::write(&path, text).expect("writable");
  let file = fleet::load::load(&path).expect("loads");
  let names: Vec<String> = file
    .members
    .iter()
    .map(|m| m.path.file_stem().expect("stem").to_string_lossy().into_owned())
    .collect();
  // train-* sorted, train-eastus not twice, then registry-westeurope (train-westeurope seen).
  assert_eq!(names, ["train-eastus", "train-westeurope", "registry-westeurope"]);
}

/// `explain`, `expand` and `audit` take one workspace profile; given a fleet file they say
/// what it is and what to give them instead of only listing profile keys.
#[test]
fn commands_that_take_one_profile_say_a_fleet_file_is_one() {
  for args in [
    vec!["explain", "fleets/contoso-hub.toml"],
    vec![
      "audit",
      "fleets/contoso-hub.toml",
      "--dns",
      "fleets/contoso-hub.toml",
    ],
  ] {
    let run = crate::support::amlnet(&args);
    assert_eq!(run.code, 2, "{args:?}");
    assert!(
      run.stderr.contains("this is a fleet file"),
      "{args:?}: {}",
      run.stderr
    );
  }
}
