//! The managed-network plan: which flows of compute in the workspace managed VNet become
//! `fqdn` rules (TCP 80/443 only), `service_tag` rules, or `private_endpoint` rules (one per
//! endpoint the DNS records name, from the catalog's `endpoint` data), and notes naming what
//! a managed network cannot express: other ports, CIDRs, inbound flows, Azure Storage by
//! FQDN in approved-only mode, FQDN and service-tag rules under `allow_internet_outbound`.
//! Rules Azure adds to every managed network itself (the required service tags, private
//! endpoints to the workspace and its default resources) are not repeated: a note names them.

use crate::ir::{Direction, Flow, Ir, IsolationMode, Peer, Protocol, Severity};
use crate::net::{PortRange, PortSet};
use crate::target::managed::{self, Destination, ManagedNetwork, OutboundRule};

use super::names::{description, rule_name};
use super::{list_note, Notes};

/// The outbound service tags Azure adds to every managed network as required rules
/// (MVN § List of required rules, facts 5.2). A regional form (`MicrosoftContainerRegistry.EastUS`)
/// lies inside its global tag; `AzureFrontDoor.FirstParty` is required, other
/// `AzureFrontDoor.*` tags are not.
const REQUIRED_TAGS: &[&str] = &[
  "AzureActiveDirectory",
  "AzureFrontDoor.FirstParty",
  "AzureMachineLearning",
  "AzureMonitor",
  "AzureResourceManager",
  "BatchNodeManagement",
  "MicrosoftContainerRegistry",
  "VirtualNetwork",
];

/// A tag a required rule of every managed network already allows.
fn added_by_azure(tag: &str) -> bool {
  REQUIRED_TAGS
    .iter()
    .any(|r| tag == *r || (!r.contains('.') && tag.strip_prefix(r).is_some_and(|rest| rest.starts_with('.'))))
}

/// Azure Storage endpoint services: `<account>.<service>.<storage suffix>`.
const STORAGE_SERVICES: &[&str] = &["blob", "file", "queue", "table", "dfs", "web"];

/// The managed network of a profile whose IR says the workspace uses one (mode not disabled).
pub fn plan(ir: &Ir, notes: &mut Notes) -> Option<ManagedNetwork> {
  let settings = ir.settings.managed_network.as_ref()?;
  let mode = settings.isolation_mode;
  if mode == IsolationMode::Disabled {
    return None;
  }
  let approved_only = mode == IsolationMode::AllowOnlyApprovedOutbound;
  let mut rules: Vec<OutboundRule> = Vec::new();
  let (mut other_ports, mut storage, mut not_in_mode, mut cidrs, mut inbound) =
    (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
  let mut by_azure: Vec<String> = Vec::new();
  // Flows of the customer VNet (clients, compute there) are its NSG's and firewall's business.
  for f in ir.flows.iter().filter(|f| f.is_managed()) {
    if f.direction == Direction::Inbound {
      inbound.push(f.id.as_str());
      continue;
    }
    match &f.peer {
      Peer::Cidr(_) => cidrs.push(f.id.as_str()),
      Peer::Fqdn(_) | Peer::Tag(_) if !approved_only => not_in_mode.push(f.id.as_str()),
      Peer::Fqdn(name) if is_storage(name, &settings.storage_suffix) => storage.push(f.id.as_str()),
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
          rules.push(rule(f, Destination::Fqdn(name.clone())));
        }
      }
      Peer::Tag(tag) if added_by_azure(tag) => by_azure.push(f.id.clone()),
      Peer::Tag(tag) => {
        let protocol = match f.protocol {
          Protocol::Tcp => managed::Protocol::Tcp,
          Protocol::Udp => managed::Protocol::Udp,
          Protocol::Any => managed::Protocol::Any,
        };
        rules.push(rule(
          f,
          Destination::ServiceTag {
            tag: tag.clone(),
            protocol,
            ports: f.ports.clone(),
          },
        ));
      }
    }
  }
  let placeholders = private_endpoint_rules(ir, &mut rules, &mut by_azure, notes);
  let by_azure: Vec<&str> = by_azure.iter().map(String::as_str).collect();
  list_note(
    notes,
    Severity::Info,
    "MNV009",
    "managed-network: Azure adds these as required rules of every managed network; the YAML does not repeat them",
    &by_azure,
  );
  let other_ports: Vec<&str> = other_ports.iter().map(String::as_str).collect();
  list_note(
    notes,
    Severity::Warning,
    "MNV002",
    "managed-network: FQDN rules carry TCP 80 and 443 only; these flow parts are not rules, use a private endpoint or a service tag",
    &other_ports,
  );
  list_note(
    notes,
    Severity::Warning,
    "MNV003",
    &format!(
      "managed-network: {} cannot reach Azure Storage through an FQDN rule; these flows are not rules, add a private_endpoint rule for each account",
      IsolationMode::AllowOnlyApprovedOutbound.as_str()
    ),
    &storage,
  );
  list_note(
    notes,
    Severity::Info,
    "MNV004",
    &format!(
      "managed-network: {} allows only private_endpoint rules; these flows are allowed by its internet outbound and get no rule",
      IsolationMode::AllowInternetOutbound.as_str()
    ),
    &not_in_mode,
  );
  list_note(
    notes,
    Severity::Warning,
    "MNV005",
    "managed-network: CIDR flows name addresses of a customer VNet, which a managed VNet does not reach by address; they are not rules",
    &cidrs,
  );
  list_note(
    notes,
    Severity::Info,
    "MNV006",
    "managed-network: a managed VNet takes no user inbound rules (Azure adds the AzureMachineLearning inbound rule); not rules",
    &inbound,
  );
  if placeholders > 0 {
    notes.push(
      Severity::Info,
      "MNV007",
      format!("managed-network: {placeholders} private_endpoint rules carry placeholder resource IDs; replace <subscription-id> and <resource-group> before deploying"),
    );
  }
  let order = |r: &OutboundRule| match r.destination {
    Destination::Fqdn(_) => 0,
    Destination::ServiceTag { .. } => 1,
    Destination::PrivateEndpoint { .. } => 2,
  };
  rules.sort_by(|a, b| (order(a), &a.name).cmp(&(order(b), &b.name)));
  super::names::make_unique(
    rules.iter_mut().map(|r| &mut r.name),
    crate::target::nsg::NAME_MAX,
  );
  Some(ManagedNetwork {
    workspace: ir.settings.workspace_name.clone(),
    location: ir.region.clone(),
    isolation_mode: mode,
    firewall_sku: settings.firewall_sku.clone(),
    rules,
  })
}

fn rule(f: &Flow, destination: Destination) -> OutboundRule {
  OutboundRule {
    name: managed_rule_name(f),
    comment: description(f),
    destination,
  }
}

/// The part of an FQDN flow an `fqdn` rule (TCP 80/443) does not carry, e.g. "tcp 8787,18881".
fn refused_part(f: &Flow, http: &[u16]) -> Option<String> {
  let mut parts = Vec::new();
  let other = f
    .ports
    .difference(&PortSet::from_ranges(http.iter().map(|&p| PortRange::single(p))));
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

/// `<account>.<service>.<suffix>` for one of Azure Storage's endpoint services.
fn is_storage(fqdn: &str, suffix: &str) -> bool {
  !suffix.is_empty()
    && fqdn
      .strip_suffix(suffix)
      .and_then(|rest| rest.strip_suffix('.'))
      .and_then(|rest| rest.rsplit_once('.'))
      .is_some_and(|(_, service)| STORAGE_SERVICES.contains(&service))
}

/// `allow-out-tcp-pypi-org`: the plan's rule name in lower case with only letters, digits and
/// `-`, the most conservative form for a rule name that becomes part of an ARM resource path.
fn managed_rule_name(f: &Flow) -> String {
  rule_name(f.direction, f)
    .to_ascii_lowercase()
    .chars()
    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
    .collect()
}

/// One rule per (resource, subresource) the DNS records name, except the endpoints Azure
/// creates itself (named in `by_azure`); returns how many rules there are.
fn private_endpoint_rules(
  ir: &Ir,
  rules: &mut Vec<OutboundRule>,
  by_azure: &mut Vec<String>,
  notes: &mut Notes,
) -> usize {
  // (resource ID, subresource, resource name, record resources), in first-seen order.
  let mut targets: Vec<(String, &str, String, Vec<&str>)> = Vec::new();
  let mut unknown: Vec<&str> = Vec::new();
  for r in &ir.dns_records {
    let Some(endpoint) = &r.endpoint else {
      if !unknown.contains(&r.resource.as_str()) {
        unknown.push(r.resource.as_str());
      }
      continue;
    };
    let name = match &endpoint.resource_name {
      Some(name) => name.clone(),
      None => r.name.split('.').next().unwrap_or_default().to_string(),
    };
    let subresource = endpoint.subresource.as_str();
    if endpoint.created_by_azure {
      // The workspace's records start with its GUID or a notebook label, not its name.
      let name = if endpoint.provider == "Microsoft.MachineLearningServices/workspaces" {
        ir.settings.workspace_name.as_str()
      } else {
        name.as_str()
      };
      let target = format!("private endpoint {name} ({subresource})");
      if !by_azure.contains(&target) {
        by_azure.push(target);
      }
      continue;
    }
    let id = format!(
      "/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/{}/{name}",
      endpoint.provider
    );
    match targets
      .iter_mut()
      .find(|(i, s, _, _)| *i == id && *s == subresource)
    {
      Some((_, _, _, resources)) if resources.contains(&r.resource.as_str()) => {}
      Some((_, _, _, resources)) => resources.push(r.resource.as_str()),
      None => targets.push((id, subresource, name, vec![r.resource.as_str()])),
    }
  }
  list_note(
    notes,
    Severity::Warning,
    "MNV008",
    "managed-network: no private_endpoint target is known for DNS records of (an IR written before records named their endpoint); add those rules by hand",
    &unknown,
  );
  let count = targets.len();
  for (resource_id, subresource, name, resources) in targets {
    rules.push(OutboundRule {
      name: format!("pe-{}-{subresource}", super::identifier(&name).replace('_', "-")),
      comment: format!(
        "private endpoint to {name} ({subresource}) for the DNS records of {}",
        resources.join(", ")
      ),
      destination: Destination::PrivateEndpoint {
        resource_id,
        subresource: subresource.to_string(),
      },
    });
  }
  count
}
