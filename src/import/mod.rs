//! Deployed rules read back into target models, so the evaluator can compare what is
//! deployed with what amlnet plans. Takes parsed JSON (`serde_json::Value`) as Azure
//! exports it; returns `target` models or a typed error naming the rule and what cannot be
//! represented. Reads files only through `read_json` / `read_text` (bounded, via `io`); never
//! renders, never guesses: a rule it cannot model exactly is refused or named as skipped,
//! not approximated.

pub mod dns;
pub mod firewall;
pub mod nsg;

use std::path::Path;

use crate::{Error, Result};

/// The largest export `import` reads: a policy of 10,000 rules is a few MiB.
const MAX_EXPORT_BYTES: u64 = 256 << 20;

/// An exported JSON file (`what` names it in errors: "NSG export", "firewall policy export"),
/// read with a size bound; a file that is not JSON is an error naming the file, line and column.
pub fn read_json(path: &Path, what: &str) -> Result<serde_json::Value> {
  let bytes = read(path, what)?;
  serde_json::from_slice(&bytes).map_err(|e| {
    Error::input(format!(
      "{what} `{}` is not JSON: {e} (line {}, column {})",
      path.display(),
      e.line(),
      e.column()
    ))
  })
}

/// An exported text file (a zone file), read with a size bound; it must be UTF-8.
pub fn read_text(path: &Path, what: &str) -> Result<String> {
  String::from_utf8(read(path, what)?)
    .map_err(|_| Error::input(format!("{what} `{}` is not UTF-8 text", path.display())))
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
  use crate::io::{read_regular, ReadRefused};
  read_regular(path, MAX_EXPORT_BYTES).map_err(|e| match e {
    ReadRefused::NotRegular => Error::input(format!("{what} `{}` is not a regular file", path.display())),
    ReadRefused::TooLarge => Error::input(format!(
      "{what} `{}` is larger than {} MiB",
      path.display(),
      MAX_EXPORT_BYTES >> 20
    )),
    ReadRefused::Io(source) => Error::Read {
      path: path.to_path_buf(),
      source,
    },
  })
}
