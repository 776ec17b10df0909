//! An Azure Firewall Policy rule collection group: filter collections of network rules and
//! of application rules, each with a priority. Azure evaluates network rule collections
//! before application rule collections, and within each kind by collection priority.

use ipnet::IpNet;

use crate::net::PortSet;

use super::Endpoint;

/// Collection group and collection priorities: 100–65000.
pub const MIN_PRIORITY: u32 = 100;
pub const MAX_PRIORITY: u32 = 65000;

/// Network rule protocol spelling: "TCP", "UDP", "Any" (ICMP is not used).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NetworkProtocol {
  Tcp,
  Udp,
  Any,
}

impl NetworkProtocol {
  pub fn as_str(self) -> &'static str {
    match self {
      NetworkProtocol::Tcp => "TCP",
      NetworkProtocol::Udp => "UDP",
      NetworkProtocol::Any => "Any",
    }
  }
}

/// Application rule protocol: "Http" or "Https" (Mssql is not used).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppProtocol {
  Http,
  Https,
}

impl AppProtocol {
  pub fn as_str(self) -> &'static str {
    match self {
      AppProtocol::Http => "Http",
      AppProtocol::Https => "Https",
    }
  }
}

/// What a network rule names as its destination: addresses (tags, prefixes) or FQDNs
/// (which need DNS proxy on the policy and cannot be wildcards).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
  Addresses(Vec<Endpoint>),
  Fqdns(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkRule {
  pub name: String,
  pub description: String,
  pub protocols: Vec<NetworkProtocol>,
  pub source_addresses: Vec<IpNet>,
  pub destination: Destination,
  pub ports: PortSet,
  pub flow: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationRule {
  pub name: String,
  pub description: String,
  pub protocols: Vec<(AppProtocol, u16)>,
  pub source_addresses: Vec<IpNet>,
  pub target_fqdns: Vec<String>,
  pub flow: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collection<R> {
  pub name: String,
  pub priority: u32,
  pub rules: Vec<R>,
}

/// One rule collection group of a firewall policy, with Allow filter collections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCollectionGroup {
  pub policy: String,
  pub name: String,
  pub priority: u32,
  pub network: Collection<NetworkRule>,
  pub application: Collection<ApplicationRule>,
}

impl RuleCollectionGroup {
  pub fn is_empty(&self) -> bool {
    self.network.rules.is_empty() && self.application.rules.is_empty()
  }
}
