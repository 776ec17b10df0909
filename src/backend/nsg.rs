//! NSG backend: an ARM template for one network security group with inline security rules.
//!
//! Takes the IR, returns `nsg/nsg.json`. One service tag or CIDR per rule, ports merged,
//! priorities from `plan`. FQDN flows cannot be expressed in an NSG: they are named in a
//! note and left to the firewall and FQDN outputs. Exceeding Azure's limits is an error note.

use serde_json::{json, Value};

use super::{stamp, Output};
use crate::ir::{Direction, Ir};
use crate::plan::Plan;
use crate::target::nsg::SecurityRule;

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let rules = &plan.nsg;
  let template = json!({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "metadata": { "generator": stamp(ir) },
    "parameters": {
      "nsgName": { "type": "string", "defaultValue": ir.settings.nsg.name },
      "location": { "type": "string", "defaultValue": "[resourceGroup().location]" }
    },
    "resources": [{
      "type": "Microsoft.Network/networkSecurityGroups",
      "apiVersion": "2024-05-01",
      "name": "[parameters('nsgName')]",
      "location": "[parameters('location')]",
      "properties": { "securityRules": rules.iter().map(rule_json).collect::<Vec<_>>() }
    }]
  });
  out.add("nsg/nsg.json", super::pretty(&template));
}

fn rule_json(r: &SecurityRule) -> Value {
  let mut p = serde_json::Map::new();
  p.insert("description".into(), json!(r.description));
  p.insert("priority".into(), json!(r.priority));
  p.insert(
    "direction".into(),
    json!(if r.direction == Direction::Inbound {
      "Inbound"
    } else {
      "Outbound"
    }),
  );
  p.insert("access".into(), json!(r.access.as_str()));
  p.insert("protocol".into(), json!(r.protocol.as_str()));
  p.insert("sourceAddressPrefix".into(), json!(r.source.to_string()));
  p.insert("sourcePortRange".into(), json!("*"));
  p.insert(
    "destinationAddressPrefix".into(),
    json!(r.destination.to_string()),
  );
  // The singular and plural forms must not both be set (reference/target-formats.md § 1.1).
  let ports = r.ports.strings();
  if ports.len() == 1 {
    p.insert("destinationPortRange".into(), json!(ports[0]));
  } else {
    p.insert("destinationPortRanges".into(), json!(ports));
  }
  json!({ "name": r.name, "properties": Value::Object(p) })
}
