//! az CLI backend: `azcli/deploy.sh`, a bash script that creates the NSG and its rules, the
//! firewall policy rule collection group and the private DNS zones, records and VNet links.
//!
//! Takes the IR, returns the script and repeats the NSG and firewall notes. Names,
//! priorities, descriptions and the network/application split come from `plan`, so they equal
//! the ARM ones. Every rule passes `--destination-port-ranges` and `--source-port-ranges '*'`
//! explicitly (the CLI's default destination port is 80), and every value from the IR is
//! single-quoted, so `*` in an FQDN or a port never meets the shell's globbing. It never
//! embeds IDs: they are variables at the top, overridable from the environment.

use std::fmt::Write as _;

use super::private_dns::relative;
use super::terraform::a_records;
use super::{stamp, Output};
use crate::ir::{Direction, Ir};
use crate::plan::Plan;
use crate::target::firewall::{ApplicationRule, Destination, NetworkRule};
use crate::target::texts;

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let st = &ir.settings;
  let (nsg_rules, fw) = (&plan.nsg, &plan.firewall);
  let mut s = String::from("#!/usr/bin/env bash\n");
  let _ = writeln!(s, "# {}", stamp(ir));
  s.push_str(
    "#\n# Creates the NSG, the Azure Firewall policy rule collection group and the private DNS zones of\n\
     # this profile with the Azure CLI: the same names, priorities and rules as nsg/nsg.json,\n\
     # firewall/rule-collection-group.json and private-dns/private-dns.json. Meant for a first\n\
     # deployment (a re-run recreates the rule collection group empty, then adds the rules);\n\
     # for updates prefer Terraform or Bicep. Needs the CLI's azure-firewall extension.\n\
     set -euo pipefail\n\n",
  );
  // Assignments without outer double quotes: the default after `:-` is then single-quoted
  // text, so nothing from the profile is ever expanded by the shell.
  s.push_str("# What you supply; each can also be set in the environment before running.\n");
  let _ = writeln!(
    s,
    "RESOURCE_GROUP=${{RESOURCE_GROUP:?{}}}",
    q("set RESOURCE_GROUP to the resource group of the NSG and the private DNS zones")
  );
  let _ = writeln!(s, "LOCATION=${{LOCATION:-{}}}", q(&ir.region));
  let _ = writeln!(s, "NSG_NAME=${{NSG_NAME:-{}}}", q(&st.nsg.name));
  let _ = writeln!(
    s,
    "FIREWALL_POLICY_RESOURCE_GROUP=${{FIREWALL_POLICY_RESOURCE_GROUP:-$RESOURCE_GROUP}}"
  );
  let _ = writeln!(
    s,
    "FIREWALL_POLICY_NAME=${{FIREWALL_POLICY_NAME:-{}}}",
    q(&st.firewall.policy_name)
  );
  let _ = writeln!(
    s,
    "RULE_COLLECTION_GROUP_NAME=${{RULE_COLLECTION_GROUP_NAME:-{}}}",
    q(&st.firewall.rule_collection_group)
  );
  if !ir.dns_zones.is_empty() {
    let _ = writeln!(
      s,
      "VNET_ID=${{VNET_ID:?{}}}",
      q(&format!("set VNET_ID to the resource ID of {}", st.vnet_name))
    );
    let _ = writeln!(
      s,
      "VNET_LINK_NAME=${{VNET_LINK_NAME:-{}}}",
      q(&format!("link-{}", st.vnet_name))
    );
  }

  s.push_str("\n# Network security group: every rule sets both port ranges; the CLI would default the destination to 80.\n");
  cmd(
    &mut s,
    "az network nsg create",
    &[
      ("--resource-group", vec![var("RESOURCE_GROUP")]),
      ("--name", vec![var("NSG_NAME")]),
      ("--location", vec![var("LOCATION")]),
      ("--output", vec![q("none")]),
    ],
  );
  for r in nsg_rules {
    cmd(
      &mut s,
      "az network nsg rule create",
      &[
        ("--resource-group", vec![var("RESOURCE_GROUP")]),
        ("--nsg-name", vec![var("NSG_NAME")]),
        ("--name", vec![q(&r.name)]),
        ("--priority", vec![q(&r.priority.to_string())]),
        (
          "--direction",
          vec![q(if r.direction == Direction::Inbound {
            "Inbound"
          } else {
            "Outbound"
          })],
        ),
        ("--access", vec![q(r.access.as_str())]),
        ("--protocol", vec![q(r.protocol.as_str())]),
        ("--source-address-prefixes", vec![q(&r.source.to_string())]),
        ("--source-port-ranges", vec![q("*")]),
        (
          "--destination-address-prefixes",
          vec![q(&r.destination.to_string())],
        ),
        (
          "--destination-port-ranges",
          r.ports.strings().iter().map(|p| q(p)).collect(),
        ),
        ("--description", vec![q(&r.description)]),
        ("--output", vec![q("none")]),
      ],
    );
  }

  s.push_str(
    "\n# Firewall policy rule collection group: created empty, then one filter collection per rule kind.\n",
  );
  cmd(
    &mut s,
    "az network firewall policy rule-collection-group create",
    &[
      ("--resource-group", vec![var("FIREWALL_POLICY_RESOURCE_GROUP")]),
      ("--policy-name", vec![var("FIREWALL_POLICY_NAME")]),
      ("--name", vec![var("RULE_COLLECTION_GROUP_NAME")]),
      ("--priority", vec![q(&fw.priority.to_string())]),
      ("--output", vec![q("none")]),
    ],
  );
  for (i, r) in fw.network.rules.iter().enumerate() {
    collection_rule(
      &mut s,
      i == 0,
      (&fw.network.name, fw.network.priority),
      "NetworkRule",
      &network_args(r),
    );
  }
  for (i, r) in fw.application.rules.iter().enumerate() {
    collection_rule(
      &mut s,
      i == 0,
      (&fw.application.name, fw.application.priority),
      "ApplicationRule",
      &application_args(r),
    );
  }

  if !ir.dns_zones.is_empty() {
    s.push_str("\n# Private DNS: zone, VNet link and A records, each zone created only when missing.\n");
  }
  for zone in &ir.dns_zones {
    let zone_args = vec![
      ("--resource-group", vec![var("RESOURCE_GROUP")]),
      ("--name", vec![q(&zone.name)]),
    ];
    let _ = writeln!(
      s,
      "if ! az network private-dns zone show{} \\\n  --output 'none' 2>/dev/null; then",
      args(&zone_args, "  ")
    );
    s.push_str("  ");
    cmd(
      &mut s,
      "az network private-dns zone create",
      &[
        zone_args[0].clone(),
        zone_args[1].clone(),
        ("--output", vec![q("none")]),
      ],
    );
    s.push_str("fi\n");
    let link_args = vec![
      ("--resource-group", vec![var("RESOURCE_GROUP")]),
      ("--zone-name", vec![q(&zone.name)]),
      ("--name", vec![var("VNET_LINK_NAME")]),
    ];
    let _ = writeln!(
      s,
      "if ! az network private-dns link vnet show{} \\\n  --output 'none' 2>/dev/null; then",
      args(&link_args, "  ")
    );
    s.push_str("  ");
    let mut create = link_args.clone();
    create.push(("--virtual-network", vec![var("VNET_ID")]));
    create.push(("--registration-enabled", vec![q("false")]));
    create.push(("--output", vec![q("none")]));
    cmd(&mut s, "az network private-dns link vnet create", &create);
    s.push_str("fi\n");
    for (name, values) in a_records(ir, &zone.name) {
      let rel = relative(&name, &zone.name);
      for v in &values {
        cmd(
          &mut s,
          "az network private-dns record-set a add-record",
          &[
            ("--resource-group", vec![var("RESOURCE_GROUP")]),
            ("--zone-name", vec![q(&zone.name)]),
            ("--record-set-name", vec![q(&rel)]),
            ("--ipv4-address", vec![q(v)]),
            ("--output", vec![q("none")]),
          ],
        );
      }
      // add-record creates the set with the CLI's default TTL; set the profile's.
      cmd(
        &mut s,
        "az network private-dns record-set a update",
        &[
          ("--resource-group", vec![var("RESOURCE_GROUP")]),
          ("--zone-name", vec![q(&zone.name)]),
          ("--name", vec![q(&rel)]),
          ("--set", vec![q(&format!("ttl={}", st.dns.ttl))]),
          ("--output", vec![q("none")]),
        ],
      );
    }
  }
  out.add("azcli/deploy.sh", s);
}

type Args = Vec<(&'static str, Vec<String>)>;

fn network_args(r: &NetworkRule) -> Args {
  let quoted = |items: Vec<String>| items.iter().map(|p| q(p)).collect::<Vec<_>>();
  let mut a: Args = vec![
    ("--description", vec![q(&r.description)]),
    (
      "--ip-protocols",
      r.protocols.iter().map(|p| q(p.as_str())).collect(),
    ),
    ("--source-addresses", quoted(texts(&r.source_addresses))),
  ];
  match &r.destination {
    Destination::Addresses(addresses) => a.push(("--destination-addresses", quoted(texts(addresses)))),
    Destination::Fqdns(fqdns) => a.push(("--destination-fqdns", quoted(fqdns.clone()))),
  }
  a.push(("--destination-ports", quoted(r.ports.strings())));
  a.insert(0, ("__name", vec![q(&r.name)]));
  a
}

fn application_args(r: &ApplicationRule) -> Args {
  vec![
    ("__name", vec![q(&r.name)]),
    ("--description", vec![q(&r.description)]),
    (
      "--protocols",
      r.protocols
        .iter()
        .map(|(t, p)| q(&format!("{}={p}", t.as_str())))
        .collect(),
    ),
    (
      "--source-addresses",
      texts(&r.source_addresses).iter().map(|p| q(p)).collect(),
    ),
    ("--target-fqdns", r.target_fqdns.iter().map(|p| q(p)).collect()),
  ]
}

/// The first rule of a collection creates it (`add-filter-collection` takes exactly one rule);
/// the others are added to it. `__name` stands for the rule name, whose flag differs.
fn collection_rule(
  s: &mut String,
  first: bool,
  (collection, priority): (&str, u32),
  rule_type: &str,
  rule: &Args,
) {
  let mut a: Args = vec![
    ("--resource-group", vec![var("FIREWALL_POLICY_RESOURCE_GROUP")]),
    ("--policy-name", vec![var("FIREWALL_POLICY_NAME")]),
    (
      "--rule-collection-group-name",
      vec![var("RULE_COLLECTION_GROUP_NAME")],
    ),
  ];
  let name = rule
    .iter()
    .find(|(k, _)| *k == "__name")
    .map(|(_, v)| v.clone())
    .unwrap_or_default();
  let fields = rule.iter().filter(|(k, _)| *k != "__name").cloned();
  if first {
    a.push(("--name", vec![q(collection)]));
    a.push(("--collection-priority", vec![q(&priority.to_string())]));
    a.push(("--action", vec![q("Allow")]));
    a.push(("--rule-type", vec![q(rule_type)]));
    a.push(("--rule-name", name));
    a.extend(fields);
    a.push(("--output", vec![q("none")]));
    cmd(
      s,
      "az network firewall policy rule-collection-group collection add-filter-collection",
      &a,
    );
  } else {
    a.push(("--collection-name", vec![q(collection)]));
    a.push(("--rule-type", vec![q(rule_type)]));
    a.push(("--name", name));
    a.extend(fields);
    a.push(("--output", vec![q("none")]));
    cmd(
      s,
      "az network firewall policy rule-collection-group collection rule add",
      &a,
    );
  }
}

/// One command, one flag per continuation line.
fn cmd(s: &mut String, command: &str, a: &[(&str, Vec<String>)]) {
  let _ = writeln!(
    s,
    "{command}{}",
    args(a, if s.ends_with("  ") { "    " } else { "  " })
  );
}

fn args(a: &[(&str, Vec<String>)], indent: &str) -> String {
  let mut line = String::new();
  for (flag, values) in a {
    let _ = write!(line, " \\\n{indent}{flag}");
    for v in values {
      line.push(' ');
      line.push_str(v);
    }
  }
  line
}

fn var(name: &str) -> String {
  format!("\"${name}\"")
}

/// Single-quoted for bash: nothing inside is expanded; a `'` closes, escapes and reopens.
fn q(value: &str) -> String {
  format!("'{}'", value.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
  use super::q;

  #[test]
  fn single_quotes_survive() {
    assert_eq!(q("*.x.com"), "'*.x.com'");
    assert_eq!(q("it's"), "'it'\\''s'");
  }
}
