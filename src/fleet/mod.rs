//! Fleets: many workspace profiles behind one hub (docs/fleet.md).
//!
//! Takes a fleet file (`load`: the hub and its profiles) or a plain list of profiles, compiles
//! every profile through the one validation path (`lower_with`, `Plan::new`, the backends),
//! then moves what the hub owns out of each spoke: the firewall rules go to one hub rule
//! collection group with an IP Group per spoke (`firewall`), the private DNS records to one
//! set of hub zones (`dns`). `checks` finds what is wrong only across spokes; `render` writes
//! the hub's artifacts; `summary` counts. It never writes files (`io` does) and never prints.

pub mod checks;
pub mod diff;
pub mod dns;
pub mod firewall;
pub mod load;
pub mod render;
pub mod render_formats;
pub mod summary;

use std::path::{Path, PathBuf};

use crate::backend::{Output, Target};
use crate::diagnostic::{Problem, SourceMap, Span};
use crate::ir::{Diagnostic, Severity};
use crate::{Compiled, Result};

pub use load::{is_fleet, looks_like_fleet, DnsMode, Hub};

/// One workspace of a fleet: its compile (artifacts without what moved to the hub), the
/// firewall rules it needs, and where the fleet file named it.
#[derive(Debug)]
pub struct Spoke {
  pub path: PathBuf,
  pub entry: Span,
  pub compiled: Compiled,
  /// The rule collection group a single compile would write; the hub merges these.
  pub firewall: crate::target::firewall::RuleCollectionGroup,
  /// The profile's own source map, for errors that point into it.
  pub sources: SourceMap,
}

impl Spoke {
  /// The workspace's key: the profile's name, also its `out/<name>/` directory.
  pub fn name(&self) -> &str {
    &self.compiled.ir.profile
  }
}

/// A compiled fleet: the spokes (sorted by name, so profile order never matters), the hub's
/// plan and artifacts (paths under `hub/`), and the fleet's own notes.
#[derive(Debug)]
pub struct Fleet {
  pub hub: Hub,
  pub spokes: Vec<Spoke>,
  pub firewall: firewall::HubFirewall,
  pub dns: dns::HubDns,
  pub output: Output,
  pub notes: Vec<Diagnostic>,
  /// Every file read: the fleet file, each profile and what it extends.
  pub inputs: Vec<PathBuf>,
}

/// Compile a fleet file with the embedded catalog.
pub fn compile(path: &Path) -> Result<Fleet> {
  compile_with(path, crate::catalog::get())
}

pub fn compile_with(path: &Path, catalog: &crate::catalog::Catalog) -> Result<Fleet> {
  let file = load::load(path)?;
  let mut spokes = Vec::with_capacity(file.members.len());
  for member in &file.members {
    spokes.push(spoke(&member.path, member.entry.clone(), catalog)?);
  }
  spokes.sort_by(|a, b| a.name().cmp(b.name()));
  let mut sources = file.sources;
  let mut problems = checks::check(&file.hub, &spokes, &mut sources);
  let firewall = firewall::plan(&file.hub, &spokes, &mut problems);
  let dns = dns::plan(&file.hub, &spokes, &mut sources, &mut problems);
  if problems.iter().any(|p| p.severity == Severity::Error) {
    let errors = problems
      .into_iter()
      .filter(|p| p.severity == Severity::Error)
      .collect();
    return Err(crate::loader::fail(sources, errors));
  }
  let mut notes: Vec<Diagnostic> = problems.iter().map(|p| p.to_ir(&sources)).collect();
  let mut output = render::render(&firewall, &dns);
  notes.append(&mut output.notes);
  for spoke in &mut spokes {
    strip_hub_artifacts(spoke, &file.hub, &firewall);
  }
  let mut inputs = vec![path.to_path_buf()];
  inputs.extend(spokes.iter().flat_map(|s| s.compiled.inputs.iter().cloned()));
  Ok(Fleet {
    hub: file.hub,
    spokes,
    firewall,
    dns,
    output,
    notes,
    inputs,
  })
}

/// Several profiles without a hub: each compiled alone, refused together when two share a
/// name (their `out/<name>/` directories would collide).
pub fn compile_profiles(paths: &[PathBuf]) -> Result<Vec<Compiled>> {
  let mut out: Vec<Compiled> = Vec::with_capacity(paths.len());
  for path in paths {
    let compiled = crate::compile(path)?;
    if let Some(first) = out.iter().find(|c| c.ir.profile == compiled.ir.profile) {
      let mut problem = Problem::error(
        "FLT011",
        format!(
          "two profiles are named `{}`: `{}` and `{}`; each writes out/{}/",
          compiled.ir.profile,
          first
            .inputs
            .first()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
          path.display(),
          compiled.ir.profile
        ),
        None,
      )
      .hint("give each profile its own `name`");
      problem.at = path.display().to_string();
      return Err(crate::loader::fail(SourceMap::default(), vec![problem]));
    }
    out.push(compiled);
  }
  Ok(out)
}

/// Compile one spoke through the one validation path, keeping its firewall group aside.
fn spoke(path: &Path, entry: Span, catalog: &crate::catalog::Catalog) -> Result<Spoke> {
  let (ir, sources) = crate::lower_with(path, catalog)?;
  let kept = sources.clone();
  let compiled = crate::plan_and_render(ir, sources)?;
  let firewall = compiled.plan.firewall.clone();
  Ok(Spoke {
    path: path.to_path_buf(),
    entry,
    compiled,
    firewall,
    sources: kept,
  })
}

/// The spoke's artifacts as a single compile writes them, minus the hub's: its firewall
/// rule collection group (now in `hub/firewall/`) and its DNS zones, records, forwarders and
/// hosts file (now in `hub/dns/`), in every format. The IR (`ir.json`) stays whole.
fn strip_hub_artifacts(spoke: &mut Spoke, hub: &Hub, fw: &firewall::HubFirewall) {
  let c = &mut spoke.compiled;
  let mut ir = c.ir.clone();
  ir.dns_zones.clear();
  ir.dns_records.clear();
  ir.host_records.clear();
  ir.dns_forwarders.clear();
  let mut plan = c.plan.clone();
  plan.firewall.network.rules.clear();
  plan.firewall.application.rules.clear();
  let mut out = Output {
    artifacts: Vec::new(),
    notes: c.output.notes.clone(),
  };
  for target in Target::ALL {
    if !matches!(
      target,
      Target::PrivateDns | Target::BindZones | Target::HostRecords | Target::Forwarders
    ) {
      target.render(&ir, &plan, &mut out);
    }
  }
  // Notes the stripped render adds say that nothing is there; the fleet says where it went.
  out.notes.truncate(c.output.notes.len());
  out.note(
    Severity::Info,
    "FLT030",
    format!(
      "fleet: this workspace's firewall rules are in the hub policy {} (group {}) with IP group {}, its DNS records in the hub's {} DNS",
      hub.policy_name,
      hub.rule_collection_group,
      fw.group_of(&c.ir.profile).map_or_else(|| firewall::ip_group_name(&c.ir), |g| g.name.clone()),
      hub.dns.as_str()
    ),
  );
  c.output = out;
  c.plan = plan;
}

/// The located position of the first `"value"` string literal in a spoke's files, so a
/// fleet error can point at the line of a profile that holds a conflicting address.
pub(crate) fn find_literal(sources: &SourceMap, value: &str) -> Option<Span> {
  let quoted = format!("\"{value}\"");
  sources.files().iter().enumerate().find_map(|(file, f)| {
    f.text.find(&quoted).map(|at| Span {
      file,
      range: at..at + quoted.len(),
    })
  })
}

/// A spoke's location for a message: `path:line:col` of `value` in its files, or its path.
pub(crate) fn locate(spoke: &Spoke, value: &str) -> String {
  match find_literal(&spoke.sources, value) {
    Some(span) => {
      let (line, col) = spoke.sources.line_col(&span);
      format!("{}:{line}:{col}", spoke.sources.files()[span.file].path)
    }
    None => spoke.path.display().to_string(),
  }
}

impl Fleet {
  /// The workspaces' names, in the fleet's order (sorted).
  pub fn workspace_names(&self) -> Vec<&str> {
    self.spokes.iter().map(Spoke::name).collect()
  }
}
