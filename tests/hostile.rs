//! Hostile IR strings through the deploy backends (nsg, firewall, private-dns, terraform,
//! bicep, azcli, managed-network): every string the IR carries that reaches them is replaced by
//! one holding line breaks with `touch MARKER`, quotes of every kind, `$(…)`, backticks, `${}`,
//! `%{}`, a whole ARM expression, `<!--`, NUL, DEL, C1, U+2028, U+0085 and bidi overrides. The
//! outputs are read back by real parsers (bash, python-hcl2, pycep, PyYAML, serde_json) and
//! must hold the same structure as a run with benign strings in the same places: the same az
//! calls, resources, keys; no marker file; no ARM expression but amlnet's own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use amlnet::backend::{self, Output};
use amlnet::ir::{Ir, Peer};
use amlnet::plan::Plan;
use amlnet::syntax::json::arm_value;
use serde_json::Value;

use crate::checkers::{checked, parse_call, run_azcli, Compiled, VNET_ID};
use crate::support::{root, scratch};

/// The profiles used: one with NSG rules, both firewall rule kinds and private DNS; one with a
/// managed network.
const PROFILES: &[&str] = &["training-no-public-ip", "online-endpoint-managed-vnet"];

/// The artifacts these backends write (the DNS backends' files are not checked here).
const DEPLOY: &[&str] = &[
  "nsg/nsg.json",
  "firewall/rule-collection-group.json",
  "private-dns/private-dns.json",
  "private-dns/records.json",
  "terraform/main.tf",
  "terraform/variables.tf",
  "bicep/main.bicep",
  "azcli/deploy.sh",
  "managed-network/workspace.yml",
];

/// Makes the string for field `what`, number `i`: unique, and the same plan decisions either way
/// (never `VirtualNetwork`, never a wildcard, never a storage name).
pub(crate) type Spice<'a> = &'a dyn Fn(&str, usize) -> String;

pub(crate) fn benign(what: &str, i: usize) -> String {
  format!("{what}{i}")
}

pub(crate) fn hostile(marker: &Path) -> impl Fn(&str, usize) -> String + '_ {
  move |what, i| {
    let m = marker.display();
    format!(
      "[concat('{what}{i}')]\ntouch {m}\n;touch {m};'\"`touch {m}`$(touch {m})\u{2018}\u{2019}\u{201c}${{x}}%{{ if 1 }}\\'\\\\<!--\r\n\0\u{7f}\u{85}\u{9f}\u{2028}\u{2029}\u{202e}\u{2066}-->#]"
    )
  }
}

/// The shipped profile's IR with every string that reaches the deploy backends replaced.
pub(crate) fn spiced(profile: &str, spice: Spice) -> Ir {
  let mut ir = amlnet::compile_path(&root().join(format!("profiles/{profile}.toml")))
    .unwrap_or_else(|e| panic!("{profile} compiles: {e}"));
  ir.profile = spice("profile", 0);
  ir.catalog_version = spice("catalog", 0);
  ir.region = spice("region", 0);
  let st = &mut ir.settings;
  st.workspace_name = spice("workspace", 0);
  st.nsg.name = spice("nsg", 0);
  st.firewall.policy_name = spice("policy", 0);
  st.firewall.rule_collection_group = spice("rcg", 0);
  st.vnet_name = spice("vnet", 0);
  st.firewall.route_table = spice("route-table", 0);
  for (i, sn) in st.subnets.iter_mut().enumerate() {
    sn.name = spice("subnet", i);
    sn.delegated_to = Some(spice("delegation", i));
    sn.service_endpoints = vec![spice("service-endpoint", i)];
  }
  if let Some(m) = &mut st.managed_network {
    m.firewall_sku = Some(spice("sku", 0));
    m.storage_suffix = spice("suffix", 0);
  }
  for (i, f) in ir.flows.iter_mut().enumerate() {
    f.purpose = spice("purpose", i);
    f.requirements = vec![spice("req", i)];
    f.sources = vec![spice("source", i)];
    f.peer = match &f.peer {
      Peer::Fqdn(_) => Peer::Fqdn(spice("fqdn", i)),
      Peer::Tag(tag) if tag == "VirtualNetwork" => Peer::Tag(tag.clone()),
      Peer::Tag(_) => Peer::Tag(spice("tag", i)),
      Peer::Cidr(net) => Peer::Cidr(*net),
    };
  }
  let mut zones = BTreeMap::new();
  for (i, z) in ir.dns_zones.iter_mut().enumerate() {
    let name = spice("zone", i);
    zones.insert(z.name.clone(), name.clone());
    z.name = name;
    z.purpose = spice("zone-purpose", i);
    z.sources = vec![spice("zone-source", i)];
  }
  for (i, r) in ir.dns_records.iter_mut().enumerate() {
    let zone = zones[&r.zone].clone();
    // Records of one name stay one record set.
    let label = r.name.strip_suffix(&r.zone).unwrap_or(&r.name).to_string();
    r.name = format!(
      "{}.{zone}",
      spice(
        "record",
        label.len() * 1000 + label.bytes().map(usize::from).sum::<usize>()
      )
    );
    r.zone = zone;
    r.resource = spice("resource", i);
    r.public_name = Some(spice("public", i));
    r.sources = vec![spice("record-source", i)];
    if let Some(e) = &mut r.endpoint {
      e.provider = spice("provider", i);
      e.subresource = spice("subresource", i);
      e.resource_name = Some(spice("resource-name", i));
    }
  }
  ir
}

fn render(ir: &Ir, dir: &Path) -> Output {
  let out = backend::render_all(ir, &Plan::new(ir));
  for a in out.artifacts.iter().filter(|a| DEPLOY.contains(&a.path.as_str())) {
    let file = dir.join(&a.path);
    std::fs::create_dir_all(file.parent().expect("a folder")).expect("scratch writable");
    std::fs::write(&file, &a.contents).expect("scratch writable");
  }
  out
}

/// Every string value in a JSON document.
fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
  match v {
    Value::String(s) => out.push(s),
    Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
    Value::Object(map) => map.values().for_each(|i| strings(i, out)),
    _ => {}
  }
}

/// The keys of a JSON document, with their paths, arrays by position.
fn shape(v: &Value, path: &str, out: &mut Vec<String>) {
  match v {
    Value::Array(items) => {
      for (i, item) in items.iter().enumerate() {
        shape(item, &format!("{path}[{i}]"), out);
      }
    }
    Value::Object(map) => {
      for (k, item) in map {
        let p = format!("{path}.{k}");
        out.push(p.clone());
        shape(item, &p, out);
      }
    }
    _ => {}
  }
}

/// amlnet's own ARM expressions: parameters, the resource group's location, the rule collection
/// group's name, a zone's link name and ID with the zone as a quoted literal, and a child
/// security rule's `NSG/RULE` name with the planned rule name as a quoted literal, and the
/// network template's subnet names, subnet and route table IDs and NSG ID (names quoted).
fn own_expression(s: &str, zones: &[String], rules: &[String], network: &[String]) -> bool {
  let literal = |z: &String| format!("'{}'", z.replace('\'', "''"));
  let own_network = s == "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('nsgName'))]"
    || network.iter().any(|n| {
      s == format!("[concat(parameters('vnetName'), '/', {})]", literal(n))
        || s == format!("[resourceId('Microsoft.Network/routeTables', {})]", literal(n))
        || s
          == format!(
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), {})]",
            literal(n)
          )
    });
  own_network
    || s.starts_with("[parameters('")
      && s.ends_with("')]")
      && s[13..s.len() - 3].chars().all(|c| c.is_ascii_alphanumeric())
    || s == "[resourceGroup().location]"
    || s == "[concat(parameters('firewallPolicyName'), '/', parameters('ruleCollectionGroupName'))]"
    || rules.iter().any(|r| {
      s == format!(
        "[concat(parameters('nsgName'), '/', '{}')]",
        r.replace('\'', "''")
      )
    })
    || zones.iter().any(|z| {
      s == format!("[concat({}, '/', parameters('vnetLinkName'))]", literal(z))
        || s
          == format!(
            "[resourceId('Microsoft.Network/privateDnsZones', {})]",
            literal(z)
          )
    })
}

fn bash_n(script: &Path) {
  let out = Command::new("bash")
    .arg("-n")
    .arg(script)
    .output()
    .expect("bash runs");
  assert!(
    out.status.success(),
    "bash -n {}: {}",
    script.display(),
    String::from_utf8_lossy(&out.stderr)
  );
}

#[test]
fn hostile_ir_strings_change_no_structure_of_the_deploy_outputs() {
  let base = scratch("hostile");
  let marker = base.join("PWNED");
  let evil = hostile(&marker);
  let mut tf_dirs = Vec::new();
  let mut bicep_files = Vec::new();
  let mut yaml_files = Vec::new();
  for profile in PROFILES {
    let mut calls_of = Vec::new();
    for (kind, spice) in [("benign", &benign as Spice), ("hostile", &evil as Spice)] {
      let ir = spiced(profile, spice);
      let dir = base.join(format!("{profile}-{kind}"));
      let out = render(&ir, &dir);
      let paths: Vec<&str> = out.artifacts.iter().map(|a| a.path.as_str()).collect();
      for p in [
        "nsg/nsg.json",
        "terraform/main.tf",
        "bicep/main.bicep",
        "azcli/deploy.sh",
      ] {
        assert!(paths.contains(&p), "{profile} {kind}: {p} written");
      }

      // JSON: parses; in ARM templates no string is an expression but amlnet's own, and every
      // other string deploys as an IR value.
      let zones: Vec<String> = ir.dns_zones.iter().map(|z| z.name.clone()).collect();
      let rules: Vec<String> = amlnet::plan::Plan::new(&ir)
        .nsg
        .iter()
        .map(|r| r.name.clone())
        .collect();
      let plan = amlnet::plan::Plan::new(&ir);
      let network: Vec<String> = plan
        .network
        .subnets
        .iter()
        .map(|s| s.name.clone())
        .chain(plan.network.route_tables.iter().map(|t| t.name.clone()))
        .collect();
      let mut json_shapes = Vec::new();
      for a in out.artifacts.iter().filter(|a| a.path.ends_with(".json")) {
        let doc: Value = serde_json::from_str(&a.contents)
          .unwrap_or_else(|e| panic!("{profile} {kind}: {} parses: {e}", a.path));
        let mut keys = Vec::new();
        shape(&doc, "", &mut keys);
        json_shapes.push((a.path.clone(), keys));
        if a.path == "private-dns/records.json" {
          continue; // data ARM never reads: values as they are
        }
        let mut all = Vec::new();
        strings(&doc, &mut all);
        for s in all {
          assert!(
            arm_value(s).is_some() || own_expression(s, &zones, &rules, &network),
            "{profile} {kind}: {}: ARM would evaluate {s:?}",
            a.path
          );
        }
        if kind == "hostile" {
          let generator = doc["metadata"]["generator"].as_str().expect("a generator");
          assert_eq!(generator, amlnet::syntax::provenance(&ir), "{}", a.path);
        }
      }
      if kind == "hostile" {
        let plan = Plan::new(&ir);
        let nsg = out
          .artifacts
          .iter()
          .find(|a| a.path == "nsg/nsg.json")
          .expect("nsg");
        let doc: Value = serde_json::from_str(&nsg.contents).expect("json");
        let descriptions: Vec<String> = doc["resources"][0]["properties"]["securityRules"]
          .as_array()
          .expect("rules")
          .iter()
          .map(|r| arm_value(r["properties"]["description"].as_str().expect("text")).expect("a literal"))
          .collect();
        let planned: Vec<String> = plan.nsg.iter().map(|r| r.description.clone()).collect();
        assert_eq!(
          descriptions, planned,
          "{profile}: NSG descriptions deploy as planned"
        );
      }

      // bash: syntax, then a run with a recording az.
      let script = dir.join("azcli/deploy.sh");
      bash_n(&script);
      let c = Compiled {
        name: format!("{profile}-{kind}"),
        ir: ir.clone(),
        dir: dir.clone(),
      };
      let (run, calls) = run_azcli(&c, &[("RESOURCE_GROUP", "rg-test"), ("VNET_ID", VNET_ID)]);
      assert!(
        run.status.success(),
        "{profile} {kind}: deploy.sh runs: {}",
        String::from_utf8_lossy(&run.stderr)
      );
      assert!(
        !marker.exists(),
        "{profile} {kind}: deploy.sh ran an injected command"
      );
      let verbs: Vec<String> = calls.iter().map(|argv| parse_call(argv).0).collect();
      let descriptions: Vec<String> = calls
        .iter()
        .filter_map(|argv| {
          let (verb, flags) = parse_call(argv);
          (verb == "network nsg rule create").then(|| flags["--description"].join(" "))
        })
        .collect();
      calls_of.push((verbs, json_shapes, descriptions, ir));

      tf_dirs.push(dir.join("terraform"));
      bicep_files.push(dir.join("bicep/main.bicep"));
      if dir.join("managed-network/workspace.yml").exists() {
        yaml_files.push(dir.join("managed-network/workspace.yml"));
      }
    }
    let (hostile, benign) = (
      calls_of.pop().expect("two runs"),
      calls_of.pop().expect("two runs"),
    );
    assert!(!benign.0.is_empty(), "{profile}: az is called");
    assert_eq!(hostile.0, benign.0, "{profile}: the same az calls, in order");
    assert_eq!(hostile.1, benign.1, "{profile}: the same JSON keys");
    let planned: Vec<String> = Plan::new(&hostile.3)
      .nsg
      .iter()
      .map(|r| r.description.replace('\0', ""))
      .collect();
    assert_eq!(
      hostile.2, planned,
      "{profile}: az gets each description as one word"
    );
  }

  // Terraform: python-hcl2 reads the same resources (by type, count) and variables.
  let tf = checked("check_terraform.py", &tf_dirs);
  let summary = |dir: &PathBuf| {
    let s = &tf["dirs"][dir.to_string_lossy().as_ref()];
    let resources: BTreeMap<String, usize> = s["resources"]
      .as_object()
      .expect("resources")
      .iter()
      .map(|(t, by_label)| (t.clone(), by_label.as_object().expect("labels").len()))
      .collect();
    let variables: Vec<String> = s["variables"]
      .as_object()
      .expect("variables")
      .keys()
      .cloned()
      .collect();
    (resources, variables, s["other_blocks"].clone())
  };
  for pair in tf_dirs.chunks(2) {
    assert!(!summary(&pair[0]).0.is_empty());
    assert_eq!(summary(&pair[1]), summary(&pair[0]), "{}", pair[1].display());
  }

  // Bicep: pycep reads the same resources (symbol kinds, types) and parameters.
  let bicep = checked("check_bicep.py", &bicep_files);
  let summary = |file: &PathBuf| {
    let s = &bicep[file.to_string_lossy().as_ref()];
    let mut resources: Vec<(String, bool)> = s["resources"]
      .as_object()
      .expect("resources")
      .values()
      .map(|r| {
        (
          r["type"].as_str().expect("type").to_string(),
          r["existing"] == true,
        )
      })
      .collect();
    resources.sort();
    let mut keys = Vec::new();
    for r in s["resources"].as_object().expect("resources").values() {
      shape(&r["config"], "", &mut keys);
    }
    keys.sort();
    let params: Vec<String> = s["parameters"]
      .as_object()
      .expect("parameters")
      .keys()
      .cloned()
      .collect();
    (resources, keys, params)
  };
  for pair in bicep_files.chunks(2) {
    assert!(!summary(&pair[0]).0.is_empty());
    assert_eq!(summary(&pair[1]), summary(&pair[0]), "{}", pair[1].display());
  }

  // YAML: PyYAML reads the same keys, and the hostile values as they were.
  assert_eq!(
    yaml_files.len(),
    2,
    "one managed-network profile, benign and hostile"
  );
  let script = r#"
import json, sys
try:
  import yaml
except ImportError as e:
  print(e, file=sys.stderr); sys.exit(3)
def keys(v, path, out):
  if isinstance(v, dict):
    for k, x in v.items():
      out.append(path + "." + str(k)); keys(x, path + "." + str(k), out)
  elif isinstance(v, list):
    for i, x in enumerate(v): keys(x, "%s[%d]" % (path, i), out)
  return out
res = []
for path in sys.argv[1:]:
  with open(path, encoding="utf-8") as f:
    doc = yaml.safe_load(f)
  res.append({"keys": keys(doc, "", []), "name": doc["name"], "location": doc["location"]})
print(json.dumps(res))
"#;
  let docs = crate::support::python_json(script, &yaml_files, "");
  assert!(!docs[0]["keys"].as_array().expect("keys").is_empty());
  assert_eq!(docs[1]["keys"], docs[0]["keys"], "the same YAML keys");
  assert_eq!(docs[1]["name"], Value::String(evil("workspace", 0)));
  assert_eq!(docs[1]["location"], Value::String(evil("region", 0)));
  assert!(!marker.exists(), "no injected command ran");
}
