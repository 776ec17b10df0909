//! `amlnet explain`: why each rule or record exists.
//!
//! Takes the IR and a query (flow id, peer such as a service tag or FQDN, catalog
//! requirement id, or DNS name; empty = everything) and returns readable text: the
//! profile settings that triggered it, the catalog entries, their sources, and the
//! choices made where sources disagree. Reads the catalog for those details; never prints
//! and never compiles: the caller passes an IR from `crate::compile`.

use std::fmt::Write as _;

use crate::catalog;
use crate::ir::{Flow, Ir};
use crate::{Error, Result};

/// Everything matching `query` (case-insensitive), or an `Error::Input` naming the closest peer.
pub fn explain(ir: &Ir, query: Option<&str>) -> Result<String> {
  let q = query.map(str::to_ascii_lowercase);
  let matches = |s: &str| q.as_deref().is_none_or(|q| s.to_ascii_lowercase() == q);
  let mut out = String::new();
  let flows: Vec<&Flow> = ir
    .flows
    .iter()
    .filter(|f| matches(&f.id) || matches(&f.peer.to_string()) || f.requirements.iter().any(|r| matches(r)))
    .collect();
  for f in &flows {
    explain_flow(f, &mut out);
  }
  for r in ir
    .dns_records
    .iter()
    .filter(|r| matches(&r.name) || matches(&r.zone) || r.public_name.as_deref().is_some_and(matches))
  {
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
  for h in ir.host_records.iter().filter(|h| q.is_some() && matches(&h.name)) {
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
      "profile `{}` emits no rule or record matching `{}`{hint} (query a flow id, a service tag, an FQDN, a requirement id or a DNS name)",
      ir.profile,
      query.unwrap_or_default()
    )));
  }
  Ok(out)
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
