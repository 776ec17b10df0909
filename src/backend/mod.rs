//! Backends: one file per output format, each a pure function of the IR and its plan.
//!
//! A backend takes `&Ir` and the `Plan` computed once from it, and appends artifacts
//! (relative path + text) and notes to an `Output`. It renders; it never decides which rules
//! a target holds (that is `plan`), never reads the profile, the model or the catalog, and
//! does no I/O (`io` writes the artifacts). A flow a target cannot express is never
//! dropped silently: the plan (or, for DNS, the backend) adds a note saying which flow, why,
//! and what covers it.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use ipnet::IpNet;

use crate::ir::{Diagnostic, Ir, Severity};
use crate::net::PortSet;
use crate::plan::Plan;
use crate::target::firewall::NetworkProtocol;
use crate::target::Endpoint;

mod arm;
mod azcli;
mod bicep;
mod bicep_network;
mod bind_zones;
mod diagram;
mod firewall;
mod forwarders;
mod fqdn_list;
mod host_records;
mod managed_network;
mod network;
mod nsg;
mod private_dns;
mod rules_table;
mod terraform;
mod terraform_network;
mod zone_file;

/// One file of output, `path` relative to the output directory (always `/`-separated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
  pub path: String,
  pub contents: String,
}

#[derive(Debug, Default)]
pub struct Output {
  pub artifacts: Vec<Artifact>,
  pub notes: Vec<Diagnostic>,
}

impl Output {
  /// Two DNS backends may report the same problem with the IR (e.g. an invalid SOA); say it
  /// once, keeping the first.
  pub fn say_each_note_once(&mut self) {
    let fresh: Vec<bool> = (0..self.notes.len())
      .map(|i| !self.notes[..i].contains(&self.notes[i]))
      .collect();
    let mut keep = fresh.into_iter();
    self.notes.retain(|_| keep.next().unwrap_or(true));
  }

  pub fn add(&mut self, path: impl Into<String>, contents: impl Into<String>) {
    self.artifacts.push(Artifact {
      path: path.into(),
      contents: contents.into(),
    });
  }

  pub fn note(&mut self, severity: Severity, code: &str, message: impl Into<String>) {
    self.notes.push(Diagnostic {
      severity,
      code: code.to_string(),
      message: message.into(),
      location: String::new(),
      sources: Vec::new(),
    });
  }
}

/// Every output format, in the order artifacts are written and listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
  Nsg,
  Firewall,
  FqdnList,
  PrivateDns,
  BindZones,
  HostRecords,
  Forwarders,
  Terraform,
  Bicep,
  AzCli,
  ManagedNetwork,
  RulesTable,
  Diagram,
}

impl Target {
  pub const ALL: [Target; 13] = [
    Target::Nsg,
    Target::Firewall,
    Target::FqdnList,
    Target::PrivateDns,
    Target::BindZones,
    Target::HostRecords,
    Target::Forwarders,
    Target::Terraform,
    Target::Bicep,
    Target::AzCli,
    Target::ManagedNetwork,
    Target::RulesTable,
    Target::Diagram,
  ];

  pub fn name(self) -> &'static str {
    match self {
      Target::Nsg => "nsg",
      Target::Firewall => "firewall",
      Target::FqdnList => "fqdn",
      Target::PrivateDns => "private-dns",
      Target::BindZones => "bind",
      Target::HostRecords => "hosts",
      Target::Forwarders => "forwarders",
      Target::Terraform => "terraform",
      Target::Bicep => "bicep",
      Target::AzCli => "azcli",
      Target::ManagedNetwork => "managed-network",
      Target::RulesTable => "rules",
      Target::Diagram => "diagram",
    }
  }

  pub fn render(self, ir: &Ir, plan: &Plan, out: &mut Output) {
    match self {
      Target::Nsg => nsg::render(ir, plan, out),
      Target::Firewall => firewall::render(ir, plan, out),
      Target::FqdnList => fqdn_list::render(ir, plan, out),
      Target::PrivateDns => private_dns::render(ir, plan, out),
      Target::BindZones => bind_zones::render(ir, plan, out),
      Target::HostRecords => host_records::render(ir, plan, out),
      Target::Forwarders => forwarders::render(ir, plan, out),
      Target::Terraform => terraform::render(ir, plan, out),
      Target::Bicep => bicep::render(ir, plan, out),
      Target::AzCli => azcli::render(ir, plan, out),
      Target::ManagedNetwork => managed_network::render(ir, plan, out),
      Target::RulesTable => rules_table::render(ir, plan, out),
      Target::Diagram => diagram::render(ir, plan, out),
    }
  }
}

/// Render every target from one plan. Artifacts come out in `Target::ALL` order, each
/// backend's in its own order; the plan's notes come first.
pub fn render_all(ir: &Ir, plan: &Plan) -> Output {
  let mut out = Output {
    artifacts: Vec::new(),
    notes: plan.notes.clone(),
  };
  for target in Target::ALL {
    target.render(ir, plan, &mut out);
  }
  out.say_each_note_once();
  out
}

/// Lists of the plan's typed values that text backends write as lists of string literals,
/// each item in its target spelling; no intermediate `Vec<String>`.
pub(super) trait Items {
  fn is_empty(&self) -> bool;
  fn each(&self, f: &mut dyn FnMut(&str));
}

/// Calls `f` with each item's `Display` spelling, formatted into one reused buffer.
fn each_shown<T: std::fmt::Display>(items: impl Iterator<Item = T>, f: &mut dyn FnMut(&str)) {
  let mut tmp = String::new();
  for item in items {
    tmp.clear();
    let _ = write!(tmp, "{item}");
    f(&tmp);
  }
}

impl Items for Vec<String> {
  fn is_empty(&self) -> bool {
    Vec::is_empty(self)
  }

  fn each(&self, f: &mut dyn FnMut(&str)) {
    self.iter().for_each(|s| f(s));
  }
}

impl Items for Vec<Endpoint> {
  fn is_empty(&self) -> bool {
    Vec::is_empty(self)
  }

  fn each(&self, f: &mut dyn FnMut(&str)) {
    each_shown(self.iter(), f);
  }
}

impl Items for Vec<IpNet> {
  fn is_empty(&self) -> bool {
    Vec::is_empty(self)
  }

  fn each(&self, f: &mut dyn FnMut(&str)) {
    each_shown(self.iter(), f);
  }
}

impl Items for Vec<Ipv4Addr> {
  fn is_empty(&self) -> bool {
    Vec::is_empty(self)
  }

  fn each(&self, f: &mut dyn FnMut(&str)) {
    each_shown(self.iter(), f);
  }
}

impl Items for Vec<NetworkProtocol> {
  fn is_empty(&self) -> bool {
    Vec::is_empty(self)
  }

  fn each(&self, f: &mut dyn FnMut(&str)) {
    self.iter().for_each(|p| f(p.as_str()));
  }
}

impl Items for PortSet {
  fn is_empty(&self) -> bool {
    PortSet::is_empty(self)
  }

  fn each(&self, f: &mut dyn FnMut(&str)) {
    each_shown(self.ranges(), f);
  }
}

/// "1 route", "2 routes".
fn counted(n: usize, what: &str) -> String {
  if n == 1 {
    format!("1 {what}")
  } else {
    format!("{n} {what}s")
  }
}

/// One line per rule-bearing target: how many rules or records it holds, for the compile summary.
pub fn rule_counts(ir: &Ir, plan: &Plan) -> Vec<String> {
  let inbound = plan
    .nsg
    .iter()
    .filter(|r| r.direction == crate::ir::Direction::Inbound)
    .count();
  let fqdns = ir
    .flows
    .iter()
    .filter(|f| f.peer_kind() == crate::ir::PeerKind::Fqdn)
    .count();
  vec![
    format!(
      "nsg: {} rules ({inbound} inbound, {} outbound)",
      plan.nsg.len(),
      plan.nsg.len() - inbound
    ),
    format!(
      "firewall: {} network rules, {} application rules",
      plan.firewall.network.rules.len(),
      plan.firewall.application.rules.len()
    ),
    format!(
      "network: NSG on {}, {} with {}",
      counted(plan.network.subnets.len(), "subnet"),
      counted(plan.network.route_tables.len(), "route table"),
      counted(
        plan.network.route_tables.iter().map(|t| t.routes.len()).sum(),
        "route"
      )
    ),
    format!("fqdn allowlist: {fqdns} entries"),
    format!(
      "private dns: {} A records in {} zones",
      ir.dns_records.len(),
      ir.dns_zones.len()
    ),
    format!(
      "custom dns: {} host records, {} forwarded zones",
      ir.host_records.len(),
      ir.dns_forwarders.len()
    ),
  ]
}
