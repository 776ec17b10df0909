//! `amlnet compile` and `amlnet explain`: compile a profile, then print its summary or IR
//! and hand `--out` to `amlnet::io`, or print why its rules exist.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use amlnet::backend::{self, Output};
use amlnet::ir::{Direction, Flow, PeerKind};
use amlnet::{Error, Ir};

use super::args::{CompileArgs, CompileFormat, ExplainArgs, ExplainFormat};
use super::{write_stdout, OK};

pub fn compile(args: &CompileArgs) -> Result<u8, Error> {
  if !args.more.is_empty() {
    return super::fleet::compile_profiles(args);
  }
  if amlnet::fleet::looks_like_fleet(&args.profile) {
    return super::fleet::compile_fleet(args);
  }
  // Whatever the plan or a backend refuses is an error of `compile` itself: nothing is written.
  let amlnet::Compiled {
    ir,
    plan,
    output,
    inputs,
  } = amlnet::compile(&args.profile)?;
  let out = args.out.as_deref();
  if let Some(dir) = out {
    write_out(dir, args.force, &inputs, &ir, &output)?;
  }
  match args.format {
    CompileFormat::Json => write_stdout(&ir.to_json())?,
    CompileFormat::Summary if super::quiet() => {}
    CompileFormat::Summary => write_stdout(&summary(&args.profile, &ir, &plan, &output, out))?,
  }
  Ok(OK)
}

pub fn explain(args: &ExplainArgs) -> Result<u8, Error> {
  let compiled = amlnet::compile(&args.profile)?;
  let explanation = amlnet::explain::explain(&compiled.ir, &compiled.plan, args.query.as_deref())?;
  write_stdout(&match args.format {
    ExplainFormat::Text => explanation.text(),
    ExplainFormat::Markdown => explanation.markdown(),
    ExplainFormat::Json => explanation.json(),
  })?;
  Ok(OK)
}

fn summary(
  profile: &Path,
  ir: &Ir,
  plan: &amlnet::plan::Plan,
  output: &Output,
  out: Option<&Path>,
) -> String {
  let mut s = format!("{} ({} {}): ", ir.profile, ir.cloud, ir.region);
  let count = |pred: &dyn Fn(&Flow) -> bool| ir.flows.iter().filter(|f| pred(f)).count();
  let _ = writeln!(
    s,
    "{} flows ({} service tag, {} FQDN, {} CIDR; {} inbound)",
    ir.flows.len(),
    count(&|f| f.peer_kind() == PeerKind::ServiceTag),
    count(&|f| f.peer_kind() == PeerKind::Fqdn),
    count(&|f| f.peer_kind() == PeerKind::Cidr),
    count(&|f| f.direction == Direction::Inbound),
  );
  for line in backend::rule_counts(ir, plan) {
    let _ = writeln!(s, "  {line}");
  }
  for d in ir.diagnostics.iter().chain(output.notes.iter()) {
    let at = if d.location.is_empty() {
      String::new()
    } else {
      format!(" ({})", shown(profile, &d.location))
    };
    let _ = writeln!(s, "{}[{}]: {}{at}", d.severity, d.code, d.message);
  }
  let artifacts = output.artifacts.len() + 2;
  match out {
    Some(dir) => {
      let _ = writeln!(s, "wrote {artifacts} artifacts to {}", dir.display());
    }
    None => {
      let _ = writeln!(s, "{artifacts} artifacts (use --out DIR to write them)");
    }
  }
  s
}

/// The IR, every artifact and the manifest into `dir` (see `amlnet::io`).
fn write_out(dir: &Path, force: bool, inputs: &[PathBuf], ir: &Ir, output: &Output) -> Result<(), Error> {
  let mut files = vec![("ir.json".to_string(), ir.to_json())];
  files.extend(
    output
      .artifacts
      .iter()
      .map(|a| (a.path.clone(), a.contents.clone())),
  );
  let options = amlnet::io::Options {
    force,
    inputs: inputs.iter().map(PathBuf::as_path).collect(),
  };
  amlnet::io::replace_dir(dir, &options, &stamp(ir), &files)
}

/// The stamp of a workspace's `manifest.json`, alone or as a fleet's spoke.
pub(super) fn stamp(ir: &Ir) -> serde_json::Map<String, serde_json::Value> {
  let mut stamp = serde_json::Map::new();
  stamp.insert("amlnet_version".into(), ir.amlnet_version.clone().into());
  stamp.insert("catalog_version".into(), ir.catalog_version.clone().into());
  stamp.insert("profile".into(), ir.profile.clone().into());
  stamp.insert("profile_hash".into(), ir.profile_hash.clone().into());
  stamp
}

/// An IR location (relative to the profile's directory) as typed from the cwd, to click on.
fn shown(profile: &Path, location: &str) -> String {
  match profile.parent().filter(|p| !p.as_os_str().is_empty()) {
    Some(dir) if !Path::new(location).is_absolute() => format!("{}/{location}", dir.display()),
    _ => location.to_string(),
  }
}
