//! NSG backend: an ARM template for one network security group with inline security rules.
//!
//! Takes the IR, returns `nsg/nsg.json`. One service tag or CIDR per rule, ports merged,
//! priorities from `plan`. FQDN flows cannot be expressed in an NSG: they are named in a
//! note and left to the firewall and FQDN outputs. Exceeding Azure's limits is an error note.

use serde_json::{json, Value};

use super::plan::{self, NsgRule, NSG_MAX_PRIORITY, NSG_MAX_RULES};
use super::{stamp, Output};
use crate::ir::{Direction, Ir, Severity};

pub(super) fn render(ir: &Ir, out: &mut Output) {
  let rules = plan::nsg_rules(ir);
  let (_, fqdn) = plan::nsg_flows(ir);
  if !fqdn.is_empty() {
    let ids: Vec<&str> = fqdn.iter().map(|f| f.peer.as_str()).collect();
    out.note(
      Severity::Info,
      "NSG001",
      format!("nsg: {} FQDN flows cannot be NSG rules; they are in the firewall and FQDN outputs: {}", fqdn.len(), ids.join(", ")),
    );
  }
  if rules.len() > NSG_MAX_RULES {
    out.note(Severity::Error, "NSG002", format!("nsg: {} rules exceed the limit of {NSG_MAX_RULES} per NSG", rules.len()));
  }
  if let Some(r) = rules.iter().find(|r| r.priority > NSG_MAX_PRIORITY) {
    out.note(
      Severity::Error,
      "NSG003",
      format!("nsg: rule {} gets priority {} > {NSG_MAX_PRIORITY}; lower nsg.*_priority_start or nsg.priority_step", r.name, r.priority),
    );
  }
  if ir.flows.iter().any(|f| f.direction == Direction::Inbound) && ir.settings.egress == "firewall" {
    out.note(
      Severity::Warning,
      "NSG004",
      "nsg: compute with a public IP behind a firewall needs a route for the AzureMachineLearning tag with next hop Internet, so inbound management traffic returns symmetrically",
    );
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
  p.insert("direction".into(), json!(if r.direction == Direction::Inbound { "Inbound" } else { "Outbound" }));
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
