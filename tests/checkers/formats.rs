//! Terraform, Bicep and ARM against each other and against the Azure SDK models and checkov.

use super::*;

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
pub(crate) fn checkov_control(dir: &Path) {
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
