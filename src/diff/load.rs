//! One side of a diff: reads a path and returns its IR, compiling a profile or reading IR JSON.
//!
//! The kind is decided by content: text that starts with `{` (or a `.json` file) is IR JSON,
//! anything else is a profile, compiled through `crate::compile` (the one validation path).
//! IR JSON is `serde_json::from_str::<Ir>`: the IR is typed throughout (peers, port sets,
//! clouds, addresses, closed vocabularies) and denies unknown fields, so deserialization
//! refuses a hostile value. Beyond the types it checks the format's major version first and
//! then that flow ids are unique and every flow has ports. Every error names the file, with
//! serde's line:col. It never rewrites the IR it reads: no sorting or merging, so a broken
//! file is reported, not repaired.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::error::Category;

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

/// The largest file `diff` reads as a side.
const MAX_INPUT_BYTES: u64 = 64 << 20;

pub fn load(path: &Path) -> Result<Side> {
  use crate::io::{read_regular, ReadRefused};
  // An IR is a few hundred KiB; a profile is at most 1 MiB (the loader says so precisely).
  let bytes = match read_regular(path, MAX_INPUT_BYTES) {
    Ok(bytes) => bytes,
    Err(ReadRefused::NotRegular) => {
      return Err(Error::input(format!(
        "`{}` is not a regular file; expected a profile (.toml) or a compiled IR (.json)",
        path.display()
      )))
    }
    Err(ReadRefused::TooLarge) => {
      return Err(Error::input(format!(
        "`{}` is larger than {} MiB; no profile or compiled IR is that large",
        path.display(),
        MAX_INPUT_BYTES >> 20
      )))
    }
    Err(ReadRefused::Io(source)) => {
      return Err(Error::Read {
        path: path.to_path_buf(),
        source,
      })
    }
  };
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
  // The version first: a newer major format may not fit today's `Ir`, and deserves a
  // better message than "missing field".
  let header: Header = serde_json::from_str(text).map_err(|e| json_error(path, "not an amlnet IR", &e))?;
  let newer_minor = check_format(path, &header)?;
  let ir: Ir = serde_json::from_str(text).map_err(|e| {
    let what = match newer_minor {
      Some(v) => format!(
        "not a valid amlnet IR (format_version {v} is newer than this amlnet's {}; upgrade amlnet)",
        ir::FORMAT_VERSION
      ),
      None => "not a valid amlnet IR".to_string(),
    };
    json_error(path, &what, &e)
  })?;
  check_ir(path, &ir)?;
  Ok(ir)
}

/// The two fields every IR version has; the rest of the file is not looked at.
#[derive(Deserialize)]
struct Header {
  format_version: String,
  amlnet_version: Option<String>,
}

/// "file:line:col: what: detail", with serde_json's own " at line L column C" tail removed.
/// A syntax error is "malformed JSON" whatever `what` says.
fn json_error(path: &Path, what: &str, e: &serde_json::Error) -> Error {
  let full = e.to_string();
  let tail = format!(" at line {} column {}", e.line(), e.column());
  let detail = full.strip_suffix(&tail).unwrap_or(&full);
  let what = match e.classify() {
    Category::Syntax | Category::Eof => "malformed JSON",
    Category::Data | Category::Io => what,
  };
  let advice = if what.starts_with("not an amlnet IR") {
    "; pass a profile or the output of `amlnet compile --format json`"
  } else {
    ""
  };
  Error::input(format!(
    "{}:{}:{}: {what}: {detail}{advice}",
    path.display(),
    e.line(),
    e.column()
  ))
}

/// (major, minor) of "MAJOR.MINOR".
fn version(text: &str) -> Option<(u64, u64)> {
  let (major, minor) = text.split_once('.')?;
  Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Refuse any major version but ours: a newer one may mean something else by the same
/// fields. A newer minor may add fields, which the strict `Ir` refuses; it is accepted
/// here and returned, so that refusal can say to upgrade.
fn check_format(path: &Path, header: &Header) -> Result<Option<String>> {
  let format = &header.format_version;
  let written_by = header.amlnet_version.as_deref().unwrap_or("an unknown amlnet");
  let ours = version(ir::FORMAT_VERSION).unwrap_or((1, 0));
  let Some(theirs) = version(format) else {
    return Err(Error::input(format!(
      "`{}` is not an amlnet IR: `format_version` is `{format}`, expected MAJOR.MINOR; pass a \
       profile or the output of `amlnet compile --format json`",
      path.display()
    )));
  };
  if theirs.0 != ours.0 {
    let (age, advice) = if theirs.0 > ours.0 {
      ("newer", "upgrade amlnet, or recompile the profile with this one")
    } else {
      ("older", "recompile the profile with this amlnet")
    };
    return Err(Error::input(format!(
      "`{}` has IR format_version {format} (written by amlnet {written_by}), {age} than this amlnet \
       {} reads ({}.x); {advice}",
      path.display(),
      env!("CARGO_PKG_VERSION"),
      ours.0,
    )));
  }
  Ok((theirs.1 > ours.1).then(|| format.clone()))
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
