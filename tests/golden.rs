//! Golden files: every shipped profile × every artifact (plus the IR and the compile
//! summary) as insta snapshots in golden/<profile>/, and determinism of the whole output.

use crate::support::{amlnet, scratch, shipped_profiles, stem};

#[test]
fn every_profile_and_artifact_matches_its_golden_file() {
  for path in shipped_profiles() {
    let profile = stem(&path);
    let ir = amlnet::compile_path(&path).unwrap_or_else(|e| panic!("{profile} compiles: {e}"));
    let output = amlnet::backend::render_all(&ir, &amlnet::plan::Plan::new(&ir));
    let settings = |name: &str| {
      let mut s = insta::Settings::clone_current();
      s.set_snapshot_path(format!("../golden/{profile}"));
      s.set_prepend_module_to_snapshot(false);
      s.set_omit_expression(true);
      s.set_input_file(&path);
      s.set_snapshot_suffix("");
      let _ = name;
      s
    };
    settings("ir").bind(|| insta::assert_snapshot!("ir.json", ir.to_json()));
    let run = amlnet(&["compile", &path.to_string_lossy()]);
    assert_eq!(run.code, 0, "{profile}: {}", run.stderr);
    settings("summary").bind(|| insta::assert_snapshot!("summary", run.stdout));
    for artifact in &output.artifacts {
      let name = artifact.path.replace('/', "__");
      settings(&name).bind(|| insta::assert_snapshot!(name.clone(), artifact.contents));
    }
  }
}

#[test]
fn two_runs_write_identical_bytes() {
  for path in shipped_profiles() {
    let (a, b) = (scratch("det-a"), scratch("det-b"));
    for dir in [&a, &b] {
      let out = dir.join("out");
      let run = amlnet(&[
        "compile",
        &path.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
      ]);
      assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let files = |dir: &std::path::Path| {
      let mut v = Vec::new();
      let mut stack = vec![dir.join("out")];
      while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable").flatten() {
          if e.path().is_dir() {
            stack.push(e.path());
          } else {
            let rel = e.path().strip_prefix(dir).expect("inside").to_path_buf();
            v.push((rel, std::fs::read(e.path()).expect("readable")));
          }
        }
      }
      v.sort();
      v
    };
    let (fa, fb) = (files(&a), files(&b));
    assert!(fa.len() > 3, "{}: artifacts written", path.display());
    assert_eq!(fa, fb, "{}: byte-identical output", path.display());
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
  }
}
