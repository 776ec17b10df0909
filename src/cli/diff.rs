//! `amlnet diff`: prints the change list in the chosen format, colours the terminal view
//! as `--color` says (`cli::color_stdout`), and turns the kinds
//! of change found into the exit code, narrowed by `--fail-on`.

use amlnet::diff::{Kind, Options};
use amlnet::Error;

use super::args::{DiffArgs, DiffFormat, FailOn};
use super::{color_stdout, write_stdout};

pub fn diff(args: &DiffArgs) -> Result<u8, Error> {
  if amlnet::fleet::looks_like_fleet(&args.old) && amlnet::fleet::looks_like_fleet(&args.new) {
    return fleet_diff(args);
  }
  let diff = amlnet::diff::run(&Options {
    old: &args.old,
    new: &args.new,
  })?;
  let text = match args.format {
    DiffFormat::Text => diff.text(color_stdout()),
    DiffFormat::Markdown => diff.markdown(),
    DiffFormat::Json => diff.json(),
  };
  write_stdout(&text)?;
  let over = thresholds_exceeded(&diff, args.max_changes, args.max_change_ratio);
  for why in &over {
    eprintln!("error: {why}; review this release by hand before deploying it");
  }
  Ok(if over.is_empty() {
    exit_code(&diff.summary.kinds, &args.fail_on)
  } else {
    1
  })
}

/// Two fleet files: per workspace and the hub (`amlnet::fleet::diff`); `--fail-on` applies to
/// every kind found, the change thresholds to each workspace's own diff.
fn fleet_diff(args: &DiffArgs) -> Result<u8, Error> {
  let diff = amlnet::fleet::diff::run(&args.old, &args.new)?;
  let text = match args.format {
    DiffFormat::Text => diff.text(color_stdout()),
    DiffFormat::Markdown => diff.markdown(),
    DiffFormat::Json => diff.json(),
  };
  write_stdout(&text)?;
  let mut over = Vec::new();
  for (name, change) in &diff.workspaces {
    if let amlnet::fleet::diff::Workspace::Both(d) = change {
      over.extend(
        thresholds_exceeded(d, args.max_changes, args.max_change_ratio)
          .into_iter()
          .map(|why| format!("{name}: {why}")),
      );
    }
  }
  for why in &over {
    eprintln!("error: {why}; review this release by hand before deploying it");
  }
  Ok(if over.is_empty() {
    exit_code(&diff.kinds, &args.fail_on)
  } else {
    1
  })
}

/// The safety thresholds a release exceeds, each as a sentence.
fn thresholds_exceeded(diff: &amlnet::diff::Diff, max: Option<usize>, max_ratio: Option<f64>) -> Vec<String> {
  let mut over = Vec::new();
  let changes = diff.changes();
  if let Some(max) = max.filter(|&m| changes > m) {
    over.push(format!("{changes} changes exceed --max-changes {max}"));
  }
  let ratio = diff.change_ratio();
  if let Some(max) = max_ratio.filter(|&m| ratio > m) {
    over.push(format!(
      "{changes} changes are {:.0}% of the old side's {} rules and records, over --max-change-ratio {max}",
      ratio * 100.0,
      diff.old_entries
    ));
  }
  over
}

/// diff(1) semantics, narrowed by `--fail-on` so CI can gate only on changes that open access.
fn exit_code(kinds: &[Kind], fail_on: &[FailOn]) -> u8 {
  let fails = if fail_on.is_empty() {
    !kinds.is_empty()
  } else {
    kinds.iter().any(|k| fail_on.iter().any(|f| f.covers(*k)))
  };
  u8::from(fails)
}

#[cfg(test)]
mod tests {
  use super::*;

  const ANY: FailOn = FailOn(None);
  const ADDED: FailOn = FailOn(Some(Kind::Added));
  const WIDENED: FailOn = FailOn(Some(Kind::Widened));

  #[track_caller]
  fn case(kinds: &[Kind], fail_on: &[FailOn], expected: u8) {
    assert_eq!(
      exit_code(kinds, fail_on),
      expected,
      "kinds {kinds:?} fail_on {fail_on:?}"
    );
  }

  #[test]
  fn exit_codes() {
    case(&[], &[], 0);
    case(&[Kind::Narrowed], &[], 1);
    case(&[Kind::Narrowed], &[ADDED, WIDENED], 0);
    case(&[Kind::Narrowed, Kind::Widened], &[ADDED, WIDENED], 1);
    case(&[Kind::Diagnostics], &[ANY], 1);
    case(&[], &[ANY], 0);
  }
}
