//! One side of a diff: reads a path and returns its IR, compiling a profile or reading IR JSON.
//!
//! The kind is decided by content: text that starts with `{` (or a `.json` file) is IR JSON,
//! anything else is a profile. IR JSON is checked before it is trusted: format major version,
//! parseable ports, unique flow ids. Every error names the file (with line:col for JSON). It never
//! rewrites the IR it reads: no sorting or merging, so a broken file is reported, not repaired.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::ir::{self, Ir};
use crate::{Error, Result};

/// How a side was given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
  Profile,
  Ir,
}

impl Input {
  pub fn as_str(self) -> &'static str {
    match self {
      Input::Profile => "profile",
      Input::Ir => "ir",
    }
  }
}

pub struct Side {
  pub path: PathBuf,
  pub input: Input,
  pub ir: Ir,
}

pub fn load(path: &Path) -> Result<Side> {
  let bytes = std::fs::read(path).map_err(|source| Error::Read {
    path: path.to_path_buf(),
    source,
  })?;
  let text = String::from_utf8(bytes).map_err(|_| {
    Error::input(format!(
      "`{}` is not UTF-8 text; expected a profile (.toml) or a compiled IR (.json)",
      path.display()
    ))
  })?;
  let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
  let is_json_ext = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
  if body.trim_start().starts_with('{') || is_json_ext {
    let ir = parse_ir(path, body)?;
    Ok(Side {
      path: path.to_path_buf(),
      input: Input::Ir,
      ir,
    })
  } else {
    let ir = crate::compile_path(path)?;
    Ok(Side {
      path: path.to_path_buf(),
      input: Input::Profile,
      ir,
    })
  }
}

fn parse_ir(path: &Path, text: &str) -> Result<Ir> {
  // Parse to a Value first: a newer format may not fit today's `Ir`, and its version
  // deserves a better message than "missing field".
  let value: Value = serde_json::from_str(text).map_err(|e| json_error(path, "malformed JSON", &e))?;
  let Some(object) = value.as_object() else {
    return Err(not_ir(path, "the top level is not a JSON object"));
  };
  let Some(format) = object.get("format_version").and_then(Value::as_str) else {
    return Err(not_ir(path, "it has no string `format_version`"));
  };
  let written_by = object
    .get("amlnet_version")
    .and_then(Value::as_str)
    .unwrap_or("an unknown amlnet");
  check_format(path, format, written_by)?;
  let ir: Ir = serde_json::from_str(text).map_err(|e| json_error(path, "not a valid amlnet IR", &e))?;
  check_ir(path, &ir)?;
  Ok(ir)
}

fn not_ir(path: &Path, why: &str) -> Error {
  Error::input(format!(
    "`{}` is not an amlnet IR: {why}; pass a profile or the output of `amlnet compile --format json`",
    path.display()
  ))
}

/// "file:line:col: what: detail", with serde_json's own " at line L column C" tail removed.
fn json_error(path: &Path, what: &str, e: &serde_json::Error) -> Error {
  let full = e.to_string();
  let tail = format!(" at line {} column {}", e.line(), e.column());
  let detail = full.strip_suffix(&tail).unwrap_or(&full);
  Error::input(format!(
    "{}:{}:{}: {what}: {detail}",
    path.display(),
    e.line(),
    e.column()
  ))
}

fn major(version: &str) -> Option<u64> {
  let (major, minor) = version.split_once('.')?;
  minor.parse::<u64>().ok()?;
  major.parse().ok()
}

/// Refuse any major version but ours: a newer one may mean something else by the same fields.
/// A newer minor only adds fields, which serde skips.
fn check_format(path: &Path, format: &str, written_by: &str) -> Result<()> {
  let ours = major(ir::FORMAT_VERSION).unwrap_or(1);
  let Some(theirs) = major(format) else {
    return Err(not_ir(
      path,
      &format!("`format_version` is `{format}`, expected MAJOR.MINOR"),
    ));
  };
  if theirs > ours {
    return Err(Error::input(format!(
      "`{}` has IR format_version {format} (written by amlnet {written_by}), newer than this amlnet \
       {} reads ({ours}.x); upgrade amlnet, or recompile the profile with this one",
      path.display(),
      env!("CARGO_PKG_VERSION"),
    )));
  }
  if theirs < ours {
    return Err(Error::input(format!(
      "`{}` has IR format_version {format} (written by amlnet {written_by}), older than this amlnet \
       {} reads ({ours}.x); recompile the profile with this amlnet",
      path.display(),
      env!("CARGO_PKG_VERSION"),
    )));
  }
  Ok(())
}

/// What the diff relies on beyond the types: unique flow ids, and ports on every flow.
fn check_ir(path: &Path, ir: &Ir) -> Result<()> {
  let mut ids = BTreeSet::new();
  for flow in &ir.flows {
    if !ids.insert(flow.id.as_str()) {
      return Err(Error::input(format!(
        "`{}`: flow id `{}` appears more than once; an IR written by amlnet lists each flow once",
        path.display(),
        flow.id
      )));
    }
    if flow.ports.is_empty() {
      return Err(Error::input(format!(
        "`{}`: flow `{}` has no ports",
        path.display(),
        flow.id
      )));
    }
  }
  Ok(())
}
