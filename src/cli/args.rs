//! The command-line grammar (clap): commands, options and their accepted values. Only
//! parsing lives here; `cli` turns these into the library's plain options.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use amlnet::diff::Kind;

#[derive(Parser)]
#[command(
  name = "amlnet",
  version,
  about = "Azure Machine Learning network isolation compiler"
)]
pub struct Cli {
  #[command(subcommand)]
  pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
  /// Compile a profile into NSG, firewall, FQDN and DNS artifacts
  Compile(CompileArgs),
  /// Say why each rule or record exists
  Explain(ExplainArgs),
  /// Show what changed between two profiles or compiled IR files
  Diff(DiffArgs),
  /// Expand a profile's service-tag rules into address prefixes
  Expand(ExpandArgs),
  /// Ask whether one flow passes deployed NSG and firewall rules, offline
  Query(QueryArgs),
  /// Check deployed NSG, firewall and DNS against what a profile needs
  Audit(AuditArgs),
}

#[derive(Args)]
pub struct CompileArgs {
  /// The profile (.toml), or a fleet file (a `[hub]` table and its workspace profiles)
  pub profile: PathBuf,
  /// More profiles: each is compiled alone, written to <OUT>/<name>/
  #[arg(value_name = "MORE")]
  pub more: Vec<PathBuf>,
  /// Directory to write every artifact into (replaced atomically)
  #[arg(long)]
  pub out: Option<PathBuf>,
  /// Let --out replace a non-empty directory that amlnet did not write
  #[arg(long, requires = "out")]
  pub force: bool,
  /// `summary` prints counts and diagnostics; `json` prints the IR (on failure, an error document)
  #[arg(long, value_enum, default_value = "summary")]
  pub format: CompileFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompileFormat {
  Summary,
  Json,
}

#[derive(Args)]
pub struct ExplainArgs {
  /// The profile (.toml)
  pub profile: PathBuf,
  /// A flow id, rule name, service tag, FQDN or host name, address, requirement id or DNS
  /// name (default: everything)
  pub query: Option<String>,
  /// Output format
  #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
  pub format: ExplainFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExplainFormat {
  /// Readable terminal view
  Text,
  /// A section per rule or record, for change tickets
  Markdown,
  /// Stable machine-readable shape (docs/explain.md)
  Json,
}

#[derive(Args)]
pub struct DiffArgs {
  /// Old side: a profile (.toml) or a compiled IR (.json)
  pub old: PathBuf,
  /// New side: a profile (.toml) or a compiled IR (.json)
  pub new: PathBuf,
  /// Output format
  #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
  pub format: DiffFormat,
  /// Colour the text view: auto (when stdout is a terminal and NO_COLOR is unset), always, never
  #[arg(long, value_enum, default_value_t = Color::Auto)]
  pub color: Color,
  /// Exit 1 only when a change of one of these kinds exists (comma list); without it any change exits 1
  #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
  pub fail_on: Vec<FailOn>,
  /// Exit 1 when the release changes more than N flows, DNS entries and settings, for a
  /// human look at large changes
  #[arg(long, value_name = "N")]
  pub max_changes: Option<usize>,
  /// Exit 1 when changes exceed this share of the old side's rules and records (0.0-1.0)
  #[arg(long, value_name = "R", value_parser = ratio)]
  pub max_change_ratio: Option<f64>,
}

/// A share between 0 and 1.
fn ratio(s: &str) -> Result<f64, String> {
  match s.parse::<f64>() {
    Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
    _ => Err(format!("`{s}` is not a ratio between 0 and 1")),
  }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
  /// Readable terminal view
  Text,
  /// A change ticket with tables
  Markdown,
  /// Stable machine-readable shape (docs/diff.md)
  Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
  Auto,
  Always,
  Never,
}

/// What `--fail-on` accepts: a change kind (`amlnet::diff::Kind`, spelled as
/// `summary.kinds` spells it), or `any` (None).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailOn(pub Option<Kind>);

impl FailOn {
  const ALL: [FailOn; 9] = [
    FailOn(Some(Kind::ALL[0])),
    FailOn(Some(Kind::ALL[1])),
    FailOn(Some(Kind::ALL[2])),
    FailOn(Some(Kind::ALL[3])),
    FailOn(Some(Kind::ALL[4])),
    FailOn(Some(Kind::ALL[5])),
    FailOn(Some(Kind::ALL[6])),
    FailOn(Some(Kind::ALL[7])),
    FailOn(None),
  ];

  pub fn covers(self, kind: Kind) -> bool {
    self.0.is_none_or(|k| k == kind)
  }
}

impl ValueEnum for FailOn {
  fn value_variants<'a>() -> &'a [Self] {
    &Self::ALL
  }

  fn to_possible_value(&self) -> Option<PossibleValue> {
    Some(PossibleValue::new(self.0.map_or("any", Kind::as_str)))
  }
}

#[derive(Args)]
pub struct ExpandArgs {
  /// The profile whose service-tag rules to expand
  pub profile: PathBuf,
  /// A ServiceTags JSON download (with --against: the old one)
  #[arg(long, value_name = "FILE")]
  pub service_tags: PathBuf,
  /// A newer ServiceTags download: report the prefixes each rule gains and loses
  #[arg(long, value_name = "NEW")]
  pub against: Option<PathBuf>,
  /// What to print on stdout
  #[arg(long, value_enum, default_value_t = ExpandFormat::Text)]
  pub format: ExpandFormat,
  /// Write every format under DIR/expand/ instead of printing
  #[arg(long, value_name = "DIR")]
  pub out: Option<PathBuf>,
  /// Let --out replace a non-empty DIR/expand/ that amlnet did not write
  #[arg(long, requires = "out")]
  pub force: bool,
}

#[derive(Args)]
pub struct QueryArgs {
  /// The flow: DIRECTION PROTOCOL SOURCE -> DESTINATION[:PORTS], e.g.
  /// "outbound tcp 10.20.0.5 -> Storage.EastUS:443" or "outbound tcp 10.20.0.5 -> pypi.org:443"
  pub question: String,
  /// A deployed NSG: `az network nsg show` or `nsg rule list` JSON, or an ARM template
  #[arg(long, value_name = "FILE")]
  pub nsg: Option<PathBuf>,
  /// A deployed firewall policy: `az network firewall policy rule-collection-group list` or
  /// `show` JSON, or an ARM template
  #[arg(long, value_name = "FILE")]
  pub firewall: Option<PathBuf>,
  /// A ServiceTags JSON download, to resolve service tags to their prefixes
  #[arg(long, value_name = "FILE")]
  pub service_tags: Option<PathBuf>,
  /// The VNet's address space (what the VirtualNetwork tag stands for); repeat or comma-separate
  #[arg(long, value_name = "CIDR", value_delimiter = ',')]
  pub vnet: Vec<ipnet::IpNet>,
  /// Output format
  #[arg(long, value_enum, default_value_t = QueryFormat::Text)]
  pub format: QueryFormat,
}

#[derive(Args)]
pub struct AuditArgs {
  /// The profile whose requirements the deployment must meet
  pub profile: PathBuf,
  /// A deployed NSG: `az network nsg show` JSON, or an ARM template
  #[arg(long, value_name = "FILE")]
  pub nsg: Option<PathBuf>,
  /// A deployed firewall policy: `az network firewall policy rule-collection-group list` JSON,
  /// or an ARM template
  #[arg(long, value_name = "FILE")]
  pub firewall: Option<PathBuf>,
  /// Deployed DNS: a zone file (ZONE=FILE when it sets no $ORIGIN) or
  /// `az network private-dns record-set list` JSON; several files may follow one --dns
  #[arg(long, value_name = "FILE", num_args = 1..)]
  pub dns: Vec<String>,
  /// A ServiceTags JSON download of the profile's cloud, for exact prefixes (default: tags
  /// compared by name)
  #[arg(long, value_name = "FILE")]
  pub service_tags: Option<PathBuf>,
  /// Output format
  #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
  pub format: AuditFormat,
  /// Exit 1 when a finding of one of these kinds exists (default: every kind but extra)
  #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
  pub fail_on: Vec<AuditKind>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AuditFormat {
  /// Readable terminal view
  Text,
  /// A change ticket: what to add, change, remove
  Markdown,
  /// Stable machine-readable shape (docs/audit.md)
  Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum AuditKind {
  Missing,
  Shadowed,
  Broad,
  Extra,
  Dns,
}

impl AuditKind {
  pub fn kind(self) -> amlnet::audit::Kind {
    use amlnet::audit::Kind;
    match self {
      AuditKind::Missing => Kind::Missing,
      AuditKind::Shadowed => Kind::Shadowed,
      AuditKind::Broad => Kind::Broad,
      AuditKind::Extra => Kind::Extra,
      AuditKind::Dns => Kind::Dns,
    }
  }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum QueryFormat {
  /// Readable terminal view
  Text,
  /// Stable machine-readable shape (docs/query.md)
  Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExpandFormat {
  Text,
  Csv,
  Json,
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn fail_on_accepts_every_kind_and_any() {
    let names: Vec<String> = FailOn::value_variants()
      .iter()
      .filter_map(|v| v.to_possible_value())
      .map(|v| v.get_name().to_string())
      .collect();
    let mut expected: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    expected.push("any");
    assert_eq!(names, expected);
  }
}
