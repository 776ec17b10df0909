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

/// Every item in its target spelling, for renderers that write lists of strings.
pub fn texts<T: ToString>(items: &[T]) -> Vec<String> {
  items.iter().map(ToString::to_string).collect()
}
