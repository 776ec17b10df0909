//! Inputs: the scratch directory cases are written into, the seed pool (shipped profiles,
//! invalid profiles, the corpus), case generation, the corpus reader, and saving a failing case.

use std::path::PathBuf;

use super::mutate::{mutate_bytes, mutate_value, Rng};
use crate::support::{root, scratch, shipped_profiles, stem};

pub const BASE: &str = "base/contoso-eastus.toml";

/// One input: a profile (bytes, under its file name), an optional mutated base, and what made it.
#[derive(Clone)]
pub struct Case {
  pub id: String,
  pub name: String,
  pub profile: Vec<u8>,
  pub base: Option<Vec<u8>>,
  pub origin: PathBuf,
  pub log: Vec<String>,
}

/// The scratch directory every case is written into, with the shipped `base/` beside it.
pub struct Work {
  pub dir: PathBuf,
  pub base: Vec<u8>,
}

impl Work {
  pub fn new() -> Self {
    let dir = scratch("fuzz");
    std::fs::create_dir_all(dir.join("base")).expect("scratch base/");
    let base = std::fs::read(root().join("profiles").join(BASE)).expect("the shipped base");
    Work { dir, base }
  }

  pub fn write(&self, case: &Case) -> PathBuf {
    let base = case.base.as_deref().unwrap_or(&self.base);
    std::fs::write(self.dir.join(BASE), base).expect("scratch writable");
    let path = self.dir.join(&case.name);
    std::fs::write(&path, &case.profile).expect("scratch writable");
    path
  }
}

/// Save a failing input where a developer (or tests/fuzz/corpus/) can pick it up.
pub fn save(case: &Case, why: &str) -> String {
  let dir = root().join("target/fuzz-failures").join(&case.id);
  let _ = std::fs::create_dir_all(dir.join("base"));
  let _ = std::fs::write(dir.join(&case.name), &case.profile);
  if let Some(base) = &case.base {
    let _ = std::fs::write(dir.join(BASE), base);
  }
  let _ = std::fs::write(
    dir.join("why.txt"),
    format!("{why}\nmutations:\n  {}\n", case.log.join("\n  ")),
  );
  format!("target/fuzz-failures/{}", case.id)
}

/// The inputs mutation starts from: shipped profiles, invalid profiles, the corpus.
pub fn pool() -> Vec<Case> {
  let mut files: Vec<PathBuf> = shipped_profiles();
  for dir in ["tests/invalid", "tests/fuzz/corpus"] {
    let mut more: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
      .expect("directory exists")
      .filter_map(|e| e.ok().map(|e| PathBuf::from(dir).join(e.file_name())))
      .filter(|p| p.extension().is_some_and(|e| e == "toml"))
      .collect();
    more.sort();
    files.extend(more);
  }
  files
    .into_iter()
    .map(|p| Case {
      id: stem(&p),
      name: p.file_name().expect("file").to_string_lossy().into_owned(),
      profile: std::fs::read(root().join(&p)).expect("readable"),
      base: None,
      origin: p,
      log: Vec::new(),
    })
    .collect()
}

/// Case `i` of a run: 1–3 (mostly 1) structure-aware edits of the profile or its base (raw byte edits
/// when the text is not TOML, and one time in four anyway).
pub fn generate(pool: &[Case], work: &Work, seed: u64, i: usize) -> (Case, Rng) {
  let mut rng = Rng::new(Rng::new(seed ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d)).next());
  // Shipped profiles seven times in ten: they compile, so their edits reach the backends.
  let shipped = pool
    .iter()
    .take_while(|c| c.origin.starts_with("profiles"))
    .count();
  let mut case = if rng.chance(70) {
    rng.pick(&pool[..shipped])
  } else {
    rng.pick(pool)
  }
  .clone();
  case.id = format!("seed{seed}-case{i}-{}", case.id);
  let extends = String::from_utf8_lossy(&case.profile).contains(BASE);
  let on_base = extends && rng.chance(25);
  let mut bytes = if on_base {
    work.base.clone()
  } else {
    case.profile.clone()
  };
  let parsed = std::str::from_utf8(&bytes)
    .ok()
    .and_then(|t| toml::from_str::<toml::Table>(t).ok());
  let n = *rng.pick(&[1, 1, 1, 1, 2, 2, 3]);
  match parsed {
    Some(table) if rng.chance(75) => {
      let mut doc = toml::Value::Table(table);
      for _ in 0..n {
        case.log.push(mutate_value(&mut rng, &mut doc));
      }
      if let Some(text) = doc.as_table().and_then(|t| toml::to_string(t).ok()) {
        bytes = text.into_bytes();
      }
    }
    _ => {
      let donor = rng.pick(pool).profile.clone();
      for _ in 0..n {
        case.log.push(mutate_bytes(&mut rng, &mut bytes, &donor).into());
      }
    }
  }
  if on_base {
    case.log.insert(0, format!("in {BASE}:"));
    case.base = Some(bytes);
  } else {
    case.profile = bytes;
  }
  (case, rng)
}

/// Every corpus entry: a profile (`NAME.toml`, beside the shipped `base/`) or a directory
/// holding one profile and its own `base/contoso-eastus.toml`.
pub fn corpus() -> Vec<Case> {
  let dir = root().join("tests/fuzz/corpus");
  let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
    .expect("corpus")
    .filter_map(|e| e.ok().map(|e| e.path()))
    .collect();
  entries.sort();
  entries
    .into_iter()
    .filter_map(|p| {
      let (main, base) = if p.is_dir() {
        let main = std::fs::read_dir(&p)
          .ok()?
          .filter_map(|e| e.ok().map(|e| e.path()))
          .find(|f| f.is_file() && f.extension().is_some_and(|e| e == "toml"))?;
        (main, std::fs::read(p.join(BASE)).ok())
      } else if p.extension().is_some_and(|e| e == "toml") {
        (p.clone(), None)
      } else {
        return None;
      };
      Some(Case {
        id: format!("corpus-{}", stem(&p)),
        name: main.file_name()?.to_string_lossy().into_owned(),
        profile: std::fs::read(&main).ok()?,
        base,
        origin: PathBuf::from("profiles/secure-workspace.toml"),
        log: vec![format!("corpus entry {}", p.display())],
      })
    })
    .collect()
}
