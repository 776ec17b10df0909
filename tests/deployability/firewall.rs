//! Azure Firewall policy rule collection groups: group and collection priorities and names,
//! one rule kind per collection, network rules (protocols, ports, one destination kind,
//! service tags with the AzureFirewall feature, FQDNs only with DNS proxy and never as
//! wildcards) and application rules (Http/Https/Mssql, wildcards only leftmost), and the
//! firewall limits. Sources as in arm.rs ([LIMITS], [NAMES], [FWPOL], [FWFAQ], [FWFQDN], [TAGS]).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::arm::{is_address, name_problem, port_problem, text};
use super::{Context, Report};

/// [FWPOL], [FWFAQ]: rule collection group and rule collection priorities 100–65,000.
const FW_PRIORITY: std::ops::RangeInclusive<u64> = 100..=65000;
/// [LIMITS] Azure Firewall limits (MicrosoftDocs/azure-docs includes/firewall-limits.md, ms.date
/// 2023-10-10): 20,000 unique source/destinations in network rules, counted as the sum over the
/// rules of unique sources × unique destinations.
const FW_PAIRS_MAX: usize = 20_000;
/// [LIMITS] Azure Firewall limits (same include): total size of the rules of one rule collection group, 2 MB (1 MB for policies
/// created before July 2022: the smaller bound, as the policy's age is unknown).
const FW_GROUP_BYTES_MAX: usize = 1 << 20;
/// [FWFQDN], reference/target-formats.md § 2.2: keep FQDNs across network rules ≤ 1,000.
const FW_FQDNS_MAX: usize = 1000;

pub fn rule_collection_group(path: &str, name: &str, group: &Value, ctx: &Context, report: &mut Report) {
  let props = &group["properties"];
  let mut problems: Vec<String> = Vec::new();
  match props["priority"].as_u64() {
    Some(p) if FW_PRIORITY.contains(&p) => {}
    other => problems.push(format!("group priority {other:?} is outside 100–65000")),
  }
  let bytes = serde_json::to_string(&props["ruleCollections"])
    .unwrap_or_default()
    .len();
  if bytes > FW_GROUP_BYTES_MAX {
    problems.push(format!(
      "rule collections take {bytes} bytes, over {FW_GROUP_BYTES_MAX}"
    ));
  }
  let collections = props["ruleCollections"].as_array().cloned().unwrap_or_default();
  if collections.is_empty() {
    // Azure takes an empty group, but deploying it replaces a group of that name with
    // nothing (issue 9 item 9: amlnet writes no empty group).
    problems.push("rule collection group without rule collections".into());
  }
  let (mut priorities, mut names) = (BTreeMap::new(), BTreeSet::new());
  let (mut pairs, mut fqdns) = (0usize, 0usize);
  for c in &collections {
    let cname = text(&c["name"]);
    problems.extend(name_problem(&cname).map(|p| format!("collection {p}")));
    if !names.insert(cname.clone()) {
      problems.push(format!("collection name {cname} repeats"));
    }
    match c["priority"].as_u64() {
      // [FWPOL] collection priorities are unique within the group.
      Some(p) if FW_PRIORITY.contains(&p) => {
        if let Some(other) = priorities.insert(p, cname.clone()) {
          problems.push(format!("collection {cname} priority {p} is also {other}'s"));
        }
      }
      other => problems.push(format!(
        "collection {cname} priority {other:?} is outside 100–65000"
      )),
    }
    if c["ruleCollectionType"] != "FirewallPolicyFilterRuleCollection" {
      problems.push(format!("collection {cname} type {}", c["ruleCollectionType"]));
    }
    if !matches!(c["action"]["type"].as_str(), Some("Allow" | "Deny")) {
      problems.push(format!("collection {cname} action {}", c["action"]));
    }
    let rules = c["rules"].as_array().cloned().unwrap_or_default();
    if rules.is_empty() {
      problems.push(format!("collection {cname} holds no rules"));
    }
    let kinds: BTreeSet<&str> = rules.iter().filter_map(|r| r["ruleType"].as_str()).collect();
    if kinds.len() > 1 {
      // [FWPOL] a filter collection's rules are all of one kind.
      problems.push(format!("collection {cname} mixes rule types {kinds:?}"));
    }
    let mut rule_names = BTreeSet::new();
    for r in &rules {
      let rname = text(&r["name"]);
      let mut rp: Vec<String> = name_problem(&rname).into_iter().collect();
      if !rule_names.insert(rname.clone()) {
        rp.push("name repeats in its collection".into());
      }
      match r["ruleType"].as_str() {
        Some("NetworkRule") => {
          report.fw_rules += 1;
          network_rule(r, ctx, report, &mut rp, &mut pairs, &mut fqdns);
        }
        Some("ApplicationRule") => {
          report.fw_rules += 1;
          application_rule(r, &mut rp);
        }
        other => rp.push(format!("rule type {other:?}")),
      }
      problems.extend(rp.into_iter().map(|p| format!("rule {cname}/{rname}: {p}")));
    }
  }
  if pairs > FW_PAIRS_MAX {
    problems.push(format!(
      "{pairs} unique source/destinations in network rules, over {FW_PAIRS_MAX}"
    ));
  }
  if fqdns > FW_FQDNS_MAX {
    problems.push(format!("{fqdns} FQDNs in network rules, over {FW_FQDNS_MAX}"));
  }
  for p in problems {
    report.problem(path, format!("rule collection group {name}: {p}"));
  }
}

fn strings(v: &Value) -> Vec<String> {
  v.as_array()
    .map(|a| a.iter().map(text).collect())
    .unwrap_or_default()
}

fn network_rule(
  r: &Value,
  ctx: &Context,
  report: &mut Report,
  problems: &mut Vec<String>,
  pairs: &mut usize,
  fqdns: &mut usize,
) {
  // [FWPOL] network rule protocols: TCP, UDP, ICMP, Any.
  let protocols = strings(&r["ipProtocols"]);
  if protocols.is_empty()
    || protocols
      .iter()
      .any(|p| !matches!(p.as_str(), "TCP" | "UDP" | "ICMP" | "Any"))
  {
    problems.push(format!("ipProtocols {protocols:?}"));
  }
  let sources = strings(&r["sourceAddresses"]);
  if sources.is_empty() && strings(&r["sourceIpGroups"]).is_empty() {
    problems.push("no source addresses".into());
  }
  for s in sources.iter().filter(|s| !is_address(s)) {
    problems.push(format!("source {s:?} is not an address"));
  }
  let ports = strings(&r["destinationPorts"]);
  if ports.is_empty() {
    problems.push("no destination ports".into());
  }
  for p in &ports {
    // [LIMITS] Azure Firewall: port ranges in network rules 1–65535.
    problems.extend(port_problem(p, 1, 65535, true));
  }
  let addresses = strings(&r["destinationAddresses"]);
  let names = strings(&r["destinationFqdns"]);
  let groups = strings(&r["destinationIpGroups"]);
  let kinds = [!addresses.is_empty(), !names.is_empty(), !groups.is_empty()];
  if kinds.iter().filter(|k| **k).count() != 1 {
    problems.push("needs exactly one of destinationAddresses, destinationFqdns, destinationIpGroups".into());
  }
  for a in addresses.iter().filter(|a| !is_address(a)) {
    // [TAGS] a tag in a firewall rule needs the AzureFirewall (FW) feature.
    report.tags += 1;
    problems.extend(ctx.tag_problem(a, "FW"));
  }
  if !names.is_empty() && !ctx.dns_proxy {
    // [FWFQDN] FQDNs in network rules resolve through the firewall's DNS proxy.
    problems.push(format!(
      "destinationFqdns {names:?} without DNS proxy on the policy (firewall.dns_proxy)"
    ));
  }
  for n in names.iter().filter(|n| n.contains('*')) {
    // [FWFQDN] no wildcards in network-rule FQDNs.
    problems.push(format!("wildcard FQDN {n} in a network rule"));
  }
  *fqdns += names.len();
  let unique = |v: &[String]| v.iter().collect::<BTreeSet<_>>().len();
  *pairs += unique(&sources) * (unique(&addresses) + unique(&names) + unique(&groups));
}

fn application_rule(r: &Value, problems: &mut Vec<String>) {
  let protocols = r["protocols"].as_array().cloned().unwrap_or_default();
  if protocols.is_empty() {
    problems.push("no protocols".into());
  }
  for p in &protocols {
    // [FWPOL] application protocols Http, Https, Mssql; the API model caps the port at 64000.
    if !matches!(p["protocolType"].as_str(), Some("Http" | "Https" | "Mssql")) {
      problems.push(format!("protocol {}", p["protocolType"]));
    }
    if !p["port"].as_u64().is_some_and(|n| (1..=64000).contains(&n)) {
      problems.push(format!("port {} outside 1–64000", p["port"]));
    }
  }
  if strings(&r["sourceAddresses"]).is_empty() && strings(&r["sourceIpGroups"]).is_empty() {
    problems.push("no source addresses".into());
  }
  let targets = strings(&r["targetFqdns"]);
  if targets.is_empty() && strings(&r["fqdnTags"]).is_empty() {
    problems.push("no target FQDNs".into());
  }
  for t in &targets {
    // [FWFAQ] a wildcard only as `*` alone or as the leftmost character.
    let rest = t.strip_prefix('*').unwrap_or(t);
    if rest.contains('*') {
      problems.push(format!("target FQDN {t} has a wildcard past its first character"));
    }
  }
}
