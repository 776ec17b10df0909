//! Output conventions of every command (src/cli.rs): `--color auto|always|never` with
//! `NO_COLOR` honoured on a real terminal (util-linux `script` gives one), `--quiet`, machine
//! output never mixed with notes for people, and an example in every command's `--help`.

use std::process::Command;

use crate::support::{amlnet, command, root, scratch};

const COMMANDS: &[&str] = &[
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
];
const ESC: char = '\u{1b}';

#[test]
fn every_command_help_has_an_example() {
  let help = amlnet(&["--help"]).stdout;
  for command in COMMANDS {
    assert!(help.contains(command), "{command} is listed");
    let run = amlnet(&[command, "--help"]);
    assert_eq!(run.code, 0, "{command}: {}", run.stderr);
    assert!(
      run.stdout.contains("Example"),
      "{command} --help has no example:\n{}",
      run.stdout
    );
    assert!(
      run.stdout.contains(&format!("amlnet {command}")),
      "{command}'s example runs it"
    );
  }
}

#[test]
fn color_flag_colours_errors_and_never_turns_it_off() {
  let always = amlnet(&["--color", "always", "compile", "missing.toml"]);
  assert_eq!(always.code, 2);
  assert!(always.stderr.contains(ESC), "{:?}", always.stderr);
  // The flag is global: after the command too.
  let after = amlnet(&["compile", "missing.toml", "--color", "always"]);
  assert!(after.stderr.contains(ESC));
  let never = amlnet(&["compile", "missing.toml", "--color", "never"]);
  assert!(
    !never.stderr.contains(ESC) && never.stderr.starts_with("error: "),
    "{}",
    never.stderr
  );
  // Not a terminal: auto means no colour.
  assert!(!amlnet(&["compile", "missing.toml"]).stderr.contains(ESC));
}

/// Run amlnet on a pseudo-terminal (stdout and stderr both), with `no_color` as NO_COLOR.
fn on_terminal(args: &str, no_color: Option<&str>) -> String {
  let mut cmd = Command::new("script");
  cmd
    .current_dir(root())
    .args([
      "-qec",
      &format!("{} {args}", env!("CARGO_BIN_EXE_amlnet")),
      "/dev/null",
    ])
    .env_remove("NO_COLOR");
  if let Some(v) = no_color {
    cmd.env("NO_COLOR", v);
  }
  let out = cmd.output().expect("script (util-linux) runs");
  String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn auto_colour_on_a_terminal_unless_no_color_is_set() {
  assert!(on_terminal("compile missing.toml", None).contains(ESC));
  assert!(!on_terminal("compile missing.toml", Some("1")).contains(ESC));
  // An empty NO_COLOR is no request (no-color.org); an explicit flag beats NO_COLOR.
  assert!(on_terminal("compile missing.toml", Some("")).contains(ESC));
  assert!(on_terminal("--color always compile missing.toml", Some("1")).contains(ESC));
  assert!(!on_terminal("--color never compile missing.toml", None).contains(ESC));
}

#[test]
fn quiet_prints_only_results_and_errors() {
  let run = amlnet(&["--quiet", "compile", "profiles/secure-workspace.toml"]);
  assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
  let out = scratch("quiet").join("out");
  let run = amlnet(&[
    "compile",
    "-q",
    "profiles/secure-workspace.toml",
    "--out",
    &out.display().to_string(),
  ]);
  assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
  assert!(out.join("diagram.dot").exists());
  let file = scratch("quiet-init").join("p.toml");
  let run = amlnet(&[
    "init",
    "--quiet",
    "--scenario",
    "secure-workspace",
    "--out",
    &file.display().to_string(),
  ]);
  assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
  // Results still print, errors still show.
  assert!(!amlnet(&["-q", "explain", "profiles/secure-workspace.toml"])
    .stdout
    .is_empty());
  let failed = amlnet(&["-q", "compile", "missing.toml"]);
  assert_eq!(failed.code, 2);
  assert!(failed.stderr.contains("error"));
}

#[test]
fn json_output_is_only_json_whatever_the_colour() {
  for profile in [
    "profiles/usgov-secure-workspace.toml",
    "tests/profiles/firewall-dns-proxy.toml",
  ] {
    for args in [
      vec!["--color", "always", "compile", profile, "--format", "json"],
      vec!["--color", "always", "explain", profile, "--format", "json"],
      vec![
        "--color",
        "always",
        "diff",
        profile,
        "profiles/secure-workspace.toml",
        "--format",
        "json",
      ],
    ] {
      let out = command().args(&args).output().expect("runs");
      let stdout = String::from_utf8_lossy(&out.stdout);
      assert!(!stdout.contains(ESC), "{args:?}");
      serde_json::from_str::<serde_json::Value>(&stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{stdout}"));
    }
  }
}
