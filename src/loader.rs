//! Reads a profile file and the chain of files it `extends`, and merges them.
//!
//! The only stage that touches the file system on the compile path. Returns the
//! source map (for diagnostics), the merged raw profile (child keys win over base
//! keys, arrays of tables are replaced whole), and a sha256 over every file's text
//! in load order, which stamps every artifact. Files are named in the source map both as
//! reached from the command line and relative to the main profile's directory (the
//! main profile by its file name), so the IR is the same from any cwd.
//!
//! Input is bounded: only regular files are read, at most `MAX_PROFILE_BYTES` of them,
//! and `extends` only names regular `.toml` files, so a device, a directory or a FIFO
//! fails at once instead of being read until memory runs out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use crate::diagnostic::{Problem, SourceMap};
use crate::profile::{self, Merge, RawProfile};
use crate::Error;

pub struct Loaded {
  pub sources: SourceMap,
  pub raw: RawProfile,
  pub hash: String,
  /// The file stem of the profile named on the command line.
  pub stem: String,
}

/// How deep an `extends` chain may go before it is treated as a mistake.
const MAX_EXTENDS: usize = 8;

/// The largest profile file amlnet reads (1 MiB; shipped profiles are a few KiB).
pub const MAX_PROFILE_BYTES: u64 = 1 << 20;

pub fn load(path: &Path) -> Result<Loaded, Error> {
  load_with(path, None)
}

/// Files that `extends` reaches, read, resolved and parsed once per run: a fleet's spokes
/// extend the same bases, and doing that once per spoke was a tenth of a thousand-spoke
/// fleet's compile. Keyed by the path as reached (spokes naming a base the same way share
/// it); a parse is kept per source-map position, which its spans record. Only what read and
/// parsed cleanly is kept, so every error is found and reported as without it.
#[derive(Default)]
pub struct Bases {
  files: Mutex<HashMap<PathBuf, Arc<Base>>>,
}

struct Base {
  canonical: PathBuf,
  text: String,
  parsed: Mutex<HashMap<usize, RawProfile>>,
}

impl Bases {
  fn get(&self, path: &Path) -> Option<Arc<Base>> {
    self
      .files
      .lock()
      .unwrap_or_else(PoisonError::into_inner)
      .get(path)
      .cloned()
  }

  /// The base at `path`, read now unless another compile already has.
  fn read(&self, path: &Path) -> Result<Arc<Base>, Error> {
    if let Some(base) = self.get(path) {
      return Ok(base);
    }
    let base = Arc::new(Base {
      canonical: path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
      text: read_bounded(path)?,
      parsed: Mutex::new(HashMap::new()),
    });
    let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(files.entry(path.to_path_buf()).or_insert(base).clone())
  }
}

impl Base {
  fn parsed(&self, file: usize) -> Option<RawProfile> {
    self
      .parsed
      .lock()
      .unwrap_or_else(PoisonError::into_inner)
      .get(&file)
      .cloned()
  }

  fn keep(&self, file: usize, raw: &RawProfile) {
    let mut parsed = self.parsed.lock().unwrap_or_else(PoisonError::into_inner);
    parsed.entry(file).or_insert_with(|| raw.clone());
  }
}

/// `load`, sharing the files it `extends` through `bases` (the profile itself is read anew).
pub fn load_with(path: &Path, bases: Option<&Bases>) -> Result<Loaded, Error> {
  let mut sources = SourceMap::default();
  let mut chain: Vec<RawProfile> = Vec::new();
  let mut seen: Vec<PathBuf> = Vec::new();
  let mut hasher = Sha256::new();
  let main_name = PathBuf::from(path.file_name().unwrap_or(path.as_os_str()));
  let mut next = Some((path.to_path_buf(), main_name));
  while let Some((path, name)) = next.take() {
    // The profile itself is every spoke's own; what it extends may be shared.
    let shared = match bases {
      Some(bases) if !chain.is_empty() => Some(bases.read(&path)?),
      _ => None,
    };
    let (canonical, text) = match &shared {
      Some(base) => (base.canonical.clone(), base.text.clone()),
      None => (
        path.canonicalize().unwrap_or_else(|_| path.clone()),
        read_bounded(&path)?,
      ),
    };
    hasher.update(text.as_bytes());
    let file = sources.add(path.display().to_string(), slashed(&name), text);
    let raw = match shared.as_ref().and_then(|b| b.parsed(file)) {
      Some(raw) => raw,
      None => match checked_parse(&sources, file) {
        Ok(raw) => {
          if let Some(base) = &shared {
            base.keep(file, &raw);
          }
          raw
        }
        Err(problem) => return Err(fail(sources, vec![*problem])),
      },
    };
    if let Some(extends) = &raw.extends {
      let base = path.parent().unwrap_or(Path::new(".")).join(&extends.value);
      let known = bases.and_then(|b| b.get(&base));
      let base_canonical = match &known {
        Some(known) => known.canonical.clone(),
        None => base.canonicalize().unwrap_or_else(|_| base.clone()),
      };
      if seen.contains(&base_canonical) || base_canonical == canonical || chain.len() + 1 >= MAX_EXTENDS {
        let problem = Problem::error(
          "AML003",
          "`extends` forms a cycle or a chain deeper than 8 files",
          Some(extends.span.clone()),
        )
        .hint("make the base profile stand on its own (it must not extend this file)");
        return Err(fail(sources, vec![problem]));
      }
      // A base already read was a regular `.toml` file then.
      if let Some(problem) = known
        .is_none()
        .then(|| extends_problem(&base, &extends.span))
        .flatten()
      {
        return Err(fail(sources, vec![problem]));
      }
      let base_name = normalize(&name.parent().unwrap_or(Path::new("")).join(&extends.value));
      next = Some((base, base_name));
    }
    seen.push(canonical);
    chain.push(raw);
  }
  let raw = chain
    .into_iter()
    .rev()
    .fold(None, |base, child| Some(child).merge(base))
    .unwrap_or_default();
  let stem = path
    .file_stem()
    .map(|s| s.to_string_lossy().into_owned())
    .unwrap_or_default();
  let hash = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
  Ok(Loaded {
    sources,
    raw,
    hash,
    stem,
  })
}

/// One file of the source map as a raw profile: no forbidden character, then TOML into the
/// raw tables (the checks every profile text gets, from a file or from memory).
fn checked_parse(sources: &SourceMap, file: usize) -> Result<RawProfile, Box<Problem>> {
  let text = &sources.files()[file].text;
  if let Some(problem) = forbidden_character(text, file) {
    return Err(Box::new(problem));
  }
  profile::parse(text, file)
}

/// A profile held in memory (`init` checks the starter it writes): one file, named `name`,
/// that extends nothing. Same checks as `load` past the reading of files.
pub fn from_text(name: &str, text: String) -> Result<Loaded, Error> {
  let mut sources = SourceMap::default();
  let hash = Sha256::digest(text.as_bytes())
    .iter()
    .map(|b| format!("{b:02x}"))
    .collect();
  let file = sources.add(name.to_string(), name.to_string(), text);
  let raw = match checked_parse(&sources, file) {
    Ok(raw) => raw,
    Err(problem) => return Err(fail(sources, vec![*problem])),
  };
  if let Some(extends) = &raw.extends {
    let problem = Problem::error(
      "AML004",
      "a profile in memory cannot `extends` a file",
      Some(extends.span.clone()),
    )
    .hint("write the profile to a file first");
    return Err(fail(sources, vec![problem]));
  }
  let stem = name.trim_end_matches(".toml").to_string();
  Ok(Loaded {
    sources,
    raw,
    hash,
    stem,
  })
}

/// Read one more input file (a fleet file) into `sources` under the same bounds and
/// character rules as a profile; its index in the source map.
pub fn read_source(path: &Path, sources: &mut SourceMap) -> Result<usize, Error> {
  let text = read_bounded(path)?;
  let name = path
    .file_name()
    .map_or_else(|| slashed(path), |n| n.to_string_lossy().into_owned());
  let file = sources.add(path.display().to_string(), name, text);
  if let Some(problem) = forbidden_character(&sources.files()[file].text, file) {
    return Err(fail(sources.clone(), vec![problem]));
  }
  Ok(file)
}

/// The regular `.toml` files of `dir` whose names match `pattern` (`*` any run of
/// characters, `?` one), sorted by name so a fleet's order never depends on the directory.
/// Only the last path component may hold wildcards.
pub fn glob(dir: &Path, pattern: &str) -> std::io::Result<Vec<PathBuf>> {
  let mut out = Vec::new();
  for entry in std::fs::read_dir(dir)? {
    let entry = entry?;
    let name = entry.file_name().to_string_lossy().into_owned();
    let path = entry.path();
    if wildcard_match(pattern.as_bytes(), name.as_bytes())
      && name.ends_with(".toml")
      && std::fs::metadata(&path).is_ok_and(|m| m.is_file())
    {
      out.push(path);
    }
  }
  out.sort();
  Ok(out)
}

/// Is `path` a regular `.toml` file (symlinks followed)? What a fleet's workspace entry must name.
pub fn is_profile_file(path: &Path) -> bool {
  path.extension().is_some_and(|e| e == "toml") && std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// `*` and `?` matching, iteratively (no backtracking blow-up on long names).
fn wildcard_match(pattern: &[u8], name: &[u8]) -> bool {
  let (mut p, mut n) = (0, 0);
  let mut star: Option<(usize, usize)> = None;
  while n < name.len() {
    if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == name[n]) {
      p += 1;
      n += 1;
    } else if p < pattern.len() && pattern[p] == b'*' {
      star = Some((p, n));
      p += 1;
    } else if let Some((sp, sn)) = star {
      p = sp + 1;
      n = sn + 1;
      star = Some((sp, sn + 1));
    } else {
      return false;
    }
  }
  pattern[p..].iter().all(|&c| c == b'*')
}

/// `a/./b/../c` as `a/c`, lexically (the file system is not asked).
fn normalize(path: &Path) -> PathBuf {
  use std::path::Component;
  let mut out = PathBuf::new();
  for c in path.components() {
    match c {
      Component::CurDir => {}
      Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
        out.pop();
      }
      c => out.push(c),
    }
  }
  out
}

/// A path with `/` separators on every OS (an absolute path keeps its one leading `/`).
fn slashed(path: &Path) -> String {
  use std::path::Component;
  let mut out = String::new();
  for c in path.components() {
    match c {
      Component::RootDir => out.push('/'),
      c => {
        if !out.is_empty() && !out.ends_with('/') {
          out.push('/');
        }
        out.push_str(&c.as_os_str().to_string_lossy());
      }
    }
  }
  out
}

/// Read a profile: a regular file (symlinks followed) of at most `MAX_PROFILE_BYTES`,
/// in UTF-8. The read itself is bounded, so a file that grows while it is read cannot
/// exhaust memory either.
fn read_bounded(path: &Path) -> Result<String, Error> {
  use crate::io::{read_regular, ReadRefused};
  let read_error = |source| Error::Read {
    path: path.to_path_buf(),
    source,
  };
  let bytes = match read_regular(path, MAX_PROFILE_BYTES) {
    Ok(bytes) => bytes,
    Err(ReadRefused::NotRegular) => {
      return Err(unreadable(
        path,
        "is not a regular file; a profile is a .toml file",
      ))
    }
    Err(ReadRefused::TooLarge) => {
      return Err(unreadable(
        path,
        &format!(
          "is larger than {} KiB, the limit for a profile file",
          MAX_PROFILE_BYTES / 1024
        ),
      ))
    }
    Err(ReadRefused::Io(source)) => return Err(read_error(source)),
  };
  let text = String::from_utf8(bytes).map_err(|e| {
    read_error(std::io::Error::new(
      std::io::ErrorKind::InvalidData,
      format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    ))
  })?;
  // A byte-order mark some editors write is not part of the profile; anywhere else it is
  // a forbidden character.
  Ok(match text.strip_prefix('\u{feff}') {
    Some(rest) => rest.to_string(),
    None => text,
  })
}

/// AML005: a profile file amlnet will not read, located by its path alone.
fn unreadable(path: &Path, why: &str) -> Error {
  let mut problem = Problem::error("AML005", format!("`{}` {why}", path.display()), None)
    .hint("name a profile: a regular .toml file of at most 1 MiB");
  problem.at = path.display().to_string();
  fail(SourceMap::default(), vec![problem])
}

/// What is wrong with the file an `extends` names: it must exist, be a regular file
/// (a symlink to one is fine) and end in `.toml`.
fn extends_problem(base: &Path, span: &crate::diagnostic::Span) -> Option<Problem> {
  let span = Some(span.clone());
  let hint = "the path is relative to the directory of the profile that extends it";
  let Ok(meta) = std::fs::metadata(base) else {
    return Some(
      Problem::error(
        "AML004",
        format!("`extends` names `{}`, which does not exist", base.display()),
        span,
      )
      .hint(hint),
    );
  };
  let toml = base.extension().is_some_and(|e| e == "toml");
  if meta.is_file() && toml {
    return None;
  }
  let what = if !meta.is_file() {
    "which is not a regular file"
  } else {
    "which does not end in `.toml`"
  };
  Some(
    Problem::error(
      "AML006",
      format!("`extends` names `{}`, {what}", base.display()),
      span,
    )
    .hint("`extends` names another profile: a regular .toml file, relative to this one"),
  )
}

/// A control or bidirectional-formatting character anywhere in a profile's text (tab,
/// line feed and carriage return excepted), keys and comments included.
fn forbidden_character(text: &str, file: usize) -> Option<Problem> {
  let (at, c) = text
    .char_indices()
    .find(|(_, c)| crate::model::text::is_forbidden(*c))?;
  Some(
    Problem::error(
      "AML019",
      format!(
        "the profile holds the control or formatting character {}",
        crate::model::text::describe(c)
      ),
      Some(crate::diagnostic::Span {
        file,
        range: at..at + c.len_utf8(),
      }),
    )
    .hint("remove it: control, line-separator and bidirectional-override characters hide what the text really says"),
  )
}

/// Profile problems as the one error the CLI shows, with the files they point into.
pub fn fail(sources: SourceMap, problems: Vec<Problem>) -> Error {
  Error::Profile(crate::error::ProfileErrors::problems(sources, problems))
}
