//! The NSG plan: one security rule per service-tag or CIDR flow of the customer VNet, with
//! priorities planned in a stable order with gaps (required before situational, then by
//! peer and protocol), plus the final deny when the profile asks for it. FQDN flows cannot
//! be NSG rules: a note names them.

use crate::ir::{Direction, Flow, Ir, Peer, PeerKind, Severity};
use crate::target::nsg::{Access, Protocol, SecurityRule, MAX_PRIORITY, MAX_RULES, NAME_MAX};
use crate::target::Endpoint;

use super::names::{description, rule_name};
use super::{customer_flows, list_note, Notes};

pub fn rules(ir: &Ir) -> Vec<SecurityRule> {
  let s = &ir.settings.nsg;
  let mut rules = Vec::new();
  for direction in [Direction::Inbound, Direction::Outbound] {
    let mut flows: Vec<&Flow> = customer_flows(ir)
      .filter(|f| f.peer_kind() != PeerKind::Fqdn && f.direction == direction)
      .collect();
    flows.sort_by(|a, b| {
      (!a.required, a.peer.sort_key(), a.protocol).cmp(&(!b.required, b.peer.sort_key(), b.protocol))
    });
    let start = if direction == Direction::Inbound {
      s.inbound_start
    } else {
      s.outbound_start
    };
    for (i, f) in flows.into_iter().enumerate() {
      let local = Endpoint::Tag(f.local.as_str().to_string());
      let peer = endpoint(&f.peer);
      let (source, destination) = match direction {
        Direction::Inbound => (peer, local),
        Direction::Outbound => (local, peer),
      };
      rules.push(SecurityRule {
        name: rule_name(direction, f),
        priority: start.saturating_add(s.step.saturating_mul(u32::try_from(i).unwrap_or(u32::MAX))),
        direction,
        access: Access::Allow,
        protocol: Protocol::from(f.protocol),
        source,
        destination,
        ports: f.ports.clone(),
        description: description(f),
        flow: Some(f.id.clone()),
      });
    }
  }
  if s.deny_internet_outbound {
    rules.push(SecurityRule {
      name: "Deny-Out-Internet".to_string(),
      priority: MAX_PRIORITY,
      direction: Direction::Outbound,
      access: Access::Deny,
      protocol: Protocol::Any,
      source: Endpoint::Any,
      destination: Endpoint::Tag("Internet".to_string()),
      ports: crate::net::PortSet::all(),
      description: "amlnet: deny other internet egress (profile nsg.deny_internet_outbound)".to_string(),
      flow: None,
    });
  }
  super::names::make_unique(rules.iter_mut().map(|r| &mut r.name), NAME_MAX);
  rules
}

/// The NSG address of a service-tag or CIDR peer.
pub fn endpoint(peer: &Peer) -> Endpoint {
  match peer {
    Peer::Tag(tag) => Endpoint::Tag(tag.clone()),
    Peer::Cidr(net) => Endpoint::Prefix(*net),
    Peer::Fqdn(name) => Endpoint::Tag(name.clone()),
  }
}

/// What the NSG cannot carry or where Azure would refuse the plan.
pub fn notes(ir: &Ir, rules: &[SecurityRule], notes: &mut Notes) {
  let fqdn: Vec<String> = customer_flows(ir)
    .filter_map(|f| f.peer.fqdn().map(str::to_string))
    .collect();
  let peers: Vec<&str> = fqdn.iter().map(String::as_str).collect();
  list_note(
    notes,
    Severity::Info,
    "NSG001",
    &format!(
      "nsg: {} FQDN flows cannot be NSG rules; they are in the firewall and FQDN outputs",
      peers.len()
    ),
    &peers,
  );
  if rules.len() > MAX_RULES {
    notes.push(
      Severity::Error,
      "NSG002",
      format!(
        "nsg: {} rules exceed the limit of {MAX_RULES} per NSG",
        rules.len()
      ),
    );
  }
  // Azure refuses two rules of one direction with the same priority (target-formats § 1.1).
  let mut taken = std::collections::BTreeMap::new();
  for r in rules {
    if let Some(other) = taken.insert((r.direction, r.priority), &r.name) {
      notes.push(
        Severity::Error,
        "NSG006",
        format!(
          "nsg: rules {other} and {} both get {} priority {}; lower nsg.{}_priority_start or nsg.priority_step",
          r.name,
          r.direction,
          r.priority,
          r.direction
        ),
      );
    }
  }
  if let Some(r) = rules.iter().find(|r| r.priority > MAX_PRIORITY) {
    notes.push(
      Severity::Error,
      "NSG003",
      format!(
        "nsg: rule {} gets priority {} > {MAX_PRIORITY}; lower nsg.*_priority_start or nsg.priority_step",
        r.name, r.priority
      ),
    );
  }
  if ir.settings.nsg.deny_internet_outbound {
    // NSGs see the real public destination even when a route sends it to the firewall, so
    // the final deny drops what the NSG cannot allow by tag: an error unless accepted.
    let accepted = ir.settings.nsg.accept_blocked_fqdn_flows;
    list_note(
      notes,
      if accepted {
        Severity::Warning
      } else {
        Severity::Error
      },
      "NSG005",
      if accepted {
        "nsg: Deny-Out-Internet blocks FQDN flows the NSG cannot allow (accepted by nsg.accept_blocked_fqdn_flows), unless a service-tag rule above covers their addresses"
      } else {
        "nsg: Deny-Out-Internet would block FQDN flows the NSG cannot allow; remove nsg.deny_internet_outbound, or set nsg.accept_blocked_fqdn_flows = true if these flows may fail"
      },
      &peers,
    );
  }
}
