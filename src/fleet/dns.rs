//! The hub DNS plan: every spoke's private DNS zones, records, host records and forwarders
//! merged into one set the hub serves.
//!
//! Takes the hub and the spokes (sorted by name); returns one DNS-only IR (the hub's: no
//! flows) that the existing DNS backends render unchanged, and the VNet each spoke links.
//! Identical records of two spokes (a registry both use) are one record. Two spokes giving
//! one name different addresses, or one private endpoint address to different resources,
//! is an error naming both profiles at the line that holds the address. It never renders.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::Ipv4Addr;

use sha2::{Digest, Sha256};

use crate::diagnostic::Problem;
use crate::ir::Ir;

use super::{locate, Hub, Spoke};

/// The hub's DNS: an IR holding only DNS (rendered by the DNS backends) and one VNet link
/// per spoke: (workspace, VNet name).
#[derive(Clone, Debug, Default)]
pub struct HubDns {
  pub ir: Option<Ir>,
  pub links: Vec<(String, String)>,
}

pub fn plan(hub: &Hub, spokes: &[Spoke], problems: &mut Vec<Problem>) -> HubDns {
  let Some(first) = spokes.first() else {
    return HubDns::default();
  };
  let mut ir = first.compiled.ir.clone();
  ir.profile = hub.name.clone();
  ir.flows.clear();
  ir.diagnostics.clear();
  ir.dns_zones.clear();
  ir.dns_records.clear();
  ir.host_records.clear();
  ir.dns_forwarders.clear();
  ir.settings.vnet_name = hub.vnet_name.clone();
  ir.settings.workspace_name = hub.name.clone();
  ir.settings.subnets.clear();
  ir.settings.address_space.clear();
  ir.settings.managed_network = None;
  if let super::DnsMode::Custom(servers) = &hub.dns {
    ir.settings.dns.resolver_ip = servers.first().map(|s| std::net::IpAddr::V4(*s));
  }
  // (zone, name) → (address, spoke); address → (spoke, the names it gives that address).
  // Looked up, never iterated: hash maps over the spokes' own strings (a thousand spokes'
  // records were a sixth of the fleet's planning as sorted maps of cloned keys).
  let mut names: HashMap<(&str, &str), (Ipv4Addr, usize)> = HashMap::new();
  let mut owners: HashMap<Ipv4Addr, (usize, BTreeSet<String>)> = HashMap::new();
  let mut zones: HashSet<&str> = HashSet::new();
  let mut hasher = Sha256::new();
  let mut links = Vec::new();
  for (i, spoke) in spokes.iter().enumerate() {
    let s = &spoke.compiled.ir;
    hasher.update(s.profile_hash.as_bytes());
    links.push((s.profile.clone(), s.settings.vnet_name.clone()));
    // Each zone once, as the first spoke (in name order) declares it.
    for zone in &s.dns_zones {
      if zones.insert(&zone.name) {
        ir.dns_zones.push(zone.clone());
      }
    }
    ir.dns_forwarders.extend(s.dns_forwarders.iter().cloned());
    let records = s
      .dns_records
      .iter()
      .map(|r| (r.zone.as_str(), r.name.as_str(), r.value))
      .chain(s.host_records.iter().map(|h| ("", h.name.as_str(), h.value)));
    let mut mine: BTreeMap<Ipv4Addr, BTreeSet<String>> = BTreeMap::new();
    for (zone, name, value) in records {
      mine
        .entry(value)
        .or_default()
        .insert(name.replace(".privatelink.", "."));
      match names.get(&(zone, name)) {
        Some(&(other, j)) if other != value => {
          problems.push(conflict(
            &spokes[j],
            spoke,
            (&other.to_string(), &value.to_string()),
            "FLT020",
            format!(
              "both name {name}: {} gives it {other}, {} gives it {value}",
              spokes[j].name(),
              spoke.name()
            ),
          ));
        }
        Some(_) => {}
        None => {
          names.insert((zone, name), (value, i));
        }
      }
    }
    for (value, set) in mine {
      match owners.get(&value) {
        // One endpoint both profiles declare (a hub-hosted one) has the same names in both;
        // anything else at one address is two resources.
        Some((j, theirs)) if *theirs != set => {
          let pick = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
            a.difference(b)
              .next()
              .or_else(|| a.iter().next())
              .cloned()
              .unwrap_or_default()
          };
          let (ours, other) = (pick(&set, theirs), pick(theirs, &set));
          problems.push(conflict(
            &spokes[*j],
            spoke,
            (&value.to_string(), &value.to_string()),
            "FLT021",
            format!(
              "both use the private endpoint address {value}: {} for {other}, {} for {ours}",
              spokes[*j].name(),
              spoke.name()
            ),
          ));
        }
        Some(_) => {}
        None => {
          owners.insert(value, (i, set));
        }
      }
    }
    ir.dns_records.extend(s.dns_records.iter().cloned());
    ir.host_records.extend(s.host_records.iter().cloned());
  }
  ir.profile_hash = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
  ir.normalize();
  ir.dns_forwarders.sort_by(|a, b| a.zone.cmp(&b.zone));
  ir.dns_forwarders.dedup_by(|a, b| a.zone == b.zone);
  HubDns { ir: Some(ir), links }
}

fn conflict(
  first: &Spoke,
  second: &Spoke,
  values: (&str, &str),
  code: &'static str,
  what: String,
) -> Problem {
  Problem::error(
    code,
    format!(
      "fleet DNS: workspaces {} ({}) and {} ({}) {what}",
      first.name(),
      locate(first, values.0),
      second.name(),
      locate(second, values.1)
    ),
    Some(second.entry.clone()),
  )
  .hint("one name has one address in the hub's zones: give each private endpoint its own address, or make the shared resource's records identical")
}
