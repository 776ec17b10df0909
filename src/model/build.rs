//! `Builder::build`: the whole profile in one pass, plus the tables that define the
//! workspace and its network (cloud, region, workspace, VNet and subnets). Takes the
//! merged raw profile, returns the model or records problems; never reads files.

use super::names;
use super::*;
use crate::diagnostic::{did_you_mean, Problem};
use crate::profile::RawProfile;
use crate::region::Cloud;

impl Builder<'_> {
  /// Build the model. Returns `None` when any error was found (see `problems`).
  pub fn build(&mut self, raw: &RawProfile, stem: &str) -> Option<Model> {
    self.text(raw);
    let name = self.profile_name(raw, stem);
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
    let key_vault = raw.key_vault.as_ref().and_then(|kv| self.key_vault(kv));
    let container_registry = raw
      .container_registry
      .as_ref()
      .and_then(|cr| self.container_registry(cr));
    let app_insights_private_link = self.app_insights(raw);
    let computes = self.computes(raw);
    let registries = raw
      .registry
      .iter()
      .flatten()
      .filter_map(|r| self.registry(r, cloud))
      .collect();
    let (managed_network, managed_network_firewall_sku) = self.managed_network(raw);
    let online_endpoints = self.online_endpoints(raw);
    let aks = raw.aks.as_ref().and_then(|a| self.aks(a));
    let features = self.features(raw);
    let nsg = self.nsg(raw, stem);
    let firewall = self.firewall(raw, &workspace, &network);
    let dns = self.dns(raw);
    if let Some(network) = &network {
      self.endpoint_addresses(raw, network);
    }

    let (name, cloud, (region, region_tag), workspace, network) =
      (name?, cloud?, region?, workspace?, network?);
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
      managed_network_firewall_sku,
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
    let name = self.name(
      &ws.name,
      "workspace.name",
      &names::WORKSPACE,
      "name the workspace",
    );
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
      let subnet = self.opt_name(&pe.subnet, "workspace.private_endpoint.subnet", &names::SUBNET);
      Some(WorkspacePe {
        subnet,
        ip,
        notebooks_ip,
        inference_ip,
      })
    });
    let image_build_compute = self.opt_name(
      &ws.image_build_compute,
      "workspace.image_build_compute",
      &names::COMPUTE_CLUSTER,
    );
    let public_network_access =
      self.enabled(&ws.public_network_access, "workspace.public_network_access", true);
    if let (Some(l), false, None) = (
      &ws.public_network_access,
      public_network_access.value,
      &ws.private_endpoint,
    ) {
      self.problems.push(
        Problem::error(
          "AML032",
          "workspace.public_network_access = \"disabled\" but the workspace has no private endpoint",
          Some(l.span.clone()),
        )
        .hint("nothing could reach the workspace: add [workspace.private_endpoint], or set public_network_access = \"enabled\"")
        .source("FACTS § 1.3"),
      );
    }
    Some(Workspace {
      name: name?,
      id: id?,
      public_network_access,
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
    let mut address_space = Vec::new();
    for c in net.address_space.iter().flat_map(|l| l.value.iter()) {
      if let Some(space) = self.cidr(c, "network.address_space") {
        if self.usable_address_space(c, space.value) {
          address_space.push(space);
        }
      }
    }
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
        let name = self.name(&s.name, "network.subnet.name", &names::SUBNET, "name the subnet")?;
        let prefix = match &s.prefix {
          Some(p) => self.cidr(p, "network.subnet.prefix")?,
          None => {
            self.missing("network.subnet.prefix", None, "give the subnet's CIDR block");
            return None;
          }
        };
        let delegated_to = self.opt_name(&s.delegated_to, "network.subnet.delegated_to", &names::DELEGATION);
        Some(Subnet {
          name,
          prefix,
          delegated_to,
        })
      })
      .collect();
    self.unique_names(
      net.subnet.iter().flatten().filter_map(|s| s.name.as_ref()),
      "subnet",
    );
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
    let vnet_name = match &net.vnet_name {
      Some(v) => self
        .follows(v, "network.vnet_name", &names::VNET)
        .then(|| v.value.clone())?,
      None => "vnet-aml".to_string(),
    };
    Some(Network {
      vnet_name,
      address_space,
      egress,
      service_tags: self.flag(&net.service_tags, true),
      on_premises,
      firewall_between_compute_and_storage: self.flag(&net.firewall_between_compute_and_storage, false),
      subnets,
    })
  }
}
