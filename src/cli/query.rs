//! `amlnet query`: prints the answer; exit 0 when the whole flow is allowed, 1 when any part
//! of it is denied, 2 when the question or an export cannot be read.

use amlnet::query::{Options, Outcome};
use amlnet::Error;

use super::args::{QueryArgs, QueryFormat};
use super::{write_stdout, OK};

/// Exit status when part or all of the flow is denied.
const DENIED: u8 = 1;

pub fn query(args: &QueryArgs) -> Result<u8, Error> {
  let answer = amlnet::query::run(&Options {
    question: &args.question,
    nsg: args.nsg.as_deref(),
    firewall: args.firewall.as_deref(),
    service_tags: args.service_tags.as_deref(),
    vnet: &args.vnet,
  })?;
  write_stdout(&match args.format {
    QueryFormat::Text => amlnet::syntax::terminal_text(&answer.text()),
    QueryFormat::Json => answer.json(),
  })?;
  Ok(if answer.outcome == Outcome::Allowed {
    OK
  } else {
    DENIED
  })
}
