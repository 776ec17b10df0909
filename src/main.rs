//! The command line: parses arguments, calls the library (`amlnet::io` writes `--out`), sets the exit code.
//! The one reporting layer: every library error is printed here. Exit codes: 0 success
//! (no change for `diff`), 1 `diff` found changes, 2 error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use amlnet::backend::{self, Output};
use amlnet::ir::Severity;
use amlnet::{Error, Ir};

#[derive(Parser)]
#[command(
  name = "amlnet",
  version,
  about = "Azure Machine Learning network isolation compiler"
)]
struct Cli {
  #[command(subcommand)]
  command: Command,
}

#[derive(Subcommand)]
enum Command {
  /// Compile a profile into NSG, firewall, FQDN and DNS artifacts
  Compile {
    /// The profile (.toml)
    profile: PathBuf,
    /// Directory to write every artifact into (replaced atomically)
    #[arg(long)]
    out: Option<PathBuf>,
    /// Let --out replace a non-empty directory that amlnet did not write
    #[arg(long, requires = "out")]
    force: bool,
    /// `summary` prints counts and diagnostics; `json` prints the IR
    #[arg(long, value_enum, default_value = "summary")]
    format: CompileFormat,
  },
  /// Say why each rule or record exists
  Explain {
    /// The profile (.toml)
    profile: PathBuf,
    /// A flow id, service tag, FQDN, CIDR, requirement id or DNS name (default: everything)
    query: Option<String>,
  },
  /// Show what changed between two profiles or compiled IR files
  Diff(amlnet::diff::DiffArgs),
  /// Expand a profile's service-tag rules into address prefixes
  Expand(amlnet::expand::ExpandArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum CompileFormat {
  Summary,
  Json,
}

fn main() -> ExitCode {
  let cli = Cli::parse();
  let result = match &cli.command {
    Command::Compile {
      profile,
      out,
      force,
      format,
    } => compile(profile, out.as_deref(), *force, *format),
    Command::Explain { profile, query } => explain(profile, query.as_deref()),
    Command::Diff(args) => amlnet::diff::run(args).map(exit_code),
    Command::Expand(args) => amlnet::expand::run(args).map(exit_code),
  };
  match result {
    Ok(code) => ExitCode::from(code),
    Err(Error::Profile { rendered, count }) => {
      eprint!("{rendered}");
      eprintln!(
        "error: the profile has {count} error{}; nothing was written",
        if count == 1 { "" } else { "s" }
      );
      ExitCode::from(2)
    }
    Err(err) => {
      eprintln!("error: {err}");
      ExitCode::from(2)
    }
  }
}

fn compile(profile: &Path, out: Option<&Path>, force: bool, format: CompileFormat) -> Result<u8, Error> {
  // Whatever the plan or a backend refuses is an error of `compile` itself: nothing is written.
  let amlnet::Compiled { ir, plan, output } = amlnet::compile(profile)?;
  if let Some(dir) = out {
    write_out(dir, force, profile, &ir, &output)?;
  }
  match format {
    CompileFormat::Json => print!("{}", ir.to_json()),
    CompileFormat::Summary => print!("{}", summary(profile, &ir, &plan, &output, out)),
  }
  Ok(0)
}

fn summary(
  profile: &Path,
  ir: &Ir,
  plan: &amlnet::plan::Plan,
  output: &Output,
  out: Option<&Path>,
) -> String {
  use std::fmt::Write as _;
  let mut s = format!("{} ({} {}): ", ir.profile, ir.cloud, ir.region);
  let count = |pred: &dyn Fn(&amlnet::ir::Flow) -> bool| ir.flows.iter().filter(|f| pred(f)).count();
  let _ = writeln!(
    s,
    "{} flows ({} service tag, {} FQDN, {} CIDR; {} inbound)",
    ir.flows.len(),
    count(&|f| f.peer_kind() == amlnet::ir::PeerKind::ServiceTag),
    count(&|f| f.peer_kind() == amlnet::ir::PeerKind::Fqdn),
    count(&|f| f.peer_kind() == amlnet::ir::PeerKind::Cidr),
    count(&|f| f.direction == amlnet::ir::Direction::Inbound),
  );
  for line in backend::rule_counts(ir, plan) {
    let _ = writeln!(s, "  {line}");
  }
  for d in ir.diagnostics.iter().chain(output.notes.iter()) {
    let level = match d.severity {
      Severity::Error => "error",
      Severity::Warning => "warning",
      Severity::Info => "info",
    };
    let at = if d.location.is_empty() {
      String::new()
    } else {
      format!(" ({})", shown(profile, &d.location))
    };
    let _ = writeln!(s, "{level}[{}]: {}{at}", d.code, d.message);
  }
  match out {
    Some(dir) => {
      let _ = writeln!(
        s,
        "wrote {} artifacts to {}",
        output.artifacts.len() + 2,
        dir.display()
      );
    }
    None => {
      let _ = writeln!(
        s,
        "{} artifacts (use --out DIR to write them)",
        output.artifacts.len() + 2
      );
    }
  }
  s
}

/// The IR, every artifact and the manifest into `dir` (see `amlnet::io`).
fn write_out(dir: &Path, force: bool, profile: &Path, ir: &Ir, output: &Output) -> Result<(), Error> {
  let mut files = vec![("ir.json".to_string(), ir.to_json())];
  files.extend(
    output
      .artifacts
      .iter()
      .map(|a| (a.path.clone(), a.contents.clone())),
  );
  let mut stamp = serde_json::Map::new();
  stamp.insert("amlnet_version".into(), ir.amlnet_version.clone().into());
  stamp.insert("catalog_version".into(), ir.catalog_version.clone().into());
  stamp.insert("profile".into(), ir.profile.clone().into());
  stamp.insert("profile_hash".into(), ir.profile_hash.clone().into());
  let options = amlnet::io::Options {
    force,
    inputs: vec![profile],
  };
  amlnet::io::replace_dir(dir, &options, &stamp, &files)
}

/// An IR location (relative to the profile's directory) as typed from the cwd, to click on.
fn shown(profile: &Path, location: &str) -> String {
  match profile.parent().filter(|p| !p.as_os_str().is_empty()) {
    Some(dir) if !Path::new(location).is_absolute() => format!("{}/{location}", dir.display()),
    _ => location.to_string(),
  }
}

fn explain(profile: &Path, query: Option<&str>) -> Result<u8, Error> {
  let ir = amlnet::compile_path(profile)?;
  let text = amlnet::explain::explain(&ir, query).map_err(Error::input)?;
  print!("{text}");
  Ok(0)
}

fn exit_code(code: i32) -> u8 {
  u8::try_from(code).unwrap_or(2)
}
