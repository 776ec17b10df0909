//! The library's error type. Every variant is bad input or an environment failure; the
//! CLI shows it and exits 2. Nothing here prints: profile errors keep their problems and
//! the source map they point into (`ProfileErrors`), so a caller can render them once as
//! located code frames (`render`, also `Display`) or take them as data (`diagnostics`).

use std::path::PathBuf;

use crate::diagnostic::{Problem, SourceMap};
use crate::ir::{self, Severity};

#[derive(Debug, thiserror::Error)]
pub enum Error {
  /// One or more profile errors, each with file:line:col; `Display` renders code frames.
  #[error("{}", .0.render())]
  Profile(ProfileErrors),
  #[error("cannot read `{}`: {source}", path.display())]
  Read { path: PathBuf, source: std::io::Error },
  #[error("cannot write `{}`: {source}", path.display())]
  Write { path: PathBuf, source: std::io::Error },
  /// `--out` names a directory amlnet will not replace; nothing was touched.
  #[error("will not write to `{}`: {reason}", path.display())]
  OutDir { path: PathBuf, reason: String },
  /// Any other input a command cannot use; the message says what and how to fix it.
  #[error("{message}")]
  Input { message: String },
}

impl Error {
  pub fn input(message: impl Into<String>) -> Self {
    Error::Input {
      message: message.into(),
    }
  }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The errors that stop one profile, and the files they point into.
#[derive(Debug)]
pub struct ProfileErrors {
  sources: SourceMap,
  /// Loading and validation errors, located by span or model location.
  problems: Vec<Problem>,
  /// Errors a backend raised on the finished IR; they point at the main profile file.
  refused: Vec<ir::Diagnostic>,
  /// Found while compiling a fleet (in the fleet file or one of its profiles).
  in_fleet: bool,
}

impl ProfileErrors {
  /// Loading or validation problems in the files of `sources`.
  pub fn problems(sources: SourceMap, problems: Vec<Problem>) -> Self {
    ProfileErrors {
      sources,
      problems,
      refused: Vec::new(),
      in_fleet: false,
    }
  }

  /// Backend notes of severity error: the IR cannot be expressed in some target.
  pub fn refused(sources: SourceMap, refused: Vec<ir::Diagnostic>) -> Self {
    ProfileErrors {
      sources,
      problems: Vec::new(),
      refused,
      in_fleet: false,
    }
  }

  /// The same errors, found while compiling a fleet: what `subject` names.
  pub fn in_fleet(self) -> Self {
    ProfileErrors {
      in_fleet: true,
      ..self
    }
  }

  /// What the errors stop: "fleet" or "profile".
  pub fn subject(&self) -> &'static str {
    if self.in_fleet {
      "fleet"
    } else {
      "profile"
    }
  }

  /// How many errors there are.
  pub fn count(&self) -> usize {
    self.problems.len() + self.refused.len()
  }

  /// Every error as data, located as the IR locates things ("file:line:col" relative to
  /// the main profile's directory; the main profile's file name for a backend refusal).
  pub fn diagnostics(&self) -> Vec<ir::Diagnostic> {
    let main = self.sources.files().first();
    let problems = self.problems.iter().map(|p| p.to_ir(&self.sources));
    let refused = self.refused.iter().map(|d| ir::Diagnostic {
      severity: Severity::Error,
      location: match (&d.location, main) {
        (at, Some(file)) if at.is_empty() => file.name.clone(),
        (at, _) => at.clone(),
      },
      ..d.clone()
    });
    problems.chain(refused).collect()
  }

  /// `error[CODE]: message`, ` --> file:line:col` as typed, a code frame, help and sources;
  /// one block per error, blank-line separated.
  pub fn render(&self) -> String {
    let at = self
      .sources
      .files()
      .first()
      .map(|f| f.path.as_str())
      .unwrap_or_default();
    let problems = self.problems.iter().map(|p| p.render(&self.sources));
    let refused = self.refused.iter().map(|n| {
      let message = crate::syntax::escape_hazards(&n.message);
      format!("{}[{}]: {message}\n --> {at}\n", Severity::Error, n.code)
    });
    // Messages quote profile values and parser errors (each block escapes its own lines);
    // file paths in the frames may still carry hazards.
    crate::syntax::terminal_text(&problems.chain(refused).collect::<Vec<_>>().join("\n"))
  }
}
