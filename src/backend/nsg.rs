//! NSG backend: an ARM template for one network security group with inline security rules,
//! and the same rules as child resources for an NSG a team keeps.
//!
//! Takes the plan's NSG rules, returns `nsg/nsg.json` (deploying it replaces every rule of an
//! existing NSG of that name, which its metadata says) and `nsg/nsg-rules.json` (the rules as
//! `networkSecurityGroups/securityRules`, added to an existing NSG), and `nsg/subnets.json`
//! (the NSG's subnet associations and route tables, `backend::network`): one service tag or CIDR per rule,
//! ports merged, names and priorities from `plan`, which also notes the FQDN flows an NSG
//! cannot carry and refuses a plan beyond Azure's limits.
//!
//! Serialized from typed structs; every string from the IR or the plan is an ARM literal
//! (`syntax::json::ArmLiteral`), so ARM never evaluates it.

use serde::Serialize;

use super::arm::{self, Address, Metadata, Param, Ports, Shown, Template};
use super::Output;
use crate::ir::{Direction, Ir};
use crate::plan::Plan;
use crate::syntax::{self, json::ArmLiteral};
use crate::target::nsg::SecurityRule;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameters<'a> {
  nsg_name: Param<'a>,
  location: Param<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resource<'a> {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  name: &'static str,
  location: &'static str,
  properties: Properties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties<'a> {
  security_rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
struct Rule<'a> {
  name: ArmLiteral<'a>,
  properties: RuleProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleProperties<'a> {
  description: ArmLiteral<'a>,
  priority: u32,
  direction: &'static str,
  access: &'static str,
  protocol: &'static str,
  source_address_prefix: Address<'a>,
  source_port_range: &'static str,
  destination_address_prefix: Address<'a>,
  // The singular and plural forms must not both be set (reference/target-formats.md § 1.1).
  #[serde(skip_serializing_if = "Option::is_none")]
  destination_port_range: Option<Shown<crate::net::PortRange>>,
  #[serde(skip_serializing_if = "Option::is_none")]
  destination_port_ranges: Option<Ports<'a>>,
}

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let generator = syntax::provenance(ir);
  let template = Template {
    schema: arm::SCHEMA,
    content_version: arm::CONTENT_VERSION,
    metadata: Metadata {
      generator: ArmLiteral(&generator),
      description: Some(REPLACES),
    },
    parameters: Parameters {
      nsg_name: Param::string(Some(&ir.settings.nsg.name)),
      location: Param {
        default_value: Some(arm::Value::Expression("[resourceGroup().location]")),
        ..Param::string(None)
      },
    },
    resources: [Resource {
      ty: "Microsoft.Network/networkSecurityGroups",
      api_version: "2024-05-01",
      name: "[parameters('nsgName')]",
      location: "[parameters('location')]",
      properties: Properties {
        security_rules: plan.nsg.iter().map(rule).collect(),
      },
    }],
  };
  out.add(
    "nsg/nsg.json",
    crate::syntax::json::document_sized(&template, 1024 + 700 * plan.nsg.len()),
  );
  let names: Vec<String> = plan
    .nsg
    .iter()
    .map(|r| {
      format!(
        "[concat(parameters('nsgName'), '/', {})]",
        syntax::json::arm_expression_string(&r.name)
      )
    })
    .collect();
  let children = Template {
    schema: arm::SCHEMA,
    content_version: arm::CONTENT_VERSION,
    metadata: Metadata {
      generator: ArmLiteral(&generator),
      description: Some(ADDS),
    },
    parameters: ChildParameters {
      nsg_name: Param::string(Some(&ir.settings.nsg.name)),
    },
    resources: plan
      .nsg
      .iter()
      .zip(&names)
      .map(|(r, name)| ChildRule {
        ty: "Microsoft.Network/networkSecurityGroups/securityRules",
        api_version: "2024-05-01",
        name,
        properties: rule(r).properties,
      })
      .collect::<Vec<_>>(),
  };
  out.add(
    "nsg/nsg-rules.json",
    crate::syntax::json::document_sized(&children, 1024 + 800 * plan.nsg.len()),
  );
  super::network::render(ir, plan, out);
}

const REPLACES: &str = "Deploying this template sets the complete rule list of the NSG named by nsgName: an existing NSG of that name loses every rule not in it. To add these rules to an NSG you keep, deploy nsg/nsg-rules.json instead.";
const ADDS: &str = "The rules of nsg/nsg.json as child resources of an existing NSG named by nsgName: deploying adds or updates these rules and leaves the NSG's other rules in place.";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChildParameters<'a> {
  nsg_name: Param<'a>,
}

/// One security rule as a child resource (`NSG/RULE`), for an NSG that exists already.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChildRule<'a> {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  name: &'a str,
  properties: RuleProperties<'a>,
}

fn rule(r: &SecurityRule) -> Rule<'_> {
  let mut ranges = r.ports.ranges();
  let single = match (ranges.next(), ranges.next()) {
    (Some(one), None) => Some(one),
    _ => None,
  };
  Rule {
    name: ArmLiteral(&r.name),
    properties: RuleProperties {
      description: ArmLiteral(&r.description),
      priority: r.priority,
      direction: if r.direction == Direction::Inbound {
        "Inbound"
      } else {
        "Outbound"
      },
      access: r.access.as_str(),
      protocol: r.protocol.as_str(),
      source_address_prefix: Address(&r.source),
      source_port_range: "*",
      destination_address_prefix: Address(&r.destination),
      destination_port_range: single.map(Shown),
      destination_port_ranges: single.is_none().then_some(Ports(&r.ports)),
    },
  }
}
