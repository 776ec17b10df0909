//! Fuzzing on stable Rust: replays the regression corpus (tests/fuzz/corpus/), then mutates
//! the shipped profiles, the invalid profiles and the corpus (hostile strings, edge numbers, odd
//! CIDRs, deleted keys and tables, duplicated arrays, swapped types, raw byte edits) and drives
//! `compile` (every backend), `explain` and `diff` (the binary) on each input. Properties: no
//! panic; every error located; a successful compile's artifacts parse and carry no control
//! character or injected text. Deterministic: `AMLNET_FUZZ_SEED` (default 0),
//! `AMLNET_FUZZ_SECONDS` (wall clock, default 60), `AMLNET_FUZZ_CASES` (default 3000),
//! `AMLNET_FUZZ_ONLY=N` replays case N. Failing inputs are saved under target/fuzz-failures/.

mod check;
mod inputs;
mod mutate;
mod values;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use check::Finding;
use inputs::{corpus, generate, pool, save, Case, Work};
use mutate::{mutate_json, Rng};

use crate::support::amlnet;

/// Findings known today, as (property, artifact path prefix, text in the detail): reported,
/// not failed. Each names the corpus entry that reproduces it; the fix removes its line.
const KNOWN: &[(&str, &str, &str)] = &[];

/// Run `diff` (the binary) on one case in this many; it costs a process and two compiles.
const DIFF_EVERY: usize = 8;

fn env_num(name: &str, default: u64) -> u64 {
  std::env::var(name)
    .ok()
    .and_then(|v| v.trim().parse().ok())
    .unwrap_or(default)
}

/// What the run saw: panics fail it; findings fail it unless known; unlocated errors are listed.
#[derive(Default)]
struct Stats {
  cases: usize,
  compiled: usize,
  panics: Vec<String>,
  findings: BTreeMap<(bool, &'static str, String), (usize, String)>,
  unlocated: BTreeMap<String, (usize, String)>,
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
  p.downcast_ref::<&str>()
    .map(|s| s.to_string())
    .or_else(|| p.downcast_ref::<String>().cloned())
    .unwrap_or_else(|| "non-string panic".into())
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
  if let Err(amlnet::Error::Profile(errors)) = &compiled {
    if let Some(detail) = check::shown_char(&errors.render()) {
      record(
        stats,
        case,
        Finding {
          property: "control-char",
          artifact: "error".into(),
          detail,
        },
      );
    }
  }
  let rendered = match &compiled {
    Err(amlnet::Error::Profile(errors)) => errors.render(),
    _ => String::new(),
  };
  match &compiled {
    Err(amlnet::Error::Profile(_)) if !check::located(&rendered) => {
      for code in check::codes(&rendered) {
        let e = stats.unlocated.entry(code).or_insert((0, rendered.clone()));
        e.0 += 1;
      }
    }
    Err(amlnet::Error::Profile(_)) | Err(amlnet::Error::Read { .. }) => {}
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
  let known = KNOWN
    .iter()
    .any(|(p, a, d)| *p == f.property && f.artifact.starts_with(a) && f.detail.contains(d));
  let group = match f.artifact.rsplit_once('/') {
    Some((dir, file)) if file.ends_with(".zone") => format!("{dir}/*.zone"),
    _ => f.artifact.clone(),
  };
  let entry = stats
    .findings
    .entry((known, f.property, group))
    .or_insert((0, String::new()));
  if entry.0 == 0 {
    let why = format!("{} in {}: {}", f.property, f.artifact, f.detail);
    entry.1 = format!("{why} ({})", save(case, &why));
  }
  entry.0 += 1;
}

/// `explain` with no query, a flow id, a peer, a DNS name and a hostile query.
fn explain_all(case: &Case, ir: &amlnet::Ir, stats: &mut Stats) {
  let mut queries: Vec<Option<String>> = vec![None, Some(format!("x\n{}\u{202e}", values::MARKER))];
  queries.extend(ir.flows.first().map(|f| Some(f.id.clone())));
  queries.extend(ir.flows.last().map(|f| Some(f.peer.to_string())));
  queries.extend(ir.dns_records.first().map(|r| Some(r.name.clone())));
  for q in queries {
    match catch_unwind(AssertUnwindSafe(|| {
      amlnet::explain::explain(ir, &amlnet::plan::Plan::new(ir), q.as_deref()).map(|e| {
        // Every rendering runs; the text one is what reaches a terminal.
        let _ = (e.json(), e.markdown());
        e.text()
      })
    })) {
      Err(p) => {
        let msg = format!("explain {q:?} panicked: {}", panic_text(p));
        stats.panics.push(format!("{msg} ({})", save(case, &msg)));
      }
      Ok(Ok(text)) => {
        if let Some(seen) = check::shown_char(&text) {
          let detail = format!("explain {q:?}: {seen}");
          record(
            stats,
            case,
            Finding {
              property: "control-char",
              artifact: "explain".into(),
              detail,
            },
          );
        }
      }
      Ok(Err(_)) => {}
    }
  }
}

/// `amlnet diff ORIGINAL MUTATED` in a rotating format, then ORIGINAL against the mutated
/// profile's IR JSON, itself mutated. Never a panic, nor a control character in its output;
/// exit 0 or 1 when both profiles compile; a refusal (exit 2) names the side it refuses.
fn diff(work: &Work, case: &Case, path: &Path, ir: Option<&amlnet::Ir>, rng: &mut Rng, stats: &mut Stats) {
  let origin = case.origin.to_string_lossy().into_owned();
  let format = *rng.pick(&["text", "markdown", "json"]);
  let both_compile = ir.is_some() && case.origin.starts_with("profiles");
  let mut sides = vec![(path.to_path_buf(), both_compile)];
  if let Some(ir) = ir {
    let mut json: serde_json::Value = serde_json::from_str(&ir.to_json()).expect("IR JSON parses");
    mutate_json(rng, &mut json);
    let file = work.dir.join("mutated-ir.json");
    std::fs::write(&file, serde_json::to_string_pretty(&json).expect("serializable"))
      .expect("scratch writable");
    sides.push((file, false));
  }
  for (side, must_succeed) in sides {
    let side = side.to_string_lossy().into_owned();
    let run = amlnet(&["diff", &origin, &side, "--format", format]);
    let detail = format!("diff {origin} {side}: exit {}\n{}", run.code, run.stderr);
    let shown = format!("{}{}", run.stdout, run.stderr);
    if let Some(seen) = check::shown_char(&shown) {
      let detail = format!("{seen} in the output of diff {origin} {side}");
      record(
        stats,
        case,
        Finding {
          property: "control-char",
          artifact: "diff".into(),
          detail,
        },
      );
    }
    if run.stderr.contains("panicked") || !(0..=2).contains(&run.code) {
      stats.panics.push(format!("{detail} ({})", save(case, &detail)));
    } else if run.code == 2
      && (must_succeed
        || !check::located(&run.stderr) && ![&origin, &side].iter().any(|p| run.stderr.contains(p.as_str())))
    {
      let property = if must_succeed {
        "diff-refused"
      } else {
        "diff-unnamed-input"
      };
      record(
        stats,
        case,
        Finding {
          property,
          artifact: "diff".into(),
          detail,
        },
      );
    }
  }
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
  for ((known, property, artifact), (n, example)) in &stats.findings {
    failed |= !known;
    let tag = if *known { "known" } else { "FAIL" };
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
