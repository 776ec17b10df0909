//! ARCHITECTURE.md stays true: its module map names every file of src/, layers import only
//! what they may, and only the I/O modules touch files.

use std::path::{Path, PathBuf};

use crate::support::root;

/// Every `.rs` file under src/, relative to src/ with `/` separators.
fn sources() -> Vec<String> {
  fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).expect("readable").flatten() {
      let p: PathBuf = e.path();
      if p.is_dir() {
        walk(&p, base, out);
      } else if p.extension().is_some_and(|x| x == "rs") {
        let rel = p.strip_prefix(base).expect("under src");
        out.push(rel.to_string_lossy().replace('\\', "/"));
      }
    }
  }
  let mut out = Vec::new();
  walk(&root().join("src"), &root().join("src"), &mut out);
  out.sort();
  out
}

/// Code of a file without comment lines, so prose about a module does not count.
fn code(rel: &str) -> String {
  let text = std::fs::read_to_string(root().join("src").join(rel)).expect("readable");
  text
    .lines()
    .filter(|l| !l.trim_start().starts_with("//"))
    .collect::<Vec<_>>()
    .join("\n")
}

#[test]
fn the_module_map_names_every_file() {
  let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
  let map = doc
    .split("## Module map")
    .nth(1)
    .and_then(|rest| rest.split("\n## ").next())
    .expect("a Module map section");
  let mut missing = Vec::new();
  for rel in sources() {
    let named = match rel.rsplit_once('/') {
      // A top-level file is named as `file.rs`.
      None => map.contains(&rel),
      // A file in a directory: a line of the directory's entry names its stem (mod.rs is the
      // directory itself).
      Some((dir, file)) => {
        let stem = file.trim_end_matches(".rs");
        let entry: String = map
          .split('\n')
          .skip_while(|l| !l.contains(&format!("{dir}/")))
          .take_while(|l| l.contains(&format!("{dir}/")) || l.starts_with(' '))
          .collect::<Vec<_>>()
          .join(" ");
        !entry.is_empty() && (stem == "mod" || entry.contains(stem))
      }
    };
    if !named {
      missing.push(rel);
    }
  }
  assert!(
    missing.is_empty(),
    "ARCHITECTURE.md's module map does not name: {missing:?}"
  );
}

#[test]
fn layers_import_only_what_they_may() {
  let forbidden = [
    "crate::model",
    "crate::profile",
    "crate::loader",
    "crate::catalog",
    "crate::lower",
  ];
  let lower_layers = [
    "plan/", "target/", "backend/", "syntax/", "eval/", "import/", "net/",
  ];
  let mut offences = Vec::new();
  for rel in sources()
    .iter()
    .filter(|r| lower_layers.iter().any(|l| r.starts_with(l)))
  {
    let text = code(rel);
    for f in forbidden.iter().filter(|f| text.contains(*f)) {
      offences.push(format!("{rel} uses {f}"));
    }
    // Renderers never decide policy: only the plan builds target models.
    if rel.starts_with("backend/") && text.contains("Plan::new") {
      offences.push(format!("{rel} computes a plan"));
    }
  }
  assert!(offences.is_empty(), "{offences:#?}");
}

#[test]
fn only_the_io_modules_touch_files() {
  let allowed = [
    "loader.rs",
    "io/mod.rs",
    "io/staging.rs",
    "diff/load.rs",
    "service_tags.rs",
    "cli.rs",
  ];
  let mut offences = Vec::new();
  for rel in sources() {
    if allowed.contains(&rel.as_str()) || rel.starts_with("cli/") {
      continue;
    }
    let text = code(&rel);
    for call in ["std::fs", "fs::read", "fs::write", "File::open", "File::create"] {
      if text.contains(call) {
        offences.push(format!("{rel} uses {call}"));
      }
    }
  }
  assert!(offences.is_empty(), "{offences:#?}");
}
