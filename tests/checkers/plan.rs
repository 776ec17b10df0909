//! What the plan says once (notes), the managed-network YAML it writes, rule names and the
//! rules table.

use super::*;

/// Every format renders one plan, so each plan note (NSG, firewall, managed network) is said
/// exactly once per compile, and no backend adds a plan note of its own.
#[test]
fn plan_notes_are_said_once_and_only_by_the_plan() {
  for path in crate::support::every_profile() {
    let c = amlnet::compile(&path).expect("compiles");
    let mut seen = std::collections::BTreeSet::new();
    for n in &c.output.notes {
      assert!(
        seen.insert((&n.code, &n.message)),
        "{}: {} said twice",
        stem(&path),
        n.code
      );
    }
    for t in Target::ALL {
      let mut out = Output::default();
      t.render(&c.ir, &c.plan, &mut out);
      for n in &out.notes {
        assert!(
          !["NSG", "AFW", "MNV", "PLAN"]
            .iter()
            .any(|p| n.code.starts_with(p)),
          "{}: backend {} gives plan note {} itself",
          stem(&path),
          t.name(),
          n.code
        );
      }
    }
    assert!(
      c.plan.notes.iter().all(|n| c.output.notes.contains(n)),
      "{}: the compile reports every plan note",
      stem(&path)
    );
  }
}

// ---------------------------------------------------------------------------------------
// Managed network YAML.

pub(crate) fn yaml_of(ir: &Ir) -> (Option<Value>, Output) {
  // The managed-network notes are the plan's; the backend only writes the YAML.
  let plan = Plan::new(ir);
  let notes = plan
    .notes
    .iter()
    .filter(|n| n.code.starts_with("MNV"))
    .cloned()
    .collect();
  let mut out = Output {
    artifacts: Vec::new(),
    notes,
  };
  Target::ManagedNetwork.render(ir, &plan, &mut out);
  let Some(a) = out
    .artifacts
    .iter()
    .find(|a| a.path == "managed-network/workspace.yml")
  else {
    return (None, out);
  };
  assert!(
    a.contents
      .starts_with(&amlnet::syntax::stamp(ir, amlnet::syntax::Syntax::Yaml)),
    "the stamp opens the file"
  );
  let dir = scratch("mnv");
  let file = dir.join("workspace.yml");
  std::fs::write(&file, &a.contents).expect("writable");
  let report = checked("check_managed_network.py", &[file]);
  (Some(report["document"].clone()), out)
}

pub(crate) fn rules_of<'a>(doc: &'a Value, kind: &str) -> Vec<&'a Value> {
  doc["managed_network"]["outbound_rules"]
    .as_array()
    .expect("outbound_rules")
    .iter()
    .filter(|r| r["type"] == kind)
    .collect()
}

pub(crate) fn noted(out: &Output, code: &str, id: &str) -> bool {
  out.notes.iter().any(|n| n.code == code && n.message.contains(id))
}

#[test]
fn managed_network_yaml_parses_and_carries_every_flow_or_a_note() {
  let mut managed = 0;
  for path in crate::support::every_profile() {
    let ir = amlnet::compile_path(&path).expect("compiles");
    let (doc, out) = yaml_of(&ir);
    let mode = ir
      .settings
      .managed_network
      .as_ref()
      .map(|m| m.isolation_mode.as_str())
      .filter(|m| *m != "disabled");
    let Some(mode) = mode else {
      assert!(
        doc.is_none(),
        "{}: no managed VNet, no workspace YAML",
        stem(&path)
      );
      continue;
    };
    managed += 1;
    let doc = doc.expect("a managed VNet profile gets the YAML");
    assert_eq!(doc["managed_network"]["isolation_mode"], mode);
    assert_eq!(doc["name"], Value::String(ir.settings.workspace_name.clone()));
    let fqdns: Vec<String> = rules_of(&doc, "fqdn")
      .iter()
      .map(|r| text(&r["destination"]))
      .collect();
    let tags: Vec<(String, String, String)> = rules_of(&doc, "service_tag")
      .iter()
      .map(|r| {
        (
          text(&r["destination"]["service_tag"]),
          text(&r["destination"]["protocol"]),
          text(&r["destination"]["port_ranges"]),
        )
      })
      .collect();
    // Flows of the customer VNet are NSG and firewall rules; the managed network carries the rest.
    for f in ir
      .flows
      .iter()
      .filter(|f| f.local == amlnet::ir::Local::ManagedVNet)
    {
      let accounted = match (f.direction, f.peer_kind()) {
        (Direction::Inbound, _) => noted(&out, "MNV006", &f.id),
        (_, PeerKind::Cidr) => noted(&out, "MNV005", &f.id),
        (_, PeerKind::Fqdn) => {
          fqdns.contains(&f.peer.to_string())
            || noted(&out, "MNV002", &f.id)
            || noted(&out, "MNV003", &f.id)
            || noted(&out, "MNV004", &f.id)
        }
        (_, PeerKind::ServiceTag) => {
          let proto = match f.protocol {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Any => "*",
          };
          tags.contains(&(f.peer.to_string(), proto.to_string(), f.ports.to_string()))
            || noted(&out, "MNV004", &f.id)
            || noted(&out, "MNV009", &f.id)
        }
      };
      assert!(
        accounted,
        "{}: flow {} is a rule or named in a note",
        stem(&path),
        f.id
      );
    }
    let pes = rules_of(&doc, "private_endpoint");
    for pe in &pes {
      let id = text(&pe["destination"]["service_resource_id"]);
      assert!(
        id.starts_with("/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/"),
        "{id}"
      );
    }
    assert!(pes.is_empty() || noted(&out, "MNV007", &format!("{} private_endpoint rules", pes.len())));
    for r in ir.dns_records.iter().filter(|r| {
      r.resource.starts_with("storage_") || r.resource == "key_vault" || r.resource.starts_with("acr_")
    }) {
      let name = r.name.split('.').next().expect("a label");
      let endpoint = r.endpoint.as_ref().expect("records name their endpoint");
      if endpoint.created_by_azure {
        // Azure's own required rule: named in the note, not repeated (MNV009).
        let named = format!("private endpoint {name} ({})", endpoint.subresource);
        assert!(
          noted(&out, "MNV009", &named),
          "{}: {named} in MNV009",
          stem(&path)
        );
        continue;
      }
      assert!(
        pes
          .iter()
          .any(|pe| text(&pe["destination"]["service_resource_id"]).ends_with(&format!("/{name}"))),
        "{}: {name} has a rule",
        stem(&path)
      );
    }
  }
  assert!(managed >= 1, "a shipped profile uses a managed VNet");
}

pub(crate) fn flow(
  id: &str,
  direction: Direction,
  protocol: Protocol,
  ports: &[&str],
  peer: &str,
  kind: PeerKind,
) -> Flow {
  Flow {
    id: id.to_string(),
    direction,
    protocol,
    ports: amlnet::net::PortSet::parse(ports).expect("ports"),
    peer: amlnet::ir::Peer::parse(kind, peer).expect("peer"),
    local: amlnet::ir::Local::ManagedVNet,
    required: true,
    purpose: "test".to_string(),
    requirements: vec!["test".to_string()],
    sources: vec![],
    triggers: vec![],
    covered_by: vec![],
  }
}

#[test]
fn managed_network_refuses_what_it_cannot_express_in_notes() {
  let path = shipped_profiles()
    .into_iter()
    .find(|p| stem(p) == "online-endpoint-managed-vnet")
    .expect("the managed VNet profile");
  let mut ir = amlnet::compile_path(&path).expect("compiles");
  ir.flows.extend([
    flow(
      "out-tcp-files.example.org",
      Direction::Outbound,
      Protocol::Tcp,
      &["443", "8080"],
      "files.example.org",
      PeerKind::Fqdn,
    ),
    flow(
      "out-any-*.cdn.example.org",
      Direction::Outbound,
      Protocol::Any,
      &["443"],
      "*.cdn.example.org",
      PeerKind::Fqdn,
    ),
    flow(
      "out-udp-ntp.example.org",
      Direction::Outbound,
      Protocol::Udp,
      &["123"],
      "ntp.example.org",
      PeerKind::Fqdn,
    ),
    flow(
      "out-tcp-acct.blob.core.windows.net",
      Direction::Outbound,
      Protocol::Tcp,
      &["443"],
      "acct.blob.core.windows.net",
      PeerKind::Fqdn,
    ),
    flow(
      "in-tcp-AzureMachineLearning",
      Direction::Inbound,
      Protocol::Tcp,
      &["44224"],
      "AzureMachineLearning",
      PeerKind::ServiceTag,
    ),
  ]);
  ir.normalize();
  let (doc, out) = yaml_of(&ir);
  let doc = doc.expect("YAML");
  let fqdns: Vec<String> = rules_of(&doc, "fqdn")
    .iter()
    .map(|r| text(&r["destination"]))
    .collect();
  assert!(
    fqdns.contains(&"files.example.org".to_string()) && fqdns.contains(&"*.cdn.example.org".to_string())
  );
  assert!(!fqdns
    .iter()
    .any(|f| f == "ntp.example.org" || f == "acct.blob.core.windows.net"));
  assert!(
    noted(&out, "MNV002", "out-tcp-files.example.org (tcp 8080)"),
    "{:#?}",
    out.notes
  );
  assert!(noted(&out, "MNV002", "out-any-*.cdn.example.org (udp 443)"));
  assert!(noted(&out, "MNV002", "out-udp-ntp.example.org (udp 123)"));
  assert!(noted(&out, "MNV003", "out-tcp-acct.blob.core.windows.net"));
  assert!(noted(&out, "MNV006", "in-tcp-AzureMachineLearning"));

  ir.settings.managed_network = Some(ManagedNetworkSettings {
    isolation_mode: amlnet::ir::IsolationMode::AllowInternetOutbound,
    storage_suffix: "core.windows.net".into(),
    firewall_sku: None,
  });
  let (doc, out) = yaml_of(&ir);
  let doc = doc.expect("YAML");
  assert!(
    rules_of(&doc, "fqdn").is_empty() && rules_of(&doc, "service_tag").is_empty(),
    "only private_endpoint rules in {doc}"
  );
  // The profile's endpoints are all Azure's required ones: named, not repeated.
  assert!(rules_of(&doc, "private_endpoint").is_empty());
  assert!(noted(&out, "MNV009", "private endpoint stcontososerving (blob)"));
  for f in ir
    .flows
    .iter()
    // Customer-VNet flows (the clients' rule to the private endpoints) are no managed rule.
    .filter(|f| f.is_managed() && f.direction == Direction::Outbound && f.peer_kind() != PeerKind::Cidr)
  {
    assert!(
      noted(&out, "MNV004", &f.id),
      "{} refused under allow_internet_outbound",
      f.id
    );
  }

  for none in [
    Some(ManagedNetworkSettings {
      isolation_mode: amlnet::ir::IsolationMode::Disabled,
      storage_suffix: "core.windows.net".into(),
      firewall_sku: None,
    }),
    None,
  ] {
    ir.settings.managed_network = none;
    let (doc, out) = yaml_of(&ir);
    assert!(
      doc.is_none() && out.notes.is_empty(),
      "no managed VNet: nothing written, nothing to say"
    );
  }
  // An isolation mode the YAML does not know cannot reach the backend: reading the IR refuses it.
  ir.settings.managed_network = Some(ManagedNetworkSettings {
    isolation_mode: amlnet::ir::IsolationMode::AllowInternetOutbound,
    storage_suffix: "core.windows.net".into(),
    firewall_sku: None,
  });
  assert!(
    serde_json::from_str::<Ir>(&ir.to_json()).is_ok(),
    "the IR reads back"
  );
  let json = ir
    .to_json()
    .replace("\"allow_internet_outbound\"", "\"approved\"");
  assert!(
    serde_json::from_str::<Ir>(&json).is_err(),
    "unknown isolation_mode is refused"
  );
}

#[test]
fn managed_network_checker_rejects_a_malformed_rule() {
  let dir = scratch("mnv-bad");
  let file = dir.join("workspace.yml");
  std::fs::write(
    &file,
    "name: ws\nmanaged_network:\n  isolation_mode: allow_internet_outbound\n  outbound_rules:\n    - name: a\n      type: service_tag\n      destination:\n        service_tag: Storage\n        protocol: TCP\n        port_ranges: [443]\n",
  )
  .expect("writable");
  let py = python("check_managed_network.py", &[file]);
  assert_eq!(py.code, 1);
  assert!(
    py.stdout.contains("not valid under allow_internet_outbound") && py.stdout.contains("must be one string"),
    "{}",
    py.stdout
  );
}

/// `managed_network.firewall_sku` is written into the workspace YAML (it used to be accepted
/// and ignored), and the YAML still passes its checker.
#[test]
fn managed_network_firewall_sku_reaches_the_yaml() {
  let file = crate::support::extending(
    "online-endpoint-managed-vnet",
    "mnv-sku",
    "[managed_network]\nisolation_mode = \"allow_only_approved_outbound\"\nfirewall_sku = \"basic\"\n",
  );
  let ir = amlnet::compile_path(&file).unwrap_or_else(|e| panic!("{e}"));
  let (doc, _) = yaml_of(&ir);
  assert_eq!(doc.expect("YAML")["managed_network"]["firewall_sku"], "basic");
}

/// Rule names are unique in each target even when two peers differ only past the 80-character
/// name limit (Azure refuses duplicate names): the second gets `-2`.
#[test]
fn rule_names_are_unique_when_peers_differ_past_the_limit() {
  let mut ir = amlnet::compile_path(&root().join("profiles/training-no-public-ip.toml")).expect("compiles");
  let long = format!("{}.{}", "a".repeat(40), "b".repeat(30));
  for tail in ["one.example.com", "two.example.com"] {
    let peer = format!("{long}.{tail}");
    let mut f = ir
      .flows
      .iter()
      .find(|f| f.peer_kind() == PeerKind::Fqdn)
      .expect("an FQDN flow")
      .clone();
    f.id = format!("out-tcp-{peer}");
    f.protocol = Protocol::Tcp;
    f.ports = amlnet::net::PortSet::parse(&["443", "8443"]).expect("ports");
    f.peer = amlnet::ir::Peer::Fqdn(peer);
    ir.flows.push(f);
  }
  ir.normalize();
  let plan = Plan::new(&ir);
  for names in [
    plan
      .firewall
      .application
      .rules
      .iter()
      .map(|r| r.name.clone())
      .collect::<Vec<_>>(),
    plan
      .firewall
      .network
      .rules
      .iter()
      .map(|r| r.name.clone())
      .collect(),
    plan.nsg.iter().map(|r| r.name.clone()).collect(),
  ] {
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:#?}");
    assert!(names.iter().all(|n| n.len() <= 80), "{names:#?}");
  }
}

/// `rules.csv` (read by Python's csv) and `rules.md` hold one row per planned NSG and firewall
/// rule, with the documents column apart from the source addresses.
#[test]
fn rules_table_has_a_row_per_planned_rule() {
  for path in shipped_profiles() {
    let c = amlnet::compile(&path).expect("compiles");
    let artifact = |name: &str| {
      c.output
        .artifacts
        .iter()
        .find(|a| a.path == name)
        .unwrap_or_else(|| panic!("{name}"))
        .contents
        .clone()
    };
    let expected =
      c.plan.nsg.len() + c.plan.firewall.network.rules.len() + c.plan.firewall.application.rules.len();
    let script = "import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))";
    let rows = crate::support::python_json::<&str>(script, &[], &artifact("rules.csv"));
    let rows: Vec<Vec<String>> = serde_json::from_value(rows).expect("rows");
    assert_eq!(rows.len(), expected + 1, "{}", stem(&path));
    assert!(rows.iter().all(|r| r.len() == 13), "{}", stem(&path));
    assert_eq!(rows[0][7], "source");
    assert_eq!(rows[0][12], "documents");
    let md = artifact("rules.md");
    let table_rows = md
      .lines()
      .filter(|l| l.starts_with("| ") && !l.starts_with("| target"))
      .count();
    assert_eq!(table_rows, expected, "{}", stem(&path));
  }
}
