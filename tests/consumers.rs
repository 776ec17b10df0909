//! The real consumers of the deployment artifacts accept them, for every shipped and test
//! profile: azure-ai-ml loads `managed-network/workspace.yml` to exactly the plan's rules (its
//! schema drops some unknown keys silently, so the rules are compared, not just loaded), and
//! the Azure CLI parses every core call of `azcli/deploy.sh` up to its login check (see
//! tests/consumers_azcli.rs). The independent parsers of tests/checkers.rs stay as they are.

use std::path::{Path, PathBuf};
use std::process::Command;

use amlnet::backend::{Output, Target};
use amlnet::ir::{Direction, Ir, IsolationMode, ManagedNetworkSettings, PeerKind, Protocol};
use amlnet::plan::Plan;
use amlnet::target::managed::{Destination, ManagedNetwork};
use serde_json::{json, Value};

use crate::checkers::flow;
use crate::support::{every_profile, root, scratch, stem};

/// `allow_only_approved_outbound` as the REST API spells it: `AllowOnlyApprovedOutbound`.
fn camel(snake: &str) -> String {
  snake
    .split('_')
    .map(|w| {
      let mut c = w.chars();
      c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
    })
    .collect()
}

/// What the SDK must send for a planned managed network, in check_managed_network_sdk.py's
/// form: every rule with its type and destination fields, sorted by name.
fn expected(m: &ManagedNetwork) -> Value {
  let mut rules: Vec<Value> = m
    .rules
    .iter()
    .map(|r| {
      let mut v = json!({"name": r.name, "category": "UserDefined"});
      let fields = match &r.destination {
        Destination::Fqdn(fqdn) => json!({"type": "FQDN", "fqdn": fqdn}),
        Destination::ServiceTag { tag, protocol, ports } => json!({
          "type": "ServiceTag",
          "service_tag": tag,
          "protocol": protocol.as_str(),
          "port_ranges": ports.to_string(),
        }),
        Destination::PrivateEndpoint {
          resource_id,
          subresource,
        } => json!({
          "type": "PrivateEndpoint",
          "service_resource_id": resource_id,
          "subresource_target": subresource,
          "spark_enabled": false,
        }),
      };
      for (k, x) in fields.as_object().expect("an object") {
        v[k] = x.clone();
      }
      v
    })
    .collect();
  rules.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
  json!({
    "workspace": m.workspace,
    "location": m.location,
    "isolation_mode": camel(m.isolation_mode.as_str()),
    // Without a SKU in the YAML the SDK (and the service) take Standard.
    "firewall_sku": camel(m.firewall_sku.as_deref().unwrap_or("standard")),
    "rules": rules,
  })
}

/// Every service-tag and FQDN rule the SDK sends is a managed outbound flow of the IR with that
/// peer (and, for a tag, protocol and ports); every private-endpoint rule names a resource of
/// the IR's DNS records. Returns what does not trace.
fn untraced(ir: &Ir, sdk: &Value) -> Vec<String> {
  let managed: Vec<_> = ir
    .flows
    .iter()
    .filter(|f| f.is_managed() && f.direction == Direction::Outbound)
    .collect();
  let mut problems = Vec::new();
  for r in sdk["rules"].as_array().into_iter().flatten() {
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
    let traced = match r["type"].as_str() {
      Some("FQDN") => managed
        .iter()
        .any(|f| f.peer_kind() == PeerKind::Fqdn && f.peer.to_string() == s("fqdn")),
      Some("ServiceTag") => managed.iter().any(|f| {
        let proto = match f.protocol {
          Protocol::Tcp => "TCP",
          Protocol::Udp => "UDP",
          Protocol::Any => "*",
        };
        f.peer_kind() == PeerKind::ServiceTag
          && f.peer.to_string() == s("service_tag")
          && proto == s("protocol")
          && f.ports.to_string() == s("port_ranges")
      }),
      Some("PrivateEndpoint") => ir.dns_records.iter().any(|d| {
        d.endpoint.as_ref().is_some_and(|e| {
          e.subresource == s("subresource_target") && s("service_resource_id").contains(&e.provider)
        })
      }),
      _ => false,
    };
    if !traced {
      problems.push(format!("rule {r} is no flow or record of the IR"));
    }
  }
  problems
}

/// The YAML of an IR's plan, written to a scratch file; None without a managed network.
fn write_yaml(ir: &Ir, dir: &Path, name: &str) -> Option<(PathBuf, ManagedNetwork)> {
  let plan = Plan::new(ir);
  let managed = plan.managed.clone()?;
  let mut out = Output {
    artifacts: Vec::new(),
    notes: Vec::new(),
  };
  Target::ManagedNetwork.render(ir, &plan, &mut out);
  let yaml = out
    .artifacts
    .iter()
    .find(|a| a.path == "managed-network/workspace.yml")
    .expect("a managed network gets its YAML");
  let file = dir.join(format!("{name}.yml"));
  std::fs::write(&file, &yaml.contents).expect("scratch writable");
  Some((file, managed))
}

/// Runs scripts/check_managed_network_sdk.py over `files` in one process; file → report.
fn load_with_sdk(files: &[&Path]) -> Value {
  let python = crate::support::python();
  let out = Command::new(&python)
    .arg(root().join("scripts/check_managed_network_sdk.py"))
    .args(files)
    .output()
    .unwrap_or_else(|e| panic!("{} runs (run `make deps`): {e}", python.display()));
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert_ne!(
    out.status.code(),
    Some(3),
    "azure-ai-ml is missing from .venv: run `make deps`\n{stderr}"
  );
  serde_json::from_slice(&out.stdout)
    .unwrap_or_else(|e| panic!("the SDK checker prints JSON ({e}):\n{stderr}"))
}

/// Differences between what the SDK sends for `file` and the plan and IR; empty when they agree.
fn mismatches(report: &Value, file: &Path, ir: &Ir, managed: &ManagedNetwork) -> Vec<String> {
  let sdk = &report[file.to_string_lossy().as_ref()];
  if let Some(e) = sdk.get("error") {
    return vec![format!("the SDK refuses the file: {e}")];
  }
  let want = expected(managed);
  let mut problems = Vec::new();
  if *sdk != want {
    problems.push(format!(
      "the SDK sends\n{}\nbut the plan has\n{}",
      serde_json::to_string_pretty(sdk).expect("json"),
      serde_json::to_string_pretty(&want).expect("json")
    ));
  }
  problems.extend(untraced(ir, sdk));
  problems
}

/// The managed VNet profile with service-tag rules of every protocol, a port range and the Basic
/// firewall SKU, which no shipped profile has: the SDK's service-tag path is loaded too.
fn with_service_tags() -> Ir {
  let path = root().join("profiles/online-endpoint-managed-vnet.toml");
  let mut ir = amlnet::compile_path(&path).expect("compiles");
  for (id, protocol, ports, tag) in [
    (
      "out-tcp-Storage",
      Protocol::Tcp,
      &["443", "8080-8090"][..],
      "Storage",
    ),
    ("out-udp-Sql.EastUS", Protocol::Udp, &["1433"][..], "Sql.EastUS"),
    (
      "out-any-AzureKeyVault",
      Protocol::Any,
      &["0-65535"][..],
      "AzureKeyVault",
    ),
  ] {
    ir.flows.push(flow(
      id,
      Direction::Outbound,
      protocol,
      ports,
      tag,
      PeerKind::ServiceTag,
    ));
  }
  ir.settings.managed_network = Some(ManagedNetworkSettings {
    isolation_mode: IsolationMode::AllowOnlyApprovedOutbound,
    storage_suffix: "core.windows.net".into(),
    firewall_sku: Some("basic".into()),
  });
  ir.normalize();
  ir
}

#[test]
fn managed_network_yaml_loads_in_azure_ai_ml_to_exactly_the_planned_rules() {
  let dir = scratch("mnv-sdk");
  let mut cases: Vec<(String, Ir, PathBuf, ManagedNetwork)> = Vec::new();
  for path in every_profile() {
    let ir = amlnet::compile_path(&path).expect("compiles");
    if let Some((file, managed)) = write_yaml(&ir, &dir, &stem(&path)) {
      cases.push((stem(&path), ir, file, managed));
    }
  }
  assert!(cases.len() >= 3, "the managed VNet profiles emit the YAML");
  let ir = with_service_tags();
  let (file, managed) = write_yaml(&ir, &dir, "service-tags").expect("YAML");
  assert!(
    managed
      .rules
      .iter()
      .filter(|r| matches!(r.destination, Destination::ServiceTag { .. }))
      .count()
      == 3,
    "the three service-tag flows are rules"
  );
  cases.push(("service-tags".into(), ir, file, managed));
  let files: Vec<&Path> = cases.iter().map(|c| c.2.as_path()).collect();
  let report = load_with_sdk(&files);
  let mut kinds = std::collections::BTreeSet::new();
  for (name, ir, file, managed) in &cases {
    let problems = mismatches(&report, file, ir, managed);
    assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    for r in report[file.to_string_lossy().as_ref()]["rules"]
      .as_array()
      .expect("rules")
    {
      kinds.insert(r["type"].as_str().unwrap_or_default().to_string());
    }
  }
  assert_eq!(
    kinds.into_iter().collect::<Vec<_>>(),
    ["FQDN", "PrivateEndpoint", "ServiceTag"],
    "every rule type went through the SDK"
  );
}

/// Broken copies of a good YAML: each must fail the comparison above. Some the schema refuses,
/// some it drops without a word (a key misspelled beside `isolation_mode`). A misspelled rule
/// `type` is dropped too, but the SDK then guesses the type from the destination's fields and
/// sends the same rule, so it is no break.
#[test]
fn azure_ai_ml_comparison_catches_misspelled_keys_the_schema_refuses_or_drops() {
  let dir = scratch("mnv-sdk-broken");
  let ir = with_service_tags();
  let (good, managed) = write_yaml(&ir, &dir, "good").expect("YAML");
  let text = std::fs::read_to_string(&good).expect("readable");
  let breaks = [
    // Dropped silently: the SDK sends its default SKU, Standard.
    ("firewall_sku:", "firewall_skuu:"),
    // Dropped silently: no rules at all.
    ("outbound_rules:", "outbound_rulez:"),
    // Refused (a KeyError inside the SDK, not a schema message).
    ("isolation_mode:", "isolaton_mode:"),
    // Refused: unknown key in a destination.
    ("protocol:", "protocl:"),
    // Refused: unknown top-level key.
    ("location:", "locaton:"),
    // Two rules of one name: the SDK keeps one (rules are a map by name).
    (
      "allow-out-tcp-pypi-org",
      "allow-out-tcp-wildcard-pythonhosted-org",
    ),
  ];
  let mut files = vec![good.clone()];
  for (i, (from, to)) in breaks.iter().enumerate() {
    assert!(text.contains(from), "{from} is in the YAML");
    let file = dir.join(format!("broken-{i}.yml"));
    std::fs::write(&file, text.replacen(from, to, 1)).expect("writable");
    files.push(file);
  }
  let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
  let report = load_with_sdk(&refs);
  assert_eq!(mismatches(&report, &good, &ir, &managed), Vec::<String>::new());
  for (file, (from, to)) in files[1..].iter().zip(breaks) {
    assert!(
      !mismatches(&report, file, &ir, &managed).is_empty(),
      "{from} → {to} is caught"
    );
  }
}
