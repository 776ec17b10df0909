//! The hub's artifacts, under `hub/`: the firewall (`hub/firewall/`: IP Groups, tagged with
//! the workspaces they serve, and the one rule collection group as ARM JSON, and in Bicep,
//! Terraform and az CLI through `render_formats`) and the DNS (`hub/dns/`: the DNS backends run unchanged on the hub's
//! DNS-only IR, plus one VNet link per spoke and zone as ARM JSON).
//!
//! Takes the plans of `firewall` and `dns`; returns an `Output`. Every string is an ARM
//! literal (`syntax::json`) or an expression literal (`arm_expression_string`); JSON is
//! serde_json's. It decides nothing about which rules exist.

use serde_json::{json, Map, Value};

use crate::backend::{Output, Target};
use crate::ir::Ir;
use crate::syntax::json::{arm_expression_string as lit, arm_literal};
use crate::target::firewall::{Destination, NetworkRule};
use crate::target::Endpoint;

use super::dns::HubDns;
use super::firewall::{HubFirewall, IpGroup, Sourced, APPLICATION_PRIORITY, NETWORK_PRIORITY};
use super::load::IpGroupMode;

const SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
pub const API: &str = "2024-05-01";

/// The stamp of every hub artifact: the hub IR's (its hash is over every spoke's profiles).
pub fn hub_ir(dns: &HubDns) -> Option<&Ir> {
  dns.ir.as_ref()
}

/// The hub's artifacts and notes; with a `sink`, each part's artifacts go there as soon as
/// it is rendered and only the notes and `files` (how many there were) come back.
pub fn render(fw: &HubFirewall, dns: &HubDns, sink: Option<&dyn super::Sink>) -> crate::Result<Rendered> {
  let Some(ir) = hub_ir(dns) else {
    return Ok(Rendered::default());
  };
  // Both modes get every DNS artifact: the Private DNS ARM set for zones in the hub, zone
  // files, forwarders and hosts for custom servers (and for checking one against the other).
  let jobs = std::iter::once(Job::Firewall)
    .chain(super::HUB_DNS.map(Job::Dns))
    .chain([Job::VnetLinks]);
  let plan = crate::plan::Plan::new(ir);
  // Independent renders of a thousand spokes' records: one per core, joined in job order.
  let numbered: Vec<(usize, Job)> = jobs.enumerate().collect();
  let parts = crate::parallel::try_map(&numbered, |(number, job)| {
    let mut part = Output::default();
    match job {
      Job::Firewall if !fw.is_empty() => {
        part.add("hub/firewall/rule-collection-group.json", firewall_arm(ir, fw));
        super::render_formats::render(ir, fw, &mut part);
      }
      Job::Dns(target) => {
        let mut dns_out = Output::default();
        target.render(ir, &plan, &mut dns_out);
        for a in dns_out.artifacts {
          let rel = a.path.strip_prefix("dns/").unwrap_or(&a.path);
          part.add(format!("hub/dns/{rel}"), a.contents);
        }
        part.notes = dns_out.notes;
      }
      Job::VnetLinks if !ir.dns_zones.is_empty() => {
        part.add("hub/dns/vnet-links.json", vnet_links(ir, dns));
      }
      Job::Firewall | Job::VnetLinks => {}
    }
    let files = part.artifacts.len();
    if let Some(sink) = sink {
      sink.hub(*number, std::mem::take(&mut part.artifacts))?;
    }
    Ok::<_, crate::Error>((part, files))
  })?;
  let mut hub = Rendered::default();
  for (mut part, files) in parts {
    hub.output.artifacts.append(&mut part.artifacts);
    hub.output.notes.append(&mut part.notes);
    hub.files += files;
  }
  Ok(hub)
}

/// The hub's artifacts (none when they went to a sink) and notes, and how many files it has.
#[derive(Debug, Default)]
pub struct Rendered {
  pub output: Output,
  pub files: usize,
}

/// One independent piece of the hub's artifacts.
enum Job {
  Firewall,
  Dns(Target),
  VnetLinks,
}

fn template(ir: &Ir, parameters: Value, resources: Vec<Value>) -> Value {
  json!({
    "$schema": SCHEMA,
    "contentVersion": "1.0.0.0",
    "metadata": { "generator": arm_literal(&crate::syntax::provenance(ir)) },
    "parameters": parameters,
    "resources": resources,
  })
}

/// `[resourceId('Microsoft.Network/ipGroups', 'name')]`.
pub fn ip_group_id(name: &str) -> String {
  format!("[resourceId('Microsoft.Network/ipGroups', {})]", lit(name))
}

fn shown<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> Vec<Value> {
  items
    .into_iter()
    .map(|i| Value::String(arm_literal(&i.to_string())))
    .collect()
}

fn endpoint(e: &Endpoint) -> Value {
  match e {
    Endpoint::Tag(tag) => Value::String(arm_literal(tag)),
    other => Value::String(arm_literal(&other.to_string())),
  }
}

fn network_rule(r: &Sourced<NetworkRule>) -> Value {
  let mut m = Map::new();
  let rule = &r.rule;
  m.insert("ruleType".into(), "NetworkRule".into());
  m.insert("name".into(), arm_literal(&rule.name).into());
  m.insert("description".into(), arm_literal(&rule.description).into());
  m.insert(
    "ipProtocols".into(),
    rule.protocols.iter().map(|p| p.as_str()).collect(),
  );
  m.insert(
    "sourceIpGroups".into(),
    r.ip_groups.iter().map(|g| ip_group_id(g)).collect(),
  );
  m.insert("destinationPorts".into(), shown(rule.ports.ranges()).into());
  match &rule.destination {
    Destination::Addresses(a) => m.insert("destinationAddresses".into(), a.iter().map(endpoint).collect()),
    Destination::Fqdns(f) => m.insert("destinationFqdns".into(), shown(f).into()),
  };
  Value::Object(m)
}

fn application_rule(r: &Sourced<crate::target::firewall::ApplicationRule>) -> Value {
  let rule = &r.rule;
  json!({
    "ruleType": "ApplicationRule",
    "name": arm_literal(&rule.name),
    "description": arm_literal(&rule.description),
    "protocols": rule.protocols.iter().map(|(t, port)| json!({ "protocolType": t.as_str(), "port": port })).collect::<Vec<_>>(),
    "sourceIpGroups": r.ip_groups.iter().map(|g| ip_group_id(g)).collect::<Vec<_>>(),
    "targetFqdns": shown(&rule.target_fqdns),
  })
}

fn collection(name: &str, priority: u32, rules: Vec<Value>) -> Value {
  json!({
    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
    "name": arm_literal(name),
    "priority": priority,
    "action": { "type": "Allow" },
    "rules": rules,
  })
}

/// An ARM tag value holds at most 256 characters.
const TAG_VALUE_MAX: usize = 256;

/// Per workspace, `amlnet-workspace` names the spoke (as it always did). Per rule set,
/// `amlnet-workspaces` lists the spokes served while the list fits in a tag value, else
/// says how many; `amlnet-ip-groups` says how the group was cut.
fn tags(fw: &HubFirewall, g: &IpGroup) -> Value {
  match fw.mode {
    IpGroupMode::PerWorkspace => json!({ "amlnet-workspace": arm_literal(&g.workspaces.join(" ")) }),
    IpGroupMode::PerRuleSet => {
      let list = g.workspaces.join(" ");
      let served = if list.chars().count() <= TAG_VALUE_MAX {
        list
      } else {
        format!("{} workspaces", g.workspaces.len())
      };
      json!({
        "amlnet-ip-groups": fw.mode.as_str(),
        "amlnet-workspaces": arm_literal(&served),
      })
    }
  }
}

/// The IP Groups, then the rule collection group, which depends on every IP Group it names.
fn firewall_arm(ir: &Ir, fw: &HubFirewall) -> String {
  let mut resources: Vec<Value> = fw
    .ip_groups
    .iter()
    .map(|g| {
      json!({
        "type": "Microsoft.Network/ipGroups",
        "apiVersion": API,
        "name": arm_literal(&g.name),
        "location": "[parameters('location')]",
        "tags": tags(fw, g),
        "properties": { "ipAddresses": shown(&g.addresses) },
      })
    })
    .collect();
  let mut collections = Vec::new();
  if !fw.network.is_empty() {
    collections.push(collection(
      "amlnet-fleet-network",
      NETWORK_PRIORITY,
      fw.network.iter().map(network_rule).collect(),
    ));
  }
  if !fw.application.is_empty() {
    collections.push(collection(
      "amlnet-fleet-application",
      APPLICATION_PRIORITY,
      fw.application.iter().map(application_rule).collect(),
    ));
  }
  resources.push(json!({
    "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
    "apiVersion": API,
    "name": "[concat(parameters('firewallPolicyName'), '/', parameters('ruleCollectionGroupName'))]",
    "dependsOn": fw.ip_groups.iter().map(|g| ip_group_id(&g.name)).collect::<Vec<_>>(),
    "properties": { "priority": fw.priority, "ruleCollections": collections },
  }));
  let parameters = json!({
    "firewallPolicyName": { "type": "string", "defaultValue": arm_literal(&fw.policy) },
    "ruleCollectionGroupName": { "type": "string", "defaultValue": arm_literal(&fw.name) },
    "location": { "type": "string", "defaultValue": "[resourceGroup().location]" },
  });
  crate::syntax::json::document(&template(ir, parameters, resources))
}

/// One `virtualNetworkLinks` per spoke and hub zone; each spoke's VNet resource ID is a key of
/// the `spokeVnetIds` object parameter (the workspace's name), given at deployment.
fn vnet_links(ir: &Ir, dns: &HubDns) -> String {
  let mut resources = Vec::new();
  for zone in &ir.dns_zones {
    for (workspace, _vnet) in &dns.links {
      // A spoke links the zones the hub serves, whether or not it has records in them: its
      // compute resolves the other spokes' shared names (a registry) through them too.
      let link = format!("link-{workspace}");
      resources.push(json!({
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "apiVersion": "2024-06-01",
        "name": format!("[concat({}, '/', {})]", lit(&zone.name), lit(&link)),
        "location": "global",
        "tags": { "amlnet-workspace": arm_literal(workspace) },
        "properties": {
          "registrationEnabled": false,
          "virtualNetwork": { "id": format!("[parameters('spokeVnetIds')[{}]]", lit(workspace)) },
        },
      }));
    }
  }
  let parameters = json!({
    "spokeVnetIds": {
      "type": "object",
      "metadata": { "description": "Resource ID of each spoke VNet, keyed by workspace profile name" },
    },
  });
  crate::syntax::json::document(&template(ir, parameters, resources))
}
