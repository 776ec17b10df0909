//! Azure ML managed network backend: `managed-network/workspace.yml`, the `managed_network`
//! section of a workspace YAML (`az ml workspace update --file`), for profiles whose IR says
//! the workspace uses a managed VNet (`settings.managed_network`, mode not `disabled`).
//!
//! Takes the IR, returns the YAML and notes. Outbound rules are derived from the flows:
//! FQDN flows become `fqdn` rules (ports 80/443 only), service-tag flows `service_tag` rules
//! (protocol, and port ranges as one comma-separated string), and the private-endpoint
//! resources named by the DNS records `private_endpoint` rules with placeholder resource IDs.
//! It never drops a flow silently: what a managed network cannot express (other ports, CIDRs,
//! inbound, Azure Storage by FQDN in approved-only mode, FQDN and service-tag rules under
//! `allow_internet_outbound`) is refused in a note. Written by hand; every string is a YAML
//! double-quoted scalar, so `*` and `:` in values stay text.

use std::fmt::Write as _;

use super::{stamp, Output};
use crate::ir::{Direction, Flow, Ir, IsolationMode, Peer, Protocol, Severity};
use crate::plan::{self, Plan};

/// DNS record resource → (ARM provider/type, subresource target). The workspace's own
/// records are absent: Azure creates that private endpoint itself (a required rule) and a
/// user rule to the workspace cannot be added at creation.
const PRIVATE_ENDPOINTS: &[(&str, &str, &str)] = &[
  ("storage_blob", "Microsoft.Storage/storageAccounts", "blob"),
  ("storage_file", "Microsoft.Storage/storageAccounts", "file"),
  ("storage_queue", "Microsoft.Storage/storageAccounts", "queue"),
  ("storage_table", "Microsoft.Storage/storageAccounts", "table"),
  ("storage_dfs", "Microsoft.Storage/storageAccounts", "dfs"),
  ("key_vault", "Microsoft.KeyVault/vaults", "vault"),
  ("acr_login", "Microsoft.ContainerRegistry/registries", "registry"),
  ("acr_data", "Microsoft.ContainerRegistry/registries", "registry"),
  (
    "registry",
    "Microsoft.MachineLearningServices/registries",
    "amlregistry",
  ),
  ("registry_storage", "Microsoft.Storage/storageAccounts", "blob"),
  (
    "registry_acr",
    "Microsoft.ContainerRegistry/registries",
    "registry",
  ),
  (
    "registry_acr_data",
    "Microsoft.ContainerRegistry/registries",
    "registry",
  ),
];
const WORKSPACE_RECORDS: &[&str] = &["workspace_api", "workspace_cert", "notebooks", "online_endpoints"];

/// Storage endpoint suffixes of the three clouds: FQDN rules may not reach them in approved-only mode.
const STORAGE_SUFFIXES: &[&str] = &[
  "core.windows.net",
  "core.usgovcloudapi.net",
  "core.chinacloudapi.cn",
];
const STORAGE_SERVICES: &[&str] = &["blob", "file", "queue", "table", "dfs", "web"];

struct Rule {
  name: String,
  comment: String,
  body: Body,
}

enum Body {
  Fqdn(String),
  ServiceTag {
    tag: String,
    protocol: &'static str,
    ports: String,
  },
  PrivateEndpoint {
    id: String,
    subresource: &'static str,
  },
}

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  let Some(mn) = ir
    .settings
    .managed_network
    .as_ref()
    .filter(|m| m.isolation_mode != IsolationMode::Disabled)
  else {
    return;
  };
  let mode = mn.isolation_mode.as_str();
  let approved_only = mn.isolation_mode == IsolationMode::AllowOnlyApprovedOutbound;
  let mut rules: Vec<Rule> = Vec::new();
  let mut other_ports = Vec::new();
  let mut storage = Vec::new();
  let mut not_in_mode = Vec::new();
  let mut cidrs = Vec::new();
  let mut inbound = Vec::new();
  // Flows of the customer VNet (clients, compute there) are its NSG's and firewall's business.
  for f in ir.flows.iter().filter(|f| f.is_managed()) {
    if f.direction == Direction::Inbound {
      inbound.push(f.id.as_str());
      continue;
    }
    match &f.peer {
      Peer::Cidr(_) => cidrs.push(f.id.as_str()),
      Peer::Fqdn(_) | Peer::Tag(_) if !approved_only => not_in_mode.push(f.id.as_str()),
      Peer::Fqdn(name) if is_storage(name) => storage.push(f.id.as_str()),
      Peer::Fqdn(name) => {
        let http = if f.protocol == Protocol::Udp {
          vec![]
        } else {
          f.ports.singles_in(&[80, 443])
        };
        if let Some(rest) = refused_part(f, &http) {
          other_ports.push(format!("{} ({rest})", f.id));
        }
        if !http.is_empty() {
          rules.push(Rule {
            name: rule_name(f),
            comment: plan::description(f),
            body: Body::Fqdn(name.clone()),
          });
        }
      }
      Peer::Tag(tag) => rules.push(Rule {
        name: rule_name(f),
        comment: plan::description(f),
        body: Body::ServiceTag {
          tag: tag.clone(),
          protocol: match f.protocol {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Any => "*",
          },
          ports: f.ports.to_string(),
        },
      }),
    }
  }
  let placeholders = private_endpoint_rules(ir, &mut rules, out);
  let list = |v: &[&str]| v.join(", ");
  if !other_ports.is_empty() {
    out.note(
      Severity::Warning,
      "MNV002",
      format!("managed-network: FQDN rules carry TCP 80 and 443 only; these flow parts are not rules, use a private endpoint or a service tag: {}", other_ports.join(", ")),
    );
  }
  if !storage.is_empty() {
    out.note(
      Severity::Warning,
      "MNV003",
      format!("managed-network: {} cannot reach Azure Storage through an FQDN rule; these flows are not rules, add a private_endpoint rule for each account: {}", IsolationMode::AllowOnlyApprovedOutbound.as_str(), list(&storage)),
    );
  }
  if !not_in_mode.is_empty() {
    out.note(
      Severity::Info,
      "MNV004",
      format!("managed-network: {} allows only private_endpoint rules; these flows are allowed by its internet outbound and get no rule: {}", IsolationMode::AllowInternetOutbound.as_str(), list(&not_in_mode)),
    );
  }
  if !cidrs.is_empty() {
    out.note(
      Severity::Warning,
      "MNV005",
      format!("managed-network: CIDR flows name addresses of a customer VNet, which a managed VNet does not reach by address; they are not rules: {}", list(&cidrs)),
    );
  }
  if !inbound.is_empty() {
    out.note(
      Severity::Info,
      "MNV006",
      format!("managed-network: a managed VNet takes no user inbound rules (Azure adds the AzureMachineLearning inbound rule); not rules: {}", list(&inbound)),
    );
  }
  if placeholders > 0 {
    out.note(
      Severity::Info,
      "MNV007",
      format!("managed-network: {placeholders} private_endpoint rules carry placeholder resource IDs; replace <subscription-id> and <resource-group> before deploying"),
    );
  }
  out.add("managed-network/workspace.yml", yaml(ir, mode, &rules));
}

/// The part of an FQDN flow an `fqdn` rule (TCP 80/443) does not carry, e.g. "tcp 8787,18881".
fn refused_part(f: &Flow, http: &[u16]) -> Option<String> {
  let mut parts = Vec::new();
  let other = f.ports.difference(&crate::net::PortSet::from_ranges(
    http.iter().map(|&p| crate::net::PortRange::single(p)),
  ));
  if !other.is_empty() {
    parts.push(format!("{} {other}", f.protocol.as_str()));
  }
  if f.protocol == Protocol::Any && !http.is_empty() {
    parts.push(format!(
      "udp {}",
      http.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
    ));
  }
  (!parts.is_empty()).then(|| parts.join("; "))
}

fn is_storage(fqdn: &str) -> bool {
  let labels: Vec<&str> = fqdn.split('.').collect();
  STORAGE_SUFFIXES.iter().any(|suffix| {
    let n = suffix.split('.').count();
    fqdn.ends_with(&format!(".{suffix}"))
      && labels.len() > n
      && STORAGE_SERVICES.contains(&labels[labels.len() - n - 1])
  })
}

/// `allow-out-tcp-pypi-org`: the plan's rule name in lower case with only letters, digits and
/// `-`, the most conservative form for a rule name that becomes part of an ARM resource path.
fn rule_name(f: &Flow) -> String {
  plan::rule_name(f.direction, f)
    .to_ascii_lowercase()
    .chars()
    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
    .collect()
}

/// One rule per (resource, subresource) the DNS records name; returns how many there are.
fn private_endpoint_rules(ir: &Ir, rules: &mut Vec<Rule>, out: &mut Output) -> usize {
  // (resource ID, subresource, resource name, record resources), in first-seen order.
  let mut targets: Vec<(String, &'static str, String, Vec<&str>)> = Vec::new();
  let mut unknown = Vec::new();
  for r in &ir.dns_records {
    if WORKSPACE_RECORDS.contains(&r.resource.as_str()) {
      continue;
    }
    let Some(&(_, provider, subresource)) = PRIVATE_ENDPOINTS.iter().find(|(res, _, _)| *res == r.resource)
    else {
      if !unknown.contains(&r.resource.as_str()) {
        unknown.push(r.resource.as_str());
      }
      continue;
    };
    // The resource name is the record's first label; an AML registry's records carry its GUID, not its name.
    let name = if r.resource == "registry" {
      "<registry-name>".to_string()
    } else {
      r.name.split('.').next().unwrap_or_default().to_string()
    };
    let id =
      format!("/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/{provider}/{name}");
    match targets
      .iter_mut()
      .find(|(i, s, _, _)| *i == id && *s == subresource)
    {
      Some((_, _, _, resources)) if resources.contains(&r.resource.as_str()) => {}
      Some((_, _, _, resources)) => resources.push(r.resource.as_str()),
      None => targets.push((id, subresource, name, vec![r.resource.as_str()])),
    }
  }
  if !unknown.is_empty() {
    out.note(
      Severity::Warning,
      "MNV008",
      format!("managed-network: no private_endpoint target is known for DNS records of: {}; add those rules by hand", unknown.join(", ")),
    );
  }
  let count = targets.len();
  for (id, subresource, name, resources) in targets {
    rules.push(Rule {
      name: format!("pe-{}-{subresource}", plan::identifier(&name).replace('_', "-")),
      comment: format!(
        "private endpoint to {name} ({subresource}) for the DNS records of {}",
        resources.join(", ")
      ),
      body: Body::PrivateEndpoint { id, subresource },
    });
  }
  count
}

fn yaml(ir: &Ir, mode: &str, rules: &[Rule]) -> String {
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
  let _ = writeln!(y, "name: {}", q(&ir.settings.workspace_name));
  let _ = writeln!(y, "location: {}", q(&ir.region));
  y.push_str("managed_network:\n");
  let _ = writeln!(y, "  isolation_mode: {}", q(mode));
  if rules.is_empty() {
    y.push_str("  outbound_rules: []\n");
    return y;
  }
  y.push_str("  outbound_rules:\n");
  let order = |r: &Rule| match r.body {
    Body::Fqdn(_) => 0,
    Body::ServiceTag { .. } => 1,
    Body::PrivateEndpoint { .. } => 2,
  };
  let mut sorted: Vec<&Rule> = rules.iter().collect();
  sorted.sort_by(|a, b| (order(a), &a.name).cmp(&(order(b), &b.name)));
  for r in sorted {
    let _ = writeln!(y, "    # {}", r.comment.replace(['\n', '\r'], " "));
    let _ = writeln!(y, "    - name: {}", q(&r.name));
    match &r.body {
      Body::Fqdn(fqdn) => {
        y.push_str("      type: \"fqdn\"\n");
        let _ = writeln!(y, "      destination: {}", q(fqdn));
      }
      Body::ServiceTag { tag, protocol, ports } => {
        y.push_str("      type: \"service_tag\"\n      destination:\n");
        let _ = writeln!(y, "        service_tag: {}", q(tag));
        let _ = writeln!(y, "        protocol: {}", q(protocol));
        let _ = writeln!(y, "        port_ranges: {}", q(ports));
      }
      Body::PrivateEndpoint { id, subresource } => {
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
