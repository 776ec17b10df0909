//! Service tags as address sets, for the evaluators. `TagResolver` maps a tag name to a
//! `PrefixSet`; `Platform` resolves the published tags from a parsed ServiceTags download
//! and the platform-resolved ones from what the caller says about its network.
//!
//! Never reads a file: the caller passes the parsed `ServiceTags`.

use std::collections::{BTreeMap, HashMap};

use ipnet::IpNet;

use crate::net::PrefixSet;
use crate::service_tags::ServiceTags;
use crate::target::Endpoint;

/// A tag the resolver does not know: the evaluator cannot say what a rule naming it matches.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("service tag `{0}` cannot be resolved to addresses")]
pub struct UnknownTag(pub String);

/// Tag name → the addresses it stands for; `None` for a tag it does not know.
pub trait TagResolver {
  fn resolve(&self, tag: &str) -> Option<PrefixSet>;

  /// The addresses of an NSG or firewall endpoint: `*` is every address.
  fn endpoint(&self, e: &Endpoint) -> Result<PrefixSet, UnknownTag> {
    match e {
      Endpoint::Any => Ok(PrefixSet::all()),
      Endpoint::Prefix(net) => Ok(PrefixSet::aggregate(&[*net])),
      Endpoint::Tag(t) if t == "*" => Ok(PrefixSet::all()),
      Endpoint::Tag(t) => self.resolve(t).ok_or_else(|| UnknownTag(t.clone())),
    }
  }
}

/// Another resolver's answers, remembered: a rule set of thousands of rules names the same
/// few tags again and again, and resolving one from a download parses its prefixes.
pub struct Cached<'a> {
  inner: &'a dyn TagResolver,
  seen: std::cell::RefCell<HashMap<String, Option<PrefixSet>>>,
}

impl<'a> Cached<'a> {
  pub fn new(inner: &'a dyn TagResolver) -> Cached<'a> {
    Cached {
      inner,
      seen: std::cell::RefCell::new(HashMap::new()),
    }
  }
}

impl TagResolver for Cached<'_> {
  fn resolve(&self, tag: &str) -> Option<PrefixSet> {
    if let Some(known) = self.seen.borrow().get(tag) {
      return known.clone();
    }
    let answer = self.inner.resolve(tag);
    self.seen.borrow_mut().insert(tag.to_string(), answer.clone());
    answer
  }
}

/// A fixed table, names matched exactly (tests, and callers that resolved tags themselves).
impl TagResolver for BTreeMap<String, PrefixSet> {
  fn resolve(&self, tag: &str) -> Option<PrefixSet> {
    self.get(tag).cloned()
  }
}

impl TagResolver for HashMap<String, PrefixSet> {
  fn resolve(&self, tag: &str) -> Option<PrefixSet> {
    self.get(tag).cloned()
  }
}

/// The address of Azure's infrastructure load balancer, health probes and platform
/// services, which the `AzureLoadBalancer` tag stands for
/// (reference/target-formats.md § 1.4).
pub const AZURE_LOAD_BALANCER: &str = "168.63.129.16/32";

/// Address space that is never `Internet`: RFC 1918, RFC 6598 shared space, loopback,
/// link-local, IPv6 unique-local, link-local and loopback.
pub const NOT_INTERNET: [&str; 9] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "fc00::/7",
  "fe80::/10",
  "::1/128",
];

/// Resolves tags the way the platform does for one network, as far as amlnet can know:
///
/// - `VirtualNetwork`: the VNet address space(s) the caller passes (add peered and
///   on-premises ranges the platform would include).
/// - `Internet`: every address outside `NOT_INTERNET` and the VNet. An approximation: the
///   platform resolves the tag per network and no download lists it
///   (reference/target-formats.md § 6.1, "Virtual tags ... are absent (resolved by the
///   platform)"); Azure's own public ranges count as Internet, as here.
/// - `AzureLoadBalancer`: `AZURE_LOAD_BALANCER`.
/// - any other tag: its prefixes in the ServiceTags download, by name in any case; unknown
///   without a download.
#[derive(Clone, Debug)]
pub struct Platform<'a> {
  pub service_tags: Option<&'a ServiceTags>,
  pub virtual_network: PrefixSet,
}

impl<'a> Platform<'a> {
  pub fn new(service_tags: Option<&'a ServiceTags>, virtual_network: PrefixSet) -> Platform<'a> {
    Platform {
      service_tags,
      virtual_network,
    }
  }

  pub fn internet(&self) -> PrefixSet {
    PrefixSet::all()
      .difference(&prefixes(&NOT_INTERNET))
      .difference(&self.virtual_network)
  }
}

impl TagResolver for Platform<'_> {
  fn resolve(&self, tag: &str) -> Option<PrefixSet> {
    match tag.to_ascii_lowercase().as_str() {
      "virtualnetwork" => Some(self.virtual_network.clone()),
      "internet" => Some(self.internet()),
      "azureloadbalancer" => Some(prefixes(&[AZURE_LOAD_BALANCER])),
      _ => {
        let (v4, v6) = self.service_tags?.get(tag)?.prefixes().ok()?;
        Some(PrefixSet::from_parts(v4, v6))
      }
    }
  }
}

fn prefixes(items: &[&str]) -> PrefixSet {
  let nets: Vec<IpNet> = items.iter().filter_map(|s| s.parse().ok()).collect();
  PrefixSet::aggregate(&nets)
}
