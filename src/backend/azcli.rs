//! az CLI backend: `azcli/deploy.sh`, a bash script that creates the NSG and its rules, the
//! route tables and their routes, sets each associated subnet's NSG and route table with
//! `az network vnet subnet update` (which keeps the subnet's other properties), the
//! firewall policy rule collection group and the private DNS zones, records and VNet links.
//!
//! Takes the IR and its plan, returns the script (the plan says the notes). Names,
//! priorities, descriptions and the network/application split come from `plan`, so they equal
//! the ARM ones. Every rule passes `--destination-port-ranges` and `--source-port-ranges '*'`
//! explicitly (the CLI's default destination port is 80), and every value from the IR is
//! one single-quoted word (`syntax::shell::quote`), so nothing in it is expanded and `*` in
//! an FQDN or a port never meets the shell's globbing; every comment line goes through
//! `syntax::shell::comment`. It never embeds IDs: they are variables at the top, overridable
//! from the environment. Written straight into one string.

use std::fmt::Write as _;

use super::private_dns::relative;
use super::terraform::a_records;
use super::Output;
use crate::ir::{Direction, Ir};
use crate::plan::Plan;
use crate::syntax::{self, shell, Syntax};
use crate::target::firewall::{ApplicationRule, Destination, NetworkRule};
use crate::target::network::Network;

const HEADER: &[&str] = &[
  "",
  "Creates the NSG, the route tables, the subnets' NSG and route table associations, the Azure",
  "Firewall policy rule collection group and the private DNS zones of this profile with the",
  "Azure CLI: the same names, priorities and rules as nsg/nsg.json, nsg/subnets.json,",
  "firewall/rule-collection-group.json and private-dns/private-dns.json. Meant for a first",
  "deployment (a re-run recreates the rule collection group empty, then adds the rules);",
  "for updates prefer Terraform or Bicep. Needs the CLI's azure-firewall extension.",
];

/// One command being written: ` \` + newline + indent before each flag.
struct Cmd<'a> {
  s: &'a mut String,
  indent: &'static str,
}

impl Cmd<'_> {
  fn flag(&mut self, flag: &str) -> &mut Self {
    self.s.push_str(" \\\n");
    self.s.push_str(self.indent);
    self.s.push_str(flag);
    self
  }

  /// One single-quoted word.
  fn word(&mut self, value: &str) -> &mut Self {
    self.s.push(' ');
    shell::push_quote(self.s, value);
    self
  }

  /// Every item in its target spelling, each one word.
  fn words<T: std::fmt::Display>(&mut self, items: impl IntoIterator<Item = T>) -> &mut Self {
    let mut tmp = String::new();
    for item in items {
      tmp.clear();
      let _ = write!(tmp, "{item}");
      self.word(&tmp);
    }
    self
  }

  /// `"$NAME"`: a variable set at the top of the script.
  fn var(&mut self, name: &str) -> &mut Self {
    self.s.push_str(" \"$");
    self.s.push_str(name);
    self.s.push('"');
    self
  }

  fn end(&mut self) {
    self.s.push('\n');
  }
}

/// Starts `command` on a new line; flags follow at `indent`.
fn cmd<'a>(s: &'a mut String, command: &str, indent: &'static str) -> Cmd<'a> {
  s.push_str(command);
  Cmd { s, indent }
}

fn comment(s: &mut String, text: &str) {
  if text.is_empty() {
    s.push_str("#\n");
  } else {
    shell::push_comment(s, text);
  }
}

/// `NAME=${NAME:-'default'}` (or `:?` with the message): outside double quotes the default is
/// single-quoted text, so nothing from the profile is ever expanded by the shell.
fn assign(s: &mut String, name: &str, op: &str, value: &str) {
  let _ = write!(s, "{name}=${{{name}{op}");
  shell::push_quote(s, value);
  s.push_str("}\n");
}

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let st = &ir.settings;
  let (nsg_rules, fw) = (&plan.nsg, &plan.firewall);
  let mut s = String::with_capacity(8192 + 700 * (nsg_rules.len() + ir.dns_records.len()));
  s.push_str("#!/usr/bin/env bash\n");
  syntax::push_stamp(&mut s, ir, Syntax::Shell);
  for line in HEADER {
    comment(&mut s, line);
  }
  s.push_str("set -euo pipefail\n\n");
  comment(
    &mut s,
    "What you supply; each can also be set in the environment before running.",
  );
  assign(
    &mut s,
    "RESOURCE_GROUP",
    ":?",
    "set RESOURCE_GROUP to the resource group of the NSG and the private DNS zones",
  );
  assign(&mut s, "LOCATION", ":-", &ir.region);
  assign(&mut s, "NSG_NAME", ":-", &st.nsg.name);
  // Without firewall rules there is no rule collection group (AFW009), and nothing to ask.
  if !fw.is_empty() {
    s.push_str("FIREWALL_POLICY_RESOURCE_GROUP=${FIREWALL_POLICY_RESOURCE_GROUP:-$RESOURCE_GROUP}\n");
    assign(&mut s, "FIREWALL_POLICY_NAME", ":-", &st.firewall.policy_name);
    assign(
      &mut s,
      "RULE_COLLECTION_GROUP_NAME",
      ":-",
      &st.firewall.rule_collection_group,
    );
  }
  if !ir.dns_zones.is_empty() {
    assign(
      &mut s,
      "VNET_ID",
      ":?",
      &format!("set VNET_ID to the resource ID of {}", st.vnet_name),
    );
    assign(&mut s, "VNET_LINK_NAME", ":-", &format!("link-{}", st.vnet_name));
  }
  if !plan.network.subnets.is_empty() {
    s.push_str("VNET_RESOURCE_GROUP=${VNET_RESOURCE_GROUP:-$RESOURCE_GROUP}\n");
    assign(&mut s, "VNET_NAME", ":-", &st.vnet_name);
  }
  cloud_check(&mut s, ir, !fw.is_empty(), !plan.network.subnets.is_empty());

  s.push('\n');
  comment(
    &mut s,
    "Network security group: every rule sets both port ranges; the CLI would default the destination to 80.",
  );
  cmd(&mut s, "az network nsg create", "  ")
    .flag("--resource-group")
    .var("RESOURCE_GROUP")
    .flag("--name")
    .var("NSG_NAME")
    .flag("--location")
    .var("LOCATION")
    .flag("--output")
    .word("none")
    .end();
  for r in nsg_rules {
    cmd(&mut s, "az network nsg rule create", "  ")
      .flag("--resource-group")
      .var("RESOURCE_GROUP")
      .flag("--nsg-name")
      .var("NSG_NAME")
      .flag("--name")
      .word(&r.name)
      .flag("--priority")
      .words([r.priority])
      .flag("--direction")
      .word(if r.direction == Direction::Inbound {
        "Inbound"
      } else {
        "Outbound"
      })
      .flag("--access")
      .word(r.access.as_str())
      .flag("--protocol")
      .word(r.protocol.as_str())
      .flag("--source-address-prefixes")
      .words([&r.source])
      .flag("--source-port-ranges")
      .word("*")
      .flag("--destination-address-prefixes")
      .words([&r.destination])
      .flag("--destination-port-ranges")
      .words(r.ports.ranges())
      .flag("--description")
      .word(&r.description)
      .flag("--output")
      .word("none")
      .end();
  }

  network(&mut s, &plan.network);

  if !fw.is_empty() {
    s.push('\n');
    comment(
      &mut s,
      "Firewall policy rule collection group: created empty, then one filter collection per rule kind.",
    );
    cmd(
      &mut s,
      "az network firewall policy rule-collection-group create",
      "  ",
    )
    .flag("--resource-group")
    .var("FIREWALL_POLICY_RESOURCE_GROUP")
    .flag("--policy-name")
    .var("FIREWALL_POLICY_NAME")
    .flag("--name")
    .var("RULE_COLLECTION_GROUP_NAME")
    .flag("--priority")
    .words([fw.priority])
    .flag("--output")
    .word("none")
    .end();
    for (i, r) in fw.network.rules.iter().enumerate() {
      let mut c = collection_rule(
        &mut s,
        i == 0,
        (&fw.network.name, fw.network.priority),
        "NetworkRule",
        &r.name,
      );
      network_args(&mut c, r);
      c.flag("--output").word("none").end();
    }
    for (i, r) in fw.application.rules.iter().enumerate() {
      let mut c = collection_rule(
        &mut s,
        i == 0,
        (&fw.application.name, fw.application.priority),
        "ApplicationRule",
        &r.name,
      );
      application_args(&mut c, r);
      c.flag("--output").word("none").end();
    }
  }

  if !ir.dns_zones.is_empty() {
    s.push('\n');
    comment(
      &mut s,
      "Private DNS: zone, VNet link and A records, each zone created only when missing.",
    );
  }
  let ttl = format!("ttl={}", st.dns.ttl);
  for zone in &ir.dns_zones {
    cmd(&mut s, "if ! az network private-dns zone show", "  ")
      .flag("--resource-group")
      .var("RESOURCE_GROUP")
      .flag("--name")
      .word(&zone.name);
    s.push_str(" \\\n  --output 'none' 2>/dev/null; then\n  ");
    cmd(&mut s, "az network private-dns zone create", "    ")
      .flag("--resource-group")
      .var("RESOURCE_GROUP")
      .flag("--name")
      .word(&zone.name)
      .flag("--output")
      .word("none")
      .end();
    s.push_str("fi\n");
    cmd(&mut s, "if ! az network private-dns link vnet show", "  ")
      .flag("--resource-group")
      .var("RESOURCE_GROUP")
      .flag("--zone-name")
      .word(&zone.name)
      .flag("--name")
      .var("VNET_LINK_NAME");
    s.push_str(" \\\n  --output 'none' 2>/dev/null; then\n  ");
    cmd(&mut s, "az network private-dns link vnet create", "    ")
      .flag("--resource-group")
      .var("RESOURCE_GROUP")
      .flag("--zone-name")
      .word(&zone.name)
      .flag("--name")
      .var("VNET_LINK_NAME")
      .flag("--virtual-network")
      .var("VNET_ID")
      .flag("--registration-enabled")
      .word("false")
      .flag("--output")
      .word("none")
      .end();
    s.push_str("fi\n");
    for (name, values) in a_records(ir, &zone.name) {
      let rel = relative(name, &zone.name);
      for v in &values {
        cmd(&mut s, "az network private-dns record-set a add-record", "  ")
          .flag("--resource-group")
          .var("RESOURCE_GROUP")
          .flag("--zone-name")
          .word(&zone.name)
          .flag("--record-set-name")
          .word(&rel)
          .flag("--ipv4-address")
          .words([v])
          .flag("--output")
          .word("none")
          .end();
      }
      // add-record creates the set with the CLI's default TTL; set the profile's.
      cmd(&mut s, "az network private-dns record-set a update", "  ")
        .flag("--resource-group")
        .var("RESOURCE_GROUP")
        .flag("--zone-name")
        .word(&zone.name)
        .flag("--name")
        .word(&rel)
        .flag("--set")
        .word(&ttl)
        .flag("--output")
        .word("none")
        .end();
    }
  }
  out.add("azcli/deploy.sh", s);
}

/// Route tables with their routes, then each subnet's NSG and route table. `subnet update`
/// sets only the properties it is given, so the subnet keeps its prefix, delegations and
/// service endpoints; IDs, not names, because the VNet may be in another resource group.
fn network(s: &mut String, net: &Network) {
  if net.subnets.is_empty() {
    return;
  }
  s.push('\n');
  comment(
    s,
    "Route tables (each route created or updated), then the subnets' NSG and route table; other subnet properties are kept.",
  );
  s.push_str("SUBSCRIPTION_ID=${SUBSCRIPTION_ID:-$(az account show --query id --output tsv)}\n");
  s.push_str("NETWORK_IDS=\"/subscriptions/$SUBSCRIPTION_ID/resourceGroups/$RESOURCE_GROUP/providers/Microsoft.Network\"\n");
  for t in &net.route_tables {
    cmd(s, "az network route-table create", "  ")
      .flag("--resource-group")
      .var("RESOURCE_GROUP")
      .flag("--name")
      .word(&t.name)
      .flag("--location")
      .var("LOCATION")
      .flag("--output")
      .word("none")
      .end();
    for r in &t.routes {
      comment(s, &r.why);
      let mut c = cmd(s, "az network route-table route create", "  ");
      c.flag("--resource-group")
        .var("RESOURCE_GROUP")
        .flag("--route-table-name")
        .word(&t.name)
        .flag("--name")
        .word(&r.name)
        .flag("--address-prefix")
        .words([&r.address_prefix])
        .flag("--next-hop-type")
        .word(r.next_hop.kind());
      if let Some(ip) = r.next_hop.address() {
        c.flag("--next-hop-ip-address").words([ip]);
      }
      c.flag("--output").word("none").end();
    }
  }
  for subnet in &net.subnets {
    let mut c = cmd(s, "az network vnet subnet update", "  ");
    c.flag("--resource-group")
      .var("VNET_RESOURCE_GROUP")
      .flag("--vnet-name")
      .var("VNET_NAME")
      .flag("--name")
      .word(&subnet.name)
      .flag("--network-security-group");
    c.s.push_str(" \"$NETWORK_IDS/networkSecurityGroups/$NSG_NAME\"");
    if let Some(t) = &subnet.route_table {
      c.flag("--route-table");
      c.s.push_str(" \"$NETWORK_IDS/routeTables/\"");
      shell::push_quote(c.s, t);
    }
    c.flag("--output").word("none").end();
  }
}

fn network_args(c: &mut Cmd, r: &NetworkRule) {
  c.flag("--description")
    .word(&r.description)
    .flag("--ip-protocols");
  for p in &r.protocols {
    c.word(p.as_str());
  }
  c.flag("--source-addresses").words(&r.source_addresses);
  match &r.destination {
    Destination::Addresses(addresses) => {
      c.flag("--destination-addresses").words(addresses);
    }
    Destination::Fqdns(fqdns) => {
      c.flag("--destination-fqdns");
      for f in fqdns {
        c.word(f);
      }
    }
  }
  c.flag("--destination-ports").words(r.ports.ranges());
}

fn application_args(c: &mut Cmd, r: &ApplicationRule) {
  c.flag("--description").word(&r.description).flag("--protocols");
  c.words(r.protocols.iter().map(|(t, p)| format!("{}={p}", t.as_str())));
  c.flag("--source-addresses").words(&r.source_addresses);
  c.flag("--target-fqdns");
  for f in &r.target_fqdns {
    c.word(f);
  }
}

/// The first rule of a collection creates it (`add-filter-collection` takes exactly one rule);
/// the others are added to it. The rule name's flag differs between the two.
fn collection_rule<'a>(
  s: &'a mut String,
  first: bool,
  (collection, priority): (&str, u32),
  rule_type: &str,
  name: &str,
) -> Cmd<'a> {
  let command = if first {
    "az network firewall policy rule-collection-group collection add-filter-collection"
  } else {
    "az network firewall policy rule-collection-group collection rule add"
  };
  let mut c = cmd(s, command, "  ");
  c.flag("--resource-group")
    .var("FIREWALL_POLICY_RESOURCE_GROUP")
    .flag("--policy-name")
    .var("FIREWALL_POLICY_NAME")
    .flag("--rule-collection-group-name")
    .var("RULE_COLLECTION_GROUP_NAME");
  if first {
    c.flag("--name")
      .word(collection)
      .flag("--collection-priority")
      .words([priority])
      .flag("--action")
      .word("Allow")
      .flag("--rule-type")
      .word(rule_type)
      .flag("--rule-name")
      .word(name);
  } else {
    c.flag("--collection-name")
      .word(collection)
      .flag("--rule-type")
      .word(rule_type)
      .flag("--name")
      .word(name);
  }
  c
}

/// Before anything changes: the CLI must be set to the profile's cloud (a script for Azure
/// China run against the public cloud would create resources in the wrong place), and the
/// script says what it is about to create or replace.
fn cloud_check(s: &mut String, ir: &Ir, firewall: bool, subnets: bool) {
  s.push('\n');
  comment(s, "Stop unless the CLI is logged in to this profile's cloud.");
  s.push_str("CURRENT_CLOUD=$(az cloud show --query name --output tsv)\nif [ \"$CURRENT_CLOUD\" != ");
  crate::syntax::shell::push_quote(s, ir.cloud.name());
  s.push_str(" ]; then\n  echo \"the Azure CLI is set to cloud $CURRENT_CLOUD; run: az cloud set --name ");
  s.push_str(ir.cloud.name());
  s.push_str(" && az login\" >&2\n  exit 1\nfi\n");
  s.push_str("echo \"creating or replacing in $RESOURCE_GROUP: the NSG $NSG_NAME and its rules");
  if !ir.dns_zones.is_empty() {
    s.push_str(", the private DNS zones and their VNet links");
  }
  if subnets {
    s.push_str(
      ", the route tables; in $VNET_RESOURCE_GROUP: the NSG and route table of subnets of $VNET_NAME",
    );
  }
  if firewall {
    s.push_str("; in $FIREWALL_POLICY_RESOURCE_GROUP: the rule collection group $RULE_COLLECTION_GROUP_NAME of $FIREWALL_POLICY_NAME");
  }
  s.push_str("\" >&2\n");
}
