//! The audit of a deployed Azure Firewall policy: every planned network and application rule
//! evaluated on the deployed collections (missing, shadowed), and every deployed allow of the
//! workspace's rule collection group against the requirements it serves (broad, extra).
//! Takes the IR, the plan and the imported policy; asks `eval::firewall` for every decision.

use std::collections::BTreeMap;

use super::shape::{self, excess, Needed, Said};
use super::{Deployed, Finding, Kind};
use crate::eval::firewall::{fqdn_matches, Decider, Policy, Query};
use crate::eval::firewall::{matched_application, matched_network};
use crate::eval::{Protocols, TagResolver, TrafficClass, UnknownTag};
use crate::import::firewall::{self as imported, Rules};
use crate::ir::Ir;
use crate::net::{PortSet, PrefixSet};
use crate::plan::Plan;
use crate::target::firewall::{ApplicationRule, Destination, NetworkRule};
use crate::target::nsg::Access;

/// One planned rule as questions to the policy.
struct Wanted<'a> {
  name: &'a str,
  flow: &'a Option<String>,
  queries: Vec<Query>,
  said: String,
  fix: String,
}

pub(super) fn findings(
  ir: &Ir,
  plan: &Plan,
  policy: &imported::Policy,
  tags: &dyn TagResolver,
) -> Result<Vec<Finding>, UnknownTag> {
  let all = Policy::from_collections(policy.evaluable(|_| true));
  let allows_only = Policy::from_collections(policy.evaluable(|c| c.action == Access::Allow));
  // Tens of questions to one policy of maybe thousands of rules: resolve its addresses once.
  let (all_boxes, allows_boxes) = (all.resolve(tags), allows_only.resolve(tags));
  let mut out = Vec::new();
  let wanted = if ir.settings.egress == crate::ir::Egress::Firewall {
    wanted(plan, tags)?
  } else {
    Vec::new()
  };
  for w in &wanted {
    let mut denied: BTreeMap<Option<(String, u32, String)>, Vec<TrafficClass>> = BTreeMap::new();
    for q in &w.queries {
      for v in all.evaluate_resolved(&all_boxes, q)? {
        if v.access == Access::Deny {
          denied.entry(decider(&v.decided_by)).or_default().push(v.class);
        }
      }
    }
    for (by, parts) in denied {
      let ports = parts.iter().fold(PortSet::default(), |a, c| a.union(&c.ports));
      let traffic = format!("{} ports {}", w.said, shape::ports(&ports));
      let mut carriers: Vec<String> = Vec::new();
      if by.is_some() {
        for q in &w.queries {
          for part in &parts {
            let narrowed = Query {
              class: part.clone(),
              name: q.name.clone(),
            };
            for v in allows_only.evaluate_resolved(&allows_boxes, &narrowed)? {
              if let (Access::Allow, Some((c, _, r))) = (v.access, decider(&v.decided_by)) {
                let said = format!("{c}/{r}");
                if !carriers.contains(&said) {
                  carriers.push(said);
                }
              }
            }
          }
        }
      }
      let requirements = shape::requirements(ir, w.flow);
      out.push(match (&by, carriers.is_empty()) {
        (Some((collection, priority, rule)), false) => Finding {
          kind: Kind::Shadowed,
          target: "firewall",
          subject: w.name.to_string(),
          requirements,
          deployed: Some(Deployed { name: rule.clone(), priority: Some(*priority), collection: Some(collection.clone()) }),
          detail: format!("{traffic}: denied by {collection}/{rule} before {} allows it", carriers.join(", ")),
          fix: format!(
            "move {} into a collection evaluated before {collection} (lower group or collection priority), or narrow {rule}",
            carriers[0]
          ),
        },
        _ => Finding {
          kind: Kind::Missing,
          target: "firewall",
          subject: w.name.to_string(),
          requirements,
          deployed: by.as_ref().map(|(collection, priority, rule)| Deployed {
            name: rule.clone(),
            priority: Some(*priority),
            collection: Some(collection.clone()),
          }),
          detail: match &by {
            Some((collection, _, rule)) => format!("{traffic}: denied by {collection}/{rule}"),
            None => format!("{traffic}: no rule allows it (the firewall denies what no rule matches)"),
          },
          fix: w.fix.clone(),
        },
      });
    }
  }
  broad_and_extra(ir, plan, policy, tags, &mut out)?;
  Ok(out)
}

/// (group/collection, collection priority, rule) of a deciding rule; `None` for the default deny.
fn decider(d: &Decider) -> Option<(String, u32, String)> {
  match d {
    Decider::Network(c, r) => Some((format!("{}/{}", c.group, c.name), c.priority, r.name.clone())),
    Decider::Application(c, r) => Some((format!("{}/{}", c.group, c.name), c.priority, r.name.clone())),
    Decider::DefaultDeny => None,
  }
}

/// A name the client would ask for under a target FQDN: the FQDN itself, or one label under a
/// wildcard (`*.pythonhosted.org` → `amlnet-probe.pythonhosted.org`), so a deployed rule for
/// one host does not pass for the whole wildcard.
fn probe(target: &str) -> std::borrow::Cow<'_, str> {
  match target.strip_prefix("*.") {
    Some(rest) => format!("amlnet-probe.{rest}").into(),
    None => target.into(),
  }
}

fn sources(r: &[ipnet::IpNet]) -> String {
  shape::words(r.iter().map(ToString::to_string))
}

fn wanted<'a>(plan: &'a Plan, tags: &dyn TagResolver) -> Result<Vec<Wanted<'a>>, UnknownTag> {
  let fw = &plan.firewall;
  let mut out = Vec::new();
  for r in &fw.network.rules {
    let protocols = r
      .protocols
      .iter()
      .map(|p| p.as_str())
      .collect::<Vec<_>>()
      .join(",");
    let (queries, to) = match matched_network(r, tags)? {
      Some(class) => (vec![Query { class, name: None }], shape::words(destinations(r))),
      None => {
        let Destination::Fqdns(names) = &r.destination else {
          unreachable!("a box-less rule names FQDNs")
        };
        let class = TrafficClass {
          protocols: r
            .protocols
            .iter()
            .fold(Protocols::default(), |p, &q| p.union(q.into())),
          source: PrefixSet::aggregate(&r.source_addresses),
          destination: PrefixSet::all(),
          ports: r.ports.clone(),
        };
        (
          names
            .iter()
            .map(|n| Query {
              class: class.clone(),
              name: Some(n.clone()),
            })
            .collect(),
          names.join(", "),
        )
      }
    };
    let said = format!("{protocols} {} → {to}", sources(&r.source_addresses));
    out.push(Wanted {
      name: &r.name,
      flow: &r.flow,
      queries,
      fix: format!(
        "add network rule `{}` to an Allow rule collection: {said} ports {}",
        r.name,
        shape::ports(&r.ports)
      ),
      said,
    });
  }
  for r in &fw.application.rules {
    let class = matched_application(r);
    let protocols = r
      .protocols
      .iter()
      .map(|(p, port)| format!("{}:{port}", p.as_str()))
      .collect::<Vec<_>>()
      .join(",");
    let said = format!(
      "{protocols} {} → {}",
      sources(&r.source_addresses),
      r.target_fqdns.join(", ")
    );
    out.push(Wanted {
      name: &r.name,
      flow: &r.flow,
      queries: r
        .target_fqdns
        .iter()
        .map(|t| Query {
          class: class.clone(),
          name: Some(probe(t).into_owned()),
        })
        .collect(),
      fix: format!(
        "add application rule `{}` to an Allow rule collection: {said}",
        r.name
      ),
      said,
    });
  }
  Ok(out)
}

fn destinations(r: &NetworkRule) -> Vec<String> {
  match &r.destination {
    Destination::Addresses(a) => a.iter().map(ToString::to_string).collect(),
    Destination::Fqdns(f) => f.clone(),
  }
}

/// Deployed allows of the workspace's rule collection group (the whole policy when no group
/// has its name) against the planned rules they serve.
fn broad_and_extra(
  ir: &Ir,
  plan: &Plan,
  policy: &imported::Policy,
  tags: &dyn TagResolver,
  out: &mut Vec<Finding>,
) -> Result<(), UnknownTag> {
  let own = policy.collections.iter().any(|c| c.group == plan.firewall.name);
  // What the rules serve is the plan's rules whatever the egress: a group written for a
  // policy the traffic does not pass yet is not extra.
  let planned_network = &plan.firewall.network.rules[..];
  let planned_apps = &plan.firewall.application.rules[..];
  let mut planned_boxes = Vec::new();
  for p in planned_network {
    if let Some(want) = matched_network(p, tags)? {
      planned_boxes.push((p, want));
    }
  }
  for c in policy
    .collections
    .iter()
    .filter(|c| c.action == Access::Allow && (!own || c.group == plan.firewall.name))
  {
    let at = format!("{}/{}", c.group, c.name);
    let deployed = |name: &str| Deployed {
      name: name.to_string(),
      priority: Some(c.priority),
      collection: Some(at.clone()),
    };
    match &c.rules {
      Rules::Network(rules) => {
        for r in rules {
          let Some(have) = matched_network(r, tags)? else {
            let served: Vec<&NetworkRule> = planned_network
              .iter()
              .filter(|p| destinations(p).iter().any(|d| destinations(r).contains(d)))
              .collect();
            if served.is_empty() {
              out.push(extra(
                deployed(&r.name),
                format!(
                  "FQDN network rule to {} serves no requirement of the profile",
                  destinations(r).join(", ")
                ),
              ));
            }
            continue;
          };
          let mut needed = Needed::default();
          let mut served = Vec::new();
          for (p, want) in &planned_boxes {
            if shape::intersects(&have, want) {
              needed.add(want);
              served.push(*p);
            }
          }
          if served.is_empty() {
            out.push(extra(
              deployed(&r.name),
              format!(
                "network rule {} → {} ports {} serves no requirement of the profile",
                sources(&r.source_addresses),
                destinations(r).join(", "),
                shape::ports(&r.ports)
              ),
            ));
            continue;
          }
          let said = Said {
            protocols: (
              r.protocols
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(","),
              shape::words(
                served
                  .iter()
                  .flat_map(|p| p.protocols.iter().map(|q| q.as_str().to_string())),
              ),
            ),
            source: (
              sources(&r.source_addresses),
              shape::words(served.iter().map(|p| sources(&p.source_addresses))),
            ),
            destination: (
              destinations(r).join(", "),
              shape::words(served.iter().flat_map(|p| destinations(p))),
            ),
          };
          let wider = excess(&have, &needed, &said);
          if !wider.is_empty() {
            out.push(broad(
              ir,
              deployed(&r.name),
              served.iter().map(|p| (&p.name, &p.flow)).collect(),
              wider,
            ));
          }
        }
      }
      Rules::Application(rules) => {
        for r in rules {
          let served: Vec<&ApplicationRule> = planned_apps
            .iter()
            .filter(|p| {
              p.target_fqdns
                .iter()
                .any(|t| r.target_fqdns.iter().any(|pat| fqdn_matches(pat, &probe(t))))
            })
            .collect();
          if served.is_empty() {
            out.push(extra(
              deployed(&r.name),
              format!(
                "application rule to {} serves no requirement of the profile",
                r.target_fqdns.join(", ")
              ),
            ));
            continue;
          }
          let needed_targets: Vec<&String> = served.iter().flat_map(|p| &p.target_fqdns).collect();
          let mut wider: Vec<String> = r
            .target_fqdns
            .iter()
            .filter(|pat| !needed_targets.iter().any(|t| t.eq_ignore_ascii_case(pat)))
            .filter(|pat| needed_targets.iter().any(|t| fqdn_matches(pat, &probe(t))))
            .map(|pat| {
              let covered: Vec<String> = needed_targets
                .iter()
                .filter(|t| fqdn_matches(pat, &probe(t)))
                .map(|t| t.to_string())
                .collect();
              format!("target {pat} where {} is needed", shape::words(covered))
            })
            .collect();
          let mut needed = Needed::default();
          served.iter().for_each(|p| needed.add(&matched_application(p)));
          let said = Said {
            protocols: ("TCP".into(), "TCP".into()),
            source: (
              sources(&r.source_addresses),
              shape::words(served.iter().map(|p| sources(&p.source_addresses))),
            ),
            destination: (String::new(), String::new()),
          };
          wider.extend(excess(&matched_application(r), &needed, &said));
          if !wider.is_empty() {
            out.push(broad(
              ir,
              deployed(&r.name),
              served.iter().map(|p| (&p.name, &p.flow)).collect(),
              wider,
            ));
          }
        }
      }
    }
  }
  Ok(())
}

fn extra(deployed: Deployed, detail: String) -> Finding {
  Finding {
    kind: Kind::Extra,
    target: "firewall",
    subject: deployed.name.clone(),
    requirements: Vec::new(),
    fix: format!(
      "remove {} unless something outside this workspace needs it",
      deployed.name
    ),
    deployed: Some(deployed),
    detail,
  }
}

fn broad(
  ir: &Ir,
  deployed: Deployed,
  served: Vec<(&String, &Option<String>)>,
  wider: Vec<String>,
) -> Finding {
  Finding {
    kind: Kind::Broad,
    target: "firewall",
    subject: deployed.name.clone(),
    requirements: served
      .iter()
      .flat_map(|(_, flow)| shape::requirements(ir, flow))
      .collect(),
    detail: format!(
      "{} is wider than the rules it stands for ({}): {}",
      deployed.name,
      shape::words(served.iter().map(|(n, _)| n.to_string())),
      wider.join("; ")
    ),
    fix: format!(
      "narrow {} to what the planned rules allow, or replace it by them",
      deployed.name
    ),
    deployed: Some(deployed),
  }
}
