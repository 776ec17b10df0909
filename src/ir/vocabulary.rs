//! The closed vocabularies of the IR, with their JSON spellings. An IR file with any other
//! value is refused when it is read.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::region::Cloud;

/// Where compute sends its internet-bound traffic (profile `network.egress`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Egress {
  Nsg,
  Firewall,
  NatGateway,
}

impl Egress {
  pub fn as_str(self) -> &'static str {
    match self {
      Egress::Nsg => "nsg",
      Egress::Firewall => "firewall",
      Egress::NatGateway => "nat_gateway",
    }
  }
}

/// The workspace managed VNet's isolation mode, spelled as the managed-network YAML spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationMode {
  Disabled,
  AllowInternetOutbound,
  AllowOnlyApprovedOutbound,
}

impl IsolationMode {
  pub fn as_str(self) -> &'static str {
    match self {
      IsolationMode::Disabled => "disabled",
      IsolationMode::AllowInternetOutbound => "allow_internet_outbound",
      IsolationMode::AllowOnlyApprovedOutbound => "allow_only_approved_outbound",
    }
  }
}

/// The side of a flow inside the workspace network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Local {
  /// The customer VNet; also the NSG service tag that names it.
  VirtualNetwork,
  /// Compute in the workspace managed VNet: managed-network rules, not NSG or firewall rules.
  #[serde(rename = "ManagedVNet")]
  ManagedVNet,
}

impl Local {
  pub fn as_str(self) -> &'static str {
    match self {
      Local::VirtualNetwork => "VirtualNetwork",
      Local::ManagedVNet => "ManagedVNet",
    }
  }
}

/// DNS record types the IR carries: private endpoint addresses are A records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecordType {
  A,
}

impl RecordType {
  pub fn as_str(self) -> &'static str {
    match self {
      RecordType::A => "A",
    }
  }
}

impl Serialize for Cloud {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(self.name())
  }
}

impl<'de> Deserialize<'de> for Cloud {
  fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
    let name = String::deserialize(d)?;
    Cloud::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown cloud {name:?}")))
  }
}
