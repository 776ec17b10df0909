//! The host-records alternative: A/AAAA records on the public names, for DNS servers that do not forward.
//!
//! Takes `ir.host_records`, the zone names of `ir.dns_forwarders` and the SOA/NS settings; adds
//! `dns/host-records/<zone>.zone` per public zone, `dns/host-records/named.conf.zones` and `dns/hosts`
//! (see docs/dns.md). Each name gets a zone of its own, so the server never takes over a whole public
//! domain (Microsoft's names beside ours keep resolving). It never writes a name or address
//! that fails validation (Error note instead), and never puts a wildcard into the hosts file (Warning).

use crate::plan::Plan;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use hickory_proto::rr::Name;

use super::zone_file::{self, address_record, ascii, parse_name, ZoneDefaults, ZoneFile};
use super::Output;
use crate::ir::{Ir, Severity};

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  if ir.host_records.is_empty() {
    return;
  }
  let Some(defaults) = ZoneDefaults::from_settings(ir, out) else {
    return;
  };
  let mut zones: BTreeMap<String, ZoneFile> = BTreeMap::new();
  let mut hosts: Vec<(String, String)> = Vec::new();
  for record in &ir.host_records {
    let name = match parse_name(&record.name, true) {
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
    let zone = zone_for(&name);
    let key = ascii(&zone);
    let file = zones.entry(key.clone()).or_insert_with(|| {
      let mut file = ZoneFile::new(zone);
      file.comment(&format!(
        "Host record for {key}, for a DNS server that does not forward it. The zone holds this one name, so \
         the rest of the public domain still resolves as before."
      ));
      file
    });
    file.push(address_record(name.clone(), defaults.ttl(), ip), &record.resource);

    if name.is_wildcard() {
      out.note(
        Severity::Warning,
        zone_file::NOT_IN_HOSTS_FILE,
        format!(
          "host record `{}` is a wildcard, which a hosts file cannot express; it is only in dns/host-records/{key}.zone",
          record.name
        ),
      );
    } else {
      hosts.push((ascii(&name), ip.to_string()));
    }
  }

  let mut conf = zone_file::header(ir, "//");
  conf.push_str(
    "// Host-record zones. Include from named.conf where options { directory } is the dns/ folder,\n",
  );
  conf.push_str("// and not together with the conditional forwarders of the same zones.\n");
  for (name, file) in &zones {
    let text = file.render(ir, &defaults, out);
    out.add(format!("dns/host-records/{name}.zone"), text);
    let _ = writeln!(
      conf,
      "zone \"{name}\" {{ type master; file \"host-records/{name}.zone\"; }};"
    );
  }
  if !zones.is_empty() {
    out.add("dns/host-records/named.conf.zones", conf);
  }

  if !hosts.is_empty() {
    hosts.sort();
    hosts.dedup();
    let width = hosts.iter().map(|(_, ip)| ip.len()).max().unwrap_or(0);
    let mut text = zone_file::header(ir, "#");
    text.push_str("# Append to /etc/hosts (or C:\\Windows\\System32\\drivers\\etc\\hosts) on each client.\n");
    for (name, ip) in &hosts {
      let _ = writeln!(text, "{ip:width$} {name}");
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
