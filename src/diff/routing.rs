//! Access changes of the network plan: which subnets the NSG is associated with, where each
//! subnet's routes send traffic (to the hub firewall, or past it to the internet), and which
//! public endpoints (the workspace's, online endpoints') accept connections.
//! Takes both sides' plans and appends `AccessChange`s; never evaluates rules.
//!
//! A subnet that loses the NSG, a route to the firewall that goes away and a route to the
//! internet that appears all open access (`widened`): traffic stops meeting rules it met
//! before. A next hop that moves to another appliance is `changed` and `widened`: the new
//! appliance's rules are not the ones reviewed. The reverse of each closes access.

use std::collections::{BTreeMap, BTreeSet};

use super::access::{AccessChange, Sided};
use super::changes::Kind;
use crate::target::network::{Network, NextHop};

fn change(scope: String, kinds: Vec<Kind>, summary: String) -> AccessChange {
  AccessChange {
    target: "routes",
    scope,
    kinds,
    summary,
    traffic: vec![],
    old: vec![],
    new: vec![],
  }
}

/// Prefix (as written) → next hop of one subnet's route table; empty without one.
fn routes(n: &Network, subnet: &str) -> BTreeMap<String, NextHop> {
  n.subnets
    .iter()
    .find(|s| s.name == subnet)
    .and_then(|s| s.route_table.as_deref())
    .and_then(|t| n.route_table(t))
    .map(|t| {
      t.routes
        .iter()
        .map(|r| (r.address_prefix.to_string(), r.next_hop))
        .collect()
    })
    .unwrap_or_default()
}

pub(super) fn network(old: &Sided, new: &Sided, out: &mut Vec<AccessChange>) {
  let (o, n) = (&old.plan.network, &new.plan.network);
  let nsg = &new.ir.settings.nsg.name;
  let names: BTreeSet<&str> = o
    .subnets
    .iter()
    .chain(&n.subnets)
    .map(|s| s.name.as_str())
    .collect();
  for name in names {
    let scope = format!("subnet {name}");
    let (was, is) = (
      o.subnets.iter().any(|s| s.name == name),
      n.subnets.iter().any(|s| s.name == name),
    );
    if was && !is {
      out.push(change(
        scope.clone(),
        vec![Kind::Widened],
        format!("subnet {name} is no longer associated with NSG {nsg}: its rules stop applying there"),
      ));
    } else if is && !was {
      out.push(change(
        scope.clone(),
        vec![Kind::Narrowed],
        format!("subnet {name} is now associated with NSG {nsg}: its rules apply there"),
      ));
    }
    let (before, after) = (routes(o, name), routes(n, name));
    let prefixes: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for prefix in prefixes {
      let (b, a) = (before.get(prefix), after.get(prefix));
      let (kinds, what) = match (b, a) {
        (Some(b), Some(a)) if b == a => continue,
        (Some(NextHop::VirtualAppliance(x)), Some(NextHop::VirtualAppliance(y))) => (
          vec![Kind::Changed, Kind::Widened],
          format!(
            "goes to the appliance at {y} instead of {x}: rules other than the reviewed ones decide it"
          ),
        ),
        (Some(NextHop::VirtualAppliance(x)), _) => (
          vec![Kind::Widened],
          format!(
            "no longer goes through the firewall at {x}{}",
            if a.is_some() {
              " but straight to the internet"
            } else {
              ""
            }
          ),
        ),
        (_, Some(NextHop::VirtualAppliance(y))) => (
          vec![Kind::Narrowed],
          format!("now goes through the firewall at {y}"),
        ),
        (None, Some(NextHop::Internet)) => (
          vec![Kind::Widened],
          "now goes straight to the internet, past the firewall".into(),
        ),
        (Some(NextHop::Internet), None) => (
          vec![Kind::Narrowed],
          "no longer goes straight to the internet".into(),
        ),
        _ => continue,
      };
      out.push(change(
        scope.clone(),
        kinds,
        format!("traffic from subnet {name} to {prefix} {what}"),
      ));
    }
  }
}

/// The workspace's own public endpoint and each online endpoint's: opened is `widened`
/// (clients on the internet can connect), closed is `narrowed`. Compared only when both IRs
/// record it.
pub(super) fn public_access(old: &Sided, new: &Sided, out: &mut Vec<AccessChange>) {
  let (Some(o), Some(n)) = (&old.ir.settings.public_access, &new.ir.settings.public_access) else {
    return;
  };
  let mut push = |scope: String, opened: bool, what: &str| {
    let (kind, verb) = if opened {
      (Kind::Widened, "now accepts connections from the internet")
    } else {
      (Kind::Narrowed, "no longer accepts connections from the internet")
    };
    out.push(AccessChange {
      target: "public_access",
      scope,
      kinds: vec![kind],
      summary: format!("{what} {verb}"),
      traffic: vec![],
      old: vec![],
      new: vec![],
    });
  };
  if o.workspace != n.workspace {
    push(
      "workspace.public_network_access".into(),
      n.workspace,
      &format!("workspace {}", new.ir.settings.workspace_name),
    );
  }
  let names: BTreeSet<&String> = o.online_endpoints.iter().chain(&n.online_endpoints).collect();
  for name in names {
    let (was, is) = (
      o.online_endpoints.contains(name),
      n.online_endpoints.contains(name),
    );
    if was != is {
      push(
        format!("online_endpoint {name}"),
        is,
        &format!("online endpoint {name}"),
      );
    }
  }
}
