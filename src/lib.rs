//! amlnet compiles Azure Machine Learning network-isolation profiles.
//!
//! Pipeline: `loader` (files) → `profile` (TOML, with spans) → `model` (validated) and
//! `constraints` → `lower` (model × `catalog` → `ir`) → `backend` (one per output format).
//! `diff`, `expand` and `explain` work on the IR. See ARCHITECTURE.md.

pub mod aggregate;
pub mod backend;
pub mod catalog;
pub mod constraints;
pub mod diagnostic;
pub mod diff;
pub mod error;
pub mod expand;
pub mod explain;
pub mod facts;
pub mod ir;
pub mod loader;
pub mod lower;
pub mod model;
pub mod profile;
pub mod region;
pub mod service_tags;
pub mod syntax;

use std::path::Path;

pub use error::{Error, Result};
pub use ir::Ir;

use crate::ir::Severity;

/// Compile one profile file (and the files it extends) into the IR.
///
/// Errors in the profile come back as `Error::Profile`, rendered with locations and code
/// frames; warnings and notes stay in `Ir::diagnostics`.
pub fn compile_path(path: &Path) -> Result<Ir> {
  let loaded = loader::load(path)?;
  let catalog = catalog::get();
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
  match model {
    Some(model) if errors.is_empty() => Ok(lower::lower(lower::Input {
      model: &model,
      problems,
      sources: &loaded.sources,
      profile_hash: loaded.hash,
    })),
    _ => Err(loader::fail(&loaded.sources, &errors)),
  }
}
