//! `amlnet diff`: what changed between two profiles or compiled IR files.
//!
//! Takes two paths (each a profile, compiled through `crate::compile`, or IR JSON from
//! `compile --format json`, read by `load`), plans both IRs, compares the effective access
//! of the planned rules through `crate::eval` (`access`, `placement`), the deployed rules
//! per target (`rules`), and the IRs on rule identity (`changes`, `settings`), and returns
//! the `Diff`, which renders itself as a terminal view (`text`), a Markdown change ticket
//! (`markdown`) or JSON (`render`). It never compares text or list positions, and never
//! prints, decides colour or picks the exit code: that is the CLI's, from
//! `Diff::summary.kinds`.

use std::path::Path;

mod access;
mod changes;
mod describe;
mod load;
mod markdown;
mod placement;
mod render;
mod routing;
mod rules;
mod settings;
mod text;

pub use access::{AccessChange, Decision, Traffic};
pub use changes::{Diff, Kind, Summary, DIFF_FORMAT_VERSION};
pub use load::Input;
pub use rules::RuleChanges;

/// The two sides to compare.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
  /// Old side: a profile (.toml) or a compiled IR (.json).
  pub old: &'a Path,
  /// New side: a profile (.toml) or a compiled IR (.json).
  pub new: &'a Path,
}

/// Load both sides and list their changes.
pub fn run(options: &Options) -> crate::Result<Diff> {
  let old = load::load(options.old)?;
  let new = load::load(options.new)?;
  Ok(changes::diff(&old, &new))
}

impl Diff {
  /// The terminal view; `color` adds ANSI escapes.
  pub fn text(&self, color: bool) -> String {
    text::text(self, color)
  }

  /// A Markdown change ticket.
  pub fn markdown(&self) -> String {
    markdown::markdown(self)
  }

  /// The documented JSON shape (docs/diff.md).
  pub fn json(&self) -> String {
    render::json(self)
  }
}
