//! ServiceTags downloads. Takes the JSON Microsoft publishes weekly
//! (`ServiceTags_Public_*.json`, `ServiceTags_AzureGovernment_*.json`, ...) or the
//! API / `az network list-service-tags` output of the same list, and returns the
//! file's cloud, its changeNumber and its tags, looked up by name case-insensitively
//! with close names suggested for a miss. It never fetches anything, never expands
//! the platform-resolved tags (`VirtualNetwork`, `Internet`, `AzureLoadBalancer`),
//! and parses a tag's prefixes only when asked for that tag.
//!
//! Quirks handled (reference/target-formats.md § 6): `changeNumber` is an integer in
//! the download and a string in the API output; `networkFeatures` may be `null`;
//! the API output wraps the list with `name`, `id`, `type` and `nextLink`.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::{Error, Result};

/// Tags NSGs and firewalls accept but no download lists: the platform resolves them
/// per network. Each with the sentence `expand` prints instead of prefixes.
pub const VIRTUAL_TAGS: [(&str, &str); 3] = [
  (
    "VirtualNetwork",
    "the platform resolves VirtualNetwork per network (the VNet's address space, peered VNets and \
     ranges reached through its gateways); no download lists it, so it is never expanded: on an \
     appliance use your own VNet and on-premises ranges",
  ),
  (
    "Internet",
    "the platform resolves Internet (the public address space outside the VNet); no download lists \
     it, so it is never expanded",
  ),
  (
    "AzureLoadBalancer",
    "the platform resolves AzureLoadBalancer (the Azure infrastructure load balancer's health \
     probes); no download lists it, so it is never expanded",
  ),
];

/// The explanation for a platform-resolved tag, if `name` is one (any case).
pub fn virtual_tag(name: &str) -> Option<(&'static str, &'static str)> {
  VIRTUAL_TAGS
    .into_iter()
    .find(|(tag, _)| tag.eq_ignore_ascii_case(name))
}

/// The IR cloud name (`AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`) a file's
/// `cloud` value stands for: downloads write "Public", "AzureGovernment", "China".
pub fn ir_cloud_of(file_cloud: &str) -> Option<&'static str> {
  match file_cloud.to_ascii_lowercase().as_str() {
    "public" | "azurecloud" | "azurepubliccloud" => Some("AzureCloud"),
    "azuregovernment" | "azureusgovernment" | "usgovernment" => Some("AzureUSGovernment"),
    "china" | "azurechinacloud" | "azurechina" | "chinacloud" => Some("AzureChinaCloud"),
    _ => None,
  }
}

/// A parsed ServiceTags file.
#[derive(Clone, Debug)]
pub struct ServiceTags {
  /// The file's `cloud` as written ("Public", "AzureGovernment", ...).
  pub cloud: String,
  pub change_number: u64,
  /// The tags in file order.
  pub tags: Vec<ServiceTag>,
  /// Where the text came from, for messages (a path, or what the caller passed).
  pub source: String,
  /// Lowercased name → index into `tags`.
  index: HashMap<String, usize>,
}

/// One entry of `values`.
#[derive(Clone, Debug, Deserialize)]
pub struct ServiceTag {
  pub name: String,
  #[serde(default, deserialize_with = "null_default")]
  pub id: String,
  pub properties: TagProperties,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagProperties {
  #[serde(default, deserialize_with = "number_or_string")]
  pub change_number: Option<u64>,
  /// Lowercase ARM region name, "" for a global tag.
  #[serde(default, deserialize_with = "null_default")]
  pub region: String,
  #[serde(default, deserialize_with = "number_or_string")]
  pub region_id: Option<u64>,
  #[serde(default, deserialize_with = "null_default")]
  pub platform: String,
  #[serde(default, deserialize_with = "null_default")]
  pub system_service: String,
  /// CIDRs as written, IPv4 then IPv6; parsed by `ServiceTag::prefixes`.
  #[serde(default)]
  pub address_prefixes: PrefixTexts,
  /// `API`, `NSG`, `UDR`, `FW`, `VSE` in any order, or `None` when the file says null.
  #[serde(default)]
  pub network_features: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFile {
  #[serde(default, deserialize_with = "number_or_string")]
  change_number: Option<u64>,
  #[serde(default)]
  cloud: Option<String>,
  /// The API output names the cloud here too.
  #[serde(default)]
  name: Option<String>,
  values: Vec<ServiceTag>,
}

/// Far above the size of a real download (about 5 MiB), far below what hurts.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

impl ServiceTags {
  /// Read and parse a file: a regular file of at most `MAX_FILE_BYTES`, read with that
  /// bound so a device or a runaway file fails at once instead of exhausting memory.
  pub fn load(path: &Path) -> Result<ServiceTags> {
    use crate::io::{read_regular, ReadRefused};
    let read_error = |source| Error::Read {
      path: path.to_path_buf(),
      source,
    };
    let bytes = match read_regular(path, MAX_FILE_BYTES) {
      Ok(bytes) => bytes,
      Err(ReadRefused::NotRegular) => {
        return Err(Error::input(format!(
          "`{}` is not a regular file; --service-tags takes a ServiceTags download (.json)",
          path.display()
        )))
      }
      Err(ReadRefused::TooLarge) => {
        return Err(Error::input(format!(
          "`{}` is larger than {} MiB; a ServiceTags download is about 5 MiB",
          path.display(),
          MAX_FILE_BYTES >> 20
        )))
      }
      Err(ReadRefused::Io(source)) => return Err(read_error(source)),
    };
    let text = String::from_utf8(bytes).map_err(|e| {
      read_error(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        e.utf8_error(),
      ))
    })?;
    ServiceTags::parse(&text, &path.display().to_string())
  }

  /// Tags whose prefixes include a whole address family (`0.0.0.0/0`, `::/0`): no Azure
  /// service owns all addresses, so the file is wrong or has been tampered with.
  pub fn catch_all_tags(&self) -> Vec<&str> {
    self
      .tags
      .iter()
      .filter(|t| {
        t.properties
          .address_prefixes
          .iter()
          .any(|p| p.trim().ends_with("/0"))
      })
      .map(|t| t.name.as_str())
      .collect()
  }

  /// Parse the text of a file; `source` names it in messages.
  pub fn parse(text: &str, source: &str) -> Result<ServiceTags> {
    let raw: RawFile = serde_json::from_str(text)
      .map_err(|e| Error::input(format!("`{source}` is not a ServiceTags JSON file: {e}")))?;
    let cloud = raw
      .cloud
      .or(raw.name)
      .filter(|c| !c.trim().is_empty())
      .ok_or_else(|| {
        Error::input(format!(
          "`{source}` does not say which cloud it lists (no top-level `cloud`); use an unmodified \
         ServiceTags download"
        ))
      })?;
    if ir_cloud_of(&cloud).is_none() {
      return Err(Error::input(format!(
        "`{source}` lists cloud \"{cloud}\", which amlnet does not know; expected \"Public\", \
         \"AzureGovernment\" or \"China\""
      )));
    }
    let change_number = raw.change_number.ok_or_else(|| {
      Error::input(format!(
        "`{source}` has no top-level `changeNumber`; use an unmodified ServiceTags download"
      ))
    })?;
    let mut index = HashMap::with_capacity(raw.values.len());
    for (i, tag) in raw.values.iter().enumerate() {
      if let Some(first) = index.insert(tag.name.to_ascii_lowercase(), i) {
        let other: &ServiceTag = &raw.values[first];
        return Err(Error::input(format!(
          "`{source}` lists service tag `{}` twice (also as `{}`)",
          tag.name, other.name
        )));
      }
    }
    Ok(ServiceTags {
      cloud,
      change_number,
      tags: raw.values,
      source: source.to_string(),
      index,
    })
  }

  /// The IR cloud name this file is for (`AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`).
  pub fn ir_cloud(&self) -> &'static str {
    // `parse` refused any cloud `ir_cloud_of` does not know.
    ir_cloud_of(&self.cloud).unwrap_or("unknown")
  }

  /// Error unless this file lists the tags of `ir_cloud` (an IR's `cloud`).
  pub fn ensure_cloud(&self, ir_cloud: &str, profile: &str) -> Result<()> {
    if self.ir_cloud().eq_ignore_ascii_case(ir_cloud) {
      return Ok(());
    }
    let wanted = match ir_cloud.to_ascii_lowercase().as_str() {
      "azurecloud" => "ServiceTags_Public_*.json",
      "azureusgovernment" => "ServiceTags_AzureGovernment_*.json",
      "azurechinacloud" => "ServiceTags_China_*.json",
      _ => "the ServiceTags download of that cloud",
    };
    Err(Error::input(format!(
      "`{}` lists the service tags of cloud \"{}\" ({}), but profile `{profile}` is for {ir_cloud}: \
       use {wanted}",
      self.source,
      self.cloud,
      self.ir_cloud()
    )))
  }

  /// The tag named `name`, in any case.
  pub fn get(&self, name: &str) -> Option<&ServiceTag> {
    self.index.get(&name.to_ascii_lowercase()).map(|&i| &self.tags[i])
  }

  /// Up to three names of this file close to `name`, best first: the global tag of a
  /// regional name when the file has it, then the nearest by Jaro-Winkler similarity
  /// among names within a small edit distance.
  pub fn suggest(&self, name: &str) -> Vec<&str> {
    let lower = name.to_ascii_lowercase();
    let mut out: Vec<&str> = Vec::new();
    if let Some((base, _)) = name.split_once('.') {
      if let Some(tag) = self.get(base) {
        out.push(&tag.name);
      }
    }
    // Jaro-Winkler ranks names sharing a prefix first; the edit-distance floor drops
    // names that share only the "Azure" in front.
    let mut scored: Vec<(f64, &str)> = self
      .tags
      .iter()
      .filter_map(|t| {
        let candidate = t.name.to_ascii_lowercase();
        let score = strsim::jaro_winkler(&lower, &candidate);
        let close = score >= 0.85 && strsim::normalized_levenshtein(&lower, &candidate) >= 0.5;
        close.then_some((score, t.name.as_str()))
      })
      .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    for (_, candidate) in scored {
      if out.len() == 3 {
        break;
      }
      if !out.contains(&candidate) {
        out.push(candidate);
      }
    }
    out
  }

  /// Total number of prefixes the file lists, over all tags.
  pub fn prefix_count(&self) -> usize {
    self
      .tags
      .iter()
      .map(|t| t.properties.address_prefixes.len())
      .sum()
  }
}

impl ServiceTag {
  /// The tag's prefixes, IPv4 and IPv6, as listed (not aggregated). A bare address
  /// counts as a host prefix.
  pub fn prefixes(&self) -> Result<(Vec<Ipv4Net>, Vec<Ipv6Net>)> {
    let mut ipv4 = Vec::new();
    let mut ipv6 = Vec::new();
    for text in self.properties.address_prefixes.iter() {
      match parse_prefix(text) {
        Some(IpNet::V4(n)) => ipv4.push(n),
        Some(IpNet::V6(n)) => ipv6.push(n),
        None => {
          return Err(Error::input(format!(
            "service tag `{}` lists `{text}`, which is not an IP prefix",
            self.name
          )))
        }
      }
    }
    Ok((ipv4, ipv6))
  }
}

/// The `addressPrefixes` of one tag, as written, held in one buffer: a download has
/// ~96k of them and only the expanded tags' are ever parsed as addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrefixTexts {
  /// The entries separated by '\n' (an entry holding a line break is refused).
  joined: String,
  len: usize,
}

impl PrefixTexts {
  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// The entries in file order.
  pub fn iter(&self) -> impl Iterator<Item = &str> {
    self.joined.split('\n').take(self.len)
  }
}

impl<'de> Deserialize<'de> for PrefixTexts {
  fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
      type Value = PrefixTexts;
      fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of address prefixes")
      }
      fn visit_unit<E: de::Error>(self) -> std::result::Result<PrefixTexts, E> {
        Ok(PrefixTexts::default())
      }
      fn visit_none<E: de::Error>(self) -> std::result::Result<PrefixTexts, E> {
        Ok(PrefixTexts::default())
      }
      fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<PrefixTexts, A::Error> {
        let mut out = PrefixTexts {
          joined: String::with_capacity(seq.size_hint().unwrap_or(8) * 18),
          len: 0,
        };
        // Each entry is appended straight from the parser's buffer: no allocation per entry.
        while seq
          .next_element_seed(Append {
            buf: &mut out.joined,
            first: out.len == 0,
          })?
          .is_some()
        {
          out.len += 1;
        }
        Ok(out)
      }
    }
    d.deserialize_any(V)
  }
}

/// Appends one JSON string to `buf`, after a '\n' unless it is the first.
struct Append<'b> {
  buf: &'b mut String,
  first: bool,
}

impl<'de> de::DeserializeSeed<'de> for Append<'_> {
  type Value = ();
  fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
    d.deserialize_str(self)
  }
}

impl<'de> Visitor<'de> for Append<'_> {
  type Value = ();
  fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
    f.write_str("an address prefix string")
  }
  fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<(), E> {
    if v.contains('\n') {
      return Err(E::invalid_value(de::Unexpected::Str(v), &self));
    }
    if !self.first {
      self.buf.push('\n');
    }
    self.buf.push_str(v);
    Ok(())
  }
}

fn parse_prefix(text: &str) -> Option<IpNet> {
  let text = text.trim();
  if text.contains('/') {
    text.parse().ok()
  } else {
    text.parse::<IpAddr>().ok().map(IpNet::from)
  }
}

/// `null` (or a missing field) as the type's default.
fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
  D: Deserializer<'de>,
  T: Default + Deserialize<'de>,
{
  Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A non-negative integer written as a JSON number or as a string of digits, or null.
fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<u64>, D::Error> {
  struct V;
  impl<'de> Visitor<'de> for V {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
      f.write_str("a non-negative integer, as a number or a string")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
      Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
      u64::try_from(v)
        .map(Some)
        .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
      let t = v.trim();
      if t.is_empty() {
        return Ok(None);
      }
      t.parse()
        .map(Some)
        .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
      Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
      Ok(None)
    }
  }
  d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn change_number_forms_and_nulls() {
    let text = r#"{"name":"Public","id":"/subscriptions/x/providers/Microsoft.Network/serviceTags/Public",
      "type":"Microsoft.Network/serviceTags","changeNumber":"42","cloud":"Public","nextLink":null,
      "values":[{"name":"A.EastUS","id":"A.EastUS","properties":{"changeNumber":3,"region":"eastus",
      "regionId":"1","platform":"Azure","systemService":"","addressPrefixes":["10.0.0.1","::1/128"],
      "networkFeatures":null}}]}"#;
    let tags = ServiceTags::parse(text, "t").expect("parses");
    assert_eq!(tags.change_number, 42);
    assert_eq!(tags.ir_cloud(), "AzureCloud");
    let tag = tags.get("a.eastus").expect("case-insensitive");
    assert_eq!(tag.properties.network_features, None);
    assert_eq!(tag.properties.region_id, Some(1));
    let (v4, v6) = tag.prefixes().expect("prefixes");
    assert_eq!(
      (v4[0].to_string(), v6[0].to_string()),
      ("10.0.0.1/32".into(), "::1/128".into())
    );
    assert_eq!(
      tag.properties.address_prefixes.iter().collect::<Vec<_>>(),
      ["10.0.0.1", "::1/128"]
    );
  }

  #[test]
  fn prefix_lists_null_empty_and_escaped() {
    let text = r#"{"changeNumber":1,"cloud":"Public","values":[
      {"name":"N","properties":{"addressPrefixes":null}},
      {"name":"E","properties":{"addressPrefixes":[]}},
      {"name":"S","properties":{"addressPrefixes":["10.0.0.0\/8","11.0.0.0/8"]}}]}"#;
    let tags = ServiceTags::parse(text, "t").expect("parses");
    assert!(tags.get("N").expect("N").properties.address_prefixes.is_empty());
    assert!(tags.get("E").expect("E").properties.address_prefixes.is_empty());
    let s = &tags.get("S").expect("S").properties.address_prefixes;
    assert_eq!(s.iter().collect::<Vec<_>>(), ["10.0.0.0/8", "11.0.0.0/8"]);
    let broken = r#"{"changeNumber":1,"cloud":"Public","values":[
      {"name":"B","properties":{"addressPrefixes":["10.0.0.0/8\n11.0.0.0/8"]}}]}"#;
    assert!(
      ServiceTags::parse(broken, "t").is_err(),
      "a line break inside an entry is refused"
    );
  }
}
