//! Renders a `Diff` as text: the terminal view, a Markdown change ticket, or JSON.
//!
//! Takes the finished change list and returns one string, in the list's order (sorted by
//! identity), so the same two inputs always give the same bytes. Colour is ANSI escapes, and
//! only when the caller asks. It never filters or reclassifies changes: what `changes` decided
//! is what every format shows.
//!
//! Every string that comes from an input (profile names, paths, peers, purposes, sources,
//! messages, locations, zone and record names) is written through `crate::syntax`: in the
//! terminal view with `escape_hazards` (no raw control, line-break or bidi character reaches
//! the terminal), in Markdown with `markdown::code`/`code_cell`/`cell`/`text` (a backtick, a
//! line break, a `|` or an unclosed `<!--` stays inside its span or cell), and in JSON as
//! serde_json's strings with the hazards serde_json leaves raw written as `\uXXXX`.

use std::fmt::Write as _;

use serde_json::Value;

use super::changes::{Changed, Changes, Diff, FieldChange, FlowChange, HostRecordSet, RecordSet, SideInfo};
use crate::ir::{DnsZone, Flow, Forwarder, PeerKind};
use crate::syntax::{escape_hazards as shown, is_hazard, markdown};

pub fn json(diff: &Diff) -> String {
  // Plain data, string keys: serializing cannot fail.
  let s = serde_json::to_string_pretty(diff).unwrap_or_default();
  let mut out = String::with_capacity(s.len() + 1);
  // serde_json escapes C0 controls inside strings; DEL, C1, U+2028/2029 and bidi controls it
  // writes raw. Outside strings there is only ASCII punctuation, spaces and the `\n`s of the
  // layout, so every other hazard is inside a string, where `\uXXXX` is the same value.
  let mut rest = s.as_str();
  while let Some(at) = rest.find(|c| c != '\n' && is_hazard(c)) {
    out.push_str(&rest[..at]);
    let c = rest[at..].chars().next().unwrap_or_default();
    let _ = write!(out, "\\u{:04x}", u32::from(c));
    rest = &rest[at + c.len_utf8()..];
  }
  out.push_str(rest);
  out.push('\n');
  out
}

// ---------------------------------------------------------------------------------------------
// Shared wording

fn peer_kind(kind: PeerKind) -> &'static str {
  match kind {
    PeerKind::ServiceTag => "service tag",
    PeerKind::Fqdn => "FQDN",
    PeerKind::Cidr => "CIDR",
  }
}

fn ports(list: &[String]) -> String {
  if list.is_empty() {
    "(none)".to_string()
  } else {
    list.join(", ")
  }
}

/// One value of a changed field, as a reader wants it: strings bare, lists comma-joined.
fn value_text(v: &Value) -> String {
  match v {
    Value::Null => "(none)".to_string(),
    Value::String(s) if s.is_empty() => "(empty)".to_string(),
    Value::String(s) => s.clone(),
    Value::Bool(true) => "yes".to_string(),
    Value::Bool(false) => "no".to_string(),
    Value::Array(items) if items.is_empty() => "(none)".to_string(),
    Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
    other => other.to_string(),
  }
}

/// "old → new" for scalars and one-item lists; for longer lists one "-item" or "+item" line per
/// item that differs (lists are compared as sets, as `changes` does).
fn change_lines(change: &FieldChange) -> Vec<String> {
  if let (Value::Array(old), Value::Array(new)) = (&change.old, &change.new) {
    if old.len() > 1 || new.len() > 1 {
      let old: Vec<String> = old.iter().map(value_text).collect();
      let new: Vec<String> = new.iter().map(value_text).collect();
      let mut lines: Vec<String> = old
        .iter()
        .filter(|o| !new.contains(o))
        .map(|o| format!("-{o}"))
        .collect();
      lines.extend(new.iter().filter(|n| !old.contains(n)).map(|n| format!("+{n}")));
      return lines;
    }
  }
  vec![format!(
    "{} → {}",
    value_text(&change.old),
    value_text(&change.new)
  )]
}

fn summary_line(diff: &Diff) -> String {
  let s = &diff.summary;
  if s.kinds.is_empty() {
    return "No changes.".to_string();
  }
  let mut parts = vec![format!(
    "flows: {} added, {} removed, {} widened, {} narrowed, {} changed",
    s.added, s.removed, s.widened, s.narrowed, s.changed
  )];
  parts.push(format!("DNS: {}", s.dns));
  parts.push(format!("diagnostics: {}", s.diagnostics));
  parts.push(format!("settings: {}", s.settings));
  let kinds: Vec<&str> = s.kinds.iter().map(|k| k.as_str()).collect();
  format!("{}; kinds: {}", parts.join("; "), kinds.join(", "))
}

/// Header rows: (terminal label, Markdown label, old, new). The hash is shortened only in the
/// terminal view.
fn header_rows(old: &SideInfo, new: &SideInfo) -> Vec<(&'static str, &'static str, String, String)> {
  vec![
    ("profile", "Profile", old.profile.clone(), new.profile.clone()),
    (
      "amlnet",
      "amlnet version",
      old.amlnet_version.clone(),
      new.amlnet_version.clone(),
    ),
    (
      "catalog",
      "Catalog version",
      old.catalog_version.clone(),
      new.catalog_version.clone(),
    ),
    (
      "profile hash",
      "Profile hash",
      old.profile_hash.clone(),
      new.profile_hash.clone(),
    ),
    (
      "IR format",
      "IR format version",
      old.format_version.clone(),
      new.format_version.clone(),
    ),
    ("cloud", "Cloud", old.cloud.clone(), new.cloud.clone()),
    ("region", "Region", old.region.clone(), new.region.clone()),
  ]
}

// ---------------------------------------------------------------------------------------------
// Terminal view

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

// ---------------------------------------------------------------------------------------------
// Markdown change ticket

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
