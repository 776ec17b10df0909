//! Azure ML managed network backend: `managed-network/workspace.yml`, the `managed_network`
//! section of a workspace YAML (`az ml workspace update --file`), for profiles whose plan has
//! a managed network.
//!
//! Takes the plan's `ManagedNetwork` and writes it; which flow becomes which rule, and the
//! notes for what a managed network cannot express, are `plan::managed`'s. Written by hand;
//! every string is a YAML double-quoted scalar, so `*` and `:` in values stay text.

use std::fmt::Write as _;

use super::{stamp, Output};
use crate::ir::Ir;
use crate::plan::Plan;
use crate::target::managed::{Destination, ManagedNetwork};

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  if let Some(managed) = &plan.managed {
    out.add("managed-network/workspace.yml", yaml(ir, managed));
  }
}

fn yaml(ir: &Ir, managed: &ManagedNetwork) -> String {
  let mut y = format!("# {}\n", stamp(ir));
  y.push_str(
    "#\n# Workspace managed network: az ml workspace update --file workspace.yml (or create).\n\
     # Azure adds the required rules itself (private endpoints to the workspace, its default\n\
     # storage, key vault and container registry; outbound AzureActiveDirectory,\n\
     # AzureMachineLearning, BatchNodeManagement, AzureResourceManager, AzureFrontDoor.FirstParty,\n\
     # MicrosoftContainerRegistry, AzureMonitor). The rules below are the profile's flows.\n\
     # private_endpoint service_resource_id values are placeholders built from <subscription-id>\n\
     # and <resource-group>: replace them with the resources' real IDs before deploying.\n",
  );
  let _ = writeln!(y, "name: {}", q(&managed.workspace));
  let _ = writeln!(y, "location: {}", q(&managed.location));
  y.push_str("managed_network:\n");
  let _ = writeln!(y, "  isolation_mode: {}", q(managed.isolation_mode.as_str()));
  if let Some(sku) = &managed.firewall_sku {
    let _ = writeln!(y, "  firewall_sku: {}", q(sku));
  }
  if managed.rules.is_empty() {
    y.push_str("  outbound_rules: []\n");
    return y;
  }
  y.push_str("  outbound_rules:\n");
  for r in &managed.rules {
    let _ = writeln!(y, "    # {}", r.comment.replace(['\n', '\r'], " "));
    let _ = writeln!(y, "    - name: {}", q(&r.name));
    match &r.destination {
      Destination::Fqdn(fqdn) => {
        y.push_str("      type: \"fqdn\"\n");
        let _ = writeln!(y, "      destination: {}", q(fqdn));
      }
      Destination::ServiceTag { tag, protocol, ports } => {
        y.push_str("      type: \"service_tag\"\n      destination:\n");
        let _ = writeln!(y, "        service_tag: {}", q(tag));
        let _ = writeln!(y, "        protocol: {}", q(protocol.as_str()));
        let _ = writeln!(y, "        port_ranges: {}", q(&ports.to_string()));
      }
      Destination::PrivateEndpoint {
        resource_id: id,
        subresource,
      } => {
        y.push_str("      type: \"private_endpoint\"\n      destination:\n");
        let _ = writeln!(y, "        service_resource_id: {}", q(id));
        let _ = writeln!(y, "        subresource_target: {}", q(subresource));
        y.push_str("        spark_enabled: false\n");
      }
    }
  }
  y
}

/// A YAML double-quoted scalar; JSON string escapes are valid in it.
fn q(s: &str) -> String {
  serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}
