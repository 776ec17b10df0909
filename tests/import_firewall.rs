//! `import::firewall`: amlnet's own rule collection group template and the shapes `az network
//! firewall policy rule-collection-group list/show` and the REST API export read back into
//! collections the evaluator takes; what cannot be evaluated is skipped by name, never
//! silently; malformed input is an error naming the rule.

use amlnet::import::firewall::{policy, Rules};
use amlnet::target::firewall::{Destination, NetworkProtocol};
use amlnet::target::nsg::Access;
use amlnet::target::Endpoint;
use serde_json::json;

use crate::support::shipped_profiles;

#[test]
fn every_shipped_firewall_template_imports_back_to_its_plan() {
  let mut seen = 0;
  for profile in shipped_profiles() {
    let c = amlnet::compile(&profile).unwrap();
    let Some(fw) = c
      .output
      .artifacts
      .iter()
      .find(|a| a.path == "firewall/rule-collection-group.json")
    else {
      continue;
    };
    seen += 1;
    let doc: serde_json::Value = serde_json::from_str(&fw.contents).unwrap();
    let imported = policy(&doc).unwrap_or_else(|e| panic!("{}: {e}", profile.display()));
    assert!(
      imported.skipped.is_empty(),
      "{}: {:?}",
      profile.display(),
      imported.skipped
    );
    let group = &c.plan.firewall;
    let mut network = group.network.rules.clone();
    network
      .iter_mut()
      .for_each(|r| (r.flow, r.description) = (None, String::new()));
    let mut application = group.application.rules.clone();
    application
      .iter_mut()
      .for_each(|r| (r.flow, r.description) = (None, String::new()));
    for col in &imported.collections {
      assert_eq!(
        (col.group.as_str(), col.group_priority),
        (group.name.as_str(), group.priority)
      );
      assert_eq!(col.action, Access::Allow);
      match &col.rules {
        Rules::Network(rules) => {
          assert_eq!(
            (col.name.as_str(), col.priority),
            (group.network.name.as_str(), group.network.priority)
          );
          assert_eq!(rules, &network, "{}", profile.display());
        }
        Rules::Application(rules) => {
          assert_eq!(col.name, group.application.name);
          assert_eq!(rules, &application, "{}", profile.display());
        }
      }
    }
    let kinds = imported.collections.len();
    let planned = usize::from(!network.is_empty()) + usize::from(!application.is_empty());
    assert_eq!(kinds, planned, "{}", profile.display());
  }
  assert!(
    seen >= 5,
    "only {seen} shipped profiles write a rule collection group"
  );
}

/// The shape `az network firewall policy rule-collection-group list` prints (fields
/// flattened), with one of each thing the evaluator cannot model.
fn az_list() -> serde_json::Value {
  json!([{
    "name": "hub-rules", "priority": 200, "provisioningState": "Succeeded",
    "ruleCollections": [
      { "ruleCollectionType": "FirewallPolicyNatRuleCollection", "name": "dnat", "priority": 100,
        "action": { "type": "DNAT" }, "rules": [] },
      { "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "deny-some", "priority": 150,
        "action": { "type": "Deny" }, "rules": [
          { "ruleType": "NetworkRule", "name": "no-smb", "ipProtocols": ["TCP", "ICMP"],
            "sourceAddresses": ["*"], "destinationAddresses": ["Internet"], "destinationPorts": ["445"],
            "sourceIpGroups": [], "destinationIpGroups": [], "destinationFqdns": [] },
          { "ruleType": "NetworkRule", "name": "ping", "ipProtocols": ["ICMP"],
            "sourceAddresses": ["*"], "destinationAddresses": ["*"], "destinationPorts": ["*"] },
          { "ruleType": "NetworkRule", "name": "groups", "ipProtocols": ["TCP"],
            "sourceIpGroups": ["/subscriptions/x/ipGroups/g"], "destinationAddresses": ["*"], "destinationPorts": ["*"] }
        ] },
      { "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "allow-web", "priority": 300,
        "action": { "type": "Allow" }, "rules": [
          { "ruleType": "ApplicationRule", "name": "pypi", "sourceAddresses": ["10.20.0.1-10.20.0.6"],
            "protocols": [{ "protocolType": "Https", "port": 443 }], "targetFqdns": ["PyPI.org"],
            "fqdnTags": [], "webCategories": [], "targetUrls": [], "terminateTLS": false },
          { "ruleType": "ApplicationRule", "name": "updates", "sourceAddresses": ["*"],
            "protocols": [{ "protocolType": "Https", "port": 443 }], "fqdnTags": ["WindowsUpdate"] },
          { "ruleType": "ApplicationRule", "name": "sql", "sourceAddresses": ["*"],
            "protocols": [{ "protocolType": "Mssql", "port": 1433 }], "targetFqdns": ["x.database.windows.net"] }
        ] }
    ]
  }])
}

#[test]
fn az_list_output_is_read_and_what_cannot_be_evaluated_is_named() {
  let p = policy(&az_list()).unwrap();
  let skipped: Vec<&str> = p.skipped.iter().map(|s| s.what.as_str()).collect();
  assert_eq!(
    skipped,
    [
      "hub-rules/dnat",
      "hub-rules/deny-some/ping",
      "hub-rules/deny-some/groups",
      "hub-rules/allow-web/updates",
      "hub-rules/allow-web/sql"
    ]
  );
  assert_eq!(p.skipped[1].action, Some(Access::Deny));
  assert_eq!(p.collections.len(), 2);
  let deny = &p.collections[0];
  assert_eq!(
    (deny.name.as_str(), deny.priority, deny.action),
    ("deny-some", 150, Access::Deny)
  );
  let Rules::Network(rules) = &deny.rules else {
    panic!("network")
  };
  assert_eq!(rules.len(), 1);
  assert_eq!(
    rules[0].protocols,
    [NetworkProtocol::Tcp],
    "ICMP dropped, TCP kept"
  );
  assert_eq!(
    rules[0].source_addresses.len(),
    2,
    "* is every IPv4 and IPv6 address"
  );
  assert_eq!(
    rules[0].destination,
    Destination::Addresses(vec![Endpoint::Tag("Internet".into())])
  );
  let Rules::Application(apps) = &p.collections[1].rules else {
    panic!("application")
  };
  assert_eq!(apps[0].target_fqdns, ["pypi.org"]);
  // 10.20.0.1-10.20.0.6 is .1/32, .2/31, .4/31, .6/32.
  assert_eq!(apps[0].source_addresses.len(), 4);
}

#[test]
fn rest_shape_and_one_group_are_read() {
  let group = json!({ "name": "g", "properties": { "priority": 500, "ruleCollections": [
    { "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "c", "priority": 100,
      "action": { "type": "Allow" }, "rules": [
        { "ruleType": "NetworkRule", "name": "dns", "ipProtocols": ["UDP"], "sourceAddresses": ["10.0.0.0/24"],
          "destinationAddresses": ["10.0.0.4"], "destinationPorts": ["53"] } ] } ] } });
  let p = policy(&group).unwrap();
  assert_eq!(
    (p.collections[0].group.as_str(), p.collections[0].group_priority),
    ("g", 500)
  );
}

#[test]
fn malformed_exports_are_errors_naming_the_rule() {
  let mut no_priority = az_list();
  no_priority[0].as_object_mut().unwrap().remove("priority");
  let mut bad_action = az_list();
  bad_action[0]["ruleCollections"][2]["action"]["type"] = json!("Maybe");
  let mut bad_source = az_list();
  bad_source[0]["ruleCollections"][1]["rules"][0]["sourceAddresses"] = json!(["10.0.0.0/33"]);
  let mut expression = az_list();
  expression[0]["ruleCollections"][2]["rules"][0]["sourceAddresses"] = json!(["[parameters('src')]"]);
  for (doc, expect) in [
    (no_priority, "`priority` is missing"),
    (bad_action, "action Some(\"maybe\")"),
    (bad_source, "hub-rules/deny-some/no-smb"),
    (json!("x"), "neither a rule collection group"),
    (json!({"resources": []}), "no rule collection group"),
  ] {
    let err = policy(&doc).unwrap_err().to_string();
    assert!(err.contains(expect), "{err}");
  }
  // An ARM expression where an address is needed is named in the skipped list's reason.
  let p = policy(&expression).unwrap();
  assert!(
    p.skipped
      .iter()
      .any(|s| s.what == "hub-rules/allow-web/pypi" && s.why.contains("ARM expression")),
    "{:?}",
    p.skipped
  );
}
