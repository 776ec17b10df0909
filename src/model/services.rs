//! The workspace's associated services and endpoints: key vault, container registry,
//! Application Insights, the managed network and managed online endpoints, and the list
//! of compute (names unique). Takes raw tables, returns their typed form or records
//! problems; never reads files.

use super::names;
use super::*;
use crate::diagnostic::Problem;
use crate::profile::{Located, RawContainerRegistry, RawKeyVault, RawProfile};

impl Builder<'_> {
  pub(super) fn key_vault(&mut self, kv: &RawKeyVault) -> Option<KeyVault> {
    let name = self.name(
      &kv.name,
      "key_vault.name",
      &names::KEY_VAULT,
      "name the workspace key vault",
    )?;
    Some(KeyVault {
      name,
      access: self.access(&kv.access, "key_vault.access", Access::Public),
      ip: self.opt_ip(&kv.private_endpoint_ip, "key_vault.private_endpoint_ip"),
    })
  }

  pub(super) fn container_registry(&mut self, cr: &RawContainerRegistry) -> Option<ContainerRegistry> {
    let name = self.name(
      &cr.name,
      "container_registry.name",
      &names::CONTAINER_REGISTRY,
      "name the workspace container registry",
    )?;
    let sku = match &cr.sku {
      Some(l) => {
        let canonical = ACR_SKUS
          .iter()
          .find(|(n, _)| n.eq_ignore_ascii_case(&l.value))
          .map_or(l.value.as_str(), |(n, _)| n);
        let located = Located {
          value: canonical.to_string(),
          span: l.span.clone(),
        };
        self
          .choice(&located, "container_registry.sku", ACR_SKUS)
          .map(|s| Setting {
            value: s.value.to_string(),
            at: s.at,
          })?
      }
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
  }

  /// Whether Application Insights goes through Azure Monitor private link.
  pub(super) fn app_insights(&mut self, raw: &RawProfile) -> Setting<bool> {
    let off = Setting {
      value: false,
      at: String::new(),
    };
    let Some(ai) = &raw.application_insights else {
      return off;
    };
    if let Some(name) = &ai.name {
      self.follows(name, "application_insights.name", &names::APP_INSIGHTS);
    }
    match &ai.access {
      Some(v) => self
        .choice(v, "application_insights.access", APP_INSIGHTS_ACCESS)
        .unwrap_or(off),
      None => off,
    }
  }

  pub(super) fn computes(&mut self, raw: &RawProfile) -> Vec<Compute> {
    let computes = raw
      .compute
      .iter()
      .flatten()
      .filter_map(|c| self.compute(c))
      .collect();
    self.unique_names(
      raw.compute.iter().flatten().filter_map(|c| c.name.as_ref()),
      "compute",
    );
    computes
  }

  /// The isolation mode and, when set, the managed network's firewall SKU.
  pub(super) fn managed_network(
    &mut self,
    raw: &RawProfile,
  ) -> (Option<Setting<IsolationMode>>, Option<Setting<String>>) {
    let Some(m) = &raw.managed_network else {
      return (None, None);
    };
    let mode = m
      .isolation_mode
      .as_ref()
      .and_then(|v| self.choice(v, "managed_network.isolation_mode", ISOLATION_MODES));
    let sku = m
      .firewall_sku
      .as_ref()
      .and_then(|v| self.choice(v, "managed_network.firewall_sku", MANAGED_FIREWALL_SKUS))
      .map(|s| Setting {
        value: s.value.to_string(),
        at: s.at,
      });
    let approved_only = mode
      .as_ref()
      .is_some_and(|m| m.value == IsolationMode::AllowOnlyApprovedOutbound);
    if let (Some(l), false) = (&m.firewall_sku, approved_only) {
      self.problems.push(
        Problem::warning(
          "AML033",
          "managed_network.firewall_sku has no effect: the managed network only has a firewall with allow_only_approved_outbound",
          Some(l.span.clone()),
        )
        .hint("remove firewall_sku, or set isolation_mode = \"allow_only_approved_outbound\"")
        .source("FACTS § 5.3"),
      );
    }
    (mode, sku)
  }

  pub(super) fn online_endpoints(&mut self, raw: &RawProfile) -> Vec<OnlineEndpoint> {
    let endpoints = raw
      .online_endpoint
      .iter()
      .flatten()
      .filter_map(|e| {
        Some(OnlineEndpoint {
          name: self.name(
            &e.name,
            "online_endpoint.name",
            &names::ONLINE_ENDPOINT,
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
    self.unique_names(
      raw
        .online_endpoint
        .iter()
        .flatten()
        .filter_map(|e| e.name.as_ref()),
      "online endpoint",
    );
    endpoints
  }
}
