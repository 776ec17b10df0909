//! Backends: one file per output format, each a pure function of the IR.
//!
//! A backend takes `&Ir` and appends artifacts (relative path + text) and notes to an
//! `Output`. It never reads the profile, the model or the catalog, and it does no I/O:
//! `main.rs` writes the artifacts. A flow a target cannot express is never dropped
//! silently: the backend adds a note saying which flow, why, and what covers it.

use crate::ir::{Diagnostic, Ir, Severity};

mod azcli;
mod bicep;
mod bind_zones;
mod firewall;
mod forwarders;
mod fqdn_list;
mod host_records;
mod managed_network;
mod nsg;
mod private_dns;
mod terraform;

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
  pub fn add(&mut self, path: impl Into<String>, contents: impl Into<String>) {
    self.artifacts.push(Artifact { path: path.into(), contents: contents.into() });
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
}

impl Target {
  pub const ALL: [Target; 11] = [
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
    }
  }

  pub fn render(self, ir: &Ir, out: &mut Output) {
    match self {
      Target::Nsg => nsg::render(ir, out),
      Target::Firewall => firewall::render(ir, out),
      Target::FqdnList => fqdn_list::render(ir, out),
      Target::PrivateDns => private_dns::render(ir, out),
      Target::BindZones => bind_zones::render(ir, out),
      Target::HostRecords => host_records::render(ir, out),
      Target::Forwarders => forwarders::render(ir, out),
      Target::Terraform => terraform::render(ir, out),
      Target::Bicep => bicep::render(ir, out),
      Target::AzCli => azcli::render(ir, out),
      Target::ManagedNetwork => managed_network::render(ir, out),
    }
  }
}

/// Render every target. Artifacts come out in `Target::ALL` order, each backend's in its own order.
pub fn render_all(ir: &Ir) -> Output {
  let mut out = Output::default();
  for target in Target::ALL {
    target.render(ir, &mut out);
  }
  out
}
