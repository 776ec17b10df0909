//! `amlnet diff`: what changed between two profiles or compiled IR files.
//!
//! Takes two paths (each a profile, compiled on the fly, or IR JSON from `compile --format json`),
//! compares the two IRs on rule identity and returns the exit code: 0 no change, 1 changes (or,
//! with `--fail-on`, changes of a listed kind), errors go back as `Error` for exit 2. The change
//! list is written to stdout as a terminal view, a Markdown change ticket or JSON. It never
//! compares text or list positions, and never writes anything but stdout.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

mod changes;
mod load;
mod render;

pub use changes::Kind;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
  /// Old side: a profile (.toml) or a compiled IR (.json)
  pub old: PathBuf,
  /// New side: a profile (.toml) or a compiled IR (.json)
  pub new: PathBuf,
  /// Output format
  #[arg(long, value_enum, default_value_t = Format::Text)]
  pub format: Format,
  /// Colour the text view: auto (when stdout is a terminal and NO_COLOR is unset), always, never
  #[arg(long, value_enum, default_value_t = Color::Auto)]
  pub color: Color,
  /// Exit 1 only when a change of one of these kinds exists (comma list); without it any change exits 1
  #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
  pub fail_on: Vec<FailOn>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
  /// Readable terminal view
  Text,
  /// A change ticket with tables
  Markdown,
  /// Stable machine-readable shape (docs/diff.md)
  Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
  Auto,
  Always,
  Never,
}

/// What `--fail-on` accepts: a change kind, or `any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
  Added,
  Removed,
  Widened,
  Narrowed,
  Changed,
  Dns,
  Diagnostics,
  Settings,
  Any,
}

impl FailOn {
  fn covers(self, kind: Kind) -> bool {
    match self {
      FailOn::Added => kind == Kind::Added,
      FailOn::Removed => kind == Kind::Removed,
      FailOn::Widened => kind == Kind::Widened,
      FailOn::Narrowed => kind == Kind::Narrowed,
      FailOn::Changed => kind == Kind::Changed,
      FailOn::Dns => kind == Kind::Dns,
      FailOn::Diagnostics => kind == Kind::Diagnostics,
      FailOn::Settings => kind == Kind::Settings,
      FailOn::Any => true,
    }
  }
}

pub fn run(args: &DiffArgs) -> crate::Result<i32> {
  let old = load::load(&args.old)?;
  let new = load::load(&args.new)?;
  let diff = changes::diff(&old, &new);
  let out = match args.format {
    Format::Text => render::text(&diff, use_color(args.color)),
    Format::Markdown => render::markdown(&diff),
    Format::Json => render::json(&diff),
  };
  write_stdout(&out)?;
  Ok(exit_code(&diff.summary.kinds, &args.fail_on))
}

/// diff(1) semantics, narrowed by `--fail-on` so CI can gate only on changes that open access.
fn exit_code(kinds: &[Kind], fail_on: &[FailOn]) -> i32 {
  let fails = if fail_on.is_empty() {
    !kinds.is_empty()
  } else {
    kinds.iter().any(|k| fail_on.iter().any(|f| f.covers(*k)))
  };
  i32::from(fails)
}

fn use_color(choice: Color) -> bool {
  match choice {
    Color::Always => true,
    Color::Never => false,
    // https://no-color.org: any non-empty NO_COLOR turns automatic colour off.
    Color::Auto => {
      std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }
  }
}

fn write_stdout(text: &str) -> crate::Result<()> {
  let mut stdout = std::io::stdout().lock();
  match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
    // `amlnet diff … | head` closing the pipe early is not an error worth exit 2.
    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
    Err(e) => Err(crate::Error::input(format!(
      "cannot write the diff to stdout: {e}"
    ))),
    Ok(()) => Ok(()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[track_caller]
  fn case(kinds: &[Kind], fail_on: &[FailOn], expected: i32) {
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
    case(&[Kind::Narrowed], &[FailOn::Added, FailOn::Widened], 0);
    case(
      &[Kind::Narrowed, Kind::Widened],
      &[FailOn::Added, FailOn::Widened],
      1,
    );
    case(&[Kind::Diagnostics], &[FailOn::Any], 1);
    case(&[], &[FailOn::Any], 0);
  }
}
