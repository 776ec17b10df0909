//! The command line: parses arguments, calls the library, writes files, sets the exit code.
//! Exit codes: 0 success (no change for `diff`), 1 `diff` found changes, 2 error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "amlnet", version, about = "Azure Machine Learning network isolation compiler")]
struct Cli {
  #[command(subcommand)]
  command: Command,
}

#[derive(Subcommand)]
enum Command {
  /// Show what changed between two profiles or compiled IR files
  Diff(amlnet::diff::DiffArgs),
  /// Expand a profile's service-tag rules into address prefixes
  Expand(amlnet::expand::ExpandArgs),
}

fn main() -> ExitCode {
  let cli = Cli::parse();
  let result = match &cli.command {
    Command::Diff(args) => amlnet::diff::run(args),
    Command::Expand(args) => amlnet::expand::run(args),
  };
  match result {
    Ok(code) => ExitCode::from(code as u8),
    Err(err) => {
      eprintln!("error: {err}");
      ExitCode::from(2)
    }
  }
}
