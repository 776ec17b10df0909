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

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

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
  let mut doc = Map::new();
  doc.insert("generator".into(), "amlnet".into());
  doc.extend(stamp.clone());
  let artifacts: Vec<Value> = files
    .iter()
    .map(|(path, text)| {
      let hash: String = Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
      serde_json::json!({ "path": path, "sha256": hash, "bytes": text.len() })
    })
    .collect();
  doc.insert("artifacts".into(), Value::Array(artifacts));
  crate::syntax::json::document(&Value::Object(doc))
}

/// Replace `dir` with exactly `files` and their manifest (see the module comment).
pub fn replace_dir(
  dir: &Path,
  options: &Options,
  stamp: &Map<String, Value>,
  files: &[(String, String)],
) -> Result<()> {
  let (parent, name) = split(dir)?;
  check(dir, options)?;
  std::fs::create_dir_all(&parent).map_err(write_err(&parent))?;
  let lock_path = parent.join(format!(".{name}.amlnet.lock"));
  let _lock = Lock::acquire(&lock_path).map_err(write_err(&lock_path))?;
  // Another writer may have changed the target while this one waited.
  check(dir, options)?;
  remove_stale(&parent, &name);
  let staging = parent.join(format!("{}{}", staging_prefix(&name), unique()));
  let result = stage(&staging, stamp, files).and_then(|()| swap(&staging, dir, &parent));
  match result {
    // `staging` now holds the previous tree, if there was one.
    Ok(()) => {
      let _ = std::fs::remove_dir_all(&staging);
      Ok(())
    }
    Err(e) => {
      let _ = std::fs::remove_dir_all(&staging);
      Err(e)
    }
  }
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
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
fn split(dir: &Path) -> Result<(PathBuf, String)> {
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
fn check(dir: &Path, options: &Options) -> Result<()> {
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

/// Staging trees of `name` are `.NAME.amlnet-staging-PID-NONCE[-old]`.
fn staging_prefix(name: &str) -> String {
  format!(".{name}.amlnet-staging-")
}

fn unique() -> String {
  use std::sync::atomic::{AtomicU32, Ordering};
  static N: AtomicU32 = AtomicU32::new(0);
  let nanos = std::time::SystemTime::now()
    .duration_since(std::time::UNIX_EPOCH)
    .map_or(0, |d| d.subsec_nanos());
  format!(
    "{}-{nanos:08x}{:x}",
    std::process::id(),
    N.fetch_add(1, Ordering::Relaxed)
  )
}

/// Remove staging trees of `name` in `parent`. Called with the lock held: every writer
/// holds it while its staging tree exists, so any tree found here belongs to a dead run.
fn remove_stale(parent: &Path, name: &str) {
  let prefix = staging_prefix(name);
  let Ok(entries) = std::fs::read_dir(parent) else {
    return;
  };
  for entry in entries.flatten() {
    if entry.file_name().to_string_lossy().starts_with(&prefix) {
      let path = entry.path();
      let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
    }
  }
}

/// Write every file and the manifest under the fresh directory `staging`, durably.
fn stage(staging: &Path, stamp: &Map<String, Value>, files: &[(String, String)]) -> Result<()> {
  std::fs::create_dir(staging).map_err(write_err(staging))?;
  let manifest = manifest(stamp, files);
  let all = files
    .iter()
    .map(|(p, t)| (p.as_str(), t.as_str()))
    .chain([(MANIFEST, manifest.as_str())]);
  for (rel, text) in all {
    let path = staging.join(rel);
    if let Some(dir) = path.parent() {
      std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    }
    let mut file = File::create(&path).map_err(write_err(&path))?;
    file.write_all(text.as_bytes()).map_err(write_err(&path))?;
    if !ONE_SYNC {
      file.sync_all().map_err(write_err(&path))?;
    }
  }
  // Durable before the swap either way. On Linux one syncfs of the staging tree's file
  // system replaces a sync per file: a fleet writes thousands of files, and each sync is a
  // journal commit (seconds per hundred files on a slow disk).
  #[cfg(any(target_os = "linux", target_os = "android"))]
  {
    let dir = File::open(staging).map_err(write_err(staging))?;
    rustix::fs::syncfs(&dir).map_err(|e| Error::Write {
      path: staging.to_path_buf(),
      source: e.into(),
    })?;
  }
  Ok(())
}

/// Whether `stage` makes the tree durable with one `syncfs` instead of a sync per file.
const ONE_SYNC: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// Put `staging` at `dir`; afterwards `staging` holds the previous tree, if any.
fn swap(staging: &Path, dir: &Path, parent: &Path) -> Result<()> {
  let result = if std::fs::symlink_metadata(dir).is_ok() {
    exchange(staging, dir)
  } else {
    std::fs::rename(staging, dir)
  };
  result.map_err(write_err(dir))?;
  // Make the new entry durable; a failure here changes nothing already done.
  let _ = File::open(parent).and_then(|d| d.sync_all());
  Ok(())
}

/// Swap two directories in one step where the OS can.
fn exchange(staging: &Path, dir: &Path) -> std::io::Result<()> {
  #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
  {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE) {
      Ok(()) => return Ok(()),
      // Kernels or file systems without the exchange: fall back below.
      Err(e) if e == Errno::INVAL || e == Errno::NOSYS || e == Errno::NOTSUP => {}
      Err(e) => return Err(e.into()),
    }
  }
  // Fallback: move the old tree aside, the new one in, then the old one to `staging`
  // (so the caller removes it). `dir` is missing between the first two renames.
  let mut aside = staging.as_os_str().to_owned();
  aside.push("-old");
  let aside = PathBuf::from(aside);
  std::fs::rename(dir, &aside)?;
  if let Err(e) = std::fs::rename(staging, dir) {
    let _ = std::fs::rename(&aside, dir);
    return Err(e);
  }
  // The new tree is in place: the run succeeded. Moving the old tree to `staging` only
  // hands it to the caller's clean-up; if that fails, the next run's clean-up of stale
  // staging trees (whose names `aside` shares) removes it.
  let _ = std::fs::rename(&aside, staging);
  Ok(())
}

/// An exclusive lock on a file beside the target, removed when released. A waiter that
/// wakes holding a file its predecessor already removed tries again on the current one.
struct Lock {
  path: PathBuf,
  _file: File,
}

impl Lock {
  fn acquire(path: &Path) -> std::io::Result<Lock> {
    loop {
      let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
      #[cfg(unix)]
      {
        use std::os::unix::fs::MetadataExt as _;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
        let held = file.metadata()?;
        match std::fs::metadata(path) {
          Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => {}
          _ => continue,
        }
      }
      return Ok(Lock {
        path: path.to_path_buf(),
        _file: file,
      });
    }
  }
}

impl Drop for Lock {
  fn drop(&mut self) {
    // Removed while still held (the file closes after this), so no one locks a stale file.
    let _ = std::fs::remove_file(&self.path);
  }
}
