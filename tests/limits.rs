//! Bounded input and scale: files that are not profiles fail at once, oversized files and
//! `extends` targets are refused, a profile with 10,000 subnets and 10,000 computes
//! compiles (timed by the benchmark, never here), and the warnings of values that allow
//! everything are reported.

use crate::support::{amlnet, scratch};

/// A VNet of 10,000 /28 subnets in 10.0.0.0/8 and one compute instance in each.
#[path = "shared/large_profile.rs"]
mod large;
use large::large_profile;

#[test]
fn ten_thousand_subnets_and_computes_compile() {
  let dir = scratch("large");
  let file = dir.join("large.toml");
  std::fs::write(&file, large_profile(10_000)).expect("writable");
  let ir = amlnet::compile_path(&file).unwrap_or_else(|e| panic!("{e}"));
  assert!(!ir.flows.is_empty());
}

#[test]
fn a_device_is_not_read() {
  let run = amlnet(&["compile", "/dev/zero"]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(
    run.stderr.contains("error[AML005]") && run.stderr.contains("not a regular file"),
    "{}",
    run.stderr
  );
}

#[test]
fn a_directory_is_not_read() {
  let run = amlnet(&["compile", "profiles"]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains("error[AML005]"), "{}", run.stderr);
}

#[test]
fn a_profile_over_one_mebibyte_is_refused() {
  let dir = scratch("oversize");
  let file = dir.join("huge.toml");
  let mut text = String::from("cloud = \"AzureCloud\"\n");
  text.push_str(&"# padding\n".repeat(110_000));
  std::fs::write(&file, text).expect("writable");
  let err = amlnet::compile_path(&file).expect_err("refused").to_string();
  assert!(err.contains("error[AML005]") && err.contains("1024 KiB"), "{err}");
}

#[test]
fn extends_a_symlink_to_a_device_is_refused() {
  let dir = scratch("extends-dev");
  std::os::unix::fs::symlink("/dev/zero", dir.join("base.toml")).expect("symlink");
  let file = dir.join("p.toml");
  std::fs::write(&file, "extends = \"base.toml\"\n").expect("writable");
  let err = amlnet::compile_path(&file).expect_err("refused").to_string();
  assert!(
    err.contains("error[AML006]") && err.contains("not a regular file"),
    "{err}"
  );
}

#[test]
fn firewall_sources_that_allow_everything_are_warnings() {
  let dir = scratch("fw-all");
  let file = dir.join("p.toml");
  std::fs::write(
    &file,
    "cloud = \"AzureCloud\"\nregion = \"eastus\"\n[workspace]\nname = \"mlw\"\n\
     id = \"0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b\"\n[network]\naddress_space = [\"10.0.0.0/16\"]\n\
     [firewall]\nsource_addresses = [\"*\", \"0.0.0.0/0\"]\n\
     [managed_network]\nisolation_mode = \"allow_internet_outbound\"\nfirewall_sku = \"basic\"\n",
  )
  .expect("writable");
  let ir = amlnet::compile_path(&file).unwrap_or_else(|e| panic!("{e}"));
  let codes: Vec<(&str, &str)> = ir
    .diagnostics
    .iter()
    .map(|d| (d.code.as_str(), d.location.as_str()))
    .collect();
  let warned = |code: &str, at: &str| codes.iter().any(|(c, l)| *c == code && l.ends_with(at));
  assert!(warned("AML031", "p.toml:9:21"), "{codes:?}");
  assert!(warned("AML031", "p.toml:9:26"), "{codes:?}");
  assert!(warned("AML033", "p.toml:12:16"), "{codes:?}");
}
