//! A network security group as Azure evaluates it: rules with a priority (lower wins), a
//! direction, an access, one protocol, one source and destination, and destination ports.
//! Limits from reference/target-formats.md § 1.1–1.2.

use crate::ir::Direction;
use crate::net::PortSet;

use super::Endpoint;

/// Custom rules take priorities 100–4096; Azure's default rules sit at 65000–65500.
pub const MIN_PRIORITY: u32 = 100;
pub const MAX_PRIORITY: u32 = 4096;
pub const MAX_RULES: usize = 1000;
/// Rule names: at most 80 characters.
pub const NAME_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 140;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
  Allow,
  Deny,
}

impl Access {
  pub fn as_str(self) -> &'static str {
    match self {
      Access::Allow => "Allow",
      Access::Deny => "Deny",
    }
  }
}

/// NSG protocol spelling: "Tcp", "Udp", "*".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
  Tcp,
  Udp,
  Any,
}

impl Protocol {
  pub fn as_str(self) -> &'static str {
    match self {
      Protocol::Tcp => "Tcp",
      Protocol::Udp => "Udp",
      Protocol::Any => "*",
    }
  }
}

impl From<crate::ir::Protocol> for Protocol {
  fn from(p: crate::ir::Protocol) -> Protocol {
    match p {
      crate::ir::Protocol::Tcp => Protocol::Tcp,
      crate::ir::Protocol::Udp => Protocol::Udp,
      crate::ir::Protocol::Any => Protocol::Any,
    }
  }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityRule {
  pub name: String,
  pub priority: u32,
  pub direction: Direction,
  pub access: Access,
  pub protocol: Protocol,
  pub source: Endpoint,
  pub destination: Endpoint,
  pub ports: PortSet,
  pub description: String,
  /// The IR flow the rule carries; `None` for rules amlnet adds on its own (the final deny).
  pub flow: Option<String>,
}

/// Azure's default rules, which every NSG holds below the custom ones (lowest priority wins
/// first): the evaluator appends them after the planned rules.
pub fn default_rules() -> Vec<SecurityRule> {
  let rule =
    |name: &str, priority, direction, access, source: Endpoint, destination: Endpoint| SecurityRule {
      name: name.to_string(),
      priority,
      direction,
      access,
      protocol: Protocol::Any,
      source,
      destination,
      ports: PortSet::all(),
      description: String::new(),
      flow: None,
    };
  let vnet = || Endpoint::Tag("VirtualNetwork".into());
  vec![
    rule(
      "AllowVnetInBound",
      65000,
      Direction::Inbound,
      Access::Allow,
      vnet(),
      vnet(),
    ),
    rule(
      "AllowAzureLoadBalancerInBound",
      65001,
      Direction::Inbound,
      Access::Allow,
      Endpoint::Tag("AzureLoadBalancer".into()),
      Endpoint::Any,
    ),
    rule(
      "DenyAllInBound",
      65500,
      Direction::Inbound,
      Access::Deny,
      Endpoint::Any,
      Endpoint::Any,
    ),
    rule(
      "AllowVnetOutBound",
      65000,
      Direction::Outbound,
      Access::Allow,
      vnet(),
      vnet(),
    ),
    rule(
      "AllowInternetOutBound",
      65001,
      Direction::Outbound,
      Access::Allow,
      Endpoint::Any,
      Endpoint::Tag("Internet".into()),
    ),
    rule(
      "DenyAllOutBound",
      65500,
      Direction::Outbound,
      Access::Deny,
      Endpoint::Any,
      Endpoint::Any,
    ),
  ]
}
