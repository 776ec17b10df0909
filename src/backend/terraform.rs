//! Terraform (azurerm) backend: the NSG, firewall policy rule collection group and private DNS
//! of the ARM outputs, as `terraform/main.tf` and `terraform/variables.tf`.
//!
//! Takes the IR, returns the two files and repeats the NSG and firewall notes (same flows
//! left out, same words). Rule names, priorities, descriptions and the split into network and
//! application rules come from `plan`, so they equal the ARM ones. NSG rules are standalone
//! `azurerm_network_security_rule` resources and the NSG has no inline `security_rule`, since
//! mixing both makes Terraform fight over the rule list. It never writes IDs a user must
//! supply: those are variables (resource group, location, firewall policy ID, VNet ID).

use std::fmt::Write as _;

use super::private_dns::relative;
use super::{stamp, Output};
use crate::ir::{Direction, Ir};
use crate::plan::{Labels, Plan};
use crate::target::firewall::Destination;

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let (nsg_rules, fw) = (&plan.nsg, &plan.firewall);
  let mut labels = Labels::default();
  let mut blocks: Vec<Block> = Vec::new();

  let nsg_label = labels.unique("nsg");
  blocks.push(Block::new(
    format!("resource \"azurerm_network_security_group\" \"{nsg_label}\""),
    vec![
      attr("name", raw("var.nsg_name")),
      attr("location", raw("var.location")),
      attr("resource_group_name", raw("var.resource_group_name")),
    ],
  ));
  for r in nsg_rules {
    let mut body = vec![
      attr("name", s(&r.name)),
      attr("description", s(&r.description)),
      attr("priority", V::Int(i64::from(r.priority))),
      attr(
        "direction",
        s(if r.direction == Direction::Inbound {
          "Inbound"
        } else {
          "Outbound"
        }),
      ),
      attr("access", s(r.access.as_str())),
      attr("protocol", s(r.protocol.as_str())),
      attr("source_address_prefix", s(&r.source.to_string())),
      attr("source_port_range", s("*")),
      attr("destination_address_prefix", s(&r.destination.to_string())),
    ];
    // Singular or plural, never both, exactly as nsg/nsg.json.
    let ports = r.ports.strings();
    if ports.len() == 1 {
      body.push(attr("destination_port_range", s(&ports[0])));
    } else {
      body.push(attr("destination_port_ranges", strings(&ports)));
    }
    body.push(attr("resource_group_name", raw("var.resource_group_name")));
    body.push(attr(
      "network_security_group_name",
      raw(&format!("azurerm_network_security_group.{nsg_label}.name")),
    ));
    blocks.push(Block::new(
      format!(
        "resource \"azurerm_network_security_rule\" \"{}\"",
        labels.unique(&r.name)
      ),
      body,
    ));
  }

  let mut group = vec![
    attr("name", raw("var.rule_collection_group_name")),
    attr("firewall_policy_id", raw("var.firewall_policy_id")),
    attr("priority", V::Int(i64::from(fw.priority))),
  ];
  if !fw.network.rules.is_empty() {
    let mut body = vec![
      attr("name", s(&fw.network.name)),
      attr("priority", V::Int(i64::from(fw.network.priority))),
      attr("action", s("Allow")),
    ];
    for r in &fw.network.rules {
      let protocols: Vec<&str> = r.protocols.iter().map(|p| p.as_str()).collect();
      let mut rule = vec![
        attr("name", s(&r.name)),
        attr("description", s(&r.description)),
        attr("protocols", strings(&protocols)),
        attr("source_addresses", strings(&texts(&r.source_addresses))),
      ];
      match &r.destination {
        Destination::Addresses(a) => rule.push(attr("destination_addresses", strings(&texts(a)))),
        Destination::Fqdns(f) => rule.push(attr("destination_fqdns", strings(f))),
      }
      rule.push(attr("destination_ports", strings(&r.ports.strings())));
      body.push(Item::Block(Block::new("rule".to_string(), rule)));
    }
    group.push(Item::Block(Block::new(
      "network_rule_collection".to_string(),
      body,
    )));
  }
  if !fw.application.rules.is_empty() {
    let mut body = vec![
      attr("name", s(&fw.application.name)),
      attr("priority", V::Int(i64::from(fw.application.priority))),
      attr("action", s("Allow")),
    ];
    for r in &fw.application.rules {
      let mut rule = vec![attr("name", s(&r.name)), attr("description", s(&r.description))];
      for &(kind, port) in &r.protocols {
        rule.push(Item::Block(Block::new(
          "protocols".to_string(),
          vec![
            attr("type", s(kind.as_str())),
            attr("port", V::Int(i64::from(port))),
          ],
        )));
      }
      rule.push(attr("source_addresses", strings(&texts(&r.source_addresses))));
      rule.push(attr("destination_fqdns", strings(&r.target_fqdns)));
      body.push(Item::Block(Block::new("rule".to_string(), rule)));
    }
    group.push(Item::Block(Block::new(
      "application_rule_collection".to_string(),
      body,
    )));
  }
  blocks.push(Block::new(
    format!(
      "resource \"azurerm_firewall_policy_rule_collection_group\" \"{}\"",
      labels.unique("amlnet")
    ),
    group,
  ));

  // Zone, VNet link, then the zone's records: the order of private-dns/private-dns.json.
  for zone in &ir.dns_zones {
    let zone_label = labels.unique(&zone.name);
    blocks.push(Block::new(
      format!("resource \"azurerm_private_dns_zone\" \"{zone_label}\""),
      vec![
        attr("name", s(&zone.name)),
        attr("resource_group_name", raw("var.resource_group_name")),
      ],
    ));
    blocks.push(Block::new(
      format!(
        "resource \"azurerm_private_dns_zone_virtual_network_link\" \"{}\"",
        labels.unique(&format!("{}_link", zone.name))
      ),
      vec![
        attr("name", raw("var.vnet_link_name")),
        attr("resource_group_name", raw("var.resource_group_name")),
        attr(
          "private_dns_zone_name",
          raw(&format!("azurerm_private_dns_zone.{zone_label}.name")),
        ),
        attr("virtual_network_id", raw("var.virtual_network_id")),
        attr("registration_enabled", V::Bool(false)),
      ],
    ));
    for (name, values) in a_records(ir, &zone.name) {
      let rel = relative(&name, &zone.name);
      blocks.push(Block::new(
        format!(
          "resource \"azurerm_private_dns_a_record\" \"{}\"",
          labels.unique(&format!("{}_{rel}", zone.name))
        ),
        vec![
          attr("name", s(&rel)),
          attr(
            "zone_name",
            raw(&format!("azurerm_private_dns_zone.{zone_label}.name")),
          ),
          attr("resource_group_name", raw("var.resource_group_name")),
          attr("ttl", V::Int(i64::from(ir.settings.dns.ttl))),
          attr("records", strings(&values)),
        ],
      ));
    }
  }

  let mut main = header(ir);
  main.push_str(
    "#\n# NSG, Azure Firewall policy rule collection group and private DNS zones of this profile; the\n\
     # same names, priorities and rules as nsg/nsg.json, firewall/rule-collection-group.json and\n\
     # private-dns/private-dns.json. NSG rules are standalone resources: do not add inline\n\
     # security_rule blocks to the NSG, or Terraform and the rule resources overwrite each other.\n\n",
  );
  main.push_str(
    "terraform {\n  required_providers {\n    azurerm = {\n      source  = \"hashicorp/azurerm\"\n      version = \">= 3.0\"\n    }\n  }\n}\n",
  );
  for b in &blocks {
    main.push('\n');
    b.write(&mut main, 0);
  }
  out.add("terraform/main.tf", main);
  out.add("terraform/variables.tf", variables(ir));
}

/// The zone's A records grouped by name (one record set per name, as Azure stores them), in
/// IR order.
pub(super) fn a_records(ir: &Ir, zone: &str) -> Vec<(String, Vec<String>)> {
  let mut sets: Vec<(String, Vec<String>)> = Vec::new();
  for r in ir.dns_records.iter().filter(|r| r.zone == zone) {
    let value = r.value.to_string();
    match sets.iter_mut().find(|(n, _)| *n == r.name) {
      Some((_, values)) => values.push(value),
      None => sets.push((r.name.clone(), vec![value])),
    }
  }
  sets
}

fn header(ir: &Ir) -> String {
  format!("# {}\n", stamp(ir))
}

fn variables(ir: &Ir) -> String {
  let st = &ir.settings;
  let mut vars: Vec<(&str, String, Option<String>)> = vec![
    (
      "resource_group_name",
      "Resource group that holds the NSG and the private DNS zones".to_string(),
      None,
    ),
    (
      "location",
      "Azure region of the NSG (the profile's region)".to_string(),
      Some(ir.region.clone()),
    ),
    (
      "nsg_name",
      "Name of the network security group".to_string(),
      Some(st.nsg.name.clone()),
    ),
    (
      "firewall_policy_id",
      format!(
        "Resource ID of the existing Azure Firewall policy (the profile names it {})",
        st.firewall.policy_name
      ),
      None,
    ),
    (
      "rule_collection_group_name",
      "Name of the rule collection group created in that policy".to_string(),
      Some(st.firewall.rule_collection_group.clone()),
    ),
  ];
  // Without zones nothing links to the VNet: asking for its ID would be a question without a use.
  if !ir.dns_zones.is_empty() {
    vars.push((
      "virtual_network_id",
      format!(
        "Resource ID of {}, linked to every private DNS zone",
        st.vnet_name
      ),
      None,
    ));
    vars.push((
      "vnet_link_name",
      "Name of each zone's virtual network link".to_string(),
      Some(format!("link-{}", st.vnet_name)),
    ));
  }
  let mut text = header(ir);
  text.push_str("#\n# What the user supplies; defaults come from the profile.\n");
  for (name, description, default) in vars {
    let mut body = vec![attr("type", raw("string")), attr("description", s(&description))];
    if let Some(d) = default {
      body.push(attr("default", s(&d)));
    }
    text.push('\n');
    Block::new(format!("variable \"{name}\""), body).write(&mut text, 0);
  }
  text
}

/// An HCL value: a literal or an expression written as is.
enum V {
  Str(String),
  Int(i64),
  Bool(bool),
  Raw(String),
  List(Vec<V>),
}

enum Item {
  Attr(String, V),
  Block(Block),
}

struct Block {
  header: String,
  body: Vec<Item>,
}

fn attr(key: &str, value: V) -> Item {
  Item::Attr(key.to_string(), value)
}

fn s(text: &str) -> V {
  V::Str(text.to_string())
}

fn raw(expr: &str) -> V {
  V::Raw(expr.to_string())
}

fn texts<T: ToString>(items: &[T]) -> Vec<String> {
  items.iter().map(ToString::to_string).collect()
}

fn strings<T: AsRef<str>>(items: &[T]) -> V {
  V::List(items.iter().map(|i| s(i.as_ref())).collect())
}

impl Block {
  fn new(header: String, body: Vec<Item>) -> Block {
    Block { header, body }
  }

  /// `terraform fmt` layout: two-space indent, `=` aligned within each run of attributes,
  /// a blank line before a nested block that follows attributes.
  fn write(&self, out: &mut String, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(out, "{pad}{} {{", self.header);
    let mut i = 0;
    while i < self.body.len() {
      match &self.body[i] {
        Item::Attr(..) => {
          let run: Vec<(&String, &V)> = self.body[i..]
            .iter()
            .map_while(|it| match it {
              Item::Attr(k, v) => Some((k, v)),
              Item::Block(_) => None,
            })
            .collect();
          let width = run.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
          for (k, v) in &run {
            let _ = writeln!(out, "{pad}  {k:width$} = {}", value(v));
          }
          i += run.len();
        }
        Item::Block(b) => {
          if i > 0 {
            out.push('\n');
          }
          b.write(out, depth + 1);
          i += 1;
        }
      }
    }
    let _ = writeln!(out, "{pad}}}");
  }
}

fn value(v: &V) -> String {
  match v {
    V::Str(text) => quote(text),
    V::Int(n) => n.to_string(),
    V::Bool(b) => b.to_string(),
    V::Raw(expr) => expr.clone(),
    V::List(items) => format!("[{}]", items.iter().map(value).collect::<Vec<_>>().join(", ")),
  }
}

/// An HCL string literal. `${` and `%{` would start a template: they are doubled to stay text.
fn quote(text: &str) -> String {
  let mut q = String::from("\"");
  let mut chars = text.chars().peekable();
  while let Some(c) = chars.next() {
    match c {
      '"' => q.push_str("\\\""),
      '\\' => q.push_str("\\\\"),
      '\n' => q.push_str("\\n"),
      '\r' => q.push_str("\\r"),
      '\t' => q.push_str("\\t"),
      '$' | '%' if chars.peek() == Some(&'{') => {
        q.push(c);
        q.push(c);
      }
      c if c.is_control() => {
        let _ = write!(q, "\\u{:04x}", u32::from(c));
      }
      c => q.push(c),
    }
  }
  q.push('"');
  q
}

#[cfg(test)]
mod tests {
  use super::quote;

  #[test]
  fn quotes_escape_templates_and_quotes() {
    assert_eq!(quote("a \"b\" ${c} %{d} $e \\"), r#""a \"b\" $${c} %%{d} $e \\""#);
  }
}
