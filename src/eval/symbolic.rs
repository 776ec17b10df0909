//! Service tags as opaque address blocks, for evaluating without a ServiceTags download.
//!
//! Takes the tag names the rule sets mention and gives each published tag its own block in
//! the IPv6 documentation range (which counts as `Internet`): global tag `i` gets
//! `2001:db8:i::/48`, its regional tag `j` gets `2001:db8:i:j::/64` inside it. So two tags never
//! overlap except a regional tag inside its global one, and every published tag inside
//! `Internet`, which is what can be known without the download. `VirtualNetwork`, `Internet`
//! and `AzureLoadBalancer` resolve as `Platform` does for the VNet given. Never reads files.

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv6Net};

use crate::net::PrefixSet;

use super::{Platform, TagResolver};

/// Tags the platform resolves per network, not by a published list.
const VIRTUAL_TAGS: &[&str] = &["virtualnetwork", "internet", "azureloadbalancer", "*"];

/// The shared table of blocks: the same tag is the same addresses for every rule set that
/// resolves through it.
#[derive(Clone, Debug, Default)]
pub struct TagBlocks {
  /// Lower-cased name → (name as written, block).
  blocks: BTreeMap<String, (String, PrefixSet)>,
}

impl TagBlocks {
  /// Blocks for every published tag among `tags` (and the global tag of each regional one).
  pub fn new<I: IntoIterator<Item = String>>(tags: I) -> TagBlocks {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for tag in tags {
      if !VIRTUAL_TAGS.contains(&tag.to_ascii_lowercase().as_str()) {
        names.entry(tag.to_ascii_lowercase()).or_insert(tag);
      }
    }
    // Globals first (and every global a regional tag implies), so `i` follows the sorted names.
    let mut globals: BTreeMap<String, String> = BTreeMap::new();
    for (key, name) in &names {
      let (g, gn) = match (key.split_once('.'), name.split_once('.')) {
        (Some((g, _)), Some((gn, _))) => (g.to_string(), gn.to_string()),
        _ => (key.clone(), name.clone()),
      };
      globals.entry(g).or_insert(gn);
    }
    let global_block = |i: usize| -> Option<Ipv6Net> {
      let i = u16::try_from(i + 1).ok()?;
      Ipv6Net::new(std::net::Ipv6Addr::new(0x2001, 0xdb8, i, 0, 0, 0, 0, 0), 48).ok()
    };
    let index: BTreeMap<&String, usize> = globals.keys().enumerate().map(|(i, g)| (g, i)).collect();
    let mut blocks = BTreeMap::new();
    for (g, name) in &globals {
      if let Some(net) = global_block(index[g]) {
        blocks.insert(g.clone(), (name.clone(), PrefixSet::aggregate(&[IpNet::V6(net)])));
      }
    }
    let mut regional_index: BTreeMap<String, u16> = BTreeMap::new();
    for (key, name) in &names {
      let Some((g, _)) = key.split_once('.') else {
        continue;
      };
      let Some(base) = global_block(index[&g.to_string()]) else {
        continue;
      };
      let j = regional_index.entry(g.to_string()).or_insert(0);
      *j += 1;
      let seg = base.network().segments();
      let addr = std::net::Ipv6Addr::new(seg[0], seg[1], seg[2], *j, 0, 0, 0, 0);
      if let Ok(net) = Ipv6Net::new(addr, 64) {
        blocks.insert(
          key.clone(),
          (name.clone(), PrefixSet::aggregate(&[IpNet::V6(net)])),
        );
      }
    }
    TagBlocks { blocks }
  }

  /// The resolver for one network: published tags from the table, virtual tags for `vnet`.
  pub fn resolver(&self, vnet: PrefixSet) -> Symbolic<'_> {
    Symbolic {
      platform: Platform::new(None, vnet),
      blocks: self,
    }
  }
}

/// One network's tag resolution: the platform's virtual tags for its VNet, the shared blocks
/// for published tags.
pub struct Symbolic<'a> {
  platform: Platform<'static>,
  blocks: &'a TagBlocks,
}

impl TagResolver for Symbolic<'_> {
  fn resolve(&self, tag: &str) -> Option<PrefixSet> {
    let key = tag.to_ascii_lowercase();
    if VIRTUAL_TAGS.contains(&key.as_str()) {
      return self.platform.resolve(tag);
    }
    self.blocks.blocks.get(&key).map(|(_, set)| set.clone())
  }
}

impl Symbolic<'_> {
  pub fn virtual_network(&self) -> &PrefixSet {
    &self.platform.virtual_network
  }

  pub fn internet(&self) -> PrefixSet {
    self.platform.internet()
  }

  /// Published tags as (name, block), globals before their regional tags.
  pub fn tags(&self) -> impl Iterator<Item = (&str, &PrefixSet)> {
    self.blocks.blocks.values().map(|(n, s)| (n.as_str(), s))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn regional_tags_lie_inside_their_global_tag_and_nothing_else_overlaps() {
    let blocks = TagBlocks::new(
      [
        "Storage.EastUS",
        "AzureMachineLearning",
        "Storage",
        "BatchNodeManagement.EastUS",
        "Internet",
      ]
      .map(String::from),
    );
    let r = blocks.resolver(PrefixSet::aggregate(&["10.0.0.0/16".parse().unwrap()]));
    let get = |t: &str| r.resolve(t).unwrap();
    assert!(get("Storage.EastUS").is_subset(&get("Storage")));
    assert!(
      get("storage.eastus") == get("Storage.EastUS"),
      "names are case-insensitive"
    );
    assert!(get("BatchNodeManagement.EastUS").is_subset(&get("BatchNodeManagement")));
    assert!(get("Storage")
      .intersection(&get("AzureMachineLearning"))
      .is_empty());
    assert!(get("Storage").is_subset(&r.internet()));
    assert!(r.resolve("Unknown").is_none());
    assert_eq!(get("VirtualNetwork"), *r.virtual_network());
  }
}
