//! The ServiceTags downloads the checker looks tags up in, read with serde_json alone (not
//! amlnet's own reader, which is under test): per cloud, each tag's name and its
//! `networkFeatures` (`NSG`, `UDR`, `FW`, ...).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Tags Azure resolves per network and no download lists. NSG rules take them
/// (reference/target-formats.md § 1.1); Azure Firewall rules and routes do not (FW and UDR are
/// features of downloaded tags only).
pub const VIRTUAL: [&str; 3] = ["VirtualNetwork", "Internet", "AzureLoadBalancer"];

/// The region suffixes of Azure China's regional tags. No China download is stored, so a
/// China tag is checked against the public download's tag of the same base name (same
/// service, same features) with one of these suffixes; the list is written here, apart from
/// src/region.rs, which is under test.
const CHINA_SUFFIXES: [&str; 6] = [
  "ChinaEast",
  "ChinaEast2",
  "ChinaEast3",
  "ChinaNorth",
  "ChinaNorth2",
  "ChinaNorth3",
];

/// Name → tag, per IR cloud name.
pub struct Tags {
  clouds: HashMap<&'static str, HashMap<String, Tag>>,
}

/// What the checker reads of one tag: `networkFeatures` (None when the download says null) and
/// whether it is a regional tag.
pub struct Tag {
  features: Option<Vec<String>>,
  regional: bool,
}

/// The trimmed copies of the real downloads the tests carry (scripts/trim-service-tags.py:
/// every tag with its region and networkFeatures, prefixes only for the tags the profiles
/// name), so the check never depends on files outside the checkout.
pub fn downloads_dir() -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/service-tags")
}

/// The trimmed public download (2025-11-09) and government download (2026-07-19).
pub const PUBLIC: &str = "trimmed-public-2025-11-09.json";
pub const GOVERNMENT: &str = "trimmed-gov-2026-07-19.json";

impl Tags {
  /// The newest public and government downloads.
  pub fn load() -> Tags {
    let dir = downloads_dir();
    let mut clouds = HashMap::new();
    for (cloud, file) in [("AzureCloud", PUBLIC), ("AzureUSGovernment", GOVERNMENT)] {
      let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
      clouds.insert(
        cloud,
        index(&serde_json::from_str(&text).expect("download is JSON")),
      );
    }
    Tags { clouds }
  }

  /// A small index for the checker's own tests: `(cloud, tag, features)`.
  pub fn from_list(list: &[(&'static str, &str, &[&str])]) -> Tags {
    let mut clouds: HashMap<&'static str, HashMap<String, Tag>> = HashMap::new();
    for (cloud, tag, features) in list {
      let tag_entry = Tag {
        features: (!features.is_empty()).then(|| features.iter().map(|f| f.to_string()).collect()),
        regional: tag.contains('.'),
      };
      clouds
        .entry(cloud)
        .or_default()
        .insert(tag.to_string(), tag_entry);
    }
    Tags { clouds }
  }

  /// Why `tag` cannot be used where `feature` is needed in `cloud`, if it cannot.
  pub fn problem(&self, cloud: &str, tag: &str, feature: &str) -> Option<String> {
    let (lookup_cloud, name) = if cloud == "AzureChinaCloud" {
      // Approximation (see CHINA_SUFFIXES): the public tag of the same base name.
      match tag.split_once('.') {
        Some((base, suffix)) if CHINA_SUFFIXES.contains(&suffix) => ("AzureCloud", base),
        _ if self.get("AzureCloud", tag).is_some_and(|t| t.regional) => {
          return Some(format!("service tag {tag} names a region outside Azure China"));
        }
        _ => ("AzureCloud", tag),
      }
    } else {
      (cloud, tag)
    };
    if !self.clouds.contains_key(lookup_cloud) {
      return Some(format!("service tag {tag}: no ServiceTags download for {cloud}"));
    }
    // A regional tag whose networkFeatures are null in the download (1,534 of 3,041 entries,
    // reference/target-formats.md § 6.1) is usable where its global tag is ([TAGS]: the
    // feature columns are per tag, regional forms included).
    let features = match self.get(lookup_cloud, name) {
      Some(t) if t.features.is_none() => name
        .split_once('.')
        .and_then(|(base, _)| self.get(lookup_cloud, base))
        .and_then(|b| b.features.as_ref()),
      Some(t) => t.features.as_ref(),
      None => {
        return Some(format!(
          "service tag {tag} is not in the {cloud} ServiceTags download"
        ))
      }
    };
    match features {
      None => Some(format!(
        "service tag {tag} has no networkFeatures in the {cloud} download"
      )),
      Some(f) if !f.iter().any(|f| f == feature) => Some(format!(
        "service tag {tag} lacks networkFeatures {feature} (has {})",
        f.join(",")
      )),
      Some(_) => None,
    }
  }

  fn get(&self, cloud: &str, tag: &str) -> Option<&Tag> {
    self.clouds.get(cloud).and_then(|t| t.get(tag))
  }
}

fn index(doc: &Value) -> HashMap<String, Tag> {
  doc["values"]
    .as_array()
    .expect("values")
    .iter()
    .map(|v| {
      let features = v["properties"]["networkFeatures"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect());
      let regional = !v["properties"]["region"].as_str().unwrap_or_default().is_empty();
      (
        v["name"].as_str().expect("name").to_string(),
        Tag { features, regional },
      )
    })
    .collect()
}
