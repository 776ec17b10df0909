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

use crate::backend::{Artifact, Output, Target};
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
  /// The files its `out/<name>/` holds: `ir.json`, the artifacts, `manifest.json`. With a
  /// `Sink`, the artifacts went there, and so did the IR's flows (`compiled.ir.flows` is
  /// empty; the written `ir.json` has them).
  pub files: usize,
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
  /// The hub's artifacts (paths under `hub/`; none when they went to a `Sink`).
  pub output: Output,
  /// How many files `hub/` holds.
  pub hub_files: usize,
  pub notes: Vec<Diagnostic>,
  /// Every file read: the fleet file, each profile and what it extends.
  pub inputs: Vec<PathBuf>,
}

/// Where a fleet's files go as soon as they are made (a `--out` writer), from several
/// threads at once, instead of staying in the `Fleet`: a thousand spokes' artifacts are never
/// in memory together.
pub trait Sink: Sync {
  /// A spoke's IR and artifacts (its `out/<name>/`).
  fn spoke(&self, ir: &crate::ir::Ir, artifacts: Vec<Artifact>) -> Result<()>;
  /// Part `part` of the hub's artifacts (paths under `hub/`); parts come in any order, and
  /// the hub's files are part 0's, then part 1's, and so on.
  fn hub(&self, part: usize, artifacts: Vec<Artifact>) -> Result<()>;
  /// Every spoke has been handed over (the hub comes next).
  fn spokes_done(&self) {}
}

/// Compile a fleet file with the embedded catalog, keeping every spoke's artifacts.
pub fn compile(path: &Path) -> Result<Fleet> {
  compile_with(path, crate::catalog::get())
}

pub fn compile_with(path: &Path, catalog: &crate::catalog::Catalog) -> Result<Fleet> {
  compile_into(path, catalog, None)
}

/// Compile a fleet file, handing each spoke's artifacts to `sink` instead of keeping them:
/// a thousand spokes' artifacts are written as they come and never held together.
pub fn compile_into(
  path: &Path,
  catalog: &crate::catalog::Catalog,
  sink: Option<&dyn Sink>,
) -> Result<Fleet> {
  compile_fleet(path, catalog, sink).map_err(|e| match e {
    crate::Error::Profile(errors) => crate::Error::Profile(errors.in_fleet()),
    e => e,
  })
}

fn compile_fleet(path: &Path, catalog: &crate::catalog::Catalog, sink: Option<&dyn Sink>) -> Result<Fleet> {
  let file = load::load(path)?;
  let bases = crate::loader::Bases::default();
  let mut spokes = crate::parallel::try_map(&file.members, |member| {
    spoke(&member.path, member.entry.clone(), catalog, &bases, sink)
  })?;
  spokes.sort_by(|a, b| a.name().cmp(b.name()));
  if let Some(sink) = sink {
    sink.spokes_done();
  }
  let mut sources = file.sources;
  let mut problems = checks::check(&file.hub, &spokes, &mut sources);
  // The hub firewall and the hub DNS are independent: planned side by side, their problems
  // reported firewall first.
  let (firewall, dns) = std::thread::scope(|scope| {
    let dns = scope.spawn(|| {
      let mut problems = Vec::new();
      (dns::plan(&file.hub, &spokes, &mut problems), problems)
    });
    let mut fw_problems = Vec::new();
    let firewall = firewall::plan(&file.hub, &spokes, &mut fw_problems);
    problems.append(&mut fw_problems);
    let (dns, mut dns_problems) = dns
      .join()
      .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    problems.append(&mut dns_problems);
    (firewall, dns)
  });
  if problems.iter().any(|p| p.severity == Severity::Error) {
    let errors = problems
      .into_iter()
      .filter(|p| p.severity == Severity::Error)
      .collect();
    return Err(crate::loader::fail(sources, errors));
  }
  let mut notes: Vec<Diagnostic> = problems.iter().map(|p| p.to_ir(&sources)).collect();
  let render::Rendered {
    mut output,
    files: hub_files,
  } = render::render(&firewall, &dns, sink)?;
  notes.append(&mut output.notes);
  for spoke in &mut spokes {
    let note = moved_to_hub(spoke, &file.hub, &firewall);
    spoke.compiled.output.note(Severity::Info, "FLT030", note);
  }
  let mut inputs = vec![path.to_path_buf()];
  inputs.extend(spokes.iter().flat_map(|s| s.compiled.inputs.iter().cloned()));
  // Spokes extend the same bases: each named once (`--out` resolves every input it is given).
  let mut seen = std::collections::HashSet::new();
  inputs.retain(|p| seen.insert(p.clone()));
  Ok(Fleet {
    hub: file.hub,
    spokes,
    firewall,
    dns,
    output,
    hub_files,
    notes,
    inputs,
  })
}

/// Several profiles without a hub: each compiled alone (artifacts to `sink` when given, as
/// for a fleet), refused together when two share a name (their `out/<name>/` directories
/// would collide).
pub fn compile_profiles(paths: &[PathBuf], sink: Option<&dyn Sink>) -> Result<Vec<Compiled>> {
  let bases = crate::loader::Bases::default();
  let all = crate::parallel::try_map(paths, |path| {
    let (ir, sources) = crate::lower_sharing(path, crate::catalog::get(), &bases)?;
    let mut compiled = crate::plan_and_render(ir, sources)?;
    if let Some(sink) = sink {
      sink.spoke(&compiled.ir, std::mem::take(&mut compiled.output.artifacts))?;
    }
    Ok(compiled)
  })?;
  for (i, compiled) in all.iter().enumerate() {
    if let Some(first) = all[..i].iter().find(|c| c.ir.profile == compiled.ir.profile) {
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
          paths[i].display(),
          compiled.ir.profile
        ),
        None,
      )
      .hint("give each profile its own `name`");
      problem.at = paths[i].display().to_string();
      return Err(crate::loader::fail(SourceMap::default(), vec![problem]));
    }
  }
  Ok(all)
}

/// Compile one spoke through the one validation path, rendering once what stays in the
/// spoke: every artifact of a single compile but its rule collection group (now in
/// `hub/firewall/`) and its DNS zones, records, forwarders and hosts file (now in
/// `hub/dns/`), in every format. The IR (`ir.json`) stays whole, and so do the notes: the
/// DNS backends still run on the whole IR for what they report, which is what a single
/// compile reports.
fn spoke(
  path: &Path,
  entry: Span,
  catalog: &crate::catalog::Catalog,
  bases: &crate::loader::Bases,
  sink: Option<&dyn Sink>,
) -> Result<Spoke> {
  let (ir, sources) = crate::lower_sharing(path, catalog, bases)?;
  let kept = sources.clone();
  let mut plan = crate::plan::Plan::new(&ir);
  let mut out = Output {
    artifacts: Vec::new(),
    notes: plan.notes.clone(),
  };
  let mut dns = Output::default();
  for target in DNS_NOTES {
    target.render(&ir, &plan, &mut dns);
  }
  out.notes.append(&mut dns.notes);
  out.say_each_note_once();
  let firewall = plan.firewall.clone();
  plan.firewall.network.rules.clear();
  plan.firewall.application.rules.clear();
  let mut stripped = ir.clone();
  stripped.dns_zones.clear();
  stripped.dns_records.clear();
  stripped.host_records.clear();
  stripped.dns_forwarders.clear();
  for target in Target::ALL {
    if !HUB_DNS.contains(&target) {
      target.render(&stripped, &plan, &mut out);
    }
  }
  let mut compiled = crate::refuse_or_keep(ir, plan, out, sources)?;
  let files = compiled.output.artifacts.len() + 2;
  if let Some(sink) = sink {
    sink.spoke(&compiled.ir, std::mem::take(&mut compiled.output.artifacts))?;
    // Written to its ir.json; nothing of the hub's reads the flows, a third of a spoke's
    // memory (37 MB of a thousand-spoke fleet).
    compiled.ir.flows = Vec::new();
  }
  Ok(Spoke {
    path: path.to_path_buf(),
    entry,
    compiled,
    firewall,
    sources: kept,
    files,
  })
}

/// The DNS targets whose backends report problems with the IR's names and forwarders (the
/// Private DNS ARM set writes what the IR says and reports nothing); a spoke renders them
/// for their notes only (`fleet::a_spoke_reports_what_a_single_compile_reports`).
const DNS_NOTES: [Target; 3] = [Target::BindZones, Target::HostRecords, Target::Forwarders];

/// The targets whose artifacts move to the hub's DNS (`render` writes them there).
const HUB_DNS: [Target; 4] = [
  Target::PrivateDns,
  Target::BindZones,
  Target::HostRecords,
  Target::Forwarders,
];

/// FLT030: where the spoke's firewall rules and DNS records went.
fn moved_to_hub(spoke: &Spoke, hub: &Hub, fw: &firewall::HubFirewall) -> String {
  format!(
    "fleet: this workspace's firewall rules are in the hub policy {} (group {}) with IP group {}, its DNS records in the hub's {} DNS",
    hub.policy_name,
    hub.rule_collection_group,
    fw.group_of(spoke.name())
      .map_or_else(|| firewall::ip_group_name(&spoke.compiled.ir), |g| g.name.clone()),
    hub.dns.as_str()
  )
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
