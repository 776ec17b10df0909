//! Terraform (azurerm) backend: the NSG, route tables and subnet associations
//! (`terraform_network`), firewall policy rule collection group and private DNS of the ARM
//! outputs, as `terraform/main.tf` and `terraform/variables.tf`.
//!
//! Takes the IR and its plan, returns the two files (the plan says the notes). Rule names, priorities, descriptions and the split into network and
//! application rules come from `plan`, so they equal the ARM ones. NSG rules are standalone
//! `azurerm_network_security_rule` resources and the NSG has no inline `security_rule`, since
//! mixing both makes Terraform fight over the rule list. It never writes IDs a user must
//! supply: those are variables (resource group, location, firewall policy ID, VNet ID).
//!
//! Written straight into one string in `terraform fmt` layout; every string literal is
//! `syntax::hcl::string` and every comment line `syntax::hcl::comment`. Resource labels are
//! `plan::Labels` identifiers and expressions are amlnet's own (`var.x`, `type.label.name`).

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use super::private_dns::relative;
use super::{Items, Output};
use crate::ir::{Direction, Ir};
use crate::plan::{Labels, Plan};
use crate::syntax::{self, hcl, Syntax};
use crate::target::firewall::Destination;
use crate::target::Endpoint;

const MAIN_HEADER: &[&str] = &[
  "",
  "NSG, route tables, subnet associations, Azure Firewall policy rule collection group and",
  "private DNS zones of this profile; the same names, priorities and rules as nsg/nsg.json,",
  "nsg/subnets.json, firewall/rule-collection-group.json and private-dns/private-dns.json. NSG",
  "rules and routes are standalone resources: do not add inline security_rule or route blocks,",
  "or Terraform and the standalone resources overwrite each other. The subnets are read, not",
  "managed: only their NSG and route table associations are.",
];

const PROVIDERS: &str = "terraform {\n  required_providers {\n    azurerm = {\n      source  = \"hashicorp/azurerm\"\n      version = \">= 3.0\"\n    }\n  }\n}\n";

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let (nsg_rules, fw) = (&plan.nsg, &plan.firewall);
  let mut labels = Labels::default();
  let mut main = String::with_capacity(
    4096 + 800 * (nsg_rules.len() + ir.dns_records.len()) + 500 * fw.network.rules.len(),
  );
  syntax::push_stamp(&mut main, ir, Syntax::Hcl);
  comments(&mut main, MAIN_HEADER);
  main.push('\n');
  main.push_str(PROVIDERS);
  // The provider block: `terraform validate` works as is, and the cloud is the profile's.
  main.push_str("\nprovider \"azurerm\" {\n  features {}\n  environment = ");
  crate::syntax::hcl::push_string(&mut main, terraform_environment(ir.cloud));
  main.push_str("\n}\n");

  let nsg_label = labels.unique("nsg");
  let nsg_name = format!("azurerm_network_security_group.{nsg_label}.name");
  resource(&mut main, "azurerm_network_security_group", &nsg_label);
  attrs(
    &mut main,
    1,
    &[
      ("name", V::Raw("var.nsg_name")),
      ("location", V::Raw("var.location")),
      ("resource_group_name", V::Raw("var.resource_group_name")),
    ],
  );
  close(&mut main, 0);
  for r in nsg_rules {
    resource(
      &mut main,
      "azurerm_network_security_rule",
      &labels.unique(&r.name),
    );
    // Singular or plural, never both, exactly as nsg/nsg.json.
    let mut ranges = r.ports.ranges();
    let single = match (ranges.next(), ranges.next()) {
      (Some(one), None) => Some(one.to_string()),
      _ => None,
    };
    let ports = match &single {
      Some(one) => ("destination_port_range", V::Str(one)),
      None => ("destination_port_ranges", V::List(&r.ports)),
    };
    attrs(
      &mut main,
      1,
      &[
        ("name", V::Str(&r.name)),
        ("description", V::Str(&r.description)),
        ("priority", V::Int(r.priority)),
        (
          "direction",
          V::Str(if r.direction == Direction::Inbound {
            "Inbound"
          } else {
            "Outbound"
          }),
        ),
        ("access", V::Str(r.access.as_str())),
        ("protocol", V::Str(r.protocol.as_str())),
        ("source_address_prefix", V::Endpoint(&r.source)),
        ("source_port_range", V::Str("*")),
        ("destination_address_prefix", V::Endpoint(&r.destination)),
        ports,
        ("resource_group_name", V::Raw("var.resource_group_name")),
        ("network_security_group_name", V::Raw(&nsg_name)),
      ],
    );
    close(&mut main, 0);
  }

  super::terraform_network::render(&mut main, &plan.network, &mut labels, &nsg_label);

  // Without firewall rules there is no rule collection group (AFW009).
  if !fw.is_empty() {
    resource(
      &mut main,
      "azurerm_firewall_policy_rule_collection_group",
      &labels.unique("amlnet"),
    );
    attrs(
      &mut main,
      1,
      &[
        ("name", V::Raw("var.rule_collection_group_name")),
        ("firewall_policy_id", V::Raw("var.firewall_policy_id")),
        ("priority", V::Int(fw.priority)),
      ],
    );
    if !fw.network.rules.is_empty() {
      main.push('\n');
      open(&mut main, 1, "network_rule_collection");
      collection_attrs(&mut main, &fw.network.name, fw.network.priority);
      for r in &fw.network.rules {
        main.push('\n');
        open(&mut main, 2, "rule");
        let destination = match &r.destination {
          Destination::Addresses(a) => ("destination_addresses", V::List(a)),
          Destination::Fqdns(f) => ("destination_fqdns", V::List(f)),
        };
        attrs(
          &mut main,
          3,
          &[
            ("name", V::Str(&r.name)),
            ("description", V::Str(&r.description)),
            ("protocols", V::List(&r.protocols)),
            ("source_addresses", V::List(&r.source_addresses)),
            destination,
            ("destination_ports", V::List(&r.ports)),
          ],
        );
        close(&mut main, 2);
      }
      close(&mut main, 1);
    }
    if !fw.application.rules.is_empty() {
      main.push('\n');
      open(&mut main, 1, "application_rule_collection");
      collection_attrs(&mut main, &fw.application.name, fw.application.priority);
      for r in &fw.application.rules {
        main.push('\n');
        open(&mut main, 2, "rule");
        attrs(
          &mut main,
          3,
          &[("name", V::Str(&r.name)), ("description", V::Str(&r.description))],
        );
        for &(kind, port) in &r.protocols {
          main.push('\n');
          open(&mut main, 3, "protocols");
          attrs(
            &mut main,
            4,
            &[("type", V::Str(kind.as_str())), ("port", V::Int(u32::from(port)))],
          );
          close(&mut main, 3);
        }
        attrs(
          &mut main,
          3,
          &[
            ("source_addresses", V::List(&r.source_addresses)),
            ("destination_fqdns", V::List(&r.target_fqdns)),
          ],
        );
        close(&mut main, 2);
      }
      close(&mut main, 1);
    }
    close(&mut main, 0);
  }

  // Zone, VNet link, then the zone's records: the order of private-dns/private-dns.json.
  for zone in &ir.dns_zones {
    let zone_label = labels.unique(&zone.name);
    let zone_name = format!("azurerm_private_dns_zone.{zone_label}.name");
    resource(&mut main, "azurerm_private_dns_zone", &zone_label);
    attrs(
      &mut main,
      1,
      &[
        ("name", V::Str(&zone.name)),
        ("resource_group_name", V::Raw("var.resource_group_name")),
      ],
    );
    close(&mut main, 0);
    resource(
      &mut main,
      "azurerm_private_dns_zone_virtual_network_link",
      &labels.unique(&format!("{}_link", zone.name)),
    );
    attrs(
      &mut main,
      1,
      &[
        ("name", V::Raw("var.vnet_link_name")),
        ("resource_group_name", V::Raw("var.resource_group_name")),
        ("private_dns_zone_name", V::Raw(&zone_name)),
        ("virtual_network_id", V::Raw("var.virtual_network_id")),
        ("registration_enabled", V::Raw("false")),
      ],
    );
    close(&mut main, 0);
    for (name, values) in a_records(ir, &zone.name) {
      let rel = relative(name, &zone.name);
      resource(
        &mut main,
        "azurerm_private_dns_a_record",
        &labels.unique(&format!("{}_{rel}", zone.name)),
      );
      attrs(
        &mut main,
        1,
        &[
          ("name", V::Str(&rel)),
          ("zone_name", V::Raw(&zone_name)),
          ("resource_group_name", V::Raw("var.resource_group_name")),
          ("ttl", V::Int(ir.settings.dns.ttl)),
          ("records", V::List(&values)),
        ],
      );
      close(&mut main, 0);
    }
  }
  out.add("terraform/main.tf", main);
  out.add(
    "terraform/variables.tf",
    variables(ir, !fw.is_empty(), !plan.network.subnets.is_empty()),
  );
}

/// The zone's A records grouped by name (one record set per name, as Azure stores them), in
/// IR order.
pub(super) fn a_records<'a>(ir: &'a Ir, zone: &str) -> Vec<(&'a str, Vec<Ipv4Addr>)> {
  let mut sets: Vec<(&str, Vec<Ipv4Addr>)> = Vec::new();
  for r in ir.dns_records.iter().filter(|r| r.zone == zone) {
    match sets.iter_mut().find(|(n, _)| *n == r.name) {
      Some((_, values)) => values.push(r.value),
      None => sets.push((&r.name, vec![r.value])),
    }
  }
  sets
}

fn comments(out: &mut String, lines: &[&str]) {
  for line in lines {
    if line.is_empty() {
      out.push_str("#\n");
    } else {
      hcl::push_comment(out, line);
    }
  }
}

fn collection_attrs(out: &mut String, name: &str, priority: u32) {
  attrs(
    out,
    2,
    &[
      ("name", V::Str(name)),
      ("priority", V::Int(priority)),
      ("action", V::Str("Allow")),
    ],
  );
}

/// The azurerm provider's `environment` for a cloud.
fn terraform_environment(cloud: crate::ir::Cloud) -> &'static str {
  match cloud {
    crate::ir::Cloud::AzureCloud => "public",
    crate::ir::Cloud::AzureChinaCloud => "china",
    crate::ir::Cloud::AzureUsGovernment => "usgovernment",
  }
}

fn variables(ir: &Ir, firewall: bool, subnets: bool) -> String {
  let st = &ir.settings;
  let policy = format!(
    "Resource ID of the existing Azure Firewall policy (the profile names it {})",
    st.firewall.policy_name
  );
  let vnet = format!(
    "Resource ID of {}, linked to every private DNS zone",
    st.vnet_name
  );
  let link = format!("link-{}", st.vnet_name);
  let mut vars: Vec<(&str, &str, Option<&str>)> = vec![
    (
      "resource_group_name",
      "Resource group that holds the NSG and the private DNS zones",
      None,
    ),
    (
      "location",
      "Azure region of the NSG and the route tables (the profile's region)",
      Some(&ir.region),
    ),
    (
      "nsg_name",
      "Name of the network security group",
      Some(&st.nsg.name),
    ),
  ];
  // Without firewall rules there is no rule collection group (AFW009), and nothing to ask.
  if firewall {
    vars.push(("firewall_policy_id", &policy, None));
    vars.push((
      "rule_collection_group_name",
      "Name of the rule collection group created in that policy",
      Some(&st.firewall.rule_collection_group),
    ));
  }
  // The subnets are looked up by name in the VNet's own resource group.
  let vnet_rg = format!("Resource group of {}, which holds its subnets", st.vnet_name);
  if subnets {
    vars.push((
      "virtual_network_name",
      "Name of the VNet whose subnets are associated with the NSG and route tables",
      Some(&st.vnet_name),
    ));
    vars.push(("virtual_network_resource_group_name", &vnet_rg, None));
  }
  // Without zones nothing links to the VNet: asking for its ID would be a question without a use.
  if !ir.dns_zones.is_empty() {
    vars.push(("virtual_network_id", &vnet, None));
    vars.push((
      "vnet_link_name",
      "Name of each zone's virtual network link",
      Some(&link),
    ));
  }
  let mut text = String::with_capacity(2048);
  syntax::push_stamp(&mut text, ir, Syntax::Hcl);
  comments(
    &mut text,
    &["", "What the user supplies; defaults come from the profile."],
  );
  for (name, description, default) in vars {
    text.push('\n');
    let _ = writeln!(text, "variable \"{name}\" {{");
    let body = [
      ("type", V::Raw("string")),
      ("description", V::Str(description)),
      ("default", V::Str(default.unwrap_or_default())),
    ];
    attrs(&mut text, 1, &body[..if default.is_some() { 3 } else { 2 }]);
    close(&mut text, 0);
  }
  text
}

/// An HCL value: a string literal, a number, an expression written as is, or a list of
/// string literals.
pub(super) enum V<'a> {
  Str(&'a str),
  Int(u32),
  Raw(&'a str),
  Endpoint(&'a Endpoint),
  List(&'a dyn Items),
}

const PAD: &str = "                ";

fn pad(out: &mut String, depth: usize) {
  for _ in 0..depth {
    out.push_str(&PAD[..2]);
  }
}

/// `\nresource "type" "label" {\n`: a top-level resource block, after a blank line.
pub(super) fn resource(out: &mut String, kind: &str, label: &str) {
  let _ = writeln!(out, "\nresource \"{kind}\" \"{label}\" {{");
}

fn open(out: &mut String, depth: usize, name: &str) {
  pad(out, depth);
  out.push_str(name);
  out.push_str(" {\n");
}

pub(super) fn close(out: &mut String, depth: usize) {
  pad(out, depth);
  out.push_str("}\n");
}

/// One run of attributes at `depth`, `=` aligned as `terraform fmt` aligns them.
pub(super) fn attrs(out: &mut String, depth: usize, run: &[(&str, V)]) {
  let width = run.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
  for (k, v) in run {
    pad(out, depth);
    out.push_str(k);
    for _ in k.len()..width {
      out.push(' ');
    }
    out.push_str(" = ");
    value(out, v);
    out.push('\n');
  }
}

fn value(out: &mut String, v: &V) {
  match v {
    V::Str(text) => hcl::push_string(out, text),
    V::Int(n) => {
      let _ = write!(out, "{n}");
    }
    V::Raw(expr) => out.push_str(expr),
    V::Endpoint(Endpoint::Tag(tag)) => hcl::push_string(out, tag),
    V::Endpoint(e) => hcl::push_string(out, &e.to_string()),
    V::List(items) => {
      out.push('[');
      let mut first = true;
      items.each(&mut |item| {
        if !first {
          out.push_str(", ");
        }
        first = false;
        hcl::push_string(out, item);
      });
      out.push(']');
    }
  }
}
