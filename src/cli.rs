//! The command line, and the only layer that talks to the user: parses arguments (`args`),
//! calls the library with plain options, and decides everything the library never does:
//! what goes to stdout and stderr, colour (a terminal, `NO_COLOR`), and the exit code:
//! 0 success (no change for `diff`), 1 `diff` found changes, 2 error. Every library error
//! is shown here, once (`report`). Nothing below this layer prints, reads the environment
//! or exits; `tests/cli.rs` greps src/ for it.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;

use amlnet::Error;

mod args;
mod audit;
mod compile;
mod diff;
mod expand;
mod fleet;
mod query;
mod shell;

use args::{Cli, Color, Command};

/// Exit code of a run that worked (and, for `diff`, found no change).
const OK: u8 = 0;
/// Exit code of any error.
const FAILED: u8 = 2;

/// The global `--color` and `--quiet`, set once when the arguments are parsed.
static CONVENTIONS: std::sync::OnceLock<(Color, bool)> = std::sync::OnceLock::new();

/// Whether to colour a stream: `--color always|never`, else only a terminal, and never
/// with a non-empty `NO_COLOR` (https://no-color.org; an explicit `--color always` wins).
fn use_color(is_terminal: bool) -> bool {
  match CONVENTIONS.get().map_or(Color::Auto, |c| c.0) {
    Color::Always => true,
    Color::Never => false,
    Color::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
  }
}

/// Colour for what goes to stdout (the text views).
fn color_stdout() -> bool {
  use_color(std::io::stdout().is_terminal())
}

/// `--quiet`: no summary and no progress lines; results, warnings and errors still show.
fn quiet() -> bool {
  CONVENTIONS.get().is_some_and(|c| c.1)
}

/// `label` ("error", "warning") as stderr shows it: bold red or yellow when colour is on.
fn label(label: &str) -> String {
  if !use_color(std::io::stderr().is_terminal()) {
    return format!("{label}:");
  }
  let colour = if label == "error" { "31" } else { "33" };
  format!("\x1b[1;{colour}m{label}:\x1b[0m")
}

pub fn main() -> ExitCode {
  let cli = Cli::parse();
  let _ = CONVENTIONS.set((cli.color, cli.quiet));
  let json_errors = matches!(
    &cli.command,
    Command::Compile(c) if c.format == args::CompileFormat::Json
  );
  let result = match &cli.command {
    Command::Compile(args) => compile::compile(args),
    Command::Explain(args) => compile::explain(args),
    Command::Diff(args) => diff::diff(args),
    Command::Expand(args) => expand::expand(args),
    Command::Query(args) => query::query(args),
    Command::Audit(args) => audit::audit(args),
    Command::Init(args) => init(args),
    Command::Completions(args) => shell::completions(args),
    Command::Man(args) => shell::man(args),
    Command::Schema => write_stdout(&amlnet::schema::profile()).map(|()| OK),
  };
  match result {
    Ok(code) => ExitCode::from(code),
    Err(err) => {
      report(&err);
      if json_errors {
        let _ = write_stdout(&error_json(&err));
      }
      ExitCode::from(FAILED)
    }
  }
}

/// `amlnet init`: the starter on stdout, or in a new file with `--out`.
fn init(args: &args::InitArgs) -> amlnet::Result<u8> {
  let text = amlnet::init::starter(&args.scenario, args.cloud.as_deref(), args.region.as_deref())?;
  match &args.out {
    Some(path) => {
      amlnet::io::write_new(path, &text)?;
      if !quiet() {
        eprintln!(
          "wrote {}",
          amlnet::syntax::terminal_text(&path.display().to_string())
        );
      }
    }
    None => write_stdout(&text)?,
  }
  Ok(OK)
}

/// Show a library error on stderr: profile errors as located code frames and a count.
fn report(err: &Error) {
  match err {
    Error::Profile(errors) => {
      eprint!("{}", errors.render());
      eprintln!("{} {}", label("error"), profile_summary(errors));
    }
    err => eprintln!(
      "{} {}",
      label("error"),
      amlnet::syntax::terminal_text(&err.to_string())
    ),
  }
}

/// "the profile has 2 errors; nothing was written" ("the fleet has …" for a fleet's).
fn profile_summary(errors: &amlnet::error::ProfileErrors) -> String {
  let count = errors.count();
  let s = if count == 1 { "" } else { "s" };
  format!(
    "the {} has {count} error{s}; nothing was written",
    errors.subject()
  )
}

/// The error document `compile --format json` prints on stdout when it fails: `error`, the
/// one-line summary, and `diagnostics`, each profile error as the IR writes diagnostics
/// (severity, code, message, location, sources); empty for errors that are not the
/// profile's (an unreadable file, a refused `--out`).
fn error_json(err: &Error) -> String {
  let (summary, diagnostics) = match err {
    Error::Profile(errors) => (profile_summary(errors), errors.diagnostics()),
    err => (err.to_string(), Vec::new()),
  };
  let doc = serde_json::json!({ "error": summary, "diagnostics": diagnostics });
  amlnet::syntax::json::document(&doc)
}

/// Write a command's result to stdout. A reader that closes the pipe early (`| head`) is
/// its choice, not an error.
fn write_stdout(text: &str) -> amlnet::Result<()> {
  let mut stdout = std::io::stdout().lock();
  match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
    Err(source) => Err(Error::Write {
      path: PathBuf::from("<stdout>"),
      source,
    }),
    Ok(()) => Ok(()),
  }
}
