//! Fuzzing on stable Rust: replays the regression corpus (tests/fuzz/corpus/), then mutates
//! the shipped profiles, the invalid profiles and the corpus (hostile strings, edge numbers, odd
//! CIDRs, deleted keys and tables, duplicated arrays, swapped types, raw byte edits) and drives
//! `compile` (every backend), `explain` and `diff` (the binary) on each input. Properties: no
//! panic; every error located; a successful compile's artifacts parse and carry no control
//! character or injected text. Deterministic: `AMLNET_FUZZ_SEED` (default 0),
//! `AMLNET_FUZZ_SECONDS` (wall clock, default 60), `AMLNET_FUZZ_CASES` (default 3000),
//! `AMLNET_FUZZ_ONLY=N` replays case N. Failing inputs are saved under target/fuzz-failures/.

mod check;
mod mutate;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use check::Finding;
use mutate::{mutate_bytes, mutate_json, mutate_value, Rng};

use crate::support::{amlnet, root, scratch, shipped_profiles};

/// Artifact properties known to fail today, as (property, artifact path prefix): reported, not
/// failed. The escaping work shrinks this list; an entry that no longer matches is harmless.
const KNOWN: &[(&str, &str)] = &[];

/// Run `diff` (the binary) on one case in this many; it costs a process and two compiles.
const DIFF_EVERY: usize = 8;

fn env_num(name: &str, default: u64) -> u64 {
  std::env::var(name)
    .ok()
    .and_then(|v| v.trim().parse().ok())
    .unwrap_or(default)
}

/// One input: a profile (bytes, under its file name), an optional mutated base, and what made it.
#[derive(Clone)]
struct Case {
  id: String,
  name: String,
  profile: Vec<u8>,
  base: Option<Vec<u8>>,
  origin: PathBuf,
  log: Vec<String>,
}

/// What the run saw: panics fail it; findings fail it unless known; unlocated errors are listed.
#[derive(Default)]
struct Stats {
  cases: usize,
  compiled: usize,
  panics: Vec<String>,
  findings: BTreeMap<(&'static str, String), (usize, String)>,
  unlocated: BTreeMap<String, (usize, String)>,
}

/// The scratch directory every case is written into, with the shipped `base/` beside it.
struct Work {
  dir: PathBuf,
  base: Vec<u8>,
}

const BASE: &str = "base/contoso-eastus.toml";

impl Work {
  fn new() -> Self {
    let dir = scratch("fuzz");
    std::fs::create_dir_all(dir.join("base")).expect("scratch base/");
    let base = std::fs::read(root().join("profiles").join(BASE)).expect("the shipped base");
    Work { dir, base }
  }

  fn write(&self, case: &Case) -> PathBuf {
    let base = case.base.as_deref().unwrap_or(&self.base);
    std::fs::write(self.dir.join(BASE), base).expect("scratch writable");
    let path = self.dir.join(&case.name);
    std::fs::write(&path, &case.profile).expect("scratch writable");
    path
  }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
  p.downcast_ref::<&str>()
    .map(|s| s.to_string())
    .or_else(|| p.downcast_ref::<String>().cloned())
    .unwrap_or_else(|| "non-string panic".into())
}

/// Save a failing input where a developer (or tests/fuzz/corpus/) can pick it up.
fn save(case: &Case, why: &str) -> String {
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

/// Drive every library entry point and the diff binary on one case and record what broke.
fn run(work: &Work, case: &Case, with_diff: bool, rng: &mut Rng, stats: &mut Stats) {
  stats.cases += 1;
  let path = work.write(case);
  let compiled = match catch_unwind(|| amlnet::compile(&path)) {
    Err(p) => {
      let msg = format!("compile panicked: {}", panic_text(p));
      stats.panics.push(format!("{msg} ({})", save(case, &msg)));
      return;
    }
    Ok(r) => r,
  };
  if std::env::var_os("AMLNET_FUZZ_VERBOSE").is_some() {
    let first = compiled
      .as_ref()
      .err()
      .map(|e| e.to_string().lines().next().unwrap_or_default().to_string());
    println!(
      "fuzz: {} {:?}: {}",
      case.id,
      case.log,
      first.as_deref().unwrap_or("compiled")
    );
  }
  match &compiled {
    Err(amlnet::Error::Profile { rendered, .. }) if !check::located(rendered) => {
      for code in check::codes(rendered) {
        let e = stats.unlocated.entry(code).or_insert((0, rendered.clone()));
        e.0 += 1;
      }
    }
    Err(amlnet::Error::Profile { .. }) | Err(amlnet::Error::Read { .. }) => {}
    Err(other) => {
      let e = stats.unlocated.entry(
        format!("{other:?}")
          .split([' ', '{'])
          .next()
          .unwrap_or_default()
          .into(),
      );
      e.or_insert((0, other.to_string())).0 += 1;
    }
    Ok(c) => {
      stats.compiled += 1;
      for f in check::artifacts(&c.output) {
        record(stats, case, f);
      }
      explain_all(case, &c.ir, stats);
    }
  }
  if with_diff {
    diff(
      work,
      case,
      &path,
      compiled.as_ref().ok().map(|c| &c.ir),
      rng,
      stats,
    );
  }
}

fn record(stats: &mut Stats, case: &Case, f: Finding) {
  let group = match f.artifact.rsplit_once('/') {
    Some((dir, file)) if file.ends_with(".zone") => format!("{dir}/*.zone"),
    _ => f.artifact.clone(),
  };
  let e = stats.findings.entry((f.property, group));
  if let std::collections::btree_map::Entry::Vacant(_) = e {
    let why = format!("{} in {}: {}", f.property, f.artifact, f.detail);
    let saved = save(case, &why);
    e.or_insert((0, format!("{why} ({saved})"))).0 += 1;
  } else {
    e.and_modify(|v| v.0 += 1);
  }
}

/// `explain` with no query, a flow id, a peer, a DNS name and a hostile query.
fn explain_all(case: &Case, ir: &amlnet::Ir, stats: &mut Stats) {
  let mut queries: Vec<Option<String>> = vec![None, Some(format!("x\n{}\u{202e}", mutate::MARKER))];
  queries.extend(ir.flows.first().map(|f| Some(f.id.clone())));
  queries.extend(ir.flows.last().map(|f| Some(f.peer.to_string())));
  queries.extend(ir.dns_records.first().map(|r| Some(r.name.clone())));
  for q in queries {
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| amlnet::explain::explain(ir, q.as_deref()))) {
      let msg = format!("explain {q:?} panicked: {}", panic_text(p));
      stats.panics.push(format!("{msg} ({})", save(case, &msg)));
    }
  }
}

/// `amlnet diff ORIGINAL MUTATED` in a rotating format, then against mutated IR JSON. Exit 0 or
/// 1 when both sides compile, 2 with a message naming the bad side otherwise; never a panic.
fn diff(work: &Work, case: &Case, path: &Path, ir: Option<&amlnet::Ir>, rng: &mut Rng, stats: &mut Stats) {
  let origin = case.origin.to_string_lossy().into_owned();
  let format = *rng.pick(&["text", "markdown", "json"]);
  let mut sides = vec![path.to_path_buf()];
  if let Some(ir) = ir {
    let mut json: serde_json::Value = serde_json::from_str(&ir.to_json()).expect("IR JSON parses");
    mutate_json(rng, &mut json);
    let file = work.dir.join("mutated-ir.json");
    std::fs::write(&file, serde_json::to_string_pretty(&json).expect("serializable"))
      .expect("scratch writable");
    sides.push(file);
  }
  for side in sides {
    let run = amlnet(&["diff", &origin, &side.to_string_lossy(), "--format", format]);
    let bad = match run.code {
      0 | 1 => None,
      2 if run.stderr.contains("error") || run.stderr.contains("cannot") => None,
      _ => Some(format!("diff exit {}: {}", run.code, run.stderr)),
    };
    if let Some(msg) = bad.or_else(|| run.stderr.contains("panicked").then(|| run.stderr.clone())) {
      stats.panics.push(format!("{msg} ({})", save(case, &msg)));
    }
  }
}

/// The inputs mutation starts from: shipped profiles, invalid profiles, the corpus.
fn pool() -> Vec<Case> {
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
      id: crate::support::stem(&p),
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
fn generate(pool: &[Case], work: &Work, seed: u64, i: usize) -> (Case, Rng) {
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
fn corpus() -> Vec<Case> {
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
        id: format!("corpus-{}", crate::support::stem(&p)),
        name: main.file_name()?.to_string_lossy().into_owned(),
        profile: std::fs::read(&main).ok()?,
        base,
        origin: PathBuf::from("profiles/secure-workspace.toml"),
        log: vec![format!("corpus entry {}", p.display())],
      })
    })
    .collect()
}

fn report(stats: &Stats, seed: u64, elapsed: Duration) -> bool {
  println!(
    "fuzz: seed {seed}: {} cases ({} compiled) in {:.1}s",
    stats.cases,
    stats.compiled,
    elapsed.as_secs_f64()
  );
  for (code, (n, example)) in &stats.unlocated {
    println!("fuzz: unlocated error {code} ×{n}, e.g.\n{example}");
  }
  let mut failed = !stats.panics.is_empty();
  for p in &stats.panics {
    println!("fuzz: PANIC {p}");
  }
  for ((property, artifact), (n, example)) in &stats.findings {
    let known = KNOWN
      .iter()
      .any(|(p, a)| p == property && artifact.starts_with(a));
    failed |= !known;
    let tag = if known { "known" } else { "FAIL" };
    println!("fuzz: {tag} {property} in {artifact} ×{n}, e.g. {example}");
  }
  !failed
}

#[test]
fn fuzz_corpus_then_mutations_hold_the_properties() {
  let seed = env_num("AMLNET_FUZZ_SEED", 0);
  let cap = Duration::from_secs(env_num("AMLNET_FUZZ_SECONDS", 60));
  let cases = env_num("AMLNET_FUZZ_CASES", 3000) as usize;
  let only = std::env::var("AMLNET_FUZZ_ONLY")
    .ok()
    .and_then(|v| v.parse::<usize>().ok());
  let (work, start, mut stats) = (Work::new(), Instant::now(), Stats::default());
  let mut rng = Rng::new(seed);
  if only.is_none() {
    let corpus = corpus();
    assert!(corpus.len() >= 5, "the regression corpus is present");
    for case in &corpus {
      run(&work, case, true, &mut rng, &mut stats);
    }
  }
  let pool = pool();
  for i in only.map_or(0..cases, |n| n..n + 1) {
    if start.elapsed() >= cap {
      break;
    }
    let (case, mut rng) = generate(&pool, &work, seed, i);
    run(
      &work,
      &case,
      i % DIFF_EVERY == 0 || only.is_some(),
      &mut rng,
      &mut stats,
    );
  }
  assert!(
    report(&stats, seed, start.elapsed()),
    "fuzz: a property failed (seed {seed}); inputs saved under target/fuzz-failures/"
  );
}
