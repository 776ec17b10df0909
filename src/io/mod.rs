//! The one writer of `--out` directories (`compile --out`, `expand --out`), and of the
//! single new files `init --out` writes (`write_new`: never over an existing file).
//!
//! Takes a target directory, the files to put there (`/`-separated relative paths and
//! their text) and a stamp, and writes them with a `manifest.json` (the stamp, then every
//! file's path, sha256 and size) into a staging directory beside the target, made durable (one
//! `syncfs` on Linux, a sync per file elsewhere), which then
//! replaces the target in one atomic exchange (`renameat2(RENAME_EXCHANGE)`; where the OS
//! lacks it, two renames, between which the target is briefly missing). A lock file beside
//! the target (`flock`) makes concurrent writers to one target take turns; the holder of
//! the lock removes staging trees left by killed runs, which only a dead writer can leave.
//!
//! It never replaces what amlnet did not write: the target must be missing, empty, or hold
//! a manifest naming `"generator": "amlnet"`; `force` overrides that, but never for `.`,
//! `..`, the working directory or a parent of it, a regular file, a symbolic link, or a
//! directory holding one of the run's input files. It never prints, and never returns with
//! a staging tree of its own left behind.
//!
//! `replace_dir` takes every file at once; a fleet, whose thousand spokes' artifacts would
//! not fit in memory together, writes through `Staging` (`staging.rs`) as each spoke is
//! compiled, with the same checks, lock, manifest and swap.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

mod staging;
pub use staging::Staging;

/// Write `text` to `path`, which must not exist yet: the check and the creation are one
/// step (`O_EXCL`), so no file that appears meanwhile is overwritten either.
pub fn write_new(path: &Path, text: &str) -> Result<()> {
  let refused = |reason: &str| Error::OutDir {
    path: path.to_path_buf(),
    reason: reason.to_string(),
  };
  let mut file = match OpenOptions::new().write(true).create_new(true).open(path) {
    Ok(file) => file,
    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
      return Err(refused("it already exists; amlnet init never overwrites a file"))
    }
    Err(source) => {
      return Err(Error::Write {
        path: path.to_path_buf(),
        source,
      })
    }
  };
  file
    .write_all(text.as_bytes())
    .and_then(|()| file.sync_all())
    .map_err(|source| Error::Write {
      path: path.to_path_buf(),
      source,
    })
}

/// The file that marks a directory as amlnet's.
pub const MANIFEST: &str = "manifest.json";

/// How a target may be replaced.
#[derive(Clone, Debug, Default)]
pub struct Options<'a> {
  /// Replace a non-empty directory that holds no amlnet manifest.
  pub force: bool,
  /// The run's input files: a target that holds one is never replaced.
  pub inputs: Vec<&'a Path>,
}

/// `manifest.json`: `generator`, the stamp's keys in order, then every file's path, sha256
/// and size in the order given. Deterministic: the same files give the same bytes.
pub fn manifest(stamp: &Map<String, Value>, files: &[(String, String)]) -> String {
  let entries: Vec<Entry> = files.iter().map(|(path, text)| Entry::of(path, text)).collect();
  manifest_of(stamp, &entries)
}

/// `manifest`, from entries already hashed (a fleet hashes each file once, for the spoke's
/// manifest and the tree's).
pub fn manifest_of(stamp: &Map<String, Value>, entries: &[Entry]) -> String {
  let mut doc = Map::new();
  doc.insert("generator".into(), "amlnet".into());
  doc.extend(stamp.clone());
  let artifacts: Vec<Value> = entries
    .iter()
    .map(|e| serde_json::json!({ "path": e.path, "sha256": e.sha256, "bytes": e.bytes }))
    .collect();
  doc.insert("artifacts".into(), Value::Array(artifacts));
  crate::syntax::json::document(&Value::Object(doc))
}

/// One file of a manifest: its `/`-separated path in the tree, sha256 (hex) and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
  pub path: String,
  pub sha256: String,
  pub bytes: usize,
}

impl Entry {
  pub fn of(path: &str, text: &str) -> Entry {
    use std::fmt::Write as _;
    let mut sha256 = String::with_capacity(64);
    for b in Sha256::digest(text.as_bytes()) {
      let _ = write!(sha256, "{b:02x}");
    }
    Entry {
      path: path.to_string(),
      sha256,
      bytes: text.len(),
    }
  }

  /// The same file seen from a directory `prefix` levels up (`ws-1/` + `nsg/nsg.json`).
  pub fn under(&self, prefix: &str) -> Entry {
    Entry {
      path: format!("{prefix}/{}", self.path),
      ..self.clone()
    }
  }
}

/// Replace `dir` with exactly `files` and their manifest (see the module comment).
pub fn replace_dir(
  dir: &Path,
  options: &Options,
  stamp: &Map<String, Value>,
  files: &[(String, String)],
) -> Result<()> {
  let staging = Staging::begin(dir, options)?;
  let mut entries = Vec::with_capacity(files.len());
  for (rel, text) in files {
    entries.push(staging.write(rel, text)?);
  }
  staging.finish(options, stamp, &entries)
}

pub(crate) fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
  let path = path.to_path_buf();
  move |source| Error::Write { path, source }
}

fn refuse(dir: &Path, reason: impl Into<String>) -> Error {
  Error::OutDir {
    path: dir.to_path_buf(),
    reason: reason.into(),
  }
}

/// The directory that holds `dir` (staging and lock go there) and `dir`'s own name.
pub(crate) fn split(dir: &Path) -> Result<(PathBuf, String)> {
  let text = dir.to_string_lossy();
  let last = text.trim_end_matches(['/', std::path::MAIN_SEPARATOR]);
  let last = last.rsplit(['/', std::path::MAIN_SEPARATOR]).next().unwrap_or("");
  let name = match dir.file_name() {
    Some(name) if !matches!(last, "" | "." | "..") => name.to_string_lossy().into_owned(),
    _ => {
      return Err(refuse(
        dir,
        "name a directory of its own, not `.`, `..` or a root",
      ))
    }
  };
  let parent = dir
    .parent()
    .filter(|p| !p.as_os_str().is_empty())
    .unwrap_or(Path::new("."));
  Ok((parent.to_path_buf(), name))
}

/// May `dir` be replaced? Missing, empty or amlnet's: yes; otherwise only with `force`,
/// and never the working directory, its parents, a file, a link or a home of an input.
pub(crate) fn check(dir: &Path, options: &Options) -> Result<()> {
  let meta = match std::fs::symlink_metadata(dir) {
    Ok(meta) => meta,
    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
    Err(source) => {
      return Err(Error::Read {
        path: dir.to_path_buf(),
        source,
      })
    }
  };
  if meta.file_type().is_symlink() {
    return Err(refuse(
      dir,
      "it is a symbolic link; name the directory it points to",
    ));
  }
  if !meta.is_dir() {
    return Err(refuse(dir, "it is a file, not a directory"));
  }
  let canonical = dir.canonicalize().map_err(|source| Error::Read {
    path: dir.to_path_buf(),
    source,
  })?;
  if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) {
    if cwd.starts_with(&canonical) {
      return Err(refuse(dir, "it is the working directory or a parent of it"));
    }
  }
  for input in &options.inputs {
    if input.canonicalize().is_ok_and(|i| i.starts_with(&canonical)) {
      return Err(refuse(dir, format!("it holds the input `{}`", input.display())));
    }
  }
  let mut entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
    path: dir.to_path_buf(),
    source,
  })?;
  if entries.next().is_none() || options.force || is_amlnet(dir) {
    return Ok(());
  }
  Err(refuse(
    dir,
    format!(
      "it is not empty and has no {MANIFEST} written by amlnet, so replacing it could lose files; \
       choose a new or empty directory, or pass --force to replace it"
    ),
  ))
}

/// Does `dir` hold a manifest amlnet wrote?
pub fn is_amlnet(dir: &Path) -> bool {
  // A manifest is a few KiB; a FIFO, a device or a huge file there is not amlnet's.
  read_regular(&dir.join(MANIFEST), 16 << 20)
    .ok()
    .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
    .is_some_and(|v| v.get("generator").and_then(Value::as_str) == Some("amlnet"))
}

/// Why `read_regular` did not return a file's bytes.
#[derive(Debug)]
pub enum ReadRefused {
  /// Not a regular file (after following links): a directory, a device, a FIFO.
  NotRegular,
  /// Larger than the limit.
  TooLarge,
  Io(std::io::Error),
}

/// The bytes of a regular file of at most `limit` bytes, read with that bound, so a device,
/// a FIFO or a file that grows while it is read fails at once instead of exhausting memory.
/// Every untrusted file amlnet reads goes through here.
pub fn read_regular(path: &Path, limit: u64) -> std::result::Result<Vec<u8>, ReadRefused> {
  use std::io::Read as _;
  let meta = std::fs::metadata(path).map_err(ReadRefused::Io)?;
  if !meta.is_file() {
    return Err(ReadRefused::NotRegular);
  }
  let mut bytes = Vec::new();
  std::fs::File::open(path)
    .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
    .map_err(ReadRefused::Io)?;
  if bytes.len() as u64 > limit {
    return Err(ReadRefused::TooLarge);
  }
  Ok(bytes)
}
