//! Typed models of what each target really holds: NSG security rules (with Azure's default
//! rules and limits), an Azure Firewall rule collection group, and route tables with the
//! subnets associated with them (network). `plan` builds them from
//! the IR, backends render them, `eval` evaluates them and `import` reads deployed rules
//! into them. Values only: no policy, no rendering, no I/O.

pub mod firewall;
pub mod managed;
pub mod network;
pub mod nsg;

use std::fmt;

use ipnet::IpNet;

/// The address side of an NSG rule or firewall network rule: `*`, a service tag, or a prefix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
  Any,
  Tag(String),
  Prefix(IpNet),
}

impl fmt::Display for Endpoint {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Endpoint::Any => f.write_str("*"),
      Endpoint::Tag(tag) => f.write_str(tag),
      Endpoint::Prefix(net) => write!(f, "{net}"),
    }
  }
}

/// Every tag NSG rules and firewall network rules name (sources and destinations of the NSG
/// rules, address destinations of the network rules), in order, repeats kept.
pub fn named_tags<'a>(
  nsg: impl IntoIterator<Item = &'a nsg::SecurityRule>,
  network: impl IntoIterator<Item = &'a firewall::NetworkRule>,
) -> Vec<String> {
  let tag = |e: &Endpoint| match e {
    Endpoint::Tag(t) => Some(t.clone()),
    _ => None,
  };
  let mut tags: Vec<String> = nsg
    .into_iter()
    .flat_map(|r| [tag(&r.source), tag(&r.destination)])
    .flatten()
    .collect();
  for r in network {
    if let firewall::Destination::Addresses(a) = &r.destination {
      tags.extend(a.iter().filter_map(tag));
    }
  }
  tags
}

/// Every item in its target spelling, for renderers that write lists of strings.
pub fn texts<T: ToString>(items: &[T]) -> Vec<String> {
  items.iter().map(ToString::to_string).collect()
}
