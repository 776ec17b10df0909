//! `import::nsg` beyond the inline shapes tests/eval.rs covers: `az network nsg rule list` (a
//! bare list), amlnet's child-resource template (nsg/nsg-rules.json) and fields it does not
//! read, which are named, never dropped silently.

use amlnet::import::nsg::{import, security_rules};
use serde_json::json;

use crate::support::shipped_profiles;

#[test]
fn every_shipped_child_resource_template_imports_back_to_its_plan() {
  let mut seen = 0;
  for profile in shipped_profiles() {
    let c = amlnet::compile(&profile).unwrap();
    let Some(a) = c.output.artifacts.iter().find(|a| a.path == "nsg/nsg-rules.json") else {
      continue;
    };
    seen += 1;
    let imported = import(&serde_json::from_str(&a.contents).unwrap()).unwrap();
    assert!(imported.notes.is_empty(), "{:?}", imported.notes);
    let mut planned = c.plan.nsg.clone();
    planned.iter_mut().for_each(|r| r.flow = None);
    assert_eq!(imported.rules, planned, "{}", profile.display());
  }
  assert!(seen >= 5, "{seen}");
}

#[test]
fn a_rule_list_is_read_and_unread_fields_are_named() {
  let doc = json!([
    { "name": "a", "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
      "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationAddressPrefix": "Storage",
      "destinationPortRange": "443", "etag": "W/x", "provisioningState": "Succeeded",
      "sourcePortRanges": [], "destinationPortRanges": [], "sourceAddressPrefixes": [],
      "destinationAddressPrefixes": [], "resourceGroup": "rg", "type": "Microsoft.Network/networkSecurityGroups/securityRules",
      "id": "/subscriptions/x" },
    { "name": "b", "priority": 200, "direction": "Outbound", "access": "Deny", "protocol": "*",
      "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "Internet",
      "destinationPortRange": "*", "flowLogs": true }
  ]);
  let imported = import(&doc).unwrap();
  assert_eq!(imported.rules.len(), 2);
  assert_eq!(imported.notes, ["NSG rule `b`: field `flowLogs` is not read"]);
  assert_eq!(security_rules(&doc).unwrap(), imported.rules);
  let err =
    security_rules(&json!({ "resources": [{ "type": "Microsoft.Storage/storageAccounts" }] })).unwrap_err();
  assert!(
    err
      .to_string()
      .contains("no Microsoft.Network/networkSecurityGroups"),
    "{err}"
  );
}

#[test]
fn unread_firewall_rule_fields_are_named() {
  let group = json!({ "name": "g", "priority": 500, "ruleCollections": [
    { "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "c", "priority": 100,
      "action": { "type": "Allow" }, "rules": [
        { "ruleType": "NetworkRule", "name": "dns", "ipProtocols": ["UDP"], "sourceAddresses": ["10.0.0.0/24"],
          "destinationAddresses": ["10.0.0.4"], "destinationPorts": ["53"], "logging": "on" } ] } ] });
  let p = amlnet::import::firewall::policy(&group).unwrap();
  assert_eq!(p.notes, ["firewall rule `g/c/dns`: field `logging` is not read"]);
}
