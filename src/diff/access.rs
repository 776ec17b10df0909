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
//! change, and an allow moving above or below a deny is. Also: egress mode and the
//! placement of the rules (NSG, firewall policy and group, VNet), the rule collection group
//! priority in a shared policy, the managed network's isolation mode and outbound rules,
//! and private DNS answers. Never reads files, never renders.

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv6Net};
use serde::Serialize;

use super::changes::Kind;
use super::describe::{describe_ports, describe_prefixes, describe_protocols};
use crate::eval::firewall::{Decider, Policy, Query};
use crate::eval::nsg::Nsg;
use crate::eval::{Platform, Protocols, TagResolver, TrafficClass};
use crate::ir::{Direction, Egress, Ir, IsolationMode};
use crate::net::{PortSet, PrefixSet};
use crate::plan::Plan;
use crate::target::firewall::{Destination, RuleCollectionGroup};
use crate::target::nsg::{default_rules, Access, SecurityRule};
use crate::target::Endpoint;

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
    more => format!("{} and {more} more rules", said.join(", ")),
  }
}

/// One side of the comparison: its IR, its plan and its tag resolution.
pub struct Sided<'a> {
  pub ir: &'a Ir,
  pub plan: &'a Plan,
}

pub fn changes(old: &Sided, new: &Sided) -> Vec<AccessChange> {
  let blocks = TagBlocks::new([old.plan, new.plan]);
  let (old_tags, new_tags) = (blocks.resolver(old.ir), blocks.resolver(new.ir));
  let mut out = Vec::new();
  nsg(old, new, &old_tags, &new_tags, &mut out);
  firewall(old, new, &old_tags, &new_tags, &mut out);
  placement(old, new, &mut out);
  egress(old.ir.settings.egress, new.ir.settings.egress, &mut out);
  managed(old, new, &mut out);
  dns(old.ir, new.ir, &mut out);
  out.sort_by(|a, b| (a.target, &a.scope, &a.summary).cmp(&(b.target, &b.scope, &b.summary)));
  out
}

// ---------------------------------------------------------------------------------------------
// Service tags as opaque blocks

/// Every published tag either side names, each given a block of 2001:db8::/32 (documentation
/// space, which no rule amlnet writes names): global tag `i` gets `2001:db8:i::/48`, its
/// regional tag `j` gets `2001:db8:i:j::/64` inside it. Both sides share the table, so the
/// same tag is the same addresses on both.
pub struct TagBlocks {
  /// Lower-cased name → (name as written, block).
  blocks: BTreeMap<String, (String, PrefixSet)>,
}

/// Tags the platform resolves per network, not by a published list.
const VIRTUAL_TAGS: &[&str] = &["virtualnetwork", "internet", "azureloadbalancer", "*"];

impl TagBlocks {
  fn new(plans: [&Plan; 2]) -> TagBlocks {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for plan in plans {
      for tag in plan_tags(plan) {
        if !VIRTUAL_TAGS.contains(&tag.to_ascii_lowercase().as_str()) {
          names.entry(tag.to_ascii_lowercase()).or_insert(tag);
        }
      }
    }
    // Globals first (and every global a regional tag implies), so `i` follows the sorted names.
    let mut globals: BTreeMap<String, String> = BTreeMap::new();
    for (key, name) in &names {
      let (g, gn) = match (key.split_once('.'), name.split_once('.')) {
        (Some((g, _)), Some((gn, _))) => (g.to_string(), gn.to_string()),
        _ => (key.clone(), name.clone()),
      };
      globals.entry(g).or_insert(gn);
    }
    let mut blocks = BTreeMap::new();
    let mut regional_index: BTreeMap<String, u16> = BTreeMap::new();
    let global_block = |i: usize| -> Option<Ipv6Net> {
      let i = u16::try_from(i + 1).ok()?;
      Ipv6Net::new(std::net::Ipv6Addr::new(0x2001, 0xdb8, i, 0, 0, 0, 0, 0), 48).ok()
    };
    let index: BTreeMap<&String, usize> = globals.keys().enumerate().map(|(i, g)| (g, i)).collect();
    for (g, name) in &globals {
      if let Some(net) = global_block(index[g]) {
        blocks.insert(g.clone(), (name.clone(), PrefixSet::aggregate(&[IpNet::V6(net)])));
      }
    }
    for (key, name) in &names {
      let Some((g, _)) = key.split_once('.') else {
        continue;
      };
      let Some(base) = global_block(index[&g.to_string()]) else {
        continue;
      };
      let j = regional_index.entry(g.to_string()).or_insert(0);
      *j += 1;
      let seg = base.network().segments();
      let addr = std::net::Ipv6Addr::new(seg[0], seg[1], seg[2], *j, 0, 0, 0, 0);
      if let Ok(net) = Ipv6Net::new(addr, 64) {
        blocks.insert(
          key.clone(),
          (name.clone(), PrefixSet::aggregate(&[IpNet::V6(net)])),
        );
      }
    }
    TagBlocks { blocks }
  }

  fn resolver<'a>(&'a self, ir: &Ir) -> Symbolic<'a> {
    let vnet: Vec<IpNet> = ir.settings.address_space.iter().map(|n| IpNet::V4(*n)).collect();
    Symbolic {
      platform: Platform::new(None, PrefixSet::aggregate(&vnet)),
      blocks: self,
    }
  }
}

fn plan_tags(plan: &Plan) -> Vec<String> {
  let mut tags = Vec::new();
  let mut take = |e: &Endpoint| {
    if let Endpoint::Tag(t) = e {
      tags.push(t.clone());
    }
  };
  for r in &plan.nsg {
    take(&r.source);
    take(&r.destination);
  }
  for r in &plan.firewall.network.rules {
    if let Destination::Addresses(endpoints) = &r.destination {
      endpoints.iter().for_each(&mut take);
    }
  }
  tags
}

/// One side's tag resolution: the platform's virtual tags for its VNet, the shared blocks for
/// published tags.
pub struct Symbolic<'a> {
  platform: Platform<'static>,
  blocks: &'a TagBlocks,
}

impl TagResolver for Symbolic<'_> {
  fn resolve(&self, tag: &str) -> Option<PrefixSet> {
    let key = tag.to_ascii_lowercase();
    if VIRTUAL_TAGS.contains(&key.as_str()) {
      return self.platform.resolve(tag);
    }
    self.blocks.blocks.get(&key).map(|(_, set)| set.clone())
  }
}

impl Symbolic<'_> {
  pub fn virtual_network(&self) -> &PrefixSet {
    &self.platform.virtual_network
  }

  pub fn internet(&self) -> PrefixSet {
    self.platform.internet()
  }

  /// Published tags as (name, block), globals before their regional tags.
  pub fn tags(&self) -> impl Iterator<Item = (&str, &PrefixSet)> {
    self.blocks.blocks.values().map(|(n, s)| (n.as_str(), s))
  }
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

fn group_scope(g: &RuleCollectionGroup) -> String {
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

// ---------------------------------------------------------------------------------------------
// Where the rules go and which path traffic takes

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

fn placement(old: &Sided, new: &Sided, out: &mut Vec<AccessChange>) {
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

fn egress(old: Egress, new: Egress, out: &mut Vec<AccessChange>) {
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

// ---------------------------------------------------------------------------------------------
// Managed network and DNS answers

/// How open a managed network's mode leaves compute egress: approved rules only, the
/// customer VNet's own rules (no managed VNet), or any internet destination.
fn mode_openness(m: IsolationMode) -> u8 {
  match m {
    IsolationMode::AllowOnlyApprovedOutbound => 0,
    IsolationMode::Disabled => 1,
    IsolationMode::AllowInternetOutbound => 2,
  }
}

fn managed(old: &Sided, new: &Sided, out: &mut Vec<AccessChange>) {
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
fn dns(old: &Ir, new: &Ir, out: &mut Vec<AccessChange>) {
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
