//! The tag blocks both sides share (`eval::symbolic`, built from their plans), and traffic in
//! a reviewer's words: an address set named by the tags it covers (`Internet`,
//! `VirtualNetwork`, published tags) plus the CIDRs left over, ports as ranges, protocols by
//! name. Takes plans and sets, returns resolvers and short strings; never evaluates rules.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::eval::{Symbolic, TagBlocks};
use crate::ir::Ir;
use crate::plan::Plan;

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
  let (ipv4, ipv6) = (set.ipv4(), set.ipv6());
  let hull: IpNet = match (ipv4.as_slice(), ipv6.as_slice()) {
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
// Service tags as opaque blocks (`eval::symbolic`), shared by both sides

/// The blocks for every published tag either side's plan names: the same tag is the same
/// addresses on both sides.
pub fn tag_blocks(plans: [&Plan; 2]) -> TagBlocks {
  TagBlocks::new(plans.into_iter().flat_map(plan_tags))
}

/// One side's resolution: the shared blocks, and its own VNet for the virtual tags.
pub fn resolver<'a>(blocks: &'a TagBlocks, ir: &Ir) -> Symbolic<'a> {
  let vnet: Vec<IpNet> = ir.settings.address_space.iter().map(|n| IpNet::V4(*n)).collect();
  blocks.resolver(PrefixSet::aggregate(&vnet))
}

fn plan_tags(plan: &Plan) -> Vec<String> {
  crate::target::named_tags(&plan.nsg, &plan.firewall.network.rules)
}
