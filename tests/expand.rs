//! `amlnet expand`: ServiceTags parsing, tag lookup, prefix aggregation and set difference, the three renderings, and the CLI's exit codes.
//!
//! Takes the hand-written fixtures in tests/fixtures/service-tags/ and, whenever
//! ../shared/data/service-tags is present (CI has it), the real downloads too: a test
//! on the real files fails when they are present but anything about them is wrong,
//! and returns early with a note only when the directory is absent. Never writes
//! outside a temporary directory; snapshots live in golden/expand/.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use amlnet::expand::{compare, expand, Expansion};
use amlnet::ir::{Direction, Flow, Ir, PeerKind, Protocol};
use amlnet::net::prefixes::{difference_v4, difference_v6, PrefixSet};
use amlnet::service_tags::ServiceTags;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::support::amlnet;

// ---------------------------------------------------------------------------------------------
// Helpers

pub(crate) fn fixture(name: &str) -> ServiceTags {
  let path = Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("tests/fixtures/service-tags")
    .join(name);
  ServiceTags::load(&path).expect("fixture parses")
}

pub(crate) fn fixture_path(name: &str) -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("tests/fixtures/service-tags")
    .join(name)
}

/// The real downloads, or None (with a note, and the `real-*` snapshots counted as asserted)
/// when ../shared/data/service-tags is absent.
/// When the directory is present every expected file must be there.
pub(crate) fn real_data() -> Option<PathBuf> {
  let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/service-tags");
  if !dir.is_dir() {
    eprintln!(
      "note: {} is absent; real ServiceTags checks skipped",
      dir.display()
    );
    crate::support::snapshots_skipped("golden/expand", "real-");
    return None;
  }
  for name in REAL_FILES {
    assert!(
      dir.join(name).is_file(),
      "{} is present but lacks {name}",
      dir.display()
    );
  }
  Some(dir)
}

pub(crate) const REAL_FILES: [&str; 3] = [
  "ServiceTags_Public_2025-08-10.json",
  "ServiceTags_Public_2025-11-09.json",
  "ServiceTags_Gov_2026-07-19.json",
];

/// The IR of the shipped profile the CLI tests use, compiled once.
pub(crate) fn base() -> &'static Ir {
  static BASE: std::sync::OnceLock<Ir> = std::sync::OnceLock::new();
  BASE.get_or_init(|| amlnet::compile_path(&shipped(PROFILE)).expect("shipped profile compiles"))
}

/// A TCP 443 flow to or from `tag`, made from a real flow of `base()` so that fields the
/// IR gains later keep valid values.
pub(crate) fn flow(direction: Direction, tag: &str) -> Flow {
  let dir = match direction {
    Direction::Inbound => "in",
    Direction::Outbound => "out",
  };
  let mut f = base()
    .flows
    .first()
    .expect("the shipped profile has flows")
    .clone();
  f.id = format!("{dir}-tcp-{tag}");
  f.direction = direction;
  f.protocol = Protocol::Tcp;
  f.ports = amlnet::net::PortSet::single(443);
  f.peer = amlnet::ir::Peer::Tag(tag.to_string());
  f.purpose = format!("test flow to {tag}");
  f
}

/// An IR whose flows are outbound TCP 443 to each tag, plus one FQDN and one CIDR
/// flow that expansion must ignore. Built from a shipped profile's IR (so it keeps up
/// with new IR fields) with the flows and every stamp replaced (so snapshots do not
/// move when the profile or catalog does).
pub(crate) fn ir(cloud: &str, tags: &[&str]) -> Ir {
  let mut ir = base().clone();
  let mut flows: Vec<Flow> = tags.iter().map(|t| flow(Direction::Outbound, t)).collect();
  let mut fqdn = flow(Direction::Outbound, "ml.azure.com");
  fqdn.peer = amlnet::ir::Peer::Fqdn("ml.azure.com".into());
  let mut cidr = flow(Direction::Outbound, "10.1.0.0/16");
  cidr.peer = amlnet::ir::Peer::Cidr("10.1.0.0/16".parse().expect("prefix"));
  flows.push(fqdn);
  flows.push(cidr);
  ir.flows = flows;
  ir.amlnet_version = "0.0.0-test".into();
  ir.catalog_version = "test-catalog".into();
  ir.profile = "test".into();
  ir.profile_hash = "sha256:0000".into();
  ir.cloud = amlnet::ir::Cloud::parse(cloud).expect("a cloud name");
  ir.region = "eastus".into();
  ir.normalize();
  ir
}

pub(crate) fn strs<T: ToString>(nets: &[T]) -> Vec<String> {
  nets.iter().map(ToString::to_string).collect()
}

pub(crate) fn rule<'e>(e: &'e Expansion, tag: &str) -> &'e amlnet::expand::RuleExpansion {
  e.rules
    .iter()
    .find(|r| r.rule.service_tag == tag)
    .expect("rule present")
}

/// Snapshot into golden/expand/ with the crate's settings.
macro_rules! golden {
  ($name:expr, $value:expr) => {
    insta::with_settings!({snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/golden/expand"), prepend_module_to_snapshot => false,
                           omit_expression => true}, {
      insta::assert_snapshot!($name, $value);
    })
  };
}

// ---------------------------------------------------------------------------------------------
// Independent interval arithmetic (not the library's): inclusive u128 ranges, sorted and merged.

pub(crate) fn union(mut ranges: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
  ranges.sort();
  let mut out: Vec<(u128, u128)> = Vec::new();
  for (lo, hi) in ranges {
    match out.last_mut() {
      Some(last) if last.1 == u128::MAX || lo <= last.1 + 1 => last.1 = last.1.max(hi),
      _ => out.push((lo, hi)),
    }
  }
  out
}

pub(crate) fn v4_range(n: &Ipv4Net) -> (u128, u128) {
  (u32::from(n.network()) as u128, u32::from(n.broadcast()) as u128)
}

pub(crate) fn v6_range(n: &Ipv6Net) -> (u128, u128) {
  (u128::from(n.network()), u128::from(n.broadcast()))
}

/// Is [lo, hi] wholly inside the merged ranges `u`?
pub(crate) fn covered(u: &[(u128, u128)], lo: u128, hi: u128) -> bool {
  let i = u.partition_point(|r| r.1 < lo);
  i < u.len() && u[i].0 <= lo && hi <= u[i].1
}

/// Assert `out` is exactly the address set `expected` (merged ranges) as the fewest
/// prefixes: sorted, pairwise disjoint, and no prefix whose parent block lies wholly
/// inside the set (such a prefix and its sibling would merge). `bits` is 32 or 128.
pub(crate) fn assert_minimal_cover(
  out: &[(u128, u128, u8)],
  expected: &[(u128, u128)],
  bits: u8,
  what: &str,
) {
  for w in out.windows(2) {
    assert!(
      w[0].1 < w[1].0,
      "{what}: {:?} and {:?} overlap or are unsorted",
      w[0],
      w[1]
    );
  }
  let got = union(out.iter().map(|&(lo, hi, _)| (lo, hi)).collect());
  assert_eq!(
    got, expected,
    "{what}: aggregated addresses differ from the input's"
  );
  for &(lo, _, len) in out {
    if len == 0 {
      continue;
    }
    let size: u128 = if bits - len + 1 >= 128 {
      u128::MAX
    } else {
      (1u128 << (bits - len + 1)) - 1
    };
    let parent_lo = lo & !size;
    let parent_hi = parent_lo | size;
    assert!(
      !covered(expected, parent_lo, parent_hi),
      "{what}: prefix at {lo:#x}/{len} could merge with its sibling into /{}",
      len - 1
    );
  }
}

pub(crate) fn check_v4(input: &[Ipv4Net], out: &[Ipv4Net], what: &str) {
  let expected = union(input.iter().map(v4_range).collect());
  let got: Vec<(u128, u128, u8)> = out
    .iter()
    .map(|n| {
      let (lo, hi) = v4_range(n);
      (lo, hi, n.prefix_len())
    })
    .collect();
  assert_minimal_cover(&got, &expected, 32, what);
}

pub(crate) fn check_v6(input: &[Ipv6Net], out: &[Ipv6Net], what: &str) {
  let expected = union(input.iter().map(v6_range).collect());
  let got: Vec<(u128, u128, u8)> = out
    .iter()
    .map(|n| {
      let (lo, hi) = v6_range(n);
      (lo, hi, n.prefix_len())
    })
    .collect();
  assert_minimal_cover(&got, &expected, 128, what);
}

/// Address count of merged ranges (saturating: only compared between equal-shaped sets).
pub(crate) fn size(u: &[(u128, u128)]) -> u128 {
  u.iter()
    .map(|(lo, hi)| (hi - lo).saturating_add(1))
    .fold(0u128, |a, b| a.saturating_add(b))
}

mod aggregation;
mod cli;
mod lookup;
mod parse;
mod real;

use cli::{shipped, PROFILE};
