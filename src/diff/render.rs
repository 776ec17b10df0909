//! Renders a `Diff` as JSON, and the wording the terminal view (`text`) and the Markdown
//! change ticket (`markdown`) share.
//!
//! Takes the finished change list and returns one string, in the list's order (sorted by
//! identity), so the same two inputs always give the same bytes. Colour is ANSI escapes, and
//! only when the caller asks. It never filters or reclassifies changes: what `changes` and
//! `access` decided is what every format shows.
//!
//! Every string that comes from an input (profile names, paths, peers, purposes, sources,
//! messages, locations, zone and record names) is written through `crate::syntax`: in the
//! terminal view with `escape_hazards` (no raw control, line-break or bidi character reaches
//! the terminal), in Markdown with `markdown::code`/`code_cell`/`cell`/`text` (a backtick, a
//! line break, a `|` or an unclosed `<!--` stays inside its span or cell), and in JSON as
//! serde_json's strings with the hazards serde_json leaves raw written as `\uXXXX`.

use serde_json::Value;

use super::changes::{Diff, FieldChange, Kind, SideInfo};
use crate::ir::PeerKind;

pub fn json(diff: &Diff) -> String {
  crate::syntax::json::document(diff)
}

// ---------------------------------------------------------------------------------------------
// Shared wording

pub(super) fn peer_kind(kind: PeerKind) -> &'static str {
  match kind {
    PeerKind::ServiceTag => "service tag",
    PeerKind::Fqdn => "FQDN",
    PeerKind::Cidr => "CIDR",
  }
}

pub(super) fn ports(list: &[String]) -> String {
  if list.is_empty() {
    "(none)".to_string()
  } else {
    list.join(", ")
  }
}

/// One value of a changed field, as a reader wants it: strings bare, lists comma-joined.
pub(super) fn value_text(v: &Value) -> String {
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
pub(super) fn change_lines(change: &FieldChange) -> Vec<String> {
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

pub(super) fn summary_line(diff: &Diff) -> String {
  let s = &diff.summary;
  if s.kinds.is_empty() {
    return if s.rules == 0 {
      "No changes.".to_string()
    } else {
      format!(
        "No changes of access; {} deployed rules change only in name or priority.",
        s.rules
      )
    };
  }
  let mut parts = vec![format!("access: {}; deployed rules: {}", s.access, s.rules)];
  parts.push(format!(
    "flows: {} added, {} removed, {} widened, {} narrowed, {} changed",
    s.added, s.removed, s.widened, s.narrowed, s.changed
  ));
  parts.push(format!("DNS: {}", s.dns));
  parts.push(format!("diagnostics: {}", s.diagnostics));
  parts.push(format!("settings: {}", s.settings));
  let kinds: Vec<&str> = s.kinds.iter().map(|k| k.as_str()).collect();
  format!("{}; kinds: {}", parts.join("; "), kinds.join(", "))
}

/// Header rows: (terminal label, Markdown label, old, new). The hash is shortened only in the
/// terminal view.
pub(super) fn header_rows(
  old: &SideInfo,
  new: &SideInfo,
) -> Vec<(&'static str, &'static str, String, String)> {
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

/// The marker of an access change: `>` opens, `<` closes, `+` a new answer, `~` moves.
pub(super) fn access_marker(kinds: &[Kind]) -> char {
  if kinds.contains(&Kind::Widened) {
    '>'
  } else if kinds.contains(&Kind::Narrowed) {
    '<'
  } else if kinds.contains(&Kind::Added) {
    '+'
  } else {
    '~'
  }
}

pub(super) fn kinds_text(kinds: &[Kind]) -> String {
  kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}
