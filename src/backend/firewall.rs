//! Azure Firewall Policy backend: one rule collection group as an ARM template.
//!
//! Takes the IR, returns `firewall/rule-collection-group.json`. Service-tag and CIDR flows
//! become network rules; FQDN flows on TCP 80/443 become application rules (Http/Https);
//! FQDN flows on other ports become network rules with `destinationFqdns`, which need DNS
//! proxy (a warning says so) and cannot hold wildcards. A part of a flow the firewall cannot
//! express is named in a note with the rule that covers it; inbound flows belong to NSGs.

use serde_json::{json, Value};

use super::plan::{self, rule_name};
use super::{stamp, Output};
use crate::ir::{Direction, Flow, Ir, PeerKind, Protocol, Severity};

pub(super) fn render(ir: &Ir, out: &mut Output) {
  let fw = &ir.settings.firewall;
  let mut network = Vec::new();
  let mut application = Vec::new();
  let mut needs_proxy = Vec::new();
  for f in ir.flows.iter().filter(|f| f.direction == Direction::Outbound) {
    if f.peer_kind != PeerKind::Fqdn {
      network.push(network_rule(f, json!({ "destinationAddresses": [f.peer] }), &f.ports, protocols(f.protocol), fw));
      continue;
    }
    let http = if f.protocol == Protocol::Udp { vec![] } else { plan::http_ports(f) };
    if !http.is_empty() {
      application.push(application_rule(f, &http, fw));
    }
    let rest: Vec<String> = f.port_ranges().into_iter().filter(|(lo, hi)| !(lo == hi && http.contains(lo))).map(|r| port_string(r)).collect();
    let udp_half = f.protocol == Protocol::Any && !http.is_empty();
    if rest.is_empty() && !udp_half {
      continue;
    }
    let ports = if rest.is_empty() { http.iter().map(u16::to_string).collect() } else { rest };
    let protos = if rest_is_udp_only(f, udp_half) { vec!["UDP"] } else { protocols(f.protocol) };
    if f.peer.starts_with("*.") {
      out.note(
        Severity::Warning,
        "AFW001",
        format!(
          "firewall: {} {} {} cannot be a network rule (wildcard FQDN); it is covered by {}",
          f.peer,
          protos.join("/").to_lowercase(),
          ports.join(","),
          covering_tag(ir, f)
        ),
      );
      continue;
    }
    needs_proxy.push(f.peer.clone());
    network.push(network_rule(f, json!({ "destinationFqdns": [f.peer] }), &ports, protos, fw));
  }
  if !needs_proxy.is_empty() {
    out.note(
      Severity::Warning,
      "AFW002",
      format!("firewall: network rules with FQDNs need DNS proxy on the policy (dnsSettings.enableProxy) and clients using the firewall as DNS server: {}", needs_proxy.join(", ")),
    );
  }
  let inbound: Vec<&str> = ir.flows.iter().filter(|f| f.direction == Direction::Inbound).map(|f| f.id.as_str()).collect();
  if !inbound.is_empty() {
    out.note(
      Severity::Info,
      "AFW003",
      format!("firewall: inbound flows are enforced by the NSG, not the firewall policy; route AzureMachineLearning with next hop Internet: {}", inbound.join(", ")),
    );
  }
  let mut collections = Vec::new();
  if !network.is_empty() {
    collections.push(collection("amlnet-network", 100, network));
  }
  if !application.is_empty() {
    collections.push(collection("amlnet-application", 200, application));
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

fn rest_is_udp_only(f: &Flow, udp_half: bool) -> bool {
  f.protocol == Protocol::Udp || (udp_half && f.ports.iter().all(|p| p == "80" || p == "443"))
}

fn port_string((lo, hi): (u16, u16)) -> String {
  if lo == hi {
    lo.to_string()
  } else {
    format!("{lo}-{hi}")
  }
}

fn protocols(p: Protocol) -> Vec<&'static str> {
  match p {
    Protocol::Tcp => vec!["TCP"],
    Protocol::Udp => vec!["UDP"],
    Protocol::Any => vec!["Any"],
  }
}

/// The service-tag flow that allows the same traffic, so the reviewer knows nothing is lost.
fn covering_tag(ir: &Ir, f: &Flow) -> String {
  let tag = if f.peer.contains("batch.") {
    "BatchNodeManagement."
  } else if f.peer.contains("azureml") {
    "AzureMachineLearning"
  } else {
    ""
  };
  match ir.flows.iter().find(|g| g.peer_kind == PeerKind::ServiceTag && !tag.is_empty() && g.peer.starts_with(tag)) {
    Some(g) => format!("network rule {}", rule_name(Direction::Outbound, g)),
    None => "no other rule: add an explicit IP rule if this traffic is needed".to_string(),
  }
}

fn network_rule(f: &Flow, destination: Value, ports: &[String], protos: Vec<&str>, fw: &crate::ir::FirewallSettings) -> Value {
  let mut rule = json!({
    "ruleType": "NetworkRule",
    "name": rule_name(Direction::Outbound, f),
    "description": plan::description(f),
    "ipProtocols": protos,
    "sourceAddresses": fw.source_addresses,
    "destinationPorts": ports,
  });
  if let (Some(obj), Some(dest)) = (rule.as_object_mut(), destination.as_object()) {
    obj.extend(dest.clone());
  }
  rule
}

fn application_rule(f: &Flow, ports: &[u16], fw: &crate::ir::FirewallSettings) -> Value {
  let protocols: Vec<Value> = ports
    .iter()
    .map(|&p| json!({ "protocolType": if p == 80 { "Http" } else { "Https" }, "port": p }))
    .collect();
  json!({
    "ruleType": "ApplicationRule",
    "name": rule_name(Direction::Outbound, f),
    "description": plan::description(f),
    "protocols": protocols,
    "sourceAddresses": fw.source_addresses,
    "targetFqdns": [f.peer],
  })
}

fn collection(name: &str, priority: u32, mut rules: Vec<Value>) -> Value {
  rules.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
  json!({
    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
    "name": name,
    "priority": priority,
    "action": { "type": "Allow" },
    "rules": rules,
  })
}
