//! End-to-end runs of the binary: compile summary and JSON shape, explain, --out layout.

use crate::support::{amlnet, scratch};

#[test]
fn json_output_has_the_documented_keys() {
  let run = amlnet(&[
    "compile",
    "profiles/training-no-public-ip.toml",
    "--format",
    "json",
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
  for key in [
    "profile",
    "cloud",
    "region",
    "amlnet_version",
    "catalog_version",
    "flows",
    "dns_records",
    "diagnostics",
  ] {
    assert!(v.get(key).is_some(), "missing {key}");
  }
  let flow = &v["flows"][0];
  for key in [
    "id",
    "direction",
    "protocol",
    "ports",
    "peer",
    "peer_kind",
    "required",
    "sources",
  ] {
    assert!(flow.get(key).is_some(), "flow is missing {key}");
  }
  assert!(v["dns_records"][0].get("zone").is_some() && v["dns_records"][0].get("type").is_some());
}

#[test]
fn explain_answers_for_every_emitted_flow_and_record() {
  for path in crate::support::shipped_profiles() {
    let ir = amlnet::compile_path(&path).expect("compiles");
    for f in &ir.flows {
      let text = amlnet::explain::explain(&ir, Some(&f.id)).expect("explains");
      assert!(
        text.contains("source: ") && text.contains("catalog "),
        "{}: {}",
        f.id,
        text
      );
    }
    for r in &ir.dns_records {
      assert!(amlnet::explain::explain(&ir, Some(&r.name)).is_ok(), "{}", r.name);
    }
  }
}

#[test]
fn explain_shows_triggers_sources_and_choices() {
  let run = amlnet(&["explain", "profiles/registry-public.toml", "AzureMachineLearning"]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert!(
    run
      .stdout
      .contains("triggered by: registry_public: registry `contoso-shared`"),
    "{}",
    run.stdout
  );
  assert!(run.stdout.contains("choice registry-port-877"), "{}", run.stdout);
  assert!(
    run
      .stdout
      .contains("seeds/002_32c0e97c5d985201.txt § Outbound network configuration"),
    "{}",
    run.stdout
  );
  let missing = amlnet(&["explain", "profiles/registry-public.toml", "AzureMachineLearnin"]);
  assert_eq!(missing.code, 2);
  assert!(
    missing.stderr.contains("did you mean `AzureMachineLearning`"),
    "{}",
    missing.stderr
  );
}

#[test]
fn out_directory_holds_every_artifact_and_a_manifest() {
  let out = scratch("layout").join("out");
  let run = amlnet(&[
    "compile",
    "profiles/secure-workspace.toml",
    "--out",
    &out.to_string_lossy(),
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  for f in [
    "ir.json",
    "manifest.json",
    "nsg/nsg.json",
    "firewall/rule-collection-group.json",
    "fqdn/allowlist.txt",
    "fqdn/allowlist.csv",
    "private-dns/private-dns.json",
    "private-dns/records.json",
  ] {
    assert!(out.join(f).is_file(), "{f}");
  }
  let nsg: serde_json::Value =
    serde_json::from_str(&std::fs::read_to_string(out.join("nsg/nsg.json")).expect("written")).expect("JSON");
  let rules = nsg["resources"][0]["properties"]["securityRules"]
    .as_array()
    .expect("rules");
  let deny = rules
    .iter()
    .find(|r| r["properties"]["access"] == "Deny")
    .expect("deny rule");
  assert_eq!(deny["properties"]["priority"], 4096);
  let mut priorities: Vec<(String, u64)> = rules
    .iter()
    .map(|r| {
      (
        r["properties"]["direction"].as_str().unwrap_or("").to_string(),
        r["properties"]["priority"].as_u64().unwrap_or(0),
      )
    })
    .collect();
  let n = priorities.len();
  priorities.sort();
  priorities.dedup();
  assert_eq!(priorities.len(), n, "priorities unique per direction");
  for r in rules {
    let name = r["name"].as_str().expect("name");
    assert!(
      name.len() <= 80
        && name
          .chars()
          .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
      "{name}"
    );
    let p = &r["properties"];
    assert!(!(p.get("destinationPortRange").is_some() && p.get("destinationPortRanges").is_some()));
    assert!(
      !p["destinationAddressPrefix"].as_str().unwrap_or("").contains('*')
        || p["destinationAddressPrefix"] == "*"
    );
  }
  assert!(run.stdout.contains("wrote") && run.stdout.contains("flows"));
}

/// An Any-protocol FQDN flow on 443 and another port: TCP 443 goes to an application rule,
/// and the network rule keeps both the other port and the UDP half of 443.
#[test]
fn firewall_plan_keeps_the_udp_half_of_an_any_protocol_fqdn_flow() {
  let mut ir =
    amlnet::compile_path(std::path::Path::new("profiles/training-no-public-ip.toml")).expect("compiles");
  let flow = ir
    .flows
    .iter_mut()
    .find(|f| f.id == "out-any-*.eastus.batch.azure.com")
    .expect("batch flow");
  flow.peer = amlnet::ir::Peer::Fqdn("batch.example.net".into());
  flow.ports = amlnet::net::PortSet::parse(&["443", "8787"]).expect("ports");
  let plan = amlnet::plan::Plan::new(&ir).firewall;
  let app = plan
    .application
    .rules
    .iter()
    .find(|r| r.target_fqdns == ["batch.example.net"])
    .expect("application rule");
  assert_eq!(
    app.protocols,
    [(amlnet::target::firewall::AppProtocol::Https, 443)]
  );
  let net = plan
    .network
    .rules
    .iter()
    .find(|r| r.destination == amlnet::target::firewall::Destination::Fqdns(vec!["batch.example.net".into()]))
    .expect("network rule");
  assert_eq!(net.protocols, [amlnet::target::firewall::NetworkProtocol::Any]);
  assert_eq!(net.ports, ["443", "8787"]);
}
