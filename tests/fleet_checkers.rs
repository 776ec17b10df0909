//! The hub firewall of the example fleet read back by independent parsers: Terraform through
//! python-hcl2 and Bicep through pycep carry exactly the ARM template's IP Groups (names and
//! addresses) and rules (collection, collection priority, name, sources); the ARM templates
//! deserialize into the Azure SDK models; the az CLI script
//! passes `bash -n` and names every rule and IP Group. Per workspace (the example) and per
//! rule set (a shared group).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::checkers::checked;
use crate::support::{amlnet, scratch};

/// (collection, priority, rule name, sorted IP group names)
type Rule = (String, u64, String, Vec<String>);

fn text(v: &Value) -> String {
  v.as_str().unwrap_or_default().to_string()
}

fn first(v: &Value) -> &Value {
  v.as_object().and_then(|m| m.values().next()).expect("one entry")
}

fn from_arm(arm: &Value) -> (BTreeSet<(String, Vec<String>)>, BTreeSet<Rule>) {
  let resources = arm["resources"].as_array().expect("resources");
  let groups = resources
    .iter()
    .filter(|r| r["type"] == "Microsoft.Network/ipGroups")
    .map(|r| {
      let addresses = r["properties"]["ipAddresses"]
        .as_array()
        .expect("addresses")
        .iter()
        .map(text)
        .collect();
      (text(&r["name"]), addresses)
    })
    .collect();
  let group = resources
    .iter()
    .find(|r| r["type"] == "Microsoft.Network/firewallPolicies/ruleCollectionGroups")
    .expect("group");
  let mut rules = BTreeSet::new();
  for c in group["properties"]["ruleCollections"]
    .as_array()
    .expect("collections")
  {
    for r in c["rules"].as_array().expect("rules") {
      let mut sources: Vec<String> = r["sourceIpGroups"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| text(s).split('\'').nth(3).unwrap_or_default().to_string())
        .collect();
      sources.sort();
      rules.insert((
        text(&c["name"]),
        c["priority"].as_u64().unwrap_or(0),
        text(&r["name"]),
        sources,
      ));
    }
  }
  (groups, rules)
}

#[test]
fn terraform_bicep_and_az_cli_carry_the_arm_hub_firewall() {
  check_hub("fleets/contoso-hub.toml", 4, 4);
}

/// Per rule set, with a fifth spoke sharing train-eastus's group: the same agreement, and
/// the shared group holds both spokes' addresses in every format.
#[test]
fn terraform_bicep_and_az_cli_carry_the_arm_hub_firewall_per_rule_set() {
  let mut spokes: Vec<PathBuf> = [
    "registry-westeurope",
    "secure-eastus",
    "train-eastus",
    "train-westeurope",
  ]
  .iter()
  .map(|s| crate::support::root().join(format!("fleets/contoso-hub/{s}.toml")))
  .collect();
  spokes.push(crate::fleet_ip_groups::twin());
  let fleet = crate::fleet_ip_groups::example_with("checkers-rs", &spokes, "ip_groups = \"per-rule-set\"");
  let groups = check_hub(&fleet.to_string_lossy(), 4, 5);
  assert!(
    groups.iter().any(|(_, a)| a == &["10.21.0.0/24", "10.25.0.0/24"]),
    "{groups:?}"
  );
}

/// Compile `fleet` to a scratch `--out`, check every hub format against the ARM template
/// (`group_count` IP Groups, `spokes` spokes) and return the ARM IP Groups.
fn check_hub(fleet: &str, group_count: usize, spokes: u64) -> BTreeSet<(String, Vec<String>)> {
  let out = scratch("fleet-checkers").join("out");
  let run = amlnet(&["compile", fleet, "--out", &out.to_string_lossy()]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  let fw = out.join("hub/firewall");
  let arm: Value =
    serde_json::from_str(&std::fs::read_to_string(fw.join("rule-collection-group.json")).expect("ARM"))
      .expect("JSON");
  let (groups, rules) = from_arm(&arm);
  assert_eq!(groups.len(), group_count);
  assert!(rules.len() > 20);

  // ARM: every hub template deserializes into the Azure SDK's models (IP Groups, the group
  // with sourceIpGroups, zones, records, one VNet link per spoke and zone).
  let templates = vec![
    fw.join("rule-collection-group.json"),
    out.join("hub/dns/private-dns/private-dns.json"),
    out.join("hub/dns/vnet-links.json"),
  ];
  let report = checked("check_arm.py", &templates);
  assert_eq!(
    report["checked"]["Microsoft.Network/ipGroups"], group_count,
    "{report}"
  );
  let zones = report["checked"]["Microsoft.Network/privateDnsZones"]
    .as_u64()
    .unwrap_or(0);
  assert_eq!(
    report["checked"]["Microsoft.Network/privateDnsZones/virtualNetworkLinks"].as_u64(),
    Some(spokes * zones + zones),
    "one link per spoke and zone, plus the hub VNet's: {report}"
  );

  // Terraform.
  let tf_dir: PathBuf = fw.join("terraform");
  let tf = checked("check_terraform.py", std::slice::from_ref(&tf_dir));
  let tf = first(first(&tf));
  let ip = &tf["resources"]["azurerm_ip_group"];
  let name_of = |label: &str| text(&ip[label]["name"]);
  let tf_groups: BTreeSet<(String, Vec<String>)> = ip
    .as_object()
    .expect("IP groups")
    .values()
    .map(|g| {
      (
        text(&g["name"]),
        g["cidrs"].as_array().expect("cidrs").iter().map(text).collect(),
      )
    })
    .collect();
  assert_eq!(tf_groups, groups);
  let group = &tf["resources"]["azurerm_firewall_policy_rule_collection_group"]["fleet"];
  let mut tf_rules = BTreeSet::new();
  for kind in ["network_rule_collection", "application_rule_collection"] {
    for c in group[kind].as_array().expect("collections") {
      for r in c["rule"].as_array().expect("rules") {
        let mut sources: Vec<String> = r["source_ip_groups"]
          .as_array()
          .expect("sources")
          .iter()
          .map(|s| {
            name_of(
              text(s)
                .trim_start_matches("${azurerm_ip_group.")
                .trim_end_matches(".id}"),
            )
          })
          .collect();
        sources.sort();
        tf_rules.insert((
          text(&c["name"]),
          c["priority"].as_u64().unwrap_or(0),
          text(&r["name"]),
          sources,
        ));
      }
    }
  }
  assert_eq!(tf_rules, rules);

  // Bicep.
  let bicep_file = fw.join("bicep/main.bicep");
  let bicep = checked("check_bicep.py", std::slice::from_ref(&bicep_file));
  let resources = &first(&bicep)["resources"];
  let bicep_name = |label: &str| text(&resources[label]["config"]["name"]);
  let bicep_groups: BTreeSet<(String, Vec<String>)> = resources
    .as_object()
    .expect("resources")
    .values()
    .filter(|r| r["type"] == "Microsoft.Network/ipGroups")
    .map(|r| {
      let c = &r["config"];
      (
        text(&c["name"]),
        c["properties"]["ipAddresses"]
          .as_array()
          .expect("addresses")
          .iter()
          .map(text)
          .collect(),
      )
    })
    .collect();
  assert_eq!(bicep_groups, groups);
  let mut bicep_rules = BTreeSet::new();
  for c in resources["group"]["config"]["properties"]["ruleCollections"]
    .as_array()
    .expect("collections")
  {
    for r in c["rules"].as_array().expect("rules") {
      let mut sources: Vec<String> = r["sourceIpGroups"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| bicep_name(&text(&s["operator"]["operands"]["operand_1"])))
        .collect();
      sources.sort();
      bicep_rules.insert((
        text(&c["name"]),
        c["priority"].as_u64().unwrap_or(0),
        text(&r["name"]),
        sources,
      ));
    }
  }
  assert_eq!(bicep_rules, rules);

  // az CLI: valid bash that creates every IP group and every rule.
  let script = fw.join("azcli/deploy.sh");
  let status = std::process::Command::new("bash")
    .arg("-n")
    .arg(&script)
    .status()
    .expect("bash runs");
  assert!(status.success());
  let sh = std::fs::read_to_string(&script).expect("script");
  for (name, _) in &groups {
    assert!(
      sh.contains(&format!("--name '{name}'")),
      "az CLI misses IP group {name}"
    );
  }
  for (_, _, name, _) in &rules {
    assert!(sh.contains(&format!("'{name}'")), "az CLI misses rule {name}");
  }
  groups
}
