//! The validated model: what the profile means, in types.
//!
//! Takes the merged `RawProfile` and the source map, returns a `Model` or the list of
//! problems that prevent one. Every value is checked here (regions per cloud, GUIDs,
//! IPv4 addresses, CIDRs, names, enumerations); the documented cross-resource
//! constraints live in `constraints.rs`. The model never sees TOML: it keeps
//! "file:line:col" strings, not spans, so later stages can cite the setting.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::diagnostic::{did_you_mean, Problem, SourceMap, Span};
use crate::profile::{Located, RawProfile};
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
}

#[derive(Clone, Debug)]
pub struct Firewall {
  pub policy_name: String,
  pub rule_collection_group: String,
  pub priority: u32,
  pub source_addresses: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Dns {
  pub ttl: u32,
  pub soa_mname: String,
  pub soa_rname: String,
  pub serial: u32,
  pub nameservers: Vec<String>,
  pub resolver_ip: Option<String>,
}

pub const PACKAGE_REPOSITORIES: &[&str] = &["conda", "cran", "huggingface", "pypi", "pytorch", "tensorflow"];

impl Model {
  pub fn has_workspace_pe(&self) -> bool {
    self.workspace.private_endpoint.is_some()
  }

  pub fn subnet(&self, name: &str) -> Option<&Subnet> {
    self.network.subnets.iter().find(|s| s.name == name)
  }
}

impl Features {
  pub fn on(flag: &Option<Setting<bool>>) -> Option<&Setting<bool>> {
    flag.as_ref().filter(|s| s.value)
  }
}

/// Builds the model, collecting every problem instead of stopping at the first.
pub struct Builder<'a> {
  map: &'a SourceMap,
  pub problems: Vec<Problem>,
}

impl<'a> Builder<'a> {
  pub fn new(map: &'a SourceMap) -> Self {
    Builder {
      map,
      problems: Vec::new(),
    }
  }

  fn at(&self, span: &Span) -> String {
    self.map.location(span)
  }

  fn setting<T>(&self, value: T, located: &Located<impl Sized>) -> Setting<T> {
    Setting {
      value,
      at: self.at(&located.span),
    }
  }

  fn missing(&mut self, key: &str, table_span: Option<&Span>, hint: &str) {
    self.problems.push(
      Problem::error(
        "AML010",
        format!("missing required key `{key}`"),
        table_span.cloned(),
      )
      .hint(hint),
    );
  }

  fn string(&mut self, v: &Option<Located<String>>, key: &str, hint: &str) -> Option<String> {
    match v {
      Some(l) if !l.value.trim().is_empty() => Some(l.value.clone()),
      Some(l) => {
        self
          .problems
          .push(Problem::error("AML011", format!("`{key}` is empty"), Some(l.span.clone())).hint(hint));
        None
      }
      None => {
        self.missing(key, None, hint);
        None
      }
    }
  }

  fn choice<T: Copy>(&mut self, v: &Located<String>, key: &str, options: &[(&str, T)]) -> Option<Setting<T>> {
    if let Some((_, t)) = options.iter().find(|(name, _)| *name == v.value) {
      return Some(self.setting(*t, v));
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let hint = match did_you_mean(&v.value, names.iter().copied()) {
      Some(s) => format!("did you mean `{s}`? allowed: {}", names.join(", ")),
      None => format!("allowed: {}", names.join(", ")),
    };
    self.problems.push(
      Problem::error(
        "AML012",
        format!("`{key}` cannot be `{}`", v.value),
        Some(v.span.clone()),
      )
      .hint(hint),
    );
    None
  }

  fn ip(&mut self, v: &Located<String>, key: &str) -> Option<Setting<Ipv4Addr>> {
    match v.value.parse::<Ipv4Addr>() {
      Ok(ip) => Some(self.setting(ip, v)),
      Err(_) => {
        self.problems.push(
          Problem::error(
            "AML013",
            format!("`{key}` = `{}` is not an IPv4 address", v.value),
            Some(v.span.clone()),
          )
          .hint("write a dotted-quad address such as \"10.0.2.4\""),
        );
        None
      }
    }
  }

  fn opt_ip(&mut self, v: &Option<Located<String>>, key: &str) -> Option<Setting<Ipv4Addr>> {
    v.as_ref().and_then(|v| self.ip(v, key))
  }

  fn cidr(&mut self, v: &Located<String>, key: &str) -> Option<Setting<Ipv4Net>> {
    match v.value.parse::<Ipv4Net>() {
      Ok(net) if net.trunc() == net => Some(self.setting(net, v)),
      Ok(net) => {
        self.problems.push(
          Problem::error(
            "AML014",
            format!("`{key}` = `{}` has host bits set", v.value),
            Some(v.span.clone()),
          )
          .hint(format!("did you mean `{}`?", net.trunc())),
        );
        None
      }
      Err(_) => {
        self.problems.push(
          Problem::error(
            "AML014",
            format!("`{key}` = `{}` is not an IPv4 CIDR block", v.value),
            Some(v.span.clone()),
          )
          .hint("write a network address and prefix length such as \"10.0.0.0/24\""),
        );
        None
      }
    }
  }

  fn guid(&mut self, v: &Located<String>, key: &str) -> Option<String> {
    let s = v.value.to_ascii_lowercase();
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
      && groups
        .iter()
        .zip(lens)
        .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
      return Some(s);
    }
    self.problems.push(
      Problem::error("AML015", format!("`{key}` = `{}` is not a GUID", v.value), Some(v.span.clone()))
        .hint("write the workspace or registry ID as 8-4-4-4-12 hex digits, e.g. 0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b"),
    );
    None
  }

  fn count(&mut self, v: &Located<i64>, key: &str, min: i64, max: i64) -> Option<u32> {
    if (min..=max).contains(&v.value) {
      return u32::try_from(v.value).ok();
    }
    self.problems.push(
      Problem::error(
        "AML016",
        format!("`{key}` = {} is out of range", v.value),
        Some(v.span.clone()),
      )
      .hint(format!("use a whole number from {min} to {max}")),
    );
    None
  }

  fn flag(&self, v: &Option<Located<bool>>, default: bool) -> Setting<bool> {
    match v {
      Some(l) => self.setting(l.value, l),
      None => Setting {
        value: default,
        at: String::new(),
      },
    }
  }

  fn opt_flag(&self, v: &Option<Located<bool>>) -> Option<Setting<bool>> {
    v.as_ref().map(|l| self.setting(l.value, l))
  }

  fn access(&mut self, v: &Option<Located<String>>, key: &str, default: Access) -> Setting<Access> {
    const ACCESS: &[(&str, Access)] = &[
      ("private-endpoint", Access::PrivateEndpoint),
      ("service-endpoint", Access::ServiceEndpoint),
      ("public", Access::Public),
    ];
    match v {
      Some(v) => self.choice(v, key, ACCESS).unwrap_or(Setting {
        value: default,
        at: String::new(),
      }),
      None => Setting {
        value: default,
        at: String::new(),
      },
    }
  }

  fn enabled(&mut self, v: &Option<Located<String>>, key: &str, default: bool) -> Setting<bool> {
    const PNA: &[(&str, bool)] = &[("enabled", true), ("disabled", false)];
    match v {
      Some(v) => self.choice(v, key, PNA).unwrap_or(Setting {
        value: default,
        at: String::new(),
      }),
      None => Setting {
        value: default,
        at: String::new(),
      },
    }
  }

  /// Build the model. Returns `None` when any error was found (see `problems`).
  pub fn build(&mut self, raw: &RawProfile, stem: &str) -> Option<Model> {
    let cloud = match &raw.cloud {
      Some(c) => self
        .choice(c, "cloud", &Cloud::ALL.map(|c| (c.name(), c)))
        .map(|s| s.value),
      None => {
        self.missing(
          "cloud",
          None,
          "add `cloud = \"AzureCloud\"` (or AzureChinaCloud, AzureUSGovernment) at the top",
        );
        None
      }
    };
    let region = self.region(raw, cloud);
    let workspace = self.workspace(raw);
    let network = self.network(raw);
    let storage = raw.storage.as_ref().and_then(|s| self.storage(s));
    let key_vault = raw.key_vault.as_ref().and_then(|kv| {
      let name = self.string(&kv.name, "key_vault.name", "name the workspace key vault")?;
      Some(KeyVault {
        name,
        access: self.access(&kv.access, "key_vault.access", Access::Public),
        ip: self.opt_ip(&kv.private_endpoint_ip, "key_vault.private_endpoint_ip"),
      })
    });
    let container_registry = raw.container_registry.as_ref().and_then(|cr| {
      let name = self.string(
        &cr.name,
        "container_registry.name",
        "name the workspace container registry",
      )?;
      let sku = match &cr.sku {
        Some(l) => self.setting(l.value.clone(), l),
        None => Setting {
          value: "Premium".into(),
          at: String::new(),
        },
      };
      Some(ContainerRegistry {
        name,
        access: self.access(&cr.access, "container_registry.access", Access::Public),
        sku,
        ip: self.opt_ip(&cr.private_endpoint_ip, "container_registry.private_endpoint_ip"),
        data_ip: self
          .opt_ip(&cr.data_endpoint_ip, "container_registry.data_endpoint_ip")
          .map(|s| s.value),
      })
    });
    let app_insights_private_link = match raw.application_insights.as_ref().and_then(|a| a.access.as_ref()) {
      Some(v) => {
        const AI: &[(&str, bool)] = &[("private-link", true), ("public", false)];
        self
          .choice(v, "application_insights.access", AI)
          .unwrap_or(Setting {
            value: false,
            at: String::new(),
          })
      }
      None => Setting {
        value: false,
        at: String::new(),
      },
    };
    let computes = raw
      .compute
      .iter()
      .flatten()
      .filter_map(|c| self.compute(c))
      .collect();
    let registries = raw
      .registry
      .iter()
      .flatten()
      .filter_map(|r| self.registry(r, cloud))
      .collect();
    let managed_network = raw.managed_network.as_ref().and_then(|m| {
      const MODES: &[(&str, IsolationMode)] = &[
        ("disabled", IsolationMode::Disabled),
        ("allow_internet_outbound", IsolationMode::AllowInternetOutbound),
        (
          "allow_only_approved_outbound",
          IsolationMode::AllowOnlyApprovedOutbound,
        ),
      ];
      self.choice(
        m.isolation_mode.as_ref()?,
        "managed_network.isolation_mode",
        MODES,
      )
    });
    let online_endpoints = raw
      .online_endpoint
      .iter()
      .flatten()
      .filter_map(|e| {
        Some(OnlineEndpoint {
          name: self.string(
            &e.name,
            "online_endpoint.name",
            "name the managed online endpoint",
          )?,
          public_network_access: self.enabled(
            &e.public_network_access,
            "online_endpoint.public_network_access",
            false,
          ),
        })
      })
      .collect();
    let aks = raw.aks.as_ref().and_then(|a| self.aks(a));
    let features = self.features(raw);
    let nsg = self.nsg(raw, stem);
    let firewall = self.firewall(raw, &workspace, &network);
    let dns = self.dns(raw);

    let (cloud, (region, region_tag), workspace, network) = (cloud?, region?, workspace?, network?);
    let name = raw
      .name
      .as_ref()
      .map_or_else(|| stem.to_string(), |n| n.value.clone());
    let model = Model {
      name,
      cloud,
      region,
      region_tag,
      workspace,
      network,
      storage,
      key_vault,
      container_registry,
      app_insights_private_link,
      computes,
      registries,
      managed_network,
      online_endpoints,
      aks,
      features,
      nsg,
      firewall,
      dns,
    };
    self
      .problems
      .iter()
      .all(|p| p.severity != crate::ir::Severity::Error)
      .then_some(model)
  }

  fn region(&mut self, raw: &RawProfile, cloud: Option<Cloud>) -> Option<(String, String)> {
    let Some(region) = &raw.region else {
      self.missing(
        "region",
        None,
        "add `region = \"eastus\"` (the workspace region, lowercase ARM name)",
      );
      return None;
    };
    let cloud = cloud?;
    let name = region.value.to_ascii_lowercase().replace(' ', "");
    if let Some(tag) = cloud.tag_suffix(&name) {
      return Some((name, tag.to_string()));
    }
    let hint = match (Cloud::of_region(&name), did_you_mean(&name, cloud.region_names())) {
      (Some(other), _) => format!("`{name}` is a region of {other}, not {cloud}; fix `cloud` or `region`"),
      (None, Some(s)) => format!("did you mean `{s}`?"),
      (None, None) => format!(
        "regions of {cloud}: {}",
        cloud.region_names().collect::<Vec<_>>().join(", ")
      ),
    };
    self.problems.push(
      Problem::error(
        "AML017",
        format!("unknown region `{}` for cloud {cloud}", region.value),
        Some(region.span.clone()),
      )
      .hint(hint),
    );
    None
  }

  fn workspace(&mut self, raw: &RawProfile) -> Option<Workspace> {
    let Some(ws) = &raw.workspace else {
      self.missing("workspace", None, "add a [workspace] table with `name` and `id`");
      return None;
    };
    let name = self.string(&ws.name, "workspace.name", "name the workspace");
    let id = match &ws.id {
      Some(id) => self.guid(id, "workspace.id"),
      None => {
        self.missing(
          "workspace.id",
          None,
          "add the workspace ID (a GUID): it is part of the workspace DNS names",
        );
        None
      }
    };
    let private_endpoint = ws.private_endpoint.as_ref().and_then(|pe| {
      let Some(ip) = &pe.ip else {
        self.missing(
          "workspace.private_endpoint.ip",
          None,
          "give the IP of the workspace private endpoint NIC",
        );
        return None;
      };
      let ip = self.ip(ip, "workspace.private_endpoint.ip")?;
      let notebooks_ip = self
        .opt_ip(&pe.notebooks_ip, "workspace.private_endpoint.notebooks_ip")
        .map(|s| s.value);
      let inference_ip = self
        .opt_ip(&pe.inference_ip, "workspace.private_endpoint.inference_ip")
        .map(|s| s.value);
      let subnet = pe.subnet.as_ref().map(|s| self.setting(s.value.clone(), s));
      Some(WorkspacePe {
        subnet,
        ip,
        notebooks_ip,
        inference_ip,
      })
    });
    let image_build_compute = ws
      .image_build_compute
      .as_ref()
      .map(|l| self.setting(l.value.clone(), l));
    Some(Workspace {
      name: name?,
      id: id?,
      public_network_access: self.enabled(&ws.public_network_access, "workspace.public_network_access", true),
      hbi: self.flag(&ws.hbi_workspace, false),
      v1_legacy_mode: self.flag(&ws.v1_legacy_mode, false),
      image_build_compute,
      private_endpoint,
    })
  }

  fn network(&mut self, raw: &RawProfile) -> Option<Network> {
    let Some(net) = &raw.network else {
      self.missing(
        "network",
        None,
        "add a [network] table with `address_space` and the subnets",
      );
      return None;
    };
    let address_space: Vec<_> = net
      .address_space
      .iter()
      .flat_map(|l| l.value.iter())
      .filter_map(|c| self.cidr(c, "network.address_space"))
      .collect();
    let on_premises = net
      .on_premises
      .iter()
      .flat_map(|l| l.value.iter())
      .filter_map(|c| self.cidr(c, "network.on_premises"))
      .collect();
    let subnets = net
      .subnet
      .iter()
      .flatten()
      .filter_map(|s| {
        let name = self.string(&s.name, "network.subnet.name", "name the subnet")?;
        let prefix = match &s.prefix {
          Some(p) => self.cidr(p, "network.subnet.prefix")?,
          None => {
            self.missing("network.subnet.prefix", None, "give the subnet's CIDR block");
            return None;
          }
        };
        let delegated_to = s.delegated_to.as_ref().map(|d| self.setting(d.value.clone(), d));
        Some(Subnet {
          name,
          prefix,
          delegated_to,
        })
      })
      .collect();
    const EGRESS: &[(&str, Egress)] = &[
      ("nsg", Egress::Nsg),
      ("firewall", Egress::Firewall),
      ("nat_gateway", Egress::NatGateway),
    ];
    let egress = match &net.egress {
      Some(e) => self.choice(e, "network.egress", EGRESS)?,
      None => Setting {
        value: Egress::Nsg,
        at: String::new(),
      },
    };
    if address_space.is_empty() && net.address_space.is_none() {
      self.missing(
        "network.address_space",
        None,
        "list the VNet's CIDR blocks, e.g. address_space = [\"10.0.0.0/16\"]",
      );
    }
    Some(Network {
      vnet_name: net
        .vnet_name
        .as_ref()
        .map_or_else(|| "vnet-aml".to_string(), |v| v.value.clone()),
      address_space,
      egress,
      service_tags: self.flag(&net.service_tags, true),
      on_premises,
      firewall_between_compute_and_storage: self.flag(&net.firewall_between_compute_and_storage, false),
      subnets,
    })
  }

  fn storage(&mut self, s: &crate::profile::RawStorage) -> Option<Storage> {
    let name = self.string(
      &s.name,
      "storage.name",
      "name the workspace default storage account",
    )?;
    let access = self.access(&s.access, "storage.access", Access::Public);
    let mut endpoints = Vec::new();
    if let Some(pe) = &s.private_endpoint {
      for (sub, ip) in [
        ("blob", &pe.blob),
        ("dfs", &pe.dfs),
        ("file", &pe.file),
        ("queue", &pe.queue),
        ("table", &pe.table),
      ] {
        if let Some(ip) = self.opt_ip(ip, &format!("storage.private_endpoint.{sub}")) {
          endpoints.push((sub.to_string(), ip));
        }
      }
    }
    Some(Storage {
      name,
      access,
      endpoints,
    })
  }

  fn compute(&mut self, c: &crate::profile::RawCompute) -> Option<Compute> {
    let name = self.string(&c.name, "compute.name", "name the compute instance or cluster")?;
    const KINDS: &[(&str, ComputeKind)] = &[
      ("instance", ComputeKind::Instance),
      ("cluster", ComputeKind::Cluster),
      ("serverless", ComputeKind::Serverless),
    ];
    let kind = match &c.kind {
      Some(k) => self.choice(k, "compute.kind", KINDS)?.value,
      None => ComputeKind::Instance,
    };
    let max_nodes = match (&c.max_nodes, kind) {
      (Some(n), _) => self.count(n, "compute.max_nodes", 0, 10_000)?,
      (None, ComputeKind::Instance) => 1,
      (None, _) => 4,
    };
    let at = c.name.as_ref().map(|n| self.at(&n.span)).unwrap_or_default();
    Some(Compute {
      name,
      kind,
      subnet: c.subnet.as_ref().map(|s| self.setting(s.value.clone(), s)),
      public_ip: self.flag(&c.public_ip, true),
      max_nodes: if kind == ComputeKind::Instance {
        1
      } else {
        max_nodes
      },
      gpu: c.gpu.as_ref().is_some_and(|g| g.value),
      at,
    })
  }

  fn registry(&mut self, r: &crate::profile::RawRegistry, cloud: Option<Cloud>) -> Option<Registry> {
    let name = self.string(&r.name, "registry.name", "name the Azure ML registry")?;
    let id = match &r.id {
      Some(id) => self.guid(id, "registry.id")?,
      None => {
        self.missing(
          "registry.id",
          None,
          "give the registry GUID: it is part of the registry's private DNS name",
        );
        return None;
      }
    };
    let region = match (&r.region, cloud) {
      (Some(reg), Some(cloud)) if cloud.tag_suffix(&reg.value).is_none() => {
        self.problems.push(
          Problem::error(
            "AML017",
            format!("unknown region `{}` for cloud {cloud}", reg.value),
            Some(reg.span.clone()),
          )
          .hint(
            did_you_mean(&reg.value, cloud.region_names())
              .map_or("use a lowercase ARM region name".into(), |s| {
                format!("did you mean `{s}`?")
              }),
          ),
        );
        return None;
      }
      (Some(reg), _) => reg.value.clone(),
      (None, _) => String::new(),
    };
    let access = self.access(&r.access, "registry.access", Access::Public);
    let ip = self
      .opt_ip(&r.private_endpoint_ip, "registry.private_endpoint_ip")
      .map(|s| s.value);
    let storage = match (
      &r.storage_name,
      self.opt_ip(&r.storage_blob_ip, "registry.storage_blob_ip"),
    ) {
      (Some(n), Some(ip)) => Some((n.value.clone(), ip.value)),
      _ => None,
    };
    let acr_data = self
      .opt_ip(&r.acr_data_ip, "registry.acr_data_ip")
      .map(|s| s.value);
    let acr = match (&r.acr_name, self.opt_ip(&r.acr_ip, "registry.acr_ip")) {
      (Some(n), Some(ip)) => Some((n.value.clone(), ip.value, acr_data)),
      _ => None,
    };
    Some(Registry {
      name,
      id,
      region,
      access,
      ip,
      storage,
      acr,
    })
  }

  fn aks(&mut self, a: &crate::profile::RawAks) -> Option<Aks> {
    let name = self.string(&a.name, "aks.name", "name the AKS cluster")?;
    let scoring_port = match &a.scoring_port {
      Some(p) => Some(self.count(p, "aks.scoring_port", 1, 65535)? as u16),
      None => None,
    };
    Some(Aks {
      name,
      subnet: a.subnet.as_ref().map(|s| self.setting(s.value.clone(), s)),
      service_cidr: a
        .service_cidr
        .as_ref()
        .and_then(|c| self.cidr(c, "aks.service_cidr")),
      dns_service_ip: self.opt_ip(&a.dns_service_ip, "aks.dns_service_ip"),
      docker_bridge_cidr: a.docker_bridge_cidr.as_ref().and_then(|c| {
        // A bridge CIDR is written with the bridge's own address (172.17.0.1/16), so host bits are allowed.
        c.value
          .parse::<Ipv4Net>()
          .ok()
          .map(|n| self.setting(n, c))
          .or_else(|| self.cidr(c, "aks.docker_bridge_cidr"))
      }),
      training: self.flag(&a.training, false),
      scoring_port,
      at: a.name.as_ref().map(|n| self.at(&n.span)).unwrap_or_default(),
    })
  }

  fn features(&mut self, raw: &RawProfile) -> Features {
    let Some(f) = &raw.features else {
      return Features::default();
    };
    let mut package_repositories = Vec::new();
    for repo in f.package_repositories.iter().flat_map(|l| l.value.iter()) {
      let options: Vec<(&str, &str)> = PACKAGE_REPOSITORIES.iter().map(|r| (*r, *r)).collect();
      if let Some(s) = self.choice(repo, "features.package_repositories", &options) {
        package_repositories.push(Setting {
          value: s.value.to_string(),
          at: s.at,
        });
      }
    }
    Features {
      studio: self.opt_flag(&f.studio),
      vscode: self.opt_flag(&f.vscode),
      vscode_web: self.opt_flag(&f.vscode_web),
      rstudio: self.opt_flag(&f.rstudio),
      automl_nlp_vision: self.opt_flag(&f.automl_nlp_vision),
      batch_endpoints: self.opt_flag(&f.batch_endpoints),
      package_repositories,
    }
  }

  fn nsg(&mut self, raw: &RawProfile, stem: &str) -> Nsg {
    let n = raw.nsg.clone().unwrap_or_default();
    let mut start = |v: &Option<Located<i64>>, key: &str, default: u32| match v {
      Some(v) => self.count(v, key, 100, 4096).unwrap_or(default),
      None => default,
    };
    let inbound_start = start(&n.inbound_priority_start, "nsg.inbound_priority_start", 100);
    let outbound_start = start(&n.outbound_priority_start, "nsg.outbound_priority_start", 100);
    let step = match &n.priority_step {
      Some(v) => self.count(v, "nsg.priority_step", 1, 100).unwrap_or(10),
      None => 10,
    };
    Nsg {
      name: n.name.map_or_else(|| format!("nsg-{stem}"), |v| v.value),
      inbound_start,
      outbound_start,
      step,
      deny_internet_outbound: n.deny_internet_outbound.is_some_and(|v| v.value),
    }
  }

  fn firewall(&mut self, raw: &RawProfile, ws: &Option<Workspace>, net: &Option<Network>) -> Firewall {
    let f = raw.firewall.clone().unwrap_or_default();
    let ws_name = ws.as_ref().map_or("workspace", |w| w.name.as_str());
    let priority = match &f.priority {
      Some(p) => self.count(p, "firewall.priority", 100, 65000).unwrap_or(1000),
      None => 1000,
    };
    // Without explicit sources, the rules apply to the subnets that hold compute.
    let source_addresses = match &f.source_addresses {
      Some(list) => list
        .value
        .iter()
        .filter_map(|c| self.cidr(c, "firewall.source_addresses"))
        .map(|s| s.value.to_string())
        .collect(),
      None => {
        let compute_subnets: Vec<&str> = raw
          .compute
          .iter()
          .flatten()
          .filter_map(|c| c.subnet.as_ref().map(|s| s.value.as_str()))
          .collect();
        let mut v: Vec<String> = net
          .iter()
          .flat_map(|n| n.subnets.iter())
          .filter(|s| {
            compute_subnets.contains(&s.name.as_str())
              || raw
                .aks
                .as_ref()
                .and_then(|a| a.subnet.as_ref())
                .is_some_and(|a| a.value == s.name)
          })
          .map(|s| s.prefix.value.to_string())
          .collect();
        if v.is_empty() {
          v = net
            .iter()
            .flat_map(|n| n.address_space.iter())
            .map(|a| a.value.to_string())
            .collect();
        }
        v.sort();
        v.dedup();
        v
      }
    };
    Firewall {
      policy_name: f.policy_name.map_or_else(|| "afwp-hub".to_string(), |v| v.value),
      rule_collection_group: f
        .rule_collection_group
        .map_or_else(|| format!("amlnet-{ws_name}"), |v| v.value),
      priority,
      source_addresses,
    }
  }

  fn dns(&mut self, raw: &RawProfile) -> Dns {
    let d = raw.dns.clone().unwrap_or_default();
    let ttl = match &d.ttl {
      Some(t) => self.count(t, "dns.ttl", 1, 2_147_483_647).unwrap_or(300),
      None => 300,
    };
    let serial = match &d.serial {
      Some(s) => self.count(s, "dns.serial", 1, 4_294_967_295).unwrap_or(1),
      None => 1,
    };
    let resolver_ip = self
      .opt_ip(&d.resolver_ip, "dns.resolver_ip")
      .map(|s| s.value.to_string());
    Dns {
      ttl,
      soa_mname: d
        .soa_mname
        .map_or_else(|| "ns1.amlnet.internal".to_string(), |v| v.value),
      soa_rname: d
        .soa_rname
        .map_or_else(|| "hostmaster.amlnet.internal".to_string(), |v| v.value),
      serial,
      nameservers: d.nameservers.map_or_else(
        || vec!["ns1.amlnet.internal".to_string()],
        |v| v.value.into_iter().map(|n| n.value).collect(),
      ),
      resolver_ip,
    }
  }
}
