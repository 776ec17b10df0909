//! NSG semantics (reference/target-formats.md § 1.3–1.4): per direction, rules in
//! ascending priority, the first whose protocol, source, destination and destination
//! ports all match decides, Allow or Deny. Azure's default rules sit below the custom
//! ones, so every packet meets a deciding rule (at worst `DenyAll*Bound`).
//!
//! Takes the custom `SecurityRule`s of one NSG, a direction, a `TrafficClass` and a
//! `TagResolver`; returns the class partitioned by deciding rule. Source ports are always
//! `*`; protocol `*` matches TCP and UDP (ICMP is not modelled). One NSG only: combining a
//! subnet NSG with a NIC NSG is the caller's (both must allow, § 1.4).

use crate::ir::Direction;
use crate::target::nsg::{default_rules, Access, SecurityRule};

use super::class::{split, RuleBox};
use super::{Protocols, TagResolver, TrafficClass, UnknownTag};

/// The rules of one NSG, custom and default, each direction in evaluation order.
#[derive(Clone, Debug)]
pub struct Nsg {
  rules: Vec<SecurityRule>,
}

/// Every packet one rule matches, its tags resolved (what audit compares rules by).
pub fn matched(rule: &SecurityRule, tags: &dyn TagResolver) -> Result<TrafficClass, UnknownTag> {
  Ok(TrafficClass {
    protocols: Protocols::from(rule.protocol),
    source: tags.endpoint(&rule.source)?,
    destination: tags.endpoint(&rule.destination)?,
    ports: rule.ports.clone(),
  })
}

/// One part of a queried class and what decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict<'a> {
  pub class: TrafficClass,
  pub access: Access,
  pub rule: &'a SecurityRule,
}

impl Nsg {
  /// The custom rules (as planned or imported) plus `default_rules()`. Rules of equal
  /// priority keep their order (an imported rule split per prefix pair shares one).
  pub fn new(custom: &[SecurityRule]) -> Nsg {
    let mut rules: Vec<SecurityRule> = custom.iter().cloned().chain(default_rules()).collect();
    rules.sort_by_key(|r| r.priority);
    Nsg { rules }
  }

  /// The rules of one direction in evaluation order.
  pub fn rules(&self, direction: Direction) -> impl Iterator<Item = &SecurityRule> {
    self.rules.iter().filter(move |r| r.direction == direction)
  }

  /// Partition `class` by the rule that decides each part, in rule order. The parts are
  /// pairwise disjoint and together exactly `class` (empty for an empty class).
  pub fn evaluate(
    &self,
    direction: Direction,
    class: &TrafficClass,
    tags: &dyn TagResolver,
  ) -> Result<Vec<Verdict<'_>>, UnknownTag> {
    let mut open = if class.is_empty() {
      vec![]
    } else {
      vec![class.clone()]
    };
    let mut verdicts = Vec::new();
    for rule in self.rules(direction) {
      if open.is_empty() {
        break;
      }
      let m = matched(rule, tags)?;
      let matcher = RuleBox {
        protocols: m.protocols,
        source: &m.source,
        destination: Some(&m.destination),
        ports: &m.ports,
      };
      let mut next = Vec::new();
      for part in &open {
        let (inside, outside) = split(part, &matcher);
        if let Some(class) = inside {
          verdicts.push(Verdict {
            class,
            access: rule.access,
            rule,
          });
        }
        next.extend(outside);
      }
      open = next;
    }
    // The default DenyAll rules match every TCP and UDP packet.
    debug_assert!(open.is_empty(), "a part no rule decided: {open:?}");
    Ok(verdicts)
  }

  /// Is all of `class` allowed? (No part denied.)
  pub fn allows(
    &self,
    direction: Direction,
    class: &TrafficClass,
    tags: &dyn TagResolver,
  ) -> Result<bool, UnknownTag> {
    Ok(
      self
        .evaluate(direction, class, tags)?
        .iter()
        .all(|v| v.access == Access::Allow),
    )
  }
}
