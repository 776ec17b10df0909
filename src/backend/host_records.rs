//! The host-records alternative: A/AAAA records on the public names, for DNS servers that do not forward.
//!
//! Takes `ir.host_records`, the zone names of `ir.dns_forwarders` and the SOA/NS settings; adds
//! `dns/host-records/<zone>.zone` per public zone, `dns/host-records/named.conf.zones` and `dns/hosts`
//! (see docs/dns.md). Each name gets a zone of its own, so the server never takes over a whole public
//! domain (Microsoft's names beside ours keep resolving). It never writes a name or address
//! that fails validation (Error note instead), and never puts a wildcard into the hosts file (Warning).
//! Names are parsed and written by `syntax::dns`, comments by `syntax::comment`, the provenance
//! lines by `syntax::stamp`.

use crate::plan::Plan;
use std::collections::BTreeMap;
use std::net::IpAddr;

use hickory_proto::rr::Name;

use super::zone_file::{self, ZoneDefaults, ZoneFile};
use super::Output;
use crate::ir::{Ir, Severity};
use crate::syntax::comment::{self, Leader};
use crate::syntax::{self, dns, Syntax};

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  if ir.host_records.is_empty() {
    return;
  }
  let Some(defaults) = ZoneDefaults::from_settings(ir, out) else {
    return;
  };
  let mut zones: BTreeMap<String, ZoneFile> = BTreeMap::new();
  // (name, address): both written by `syntax::dns` and `IpAddr`, so neither holds a space or line break.
  let mut hosts: Vec<(String, String)> = Vec::new();
  for record in &ir.host_records {
    let name = match dns::host_name(&record.name, true) {
      Ok(name) => name,
      Err(e) => {
        out.note(
          Severity::Error,
          zone_file::INVALID_NAME,
          format!("host record `{}`: {e}; it is not written", record.name),
        );
        continue;
      }
    };
    let ip = IpAddr::V4(record.value);
    let wildcard = name.is_wildcard();
    let zone = zone_for(&name);
    let key = dns::text(&zone);
    let file = match zones.get_mut(&key) {
      Some(file) => file,
      None => {
        let mut file = ZoneFile::new(zone);
        file.comment(format!(
          "Host record for {key}, for a DNS server that does not forward it. The zone holds this one name, so \
           the rest of the public domain still resolves as before."
        ));
        zones.entry(key.clone()).or_insert(file)
      }
    };
    // The zone is the name itself or the name below its `*`, so the name always lies inside it.
    file.push(&name, ip, record.resource.clone());

    if wildcard {
      out.note(
        Severity::Warning,
        zone_file::NOT_IN_HOSTS_FILE,
        format!(
          "host record `{}` is a wildcard, which a hosts file cannot express; it is only in dns/host-records/{key}.zone",
          record.name
        ),
      );
    } else {
      // A non-wildcard record's zone is its own name: `key` is its text.
      hosts.push((key, ip.to_string()));
    }
  }

  if !zones.is_empty() {
    zone_file::write_zone_set(
      ir,
      "host-records",
      &[
        "Host-record zones. Include from named.conf where options { directory } is the dns/ folder,",
        "and not together with the conditional forwarders of the same zones.",
      ],
      zones,
      &defaults,
      out,
    );
  }

  if !hosts.is_empty() {
    hosts.sort();
    hosts.dedup();
    let width = hosts.iter().map(|(_, ip)| ip.len()).max().unwrap_or(0);
    let mut text = syntax::stamp(ir, Syntax::Text);
    text.reserve(
      hosts
        .iter()
        .map(|(name, _)| name.len() + width + 2)
        .sum::<usize>()
        + 96,
    );
    comment::push_line(
      &mut text,
      Leader::Hash,
      "Append to /etc/hosts (or C:\\Windows\\System32\\drivers\\etc\\hosts) on each client.",
    );
    for (name, ip) in &hosts {
      text.push_str(ip);
      text.extend(std::iter::repeat_n(' ', width - ip.len() + 1));
      text.push_str(name);
      text.push('\n');
    }
    out.add("dns/hosts", text);
  }
}

/// The zone a host record lives in: a zone of its own name (a wildcard: of the name below
/// the `*`). A zone for a whole public domain (api.azureml.ms, blob.core.windows.net) would
/// make the server answer NXDOMAIN for every other name there, Microsoft's own included.
fn zone_for(name: &Name) -> Name {
  if name.is_wildcard() {
    name.base_name()
  } else {
    name.clone()
  }
}
