//! Azure's documented rules for the ARM templates amlnet writes: NSG security rules (inline or
//! child resources), route tables (inline or child routes), and firewall policy rule collection
//! groups (checked in firewall.rs). Terraform, Bicep and az CLI carry the same rules, names and priorities
//! (`checkers::terraform_parses_into_exactly_the_arm_resources` and its siblings), so the ARM
//! form stands for every format.
//!
//! Sources, cited per rule below:
//! [LIMITS] https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits
//!   § Networking limits (MicrosoftDocs/azure-docs includes/azure-virtual-network-limits.md) and
//!   § Azure Firewall limits (includes/firewall-limits.md);
//! [NSG] https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
//!   § Security rules, and the template reference of networkSecurityGroups/securityRules
//!   (reference/target-formats.md § 1.1);
//! [NAMES] https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
//!   § Microsoft.Network (securityRules, routes, firewallPolicies/ruleCollectionGroups);
//! [FWPOL] https://learn.microsoft.com/azure/firewall/policy-rule-sets and the template
//!   reference of firewallPolicies/ruleCollectionGroups (reference/target-formats.md § 2.1–2.2);
//! [FWFAQ] https://learn.microsoft.com/azure/firewall/firewall-faq (FQDN wildcards, rule
//!   collection priorities 100–65,000; reference/target-formats.md § 2.3);
//! [FWFQDN] https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules (FQDNs in
//!   network rules need DNS proxy);
//! [TAGS] https://learn.microsoft.com/azure/virtual-network/service-tags-overview § Available
//!   service tags (the NSG / UDR / Azure Firewall columns are the downloads' networkFeatures);
//! [UDR] https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview
//!   § Service tags for user-defined routes, § Next hop types.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

use super::{Context, Report};

/// [LIMITS] Networking limits: "NSG rules per NSG" 1,000.
const NSG_RULES_MAX: usize = 1000;
/// [LIMITS] Networking limits: IP addresses and ranges per source or destination of a security
/// rule, counted apart, 4,000.
const NSG_PREFIXES_MAX: usize = 4000;
/// [NSG] custom rule priorities: 100–4096.
const NSG_PRIORITY: std::ops::RangeInclusive<u64> = 100..=4096;
/// [LIMITS] Networking limits: user-defined routes per route table, 400.
const ROUTES_MAX: usize = 400;
/// [NSG] description: at most 140 characters.
const DESCRIPTION_MAX: usize = 140;

/// [NAMES] securityRules, routes, rule collection groups: 1–80 characters, alphanumerics,
/// underscores, periods and hyphens; start with an alphanumeric, end with an alphanumeric or
/// underscore.
pub fn name_problem(name: &str) -> Option<String> {
  let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
  let first = name.chars().next();
  let last = name.chars().last();
  if name.is_empty() || name.chars().count() > 80 {
    Some(format!(
      "name {name:?} is not 1–80 characters ({})",
      name.chars().count()
    ))
  } else if !name.chars().all(ok_char) {
    Some(format!(
      "name {name:?} holds a character other than letters, digits, '_', '.', '-'"
    ))
  } else if !first.is_some_and(|c| c.is_ascii_alphanumeric()) {
    Some(format!("name {name:?} does not start with a letter or digit"))
  } else if !last.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
    Some(format!("name {name:?} does not end with a letter, digit or '_'"))
  } else {
    None
  }
}

/// One ARM template: every NSG, route table and rule collection group in it.
pub fn check(path: &str, doc: &Value, ctx: &Context, report: &mut Report) {
  let resources = doc["resources"].as_array().cloned().unwrap_or_default();
  // Child resources of one template belong to one parent (the template's parameter).
  let (mut child_rules, mut child_routes) = (Vec::new(), Vec::new());
  for r in &resources {
    let props = &r["properties"];
    let full = resolve(doc, &text(&r["name"]));
    let last = full.rsplit('/').next().unwrap_or_default().to_string();
    match r["type"].as_str().unwrap_or_default() {
      "Microsoft.Network/networkSecurityGroups" => {
        names_problem("NSG", &full, report, path);
        let rules: Vec<(String, Value)> = props["securityRules"]
          .as_array()
          .map(|a| {
            a.iter()
              .map(|x| (text(&x["name"]), x["properties"].clone()))
              .collect()
          })
          .unwrap_or_default();
        nsg(path, &rules, ctx, report);
      }
      "Microsoft.Network/networkSecurityGroups/securityRules" => {
        names_problem(
          "NSG of rule",
          full.split('/').next().unwrap_or_default(),
          report,
          path,
        );
        child_rules.push((last, props.clone()))
      }
      "Microsoft.Network/routeTables" => {
        names_problem("route table", &full, report, path);
        let routes: Vec<(String, Value)> = props["routes"]
          .as_array()
          .map(|a| {
            a.iter()
              .map(|x| (text(&x["name"]), x["properties"].clone()))
              .collect()
          })
          .unwrap_or_default();
        route_table(path, &routes, ctx, report);
      }
      "Microsoft.Network/routeTables/routes" => child_routes.push((last, props.clone())),
      "Microsoft.Network/firewallPolicies/ruleCollectionGroups" => {
        // [NAMES] firewallPolicies and ruleCollectionGroups: 1–80 characters, as rules.
        names_problem("rule collection group", &full, report, path);
        super::firewall::rule_collection_group(path, &last, r, ctx, report)
      }
      "Microsoft.Network/privateDnsZones/virtualNetworkLinks" => {
        // [NAMES] virtualNetworkLinks: 1–80 characters, as rules.
        if let Some(p) = name_problem(&last) {
          report.problem(path, format!("virtual network link {full}: {p}"));
        }
      }
      _ => {}
    }
  }
  super::dns::check(path, &resources, ctx, report);
  if !child_rules.is_empty() {
    nsg(path, &child_rules, ctx, report);
  }
  if !child_routes.is_empty() {
    route_table(path, &child_routes, ctx, report);
  }
}

pub fn text(v: &Value) -> String {
  v.as_str().unwrap_or_default().to_string()
}

/// A resource name with each `parameters('p')` of a `[concat(...)]` expression replaced by
/// p's `defaultValue` and its literals kept: `afwp-hub-eastus/amlnet-mlw-contoso-secure`.
pub fn resolve(doc: &Value, name: &str) -> String {
  let Some(mut rest) = name.strip_prefix('[') else {
    return name.to_string();
  };
  let mut out = String::new();
  while !rest.is_empty() {
    if let Some(after) = rest.strip_prefix("parameters('") {
      let (param, tail) = after.split_once("')").unwrap_or((after, ""));
      out.push_str(
        doc["parameters"][param]["defaultValue"]
          .as_str()
          .unwrap_or("<no default>"),
      );
      rest = tail;
    } else if let Some(after) = rest.strip_prefix('\'') {
      let (literal, tail) = after.split_once('\'').unwrap_or((after, ""));
      out.push_str(literal);
      rest = tail;
    } else {
      rest = &rest[rest.chars().next().map_or(1, char::len_utf8)..];
    }
  }
  out
}

/// Name problems of every segment of a resolved `parent/child` name ([NAMES]).
fn names_problem(kind: &str, full: &str, report: &mut Report, path: &str) {
  for segment in full.split('/') {
    if let Some(p) = name_problem(segment) {
      report.problem(path, format!("{kind} {full}: {p}"));
    }
  }
}

/// `*`, an address, a CIDR or a range `a-b`: anything that is not a service tag.
pub fn is_address(s: &str) -> bool {
  s == "*"
    || s.parse::<IpAddr>().is_ok()
    || s.parse::<IpNet>().is_ok()
    || s
      .split_once('-')
      .is_some_and(|(a, b)| a.parse::<IpAddr>().is_ok() && b.parse::<IpAddr>().is_ok())
}

/// A port or range of `lo..=hi`, or `*` when `star`.
pub fn port_problem(p: &str, lo: u32, hi: u32, star: bool) -> Option<String> {
  if star && p == "*" {
    return None;
  }
  let (a, b) = p.split_once('-').unwrap_or((p, p));
  match (a.parse::<u32>(), b.parse::<u32>()) {
    (Ok(a), Ok(b)) if lo <= a && a <= b && b <= hi => None,
    _ => Some(format!("port {p:?} is not a port or range in {lo}–{hi}")),
  }
}

/// The values of a singular/plural field pair (`sourceAddressPrefix` / `…Prefixes`), with a
/// problem unless exactly one is set ([NSG]: one of the two, not both).
fn one_of(props: &Value, single: &str, plural: &str, problems: &mut Vec<String>) -> Vec<String> {
  let s = props.get(single).and_then(Value::as_str);
  let p = props.get(plural).and_then(Value::as_array);
  match (s, p) {
    (Some(s), None) => vec![s.to_string()],
    (None, Some(p)) if !p.is_empty() => p.iter().map(text).collect(),
    (Some(_), Some(_)) => {
      problems.push(format!("sets both {single} and {plural}"));
      vec![]
    }
    _ => {
      problems.push(format!("sets neither {single} nor a non-empty {plural}"));
      vec![]
    }
  }
}

fn nsg(path: &str, rules: &[(String, Value)], ctx: &Context, report: &mut Report) {
  if rules.len() > NSG_RULES_MAX {
    report.problem(
      path,
      format!("{} rules in one NSG, over the {NSG_RULES_MAX} limit", rules.len()),
    );
  }
  let mut seen: BTreeMap<(String, u64), String> = BTreeMap::new();
  let mut names = BTreeSet::new();
  for (name, props) in rules {
    report.nsg_rules += 1;
    let mut problems = Vec::new();
    problems.extend(name_problem(name));
    if !names.insert(name.to_ascii_lowercase()) {
      problems.push("name repeats in the NSG".into());
    }
    let direction = text(&props["direction"]);
    if !matches!(direction.as_str(), "Inbound" | "Outbound") {
      problems.push(format!("direction {direction:?}"));
    }
    if !matches!(props["access"].as_str(), Some("Allow" | "Deny")) {
      problems.push(format!("access {}", props["access"]));
    }
    // [NSG] protocols: Tcp, Udp, Icmp, Esp, Ah, * (any).
    if !matches!(
      props["protocol"].as_str(),
      Some("Tcp" | "Udp" | "Icmp" | "Esp" | "Ah" | "*")
    ) {
      problems.push(format!("protocol {}", props["protocol"]));
    }
    match props["priority"].as_u64() {
      Some(p) if NSG_PRIORITY.contains(&p) => {
        // [NSG] a priority is unique per direction within the NSG.
        if let Some(other) = seen.insert((direction.clone(), p), name.clone()) {
          problems.push(format!("priority {p} {direction} is also rule {other}'s"));
        }
      }
      other => problems.push(format!("priority {other:?} is outside 100–4096")),
    }
    if props["description"]
      .as_str()
      .is_some_and(|d| d.chars().count() > DESCRIPTION_MAX)
    {
      problems.push(format!("description over {DESCRIPTION_MAX} characters"));
    }
    for (single, plural) in [
      ("sourceAddressPrefix", "sourceAddressPrefixes"),
      ("destinationAddressPrefix", "destinationAddressPrefixes"),
    ] {
      let values = one_of(props, single, plural, &mut problems);
      if values.len() > NSG_PREFIXES_MAX {
        problems.push(format!(
          "{} prefixes in {plural}, over {NSG_PREFIXES_MAX}",
          values.len()
        ));
      }
      let plural_used = props.get(plural).is_some();
      for v in values.iter().filter(|v| !is_address(v)) {
        // [NSG] one service tag per side, in the singular field only.
        if plural_used {
          problems.push(format!("service tag {v} in {plural} (tags go in {single} alone)"));
        } else if !super::tags::VIRTUAL.contains(&v.as_str()) {
          report.tags += 1;
          problems.extend(ctx.tag_problem(v, "NSG"));
        }
      }
    }
    for (single, plural) in [
      ("sourcePortRange", "sourcePortRanges"),
      ("destinationPortRange", "destinationPortRanges"),
    ] {
      for p in one_of(props, single, plural, &mut problems) {
        problems.extend(port_problem(&p, 0, 65535, true));
      }
    }
    for p in problems {
      report.problem(path, format!("NSG rule {name}: {p}"));
    }
  }
}

fn route_table(path: &str, routes: &[(String, Value)], ctx: &Context, report: &mut Report) {
  if routes.len() > ROUTES_MAX {
    report.problem(
      path,
      format!("{} routes in one route table, over {ROUTES_MAX}", routes.len()),
    );
  }
  let mut prefixes = BTreeSet::new();
  for (name, props) in routes {
    report.routes += 1;
    let mut problems = Vec::new();
    problems.extend(name_problem(name));
    let prefix = text(&props["addressPrefix"]);
    if !prefixes.insert(prefix.clone()) {
      // [UDR] one route per address prefix in a route table.
      problems.push(format!("address prefix {prefix} repeats in the route table"));
    }
    if prefix.parse::<IpNet>().is_err() {
      // [UDR] § Service tags for user-defined routes: a tag with the UDR feature.
      report.tags += 1;
      problems.extend(ctx.tag_problem(&prefix, "UDR"));
    }
    // [UDR] § Next hop types; an appliance next hop names its address.
    let hop = text(&props["nextHopType"]);
    match hop.as_str() {
      "VirtualAppliance" => {
        if props["nextHopIpAddress"]
          .as_str()
          .and_then(|a| a.parse::<IpAddr>().ok())
          .is_none()
          && !props["nextHopIpAddress"]
            .as_str()
            .is_some_and(|a| a.starts_with('['))
        {
          problems.push("next hop VirtualAppliance without an IP address".into());
        }
      }
      "Internet" | "VirtualNetworkGateway" | "VnetLocal" | "None" => {}
      other => problems.push(format!("next hop type {other:?}")),
    }
    for p in problems {
      report.problem(path, format!("route {name}: {p}"));
    }
  }
}
