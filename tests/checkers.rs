//! Independent tools read the deploy outputs of every shipped profile: an HCL2 parser the
//! Terraform, pycep the Bicep, the Azure SDK's models the ARM JSON (and the Bicep bodies),
//! checkov all three, bash with a recording `az` the CLI script, PyYAML the managed-network
//! YAML. Each format must carry exactly the ARM outputs' rules, zones and records.
//!
//! The Python checkers live in scripts/check_*.py and run on the project's .venv/, which
//! `make deps` (scripts/install-test-deps.sh) fills; a missing checker fails these tests, it
//! never skips them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use amlnet::backend::{self, Output, Target};
use amlnet::ir::{Direction, Flow, Ir, ManagedNetworkSettings, PeerKind, Protocol};
use amlnet::plan::Plan;
use serde_json::Value;

use crate::support::{root, scratch, shipped_profiles, stem, venv_bin, venv_path};

/// checkov checks skipped on purpose, with the reason. docs/deploy.md lists every one (a test
/// below checks that); none is needed today: checkov flags nothing in the emitted rules.
const CHECKOV_SKIPS: &[(&str, &str)] = &[];

pub(crate) struct Compiled {
  pub(crate) name: String,
  pub(crate) ir: Ir,
  pub(crate) dir: PathBuf,
}

/// Every shipped and test profile compiled and written under one scratch directory, one
/// folder each.
fn compile_all(tag: &str) -> (PathBuf, Vec<Compiled>) {
  let base = scratch(tag);
  let all = crate::support::every_profile()
    .iter()
    .map(|p| compile_into(p, &base))
    .collect();
  (base, all)
}

/// One profile compiled and its artifacts written under `base`, in a folder of its name.
pub(crate) fn compile_into(path: &Path, base: &Path) -> Compiled {
  let name = stem(path);
  let ir = amlnet::compile_path(path).unwrap_or_else(|e| panic!("{name} compiles: {e}"));
  let out = backend::render_all(&ir, &amlnet::plan::Plan::new(&ir));
  let dir = base.join(&name);
  for a in &out.artifacts {
    let file = dir.join(&a.path);
    std::fs::create_dir_all(file.parent().expect("artifact has a folder")).expect("scratch writable");
    std::fs::write(&file, &a.contents).expect("scratch writable");
  }
  Compiled { name, ir, dir }
}

/// What each deployment format of one compiled profile deploys, each read by its own
/// independent checker: ARM (JSON), Terraform (python-hcl2), Bicep (pycep), az CLI (recorded).
pub(crate) fn every_format(c: &Compiled) -> Vec<(&'static str, Deploy)> {
  let tf_dir = c.dir.join("terraform");
  let tf = checked("check_terraform.py", std::slice::from_ref(&tf_dir));
  let bicep_file = c.dir.join("bicep/main.bicep");
  let bicep = checked("check_bicep.py", std::slice::from_ref(&bicep_file));
  let (out, calls) = run_azcli(c, &[("RESOURCE_GROUP", "rg-test"), ("VNET_ID", VNET_ID)]);
  assert!(
    out.status.success(),
    "{}: {}",
    c.name,
    String::from_utf8_lossy(&out.stderr)
  );
  vec![
    ("arm", from_arm(c)),
    (
      "terraform",
      from_terraform(&tf["dirs"][tf_dir.to_string_lossy().as_ref()]),
    ),
    ("bicep", from_bicep(&bicep[bicep_file.to_string_lossy().as_ref()])),
    (
      "azcli",
      from_azcli(&calls, c.ir.settings.dns.ttl, &c.ir.settings.nsg.name),
    ),
  ]
}

struct Py {
  code: i32,
  stdout: String,
  stderr: String,
}

fn python(script: &str, args: &[PathBuf]) -> Py {
  let python = crate::support::python();
  let out = Command::new(&python)
    .arg(root().join("scripts").join(script))
    .args(args)
    .output()
    .unwrap_or_else(|e| panic!("{} runs (run `make deps`): {e}", python.display()));
  let py = Py {
    code: out.status.code().unwrap_or(-1),
    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
  };
  assert_ne!(
    py.code, 3,
    "{script}: a checker module is missing from .venv, run `make deps`:\n{}",
    py.stderr
  );
  py
}

/// Run a checker that must succeed and return its JSON.
pub(crate) fn checked(script: &str, args: &[PathBuf]) -> Value {
  let py = python(script, args);
  assert_eq!(py.code, 0, "{script} failed:\n{}\n{}", py.stderr, py.stdout);
  serde_json::from_str(&py.stdout).unwrap_or_else(|e| panic!("{script} prints JSON: {e}\n{}", py.stdout))
}

// ---------------------------------------------------------------------------------------
// One canonical form for every format, so each can be compared with the ARM outputs.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct NsgRule {
  name: String,
  priority: u64,
  direction: String,
  access: String,
  protocol: String,
  source: String,
  source_ports: Vec<String>,
  destination: String,
  ports: Vec<String>,
  description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct FwRule {
  collection: String,
  collection_priority: u64,
  kind: String,
  name: String,
  description: String,
  /// Network: "TCP"; application: "Https:443".
  protocols: Vec<String>,
  sources: Vec<String>,
  addresses: Vec<String>,
  fqdns: Vec<String>,
  ports: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Deploy {
  nsg: Vec<NsgRule>,
  fw_priority: u64,
  fw: Vec<FwRule>,
  zones: Vec<String>,
  /// Zone of each VNet link.
  links: Vec<String>,
  /// (zone, relative name, addresses).
  records: Vec<(String, String, Vec<String>)>,
  /// Route table names.
  route_tables: Vec<String>,
  pub(crate) routes: Vec<Route>,
  /// Every subnet associated with the NSG, with its route table ("" for none).
  pub(crate) subnets: Vec<(String, String)>,
}

/// One user-defined route as every format spells it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Route {
  pub(crate) table: String,
  pub(crate) name: String,
  pub(crate) prefix: String,
  pub(crate) hop: String,
  /// The next hop's address, "" for next hop Internet.
  pub(crate) hop_ip: String,
}

impl Deploy {
  fn sorted(mut self) -> Deploy {
    self.nsg.sort();
    self.fw.sort();
    self.zones.sort();
    self.links.sort();
    for r in &mut self.records {
      r.2.sort();
    }
    self.records.sort();
    self.route_tables.sort();
    self.routes.sort();
    self.subnets.sort();
    self
  }
}

/// The literal inside an ARM expression: the `n`th `'`-quoted string of `[f('a', 'b')]`.
fn quoted(expression: &str, n: usize) -> String {
  expression
    .split('\'')
    .nth(2 * n + 1)
    .unwrap_or_else(|| panic!("{expression} has {} quoted strings", n + 1))
    .to_string()
}

/// Route tables, routes and subnets of nsg/subnets.json (none when the plan associates none).
fn network_from_arm(c: &Compiled, d: &mut Deploy) {
  let path = c.dir.join("nsg/subnets.json");
  assert_eq!(
    path.exists(),
    !Plan::new(&c.ir).network.subnets.is_empty(),
    "{}: nsg/subnets.json exactly when the plan associates subnets",
    c.name
  );
  if !path.exists() {
    return;
  }
  let doc = read_json(&path);
  for r in doc["resources"].as_array().expect("resources") {
    match r["type"].as_str() {
      Some("Microsoft.Network/routeTables") => {
        let table = text(&r["name"]);
        for route in r["properties"]["routes"].as_array().expect("routes") {
          let p = &route["properties"];
          d.routes.push(Route {
            table: table.clone(),
            name: text(&route["name"]),
            prefix: text(&p["addressPrefix"]),
            hop: text(&p["nextHopType"]),
            hop_ip: p.get("nextHopIpAddress").map(text).unwrap_or_default(),
          });
        }
        d.route_tables.push(table);
      }
      Some("Microsoft.Network/virtualNetworks/subnets") => {
        let p = &r["properties"];
        assert_eq!(
          p["networkSecurityGroup"]["id"],
          "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('nsgName'))]"
        );
        let table = p
          .get("routeTable")
          .map(|t| quoted(&text(&t["id"]), 1))
          .unwrap_or_default();
        d.subnets.push((quoted(&text(&r["name"]), 2), table));
      }
      other => panic!("unexpected resource {other:?}"),
    }
  }
}

fn text(v: &Value) -> String {
  match v {
    Value::String(s) => s.clone(),
    Value::Null => String::new(),
    other => other.to_string(),
  }
}

/// A list of strings; a lone string counts as a one-element list, absence as empty.
fn texts(v: &Value) -> Vec<String> {
  match v {
    Value::Array(items) => items.iter().map(text).collect(),
    Value::Null => vec![],
    other => vec![text(other)],
  }
}

fn int(v: &Value) -> u64 {
  v.as_u64()
    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    .unwrap_or_else(|| panic!("an integer: {v}"))
}

/// `securityRules` in ARM (and Bicep) shape.
fn nsg_from_arm(rules: &Value) -> Vec<NsgRule> {
  rules
    .as_array()
    .expect("securityRules is a list")
    .iter()
    .map(|r| {
      let p = &r["properties"];
      let ports = if p.get("destinationPortRanges").is_some() {
        texts(&p["destinationPortRanges"])
      } else {
        texts(&p["destinationPortRange"])
      };
      NsgRule {
        name: text(&r["name"]),
        priority: int(&p["priority"]),
        direction: text(&p["direction"]),
        access: text(&p["access"]),
        protocol: text(&p["protocol"]),
        source: text(&p["sourceAddressPrefix"]),
        source_ports: texts(&p["sourcePortRange"]),
        destination: text(&p["destinationAddressPrefix"]),
        ports,
        description: text(&p["description"]),
      }
    })
    .collect()
}

/// `ruleCollections` in ARM (and Bicep) shape.
fn fw_from_arm(collections: &Value) -> Vec<FwRule> {
  let mut v = Vec::new();
  for c in collections.as_array().expect("ruleCollections is a list") {
    assert_eq!(c["ruleCollectionType"], "FirewallPolicyFilterRuleCollection");
    assert_eq!(c["action"]["type"], "Allow");
    for r in c["rules"].as_array().expect("rules is a list") {
      let application = r["ruleType"] == "ApplicationRule";
      v.push(FwRule {
        collection: text(&c["name"]),
        collection_priority: int(&c["priority"]),
        kind: if application { "application" } else { "network" }.to_string(),
        name: text(&r["name"]),
        description: text(&r["description"]),
        protocols: if application {
          r["protocols"]
            .as_array()
            .expect("protocols")
            .iter()
            .map(|p| format!("{}:{}", text(&p["protocolType"]), int(&p["port"])))
            .collect()
        } else {
          texts(&r["ipProtocols"])
        },
        sources: texts(&r["sourceAddresses"]),
        addresses: texts(&r["destinationAddresses"]),
        fqdns: if application {
          texts(&r["targetFqdns"])
        } else {
          texts(&r["destinationFqdns"])
        },
        ports: texts(&r["destinationPorts"]),
      });
    }
  }
  v
}

fn read_json(path: &Path) -> Value {
  serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    .expect("valid JSON")
}

fn from_arm(c: &Compiled) -> Deploy {
  let nsg = read_json(&c.dir.join("nsg/nsg.json"));
  let mut d = Deploy {
    nsg: nsg_from_arm(&nsg["resources"][0]["properties"]["securityRules"]),
    ..Deploy::default()
  };
  // An empty firewall plan writes no rule collection group (AFW009).
  let fw_path = c.dir.join("firewall/rule-collection-group.json");
  assert_eq!(
    fw_path.exists(),
    !Plan::new(&c.ir).firewall.is_empty(),
    "{}: a firewall artifact exactly when the plan has firewall rules",
    c.name
  );
  if fw_path.exists() {
    let fw = read_json(&fw_path);
    d.fw_priority = int(&fw["resources"][0]["properties"]["priority"]);
    d.fw = fw_from_arm(&fw["resources"][0]["properties"]["ruleCollections"]);
  }
  let dns_path = c.dir.join("private-dns/private-dns.json");
  if dns_path.exists() {
    let dns = read_json(&dns_path);
    let mut records: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in dns["resources"].as_array().expect("resources") {
      let name = text(&r["name"]);
      match r["type"].as_str() {
        Some("Microsoft.Network/privateDnsZones") => d.zones.push(name),
        Some("Microsoft.Network/privateDnsZones/virtualNetworkLinks") => {
          // "[concat('zone', '/', parameters('vnetLinkName'))]"
          let zone = name
            .split('\'')
            .nth(1)
            .expect("link name names its zone")
            .to_string();
          assert_eq!(r["properties"]["virtualNetwork"]["id"], "[parameters('vnetId')]");
          d.links.push(zone);
        }
        Some("Microsoft.Network/privateDnsZones/A") => {
          let (zone, rel) = name.split_once('/').expect("zone/record");
          let ips = r["properties"]["aRecords"]
            .as_array()
            .expect("aRecords")
            .iter()
            .map(|a| text(&a["ipv4Address"]));
          records
            .entry((zone.to_string(), rel.to_string()))
            .or_default()
            .extend(ips);
        }
        other => panic!("unexpected resource {other:?}"),
      }
    }
    d.records = records.into_iter().map(|((z, n), ips)| (z, n, ips)).collect();
  }
  network_from_arm(c, &mut d);
  d.sorted()
}

/// From check_terraform.py's summary of one directory.
fn from_terraform(s: &Value) -> Deploy {
  let res = &s["resources"];
  let empty = serde_json::Map::new();
  let of = |t: &str| res.get(t).and_then(Value::as_object).unwrap_or(&empty).clone();
  let nsgs = of("azurerm_network_security_group");
  assert_eq!(nsgs.len(), 1, "one NSG");
  let (nsg_label, nsg) = nsgs.iter().next().expect("one NSG");
  assert!(
    nsg.get("security_rule").is_none(),
    "no inline security_rule next to standalone rules"
  );
  assert_eq!(nsg["resource_group_name"], "${var.resource_group_name}");
  let mut d = Deploy::default();
  for r in of("azurerm_network_security_rule").values() {
    assert_eq!(
      r["network_security_group_name"],
      format!("${{azurerm_network_security_group.{nsg_label}.name}}")
    );
    assert!(
      r.get("destination_port_range").is_some() != r.get("destination_port_ranges").is_some(),
      "one port form: {r}"
    );
    let ports = if r.get("destination_port_ranges").is_some() {
      texts(&r["destination_port_ranges"])
    } else {
      texts(&r["destination_port_range"])
    };
    d.nsg.push(NsgRule {
      name: text(&r["name"]),
      priority: int(&r["priority"]),
      direction: text(&r["direction"]),
      access: text(&r["access"]),
      protocol: text(&r["protocol"]),
      source: text(&r["source_address_prefix"]),
      source_ports: texts(&r["source_port_range"]),
      destination: text(&r["destination_address_prefix"]),
      ports,
      description: text(&r["description"]),
    });
  }
  let groups = of("azurerm_firewall_policy_rule_collection_group");
  assert!(groups.len() <= 1, "at most one rule collection group");
  for g in groups.values() {
    assert_eq!(g["firewall_policy_id"], "${var.firewall_policy_id}");
    d.fw_priority = int(&g["priority"]);
    for (block, kind) in [
      ("network_rule_collection", "network"),
      ("application_rule_collection", "application"),
    ] {
      for c in g.get(block).and_then(Value::as_array).into_iter().flatten() {
        assert_eq!(c["action"], "Allow");
        for r in c["rule"].as_array().expect("rules") {
          d.fw.push(FwRule {
            collection: text(&c["name"]),
            collection_priority: int(&c["priority"]),
            kind: kind.to_string(),
            name: text(&r["name"]),
            description: text(&r["description"]),
            protocols: if kind == "application" {
              r["protocols"]
                .as_array()
                .expect("protocols blocks")
                .iter()
                .map(|p| format!("{}:{}", text(&p["type"]), int(&p["port"])))
                .collect()
            } else {
              texts(&r["protocols"])
            },
            sources: texts(&r["source_addresses"]),
            addresses: texts(&r["destination_addresses"]),
            fqdns: texts(&r["destination_fqdns"]),
            ports: texts(&r["destination_ports"]),
          });
        }
      }
    }
  }
  let zones = of("azurerm_private_dns_zone");
  let zone_of = |reference: &Value| -> String {
    let label = text(reference)
      .trim_start_matches("${azurerm_private_dns_zone.")
      .trim_end_matches(".name}")
      .to_string();
    text(
      &zones
        .get(&label)
        .unwrap_or_else(|| panic!("{reference} names a zone"))["name"],
    )
  };
  d.zones = zones.values().map(|z| text(&z["name"])).collect();
  for l in of("azurerm_private_dns_zone_virtual_network_link").values() {
    assert_eq!(l["virtual_network_id"], "${var.virtual_network_id}");
    assert_eq!(l["registration_enabled"], false);
    d.links.push(zone_of(&l["private_dns_zone_name"]));
  }
  for r in of("azurerm_private_dns_a_record").values() {
    d.records
      .push((zone_of(&r["zone_name"]), text(&r["name"]), texts(&r["records"])));
  }
  // Route tables and routes; subnets are data sources, associated by reference.
  let tables = of("azurerm_route_table");
  let table_of = |reference: &Value, attr: &str| -> String {
    let label = text(reference)
      .trim_start_matches("${azurerm_route_table.")
      .trim_end_matches(&format!(".{attr}}}"))
      .to_string();
    text(
      &tables
        .get(&label)
        .unwrap_or_else(|| panic!("{reference} names a route table"))["name"],
    )
  };
  for t in tables.values() {
    assert_eq!(t["resource_group_name"], "${var.resource_group_name}");
    assert!(
      t.get("route").is_none(),
      "no inline route next to standalone routes"
    );
    d.route_tables.push(text(&t["name"]));
  }
  for r in of("azurerm_route").values() {
    d.routes.push(Route {
      table: table_of(&r["route_table_name"], "name"),
      name: text(&r["name"]),
      prefix: text(&r["address_prefix"]),
      hop: text(&r["next_hop_type"]),
      hop_ip: r.get("next_hop_in_ip_address").map(text).unwrap_or_default(),
    });
  }
  let data = s["data"]["azurerm_subnet"]
    .as_object()
    .cloned()
    .unwrap_or_default();
  let subnet_of = |reference: &Value| -> String {
    let label = text(reference)
      .trim_start_matches("${data.azurerm_subnet.")
      .trim_end_matches(".id}")
      .to_string();
    let subnet = data
      .get(&label)
      .unwrap_or_else(|| panic!("{reference} names a subnet"));
    assert_eq!(subnet["virtual_network_name"], "${var.virtual_network_name}");
    assert_eq!(
      subnet["resource_group_name"],
      "${var.virtual_network_resource_group_name}"
    );
    text(&subnet["name"])
  };
  let mut routed: BTreeMap<String, String> = BTreeMap::new();
  for a in of("azurerm_subnet_route_table_association").values() {
    routed.insert(subnet_of(&a["subnet_id"]), table_of(&a["route_table_id"], "id"));
  }
  for a in of("azurerm_subnet_network_security_group_association").values() {
    assert_eq!(
      a["network_security_group_id"],
      format!("${{azurerm_network_security_group.{nsg_label}.id}}")
    );
    let name = subnet_of(&a["subnet_id"]);
    let table = routed.remove(&name).unwrap_or_default();
    d.subnets.push((name, table));
  }
  assert!(
    routed.is_empty(),
    "a route table only on subnets with the NSG: {routed:?}"
  );
  d.sorted()
}

/// From check_bicep.py's summary of one file.
fn from_bicep(s: &Value) -> Deploy {
  let res = s["resources"].as_object().expect("resources");
  let of = |t: &'static str| res.iter().filter(move |(_, r)| r["type"] == t);
  let mut d = Deploy::default();
  let nsgs: Vec<_> = of("Microsoft.Network/networkSecurityGroups").collect();
  assert_eq!(nsgs.len(), 1, "one NSG");
  d.nsg = nsg_from_arm(&nsgs[0].1["config"]["properties"]["securityRules"]);
  let policies: Vec<_> = of("Microsoft.Network/firewallPolicies").collect();
  let groups: Vec<_> = of("Microsoft.Network/firewallPolicies/ruleCollectionGroups").collect();
  // An empty firewall plan writes neither the policy reference nor a group (AFW009).
  assert_eq!(
    policies.len(),
    groups.len(),
    "a policy reference exactly with a group"
  );
  assert!(groups.len() <= 1, "at most one rule collection group");
  if let (Some(policy), Some(group)) = (policies.first(), groups.first()) {
    assert_eq!(policy.1["existing"], true, "the policy is an existing resource");
    assert_eq!(group.1["config"]["parent"], Value::String(policy.0.clone()));
    d.fw_priority = int(&group.1["config"]["properties"]["priority"]);
    d.fw = fw_from_arm(&group.1["config"]["properties"]["ruleCollections"]);
  }
  let zone_of = |parent: &Value| {
    text(
      &res
        .get(&text(parent))
        .unwrap_or_else(|| panic!("{parent} is a zone"))["config"]["name"],
    )
  };
  d.zones = of("Microsoft.Network/privateDnsZones")
    .map(|(_, z)| text(&z["config"]["name"]))
    .collect();
  for (_, l) in of("Microsoft.Network/privateDnsZones/virtualNetworkLinks") {
    assert_eq!(l["config"]["properties"]["virtualNetwork"]["id"], "vnetId");
    d.links.push(zone_of(&l["config"]["parent"]));
  }
  for (_, r) in of("Microsoft.Network/privateDnsZones/A") {
    let ips = r["config"]["properties"]["aRecords"]
      .as_array()
      .expect("aRecords")
      .iter()
      .map(|a| text(&a["ipv4Address"]))
      .collect();
    d.records
      .push((zone_of(&r["config"]["parent"]), text(&r["config"]["name"]), ips));
  }
  // `symbol.id` as pycep gives it: a property accessor.
  let accessor = |v: &Value| -> String {
    let o = &v["operator"];
    assert_eq!(o["type"], "property_accessor", "{v}");
    assert_eq!(o["operands"]["operand_2"], "id", "{v}");
    text(&o["operands"]["operand_1"])
  };
  for (_, t) in of("Microsoft.Network/routeTables") {
    let table = text(&t["config"]["name"]);
    for route in t["config"]["properties"]["routes"].as_array().expect("routes") {
      let p = &route["properties"];
      d.routes.push(Route {
        table: table.clone(),
        name: text(&route["name"]),
        prefix: text(&p["addressPrefix"]),
        hop: text(&p["nextHopType"]),
        hop_ip: p.get("nextHopIpAddress").map(text).unwrap_or_default(),
      });
    }
    d.route_tables.push(table);
  }
  for (_, sn) in of("Microsoft.Network/virtualNetworks/subnets") {
    let parent = text(&sn["config"]["parent"]);
    assert_eq!(res[&parent]["existing"], true, "the VNet is an existing resource");
    let p = &sn["config"]["properties"];
    assert_eq!(accessor(&p["networkSecurityGroup"]["id"]), nsgs[0].0.as_str());
    let table = p
      .get("routeTable")
      .map(|t| text(&res[&accessor(&t["id"])]["config"]["name"]))
      .unwrap_or_default();
    d.subnets.push((text(&sn["config"]["name"]), table));
  }
  d.sorted()
}

/// A subnet PUT replaces the subnet, so Bicep and nsg/subnets.json must carry the same
/// address prefix, delegations, service endpoints and NAT gateway for each subnet.
fn subnet_bodies_match(c: &Compiled, bicep: &Value) {
  let path = c.dir.join("nsg/subnets.json");
  let arm: Vec<Value> = if path.exists() {
    read_json(&path)["resources"]
      .as_array()
      .expect("resources")
      .clone()
  } else {
    Vec::new()
  };
  let keep = |p: &Value| -> Value {
    let mut kept: serde_json::Map<_, _> = ["addressPrefix", "delegations", "serviceEndpoints"]
      .iter()
      .map(|k| (k.to_string(), p.get(*k).cloned().unwrap_or(Value::Null)))
      .collect();
    // A parameter in both, spelled as each format refers to it.
    kept.insert("natGateway".into(), Value::Bool(p.get("natGateway").is_some()));
    kept.into()
  };
  let arm_bodies: BTreeMap<String, Value> = arm
    .iter()
    .filter(|r| r["type"] == "Microsoft.Network/virtualNetworks/subnets")
    .map(|r| (quoted(&text(&r["name"]), 2), keep(&r["properties"])))
    .collect();
  let bicep_bodies: BTreeMap<String, Value> = bicep["resources"]
    .as_object()
    .expect("resources")
    .values()
    .filter(|r| r["type"] == "Microsoft.Network/virtualNetworks/subnets")
    .map(|r| (text(&r["config"]["name"]), keep(&r["config"]["properties"])))
    .collect();
  assert_eq!(bicep_bodies, arm_bodies, "{}: subnet bodies", c.name);
}

/// A Bicep resource body as ARM JSON: `symbol.id` accessors become `[symbol.id]` strings.
fn bicep_as_arm(v: &Value) -> Value {
  match v {
    Value::Object(o)
      if o
        .get("operator")
        .is_some_and(|op| op["type"] == "property_accessor") =>
    {
      let ops = &o["operator"]["operands"];
      Value::String(format!(
        "[{}.{}]",
        text(&ops["operand_1"]),
        text(&ops["operand_2"])
      ))
    }
    Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), bicep_as_arm(v))).collect()),
    Value::Array(a) => Value::Array(a.iter().map(bicep_as_arm).collect()),
    other => other.clone(),
  }
}

// ---------------------------------------------------------------------------------------

#[test]
fn terraform_parses_into_exactly_the_arm_resources() {
  let (_base, all) = compile_all("tf");
  let dirs: Vec<PathBuf> = all.iter().map(|c| c.dir.join("terraform")).collect();
  let summary = checked("check_terraform.py", &dirs);
  let mut seen_both_kinds = false;
  for (c, dir) in all.iter().zip(&dirs) {
    let s = &summary["dirs"][dir.to_string_lossy().as_ref()];
    let tf = from_terraform(s);
    let arm = from_arm(c);
    assert_eq!(
      tf, arm,
      "{}: Terraform carries exactly the ARM outputs' rules, zones and records",
      c.name
    );
    // And the counts the IR implies, so an empty pair of outputs cannot pass.
    let plan = Plan::new(&c.ir);
    assert_eq!(tf.nsg.len(), plan.nsg.len(), "{}", c.name);
    let fw = &plan.firewall;
    assert_eq!(
      tf.fw.len(),
      fw.network.rules.len() + fw.application.rules.len(),
      "{}",
      c.name
    );
    assert_eq!(tf.zones.len(), c.ir.dns_zones.len(), "{}", c.name);
    assert_eq!(tf.links.len(), c.ir.dns_zones.len(), "{}", c.name);
    let names: std::collections::BTreeSet<_> = c.ir.dns_records.iter().map(|r| (&r.zone, &r.name)).collect();
    assert_eq!(tf.records.len(), names.len(), "{}", c.name);
    seen_both_kinds |= !fw.network.rules.is_empty()
      && !fw.application.rules.is_empty()
      && !tf.nsg.is_empty()
      && !tf.records.is_empty();
    let vars = s["variables"].as_object().expect("variables");
    assert_eq!(
      vars.contains_key("firewall_policy_id"),
      !fw.is_empty(),
      "{}: the policy is asked for exactly when there is a rule collection group",
      c.name
    );
    for required in ["resource_group_name", "firewall_policy_id"]
      .into_iter()
      .filter(|v| vars.contains_key(*v))
    {
      assert!(
        vars[required].get("default").is_none(),
        "{}: {required} is the user's to supply",
        c.name
      );
    }
    assert_eq!(
      vars.contains_key("virtual_network_id"),
      !c.ir.dns_zones.is_empty(),
      "{}",
      c.name
    );
    assert_eq!(vars["location"]["default"], Value::String(c.ir.region.clone()));
    assert_eq!(
      s["other_blocks"],
      serde_json::json!(["terraform", "provider"]),
      "{}",
      c.name
    );
  }
  assert!(
    seen_both_kinds,
    "some profile has NSG rules, both rule kinds and DNS records"
  );
}

#[test]
fn terraform_checker_fails_on_broken_hcl() {
  let dir = scratch("tf-broken");
  std::fs::write(
    dir.join("main.tf"),
    "resource \"azurerm_network_security_group\" \"x\" {\n  name = \"a\"\n",
  )
  .expect("writable");
  std::fs::write(dir.join("variables.tf"), "").expect("writable");
  let py = python("check_terraform.py", &[dir]);
  assert_eq!(py.code, 1, "an unparsable file fails the checker: {}", py.stderr);
}

#[test]
fn bicep_parses_into_exactly_the_arm_resources_and_sdk_models_accept_it() {
  let (base, all) = compile_all("bicep");
  let files: Vec<PathBuf> = all.iter().map(|c| c.dir.join("bicep/main.bicep")).collect();
  let summary = checked("check_bicep.py", &files);
  let mut arm_like = Vec::new();
  for (c, file) in all.iter().zip(&files) {
    let s = &summary[file.to_string_lossy().as_ref()];
    assert_eq!(
      from_bicep(s),
      from_arm(c),
      "{}: Bicep carries exactly the ARM outputs' rules, zones and records",
      c.name
    );
    subnet_bodies_match(c, s);
    let params = s["parameters"].as_object().expect("parameters");
    assert_eq!(
      params.contains_key("vnetId"),
      !c.ir.dns_zones.is_empty(),
      "{}",
      c.name
    );
    // The resource bodies, as an ARM template, for the SDK model check (Bicep-only keys dropped).
    let resources: Vec<Value> = s["resources"]
      .as_object()
      .expect("resources")
      .values()
      .filter(|r| r["existing"] == false)
      .map(|r| {
        let mut body = bicep_as_arm(&r["config"]).as_object().expect("config").clone();
        body.remove("parent");
        body.insert("type".into(), r["type"].clone());
        Value::Object(body)
      })
      .collect();
    let path = base.join(format!("{}-bicep-as-arm.json", c.name));
    std::fs::write(&path, serde_json::json!({ "resources": resources }).to_string()).expect("writable");
    arm_like.push(path);
  }
  let report = checked("check_arm.py", &arm_like);
  assert_eq!(report["problems"], serde_json::json!([]));
}

#[test]
fn arm_templates_deserialize_into_the_azure_sdk_models() {
  let (_base, all) = compile_all("arm");
  let mut files = Vec::new();
  let (mut zones, mut records, mut groups, mut rules) = (0, 0, 0, 0);
  let (mut tables, mut subnets) = (0, 0);
  for c in &all {
    files.push(c.dir.join("nsg/nsg.json"));
    files.push(c.dir.join("nsg/nsg-rules.json"));
    let plan = amlnet::plan::Plan::new(&c.ir);
    rules += plan.nsg.len() as u64;
    tables += plan.network.route_tables.len() as u64;
    subnets += plan.network.subnets.len() as u64;
    if !plan.network.subnets.is_empty() {
      files.push(c.dir.join("nsg/subnets.json"));
    }
    let fw = c.dir.join("firewall/rule-collection-group.json");
    if fw.exists() {
      files.push(fw);
      groups += 1;
    }
    if !c.ir.dns_zones.is_empty() {
      files.push(c.dir.join("private-dns/private-dns.json"));
    }
    zones += c.ir.dns_zones.len();
    records += c.ir.dns_records.len();
  }
  let report = checked("check_arm.py", &files);
  assert_eq!(
    report["problems"],
    serde_json::json!([]),
    "no unknown, read-only, missing, mistyped or off-enum property"
  );
  let n = all.len() as u64;
  let checked = &report["checked"];
  assert_eq!(checked["Microsoft.Network/networkSecurityGroups"], n);
  assert_eq!(
    checked["Microsoft.Network/networkSecurityGroups/securityRules"],
    rules
  );
  assert!(groups > 0, "some shipped profile has firewall rules");
  assert_eq!(
    checked["Microsoft.Network/firewallPolicies/ruleCollectionGroups"],
    groups
  );
  assert_eq!(checked["Microsoft.Network/privateDnsZones"], zones);
  assert_eq!(
    checked["Microsoft.Network/privateDnsZones/virtualNetworkLinks"],
    zones
  );
  assert_eq!(checked["Microsoft.Network/privateDnsZones/A"], records);
  assert!(tables > 0, "some shipped profile routes through the firewall");
  assert_eq!(checked["Microsoft.Network/routeTables"], tables);
  assert_eq!(checked["Microsoft.Network/virtualNetworks/subnets"], subnets);
}

#[test]
fn arm_checker_reports_unknown_missing_read_only_mistyped_and_off_enum_properties() {
  let (base, all) = compile_all("arm-bad");
  let c = all
    .iter()
    .find(|c| !c.ir.dns_zones.is_empty())
    .expect("a profile with zones");
  let mut nsg = read_json(&c.dir.join("nsg/nsg.json"));
  let rule = &mut nsg["resources"][0]["properties"]["securityRules"][0]["properties"];
  rule["bogus"] = serde_json::json!(1);
  rule["protocol"] = serde_json::json!("TCP");
  rule["provisioningState"] = serde_json::json!("Succeeded");
  rule.as_object_mut().expect("object").remove("priority");
  let mut fw = read_json(&c.dir.join("firewall/rule-collection-group.json"));
  fw["resources"][0]["properties"]["ruleCollections"][0]["rules"][0]["targetFqdns"] =
    serde_json::json!(["x.example"]);
  let mut dns = read_json(&c.dir.join("private-dns/private-dns.json"));
  dns["resources"][1]["properties"]["registrationEnabled"] = serde_json::json!("false");
  let files: Vec<PathBuf> = [("nsg", nsg), ("fw", fw), ("dns", dns)]
    .into_iter()
    .map(|(n, v)| {
      let p = base.join(format!("bad-{n}.json"));
      std::fs::write(&p, v.to_string()).expect("writable");
      p
    })
    .collect();
  let py = python("check_arm.py", &files);
  assert_eq!(py.code, 1, "{}", py.stderr);
  let report: Value = serde_json::from_str(&py.stdout).expect("JSON");
  let kinds: Vec<String> = report["problems"]
    .as_array()
    .expect("problems")
    .iter()
    .map(|p| format!("{} {}", text(&p["kind"]), text(&p["path"])))
    .collect();
  for (kind, at) in [
    ("unknown", "securityRules[0].properties.bogus"),
    ("enum", "securityRules[0].properties.protocol"),
    ("readonly", "securityRules[0].properties.provisioningState"),
    ("missing", "securityRules[0].properties.priority"),
    ("unknown", "rules[0].targetFqdns"),
    ("type", "properties.registrationEnabled"),
  ] {
    assert!(
      kinds.iter().any(|k| k.starts_with(kind) && k.ends_with(at)),
      "{kind} at {at} reported: {kinds:#?}"
    );
  }
}

/// A tiny deliberately bad NSG (SSH from anywhere) in each format, so the one checkov run
/// proves it parses and evaluates every framework it scans. The source is `*`, not
/// `Internet`: checkov 3.3's ARM check compares prefixes case-sensitively with "internet" and
/// misses the tag as Azure spells it (docs/deploy.md).
fn checkov_control(dir: &Path) {
  std::fs::create_dir_all(dir.join("terraform")).expect("writable");
  std::fs::write(
    dir.join("terraform/main.tf"),
    r#"resource "azurerm_network_security_rule" "control" {
  name                        = "control-ssh-from-internet"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "22"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = "nsg"
}
"#,
  )
  .expect("writable");
  let rule = serde_json::json!({
    "name": "control-ssh-from-internet",
    "properties": { "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
      "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "22" }
  });
  let arm = serde_json::json!({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "control",
      "location": "eastus", "properties": { "securityRules": [rule] } }]
  });
  std::fs::create_dir_all(dir.join("arm")).expect("writable");
  std::fs::write(dir.join("arm/control.json"), arm.to_string()).expect("writable");
  std::fs::create_dir_all(dir.join("bicep")).expect("writable");
  std::fs::write(
    dir.join("bicep/control.bicep"),
    "resource control 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {\n  name: 'control'\n  location: 'eastus'\n  properties: {\n    securityRules: [\n      {\n        name: 'control-ssh-from-internet'\n        properties: {\n          priority: 100\n          direction: 'Inbound'\n          access: 'Allow'\n          protocol: 'Tcp'\n          sourceAddressPrefix: '*'\n          sourcePortRange: '*'\n          destinationAddressPrefix: '*'\n          destinationPortRange: '22'\n        }\n      }\n    ]\n  }\n}\n",
  )
  .expect("writable");
}

#[test]
fn checkov_flags_nothing_in_the_outputs_and_catches_the_control() {
  let (base, all) = compile_all("checkov");
  checkov_control(&base.join("zz-control"));
  let mut cmd = Command::new(venv_bin("checkov"));
  cmd.env("PATH", venv_path()).arg("--directory").arg(&base).args([
    "--framework",
    "terraform",
    "arm",
    "bicep",
    "--output",
    "json",
    "--skip-download",
  ]);
  if !CHECKOV_SKIPS.is_empty() {
    cmd.arg("--skip-check").arg(
      CHECKOV_SKIPS
        .iter()
        .map(|(id, _)| *id)
        .collect::<Vec<_>>()
        .join(","),
    );
  }
  let out = cmd
    .output()
    .unwrap_or_else(|e| panic!("checkov runs (run `make deps`): {e}"));
  let stdout = String::from_utf8_lossy(&out.stdout);
  let reports: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
    panic!(
      "checkov prints JSON ({e}):\n{stdout}\n{}",
      String::from_utf8_lossy(&out.stderr)
    )
  });
  let reports = match reports {
    Value::Array(v) => v,
    one => vec![one],
  };
  let mut frameworks = Vec::new();
  for rep in &reports {
    let kind = text(&rep["check_type"]);
    assert_eq!(rep["summary"]["parsing_errors"], 0, "{kind}: every file parses");
    let failed = rep["results"]["failed_checks"]
      .as_array()
      .cloned()
      .unwrap_or_default();
    let ours: Vec<String> = failed
      .iter()
      .filter(|f| !text(&f["file_path"]).contains("zz-control"))
      .map(|f| {
        format!(
          "{} {} {} {}",
          text(&f["check_id"]),
          text(&f["check_name"]),
          text(&f["file_path"]),
          text(&f["resource"])
        )
      })
      .collect();
    assert!(ours.is_empty(), "{kind}: checkov fails on the emitted rules (fix them, or skip with a reason in CHECKOV_SKIPS and docs/deploy.md):\n{}", ours.join("\n"));
    assert!(
      failed
        .iter()
        .any(|f| f["check_id"] == "CKV_AZURE_10" && text(&f["file_path"]).contains("zz-control")),
      "{kind}: the control's SSH-from-anywhere rule is caught, so this framework was really evaluated"
    );
    // Every profile's NSG was evaluated (a file checkov silently skipped would not show up).
    let passed = rep["results"]["passed_checks"]
      .as_array()
      .cloned()
      .unwrap_or_default();
    let profiles: std::collections::BTreeSet<String> = passed
      .iter()
      .filter_map(|p| {
        text(&p["file_path"])
          .trim_start_matches('/')
          .split('/')
          .next()
          .map(str::to_string)
      })
      .filter(|p| p != "zz-control")
      .collect();
    assert_eq!(
      profiles.len(),
      all.len(),
      "{kind}: checks ran on every profile's output: {profiles:?}"
    );
    frameworks.push(kind);
  }
  frameworks.sort();
  assert_eq!(frameworks, ["arm", "bicep", "terraform"]);
}

#[test]
fn every_checkov_skip_is_documented() {
  let doc = std::fs::read_to_string(root().join("docs/deploy.md")).expect("docs/deploy.md exists");
  for (id, reason) in CHECKOV_SKIPS {
    assert!(
      !reason.is_empty() && doc.contains(id),
      "{id} is explained in docs/deploy.md"
    );
  }
  assert!(doc.contains("checkov"), "docs/deploy.md has the checkov section");
}

// ---------------------------------------------------------------------------------------
// az CLI: run the script with an `az` that records its arguments.

/// Records every call; `az cloud show` answers the cloud in `AZ_CLOUD` (the profile's when the
/// caller sets it), `az account show` the subscription `SUBSCRIPTION`; any other `show` says the resource does not exist yet.
const FAKE_AZ: &str = "#!/usr/bin/env bash\n{ printf '%s\\037' \"$@\"; printf '\\036'; } >> \"$AZ_LOG\"\ncase \" $* \" in *' cloud show '*) echo \"${AZ_CLOUD:-AzureCloud}\"; exit 0 ;; *' account show '*) echo 00000000-0000-0000-0000-000000000000; exit 0 ;; *' show '*) exit 3 ;; esac\nexit 0\n";
pub(crate) const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
pub(crate) const VNET_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-test";

/// Runs deploy.sh in a directory full of files its `*` arguments would glob to if unquoted.
pub(crate) fn run_azcli(c: &Compiled, env: &[(&str, &str)]) -> (std::process::Output, Vec<Vec<String>>) {
  let work = scratch(&format!("az-{}", c.name));
  let bin = work.join("bin");
  std::fs::create_dir_all(&bin).expect("writable");
  let az = bin.join("az");
  std::fs::write(&az, FAKE_AZ).expect("writable");
  #[cfg(unix)]
  {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
  }
  let cwd = work.join("cwd");
  std::fs::create_dir_all(&cwd).expect("writable");
  std::fs::write(cwd.join("decoy"), "").expect("writable");
  for f in &c.ir.flows {
    if f.peer.to_string().contains('*') {
      std::fs::write(cwd.join(f.peer.to_string().replace('*', "decoy")), "").expect("writable");
    }
  }
  let log = work.join("az.log");
  let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
  let out = Command::new("bash")
    .arg(c.dir.join("azcli/deploy.sh"))
    .current_dir(&cwd)
    .env_clear()
    .env("PATH", path)
    .env("AZ_LOG", &log)
    .env("AZ_CLOUD", c.ir.cloud.name())
    .envs(env.iter().copied())
    .output()
    .expect("bash runs");
  let calls = std::fs::read_to_string(&log)
    .unwrap_or_default()
    .split('\u{1e}')
    .filter(|c| !c.is_empty())
    .map(|c| {
      c.split('\u{1f}')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
    })
    .collect();
  (out, calls)
}

/// (command words, flag → values).
pub(crate) fn parse_call(argv: &[String]) -> (String, BTreeMap<String, Vec<String>>) {
  let mut words = Vec::new();
  let mut flags: BTreeMap<String, Vec<String>> = BTreeMap::new();
  let mut current: Option<String> = None;
  for a in argv {
    if a.starts_with("--") {
      assert!(!flags.contains_key(a), "flag {a} given once: {argv:?}");
      flags.insert(a.clone(), vec![]);
      current = Some(a.clone());
    } else if let Some(flag) = &current {
      flags.get_mut(flag).expect("flag").push(a.clone());
    } else {
      words.push(a.as_str());
    }
  }
  (words.join(" "), flags)
}

fn from_azcli(calls: &[Vec<String>], ttl: u32, nsg_name: &str) -> Deploy {
  // The NSG and route tables are in RESOURCE_GROUP (rg-test in these runs).
  let ids = format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.Network");
  let mut d = Deploy::default();
  let mut collections: BTreeMap<String, u64> = BTreeMap::new();
  let mut records: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
  for argv in calls {
    let (cmd, f) = parse_call(argv);
    let one = |k: &str| -> String {
      let v = f
        .get(k)
        .unwrap_or_else(|| panic!("{cmd}: {k} is passed: {argv:?}"));
      assert_eq!(v.len(), 1, "{cmd}: one value for {k}: {argv:?}");
      v[0].clone()
    };
    let many = |k: &str| -> Vec<String> { f.get(k).cloned().unwrap_or_default() };
    match cmd.as_str() {
      "network nsg create" => {}
      "network nsg rule create" => {
        for k in [
          "--destination-port-ranges",
          "--source-port-ranges",
          "--protocol",
          "--priority",
          "--direction",
          "--access",
          "--source-address-prefixes",
          "--destination-address-prefixes",
        ] {
          assert!(
            f.get(k).is_some_and(|v| !v.is_empty()),
            "{k} is explicit: {argv:?}"
          );
        }
        d.nsg.push(NsgRule {
          name: one("--name"),
          priority: one("--priority").parse().expect("numeric priority"),
          direction: one("--direction"),
          access: one("--access"),
          protocol: one("--protocol"),
          source: one("--source-address-prefixes"),
          source_ports: many("--source-port-ranges"),
          destination: one("--destination-address-prefixes"),
          ports: many("--destination-port-ranges"),
          description: one("--description"),
        });
      }
      "network firewall policy rule-collection-group create" => {
        d.fw_priority = one("--priority").parse().expect("numeric")
      }
      "network firewall policy rule-collection-group collection add-filter-collection"
      | "network firewall policy rule-collection-group collection rule add" => {
        let first = cmd.ends_with("add-filter-collection");
        let collection = if first {
          one("--name")
        } else {
          one("--collection-name")
        };
        if first {
          assert_eq!(one("--action"), "Allow");
          collections.insert(
            collection.clone(),
            one("--collection-priority").parse().expect("numeric"),
          );
        }
        let application = one("--rule-type") == "ApplicationRule";
        d.fw.push(FwRule {
          collection_priority: *collections
            .get(&collection)
            .expect("the collection was created first"),
          collection,
          kind: if application { "application" } else { "network" }.to_string(),
          name: if first { one("--rule-name") } else { one("--name") },
          description: one("--description"),
          protocols: if application {
            many("--protocols")
              .iter()
              .map(|p| p.replacen('=', ":", 1))
              .collect()
          } else {
            many("--ip-protocols")
          },
          sources: many("--source-addresses"),
          addresses: many("--destination-addresses"),
          fqdns: if application {
            many("--target-fqdns")
          } else {
            many("--destination-fqdns")
          },
          ports: many("--destination-ports"),
        });
      }
      "network private-dns zone show" | "network private-dns link vnet show" => {}
      "network private-dns zone create" => d.zones.push(one("--name")),
      "network private-dns link vnet create" => {
        assert_eq!(one("--virtual-network"), VNET_ID);
        assert_eq!(one("--registration-enabled"), "false");
        d.links.push(one("--zone-name"));
      }
      "network private-dns record-set a add-record" => {
        records
          .entry((one("--zone-name"), one("--record-set-name")))
          .or_default()
          .push(one("--ipv4-address"));
      }
      "network private-dns record-set a update" => {
        assert_eq!(one("--set"), format!("ttl={ttl}"));
        assert!(
          records.contains_key(&(one("--zone-name"), one("--name"))),
          "TTL set on a record set that was added"
        );
      }
      // The cloud check before any change, and the subscription of the IDs.
      "cloud show" | "account show" => {}
      "network route-table create" => d.route_tables.push(one("--name")),
      "network route-table route create" => d.routes.push(Route {
        table: one("--route-table-name"),
        name: one("--name"),
        prefix: one("--address-prefix"),
        hop: one("--next-hop-type"),
        hop_ip: many("--next-hop-ip-address").concat(),
      }),
      "network vnet subnet update" => {
        assert_eq!(
          one("--network-security-group"),
          format!("{ids}/networkSecurityGroups/{nsg_name}")
        );
        let table = f.get("--route-table").map(|_| {
          one("--route-table")
            .strip_prefix(&format!("{ids}/routeTables/"))
            .expect("a route table ID")
            .to_string()
        });
        d.subnets.push((one("--name"), table.unwrap_or_default()));
      }
      other => panic!("unexpected az call {other}: {argv:?}"),
    }
  }
  d.records = records.into_iter().map(|((z, n), ips)| (z, n, ips)).collect();
  d.sorted()
}

#[test]
fn azcli_script_passes_every_rule_explicitly_and_quoted() {
  let (_base, all) = compile_all("azcli");
  for c in &all {
    let (out, calls) = run_azcli(c, &[("RESOURCE_GROUP", "rg-test"), ("VNET_ID", VNET_ID)]);
    assert!(
      out.status.success(),
      "{}: deploy.sh runs: {}",
      c.name,
      String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
      from_azcli(&calls, c.ir.settings.dns.ttl, &c.ir.settings.nsg.name),
      from_arm(c),
      "{}: az calls carry exactly the ARM outputs' rules, zones and records",
      c.name
    );
    for argv in &calls {
      assert!(
        !argv.iter().any(|a| a.contains("decoy")),
        "{}: no argument was globbed: {argv:?}",
        c.name
      );
      let (cmd, f) = parse_call(argv);
      if cmd.starts_with("network nsg") || cmd.starts_with("network private-dns") {
        assert_eq!(f["--resource-group"], ["rg-test"], "{}: {argv:?}", c.name);
      }
      if cmd.starts_with("network firewall") {
        assert_eq!(
          f["--resource-group"],
          ["rg-test"],
          "{}: policy RG defaults to RESOURCE_GROUP",
          c.name
        );
        assert_eq!(
          f["--policy-name"],
          std::slice::from_ref(&c.ir.settings.firewall.policy_name),
          "{}",
          c.name
        );
      }
    }
  }
}

#[test]
fn azcli_script_stops_before_any_call_without_the_ids_it_needs() {
  let (_base, all) = compile_all("azcli-ids");
  let c = all
    .iter()
    .find(|c| !c.ir.dns_zones.is_empty())
    .expect("a profile with zones");
  let (out, calls) = run_azcli(c, &[("VNET_ID", VNET_ID)]);
  assert!(!out.status.success());
  assert!(
    String::from_utf8_lossy(&out.stderr).contains("set RESOURCE_GROUP"),
    "{}",
    String::from_utf8_lossy(&out.stderr)
  );
  assert!(calls.is_empty(), "nothing ran: {calls:?}");
  let (out, calls) = run_azcli(c, &[("RESOURCE_GROUP", "rg-test")]);
  assert!(!out.status.success());
  assert!(String::from_utf8_lossy(&out.stderr).contains("set VNET_ID"));
  assert!(calls.is_empty(), "nothing ran: {calls:?}");
}

// ---------------------------------------------------------------------------------------

/// Every format renders one plan, so each plan note (NSG, firewall, managed network) is said
/// exactly once per compile, and no backend adds a plan note of its own.
#[test]
fn plan_notes_are_said_once_and_only_by_the_plan() {
  for path in crate::support::every_profile() {
    let c = amlnet::compile(&path).expect("compiles");
    let mut seen = std::collections::BTreeSet::new();
    for n in &c.output.notes {
      assert!(
        seen.insert((&n.code, &n.message)),
        "{}: {} said twice",
        stem(&path),
        n.code
      );
    }
    for t in Target::ALL {
      let mut out = Output::default();
      t.render(&c.ir, &c.plan, &mut out);
      for n in &out.notes {
        assert!(
          !["NSG", "AFW", "MNV", "PLAN"]
            .iter()
            .any(|p| n.code.starts_with(p)),
          "{}: backend {} gives plan note {} itself",
          stem(&path),
          t.name(),
          n.code
        );
      }
    }
    assert!(
      c.plan.notes.iter().all(|n| c.output.notes.contains(n)),
      "{}: the compile reports every plan note",
      stem(&path)
    );
  }
}

// ---------------------------------------------------------------------------------------
// Managed network YAML.

fn yaml_of(ir: &Ir) -> (Option<Value>, Output) {
  // The managed-network notes are the plan's; the backend only writes the YAML.
  let plan = Plan::new(ir);
  let notes = plan
    .notes
    .iter()
    .filter(|n| n.code.starts_with("MNV"))
    .cloned()
    .collect();
  let mut out = Output {
    artifacts: Vec::new(),
    notes,
  };
  Target::ManagedNetwork.render(ir, &plan, &mut out);
  let Some(a) = out
    .artifacts
    .iter()
    .find(|a| a.path == "managed-network/workspace.yml")
  else {
    return (None, out);
  };
  assert!(
    a.contents
      .starts_with(&amlnet::syntax::stamp(ir, amlnet::syntax::Syntax::Yaml)),
    "the stamp opens the file"
  );
  let dir = scratch("mnv");
  let file = dir.join("workspace.yml");
  std::fs::write(&file, &a.contents).expect("writable");
  let report = checked("check_managed_network.py", &[file]);
  (Some(report["document"].clone()), out)
}

fn rules_of<'a>(doc: &'a Value, kind: &str) -> Vec<&'a Value> {
  doc["managed_network"]["outbound_rules"]
    .as_array()
    .expect("outbound_rules")
    .iter()
    .filter(|r| r["type"] == kind)
    .collect()
}

fn noted(out: &Output, code: &str, id: &str) -> bool {
  out.notes.iter().any(|n| n.code == code && n.message.contains(id))
}

#[test]
fn managed_network_yaml_parses_and_carries_every_flow_or_a_note() {
  let mut managed = 0;
  for path in crate::support::every_profile() {
    let ir = amlnet::compile_path(&path).expect("compiles");
    let (doc, out) = yaml_of(&ir);
    let mode = ir
      .settings
      .managed_network
      .as_ref()
      .map(|m| m.isolation_mode.as_str())
      .filter(|m| *m != "disabled");
    let Some(mode) = mode else {
      assert!(
        doc.is_none(),
        "{}: no managed VNet, no workspace YAML",
        stem(&path)
      );
      continue;
    };
    managed += 1;
    let doc = doc.expect("a managed VNet profile gets the YAML");
    assert_eq!(doc["managed_network"]["isolation_mode"], mode);
    assert_eq!(doc["name"], Value::String(ir.settings.workspace_name.clone()));
    let fqdns: Vec<String> = rules_of(&doc, "fqdn")
      .iter()
      .map(|r| text(&r["destination"]))
      .collect();
    let tags: Vec<(String, String, String)> = rules_of(&doc, "service_tag")
      .iter()
      .map(|r| {
        (
          text(&r["destination"]["service_tag"]),
          text(&r["destination"]["protocol"]),
          text(&r["destination"]["port_ranges"]),
        )
      })
      .collect();
    // Flows of the customer VNet are NSG and firewall rules; the managed network carries the rest.
    for f in ir
      .flows
      .iter()
      .filter(|f| f.local == amlnet::ir::Local::ManagedVNet)
    {
      let accounted = match (f.direction, f.peer_kind()) {
        (Direction::Inbound, _) => noted(&out, "MNV006", &f.id),
        (_, PeerKind::Cidr) => noted(&out, "MNV005", &f.id),
        (_, PeerKind::Fqdn) => {
          fqdns.contains(&f.peer.to_string())
            || noted(&out, "MNV002", &f.id)
            || noted(&out, "MNV003", &f.id)
            || noted(&out, "MNV004", &f.id)
        }
        (_, PeerKind::ServiceTag) => {
          let proto = match f.protocol {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Any => "*",
          };
          tags.contains(&(f.peer.to_string(), proto.to_string(), f.ports.to_string()))
            || noted(&out, "MNV004", &f.id)
            || noted(&out, "MNV009", &f.id)
        }
      };
      assert!(
        accounted,
        "{}: flow {} is a rule or named in a note",
        stem(&path),
        f.id
      );
    }
    let pes = rules_of(&doc, "private_endpoint");
    for pe in &pes {
      let id = text(&pe["destination"]["service_resource_id"]);
      assert!(
        id.starts_with("/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/"),
        "{id}"
      );
    }
    assert!(pes.is_empty() || noted(&out, "MNV007", &format!("{} private_endpoint rules", pes.len())));
    for r in ir.dns_records.iter().filter(|r| {
      r.resource.starts_with("storage_") || r.resource == "key_vault" || r.resource.starts_with("acr_")
    }) {
      let name = r.name.split('.').next().expect("a label");
      let endpoint = r.endpoint.as_ref().expect("records name their endpoint");
      if endpoint.created_by_azure {
        // Azure's own required rule: named in the note, not repeated (MNV009).
        let named = format!("private endpoint {name} ({})", endpoint.subresource);
        assert!(
          noted(&out, "MNV009", &named),
          "{}: {named} in MNV009",
          stem(&path)
        );
        continue;
      }
      assert!(
        pes
          .iter()
          .any(|pe| text(&pe["destination"]["service_resource_id"]).ends_with(&format!("/{name}"))),
        "{}: {name} has a rule",
        stem(&path)
      );
    }
  }
  assert!(managed >= 1, "a shipped profile uses a managed VNet");
}

pub(crate) fn flow(
  id: &str,
  direction: Direction,
  protocol: Protocol,
  ports: &[&str],
  peer: &str,
  kind: PeerKind,
) -> Flow {
  Flow {
    id: id.to_string(),
    direction,
    protocol,
    ports: amlnet::net::PortSet::parse(ports).expect("ports"),
    peer: amlnet::ir::Peer::parse(kind, peer).expect("peer"),
    local: amlnet::ir::Local::ManagedVNet,
    required: true,
    purpose: "test".to_string(),
    requirements: vec!["test".to_string()],
    sources: vec![],
    triggers: vec![],
    covered_by: vec![],
  }
}

#[test]
fn managed_network_refuses_what_it_cannot_express_in_notes() {
  let path = shipped_profiles()
    .into_iter()
    .find(|p| stem(p) == "online-endpoint-managed-vnet")
    .expect("the managed VNet profile");
  let mut ir = amlnet::compile_path(&path).expect("compiles");
  ir.flows.extend([
    flow(
      "out-tcp-files.example.org",
      Direction::Outbound,
      Protocol::Tcp,
      &["443", "8080"],
      "files.example.org",
      PeerKind::Fqdn,
    ),
    flow(
      "out-any-*.cdn.example.org",
      Direction::Outbound,
      Protocol::Any,
      &["443"],
      "*.cdn.example.org",
      PeerKind::Fqdn,
    ),
    flow(
      "out-udp-ntp.example.org",
      Direction::Outbound,
      Protocol::Udp,
      &["123"],
      "ntp.example.org",
      PeerKind::Fqdn,
    ),
    flow(
      "out-tcp-acct.blob.core.windows.net",
      Direction::Outbound,
      Protocol::Tcp,
      &["443"],
      "acct.blob.core.windows.net",
      PeerKind::Fqdn,
    ),
    flow(
      "in-tcp-AzureMachineLearning",
      Direction::Inbound,
      Protocol::Tcp,
      &["44224"],
      "AzureMachineLearning",
      PeerKind::ServiceTag,
    ),
  ]);
  ir.normalize();
  let (doc, out) = yaml_of(&ir);
  let doc = doc.expect("YAML");
  let fqdns: Vec<String> = rules_of(&doc, "fqdn")
    .iter()
    .map(|r| text(&r["destination"]))
    .collect();
  assert!(
    fqdns.contains(&"files.example.org".to_string()) && fqdns.contains(&"*.cdn.example.org".to_string())
  );
  assert!(!fqdns
    .iter()
    .any(|f| f == "ntp.example.org" || f == "acct.blob.core.windows.net"));
  assert!(
    noted(&out, "MNV002", "out-tcp-files.example.org (tcp 8080)"),
    "{:#?}",
    out.notes
  );
  assert!(noted(&out, "MNV002", "out-any-*.cdn.example.org (udp 443)"));
  assert!(noted(&out, "MNV002", "out-udp-ntp.example.org (udp 123)"));
  assert!(noted(&out, "MNV003", "out-tcp-acct.blob.core.windows.net"));
  assert!(noted(&out, "MNV006", "in-tcp-AzureMachineLearning"));

  ir.settings.managed_network = Some(ManagedNetworkSettings {
    isolation_mode: amlnet::ir::IsolationMode::AllowInternetOutbound,
    storage_suffix: "core.windows.net".into(),
    firewall_sku: None,
  });
  let (doc, out) = yaml_of(&ir);
  let doc = doc.expect("YAML");
  assert!(
    rules_of(&doc, "fqdn").is_empty() && rules_of(&doc, "service_tag").is_empty(),
    "only private_endpoint rules in {doc}"
  );
  // The profile's endpoints are all Azure's required ones: named, not repeated.
  assert!(rules_of(&doc, "private_endpoint").is_empty());
  assert!(noted(&out, "MNV009", "private endpoint stcontososerving (blob)"));
  for f in ir
    .flows
    .iter()
    // Customer-VNet flows (the clients' rule to the private endpoints) are no managed rule.
    .filter(|f| f.is_managed() && f.direction == Direction::Outbound && f.peer_kind() != PeerKind::Cidr)
  {
    assert!(
      noted(&out, "MNV004", &f.id),
      "{} refused under allow_internet_outbound",
      f.id
    );
  }

  for none in [
    Some(ManagedNetworkSettings {
      isolation_mode: amlnet::ir::IsolationMode::Disabled,
      storage_suffix: "core.windows.net".into(),
      firewall_sku: None,
    }),
    None,
  ] {
    ir.settings.managed_network = none;
    let (doc, out) = yaml_of(&ir);
    assert!(
      doc.is_none() && out.notes.is_empty(),
      "no managed VNet: nothing written, nothing to say"
    );
  }
  // An isolation mode the YAML does not know cannot reach the backend: reading the IR refuses it.
  ir.settings.managed_network = Some(ManagedNetworkSettings {
    isolation_mode: amlnet::ir::IsolationMode::AllowInternetOutbound,
    storage_suffix: "core.windows.net".into(),
    firewall_sku: None,
  });
  assert!(
    serde_json::from_str::<Ir>(&ir.to_json()).is_ok(),
    "the IR reads back"
  );
  let json = ir
    .to_json()
    .replace("\"allow_internet_outbound\"", "\"approved\"");
  assert!(
    serde_json::from_str::<Ir>(&json).is_err(),
    "unknown isolation_mode is refused"
  );
}

#[test]
fn managed_network_checker_rejects_a_malformed_rule() {
  let dir = scratch("mnv-bad");
  let file = dir.join("workspace.yml");
  std::fs::write(
    &file,
    "name: ws\nmanaged_network:\n  isolation_mode: allow_internet_outbound\n  outbound_rules:\n    - name: a\n      type: service_tag\n      destination:\n        service_tag: Storage\n        protocol: TCP\n        port_ranges: [443]\n",
  )
  .expect("writable");
  let py = python("check_managed_network.py", &[file]);
  assert_eq!(py.code, 1);
  assert!(
    py.stdout.contains("not valid under allow_internet_outbound") && py.stdout.contains("must be one string"),
    "{}",
    py.stdout
  );
}

/// `managed_network.firewall_sku` is written into the workspace YAML (it used to be accepted
/// and ignored), and the YAML still passes its checker.
#[test]
fn managed_network_firewall_sku_reaches_the_yaml() {
  let file = crate::support::extending(
    "online-endpoint-managed-vnet",
    "mnv-sku",
    "[managed_network]\nisolation_mode = \"allow_only_approved_outbound\"\nfirewall_sku = \"basic\"\n",
  );
  let ir = amlnet::compile_path(&file).unwrap_or_else(|e| panic!("{e}"));
  let (doc, _) = yaml_of(&ir);
  assert_eq!(doc.expect("YAML")["managed_network"]["firewall_sku"], "basic");
}

/// Rule names are unique in each target even when two peers differ only past the 80-character
/// name limit (Azure refuses duplicate names): the second gets `-2`.
#[test]
fn rule_names_are_unique_when_peers_differ_past_the_limit() {
  let mut ir = amlnet::compile_path(&root().join("profiles/training-no-public-ip.toml")).expect("compiles");
  let long = format!("{}.{}", "a".repeat(40), "b".repeat(30));
  for tail in ["one.example.com", "two.example.com"] {
    let peer = format!("{long}.{tail}");
    let mut f = ir
      .flows
      .iter()
      .find(|f| f.peer_kind() == PeerKind::Fqdn)
      .expect("an FQDN flow")
      .clone();
    f.id = format!("out-tcp-{peer}");
    f.protocol = Protocol::Tcp;
    f.ports = amlnet::net::PortSet::parse(&["443", "8443"]).expect("ports");
    f.peer = amlnet::ir::Peer::Fqdn(peer);
    ir.flows.push(f);
  }
  ir.normalize();
  let plan = Plan::new(&ir);
  for names in [
    plan
      .firewall
      .application
      .rules
      .iter()
      .map(|r| r.name.clone())
      .collect::<Vec<_>>(),
    plan
      .firewall
      .network
      .rules
      .iter()
      .map(|r| r.name.clone())
      .collect(),
    plan.nsg.iter().map(|r| r.name.clone()).collect(),
  ] {
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:#?}");
    assert!(names.iter().all(|n| n.len() <= 80), "{names:#?}");
  }
}

/// `rules.csv` (read by Python's csv) and `rules.md` hold one row per planned NSG and firewall
/// rule, with the documents column apart from the source addresses.
#[test]
fn rules_table_has_a_row_per_planned_rule() {
  for path in shipped_profiles() {
    let c = amlnet::compile(&path).expect("compiles");
    let artifact = |name: &str| {
      c.output
        .artifacts
        .iter()
        .find(|a| a.path == name)
        .unwrap_or_else(|| panic!("{name}"))
        .contents
        .clone()
    };
    let expected =
      c.plan.nsg.len() + c.plan.firewall.network.rules.len() + c.plan.firewall.application.rules.len();
    let script = "import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))";
    let rows = crate::support::python_json::<&str>(script, &[], &artifact("rules.csv"));
    let rows: Vec<Vec<String>> = serde_json::from_value(rows).expect("rows");
    assert_eq!(rows.len(), expected + 1, "{}", stem(&path));
    assert!(rows.iter().all(|r| r.len() == 13), "{}", stem(&path));
    assert_eq!(rows[0][7], "source");
    assert_eq!(rows[0][12], "documents");
    let md = artifact("rules.md");
    let table_rows = md
      .lines()
      .filter(|l| l.starts_with("| ") && !l.starts_with("| target"))
      .count();
    assert_eq!(table_rows, expected, "{}", stem(&path));
  }
}

/// deploy.sh stops before any change when the CLI is set to another cloud than the
/// profile's, saying how to switch.
#[test]
fn azcli_script_stops_when_the_cli_is_set_to_another_cloud() {
  let (_base, all) = compile_all("azcli-cloud");
  let c = all
    .iter()
    .find(|c| c.name == "china-training-no-public-ip")
    .expect("the China profile");
  let (out, calls) = run_azcli(
    c,
    &[
      ("RESOURCE_GROUP", "rg-test"),
      ("VNET_ID", VNET_ID),
      ("AZ_CLOUD", "AzureCloud"),
    ],
  );
  assert!(!out.status.success());
  assert!(
    String::from_utf8_lossy(&out.stderr).contains("az cloud set --name AzureChinaCloud"),
    "{}",
    String::from_utf8_lossy(&out.stderr)
  );
  assert_eq!(calls.len(), 1, "only `az cloud show` ran: {calls:?}");
}
