//! `amlnet expand`: prints the expansion (or comparison) in the chosen format, or hands
//! every format to `amlnet::io` under `--out DIR/expand/`; warnings and the "wrote" line
//! go to stderr.

use amlnet::expand::Options;
use amlnet::Error;

use super::args::{ExpandArgs, ExpandFormat};
use super::{write_stdout, OK};

pub fn expand(args: &ExpandArgs) -> Result<u8, Error> {
  let report = amlnet::expand::run(&Options {
    profile: &args.profile,
    service_tags: &args.service_tags,
    against: args.against.as_deref(),
    complete_files: args.out.is_some(),
  })?;
  for warning in &report.warnings {
    eprintln!(
      "{} {}",
      super::label("warning"),
      amlnet::syntax::terminal_text(warning)
    );
  }
  match &args.out {
    Some(dir) => {
      let target = dir.join("expand");
      let options = amlnet::io::Options {
        force: args.force,
        inputs: report.inputs.iter().map(std::path::PathBuf::as_path).collect(),
      };
      amlnet::io::replace_dir(&target, &options, &report.stamp, &report.files)?;
      if !super::quiet() {
        eprintln!("wrote {} files to {}", report.files.len(), target.display());
      }
    }
    None => write_stdout(match args.format {
      ExpandFormat::Text => &report.shown.text,
      ExpandFormat::Csv => &report.shown.csv,
      ExpandFormat::Json => &report.shown.json,
    })?,
  }
  Ok(OK)
}
