//! The rule-level view for change tickets: the deployed objects that change, per target.
//! Takes both sides' `Plan` and returns NSG security rules matched by direction and name,
//! firewall rules by collection and name, and managed-network outbound rules by name, each
//! added, removed or changed (field by field, old and new). Values are written as the
//! targets spell them. It decides no kind of change: whether access changes is `access`'s;
//! a renumbered rule shows here as a changed priority and trips nothing.

use serde::Serialize;

use super::changes::{diff_keyed, Changes};
use crate::ir::Ir;
use crate::plan::Plan;
use crate::target::firewall::{Destination, RuleCollectionGroup};
use crate::target::managed::{self, ManagedNetwork};
use crate::target::nsg::SecurityRule;

/// One NSG security rule as deployed.
#[derive(Clone, Debug, Serialize)]
pub struct NsgRule {
  pub name: String,
  pub priority: u32,
  pub direction: String,
  pub access: String,
  pub protocol: String,
  pub source: String,
  pub destination: String,
  pub ports: Vec<String>,
  /// Why the rule exists and the documents behind it (its IR flow's purpose and sources);
  /// shown for the approver, not compared.
  pub purpose: String,
  pub documents: Vec<String>,
}

/// One firewall network or application rule as deployed.
#[derive(Clone, Debug, Serialize)]
pub struct FirewallRule {
  pub collection: String,
  pub collection_priority: u32,
  pub name: String,
  /// `network` or `application`.
  pub kind: String,
  pub protocols: Vec<String>,
  pub source_addresses: Vec<String>,
  /// Addresses or FQDNs (network), target FQDNs (application).
  pub destination: Vec<String>,
  pub ports: Vec<String>,
  /// As for `NsgRule`: shown, not compared.
  pub purpose: String,
  pub documents: Vec<String>,
}

/// One managed-network outbound rule as deployed.
#[derive(Clone, Debug, Serialize)]
pub struct ManagedRule {
  pub name: String,
  #[serde(rename = "type")]
  pub rule_type: String,
  pub destination: String,
}

/// The firewall rule collection group both sides write into (policy, name, priority).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
  pub policy: String,
  pub name: String,
  pub priority: u32,
}

#[derive(Serialize)]
pub struct RuleChanges {
  /// The NSG the rules go to on each side.
  pub nsg_name: Names,
  pub firewall_group: FirewallGroups,
  pub nsg: Changes<NsgRule>,
  pub firewall: Changes<FirewallRule>,
  pub managed_network: Changes<ManagedRule>,
}

#[derive(Serialize)]
pub struct Names {
  pub old: String,
  pub new: String,
}

#[derive(Serialize)]
pub struct FirewallGroups {
  pub old: Group,
  pub new: Group,
}

impl RuleChanges {
  pub fn len(&self) -> usize {
    self.nsg.len() + self.firewall.len() + self.managed_network.len()
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

/// Fields shown with a rule but not compared: they follow the catalog's wording.
const SHOWN_ONLY: [&str; 2] = ["purpose", "documents"];

pub fn changes((old_ir, old): (&Ir, &Plan), (new_ir, new): (&Ir, &Plan)) -> RuleChanges {
  let (old_nsg, new_nsg) = (&old_ir.settings.nsg.name, &new_ir.settings.nsg.name);
  let group = |g: &RuleCollectionGroup| Group {
    policy: g.policy.clone(),
    name: g.name.clone(),
    priority: g.priority,
  };
  RuleChanges {
    nsg_name: Names {
      old: old_nsg.to_string(),
      new: new_nsg.to_string(),
    },
    firewall_group: FirewallGroups {
      old: group(&old.firewall),
      new: group(&new.firewall),
    },
    nsg: diff_keyed(
      &nsg_rules(old_ir, &old.nsg),
      &nsg_rules(new_ir, &new.nsg),
      |r| (r.direction.clone(), r.name.clone()),
      &["direction", "name", SHOWN_ONLY[0], SHOWN_ONLY[1]],
    ),
    firewall: diff_keyed(
      &firewall_rules(old_ir, &old.firewall),
      &firewall_rules(new_ir, &new.firewall),
      |r| (r.collection.clone(), r.name.clone()),
      &["collection", "name", SHOWN_ONLY[0], SHOWN_ONLY[1]],
    ),
    managed_network: diff_keyed(
      &managed_rules(old.managed.as_ref()),
      &managed_rules(new.managed.as_ref()),
      |r| r.name.clone(),
      &["name"],
    ),
  }
}

/// The purpose and documents of the IR flow a rule carries; a rule amlnet adds on its own
/// (the final deny) says what it is.
fn why(ir: &Ir, flow: Option<&str>, description: &str) -> (String, Vec<String>) {
  match flow.and_then(|id| ir.flows.iter().find(|f| f.id == id)) {
    Some(f) => (f.purpose.clone(), f.sources.clone()),
    None => (description.to_string(), Vec::new()),
  }
}

fn nsg_rules(ir: &Ir, rules: &[SecurityRule]) -> Vec<NsgRule> {
  rules
    .iter()
    .map(|r| (r, why(ir, r.flow.as_deref(), &r.description)))
    .map(|(r, (purpose, documents))| NsgRule {
      name: r.name.clone(),
      priority: r.priority,
      direction: r.direction.as_str().to_string(),
      access: r.access.as_str().to_string(),
      protocol: r.protocol.as_str().to_string(),
      source: r.source.to_string(),
      destination: r.destination.to_string(),
      ports: r.ports.strings(),
      purpose,
      documents,
    })
    .collect()
}

fn firewall_rules(ir: &Ir, g: &RuleCollectionGroup) -> Vec<FirewallRule> {
  let network = g.network.rules.iter().map(|r| {
    let (purpose, documents) = why(ir, r.flow.as_deref(), &r.description);
    FirewallRule {
      collection: g.network.name.clone(),
      collection_priority: g.network.priority,
      name: r.name.clone(),
      kind: "network".to_string(),
      protocols: r.protocols.iter().map(|p| p.as_str().to_string()).collect(),
      source_addresses: r.source_addresses.iter().map(ToString::to_string).collect(),
      destination: match &r.destination {
        Destination::Addresses(e) => crate::target::texts(e),
        Destination::Fqdns(n) => n.clone(),
      },
      ports: r.ports.strings(),
      purpose,
      documents,
    }
  });
  let application = g.application.rules.iter().map(|r| {
    let (purpose, documents) = why(ir, r.flow.as_deref(), &r.description);
    FirewallRule {
      collection: g.application.name.clone(),
      collection_priority: g.application.priority,
      name: r.name.clone(),
      kind: "application".to_string(),
      protocols: r
        .protocols
        .iter()
        .map(|(p, port)| format!("{}:{port}", p.as_str()))
        .collect(),
      source_addresses: r.source_addresses.iter().map(ToString::to_string).collect(),
      destination: r.target_fqdns.clone(),
      ports: r.protocols.iter().map(|(_, port)| port.to_string()).collect(),
      purpose,
      documents,
    }
  });
  network.chain(application).collect()
}

fn managed_rules(m: Option<&ManagedNetwork>) -> Vec<ManagedRule> {
  m.iter()
    .flat_map(|m| &m.rules)
    .map(|r| ManagedRule {
      name: r.name.clone(),
      rule_type: r.destination.kind().to_string(),
      destination: managed_destination(&r.destination),
    })
    .collect()
}

/// A managed rule's destination in one line: "pypi.org TCP 80,443", "AzureMonitor TCP 443",
/// "Microsoft.Storage/…/blob".
pub fn managed_destination(d: &managed::Destination) -> String {
  match d {
    managed::Destination::Fqdn(name) => format!("{name} TCP 80,443"),
    managed::Destination::ServiceTag { tag, protocol, ports } => {
      format!("{tag} {} {}", protocol.as_str(), ports.strings().join(","))
    }
    managed::Destination::PrivateEndpoint {
      resource_id,
      subresource,
    } => format!("{resource_id} ({subresource})"),
  }
}
