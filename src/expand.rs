//! `amlnet expand`: a profile's service-tag rules as address prefixes, for firewalls and
//! appliances that cannot use Azure service tags. Takes an IR and one ServiceTags
//! download (or two, with `--against`) and returns, per service-tag flow, the tag's
//! IPv4 and IPv6 prefixes aggregated (`crate::aggregate`), or per flow the prefixes
//! gained and lost between the two downloads, rendered as text, CSV and JSON stamped
//! with the file's cloud and changeNumber and the IR's versions and profile hash.
//! It never expands the platform-resolved tags (it explains them instead), never
//! guesses a tag the file lacks (that is an error naming it, with close names), and
//! never mixes clouds.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::ir::{Direction, Flow, Ir, PeerKind};
use crate::net::PrefixSet;
use crate::service_tags::{virtual_tag, ServiceTag, ServiceTags};
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
  Text,
  Csv,
  Json,
}

#[derive(clap::Args, Debug)]
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
  #[arg(long, value_enum, default_value_t = Format::Text)]
  pub format: Format,
  /// Write every format under DIR/expand/ instead of printing
  #[arg(long, value_name = "DIR")]
  pub out: Option<PathBuf>,
  /// Let --out replace a non-empty DIR/expand/ that amlnet did not write
  #[arg(long, requires = "out")]
  pub force: bool,
}

pub fn run(args: &ExpandArgs) -> Result<i32> {
  let ir = crate::compile_path(&args.profile)?;
  let old = ServiceTags::load(&args.service_tags)?;
  let mut files: Vec<(&str, String)> = Vec::new();
  let shown = match &args.against {
    None => {
      let rendered = expand(&ir, &old)?.render();
      files.extend(rendered.clone().files("prefixes"));
      rendered
    }
    Some(new_path) => {
      let new = ServiceTags::load(new_path)?;
      let comparison = compare(&ir, &old, &new)?;
      if old.change_number > new.change_number {
        eprintln!(
          "warning: the old file `{}` (changeNumber {}) is newer than `{}` (changeNumber {}); gained and \
           lost are relative to --service-tags",
          old.source, old.change_number, new.source, new.change_number
        );
      }
      if args.out.is_some() {
        // The directory also gets the current lists, so it is complete on its own.
        files.extend(expand(&ir, &new)?.render().files("prefixes"));
      }
      let rendered = comparison.render();
      files.extend(rendered.clone().files("changes"));
      rendered
    }
  };
  match &args.out {
    Some(dir) => {
      let target = dir.join("expand");
      let files: Vec<(String, String)> = files.into_iter().map(|(n, t)| (n.to_string(), t)).collect();
      let stamp = match Stamp::of(&ir).json() {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
      };
      let mut inputs = vec![args.profile.as_path(), args.service_tags.as_path()];
      inputs.extend(args.against.as_deref());
      let options = crate::io::Options {
        force: args.force,
        inputs,
      };
      crate::io::replace_dir(&target, &options, &stamp, &files)?;
      eprintln!("wrote {} files to {}", files.len(), target.display());
    }
    None => {
      let text = match args.format {
        Format::Text => shown.text,
        Format::Csv => shown.csv,
        Format::Json => shown.json,
      };
      let mut stdout = std::io::stdout().lock();
      match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => {}
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(source) => {
          return Err(Error::Write {
            path: PathBuf::from("<stdout>"),
            source,
          })
        }
      }
    }
  }
  Ok(0)
}

/// What every output carries about where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
  pub amlnet_version: String,
  pub catalog_version: String,
  pub profile: String,
  pub profile_hash: String,
  pub cloud: String,
  pub region: String,
}

impl Stamp {
  fn of(ir: &Ir) -> Stamp {
    Stamp {
      amlnet_version: ir.amlnet_version.clone(),
      catalog_version: ir.catalog_version.clone(),
      profile: ir.profile.clone(),
      profile_hash: ir.profile_hash.clone(),
      cloud: ir.cloud.name().to_string(),
      region: ir.region.clone(),
    }
  }

  fn json(&self) -> Value {
    json!({
      "amlnet_version": self.amlnet_version,
      "catalog_version": self.catalog_version,
      "profile": self.profile,
      "profile_hash": self.profile_hash,
      "cloud": self.cloud,
      "region": self.region,
    })
  }

  fn text(&self, out: &mut String) {
    let _ = writeln!(
      out,
      "# amlnet {}, catalog {}, profile `{}` ({} {}), profile_hash {}",
      self.amlnet_version, self.catalog_version, self.profile, self.cloud, self.region, self.profile_hash
    );
  }
}

/// Which download a result came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagsStamp {
  /// The file's `cloud` as written ("Public", "AzureGovernment", ...).
  pub cloud: String,
  pub change_number: u64,
}

impl TagsStamp {
  fn of(tags: &ServiceTags) -> TagsStamp {
    TagsStamp {
      cloud: tags.cloud.clone(),
      change_number: tags.change_number,
    }
  }

  fn json(&self) -> Value {
    json!({ "cloud": self.cloud, "change_number": self.change_number })
  }
}

/// The flow a result belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
  pub flow_id: String,
  pub direction: Direction,
  pub protocol: String,
  pub ports: Vec<String>,
  /// The tag as the IR names it.
  pub service_tag: String,
}

impl Rule {
  fn of(flow: &Flow) -> Rule {
    Rule {
      flow_id: flow.id.clone(),
      direction: flow.direction,
      protocol: flow.protocol.as_str().to_string(),
      ports: flow.ports.strings(),
      service_tag: flow.peer.to_string(),
    }
  }

  fn json(&self) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("flow_id".into(), json!(self.flow_id));
    m.insert("direction".into(), json!(self.direction.as_str()));
    m.insert("protocol".into(), json!(self.protocol));
    m.insert("ports".into(), json!(self.ports));
    m.insert("service_tag".into(), json!(self.service_tag));
    m
  }

  /// "outbound tcp 443,8787 to AzureMachineLearning"
  fn describe(&self) -> String {
    let way = match self.direction {
      Direction::Outbound => "to",
      Direction::Inbound => "from",
    };
    format!(
      "{} {} {} {way} {}",
      self.direction.as_str(),
      self.protocol,
      self.ports.join(","),
      self.service_tag
    )
  }

  fn csv_prefix(&self) -> String {
    [
      csv_field(&self.flow_id),
      csv_field(self.direction.as_str()),
      csv_field(&self.protocol),
      csv_field(&self.ports.join(";")),
      csv_field(&self.service_tag),
    ]
    .join(",")
  }
}

/// A service-tag flow whose tag the platform resolves (`VirtualNetwork`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformRule {
  pub rule: Rule,
  pub note: &'static str,
}

impl PlatformRule {
  fn json(&self) -> Value {
    let mut m = self.rule.json();
    m.insert("note".into(), json!(self.note));
    Value::Object(m)
  }

  fn text(&self, out: &mut String) {
    let _ = writeln!(
      out,
      "# not expanded: rule {}: {}: {}",
      self.rule.flow_id,
      self.rule.describe(),
      self.note
    );
  }
}

/// One service-tag flow expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleExpansion {
  pub rule: Rule,
  /// The tag's name as the file writes it.
  pub file_tag: String,
  /// How many prefixes the file lists for the tag.
  pub listed: usize,
  pub prefixes: PrefixSet,
}

/// Every service-tag flow of an IR expanded against one download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
  pub stamp: Stamp,
  pub service_tags: TagsStamp,
  pub rules: Vec<RuleExpansion>,
  pub platform_resolved: Vec<PlatformRule>,
}

/// Every service-tag flow of an IR compared between two downloads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
  pub stamp: Stamp,
  pub old: TagsStamp,
  pub new: TagsStamp,
  pub rules: Vec<RuleChange>,
  pub platform_resolved: Vec<PlatformRule>,
}

/// One service-tag flow compared: the address sets of both downloads, exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleChange {
  pub rule: Rule,
  pub file_tag: String,
  /// Aggregated prefix counts in the old and new download.
  pub old_count: usize,
  pub new_count: usize,
  /// Addresses in new and not in old, aggregated.
  pub gained: PrefixSet,
  /// Addresses in old and not in new, aggregated.
  pub lost: PrefixSet,
}

impl RuleChange {
  pub fn changed(&self) -> bool {
    !self.gained.is_empty() || !self.lost.is_empty()
  }
}

/// The text, CSV and JSON of one result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
  pub text: String,
  pub csv: String,
  pub json: String,
}

impl Rendered {
  fn files(self, stem: &str) -> [(&'static str, String); 3] {
    match stem {
      "changes" => [
        ("changes.txt", self.text),
        ("changes.csv", self.csv),
        ("changes.json", self.json),
      ],
      _ => [
        ("prefixes.txt", self.text),
        ("prefixes.csv", self.csv),
        ("prefixes.json", self.json),
      ],
    }
  }
}

/// The service-tag flows of `ir` split into the ones a download can expand and the
/// platform-resolved ones.
fn split_flows(ir: &Ir) -> (Vec<&Flow>, Vec<PlatformRule>) {
  let mut expandable = Vec::new();
  let mut platform = Vec::new();
  for flow in ir.flows.iter().filter(|f| f.peer_kind() == PeerKind::ServiceTag) {
    match virtual_tag(&flow.peer.to_string()) {
      Some((_, note)) => platform.push(PlatformRule {
        rule: Rule::of(flow),
        note,
      }),
      None => expandable.push(flow),
    }
  }
  expandable.sort_by(|a, b| a.id.cmp(&b.id));
  platform.sort_by(|a, b| a.rule.flow_id.cmp(&b.rule.flow_id));
  (expandable, platform)
}

/// Each flow's tag in `tags`, or one error naming every tag the file lacks.
fn resolve<'t>(flows: &[&Flow], tags: &'t ServiceTags) -> Result<Vec<&'t ServiceTag>> {
  let mut found = Vec::with_capacity(flows.len());
  let mut missing: Vec<String> = Vec::new();
  for flow in flows {
    match tags.get(&flow.peer.to_string()) {
      Some(tag) => found.push(tag),
      None => {
        let suggestions = tags.suggest(&flow.peer.to_string());
        let hint = if suggestions.is_empty() {
          String::new()
        } else {
          let names: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
          format!("; did you mean {}?", names.join(", "))
        };
        let line = format!("  service tag `{}` (rule {}){hint}", flow.peer, flow.id);
        if !missing.contains(&line) {
          missing.push(line);
        }
      }
    }
  }
  if missing.is_empty() {
    return Ok(found);
  }
  Err(Error::input(format!(
    "`{}` (cloud {}, changeNumber {}) has no service tag named as the profile does:\n{}\n\
     A download lacks a tag when the service has no tag in that region or the tag is newer than the \
     file; fetch the current ServiceTags file, or check the tag's spelling in the profile.",
    tags.source,
    tags.cloud,
    tags.change_number,
    missing.join("\n")
  )))
}

/// Aggregated prefixes of tags, computed once per tag.
#[derive(Default)]
struct Cache {
  sets: HashMap<String, (usize, PrefixSet)>,
}

impl Cache {
  fn get(&mut self, tag: &ServiceTag) -> Result<(usize, PrefixSet)> {
    if let Some(hit) = self.sets.get(&tag.name) {
      return Ok(hit.clone());
    }
    let (ipv4, ipv6) = tag.prefixes()?;
    let listed = ipv4.len() + ipv6.len();
    let entry = (listed, PrefixSet::from_parts(ipv4, ipv6));
    self.sets.insert(tag.name.clone(), entry.clone());
    Ok(entry)
  }
}

/// Expand every service-tag flow of `ir` with `tags`.
pub fn expand(ir: &Ir, tags: &ServiceTags) -> Result<Expansion> {
  tags.ensure_cloud(ir.cloud.name(), &ir.profile)?;
  let (flows, platform_resolved) = split_flows(ir);
  let found = resolve(&flows, tags)?;
  let mut cache = Cache::default();
  let mut rules = Vec::with_capacity(flows.len());
  for (flow, tag) in flows.iter().zip(found) {
    let (listed, prefixes) = cache.get(tag)?;
    rules.push(RuleExpansion {
      rule: Rule::of(flow),
      file_tag: tag.name.clone(),
      listed,
      prefixes,
    });
  }
  Ok(Expansion {
    stamp: Stamp::of(ir),
    service_tags: TagsStamp::of(tags),
    rules,
    platform_resolved,
  })
}

/// Compare every service-tag flow of `ir` between the `old` and `new` downloads.
pub fn compare(ir: &Ir, old: &ServiceTags, new: &ServiceTags) -> Result<Comparison> {
  old.ensure_cloud(ir.cloud.name(), &ir.profile)?;
  new.ensure_cloud(ir.cloud.name(), &ir.profile)?;
  let (flows, platform_resolved) = split_flows(ir);
  let old_found = resolve(&flows, old)?;
  let new_found = resolve(&flows, new)?;
  let (mut old_cache, mut new_cache) = (Cache::default(), Cache::default());
  let mut rules = Vec::with_capacity(flows.len());
  for ((flow, old_tag), new_tag) in flows.iter().zip(old_found).zip(new_found) {
    let (_, before) = old_cache.get(old_tag)?;
    let (_, after) = new_cache.get(new_tag)?;
    rules.push(RuleChange {
      rule: Rule::of(flow),
      file_tag: new_tag.name.clone(),
      old_count: before.len(),
      new_count: after.len(),
      gained: after.difference(&before),
      lost: before.difference(&after),
    });
  }
  Ok(Comparison {
    stamp: Stamp::of(ir),
    old: TagsStamp::of(old),
    new: TagsStamp::of(new),
    rules,
    platform_resolved,
  })
}

impl Expansion {
  pub fn render(&self) -> Rendered {
    Rendered {
      text: self.text(),
      csv: self.csv(),
      json: self.json(),
    }
  }

  fn totals(&self) -> (usize, usize, usize) {
    let ipv4 = self.rules.iter().map(|r| r.prefixes.ipv4.len()).sum();
    let ipv6 = self.rules.iter().map(|r| r.prefixes.ipv6.len()).sum();
    let listed = self.rules.iter().map(|r| r.listed).sum();
    (ipv4, ipv6, listed)
  }

  pub fn text(&self) -> String {
    let mut out = String::new();
    let (ipv4, ipv6, listed) = self.totals();
    out.push_str("# amlnet expand: service-tag rules as address prefixes\n");
    self.stamp.text(&mut out);
    let _ = writeln!(
      out,
      "# service tags: cloud {}, changeNumber {}",
      self.service_tags.cloud, self.service_tags.change_number
    );
    let _ = writeln!(
      out,
      "# {} expanded: {ipv4} IPv4 + {ipv6} IPv6 prefixes (aggregated from {listed} listed)",
      plural(self.rules.len(), "rule")
    );
    for p in &self.platform_resolved {
      p.text(&mut out);
    }
    for r in &self.rules {
      out.push('\n');
      let _ = writeln!(
        out,
        "# rule {}: {}{}: {} IPv4 + {} IPv6 prefixes (aggregated from {} listed)",
        r.rule.flow_id,
        r.rule.describe(),
        spelled(&r.rule.service_tag, &r.file_tag),
        r.prefixes.ipv4.len(),
        r.prefixes.ipv6.len(),
        r.listed
      );
      for net in r.prefixes.iter() {
        let _ = writeln!(out, "{net}");
      }
    }
    out
  }

  pub fn csv(&self) -> String {
    let stamp = format!(
      "{},{}",
      csv_field(&self.service_tags.cloud),
      self.service_tags.change_number
    );
    // The rows of every rule, platform-resolved ones included, in flow-id order.
    let mut groups: Vec<(&str, String)> = Vec::new();
    for p in &self.platform_resolved {
      groups.push((
        &p.rule.flow_id,
        format!("{},platform,,{stamp}\n", p.rule.csv_prefix()),
      ));
    }
    for r in &self.rules {
      let head = r.rule.csv_prefix();
      let mut rows = String::new();
      for net in &r.prefixes.ipv4 {
        let _ = writeln!(rows, "{head},ipv4,{net},{stamp}");
      }
      for net in &r.prefixes.ipv6 {
        let _ = writeln!(rows, "{head},ipv6,{net},{stamp}");
      }
      groups.push((&r.rule.flow_id, rows));
    }
    groups.sort_by(|a, b| a.0.cmp(b.0));
    let mut out =
      String::from("rule_id,direction,protocol,ports,service_tag,family,prefix,cloud,change_number\n");
    for (_, rows) in groups {
      out.push_str(&rows);
    }
    out
  }

  pub fn json(&self) -> String {
    let (ipv4, ipv6, listed) = self.totals();
    let rules: Vec<Value> = self
      .rules
      .iter()
      .map(|r| {
        let mut m = r.rule.json();
        m.insert("file_tag".into(), json!(r.file_tag));
        m.insert("listed".into(), json!(r.listed));
        m.insert("count".into(), json!(r.prefixes.len()));
        m.insert("ipv4_count".into(), json!(r.prefixes.ipv4.len()));
        m.insert("ipv6_count".into(), json!(r.prefixes.ipv6.len()));
        m.insert("ipv4".into(), strings(&r.prefixes.ipv4));
        m.insert("ipv6".into(), strings(&r.prefixes.ipv6));
        m.insert(
          "prefixes".into(),
          json!(r.prefixes.iter().map(|n| n.to_string()).collect::<Vec<_>>()),
        );
        Value::Object(m)
      })
      .collect();
    let mut doc = self.stamp.json();
    if let Value::Object(m) = &mut doc {
      m.insert("service_tags".into(), self.service_tags.json());
      m.insert(
        "summary".into(),
        json!({ "rules": self.rules.len(), "ipv4_count": ipv4, "ipv6_count": ipv6,
                "count": ipv4 + ipv6, "listed": listed }),
      );
      m.insert("rules".into(), Value::Array(rules));
      m.insert(
        "platform_resolved".into(),
        Value::Array(self.platform_resolved.iter().map(PlatformRule::json).collect()),
      );
    }
    pretty(&doc)
  }
}

impl Comparison {
  pub fn render(&self) -> Rendered {
    Rendered {
      text: self.text(),
      csv: self.csv(),
      json: self.json(),
    }
  }

  /// (rules changed, prefixes gained, prefixes lost)
  pub fn totals(&self) -> (usize, usize, usize) {
    let changed = self.rules.iter().filter(|r| r.changed()).count();
    let gained = self.rules.iter().map(|r| r.gained.len()).sum();
    let lost = self.rules.iter().map(|r| r.lost.len()).sum();
    (changed, gained, lost)
  }

  pub fn text(&self) -> String {
    let mut out = String::new();
    let (changed, gained, lost) = self.totals();
    out.push_str("# amlnet expand --against: prefixes each service-tag rule gains and loses\n");
    self.stamp.text(&mut out);
    let _ = writeln!(
      out,
      "# old service tags: cloud {}, changeNumber {}",
      self.old.cloud, self.old.change_number
    );
    let _ = writeln!(
      out,
      "# new service tags: cloud {}, changeNumber {}",
      self.new.cloud, self.new.change_number
    );
    let _ = writeln!(
      out,
      "# {} compared, {changed} changed: {} gained (+), {lost} lost (-)",
      plural(self.rules.len(), "rule"),
      plural(gained, "prefix")
    );
    for p in &self.platform_resolved {
      p.text(&mut out);
    }
    for r in &self.rules {
      out.push('\n');
      let what = if r.changed() {
        format!(
          "{} gained, {} lost ({} -> {} prefixes aggregated)",
          r.gained.len(),
          r.lost.len(),
          r.old_count,
          r.new_count
        )
      } else {
        format!("unchanged ({} prefixes aggregated)", r.new_count)
      };
      let _ = writeln!(
        out,
        "# rule {}: {}{}: {what}",
        r.rule.flow_id,
        r.rule.describe(),
        spelled(&r.rule.service_tag, &r.file_tag)
      );
      for net in r.gained.iter() {
        let _ = writeln!(out, "+ {net}");
      }
      for net in r.lost.iter() {
        let _ = writeln!(out, "- {net}");
      }
    }
    out
  }

  pub fn csv(&self) -> String {
    let mut out = String::from(
      "rule_id,direction,protocol,ports,service_tag,change,family,prefix,cloud,old_change_number,\
       new_change_number\n",
    );
    let stamp = format!(
      "{},{},{}",
      csv_field(&self.new.cloud),
      self.old.change_number,
      self.new.change_number
    );
    for r in &self.rules {
      let head = r.rule.csv_prefix();
      for (change, set) in [("gained", &r.gained), ("lost", &r.lost)] {
        for net in &set.ipv4 {
          let _ = writeln!(out, "{head},{change},ipv4,{net},{stamp}");
        }
        for net in &set.ipv6 {
          let _ = writeln!(out, "{head},{change},ipv6,{net},{stamp}");
        }
      }
    }
    out
  }

  pub fn json(&self) -> String {
    let (changed, gained, lost) = self.totals();
    let rules: Vec<Value> = self
      .rules
      .iter()
      .map(|r| {
        let mut m = r.rule.json();
        m.insert("file_tag".into(), json!(r.file_tag));
        m.insert("changed".into(), json!(r.changed()));
        m.insert("old_count".into(), json!(r.old_count));
        m.insert("new_count".into(), json!(r.new_count));
        m.insert("gained_count".into(), json!(r.gained.len()));
        m.insert("lost_count".into(), json!(r.lost.len()));
        m.insert(
          "gained".into(),
          json!({ "ipv4": strings(&r.gained.ipv4), "ipv6": strings(&r.gained.ipv6) }),
        );
        m.insert(
          "lost".into(),
          json!({ "ipv4": strings(&r.lost.ipv4), "ipv6": strings(&r.lost.ipv6) }),
        );
        Value::Object(m)
      })
      .collect();
    let mut doc = self.stamp.json();
    if let Value::Object(m) = &mut doc {
      m.insert("old".into(), self.old.json());
      m.insert("new".into(), self.new.json());
      m.insert(
        "summary".into(),
        json!({ "rules": self.rules.len(), "changed": changed, "gained_count": gained, "lost_count": lost }),
      );
      m.insert("rules".into(), Value::Array(rules));
      m.insert(
        "platform_resolved".into(),
        Value::Array(self.platform_resolved.iter().map(PlatformRule::json).collect()),
      );
    }
    pretty(&doc)
  }
}

/// "1 rule", "2 rules", "1 prefix", "2 prefixes"
fn plural(n: usize, noun: &str) -> String {
  match (n, noun.ends_with('x')) {
    (1, _) => format!("1 {noun}"),
    (_, true) => format!("{n} {noun}es"),
    (_, false) => format!("{n} {noun}s"),
  }
}

/// " (file: Storage.EastUS)" when the file spells the tag differently from the IR.
fn spelled(ir_name: &str, file_name: &str) -> String {
  if ir_name == file_name {
    String::new()
  } else {
    format!(" (file: {file_name})")
  }
}

fn strings<T: std::fmt::Display>(nets: &[T]) -> Value {
  Value::Array(nets.iter().map(|n| Value::String(n.to_string())).collect())
}

fn pretty(doc: &Value) -> String {
  let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
  s.push('\n');
  s
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
fn csv_field(s: &str) -> String {
  if s.contains([',', '"', '\n', '\r']) {
    format!("\"{}\"", s.replace('"', "\"\""))
  } else {
    s.to_string()
  }
}
