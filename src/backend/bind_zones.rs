//! BIND zone files for the private DNS zones, and the `named.conf` fragment that loads them.
//!
//! Takes `ir.dns_zones`, `ir.dns_records` and the SOA/NS settings in `ir.settings.dns`; adds
//! `dns/zones/<zone>.zone` per zone and `dns/named.conf.zones` (see docs/dns.md). It never writes a
//! zone or record whose name, zone or value fails validation: each one gets a `Severity::Error` note
//! naming it instead, and the rest is still written. Names are parsed and written by
//! `syntax::dns`, comments by `syntax::comment`, the provenance lines by `syntax::stamp`.

use crate::plan::Plan;
use std::collections::BTreeMap;
use std::net::IpAddr;

use super::zone_file::{self, ZoneDefaults, ZoneFile};
use super::Output;
use crate::ir::{Ir, RecordType, Severity};
use crate::syntax::dns;

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  if ir.dns_zones.is_empty() {
    return;
  }
  let Some(defaults) = ZoneDefaults::from_settings(ir, out) else {
    return;
  };

  // Keyed by the lower-case zone name, so files and the fragment come out sorted.
  let mut zones: BTreeMap<String, ZoneFile> = BTreeMap::new();
  let mut refused: Vec<String> = Vec::new();
  for zone in &ir.dns_zones {
    match dns::host_name(&zone.name, false) {
      Ok(name) => {
        let file = ZoneFile::new(name);
        if zones.contains_key(file.origin_text()) {
          continue;
        }
        let mut file = file;
        file.comment(format!("Private DNS zone: {}", zone.purpose));
        file.comment(format!(
          "Serial {} is set by the profile ([dns] serial), not by the clock: the same profile gives the same file.",
          ir.settings.dns.serial
        ));
        zones.insert(file.origin_text().to_string(), file);
      }
      Err(e) => {
        out.note(
          Severity::Error,
          zone_file::INVALID_NAME,
          format!(
            "private DNS zone `{}`: {e}; its zone file is not written",
            zone.name
          ),
        );
        refused.push(zone.name.trim_end_matches('.').to_ascii_lowercase());
      }
    }
  }

  for record in &ir.dns_records {
    let key = record.zone.trim_end_matches('.').to_ascii_lowercase();
    let Some(file) = zones.get_mut(&key) else {
      // A record of a refused zone was covered by that zone's note.
      if !refused.contains(&key) {
        out.note(
          Severity::Error,
          zone_file::RECORD_OUTSIDE_ZONE,
          format!(
            "record `{}` names zone `{}`, which is not a private DNS zone of the profile",
            record.name, record.zone
          ),
        );
      }
      continue;
    };
    let name = match dns::host_name(&record.name, true) {
      Ok(name) => name,
      Err(e) => {
        out.note(
          Severity::Error,
          zone_file::INVALID_NAME,
          format!(
            "record `{}` in zone `{}`: {e}; it is not written",
            record.name, record.zone
          ),
        );
        continue;
      }
    };
    let value = match record.record_type {
      RecordType::A => IpAddr::V4(record.value),
    };
    let comment = match &record.public_name {
      Some(public) => format!("{} (public name {public})", record.resource),
      None => record.resource.clone(),
    };
    if !file.push(&name, value, comment) {
      out.note(
        Severity::Error,
        zone_file::RECORD_OUTSIDE_ZONE,
        format!(
          "record `{}` lies outside its zone `{}`; it is not written",
          record.name, record.zone
        ),
      );
    }
  }

  if zones.is_empty() {
    return;
  }
  zone_file::write_zone_set(
    ir,
    "zones",
    &[
      "Private DNS zones. Include from named.conf where options { directory } is this dns/ folder:",
      "the file paths below are relative to it.",
    ],
    zones,
    &defaults,
    out,
  );
}
