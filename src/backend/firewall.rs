//! Azure Firewall Policy backend: one rule collection group as an ARM template.
//!
//! Takes the IR, returns `firewall/rule-collection-group.json`. Which flow becomes a network
//! rule, an application rule (FQDN flows on TCP 80/443) or a network rule with
//! `destinationFqdns` (FQDN flows on other ports, DNS proxy needed, no wildcards) is decided
//! by `plan::firewall`, shared with the Terraform, Bicep and az CLI outputs; this file
//! only writes it as ARM JSON. It never invents a rule the plan
//! does not hold.

use serde_json::{json, Value};

use super::{stamp, Output};
use crate::ir::Ir;
use crate::plan::Plan;
use crate::target::firewall::{ApplicationRule, Collection, Destination, NetworkRule};

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let fw = &plan.firewall;
  let mut collections = Vec::new();
  if !fw.network.rules.is_empty() {
    collections.push(collection(
      &fw.network,
      fw.network.rules.iter().map(network_rule).collect(),
    ));
  }
  if !fw.application.rules.is_empty() {
    collections.push(collection(
      &fw.application,
      fw.application.rules.iter().map(application_rule).collect(),
    ));
  }
  let template = json!({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "metadata": { "generator": stamp(ir) },
    "parameters": {
      "firewallPolicyName": { "type": "string", "defaultValue": fw.policy },
      "ruleCollectionGroupName": { "type": "string", "defaultValue": fw.name }
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

fn network_rule(r: &NetworkRule) -> Value {
  let mut rule = json!({
    "ruleType": "NetworkRule",
    "name": r.name,
    "description": r.description,
    "ipProtocols": r.protocols.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    "sourceAddresses": strings(&r.source_addresses),
    "destinationPorts": r.ports.strings(),
  });
  if let Some(obj) = rule.as_object_mut() {
    match &r.destination {
      Destination::Addresses(a) => obj.insert("destinationAddresses".into(), json!(strings(a))),
      Destination::Fqdns(f) => obj.insert("destinationFqdns".into(), json!(f)),
    };
  }
  rule
}

fn strings<T: ToString>(items: &[T]) -> Vec<String> {
  items.iter().map(ToString::to_string).collect()
}

fn application_rule(r: &ApplicationRule) -> Value {
  let protocols: Vec<Value> = r
    .protocols
    .iter()
    .map(|&(t, p)| json!({ "protocolType": t.as_str(), "port": p }))
    .collect();
  json!({
    "ruleType": "ApplicationRule",
    "name": r.name,
    "description": r.description,
    "protocols": protocols,
    "sourceAddresses": strings(&r.source_addresses),
    "targetFqdns": r.target_fqdns,
  })
}

fn collection<R>(c: &Collection<R>, rules: Vec<Value>) -> Value {
  json!({
    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
    "name": c.name,
    "priority": c.priority,
    "action": { "type": "Allow" },
    "rules": rules,
  })
}
