//! FQDN allowlist backend: every FQDN flow as plain text and as CSV.
//!
//! Takes the IR, returns `fqdn/allowlist.txt` (sorted, one host per line with
//! protocol:ports, for proxies and appliances) and `fqdn/allowlist.csv` (with purpose,
//! requirement and sources, for change tickets). Service tags and CIDRs are not listed
//! here; `amlnet expand` turns service tags into address lists. The text's comments go
//! through `syntax::stamp` and `syntax::comment` (a line break in the profile name cannot
//! add an entry); every CSV row through `syntax::csv::record` (RFC 4180, formulas neutralised).

use std::fmt::Write as _;

use super::Output;
use crate::ir::Ir;
use crate::plan::Plan;
use crate::syntax::comment::{self, Leader};
use crate::syntax::{self, csv, Syntax};

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  // Only FQDN flows: the peer is a validated host name (no space, comma, quote or line break),
  // so the text list can write it bare.
  let mut flows: Vec<(&str, _)> = ir
    .flows
    .iter()
    .filter_map(|f| f.peer.fqdn().map(|name| (name, f)))
    .collect();
  flows.sort_by(|a, b| (a.0, a.1.protocol).cmp(&(b.0, b.1.protocol)));

  let mut txt = syntax::stamp(ir, Syntax::Text);
  txt.reserve(flows.len() * 48 + 64);
  comment::push_line(
    &mut txt,
    Leader::Hash,
    "host protocol:ports (situational entries are marked)",
  );
  let mut csv = String::with_capacity(flows.len() * 160 + 80);
  csv::push_record(
    &mut csv,
    &[
      "fqdn",
      "direction",
      "protocol",
      "ports",
      "required",
      "purpose",
      "requirements",
      "sources",
    ],
  );
  let mut ports = String::new();
  for (name, f) in &flows {
    ports.clear();
    for (i, range) in f.ports.ranges().enumerate() {
      if i > 0 {
        ports.push(' ');
      }
      let _ = write!(ports, "{range}");
    }
    txt.push_str(name);
    txt.push(' ');
    txt.push_str(f.protocol.as_str());
    txt.push(':');
    for (i, range) in f.ports.ranges().enumerate() {
      if i > 0 {
        txt.push(',');
      }
      let _ = write!(txt, "{range}");
    }
    if !f.required {
      txt.push_str("  # situational");
    }
    txt.push('\n');
    let required = if f.required { "true" } else { "false" };
    csv::push_record(
      &mut csv,
      &[
        name,
        f.direction.as_str(),
        f.protocol.as_str(),
        &ports,
        required,
        &f.purpose,
        &f.requirements.join(" "),
        &f.sources.join("; "),
      ],
    );
  }
  out.add("fqdn/allowlist.txt", txt);
  out.add("fqdn/allowlist.csv", csv);
}
