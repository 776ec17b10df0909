//! `Builder::build`: the whole profile in one pass, plus the tables that define the
//! workspace and its network (cloud, region, workspace, VNet and subnets). Takes the
//! merged raw profile, returns the model or records problems; never reads files.

use super::*;
use crate::diagnostic::{did_you_mean, Problem};
use crate::profile::RawProfile;
use crate::region::Cloud;

impl Builder<'_> {
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

  pub(super) fn region(&mut self, raw: &RawProfile, cloud: Option<Cloud>) -> Option<(String, String)> {
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

  pub(super) fn workspace(&mut self, raw: &RawProfile) -> Option<Workspace> {
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

  pub(super) fn network(&mut self, raw: &RawProfile) -> Option<Network> {
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
}
