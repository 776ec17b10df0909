//! The audit of a deployed NSG: every planned allow evaluated on the deployed rules (missing,
//! shadowed), every planned deny (what the deployment allows instead: broad), and every
//! deployed allow against the requirements it serves (broad, extra). Takes the IR, the plan
//! and the imported rules; asks `eval::nsg` for every decision.

use std::collections::BTreeMap;

use super::shape::{self, excess, free_priority, is_allow, Needed, Said};
use super::{Deployed, Finding, Kind};
use crate::eval::nsg::matched;
use crate::eval::nsg::Nsg;
use crate::eval::{TagResolver, TrafficClass, UnknownTag};
use crate::ir::Ir;
use crate::net::PortSet;
use crate::plan::Plan;
use crate::target::nsg::SecurityRule;

/// Azure's default rules are at 65000 and above.
const FIRST_DEFAULT_PRIORITY: u32 = 65000;

pub(super) fn findings(
  ir: &Ir,
  plan: &Plan,
  deployed: &[SecurityRule],
  tags: &dyn TagResolver,
) -> Result<Vec<Finding>, UnknownTag> {
  let nsg = Nsg::new(deployed);
  let planned = Nsg::new(&plan.nsg);
  let allows: Vec<SecurityRule> = deployed.iter().filter(|r| is_allow(r)).cloned().collect();
  let allows_only = Nsg::new(&allows);
  let mut out = Vec::new();
  for p in &plan.nsg {
    let class = matched(p, tags)?;
    if !is_allow(p) {
      // A planned deny: what the plan itself denies by it (not what planned allows above it
      // let through) and the deployment allows is access the profile closes.
      let mut by: BTreeMap<(u32, &str), PortSet> = BTreeMap::new();
      for closed in planned
        .evaluate(p.direction, &class, tags)?
        .into_iter()
        .filter(|v| v.rule.name == p.name)
      {
        for v in nsg.evaluate(p.direction, &closed.class, tags)? {
          if is_allow(v.rule) {
            let ports = by.entry((v.rule.priority, &v.rule.name)).or_default();
            *ports = ports.union(&v.class.ports);
          }
        }
      }
      for ((priority, name), ports) in by {
        out.push(Finding {
          kind: Kind::Broad,
          target: "nsg",
          subject: p.name.clone(),
          requirements: shape::requirements(ir, &p.flow),
          deployed: Some(deployed_rule(name, priority)),
          detail: format!(
            "allows {} {} → {} ports {}, which the profile denies (planned rule {} at {})",
            p.protocol.as_str(),
            p.source,
            p.destination,
            shape::ports(&ports),
            p.name,
            p.priority
          ),
          fix: format!(
            "add NSG rule `{}` above {name}: {}",
            p.name,
            shape::nsg_rule_text(p, &format!("below {priority}"))
          ),
        });
      }
      continue;
    }
    let verdicts = nsg.evaluate(p.direction, &class, tags)?;
    // Denied parts, by the rule that denies them.
    let mut denied: BTreeMap<(u32, &str), Vec<TrafficClass>> = BTreeMap::new();
    for v in verdicts.iter().filter(|v| !is_allow(v.rule)) {
      denied
        .entry((v.rule.priority, &v.rule.name))
        .or_default()
        .push(v.class.clone());
    }
    for ((priority, name), parts) in denied {
      let ports = parts.iter().fold(PortSet::default(), |a, c| a.union(&c.ports));
      let traffic = format!(
        "{} {} {} → {} ports {}",
        p.direction,
        p.protocol.as_str(),
        p.source,
        p.destination,
        shape::ports(&ports)
      );
      // Would a deployed allow further down carry it, were the deny not above it?
      let mut carriers: Vec<(u32, String)> = Vec::new();
      for part in &parts {
        for v in allows_only.evaluate(p.direction, part, tags)? {
          if is_allow(v.rule) && v.rule.priority < FIRST_DEFAULT_PRIORITY && v.rule.priority > priority {
            let c = (v.rule.priority, v.rule.name.clone());
            if !carriers.contains(&c) {
              carriers.push(c);
            }
          }
        }
      }
      let requirements = shape::requirements(ir, &p.flow);
      let finding = if priority < FIRST_DEFAULT_PRIORITY && !carriers.is_empty() {
        let carried: Vec<String> = carriers.iter().map(|(pr, n)| format!("{n} ({pr})")).collect();
        Finding {
          kind: Kind::Shadowed,
          target: "nsg",
          subject: p.name.clone(),
          requirements,
          deployed: Some(deployed_rule(name, priority)),
          detail: format!(
            "{traffic}: denied by {name} ({priority}) before {} allows it",
            carried.join(", ")
          ),
          fix: format!(
            "give {} a priority below {priority}, or narrow {name} so it no longer matches this traffic",
            carriers[0].1
          ),
        }
      } else {
        let at = free_priority(deployed, p, priority)
          .map_or_else(|| format!("a free priority below {priority}"), |f| f.to_string());
        let by = if priority >= FIRST_DEFAULT_PRIORITY {
          format!("no rule allows it; Azure's default rule {name} denies it")
        } else {
          format!("denied by {name} ({priority}) and allowed by no rule below it")
        };
        Finding {
          kind: Kind::Missing,
          target: "nsg",
          subject: p.name.clone(),
          requirements,
          deployed: Some(deployed_rule(name, priority)),
          detail: format!("{traffic}: {by}"),
          fix: format!("add NSG rule `{}`: {}", p.name, shape::nsg_rule_text(p, &at)),
        }
      };
      out.push(finding);
    }
  }
  let mut planned_allows = Vec::new();
  for p in plan.nsg.iter().filter(|p| is_allow(p)) {
    planned_allows.push((p, matched(p, tags)?));
  }
  for r in deployed.iter().filter(|r| is_allow(r)) {
    let have = matched(r, tags)?;
    let mut needed = Needed::default();
    let mut served = Vec::new();
    for (p, want) in planned_allows.iter().filter(|(p, _)| p.direction == r.direction) {
      if shape::intersects(&have, want) {
        needed.add(want);
        served.push(*p);
      }
    }
    if served.is_empty() {
      out.push(Finding {
        kind: Kind::Extra,
        target: "nsg",
        subject: r.name.clone(),
        requirements: Vec::new(),
        deployed: Some(deployed_rule(&r.name, r.priority)),
        detail: format!(
          "{} {} {} → {} ports {} serves no requirement of the profile",
          r.direction,
          r.protocol.as_str(),
          r.source,
          r.destination,
          shape::ports(&r.ports)
        ),
        fix: format!(
          "remove {} unless something outside this workspace needs it",
          r.name
        ),
      });
      continue;
    }
    let said = Said {
      protocols: (
        r.protocol.as_str().to_string(),
        shape::words(served.iter().map(|p| p.protocol.as_str().to_string())),
      ),
      source: (
        r.source.to_string(),
        shape::words(served.iter().map(|p| p.source.to_string())),
      ),
      destination: (
        r.destination.to_string(),
        shape::words(served.iter().map(|p| p.destination.to_string())),
      ),
    };
    let wider = excess(&have, &needed, &said);
    if !wider.is_empty() {
      out.push(Finding {
        kind: Kind::Broad,
        target: "nsg",
        subject: r.name.clone(),
        requirements: served
          .iter()
          .flat_map(|p| shape::requirements(ir, &p.flow))
          .collect(),
        deployed: Some(deployed_rule(&r.name, r.priority)),
        detail: format!(
          "{} is wider than the rules it stands for ({}): {}",
          r.name,
          shape::words(served.iter().map(|p| p.name.clone())),
          wider.join("; ")
        ),
        fix: format!(
          "narrow {} to what the planned rules allow, or replace it by them",
          r.name
        ),
      });
    }
  }
  Ok(out)
}

fn deployed_rule(name: &str, priority: u32) -> Deployed {
  Deployed {
    name: name.to_string(),
    priority: Some(priority),
    collection: None,
  }
}
