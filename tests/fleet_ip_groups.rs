//! Fleets' `[hub.firewall] ip_groups` (docs/fleet.md § IP Groups): the value checked at its
//! line, per-rule-set groups shared by spokes with equal rules and named by their rule set
//! alone (stable when spokes come and go, independent of order), the IP-group and address
//! limits in both modes, the fleet diff of a shared group, and the example's per-rule-set hub
//! firewall as a golden file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use amlnet::fleet::{self, firewall, Fleet};

use crate::fleet_support::{artifact, compiled, deployed_rules, refused, spoke, SPOKES};
use crate::support::{amlnet, root, scratch};

/// The shipped example's fleet file in a scratch directory, its `workspaces` replaced by
/// these profiles and `mode_line` added to `[hub.firewall]` after `priority`.
pub(crate) fn example_with(tag: &str, workspaces: &[PathBuf], mode_line: &str) -> PathBuf {
  let text = std::fs::read_to_string(root().join("fleets/contoso-hub.toml")).expect("example");
  let list: Vec<String> = workspaces
    .iter()
    .map(|p| format!("{:?}", p.display().to_string()))
    .collect();
  let text = text
    .replace(
      "workspaces = [\"contoso-hub/*.toml\"]",
      &format!("workspaces = [{}]", list.join(", ")),
    )
    .replace("priority = 1000\n", &format!("priority = 1000\n{mode_line}\n"));
  assert!(text.contains(mode_line), "the example's hub table moved");
  let path = scratch(tag).join("fleet.toml");
  std::fs::write(&path, text).expect("writable");
  path
}

const PER_RULE_SET: &str = "ip_groups = \"per-rule-set\"";

fn example() -> Vec<PathBuf> {
  SPOKES.iter().map(|s| spoke(s)).collect()
}

/// A second eastus training spoke: train-eastus's scenario and region (so its rules), its own
/// addresses, names and GUID.
pub(crate) fn twin() -> PathBuf {
  let path = scratch("twin").join("train-eastus-2.toml");
  let base = format!("{:?}", spoke("train-eastus").display().to_string());
  std::fs::write(
    &path,
    format!(
      r#"extends = {base}

[workspace]
name = "mlw-contoso-train-2"
id = "1f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5c"

[network]
vnet_name = "vnet-ml-train-eastus-2"
address_space = ["10.25.0.0/16"]

[[network.subnet]]
name = "training"
prefix = "10.25.0.0/24"

[[network.subnet]]
name = "endpoints"
prefix = "10.25.2.0/27"

[workspace.private_endpoint]
subnet = "endpoints"
ip = "10.25.2.4"
notebooks_ip = "10.25.2.5"
inference_ip = "10.25.2.6"

[storage]
name = "stcontosotrain2"

[storage.private_endpoint]
blob = "10.25.2.10"
file = "10.25.2.11"

[key_vault]
name = "kv-contoso-train-2"
private_endpoint_ip = "10.25.2.12"

[container_registry]
name = "crcontosotrain2"
private_endpoint_ip = "10.25.2.13"
data_endpoint_ip = "10.25.2.14"

[[compute]]
name = "ci-bob"
kind = "instance"
subnet = "training"
public_ip = false

[[compute]]
name = "cpu-build"
kind = "cluster"
subnet = "training"
public_ip = false
max_nodes = 4

[[compute]]
name = "gpu-train"
kind = "cluster"
subnet = "training"
public_ip = false
max_nodes = 16
gpu = true
"#
    ),
  )
  .expect("writable");
  path
}

fn arm(fleet: &Fleet) -> serde_json::Value {
  serde_json::from_str(artifact(fleet, "hub/firewall/rule-collection-group.json")).expect("JSON")
}

/// The deployed IP Groups: name → (addresses, tags).
fn deployed_groups(fleet: &Fleet) -> BTreeMap<String, (Vec<String>, serde_json::Value)> {
  arm(fleet)["resources"]
    .as_array()
    .expect("resources")
    .iter()
    .filter(|r| r["type"] == "Microsoft.Network/ipGroups")
    .map(|r| {
      let addresses = r["properties"]["ipAddresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .map(|a| a.as_str().unwrap_or_default().to_string())
        .collect();
      (
        r["name"].as_str().unwrap_or_default().to_string(),
        (addresses, r["tags"].clone()),
      )
    })
    .collect()
}

#[test]
fn an_unknown_ip_group_mode_is_refused_at_its_line() {
  let path = example_with("ipg-bad", &example(), "ip_groups = \"per-spoke\"");
  let err = refused(&path);
  assert!(
    err.contains("error[FLT002]: unknown IP group mode `per-spoke`"),
    "{err}"
  );
  // The example's [hub.firewall] priority is on line 15; the value starts at column 13.
  assert!(err.contains("fleet.toml:16:13"), "{err}");
  assert!(err.contains("one of per-workspace, per-rule-set"), "{err}");
  let path = example_with("ipg-type", &example(), "ip_groups = 200");
  let err = refused(&path);
  assert!(
    err.contains("error[AML002]") && err.contains("fleet.toml:16:13"),
    "{err}"
  );
  // The default and both spellings are taken.
  for line in ["ip_groups = \"per-workspace\"", PER_RULE_SET] {
    compiled(&example_with("ipg-ok", &example(), line));
  }
}

#[test]
fn per_rule_set_spokes_with_equal_rules_share_one_group() {
  let mut spokes = example();
  spokes.push(twin());
  let fleet = compiled(&example_with("ipg-share", &spokes, PER_RULE_SET));
  let fw = &fleet.firewall;
  // Five spokes, four rule sets: the twin joins train-eastus's group, the others stay apart.
  assert_eq!(fw.ip_groups.len(), 4, "{:#?}", fw.ip_groups);
  let shared = fw.group_of("train-eastus").expect("a group");
  assert_eq!(shared.workspaces, ["train-eastus", "train-eastus-2"]);
  assert_eq!(
    shared
      .addresses
      .iter()
      .map(ToString::to_string)
      .collect::<Vec<_>>(),
    ["10.21.0.0/24", "10.25.0.0/24"]
  );
  for other in ["registry-westeurope", "secure-eastus", "train-westeurope"] {
    let g = fw.group_of(other).expect("a group");
    assert_eq!(g.workspaces, [other], "{other} shares {}", g.name);
  }
  // Each name is the hash of the spoke's rule set, and nothing else.
  for s in &fleet.spokes {
    let name = firewall::rule_set_name(&firewall::signature(&s.firewall));
    assert_eq!(fw.group_of(s.name()).expect("a group").name, name);
    assert!(name.starts_with("ipg-rules-") && name.len() == "ipg-rules-".len() + 12);
  }
  // Rules take each group once; the workspaces that need them are kept for summaries.
  let rules = deployed_rules(&fleet);
  for (key, (_, _, sources)) in &rules {
    let mut unique = sources.clone();
    unique.dedup();
    assert_eq!(&unique, sources, "{key:?} names a group twice");
  }
  let shared_rule = fw
    .network
    .iter()
    .find(|r| r.ip_groups.contains(&shared.name))
    .expect("a rule of the shared group");
  assert!(shared_rule.workspaces.contains(&"train-eastus-2".to_string()));
  // The ARM tags say whom a shared group serves.
  let groups = deployed_groups(&fleet);
  assert_eq!(
    groups[&shared.name].1["amlnet-workspaces"],
    "train-eastus train-eastus-2"
  );
  // The twin's note names the group its rules come from.
  let twin = fleet
    .spokes
    .iter()
    .find(|s| s.name() == "train-eastus-2")
    .expect("twin");
  assert!(
    twin
      .compiled
      .output
      .notes
      .iter()
      .any(|n| n.code == "FLT030" && n.message.contains(&shared.name)),
    "{:?}",
    twin.compiled.output.notes
  );
  // The summary says the mode and what each group serves.
  let json: serde_json::Value = serde_json::from_str(&fleet::summary::json(&fleet)).expect("JSON");
  assert_eq!(json["hub"]["firewall"]["ip_group_mode"], "per-rule-set");
  let sets = json["hub"]["firewall"]["ip_group_sets"].as_array().expect("sets");
  assert!(sets.iter().any(|s| s["name"] == shared.name.as_str()
    && s["workspaces"] == serde_json::json!(["train-eastus", "train-eastus-2"])));
  let text = fleet::summary::text(&fleet, None);
  assert!(text.contains("4 IP groups (one per rule set)"), "{text}");
  assert!(
    text.contains(&format!("  {}: 2 workspaces, 2 addresses,", shared.name)),
    "{text}"
  );
}

#[test]
fn per_rule_set_adding_a_spoke_renames_no_group_and_moves_no_rule() {
  let mut all = example();
  all.push(twin());
  let large = compiled(&example_with("ipg-after", &all, PER_RULE_SET));
  let (new_rules, new_groups) = (deployed_rules(&large), deployed_groups(&large));
  for added in 0..all.len() {
    let before: Vec<PathBuf> = all
      .iter()
      .enumerate()
      .filter(|(i, _)| *i != added)
      .map(|(_, p)| p.clone())
      .collect();
    let small = compiled(&example_with("ipg-before", &before, PER_RULE_SET));
    for (key, (group, collection, sources)) in &deployed_rules(&small) {
      let (g, c, s) = new_rules
        .get(key)
        .unwrap_or_else(|| panic!("adding spoke {added} removed or renamed rule {key:?}"));
      assert_eq!((group, collection), (g, c), "adding spoke {added} moved {key:?}");
      assert!(
        sources.iter().all(|x| s.contains(x)),
        "adding spoke {added} took sources from {key:?}"
      );
    }
    // Every group keeps its name; it can only gain addresses.
    for (name, (addresses, _)) in &deployed_groups(&small) {
      let (after, _) = new_groups
        .get(name)
        .unwrap_or_else(|| panic!("adding spoke {added} renamed {name}"));
      assert!(
        addresses.iter().all(|a| after.contains(a)),
        "adding spoke {added} took addresses from {name}"
      );
    }
  }
}

#[test]
fn per_rule_set_hub_bytes_do_not_depend_on_workspace_order() {
  let mut forward = example();
  forward.push(twin());
  let hub = |f: &Fleet| -> Vec<(String, String)> {
    f.output
      .artifacts
      .iter()
      .filter(|x| x.path.starts_with("hub/"))
      .map(|x| (x.path.clone(), x.contents.clone()))
      .collect()
  };
  let first = hub(&compiled(&example_with("ipg-order", &forward, PER_RULE_SET)));
  let mut backward = forward.clone();
  backward.reverse();
  let mut shuffled = forward.clone();
  shuffled.swap(0, 4);
  shuffled.swap(1, 3);
  for other in [backward, shuffled] {
    let again = hub(&compiled(&example_with("ipg-order", &other, PER_RULE_SET)));
    assert!(first == again, "the hub changed with the order of workspaces");
  }
}

/// `n` small spokes (the shipped public-IP training scenario, eastus and westeurope in turn,
/// so two rule sets) in a scratch fleet whose hub ends with `mode_line`.
fn generated(tag: &str, n: usize, mode_line: &str, extra: impl Fn(usize) -> String) -> PathBuf {
  let dir = scratch(tag);
  std::fs::create_dir_all(dir.join("ws")).expect("writable");
  let base = format!(
    "{:?}",
    root()
      .join("profiles/training-public-ip.toml")
      .display()
      .to_string()
  );
  for i in 0..n {
    let (a, b) = (100 + i / 256, i % 256);
    let region = if i.is_multiple_of(2) {
      "eastus"
    } else {
      "westeurope"
    };
    let text = format!(
      "extends = {base}\nregion = \"{region}\"\n{}\n[workspace]\nname = \"mlw-t{i}\"\nid = \"00000000-0000-4000-8000-{i:012}\"\n\n[network]\nvnet_name = \"vnet-t{i}\"\naddress_space = [\"10.{a}.{b}.0/24\"]\n\n[[network.subnet]]\nname = \"training\"\nprefix = \"10.{a}.{b}.0/26\"\n\n[storage]\nname = \"stt{i}\"\n\n[key_vault]\nname = \"kv-t{i}\"\n",
      extra(i)
    );
    std::fs::write(dir.join(format!("ws/t{i:04}.toml")), text).expect("writable");
  }
  let path = dir.join("fleet.toml");
  std::fs::write(
    &path,
    format!("workspaces = [\"ws/*.toml\"]\n[hub]\nvnet_name = \"vnet-hub\"\n[hub.firewall]\npolicy_name = \"afwp\"\nprivate_ip = \"10.0.1.4\"\n{mode_line}\n"),
  )
  .expect("writable");
  path
}

#[test]
fn more_than_200_spokes_need_per_rule_set() {
  let per_workspace = generated("ipg-201-ws", 201, "", |_| String::new());
  let err = refused(&per_workspace);
  assert!(
    err.contains("error[FLT010]: fleet: workspace t0200 pushes the hub firewall over"),
    "{err}"
  );
  assert!(err.contains("IP group number 201"), "{err}");
  assert!(
    err.contains("set `ip_groups = \"per-rule-set\"` in [hub.firewall]"),
    "{err}"
  );
  let per_rule_set = generated("ipg-201-rs", 201, PER_RULE_SET, |_| String::new());
  let fleet = compiled(&per_rule_set);
  assert_eq!(fleet.spokes.len(), 201);
  // Two regions, one scenario: two rule sets.
  assert_eq!(fleet.firewall.ip_groups.len(), 2);
  let served: usize = fleet.firewall.ip_groups.iter().map(|g| g.workspaces.len()).sum();
  assert_eq!(served, 201);
  // A tag value holds 256 characters: past that the tag counts the workspaces.
  let tags: Vec<String> = deployed_groups(&fleet)
    .values()
    .map(|(_, tags)| tags["amlnet-workspaces"].as_str().unwrap_or_default().to_string())
    .collect();
  let mut tags = tags;
  tags.sort();
  assert_eq!(tags, ["100 workspaces", "101 workspaces"]);
}

#[test]
fn a_shared_group_past_5000_addresses_names_the_spoke_that_overflows() {
  // Three eastus spokes (one rule set) of 2,000 source addresses each: 6,000 in the shared
  // group once the third joins, 2,000 in each group per workspace.
  let sources = |i: usize| {
    let list: Vec<String> = (0..2000)
      .map(|n| format!("\"10.{}.{}.{}/32\"", 200 + i, n / 250, n % 250))
      .collect();
    format!("[firewall]\nsource_addresses = [{}]\n", list.join(", "))
  };
  let extra = |i: usize| {
    if i.is_multiple_of(2) {
      sources(i)
    } else {
      String::new()
    }
  };
  let shared = generated("ipg-5000", 5, PER_RULE_SET, extra);
  let err = refused(&shared);
  assert!(
    err.contains("error[FLT010]: fleet: workspace t0004 pushes the hub firewall over"),
    "{err}"
  );
  assert!(
    err.contains("shared by 3 workspaces, would hold 6000 addresses"),
    "{err}"
  );
  assert_eq!(err.matches("error[").count(), 1, "{err}");
  compiled(&generated("ipg-5000-ws", 5, "", extra));
}

#[test]
fn fleet_diff_reports_a_spoke_joining_a_shared_group() {
  let four = example();
  let mut five = four.clone();
  five.push(twin());
  let (v1, v2) = (
    example_with("ipg-diff-1", &four, PER_RULE_SET),
    example_with("ipg-diff-2", &five, PER_RULE_SET),
  );
  let group = compiled(&v2)
    .firewall
    .group_of("train-eastus-2")
    .expect("a group")
    .name
    .clone();
  let run = amlnet(&[
    "diff",
    &v1.to_string_lossy(),
    &v2.to_string_lossy(),
    "--format",
    "json",
  ]);
  assert_eq!(run.code, 1, "{}", run.stderr);
  let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
  let lines = |key: &str| -> Vec<String> {
    doc["hub"][key]
      .as_array()
      .expect("lines")
      .iter()
      .map(|l| l.as_str().unwrap_or_default().to_string())
      .collect()
  };
  let groups = lines("ip_groups");
  assert!(
    groups.contains(&format!(
      "~ IP group {group}: 10.21.0.0/24 → 10.21.0.0/24, 10.25.0.0/24"
    )),
    "{groups:?}"
  );
  assert!(
    groups.contains(&format!("~ IP group {group}: now also serves train-eastus-2")),
    "{groups:?}"
  );
  // No group is added: the rules' sources stay, the workspaces that need them grow.
  assert!(!groups.iter().any(|l| l.starts_with('+')), "{groups:?}");
  let rules = lines("rules");
  assert!(
    rules
      .iter()
      .any(|l| l.ends_with(": now also needed by train-eastus-2")),
    "{rules:?}"
  );
  assert!(!rules.iter().any(|l| l.contains("now also from")), "{rules:?}");
  assert!(
    doc["kinds"]
      .as_array()
      .expect("kinds")
      .contains(&serde_json::json!("widened")),
    "{}",
    run.stdout
  );
}

#[test]
fn the_example_per_rule_set_hub_firewall_matches_its_golden_file() {
  let fleet = compiled(&example_with("ipg-golden", &example(), PER_RULE_SET));
  let mut settings = insta::Settings::clone_current();
  settings.set_snapshot_path("../golden/fleet/contoso-hub-per-rule-set");
  settings.set_prepend_module_to_snapshot(false);
  settings.set_omit_expression(true);
  settings.bind(|| {
    insta::assert_snapshot!(
      "hub__firewall__rule-collection-group.json",
      artifact(&fleet, "hub/firewall/rule-collection-group.json")
    )
  });
}
