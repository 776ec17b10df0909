//! Access changes that no rule evaluation shows: where the rules are deployed (the NSG, the
//! firewall policy and group, the VNet the private DNS zones link to), which path egress
//! takes (`network.egress`), the workspace managed network (isolation mode, outbound rules)
//! and private DNS answers. Takes both sides' IR and plan, appends `AccessChange`s to the
//! list `access` builds; never evaluates rules, never renders.

use std::collections::BTreeMap;

use super::access::{group_scope, AccessChange, Sided};
use super::changes::Kind;
use crate::ir::{Egress, Ir, IsolationMode};

fn moved(target: &'static str, scope: String, what: &str, old: &str, new: &str) -> AccessChange {
  AccessChange {
    target,
    scope,
    kinds: vec![Kind::Widened, Kind::Narrowed, Kind::Changed],
    summary: format!("{what} `{old}` → `{new}`: every allow is new on `{new}` and gone from `{old}`"),
    traffic: vec![],
    old: vec![],
    new: vec![],
  }
}

pub(super) fn placement(old: &Sided, new: &Sided, out: &mut Vec<AccessChange>) {
  let (o, n) = (&old.ir.settings, &new.ir.settings);
  if o.nsg.name != n.nsg.name {
    out.push(moved(
      "nsg",
      format!("NSG {}", n.nsg.name),
      "the NSG",
      &o.nsg.name,
      &n.nsg.name,
    ));
  }
  let (og, ng) = (&old.plan.firewall, &new.plan.firewall);
  if (og.policy != ng.policy || og.name != ng.name) && !(og.is_empty() && ng.is_empty()) {
    out.push(moved(
      "firewall",
      group_scope(ng),
      "the firewall rule collection group",
      &format!("{}/{}", og.policy, og.name),
      &format!("{}/{}", ng.policy, ng.name),
    ));
  }
  if o.vnet_name != n.vnet_name {
    out.push(moved(
      "dns",
      format!("VNet {}", n.vnet_name),
      "private DNS zones link to VNet",
      &o.vnet_name,
      &n.vnet_name,
    ));
  }
}

/// How open each egress mode leaves outbound traffic: the firewall filters it, the NSG
/// alone (default outbound access) less so, a NAT gateway gives compute without a public IP
/// a path to the internet.
fn openness(e: Egress) -> u8 {
  match e {
    Egress::Firewall => 0,
    Egress::Nsg => 1,
    Egress::NatGateway => 2,
  }
}

pub(super) fn egress(old: Egress, new: Egress, out: &mut Vec<AccessChange>) {
  if old == new {
    return;
  }
  let wider = openness(new) > openness(old);
  let what = match (old, new) {
    (Egress::Firewall, _) => {
      "the firewall is no longer on the egress path: outbound traffic is decided by the NSG alone".to_string()
    }
    (_, Egress::Firewall) => {
      "outbound traffic now passes the firewall: its rules decide as well as the NSG's".to_string()
    }
    (_, Egress::NatGateway) => {
      "compute without a public IP gains a path to the internet through the NAT gateway".to_string()
    }
    _ => "compute without a public IP loses the NAT gateway's path to the internet".to_string(),
  };
  out.push(AccessChange {
    target: "egress",
    scope: "network.egress".to_string(),
    kinds: vec![if wider { Kind::Widened } else { Kind::Narrowed }],
    summary: format!("{} → {}: {what}", old.as_str(), new.as_str()),
    traffic: vec![],
    old: vec![],
    new: vec![],
  });
}

/// How open a managed network's mode leaves compute egress: approved rules only, the
/// customer VNet's own rules (no managed VNet), or any internet destination.
fn mode_openness(m: IsolationMode) -> u8 {
  match m {
    IsolationMode::AllowOnlyApprovedOutbound => 0,
    IsolationMode::Disabled => 1,
    IsolationMode::AllowInternetOutbound => 2,
  }
}

pub(super) fn managed(old: &Sided, new: &Sided, out: &mut Vec<AccessChange>) {
  let mode = |s: &Sided| {
    s.ir
      .settings
      .managed_network
      .as_ref()
      .map_or(IsolationMode::Disabled, |m| m.isolation_mode)
  };
  let (om, nm) = (mode(old), mode(new));
  let scope = format!("managed network of {}", new.ir.settings.workspace_name);
  if om != nm {
    let wider = mode_openness(nm) > mode_openness(om);
    out.push(AccessChange {
      target: "managed_network",
      scope: scope.clone(),
      kinds: vec![if wider { Kind::Widened } else { Kind::Narrowed }],
      summary: format!(
        "isolation mode {} → {}: managed compute egress is {}",
        om.as_str(),
        nm.as_str(),
        if wider {
          "less restricted"
        } else {
          "more restricted"
        }
      ),
      traffic: vec![],
      old: vec![],
      new: vec![],
    });
  }
  let rules = |s: &Sided| -> BTreeMap<String, String> {
    s.plan
      .managed
      .iter()
      .flat_map(|m| &m.rules)
      .map(|r| {
        let what = super::rules::managed_destination(&r.destination);
        (what.clone(), r.name.clone())
      })
      .collect()
  };
  let (or, nr) = (rules(old), rules(new));
  for (what, name) in &nr {
    if !or.contains_key(what) {
      out.push(managed_rule(&scope, Kind::Widened, "added", name, what));
    }
  }
  for (what, name) in &or {
    if !nr.contains_key(what) {
      out.push(managed_rule(&scope, Kind::Narrowed, "removed", name, what));
    }
  }
}

fn managed_rule(scope: &str, kind: Kind, verb: &str, name: &str, what: &str) -> AccessChange {
  AccessChange {
    target: "managed_network",
    scope: scope.to_string(),
    kinds: vec![kind],
    summary: format!("outbound rule {name} {verb}: {what}"),
    traffic: vec![],
    old: vec![],
    new: vec![],
  }
}

/// Private DNS answers: a name that no longer resolves to its private endpoint resolves to
/// the resource's public address, so clients leave the VNet for it.
pub(super) fn dns(old: &Ir, new: &Ir, out: &mut Vec<AccessChange>) {
  let answers = |ir: &Ir| {
    let mut m: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &ir.dns_records {
      m.entry((r.name.clone(), r.record_type.as_str().to_string()))
        .or_default()
        .push(r.value.to_string());
    }
    m.values_mut().for_each(|v| {
      v.sort();
      v.dedup()
    });
    m
  };
  let (o, n) = (answers(old), answers(new));
  let change = |kinds, summary| AccessChange {
    target: "dns",
    scope: "private DNS".to_string(),
    kinds,
    summary,
    traffic: vec![],
    old: vec![],
    new: vec![],
  };
  for ((name, t), values) in &o {
    match n.get(&(name.clone(), t.clone())) {
      None => out.push(change(
        vec![Kind::Widened],
        format!(
          "{name} {t} {} removed: the name resolves to the resource's public address, so clients leave the VNet for it",
          values.join(", ")
        ),
      )),
      Some(new_values) if new_values != values => out.push(change(
        vec![Kind::Changed],
        format!(
          "{name} {t} answers {} → {}: clients reach a different endpoint address",
          values.join(", "),
          new_values.join(", ")
        ),
      )),
      Some(_) => {}
    }
  }
  for ((name, t), values) in &n {
    if !o.contains_key(&(name.clone(), t.clone())) {
      out.push(change(
        vec![Kind::Added],
        format!(
          "{name} {t} {} added: the name resolves to a private endpoint",
          values.join(", ")
        ),
      ));
    }
  }
}
