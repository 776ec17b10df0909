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
  /// Colour what is printed for people: auto (on a terminal, unless NO_COLOR is set), always, never
  #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
  pub color: Color,
  /// Print only results and errors: no compile summary, no "wrote" lines
  #[arg(long, short, global = true)]
  pub quiet: bool,
}

#[derive(Subcommand)]
pub enum Command {
  /// Compile a profile into NSG, firewall, FQDN and DNS artifacts
  #[command(
    after_help = "Examples:\n  amlnet compile profiles/secure-workspace.toml\n  amlnet compile my.toml --out out/\n  amlnet compile my.toml --format json > ir.json"
  )]
  Compile(CompileArgs),
  /// Say why each rule or record exists
  #[command(
    after_help = "Examples:\n  amlnet explain profiles/secure-workspace.toml\n  amlnet explain profiles/secure-workspace.toml pypi.org --format markdown"
  )]
  Explain(ExplainArgs),
  /// Show what changed between two profiles or compiled IR files
  #[command(
    after_help = "Examples:\n  amlnet diff old.toml new.toml\n  amlnet diff release-1/ir.json release-2/ir.json --fail-on added,widened --format markdown"
  )]
  Diff(DiffArgs),
  /// Expand a profile's service-tag rules into address prefixes
  #[command(
    after_help = "Examples:\n  amlnet expand my.toml --service-tags ServiceTags_Public.json\n  amlnet expand my.toml --service-tags old.json --against new.json --out out/"
  )]
  Expand(ExpandArgs),
  /// Ask whether one flow passes deployed NSG and firewall rules, offline
  #[command(
    after_help = "Example:\n  amlnet query --nsg nsg.json --firewall rcg.json \"outbound tcp 10.20.0.5 -> Storage.EastUS:443\""
  )]
  Query(QueryArgs),
  /// Check deployed NSG, firewall and DNS against what a profile needs
  #[command(
    after_help = "Example:\n  amlnet audit my.toml --nsg nsg.json --firewall rcg.json --dns records.json --format markdown"
  )]
  Audit(AuditArgs),
  /// Write a commented starter profile for a shipped scenario
  #[command(
    after_help = "Examples:\n  amlnet init --scenario training-no-public-ip --cloud AzureCloud --region westeurope > my.toml\n  amlnet init --scenario secure-workspace --out my.toml"
  )]
  Init(InitArgs),
  /// Print a shell completion script
  #[command(
    after_help = "Examples:\n  amlnet completions bash > ~/.local/share/bash-completion/completions/amlnet\n  amlnet completions zsh > \"${fpath[1]}/_amlnet\"\n  amlnet completions fish > ~/.config/fish/completions/amlnet.fish"
  )]
  Completions(CompletionsArgs),
  /// Print a man page (roff): amlnet's, or one command's
  #[command(after_help = "Examples:\n  amlnet man | man -l -\n  amlnet man diff > amlnet-diff.1")]
  Man(ManArgs),
  /// Print the JSON Schema of a profile, for editors and validators
  #[command(
    after_help = "Example:\n  amlnet schema > profile.schema.json\n\nShipped profiles start with `#:schema ../schema/profile.schema.json`, which taplo and Even Better TOML follow."
  )]
  Schema,
}

#[derive(Args)]
pub struct CompletionsArgs {
  /// The shell to complete for
  #[arg(value_enum)]
  pub shell: clap_complete::Shell,
}

#[derive(Args)]
pub struct ManArgs {
  /// A command whose page to print (default: amlnet's own page)
  pub command: Option<String>,
}

#[derive(Args)]
pub struct InitArgs {
  /// The shipped scenario to start from (a profile of profiles/)
  #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(amlnet::init::scenarios()))]
  pub scenario: String,
  /// The cloud (default: the scenario's, or the cloud of --region)
  #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(amlnet::region::Cloud::ALL.map(|c| c.name())))]
  pub cloud: Option<String>,
  /// The region, lowercase as ARM spells it (default: the scenario's, or one of the cloud's)
  #[arg(long)]
  pub region: Option<String>,
  /// Write the profile to FILE, which must not exist, instead of printing it
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
  pub out: Option<PathBuf>,
}

#[derive(Args)]
pub struct CompileArgs {
  /// The profile (.toml), or a fleet file (a `[hub]` table and its workspace profiles)
  #[arg(value_hint = clap::ValueHint::FilePath)]
  pub profile: PathBuf,
  /// More profiles: each is compiled alone, written to <OUT>/<name>/
  #[arg(value_name = "MORE")]
  pub more: Vec<PathBuf>,
  /// Directory to write every artifact into (replaced atomically)
  #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
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
  #[arg(value_hint = clap::ValueHint::FilePath)]
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
  #[arg(value_hint = clap::ValueHint::FilePath)]
  pub old: PathBuf,
  /// New side: a profile (.toml) or a compiled IR (.json)
  #[arg(value_hint = clap::ValueHint::FilePath)]
  pub new: PathBuf,
  /// Output format
  #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
  pub format: DiffFormat,
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
  #[arg(value_hint = clap::ValueHint::FilePath)]
  pub profile: PathBuf,
  /// A ServiceTags JSON download (with --against: the old one)
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
  pub service_tags: PathBuf,
  /// A newer ServiceTags download: report the prefixes each rule gains and loses
  #[arg(long, value_name = "NEW", value_hint = clap::ValueHint::FilePath)]
  pub against: Option<PathBuf>,
  /// What to print on stdout
  #[arg(long, value_enum, default_value_t = ExpandFormat::Text)]
  pub format: ExpandFormat,
  /// Write every format under DIR/expand/ instead of printing
  #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
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
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
  pub nsg: Option<PathBuf>,
  /// A deployed firewall policy: `az network firewall policy rule-collection-group list` or
  /// `show` JSON, or an ARM template
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
  pub firewall: Option<PathBuf>,
  /// A ServiceTags JSON download, to resolve service tags to their prefixes
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
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
  #[arg(value_hint = clap::ValueHint::FilePath)]
  pub profile: PathBuf,
  /// A deployed NSG: `az network nsg show` JSON, or an ARM template
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
  pub nsg: Option<PathBuf>,
  /// A deployed firewall policy: `az network firewall policy rule-collection-group list` JSON,
  /// or an ARM template
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
  pub firewall: Option<PathBuf>,
  /// Deployed DNS: a zone file (ZONE=FILE when it sets no $ORIGIN) or
  /// `az network private-dns record-set list` JSON; several files may follow one --dns
  #[arg(long, value_name = "FILE", num_args = 1.., value_hint = clap::ValueHint::FilePath)]
  pub dns: Vec<String>,
  /// A ServiceTags JSON download of the profile's cloud, for exact prefixes (default: tags
  /// compared by name)
  #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
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
