//! Traffic boxes in a reviewer's words, for the audit's findings: how a deployed box goes
//! beyond what it is needed for, ports, rule texts, free priorities. Takes the boxes
//! `eval` gives for rules (`eval::nsg::matched`, `eval::firewall::matched_network`,
//! `matched_application`) and returns short strings. Decides nothing and matches nothing.

use crate::eval::{Protocols, TrafficClass};
use crate::ir::{Flow, Ir};
use crate::net::{PortSet, PrefixSet};
use crate::target::nsg::{Access, SecurityRule};

pub fn intersects(a: &TrafficClass, b: &TrafficClass) -> bool {
  !a.protocols.intersection(b.protocols).is_empty()
    && !a.source.intersection(&b.source).is_empty()
    && !a.destination.intersection(&b.destination).is_empty()
    && !a.ports.intersection(&b.ports).is_empty()
}

/// The union of boxes, dimension by dimension (what the requirements a rule serves need).
#[derive(Clone, Debug, Default)]
pub struct Needed {
  pub protocols: Protocols,
  pub source: PrefixSet,
  pub destination: PrefixSet,
  pub ports: PortSet,
}

impl Needed {
  pub fn add(&mut self, c: &TrafficClass) {
    self.protocols = self.protocols.union(c.protocols);
    self.source = self.source.union(&c.source);
    self.destination = self.destination.union(&c.destination);
    self.ports = self.ports.union(&c.ports);
  }
}

/// How a deployed box goes beyond what it is needed for, one phrase per dimension, using the
/// deployed rule's and the requirements' own words (`said_*`).
pub struct Said {
  pub protocols: (String, String),
  pub source: (String, String),
  pub destination: (String, String),
}

pub fn excess(deployed: &TrafficClass, needed: &Needed, said: &Said) -> Vec<String> {
  let mut out = Vec::new();
  if !deployed.protocols.difference(needed.protocols).is_empty() {
    out.push(format!(
      "protocol {} where {} is needed",
      said.protocols.0, said.protocols.1
    ));
  }
  if !deployed.source.difference(&needed.source).is_empty() {
    out.push(format!(
      "source {} where {} is needed",
      said.source.0, said.source.1
    ));
  }
  if !deployed.destination.difference(&needed.destination).is_empty() {
    out.push(format!(
      "destination {} where {} is needed",
      said.destination.0, said.destination.1
    ));
  }
  if !deployed.ports.difference(&needed.ports).is_empty() {
    out.push(format!(
      "ports {} where {} is needed",
      ports(&deployed.ports),
      ports(&needed.ports)
    ));
  }
  out
}

pub fn ports(p: &PortSet) -> String {
  if p == &PortSet::all() {
    "*".into()
  } else {
    p.to_string()
  }
}

/// Distinct texts joined, in first-seen order.
pub fn words<I: IntoIterator<Item = String>>(items: I) -> String {
  let mut seen: Vec<String> = Vec::new();
  for i in items {
    if !seen.contains(&i) {
      seen.push(i);
    }
  }
  seen.join(", ")
}

/// The flow a planned rule carries.
pub fn flow<'a>(ir: &'a Ir, id: &Option<String>) -> Option<&'a Flow> {
  id.as_ref().and_then(|id| ir.flows.iter().find(|f| &f.id == id))
}

/// The requirement ids behind a planned rule.
pub fn requirements(ir: &Ir, id: &Option<String>) -> Vec<String> {
  flow(ir, id).map(|f| f.requirements.clone()).unwrap_or_default()
}

/// A planned NSG rule in the words of the portal: priority, direction, access, protocol,
/// source, destination, ports.
pub fn nsg_rule_text(r: &SecurityRule, priority: &str) -> String {
  format!(
    "priority {priority}, {}, {}, {}, {} → {}, ports {}",
    r.direction,
    r.access.as_str(),
    r.protocol.as_str(),
    r.source,
    r.destination,
    ports(&r.ports)
  )
}

/// The lowest free priority of `direction` (100–4096) above `below` in `deployed`, preferring
/// `wanted` when it is free and above.
pub fn free_priority(deployed: &[SecurityRule], r: &SecurityRule, below: u32) -> Option<u32> {
  let taken = |p: u32| {
    deployed
      .iter()
      .any(|d| d.direction == r.direction && d.priority == p)
  };
  let limit = below.min(4097);
  if r.priority < limit && !taken(r.priority) {
    return Some(r.priority);
  }
  (100..limit).find(|&p| !taken(p))
}

pub fn is_allow(r: &SecurityRule) -> bool {
  r.access == Access::Allow
}
