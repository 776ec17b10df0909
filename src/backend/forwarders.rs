//! Conditional forwarders for the public zones of `ir.dns_forwarders`, in five DNS server formats.
//!
//! Takes the forwarder zones, `ir.settings.dns.azure_dns` and `ir.settings.dns.resolver_ip`; adds
//! `dns/forwarders/vnet/*` (every zone to Azure DNS, for a server inside a VNet) and
//! `dns/forwarders/on-premises/*` (zones marked `on_premises` to the in-VNet resolver), each as a
//! BIND fragment, Unbound, dnsmasq, CoreDNS Corefile and Windows DNS PowerShell (see docs/dns.md).
//! It never invents a resolver: without `resolver_ip` the on-premises set is skipped with an Info
//! note. A zone or address that fails validation is not written (Error note). Zone names are
//! parsed and written by `syntax::dns`, PowerShell strings by `syntax::powershell`, comments by
//! `syntax::comment`, the provenance lines by `syntax::stamp`.

use crate::plan::Plan;
use std::net::IpAddr;

use super::zone_file;
use super::Output;
use crate::ir::{Ir, Severity};
use crate::syntax::comment::{self, Leader};
use crate::syntax::{self, dns, powershell, Syntax};

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  if ir.dns_forwarders.is_empty() {
    return;
  }
  let mut zones: Vec<(String, bool)> = Vec::new();
  for forwarder in &ir.dns_forwarders {
    match dns::host_name(&forwarder.zone, false) {
      // `dns::text` of a host name holds only `[a-z0-9.-]`: safe bare, inside `"…"` and between
      // dnsmasq's slashes, in every format below.
      Ok(name) => zones.push((dns::text(&name), forwarder.on_premises)),
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
  let ip = ip.to_string();
  let names: usize = zones.iter().map(|z| z.len()).sum();
  let start = |syntax: Syntax, per_zone: usize| {
    let mut text = syntax::stamp(ir, syntax);
    text.reserve(about.len() + 200 + names + zones.len() * (per_zone + ip.len()));
    comment::push_line(&mut text, syntax.leader().unwrap_or(Leader::Hash), &about);
    text
  };

  let mut bind = start(Syntax::NamedConf, 64);
  // `forward only`: BIND's default `forward first` falls back to public recursion, which would
  // return the public answer instead of the private endpoint (target-formats.md section 4.2).
  comment::push_line(
    &mut bind,
    Leader::Slashes,
    "forward only: never fall back to public recursion for these zones.",
  );
  for zone in zones {
    bind.push_str("zone \"");
    bind.push_str(zone);
    bind.push_str("\" { type forward; forward only; forwarders { ");
    bind.push_str(&ip);
    bind.push_str("; }; };\n");
  }
  out.add(format!("dns/forwarders/{dir}/named.conf.forwarders"), bind);

  let mut unbound = start(Syntax::Unbound, 48);
  comment::push_line(
    &mut unbound,
    Leader::Hash,
    "Include at the top level of unbound.conf (include: \"unbound.conf\"), after the server: clause.",
  );
  for zone in zones {
    // The absolute name (`dns::absolute`): the text and a trailing dot.
    unbound.push_str("forward-zone:\n  name: \"");
    unbound.push_str(zone);
    unbound.push_str(".\"\n  forward-addr: ");
    unbound.push_str(&ip);
    unbound.push('\n');
  }
  out.add(format!("dns/forwarders/{dir}/unbound.conf"), unbound);

  let mut dnsmasq = start(Syntax::Dnsmasq, 10);
  for zone in zones {
    dnsmasq.push_str("server=/");
    dnsmasq.push_str(zone);
    dnsmasq.push('/');
    dnsmasq.push_str(&ip);
    dnsmasq.push('\n');
  }
  out.add(format!("dns/forwarders/{dir}/dnsmasq.conf"), dnsmasq);

  // One server block per zone: the forward plugin may appear once per block (target-formats.md section 4.2).
  let mut corefile = start(Syntax::Corefile, 24);
  for zone in zones {
    corefile.push_str(zone);
    corefile.push_str(":53 {\n  forward . ");
    corefile.push_str(&ip);
    corefile.push_str("\n}\n");
  }
  out.add(format!("dns/forwarders/{dir}/Corefile"), corefile);

  let mut ps = start(Syntax::PowerShell, 72);
  comment::push_line(
    &mut ps,
    Leader::Hash,
    "Run on the Windows DNS server (DnsServer module). A zone that already exists is reported by the",
  );
  comment::push_line(
    &mut ps,
    Leader::Hash,
    "cmdlet and left as it is; the other lines still run. For AD-integrated zones add -ReplicationScope.",
  );
  for zone in zones {
    ps.push_str("Add-DnsServerConditionalForwarderZone -Name ");
    ps.push_str(&powershell::string(zone));
    ps.push_str(" -MasterServers ");
    ps.push_str(&ip);
    ps.push('\n');
  }
  out.add(format!("dns/forwarders/{dir}/windows-dns.ps1"), ps);
}
