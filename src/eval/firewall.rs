//! Azure Firewall Policy semantics (reference/target-formats.md § 2.1): all network rule
//! collections before all application rule collections; within each kind by rule
//! collection group priority, then collection priority, then rule order. Rules are
//! terminating: the first match applies its collection's action; no match is denied.
//!
//! Takes rule collection groups (or collections with their actions), a `Query` and a
//! `TagResolver`; returns the queried class partitioned by what decided it. Network rules
//! match by protocol, source, destination addresses (prefixes, tags, `*`) and ports, or
//! by name for `destinationFqdns` (exact, case-insensitive: no wildcards there, § 2.2).
//! Application rules match TCP to one of their ports with the query's name matching a
//! target FQDN (`fqdn_matches`); Http and Https are told apart by port only. Not modelled:
//! DNAT, threat intelligence, the built-in infrastructure collection, ICMP, FQDN tags,
//! web categories, target URLs, IP groups.

use ipnet::IpNet;

use crate::net::{PortSet, PrefixSet};
use crate::target::firewall::{ApplicationRule, Destination, NetworkRule, RuleCollectionGroup};
use crate::target::nsg::Access;

use super::class::{split, RuleBox};
use super::{Protocols, TagResolver, TrafficClass, UnknownTag};

/// What is asked: a class of packets, and the name the client asked for when it used one
/// (an application rule or an FQDN network rule can only match a named query). With a
/// name, `class.destination` is what it resolves to, or `PrefixSet::all()` when unknown:
/// the answer is then split by the addresses it might resolve to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
  pub class: TrafficClass,
  pub name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules<'a> {
  Network(&'a [NetworkRule]),
  Application(&'a [ApplicationRule]),
}

/// One filter rule collection with the priorities that order it and its action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collection<'a> {
  pub group: &'a str,
  pub group_priority: u32,
  pub name: &'a str,
  pub priority: u32,
  pub action: Access,
  pub rules: Rules<'a>,
}

/// What decided a part of the query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decider<'a> {
  Network(Collection<'a>, &'a NetworkRule),
  Application(Collection<'a>, &'a ApplicationRule),
  /// No rule matched.
  DefaultDeny,
}

impl Decider<'_> {
  /// The deciding rule's name; `None` for the default deny.
  pub fn rule_name(&self) -> Option<&str> {
    match self {
      Decider::Network(_, r) => Some(&r.name),
      Decider::Application(_, r) => Some(&r.name),
      Decider::DefaultDeny => None,
    }
  }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict<'a> {
  pub class: TrafficClass,
  pub access: Access,
  pub decided_by: Decider<'a>,
}

/// A firewall policy's filter collections in evaluation order.
#[derive(Clone, Debug)]
pub struct Policy<'a> {
  collections: Vec<Collection<'a>>,
}

impl<'a> Policy<'a> {
  /// The collections of amlnet's rule collection groups, which are all Allow.
  pub fn new(groups: &'a [RuleCollectionGroup]) -> Policy<'a> {
    let mut collections = Vec::new();
    for g in groups {
      let c = |name, priority, rules| Collection {
        group: &g.name,
        group_priority: g.priority,
        name,
        priority,
        action: Access::Allow,
        rules,
      };
      collections.push(c(
        &g.network.name,
        g.network.priority,
        Rules::Network(&g.network.rules),
      ));
      collections.push(c(
        &g.application.name,
        g.application.priority,
        Rules::Application(&g.application.rules),
      ));
    }
    Policy::from_collections(collections)
  }

  /// Any collections with their actions (an imported policy, a test), put in order.
  pub fn from_collections(mut collections: Vec<Collection<'a>>) -> Policy<'a> {
    collections.sort_by_key(|c| {
      (
        matches!(c.rules, Rules::Application(_)),
        c.group_priority,
        c.priority,
      )
    });
    Policy { collections }
  }

  /// Partition `query.class` by what decides each part, in evaluation order; the parts
  /// are pairwise disjoint and together exactly the class.
  pub fn evaluate(&self, query: &Query, tags: &dyn TagResolver) -> Result<Vec<Verdict<'a>>, UnknownTag> {
    self.evaluate_resolved(&self.resolve(tags), query)
  }

  /// Every rule's addresses resolved once, for asking many queries of one policy (a tag a
  /// rule names that `tags` does not know is an error only when a query reaches the rule).
  pub fn resolve(&self, tags: &dyn TagResolver) -> Resolved {
    let boxes = self
      .collections
      .iter()
      .map(|c| match c.rules {
        Rules::Network(rules) => rules
          .iter()
          .map(|r| Boxed {
            source: sources(&r.source_addresses),
            destination: network_destination(r, tags),
            protocols: network_protocols(r),
            ports: r.ports.clone(),
          })
          .collect(),
        Rules::Application(rules) => rules
          .iter()
          .map(|r| {
            let m = matched_application(r);
            Boxed {
              source: m.source,
              destination: Ok(None),
              protocols: m.protocols,
              ports: m.ports,
            }
          })
          .collect(),
      })
      .collect();
    Resolved { boxes }
  }

  /// `evaluate` with the rules' addresses resolved beforehand (`resolve` on this policy).
  pub fn evaluate_resolved(
    &self,
    resolved: &Resolved,
    query: &Query,
  ) -> Result<Vec<Verdict<'a>>, UnknownTag> {
    let mut open = if query.class.is_empty() {
      vec![]
    } else {
      vec![query.class.clone()]
    };
    let mut verdicts = Vec::new();
    let mut decide = |open: &mut Vec<TrafficClass>, matcher: &RuleBox, access, decided_by| {
      let mut next = Vec::new();
      for part in open.iter() {
        let (inside, outside) = split(part, matcher);
        if let Some(class) = inside {
          verdicts.push(Verdict {
            class,
            access,
            decided_by,
          });
        }
        next.extend(outside);
      }
      *open = next;
    };
    for (c, boxes) in self.collections.iter().zip(&resolved.boxes) {
      if open.is_empty() {
        break;
      }
      match c.rules {
        Rules::Network(rules) => {
          for (r, b) in rules.iter().zip(boxes) {
            let destination = match (&r.destination, &b.destination) {
              (Destination::Addresses(_), Ok(set)) => set.as_ref(),
              (Destination::Addresses(_), Err(unknown)) => return Err(unknown.clone()),
              (Destination::Fqdns(names), _) => match &query.name {
                Some(q) if names.iter().any(|n| same_name(n, q)) => None,
                _ => continue,
              },
            };
            let matcher = RuleBox {
              protocols: b.protocols,
              source: &b.source,
              destination,
              ports: &b.ports,
            };
            decide(&mut open, &matcher, c.action, Decider::Network(*c, r));
          }
        }
        Rules::Application(rules) => {
          let Some(name) = &query.name else { continue };
          for (r, b) in rules.iter().zip(boxes) {
            if !r.target_fqdns.iter().any(|p| fqdn_matches(p, name)) {
              continue;
            }
            let matcher = RuleBox {
              protocols: b.protocols,
              source: &b.source,
              destination: None,
              ports: &b.ports,
            };
            decide(&mut open, &matcher, c.action, Decider::Application(*c, r));
          }
        }
      }
    }
    verdicts.extend(open.into_iter().map(|class| Verdict {
      class,
      access: Access::Deny,
      decided_by: Decider::DefaultDeny,
    }));
    Ok(verdicts)
  }
}

/// Every packet a network rule with address destinations matches, its tags resolved; `None`
/// for a rule with destination FQDNs, which matches by the name asked for.
pub fn matched_network(r: &NetworkRule, tags: &dyn TagResolver) -> Result<Option<TrafficClass>, UnknownTag> {
  Ok(network_destination(r, tags)?.map(|destination| TrafficClass {
    protocols: network_protocols(r),
    source: sources(&r.source_addresses),
    destination,
    ports: r.ports.clone(),
  }))
}

/// Every packet an application rule carries for a name it matches: TCP from its sources to
/// its ports, whatever address the name resolves to.
pub fn matched_application(r: &ApplicationRule) -> TrafficClass {
  TrafficClass {
    protocols: Protocols::TCP,
    source: sources(&r.source_addresses),
    destination: PrefixSet::all(),
    ports: PortSet::from_ranges(
      r.protocols
        .iter()
        .map(|&(_, port)| crate::net::PortRange::single(port)),
    ),
  }
}

fn network_destination(r: &NetworkRule, tags: &dyn TagResolver) -> Result<Option<PrefixSet>, UnknownTag> {
  match &r.destination {
    Destination::Addresses(endpoints) => endpoints
      .iter()
      .try_fold(PrefixSet::default(), |set, e| Ok(set.union(&tags.endpoint(e)?)))
      .map(Some),
    Destination::Fqdns(_) => Ok(None),
  }
}

fn network_protocols(r: &NetworkRule) -> Protocols {
  r.protocols
    .iter()
    .fold(Protocols::default(), |p, &q| p.union(q.into()))
}

/// A policy's rules with their addresses resolved (`Policy::resolve`), aligned with its
/// collections in evaluation order.
pub struct Resolved {
  boxes: Vec<Vec<Boxed>>,
}

/// What one rule matches; the destination is `None` for rules that match by name.
struct Boxed {
  source: PrefixSet,
  destination: Result<Option<PrefixSet>, UnknownTag>,
  protocols: Protocols,
  ports: PortSet,
}

/// Does an application rule's target FQDN match `name`? Case-insensitive, a trailing dot
/// ignored. `*` matches every name; a leading `*` matches anything to its left, so
/// `*.contoso.com` matches `a.contoso.com` and `b.a.contoso.com` but not `contoso.com`, and
/// `*contoso.com` also matches `contoso.com` and `evilcontoso.com` (MicrosoftDocs/azure-docs
/// articles/firewall/firewall-faq.yml, "How do wildcards work in target URLs and target
/// FQDNs in application rules?"; reference/target-formats.md § 2.3).
pub fn fqdn_matches(pattern: &str, name: &str) -> bool {
  // Compared as ASCII case-insensitive bytes with trailing dots ignored: no allocation, as a
  // policy of thousands of rules asks this for every rule and name.
  let (pattern, name) = (pattern.trim_end_matches('.'), name.trim_end_matches('.'));
  match pattern.strip_prefix('*') {
    Some(rest) => {
      let (name, rest) = (name.as_bytes(), rest.as_bytes());
      !name.is_empty()
        && name.len() >= rest.len()
        && name[name.len() - rest.len()..].eq_ignore_ascii_case(rest)
    }
    None => pattern.eq_ignore_ascii_case(name),
  }
}

fn same_name(a: &str, b: &str) -> bool {
  a.trim_end_matches('.')
    .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

fn sources(nets: &[IpNet]) -> PrefixSet {
  PrefixSet::aggregate(nets)
}
