//! The target-neutral rule set: what `lower` produces and every backend consumes.
//!
//! The IR is plain data. It is sorted and deduplicated when `lower` hands it over
//! (`Ir::normalize`), it serializes to the JSON that `compile --format json` prints,
//! and it deserializes back so `diff` can read a compiled file: strictly, every struct
//! denying unknown fields and every value typed, so a hostile file is refused by
//! deserialization. Backends see nothing else: no profile, no model, no catalog.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use serde::{Deserialize, Serialize};

use crate::net::PortSet;
pub use crate::region::Cloud;

mod peer;
mod vocabulary;

pub use peer::{Peer, PeerKind};
pub use vocabulary::{Egress, IsolationMode, Local, RecordType};

/// A cited source as the IR carries it ("path § section", then " <url>" for a Microsoft
/// article), taken apart: the citation and the URL, if the text ends in an `https://` URL in
/// angle brackets that holds only URL characters (anything else stays part of the citation).
pub fn split_url(source: &str) -> (&str, Option<&str>) {
  let Some(rest) = source.strip_suffix('>') else {
    return (source, None);
  };
  let Some(at) = rest.rfind(" <https://") else {
    return (source, None);
  };
  let url = &rest[at + 2..];
  let plain = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#@!$&'()*+,;=%".contains(c);
  if url.len() > "https://".len() && url.chars().all(plain) {
    (&source[..at], Some(url))
  } else {
    (source, None)
  }
}

/// Major.minor of the IR JSON format. A reader refuses a newer major version. 1.1 added the
/// subnets, the firewall's private IP and route table, the public endpoints and the private
/// endpoints Azure creates itself; 1.0 files are read as before (those fields absent).
pub const FORMAT_VERSION: &str = "1.1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ir {
  pub format_version: String,
  pub amlnet_version: String,
  pub catalog_version: String,
  /// Profile name (the file stem of the profile that was compiled).
  pub profile: String,
  /// sha256 of the profile text and every file it extends, in load order.
  pub profile_hash: String,
  pub cloud: Cloud,
  pub region: String,
  pub flows: Vec<Flow>,
  pub dns_zones: Vec<DnsZone>,
  pub dns_records: Vec<DnsRecord>,
  pub host_records: Vec<HostRecord>,
  pub dns_forwarders: Vec<Forwarder>,
  pub diagnostics: Vec<Diagnostic>,
  pub settings: Settings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
  Inbound,
  Outbound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
  Tcp,
  Udp,
  Any,
}

/// One allowed flow between the workspace's network and a peer.
///
/// Identity is `id` (local side, direction, protocol, peer; `managed-` before the ids of managed-VNet flows): two catalog requirements that
/// allow the same peer on the same protocol become one flow with the union of
/// their ports and sources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
  pub id: String,
  pub direction: Direction,
  pub protocol: Protocol,
  /// Serialized ascending by first port: "443", "8787", "1024-65535", or the single "*".
  pub ports: PortSet,
  /// The remote side: destination of an outbound flow, source of an inbound one.
  /// Serialized as the two fields `peer` and `peer_kind`.
  #[serde(flatten)]
  pub peer: Peer,
  /// The side inside the workspace network: the customer VNet or the workspace managed VNet.
  pub local: Local,
  pub required: bool,
  pub purpose: String,
  /// Catalog requirement ids that produced this flow.
  pub requirements: Vec<String>,
  /// Seed file or reference document, with section, for every requirement.
  pub sources: Vec<String>,
  /// Profile settings that made the requirements apply.
  pub triggers: Vec<String>,
  /// Service tags whose rules also carry this traffic (catalog `covered_by`), named when a
  /// target cannot express the flow itself. Left out of the JSON when empty.
  #[serde(default, skip_serializing_if = "Vec::is_empty")]
  pub covered_by: Vec<String>,
}

/// A private DNS zone the profile needs, linked to the workspace VNet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsZone {
  pub name: String,
  pub purpose: String,
  pub sources: Vec<String>,
}

/// A record inside a private DNS zone (`name` is the full FQDN, no trailing dot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
  pub zone: String,
  pub name: String,
  #[serde(rename = "type")]
  pub record_type: RecordType,
  pub value: Ipv4Addr,
  /// Which resource the record serves, e.g. "workspace_api", "storage_blob".
  pub resource: String,
  /// The public name that resolves to this record through a privatelink CNAME, if any.
  pub public_name: Option<String>,
  /// The private endpoint that serves the record (catalog `endpoint`); absent in IR files
  /// written before amlnet recorded it.
  #[serde(default, skip_serializing_if = "Option::is_none")]
  pub endpoint: Option<PrivateEndpoint>,
  pub sources: Vec<String>,
}

/// The private endpoint behind a DNS record: what a managed-network `private_endpoint` rule
/// targets. Catalog data (catalog/dns.toml), copied into each record by `lower`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateEndpoint {
  /// ARM provider and type: `Microsoft.Storage/storageAccounts`.
  pub provider: String,
  /// The subresource (group ID): `blob`, `vault`, `registry`, `amlworkspace`.
  pub subresource: String,
  /// Azure creates this endpoint itself (the workspace's own): no user rule.
  #[serde(default, skip_serializing_if = "std::ops::Not::not")]
  pub created_by_azure: bool,
  /// The resource's name when the record's first label is not it.
  #[serde(default, skip_serializing_if = "Option::is_none")]
  pub resource_name: Option<String>,
}

/// An A record on a public name, for DNS servers that hold host records instead of forwarding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRecord {
  pub name: String,
  pub value: Ipv4Addr,
  pub resource: String,
  pub sources: Vec<String>,
}

/// A public zone a custom DNS server must forward to Azure DNS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forwarder {
  pub zone: String,
  /// Whether an on-premises server forwards this zone to the in-VNet resolver too.
  pub on_premises: bool,
  pub sources: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
  Error,
  Warning,
  Info,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnostic {
  pub severity: Severity,
  pub code: String,
  pub message: String,
  /// "file:line:col" of the profile setting concerned, or "" when none applies.
  pub location: String,
  pub sources: Vec<String>,
}

/// Deployment parameters the backends need (names, priority plan, DNS defaults).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
  pub workspace_name: String,
  pub egress: Egress,
  pub nsg: NsgSettings,
  pub firewall: FirewallSettings,
  pub dns: DnsSettings,
  pub vnet_name: String,
  pub address_space: Vec<Ipv4Net>,
  /// The workspace managed VNet, when the profile sets `managed_network`. Absent in IR
  /// written before it existed, so it defaults to None and is left out when None.
  #[serde(default, skip_serializing_if = "Option::is_none")]
  pub managed_network: Option<ManagedNetworkSettings>,
  /// The VNet's subnets that hold compute or private endpoints, which the deployment
  /// associates with the NSG (and, with firewall egress, the route table). Absent in IR
  /// written before it existed.
  #[serde(default, skip_serializing_if = "Vec::is_empty")]
  pub subnets: Vec<SubnetSettings>,
  /// The public endpoints the profile leaves open. Absent in IR written before it existed
  /// (then `diff` cannot compare it and says nothing).
  #[serde(default, skip_serializing_if = "Option::is_none")]
  pub public_access: Option<PublicAccess>,
}

/// Which public endpoints accept connections from the internet: the workspace's own
/// (`workspace.public_network_access`) and each managed online endpoint's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccess {
  pub workspace: bool,
  /// Names of the online endpoints with public network access enabled, sorted.
  #[serde(default, skip_serializing_if = "Vec::is_empty")]
  pub online_endpoints: Vec<String>,
}

/// One subnet of the workspace VNet with every property amlnet knows of it (what a
/// subnet PUT must carry) and what the profile places in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetSettings {
  pub name: String,
  pub prefix: Ipv4Net,
  #[serde(default, skip_serializing_if = "Option::is_none")]
  pub delegated_to: Option<String>,
  /// Service endpoints the profile's `access = "service-endpoint"` resources need on the
  /// subnets that hold compute (`Microsoft.Storage`, ...), sorted.
  #[serde(default, skip_serializing_if = "Vec::is_empty")]
  pub service_endpoints: Vec<String>,
  /// Holds compute instances, clusters, serverless compute or AKS nodes.
  #[serde(default, skip_serializing_if = "std::ops::Not::not")]
  pub compute: bool,
  /// Holds compute with a public IP (`public_ip = true`).
  #[serde(default, skip_serializing_if = "std::ops::Not::not")]
  pub public_ip_compute: bool,
  /// Holds private endpoints (named by a `subnet` key or holding an endpoint address).
  #[serde(default, skip_serializing_if = "std::ops::Not::not")]
  pub private_endpoints: bool,
}

/// Workspace managed VNet settings. Its outbound rules are not stored: the backend derives
/// them from the flows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedNetworkSettings {
  pub isolation_mode: IsolationMode,
  /// The cloud's storage suffix (`core.windows.net`): approved-outbound mode cannot reach
  /// Azure Storage through FQDN rules.
  #[serde(default)]
  pub storage_suffix: String,
  /// The managed firewall's SKU (`standard` or `basic`) when the profile sets one.
  #[serde(default, skip_serializing_if = "Option::is_none")]
  pub firewall_sku: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NsgSettings {
  pub name: String,
  pub inbound_start: u32,
  pub outbound_start: u32,
  pub step: u32,
  pub deny_internet_outbound: bool,
  /// The profile accepts that the final deny blocks FQDN flows (left out when false).
  #[serde(default, skip_serializing_if = "std::ops::Not::not")]
  pub accept_blocked_fqdn_flows: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirewallSettings {
  pub policy_name: String,
  pub rule_collection_group: String,
  pub priority: u32,
  pub source_addresses: Vec<IpNet>,
  /// `firewall.dns_proxy`: the policy has DNS proxy on, so network rules may name FQDNs.
  /// Absent in IR written before it existed, so it defaults to false and is left out when
  /// false.
  #[serde(default, skip_serializing_if = "std::ops::Not::not")]
  pub dns_proxy: bool,
  /// `firewall.private_ip`: the hub firewall's private address, the next hop of the compute
  /// subnets' default route. Left out when not set.
  #[serde(default, skip_serializing_if = "Option::is_none")]
  pub private_ip: Option<Ipv4Addr>,
  /// `firewall.route_table`: the name of the compute subnets' route table. Empty in IR
  /// written before it existed.
  #[serde(default, skip_serializing_if = "String::is_empty")]
  pub route_table: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSettings {
  pub ttl: u32,
  pub soa_mname: String,
  pub soa_rname: String,
  pub serial: u32,
  pub refresh: u32,
  pub retry: u32,
  pub expire: u32,
  pub minimum: u32,
  pub nameservers: Vec<String>,
  /// Where a DNS server inside a VNet forwards: Azure DNS.
  pub azure_dns: IpAddr,
  /// The in-VNet resolver on-premises servers forward to, when the profile names one.
  pub resolver_ip: Option<IpAddr>,
}

impl Ir {
  /// Sort every list by identity and keep the first of equal identities (lower merges
  /// flows before this), so the IR is canonical.
  pub fn normalize(&mut self) {
    self.flows.sort_by(|a, b| a.id.cmp(&b.id));
    self.flows.dedup_by(|a, b| a.id == b.id);
    self.dns_zones.sort_by(|a, b| a.name.cmp(&b.name));
    self.dns_zones.dedup_by(|a, b| a.name == b.name);
    self.dns_records.sort_by(|a, b| {
      (&a.zone, &a.name, &a.record_type, &a.value).cmp(&(&b.zone, &b.name, &b.record_type, &b.value))
    });
    self.dns_records.dedup_by(|a, b| {
      (&a.zone, &a.name, &a.record_type, &a.value) == (&b.zone, &b.name, &b.record_type, &b.value)
    });
    self
      .host_records
      .sort_by(|a, b| (&a.name, &a.value).cmp(&(&b.name, &b.value)));
    self
      .host_records
      .dedup_by(|a, b| (&a.name, &a.value) == (&b.name, &b.value));
    self.dns_forwarders.sort_by(|a, b| a.zone.cmp(&b.zone));
    self.dns_forwarders.dedup_by(|a, b| a.zone == b.zone);
    self.diagnostics.sort_by(|a, b| {
      (a.severity, &a.code, &a.location, &a.message).cmp(&(b.severity, &b.code, &b.location, &b.message))
    });
    self.diagnostics.dedup();
  }

  pub fn to_json(&self) -> String {
    // A workspace's IR is tens of KiB: one buffer of that size instead of a dozen regrowths.
    crate::syntax::json::document_sized(self, 64 * 1024)
  }
}

impl Flow {
  pub fn peer_kind(&self) -> PeerKind {
    self.peer.kind()
  }

  /// Is the local side the workspace managed VNet (a managed-network rule, not an NSG or
  /// firewall rule of the customer VNet)?
  pub fn is_managed(&self) -> bool {
    self.local == Local::ManagedVNet
  }
}

impl Direction {
  pub fn as_str(self) -> &'static str {
    match self {
      Direction::Inbound => "inbound",
      Direction::Outbound => "outbound",
    }
  }
}

impl Protocol {
  pub fn as_str(self) -> &'static str {
    match self {
      Protocol::Tcp => "tcp",
      Protocol::Udp => "udp",
      Protocol::Any => "any",
    }
  }
}

impl Severity {
  pub fn as_str(self) -> &'static str {
    match self {
      Severity::Error => "error",
      Severity::Warning => "warning",
      Severity::Info => "info",
    }
  }
}

/// The one spelling of each vocabulary word, the same as its JSON spelling.
macro_rules! display_as_str {
  ($($t:ty),*) => {$(
    impl std::fmt::Display for $t {
      fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
      }
    }
  )*};
}

display_as_str!(Direction, Protocol, Severity);
