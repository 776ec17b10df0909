//! `audit`'s renderings: text for the terminal, JSON (`AUDIT_FORMAT_VERSION`) for tools, and
//! Markdown, a change ticket: what to add, change or remove, every string through
//! `syntax::markdown`.

use std::fmt::Write as _;

use super::{Finding, Kind, Report};
use crate::syntax::{escape_hazards as line, markdown};

pub(super) fn json(r: &Report) -> String {
  crate::syntax::json::document(r)
}

fn deciding(f: &Finding) -> String {
  match &f.deployed {
    Some(d) => {
      let mut s = d.name.clone();
      match (&d.collection, d.priority) {
        (Some(c), Some(p)) => s.push_str(&format!(" (collection {c}, priority {p})")),
        (None, Some(p)) => s.push_str(&format!(" (priority {p})")),
        _ => {}
      }
      s
    }
    None => String::new(),
  }
}

pub(super) fn text(r: &Report) -> String {
  let counts: Vec<String> = Kind::ALL
    .iter()
    .map(|k| format!("{} {}", r.count(*k), k.as_str()))
    .collect();
  let mut out = format!("audit of {}: {}\n", r.profile, counts.join(", "));
  // Names come from exports, which anyone may have written: each field stays on its line.
  for f in &r.findings {
    let _ = writeln!(
      out,
      "{}[{}] {}: {}",
      f.kind.as_str(),
      f.target,
      line(&f.subject),
      line(&f.detail)
    );
    if f.deployed.is_some() {
      let _ = writeln!(out, "  deployed: {}", line(&deciding(f)));
    }
    if !f.requirements.is_empty() {
      let _ = writeln!(out, "  requirements: {}", f.requirements.join(", "));
    }
    let _ = writeln!(out, "  fix: {}", line(&f.fix));
  }
  for n in &r.notes {
    let _ = writeln!(out, "note: {}", line(n));
  }
  out
}

pub(super) fn markdown(r: &Report) -> String {
  let mut md = String::from("# Audit of ");
  md.push_str(&markdown::code(&r.profile));
  md.push_str("\n\n");
  let counts: Vec<String> = Kind::ALL
    .iter()
    .map(|k| format!("{} {}", r.count(*k), k.as_str()))
    .collect();
  markdown::push_text(&mut md, &counts.join(", "));
  md.push_str("\n\n");
  let sections: [(&str, &[Kind]); 4] = [
    ("Add", &[Kind::Missing]),
    ("Change", &[Kind::Shadowed, Kind::Broad]),
    ("Remove", &[Kind::Extra]),
    ("DNS", &[Kind::Dns]),
  ];
  for (title, kinds) in sections {
    let rows: Vec<&Finding> = r.findings.iter().filter(|f| kinds.contains(&f.kind)).collect();
    if rows.is_empty() {
      continue;
    }
    md.push_str("## ");
    md.push_str(title);
    md.push_str("\n\n| kind | target | rule or record | deployed | what | fix | requirements |\n|---|---|---|---|---|---|---|\n");
    for f in rows {
      md.push_str("| ");
      md.push_str(f.kind.as_str());
      md.push_str(" | ");
      md.push_str(f.target);
      md.push_str(" | ");
      markdown::push_code_cell(&mut md, &f.subject);
      md.push_str(" | ");
      markdown::push_code_cell(&mut md, &deciding(f));
      md.push_str(" | ");
      markdown::push_text(&mut md, &f.detail);
      md.push_str(" | ");
      markdown::push_text(&mut md, &f.fix);
      md.push_str(" | ");
      markdown::push_text(&mut md, &f.requirements.join(" "));
      md.push_str(" |\n");
    }
    md.push('\n');
  }
  if !r.notes.is_empty() {
    md.push_str("## Not checked\n\n");
    for n in &r.notes {
      md.push_str("- ");
      markdown::push_text(&mut md, n);
      md.push('\n');
    }
  }
  md
}
