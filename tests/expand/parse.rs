//! Parsing ServiceTags files: downloads, API output, every cloud name, refusals.

use super::*;

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
