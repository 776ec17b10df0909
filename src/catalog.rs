//! The requirement catalog: data files under `catalog/`, compiled into the binary.
//!
//! Takes nothing at run time (the TOML is embedded with `include_str!`), returns the
//! typed catalog. Only `lower` and `explain` read it. Loading checks that every
//! citation names a known source, every choice exists and every fact is known, so a
//! typo in the data fails the test suite rather than reaching a firewall.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::facts::Fact;
use crate::ir::{Direction, PeerKind, Protocol};
use crate::net::PortSet;

/// The catalog's own version; bump it (and catalog/CHANGELOG.md) on every requirement change.
pub const VERSION: &str = include_str!("../catalog/VERSION");

const SOURCES: &str = include_str!("../catalog/sources.toml");
const REQUIREMENTS: &str = include_str!("../catalog/requirements.toml");
const CHOICES: &str = include_str!("../catalog/choices.toml");
const DNS: &str = include_str!("../catalog/dns.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
  pub path: String,
  pub about: String,
  /// The public page (learn.microsoft.com) of a Microsoft article.
  #[serde(default)]
  pub url: Option<String>,
}

/// A cited document: where in the seeds or reference, and the public page when it has one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Document {
  pub cite: String,
  pub url: Option<String>,
}

impl std::fmt::Display for Document {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.write_str(&self.cite)?;
    match &self.url {
      Some(url) => write!(f, " <{url}>"),
      None => Ok(()),
    }
  }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
  pub id: String,
  pub family: String,
  pub when: Vec<String>,
  #[serde(default)]
  pub clouds: Vec<String>,
  pub direction: Direction,
  pub protocol: Protocol,
  pub ports: PortSet,
  pub peers: Vec<String>,
  pub kind: PeerKind,
  /// Service tags whose rules also carry this flow's traffic, named when a target cannot
  /// express the flow itself (e.g. a wildcard FQDN on a non-HTTP port in Azure Firewall).
  #[serde(default)]
  pub covered_by: Vec<String>,
  pub required: bool,
  pub purpose: String,
  pub sources: Vec<String>,
  #[serde(default)]
  pub choices: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
  pub id: String,
  pub facts: String,
  pub topic: String,
  pub choice: String,
  pub because: String,
  pub sides: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudNames {
  pub api: String,
  pub notebooks: String,
  pub instances: String,
  pub inference: String,
  pub storage: String,
  pub vault: String,
  pub vaultcore: String,
  pub acr: String,
  pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordTemplate {
  pub resource: String,
  pub when: String,
  #[serde(default)]
  pub clouds: Vec<String>,
  pub zone: String,
  pub name: String,
  pub public: Option<String>,
  pub ip: String,
  pub endpoint: crate::ir::PrivateEndpoint,
  pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostTemplate {
  pub resource: String,
  pub name: String,
  pub ip: String,
  pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardTemplate {
  pub zone: String,
  pub when: String,
  pub on_premises: bool,
  pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dns {
  pub cloud: BTreeMap<String, CloudNames>,
  pub record: Vec<RecordTemplate>,
  pub host: Vec<HostTemplate>,
  pub forward: Vec<ForwardTemplate>,
}

#[derive(Debug)]
pub struct Catalog {
  /// catalog/VERSION, trimmed.
  pub version: String,
  pub sources: BTreeMap<String, Source>,
  pub requirements: Vec<Requirement>,
  pub choices: Vec<Choice>,
  pub dns: Dns,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementsFile {
  requirement: Vec<Requirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoicesFile {
  choice: Vec<Choice>,
}

/// The embedded catalog. Panics only if the shipped data is invalid, which `catalog::check`
/// (run by the test suite) reports in full first.
pub fn get() -> &'static Catalog {
  static CATALOG: OnceLock<Catalog> = OnceLock::new();
  CATALOG.get_or_init(|| match load() {
    Ok(c) if check(&c).is_empty() => c,
    Ok(c) => panic!("catalog data is inconsistent: {:?}", check(&c)),
    Err(e) => panic!("catalog data does not parse: {e}"),
  })
}

pub fn load() -> Result<Catalog, toml::de::Error> {
  let requirements: RequirementsFile = toml::from_str(REQUIREMENTS)?;
  let choices: ChoicesFile = toml::from_str(CHOICES)?;
  Ok(Catalog {
    version: VERSION.trim().to_string(),
    sources: toml::from_str(SOURCES)?,
    requirements: requirements.requirement,
    choices: choices.choice,
    dns: toml::from_str(DNS)?,
  })
}

/// Every inconsistency in the catalog data, as readable lines (empty when sound).
pub fn check(c: &Catalog) -> Vec<String> {
  let mut errors = Vec::new();
  for (key, source) in &c.sources {
    // The URL is printed in artifacts and linked in Markdown: it must read back whole.
    if let Some(url) = &source.url {
      let probe = format!("{} <{url}>", source.path);
      if crate::ir::split_url(&probe) != (source.path.as_str(), Some(url.as_str()))
        || !url.starts_with("https://learn.microsoft.com/")
      {
        errors.push(format!(
          "{key}: url `{url}` is not a plain https://learn.microsoft.com/ address"
        ));
      }
    }
  }
  let mut check_cites = |owner: &str, cites: &[String]| {
    if cites.is_empty() {
      errors.push(format!("{owner}: no sources"));
    }
    for cite in cites {
      let key = cite.split(" § ").next().unwrap_or_default();
      if !c.sources.contains_key(key) || !cite.contains(" § ") {
        errors.push(format!(
          "{owner}: citation `{cite}` is not `KEY § section` with a known KEY"
        ));
      }
    }
  };
  for r in &c.requirements {
    check_cites(&r.id, &r.sources);
  }
  for ch in &c.choices {
    check_cites(&ch.id, &ch.sides);
  }
  for r in &c.dns.record {
    check_cites(&r.resource, &r.sources);
  }
  for h in &c.dns.host {
    check_cites(&h.resource, &h.sources);
  }
  for f in &c.dns.forward {
    check_cites(&f.zone, &f.sources);
  }
  let mut ids = std::collections::BTreeSet::new();
  for r in &c.requirements {
    if !ids.insert(&r.id) {
      errors.push(format!("{}: duplicate requirement id", r.id));
    }
    for w in &r.when {
      if Fact::parse(w.trim_start_matches('!')).is_none() {
        errors.push(format!("{}: unknown fact `{w}`", r.id));
      }
    }
    for ch in &r.choices {
      if !c.choices.iter().any(|x| &x.id == ch) {
        errors.push(format!("{}: unknown choice `{ch}`", r.id));
      }
    }
    for cloud in &r.clouds {
      if crate::region::Cloud::parse(cloud).is_none() {
        errors.push(format!("{}: unknown cloud `{cloud}`", r.id));
      }
    }
    if r.ports.is_empty() {
      errors.push(format!("{}: no ports", r.id));
    }
    for peer in &r.peers {
      for name in placeholders(peer) {
        if !PEER_PLACEHOLDERS.contains(&name) {
          errors.push(format!("{}: unknown placeholder `{{{name}}}` in `{peer}`", r.id));
        }
      }
    }
    for tag in &r.covered_by {
      let known = c
        .requirements
        .iter()
        .filter(|q| q.kind == PeerKind::ServiceTag)
        .flat_map(|q| &q.peers)
        .any(|p| p == tag || p.starts_with(&format!("{tag}.")));
      if !known {
        errors.push(format!(
          "{}: covered_by `{tag}` is no service tag of the catalog",
          r.id
        ));
      }
    }
  }
  for w in c
    .dns
    .record
    .iter()
    .map(|r| &r.when)
    .chain(c.dns.forward.iter().map(|f| &f.when))
  {
    if Fact::parse(w).is_none() {
      errors.push(format!("dns: unknown fact `{w}`"));
    }
  }
  errors
}

/// The placeholders a requirement's peer may use; `lower` gives each its value from the
/// profile, and a requirement whose placeholder has no value gets a note, not a flow.
pub const PEER_PLACEHOLDERS: &[&str] = &[
  "region",
  "region_tag",
  "registry_region_tag",
  "ws_guid",
  "nb_label",
  "sa",
  "storage_file_ip",
  "kv",
  "acr",
  "acr_name",
  "inference_ip",
];

/// The `{name}` placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
  let mut names = Vec::new();
  let mut rest = template;
  while let Some(start) = rest.find('{') {
    let Some(len) = rest[start..].find('}') else { break };
    names.push(&rest[start + 1..start + len]);
    rest = &rest[start + len + 1..];
  }
  names
}

impl Catalog {
  /// A citation "KEY § section" as the document a reader can open: "path § section", and the
  /// public URL where the source is a Microsoft article.
  pub fn document(&self, citation: &str) -> Document {
    let Some((key, section)) = citation.split_once(" § ") else {
      return Document {
        cite: citation.to_string(),
        url: None,
      };
    };
    let Some(source) = self.sources.get(key) else {
      return Document {
        cite: citation.to_string(),
        url: None,
      };
    };
    let cite = match section.strip_prefix("facts ") {
      // Microsoft documents are cited through the section of the facts reference that restates them.
      Some(facts) if key != "FACTS" => format!(
        "{} (per reference/azureml-network-facts.md § {facts})",
        source.path
      ),
      _ => format!("{} § {section}", source.path),
    };
    Document {
      cite,
      url: source.url.clone(),
    }
  }

  /// `document` as one line: "path § section", then " <url>" when there is one
  /// (`crate::ir::split_url` takes it apart again).
  pub fn cite(&self, citation: &str) -> String {
    self.document(citation).to_string()
  }

  pub fn choice(&self, id: &str) -> Option<&Choice> {
    self.choices.iter().find(|c| c.id == id)
  }
}
