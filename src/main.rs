//! The command line: parses arguments, calls the library, writes files, sets the exit code.
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
    Command::Compile { profile, out, format } => compile(profile, out.as_deref(), *format),
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

fn compile(profile: &Path, out: Option<&Path>, format: CompileFormat) -> Result<u8, Error> {
  // Whatever the plan or a backend refuses is an error of `compile` itself: nothing is written.
  let amlnet::Compiled { ir, plan, output } = amlnet::compile(profile)?;
  if let Some(dir) = out {
    write_atomically(dir, &ir, &output)?;
  }
  match format {
    CompileFormat::Json => print!("{}", ir.to_json()),
    CompileFormat::Summary => print!("{}", summary(&ir, &plan, &output, out)),
  }
  Ok(0)
}

fn summary(ir: &Ir, plan: &amlnet::plan::Plan, output: &Output, out: Option<&Path>) -> String {
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
      format!(" ({})", d.location)
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

/// Write everything into a fresh sibling directory, then swap it in: a failed run never
/// leaves a half-written output directory behind.
fn write_atomically(dir: &Path, ir: &Ir, output: &Output) -> Result<(), Error> {
  let parent = dir
    .parent()
    .filter(|p| !p.as_os_str().is_empty())
    .unwrap_or(Path::new("."));
  let name = dir
    .file_name()
    .map(|n| n.to_string_lossy().into_owned())
    .unwrap_or_else(|| "out".into());
  let staging = parent.join(format!(".{name}.amlnet-{}", std::process::id()));
  let write = |path: &Path, text: &str| -> Result<(), Error> {
    if let Some(p) = path.parent() {
      std::fs::create_dir_all(p).map_err(|source| Error::Write {
        path: p.to_path_buf(),
        source,
      })?;
    }
    std::fs::write(path, text).map_err(|source| Error::Write {
      path: path.to_path_buf(),
      source,
    })
  };
  let result = (|| {
    std::fs::create_dir_all(&staging).map_err(|source| Error::Write {
      path: staging.clone(),
      source,
    })?;
    write(&staging.join("ir.json"), &ir.to_json())?;
    write(&staging.join("manifest.json"), &backend::manifest(ir, output))?;
    for a in &output.artifacts {
      write(&staging.join(&a.path), &a.contents)?;
    }
    let old = parent.join(format!(".{name}.amlnet-old-{}", std::process::id()));
    if dir.exists() {
      std::fs::rename(dir, &old).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
      })?;
    }
    std::fs::rename(&staging, dir).map_err(|source| Error::Write {
      path: dir.to_path_buf(),
      source,
    })?;
    if old.exists() {
      let _ = std::fs::remove_dir_all(&old);
    }
    Ok(())
  })();
  if result.is_err() {
    let _ = std::fs::remove_dir_all(&staging);
  }
  result
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
