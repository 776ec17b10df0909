//! The staging tree of one `--out` write: created beside the target under the target's lock,
//! filled file by file (from several threads at once: a fleet writes each spoke as soon as it
//! is compiled, so its artifacts never pile up in memory), then made durable and swapped in
//! by `finish`. Dropped unfinished, it removes itself: a failed or refused run leaves the
//! target as it was and no staging tree behind.
//!
//! Takes `/`-separated relative paths and their text; returns each file's manifest `Entry`.
//! It decides nothing about which files exist and never prints.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{check, split, write_err, Entry, Options, MANIFEST};
use crate::{Error, Result};

/// A staging tree being filled; see the module comment.
pub struct Staging {
  target: PathBuf,
  parent: PathBuf,
  path: PathBuf,
  /// A sync started early (`sync_in_background`), joined before the final one.
  early: std::sync::Mutex<Option<std::thread::JoinHandle<Result<()>>>>,
  _lock: Lock,
}

impl Staging {
  /// Check that `dir` may be replaced (with the inputs known so far: `finish` checks again
  /// with all of them), take its lock, remove staging trees of dead runs and create a new one.
  pub fn begin(dir: &Path, options: &Options) -> Result<Staging> {
    let (parent, name) = split(dir)?;
    check(dir, options)?;
    std::fs::create_dir_all(&parent).map_err(write_err(&parent))?;
    let lock_path = parent.join(format!(".{name}.amlnet.lock"));
    let lock = Lock::acquire(&lock_path).map_err(write_err(&lock_path))?;
    // Another writer may have changed the target while this one waited.
    check(dir, options)?;
    remove_stale(&parent, &name);
    let path = parent.join(format!("{}{}", staging_prefix(&name), unique()));
    std::fs::create_dir(&path).map_err(write_err(&path))?;
    Ok(Staging {
      target: dir.to_path_buf(),
      parent,
      path,
      early: std::sync::Mutex::new(None),
      _lock: lock,
    })
  }

  /// Write one file of the tree (its directories are made as needed) and return its entry.
  /// Paths come from amlnet's backends and validated profile names, never from a profile
  /// string as is.
  pub fn write(&self, rel: &str, text: &str) -> Result<Entry> {
    let path = self.path.join(rel);
    let mut file = match File::create(&path) {
      Ok(file) => file,
      // Most files go into a directory an earlier file made: one `mkdir` per directory.
      Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
        if let Some(dir) = path.parent() {
          std::fs::create_dir_all(dir).map_err(write_err(dir))?;
        }
        File::create(&path).map_err(write_err(&path))?
      }
      Err(source) => return Err(Error::Write { path, source }),
    };
    file.write_all(text.as_bytes()).map_err(write_err(&path))?;
    if !ONE_SYNC {
      file.sync_all().map_err(write_err(&path))?;
    }
    Ok(Entry::of(rel, text))
  }

  /// Start making what is written so far durable while the caller goes on (a fleet's
  /// spokes, while its hub is planned and rendered): `finish` then waits for it and syncs
  /// only what came later. Where one sync covers the file system (Linux), that is most of
  /// the tree's writeback off the critical path.
  pub fn sync_in_background(&self) {
    if !ONE_SYNC {
      return;
    }
    let path = self.path.clone();
    let handle = std::thread::spawn(move || sync(&path));
    let mut early = self
      .early
      .lock()
      .unwrap_or_else(std::sync::PoisonError::into_inner);
    if early.is_none() {
      *early = Some(handle);
    }
  }

  /// Wait for a sync started early and return its outcome.
  fn join_early(&self) -> Result<()> {
    let handle = self
      .early
      .lock()
      .unwrap_or_else(std::sync::PoisonError::into_inner)
      .take();
    match handle.map(std::thread::JoinHandle::join) {
      Some(Ok(result)) => result,
      Some(Err(panic)) => std::panic::resume_unwind(panic),
      None => Ok(()),
    }
  }

  /// Write `manifest.json` (the stamp and `entries`, in their order), make the tree durable,
  /// check the target again with every input of the run, and swap the tree in.
  pub fn finish(self, options: &Options, stamp: &Map<String, Value>, entries: &[Entry]) -> Result<()> {
    let manifest = super::manifest_of(stamp, entries);
    self.write(MANIFEST, &manifest)?;
    self.join_early()?;
    sync(&self.path)?;
    check(&self.target, options)?;
    swap(&self.path, &self.target, &self.parent)
    // `self.path` now holds the previous tree, if there was one; `drop` removes it.
  }
}

impl Drop for Staging {
  fn drop(&mut self) {
    let _ = self.join_early();
    let _ = std::fs::remove_dir_all(&self.path);
  }
}

/// Durable before the swap. On Linux one syncfs of the staging tree's file system replaces a
/// sync per file: a fleet writes thousands of files, and each sync is a journal commit
/// (seconds per hundred files on a slow disk).
fn sync(staging: &Path) -> Result<()> {
  #[cfg(any(target_os = "linux", target_os = "android"))]
  {
    let dir = File::open(staging).map_err(write_err(staging))?;
    rustix::fs::syncfs(&dir).map_err(|e| Error::Write {
      path: staging.to_path_buf(),
      source: e.into(),
    })?;
  }
  let _ = staging;
  Ok(())
}

/// Whether the tree is made durable with one `syncfs` instead of a sync per file.
const ONE_SYNC: bool = cfg!(any(target_os = "linux", target_os = "android"));

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
