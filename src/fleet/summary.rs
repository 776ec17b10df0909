//! The fleet summary: workspaces, rules per target, what the hub shares, notes; as text
//! (`compile` without `--format`) and as JSON (`--format json`). Takes a compiled fleet;
//! returns strings (the CLI prints them). It counts; it never decides.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::firewall::HubFirewall;
use super::load::IpGroupMode;
use super::{Fleet, Spoke};
use crate::ir::{Diagnostic, Severity};

/// A spoke's warnings (the IR's and the backends'): infos stay in its own compile summary.
fn warnings(spoke: &Spoke) -> impl Iterator<Item = &Diagnostic> {
  let c = &spoke.compiled;
  c.ir
    .diagnostics
    .iter()
    .chain(&c.output.notes)
    .filter(|d| d.severity == Severity::Warning)
}

pub fn json(fleet: &Fleet) -> String {
  let fw = &fleet.firewall;
  let workspaces: Vec<Value> = fleet
    .spokes
    .iter()
    .map(|s| {
      let ir = &s.compiled.ir;
      let network = s.firewall.network.rules.len();
      let application = s.firewall.application.rules.len();
      json!({
        "name": ir.profile,
        "workspace": ir.settings.workspace_name,
        "cloud": ir.cloud.name(),
        "region": ir.region,
        "address_space": ir.settings.address_space.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "nsg_rules": s.compiled.plan.nsg.len(),
        "route_tables": s.compiled.plan.network.route_tables.len(),
        "hub_network_rules": network,
        "hub_application_rules": application,
        "dns_records": ir.dns_records.len(),
        "host_records": ir.host_records.len(),
        "warnings": warnings(s).map(|d| json!({
          "code": d.code,
          "message": d.message,
          "location": d.location,
        })).collect::<Vec<_>>(),
      })
    })
    .collect();
  let dns = fleet.dns.ir.as_ref();
  let mut doc = json!({
    "fleet": fleet.hub.name,
    "cloud": fleet.hub.cloud.name(),
    "workspaces": workspaces,
    "hub": {
      "firewall": {
        "policy": fw.policy,
        "rule_collection_group": fw.name,
        "priority": fw.priority,
        "ip_groups": fw.ip_groups.len(),
        "network_rules": fw.network.len(),
        "application_rules": fw.application.len(),
        "shared_rules": fw.shared(),
      },
      "dns": {
        "mode": fleet.hub.dns.as_str(),
        "zones": dns.map_or(0, |d| d.dns_zones.len()),
        "records": dns.map_or(0, |d| d.dns_records.len()),
        "host_records": dns.map_or(0, |d| d.host_records.len()),
        "vnet_links": fleet.dns.links.len() * dns.map_or(0, |d| d.dns_zones.len()),
      },
    },
    "notes": fleet.notes.iter().map(|d| json!({
      "severity": d.severity.to_string(),
      "code": d.code,
      "message": d.message,
      "location": d.location,
    })).collect::<Vec<_>>(),
  });
  if fw.mode == IpGroupMode::PerRuleSet {
    // Per workspace (the default) the document stays as it always was.
    let groups: Vec<Value> = fw
      .ip_groups
      .iter()
      .map(|g| {
        json!({
          "name": g.name,
          "workspaces": g.workspaces,
          "addresses": g.addresses.len(),
          "rules": rules_of(fw, &g.name),
        })
      })
      .collect();
    doc["hub"]["firewall"]["ip_group_mode"] = fw.mode.as_str().into();
    doc["hub"]["firewall"]["ip_group_sets"] = groups.into();
  }
  crate::syntax::json::document(&doc)
}

fn counted(n: usize, what: &str) -> String {
  match (n, what.ends_with('s')) {
    (1, _) => format!("1 {what}"),
    (_, true) => format!("{n} {what}es"),
    _ => format!("{n} {what}s"),
  }
}

/// How many hub rules take this IP Group as a source.
fn rules_of(fw: &HubFirewall, group: &str) -> usize {
  let has = |groups: &[String]| groups.iter().any(|g| g == group);
  fw.network.iter().filter(|r| has(&r.ip_groups)).count()
    + fw.application.iter().filter(|r| has(&r.ip_groups)).count()
}

pub fn text(fleet: &Fleet, out: Option<&std::path::Path>) -> String {
  let fw = &fleet.firewall;
  let mut s = format!(
    "fleet {} ({}): {} workspaces\n",
    fleet.hub.name,
    fleet.hub.cloud.name(),
    fleet.spokes.len()
  );
  for spoke in &fleet.spokes {
    let ir = &spoke.compiled.ir;
    let _ = writeln!(
      s,
      "  {} ({} {}): {} NSG rules, {} hub firewall rules, {} private DNS records",
      ir.profile,
      ir.cloud,
      ir.region,
      spoke.compiled.plan.nsg.len(),
      spoke.firewall.network.rules.len() + spoke.firewall.application.rules.len(),
      ir.dns_records.len()
    );
    // IR locations are relative to the spoke's directory; shown from the cwd, to click on.
    let dir = spoke.path.parent().filter(|p| !p.as_os_str().is_empty());
    for d in warnings(spoke) {
      let at = match dir {
        _ if d.location.is_empty() => String::new(),
        Some(dir) if !std::path::Path::new(&d.location).is_absolute() => {
          format!(" ({}/{})", dir.display(), d.location)
        }
        _ => format!(" ({})", d.location),
      };
      let _ = writeln!(s, "    {}[{}]: {}{at}", d.severity, d.code, d.message);
    }
  }
  let spoke_rules: usize = fleet
    .spokes
    .iter()
    .map(|s| s.firewall.network.rules.len() + s.firewall.application.rules.len())
    .sum();
  let _ = writeln!(
    s,
    "hub firewall: {} / {} at priority {}: {} IP groups{}, {} network and {} application rules ({} shared by several workspaces; {spoke_rules} rules before merging)",
    fw.policy,
    fw.name,
    fw.priority,
    fw.ip_groups.len(),
    match fw.mode {
      IpGroupMode::PerWorkspace => "",
      IpGroupMode::PerRuleSet => " (one per rule set)",
    },
    fw.network.len(),
    fw.application.len(),
    fw.shared()
  );
  if fw.mode == IpGroupMode::PerRuleSet {
    for g in &fw.ip_groups {
      let _ = writeln!(
        s,
        "  {}: {}, {}, {}",
        g.name,
        counted(g.workspaces.len(), "workspace"),
        counted(g.addresses.len(), "address"),
        counted(rules_of(fw, &g.name), "rule")
      );
    }
  }
  if let Some(dns) = &fleet.dns.ir {
    let _ = writeln!(
      s,
      "hub dns ({}): {} zones, {} records, {} host records, {} spoke VNet links",
      fleet.hub.dns.as_str(),
      dns.dns_zones.len(),
      dns.dns_records.len(),
      dns.host_records.len(),
      fleet.dns.links.len()
    );
  }
  for d in &fleet.notes {
    let at = if d.location.is_empty() {
      String::new()
    } else {
      format!(" ({})", d.location)
    };
    let _ = writeln!(s, "{}[{}]: {}{at}", d.severity, d.code, d.message);
  }
  let files = fleet.hub_files + fleet.spokes.iter().map(|s| s.files).sum::<usize>();
  match out {
    Some(dir) => {
      let _ = writeln!(s, "wrote {files} artifacts to {}", dir.display());
    }
    None => {
      let _ = writeln!(s, "{files} artifacts (use --out DIR to write them)");
    }
  }
  s
}
