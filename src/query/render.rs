//! `query`'s renderings: text for the terminal, JSON (`QUERY_FORMAT_VERSION`) for tools.

use std::fmt::Write as _;

use super::{Answer, Outcome, Part};
use crate::syntax::escape_hazards as line;

pub(super) fn json(a: &Answer) -> String {
  crate::syntax::json::document(a)
}

pub(super) fn text(a: &Answer) -> String {
  let mut out = format!(
    "{}: {}\n",
    a.question,
    match a.outcome {
      Outcome::Allowed => "allowed",
      Outcome::Denied => "denied",
      Outcome::Partly => "partly allowed",
    }
  );
  if let Some(nsg) = &a.nsg {
    section(&mut out, "nsg", nsg);
  }
  if let Some(fw) = &a.firewall {
    section(&mut out, "firewall", fw);
  }
  for n in &a.notes {
    let _ = writeln!(out, "note: {}", line(n));
  }
  out
}

fn section(out: &mut String, target: &str, parts: &[Part]) {
  for p in parts {
    let by = match (&p.rule, p.priority, &p.collection) {
      (Some(rule), Some(priority), Some(collection)) => {
        format!("rule {rule} (collection {collection}, priority {priority})")
      }
      (Some(rule), Some(priority), None) => format!("rule {rule} (priority {priority})"),
      (Some(rule), None, _) => format!("rule {rule}"),
      (None, ..) => "no rule matches: default deny".to_string(),
    };
    // Rule and collection names come from exports: each stays on its line.
    let _ = writeln!(
      out,
      "  {target}: {} {} {} -> {} ports {} by {}",
      p.access,
      p.protocols,
      p.source,
      p.destination,
      p.ports,
      line(&by)
    );
  }
}
