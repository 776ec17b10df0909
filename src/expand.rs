//! `amlnet expand`: a profile's service-tag rules as address prefixes, for firewalls and
//! appliances that cannot use Azure service tags. Takes a profile (compiled through
//! `crate::compile`, the one validation path) and one ServiceTags download (or two, to
//! compare), and returns, per service-tag flow, the tag's IPv4 and IPv6 prefixes aggregated,
//! or per flow the prefixes gained and lost between the two downloads, rendered as text,
//! CSV and JSON stamped with the file's cloud and changeNumber and the IR's versions and
//! profile hash (`results` holds the data, `render` the documents).
//! It never expands the platform-resolved tags (it explains them instead), never guesses
//! a tag the file lacks (that is an error naming it, with close names), never mixes
//! clouds, and never prints or writes: the CLI shows the result or hands the files to `io`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::ir::{Flow, Ir, PeerKind};
use crate::net::PrefixSet;
use crate::service_tags::{virtual_tag, ServiceTag, ServiceTags};
use crate::{Error, Result};

mod render;
mod results;

pub use results::{
  Comparison, Expansion, PlatformRule, Rendered, Rule, RuleChange, RuleExpansion, Stamp, TagsStamp,
};

/// What to expand.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
  /// The profile whose service-tag rules to expand.
  pub profile: &'a Path,
  /// A ServiceTags download (with `against`: the old one).
  pub service_tags: &'a Path,
  /// A newer download: report the prefixes each rule gains and loses.
  pub against: Option<&'a Path>,
  /// With `against`, also expand the newer download into `Report::files`, so a directory
  /// of them stands on its own (the CLI asks for this with `--out`).
  pub complete_files: bool,
}

/// One run of `expand`: what to show, and every file of an output directory.
#[derive(Clone, Debug)]
pub struct Report {
  /// The expansion, or with `against` the comparison, in each format.
  pub shown: Rendered,
  /// `prefixes.{txt,csv,json}`, and with `against` `changes.{txt,csv,json}`.
  pub files: Vec<(String, String)>,
  /// Where the results came from, for the output directory's manifest.
  pub stamp: Map<String, Value>,
  /// Things the caller should tell the user, results notwithstanding.
  pub warnings: Vec<String>,
  /// Every file the run read: the profile, the files it extends, the downloads.
  pub inputs: Vec<std::path::PathBuf>,
}

/// Compile the profile, read the downloads and expand (or compare) every service-tag rule.
pub fn run(options: &Options) -> Result<Report> {
  let compiled = crate::compile(options.profile)?;
  let ir = compiled.ir;
  let old = ServiceTags::load(options.service_tags)?;
  let mut files: Vec<(&str, String)> = Vec::new();
  let mut warnings = Vec::new();
  catch_all_warning(&old, &mut warnings);
  let shown = match options.against {
    None => {
      let rendered = expand(&ir, &old)?.render();
      files.extend(rendered.clone().files("prefixes"));
      rendered
    }
    Some(new_path) => {
      let new = ServiceTags::load(new_path)?;
      catch_all_warning(&new, &mut warnings);
      let comparison = compare(&ir, &old, &new)?;
      if old.change_number > new.change_number {
        warnings.push(format!(
          "the old file `{}` (changeNumber {}) is newer than `{}` (changeNumber {}); gained and \
           lost are relative to --service-tags",
          old.source, old.change_number, new.source, new.change_number
        ));
      }
      if options.complete_files {
        files.extend(expand(&ir, &new)?.render().files("prefixes"));
      }
      let rendered = comparison.render();
      files.extend(rendered.clone().files("changes"));
      rendered
    }
  };
  let stamp = match Stamp::of(&ir).json() {
    Value::Object(m) => m,
    _ => Map::new(),
  };
  let mut inputs = compiled.inputs;
  inputs.push(options.service_tags.to_path_buf());
  inputs.extend(options.against.map(std::path::Path::to_path_buf));
  Ok(Report {
    inputs,
    shown,
    files: files.into_iter().map(|(n, t)| (n.to_string(), t)).collect(),
    stamp,
    warnings,
  })
}

/// A download in which a tag covers a whole address family is wrong or tampered with.
fn catch_all_warning(tags: &ServiceTags, warnings: &mut Vec<String>) {
  let names = tags.catch_all_tags();
  if !names.is_empty() {
    warnings.push(format!(
      "`{}` gives {} a /0 prefix (every address): no Azure service owns all addresses, so the \
       file is wrong or has been tampered with; check it before using these prefixes",
      tags.source,
      names.join(", ")
    ));
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
