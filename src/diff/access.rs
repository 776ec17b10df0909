//! Effective access: what the rules each target will really hold allow on one side and
//! deny on the other. Takes both sides' IR and `Plan` (NSG rules, the firewall rule
//! collection group, the managed network) and returns the access changes, each with the
//! kinds it trips (`widened` for anything that opens access, `narrowed` for anything that
//! closes it) and what it opens or closes.
//!
//! Matching is `crate::eval`'s (NSG priorities, first match and default rules; firewall
//! network before application collections, default deny), never re-implemented here: each
//! part of the old side's partition of all traffic is evaluated again on the new side, and
//! the parts whose decision differs are grouped by the rules that decided them. Service
//! tags are opaque address blocks (`Symbolic`): no ServiceTags download is needed, and two
//! tags never overlap except a regional tag inside its global one and every published tag
//! inside `Internet`. So renumbering or renaming rules that changes no decision is no
//! change, and an allow moving above or below a deny is. The rule collection group priority
//! in a shared policy is compared here too; placement, egress, the managed network and DNS
//! answers are `placement`'s. Never reads files, never renders.

use std::collections::BTreeMap;

use serde::Serialize;

use super::changes::Kind;
use super::describe::{describe_ports, describe_prefixes, describe_protocols, resolver, tag_blocks};
use super::placement;
use super::routing;
use crate::eval::firewall::{Decider, Policy, Query};
use crate::eval::nsg::Nsg;
use crate::eval::Symbolic;
use crate::eval::{Protocols, TrafficClass};
use crate::ir::{Direction, Ir};
use crate::net::{PortSet, PrefixSet};
use crate::plan::Plan;
use crate::target::firewall::{Destination, RuleCollectionGroup};
use crate::target::nsg::{default_rules, Access, SecurityRule};

/// One change of who can reach what.
#[derive(Clone, Debug, Serialize)]
pub struct AccessChange {
  /// `nsg`, `firewall`, `egress`, `managed_network` or `dns`.
  pub target: &'static str,
  /// The deployed object: "NSG nsg-training outbound", "firewall afwp-hub / amlnet-rcg".
  pub scope: String,
  /// `widened` when it opens access, `narrowed` when it closes it, `added` for a new private
  /// DNS answer, `changed` for what moves without a clear direction (with the others when
  /// it also opens or closes).
  pub kinds: Vec<Kind>,
  /// One sentence: what it opens or closes and why.
  pub summary: String,
  /// The traffic whose decision changes, when rules decide it: one entry per destination
  /// (or name) with its protocols and ports, all from the same sources.
  pub traffic: Vec<Traffic>,
  /// The rules that decided that traffic on the old side, and on the new side.
  pub old: Vec<Decision>,
  pub new: Vec<Decision>,
}

/// A set of packets in reviewer's terms: tags by name, addresses as CIDRs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Traffic {
  pub protocols: String,
  pub source: String,
  /// Addresses, or the name asked for when firewall application or FQDN rules decide.
  pub destination: String,
  pub ports: String,
  /// The name asked for, for traffic firewall application or FQDN rules decide.
  pub name: Option<String>,
}

/// What decided the traffic on one side.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Decision {
  /// `Allow` or `Deny`.
  pub access: &'static str,
  /// The deciding rule ("Deny-Out-Internet", "amlnet-network/Allow-…"), or "default deny".
  pub rule: String,
  pub priority: Option<u32>,
  /// `Azure default`, `removed` (the rule is gone on the new side), `new` (not on the old side).
  pub note: Option<&'static str>,
}

impl Traffic {
  /// "AzureMonitor TCP port 443"; the source is said once per change.
  pub fn text(&self) -> String {
    format!("{} {} {}", self.destination, self.protocols, self.ports)
  }
}

impl Decision {
  pub fn text(&self) -> String {
    let mut extra: Vec<String> = self.priority.iter().map(u32::to_string).collect();
    extra.extend(self.note.map(str::to_string));
    if extra.is_empty() {
      self.rule.clone()
    } else {
      format!("{} ({})", self.rule, extra.join(", "))
    }
  }
}

/// The rules of one side, said in full when few, else the first ones and a count.
pub fn decisions_text(list: &[Decision]) -> String {
  const SAID: usize = 3;
  let said: Vec<String> = list.iter().take(SAID).map(Decision::text).collect();
  match list.len().saturating_sub(SAID) {
    0 => said.join(", "),
    1 => format!("{} and 1 more rule", said.join(", ")),
    more => format!("{} and {more} more rules", said.join(", ")),
  }
}

/// One side of the comparison: its IR, its plan and its tag resolution.
pub struct Sided<'a> {
  pub ir: &'a Ir,
  pub plan: &'a Plan,
}

pub fn changes(old: &Sided, new: &Sided) -> Vec<AccessChange> {
  let blocks = tag_blocks([old.plan, new.plan]);
  let (old_tags, new_tags) = (resolver(&blocks, old.ir), resolver(&blocks, new.ir));
  let mut out = Vec::new();
  nsg(old, new, &old_tags, &new_tags, &mut out);
  firewall(old, new, &old_tags, &new_tags, &mut out);
  placement::placement(old, new, &mut out);
  routing::network(old, new, &mut out);
  routing::public_access(old, new, &mut out);
  placement::egress(old.ir.settings.egress, new.ir.settings.egress, &mut out);
  placement::managed(old, new, &mut out);
  placement::dns(old.ir, new.ir, &mut out);
  out.sort_by(|a, b| (a.target, &a.scope, &a.summary).cmp(&(b.target, &b.scope, &b.summary)));
  out
}

// ---------------------------------------------------------------------------------------------
// Rule sets through the evaluator

/// The union of the parts one pair of deciders decided differently.
#[derive(Default)]
struct Extent {
  protocols: Protocols,
  source: PrefixSet,
  destination: PrefixSet,
  ports: PortSet,
}

impl Extent {
  fn add(&mut self, c: &TrafficClass) {
    self.protocols = self.protocols.union(c.protocols);
    self.source = self.source.union(&c.source);
    self.destination = self.destination.union(&c.destination);
    self.ports = self.ports.union(&c.ports);
  }

  fn traffic(&self, tags: &Symbolic, name: Option<&str>) -> Traffic {
    Traffic {
      protocols: describe_protocols(self.protocols),
      source: describe_prefixes(&self.source, tags),
      // A name is what application and FQDN rules match, whatever it resolves to.
      destination: match name {
        Some(n) => n.to_string(),
        None => describe_prefixes(&self.destination, tags),
      },
      ports: describe_ports(&self.ports),
      name: name.map(str::to_string),
    }
  }
}

type Groups = BTreeMap<(Option<String>, Decision, Decision), Extent>;

/// The access changes of one target from the pairs of deciders that disagree: one change
/// per direction of change and source, listing every destination and the rules on each side.
fn decided(
  target: &'static str,
  scope: &str,
  groups: Vec<(Decision, Decision, Traffic)>,
) -> Vec<AccessChange> {
  type Merged = (Vec<Traffic>, Vec<Decision>, Vec<Decision>);
  let mut merged: BTreeMap<(bool, String), Merged> = BTreeMap::new();
  for (old, new, traffic) in groups {
    let entry = merged
      .entry((new.access == "Allow", traffic.source.clone()))
      .or_default();
    if !entry.0.contains(&traffic) {
      entry.0.push(traffic);
    }
    for (list, d) in [(&mut entry.1, old), (&mut entry.2, new)] {
      if !list.contains(&d) {
        list.push(d);
      }
    }
  }
  merged
    .into_iter()
    .map(|((opened, source), (traffic, old, new))| {
      let (verb, was) = if opened {
        ("now allowed", "denied")
      } else {
        ("now denied", "allowed")
      };
      let to: Vec<String> = traffic.iter().map(Traffic::text).collect();
      AccessChange {
        target,
        scope: scope.to_string(),
        kinds: vec![if opened { Kind::Widened } else { Kind::Narrowed }],
        summary: format!(
          "from {source} to {}: {verb} by {}; was {was} by {}",
          to.join("; "),
          decisions_text(&new),
          decisions_text(&old)
        ),
        traffic,
        old,
        new,
      }
    })
    .collect()
}

fn evaluation_failed(target: &'static str, scope: &str, why: &str) -> AccessChange {
  AccessChange {
    target,
    scope: scope.to_string(),
    kinds: vec![Kind::Changed],
    summary: format!("effective access could not be compared: {why}"),
    traffic: vec![],
    old: vec![],
    new: vec![],
  }
}

fn access(a: Access) -> &'static str {
  a.as_str()
}

fn nsg(old: &Sided, new: &Sided, old_tags: &Symbolic, new_tags: &Symbolic, out: &mut Vec<AccessChange>) {
  let (old_nsg, new_nsg) = (Nsg::new(&old.plan.nsg), Nsg::new(&new.plan.nsg));
  let defaults: Vec<String> = default_rules().into_iter().map(|r| r.name).collect();
  let decision = |r: &SecurityRule, other: &[SecurityRule], removed: &'static str| Decision {
    access: access(r.access),
    rule: r.name.clone(),
    priority: Some(r.priority),
    note: if defaults.contains(&r.name) {
      Some("Azure default")
    } else if !other.iter().any(|o| o.name == r.name) {
      Some(removed)
    } else {
      None
    },
  };
  for direction in [Direction::Inbound, Direction::Outbound] {
    let scope = format!("NSG {} {direction}", new.ir.settings.nsg.name);
    let mut groups = Groups::new();
    let result = (|| {
      for o in old_nsg.evaluate(direction, &TrafficClass::all(), old_tags)? {
        for n in new_nsg.evaluate(direction, &o.class, new_tags)? {
          if n.access != o.access {
            let key = (
              None,
              decision(o.rule, &new.plan.nsg, "removed"),
              decision(n.rule, &old.plan.nsg, "new"),
            );
            groups.entry(key).or_default().add(&n.class);
          }
        }
      }
      Ok::<_, crate::eval::UnknownTag>(())
    })();
    if let Err(e) = result {
      out.push(evaluation_failed("nsg", &scope, &e.to_string()));
      continue;
    }
    let groups = groups
      .into_iter()
      .map(|((_, o, n), extent)| (o, n, extent.traffic(new_tags, None)))
      .collect();
    out.extend(decided("nsg", &scope, groups));
  }
}

pub(super) fn group_scope(g: &RuleCollectionGroup) -> String {
  format!("firewall {} / {}", g.policy, g.name)
}

fn firewall(old: &Sided, new: &Sided, old_tags: &Symbolic, new_tags: &Symbolic, out: &mut Vec<AccessChange>) {
  let (old_g, new_g) = (&old.plan.firewall, &new.plan.firewall);
  let (old_p, new_p) = (
    Policy::new(std::slice::from_ref(old_g)),
    Policy::new(std::slice::from_ref(new_g)),
  );
  let rule_names = |g: &RuleCollectionGroup| -> Vec<String> {
    let network = g
      .network
      .rules
      .iter()
      .map(|r| format!("{}/{}", g.network.name, r.name));
    let application = g
      .application
      .rules
      .iter()
      .map(|r| format!("{}/{}", g.application.name, r.name));
    network.chain(application).collect()
  };
  let (old_names, new_names) = (rule_names(old_g), rule_names(new_g));
  let decision = |d: &Decider, other: &[String], removed: &'static str| {
    let (rule, priority) = match d {
      Decider::Network(c, r) => (format!("{}/{}", c.name, r.name), Some(c.priority)),
      Decider::Application(c, r) => (format!("{}/{}", c.name, r.name), Some(c.priority)),
      Decider::DefaultDeny => ("default deny".to_string(), None),
    };
    let note = (priority.is_some() && !other.contains(&rule)).then_some(removed);
    Decision {
      access: match d {
        Decider::DefaultDeny => "Deny",
        Decider::Network(c, _) | Decider::Application(c, _) => access(c.action),
      },
      rule,
      priority,
      note,
    }
  };
  let by_name = |d: &Decider| match d {
    Decider::Application(..) => true,
    Decider::Network(_, r) => matches!(r.destination, Destination::Fqdns(_)),
    Decider::DefaultDeny => false,
  };
  // Unnamed traffic first, then every name an application or FQDN rule of either side matches.
  let mut names: Vec<Option<String>> = vec![None];
  let mut named: Vec<String> = [old_g, new_g]
    .iter()
    .flat_map(|g| {
      let app = g.application.rules.iter().flat_map(|r| r.target_fqdns.clone());
      let net = g.network.rules.iter().flat_map(|r| match &r.destination {
        Destination::Fqdns(n) => n.clone(),
        Destination::Addresses(_) => vec![],
      });
      app.chain(net).collect::<Vec<_>>()
    })
    .map(|n| n.to_ascii_lowercase())
    .collect();
  named.sort();
  named.dedup();
  names.extend(named.into_iter().map(Some));
  let scope = group_scope(new_g);
  let mut groups = Groups::new();
  for name in names {
    let query = Query {
      class: TrafficClass::all(),
      name: name.clone(),
    };
    let result = (|| {
      for o in old_p.evaluate(&query, old_tags)? {
        let part = Query {
          class: o.class.clone(),
          name: name.clone(),
        };
        for n in new_p.evaluate(&part, new_tags)? {
          if n.access == o.access || (name.is_some() && !by_name(&o.decided_by) && !by_name(&n.decided_by)) {
            continue;
          }
          let key = (
            name.clone(),
            decision(&o.decided_by, &new_names, "removed"),
            decision(&n.decided_by, &old_names, "new"),
          );
          groups.entry(key).or_default().add(&n.class);
        }
      }
      Ok::<_, crate::eval::UnknownTag>(())
    })();
    if let Err(e) = result {
      out.push(evaluation_failed("firewall", &scope, &e.to_string()));
      return;
    }
  }
  let groups = groups
    .into_iter()
    .map(|((name, o, n), extent)| (o, n, extent.traffic(new_tags, name.as_deref())))
    .collect();
  out.extend(decided("firewall", &scope, groups));
  // One group of amlnet's own, all Allow: in a shared policy, groups are evaluated by
  // priority, so an earlier group's allows win over later groups' denies and vice versa.
  if old_g.priority != new_g.priority && !(old_g.is_empty() && new_g.is_empty()) {
    let earlier = new_g.priority < old_g.priority;
    let (lo, hi) = (
      old_g.priority.min(new_g.priority),
      old_g.priority.max(new_g.priority),
    );
    out.push(AccessChange {
      target: "firewall",
      scope,
      kinds: vec![
        Kind::Changed,
        if earlier {
          Kind::Widened
        } else {
          Kind::Narrowed
        },
      ],
      summary: format!(
        "rule collection group priority {} → {}: in a shared policy its allows now {} the rules of groups with priorities {lo}–{hi}",
        old_g.priority,
        new_g.priority,
        if earlier {
          "win over (no longer lose to)"
        } else {
          "lose to (no longer win over)"
        }
      ),
      traffic: vec![],
      old: vec![],
      new: vec![],
    });
  }
}
