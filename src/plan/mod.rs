//! IR → target models: which rules each target holds, with their names and priorities,
//! the route tables and subnet associations (network), and notes for what a target cannot express. Computed once per compile (`Plan::new`);
//! every backend renders the same `Plan`, so ARM, Terraform, Bicep and az CLI outputs of
//! one profile carry the same rules, names and priorities, and say each note once.
//!
//! Never renders text and never reads the profile, the model or the catalog.

pub mod firewall;
pub mod managed;
pub mod names;
pub mod network;
pub mod nsg;

use crate::ir::{Diagnostic, Flow, Ir, Severity};
use crate::target::firewall::RuleCollectionGroup;
use crate::target::managed::ManagedNetwork;
use crate::target::network::Network;
use crate::target::nsg::SecurityRule;

pub use names::{description, identifier, rule_name, Labels};

/// What every target holds for one IR.
#[derive(Clone, Debug)]
pub struct Plan {
  /// NSG security rules, inbound then outbound, each in priority order.
  pub nsg: Vec<SecurityRule>,
  pub firewall: RuleCollectionGroup,
  /// The workspace managed VNet's outbound rules, when the workspace uses one.
  pub managed: Option<ManagedNetwork>,
  /// The route tables and the subnets associated with the NSG and a route table.
  pub network: Network,
  /// Notes of the plan, each said once: what a target cannot express and what covers it,
  /// and errors where Azure would refuse the plan.
  pub notes: Vec<Diagnostic>,
}

impl Plan {
  pub fn new(ir: &Ir) -> Plan {
    let mut notes = Notes::default();
    managed_note(ir, &mut notes);
    let nsg = nsg::rules(ir);
    nsg::notes(ir, &nsg, &mut notes);
    let firewall = firewall::plan(ir, &mut notes);
    let managed = managed::plan(ir, &mut notes);
    let network = network::plan(ir);
    Plan {
      nsg,
      firewall,
      managed,
      network,
      notes: notes.0,
    }
  }
}

/// Notes in the order they are found, duplicates dropped.
#[derive(Debug, Default)]
pub struct Notes(Vec<Diagnostic>);

impl Notes {
  pub fn push(&mut self, severity: Severity, code: &str, message: impl Into<String>) {
    let note = Diagnostic {
      severity,
      code: code.to_string(),
      message: message.into(),
      location: String::new(),
      sources: Vec::new(),
    };
    if !self.0.contains(&note) {
      self.0.push(note);
    }
  }
}

/// Flows of the customer VNet; those of managed compute belong to managed-network rules.
pub fn customer_flows(ir: &Ir) -> impl Iterator<Item = &Flow> {
  ir.flows.iter().filter(|f| !f.is_managed())
}

/// The note every customer-VNet format gives for flows it leaves to the managed network.
fn managed_note(ir: &Ir, notes: &mut Notes) {
  let ids: Vec<&str> = ir
    .flows
    .iter()
    .filter(|f| f.is_managed())
    .map(|f| f.id.as_str())
    .collect();
  list_note(
    notes,
    Severity::Info,
    "PLAN001",
    "flows of compute in the workspace managed VNet are managed-network rules (managed-network/workspace.yml), not NSG or firewall rules",
    &ids,
  );
}

/// A note naming the flows (or peers) it concerns; none when the list is empty.
fn list_note(notes: &mut Notes, severity: Severity, code: &str, text: &str, items: &[&str]) {
  if !items.is_empty() {
    notes.push(severity, code, format!("{text}: {}", items.join(", ")));
  }
}
