//! The profile's JSON Schema (src/schema.rs): committed at schema/profile.schema.json and up
//! to date (`AMLNET_UPDATE_DOCS=1` rewrites it), printed by `amlnet schema`, named by every
//! shipped profile's `#:schema` line, and checked by an independent validator (Python
//! `jsonschema` on the TOML as `tomllib` reads it, scripts/check_schema.py): every valid
//! profile passes, and every invalid one whose error is a schema error fails on its key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{amlnet, every_profile, python, root};

const SCHEMA: &str = "schema/profile.schema.json";

#[test]
fn committed_schema_is_the_generated_one() {
  let path = root().join(SCHEMA);
  let generated = amlnet::schema::profile();
  if std::env::var_os("AMLNET_UPDATE_DOCS").is_some_and(|v| v == "1") {
    std::fs::write(&path, &generated).expect("schema/ is writable");
  }
  let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
  assert!(
    on_disk == generated,
    "{SCHEMA} differs from src/schema.rs and src/profile.rs: regenerate it with \
     `AMLNET_UPDATE_DOCS=1 cargo test --test it schema` and commit"
  );
}

#[test]
fn schema_command_prints_the_schema() {
  let run = amlnet(&["schema"]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert_eq!(run.stdout, amlnet::schema::profile());
  assert!(run.stderr.is_empty());
}

/// Every key of the raw profile has a description, so hover docs never come up empty.
#[test]
fn every_key_is_described() {
  let schema: serde_json::Value = serde_json::from_str(&amlnet::schema::profile()).expect("JSON");
  let mut tables = vec![("(root)".to_string(), &schema)];
  for (name, def) in schema["definitions"].as_object().expect("definitions") {
    tables.push((name.clone(), def));
  }
  let mut bare = Vec::new();
  for (table, def) in tables {
    assert!(def.get("description").is_some(), "{table} has no description");
    for (key, prop) in def["properties"].as_object().expect("properties") {
      if prop
        .get("description")
        .and_then(|d| d.as_str())
        .is_none_or(str::is_empty)
      {
        bare.push(format!("{table}.{key}"));
      }
    }
  }
  assert!(
    bare.is_empty(),
    "keys without a doc comment in src/profile.rs: {bare:?}"
  );
}

/// Every shipped and test profile, and the bases they extend.
fn valid_profiles() -> Vec<PathBuf> {
  let mut v = every_profile();
  for e in std::fs::read_dir(root().join("profiles/base"))
    .expect("profiles/base")
    .flatten()
  {
    v.push(PathBuf::from("profiles/base").join(e.file_name()));
  }
  v
}

#[test]
fn every_valid_profile_names_the_schema_on_its_first_line() {
  for profile in valid_profiles() {
    let text = std::fs::read_to_string(root().join(&profile)).expect("readable");
    let first = text.lines().next().unwrap_or_default();
    let target = first
      .strip_prefix("#:schema ")
      .unwrap_or_else(|| panic!("{} does not start with `#:schema`", profile.display()));
    let dir = root().join(&profile).parent().expect("a directory").to_path_buf();
    let resolved = dir
      .join(target)
      .canonicalize()
      .expect("the #:schema target exists");
    assert_eq!(
      resolved,
      root().join(SCHEMA).canonicalize().expect("schema"),
      "{}",
      profile.display()
    );
  }
}

type Report = BTreeMap<String, Vec<serde_json::Value>>;

fn validate(files: &[PathBuf]) -> Report {
  let out = Command::new(python())
    .current_dir(root())
    .arg("scripts/check_schema.py")
    .arg(SCHEMA)
    .args(files)
    .output()
    .expect("the venv's python runs (make deps)");
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert_ne!(
    out.status.code(),
    Some(3),
    "jsonschema is missing from .venv: run `make deps`\n{stderr}"
  );
  assert!(out.status.success(), "check_schema.py failed:\n{stderr}");
  serde_json::from_slice(&out.stdout).expect("check_schema.py prints JSON")
}

#[test]
fn every_valid_profile_passes_an_independent_validator() {
  let report = validate(&valid_profiles());
  assert!(report.len() >= 20, "{report:?}");
  let failed: Vec<_> = report.iter().filter(|(_, errors)| !errors.is_empty()).collect();
  assert!(failed.is_empty(), "{failed:#?}");
}

/// Codes of what the schema can say: unknown key, type, choice, address, GUID, range, region.
const SCHEMA_CODES: &[&str] = &[
  "AML001", "AML002", "AML012", "AML013", "AML014", "AML015", "AML016", "AML017",
];

/// The key whose value (or which key itself) an `# expect: CODE LINE:COL` points at.
fn expected_key(path: &Path) -> (String, String) {
  let text = std::fs::read_to_string(root().join(path)).expect("readable");
  let expect = text.lines().next().unwrap_or_default();
  let mut words = expect.trim_start_matches("# expect:").split_whitespace();
  let code = words.next().unwrap_or_default().to_string();
  let line: usize = words
    .next()
    .and_then(|at| at.split(':').next())
    .and_then(|l| l.parse().ok())
    .unwrap_or(1);
  let key = text
    .lines()
    .nth(line - 1)
    .and_then(|l| l.split_once('='))
    .map(|(k, _)| {
      k.trim()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
    })
    .unwrap_or_default();
  (code, key)
}

#[test]
fn invalid_profiles_with_schema_errors_fail_the_validator_on_their_key() {
  let files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/invalid"))
    .expect("tests/invalid")
    .flatten()
    .map(|e| PathBuf::from("tests/invalid").join(e.file_name()))
    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    .collect();
  let report = validate(&files);
  let mut checked = 0;
  for file in &files {
    let (code, key) = expected_key(file);
    let errors = &report[&file.display().to_string()];
    if code == "AML000" {
      continue; // not TOML: neither reader takes it
    }
    // The schema says nothing amlnet does not: any error it reports is about the same key.
    for e in errors {
      assert_eq!(e["key"], key.as_str(), "{}: {e}", file.display());
    }
    // Host bits in a CIDR (AML014 on an otherwise well-formed block) are beyond a pattern.
    let host_bits = code == "AML014"
      && amlnet(&["compile", &file.display().to_string()])
        .stderr
        .contains("host bits");
    if SCHEMA_CODES.contains(&code.as_str()) && !host_bits {
      assert!(
        !errors.is_empty(),
        "{} ({code}, `{key}`) passes the schema",
        file.display()
      );
      checked += 1;
    }
  }
  assert!(checked >= 9, "only {checked} schema-error cases");
}
