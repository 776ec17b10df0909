//! (not written yet) Semantic diff of two IRs.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
  /// Old side: a profile (.toml) or a compiled IR (.json)
  pub old: PathBuf,
  /// New side: a profile (.toml) or a compiled IR (.json)
  pub new: PathBuf,
}

pub fn run(_args: &DiffArgs) -> crate::Result<i32> {
  Err(crate::Error::input("diff is not written yet"))
}
