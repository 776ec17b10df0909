//! `amlnet audit`: prints the report; exit 1 when a finding of a `--fail-on` kind exists
//! (default: every kind but `extra`), 0 when none, 2 on any error.

use amlnet::audit::{Kind, Options};
use amlnet::Error;

use super::args::{AuditArgs, AuditFormat};
use super::{write_stdout, OK};

/// Exit status when findings of a failing kind exist.
const FINDINGS: u8 = 1;

pub fn audit(args: &AuditArgs) -> Result<u8, Error> {
  let report = amlnet::audit::run(&Options {
    profile: &args.profile,
    nsg: args.nsg.as_deref(),
    firewall: args.firewall.as_deref(),
    dns: &args.dns,
    service_tags: args.service_tags.as_deref(),
  })?;
  write_stdout(&match args.format {
    AuditFormat::Text => amlnet::syntax::terminal_text(&report.text()),
    AuditFormat::Markdown => report.markdown(),
    AuditFormat::Json => report.json(),
  })?;
  let failing: Vec<Kind> = if args.fail_on.is_empty() {
    Kind::FAIL_BY_DEFAULT.to_vec()
  } else {
    args.fail_on.iter().map(|k| k.kind()).collect()
  };
  Ok(if failing.iter().any(|k| report.count(*k) > 0) {
    FINDINGS
  } else {
    OK
  })
}
