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
  /// The files its `out/<name>/` holds: `ir.json`, the artifacts, `manifest.json` (the
  /// artifacts themselves may have gone to a `Sink`).
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
  pub output: Output,
  pub notes: Vec<Diagnostic>,
  /// Every file read: the fleet file, each profile and what it extends.
  pub inputs: Vec<PathBuf>,
}

/// Receives each spoke's IR and artifacts as soon as the spoke is compiled (a `--out`
/// writer), from several threads at once; the artifacts are not kept after it returns.
pub type Sink<'a> = &'a (dyn Fn(&crate::ir::Ir, Vec<Artifact>) -> Result<()> + Sync);

/// Compile a fleet file with the embedded catalog, keeping every spoke's artifacts.
pub fn compile(path: &Path) -> Result<Fleet> {
  compile_with(path, crate::catalog::get())
}

pub fn compile_with(path: &Path, catalog: &crate::catalog::Catalog) -> Result<Fleet> {
  compile_into(path, catalog, None)
}

/// Compile a fleet file, handing each spoke's artifacts to `sink` instead of keeping them:
/// a thousand spokes' artifacts are written as they come and never held together.
pub fn compile_into(path: &Path, catalog: &crate::catalog::Catalog, sink: Option<Sink>) -> Result<Fleet> {
  let file = load::load(path)?;
  let mut spokes = in_parallel(&file.members, |member| {
    spoke(&member.path, member.entry.clone(), catalog, sink)
  })?;
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
    let note = moved_to_hub(spoke, &file.hub, &firewall);
    spoke.compiled.output.note(Severity::Info, "FLT030", note);
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

/// Several profiles without a hub: each compiled alone (artifacts to `sink` when given, as
/// for a fleet), refused together when two share a name (their `out/<name>/` directories
/// would collide).
pub fn compile_profiles(paths: &[PathBuf], sink: Option<Sink>) -> Result<Vec<Compiled>> {
  let all = in_parallel(paths, |path| {
    let mut compiled = crate::compile(path)?;
    if let Some(sink) = sink {
      sink(&compiled.ir, std::mem::take(&mut compiled.output.artifacts))?;
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

/// `f` over every item on every core the machine has (a thousand spokes are a thousand
/// independent compiles). Returns the results in the items' order, or the error of the first
/// item in that order that fails, so which error is reported never depends on scheduling.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> Result<R> + Sync) -> Result<Vec<R>> {
  use std::sync::atomic::{AtomicUsize, Ordering};
  use std::sync::{Mutex, PoisonError};
  let next = AtomicUsize::new(0);
  let done: Mutex<Vec<Option<Result<R>>>> = Mutex::new((0..items.len()).map(|_| None).collect());
  let workers = std::thread::available_parallelism()
    .map_or(1, usize::from)
    .min(items.len());
  std::thread::scope(|scope| {
    for _ in 0..workers {
      scope.spawn(|| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        let result = f(item);
        done.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(result);
      });
    }
  });
  done
    .into_inner()
    .unwrap_or_else(PoisonError::into_inner)
    .into_iter()
    .map(|r| r.expect("every item is done when the scope ends"))
    .collect()
}

/// Compile one spoke through the one validation path, rendering once what stays in the
/// spoke: every artifact of a single compile but its rule collection group (now in
/// `hub/firewall/`) and its DNS zones, records, forwarders and hosts file (now in
/// `hub/dns/`), in every format. The IR (`ir.json`) stays whole, and so do the notes: the
/// DNS backends still run on the whole IR for what they report, which is what a single
/// compile reports.
fn spoke(path: &Path, entry: Span, catalog: &crate::catalog::Catalog, sink: Option<Sink>) -> Result<Spoke> {
  let (ir, sources) = crate::lower_with(path, catalog)?;
  let kept = sources.clone();
  let mut plan = crate::plan::Plan::new(&ir);
  let mut out = Output {
    artifacts: Vec::new(),
    notes: plan.notes.clone(),
  };
  let mut dns = Output::default();
  for target in HUB_DNS {
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
    sink(&compiled.ir, std::mem::take(&mut compiled.output.artifacts))?;
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

/// The targets whose artifacts move to the hub's DNS.
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
