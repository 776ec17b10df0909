//! `amlnet query`: one flow against deployed NSG and firewall exports, offline. Every shipped
//! profile's own outputs allow each of its NSG rules' flows; a deny inserted above shows as the
//! deciding rule; FQDNs meet the firewall's application rules; bad questions and unresolvable
//! tags are exit 2 with the fix.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use amlnet::ir::Direction;
use amlnet::target::nsg::Access;
use amlnet::target::Endpoint;
use serde_json::{json, Value};

use crate::support::{amlnet, scratch, shipped_profiles};

/// A ServiceTags file giving every tag its own public block; a regional tag `G.R` lies inside
/// its global tag `G` when both are named, as in Azure's downloads.
fn synthetic_tags(dir: &Path, tags: &BTreeSet<String>) -> PathBuf {
  let globals: Vec<&String> = tags.iter().filter(|t| !t.contains('.')).collect();
  let mut values = Vec::new();
  for (i, tag) in tags.iter().enumerate() {
    let prefix = match tag.split_once('.') {
      Some((global, _)) => match globals.iter().position(|g| *g == global) {
        Some(g) => format!("52.{}.{}.0/24", g + 1, i + 1),
        None => format!("53.{}.0.0/16", i + 1),
      },
      None => format!(
        "52.{}.0.0/16",
        globals.iter().position(|g| *g == tag).unwrap() + 1
      ),
    };
    values.push(json!({ "name": tag, "id": tag, "properties": {
      "changeNumber": "1", "region": "", "regionId": 0, "platform": "Azure", "systemService": "",
      "addressPrefixes": [prefix], "networkFeatures": ["NSG", "API", "FW", "UDR"] } }));
  }
  let doc = json!({ "name": "Public", "id": "Public", "type": "Microsoft.Network/serviceTags",
    "changeNumber": "1", "cloud": "Public", "values": values });
  let path = dir.join("tags.json");
  std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
  path
}

/// Every published service tag a profile's planned NSG and firewall rules name.
fn plan_tags(c: &amlnet::Compiled) -> BTreeSet<String> {
  let mut tags: BTreeSet<String> = amlnet::target::named_tags(&c.plan.nsg, &c.plan.firewall.network.rules)
    .into_iter()
    .collect();
  tags.retain(|t| !["VirtualNetwork", "Internet", "AzureLoadBalancer"].contains(&t.as_str()));
  tags
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
  let path = dir.join(name);
  std::fs::write(&path, contents).unwrap();
  path
}

fn artifact(c: &amlnet::Compiled, path: &str) -> Option<String> {
  c.output
    .artifacts
    .iter()
    .find(|a| a.path == path)
    .map(|a| a.contents.clone())
}

/// (exit code, parsed JSON answer or stderr text).
fn ask(args: &[&str]) -> (i32, Value, String) {
  let mut all = vec!["query", "--format", "json"];
  all.extend_from_slice(args);
  let run = amlnet(&all);
  let json = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
  (run.code, json, run.stderr)
}

#[test]
fn every_shipped_nsg_rule_flow_is_allowed_by_its_own_outputs() {
  let mut asked = 0;
  for path in shipped_profiles() {
    let c = amlnet::compile(&path).unwrap();
    let Some(nsg) = artifact(&c, "nsg/nsg.json") else {
      continue;
    };
    let dir = scratch(&format!("query-{}", crate::support::stem(&path)));
    let nsg_file = write(&dir, "nsg.json", &nsg);
    let fw_file = artifact(&c, "firewall/rule-collection-group.json").map(|f| write(&dir, "fw.json", &f));
    let tag_file = synthetic_tags(&dir, &plan_tags(&c));
    let vnet: Vec<String> = c
      .ir
      .settings
      .address_space
      .iter()
      .map(ToString::to_string)
      .collect();
    // An address of the compute subnets the firewall rules name as their source.
    let source = match c.plan.firewall.network.rules.first() {
      Some(r) => r.source_addresses[0].addr().to_string(),
      None => c.ir.settings.address_space[0].addr().to_string(),
    };
    for r in c
      .plan
      .nsg
      .iter()
      .filter(|r| r.direction == Direction::Outbound && r.access == Access::Allow)
    {
      let Endpoint::Tag(tag) = &r.destination else {
        continue;
      };
      let protocol = r.protocol.as_str().to_ascii_lowercase().replace('*', "any");
      let port = r.ports.strings()[0].split('-').next().unwrap().to_string();
      let question = format!("outbound {protocol} {source} -> tag:{tag}:{port}");
      let mut args = vec![
        question.as_str(),
        "--nsg",
        nsg_file.to_str().unwrap(),
        "--service-tags",
        tag_file.to_str().unwrap(),
        "--vnet",
      ];
      let vnet_arg = vnet.join(",");
      args.push(&vnet_arg);
      // The firewall sees only what leaves the VNet, and no firewall evaluates inbound.
      let through_firewall = tag != "VirtualNetwork" && c.ir.settings.egress == amlnet::ir::Egress::Firewall;
      if let (Some(fw), true) = (&fw_file, through_firewall) {
        args.extend(["--firewall", fw.to_str().unwrap()]);
      }
      let (code, answer, stderr) = ask(&args);
      assert_eq!(code, 0, "{}: {question}: {answer:#}{stderr}", path.display());
      assert_eq!(answer["outcome"], "allowed");
      assert_eq!(answer["nsg"][0]["access"], "Allow");
      asked += 1;
    }
  }
  assert!(asked > 40, "only {asked} questions asked");
}

#[test]
fn a_deny_inserted_above_is_the_deciding_rule() {
  let c = amlnet::compile(Path::new("profiles/secure-workspace.toml")).unwrap();
  let mut nsg: Value = serde_json::from_str(&artifact(&c, "nsg/nsg.json").unwrap()).unwrap();
  let rules = nsg["resources"][0]["properties"]["securityRules"]
    .as_array_mut()
    .unwrap();
  rules.push(json!({ "name": "Deny-Storage-Hotfix", "properties": {
    "priority": 101, "direction": "Outbound", "access": "Deny", "protocol": "*",
    "sourceAddressPrefix": "*", "sourcePortRange": "*",
    "destinationAddressPrefix": "Storage.EastUS", "destinationPortRange": "*" } }));
  let dir = scratch("query-deny");
  let nsg_file = write(&dir, "nsg.json", &nsg.to_string());
  let tags = synthetic_tags(&dir, &plan_tags(&c));
  let (code, answer, stderr) = ask(&[
    "outbound tcp 10.20.0.5 -> Storage.EastUS:443",
    "--nsg",
    nsg_file.to_str().unwrap(),
    "--service-tags",
    tags.to_str().unwrap(),
    "--vnet",
    "10.20.0.0/16",
  ]);
  assert_eq!(code, 1, "{stderr}");
  assert_eq!(answer["outcome"], "denied");
  assert_eq!(answer["nsg"][0]["rule"], "Deny-Storage-Hotfix");
  assert_eq!(answer["nsg"][0]["priority"], 101);
  // The text view names the rule too.
  let text = amlnet(&[
    "query",
    "outbound tcp 10.20.0.5 -> Storage.EastUS:443",
    "--nsg",
    nsg_file.to_str().unwrap(),
    "--service-tags",
    tags.to_str().unwrap(),
    "--vnet",
    "10.20.0.0/16",
  ]);
  assert!(
    text.stdout.contains("denied") && text.stdout.contains("Deny-Storage-Hotfix (priority 101)"),
    "{}",
    text.stdout
  );
}

#[test]
fn host_names_meet_the_firewall_application_rules() {
  let c = amlnet::compile(Path::new("profiles/secure-workspace.toml")).unwrap();
  let dir = scratch("query-fqdn");
  let fw = write(
    &dir,
    "fw.json",
    &artifact(&c, "firewall/rule-collection-group.json").unwrap(),
  );
  let tag_file = synthetic_tags(&dir, &plan_tags(&c));
  let ask_fw = |q: &str| {
    ask(&[
      q,
      "--firewall",
      fw.to_str().unwrap(),
      "--service-tags",
      tag_file.to_str().unwrap(),
    ])
  };
  let (code, answer, _) = ask_fw("outbound tcp 10.20.0.5 -> files.pythonhosted.org=151.101.0.223:443");
  assert_eq!(code, 0, "{answer:#}");
  assert_eq!(
    answer["firewall"][0]["rule"],
    "Allow-Out-Tcp-wildcard.pythonhosted.org"
  );
  assert_eq!(
    answer["firewall"][0]["collection"],
    "amlnet-mlw-contoso-secure/amlnet-application"
  );
  let (code, answer, _) = ask_fw("outbound tcp 10.20.0.5 -> evil.example.com=151.101.0.223:443");
  assert_eq!(code, 1, "{answer:#}");
  assert_eq!(answer["outcome"], "denied");
  assert_eq!(
    answer["firewall"][0]["rule"],
    Value::Null,
    "the default deny decides"
  );
  // From a source outside the rules' sources, even pypi is denied.
  let (code, _, _) = ask_fw("outbound tcp 10.99.0.5 -> pypi.org=151.101.0.223:443");
  assert_eq!(code, 1);
}

#[test]
fn bad_questions_and_unresolvable_tags_say_how_to_fix_them() {
  let c = amlnet::compile(Path::new("profiles/secure-workspace.toml")).unwrap();
  let dir = scratch("query-errors");
  let nsg = write(&dir, "nsg.json", &artifact(&c, "nsg/nsg.json").unwrap());
  let n = nsg.to_str().unwrap();
  for (args, says) in [
    (vec!["outbound tcp 10.0.0.1", "--nsg", n], "no `->`"),
    (vec!["outbound tcp 10.0.0.1 -> 8.8.8.8:443"], "--nsg, --firewall"),
    (
      vec![
        "outbound tcp 10.0.0.1 -> 8.8.8.8:443",
        "--nsg",
        "/nonexistent/x.json",
      ],
      "x.json",
    ),
  ] {
    let mut all = vec!["query"];
    all.extend(args);
    let run = amlnet(&all);
    assert_eq!(run.code, 2, "{all:?}: {}", run.stdout);
    assert!(run.stderr.contains(says), "{all:?}: {}", run.stderr);
  }
  // A download without the tag says so.
  let few = synthetic_tags(&dir, &["AzureActiveDirectory".to_string()].into_iter().collect());
  let run = amlnet(&[
    "query",
    "outbound tcp 10.20.0.5 -> Storage.EastUS:443",
    "--nsg",
    n,
    "--service-tags",
    few.to_str().unwrap(),
  ]);
  assert_eq!(run.code, 2);
  assert!(run.stderr.contains("does not list it"), "{}", run.stderr);
  // Rules naming VirtualNetwork need the VNet's address space.
  let tags = synthetic_tags(&dir, &["AzureActiveDirectory".to_string()].into_iter().collect());
  let run = amlnet(&[
    "query",
    "outbound tcp 10.0.0.1 -> 10.20.2.4:443",
    "--nsg",
    n,
    "--service-tags",
    tags.to_str().unwrap(),
  ]);
  assert_eq!(run.code, 2);
  assert!(run.stderr.contains("--vnet"), "{}", run.stderr);
  // Without a download, tags are compared by name, and the answer says so.
  let (code, answer, stderr) = ask(&[
    "outbound tcp 10.20.0.5 -> Storage.EastUS:443",
    "--nsg",
    n,
    "--vnet",
    "10.20.0.0/16",
  ]);
  assert_eq!(code, 0, "{stderr}");
  assert_eq!(answer["nsg"][0]["rule"], "Allow-Out-Tcp-Storage.EastUS");
  assert!(
    answer["notes"].to_string().contains("compared by name"),
    "{answer}"
  );
  let (code, answer, _) = ask(&[
    "outbound tcp 10.20.0.5 -> AzureCosmosDB:443",
    "--nsg",
    n,
    "--vnet",
    "10.20.0.0/16",
  ]);
  assert_eq!(
    code, 0,
    "the secure-workspace NSG has no final deny: AllowInternetOutBound decides"
  );
  assert_eq!(answer["nsg"][0]["rule"], "AllowInternetOutBound");
  let bad = write(&dir, "bad.json", "{ not json");
  let run = amlnet(&[
    "query",
    "outbound tcp 10.0.0.1 -> 8.8.8.8:443",
    "--nsg",
    bad.to_str().unwrap(),
  ]);
  assert_eq!(run.code, 2);
  assert!(run.stderr.contains("line 1"), "{}", run.stderr);
}
