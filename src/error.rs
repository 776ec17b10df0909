//! The library's error type. Every variant is bad input or an environment failure:
//! the CLI prints it and exits 2. Profile errors arrive already rendered with their
//! code frames (see `diagnostic.rs`).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
  /// One or more profile errors, rendered with file:line:col and a code frame.
  #[error("{rendered}")]
  Profile { rendered: String, count: usize },
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
