//! The hub firewall plan: every spoke's planned rules in one rule collection group.
//!
//! Takes the hub and the spokes (sorted by name) with the rule collection group each would
//! deploy alone; returns one group whose rules carry IP Groups (one per spoke, its compute
//! subnets) as sources. Rules that several spokes need identically (same name, protocols,
//! destination and ports) are one rule whose sources are the union of their IP groups.
//!
//! Priorities are allocated once and never per workspace: the group has the fleet file's
//! priority, its network collection 100 and its application collection 200, whatever the
//! spokes. Adding or removing a spoke adds or removes rules and IP-group references and
//! renumbers nothing. (All rules are Allow, so the order of rules inside a collection
//! changes nothing Azure decides; a per-spoke collection would spend a priority per spoke and
//! repeat every shared rule.) Checked against Azure Firewall's documented limits
//! (https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits,
//! Azure Firewall limits; reference/target-formats.md § 2.4), adding spokes in name order, so
//! the error names the spoke that pushes the fleet over. It never renders.

use std::collections::BTreeMap;

use ipnet::IpNet;
use sha2::{Digest, Sha256};

use crate::diagnostic::Problem;
use crate::ir::{Egress, Ir};
use crate::target::firewall::{ApplicationRule, NetworkRule};

use super::{Hub, Spoke};

/// IP Groups per firewall (Azure Firewall limits).
pub const MAX_IP_GROUPS: usize = 200;
/// IP addresses or prefixes per IP Group.
pub const MAX_IP_GROUP_ADDRESSES: usize = 5000;
/// Unique source × destination pairs in network rules (an IP Group counts as one source).
pub const MAX_NETWORK_PAIRS: usize = 20_000;
/// Size of one rule collection group: 2 MB.
pub const MAX_GROUP_BYTES: usize = 2 * 1024 * 1024;
/// What one IP-group reference costs in the group as Azure stores it (a full resource ID of
/// about 150 characters, rounded up so the estimate errs on the safe side).
const IP_GROUP_REFERENCE_BYTES: usize = 200;

/// Network collection priority, application collection priority (fixed; see the module).
pub const NETWORK_PRIORITY: u32 = 100;
pub const APPLICATION_PRIORITY: u32 = 200;

/// One spoke's IP Group: its compute subnets (or its address space when it has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpGroup {
  pub name: String,
  pub workspace: String,
  pub addresses: Vec<IpNet>,
}

/// A hub rule: the spoke's rule (its `source_addresses` emptied) and the IP groups it
/// applies to, sorted by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<R> {
  pub rule: R,
  pub ip_groups: Vec<String>,
  /// The spokes whose IP groups these are, in the same order.
  pub workspaces: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HubFirewall {
  pub policy: String,
  pub name: String,
  pub priority: u32,
  pub ip_groups: Vec<IpGroup>,
  pub network: Vec<Sourced<NetworkRule>>,
  pub application: Vec<Sourced<ApplicationRule>>,
}

impl HubFirewall {
  pub fn is_empty(&self) -> bool {
    self.network.is_empty() && self.application.is_empty()
  }

  /// Rules needed by more than one spoke.
  pub fn shared(&self) -> usize {
    let n = self.network.iter().filter(|r| r.ip_groups.len() > 1).count();
    n + self.application.iter().filter(|r| r.ip_groups.len() > 1).count()
  }
}

/// `ipg-<workspace>`: IP Group names take letters, digits, `_`, `.`, `-` (1–80); profile
/// names are identifiers, so only the length needs care.
pub fn ip_group_name(ir: &Ir) -> String {
  let mut name = format!("ipg-{}", ir.profile);
  name.truncate(80);
  name
}

/// A rule's identity without its sources, description and flow: equal keys merge.
fn key<R: std::fmt::Debug + Clone>(rule: &R, clear: impl Fn(&mut R)) -> (String, R) {
  let mut r = rule.clone();
  clear(&mut r);
  (format!("{r:?}"), r)
}

fn clear_network(r: &mut NetworkRule) {
  r.source_addresses.clear();
  r.description.clear();
  r.flow = None;
}

fn clear_application(r: &mut ApplicationRule) {
  r.source_addresses.clear();
  r.description.clear();
  r.flow = None;
}

pub fn plan(hub: &Hub, spokes: &[Spoke], problems: &mut Vec<Problem>) -> HubFirewall {
  let mut ip_groups = Vec::new();
  let mut network: BTreeMap<String, Sourced<NetworkRule>> = BTreeMap::new();
  let mut application: BTreeMap<String, Sourced<ApplicationRule>> = BTreeMap::new();
  let mut pairs = 0usize;
  let mut bytes = 2048usize;
  let mut over = false;
  for spoke in spokes {
    let ir = &spoke.compiled.ir;
    let group = &spoke.firewall;
    if group.is_empty() {
      continue;
    }
    let name = ip_group_name(ir);
    let mut addresses = ir.settings.firewall.source_addresses.clone();
    if addresses.is_empty() {
      addresses = ir.settings.address_space.iter().map(|n| IpNet::V4(*n)).collect();
    }
    if ir.settings.egress != Egress::Firewall {
      problems.push(Problem::info(
        "FLT031",
        format!(
          "fleet: {} has network.egress = \"{}\": its rules are in the hub policy, but apply only once its compute traffic is routed to the hub firewall",
          ir.profile,
          ir.settings.egress.as_str()
        ),
        Some(spoke.entry.clone()),
      ));
    }
    if !over && addresses.len() > MAX_IP_GROUP_ADDRESSES {
      over = true;
      problems.push(limit(
        spoke,
        format!(
          "its IP group {name} would hold {} addresses; an IP Group holds at most {MAX_IP_GROUP_ADDRESSES}",
          addresses.len()
        ),
      ));
    }
    ip_groups.push(IpGroup {
      name: name.clone(),
      workspace: ir.profile.clone(),
      addresses,
    });
    if !over && ip_groups.len() > MAX_IP_GROUPS {
      over = true;
      problems.push(limit(spoke, format!("it is IP group number {} of the hub firewall; Azure Firewall takes at most {MAX_IP_GROUPS} IP Groups", ip_groups.len())));
    }
    for r in &group.network.rules {
      let (k, rule) = key(r, clear_network);
      let destinations = match &rule.destination {
        crate::target::firewall::Destination::Addresses(a) => a.len(),
        crate::target::firewall::Destination::Fqdns(f) => f.len(),
      };
      pairs += destinations;
      bytes += IP_GROUP_REFERENCE_BYTES;
      let entry = network.entry(k).or_insert_with(|| {
        bytes += format!("{rule:?}").len() + r.description.len();
        Sourced {
          rule: NetworkRule {
            description: r.description.clone(),
            flow: r.flow.clone(),
            ..rule
          },
          ip_groups: Vec::new(),
          workspaces: Vec::new(),
        }
      });
      entry.ip_groups.push(name.clone());
      entry.workspaces.push(ir.profile.clone());
    }
    for r in &group.application.rules {
      let (k, rule) = key(r, clear_application);
      bytes += IP_GROUP_REFERENCE_BYTES;
      let entry = application.entry(k).or_insert_with(|| {
        bytes += format!("{rule:?}").len() + r.description.len();
        Sourced {
          rule: ApplicationRule {
            description: r.description.clone(),
            flow: r.flow.clone(),
            ..rule
          },
          ip_groups: Vec::new(),
          workspaces: Vec::new(),
        }
      });
      entry.ip_groups.push(name.clone());
      entry.workspaces.push(ir.profile.clone());
    }
    if !over && pairs > MAX_NETWORK_PAIRS {
      over = true;
      problems.push(limit(spoke, format!("with it the hub's network rules hold {pairs} source × destination pairs; Azure Firewall takes at most {MAX_NETWORK_PAIRS}")));
    }
    if !over && bytes > MAX_GROUP_BYTES {
      over = true;
      problems.push(limit(
        spoke,
        format!(
          "with it the rule collection group {} grows to about {} KiB; one group holds at most 2 MB",
          hub.rule_collection_group,
          bytes / 1024
        ),
      ));
    }
  }
  let mut network: Vec<_> = network.into_values().collect();
  let mut application: Vec<_> = application.into_values().collect();
  unique_names(
    &mut network,
    |s| &mut s.rule.name,
    |s| format!("{:?}", key(&s.rule, clear_network).1),
  );
  unique_names(
    &mut application,
    |s| &mut s.rule.name,
    |s| format!("{:?}", key(&s.rule, clear_application).1),
  );
  for r in &mut network {
    sort_sources(&mut r.ip_groups, &mut r.workspaces);
  }
  for r in &mut application {
    sort_sources(&mut r.ip_groups, &mut r.workspaces);
  }
  network.sort_by(|a, b| a.rule.name.cmp(&b.rule.name));
  application.sort_by(|a, b| a.rule.name.cmp(&b.rule.name));
  HubFirewall {
    policy: hub.policy_name.clone(),
    name: hub.rule_collection_group.clone(),
    priority: hub.priority,
    ip_groups,
    network,
    application,
  }
}

fn sort_sources(groups: &mut Vec<String>, workspaces: &mut Vec<String>) {
  let mut both: Vec<(String, String)> = groups.drain(..).zip(workspaces.drain(..)).collect();
  both.sort();
  both.dedup();
  for (g, w) in both {
    groups.push(g);
    workspaces.push(w);
  }
}

/// Rules of one name but different contents (two spokes' flows of one name that differ)
/// each get a suffix from a hash of their contents: names that depend on neither the order
/// of the profiles nor on which other spokes exist.
fn unique_names<T>(rules: &mut [T], name: impl Fn(&mut T) -> &mut String, content: impl Fn(&T) -> String) {
  let mut count: BTreeMap<String, usize> = BTreeMap::new();
  for r in rules.iter_mut() {
    *count.entry(name(r).clone()).or_default() += 1;
  }
  for r in rules.iter_mut() {
    let base = name(r).clone();
    if count[&base] > 1 {
      let hash = Sha256::digest(content(r).as_bytes());
      let suffix: String = hash.iter().take(3).map(|b| format!("{b:02x}")).collect();
      let mut stem = base.clone();
      stem.truncate(crate::target::nsg::NAME_MAX - 7);
      *name(r) = format!("{stem}-{suffix}");
    }
  }
}

fn limit(spoke: &Spoke, why: String) -> Problem {
  Problem::error(
    "FLT010",
    format!(
      "fleet: workspace {} pushes the hub firewall over an Azure limit: {why}",
      spoke.name()
    ),
    Some(spoke.entry.clone()),
  )
  .hint("split the fleet across two hub policies (two fleet files), or merge compute subnets")
  .source(
    "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits",
  )
}
