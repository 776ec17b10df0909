//! `amlnet explain`: why each rule or record exists.
//!
//! Takes the IR, its plan and a query (flow id, peer such as a service tag or FQDN, a host
//! name a wildcard rule matches, an address inside a CIDR flow or a DNS record's value, a
//! planned NSG / firewall / managed-network rule name, a catalog requirement id, or a DNS or
//! zone name; empty = everything) and returns readable text: the profile settings that
//! triggered it, the catalog entries, their sources, and the choices made where sources
//! disagree. Reads the catalog for those details; never prints and never compiles: the
//! caller passes what `crate::compile` returned.

use std::fmt::Write as _;

use crate::catalog;
use crate::ir::{Flow, Ir, Peer};
use crate::plan::Plan;
use crate::{Error, Result};

/// Everything matching `query` (case-insensitive), or an `Error::Input` naming the closest peer.
pub fn explain(ir: &Ir, plan: &Plan, query: Option<&str>) -> Result<String> {
  let q = query.map(str::to_ascii_lowercase);
  let matches = |s: &str| q.as_deref().is_none_or(|q| s.to_ascii_lowercase() == q);
  let address: Option<std::net::IpAddr> = q.as_deref().and_then(|q| q.parse().ok());
  let mut out = String::new();
  if q.is_some() {
    explain_rules(ir, plan, &matches, &mut out);
  }
  let flows: Vec<&Flow> = ir
    .flows
    .iter()
    .filter(|f| {
      matches(&f.id)
        || matches(&f.peer.text())
        || f.requirements.iter().any(|r| matches(r))
        || q.as_deref().is_some_and(|q| covers(&f.peer, q, address))
    })
    .collect();
  for f in &flows {
    explain_flow(f, &mut out);
  }
  for r in ir.dns_records.iter().filter(|r| {
    matches(&r.name)
      || matches(&r.zone)
      || r.public_name.as_deref().is_some_and(matches)
      || address == Some(std::net::IpAddr::V4(r.value))
  }) {
    let _ = writeln!(out, "dns record {} A {} (zone {})", r.name, r.value, r.zone);
    if let Some(public) = &r.public_name {
      let _ = writeln!(out, "  public name: {public}");
    }
    let _ = writeln!(out, "  resource: {}", r.resource);
    for s in &r.sources {
      let _ = writeln!(out, "  source: {s}");
    }
    out.push('\n');
  }
  for h in ir
    .host_records
    .iter()
    .filter(|h| q.is_some() && (matches(&h.name) || address == Some(std::net::IpAddr::V4(h.value))))
  {
    let _ = writeln!(out, "host record {} A {} ({})", h.name, h.value, h.resource);
    for s in &h.sources {
      let _ = writeln!(out, "  source: {s}");
    }
    out.push('\n');
  }
  for f in ir
    .dns_forwarders
    .iter()
    .filter(|f| q.is_some() && matches(&f.zone))
  {
    let _ = writeln!(
      out,
      "forwarded zone {} (on-premises too: {})",
      f.zone, f.on_premises
    );
    for s in &f.sources {
      let _ = writeln!(out, "  source: {s}");
    }
    out.push('\n');
  }
  if out.is_empty() {
    let peers: Vec<String> = ir.flows.iter().map(|f| f.peer.to_string()).collect();
    let known: Vec<&str> = peers.iter().map(String::as_str).collect();
    let hint = query
      .and_then(|q| crate::diagnostic::did_you_mean(q, known.iter().copied()))
      .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
    return Err(Error::input(format!(
      "profile `{}` emits no rule or record matching `{}`{hint} (query a flow id, a rule name, a service tag, an FQDN or a host name, an address, a requirement id or a DNS name)",
      ir.profile,
      query.unwrap_or_default()
    )));
  }
  Ok(out)
}

/// Does a flow's peer take in `query` without being it: a host name under a wildcard FQDN
/// (`files.pythonhosted.org` under `*.pythonhosted.org`), or an address inside a CIDR.
fn covers(peer: &Peer, query: &str, address: Option<std::net::IpAddr>) -> bool {
  match peer {
    Peer::Fqdn(name) if name.starts_with("*.") => {
      !query.eq_ignore_ascii_case(name) && crate::eval::firewall::fqdn_matches(name, query)
    }
    Peer::Cidr(net) => address.is_some_and(|a| net.contains(&a)),
    _ => false,
  }
}

/// Planned rules whose name matches, each with the flow it carries.
fn explain_rules(ir: &Ir, plan: &Plan, matches: &dyn Fn(&str) -> bool, out: &mut String) {
  let flow = |id: &Option<String>| id.as_ref().and_then(|id| ir.flows.iter().find(|f| &f.id == id));
  for r in plan.nsg.iter().filter(|r| matches(&r.name)) {
    let _ = writeln!(
      out,
      "nsg rule {} (priority {}, {}, {} {} from {} to {} ports {})",
      r.name,
      r.priority,
      r.direction,
      r.access.as_str(),
      r.protocol.as_str(),
      r.source,
      r.destination,
      r.ports
    );
    match flow(&r.flow) {
      Some(f) => explain_flow(f, out),
      None => {
        let _ = writeln!(out, "  {}\n", r.description);
      }
    }
  }
  let fw = &plan.firewall;
  let network = fw
    .network
    .rules
    .iter()
    .map(|r| (&fw.network.name, &r.name, &r.flow));
  let application = fw
    .application
    .rules
    .iter()
    .map(|r| (&fw.application.name, &r.name, &r.flow));
  for (collection, name, id) in network.chain(application).filter(|(_, name, _)| matches(name)) {
    let _ = writeln!(
      out,
      "firewall rule {name} (collection {collection}, group {})",
      fw.name
    );
    if let Some(f) = flow(id) {
      explain_flow(f, out);
    }
  }
  for r in plan
    .managed
    .iter()
    .flat_map(|m| &m.rules)
    .filter(|r| matches(&r.name))
  {
    let _ = writeln!(
      out,
      "managed-network rule {} ({})\n  {}\n",
      r.name,
      r.destination.kind(),
      r.comment
    );
  }
}

fn explain_flow(f: &Flow, out: &mut String) {
  let catalog = catalog::get();
  let _ = writeln!(
    out,
    "{} {} {} {} [{}] ({})",
    f.id,
    f.direction.as_str(),
    f.protocol.as_str(),
    f.peer,
    f.ports.strings().join(", "),
    if f.required { "required" } else { "situational" }
  );
  let _ = writeln!(out, "  purpose: {}", f.purpose);
  for t in &f.triggers {
    let _ = writeln!(out, "  triggered by: {t}");
  }
  for id in &f.requirements {
    let Some(r) = catalog.requirements.iter().find(|r| &r.id == id) else {
      continue;
    };
    let _ = writeln!(
      out,
      "  catalog {id} ({}): {} [{}]",
      r.family,
      r.purpose,
      r.ports.strings().join(", ")
    );
    for s in &r.sources {
      let _ = writeln!(out, "    source: {}", catalog.cite(s));
    }
    for c in r.choices.iter().filter_map(|c| catalog.choice(c)) {
      let _ = writeln!(
        out,
        "    choice {} ({}, facts § 6 {}): {}",
        c.id, c.topic, c.facts, c.choice
      );
      let _ = writeln!(out, "      because: {}", c.because);
      for side in &c.sides {
        let _ = writeln!(out, "      side: {}", catalog.cite(side));
      }
    }
  }
  out.push('\n');
}
