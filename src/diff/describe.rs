//! Service tags as opaque address blocks for the evaluator (`TagBlocks`, `Symbolic`), and
//! traffic in a reviewer's words: an address set named by the tags it covers (`Internet`,
//! `VirtualNetwork`, published tags) plus the CIDRs left over, ports as ranges, protocols by
//! name. Takes plans and sets, returns resolvers and short strings; never evaluates rules.

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::eval::{Platform, TagResolver};
use crate::ir::Ir;
use crate::plan::Plan;
use crate::target::firewall::Destination;
use crate::target::Endpoint;

use crate::eval::Protocols;
use crate::net::{PortSet, PrefixSet};

/// CIDRs listed before the rest is counted.
const MAX_CIDRS: usize = 4;

pub fn describe_protocols(p: Protocols) -> String {
  match (p.tcp, p.udp) {
    (true, true) => "TCP/UDP",
    (true, false) => "TCP",
    (false, true) => "UDP",
    (false, false) => "no protocol",
  }
  .to_string()
}

pub fn describe_ports(p: &PortSet) -> String {
  let list = p.strings();
  if list.is_empty() {
    "no port".to_string()
  } else if p.is_all() {
    "any port".to_string()
  } else {
    format!("port {}", list.join(","))
  }
}

/// "*", "Internet", "VirtualNetwork, 172.16.0.0/12", "Internet except AzureMachineLearning",
/// "AzureMachineLearning, part of Storage": what `set` covers, largest names first.
pub fn describe_prefixes(set: &PrefixSet, tags: &Symbolic) -> String {
  if set.is_empty() {
    return "no address".to_string();
  }
  if *set == PrefixSet::all() {
    return "*".to_string();
  }
  let mut parts: Vec<String> = Vec::new();
  let mut rest = set.clone();
  let vnet = tags.virtual_network();
  if !vnet.is_empty() && vnet.is_subset(&rest) {
    parts.push("VirtualNetwork".to_string());
    rest = rest.difference(vnet);
  }
  let internet = tags.internet();
  let inside = rest.intersection(&internet);
  if !inside.is_empty() {
    rest = rest.difference(&internet);
    if inside == internet {
      parts.push("Internet".to_string());
    } else {
      parts.push(describe_internet_part(&inside, &internet, tags));
    }
  }
  if let Some(said) = hull_except(&rest) {
    parts.push(said);
    return parts.join(", ");
  }
  let cidrs: Vec<String> = rest.iter().map(|n| n.to_string()).collect();
  if cidrs.len() > MAX_CIDRS {
    parts.extend(cidrs[..MAX_CIDRS].iter().cloned());
    parts.push(format!("{} more prefixes", cidrs.len() - MAX_CIDRS));
  } else {
    parts.extend(cidrs);
  }
  parts.join(", ")
}

/// A part of `Internet`: "Internet except A, B" when what is missing is whole tags, else the
/// tags it holds (whole or in part) and "other Internet addresses" for the rest.
fn describe_internet_part(inside: &PrefixSet, internet: &PrefixSet, tags: &Symbolic) -> String {
  let missing = internet.difference(inside);
  let mut excluded: Vec<&str> = Vec::new();
  let mut covered = PrefixSet::default();
  for (name, block) in tags.tags() {
    if block.is_subset(&missing) && !block.is_subset(&covered) {
      excluded.push(name);
      covered = covered.union(block);
    }
  }
  if !excluded.is_empty() && covered == missing {
    return format!("Internet except {}", excluded.join(", "));
  }
  let mut named: Vec<String> = Vec::new();
  let mut left = inside.clone();
  // Whole tags first (a global before its regional tags, which it holds), then parts.
  for (name, block) in tags.tags() {
    if block.is_subset(&left) {
      named.push(name.to_string());
      left = left.difference(block);
    }
  }
  for (name, block) in tags.tags() {
    if !left.intersection(block).is_empty() {
      named.push(format!("part of {name}"));
      left = left.difference(block);
    }
  }
  if !left.is_empty() {
    let cidrs: Vec<String> = left.iter().map(|n| n.to_string()).collect();
    if cidrs.len() <= MAX_CIDRS {
      named.extend(cidrs);
    } else {
      named.push("other Internet addresses".to_string());
    }
  }
  named.join(", ")
}

/// "10.0.0.0/8 except 10.20.0.0/24": a set of one address family that is its smallest
/// covering prefix minus a few prefixes, when that says it in fewer words than its CIDRs.
fn hull_except(set: &PrefixSet) -> Option<String> {
  if set.len() <= MAX_CIDRS {
    return None;
  }
  let hull: IpNet = match (set.ipv4.as_slice(), set.ipv6.as_slice()) {
    ([first, .., last], []) => {
      let mut net = Ipv4Net::new(first.network(), first.prefix_len()).ok()?;
      while !net.contains(last) {
        net = net.supernet()?;
      }
      IpNet::V4(net)
    }
    ([], [first, .., last]) => {
      let mut net = Ipv6Net::new(first.network(), first.prefix_len()).ok()?;
      while !net.contains(last) {
        net = net.supernet()?;
      }
      IpNet::V6(net)
    }
    _ => return None,
  };
  let missing = PrefixSet::aggregate(&[hull]).difference(set);
  if missing.is_empty() || missing.len() > MAX_CIDRS {
    return None;
  }
  let missing: Vec<String> = missing.iter().map(|n| n.to_string()).collect();
  Some(format!("{hull} except {}", missing.join(", ")))
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
  pub fn new(plans: [&Plan; 2]) -> TagBlocks {
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

  pub fn resolver<'a>(&'a self, ir: &Ir) -> Symbolic<'a> {
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
