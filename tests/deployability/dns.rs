//! Azure Private DNS in the ARM template (private-dns/private-dns.json): zone and record names,
//! TTLs, A records that hold IPv4 addresses of the profile's VNet (a record pointing outside it
//! resolves a private endpoint name to nowhere), one record set per name, and every record and
//! link under a zone of the same template.
//!
//! Sources: [NAMES] https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
//! § Microsoft.Network (privateDnsZones 1–63 characters per label and up to 34 labels;
//! privateDnsZones/virtualNetworkLinks 1–80 characters); [PDNS] the template reference of
//! privateDnsZones/A (`ttl`, `aRecords[].ipv4Address`; reference/target-formats.md § 3.1);
//! [LIMITS] https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits
//! § Azure DNS limits, private DNS zones (record sets per zone 25,000, virtual network links
//! per zone 1,000).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use serde_json::Value;

use super::arm::text;
use super::{Context, Report};

/// [LIMITS] record sets per private DNS zone.
const RECORD_SETS_MAX: usize = 25_000;
/// [LIMITS] virtual network links per private DNS zone.
const LINKS_MAX: usize = 1000;

/// [NAMES] a DNS name of labels 1–63 characters of letters, digits, `-` and `_`; `*` only as a
/// whole leftmost label when `wildcard`.
fn dns_name_problem(name: &str, wildcard: bool) -> Option<String> {
  let labels: Vec<&str> = name.split('.').collect();
  if labels.len() > 34 || name.len() > 253 {
    return Some(format!("DNS name {name:?} is too long"));
  }
  for (i, l) in labels.iter().enumerate() {
    let ok = (1..=63).contains(&l.len())
      && l
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
      && !l.starts_with('-')
      && !l.ends_with('-');
    if !(ok || (wildcard && i == 0 && *l == "*")) {
      return Some(format!("DNS name {name:?} has an invalid label {l:?}"));
    }
  }
  None
}

pub fn check(path: &str, resources: &[Value], ctx: &Context, report: &mut Report) {
  let zones: BTreeSet<String> = resources
    .iter()
    .filter(|r| r["type"] == "Microsoft.Network/privateDnsZones")
    .map(|r| text(&r["name"]))
    .collect();
  let (mut records, mut links): (BTreeMap<String, BTreeSet<String>>, BTreeMap<String, usize>) =
    Default::default();
  for z in &zones {
    if let Some(p) = dns_name_problem(z, false) {
      report.problem(path, format!("zone {z}: {p}"));
    }
    if z.split('.').count() < 2 {
      report.problem(
        path,
        format!("zone {z}: a private zone needs at least two labels"),
      );
    }
  }
  for r in resources {
    let name = text(&r["name"]);
    match r["type"].as_str().unwrap_or_default() {
      "Microsoft.Network/privateDnsZones/A" => {
        report.dns_records += 1;
        let Some((zone, label)) = name.split_once('/') else {
          report.problem(path, format!("A record {name}: not zone/name"));
          continue;
        };
        let mut problems: Vec<String> = dns_name_problem(label, true).into_iter().collect();
        if !zones.contains(zone) {
          problems.push(format!("zone {zone} is not in the template"));
        }
        if !records
          .entry(zone.to_string())
          .or_default()
          .insert(label.to_ascii_lowercase())
        {
          problems.push("a second record set of the same name".into());
        }
        // [PDNS] ttl is a positive 32-bit integer of seconds.
        if !r["properties"]["ttl"]
          .as_u64()
          .is_some_and(|t| (1..=2_147_483_647).contains(&t))
        {
          problems.push(format!("ttl {}", r["properties"]["ttl"]));
        }
        let addresses = r["properties"]["aRecords"]
          .as_array()
          .cloned()
          .unwrap_or_default();
        if addresses.is_empty() {
          problems.push("no aRecords".into());
        }
        for a in &addresses {
          match a["ipv4Address"].as_str().and_then(|s| s.parse::<Ipv4Addr>().ok()) {
            None => problems.push(format!("ipv4Address {}", a["ipv4Address"])),
            Some(ip)
              if !ctx.address_space.is_empty() && !ctx.address_space.iter().any(|n| n.contains(&ip)) =>
            {
              problems.push(format!("{ip} is outside the VNet's address space"))
            }
            Some(_) => {}
          }
        }
        for p in problems {
          report.problem(path, format!("A record {name}: {p}"));
        }
      }
      "Microsoft.Network/privateDnsZones/virtualNetworkLinks" => {
        // `[concat('<zone>', '/', parameters('vnetLinkName'))]` or `zone/link`.
        let zone = if name.starts_with('[') {
          name.split('\'').nth(1).unwrap_or_default().to_string()
        } else {
          name.split('/').next().unwrap_or_default().to_string()
        };
        if !zones.contains(&zone) && !ctx.zones_deployed_before.contains(&zone) {
          report.problem(
            path,
            format!("virtual network link {name}: zone {zone} is not in the template"),
          );
        }
        *links.entry(zone).or_default() += 1;
      }
      _ => {}
    }
  }
  for (zone, n) in records
    .iter()
    .map(|(z, r)| (z, r.len()))
    .filter(|(_, n)| *n > RECORD_SETS_MAX)
  {
    report.problem(
      path,
      format!("zone {zone}: {n} record sets, over {RECORD_SETS_MAX}"),
    );
  }
  for (zone, n) in links.iter().filter(|(_, n)| **n > LINKS_MAX) {
    report.problem(
      path,
      format!("zone {zone}: {n} virtual network links, over {LINKS_MAX}"),
    );
  }
}
