//! FQDN allowlist backend: every FQDN flow as plain text and as CSV.
//!
//! Takes the IR, returns `fqdn/allowlist.txt` (sorted, one host per line with
//! protocol:ports, for proxies and appliances) and `fqdn/allowlist.csv` (with purpose,
//! requirement and sources, for change tickets). Service tags and CIDRs are not listed
//! here; `amlnet expand` turns service tags into address lists.

use super::{stamp, Output};
use crate::ir::{Ir, PeerKind};
use crate::plan::Plan;

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  let mut flows: Vec<_> = ir
    .flows
    .iter()
    .filter(|f| f.peer_kind() == PeerKind::Fqdn)
    .collect();
  flows.sort_by_cached_key(|f| (f.peer.to_string(), f.protocol));
  let mut txt = format!(
    "# {}\n# host protocol:ports (situational entries are marked)\n",
    stamp(ir)
  );
  let mut csv = String::from("fqdn,direction,protocol,ports,required,purpose,requirements,sources\n");
  for f in &flows {
    let mark = if f.required { "" } else { "  # situational" };
    txt.push_str(&format!("{} {}:{}{mark}\n", f.peer, f.protocol.as_str(), f.ports));
    let row = [
      f.peer.to_string(),
      f.direction.as_str().to_string(),
      f.protocol.as_str().to_string(),
      f.ports.strings().join(" "),
      f.required.to_string(),
      f.purpose.clone(),
      f.requirements.join(" "),
      f.sources.join("; "),
    ];
    csv.push_str(&row.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
    csv.push('\n');
  }
  out.add("fqdn/allowlist.txt", txt);
  out.add("fqdn/allowlist.csv", csv);
}

/// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
fn csv_field(s: &str) -> String {
  if s.contains([',', '"', '\n', '\r']) {
    format!("\"{}\"", s.replace('"', "\"\""))
  } else {
    s.to_string()
  }
}
