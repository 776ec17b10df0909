//! The Markdown change ticket of a `Diff`: a header table, the access changes, the deployed
//! rules that change per target (NSG rules, firewall rules, managed-network rules), then
//! flows, DNS, diagnostics and settings as tables. Identifiers are code spans and prose is
//! escaped (`syntax::markdown`), so a backtick, a line break, a `|` or an unclosed `<!--`
//! stays inside its span or cell.

use std::fmt::Write as _;

use serde_json::Value;

use serde::Serialize;

use super::access::decisions_text;
use super::changes::{Changes, Diff, FieldChange, RecordSet};
use super::render::{change_lines, header_rows, kinds_text, peer_kind, summary_line, value_text};
use crate::ir::{DnsZone, Flow, Forwarder};
use crate::syntax::markdown;

/// Prose for a table cell (`markdown::cell`): shown as written, nothing inside interpreted,
/// pipes and line breaks kept inside the cell.
fn md(s: &str) -> String {
  markdown::cell(s)
}

/// An identifier (peer, port, zone, code) as a code span for a table cell (`markdown::code_cell`).
fn code(s: &str) -> String {
  markdown::code_cell(s)
}

fn code_list(list: &[String]) -> String {
  if list.is_empty() {
    return "—".to_string();
  }
  list.iter().map(|s| code(s)).collect::<Vec<_>>().join(", ")
}

fn md_lines(list: &[String]) -> String {
  if list.is_empty() {
    return "—".to_string();
  }
  list.iter().map(|s| md(s)).collect::<Vec<_>>().join("<br>")
}

fn md_changes(fields: &[FieldChange]) -> String {
  if fields.is_empty() {
    return "—".to_string();
  }
  fields
    .iter()
    .map(|f| {
      let lines: Vec<String> = change_lines(f).iter().map(|l| md(l)).collect();
      format!("{}: {}", code(&f.field), lines.join("<br>"))
    })
    .collect::<Vec<_>>()
    .join("<br>")
}

fn table(out: &mut String, title: &str, head: &[&str], rows: Vec<Vec<String>>) {
  if rows.is_empty() {
    return;
  }
  let _ = writeln!(out, "\n## {title} ({})\n", rows.len());
  let _ = writeln!(out, "| {} |", head.join(" | "));
  let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
  for row in rows {
    let _ = writeln!(out, "| {} |", row.join(" | "));
  }
}

fn md_peer(f: &Flow) -> String {
  format!("{} ({})", code(&f.peer.to_string()), peer_kind(f.peer_kind()))
}

pub fn markdown(diff: &Diff) -> String {
  let mut out = String::new();
  let (old, new) = (&diff.old, &diff.new);
  // The heading is not a table: plain code spans (`markdown::code`), one line whatever the names hold.
  let title = if old.profile == new.profile {
    markdown::code(&new.profile)
  } else {
    format!(
      "{} → {}",
      markdown::code(&old.profile),
      markdown::code(&new.profile)
    )
  };
  let _ = writeln!(out, "# Network rule changes: {title}\n");
  let _ = writeln!(out, "| | Old | New |");
  let _ = writeln!(out, "|---|---|---|");
  let _ = writeln!(
    out,
    "| Input | {} ({}) | {} ({}) |",
    code(&old.path),
    old.input,
    code(&new.path),
    new.input
  );
  for (_, label, before, after) in header_rows(old, new) {
    let mark = if before == after { "" } else { " **(changed)**" };
    let _ = writeln!(
      out,
      "| {} | {} | {}{mark} |",
      md(label),
      code(&before),
      code(&after)
    );
  }
  // amlnet's own words: counts and kind names, nothing from the inputs.
  let _ = writeln!(out, "\n**Summary:** {}", summary_line(diff));
  access_table(&mut out, diff);
  rule_tables(&mut out, diff);

  let flows = &diff.flows;
  let head = [
    "Direction",
    "Protocol",
    "Ports",
    "Peer",
    "Required",
    "Purpose",
    "Sources",
  ];
  for (title, list) in [("Added flows", &flows.added), ("Removed flows", &flows.removed)] {
    let rows = list
      .iter()
      .map(|f| {
        vec![
          f.direction.as_str().to_string(),
          f.protocol.as_str().to_string(),
          code_list(&f.ports.strings()),
          md_peer(f),
          value_text(&Value::Bool(f.required)),
          md(&f.purpose),
          md_lines(&f.sources),
        ]
      })
      .collect();
    table(&mut out, title, &head, rows);
  }

  // Widened rows never lose ports and narrowed rows never gain any: no empty column for that.
  for (title, list, gained, lost) in [
    ("Widened flows", &flows.widened, true, false),
    ("Narrowed flows", &flows.narrowed, false, true),
    ("Changed flows", &flows.changed, true, true),
  ] {
    let mut head = vec!["Direction", "Protocol", "Peer", "Ports before", "Ports after"];
    head.extend(gained.then_some("Ports added"));
    head.extend(lost.then_some("Ports removed"));
    head.extend(["Other changes", "Purpose", "Sources"]);
    let rows = list
      .iter()
      .map(|c| {
        let mut row = vec![
          c.new.direction.as_str().to_string(),
          c.new.protocol.as_str().to_string(),
          md_peer(&c.new),
          code_list(&c.old.ports.strings()),
          code_list(&c.new.ports.strings()),
        ];
        row.extend(gained.then(|| code_list(&c.ports_added)));
        row.extend(lost.then(|| code_list(&c.ports_removed)));
        row.extend([
          md_changes(&c.fields),
          md(&c.new.purpose),
          md_lines(&c.new.sources),
        ]);
        row
      })
      .collect();
    table(&mut out, title, &head, rows);
  }

  let dns = &diff.dns;
  md_changes_table(
    &mut out,
    "DNS zones",
    &["Zone", "Purpose"],
    &dns.zones,
    |z: &DnsZone| vec![code(&z.name), md(&z.purpose)],
  );
  md_changes_table(
    &mut out,
    "DNS records",
    &["Zone", "Name", "Type", "Values", "Resource"],
    &dns.records,
    |r: &RecordSet| {
      vec![
        code(&r.zone),
        code(&r.name),
        code(&r.record_type),
        code_list(&r.values),
        code(&r.resource),
      ]
    },
  );
  md_changes_table(
    &mut out,
    "Host records",
    &["Name", "Values", "Resource"],
    &dns.host_records,
    |h| vec![code(&h.name), code_list(&h.values), code(&h.resource)],
  );
  md_changes_table(
    &mut out,
    "DNS forwarders",
    &["Zone", "On-premises"],
    &dns.forwarders,
    |f: &Forwarder| vec![code(&f.zone), value_text(&Value::Bool(f.on_premises))],
  );

  let diags = &diff.diagnostics;
  let rows = [("added", &diags.added), ("removed", &diags.removed)]
    .into_iter()
    .flat_map(|(change, list)| {
      list.iter().map(move |d| {
        vec![
          change.to_string(),
          d.severity.to_string(),
          code(&d.code),
          code(&d.location),
          md(&d.message),
        ]
      })
    })
    .collect();
  table(
    &mut out,
    "Diagnostics",
    &["Change", "Severity", "Code", "Location", "Message"],
    rows,
  );

  let rows = diff
    .settings
    .iter()
    .map(|c| vec![code(&c.field), md(&value_text(&c.old)), md(&value_text(&c.new))])
    .collect();
  table(&mut out, "Settings", &["Setting", "Old", "New"], rows);
  out
}

/// One table per DNS list: added, removed and changed rows, with a "Change" column first and a
/// "Details" column when some row changed.
fn md_changes_table<T>(
  out: &mut String,
  title: &str,
  head: &[&str],
  changes: &Changes<T>,
  cells: impl Fn(&T) -> Vec<String>,
) {
  let details = !changes.changed.is_empty();
  let mut full_head = vec!["Change"];
  full_head.extend_from_slice(head);
  full_head.extend(details.then_some("Details"));
  let mut rows = Vec::new();
  let plain = [("added", &changes.added), ("removed", &changes.removed)];
  for (change, list) in plain {
    for t in list {
      let mut row = vec![change.to_string()];
      row.extend(cells(t));
      row.extend(details.then(|| "—".to_string()));
      rows.push(row);
    }
  }
  for c in &changes.changed {
    let mut row = vec!["changed".to_string()];
    row.extend(cells(&c.new));
    row.push(md_changes(&c.fields));
    rows.push(row);
  }
  table(out, title, &full_head, rows);
}

/// One row per access change: kinds, the deployed object, the sources, each destination (or
/// name) with protocols and ports, and the deciding rules before and after.
fn access_table(out: &mut String, diff: &Diff) {
  let rows = diff
    .access
    .iter()
    .map(|a| match a.traffic.first() {
      Some(t) => {
        let to: Vec<String> = a.traffic.iter().map(|t| t.text()).collect();
        vec![
          md(&kinds_text(&a.kinds)),
          md(&a.scope),
          md(&t.source),
          md_lines(&to),
          md(&decisions_text(&a.old)),
          md(&decisions_text(&a.new)),
        ]
      }
      None => vec![
        md(&kinds_text(&a.kinds)),
        md(&a.scope),
        "—".to_string(),
        md(&a.summary),
        "—".to_string(),
        "—".to_string(),
      ],
    })
    .collect();
  table(
    out,
    "Access changes",
    &[
      "Kinds",
      "Where",
      "From",
      "To / what",
      "Decided before by",
      "Decided now by",
    ],
    rows,
  );
}

/// The deployed rules that change, one table per target, each changed cell `old → new`.
fn rule_tables(out: &mut String, diff: &Diff) {
  let rules = &diff.rules;
  let n = &rules.nsg_name;
  let title = if n.old == n.new {
    format!("NSG rules in {}", n.new)
  } else {
    format!("NSG rules in {} → {}", n.old, n.new)
  };
  rule_table(
    out,
    &title,
    &[
      ("Name", "name"),
      ("Priority", "priority"),
      ("Direction", "direction"),
      ("Access", "access"),
      ("Protocol", "protocol"),
      ("Source", "source"),
      ("Destination", "destination"),
      ("Ports", "ports"),
      ("Purpose", "purpose"),
      ("Documents", "documents"),
    ],
    &rules.nsg,
  );
  let g = &rules.firewall_group;
  let group = |g: &super::rules::Group| format!("{}/{} (priority {})", g.policy, g.name, g.priority);
  let title = if g.old == g.new {
    format!("Firewall rules in {}", group(&g.new))
  } else {
    format!("Firewall rules in {} → {}", group(&g.old), group(&g.new))
  };
  rule_table(
    out,
    &title,
    &[
      ("Collection", "collection"),
      ("Collection priority", "collection_priority"),
      ("Rule", "name"),
      ("Kind", "kind"),
      ("Protocols", "protocols"),
      ("Source addresses", "source_addresses"),
      ("Destination", "destination"),
      ("Ports", "ports"),
      ("Purpose", "purpose"),
      ("Documents", "documents"),
    ],
    &rules.firewall,
  );
  rule_table(
    out,
    "Managed-network rules",
    &[("Rule", "name"), ("Type", "type"), ("Destination", "destination")],
    &rules.managed_network,
  );
}

/// Columns written as prose (escaped text, one list item a line) rather than code spans.
const PROSE: [&str; 2] = ["purpose", "documents"];

fn rule_table<T: Serialize>(out: &mut String, title: &str, columns: &[(&str, &str)], changes: &Changes<T>) {
  let code_cell = |v: &Value| match v {
    Value::Array(items) if items.is_empty() => "—".to_string(),
    Value::Array(items) => items
      .iter()
      .map(|i| code(&value_text(i)))
      .collect::<Vec<_>>()
      .join(", "),
    other => code(&value_text(other)),
  };
  let prose = |v: &Value| match v {
    Value::Array(items) => md_lines(&items.iter().map(value_text).collect::<Vec<_>>()),
    other => md(&value_text(other)),
  };
  let cell = |field: &str, v: &Value| {
    if PROSE.contains(&field) {
      prose(v)
    } else {
      code_cell(v)
    }
  };
  let value = |t: &T| serde_json::to_value(t).unwrap_or(Value::Null);
  let mut rows = Vec::new();
  for (change, list) in [("added", &changes.added), ("removed", &changes.removed)] {
    for t in list {
      let v = value(t);
      let mut row = vec![change.to_string()];
      row.extend(columns.iter().map(|(_, f)| cell(f, &v[*f])));
      rows.push(row);
    }
  }
  for c in &changes.changed {
    let (old, new) = (value(&c.old), value(&c.new));
    let mut row = vec!["changed".to_string()];
    row.extend(columns.iter().map(|(_, f)| {
      if old[*f] == new[*f] || PROSE.contains(f) {
        cell(f, &new[*f])
      } else {
        format!("{} → {}", cell(f, &old[*f]), cell(f, &new[*f]))
      }
    }));
    rows.push(row);
  }
  let mut head = vec!["Change"];
  head.extend(columns.iter().map(|(h, _)| *h));
  table(out, title, &head, rows);
}
