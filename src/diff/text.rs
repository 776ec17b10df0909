//! The terminal view of a `Diff`: header, access changes, deployed rules that change, flows,
//! DNS, diagnostics, settings, summary. Every string from an input goes through
//! `escape_hazards` (no raw control, line-break or bidi character reaches the terminal);
//! colour is ANSI escapes, only when the caller asks.

use std::fmt::Write as _;

use super::access::decisions_text;
use super::changes::{Changed, Changes, Diff, FieldChange, FlowChange, HostRecordSet, Kind, RecordSet};
use super::render::{access_marker, change_lines, header_rows, kinds_text, peer_kind, ports, summary_line};
use super::rules::{FirewallRule, ManagedRule, NsgRule};
use crate::ir::{DnsZone, Flow, Forwarder};
use crate::syntax::escape_hazards as shown;

struct Paint(bool);

impl Paint {
  /// `s` with its hazards escaped (`shown`), then coloured when asked.
  fn paint(&self, code: &str, s: &str) -> String {
    let s = shown(s);
    if self.0 {
      format!("\x1b[{code}m{s}\x1b[0m")
    } else {
      s.into_owned()
    }
  }
  fn bold(&self, s: &str) -> String {
    self.paint("1", s)
  }
  fn dim(&self, s: &str) -> String {
    self.paint("2", s)
  }
  fn green(&self, s: &str) -> String {
    self.paint("32", s)
  }
  fn red(&self, s: &str) -> String {
    self.paint("31", s)
  }
  fn yellow(&self, s: &str) -> String {
    self.paint("33", s)
  }
  fn cyan(&self, s: &str) -> String {
    self.paint("36", s)
  }
}

fn short_hash(hash: &str) -> String {
  let hex = hash.rsplit(':').next().unwrap_or(hash);
  hex.chars().take(12).collect()
}

pub fn text(diff: &Diff, color: bool) -> String {
  let p = Paint(color);
  let mut out = String::new();
  let (old, new) = (&diff.old, &diff.new);
  let _ = writeln!(
    out,
    "{}",
    p.red(&format!("--- old  {} ({})", old.path, old.input))
  );
  let _ = writeln!(
    out,
    "{}",
    p.green(&format!("+++ new  {} ({})", new.path, new.input))
  );
  for (label, _, before, after) in header_rows(old, new) {
    let (before, after) = if label == "profile hash" {
      (short_hash(&before), short_hash(&after))
    } else {
      (before, after)
    };
    let value = if before == after {
      shown(&before).into_owned()
    } else {
      p.yellow(&format!("{before} → {after}"))
    };
    let _ = writeln!(out, "  {}  {value}", p.dim(&format!("{label:<12}")));
  }

  access(&mut out, &p, diff);
  deployed(&mut out, &p, diff);

  let flows = &diff.flows;
  section(&mut out, &p, "Added flows", flows.added.len());
  for f in &flows.added {
    flow_line(&mut out, &p, '+', f, Some(&ports(&f.ports.strings())));
    flow_details(&mut out, &p, f, &[]);
  }
  section(&mut out, &p, "Removed flows", flows.removed.len());
  for f in &flows.removed {
    flow_line(&mut out, &p, '-', f, Some(&ports(&f.ports.strings())));
    flow_details(&mut out, &p, f, &[]);
  }
  for (title, list) in [
    ("Widened flows", &flows.widened),
    ("Narrowed flows", &flows.narrowed),
    ("Changed flows", &flows.changed),
  ] {
    section(&mut out, &p, title, list.len());
    for c in list {
      flow_change(&mut out, &p, c);
    }
  }

  let dns = &diff.dns;
  changes_section(&mut out, &p, "DNS zones", &dns.zones, |z: &DnsZone| {
    z.name.clone()
  });
  changes_section(&mut out, &p, "DNS records", &dns.records, |r: &RecordSet| {
    format!(
      "{} {} {}  (zone {}, {})",
      r.name,
      r.record_type,
      r.values.join(", "),
      r.zone,
      r.resource
    )
  });
  changes_section(
    &mut out,
    &p,
    "Host records",
    &dns.host_records,
    |h: &HostRecordSet| format!("{} {}  ({})", h.name, h.values.join(", "), h.resource),
  );
  changes_section(
    &mut out,
    &p,
    "DNS forwarders",
    &dns.forwarders,
    |f: &Forwarder| {
      let on_prem = if f.on_premises { "  (on-premises too)" } else { "" };
      format!("{}{on_prem}", f.zone)
    },
  );

  let diags = &diff.diagnostics;
  section(
    &mut out,
    &p,
    "Diagnostics",
    diags.added.len() + diags.removed.len(),
  );
  for (sign, list) in [('+', &diags.added), ('-', &diags.removed)] {
    for d in list {
      let at = if d.location.is_empty() {
        String::new()
      } else {
        format!(" {}", d.location)
      };
      let line = format!("  {sign} {} {}{at}: {}", d.severity, d.code, d.message);
      let _ = writeln!(out, "{}", if sign == '+' { p.green(&line) } else { p.red(&line) });
    }
  }

  section(&mut out, &p, "Settings", diff.settings.len());
  for c in &diff.settings {
    let _ = writeln!(
      out,
      "  {} {}  {}",
      p.yellow("~"),
      shown(&c.field),
      shown(&change_lines(c).join(", "))
    );
  }

  let _ = writeln!(out, "\n{}", p.bold(&summary_line(diff)));
  out
}

fn section(out: &mut String, p: &Paint, title: &str, count: usize) {
  if count > 0 {
    let _ = writeln!(out, "\n{}", p.bold(&format!("{title} ({count})")));
  }
}

/// "+ outbound tcp 443, 8787 → AzureMachineLearning (service tag)"; inbound points the other way.
fn flow_line(out: &mut String, p: &Paint, sign: char, f: &Flow, port_text: Option<&str>) {
  let arrow = match f.direction {
    crate::ir::Direction::Outbound => "→",
    crate::ir::Direction::Inbound => "←",
  };
  let optional = if f.required { "" } else { "  [optional]" };
  let port_text = port_text.map(|t| format!(" {t}")).unwrap_or_default();
  let line = format!(
    "  {sign} {} {}{port_text} {arrow} {} ({}){optional}",
    f.direction.as_str(),
    f.protocol.as_str(),
    f.peer,
    peer_kind(f.peer_kind())
  );
  let line = match sign {
    '+' => p.green(&line),
    '-' => p.red(&line),
    '>' => p.yellow(&line),
    '<' => p.cyan(&line),
    _ => p.bold(&line),
  };
  let _ = writeln!(out, "{line}");
}

fn detail(out: &mut String, p: &Paint, label: &str, value: &str) {
  details(out, p, label, &[value.to_string()]);
}

/// A labelled value over several lines, continuation lines aligned under the first.
fn details(out: &mut String, p: &Paint, label: &str, lines: &[String]) {
  details_with(out, p, label, lines, |s| s.to_string());
}

/// `details`, each line (hazards escaped) passed through `paint`.
fn details_with(out: &mut String, p: &Paint, label: &str, lines: &[String], paint: impl Fn(&str) -> String) {
  let label = shown(label);
  let width = label.chars().count().max(9);
  for (i, line) in lines.iter().enumerate() {
    let label: &str = if i == 0 { &label } else { "" };
    let line = paint(&shown(line));
    let _ = writeln!(out, "      {}  {line}", p.dim(&format!("{label:<width$}")));
  }
}

/// Purpose and sources, unless a changed-field line already shows them.
fn flow_details(out: &mut String, p: &Paint, f: &Flow, changed: &[FieldChange]) {
  let shown = |name: &str| changed.iter().any(|c| c.field == name);
  if !shown("purpose") {
    detail(out, p, "purpose", &f.purpose);
  }
  if !shown("sources") {
    let sources = if f.sources.is_empty() {
      vec!["(none)".to_string()]
    } else {
      f.sources.clone()
    };
    details(out, p, "sources", &sources);
  }
}

fn flow_change(out: &mut String, p: &Paint, c: &FlowChange) {
  let (sign, port_text) = match (c.ports_added.is_empty(), c.ports_removed.is_empty()) {
    (true, true) => ('~', ports(&c.new.ports.strings())),
    (false, true) => (
      '>',
      format!(
        "{} → {}",
        ports(&c.old.ports.strings()),
        ports(&c.new.ports.strings())
      ),
    ),
    (true, false) => (
      '<',
      format!(
        "{} → {}",
        ports(&c.old.ports.strings()),
        ports(&c.new.ports.strings())
      ),
    ),
    (false, false) => (
      '~',
      format!(
        "{} → {}",
        ports(&c.old.ports.strings()),
        ports(&c.new.ports.strings())
      ),
    ),
  };
  // Ports go on their own line here: "443 → 443, 8787" next to the peer arrow would read as a path.
  flow_line(out, p, sign, &c.new, None);
  detail(out, p, "ports", &port_text);
  if !c.ports_added.is_empty() {
    details_with(out, p, "+ports", &[c.ports_added.join(", ")], |s| p.yellow(s));
  }
  if !c.ports_removed.is_empty() {
    details_with(out, p, "-ports", &[c.ports_removed.join(", ")], |s| p.cyan(s));
  }
  for f in &c.fields {
    details(out, p, &f.field, &change_lines(f));
  }
  flow_details(out, p, &c.new, &c.fields);
}

fn changes_section<T>(
  out: &mut String,
  p: &Paint,
  title: &str,
  changes: &Changes<T>,
  line: impl Fn(&T) -> String,
) {
  if changes.is_empty() {
    return;
  }
  section(out, p, title, changes.len());
  for t in &changes.added {
    let _ = writeln!(out, "{}", p.green(&format!("  + {}", line(t))));
  }
  for t in &changes.removed {
    let _ = writeln!(out, "{}", p.red(&format!("  - {}", line(t))));
  }
  for Changed { fields, new, .. } in &changes.changed {
    let _ = writeln!(out, "{}", p.bold(&format!("  ~ {}", line(new))));
    for f in fields {
      details(out, p, &f.field, &change_lines(f));
    }
  }
}

/// "> [widened] NSG nsg-a outbound: from * now allowed", then the traffic, one destination a
/// line, and the rules that decide it on each side; changes without traffic in one line.
fn access(out: &mut String, p: &Paint, diff: &Diff) {
  section(out, p, "Access changes", diff.access.len());
  for a in &diff.access {
    let marker = access_marker(&a.kinds);
    let head = match a.traffic.first() {
      Some(t) => {
        let verb = if a.kinds.contains(&Kind::Widened) {
          "now allowed"
        } else {
          "now denied"
        };
        format!("from {}, {verb}", t.source)
      }
      None => a.summary.clone(),
    };
    let line = format!("  {marker} [{}] {}: {head}", kinds_text(&a.kinds), a.scope);
    let line = if a.kinds.contains(&Kind::Widened) {
      p.yellow(&line)
    } else if a.kinds.contains(&Kind::Narrowed) {
      p.cyan(&line)
    } else {
      p.bold(&line)
    };
    let _ = writeln!(out, "{line}");
    if !a.traffic.is_empty() {
      let to: Vec<String> = a.traffic.iter().map(|t| t.text()).collect();
      details(out, p, "to", &to);
      detail(out, p, "now by", &decisions_text(&a.new));
      detail(out, p, "was by", &decisions_text(&a.old));
    }
  }
}

/// The deployed rules that change, one section per target.
fn deployed(out: &mut String, p: &Paint, diff: &Diff) {
  let rules = &diff.rules;
  let n = &rules.nsg_name;
  let title = if n.old == n.new {
    format!("NSG rules ({})", n.new)
  } else {
    format!("NSG rules ({} → {})", n.old, n.new)
  };
  changes_section(out, p, &title, &rules.nsg, |r: &NsgRule| {
    format!(
      "{} {}  {} {} {} {} → {} port {}",
      r.name,
      r.priority,
      r.direction,
      r.access,
      r.protocol,
      r.source,
      r.destination,
      r.ports.join(",")
    )
  });
  let g = &rules.firewall_group;
  let title = if g.old == g.new {
    format!(
      "Firewall rules ({}/{}, priority {})",
      g.new.policy, g.new.name, g.new.priority
    )
  } else {
    format!(
      "Firewall rules ({}/{}, priority {} → {}/{}, priority {})",
      g.old.policy, g.old.name, g.old.priority, g.new.policy, g.new.name, g.new.priority
    )
  };
  changes_section(out, p, &title, &rules.firewall, |r: &FirewallRule| {
    format!(
      "{}/{}  {} {} {} → {} port {}",
      r.collection,
      r.name,
      r.kind,
      r.protocols.join(","),
      r.source_addresses.join(","),
      r.destination.join(","),
      r.ports.join(",")
    )
  });
  changes_section(
    out,
    p,
    "Managed-network rules",
    &rules.managed_network,
    |r: &ManagedRule| format!("{}  {} {}", r.name, r.rule_type, r.destination),
  );
}
