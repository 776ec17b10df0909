//! amlnet compiles Azure Machine Learning network-isolation profiles.
//!
//! Pipeline: `loader` (files) → `profile` (TOML, with spans) → `model` (validated) and
//! `constraints` → `lower` (model × `catalog` → `ir`) → `plan` (`ir` → `target` models, once)
//! → `backend` (one renderer per format, writing through `syntax`). `diff`, `expand` and
//! `explain` work on the IR; `eval` evaluates target models, `import` reads deployed ones.
//! See ARCHITECTURE.md.

pub mod audit;
pub mod backend;
pub mod catalog;
pub mod codes;
pub mod constraints;
pub mod diagnostic;
pub mod diff;
pub mod error;
pub mod eval;
pub mod expand;
pub mod explain;
pub mod facts;
pub mod fleet;
pub mod import;
pub mod init;
pub mod io;
pub mod ir;
pub mod loader;
pub mod lower;
pub mod model;
pub mod net;
pub mod parallel;
pub mod plan;
pub mod profile;
pub mod query;
pub mod region;
pub mod schema;
pub mod service_tags;
pub mod syntax;
pub mod target;

use std::path::Path;

pub use error::{Error, Result};
pub use ir::Ir;

use crate::ir::Severity;

/// A compiled profile: its IR, the plan of every target, and the rendered artifacts.
#[derive(Debug)]
pub struct Compiled {
  pub ir: Ir,
  pub plan: plan::Plan,
  pub output: backend::Output,
  /// Every file the compile read (the profile and the files it extends), as reached from
  /// the command line: `--out` never replaces a directory that holds one of them.
  pub inputs: Vec<std::path::PathBuf>,
}

/// Compile one profile file (and the files it extends) with the embedded catalog.
///
/// The one validation path of every command (`compile`, `explain`, `diff`, `expand`): a
/// profile comes back only when the model, the constraints, the plan and every backend
/// accept it. Errors come back as `Error::Profile`: the problems and the source map they
/// point into, for the caller to render or read; warnings and notes stay in
/// `Ir::diagnostics` and `Output::notes`.
pub fn compile(path: &Path) -> Result<Compiled> {
  compile_with(path, catalog::get())
}

/// `compile`, keeping only the IR.
pub fn compile_path(path: &Path) -> Result<Ir> {
  compile(path).map(|c| c.ir)
}

/// Compile with a given catalog (tests pass their own; the CLI passes the embedded one).
pub fn compile_with(path: &Path, catalog: &catalog::Catalog) -> Result<Compiled> {
  let (ir, sources) = lower_with(path, catalog)?;
  plan_and_render(ir, sources)
}

/// The front half: load, build the model, check constraints, lower to the IR. Returns the
/// IR and the source map that later errors point into.
pub fn lower_with(path: &Path, catalog: &catalog::Catalog) -> Result<(Ir, diagnostic::SourceMap)> {
  lower_loaded(loader::load(path)?, catalog)
}

/// `lower_with`, reading the files the profile extends through `bases` (shared by the
/// profiles of one run, as a fleet's spokes are).
pub fn lower_sharing(
  path: &Path,
  catalog: &catalog::Catalog,
  bases: &loader::Bases,
) -> Result<(Ir, diagnostic::SourceMap)> {
  lower_loaded(loader::load_with(path, Some(bases))?, catalog)
}

/// Compile a profile held in memory (`loader::from_text`), through the same path as `compile`.
pub fn compile_text(name: &str, text: String) -> Result<Compiled> {
  let (ir, sources) = lower_loaded(loader::from_text(name, text)?, catalog::get())?;
  plan_and_render(ir, sources)
}

fn lower_loaded(loaded: loader::Loaded, catalog: &catalog::Catalog) -> Result<(Ir, diagnostic::SourceMap)> {
  let mut builder = model::Builder::new(&loaded.sources);
  let model = builder.build(&loaded.raw, &loaded.stem);
  let mut problems = builder.problems;
  if let Some(model) = &model {
    problems.extend(constraints::check(model));
  }
  for p in &mut problems {
    p.sources = p.sources.iter().map(|s| catalog.cite(s)).collect();
  }
  let errors: Vec<_> = problems
    .iter()
    .filter(|p| p.severity == Severity::Error)
    .cloned()
    .collect();
  let ir = match model {
    Some(model) if errors.is_empty() => {
      let lowered = lower::lower(lower::Input {
        catalog,
        model: &model,
        problems,
        sources: &loaded.sources,
        profile_hash: loaded.hash,
      });
      match lowered {
        Ok(ir) => ir,
        Err(problems) => {
          let errors = problems
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
          return Err(loader::fail(loaded.sources, errors));
        }
      }
    }
    _ => return Err(loader::fail(loaded.sources, errors)),
  };
  Ok((ir, loaded.sources))
}

/// The back half: plan every target once and render every artifact; whatever the plan or
/// a backend refuses is an error located at the main profile of `sources`.
pub fn plan_and_render(ir: Ir, sources: diagnostic::SourceMap) -> Result<Compiled> {
  let plan = plan::Plan::new(&ir);
  let output = backend::render_all(&ir, &plan);
  refuse_or_keep(ir, plan, output, sources)
}

/// Whatever a backend refused (an error note) is the compile's error; otherwise the
/// compiled profile. `fleet` renders a spoke from its own plan and comes through here too.
pub fn refuse_or_keep(
  ir: Ir,
  plan: plan::Plan,
  output: backend::Output,
  sources: diagnostic::SourceMap,
) -> Result<Compiled> {
  let refused: Vec<ir::Diagnostic> = output
    .notes
    .iter()
    .filter(|n| n.severity == Severity::Error)
    .cloned()
    .collect();
  if !refused.is_empty() {
    return Err(Error::Profile(error::ProfileErrors::refused(sources, refused)));
  }
  let inputs = sources
    .files()
    .iter()
    .map(|f| std::path::PathBuf::from(&f.path))
    .collect();
  Ok(Compiled {
    ir,
    plan,
    output,
    inputs,
  })
}
