//! Lowering: model × catalog → IR. The only stage that reads the catalog for rules.
//!
//! Takes a validated `Model` and the problems found so far, returns a normalized `Ir`:
//! flows merged by identity (local side, direction, protocol, peer) with the union of their ports,
//! sources and triggers; private DNS zones and records; host records; forwarders;
//! diagnostics; and the deployment settings backends need. Never renders a target.

use std::collections::BTreeMap;

use crate::catalog::{Catalog, CloudNames};
use crate::diagnostic::{Problem, SourceMap};
use crate::facts::{self, Fact, Facts};
use crate::ir::{self, DnsRecord, DnsZone, Flow, Forwarder, HostRecord, Ir, Local, Peer, Settings};
use crate::model::{Access, ComputeKind, Model};
use crate::net::PortSet;

pub struct Input<'a> {
  pub catalog: &'a Catalog,
  pub model: &'a Model,
  pub problems: Vec<Problem>,
  pub sources: &'a SourceMap,
  pub profile_hash: String,
}

/// The IR, or every problem (the errors among them) when a catalog template filled with
/// profile values does not make a valid peer.
pub fn lower(input: Input<'_>) -> Result<Ir, Vec<Problem>> {
  let catalog = input.catalog;
  let m = input.model;
  let facts = facts::evaluate(m);
  let vars = Vars::new(m);
  let mut problems = input.problems;
  let flows = flows(catalog, m, &facts, &vars, &mut problems);
  let names = catalog.dns.cloud.get(m.cloud.name());
  let (dns_zones, dns_records, host_records, dns_forwarders) = match names {
    Some(names) => dns(catalog, m, &facts, &vars, names, &mut problems),
    None => Default::default(),
  };
  let mut ir = Ir {
    format_version: ir::FORMAT_VERSION.to_string(),
    amlnet_version: env!("CARGO_PKG_VERSION").to_string(),
    catalog_version: catalog.version.clone(),
    profile: m.name.clone(),
    profile_hash: input.profile_hash,
    cloud: m.cloud,
    region: m.region.clone(),
    flows,
    dns_zones,
    dns_records,
    host_records,
    dns_forwarders,
    diagnostics: problems.iter().map(|p| p.to_ir(input.sources)).collect(),
    settings: settings(m, names),
  };
  ir.normalize();
  if problems.iter().any(|p| p.severity == crate::ir::Severity::Error) {
    return Err(problems);
  }
  Ok(ir)
}

/// Placeholder values from the profile; a template whose placeholder has no value is skipped.
struct Vars(BTreeMap<&'static str, String>);

/// The one placeholder with a value per resource: the regional tag suffix of each public
/// registry's own region (choice `registry-region-tags`); one peer per distinct region.
const REGISTRY_REGION_TAG: &str = "{registry_region_tag}";

fn registry_region_tags(m: &Model) -> Vec<String> {
  let mut tags: Vec<String> = m
    .registries
    .iter()
    .filter(|r| r.access.value != Access::PrivateEndpoint)
    .map(|r| {
      m.cloud
        .tag_suffix(&r.region)
        .map_or_else(|| m.region_tag.clone(), str::to_string)
    })
    .collect();
  tags.sort();
  tags.dedup();
  tags
}

impl Vars {
  fn new(m: &Model) -> Self {
    let mut v = BTreeMap::new();
    v.insert("region", m.region.clone());
    v.insert("region_tag", m.region_tag.clone());
    v.insert("ws_guid", m.workspace.id.clone());
    v.insert(
      "nb_label",
      notebook_label(&m.workspace.name, &m.region, &m.workspace.id),
    );
    if let Some(s) = &m.storage {
      v.insert("sa", s.name.to_ascii_lowercase());
      if let Some((_, ip)) = s.endpoints.iter().find(|(sub, _)| sub == "file") {
        v.insert("storage_file_ip", ip.value.to_string());
      }
    }
    if let Some(kv) = &m.key_vault {
      v.insert("kv", kv.name.to_ascii_lowercase());
    }
    if let Some(cr) = &m.container_registry {
      v.insert("acr", cr.name.to_ascii_lowercase());
      v.insert("acr_name", cr.name.to_ascii_lowercase());
    }
    if let Some(ip) = m
      .workspace
      .private_endpoint
      .as_ref()
      .and_then(|pe| pe.inference_ip)
    {
      v.insert("inference_ip", ip.to_string());
    }
    Vars(v)
  }

  fn with(&self, extra: &[(&'static str, String)]) -> Vars {
    let mut v = self.0.clone();
    v.extend(extra.iter().cloned());
    Vars(v)
  }

  /// Fill `{name}` placeholders; `None` if one has no value.
  fn fill(&self, template: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
      let end = rest[start..].find('}')? + start;
      out.push_str(&rest[..start]);
      out.push_str(self.0.get(&rest[start + 1..end])?);
      rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
  }
}

/// `ml-<name>-<region>-<guid>`, the name truncated so the label stays within 63 characters
/// (facts 4 C38).
pub fn notebook_label(name: &str, region: &str, guid: &str) -> String {
  let room = 63usize.saturating_sub("ml---".len() + region.len() + guid.len());
  let name: String = name.to_ascii_lowercase().chars().take(room).collect();
  format!("ml-{name}-{region}-{guid}")
}

fn flows(catalog: &Catalog, m: &Model, facts: &Facts, vars: &Vars, problems: &mut Vec<Problem>) -> Vec<Flow> {
  let mut merged: BTreeMap<String, Flow> = BTreeMap::new();
  // With a managed VNet and no compute in the customer VNet, package and image-build
  // traffic leaves managed compute: it is a managed-network rule (facts 1.6, 5).
  let managed_only = m
    .managed_network
    .as_ref()
    .is_some_and(|s| s.value != crate::model::IsolationMode::Disabled)
    && !facts.holds(Fact::Compute);
  let region_tags = registry_region_tags(m);
  for r in &catalog.requirements {
    if !(r.clouds.is_empty() || r.clouds.iter().any(|c| c == m.cloud.name())) || !facts.satisfy(&r.when) {
      continue;
    }
    let sources: Vec<String> = r.sources.iter().map(|s| catalog.cite(s)).collect();
    let triggers = facts.explain(&r.when);
    let templates: Vec<String> = r
      .peers
      .iter()
      .flat_map(|t| {
        if t.contains(REGISTRY_REGION_TAG) {
          region_tags
            .iter()
            .map(|tag| t.replace(REGISTRY_REGION_TAG, tag))
            .collect()
        } else {
          vec![t.clone()]
        }
      })
      .collect();
    for template in &templates {
      let Some(text) = vars.fill(template) else {
        problems.push(Problem::info(
          "AML091",
          format!("requirement {} applies, but its peer `{template}` names a value the profile does not give; no flow for it", r.id),
          None,
        ));
        continue;
      };
      let peer = match Peer::parse(r.kind, &text) {
        Ok(peer) => peer,
        Err(why) => {
          problems.push(Problem::error(
            "AML090",
            format!(
              "requirement {} makes the peer {why}: check the profile names it is built from (`{template}`)",
              r.id
            ),
            None,
          ));
          continue;
        }
      };
      let local = if managed_only && matches!(r.family.as_str(), "packages" | "image-build") {
        Local::ManagedVNet
      } else {
        Local::VirtualNetwork
      };
      // Identity is (local side, direction, protocol, peer): the same peer reached from
      // managed compute and from the customer VNet is two flows, one rule in each place.
      let id = format!(
        "{}{}-{}-{}",
        if local == Local::ManagedVNet {
          "managed-"
        } else {
          ""
        },
        if r.direction == ir::Direction::Inbound {
          "in"
        } else {
          "out"
        },
        r.protocol.as_str(),
        peer
      );
      let flow = merged.entry(id.clone()).or_insert_with(|| Flow {
        id,
        direction: r.direction,
        protocol: r.protocol,
        ports: PortSet::default(),
        peer,
        local,
        required: false,
        purpose: String::new(),
        requirements: Vec::new(),
        sources: Vec::new(),
        triggers: Vec::new(),
        covered_by: Vec::new(),
      });
      flow.ports = flow.ports.union(&r.ports);
      flow.covered_by.extend(r.covered_by.iter().cloned());
      flow.required |= r.required;
      if !flow.purpose.split("; ").any(|p| p == r.purpose) {
        flow.purpose = if flow.purpose.is_empty() {
          r.purpose.clone()
        } else {
          format!("{}; {}", flow.purpose, r.purpose)
        };
      }
      flow.requirements.push(r.id.clone());
      flow.sources.extend(sources.iter().cloned());
      flow.triggers.extend(triggers.iter().cloned());
    }
  }
  merged
    .into_values()
    .map(|mut f| {
      for list in [
        &mut f.requirements,
        &mut f.sources,
        &mut f.triggers,
        &mut f.covered_by,
      ] {
        list.sort();
        list.dedup();
      }
      f
    })
    .collect()
}

/// A record's address; the model validated it, so a failure here is a defect made visible.
fn address(ip: &str, resource: &str, problems: &mut Vec<Problem>) -> Option<std::net::Ipv4Addr> {
  match ip.parse() {
    Ok(ip) => Some(ip),
    Err(_) => {
      problems.push(Problem::error(
        "AML092",
        format!("the {resource} record's address `{ip}` is not an IPv4 address"),
        None,
      ));
      None
    }
  }
}

type Dns = (Vec<DnsZone>, Vec<DnsRecord>, Vec<HostRecord>, Vec<Forwarder>);

fn dns(
  catalog: &Catalog,
  m: &Model,
  facts: &Facts,
  vars: &Vars,
  names: &CloudNames,
  problems: &mut Vec<Problem>,
) -> Dns {
  let cloud_vars = vars.with(&[
    ("api", names.api.clone()),
    ("notebooks", names.notebooks.clone()),
    ("instances", names.instances.clone()),
    ("inference", names.inference.clone()),
    ("storage", names.storage.clone()),
    ("vault", names.vault.clone()),
    ("vaultcore", names.vaultcore.clone()),
    ("acr", names.acr.clone()),
  ]);
  let ips = ip_table(m);
  let mut records = Vec::new();
  for t in &catalog.dns.record {
    let Some(fact) = Fact::parse(&t.when) else {
      continue;
    };
    if !facts.holds(fact) {
      continue;
    }
    let sources: Vec<String> = t.sources.iter().map(|s| catalog.cite(s)).collect();
    if !(t.clouds.is_empty() || t.clouds.iter().any(|c| c == m.cloud.name())) {
      problems.push(
        Problem::warning(
          "AML301",
          format!(
            "no documented private DNS record for `{}` in {}; none is generated",
            t.resource, m.cloud
          ),
          None,
        )
        .hint("create the record by hand from the private endpoint's DNS configuration in the portal")
        .source(catalog.cite("FACTS § 7")),
      );
      continue;
    }
    for scope in record_scopes(m, &t.resource, &cloud_vars) {
      let (Some(zone), Some(rel)) = (scope.fill(&t.zone), scope.fill(&t.name)) else {
        continue;
      };
      let Some(ip) = scope
        .fill(&format!("{{ip_{}}}", t.ip))
        .or_else(|| ips.get(t.ip.as_str()).cloned())
      else {
        continue;
      };
      let Some(ip) = address(&ip, &t.resource, problems) else {
        continue;
      };
      records.push(DnsRecord {
        name: format!("{rel}.{zone}"),
        zone,
        record_type: ir::RecordType::A,
        value: ip,
        resource: t.resource.clone(),
        public_name: t.public.as_ref().and_then(|p| scope.fill(p)),
        endpoint: Some(t.endpoint.clone()),
        sources: sources.clone(),
      });
    }
  }
  let mut by_zone: BTreeMap<&str, (Vec<&str>, Vec<String>)> = BTreeMap::new();
  for r in &records {
    let (resources, sources) = by_zone.entry(&r.zone).or_default();
    resources.push(&r.resource);
    sources.extend(r.sources.iter().cloned());
  }
  let zones: Vec<DnsZone> = by_zone
    .into_iter()
    .map(|(name, (mut resources, mut sources))| {
      resources.dedup();
      sources.sort();
      sources.dedup();
      DnsZone {
        name: name.to_string(),
        purpose: format!("private endpoint records: {}", resources.join(", ")),
        sources,
      }
    })
    .collect();
  let mut hosts: Vec<HostRecord> = records
    .iter()
    .filter_map(|r| {
      // A registry has no public name: clients resolve its privatelink name directly (SEED2),
      // so a server holding host records must answer that name itself.
      let name = r
        .public_name
        .clone()
        .or_else(|| (r.resource == "registry").then(|| r.name.clone()))?;
      Some(HostRecord {
        name,
        value: r.value,
        resource: r.resource.clone(),
        sources: r.sources.clone(),
      })
    })
    .collect();
  if m.has_workspace_pe() {
    for h in &catalog.dns.host {
      let sources: Vec<String> = h.sources.iter().map(|s| catalog.cite(s)).collect();
      for scope in host_scopes(m, &h.resource, &cloud_vars) {
        let (Some(name), Some(ip)) = (scope.fill(&h.name), ips.get(h.ip.as_str())) else {
          continue;
        };
        let Some(ip) = address(ip, &h.resource, problems) else {
          continue;
        };
        hosts.push(HostRecord {
          name,
          value: ip,
          resource: h.resource.clone(),
          sources: sources.clone(),
        });
      }
    }
  }
  let mut forwarders = Vec::new();
  for f in &catalog.dns.forward {
    let Some(fact) = Fact::parse(&f.when) else {
      continue;
    };
    if !facts.holds(fact) {
      continue;
    }
    let subs: Vec<String> = match &m.storage {
      Some(s) if f.zone.contains("{storage_sub}") => s.endpoints.iter().map(|(sub, _)| sub.clone()).collect(),
      _ => vec![String::new()],
    };
    for sub in subs {
      if let Some(zone) = cloud_vars.with(&[("storage_sub", sub)]).fill(&f.zone) {
        let sources = f.sources.iter().map(|s| catalog.cite(s)).collect();
        forwarders.push(Forwarder {
          zone,
          on_premises: f.on_premises,
          sources,
        });
      }
    }
  }
  (zones, records, hosts, forwarders)
}

/// One variable scope per instance of a resource (each private registry gets its own).
fn record_scopes(m: &Model, resource: &str, vars: &Vars) -> Vec<Vars> {
  if !resource.starts_with("registry") {
    return vec![vars.with(&[])];
  }
  m.registries
    .iter()
    .filter(|r| r.access.value == Access::PrivateEndpoint)
    .map(|r| {
      let mut extra = vec![
        ("registry_guid", r.id.clone()),
        (
          "registry_region",
          if r.region.is_empty() {
            m.region.clone()
          } else {
            r.region.clone()
          },
        ),
      ];
      if let Some(ip) = r.ip {
        extra.push(("ip_registry", ip.to_string()));
      }
      if let Some((name, ip)) = &r.storage {
        extra.push(("registry_sa", name.to_ascii_lowercase()));
        extra.push(("ip_registry_storage", ip.to_string()));
      }
      if let Some((name, ip, data)) = &r.acr {
        extra.push(("registry_acr", name.to_ascii_lowercase()));
        extra.push(("ip_registry_acr", ip.to_string()));
        if let Some(data) = data {
          extra.push(("ip_registry_acr_data", data.to_string()));
        }
      }
      vars.with(&extra)
    })
    .collect()
}

fn host_scopes(m: &Model, resource: &str, vars: &Vars) -> Vec<Vars> {
  match resource {
    "compute_instance" | "compute_instance_ssh" => m
      .computes
      .iter()
      .filter(|c| c.kind == ComputeKind::Instance)
      .map(|c| vars.with(&[("ci", c.name.to_ascii_lowercase())]))
      .collect(),
    "online_endpoint" => m
      .online_endpoints
      .iter()
      .map(|e| vars.with(&[("endpoint", e.name.to_ascii_lowercase())]))
      .collect(),
    _ => vec![vars.with(&[])],
  }
}

/// Addresses by the names dns.toml uses in `ip = "..."`.
fn ip_table(m: &Model) -> BTreeMap<&'static str, String> {
  let mut ips = BTreeMap::new();
  if let Some(pe) = &m.workspace.private_endpoint {
    ips.insert("workspace", pe.ip.value.to_string());
    if let Some(ip) = pe.notebooks_ip {
      ips.insert("notebooks", ip.to_string());
    }
    if let Some(ip) = pe.inference_ip {
      ips.insert("inference", ip.to_string());
    }
  }
  if let Some(s) = &m.storage {
    for (sub, ip) in &s.endpoints {
      let key: &'static str = match sub.as_str() {
        "blob" => "storage_blob",
        "file" => "storage_file",
        "queue" => "storage_queue",
        "table" => "storage_table",
        _ => "storage_dfs",
      };
      ips.insert(key, ip.value.to_string());
    }
  }
  if let Some(ip) = m.key_vault.as_ref().and_then(|k| k.ip.as_ref()) {
    ips.insert("key_vault", ip.value.to_string());
  }
  if let Some(cr) = &m.container_registry {
    if let Some(ip) = &cr.ip {
      ips.insert("acr", ip.value.to_string());
    }
    if let Some(ip) = cr.data_ip {
      ips.insert("acr_data", ip.to_string());
    }
  }
  ips
}

fn settings(m: &Model, names: Option<&CloudNames>) -> Settings {
  Settings {
    workspace_name: m.workspace.name.clone(),
    egress: match m.network.egress.value {
      crate::model::Egress::Nsg => ir::Egress::Nsg,
      crate::model::Egress::Firewall => ir::Egress::Firewall,
      crate::model::Egress::NatGateway => ir::Egress::NatGateway,
    },
    nsg: ir::NsgSettings {
      name: m.nsg.name.clone(),
      inbound_start: m.nsg.inbound_start,
      outbound_start: m.nsg.outbound_start,
      step: m.nsg.step,
      deny_internet_outbound: m.nsg.deny_internet_outbound,
      accept_blocked_fqdn_flows: m.nsg.accept_blocked_fqdn_flows,
    },
    firewall: ir::FirewallSettings {
      policy_name: m.firewall.policy_name.clone(),
      rule_collection_group: m.firewall.rule_collection_group.clone(),
      priority: m.firewall.priority,
      source_addresses: m.firewall.source_addresses.iter().map(|&a| a.into()).collect(),
      dns_proxy: m.firewall.dns_proxy.value,
      private_ip: m.firewall.private_ip.as_ref().map(|ip| ip.value),
      route_table: m.firewall.route_table.clone(),
    },
    dns: ir::DnsSettings {
      ttl: m.dns.ttl,
      soa_mname: m.dns.soa_mname.clone(),
      soa_rname: m.dns.soa_rname.clone(),
      serial: m.dns.serial,
      refresh: 3600,
      retry: 300,
      expire: 2_419_200,
      minimum: 300,
      nameservers: m.dns.nameservers.clone(),
      azure_dns: std::net::IpAddr::from([168, 63, 129, 16]),
      resolver_ip: m.dns.resolver_ip.map(std::net::IpAddr::V4),
    },
    vnet_name: m.network.vnet_name.clone(),
    address_space: m.network.address_space.iter().map(|a| a.value).collect(),
    managed_network: m.managed_network.as_ref().map(|s| ir::ManagedNetworkSettings {
      isolation_mode: match s.value {
        crate::model::IsolationMode::Disabled => ir::IsolationMode::Disabled,
        crate::model::IsolationMode::AllowInternetOutbound => ir::IsolationMode::AllowInternetOutbound,
        crate::model::IsolationMode::AllowOnlyApprovedOutbound => {
          ir::IsolationMode::AllowOnlyApprovedOutbound
        }
      },
      storage_suffix: names.map(|n| n.storage.clone()).unwrap_or_default(),
      firewall_sku: m.managed_network_firewall_sku.as_ref().map(|s| s.value.clone()),
    }),
    subnets: subnet_settings(m),
    public_access: Some(ir::PublicAccess {
      workspace: m.workspace.public_network_access.value,
      online_endpoints: {
        let mut open: Vec<String> = m
          .online_endpoints
          .iter()
          .filter(|e| e.public_network_access.value)
          .map(|e| e.name.clone())
          .collect();
        open.sort();
        open
      },
    }),
  }
}

/// The subnets that hold compute or private endpoints, with what the deployment must carry.
fn subnet_settings(m: &Model) -> Vec<ir::SubnetSettings> {
  let pe_ips = m.endpoint_ips();
  let service_endpoints = m.service_endpoints();
  let named =
    |s: &Option<crate::model::Setting<String>>, name: &str| s.as_ref().is_some_and(|v| v.value == name);
  m.network
    .subnets
    .iter()
    .filter_map(|s| {
      let computes: Vec<_> = m.computes.iter().filter(|c| named(&c.subnet, &s.name)).collect();
      let compute = !computes.is_empty() || m.aks.as_ref().is_some_and(|a| named(&a.subnet, &s.name));
      let private_endpoints = pe_ips.iter().any(|ip| s.prefix.value.contains(ip))
        || m
          .workspace
          .private_endpoint
          .as_ref()
          .is_some_and(|pe| named(&pe.subnet, &s.name));
      (compute || private_endpoints).then(|| ir::SubnetSettings {
        name: s.name.clone(),
        prefix: s.prefix.value,
        delegated_to: s.delegated_to.as_ref().map(|d| d.value.clone()),
        service_endpoints: if compute {
          service_endpoints.clone()
        } else {
          Vec::new()
        },
        compute,
        public_ip_compute: computes.iter().any(|c| c.public_ip.value),
        private_endpoints,
      })
    })
    .collect()
}
