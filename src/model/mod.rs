//! The validated model: what the profile means, in types.
//!
//! Takes the merged `RawProfile` and the source map, returns a `Model` or the list of
//! problems that prevent one. Every value is checked here (regions per cloud, GUIDs,
//! IPv4 addresses, CIDRs, names, enumerations); the documented cross-resource
//! constraints live in `constraints.rs`. The model never sees TOML: it keeps
//! "file:line:col" strings, not spans, so later stages can cite the setting.
//!
//! `builder` holds the value parsers, `build` the top level and the workspace and
//! network tables, `services` and `resources` the other tables, `addresses` the checks
//! of addresses and names against each other, `names` Azure's naming rules, `routing` the
//! firewall's next hop and route table, and `text`
//! the rules for characters, lengths, the profile name and DNS names.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::region::Cloud;

#[derive(Clone, Debug)]
pub struct Model {
  pub name: String,
  pub cloud: Cloud,
  pub region: String,
  pub region_tag: String,
  pub workspace: Workspace,
  pub network: Network,
  pub storage: Option<Storage>,
  pub key_vault: Option<KeyVault>,
  pub container_registry: Option<ContainerRegistry>,
  pub app_insights_private_link: Setting<bool>,
  pub computes: Vec<Compute>,
  pub registries: Vec<Registry>,
  pub managed_network: Option<Setting<IsolationMode>>,
  /// `managed_network.firewall_sku` (`standard` or `basic`) when set.
  pub managed_network_firewall_sku: Option<Setting<String>>,
  pub online_endpoints: Vec<OnlineEndpoint>,
  pub aks: Option<Aks>,
  pub features: Features,
  pub nsg: Nsg,
  pub firewall: Firewall,
  pub dns: Dns,
}

/// A value and the "file:line:col" it was set at ("" for a default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
  pub value: T,
  pub at: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
  PrivateEndpoint,
  ServiceEndpoint,
  Public,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Egress {
  Nsg,
  Firewall,
  NatGateway,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputeKind {
  Instance,
  Cluster,
  Serverless,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsolationMode {
  Disabled,
  AllowInternetOutbound,
  AllowOnlyApprovedOutbound,
}

#[derive(Clone, Debug)]
pub struct Workspace {
  pub name: String,
  pub id: String,
  pub public_network_access: Setting<bool>,
  pub hbi: Setting<bool>,
  pub v1_legacy_mode: Setting<bool>,
  pub image_build_compute: Option<Setting<String>>,
  pub private_endpoint: Option<WorkspacePe>,
}

#[derive(Clone, Debug)]
pub struct WorkspacePe {
  pub subnet: Option<Setting<String>>,
  pub ip: Setting<Ipv4Addr>,
  /// The private endpoint NIC gives notebooks and online-endpoint scoring their own
  /// addresses (custom-DNS article); without them those records cannot be written.
  pub notebooks_ip: Option<Ipv4Addr>,
  pub inference_ip: Option<Ipv4Addr>,
}

#[derive(Clone, Debug)]
pub struct Network {
  pub vnet_name: String,
  pub address_space: Vec<Setting<Ipv4Net>>,
  pub egress: Setting<Egress>,
  pub service_tags: Setting<bool>,
  pub on_premises: Vec<Setting<Ipv4Net>>,
  pub firewall_between_compute_and_storage: Setting<bool>,
  pub subnets: Vec<Subnet>,
}

#[derive(Clone, Debug)]
pub struct Subnet {
  pub name: String,
  pub prefix: Setting<Ipv4Net>,
  pub delegated_to: Option<Setting<String>>,
}

#[derive(Clone, Debug)]
pub struct Storage {
  pub name: String,
  pub access: Setting<Access>,
  /// Private endpoint IP per sub-resource ("blob", "file", ...), sorted by sub-resource.
  pub endpoints: Vec<(String, Setting<Ipv4Addr>)>,
}

#[derive(Clone, Debug)]
pub struct KeyVault {
  pub name: String,
  pub access: Setting<Access>,
  pub ip: Option<Setting<Ipv4Addr>>,
}

#[derive(Clone, Debug)]
pub struct ContainerRegistry {
  pub name: String,
  pub access: Setting<Access>,
  pub sku: Setting<String>,
  pub ip: Option<Setting<Ipv4Addr>>,
  pub data_ip: Option<Ipv4Addr>,
}

#[derive(Clone, Debug)]
pub struct Compute {
  pub name: String,
  pub kind: ComputeKind,
  pub subnet: Option<Setting<String>>,
  pub public_ip: Setting<bool>,
  pub max_nodes: u32,
  pub gpu: bool,
  pub at: String,
}

#[derive(Clone, Debug)]
pub struct Registry {
  pub name: String,
  pub id: String,
  pub region: String,
  pub access: Setting<Access>,
  pub ip: Option<Ipv4Addr>,
  pub storage: Option<(String, Ipv4Addr)>,
  pub acr: Option<(String, Ipv4Addr, Option<Ipv4Addr>)>,
}

#[derive(Clone, Debug)]
pub struct OnlineEndpoint {
  pub name: String,
  pub public_network_access: Setting<bool>,
}

#[derive(Clone, Debug)]
pub struct Aks {
  pub name: String,
  pub subnet: Option<Setting<String>>,
  pub service_cidr: Option<Setting<Ipv4Net>>,
  pub dns_service_ip: Option<Setting<Ipv4Addr>>,
  pub docker_bridge_cidr: Option<Setting<Ipv4Net>>,
  pub training: Setting<bool>,
  pub scoring_port: Option<u16>,
  pub at: String,
}

#[derive(Clone, Debug, Default)]
pub struct Features {
  pub studio: Option<Setting<bool>>,
  pub vscode: Option<Setting<bool>>,
  pub vscode_web: Option<Setting<bool>>,
  pub rstudio: Option<Setting<bool>>,
  pub automl_nlp_vision: Option<Setting<bool>>,
  pub batch_endpoints: Option<Setting<bool>>,
  pub package_repositories: Vec<Setting<String>>,
}

#[derive(Clone, Debug)]
pub struct Nsg {
  pub name: String,
  pub inbound_start: u32,
  pub outbound_start: u32,
  pub step: u32,
  pub deny_internet_outbound: bool,
  /// With `deny_internet_outbound`: the profile accepts that FQDN flows the NSG cannot
  /// allow by tag are blocked (otherwise that is an error).
  pub accept_blocked_fqdn_flows: bool,
}

#[derive(Clone, Debug)]
pub struct Firewall {
  pub policy_name: String,
  pub rule_collection_group: String,
  pub priority: u32,
  pub source_addresses: Vec<Ipv4Net>,
  /// `firewall.dns_proxy`: DNS proxy is on in the policy (clients use the firewall as
  /// their DNS server), so FQDN flows on non-HTTP ports may be network rules.
  pub dns_proxy: Setting<bool>,
  /// `firewall.private_ip`: the hub firewall's private address, next hop of the compute
  /// subnets' default route; `None` leaves routing to whoever owns it (AML035).
  pub private_ip: Option<Setting<Ipv4Addr>>,
  /// `firewall.route_table`: the compute subnets' route table (default `rt-<workspace>`).
  pub route_table: String,
}

#[derive(Clone, Debug)]
pub struct Dns {
  pub ttl: u32,
  pub soa_mname: String,
  pub soa_rname: String,
  pub serial: u32,
  pub nameservers: Vec<String>,
  pub resolver_ip: Option<std::net::Ipv4Addr>,
}

pub const PACKAGE_REPOSITORIES: &[&str] = &["conda", "cran", "huggingface", "pypi", "pytorch", "tensorflow"];

// The closed vocabularies of the profile, spelled as the TOML spells them. Public so the
// JSON Schema (`schema.rs`) offers exactly what the builder accepts.

/// `network.egress`.
pub const EGRESS: &[(&str, Egress)] = &[
  ("nsg", Egress::Nsg),
  ("firewall", Egress::Firewall),
  ("nat_gateway", Egress::NatGateway),
];

/// `storage.access`, `key_vault.access`, `container_registry.access`, `registry.access`.
pub const ACCESS: &[(&str, Access)] = &[
  ("private-endpoint", Access::PrivateEndpoint),
  ("service-endpoint", Access::ServiceEndpoint),
  ("public", Access::Public),
];

/// `workspace.public_network_access`, `online_endpoint.public_network_access`.
pub const PUBLIC_NETWORK_ACCESS: &[(&str, bool)] = &[("enabled", true), ("disabled", false)];

/// `compute.kind`.
pub const COMPUTE_KINDS: &[(&str, ComputeKind)] = &[
  ("instance", ComputeKind::Instance),
  ("cluster", ComputeKind::Cluster),
  ("serverless", ComputeKind::Serverless),
];

/// `container_registry.sku`, matched without regard to case.
pub const ACR_SKUS: &[(&str, &str)] = &[
  ("Basic", "Basic"),
  ("Standard", "Standard"),
  ("Premium", "Premium"),
];

/// `application_insights.access`: whether it goes through Azure Monitor private link.
pub const APP_INSIGHTS_ACCESS: &[(&str, bool)] = &[("private-link", true), ("public", false)];

/// `managed_network.isolation_mode`.
pub const ISOLATION_MODES: &[(&str, IsolationMode)] = &[
  ("disabled", IsolationMode::Disabled),
  ("allow_internet_outbound", IsolationMode::AllowInternetOutbound),
  (
    "allow_only_approved_outbound",
    IsolationMode::AllowOnlyApprovedOutbound,
  ),
];

/// `managed_network.firewall_sku`.
pub const MANAGED_FIREWALL_SKUS: &[(&str, &str)] = &[("standard", "standard"), ("basic", "basic")];

impl Model {
  pub fn has_workspace_pe(&self) -> bool {
    self.workspace.private_endpoint.is_some()
  }

  pub fn subnet(&self, name: &str) -> Option<&Subnet> {
    self.network.subnets.iter().find(|s| s.name == name)
  }

  /// Every private endpoint address of the profile (workspace, storage, key vault, ACR,
  /// registries): the subnets holding them hold private endpoints.
  pub fn endpoint_ips(&self) -> Vec<Ipv4Addr> {
    let mut ips = Vec::new();
    if let Some(pe) = &self.workspace.private_endpoint {
      ips.push(pe.ip.value);
      ips.extend(pe.notebooks_ip);
      ips.extend(pe.inference_ip);
    }
    if let Some(s) = &self.storage {
      ips.extend(s.endpoints.iter().map(|(_, ip)| ip.value));
    }
    ips.extend(
      self
        .key_vault
        .iter()
        .filter_map(|k| k.ip.as_ref().map(|ip| ip.value)),
    );
    if let Some(cr) = &self.container_registry {
      ips.extend(cr.ip.as_ref().map(|ip| ip.value));
      ips.extend(cr.data_ip);
    }
    for r in &self.registries {
      ips.extend(r.ip);
      ips.extend(r.storage.as_ref().map(|s| s.1));
      if let Some((_, ip, data)) = &r.acr {
        ips.push(*ip);
        ips.extend(*data);
      }
    }
    ips
  }

  /// Service endpoints that the resources reached over `access = "service-endpoint"`
  /// need on the subnets holding compute, sorted.
  pub fn service_endpoints(&self) -> Vec<String> {
    let se = |a: &Setting<Access>| a.value == Access::ServiceEndpoint;
    let mut v: Vec<String> = [
      (
        self.storage.as_ref().is_some_and(|s| se(&s.access)),
        "Microsoft.Storage",
      ),
      (
        self.key_vault.as_ref().is_some_and(|k| se(&k.access)),
        "Microsoft.KeyVault",
      ),
      (
        self.container_registry.as_ref().is_some_and(|c| se(&c.access)),
        "Microsoft.ContainerRegistry",
      ),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect();
    v.sort();
    v
  }
}

impl Features {
  pub fn on(flag: &Option<Setting<bool>>) -> Option<&Setting<bool>> {
    flag.as_ref().filter(|s| s.value)
  }
}
mod addresses;
mod build;
mod builder;
pub mod names;
mod resources;
mod routing;
mod services;
pub mod text;

pub use builder::Builder;
