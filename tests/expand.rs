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

fn fixture(name: &str) -> ServiceTags {
  let path = Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("tests/fixtures/service-tags")
    .join(name);
  ServiceTags::load(&path).expect("fixture parses")
}

fn fixture_path(name: &str) -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("tests/fixtures/service-tags")
    .join(name)
}

/// The real downloads, or None (with a note, and the `real-*` snapshots counted as asserted)
/// when ../shared/data/service-tags is absent.
/// When the directory is present every expected file must be there.
fn real_data() -> Option<PathBuf> {
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

const REAL_FILES: [&str; 3] = [
  "ServiceTags_Public_2025-08-10.json",
  "ServiceTags_Public_2025-11-09.json",
  "ServiceTags_Gov_2026-07-19.json",
];

/// The IR of the shipped profile the CLI tests use, compiled once.
fn base() -> &'static Ir {
  static BASE: std::sync::OnceLock<Ir> = std::sync::OnceLock::new();
  BASE.get_or_init(|| amlnet::compile_path(&shipped(PROFILE)).expect("shipped profile compiles"))
}

/// A TCP 443 flow to or from `tag`, made from a real flow of `base()` so that fields the
/// IR gains later keep valid values.
fn flow(direction: Direction, tag: &str) -> Flow {
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
fn ir(cloud: &str, tags: &[&str]) -> Ir {
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

fn strs<T: ToString>(nets: &[T]) -> Vec<String> {
  nets.iter().map(ToString::to_string).collect()
}

fn rule<'e>(e: &'e Expansion, tag: &str) -> &'e amlnet::expand::RuleExpansion {
  e.rules
    .iter()
    .find(|r| r.rule.service_tag == tag)
    .expect("rule present")
}

/// Snapshot into golden/expand/ with the crate's settings.
macro_rules! golden {
  ($name:expr, $value:expr) => {
    insta::with_settings!({snapshot_path => "../golden/expand", prepend_module_to_snapshot => false,
                           omit_expression => true}, {
      insta::assert_snapshot!($name, $value);
    })
  };
}

// ---------------------------------------------------------------------------------------------
// Independent interval arithmetic (not the library's): inclusive u128 ranges, sorted and merged.

fn union(mut ranges: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
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

fn v4_range(n: &Ipv4Net) -> (u128, u128) {
  (u32::from(n.network()) as u128, u32::from(n.broadcast()) as u128)
}

fn v6_range(n: &Ipv6Net) -> (u128, u128) {
  (u128::from(n.network()), u128::from(n.broadcast()))
}

/// Is [lo, hi] wholly inside the merged ranges `u`?
fn covered(u: &[(u128, u128)], lo: u128, hi: u128) -> bool {
  let i = u.partition_point(|r| r.1 < lo);
  i < u.len() && u[i].0 <= lo && hi <= u[i].1
}

/// Assert `out` is exactly the address set `expected` (merged ranges) as the fewest
/// prefixes: sorted, pairwise disjoint, and no prefix whose parent block lies wholly
/// inside the set (such a prefix and its sibling would merge). `bits` is 32 or 128.
fn assert_minimal_cover(out: &[(u128, u128, u8)], expected: &[(u128, u128)], bits: u8, what: &str) {
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

fn check_v4(input: &[Ipv4Net], out: &[Ipv4Net], what: &str) {
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

fn check_v6(input: &[Ipv6Net], out: &[Ipv6Net], what: &str) {
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
fn size(u: &[(u128, u128)]) -> u128 {
  u.iter()
    .map(|(lo, hi)| (hi - lo).saturating_add(1))
    .fold(0u128, |a, b| a.saturating_add(b))
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[test]
fn parses_download_with_integer_change_number() {
  let tags = fixture("public-old.json");
  assert_eq!(tags.change_number, 100);
  assert_eq!(tags.cloud, "Public");
  assert_eq!(tags.ir_cloud(), "AzureCloud");
  assert_eq!(tags.tags.len(), 8);
  assert_eq!(tags.prefix_count(), 34);
  let regional = tags.get("AzureMachineLearning.EastUS").expect("tag");
  assert_eq!(
    regional.properties.network_features, None,
    "null networkFeatures parses as None"
  );
  assert_eq!(regional.properties.region, "eastus");
  assert_eq!(regional.properties.region_id, Some(32));
  let global = tags.get("AzureMachineLearning").expect("tag");
  assert_eq!(
    global.properties.network_features.as_deref().map(<[String]>::len),
    Some(4)
  );
  assert_eq!(global.properties.change_number, Some(40));
  assert_eq!(
    tags
      .get("AzureFrontDoor.FirstParty")
      .expect("tag")
      .properties
      .system_service,
    ""
  );
}

#[test]
fn parses_api_output_with_string_change_numbers() {
  let tags = fixture("public-new.json");
  assert_eq!(tags.change_number, 101);
  assert_eq!(tags.ir_cloud(), "AzureCloud");
  let t = tags.get("AzureMachineLearning").expect("tag");
  assert_eq!(t.properties.change_number, Some(41));
  assert_eq!(
    tags.get("Storage.EastUS").expect("tag").properties.region_id,
    Some(32)
  );
}

#[test]
fn maps_every_cloud_name() {
  for (file_cloud, ir_cloud) in [
    ("Public", "AzureCloud"),
    ("AzureGovernment", "AzureUSGovernment"),
    ("China", "AzureChinaCloud"),
    ("AzureChinaCloud", "AzureChinaCloud"),
  ] {
    let text = format!(r#"{{"changeNumber": 1, "cloud": "{file_cloud}", "values": []}}"#);
    let tags = ServiceTags::parse(&text, "inline").expect("parses");
    assert_eq!(tags.ir_cloud(), ir_cloud, "{file_cloud}");
  }
  assert_eq!(fixture("gov.json").ir_cloud(), "AzureUSGovernment");
}

#[test]
fn refuses_files_that_are_not_service_tags() {
  let cases = [
    ("[1, 2]", "not a ServiceTags JSON file"),
    (r#"{"changeNumber": 1, "values": []}"#, "does not say which cloud"),
    (
      r#"{"changeNumber": 1, "cloud": "Mars", "values": []}"#,
      "\"Mars\"",
    ),
    (
      r#"{"cloud": "Public", "values": []}"#,
      "no top-level `changeNumber`",
    ),
    (
      r#"{"changeNumber": "seven", "cloud": "Public", "values": []}"#,
      "not a ServiceTags JSON file",
    ),
    (
      r#"{"changeNumber": 1, "cloud": "Public", "values": [
        {"name": "A", "id": "A", "properties": {"addressPrefixes": []}},
        {"name": "a", "id": "a", "properties": {"addressPrefixes": []}}]}"#,
      "twice",
    ),
  ];
  for (text, wanted) in cases {
    let err = ServiceTags::parse(text, "inline").expect_err(text).to_string();
    assert!(err.contains(wanted), "{text}: {err}");
  }
  let bad_prefix = r#"{"changeNumber": 1, "cloud": "Public", "values": [
    {"name": "A", "id": "A", "properties": {"addressPrefixes": ["10.0.0.0/33"]}}]}"#;
  let tags = ServiceTags::parse(bad_prefix, "inline").expect("lazy prefixes");
  let err = expand(&ir("AzureCloud", &["A"]), &tags)
    .expect_err("bad prefix")
    .to_string();
  assert!(err.contains("`A`") && err.contains("10.0.0.0/33"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Lookup and expansion

#[test]
fn expands_fixture_exactly() {
  let e = expand(
    &ir("AzureCloud", &["AzureMachineLearning", "Storage.EastUS"]),
    &fixture("public-old.json"),
  )
  .expect("expands");
  assert_eq!(e.rules.len(), 2, "FQDN and CIDR flows are not expanded");
  let aml = rule(&e, "AzureMachineLearning");
  assert_eq!(aml.listed, 15);
  assert_eq!(
    strs(&aml.prefixes.ipv4()),
    [
      "13.66.87.134/31", // two adjacent /32
      "20.37.0.0/23",    // two /25 halves, a /24, and a /26 inside
      "30.0.0.0/24",
      "40.64.0.0/16", // a /17 inside
      "52.1.2.4/30",  // adjacent to the next, but not one aligned block
      "52.1.2.8/30",
    ]
  );
  assert_eq!(
    strs(&aml.prefixes.ipv6()),
    ["2603:1000:4::/47", "2603:1030:f00::1/128"]
  );
  let storage = rule(&e, "Storage.EastUS");
  assert_eq!(
    strs(&storage.prefixes.ipv4()),
    ["20.38.98.0/23", "52.239.152.0/22"]
  );
  assert!(storage.prefixes.ipv6().is_empty());
}

#[test]
fn matches_tags_case_insensitively() {
  let tags = fixture("public-old.json");
  for spelling in [
    "Storage.EastUS",
    "storage.eastus",
    "STORAGE.EASTUS",
    "Storage.Eastus",
  ] {
    let e = expand(&ir("AzureCloud", &[spelling]), &tags).expect(spelling);
    assert_eq!(e.rules[0].file_tag, "Storage.EastUS");
    assert_eq!(e.rules[0].rule.service_tag, spelling);
    assert_eq!(
      strs(&e.rules[0].prefixes.ipv4()),
      ["20.38.98.0/23", "52.239.152.0/22"]
    );
    if spelling != "Storage.EastUS" {
      assert!(
        e.text().contains("(file: Storage.EastUS)"),
        "the file's spelling is shown"
      );
    }
  }
}

#[test]
fn missing_tag_is_named_with_suggestions() {
  let tags = fixture("public-old.json");
  let err = expand(
    &ir(
      "AzureCloud",
      &["Storage.EastUS2", "AzureMachineLearnin", "AzureMonitor"],
    ),
    &tags,
  )
  .expect_err("missing tags")
  .to_string();
  assert!(
    err.contains("public-old.json") && err.contains("changeNumber 100"),
    "{err}"
  );
  assert!(
    err.contains("`Storage.EastUS2` (rule out-tcp-Storage.EastUS2); did you mean `Storage.EastUS`"),
    "{err}"
  );
  assert!(
    err.contains("`AzureMachineLearnin`") && err.contains("did you mean `AzureMachineLearning`"),
    "{err}"
  );
  assert!(
    err.contains("`AzureMonitor`"),
    "every missing tag is named: {err}"
  );
  let regional = tags.suggest("AzureMachineLearning.WestUS2");
  assert_eq!(
    regional.first(),
    Some(&"AzureMachineLearning"),
    "a regional miss suggests its global tag"
  );
  assert!(regional.contains(&"AzureMachineLearning.EastUS"), "{regional:?}");
}

#[test]
fn wrong_cloud_is_refused() {
  let err = expand(&ir("AzureCloud", &["AzureMachineLearning"]), &fixture("gov.json")).expect_err("cloud");
  let msg = err.to_string();
  assert!(
    msg.contains("\"AzureGovernment\"") && msg.contains("AzureCloud"),
    "{msg}"
  );
  assert!(
    msg.contains("ServiceTags_Public_"),
    "says which download to use: {msg}"
  );
  let err = expand(
    &ir("AzureUSGovernment", &["AzureMachineLearning"]),
    &fixture("public-old.json"),
  )
  .expect_err("cloud")
  .to_string();
  assert!(
    err.contains("\"Public\"") && err.contains("AzureUSGovernment"),
    "{err}"
  );
  let err = compare(
    &ir("AzureChinaCloud", &[]),
    &fixture("public-old.json"),
    &fixture("public-new.json"),
  )
  .expect_err("cloud")
  .to_string();
  assert!(err.contains("AzureChinaCloud"), "{err}");
  let gov = expand(
    &ir("AzureUSGovernment", &["Storage.USGovVirginia"]),
    &fixture("gov.json"),
  )
  .expect("gov");
  assert_eq!(strs(&gov.rules[0].prefixes.ipv4()), ["20.140.0.0/23"]);
}

#[test]
fn virtual_tags_are_explained_not_expanded() {
  let mut ir = ir(
    "AzureCloud",
    &["VirtualNetwork", "internet", "AzureMachineLearning"],
  );
  ir.flows.push(flow(Direction::Inbound, "AzureLoadBalancer"));
  ir.normalize();
  let e = expand(&ir, &fixture("public-old.json")).expect("the file lacks them, and that is fine");
  assert_eq!(e.rules.len(), 1);
  let platform: Vec<&str> = e
    .platform_resolved
    .iter()
    .map(|p| p.rule.service_tag.as_str())
    .collect();
  assert_eq!(
    platform,
    ["AzureLoadBalancer", "VirtualNetwork", "internet"],
    "sorted by flow id"
  );
  let text = e.text();
  for tag in ["VirtualNetwork", "internet", "AzureLoadBalancer"] {
    let line = text
      .lines()
      .find(|l| l.starts_with("# not expanded") && l.contains(tag))
      .expect(tag);
    assert!(
      line.contains("the platform resolves") && line.contains("never expanded"),
      "{line}"
    );
  }
  let json: serde_json::Value = serde_json::from_str(&e.json()).expect("json");
  assert_eq!(json["platform_resolved"].as_array().map(Vec::len), Some(3));
  assert_eq!(json["rules"].as_array().map(Vec::len), Some(1));
  assert_eq!(e.csv().lines().filter(|l| l.contains(",platform,,")).count(), 3);
  let c = compare(&ir, &fixture("public-old.json"), &fixture("public-new.json")).expect("compare");
  assert_eq!(c.platform_resolved.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Renderings

#[test]
fn renders_fixture_in_every_format() {
  let mut ir = ir(
    "AzureCloud",
    &[
      "AzureMachineLearning",
      "AzureMachineLearning.EastUS",
      "BatchNodeManagement.EastUS",
      "VirtualNetwork",
    ],
  );
  ir.flows.push(flow(Direction::Inbound, "AzureMachineLearning"));
  ir.normalize();
  let e = expand(&ir, &fixture("public-old.json")).expect("expands");
  let r = e.render();
  assert_eq!(r, e.render(), "deterministic");
  golden!("fixture-prefixes.txt", r.text.clone());
  golden!("fixture-prefixes.csv", r.csv.clone());
  golden!("fixture-prefixes.json", r.json.clone());

  // JSON shape: stamped, one object per rule with the fields the docs promise.
  let json: serde_json::Value = serde_json::from_str(&r.json).expect("valid JSON");
  assert_eq!(json["service_tags"]["cloud"], "Public");
  assert_eq!(json["service_tags"]["change_number"], 100);
  for key in [
    "amlnet_version",
    "catalog_version",
    "profile_hash",
    "profile",
    "cloud",
  ] {
    assert!(json[key].is_string(), "{key}");
  }
  let rules = json["rules"].as_array().expect("rules");
  assert_eq!(rules.len(), 4);
  for r in rules {
    for key in [
      "flow_id",
      "service_tag",
      "prefixes",
      "ipv4",
      "ipv6",
      "count",
      "ipv4_count",
      "ipv6_count",
    ] {
      assert!(!r[key].is_null(), "{key} in {r}");
    }
    let n = r["prefixes"].as_array().expect("prefixes").len();
    assert_eq!(n as u64, r["count"].as_u64().expect("count"));
    assert_eq!(
      n as u64,
      r["ipv4_count"].as_u64().expect("ipv4") + r["ipv6_count"].as_u64().expect("ipv6")
    );
  }

  // CSV: a header, then one row per prefix, every row the header's width.
  let mut lines = r.csv.lines();
  let header = lines.next().expect("header");
  assert_eq!(
    header,
    "rule_id,direction,protocol,ports,service_tag,family,prefix,cloud,change_number"
  );
  let rows: Vec<&str> = lines.collect();
  assert!(rows.iter().all(|l| l.split(',').count() == 9), "{rows:?}");
  let prefix_rows = rows
    .iter()
    .filter(|l| l.contains(",ipv4,") || l.contains(",ipv6,"))
    .count();
  assert_eq!(
    prefix_rows,
    e.rules.iter().map(|r| r.prefixes.len()).sum::<usize>()
  );

  // Text: every prefix line parses and belongs to the rule above it.
  let prefixes: Vec<IpNet> = r
    .text
    .lines()
    .filter(|l| !l.is_empty() && !l.starts_with('#'))
    .map(|l| l.parse().expect(l))
    .collect();
  assert_eq!(prefixes.len(), prefix_rows);
}

#[test]
fn atomic_write_replaces_the_whole_directory() {
  let dir = std::env::temp_dir().join(format!("amlnet-expand-test-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  let target = dir.join("expand");
  let write = |files: &[(&str, &str)]| {
    let files: Vec<(String, String)> = files
      .iter()
      .map(|(p, t)| (p.to_string(), t.to_string()))
      .collect();
    amlnet::io::replace_dir(&target, &Default::default(), &Default::default(), &files)
  };
  write(&[("a.txt", "one\n"), ("b.txt", "two\n")]).expect("write");
  write(&[("a.txt", "three\n")]).expect("rewrite");
  assert_eq!(
    std::fs::read_to_string(target.join("a.txt")).expect("a"),
    "three\n"
  );
  assert!(
    !target.join("b.txt").exists(),
    "the old set is replaced, not merged"
  );
  let names: Vec<String> = std::fs::read_dir(&dir)
    .expect("dir")
    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
    .collect();
  assert_eq!(names, ["expand"], "no temporary directory left behind");
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

// ---------------------------------------------------------------------------------------------
// --against

#[test]
fn against_reports_exact_gains_and_losses() {
  let ir = ir(
    "AzureCloud",
    &[
      "AzureMachineLearning",
      "Storage.EastUS",
      "BatchNodeManagement.EastUS",
      "AzureResourceManager",
    ],
  );
  let c = compare(&ir, &fixture("public-old.json"), &fixture("public-new.json")).expect("compare");
  assert_eq!((c.old.change_number, c.new.change_number), (100, 101));
  let aml = c
    .rules
    .iter()
    .find(|r| r.rule.service_tag == "AzureMachineLearning")
    .expect("aml");
  assert_eq!(strs(&aml.gained.ipv4()), ["52.1.2.12/30"]);
  assert_eq!(strs(&aml.gained.ipv6()), ["2603:1000:6::/48"]);
  assert_eq!(strs(&aml.lost.ipv4()), ["30.0.0.128/25"]);
  assert_eq!(strs(&aml.lost.ipv6()), ["2603:1030:f00::1/128"]);
  // Rewritten but address-identical lists are not changes.
  for tag in [
    "Storage.EastUS",
    "BatchNodeManagement.EastUS",
    "AzureResourceManager",
  ] {
    let r = c.rules.iter().find(|r| r.rule.service_tag == tag).expect(tag);
    assert!(!r.changed(), "{tag}: {r:?}");
  }
  assert_eq!(c.totals(), (1, 2, 2));
  let r = c.render();
  assert_eq!(r, c.render(), "deterministic");
  golden!("fixture-changes.txt", r.text.clone());
  golden!("fixture-changes.csv", r.csv.clone());
  golden!("fixture-changes.json", r.json.clone());

  // A tag only the new file has is an error naming the old file.
  let err = compare(
    &ir_with("AzureMachineLearning.WestUS2"),
    &fixture("public-old.json"),
    &fixture("public-new.json"),
  )
  .expect_err("missing in old")
  .to_string();
  assert!(
    err.contains("public-old.json") && err.contains("AzureMachineLearning.WestUS2"),
    "{err}"
  );
}

fn ir_with(tag: &str) -> Ir {
  ir("AzureCloud", &[tag])
}

// ---------------------------------------------------------------------------------------------
// Aggregation property tests: random prefix sets, deterministic PRNG.

struct XorShift(u64);

impl XorShift {
  fn next(&mut self) -> u64 {
    let mut x = self.0;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    self.0 = x;
    x
  }
  fn below(&mut self, n: u64) -> u64 {
    self.next() % n
  }
  fn u128(&mut self) -> u128 {
    ((self.next() as u128) << 64) | self.next() as u128
  }
}

/// A prefix length skewed towards long prefixes, but reaching `min`.
fn prefix_len(rng: &mut XorShift, min: u8, max: u8) -> u8 {
  let span = (max - min) as u64 + 1;
  let a = rng.below(span);
  let b = rng.below(span);
  max - a.min(b) as u8
}

/// Random IPv4 prefixes inside the 4096-address window 10.20.16.0/20, some with host bits set.
fn random_v4_window(rng: &mut XorShift) -> Vec<Ipv4Net> {
  let base = u32::from(Ipv4Addr::new(10, 20, 16, 0));
  let n = 1 + rng.below(40) as usize;
  (0..n)
    .map(|_| {
      let len = prefix_len(rng, 20, 32);
      let addr = base + rng.below(4096) as u32;
      let net = Ipv4Net::new(Ipv4Addr::from(addr), len).expect("len");
      if rng.below(4) == 0 {
        net
      } else {
        net.trunc()
      }
    })
    .collect()
}

fn bitmap_v4(nets: &[Ipv4Net]) -> Vec<u8> {
  let base = u32::from(Ipv4Addr::new(10, 20, 16, 0));
  let mut bits = vec![0u8; 4096];
  for n in nets {
    for a in u32::from(n.network())..=u32::from(n.broadcast()) {
      bits[(a - base) as usize] += 1;
    }
  }
  bits
}

#[test]
fn aggregation_preserves_addresses_brute_force() {
  // Brute force: every address of a small window counted, before and after.
  for seed in 1..=1500u64 {
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let input = random_v4_window(&mut rng);
    let out = Ipv4Net::aggregate(&input);
    let before = bitmap_v4(&input);
    let after = bitmap_v4(&out);
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
      assert!(*a <= 1, "seed {seed}: address +{i} covered twice by {out:?}");
      assert_eq!(
        *b > 0,
        *a == 1,
        "seed {seed}: address +{i} differs; input {input:?} output {out:?}"
      );
    }
    check_v4(&input, &out, &format!("window seed {seed}"));
    // Same through PrefixSet, mixing in IPv6.
    let mixed: Vec<IpNet> = input.iter().map(|n| IpNet::V4(*n)).collect();
    assert_eq!(PrefixSet::aggregate(&mixed).ipv4(), out);
  }
}

#[test]
fn aggregation_is_exact_and_minimal_over_the_whole_space() {
  for seed in 1..=3000u64 {
    let mut rng = XorShift(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let n = rng.below(60) as usize;
    // Cluster half the prefixes near one address so that merges and overlaps happen.
    let hub4 = rng.next() as u32;
    let hub6 = rng.u128();
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for _ in 0..n {
      let near = rng.below(2) == 0;
      let a4 = if near {
        hub4 ^ (rng.next() as u32 & 0xFFFF)
      } else {
        rng.next() as u32
      };
      v4.push(Ipv4Net::new(Ipv4Addr::from(a4), prefix_len(&mut rng, 0, 32)).expect("len"));
      let a6 = if near {
        hub6 ^ (rng.u128() & 0xFFFF_FFFF)
      } else {
        rng.u128()
      };
      let min6 = if rng.below(20) == 0 { 0 } else { 96 };
      v6.push(Ipv6Net::new(Ipv6Addr::from(a6), prefix_len(&mut rng, min6, 128)).expect("len"));
    }
    if seed % 97 == 0 {
      v4.push("255.255.255.255/32".parse().expect("edge"));
      v4.push("255.255.255.254/32".parse().expect("edge"));
      v6.push("::/128".parse().expect("edge"));
      v6.push("::1/128".parse().expect("edge"));
    }
    let mixed: Vec<IpNet> = v4
      .iter()
      .map(|n| IpNet::V4(*n))
      .chain(v6.iter().map(|n| IpNet::V6(*n)))
      .collect();
    let set = PrefixSet::aggregate(&mixed);
    check_v4(&v4, &set.ipv4(), &format!("v4 seed {seed}"));
    check_v6(&v6, &set.ipv6(), &format!("v6 seed {seed}"));
  }
}

#[test]
fn difference_is_exact_and_minimal() {
  for seed in 1..=1500u64 {
    let mut rng = XorShift(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
    let a = Ipv4Net::aggregate(&random_v4_window(&mut rng));
    let b = Ipv4Net::aggregate(&random_v4_window(&mut rng));
    let d = difference_v4(&a, &b);
    let (ba, bb, bd) = (bitmap_v4(&a), bitmap_v4(&b), bitmap_v4(&d));
    for i in 0..4096 {
      assert!(bd[i] <= 1, "seed {seed}: overlap");
      assert_eq!(
        bd[i] == 1,
        ba[i] == 1 && bb[i] == 0,
        "seed {seed}: address +{i}: {a:?} - {b:?} = {d:?}"
      );
    }
    check_v4(&d, &d, &format!("difference seed {seed}"));
    assert_eq!(Ipv4Net::aggregate(&d), d, "seed {seed}: already aggregated");

    // IPv6 over the whole space: d = a - b, so d ∪ (a ∩ b) = a and d ∩ b = ∅, by interval sums.
    let mk = |rng: &mut XorShift| -> Vec<Ipv6Net> {
      let hub = rng.u128();
      (0..rng.below(30))
        .map(|_| {
          let addr = hub ^ (rng.u128() & 0xFFFF);
          Ipv6Net::new(Ipv6Addr::from(addr), prefix_len(rng, 112, 128)).expect("len")
        })
        .collect()
    };
    let hub_seeded = rng.next();
    let mut r2 = XorShift(hub_seeded | 1);
    let a6 = Ipv6Net::aggregate(&mk(&mut r2));
    let mut b6 = mk(&mut r2);
    b6.extend(a6.iter().filter(|_| r2.below(3) == 0).copied());
    let b6 = Ipv6Net::aggregate(&b6);
    let d6 = difference_v6(&a6, &b6);
    check_v6(&d6, &d6, &format!("v6 difference seed {seed}"));
    let ua = union(a6.iter().map(v6_range).collect());
    let ub = union(b6.iter().map(v6_range).collect());
    let ud = union(d6.iter().map(v6_range).collect());
    for &(lo, hi) in &ud {
      assert!(covered(&ua, lo, hi), "seed {seed}: difference outside a");
      assert!(
        ub.iter().all(|&(blo, bhi)| bhi < lo || blo > hi),
        "seed {seed}: difference meets b"
      );
    }
    // |a| = |a - b| + |a ∩ b|, with a ∩ b = a - (a - b).
    let inter = difference_v6(&a6, &d6);
    let ui = union(inter.iter().map(v6_range).collect());
    for &(lo, hi) in &ui {
      assert!(covered(&ub, lo, hi), "seed {seed}: a - (a - b) not inside b");
    }
    assert_eq!(size(&ua), size(&ud) + size(&ui), "seed {seed}");
  }
}

// ---------------------------------------------------------------------------------------------
// The real downloads (when ../shared/data/service-tags is present)

/// The tags an AzureCloud eastus training profile uses, per reference § 6 and § 5.
const EASTUS_TAGS: [&str; 9] = [
  "AzureActiveDirectory",
  "AzureFrontDoor.FirstParty",
  "AzureMachineLearning",
  "AzureMachineLearning.EastUS",
  "AzureMonitor",
  "AzureResourceManager",
  "BatchNodeManagement.EastUS",
  "MicrosoftContainerRegistry",
  "Storage.EastUS",
];

#[test]
fn real_public_file_aggregates_exactly() {
  let Some(dir) = real_data() else { return };
  let tags = ServiceTags::load(&dir.join("ServiceTags_Public_2025-11-09.json")).expect("parses");
  assert_eq!((tags.cloud.as_str(), tags.change_number), ("Public", 376));
  assert_eq!((tags.tags.len(), tags.prefix_count()), (3041, 95_823));
  for virtual_tag in ["VirtualNetwork", "Internet", "AzureLoadBalancer"] {
    assert!(
      tags.get(virtual_tag).is_none(),
      "{virtual_tag} is not in a download"
    );
  }
  // Every tag of the file: aggregation keeps exactly the listed addresses, minimally.
  for tag in &tags.tags {
    let (v4, v6) = tag.prefixes().expect("prefixes parse");
    let set = PrefixSet::from_parts(v4.clone(), v6.clone());
    check_v4(&v4, &set.ipv4(), &tag.name);
    check_v6(&v6, &set.ipv6(), &tag.name);
  }
  let e = expand(&ir("AzureCloud", &EASTUS_TAGS), &tags).expect("expands");
  let aml = rule(&e, "AzureMachineLearning");
  assert_eq!(aml.listed, 336);
  let mut summary = String::from("tag,listed,ipv4,ipv6,aggregated\n");
  for r in &e.rules {
    summary.push_str(&format!(
      "{},{},{},{},{}\n",
      r.rule.service_tag,
      r.listed,
      r.prefixes.ipv4().len(),
      r.prefixes.ipv6().len(),
      r.prefixes.len()
    ));
  }
  golden!("real-public-2025-11-09-counts", summary);
}

#[test]
fn real_against_between_public_downloads() {
  let Some(dir) = real_data() else { return };
  let old = ServiceTags::load(&dir.join("ServiceTags_Public_2025-08-10.json")).expect("old parses");
  let new = ServiceTags::load(&dir.join("ServiceTags_Public_2025-11-09.json")).expect("new parses");
  assert_eq!((old.change_number, new.change_number), (365, 376));
  let ir = ir("AzureCloud", &EASTUS_TAGS);
  let c = compare(&ir, &old, &new).expect("compare");
  assert_eq!(
    c.render(),
    compare(&ir, &old, &new).expect("again").render(),
    "deterministic"
  );
  let before = expand(&ir, &old).expect("old expands");
  let after = expand(&ir, &new).expect("new expands");
  let mut summary = String::from("tag,old,new,gained,lost\n");
  for r in &c.rules {
    let b = rule(&before, &r.rule.service_tag);
    let a = rule(&after, &r.rule.service_tag);
    // new = (old - lost) ∪ gained, gained ∩ old = ∅, lost ⊆ old, lost ∩ new = ∅: exactly.
    let rebuilt4 = Ipv4Net::aggregate(
      &[
        difference_v4(&b.prefixes.ipv4(), &r.lost.ipv4()),
        r.gained.ipv4().clone(),
      ]
      .concat(),
    );
    let rebuilt6 = Ipv6Net::aggregate(
      &[
        difference_v6(&b.prefixes.ipv6(), &r.lost.ipv6()),
        r.gained.ipv6().clone(),
      ]
      .concat(),
    );
    assert_eq!(rebuilt4, a.prefixes.ipv4(), "{}", r.rule.service_tag);
    assert_eq!(rebuilt6, a.prefixes.ipv6(), "{}", r.rule.service_tag);
    assert_eq!(
      r.gained.difference(&b.prefixes),
      r.gained,
      "{}: gained meets old",
      r.rule.service_tag
    );
    assert_eq!(
      r.lost.difference(&a.prefixes),
      r.lost,
      "{}: lost meets new",
      r.rule.service_tag
    );
    assert_eq!(
      r.lost.difference(&b.prefixes),
      PrefixSet::default(),
      "{}: lost inside old",
      r.rule.service_tag
    );
    summary.push_str(&format!(
      "{},{},{},{},{}\n",
      r.rule.service_tag,
      r.old_count,
      r.new_count,
      r.gained.len(),
      r.lost.len()
    ));
  }
  let (changed, gained, lost) = c.totals();
  summary.push_str(&format!(
    "total: {} rules, {changed} changed, {gained} gained, {lost} lost\n",
    c.rules.len()
  ));
  golden!("real-public-365-to-376-changes", summary);
}

#[test]
fn real_gov_file_is_another_cloud() {
  let Some(dir) = real_data() else { return };
  let gov = ServiceTags::load(&dir.join("ServiceTags_Gov_2026-07-19.json")).expect("parses");
  assert_eq!(
    (gov.cloud.as_str(), gov.change_number, gov.tags.len()),
    ("AzureGovernment", 401, 299)
  );
  assert_eq!(gov.ir_cloud(), "AzureUSGovernment");
  let err = expand(&ir("AzureCloud", &["AzureMachineLearning"]), &gov)
    .expect_err("cloud")
    .to_string();
  assert!(err.contains("AzureGovernment"), "{err}");
  let e = expand(
    &ir(
      "AzureUSGovernment",
      &["AzureMachineLearning", "azuremachinelearning.usgovvirginia"],
    ),
    &gov,
  )
  .expect("gov expands");
  let aml = rule(&e, "AzureMachineLearning");
  let (v4, v6) = gov
    .get("AzureMachineLearning")
    .expect("tag")
    .prefixes()
    .expect("prefixes");
  assert_eq!(aml.listed, 40);
  check_v4(&v4, &aml.prefixes.ipv4(), "gov AzureMachineLearning");
  check_v6(&v6, &aml.prefixes.ipv6(), "gov AzureMachineLearning");
  assert_eq!(
    e.rules
      .iter()
      .find(|r| r.file_tag == "AzureMachineLearning.USGovVirginia")
      .map(|r| r.listed > 0),
    Some(true)
  );
}

// ---------------------------------------------------------------------------------------------
// The binary

#[test]
fn cli_help_lists_the_options() {
  let out = amlnet(&["expand", "--help"]);
  assert!(out.code == 0);
  let help = out.stdout.clone();
  for option in ["--service-tags", "--against", "--format", "--out"] {
    assert!(help.contains(option), "{option}: {help}");
  }
}

#[test]
fn cli_unreadable_service_tags_exits_2() {
  let out = amlnet(&[
    "expand",
    "does-not-exist.toml",
    "--service-tags",
    fixture_path("absent.json").to_str().expect("utf-8"),
  ]);
  assert_eq!(Some(out.code), Some(2), "{}", out.stderr);
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
  let dir = std::env::temp_dir().join(format!("amlnet-expand-{name}-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).expect("scratch dir");
  dir
}

fn shipped(profile: &str) -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("profiles")
    .join(profile)
}

/// The tags of `ir` a download can expand (not the platform-resolved ones), deduplicated.
fn expandable_tags(ir: &Ir) -> Vec<String> {
  let mut tags: Vec<String> = ir
    .flows
    .iter()
    .filter(|f| f.peer_kind() == PeerKind::ServiceTag)
    .filter(|f| amlnet::service_tags::virtual_tag(&f.peer.to_string()).is_none())
    .map(|f| f.peer.to_string())
    .collect();
  tags.sort();
  tags.dedup();
  tags
}

/// A ServiceTags file listing every expandable tag of `ir` (but `drop`): tag i gets
/// 10.i.0.0/25 + 10.i.0.128/25 (one /24 once aggregated) and 2001:db8:i+1::/48; the
/// `newer` version adds 10.i.1.0/24 and drops the IPv6 prefix.
fn synthetic(ir: &Ir, cloud: &str, newer: bool, drop: Option<&str>) -> String {
  let values: Vec<serde_json::Value> = expandable_tags(ir)
    .iter()
    .enumerate()
    .filter(|(_, t)| Some(t.as_str()) != drop)
    .map(|(i, tag)| {
      let mut prefixes = vec![format!("10.{i}.0.0/25"), format!("10.{i}.0.128/25")];
      if newer {
        prefixes.push(format!("10.{i}.1.0/24"));
      } else {
        prefixes.push(format!("2001:db8:{:x}::/48", i + 1));
      }
      serde_json::json!({"name": tag, "id": tag, "properties": {"changeNumber": 1, "region": "",
        "regionId": 0, "platform": "Azure", "systemService": "", "addressPrefixes": prefixes,
        "networkFeatures": null}})
    })
    .collect();
  let change: serde_json::Value = if newer { "11".into() } else { 10.into() };
  serde_json::json!({"changeNumber": change, "cloud": cloud, "values": values}).to_string()
}

const PROFILE: &str = "training-no-public-ip.toml";

#[test]
fn cli_prints_every_format_and_writes_them_atomically() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let tags = expandable_tags(&ir);
  assert!(!tags.is_empty(), "{PROFILE} has service-tag rules");
  let dir = scratch("formats");
  let file = dir.join("tags.json");
  std::fs::write(&file, synthetic(&ir, "Public", false, None)).expect("write");
  let (p, f) = (profile.to_str().expect("utf-8"), file.to_str().expect("utf-8"));
  let mut printed = Vec::new();
  for format in ["text", "csv", "json"] {
    let out = amlnet(&["expand", p, "--service-tags", f, "--format", format]);
    assert_eq!(Some(out.code), Some(0), "{format}: {}", out.stderr);
    printed.push(out.stdout);
  }
  let json: serde_json::Value = serde_json::from_str(&printed[2]).expect("JSON");
  assert_eq!(json["profile"], ir.profile.as_str());
  assert_eq!(json["profile_hash"], ir.profile_hash.as_str());
  assert_eq!(json["catalog_version"], ir.catalog_version.as_str());
  assert_eq!(json["service_tags"]["change_number"], 10);
  let rules = json["rules"].as_array().expect("rules");
  let flows = ir.flows.iter().filter(|f| f.peer_kind() == PeerKind::ServiceTag);
  let platform = json["platform_resolved"].as_array().expect("platform").len();
  assert_eq!(
    rules.len() + platform,
    flows.count(),
    "every service-tag flow is accounted for"
  );
  for r in rules {
    let i = tags
      .iter()
      .position(|t| r["service_tag"] == t.as_str())
      .expect("known tag");
    assert_eq!(
      r["prefixes"],
      serde_json::json!([format!("10.{i}.0.0/24"), format!("2001:db8:{:x}::/48", i + 1)])
    );
  }

  let out_dir = dir.join("out");
  let out = amlnet(&[
    "expand",
    p,
    "--service-tags",
    f,
    "--out",
    out_dir.to_str().expect("utf-8"),
  ]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  assert!(out.stdout.is_empty(), "--out prints nothing on stdout");
  for (name, text) in ["prefixes.txt", "prefixes.csv", "prefixes.json"]
    .iter()
    .zip(&printed)
  {
    assert_eq!(
      &std::fs::read_to_string(out_dir.join("expand").join(name)).expect(name),
      text,
      "{name}"
    );
  }
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn cli_against_reports_changes_and_exits_0() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let n = expandable_tags(&ir).len();
  let dir = scratch("against");
  let (old, new) = (dir.join("old.json"), dir.join("new.json"));
  std::fs::write(&old, synthetic(&ir, "Public", false, None)).expect("write");
  std::fs::write(&new, synthetic(&ir, "Public", true, None)).expect("write");
  let args = |extra: &[&str]| -> Vec<String> {
    let mut v: Vec<String> = ["expand", profile.to_str().expect("utf-8"), "--service-tags"]
      .iter()
      .map(|s| s.to_string())
      .collect();
    v.push(old.display().to_string());
    v.push("--against".into());
    v.push(new.display().to_string());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
  };
  let run = |extra: &[&str]| {
    let a = args(extra);
    amlnet(&a.iter().map(String::as_str).collect::<Vec<_>>())
  };
  let out = run(&["--format", "json"]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
  assert_eq!(
    (
      json["old"]["change_number"].as_u64(),
      json["new"]["change_number"].as_u64()
    ),
    (Some(10), Some(11))
  );
  let flows_per_tag = ir
    .flows
    .iter()
    .filter(|f| f.peer_kind() == PeerKind::ServiceTag)
    .count()
    - json["platform_resolved"].as_array().expect("platform").len();
  assert_eq!(json["summary"]["changed"].as_u64(), Some(flows_per_tag as u64));
  for r in json["rules"].as_array().expect("rules") {
    assert_eq!(r["gained"]["ipv4"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["lost"]["ipv6"].as_array().map(Vec::len), Some(1), "{r}");
  }
  let text = run(&[]);
  assert_eq!(Some(text.code), Some(0));
  let text = text.stdout;
  assert_eq!(
    text.lines().filter(|l| l.starts_with("+ 10.")).count(),
    flows_per_tag
  );
  assert!(n > 0);

  let out_dir = dir.join("out");
  let out = run(&["--out", out_dir.to_str().expect("utf-8")]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  let mut written: Vec<String> = std::fs::read_dir(out_dir.join("expand"))
    .expect("expand dir")
    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
    .collect();
  written.sort();
  assert_eq!(
    written,
    [
      "changes.csv",
      "changes.json",
      "changes.txt",
      "manifest.json",
      "prefixes.csv",
      "prefixes.json",
      "prefixes.txt"
    ]
  );
  assert_eq!(
    std::fs::read_to_string(out_dir.join("expand/changes.txt")).expect("changes"),
    text
  );
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn cli_missing_tag_exits_2_naming_it() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let tags = expandable_tags(&ir);
  let dropped = tags.last().expect("a tag").clone();
  let dir = scratch("missing");
  let file = dir.join("tags.json");
  std::fs::write(&file, synthetic(&ir, "Public", false, Some(&dropped))).expect("write");
  let out = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  let stderr = out.stderr;
  assert_eq!(Some(out.code), Some(2), "{stderr}");
  assert!(stderr.contains(&format!("service tag `{dropped}`")), "{stderr}");
  assert!(out.stdout.is_empty(), "nothing printed on error");
  // Case does not matter: the same file with every tag name upper-cased still expands.
  let mut doc: serde_json::Value =
    serde_json::from_str(&synthetic(&ir, "Public", false, None)).expect("json");
  for v in doc["values"].as_array_mut().expect("values") {
    let upper = v["name"].as_str().expect("name").to_uppercase();
    v["name"] = upper.clone().into();
    v["id"] = upper.into();
  }
  std::fs::write(&file, doc.to_string()).expect("write");
  let out = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn cli_wrong_cloud_exits_2() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let dir = scratch("cloud");
  let file = dir.join("tags.json");
  std::fs::write(&file, synthetic(&ir, "AzureGovernment", false, None)).expect("write");
  let out = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  let stderr = out.stderr;
  assert_eq!(Some(out.code), Some(2), "{stderr}");
  assert!(
    stderr.contains("\"AzureGovernment\"") && stderr.contains(ir.cloud.name()),
    "{stderr}"
  );
  let gov = shipped("usgov-secure-workspace.toml");
  let out = amlnet(&[
    "expand",
    gov.to_str().expect("utf-8"),
    "--service-tags",
    fixture_path("public-old.json").to_str().expect("utf-8"),
  ]);
  let stderr = out.stderr;
  assert_eq!(Some(out.code), Some(2), "{stderr}");
  assert!(
    stderr.contains("AzureUSGovernment") && stderr.contains("\"Public\""),
    "{stderr}"
  );
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Every shipped profile against the real download of its cloud: exit 0 with exact
/// lists when the file has all its tags, otherwise exit 2 naming exactly the absent ones.
#[test]
fn cli_real_downloads_for_every_shipped_profile() {
  let Some(data) = real_data() else { return };
  let mut profiles: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles"))
    .expect("profiles/")
    .map(|e| e.expect("entry").path())
    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    .collect();
  profiles.sort();
  assert!(!profiles.is_empty(), "profiles/ has shipped profiles");
  let mut summary = String::new();
  for profile in &profiles {
    let ir = amlnet::compile_path(profile).expect("shipped profile compiles");
    let file = match ir.cloud.name() {
      "AzureCloud" => data.join("ServiceTags_Public_2025-11-09.json"),
      "AzureUSGovernment" => data.join("ServiceTags_Gov_2026-07-19.json"),
      other => {
        summary.push_str(&format!("{}: {other}: no download to test with\n", ir.profile));
        continue;
      }
    };
    let tags = ServiceTags::load(&file).expect("parses");
    let missing: Vec<String> = expandable_tags(&ir)
      .into_iter()
      .filter(|t| tags.get(t).is_none())
      .collect();
    let out = amlnet(&[
      "expand",
      profile.to_str().expect("utf-8"),
      "--service-tags",
      file.to_str().expect("utf-8"),
      "--format",
      "json",
    ]);
    let stderr = out.stderr;
    if !missing.is_empty() {
      assert_eq!(Some(out.code), Some(2), "{}: {stderr}", ir.profile);
      for tag in &missing {
        assert!(
          stderr.contains(&format!("service tag `{tag}`")),
          "{}: {tag}: {stderr}",
          ir.profile
        );
      }
      summary.push_str(&format!(
        "{}: exit 2, {} lacks {}\n",
        ir.profile,
        tags.cloud,
        missing.join(", ")
      ));
      continue;
    }
    assert_eq!(Some(out.code), Some(0), "{}: {stderr}", ir.profile);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let (mut v4_total, mut v6_total) = (0, 0);
    for r in json["rules"].as_array().expect("rules") {
      let tag = tags
        .get(r["service_tag"].as_str().expect("tag"))
        .expect("tag in file");
      let (v4, v6) = tag.prefixes().expect("prefixes");
      let parse4 = |k: &str| -> Vec<Ipv4Net> {
        r[k]
          .as_array()
          .expect(k)
          .iter()
          .map(|s| s.as_str().expect("str").parse().expect("v4"))
          .collect()
      };
      let out4 = parse4("ipv4");
      let out6: Vec<Ipv6Net> = r["ipv6"]
        .as_array()
        .expect("ipv6")
        .iter()
        .map(|s| s.as_str().expect("str").parse().expect("v6"))
        .collect();
      check_v4(&v4, &out4, &tag.name);
      check_v6(&v6, &out6, &tag.name);
      v4_total += out4.len();
      v6_total += out6.len();
    }
    summary.push_str(&format!(
      "{}: exit 0, {} rules, {v4_total} IPv4 + {v6_total} IPv6 prefixes, {} platform-resolved\n",
      ir.profile,
      json["rules"].as_array().map_or(0, Vec::len),
      json["platform_resolved"].as_array().map_or(0, Vec::len)
    ));
  }
  golden!("real-shipped-profiles", summary);
}

/// A device given as --service-tags fails at once instead of being read until memory runs out.
#[test]
fn a_device_is_not_a_service_tags_file() {
  let run = amlnet(&[
    "expand",
    "profiles/training-no-public-ip.toml",
    "--service-tags",
    "/dev/zero",
  ]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

/// A download in which a tag covers every address expands, but with a warning that the file
/// is wrong or tampered with.
#[test]
fn a_catch_all_prefix_in_a_download_is_warned_about() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let mut doc: serde_json::Value =
    serde_json::from_str(&synthetic(&ir, "Public", false, None)).expect("JSON");
  let tag = &mut doc["values"].as_array_mut().expect("values")[0];
  let name = tag["name"].as_str().expect("name").to_string();
  tag["properties"]["addressPrefixes"]
    .as_array_mut()
    .expect("prefixes")
    .push("0.0.0.0/0".into());
  let dir = scratch("catch-all");
  let file = dir.join("tampered.json");
  std::fs::write(&file, doc.to_string()).expect("writable");
  let run = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert!(
    run.stderr.contains(&format!("{name} a /0 prefix")) && run.stderr.contains("tampered"),
    "{}",
    run.stderr
  );
}

// ---------------------------------------------------------------------------------------------
// Hostile strings: the free strings of an IR file (profile, region, flow ids)

const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\")\n10.66.0.0/16\r\n# x\u{2028}+1\u{202E}";

/// The text document's lines that are not comments or blank: each must be a prefix.
fn prefix_lines(text: &str) -> Vec<&str> {
  text
    .lines()
    .filter(|l| !l.starts_with('#') && !l.is_empty())
    .map(|l| l.trim_start_matches(['+', '-', ' ']))
    .collect()
}

#[test]
fn hostile_strings_add_no_prefix_line_and_no_formula() {
  let benign = ir("AzureCloud", &["AzureMachineLearning", "VirtualNetwork"]);
  let mut hostile = benign.clone();
  hostile.profile = HOSTILE.into();
  hostile.region = HOSTILE.into();
  for flow in &mut hostile.flows {
    flow.id = format!("{HOSTILE}{}", flow.id);
  }
  // A download's `cloud` must name the IR's cloud, so it cannot be hostile here.
  let (old, new) = (fixture("public-old.json"), fixture("public-new.json"));
  let benign_e = expand(&benign, &old).expect("expands");
  let benign_c = compare(&benign, &old, &new).expect("compares");
  let e = expand(&hostile, &old).expect("expands");
  let c = compare(&hostile, &old, &new).expect("compares");
  for (what, text, benign_text) in [
    ("prefixes.txt", e.text(), benign_e.text()),
    ("changes.txt", c.text(), benign_c.text()),
  ] {
    assert_eq!(prefix_lines(&text), prefix_lines(&benign_text), "{what}:\n{text}");
    assert_eq!(
      text.lines().count(),
      benign_text.lines().count(),
      "{what}:\n{text}"
    );
    for l in prefix_lines(&text) {
      l.parse::<IpNet>()
        .unwrap_or_else(|_| panic!("{what}: `{l}` is not a prefix"));
    }
    assert!(
      !text.chars().any(|c| c != '\n' && amlnet::syntax::is_hazard(c)),
      "{what}: {text:?}"
    );
  }
  for (what, csv, benign_csv) in [
    ("prefixes.csv", e.csv(), benign_e.csv()),
    ("changes.csv", c.csv(), benign_c.csv()),
  ] {
    let rows = read_csv(&csv);
    assert_eq!(rows.len(), read_csv(&benign_csv).len(), "{what}:\n{csv}");
    for row in &rows {
      assert_eq!(row.len(), rows[0].len(), "{what}: {row:?}");
      for cell in row {
        assert!(
          !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
          "{what}: a spreadsheet runs {cell:?}"
        );
      }
    }
    // The hostile values are kept, only prefixed with `'`.
    assert!(
      rows[1..].iter().all(|r| r[0].starts_with("'=HYPERLINK")),
      "{what}: {rows:?}"
    );
  }
}

/// RFC 4180 rows, read by Python's csv module.
fn read_csv(text: &str) -> Vec<Vec<String>> {
  use std::io::Write as _;
  use std::process::{Command, Stdio};
  let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python3");
  let python = if venv.exists() {
    venv
  } else {
    PathBuf::from("python3")
  };
  let mut child = Command::new(python)
    .args([
      "-c",
      "import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("python3 runs");
  child
    .stdin
    .take()
    .expect("stdin")
    .write_all(text.as_bytes())
    .expect("write");
  let out = child.wait_with_output().expect("python finishes");
  assert!(out.status.success());
  serde_json::from_slice(&out.stdout).expect("rows")
}
