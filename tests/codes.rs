//! The diagnostic code table (src/codes.rs) against the sources and the docs: every code a
//! string literal in src/ names is in the table, every table entry is emitted somewhere, and
//! docs/diagnostics.md is the table's rendering (`AMLNET_UPDATE_DOCS=1` rewrites it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use amlnet::codes::{self, CODES};

use crate::support::root;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
  let mut out = Vec::new();
  let mut stack = vec![dir.to_path_buf()];
  while let Some(d) = stack.pop() {
    for e in std::fs::read_dir(&d).expect("src/ is readable").flatten() {
      let p = e.path();
      if p.is_dir() {
        stack.push(p);
      } else if p.extension().is_some_and(|x| x == "rs") {
        out.push(p);
      }
    }
  }
  out.sort();
  out
}

/// The string literals of the form "ABC123" (2–5 capitals, 3 digits) in `text`.
fn code_literals(text: &str) -> Vec<String> {
  let mut found = Vec::new();
  for (i, _) in text.match_indices('"') {
    let rest = &text.as_bytes()[i + 1..];
    let letters = rest.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let digits = rest[letters..].iter().take_while(|b| b.is_ascii_digit()).count();
    if (2..=5).contains(&letters) && digits == 3 && rest.get(letters + digits) == Some(&b'"') {
      found.push(String::from_utf8_lossy(&rest[..letters + digits]).into_owned());
    }
  }
  found
}

/// Code → the files (relative to the crate root) that name it, src/codes.rs excluded.
fn emitted() -> BTreeMap<String, Vec<String>> {
  let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
  for file in rust_files(&root().join("src")) {
    let rel = file
      .strip_prefix(root())
      .expect("under the root")
      .display()
      .to_string();
    if rel == "src/codes.rs" {
      continue;
    }
    let text = std::fs::read_to_string(&file).expect("readable");
    for code in code_literals(&text) {
      map.entry(code).or_default().push(rel.clone());
    }
  }
  map
}

#[test]
fn every_emitted_code_is_in_the_table() {
  let missing: Vec<String> = emitted()
    .into_iter()
    .filter(|(code, _)| codes::get(code).is_none())
    .map(|(code, files)| format!("{code} ({})", files.join(", ")))
    .collect();
  assert!(
    missing.is_empty(),
    "codes emitted but not in src/codes.rs (add a row, then AMLNET_UPDATE_DOCS=1 cargo test codes):\n{}",
    missing.join("\n")
  );
}

#[test]
fn every_table_entry_is_emitted() {
  let emitted = emitted();
  let stale: Vec<&str> = CODES
    .iter()
    .map(|c| c.code)
    .filter(|c| !emitted.contains_key(*c))
    .collect();
  assert!(
    stale.is_empty(),
    "src/codes.rs lists codes no source emits: {stale:?}"
  );
}

#[test]
fn the_table_is_sorted_unique_and_complete() {
  for pair in CODES.windows(2) {
    assert!(
      pair[0].code < pair[1].code,
      "{} before {}: sorted, no duplicates",
      pair[0].code,
      pair[1].code
    );
  }
  for c in CODES {
    assert!(
      code_literals(&format!("\"{}\"", c.code)).len() == 1,
      "{}: 2–5 capitals and 3 digits",
      c.code
    );
    assert!(!c.severity.is_empty(), "{}: a severity", c.code);
    for (field, text) in [
      ("title", c.title),
      ("what", c.what),
      ("why", c.why),
      ("fix", c.fix),
    ] {
      assert!(
        !text.trim().is_empty() && !text.contains('\n') && !text.contains('|'),
        "{}: {field} is one line without `|`",
        c.code
      );
    }
  }
}

#[test]
fn docs_diagnostics_md_is_the_tables_rendering() {
  let path = root().join("docs/diagnostics.md");
  let rendered = codes::markdown();
  if std::env::var_os("AMLNET_UPDATE_DOCS").is_some_and(|v| v == "1") {
    std::fs::write(&path, &rendered).expect("docs/ is writable");
  }
  let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
  assert!(
    on_disk == rendered,
    "docs/diagnostics.md differs from src/codes.rs: regenerate it with `AMLNET_UPDATE_DOCS=1 cargo test codes` and commit"
  );
}
