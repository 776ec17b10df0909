//! The checker can fail: each hand-broken artifact (NSG, firewall, route table, managed
//! network YAML) is reported, and the same artifacts without the fault are clean.

use std::rc::Rc;

use serde_json::{json, Value};

use super::tags::Tags;
use super::{check, Context, Report};

fn small_tags() -> Rc<Tags> {
  Rc::new(Tags::from_list(&[
    ("AzureCloud", "AzureMachineLearning", &["API", "NSG", "UDR", "FW"]),
    ("AzureCloud", "BatchNodeManagement.EastUS", &["API", "NSG"]),
    (
      "AzureCloud",
      "MicrosoftContainerRegistry.EastUS",
      &["API", "NSG", "UDR", "FW"],
    ),
    ("AzureCloud", "Storage", &["API", "NSG", "UDR", "FW"]),
  ]))
}

fn nsg_rule(name: &str, priority: u64, destination: Value) -> Value {
  let mut props = json!({
    "priority": priority, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
    "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationPortRange": "443",
  });
  props
    .as_object_mut()
    .unwrap()
    .extend(destination.as_object().unwrap().clone());
  json!({ "name": name, "properties": props })
}

fn template(resources: Value) -> String {
  json!({ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "parameters": { "firewallPolicyName": { "type": "string", "defaultValue": "afwp-hub" } },
    "resources": resources })
  .to_string()
}

fn network_rule(name: &str, destination: Value) -> Value {
  let mut r = json!({ "ruleType": "NetworkRule", "name": name, "ipProtocols": ["TCP"],
    "sourceAddresses": ["10.0.0.0/24"], "destinationPorts": ["443"] });
  r.as_object_mut()
    .unwrap()
    .extend(destination.as_object().unwrap().clone());
  r
}

fn group(collections: Value) -> Value {
  json!({ "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
    "name": "[concat(parameters('firewallPolicyName'), '/', 'g')]",
    "properties": { "priority": 1000, "ruleCollections": collections } })
}

fn collection(name: &str, priority: u64, rules: Value) -> Value {
  json!({ "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": name,
    "priority": priority, "action": { "type": "Allow" }, "rules": rules })
}

fn problems_of(ctx: &Context, artifacts: &[(&str, String)]) -> Vec<String> {
  let owned: Vec<(String, String)> = artifacts
    .iter()
    .map(|(p, c)| (p.to_string(), c.clone()))
    .collect();
  let mut report = Report::default();
  check(ctx, &owned, &mut report);
  report.problems
}

#[test]
fn the_checker_reports_each_broken_artifact() {
  let mut ctx = Context::new("AzureCloud", false, Some(small_tags()));
  ctx.address_space = vec!["10.20.0.0/16".parse().unwrap()];
  ctx.own.push((
    "Microsoft.Storage/storageAccounts".into(),
    "stown".into(),
    vec!["blob", "file"],
  ));
  let good_nsg = json!([{ "type": "Microsoft.Network/networkSecurityGroups", "name": "n",
    "properties": { "securityRules": [
      nsg_rule("Allow-Out-Tcp-AzureMachineLearning", 100, json!({"destinationAddressPrefix": "AzureMachineLearning"})),
      nsg_rule("Allow-In", 100, json!({"destinationAddressPrefix": "VirtualNetwork", "direction": "Inbound"})),
    ] } }]);
  let good_fw = json!([group(json!([
    collection(
      "net",
      100,
      json!([network_rule(
        "Allow-AML",
        json!({"destinationAddresses": ["AzureMachineLearning"]})
      )])
    ),
    collection(
      "app",
      200,
      json!([{ "ruleType": "ApplicationRule", "name": "pypi", "protocols": [{"protocolType": "Https", "port": 443}],
      "sourceAddresses": ["10.0.0.0/24"], "targetFqdns": ["pypi.org", "*.pythonhosted.org"] }])
    ),
  ]))]);
  let good_yaml = "managed_network:\n  isolation_mode: allow_only_approved_outbound\n  outbound_rules:\n    - name: pypi\n      type: fqdn\n      destination: pypi.org\n";
  let good = [
    ("nsg/nsg.json", template(good_nsg)),
    ("firewall/rule-collection-group.json", template(good_fw)),
    ("managed-network/workspace.yml", good_yaml.to_string()),
  ];
  assert_eq!(
    problems_of(&ctx, &good),
    Vec::<String>::new(),
    "the control artifacts are clean"
  );

  let long = "A".repeat(81);
  let bad_nsg = template(
    json!([{ "type": "Microsoft.Network/networkSecurityGroups", "name": "bad nsg",
    "properties": { "securityRules": [
      nsg_rule("dup-a", 100, json!({"destinationAddressPrefix": "AzureMachineLearning"})),
      nsg_rule("dup-b", 100, json!({"destinationAddressPrefix": "AzureMachineLearning"})),
      nsg_rule("high", 4097, json!({"destinationAddressPrefix": "AzureMachineLearning"})),
      nsg_rule(&long, 110, json!({"destinationAddressPrefix": "AzureMachineLearning"})),
      nsg_rule("bad name!", 120, json!({"destinationAddressPrefix": "AzureMachineLearning"})),
      nsg_rule("-dash-first", 130, json!({"destinationAddressPrefix": "AzureMachineLearning"})),
      nsg_rule("both", 140, json!({"destinationAddressPrefix": "AzureMachineLearning", "destinationAddressPrefixes": ["10.0.0.0/8"]})),
      nsg_rule("unknown-tag", 150, json!({"destinationAddressPrefix": "AzureMachineLearnin"})),
      nsg_rule("tag-in-plural", 160, json!({"destinationAddressPrefixes": ["Storage", "10.0.0.0/8"]})),
      nsg_rule("bad-port", 170, json!({"destinationAddressPrefix": "Storage", "destinationPortRange": "70000"})),
    ] } }]),
  );
  let bad_fw = template(json!([group(json!([
    collection(
      "net",
      100,
      json!([
        network_rule("fqdn", json!({"destinationFqdns": ["eastus.tundra.azureml.ms"]})),
        network_rule(
          "no-fw-feature",
          json!({"destinationAddresses": ["BatchNodeManagement.EastUS"]})
        ),
        network_rule(
          "two-kinds",
          json!({"destinationAddresses": ["10.1.0.0/16"], "destinationFqdns": ["a.example.com"]})
        ),
      ])
    ),
    collection(
      "app",
      100,
      json!([{ "ruleType": "ApplicationRule", "name": "ftp", "protocols": [{"protocolType": "Ftp", "port": 21}],
      "sourceAddresses": ["10.0.0.0/24"], "targetFqdns": ["www.contoso.*"] }])
    ),
    collection(
      "far",
      70000,
      json!([network_rule(
        "ok",
        json!({"destinationAddresses": ["10.2.0.0/16"]})
      )])
    ),
  ]))]));
  let bad_routes = template(json!([{ "type": "Microsoft.Network/routeTables", "name": "rt",
    "properties": { "routes": [
      { "name": "to-batch", "properties": { "addressPrefix": "BatchNodeManagement.EastUS", "nextHopType": "Internet" } },
      { "name": "to-fw", "properties": { "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance" } },
    ] } }]));
  let bad_yaml = "managed_network:
  isolation_mode: allow_only_approved_outbound
  outbound_rules:
    - name: mcr
      type: service_tag
      destination: {service_tag: MicrosoftContainerRegistry.EastUS, protocol: TCP, port_ranges: '443'}
    - name: own-blob
      type: private_endpoint
      destination: {service_resource_id: /subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/stown, subresource_target: blob, spark_enabled: false}
    - name: blob
      type: fqdn
      destination: stown.blob.core.windows.net
    - name: pypi
      type: fqdn
      destination: pypi.org
    - name: pypi
      type: fqdn
      destination: pypi.org
      port: 8080
";
  let internet_yaml = "managed_network:\n  isolation_mode: allow_internet_outbound\n  outbound_rules:\n    - name: pypi\n      type: fqdn\n      destination: pypi.org\n";
  let a_record = |name: &str, ttl: u64, ip: &str| {
    json!({ "type": "Microsoft.Network/privateDnsZones/A", "name": name,
      "properties": { "ttl": ttl, "aRecords": [{ "ipv4Address": ip }] } })
  };
  let bad_dns = template(json!([
    { "type": "Microsoft.Network/privateDnsZones", "name": "privatelink.api.azureml.ms", "location": "global" },
    a_record("privatelink.api.azureml.ms/ws.workspace.eastus", 300, "10.20.2.4"),
    a_record("privatelink.api.azureml.ms/WS.workspace.eastus", 300, "10.20.2.4"),
    a_record("privatelink.api.azureml.ms/outside", 300, "10.99.0.4"),
    a_record("privatelink.api.azureml.ms/mid.*.wild", 300, "10.20.2.4"),
    a_record("privatelink.api.azureml.ms/zero-ttl", 0, "10.20.2.4"),
    a_record("privatelink.blob.core.windows.net/st", 300, "10.20.2.10"),
  ]));
  let found = problems_of(
    &ctx,
    &[
      ("private-dns/private-dns.json", bad_dns),
      ("nsg/nsg.json", bad_nsg),
      ("firewall/rule-collection-group.json", bad_fw),
      ("routes/route-table.json", bad_routes),
      ("managed-network/workspace.yml", bad_yaml.to_string()),
      ("managed-network/internet.yml", internet_yaml.to_string()),
    ],
  );
  for expected in [
    "A record privatelink.api.azureml.ms/WS.workspace.eastus: a second record set of the same name",
    "A record privatelink.api.azureml.ms/outside: 10.99.0.4 is outside the VNet's address space",
    "A record privatelink.api.azureml.ms/mid.*.wild: DNS name \"mid.*.wild\" has an invalid label \"*\"",
    "A record privatelink.api.azureml.ms/zero-ttl: ttl 0",
    "A record privatelink.blob.core.windows.net/st: zone privatelink.blob.core.windows.net is not in the template",
    "NSG rule dup-b: priority 100 Outbound is also rule dup-a's",
    "NSG bad nsg: name \"bad nsg\" holds a character",
    "NSG rule high: priority Some(4097) is outside 100–4096",
    "is not 1–80 characters (81)",
    "NSG rule bad name!: name \"bad name!\" holds a character",
    "does not start with a letter or digit",
    "NSG rule both: sets both destinationAddressPrefix and destinationAddressPrefixes",
    "NSG rule unknown-tag: service tag AzureMachineLearnin is not in the AzureCloud ServiceTags download",
    "NSG rule tag-in-plural: service tag Storage in destinationAddressPrefixes",
    "NSG rule bad-port: port \"70000\"",
    "rule net/fqdn: destinationFqdns [\"eastus.tundra.azureml.ms\"] without DNS proxy",
    "rule net/no-fw-feature: service tag BatchNodeManagement.EastUS lacks networkFeatures FW",
    "rule net/two-kinds: needs exactly one of destinationAddresses",
    "collection app priority 100 is also net's",
    "rule app/ftp: protocol \"Ftp\"",
    "rule app/ftp: target FQDN www.contoso.* has a wildcard past its first character",
    "collection far priority Some(70000) is outside 100–65000",
    "route to-batch: service tag BatchNodeManagement.EastUS lacks networkFeatures UDR",
    "route to-fw: next hop VirtualAppliance without an IP address",
    "outbound rule mcr: service tag MicrosoftContainerRegistry.EastUS is a required rule Azure adds itself",
    "outbound rule own-blob: private endpoint to stown (blob) is a required rule Azure adds itself",
    "outbound rule blob: FQDN rule to Azure Storage stown.blob.core.windows.net",
    "outbound rule pypi: name repeats",
    "outbound rule pypi: unknown key port",
    "outbound rule pypi: the same destination as an earlier rule",
    "managed-network/internet.yml: outbound rule pypi: fqdn rule under allow_internet_outbound",
  ] {
    assert!(
      found.iter().any(|f| f.contains(expected)),
      "not reported: {expected}\nreported:\n{}",
      found.join("\n")
    );
  }
  // With DNS proxy on, the FQDN network rule is accepted.
  let ctx = Context::new("AzureCloud", true, Some(small_tags()));
  let fqdn = template(json!([group(json!([collection(
    "net",
    100,
    json!([network_rule(
      "fqdn",
      json!({"destinationFqdns": ["eastus.tundra.azureml.ms"]})
    )])
  )]))]));
  assert_eq!(
    problems_of(&ctx, &[("firewall/rule-collection-group.json", fqdn)]),
    Vec::<String>::new()
  );
}

/// Tag look-up: a regional tag with null networkFeatures takes its global tag's; Azure China
/// tags are checked by base name with a China region, and a public region's tag is refused.
#[test]
fn tag_lookup_inherits_null_features_and_keeps_china_to_its_regions() {
  let tags = Tags::from_list(&[
    ("AzureCloud", "Storage", &["API", "NSG", "UDR", "FW"]),
    ("AzureCloud", "Storage.EastUS", &[]),
    ("AzureCloud", "Orphan.EastUS", &[]),
  ]);
  assert_eq!(tags.problem("AzureCloud", "Storage.EastUS", "FW"), None);
  assert!(tags
    .problem("AzureCloud", "Orphan.EastUS", "NSG")
    .is_some_and(|p| p.contains("no networkFeatures")));
  assert_eq!(tags.problem("AzureChinaCloud", "Storage.ChinaEast2", "NSG"), None);
  assert_eq!(tags.problem("AzureChinaCloud", "Storage", "NSG"), None);
  assert!(tags
    .problem("AzureChinaCloud", "Storage.EastUS", "NSG")
    .is_some_and(|p| p.contains("outside Azure China")));
  assert!(tags
    .problem("AzureUSGovernment", "Storage", "NSG")
    .is_some_and(|p| p.contains("no ServiceTags download")));
}

/// The limits can fail too: 1,001 rules in one NSG, 4,001 prefixes on one side of a rule,
/// 150 × 150 source/destinations in one network rule, 401 routes in one table.
#[test]
fn limits_are_reported() {
  let ctx = Context::new("AzureCloud", false, Some(small_tags()));
  let rules: Vec<Value> = (0..1001)
    .map(|i| {
      let direction = if i % 2 == 0 { "Inbound" } else { "Outbound" };
      nsg_rule(
        &format!("r{i}"),
        100 + i / 2,
        json!({"destinationAddressPrefix": "10.0.0.0/8", "direction": direction}),
      )
    })
    .collect();
  let prefixes: Vec<String> = (0..4001)
    .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
    .collect();
  let nsg = template(
    json!([{ "type": "Microsoft.Network/networkSecurityGroups", "name": "n",
    "properties": { "securityRules": rules } }, { "type": "Microsoft.Network/networkSecurityGroups", "name": "m",
    "properties": { "securityRules": [nsg_rule("wide", 100, json!({"destinationAddressPrefixes": prefixes}))] } }]),
  );
  let hosts = |n: usize, base: u32| -> Vec<String> {
    (0..n as u32)
      .map(|i| format!("10.{base}.{}.{}", i / 256, i % 256))
      .collect()
  };
  let mut wide = network_rule("wide", json!({ "destinationAddresses": hosts(150, 1) }));
  wide["sourceAddresses"] = json!(hosts(150, 2));
  let fw = template(json!([group(json!([collection("net", 100, json!([wide]))]))]));
  let routes: Vec<Value> = (0..401)
    .map(|i| json!({ "name": format!("r{i}"), "properties": { "addressPrefix": format!("10.{}.{}.0/24", i / 256, i % 256), "nextHopType": "Internet" } }))
    .collect();
  let rt = template(
    json!([{ "type": "Microsoft.Network/routeTables", "name": "rt", "properties": { "routes": routes } }]),
  );
  let found = problems_of(
    &ctx,
    &[
      ("nsg/nsg.json", nsg),
      ("firewall/rule-collection-group.json", fw),
      ("routes/rt.json", rt),
    ],
  );
  for expected in [
    "1001 rules in one NSG, over the 1000 limit",
    "NSG rule wide: 4001 prefixes in destinationAddressPrefixes, over 4000",
    "22500 unique source/destinations in network rules, over 20000",
    "401 routes in one route table, over 400",
  ] {
    assert!(
      found.iter().any(|f| f.contains(expected)),
      "not reported: {expected}\nreported: {} problems, first {:?}",
      found.len(),
      found.first()
    );
  }
}
