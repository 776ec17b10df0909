//! Bicep backend: the NSG, route tables and subnets (`bicep_network`), firewall policy rule
//! collection group and private DNS of the ARM outputs as one `bicep/main.bicep`, deployed to
//! the resource group that holds them.
//!
//! Takes the IR and its plan, returns the file (the plan says the notes). Names, priorities,
//! descriptions and the network/application split come from `plan`, so they equal the ARM
//! ones. Security rules are inline in the NSG (`properties.securityRules`), as in
//! nsg/nsg.json: one PUT then sets the NSG's whole rule list, so a rule removed from the
//! profile disappears on the next deployment; child `securityRules` resources would leave it
//! behind, and the two forms must never be mixed. The rule collection group is a child of an
//! `existing` firewall policy found by name. It never hard-codes an ID: the VNet is a param.
//!
//! Written straight into one string as `bicep format` lays it out (one item per line, no
//! commas); every string literal is `syntax::bicep::string`, every comment line
//! `syntax::bicep::comment`; symbols are `plan::Labels` identifiers.

use std::fmt::Write as _;

use super::private_dns::relative;
use super::terraform::a_records;
use super::{Items, Output};
use crate::ir::{Direction, Ir};
use crate::plan::{Labels, Plan};
use crate::syntax::{self, bicep, Syntax};
use crate::target::firewall::{ApplicationRule, Destination, NetworkRule};
use crate::target::nsg::SecurityRule;
use crate::target::Endpoint;

pub(super) const NETWORK_API: &str = "2024-05-01";
const DNS_API: &str = "2024-06-01";

const HEADER: &[&str] = &[
  "",
  "NSG, route tables, subnets, Azure Firewall policy rule collection group and private DNS",
  "zones of this profile; the same names, priorities and rules as nsg/nsg.json,",
  "nsg/subnets.json, firewall/rule-collection-group.json and private-dns/private-dns.json.",
  "Deploy to the resource group that holds the VNet, the NSG, the zones and the firewall",
  "policy (az deployment group create --template-file main.bicep). Security rules and routes",
  "are inline, so each deployment sets the NSG's and route tables' complete lists. Each",
  "subnet is a PUT that replaces the whole subnet (see nsg/subnets.json and docs/deploy.md).",
];

/// The file being written, and the depth of the object or array being filled.
pub(super) struct W {
  s: String,
  depth: usize,
}

impl W {
  pub(super) fn pad(&mut self) {
    for _ in 0..self.depth {
      self.s.push_str("  ");
    }
  }

  /// `key: ` on a new line of the current object; a value call follows.
  pub(super) fn key(&mut self, k: &str) -> &mut Self {
    self.pad();
    self.s.push_str(k);
    self.s.push_str(": ");
    self
  }

  /// The start of an array item; a value call follows.
  pub(super) fn item(&mut self) -> &mut Self {
    self.pad();
    self
  }

  pub(super) fn str(&mut self, v: &str) {
    bicep::push_string(&mut self.s, v);
    self.s.push('\n');
  }

  pub(super) fn raw(&mut self, v: &str) {
    self.s.push_str(v);
    self.s.push('\n');
  }

  pub(super) fn int(&mut self, n: u32) {
    let _ = writeln!(self.s, "{n}");
  }

  pub(super) fn endpoint(&mut self, e: &Endpoint) {
    match e {
      Endpoint::Tag(tag) => self.str(tag),
      other => self.str(&other.to_string()),
    }
  }

  pub(super) fn obj(&mut self) -> &mut Self {
    self.s.push_str("{\n");
    self.depth += 1;
    self
  }

  pub(super) fn end_obj(&mut self) {
    self.depth -= 1;
    self.pad();
    self.s.push_str("}\n");
  }

  /// `[` and a new line, or `[]` (and `false`) when `empty`.
  pub(super) fn arr(&mut self, empty: bool) -> bool {
    if empty {
      self.s.push_str("[]\n");
      return false;
    }
    self.s.push_str("[\n");
    self.depth += 1;
    true
  }

  pub(super) fn end_arr(&mut self) {
    self.depth -= 1;
    self.pad();
    self.s.push_str("]\n");
  }

  /// An array of string literals.
  pub(super) fn strs(&mut self, items: &dyn Items) {
    if self.arr(items.is_empty()) {
      items.each(&mut |item| {
        self.pad();
        self.str(item);
      });
      self.end_arr();
    }
  }

  /// `resource symbol 'type@api' [existing] = {`; the body follows, then `end_resource`.
  pub(super) fn resource(&mut self, symbol: &str, type_api: &str, existing: bool) -> &mut Self {
    let _ = write!(self.s, "resource {symbol} ");
    bicep::push_string(&mut self.s, type_api);
    if existing {
      self.s.push_str(" existing");
    }
    self.s.push_str(" = ");
    self.obj()
  }

  pub(super) fn end_resource(&mut self) {
    self.end_obj();
    self.s.push('\n');
  }
}

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let st = &ir.settings;
  let (nsg_rules, fw) = (&plan.nsg, &plan.firewall);
  let mut w = W {
    s: String::with_capacity(
      4096
        + 900 * nsg_rules.len()
        + 500 * (fw.network.rules.len() + fw.application.rules.len())
        + 500 * ir.dns_records.len(),
    ),
    depth: 0,
  };
  syntax::push_stamp(&mut w.s, ir, Syntax::Bicep);
  for line in HEADER {
    if line.is_empty() {
      w.s.push_str("//\n");
    } else {
      bicep::push_comment(&mut w.s, line);
    }
  }
  w.s.push('\n');
  let link = format!("link-{}", st.vnet_name);
  let vnet_description = format!(
    "Resource ID of {}, linked to every private DNS zone",
    st.vnet_name
  );
  let mut params: Vec<(&str, &str, Option<&str>)> = vec![
    (
      "nsgName",
      "Name of the network security group",
      Some(&st.nsg.name),
    ),
    ("location", "Azure region of the NSG and the route tables", None),
  ];
  // Without firewall rules there is no rule collection group (AFW009), and nothing to ask.
  if !fw.is_empty() {
    params.push((
      "firewallPolicyName",
      "Name of the existing Azure Firewall policy, in this resource group",
      Some(&st.firewall.policy_name),
    ));
    params.push((
      "ruleCollectionGroupName",
      "Name of the rule collection group created in that policy",
      Some(&st.firewall.rule_collection_group),
    ));
  }
  if plan.network.subnets.iter().any(|s| s.nat_gateway) {
    params.push(("natGatewayId", super::network::NAT_GATEWAY, None));
  }
  if !plan.network.subnets.is_empty() {
    params.push((
      "vnetName",
      "Name of the VNet, in this resource group, whose subnets are associated with the NSG and route tables",
      Some(&st.vnet_name),
    ));
  }
  if !ir.dns_zones.is_empty() {
    params.push(("vnetId", &vnet_description, None));
    params.push((
      "vnetLinkName",
      "Name of each zone's virtual network link",
      Some(&link),
    ));
  }
  for (name, description, default) in params {
    w.s.push_str("@description(");
    bicep::push_string(&mut w.s, description);
    w.s.push_str(")\n");
    match (name, default) {
      ("location", _) => w.s.push_str("param location string = resourceGroup().location\n"),
      (_, Some(d)) => {
        let _ = write!(w.s, "param {name} string = ");
        bicep::push_string(&mut w.s, d);
        w.s.push('\n');
      }
      (_, None) => {
        let _ = writeln!(w.s, "param {name} string");
      }
    }
    w.s.push('\n');
  }

  let mut labels = Labels::default();
  let nsg = labels.unique("nsg");
  w.resource(
    &nsg,
    &format!("Microsoft.Network/networkSecurityGroups@{NETWORK_API}"),
    false,
  );
  w.key("name").raw("nsgName");
  w.key("location").raw("location");
  w.key("properties").obj();
  w.key("securityRules");
  if w.arr(nsg_rules.is_empty()) {
    for r in nsg_rules {
      security_rule(&mut w, r);
    }
    w.end_arr();
  }
  w.end_obj();
  w.end_resource();
  super::bicep_network::render(&mut w, &plan.network, &mut labels, &nsg);

  if !fw.is_empty() {
    let policy = labels.unique("firewallPolicy");
    w.resource(
      &policy,
      &format!("Microsoft.Network/firewallPolicies@{NETWORK_API}"),
      true,
    );
    w.key("name").raw("firewallPolicyName");
    w.end_resource();

    w.resource(
      &labels.unique("ruleCollectionGroup"),
      &format!("Microsoft.Network/firewallPolicies/ruleCollectionGroups@{NETWORK_API}"),
      false,
    );
    w.key("parent").raw(&policy);
    w.key("name").raw("ruleCollectionGroupName");
    w.key("properties").obj();
    w.key("priority").int(st.firewall.priority);
    w.key("ruleCollections");
    if w.arr(false) {
      if !fw.network.rules.is_empty() {
        collection(&mut w, (&fw.network.name, fw.network.priority));
        for r in &fw.network.rules {
          network_rule(&mut w, r);
        }
        end_collection(&mut w);
      }
      if !fw.application.rules.is_empty() {
        collection(&mut w, (&fw.application.name, fw.application.priority));
        for r in &fw.application.rules {
          application_rule(&mut w, r);
        }
        end_collection(&mut w);
      }
      w.end_arr();
    }
    w.end_obj();
    w.end_resource();
  }

  let zone_type = format!("Microsoft.Network/privateDnsZones@{DNS_API}");
  let link_type = format!("Microsoft.Network/privateDnsZones/virtualNetworkLinks@{DNS_API}");
  let a_type = format!("Microsoft.Network/privateDnsZones/A@{DNS_API}");
  for zone in &ir.dns_zones {
    let zone_label = labels.unique(&format!("zone_{}", zone.name));
    w.resource(&zone_label, &zone_type, false);
    w.key("name").str(&zone.name);
    w.key("location").str("global");
    w.end_resource();

    w.resource(&labels.unique(&format!("link_{}", zone.name)), &link_type, false);
    w.key("parent").raw(&zone_label);
    w.key("name").raw("vnetLinkName");
    w.key("location").str("global");
    w.key("properties").obj();
    w.key("registrationEnabled").raw("false");
    w.key("virtualNetwork").obj();
    w.key("id").raw("vnetId");
    w.end_obj();
    w.end_obj();
    w.end_resource();

    for (name, values) in a_records(ir, &zone.name) {
      let rel = relative(name, &zone.name);
      w.resource(&labels.unique(&format!("a_{}_{rel}", zone.name)), &a_type, false);
      w.key("parent").raw(&zone_label);
      w.key("name").str(&rel);
      w.key("properties").obj();
      w.key("ttl").int(st.dns.ttl);
      w.key("aRecords");
      if w.arr(values.is_empty()) {
        for v in &values {
          w.item().obj();
          w.key("ipv4Address").str(&v.to_string());
          w.end_obj();
        }
        w.end_arr();
      }
      w.end_obj();
      w.end_resource();
    }
  }
  // One blank line between declarations, none at the end.
  let mut text = w.s;
  while text.ends_with("\n\n") {
    text.pop();
  }
  out.add("bicep/main.bicep", text);
}

fn security_rule(w: &mut W, r: &SecurityRule) {
  w.item().obj();
  w.key("name").str(&r.name);
  w.key("properties").obj();
  w.key("description").str(&r.description);
  w.key("priority").int(r.priority);
  w.key("direction").str(if r.direction == Direction::Inbound {
    "Inbound"
  } else {
    "Outbound"
  });
  w.key("access").str(r.access.as_str());
  w.key("protocol").str(r.protocol.as_str());
  w.key("sourceAddressPrefix").endpoint(&r.source);
  w.key("sourcePortRange").str("*");
  w.key("destinationAddressPrefix").endpoint(&r.destination);
  let mut ranges = r.ports.ranges();
  match (ranges.next(), ranges.next()) {
    (Some(one), None) => w.key("destinationPortRange").str(&one.to_string()),
    _ => w.key("destinationPortRanges").strs(&r.ports),
  }
  w.end_obj();
  w.end_obj();
}

/// A filter collection's opening, up to its `rules: [`.
fn collection(w: &mut W, (name, priority): (&str, u32)) {
  w.item().obj();
  w.key("ruleCollectionType")
    .str("FirewallPolicyFilterRuleCollection");
  w.key("name").str(name);
  w.key("priority").int(priority);
  w.key("action").obj();
  w.key("type").str("Allow");
  w.end_obj();
  w.key("rules");
  w.arr(false);
}

fn end_collection(w: &mut W) {
  w.end_arr();
  w.end_obj();
}

fn network_rule(w: &mut W, r: &NetworkRule) {
  w.item().obj();
  w.key("ruleType").str("NetworkRule");
  w.key("name").str(&r.name);
  w.key("description").str(&r.description);
  w.key("ipProtocols").strs(&r.protocols);
  w.key("sourceAddresses").strs(&r.source_addresses);
  w.key("destinationPorts").strs(&r.ports);
  match &r.destination {
    Destination::Addresses(a) => w.key("destinationAddresses").strs(a),
    Destination::Fqdns(f) => w.key("destinationFqdns").strs(f),
  }
  w.end_obj();
}

fn application_rule(w: &mut W, r: &ApplicationRule) {
  w.item().obj();
  w.key("ruleType").str("ApplicationRule");
  w.key("name").str(&r.name);
  w.key("description").str(&r.description);
  w.key("protocols");
  if w.arr(r.protocols.is_empty()) {
    for &(t, p) in &r.protocols {
      w.item().obj();
      w.key("protocolType").str(t.as_str());
      w.key("port").int(u32::from(p));
      w.end_obj();
    }
    w.end_arr();
  }
  w.key("sourceAddresses").strs(&r.source_addresses);
  w.key("targetFqdns").strs(&r.target_fqdns);
  w.end_obj();
}
