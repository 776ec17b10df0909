//! The real downloads beside the checkout: exact aggregation, the change between the two
//! public files, and the US Government file.

use super::*;

// ---------------------------------------------------------------------------------------------
// The real downloads (when ../shared/data/service-tags is present)

/// The tags an AzureCloud eastus training profile uses, per reference § 6 and § 5.
pub(crate) const EASTUS_TAGS: [&str; 9] = [
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
