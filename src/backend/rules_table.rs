//! The rules table for change tickets: `rules.md` and `rules.csv`, one row per planned NSG
//! rule and Azure Firewall rule — target, collection, name, priority, direction, action,
//! protocol, source, destination, ports, purpose, requirement ids and the documents that
//! justify the rule — what an approver compares with the change window.
//!
//! Takes the plan and the IR flows the rules carry; writes every cell through
//! `syntax::markdown` or `syntax::csv`. Decides nothing: the rows are the plan's rules.

use crate::ir::{Flow, Ir};
use crate::plan::Plan;
use crate::syntax::{self, csv, markdown};
use crate::target::firewall::Destination;

use super::Output;

/// Where the documents column is, and how its entries are joined in the CSV.
const DOCUMENTS: usize = 12;
const SEPARATOR: &str = "; ";

const COLUMNS: [&str; 13] = [
  "target",
  "collection",
  "name",
  "priority",
  "direction",
  "action",
  "protocol",
  "source",
  "destination",
  "ports",
  "purpose",
  "requirements",
  "documents",
];

pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let rows = rows(ir, plan);
  let mut md = markdown::comment(&syntax::provenance(ir));
  md.push_str("# Rules of ");
  md.push_str(&markdown::text(&ir.profile));
  md.push_str("\n\n");
  md.push_str(&markdown::text(&format!(
    "NSG {}: lower priority wins, Azure's default rules (65000-65500) follow. Firewall rule collection group {} (priority {}): network rule collections before application rule collections.",
    ir.settings.nsg.name, plan.firewall.name, plan.firewall.priority
  )));
  md.push_str("\n\n| ");
  md.push_str(&COLUMNS.join(" | "));
  md.push_str(" |\n|");
  md.push_str(&"---|".repeat(COLUMNS.len()));
  md.push('\n');
  // Documents are numbered once and listed under the table: rows cite them as [n].
  let mut documents: Vec<&str> = Vec::new();
  for row in &rows {
    md.push('|');
    for (i, cell) in row.iter().enumerate() {
      md.push(' ');
      if i == DOCUMENTS {
        let mut first = true;
        for d in cell.split(SEPARATOR).filter(|d| !d.is_empty()) {
          let n = match documents.iter().position(|x| *x == d) {
            Some(n) => n,
            None => {
              documents.push(d);
              documents.len() - 1
            }
          };
          if !first {
            md.push(' ');
          }
          first = false;
          md.push_str(&format!("\\[{}\\]", n + 1));
        }
      } else if (2..=9).contains(&i) && !cell.is_empty() {
        // Names, addresses and ports as code, prose as text.
        markdown::push_code_cell(&mut md, cell);
      } else {
        markdown::push_text(&mut md, cell);
      }
      md.push_str(" |");
    }
    md.push('\n');
  }
  if !documents.is_empty() {
    md.push_str("\n## Documents\n\n");
    for (n, d) in documents.iter().enumerate() {
      md.push_str(&format!("{}\\. ", n + 1));
      markdown::push_document(&mut md, d);
      md.push_str("<br>\n");
    }
  }
  let mut table = String::new();
  csv::push_record(&mut table, &COLUMNS);
  for row in &rows {
    csv::push_record(&mut table, row);
  }
  out.add("rules.md", md);
  out.add("rules.csv", table);
}

/// One row per NSG rule (in priority order per direction) and per firewall rule (network
/// collection, then application collection).
fn rows(ir: &Ir, plan: &Plan) -> Vec<[String; 13]> {
  let flow = |id: &Option<String>| id.as_ref().and_then(|id| ir.flows.iter().find(|f| &f.id == id));
  let mut rows = Vec::new();
  for r in &plan.nsg {
    rows.push(row(
      ["nsg", &ir.settings.nsg.name, &r.name],
      r.priority.to_string(),
      [
        r.direction.to_string(),
        r.access.as_str().to_string(),
        r.protocol.as_str().to_string(),
      ],
      [
        r.source.to_string(),
        r.destination.to_string(),
        r.ports.to_string(),
      ],
      flow(&r.flow),
      &r.description,
    ));
  }
  let fw = &plan.firewall;
  let sources = |s: &[ipnet::IpNet]| s.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
  for r in &fw.network.rules {
    let destination = match &r.destination {
      Destination::Addresses(a) => a.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
      Destination::Fqdns(f) => f.join(" "),
    };
    let protocols: Vec<&str> = r.protocols.iter().map(|p| p.as_str()).collect();
    rows.push(row(
      ["firewall", &format!("{}/{}", fw.name, fw.network.name), &r.name],
      fw.network.priority.to_string(),
      ["outbound".into(), "Allow".into(), protocols.join(" ")],
      [sources(&r.source_addresses), destination, r.ports.to_string()],
      flow(&r.flow),
      &r.description,
    ));
  }
  for r in &fw.application.rules {
    let protocols: Vec<String> = r
      .protocols
      .iter()
      .map(|(p, port)| format!("{}:{port}", p.as_str()))
      .collect();
    let ports: Vec<String> = r.protocols.iter().map(|(_, port)| port.to_string()).collect();
    rows.push(row(
      [
        "firewall",
        &format!("{}/{}", fw.name, fw.application.name),
        &r.name,
      ],
      fw.application.priority.to_string(),
      ["outbound".into(), "Allow".into(), protocols.join(" ")],
      [
        sources(&r.source_addresses),
        r.target_fqdns.join(" "),
        ports.join(","),
      ],
      flow(&r.flow),
      &r.description,
    ));
  }
  rows
}

fn row(
  [target, collection, name]: [&str; 3],
  priority: String,
  [direction, action, protocol]: [String; 3],
  [source, destination, ports]: [String; 3],
  flow: Option<&Flow>,
  description: &str,
) -> [String; 13] {
  let (purpose, requirements, documents) = match flow {
    Some(f) => (
      f.purpose.clone(),
      f.requirements.join(" "),
      f.sources.join(SEPARATOR),
    ),
    None => (description.to_string(), String::new(), String::new()),
  };
  [
    target.to_string(),
    collection.to_string(),
    name.to_string(),
    priority,
    direction,
    action,
    protocol,
    source,
    destination,
    ports,
    purpose,
    requirements,
    documents,
  ]
}

#[cfg(test)]
mod tests {
  use super::COLUMNS;

  /// The column for documents cannot be mistaken for source addresses.
  #[test]
  fn documents_are_not_sources() {
    assert!(COLUMNS.contains(&"source") && COLUMNS.contains(&"documents") && !COLUMNS.contains(&"sources"));
  }
}
