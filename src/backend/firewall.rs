//! Azure Firewall Policy backend: one rule collection group as an ARM template.
//!
//! Takes the IR, returns `firewall/rule-collection-group.json`. Which flow becomes a network
//! rule, an application rule (FQDN flows on TCP 80/443) or a network rule with
//! `destinationFqdns` (FQDN flows on other ports, DNS proxy needed, no wildcards) is decided
//! by `plan::firewall`, shared with the Terraform, Bicep and az CLI outputs; this file
//! only writes it as ARM JSON, serialized from typed structs with every string from the IR
//! or the plan an ARM literal (`syntax::json::ArmLiteral`). It never invents a rule the plan
//! does not hold.

use serde::{Serialize, Serializer};

use super::arm::{self, Addresses, AllShown, Metadata, Param, Ports, Template, Texts};
use super::Output;
use crate::ir::Ir;
use crate::plan::Plan;
use crate::syntax::{self, json::ArmLiteral};
use crate::target::firewall::{ApplicationRule, Collection, Destination, NetworkRule};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameters<'a> {
  firewall_policy_name: Param<'a>,
  rule_collection_group_name: Param<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource<'a> {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  name: &'static str,
  properties: GroupProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupProperties<'a> {
  priority: u32,
  rule_collections: Collections<'a>,
}

/// The network collection, then the application collection, each only when it has rules.
struct Collections<'a> {
  network: Option<&'a Collection<NetworkRule>>,
  application: Option<&'a Collection<ApplicationRule>>,
}

impl Serialize for Collections<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(None)?;
    if let Some(c) = self.network {
      seq.serialize_element(&CollectionJson {
        collection: c,
        rules: NetworkRules(&c.rules),
      })?;
    }
    if let Some(c) = self.application {
      seq.serialize_element(&CollectionJson {
        collection: c,
        rules: ApplicationRules(&c.rules),
      })?;
    }
    seq.end()
  }
}

struct CollectionJson<'a, R, L> {
  collection: &'a Collection<R>,
  rules: L,
}

impl<R, L: Serialize> Serialize for CollectionJson<'_, R, L> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Body<'a, L> {
      rule_collection_type: &'static str,
      name: ArmLiteral<'a>,
      priority: u32,
      action: Action,
      rules: &'a L,
    }
    Body {
      rule_collection_type: "FirewallPolicyFilterRuleCollection",
      name: ArmLiteral(&self.collection.name),
      priority: self.collection.priority,
      action: Action { ty: "Allow" },
      rules: &self.rules,
    }
    .serialize(s)
  }
}

#[derive(Serialize)]
struct Action {
  #[serde(rename = "type")]
  ty: &'static str,
}

struct NetworkRules<'a>(&'a [NetworkRule]);

impl Serialize for NetworkRules<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(self.0.iter().map(network_rule))
  }
}

struct ApplicationRules<'a>(&'a [ApplicationRule]);

impl Serialize for ApplicationRules<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(self.0.iter().map(application_rule))
  }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkRuleJson<'a> {
  rule_type: &'static str,
  name: ArmLiteral<'a>,
  description: ArmLiteral<'a>,
  ip_protocols: Protocols<'a>,
  source_addresses: AllShown<'a, ipnet::IpNet>,
  destination_ports: Ports<'a>,
  #[serde(skip_serializing_if = "Option::is_none")]
  destination_addresses: Option<Addresses<'a>>,
  #[serde(skip_serializing_if = "Option::is_none")]
  destination_fqdns: Option<Texts<'a, String>>,
}

struct Protocols<'a>(&'a [crate::target::firewall::NetworkProtocol]);

impl Serialize for Protocols<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(self.0.iter().map(|p| p.as_str()))
  }
}

fn network_rule(r: &NetworkRule) -> NetworkRuleJson<'_> {
  let (addresses, fqdns) = match &r.destination {
    Destination::Addresses(a) => (Some(Addresses(a)), None),
    Destination::Fqdns(f) => (None, Some(Texts(f.as_slice()))),
  };
  NetworkRuleJson {
    rule_type: "NetworkRule",
    name: ArmLiteral(&r.name),
    description: ArmLiteral(&r.description),
    ip_protocols: Protocols(&r.protocols),
    source_addresses: AllShown(&r.source_addresses),
    destination_ports: Ports(&r.ports),
    destination_addresses: addresses,
    destination_fqdns: fqdns,
  }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationRuleJson<'a> {
  rule_type: &'static str,
  name: ArmLiteral<'a>,
  description: ArmLiteral<'a>,
  protocols: AppProtocols<'a>,
  source_addresses: AllShown<'a, ipnet::IpNet>,
  target_fqdns: Texts<'a, String>,
}

struct AppProtocols<'a>(&'a [(crate::target::firewall::AppProtocol, u16)]);

impl Serialize for AppProtocols<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct P {
      protocol_type: &'static str,
      port: u16,
    }
    s.collect_seq(self.0.iter().map(|&(t, port)| P {
      protocol_type: t.as_str(),
      port,
    }))
  }
}

fn application_rule(r: &ApplicationRule) -> ApplicationRuleJson<'_> {
  ApplicationRuleJson {
    rule_type: "ApplicationRule",
    name: ArmLiteral(&r.name),
    description: ArmLiteral(&r.description),
    protocols: AppProtocols(&r.protocols),
    source_addresses: AllShown(&r.source_addresses),
    target_fqdns: Texts(&r.target_fqdns),
  }
}

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let fw = &plan.firewall;
  // An empty group would only hold a priority in the policy; the plan says why (AFW009).
  if fw.is_empty() {
    return;
  }
  let generator = syntax::provenance(ir);
  let template = Template {
    schema: arm::SCHEMA,
    content_version: arm::CONTENT_VERSION,
    metadata: Metadata {
      generator: ArmLiteral(&generator),
      description: None,
    },
    parameters: Parameters {
      firewall_policy_name: Param::string(Some(&fw.policy)),
      rule_collection_group_name: Param::string(Some(&fw.name)),
    },
    resources: [Resource {
      ty: "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
      api_version: "2024-05-01",
      name: "[concat(parameters('firewallPolicyName'), '/', parameters('ruleCollectionGroupName'))]",
      properties: GroupProperties {
        priority: fw.priority,
        rule_collections: Collections {
          network: (!fw.network.rules.is_empty()).then_some(&fw.network),
          application: (!fw.application.rules.is_empty()).then_some(&fw.application),
        },
      },
    }],
  };
  let rules = fw.network.rules.len() + fw.application.rules.len();
  out.add(
    "firewall/rule-collection-group.json",
    crate::syntax::json::document_sized(&template, 2048 + 600 * rules),
  );
}
