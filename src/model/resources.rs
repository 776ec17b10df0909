//! The resource tables of the model: storage, compute, registries, AKS, features, NSG,
//! firewall and DNS settings. Takes raw tables, returns their typed form or records
//! problems; never reads files.

use std::collections::HashSet;

use ipnet::Ipv4Net;

use super::names;
use super::*;
use crate::diagnostic::{did_you_mean, Problem};
use crate::profile::{Located, RawProfile};
use crate::region::Cloud;

impl Builder<'_> {
  pub(super) fn storage(&mut self, s: &crate::profile::RawStorage) -> Option<Storage> {
    let name = self.name(
      &s.name,
      "storage.name",
      &names::STORAGE_ACCOUNT,
      "name the workspace default storage account",
    )?;
    let access = self.access(&s.access, "storage.access", Access::Public);
    let mut endpoints = Vec::new();
    if let Some(pe) = &s.private_endpoint {
      // Its subnet is checked with the endpoint addresses (`addresses.rs`).
      self.opt_name(&pe.subnet, "storage.private_endpoint.subnet", &names::SUBNET);
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

  pub(super) fn compute(&mut self, c: &crate::profile::RawCompute) -> Option<Compute> {
    let kind = match &c.kind {
      Some(k) => self.choice(k, "compute.kind", COMPUTE_KINDS)?.value,
      None => ComputeKind::Instance,
    };
    let rule = match kind {
      ComputeKind::Instance => &names::COMPUTE_INSTANCE,
      _ => &names::COMPUTE_CLUSTER,
    };
    let name = self.name(
      &c.name,
      "compute.name",
      rule,
      "name the compute instance or cluster",
    )?;
    let max_nodes = match (&c.max_nodes, kind) {
      (Some(n), _) => self.count(n, "compute.max_nodes", 0, 10_000)?,
      (None, ComputeKind::Instance) => 1,
      (None, _) => 4,
    };
    let at = c.name.as_ref().map(|n| self.at(&n.span)).unwrap_or_default();
    Some(Compute {
      name,
      kind,
      subnet: self.opt_name(&c.subnet, "compute.subnet", &names::SUBNET),
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

  pub(super) fn registry(
    &mut self,
    r: &crate::profile::RawRegistry,
    cloud: Option<Cloud>,
  ) -> Option<Registry> {
    let name = self.name(
      &r.name,
      "registry.name",
      &names::ML_REGISTRY,
      "name the Azure ML registry",
    )?;
    let storage_name = self.opt_name(&r.storage_name, "registry.storage_name", &names::STORAGE_ACCOUNT);
    let acr_name = self.opt_name(&r.acr_name, "registry.acr_name", &names::CONTAINER_REGISTRY);
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
      storage_name,
      self.opt_ip(&r.storage_blob_ip, "registry.storage_blob_ip"),
    ) {
      (Some(n), Some(ip)) => Some((n.value.clone(), ip.value)),
      _ => None,
    };
    let acr_data = self
      .opt_ip(&r.acr_data_ip, "registry.acr_data_ip")
      .map(|s| s.value);
    let acr = match (acr_name, self.opt_ip(&r.acr_ip, "registry.acr_ip")) {
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

  pub(super) fn aks(&mut self, a: &crate::profile::RawAks) -> Option<Aks> {
    let name = self.name(&a.name, "aks.name", &names::AKS, "name the AKS cluster")?;
    self.unsupported(
      &a.scoring_port,
      "aks.scoring_port",
      "amlnet writes no rule for AKS scoring traffic, so the port would change nothing",
    );
    Some(Aks {
      name,
      subnet: self.opt_name(&a.subnet, "aks.subnet", &names::SUBNET),
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
      scoring_port: None,
      at: a.name.as_ref().map(|n| self.at(&n.span)).unwrap_or_default(),
    })
  }

  pub(super) fn features(&mut self, raw: &RawProfile) -> Features {
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

  pub(super) fn nsg(&mut self, raw: &RawProfile, stem: &str) -> Nsg {
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
    let name = match &n.name {
      Some(v) => {
        self.follows(v, "nsg.name", &names::NSG);
        v.value.clone()
      }
      None => {
        let name = format!("nsg-{stem}");
        self.derived_name(&name, "nsg.name", &names::NSG);
        name
      }
    };
    Nsg {
      name,
      inbound_start,
      outbound_start,
      step,
      deny_internet_outbound: n.deny_internet_outbound.is_some_and(|v| v.value),
      accept_blocked_fqdn_flows: n.accept_blocked_fqdn_flows.is_some_and(|v| v.value),
    }
  }

  pub(super) fn firewall(
    &mut self,
    raw: &RawProfile,
    ws: &Option<Workspace>,
    net: &Option<Network>,
  ) -> Firewall {
    let f = raw.firewall.clone().unwrap_or_default();
    let ws_name = ws.as_ref().map_or("workspace", |w| w.name.as_str());
    let priority = match &f.priority {
      Some(p) => self.count(p, "firewall.priority", 100, 65000).unwrap_or(1000),
      None => 1000,
    };
    // Without explicit sources, the rules apply to the subnets that hold compute.
    let source_addresses = match &f.source_addresses {
      Some(list) => self.firewall_sources(list),
      None => {
        let compute_subnets: HashSet<&str> = raw
          .compute
          .iter()
          .flatten()
          .filter_map(|c| c.subnet.as_ref().map(|s| s.value.as_str()))
          .collect();
        let mut v: Vec<Ipv4Net> = net
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
          .map(|s| s.prefix.value)
          .collect();
        if v.is_empty() {
          v = net
            .iter()
            .flat_map(|n| n.address_space.iter())
            .map(|a| a.value)
            .collect();
        }
        // Sorted as text, the order the artifacts have always listed them in.
        v.sort_by_cached_key(|n| n.to_string());
        v.dedup();
        v
      }
    };
    if let Some(v) = &f.policy_name {
      self.follows(v, "firewall.policy_name", &names::FIREWALL_POLICY);
    }
    let rule_collection_group = match &f.rule_collection_group {
      Some(v) => {
        self.follows(v, "firewall.rule_collection_group", &names::RULE_COLLECTION_GROUP);
        v.value.clone()
      }
      None => {
        let name = format!("amlnet-{ws_name}");
        self.derived_name(
          &name,
          "firewall.rule_collection_group",
          &names::RULE_COLLECTION_GROUP,
        );
        name
      }
    };
    let dns_proxy = self.flag(&f.dns_proxy, false);
    let (private_ip, route_table) = self.routing(raw, ws_name, net);
    Firewall {
      policy_name: f.policy_name.map_or_else(|| "afwp-hub".to_string(), |v| v.value),
      rule_collection_group,
      priority,
      source_addresses,
      dns_proxy,
      private_ip,
      route_table,
    }
  }

  pub(super) fn dns(&mut self, raw: &RawProfile) -> Dns {
    let d = raw.dns.clone().unwrap_or_default();
    let ttl = match &d.ttl {
      Some(t) => self.count(t, "dns.ttl", 1, 2_147_483_647).unwrap_or(300),
      None => 300,
    };
    let serial = match &d.serial {
      Some(s) => self.count(s, "dns.serial", 1, 4_294_967_295).unwrap_or(1),
      None => 1,
    };
    let resolver_ip = self.opt_ip(&d.resolver_ip, "dns.resolver_ip").map(|s| s.value);
    let mut name = |v: &Option<Located<String>>, key: &str, default: &str| match v {
      Some(l) => self.dns_name(l, key, false).unwrap_or_default(),
      None => default.to_string(),
    };
    let soa_mname = name(&d.soa_mname, "dns.soa_mname", "ns1.amlnet.internal");
    let soa_rname = name(&d.soa_rname, "dns.soa_rname", "hostmaster.amlnet.internal");
    let nameservers = match &d.nameservers {
      Some(list) => list
        .value
        .iter()
        .filter_map(|n| self.dns_name(n, "dns.nameservers", false))
        .collect(),
      None => vec!["ns1.amlnet.internal".to_string()],
    };
    Dns {
      ttl,
      soa_mname,
      soa_rname,
      serial,
      nameservers,
      resolver_ip,
    }
  }

  /// Explicit firewall sources: CIDRs, or `*` (every IPv4 source, 0.0.0.0/0);
  /// everything-allowed sources are a warning.
  fn firewall_sources(&mut self, list: &Located<Vec<Located<String>>>) -> Vec<Ipv4Net> {
    let mut out = Vec::new();
    for c in &list.value {
      let source = if c.value == "*" {
        Some(Ipv4Net::default())
      } else {
        self.cidr(c, "firewall.source_addresses").map(|s| s.value)
      };
      let Some(source) = source else { continue };
      if source.prefix_len() == 0 {
        self.problems.push(
          Problem::warning(
            "AML031",
            format!("firewall.source_addresses `{source}` lets every source use the rules"),
            Some(c.span.clone()),
          )
          .hint("list the compute subnets (or leave source_addresses out: it defaults to them)"),
        );
      }
      out.push(source);
    }
    out
  }
}
