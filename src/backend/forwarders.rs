//! Conditional forwarders for the public zones of `ir.dns_forwarders`, in five DNS server formats.
//!
//! Takes the forwarder zones, `ir.settings.dns.azure_dns` and `ir.settings.dns.resolver_ip`; adds
//! `dns/forwarders/vnet/*` (every zone to Azure DNS, for a server inside a VNet) and
//! `dns/forwarders/on-premises/*` (zones marked `on_premises` to the in-VNet resolver), each as a
//! BIND fragment, Unbound, dnsmasq, CoreDNS Corefile and Windows DNS PowerShell (see docs/dns.md).
//! It never invents a resolver: without `resolver_ip` the on-premises set is skipped with an Info
//! note. A zone or address that fails validation is not written (Error note).

use crate::plan::Plan;
use std::fmt::Write as _;
use std::net::IpAddr;

use super::zone_file::{self, ascii, parse_name};
use super::Output;
use crate::ir::{Ir, Severity};

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  if ir.dns_forwarders.is_empty() {
    return;
  }
  let mut zones: Vec<(String, bool)> = Vec::new();
  for forwarder in &ir.dns_forwarders {
    match parse_name(&forwarder.zone, false) {
      Ok(name) => zones.push((ascii(&name), forwarder.on_premises)),
      Err(e) => out.note(
        Severity::Error,
        zone_file::INVALID_NAME,
        format!(
          "forwarder zone `{}`: {e}; no forwarder is written for it",
          forwarder.zone
        ),
      ),
    }
  }
  zones.sort();
  zones.dedup_by(|a, b| a.0 == b.0);
  let all: Vec<&str> = zones.iter().map(|(z, _)| z.as_str()).collect();
  let on_premises: Vec<&str> = zones
    .iter()
    .filter(|(_, on_prem)| *on_prem)
    .map(|(z, _)| z.as_str())
    .collect();

  // Azure DNS answers only from inside a VNet (azureml-network-facts.md section 2), hence two sets.
  write_set(
    ir,
    out,
    "vnet",
    "a DNS server inside a VNet linked to the private DNS zones",
    "Azure DNS",
    &all,
    ir.settings.dns.azure_dns,
  );
  match &ir.settings.dns.resolver_ip {
    None => out.note(
      Severity::Info,
      zone_file::FORWARDERS_SKIPPED,
      "on-premises conditional forwarders are not written: the profile names no in-VNet resolver ([dns] resolver_ip)",
    ),
    Some(_) if on_premises.is_empty() => out.note(
      Severity::Info,
      zone_file::FORWARDERS_SKIPPED,
      "on-premises conditional forwarders are not written: no forwarder zone is marked for on-premises servers",
    ),
    Some(resolver) => {
      write_set(ir, out, "on-premises", "an on-premises DNS server", "the in-VNet resolver", &on_premises, *resolver);
    }
  }
}

/// One set of forwarders (same zones, same upstream) in every server format.
fn write_set(ir: &Ir, out: &mut Output, dir: &str, server: &str, upstream: &str, zones: &[&str], ip: IpAddr) {
  let about = format!("Conditional forwarders for {server}: each zone below goes to {upstream} at {ip}.");

  let mut bind = zone_file::header(ir, "//");
  let _ = writeln!(bind, "// {about}");
  // `forward only`: BIND's default `forward first` falls back to public recursion, which would
  // return the public answer instead of the private endpoint (target-formats.md section 4.2).
  bind.push_str("// forward only: never fall back to public recursion for these zones.\n");
  for zone in zones {
    let _ = writeln!(
      bind,
      "zone \"{zone}\" {{ type forward; forward only; forwarders {{ {ip}; }}; }};"
    );
  }
  out.add(format!("dns/forwarders/{dir}/named.conf.forwarders"), bind);

  let mut unbound = zone_file::header(ir, "#");
  let _ = writeln!(unbound, "# {about}");
  unbound.push_str(
    "# Include at the top level of unbound.conf (include: \"unbound.conf\"), after the server: clause.\n",
  );
  for zone in zones {
    let _ = writeln!(
      unbound,
      "forward-zone:\n  name: \"{zone}.\"\n  forward-addr: {ip}"
    );
  }
  out.add(format!("dns/forwarders/{dir}/unbound.conf"), unbound);

  let mut dnsmasq = zone_file::header(ir, "#");
  let _ = writeln!(dnsmasq, "# {about}");
  for zone in zones {
    let _ = writeln!(dnsmasq, "server=/{zone}/{ip}");
  }
  out.add(format!("dns/forwarders/{dir}/dnsmasq.conf"), dnsmasq);

  let mut corefile = zone_file::header(ir, "#");
  let _ = writeln!(corefile, "# {about}");
  // One server block per zone: the forward plugin may appear once per block (target-formats.md section 4.2).
  for zone in zones {
    let _ = writeln!(corefile, "{zone}:53 {{\n  forward . {ip}\n}}");
  }
  out.add(format!("dns/forwarders/{dir}/Corefile"), corefile);

  let mut ps = zone_file::header(ir, "#");
  let _ = writeln!(ps, "# {about}");
  ps.push_str(
    "# Run on the Windows DNS server (DnsServer module). A zone that already exists is reported by the\n",
  );
  ps.push_str(
    "# cmdlet and left as it is; the other lines still run. For AD-integrated zones add -ReplicationScope.\n",
  );
  for zone in zones {
    let _ = writeln!(
      ps,
      "Add-DnsServerConditionalForwarderZone -Name \"{zone}\" -MasterServers {ip}"
    );
  }
  out.add(format!("dns/forwarders/{dir}/windows-dns.ps1"), ps);
}
