//! `amlnet completions` and `amlnet man` (src/cli/shell.rs): the bash script loads in real
//! bash and completes `--fail-on` kinds, scenarios and file paths; every man page renders in
//! groff without a warning.

use std::process::Command;

use amlnet::diff::Kind;

use crate::support::{amlnet, root, scratch};

/// Run `script` in bash after sourcing amlnet's completion script; returns stdout.
fn bash_with_completion(script: &str) -> String {
  let run = amlnet(&["completions", "bash"]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  let file = scratch("completion").join("amlnet.bash");
  std::fs::write(&file, &run.stdout).expect("writable");
  let syntax = Command::new("bash")
    .arg("-n")
    .arg(&file)
    .output()
    .expect("bash runs");
  assert!(
    syntax.status.success(),
    "bash -n: {}",
    String::from_utf8_lossy(&syntax.stderr)
  );
  let out = Command::new("bash")
    .current_dir(root())
    .arg("-c")
    .arg(format!("source {}\n{script}", file.display()))
    .output()
    .expect("bash runs");
  assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
  String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The words bash offers after `words` (the last one being completed).
fn complete(words: &[&str]) -> Vec<String> {
  let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
  let script = format!(
    "COMP_WORDS=({})\nCOMP_CWORD={}\n_amlnet amlnet '{}' '{}' 2>/dev/null\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
    quoted.join(" "),
    words.len() - 1,
    words[words.len() - 1],
    words[words.len() - 2],
  );
  bash_with_completion(&script)
    .lines()
    .map(str::to_string)
    .collect()
}

#[test]
fn bash_completion_loads_and_registers() {
  let out = bash_with_completion("complete -p amlnet");
  assert!(out.contains("-F _amlnet amlnet"), "{out}");
  // With no candidates of its own (a profile argument), bash falls back to file names.
  assert!(out.contains("-o default"), "{out}");
}

#[test]
fn bash_completes_fail_on_kinds_scenarios_and_files() {
  let kinds = complete(&["amlnet", "diff", "a.toml", "b.toml", "--fail-on", ""]);
  for kind in Kind::ALL {
    assert!(kinds.contains(&kind.as_str().to_string()), "{kinds:?}");
  }
  assert!(kinds.contains(&"any".to_string()), "{kinds:?}");
  let audit = complete(&["amlnet", "audit", "p.toml", "--fail-on", ""]);
  assert!(audit.contains(&"shadowed".to_string()), "{audit:?}");
  let scenarios = complete(&["amlnet", "init", "--scenario", ""]);
  assert_eq!(scenarios, amlnet::init::scenarios(), "scenarios complete");
  let files = complete(&["amlnet", "expand", "p.toml", "--service-tags", "profi"]);
  assert_eq!(files, ["profiles"], "file options complete paths");
}

#[test]
fn every_shell_gets_a_script_naming_the_options() {
  for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
    let run = amlnet(&["completions", shell]);
    assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
    assert!(run.stdout.contains("fail-on"), "{shell}");
    assert!(run.stdout.contains("scenario"), "{shell}");
  }
  assert_eq!(amlnet(&["completions", "tcsh"]).code, 2);
}

#[test]
fn every_man_page_renders_without_warnings() {
  let mut pages = vec![None];
  let help = amlnet(&["--help"]).stdout;
  for command in [
    "compile",
    "explain",
    "diff",
    "expand",
    "query",
    "audit",
    "init",
    "completions",
    "man",
    "schema",
  ] {
    assert!(help.contains(command), "{command} is a command");
    pages.push(Some(command));
  }
  for page in pages {
    let mut args = vec!["man"];
    args.extend(page);
    let run = amlnet(&args);
    assert_eq!(run.code, 0, "{page:?}: {}", run.stderr);
    assert!(
      run.stdout.starts_with(".ie") || run.stdout.contains(".TH"),
      "{page:?} is roff"
    );
    let file = scratch("man").join("page.1");
    std::fs::write(&file, &run.stdout).expect("writable");
    let out = Command::new("groff")
      .args(["-man", "-Tutf8", "-ww", "-z"])
      .arg(&file)
      .output()
      .expect("groff runs (Debian groff-base: make deps)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{page:?}: {stderr}");
    let title = format!("amlnet{}", page.map(|p| format!("-{p}")).unwrap_or_default());
    assert!(run.stdout.contains(&title), "{page:?} titled {title}");
  }
  let unknown = amlnet(&["man", "compil"]);
  assert_eq!(unknown.code, 2);
  assert!(unknown.stderr.contains("commands: compile"), "{}", unknown.stderr);
}
