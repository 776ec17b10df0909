//! The `managed_network` section of an Azure ML workspace: its isolation mode and the user
//! outbound rules (fqdn, service_tag, private_endpoint) as the workspace YAML holds them
//! (reference/target-formats.md § 5).

use crate::ir::IsolationMode;
use crate::net::PortSet;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedNetwork {
  pub workspace: String,
  pub location: String,
  pub isolation_mode: IsolationMode,
  /// `standard` or `basic`, when set (the managed firewall serves FQDN rules).
  pub firewall_sku: Option<String>,
  /// In YAML order: fqdn rules, then service_tag rules, then private_endpoint rules, each by name.
  pub rules: Vec<OutboundRule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundRule {
  pub name: String,
  pub comment: String,
  pub destination: Destination,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
  /// TCP 80 and 443 to one host name (wildcards allowed).
  Fqdn(String),
  ServiceTag {
    tag: String,
    protocol: Protocol,
    ports: PortSet,
  },
  PrivateEndpoint {
    resource_id: String,
    subresource: String,
  },
}

/// Service-tag rule protocol spelling: "TCP", "UDP", "*".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
  Tcp,
  Udp,
  Any,
}

impl Protocol {
  pub fn as_str(self) -> &'static str {
    match self {
      Protocol::Tcp => "TCP",
      Protocol::Udp => "UDP",
      Protocol::Any => "*",
    }
  }
}

impl Destination {
  /// The YAML `type` of the rule.
  pub fn kind(&self) -> &'static str {
    match self {
      Destination::Fqdn(_) => "fqdn",
      Destination::ServiceTag { .. } => "service_tag",
      Destination::PrivateEndpoint { .. } => "private_endpoint",
    }
  }
}
