//! NSG backend: an ARM template for one network security group with inline security rules.
//!
//! Takes the IR, returns `nsg/nsg.json`. One service tag or CIDR per rule, ports merged,
//! priorities from `plan`. FQDN flows cannot be expressed in an NSG: they are named in a
//! note and left to the firewall and FQDN outputs. Exceeding Azure's limits is an error note.

use serde_json::{json, Value};

use super::plan::{self, NsgRule};
use super::{stamp, Output};
use crate::ir::{Direction, Ir};

pub(super) fn render(ir: &Ir, out: &mut Output) {
  let rules = plan::nsg_rules(ir);
  for n in plan::nsg_notes(ir) {
    out.note(n.severity, n.code, n.message);
  }
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

fn rule_json(r: &NsgRule<'_>) -> Value {
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
  p.insert("access".into(), json!(r.access));
  p.insert("protocol".into(), json!(r.protocol));
  p.insert("sourceAddressPrefix".into(), json!(r.source));
  p.insert("sourcePortRange".into(), json!("*"));
  p.insert("destinationAddressPrefix".into(), json!(r.destination));
  // The singular and plural forms must not both be set (reference/target-formats.md § 1.1).
  if r.ports.len() == 1 {
    p.insert("destinationPortRange".into(), json!(r.ports[0]));
  } else {
    p.insert("destinationPortRanges".into(), json!(r.ports));
  }
  json!({ "name": r.name, "properties": Value::Object(p) })
}
