//! What `expand` finds, as data: the stamps of the IR and of each ServiceTags download,
//! the rule every result belongs to, and one expansion or comparison per service-tag flow.
//! Each piece knows its own JSON object, CSV columns or text line; whole documents are
//! `render`'s. Nothing here reads files or aggregates prefixes.

use serde_json::{json, Value};

use crate::ir::{Direction, Flow, Ir, Protocol};
use crate::net::PrefixSet;
use crate::service_tags::ServiceTags;
use crate::syntax::comment::{self, Leader};
use crate::syntax::csv;

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
  pub(super) fn of(ir: &Ir) -> Stamp {
    Stamp {
      amlnet_version: ir.amlnet_version.clone(),
      catalog_version: ir.catalog_version.clone(),
      profile: ir.profile.clone(),
      profile_hash: ir.profile_hash.clone(),
      cloud: ir.cloud.name().to_string(),
      region: ir.region.clone(),
    }
  }

  pub(super) fn json(&self) -> Value {
    json!({
      "amlnet_version": self.amlnet_version,
      "catalog_version": self.catalog_version,
      "profile": self.profile,
      "profile_hash": self.profile_hash,
      "cloud": self.cloud,
      "region": self.region,
    })
  }

  /// The stamp as one comment line (`comment::push_line`: the free strings in it cannot end it).
  pub(super) fn text(&self, out: &mut String) {
    let line = format!(
      "amlnet {}, catalog {}, profile `{}` ({} {}), profile_hash {}",
      self.amlnet_version, self.catalog_version, self.profile, self.cloud, self.region, self.profile_hash
    );
    comment::push_line(out, Leader::Hash, &line);
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
  pub(super) fn of(tags: &ServiceTags) -> TagsStamp {
    TagsStamp {
      cloud: tags.cloud.clone(),
      change_number: tags.change_number,
    }
  }

  pub(super) fn json(&self) -> Value {
    json!({ "cloud": self.cloud, "change_number": self.change_number })
  }
}

/// The flow a result belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
  pub flow_id: String,
  pub direction: Direction,
  pub protocol: Protocol,
  pub ports: Vec<String>,
  /// The tag as the IR names it.
  pub service_tag: String,
}

impl Rule {
  pub(super) fn of(flow: &Flow) -> Rule {
    Rule {
      flow_id: flow.id.clone(),
      direction: flow.direction,
      protocol: flow.protocol,
      ports: flow.ports.strings(),
      service_tag: flow.peer.to_string(),
    }
  }

  pub(super) fn json(&self) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("flow_id".into(), json!(self.flow_id));
    m.insert("direction".into(), json!(self.direction.as_str()));
    m.insert("protocol".into(), json!(self.protocol));
    m.insert("ports".into(), json!(self.ports));
    m.insert("service_tag".into(), json!(self.service_tag));
    m
  }

  /// "outbound tcp 443,8787 to AzureMachineLearning"
  pub(super) fn describe(&self) -> String {
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

  /// The rule's first five CSV cells, each through `csv::push_field`, joined with `,`.
  pub(super) fn csv_prefix(&self) -> String {
    let mut out = String::with_capacity(self.flow_id.len() + self.service_tag.len() + 32);
    let ports = self.ports.join(";");
    let cells = [
      self.flow_id.as_str(),
      self.direction.as_str(),
      self.protocol.as_str(),
      &ports,
      &self.service_tag,
    ];
    for (i, cell) in cells.iter().enumerate() {
      if i > 0 {
        out.push(',');
      }
      csv::push_field(&mut out, cell);
    }
    out
  }
}

/// A service-tag flow whose tag the platform resolves (`VirtualNetwork`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformRule {
  pub rule: Rule,
  pub note: &'static str,
}

impl PlatformRule {
  pub(super) fn json(&self) -> Value {
    let mut m = self.rule.json();
    m.insert("note".into(), json!(self.note));
    Value::Object(m)
  }

  pub(super) fn text(&self, out: &mut String) {
    let line = format!(
      "not expanded: rule {}: {}: {}",
      self.rule.flow_id,
      self.rule.describe(),
      self.note
    );
    comment::push_line(out, Leader::Hash, &line);
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
  pub(super) fn files(self, stem: &str) -> [(&'static str, String); 3] {
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
