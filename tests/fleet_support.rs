//! What the fleet tests share: the shipped example's spokes, compiling a fleet, reading a
//! hub artifact, and every deployed hub firewall rule with its priorities and sources.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use amlnet::fleet::{self, Fleet};

use crate::support::{amlnet, root};

pub const EXAMPLE: &str = "fleets/contoso-hub.toml";
pub const SPOKES: [&str; 4] = [
  "registry-westeurope",
  "secure-eastus",
  "train-eastus",
  "train-westeurope",
];

/// The example's spoke profile `name`.
pub fn spoke(name: &str) -> PathBuf {
  root().join("fleets/contoso-hub").join(format!("{name}.toml"))
}

pub fn compiled(path: &Path) -> Fleet {
  fleet::compile(path).unwrap_or_else(|e| panic!("{} compiles: {e:?}", path.display()))
}

/// `amlnet compile` must refuse `path` (exit 2); its stderr.
pub fn refused(path: &Path) -> String {
  let run = amlnet(&["compile", &path.to_string_lossy()]);
  assert_eq!(run.code, 2, "{}", run.stdout);
  run.stderr
}

pub fn artifact<'a>(fleet: &'a Fleet, path: &str) -> &'a str {
  &fleet
    .output
    .artifacts
    .iter()
    .find(|a| a.path == path)
    .unwrap_or_else(|| panic!("no {path}"))
    .contents
}

/// Every deployed rule of the hub's ARM template: (collection, rule) → (group priority,
/// collection priority, source IP groups).
pub fn deployed_rules(fleet: &Fleet) -> BTreeMap<(String, String), (u64, u64, Vec<String>)> {
  let arm: serde_json::Value =
    serde_json::from_str(artifact(fleet, "hub/firewall/rule-collection-group.json")).expect("JSON");
  let group = arm["resources"]
    .as_array()
    .expect("resources")
    .iter()
    .find(|r| r["type"] == "Microsoft.Network/firewallPolicies/ruleCollectionGroups")
    .expect("a rule collection group");
  let mut out = BTreeMap::new();
  for c in group["properties"]["ruleCollections"]
    .as_array()
    .expect("collections")
  {
    for r in c["rules"].as_array().expect("rules") {
      let sources = r["sourceIpGroups"]
        .as_array()
        .expect("IP groups")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
      out.insert(
        (
          c["name"].as_str().unwrap_or_default().to_string(),
          r["name"].as_str().unwrap_or_default().to_string(),
        ),
        (
          group["properties"]["priority"].as_u64().unwrap_or_default(),
          c["priority"].as_u64().unwrap_or_default(),
          sources,
        ),
      );
    }
  }
  out
}
