//! The hub firewall plan: every spoke's planned rules in one rule collection group.
//!
//! Takes the hub and the spokes (sorted by name) with the rule collection group each would
//! deploy alone; returns one group whose rules carry IP Groups as sources. Rules that several
//! spokes need identically (same name, protocols, destination and ports: the merge key) are
//! one rule whose sources are the union of their IP groups. The hub's `ip_groups` says how
//! addresses are cut: one group per spoke (`ipg-<workspace>`, its compute subnets), or one per
//! distinct set of merge keys, shared by every spoke with that set and named by a hash of the
//! set alone (`ipg-rules-<12 hex>`), so no spoke coming or going renames another's group.
//!
//! Priorities are allocated once and never per workspace: the group has the fleet file's
//! priority, its network collection 100 and its application collection 200, whatever the
//! spokes. Adding or removing a spoke adds or removes rules and IP-group references and
//! renumbers nothing. (All rules are Allow, so the order of rules inside a collection
//! changes nothing Azure decides; a per-spoke collection would spend a priority per spoke and
//! repeat every shared rule.) Checked against Azure Firewall's documented limits
//! (https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits,
//! Azure Firewall limits; reference/target-formats.md § 2.4; 200 IP Groups although newer
//! pages give 600 per policy, choice `fleet-ip-group-limit`), adding spokes in name order, so
//! the error names the spoke that pushes the fleet over. It never renders.

use std::collections::BTreeMap;

use ipnet::IpNet;
use sha2::{Digest, Sha256};

use crate::diagnostic::Problem;
use crate::ir::{Egress, Ir};
use crate::target::firewall::{ApplicationRule, Destination, NetworkRule, RuleCollectionGroup};

use super::load::IpGroupMode;
use super::{Hub, Spoke};

/// IP Groups per firewall (Azure Firewall limits; kept where newer pages say 600 per policy:
/// catalog/choices.toml `fleet-ip-group-limit`).
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

/// An IP Group of the hub: the compute subnets (or address spaces) of the spokes it serves.
/// Per workspace it serves one spoke; per rule set every spoke that needs exactly its rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpGroup {
  pub name: String,
  /// The spokes it serves, sorted.
  pub workspaces: Vec<String>,
  /// Per workspace, the spoke's own order; per rule set, the union sorted and unique.
  pub addresses: Vec<IpNet>,
}

/// A hub rule: the spoke's rule (its `source_addresses` emptied) and the IP groups it
/// applies to, sorted by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced<R> {
  pub rule: R,
  /// Sorted, unique.
  pub ip_groups: Vec<String>,
  /// The spokes that need the rule, sorted and unique (per workspace, one per IP group).
  pub workspaces: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HubFirewall {
  pub policy: String,
  pub name: String,
  pub priority: u32,
  pub mode: IpGroupMode,
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
    let n = self.network.iter().filter(|r| r.workspaces.len() > 1).count();
    n + self.application.iter().filter(|r| r.workspaces.len() > 1).count()
  }

  /// The IP Group that serves this spoke, if it has hub rules.
  pub fn group_of(&self, workspace: &str) -> Option<&IpGroup> {
    self
      .ip_groups
      .iter()
      .find(|g| g.workspaces.iter().any(|w| w == workspace))
  }
}

/// `ipg-<workspace>`: IP Group names take letters, digits, `_`, `.`, `-` (1–80); profile
/// names are identifiers, so only the length needs care.
pub fn ip_group_name(ir: &Ir) -> String {
  let mut name = format!("ipg-{}", ir.profile);
  name.truncate(80);
  name
}

/// `ipg-rules-<12 hex>`: the first 48 bits of the SHA-256 of the sorted rule keys, one a
/// line. A function of the rule set alone, so no other spoke can rename a group.
pub fn rule_set_name(signature: &[String]) -> String {
  let hash = Sha256::digest(signature.join("\n").as_bytes());
  let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
  format!("ipg-rules-{hex}")
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

/// The sorted, unique keys of every rule a spoke contributes: equal signatures share a group
/// per rule set.
pub fn signature(group: &RuleCollectionGroup) -> Vec<String> {
  let network = group.network.rules.iter().map(|r| key(r, clear_network).0);
  let application = group
    .application
    .rules
    .iter()
    .map(|r| key(r, clear_application).0);
  let mut keys: Vec<String> = network.chain(application).collect();
  keys.sort();
  keys.dedup();
  keys
}

/// A spoke's IP Group sources: its compute subnets, or its address space without any.
fn spoke_addresses(ir: &Ir) -> Vec<IpNet> {
  let addresses = &ir.settings.firewall.source_addresses;
  if addresses.is_empty() {
    ir.settings.address_space.iter().map(|n| IpNet::V4(*n)).collect()
  } else {
    addresses.clone()
  }
}

/// The running totals that the limits are checked against, and whether one was passed.
struct Tally {
  pairs: usize,
  bytes: usize,
  over: bool,
}

impl Tally {
  fn check(&mut self, problems: &mut Vec<Problem>, problem: impl FnOnce() -> Problem, passed: bool) {
    if !self.over && passed {
      self.over = true;
      problems.push(problem());
    }
  }
}

/// Add one rule's reference to `group` (for `workspace`) to the merged rules; a rule seen
/// first makes a new entry. Only a new (rule, group) pair costs bytes and pairs.
fn add_rule<R: Clone>(
  rules: &mut BTreeMap<String, Sourced<R>>,
  (k, rule): (String, R),
  first: impl FnOnce(R) -> R,
  (pairs, description): (usize, usize),
  (group, workspace): (&str, &str),
  tally: &mut Tally,
) {
  let entry = rules.entry(k).or_insert_with_key(|k| {
    tally.bytes += k.len() + description;
    Sourced {
      rule: first(rule),
      ip_groups: Vec::new(),
      workspaces: Vec::new(),
    }
  });
  if !entry.ip_groups.iter().any(|g| g == group) {
    entry.ip_groups.push(group.to_string());
    tally.pairs += pairs;
    tally.bytes += IP_GROUP_REFERENCE_BYTES;
  }
  entry.workspaces.push(workspace.to_string());
}

pub fn plan(hub: &Hub, spokes: &[Spoke], problems: &mut Vec<Problem>) -> HubFirewall {
  let mode = hub.ip_groups;
  let mut ip_groups: Vec<IpGroup> = Vec::new();
  let mut index: BTreeMap<String, usize> = BTreeMap::new();
  let mut network: BTreeMap<String, Sourced<NetworkRule>> = BTreeMap::new();
  let mut application: BTreeMap<String, Sourced<ApplicationRule>> = BTreeMap::new();
  let mut tally = Tally {
    pairs: 0,
    bytes: 2048,
    over: false,
  };
  for spoke in spokes {
    let ir = &spoke.compiled.ir;
    let group = &spoke.firewall;
    if group.is_empty() {
      continue;
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
    let name = match mode {
      IpGroupMode::PerWorkspace => ip_group_name(ir),
      IpGroupMode::PerRuleSet => rule_set_name(&signature(group)),
    };
    let at = *index.entry(name.clone()).or_insert_with(|| {
      ip_groups.push(IpGroup {
        name: name.clone(),
        workspaces: Vec::new(),
        addresses: Vec::new(),
      });
      ip_groups.len() - 1
    });
    let ipg = &mut ip_groups[at];
    ipg.workspaces.push(ir.profile.clone());
    ipg.addresses.extend(spoke_addresses(ir));
    if mode == IpGroupMode::PerRuleSet {
      ipg.addresses.sort();
      ipg.addresses.dedup();
    }
    let held = ipg.addresses.len();
    let shared = if ipg.workspaces.len() > 1 {
      format!(", shared by {} workspaces,", ipg.workspaces.len())
    } else {
      String::new()
    };
    tally.check(
      problems,
      || limit(spoke, mode, format!("its IP group {name}{shared} would hold {held} addresses; an IP Group holds at most {MAX_IP_GROUP_ADDRESSES}"), false),
      held > MAX_IP_GROUP_ADDRESSES,
    );
    let count = ip_groups.len();
    tally.check(
      problems,
      || limit(spoke, mode, format!("it is IP group number {count} of the hub firewall; Azure Firewall takes at most {MAX_IP_GROUPS} IP Groups"), true),
      ip_groups.len() > MAX_IP_GROUPS && at + 1 == count,
    );
    let source = (name.as_str(), ir.profile.as_str());
    for r in &group.network.rules {
      let destinations = match &r.destination {
        Destination::Addresses(a) => a.len(),
        Destination::Fqdns(f) => f.len(),
      };
      let first = |rule| NetworkRule {
        description: r.description.clone(),
        flow: r.flow.clone(),
        ..rule
      };
      add_rule(
        &mut network,
        key(r, clear_network),
        first,
        (destinations, r.description.len()),
        source,
        &mut tally,
      );
    }
    for r in &group.application.rules {
      let first = |rule| ApplicationRule {
        description: r.description.clone(),
        flow: r.flow.clone(),
        ..rule
      };
      add_rule(
        &mut application,
        key(r, clear_application),
        first,
        (0, r.description.len()),
        source,
        &mut tally,
      );
    }
    let pairs = tally.pairs;
    tally.check(
      problems,
      || limit(spoke, mode, format!("with it the hub's network rules hold {pairs} source × destination pairs; Azure Firewall takes at most {MAX_NETWORK_PAIRS}"), false),
      pairs > MAX_NETWORK_PAIRS,
    );
    let kib = tally.bytes / 1024;
    tally.check(
      problems,
      || {
        limit(
          spoke,
          mode,
          format!(
            "with it the rule collection group {} grows to about {kib} KiB; one group holds at most 2 MB",
            hub.rule_collection_group
          ),
          false,
        )
      },
      tally.bytes > MAX_GROUP_BYTES,
    );
  }
  if mode == IpGroupMode::PerRuleSet {
    ip_groups.sort_by(|a, b| a.name.cmp(&b.name));
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
    sort_unique(&mut r.ip_groups);
    sort_unique(&mut r.workspaces);
  }
  for r in &mut application {
    sort_unique(&mut r.ip_groups);
    sort_unique(&mut r.workspaces);
  }
  network.sort_by(|a, b| a.rule.name.cmp(&b.rule.name));
  application.sort_by(|a, b| a.rule.name.cmp(&b.rule.name));
  HubFirewall {
    policy: hub.policy_name.clone(),
    name: hub.rule_collection_group.clone(),
    priority: hub.priority,
    mode,
    ip_groups,
    network,
    application,
  }
}

fn sort_unique(items: &mut Vec<String>) {
  items.sort();
  items.dedup();
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

fn limit(spoke: &Spoke, mode: IpGroupMode, why: String, count: bool) -> Problem {
  let hint = if count && mode == IpGroupMode::PerWorkspace {
    "set `ip_groups = \"per-rule-set\"` in [hub.firewall]: spokes that need the same rules then share one IP Group (docs/fleet.md § Hub firewall); or split the fleet across two hub policies (two fleet files)"
  } else {
    "split the fleet across two hub policies (two fleet files), or merge compute subnets"
  };
  Problem::error(
    "FLT010",
    format!(
      "fleet: workspace {} pushes the hub firewall over an Azure limit: {why}",
      spoke.name()
    ),
    Some(spoke.entry.clone()),
  )
  .hint(hint)
  .source(
    "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits",
  )
}
