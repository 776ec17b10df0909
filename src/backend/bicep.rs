//! Bicep backend: the NSG, firewall policy rule collection group and private DNS of the ARM
//! outputs as one `bicep/main.bicep`, deployed to the resource group that holds them.
//!
//! Takes the IR, returns the file and repeats the NSG and firewall notes. Names, priorities,
//! descriptions and the network/application split come from `plan`, so they equal the ARM
//! ones. Security rules are inline in the NSG (`properties.securityRules`), as in
//! nsg/nsg.json: one PUT then sets the NSG's whole rule list, so a rule removed from the
//! profile disappears on the next deployment; child `securityRules` resources would leave it
//! behind, and the two forms must never be mixed. The rule collection group is a child of an
//! `existing` firewall policy found by name. It never hard-codes an ID: the VNet is a param.

use std::fmt::Write as _;

use super::private_dns::relative;
use super::terraform::a_records;
use super::{stamp, Output};
use crate::ir::{Direction, Ir};
use crate::plan::{Labels, Plan};
use crate::target::firewall::Destination;
use crate::target::texts;

const NETWORK_API: &str = "2024-05-01";
const DNS_API: &str = "2024-06-01";

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let st = &ir.settings;
  let (nsg_rules, fw) = (&plan.nsg, &plan.firewall);
  let mut text = format!("// {}\n", stamp(ir));
  text.push_str(
    "//\n// NSG, Azure Firewall policy rule collection group and private DNS zones of this profile; the\n\
     // same names, priorities and rules as nsg/nsg.json, firewall/rule-collection-group.json and\n\
     // private-dns/private-dns.json. Deploy to the resource group that holds the NSG, the zones\n\
     // and the firewall policy (az deployment group create --template-file main.bicep).\n\
     // Security rules are inline, so each deployment sets the NSG's complete rule list.\n\n",
  );
  let mut params = vec![
    (
      "nsgName",
      "Name of the network security group",
      Some(st.nsg.name.clone()),
    ),
    ("location", "Azure region of the NSG", None),
    (
      "firewallPolicyName",
      "Name of the existing Azure Firewall policy, in this resource group",
      Some(st.firewall.policy_name.clone()),
    ),
    (
      "ruleCollectionGroupName",
      "Name of the rule collection group created in that policy",
      Some(st.firewall.rule_collection_group.clone()),
    ),
  ];
  let vnet_description = format!(
    "Resource ID of {}, linked to every private DNS zone",
    st.vnet_name
  );
  if !ir.dns_zones.is_empty() {
    params.push(("vnetId", vnet_description.as_str(), None));
    params.push((
      "vnetLinkName",
      "Name of each zone's virtual network link",
      Some(format!("link-{}", st.vnet_name)),
    ));
  }
  for (name, description, default) in params {
    let _ = writeln!(text, "@description({})", quote(description));
    match (name, default) {
      ("location", _) => {
        let _ = writeln!(text, "param location string = resourceGroup().location");
      }
      (_, Some(d)) => {
        let _ = writeln!(text, "param {name} string = {}", quote(&d));
      }
      (_, None) => {
        let _ = writeln!(text, "param {name} string");
      }
    }
    text.push('\n');
  }

  let mut labels = Labels::default();
  let rules: Vec<B> = nsg_rules
    .iter()
    .map(|r| {
      let mut p = vec![
        ("description", B::str(&r.description)),
        ("priority", B::Int(i64::from(r.priority))),
        (
          "direction",
          B::str(if r.direction == Direction::Inbound {
            "Inbound"
          } else {
            "Outbound"
          }),
        ),
        ("access", B::str(r.access.as_str())),
        ("protocol", B::str(r.protocol.as_str())),
        ("sourceAddressPrefix", B::str(&r.source.to_string())),
        ("sourcePortRange", B::str("*")),
        ("destinationAddressPrefix", B::str(&r.destination.to_string())),
      ];
      let ports = r.ports.strings();
      if ports.len() == 1 {
        p.push(("destinationPortRange", B::str(&ports[0])));
      } else {
        p.push(("destinationPortRanges", B::strs(&ports)));
      }
      B::obj(vec![("name", B::str(&r.name)), ("properties", B::obj(p))])
    })
    .collect();
  resource(
    &mut text,
    &labels.unique("nsg"),
    &format!("Microsoft.Network/networkSecurityGroups@{NETWORK_API}"),
    false,
    vec![
      ("name", B::Raw("nsgName".into())),
      ("location", B::Raw("location".into())),
      ("properties", B::obj(vec![("securityRules", B::Arr(rules))])),
    ],
  );

  let policy = labels.unique("firewallPolicy");
  resource(
    &mut text,
    &policy,
    &format!("Microsoft.Network/firewallPolicies@{NETWORK_API}"),
    true,
    vec![("name", B::Raw("firewallPolicyName".into()))],
  );
  let mut collections = Vec::new();
  if !fw.network.rules.is_empty() {
    let rules = fw
      .network
      .rules
      .iter()
      .map(|r| {
        let mut p = vec![
          ("ruleType", B::str("NetworkRule")),
          ("name", B::str(&r.name)),
          ("description", B::str(&r.description)),
          (
            "ipProtocols",
            B::strs(&r.protocols.iter().map(|p| p.as_str()).collect::<Vec<_>>()),
          ),
          ("sourceAddresses", B::strs(&texts(&r.source_addresses))),
          ("destinationPorts", B::strs(&r.ports.strings())),
        ];
        match &r.destination {
          Destination::Addresses(a) => p.push(("destinationAddresses", B::strs(&texts(a)))),
          Destination::Fqdns(f) => p.push(("destinationFqdns", B::strs(f))),
        }
        B::obj(p)
      })
      .collect();
    collections.push(collection((&fw.network.name, fw.network.priority), rules));
  }
  if !fw.application.rules.is_empty() {
    let rules = fw
      .application
      .rules
      .iter()
      .map(|r| {
        let protocols = r
          .protocols
          .iter()
          .map(|&(t, p)| {
            B::obj(vec![
              ("protocolType", B::str(t.as_str())),
              ("port", B::Int(i64::from(p))),
            ])
          })
          .collect();
        B::obj(vec![
          ("ruleType", B::str("ApplicationRule")),
          ("name", B::str(&r.name)),
          ("description", B::str(&r.description)),
          ("protocols", B::Arr(protocols)),
          ("sourceAddresses", B::strs(&texts(&r.source_addresses))),
          ("targetFqdns", B::strs(&r.target_fqdns)),
        ])
      })
      .collect();
    collections.push(collection((&fw.application.name, fw.application.priority), rules));
  }
  resource(
    &mut text,
    &labels.unique("ruleCollectionGroup"),
    &format!("Microsoft.Network/firewallPolicies/ruleCollectionGroups@{NETWORK_API}"),
    false,
    vec![
      ("parent", B::Raw(policy)),
      ("name", B::Raw("ruleCollectionGroupName".into())),
      (
        "properties",
        B::obj(vec![
          ("priority", B::Int(i64::from(st.firewall.priority))),
          ("ruleCollections", B::Arr(collections)),
        ]),
      ),
    ],
  );

  for zone in &ir.dns_zones {
    let zone_label = labels.unique(&format!("zone_{}", zone.name));
    resource(
      &mut text,
      &zone_label,
      &format!("Microsoft.Network/privateDnsZones@{DNS_API}"),
      false,
      vec![("name", B::str(&zone.name)), ("location", B::str("global"))],
    );
    resource(
      &mut text,
      &labels.unique(&format!("link_{}", zone.name)),
      &format!("Microsoft.Network/privateDnsZones/virtualNetworkLinks@{DNS_API}"),
      false,
      vec![
        ("parent", B::Raw(zone_label.clone())),
        ("name", B::Raw("vnetLinkName".into())),
        ("location", B::str("global")),
        (
          "properties",
          B::obj(vec![
            ("registrationEnabled", B::Bool(false)),
            ("virtualNetwork", B::obj(vec![("id", B::Raw("vnetId".into()))])),
          ]),
        ),
      ],
    );
    for (name, values) in a_records(ir, &zone.name) {
      let rel = relative(&name, &zone.name);
      let records = values
        .iter()
        .map(|v| B::obj(vec![("ipv4Address", B::str(v))]))
        .collect();
      resource(
        &mut text,
        &labels.unique(&format!("a_{}_{rel}", zone.name)),
        &format!("Microsoft.Network/privateDnsZones/A@{DNS_API}"),
        false,
        vec![
          ("parent", B::Raw(zone_label.clone())),
          ("name", B::str(&rel)),
          (
            "properties",
            B::obj(vec![
              ("ttl", B::Int(i64::from(st.dns.ttl))),
              ("aRecords", B::Arr(records)),
            ]),
          ),
        ],
      );
    }
  }
  // One blank line between declarations, none at the end.
  while text.ends_with("\n\n") {
    text.pop();
  }
  out.add("bicep/main.bicep", text);
}

fn collection((name, priority): (&str, u32), rules: Vec<B>) -> B {
  B::obj(vec![
    ("ruleCollectionType", B::str("FirewallPolicyFilterRuleCollection")),
    ("name", B::str(name)),
    ("priority", B::Int(i64::from(priority))),
    ("action", B::obj(vec![("type", B::str("Allow"))])),
    ("rules", B::Arr(rules)),
  ])
}

fn resource(text: &mut String, symbol: &str, type_api: &str, existing: bool, body: Vec<(&str, B)>) {
  let existing = if existing { " existing" } else { "" };
  let _ = write!(text, "resource {symbol} {}{existing} = ", quote(type_api));
  B::obj(body).write(text, 0);
  text.push_str("\n\n");
}

/// A Bicep value: literals, an expression written as is, arrays and objects (one item per
/// line, no commas, as `bicep format` writes them).
enum B {
  Str(String),
  Int(i64),
  Bool(bool),
  Raw(String),
  Arr(Vec<B>),
  Obj(Vec<(String, B)>),
}

impl B {
  fn str(s: &str) -> B {
    B::Str(s.to_string())
  }

  fn strs<T: AsRef<str>>(items: &[T]) -> B {
    B::Arr(items.iter().map(|i| B::str(i.as_ref())).collect())
  }

  fn obj(fields: Vec<(&str, B)>) -> B {
    B::Obj(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
  }

  fn write(&self, out: &mut String, depth: usize) {
    let pad = "  ".repeat(depth + 1);
    let end = "  ".repeat(depth);
    match self {
      B::Str(s) => out.push_str(&quote(s)),
      B::Int(n) => out.push_str(&n.to_string()),
      B::Bool(b) => out.push_str(&b.to_string()),
      B::Raw(e) => out.push_str(e),
      B::Arr(items) if items.is_empty() => out.push_str("[]"),
      B::Arr(items) => {
        out.push_str("[\n");
        for item in items {
          out.push_str(&pad);
          item.write(out, depth + 1);
          out.push('\n');
        }
        out.push_str(&end);
        out.push(']');
      }
      B::Obj(fields) if fields.is_empty() => out.push_str("{}"),
      B::Obj(fields) => {
        out.push_str("{\n");
        for (k, v) in fields {
          let _ = write!(out, "{pad}{}: ", key(k));
          v.write(out, depth + 1);
          out.push('\n');
        }
        out.push_str(&end);
        out.push('}');
      }
    }
  }
}

/// Object keys that are identifiers go bare; others are quoted.
fn key(k: &str) -> String {
  let ident = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
  if ident {
    k.to_string()
  } else {
    quote(k)
  }
}

/// A Bicep string literal: single quotes; `\`, `'` and the `${` of interpolation escaped.
fn quote(s: &str) -> String {
  let mut q = String::from("'");
  let mut chars = s.chars().peekable();
  while let Some(c) = chars.next() {
    match c {
      '\\' => q.push_str("\\\\"),
      '\'' => q.push_str("\\'"),
      '\n' => q.push_str("\\n"),
      '\r' => q.push_str("\\r"),
      '\t' => q.push_str("\\t"),
      '$' if chars.peek() == Some(&'{') => q.push_str("\\$"),
      c if c.is_control() => {
        let _ = write!(q, "\\u{{{:X}}}", u32::from(c));
      }
      c => q.push(c),
    }
  }
  q.push('\'');
  q
}

#[cfg(test)]
mod tests {
  use super::quote;

  #[test]
  fn quotes_escape_interpolation_and_quotes() {
    assert_eq!(quote("it's ${x} \\ $y"), r"'it\'s \${x} \\ $y'");
  }
}
