//! Addresses and names that make no sense for their role, checked while the model is
//! built so each problem points at the value: VNet address spaces that are not unicast
//! ranges, private endpoint addresses outside the VNet or their subnet or on one of
//! Azure's reserved addresses, two endpoints on one address, and duplicate names.
//! Takes raw values (for their spans) and the built network; records problems and
//! never changes a value.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::builder::shown;
use super::{Builder, Network, Subnet};
use crate::diagnostic::Problem;
use crate::profile::{Located, RawProfile};

/// `a.b.c.d/len` as a constant.
const fn net(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
  Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

/// Ranges a VNet cannot use (reference/azureml-network-facts.md § 4 C4).
const NOT_UNICAST: &[(Ipv4Net, &str)] = &[
  (net(0, 0, 0, 0, 8), "the unspecified \"this network\" range"),
  (net(127, 0, 0, 0, 8), "the loopback range"),
  (net(169, 254, 0, 0, 16), "the link-local range"),
  (net(224, 0, 0, 0, 4), "the multicast range"),
  (
    net(240, 0, 0, 0, 4),
    "the reserved range that holds the broadcast address",
  ),
];

/// Private address ranges: RFC 1918 and the RFC 6598 shared space Azure also accepts.
const PRIVATE: &[Ipv4Net] = &[
  net(10, 0, 0, 0, 8),
  net(172, 16, 0, 0, 12),
  net(192, 168, 0, 0, 16),
  net(100, 64, 0, 0, 10),
];

/// One private endpoint address of the profile, with the endpoint it belongs to (the
/// addresses of one endpoint NIC may repeat each other; those of two endpoints may not).
struct EndpointIp<'a> {
  key: String,
  endpoint: String,
  ip: Ipv4Addr,
  value: &'a Located<String>,
  subnet: Option<&'a Located<String>>,
}

impl Builder<'_> {
  /// Whether a VNet address space is a unicast range; records AML025 when not.
  pub(super) fn usable_address_space(&mut self, l: &Located<String>, space: Ipv4Net) -> bool {
    let why = if space.prefix_len() == 0 {
      Some("0.0.0.0/0 is every IPv4 address".to_string())
    } else {
      NOT_UNICAST
        .iter()
        .find(|(range, _)| crate::net::prefixes::overlaps(&space, range))
        .map(|(range, what)| format!("it overlaps {range}, {what}"))
    };
    let Some(why) = why else { return true };
    self.problems.push(
      Problem::error(
        "AML025",
        format!("`network.address_space` = `{space}` is not a usable VNet range: {why}"),
        Some(l.span.clone()),
      )
      .hint("use a private range such as 10.0.0.0/16, 172.16.0.0/12 or 192.168.0.0/16")
      .source("VNFAQ § facts 4 C4"),
    );
    false
  }

  /// Each name once: records AML024 at every repeat.
  pub(super) fn unique_names<'a>(&mut self, names: impl Iterator<Item = &'a Located<String>>, what: &str) {
    let mut first: HashMap<&str, &Located<String>> = HashMap::new();
    for name in names {
      if let Some(earlier) = first.get(name.value.as_str()) {
        let at = self.at(&earlier.span);
        self.problems.push(
          Problem::error(
            "AML024",
            format!("{what} `{}` is declared twice", shown(&name.value)),
            Some(name.span.clone()),
          )
          .hint(format!("the first is at {at}; give each {what} its own name")),
        );
      } else {
        first.insert(&name.value, name);
      }
    }
  }

  /// Every private endpoint address: inside the VNet and the subnet it names, not one
  /// of the five addresses Azure reserves in its subnet, and not shared by two endpoints.
  pub(super) fn endpoint_addresses(&mut self, raw: &RawProfile, network: &Network) {
    let endpoints = endpoint_ips(raw);
    let by_name: HashMap<&str, &Subnet> = network.subnets.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut sorted: Vec<&Subnet> = network.subnets.iter().collect();
    sorted.sort_by_key(|s| s.prefix.value.network());
    let mut taken: HashMap<Ipv4Addr, &EndpointIp> = HashMap::new();
    let mut reported_subnets: Vec<&str> = Vec::new();
    for e in &endpoints {
      let named = e.subnet.and_then(|s| by_name.get(s.value.as_str()).copied());
      if let Some(s) = e.subnet.filter(|_| named.is_none()) {
        if !reported_subnets.contains(&s.value.as_str()) {
          reported_subnets.push(&s.value);
          self.undeclared_subnet(s, &e.key, &by_name);
        }
      }
      let in_vnet = network.address_space.iter().any(|a| a.value.contains(&e.ip));
      if !in_vnet && !network.address_space.is_empty() {
        let private = PRIVATE.iter().any(|r| r.contains(&e.ip));
        let why = if private {
          "outside the VNet address space"
        } else {
          "not a private address, and outside the VNet address space"
        };
        self.problems.push(
          Problem::error("AML026", format!("`{}` = {} is {why}", e.key, e.ip), Some(e.value.span.clone()))
            .hint("a private endpoint's NIC takes its address from a subnet of the VNet; copy it from the endpoint's network interface"),
        );
        continue;
      }
      if let Some(s) = named.filter(|s| !s.prefix.value.contains(&e.ip)) {
        self.problems.push(
          Problem::error(
            "AML027",
            format!(
              "`{}` = {} is outside subnet `{}` ({}) that the endpoint names",
              e.key, e.ip, s.name, s.prefix.value
            ),
            Some(e.value.span.clone()),
          )
          .hint("give the address the endpoint's NIC has in that subnet, or name the subnet it is in"),
        );
        continue;
      }
      let holder = named.or_else(|| containing(&sorted, e.ip));
      if let Some(s) = holder.filter(|s| is_reserved(s.prefix.value, e.ip)) {
        self.problems.push(
          Problem::error(
            "AML028",
            format!(
              "`{}` = {} is one of the five addresses Azure reserves in subnet `{}` ({})",
              e.key, e.ip, s.name, s.prefix.value
            ),
            Some(e.value.span.clone()),
          )
          .hint("Azure keeps the network address, .1 (gateway), .2 and .3 (DNS) and the broadcast address; the first usable one is .4")
          .source("VNFAQ § facts 4 C3"),
        );
      }
      match taken.get(&e.ip) {
        Some(other) if other.endpoint != e.endpoint => {
          let at = self.at(&other.value.span);
          self.problems.push(
            Problem::error(
              "AML029",
              format!("`{}` = {} is also the address of `{}`", e.key, e.ip, other.key),
              Some(e.value.span.clone()),
            )
            .hint(format!(
              "two private endpoints never share an address (the other is at {at})"
            )),
          );
        }
        Some(_) => {}
        None => {
          taken.insert(e.ip, e);
        }
      }
    }
  }

  fn undeclared_subnet(&mut self, s: &Located<String>, key: &str, by_name: &HashMap<&str, &Subnet>) {
    let hint = crate::diagnostic::did_you_mean(&s.value, by_name.keys().copied())
      .map_or("declare it as a [[network.subnet]]".to_string(), |n| {
        format!("did you mean `{n}`?")
      });
    let table = key.rsplit_once('.').map_or(key, |(t, _)| t);
    self.problems.push(
      Problem::error(
        "AML109",
        format!(
          "`{table}.subnet` names subnet `{}`, which is not declared",
          shown(&s.value)
        ),
        Some(s.span.clone()),
      )
      .hint(hint),
    );
  }
}

/// The subnet holding `ip`, from subnets sorted by network address (overlaps are
/// reported elsewhere; the last one starting at or before `ip` is the candidate).
fn containing<'a>(sorted: &[&'a Subnet], ip: Ipv4Addr) -> Option<&'a Subnet> {
  let i = sorted.partition_point(|s| s.prefix.value.network() <= ip);
  let s = sorted.get(i.checked_sub(1)?)?;
  s.prefix.value.contains(&ip).then_some(*s)
}

/// Azure reserves the network address, the next three and the broadcast address.
fn is_reserved(subnet: Ipv4Net, ip: Ipv4Addr) -> bool {
  let offset = u32::from(ip) - u32::from(subnet.network());
  offset <= 3 || ip == subnet.broadcast()
}

/// Every private endpoint address in the profile that parses (bad ones are reported by
/// the table that reads them).
fn endpoint_ips(raw: &RawProfile) -> Vec<EndpointIp<'_>> {
  let mut out = Vec::new();
  if let Some(pe) = raw.workspace.as_ref().and_then(|w| w.private_endpoint.as_ref()) {
    let subnet = pe.subnet.as_ref();
    for (k, v) in [
      ("ip", &pe.ip),
      ("notebooks_ip", &pe.notebooks_ip),
      ("inference_ip", &pe.inference_ip),
    ] {
      push_endpoint(
        &mut out,
        format!("workspace.private_endpoint.{k}"),
        "workspace",
        v,
        subnet,
      );
    }
  }
  if let Some(pe) = raw.storage.as_ref().and_then(|s| s.private_endpoint.as_ref()) {
    let subnet = pe.subnet.as_ref();
    for (k, v) in [
      ("blob", &pe.blob),
      ("dfs", &pe.dfs),
      ("file", &pe.file),
      ("queue", &pe.queue),
      ("table", &pe.table),
    ] {
      push_endpoint(
        &mut out,
        format!("storage.private_endpoint.{k}"),
        &format!("storage {k}"),
        v,
        subnet,
      );
    }
  }
  if let Some(kv) = &raw.key_vault {
    push_endpoint(
      &mut out,
      "key_vault.private_endpoint_ip".into(),
      "key vault",
      &kv.private_endpoint_ip,
      None,
    );
  }
  if let Some(cr) = &raw.container_registry {
    push_endpoint(
      &mut out,
      "container_registry.private_endpoint_ip".into(),
      "acr",
      &cr.private_endpoint_ip,
      None,
    );
    push_endpoint(
      &mut out,
      "container_registry.data_endpoint_ip".into(),
      "acr",
      &cr.data_endpoint_ip,
      None,
    );
  }
  for (i, r) in raw.registry.iter().flatten().enumerate() {
    let key = |k: &str| format!("registry.{k}");
    push_endpoint(
      &mut out,
      key("private_endpoint_ip"),
      &format!("registry {i}"),
      &r.private_endpoint_ip,
      None,
    );
    push_endpoint(
      &mut out,
      key("storage_blob_ip"),
      &format!("registry {i} storage"),
      &r.storage_blob_ip,
      None,
    );
    push_endpoint(
      &mut out,
      key("acr_ip"),
      &format!("registry {i} acr"),
      &r.acr_ip,
      None,
    );
    push_endpoint(
      &mut out,
      key("acr_data_ip"),
      &format!("registry {i} acr"),
      &r.acr_data_ip,
      None,
    );
  }
  out
}

fn push_endpoint<'a>(
  out: &mut Vec<EndpointIp<'a>>,
  key: String,
  endpoint: &str,
  v: &'a Option<Located<String>>,
  subnet: Option<&'a Located<String>>,
) {
  let Some(value) = v else { return };
  let Ok(ip) = value.value.parse::<Ipv4Addr>() else {
    return;
  };
  out.push(EndpointIp {
    key,
    endpoint: endpoint.to_string(),
    ip,
    value,
    subnet,
  });
}
