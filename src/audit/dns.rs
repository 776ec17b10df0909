//! The audit of deployed DNS: every private DNS record and custom-DNS host record the profile
//! needs, looked up in the zones given (missing, another address, wrong zone). Records of
//! zones not given are not checked, and the report says which. Takes the IR and the imported
//! A record sets; never resolves names over the network.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use super::{Finding, Kind};
use crate::import::dns::Records;
use crate::ir::Ir;

/// (findings, notes).
pub(super) fn findings(ir: &Ir, deployed: &Records) -> (Vec<Finding>, Vec<String>) {
  let zones: BTreeSet<&str> = deployed.zones.iter().map(String::as_str).collect();
  let by_name: BTreeMap<&str, &crate::import::dns::ARecordSet> =
    deployed.sets.iter().map(|s| (s.name.as_str(), s)).collect();
  let in_given = |fqdn: &str| {
    zones
      .iter()
      .any(|z| fqdn == *z || fqdn.ends_with(&format!(".{z}")))
  };
  let mut out = Vec::new();
  let mut unchecked: BTreeSet<String> = BTreeSet::new();
  let mut check =
    |fqdn: String, zone: Option<&str>, value: Ipv4Addr, public: Option<&str>, resource: &str| {
      let given = match zone {
        Some(z) => zones.contains(z),
        None => in_given(&fqdn),
      };
      // A public name deployed with the private address: the record is in the public zone.
      let misplaced = public.and_then(|p| by_name.get(p.to_ascii_lowercase().as_str()).copied());
      let finding = |detail: String, fix: String| Finding {
        kind: Kind::Dns,
        target: "dns",
        subject: fqdn.clone(),
        requirements: vec![resource.to_string()],
        deployed: None,
        detail,
        fix,
      };
      match by_name.get(fqdn.as_str()) {
        Some(set) if set.addresses.contains(&value) => {}
        Some(set) => out.push(finding(
          format!(
            "{fqdn} A {} in zone {}, needs {value} ({resource})",
            list(&set.addresses),
            set.zone
          ),
          format!("set the A record {fqdn} to {value}"),
        )),
        None => match misplaced {
          Some(set) if set.addresses.contains(&value) => out.push(finding(
            format!(
              "{} A {value} is in zone {} ({resource}); it belongs in {}",
              set.name,
              set.zone,
              zone.unwrap_or("its private zone")
            ),
            format!(
              "create {fqdn} A {value} in zone {} and remove {} from {}",
              zone.unwrap_or("its private zone"),
              set.name,
              set.zone
            ),
          )),
          _ if given => out.push(finding(
            format!("{fqdn} has no A record; needs {value} ({resource})"),
            format!("create the A record {fqdn} → {value}"),
          )),
          _ => {
            unchecked.insert(zone.unwrap_or("its zone").to_string());
          }
        },
      }
    };
  for r in &ir.dns_records {
    // The IR holds absolute names; a name relative to its zone is made absolute.
    let fqdn = if r.name == r.zone || r.name.ends_with(&format!(".{}", r.zone)) {
      r.name.clone()
    } else {
      format!("{}.{}", r.name, r.zone)
    };
    check(
      fqdn,
      Some(&r.zone),
      r.value,
      r.public_name.as_deref(),
      &r.resource,
    );
  }
  for h in &ir.host_records {
    // A custom-DNS host record is checked where a zone given holds its name.
    if in_given(&h.name) {
      check(h.name.clone(), None, h.value, None, &h.resource);
    }
  }
  let notes = unchecked
    .into_iter()
    .map(|z| format!("dns: zone {z} was not among the DNS inputs; its records were not checked"))
    .collect();
  (out, notes)
}

fn list(addresses: &[Ipv4Addr]) -> String {
  if addresses.is_empty() {
    return "with no address".into();
  }
  addresses
    .iter()
    .map(ToString::to_string)
    .collect::<Vec<_>>()
    .join(", ")
}
