//! Tag lookup and expansion, the renderings and the atomic write, and `--against`.

use super::*;

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

pub(crate) fn ir_with(tag: &str) -> Ir {
  ir("AzureCloud", &[tag])
}
