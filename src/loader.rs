//! Reads a profile file and the chain of files it `extends`, and merges them.
//!
//! The only stage that touches the file system on the compile path. Returns the
//! source map (for diagnostics), the merged raw profile (child keys win over base
//! keys, arrays of tables are replaced whole), and a sha256 over every file's text
//! in load order, which stamps every artifact. Files are named in the source map both as
//! reached from the command line and relative to the main profile's directory (the
//! main profile by its file name), so the IR is the same from any cwd.

use std::path::{Path, PathBuf};

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

pub fn load(path: &Path) -> Result<Loaded, Error> {
  let mut sources = SourceMap::default();
  let mut chain: Vec<RawProfile> = Vec::new();
  let mut seen: Vec<PathBuf> = Vec::new();
  let mut hasher = Sha256::new();
  let main_name = PathBuf::from(path.file_name().unwrap_or(path.as_os_str()));
  let mut next = Some((path.to_path_buf(), main_name));
  while let Some((path, name)) = next.take() {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Read {
      path: path.clone(),
      source,
    })?;
    hasher.update(text.as_bytes());
    let file = sources.add(path.display().to_string(), slashed(&name), text);
    let raw = match profile::parse(&sources.files()[file].text, file) {
      Ok(raw) => raw,
      Err(problem) => return Err(fail(&sources, &[*problem])),
    };
    if let Some(extends) = &raw.extends {
      let base = path.parent().unwrap_or(Path::new(".")).join(&extends.value);
      let base_canonical = base.canonicalize().unwrap_or_else(|_| base.clone());
      if seen.contains(&base_canonical) || base_canonical == canonical || chain.len() + 1 >= MAX_EXTENDS {
        let problem = Problem::error(
          "AML003",
          "`extends` forms a cycle or a chain deeper than 8 files",
          Some(extends.span.clone()),
        )
        .hint("make the base profile stand on its own (it must not extend this file)");
        return Err(fail(&sources, &[problem]));
      }
      if !base.is_file() {
        let problem = Problem::error(
          "AML004",
          format!("`extends` names `{}`, which does not exist", base.display()),
          Some(extends.span.clone()),
        )
        .hint("the path is relative to the directory of the profile that extends it");
        return Err(fail(&sources, &[problem]));
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

/// A relative path with `/` separators on every OS.
fn slashed(path: &Path) -> String {
  let parts: Vec<String> = path
    .components()
    .map(|c| c.as_os_str().to_string_lossy().into_owned())
    .collect();
  parts.join("/")
}

/// Render profile problems into the one error the CLI prints.
pub fn fail(sources: &SourceMap, problems: &[Problem]) -> Error {
  let rendered: Vec<String> = problems.iter().map(|p| p.render(sources)).collect();
  Error::Profile {
    rendered: rendered.join("\n"),
    count: problems.len(),
  }
}
