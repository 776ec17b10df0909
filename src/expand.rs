//! (not written yet) Service-tag expansion against a ServiceTags download.

use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ExpandArgs {
  /// The profile whose service-tag rules to expand
  pub profile: PathBuf,
  /// A ServiceTags JSON download
  #[arg(long)]
  pub service_tags: PathBuf,
}

pub fn run(_args: &ExpandArgs) -> crate::Result<i32> {
  Err(crate::Error::input("expand is not written yet"))
}
