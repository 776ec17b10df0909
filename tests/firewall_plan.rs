//! The firewall plan: FQDN flows on non-HTTP ports (covered by a tag rule, FQDN network
//! rules only with `firewall.dns_proxy`, refused otherwise), rule names after the tag a rule
//! really uses, and no rule collection group when the plan holds no rule.

use std::path::{Path, PathBuf};

use amlnet::ir::{Direction, Flow, Ir, Local, Peer, PeerKind, Protocol, Severity};
use amlnet::plan::Plan;
use amlnet::target::firewall::{Destination, NetworkProtocol};
use amlnet::target::Endpoint;

use crate::support::{root, scratch};

fn profile(name: &str) -> PathBuf {
  root().join("profiles").join(format!("{name}.toml"))
}

fn notes_of<'a>(plan: &'a Plan, code: &str) -> Vec<&'a str> {
  plan
    .notes
    .iter()
    .filter(|n| n.code == code)
    .map(|n| n.message.as_str())
    .collect()
}

/// A customer-VNet outbound FQDN flow no catalog entry has.
fn fqdn_flow(protocol: Protocol, port: &str, host: &str, covered_by: &[&str]) -> Flow {
  Flow {
    id: format!("out-{}-{host}", protocol.as_str()),
    direction: Direction::Outbound,
    protocol,
    ports: amlnet::net::PortSet::parse(&[port]).expect("ports"),
    peer: Peer::parse(PeerKind::Fqdn, host).expect("peer"),
    local: Local::VirtualNetwork,
    required: true,
    purpose: "test".to_string(),
    requirements: vec!["test".to_string()],
    sources: vec![],
    triggers: vec![],
    covered_by: covered_by.iter().map(|s| s.to_string()).collect(),
  }
}

/// The IR of a shipped profile with extra flows, and the source map errors point into.
fn lowered_with(name: &str, flows: Vec<Flow>, dns_proxy: bool) -> (Ir, amlnet::diagnostic::SourceMap) {
  let (mut ir, sources) = amlnet::lower_with(&profile(name), amlnet::catalog::get()).expect("lowers");
  ir.flows.extend(flows);
  ir.normalize();
  ir.settings.firewall.dns_proxy = dns_proxy;
  (ir, sources)
}

#[test]
fn tundra_flow_is_covered_by_the_udp_service_tag_rule_and_gets_no_fqdn_rule() {
  for name in [
    "training-no-public-ip",
    "china-training-no-public-ip",
    "usgov-secure-workspace",
  ] {
    let c = amlnet::compile(&profile(name)).expect("compiles");
    let fw = &c.plan.firewall;
    let tundra = c
      .ir
      .flows
      .iter()
      .find(|f| f.peer.text().contains(".tundra.azureml."))
      .unwrap_or_else(|| panic!("{name}: a tundra flow"));
    assert!(
      !fw
        .network
        .rules
        .iter()
        .any(|r| r.destination == Destination::Fqdns(vec![tundra.peer.text().into_owned()])),
      "{name}: the tundra flow is no FQDN network rule"
    );
    let covering = fw
      .network
      .rules
      .iter()
      .find(|r| {
        r.destination == Destination::Addresses(vec![Endpoint::Tag("AzureMachineLearning".into())])
          && r.protocols == [NetworkProtocol::Udp]
      })
      .unwrap_or_else(|| panic!("{name}: an AzureMachineLearning UDP rule"));
    let said = format!("{} udp 5831", tundra.peer.text());
    let notes = notes_of(&c.plan, "AFW008");
    assert!(
      notes
        .iter()
        .any(|n| n.contains(&said) && n.contains(&format!("network rule {} (UDP 5831)", covering.name))),
      "{name}: an info note names the UDP rule that covers {said}: {notes:?}"
    );
    assert!(
      c.plan
        .notes
        .iter()
        .all(|n| n.code != "AFW002" && n.severity != Severity::Error),
      "{name}: no DNS proxy note and no error: {:?}",
      c.plan.notes
    );
  }
}

#[test]
fn coverage_needs_the_same_or_a_broader_protocol_and_every_port() {
  // AzureMachineLearning has a TCP rule (443, 8787, 18881) and a UDP rule (5831): a UDP
  // flow on 443 or a TCP flow on 5831 is covered by neither.
  for flow in [
    fqdn_flow(Protocol::Udp, "443", "udp.example.org", &["AzureMachineLearning"]),
    fqdn_flow(
      Protocol::Tcp,
      "5831",
      "tcp.example.org",
      &["AzureMachineLearning"],
    ),
    fqdn_flow(
      Protocol::Udp,
      "5831-5832",
      "range.example.org",
      &["AzureMachineLearning"],
    ),
  ] {
    let host = flow.peer.text().into_owned();
    let (ir, _) = lowered_with("training-no-public-ip", vec![flow], false);
    let plan = Plan::new(&ir);
    let errors = notes_of(&plan, "AFW007");
    assert!(
      errors.iter().any(|n| n.contains(&host)),
      "{host}: not covered, so refused: {:?}",
      plan.notes
    );
    assert!(
      !notes_of(&plan, "AFW008").iter().any(|n| n.contains(&host)),
      "{host}: no coverage note"
    );
  }
}

#[test]
fn uncovered_fqdn_flow_on_a_non_http_port_is_refused_without_dns_proxy() {
  let (ir, sources) = lowered_with(
    "training-no-public-ip",
    vec![fqdn_flow(Protocol::Udp, "123", "ntp.example.org", &[])],
    false,
  );
  let plan = Plan::new(&ir);
  let refused: Vec<_> = plan
    .notes
    .iter()
    .filter(|n| n.severity == Severity::Error)
    .collect();
  assert_eq!(refused.len(), 1, "{:?}", plan.notes);
  assert_eq!(refused[0].code, "AFW007");
  for said in [
    "ntp.example.org udp 123",
    "firewall.dns_proxy = true",
    "service-tag or IP rule",
  ] {
    assert!(
      refused[0].message.contains(said),
      "{said}: {}",
      refused[0].message
    );
  }
  assert!(!plan
    .firewall
    .network
    .rules
    .iter()
    .any(|r| matches!(&r.destination, Destination::Fqdns(_))));
  match amlnet::plan_and_render(ir, sources) {
    Err(amlnet::error::Error::Profile(e)) => {
      assert!(format!("{e:?}").contains("AFW007"), "{e:?}")
    }
    other => panic!("compile refuses the flow: {:?}", other.map(|c| c.plan.notes)),
  }
}

#[test]
fn dns_proxy_lets_an_uncovered_fqdn_flow_be_a_network_rule_with_a_note() {
  let (ir, sources) = lowered_with(
    "training-no-public-ip",
    vec![fqdn_flow(Protocol::Udp, "123", "ntp.example.org", &[])],
    true,
  );
  let plan = Plan::new(&ir);
  let rule = plan
    .firewall
    .network
    .rules
    .iter()
    .find(|r| r.destination == Destination::Fqdns(vec!["ntp.example.org".into()]))
    .expect("an FQDN network rule");
  assert_eq!(rule.protocols, [NetworkProtocol::Udp]);
  let proxy = notes_of(&plan, "AFW002");
  assert!(
    proxy.len() == 1 && proxy[0].contains("dnsSettings.enableProxy") && proxy[0].contains("ntp.example.org"),
    "{proxy:?}"
  );
  // The tundra flow stays covered by its tag rule, proxy or not.
  assert!(!proxy[0].contains("tundra"), "{proxy:?}");
  assert!(amlnet::plan_and_render(ir, sources).is_ok());
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
  let path = dir.join(name);
  std::fs::write(&path, text).expect("write");
  path
}

#[test]
fn firewall_dns_proxy_is_a_validated_profile_setting_carried_in_the_ir() {
  let dir = scratch("fw-dns-proxy");
  std::fs::create_dir_all(dir.join("base")).expect("mkdir");
  let base = std::fs::read_to_string(root().join("profiles/base/contoso-eastus.toml")).expect("base");
  write(&dir.join("base"), "contoso-eastus.toml", &base);
  let training = std::fs::read_to_string(profile("training-no-public-ip")).expect("profile");
  let on = write(
    &dir,
    "on.toml",
    &format!("{training}\n[firewall]\ndns_proxy = true\n"),
  );
  let ir = amlnet::compile_path(&on).expect("compiles");
  assert!(ir.settings.firewall.dns_proxy);
  let json = serde_json::to_string(&ir).expect("json");
  assert!(json.contains("\"dns_proxy\":true"));

  // Off by default, and then left out of the IR, so IR written before it reads.
  let ir = amlnet::compile_path(&profile("training-no-public-ip")).expect("compiles");
  assert!(!ir.settings.firewall.dns_proxy);
  let json = serde_json::to_string(&ir).expect("json");
  assert!(!json.contains("dns_proxy"));
  let back: Ir = serde_json::from_str(&json).expect("older IR reads");
  assert!(!back.settings.firewall.dns_proxy);

  let bad = write(
    &dir,
    "bad.toml",
    &format!("{training}\n[firewall]\ndns_proxy = \"yes\"\n"),
  );
  let err = amlnet::compile(&bad).expect_err("a string is no bool");
  assert!(format!("{err:?}").contains("dns_proxy"), "{err:?}");
}

#[test]
fn firewall_rules_are_named_after_the_tag_they_use_and_notes_name_those_rules() {
  let c = amlnet::compile(&profile("training-no-public-ip")).expect("compiles");
  let fw = &c.plan.firewall;
  let batch = fw
    .network
    .rules
    .iter()
    .find(|r| r.destination == Destination::Addresses(vec![Endpoint::Tag("BatchNodeManagement".into())]))
    .expect("a BatchNodeManagement rule");
  assert_eq!(batch.name, "Allow-Out-Any-BatchNodeManagement");
  assert!(
    !fw
      .network
      .rules
      .iter()
      .any(|r| r.name.contains("BatchNodeManagement.")),
    "no firewall rule is named after the regional tag it does not use"
  );
  // Every coverage note names a rule the plan really has, with its protocol and ports.
  let names: Vec<String> = fw
    .network
    .rules
    .iter()
    .map(|r| {
      let p: Vec<&str> = r.protocols.iter().map(|p| p.as_str()).collect();
      format!("network rule {} ({} {})", r.name, p.join("/"), r.ports)
    })
    .collect();
  let covered: Vec<&str> = ["AFW001", "AFW008"]
    .iter()
    .flat_map(|code| notes_of(&c.plan, code))
    .collect();
  assert!(covered.len() >= 3, "{covered:?}");
  for note in &covered {
    let by = note
      .split("it is covered by ")
      .nth(1)
      .expect("names what covers it");
    assert!(names.iter().any(|n| n == by), "{note}: {by} is none of {names:?}");
  }
  assert!(covered
    .iter()
    .any(|n| n.contains("*.eastus.batch.azure.com udp 443")
      && n.ends_with("network rule Allow-Out-Any-BatchNodeManagement (Any 443)")));
}

#[test]
fn managed_vnet_only_profile_writes_no_rule_collection_group() {
  let c = amlnet::compile(&profile("online-endpoint-managed-vnet")).expect("compiles");
  assert!(c.plan.firewall.is_empty());
  assert!(
    !c.output.artifacts.iter().any(|a| a.path.starts_with("firewall/")),
    "no firewall artifact"
  );
  let text = |path: &str| {
    &c.output
      .artifacts
      .iter()
      .find(|a| a.path == path)
      .unwrap_or_else(|| panic!("{path}"))
      .contents
  };
  assert!(!text("terraform/main.tf").contains("azurerm_firewall_policy_rule_collection_group"));
  assert!(!text("terraform/variables.tf").contains("firewall_policy_id"));
  assert!(!text("bicep/main.bicep").contains("Microsoft.Network/firewallPolicies"));
  assert!(!text("azcli/deploy.sh").contains("az network firewall"));
  let why = notes_of(&c.plan, "AFW009");
  assert_eq!(why.len(), 1, "{:?}", c.plan.notes);
  assert!(
    c.plan.notes.iter().all(|n| n.code != "AFW006"),
    "no note about rules that are not written"
  );
  // A profile with firewall rules still writes its group everywhere.
  let c = amlnet::compile(&profile("training-no-public-ip")).expect("compiles");
  assert!(c
    .output
    .artifacts
    .iter()
    .any(|a| a.path == "firewall/rule-collection-group.json"));
  assert!(notes_of(&c.plan, "AFW009").is_empty());
}
