//! `amlnet completions SHELL` and `amlnet man [COMMAND]`: both generated from the clap
//! grammar in `args` (clap_complete, clap_mangen), so they never drift from the options.
//! Takes the parsed arguments; writes to stdout only.

use clap::CommandFactory as _;

use amlnet::Error;

use super::args::{Cli, CompletionsArgs, ManArgs};
use super::{write_stdout, OK};

pub fn completions(args: &CompletionsArgs) -> amlnet::Result<u8> {
  let mut cmd = Cli::command();
  let mut buf = Vec::new();
  clap_complete::generate(args.shell, &mut cmd, "amlnet", &mut buf);
  write_stdout(&String::from_utf8_lossy(&buf))?;
  Ok(OK)
}

pub fn man(args: &ManArgs) -> amlnet::Result<u8> {
  let root = Cli::command();
  let page = match &args.command {
    None => root,
    Some(name) => {
      let Some(sub) = root.find_subcommand(name) else {
        let names: Vec<&str> = root.get_subcommands().map(|c| c.get_name()).collect();
        return Err(Error::Input {
          message: format!("no command `{name}`; commands: {}", names.join(", ")),
        });
      };
      // The page is named `amlnet-diff(1)`, as man pages of subcommands are.
      sub.clone().name(format!("amlnet-{}", sub.get_name()))
    }
  };
  let mut buf = Vec::new();
  clap_mangen::Man::new(page)
    .render(&mut buf)
    .map_err(|source| Error::Write {
      path: "<stdout>".into(),
      source,
    })?;
  write_stdout(&String::from_utf8_lossy(&buf))?;
  Ok(OK)
}
