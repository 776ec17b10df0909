//! Azure ML managed network backend: `managed-network/workspace.yml`, the `managed_network`
//! section of a workspace YAML (`az ml workspace update --file`), for profiles whose plan has
//! a managed network.
//!
//! Takes the plan's `ManagedNetwork` and writes it; which flow becomes which rule, and the
//! notes for what a managed network cannot express, are `plan::managed`'s. Written straight
//! into one string: every value a YAML double-quoted scalar (`syntax::yaml`), so `*` and `:`
//! stay text, and every comment line through `syntax::comment`.

use super::Output;
use crate::ir::Ir;
use crate::plan::Plan;
use crate::syntax::{self, yaml, Syntax};
use crate::target::managed::{Destination, ManagedNetwork};

const HEADER: &[&str] = &[
  "",
  "Workspace managed network: az ml workspace update --file workspace.yml (or create).",
  "Azure adds the required rules itself (private endpoints to the workspace, its default",
  "storage, key vault and container registry; outbound AzureActiveDirectory,",
  "AzureMachineLearning, BatchNodeManagement, AzureResourceManager, AzureFrontDoor.FirstParty,",
  "MicrosoftContainerRegistry, AzureMonitor, VirtualNetwork). The rules below are only what",
  "the profile needs beyond those; amlnet's note MNV009 names the flows they already carry.",
  "private_endpoint service_resource_id values are placeholders built from <subscription-id>",
  "and <resource-group>: replace them with the resources' real IDs before deploying.",
];

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  if let Some(managed) = &plan.managed {
    out.add("managed-network/workspace.yml", yaml_text(ir, managed));
  }
}

/// `{key}: "{value}"\n` after `indent`.
fn field(y: &mut String, indent: &str, key: &str, value: &str) {
  y.push_str(indent);
  y.push_str(key);
  y.push_str(": ");
  yaml::push_string(y, value);
  y.push('\n');
}

fn comment(y: &mut String, text: &str) {
  if text.is_empty() {
    // An empty comment line is the bare leader.
    y.push_str("#\n");
  } else {
    yaml::push_comment(y, text);
  }
}

fn yaml_text(ir: &Ir, managed: &ManagedNetwork) -> String {
  let mut y = String::with_capacity(1024 + 200 * managed.rules.len());
  syntax::push_stamp(&mut y, ir, Syntax::Yaml);
  for line in HEADER {
    comment(&mut y, line);
  }
  field(&mut y, "", "name", &managed.workspace);
  field(&mut y, "", "location", &managed.location);
  y.push_str("managed_network:\n");
  field(&mut y, "  ", "isolation_mode", managed.isolation_mode.as_str());
  if let Some(sku) = &managed.firewall_sku {
    field(&mut y, "  ", "firewall_sku", sku);
  }
  if managed.rules.is_empty() {
    y.push_str("  outbound_rules: []\n");
    return y;
  }
  y.push_str("  outbound_rules:\n");
  for r in &managed.rules {
    y.push_str("    ");
    yaml::push_comment(&mut y, &r.comment);
    field(&mut y, "    - ", "name", &r.name);
    field(&mut y, "      ", "type", r.destination.kind());
    match &r.destination {
      Destination::Fqdn(fqdn) => field(&mut y, "      ", "destination", fqdn),
      Destination::ServiceTag { tag, protocol, ports } => {
        y.push_str("      destination:\n");
        field(&mut y, "        ", "service_tag", tag);
        field(&mut y, "        ", "protocol", protocol.as_str());
        field(&mut y, "        ", "port_ranges", &ports.to_string());
      }
      Destination::PrivateEndpoint {
        resource_id: id,
        subresource,
      } => {
        y.push_str("      destination:\n");
        field(&mut y, "        ", "service_resource_id", id);
        field(&mut y, "        ", "subresource_target", subresource);
        y.push_str("        spark_enabled: false\n");
      }
    }
  }
  y
}
