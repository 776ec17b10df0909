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

/// Name → networkFeatures, per IR cloud name.
pub struct Tags {
  clouds: HashMap<&'static str, HashMap<String, Vec<String>>>,
}

/// `../shared/data/service-tags` beside the checkout (`/work/wt/shared` for a worktree).
pub fn downloads_dir() -> Option<PathBuf> {
  ["../shared", "../../shared"]
    .iter()
    .map(|d| {
      Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(d)
        .join("data/service-tags")
    })
    .find(|d| d.is_dir())
}

impl Tags {
  /// The newest public and government downloads, when the shared data is present.
  pub fn load() -> Option<Tags> {
    let dir = downloads_dir()?;
    let mut clouds = HashMap::new();
    for (cloud, file) in [
      ("AzureCloud", "ServiceTags_Public_2025-11-09.json"),
      ("AzureUSGovernment", "ServiceTags_Gov_2026-07-19.json"),
    ] {
      let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
      clouds.insert(
        cloud,
        index(&serde_json::from_str(&text).expect("download is JSON")),
      );
    }
    Some(Tags { clouds })
  }

  /// A small index for the checker's own tests: `(cloud, tag, features)`.
  pub fn from_list(list: &[(&'static str, &str, &[&str])]) -> Tags {
    let mut clouds: HashMap<&'static str, HashMap<String, Vec<String>>> = HashMap::new();
    for (cloud, tag, features) in list {
      clouds
        .entry(cloud)
        .or_default()
        .insert(tag.to_string(), features.iter().map(|f| f.to_string()).collect());
    }
    Tags { clouds }
  }

  /// Why `tag` cannot be used where `feature` is needed in `cloud`, if it cannot.
  pub fn problem(&self, cloud: &str, tag: &str, feature: &str) -> Option<String> {
    let (lookup_cloud, name) = if cloud == "AzureChinaCloud" {
      // Approximation (see CHINA_SUFFIXES): the public tag of the same base name.
      let (base, suffix) = tag.split_once('.').unwrap_or((tag, ""));
      if !suffix.is_empty() && !CHINA_SUFFIXES.contains(&suffix) && !self.has("AzureCloud", tag) {
        return Some(format!("service tag {tag}: {suffix} is no Azure China region"));
      }
      let name = if CHINA_SUFFIXES.contains(&suffix) {
        base
      } else {
        tag
      };
      ("AzureCloud", name)
    } else {
      (cloud, tag)
    };
    let Some(tags) = self.clouds.get(lookup_cloud) else {
      return Some(format!("service tag {tag}: no ServiceTags download for {cloud}"));
    };
    match tags.get(name) {
      None => Some(format!(
        "service tag {tag} is not in the {cloud} ServiceTags download"
      )),
      Some(features) if !features.iter().any(|f| f == feature) => Some(format!(
        "service tag {tag} lacks networkFeatures {feature} (has {})",
        features.join(",")
      )),
      Some(_) => None,
    }
  }

  fn has(&self, cloud: &str, tag: &str) -> bool {
    self.clouds.get(cloud).is_some_and(|t| t.contains_key(tag))
  }
}

fn index(doc: &Value) -> HashMap<String, Vec<String>> {
  doc["values"]
    .as_array()
    .expect("values")
    .iter()
    .map(|v| {
      let features = v["properties"]["networkFeatures"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
      (v["name"].as_str().expect("name").to_string(), features)
    })
    .collect()
}
