//! `amlnet diff` golden snapshots (golden/diff/release-*) of realistic release pairs in text,
//! Markdown and JSON: each against training-no-public-ip (the deny pair against its own old
//! side), from the profiles in tests/fixtures/ir/releases/. The catalog upgrade pair is
//! `diff::ir_from_two_catalog_versions`.

use crate::diff::snapshot_all_formats;

const BASE: &str = "profiles/training-no-public-ip.toml";

fn release(name: &str) -> String {
  format!("tests/fixtures/ir/releases/{name}.toml")
}

/// A new package repository: one application rule, one firewall access change.
#[test]
fn release_new_package_repository() {
  snapshot_all_formats(
    "release-new-package-repository",
    BASE,
    &release("new-package-repository"),
    1,
  );
}

/// A region move: regional service tags and every regional DNS name change.
#[test]
fn release_region_move() {
  snapshot_all_formats("release-region-move", BASE, &release("region-move"), 1);
}

/// A compute instance gains a public IP: inbound NSG rules open, and the backend's route
/// warning (NSG004) reaches the diff.
#[test]
fn release_compute_gains_a_public_ip() {
  snapshot_all_formats(
    "release-compute-public-ip",
    BASE,
    &release("compute-public-ip"),
    1,
  );
}

/// The final deny removed: all internet egress the NSG denied is open.
#[test]
fn release_deny_rule_removed() {
  snapshot_all_formats(
    "release-deny-removed",
    &release("deny-internet"),
    &release("deny-removed"),
    1,
  );
}

/// The firewall source widened from 10.20.0.0/24 to 10.0.0.0/8.
#[test]
fn release_firewall_source_widened() {
  snapshot_all_formats(
    "release-firewall-source-widened",
    BASE,
    &release("firewall-source-widened"),
    1,
  );
}

/// A private endpoint's address changes: one DNS answer moves.
#[test]
fn release_private_endpoint_ip_changed() {
  snapshot_all_formats(
    "release-private-endpoint-ip",
    BASE,
    &release("private-endpoint-ip"),
    1,
  );
}

/// The note the plan raises when a compute behind the firewall gains a public IP (AFW003:
/// inbound flows stay with the NSG and its route table, a plan note, not an IR diagnostic)
/// reaches the diff, matched by code and message.
#[test]
fn plan_notes_reach_the_diff() {
  let run = crate::support::amlnet(&["diff", BASE, &release("compute-public-ip"), "--format", "json"]);
  let d: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
  let added = d["diagnostics"]["added"].as_array().expect("a list");
  assert!(
    added
      .iter()
      .any(|n| n["code"] == "AFW003" && n["severity"] == "info"),
    "{added:?}"
  );
  // The same notes on both sides are no change.
  let same = crate::support::amlnet(&["diff", BASE, BASE, "--format", "json"]);
  let d: serde_json::Value = serde_json::from_str(&same.stdout).expect("JSON");
  assert_eq!(d["diagnostics"]["added"], serde_json::json!([]));
}
