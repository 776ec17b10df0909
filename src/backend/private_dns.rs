//! Azure Private DNS backend: zones, A records and VNet links as an ARM template, plus a
//! records table.
//!
//! Takes the IR, returns `private-dns/private-dns.json` (one `privateDnsZones` resource
//! per zone, its A records as child resources with names relative to the zone, and a link
//! to the VNet given as a parameter) and `private-dns/records.json`.

use crate::plan::Plan;
use serde_json::{json, Value};

use super::{stamp, Output};
use crate::ir::Ir;

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  if ir.dns_zones.is_empty() {
    return;
  }
  let ttl = ir.settings.dns.ttl;
  let mut resources: Vec<Value> = Vec::new();
  for zone in &ir.dns_zones {
    let zone_id = format!(
      "[resourceId('Microsoft.Network/privateDnsZones', '{}')]",
      zone.name
    );
    resources.push(json!({
      "type": "Microsoft.Network/privateDnsZones",
      "apiVersion": "2024-06-01",
      "name": zone.name,
      "location": "global",
      "properties": {}
    }));
    resources.push(json!({
      "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
      "apiVersion": "2024-06-01",
      "name": format!("{}/[parameters('vnetLinkName')]", zone.name),
      "location": "global",
      "dependsOn": [zone_id],
      "properties": {
        "registrationEnabled": false,
        "virtualNetwork": { "id": "[parameters('vnetId')]" }
      }
    }));
    for r in ir.dns_records.iter().filter(|r| r.zone == zone.name) {
      resources.push(json!({
        "type": "Microsoft.Network/privateDnsZones/A",
        "apiVersion": "2024-06-01",
        "name": format!("{}/{}", zone.name, relative(&r.name, &zone.name)),
        "dependsOn": [zone_id],
        "properties": { "ttl": ttl, "aRecords": [{ "ipv4Address": r.value }] }
      }));
    }
  }
  // ARM evaluates an expression only when the whole string is one; build the link name that way.
  for r in &mut resources {
    if let Some(name) = r["name"]
      .as_str()
      .filter(|n| n.contains("[parameters('vnetLinkName')]"))
    {
      let zone = name.split('/').next().unwrap_or_default().to_string();
      r["name"] = json!(format!("[concat('{zone}', '/', parameters('vnetLinkName'))]"));
    }
  }
  let template = json!({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "metadata": { "generator": stamp(ir) },
    "parameters": {
      "vnetId": { "type": "string", "metadata": { "description": format!("Resource ID of {}", ir.settings.vnet_name) } },
      "vnetLinkName": { "type": "string", "defaultValue": format!("link-{}", ir.settings.vnet_name) }
    },
    "resources": resources
  });
  out.add("private-dns/private-dns.json", super::pretty(&template));
  let records: Vec<Value> = ir
    .dns_records
    .iter()
    .map(|r| {
      json!({
        "zone": r.zone,
        "name": r.name,
        "relative_name": relative(&r.name, &r.zone),
        "type": r.record_type,
        "ttl": ttl,
        "value": r.value,
        "resource": r.resource,
        "public_name": r.public_name,
        "sources": r.sources,
      })
    })
    .collect();
  out.add(
    "private-dns/records.json",
    super::pretty(&json!({ "generator": stamp(ir), "records": records })),
  );
}

/// The record name relative to its zone ("@" for the apex).
pub(super) fn relative(name: &str, zone: &str) -> String {
  match name.strip_suffix(zone) {
    Some("") => "@".to_string(),
    Some(rel) => rel.trim_end_matches('.').to_string(),
    None => name.to_string(),
  }
}
