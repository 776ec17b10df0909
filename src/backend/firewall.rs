//! Azure Firewall Policy backend: one rule collection group as an ARM template.
//!
//! Takes the IR, returns `firewall/rule-collection-group.json`. Which flow becomes a network
//! rule, an application rule (FQDN flows on TCP 80/443) or a network rule with
//! `destinationFqdns` (FQDN flows on other ports, DNS proxy needed, no wildcards) is decided
//! by `plan::firewall_plan`, shared with the Terraform, Bicep and az CLI outputs; this file
//! only writes it as ARM JSON and repeats the plan's notes. It never invents a rule the plan
//! does not hold.

use serde_json::{json, Value};

use super::plan::{self, FwApplicationRule, FwNetworkRule, FW_APPLICATION_COLLECTION, FW_NETWORK_COLLECTION};
use super::{stamp, Output};
use crate::ir::Ir;

pub(super) fn render(ir: &Ir, out: &mut Output) {
  let fw = &ir.settings.firewall;
  let plan = plan::firewall_plan(ir);
  for n in &plan.notes {
    out.note(n.severity, n.code, n.message.clone());
  }
  let mut collections = Vec::new();
  if !plan.network.is_empty() {
    collections.push(collection(
      FW_NETWORK_COLLECTION,
      plan.network.iter().map(network_rule).collect(),
    ));
  }
  if !plan.application.is_empty() {
    collections.push(collection(
      FW_APPLICATION_COLLECTION,
      plan.application.iter().map(application_rule).collect(),
    ));
  }
  let template = json!({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "metadata": { "generator": stamp(ir) },
    "parameters": {
      "firewallPolicyName": { "type": "string", "defaultValue": fw.policy_name },
      "ruleCollectionGroupName": { "type": "string", "defaultValue": fw.rule_collection_group }
    },
    "resources": [{
      "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
      "apiVersion": "2024-05-01",
      "name": "[concat(parameters('firewallPolicyName'), '/', parameters('ruleCollectionGroupName'))]",
      "properties": { "priority": fw.priority, "ruleCollections": collections }
    }]
  });
  out.add("firewall/rule-collection-group.json", super::pretty(&template));
}

fn network_rule(r: &FwNetworkRule<'_>) -> Value {
  let mut rule = json!({
    "ruleType": "NetworkRule",
    "name": r.name,
    "description": r.description,
    "ipProtocols": r.protocols,
    "sourceAddresses": r.source_addresses,
    "destinationPorts": r.ports,
  });
  if let Some(obj) = rule.as_object_mut() {
    if r.destination_fqdns.is_empty() {
      obj.insert("destinationAddresses".into(), json!(r.destination_addresses));
    } else {
      obj.insert("destinationFqdns".into(), json!(r.destination_fqdns));
    }
  }
  rule
}

fn application_rule(r: &FwApplicationRule<'_>) -> Value {
  let protocols: Vec<Value> = r
    .protocols
    .iter()
    .map(|&(t, p)| json!({ "protocolType": t, "port": p }))
    .collect();
  json!({
    "ruleType": "ApplicationRule",
    "name": r.name,
    "description": r.description,
    "protocols": protocols,
    "sourceAddresses": r.source_addresses,
    "targetFqdns": r.target_fqdns,
  })
}

fn collection((name, priority): (&str, u32), rules: Vec<Value>) -> Value {
  json!({
    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
    "name": name,
    "priority": priority,
    "action": { "type": "Allow" },
    "rules": rules,
  })
}
