//! End-to-end runs of the binary: compile summary and JSON shape (and its error document),
//! explain, --out layout; the CLI-only invariants (no printing below it, one validation
//! path for every command).

use crate::support::{amlnet, root, scratch};

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
  for path in crate::support::every_profile() {
    let ir = amlnet::compile_path(&path).expect("compiles");
    for f in &ir.flows {
      let text = amlnet::explain::explain(&ir, &amlnet::plan::Plan::new(&ir), Some(&f.id))
        .expect("explains")
        .text();
      assert!(
        text.contains("source: ") && text.contains("catalog "),
        "{}: {}",
        f.id,
        text
      );
    }
    for r in &ir.dns_records {
      assert!(
        amlnet::explain::explain(&ir, &amlnet::plan::Plan::new(&ir), Some(&r.name)).is_ok(),
        "{}",
        r.name
      );
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
  // The shipped profile with the final deny rule, its blocked FQDN flows accepted.
  let profile = crate::support::extending(
    "secure-workspace",
    "layout-profile",
    "[nsg]\ndeny_internet_outbound = true\naccept_blocked_fqdn_flows = true\n",
  );
  let run = amlnet(&[
    "compile",
    &profile.to_string_lossy(),
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
  // No tag rule covers 8787, so the network rule names the FQDN: that needs DNS proxy.
  ir.settings.firewall.dns_proxy = true;
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

/// Printing, the environment, the terminal and exit codes belong to the CLI layer
/// (src/main.rs, src/cli.rs, src/cli/): the library returns values and errors.
#[test]
fn nothing_below_the_cli_prints_reads_the_environment_or_exits() {
  const FORBIDDEN: &[&str] = &[
    "println!(",
    "print!(",
    "eprintln!(",
    "eprint!(",
    "dbg!(",
    "stdout()",
    "stderr()",
    "env::var",
    "is_terminal",
    "IsTerminal",
    "process::exit",
  ];
  let src = root().join("src");
  let mut files = Vec::new();
  rust_files(&src, &mut files);
  assert!(files.len() > 20, "src/ is walked");
  let mut found = Vec::new();
  for file in files {
    let rel = file
      .strip_prefix(&src)
      .expect("under src")
      .to_string_lossy()
      .replace('\\', "/");
    if rel == "main.rs" || rel == "cli.rs" || rel.starts_with("cli/") {
      continue;
    }
    let text = std::fs::read_to_string(&file).expect("readable");
    for (n, line) in text.lines().enumerate() {
      let code = line.split("//").next().unwrap_or("");
      for call in FORBIDDEN.iter().filter(|c| code.contains(*c)) {
        found.push(format!("src/{rel}:{}: {call}", n + 1));
      }
    }
  }
  assert!(
    found.is_empty(),
    "move these to the CLI layer (src/cli/):\n{}",
    found.join("\n")
  );
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
  for entry in std::fs::read_dir(dir).expect("readable").flatten() {
    let path = entry.path();
    if path.is_dir() {
      rust_files(&path, out);
    } else if path.extension().is_some_and(|e| e == "rs") {
      out.push(path);
    }
  }
}

/// One validation path: `compile`, `explain`, `diff` (profile inputs) and `expand` refuse
/// exactly what `compile` refuses, with the same error, because they all compile through
/// `amlnet::compile`. Every file in tests/invalid/, every command: exit 2, its code named.
#[test]
fn every_command_refuses_every_invalid_profile() {
  let mut files: Vec<String> = std::fs::read_dir(root().join("tests/invalid"))
    .expect("tests/invalid exists")
    .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
    .filter(|name| name.ends_with(".toml"))
    .map(|name| format!("tests/invalid/{name}"))
    .collect();
  files.sort();
  assert!(files.len() >= 15, "the invalid cases are present");
  let tags = "tests/fixtures/service-tags/public-old.json";
  let check = |rel: &String| -> Vec<String> {
    let text = std::fs::read_to_string(root().join(rel)).expect("readable");
    let code = text
      .lines()
      .next()
      .and_then(|l| l.strip_prefix("# expect: "))
      .and_then(|e| e.split(' ').next())
      .unwrap_or_else(|| panic!("{rel}: first line is `# expect: CODE line:col`"));
    let runs: [&[&str]; 4] = [
      &["compile", rel],
      &["explain", rel],
      &["diff", rel, rel],
      &["expand", rel, "--service-tags", tags],
    ];
    runs
      .iter()
      .filter_map(|args| {
        let run = amlnet(args);
        let ok = run.code == 2 && run.stdout.is_empty() && run.stderr.contains(&format!("error[{code}]"));
        (!ok).then(|| {
          format!(
            "{args:?}: exit {}, expected 2 and {code}\n{}",
            run.code, run.stderr
          )
        })
      })
      .collect()
  };
  // Two workers: four runs per file add up.
  let (left, right) = files.split_at(files.len() / 2);
  let failures: Vec<String> = std::thread::scope(|s| {
    let other = s.spawn(|| left.iter().flat_map(check).collect::<Vec<_>>());
    let mut mine: Vec<String> = right.iter().flat_map(check).collect();
    mine.extend(other.join().expect("worker"));
    mine
  });
  assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The IR of every shipped profile reads back as itself, strict as reading is.
#[test]
fn every_shipped_ir_reads_back() {
  for path in crate::support::shipped_profiles() {
    let ir = amlnet::compile_path(&path).expect("compiles");
    let back: amlnet::Ir = serde_json::from_str(&ir.to_json()).expect("reads back");
    assert_eq!(back, ir, "{}", path.display());
  }
}

/// `compile --format json` that fails: located diagnostics on stderr as always, and an error
/// document on stdout holding the same errors as data.
#[test]
fn compile_json_failure_prints_an_error_document() {
  let rel = "tests/invalid/bad-cidr.toml";
  let run = amlnet(&["compile", rel, "--format", "json"]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains(&format!("--> {rel}:")), "{}", run.stderr);
  let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
  assert_eq!(doc["error"], "the profile has 1 error; nothing was written");
  let d = &doc["diagnostics"][0];
  assert_eq!(d["severity"], "error");
  assert!(d["code"].as_str().is_some_and(|c| c.starts_with("AML")), "{doc}");
  assert!(
    d["location"]
      .as_str()
      .is_some_and(|l| l.starts_with("bad-cidr.toml:")),
    "{doc}"
  );
  let missing = amlnet(&["compile", "profiles/none.toml", "--format", "json"]);
  assert_eq!(missing.code, 2);
  let doc: serde_json::Value = serde_json::from_str(&missing.stdout).expect("JSON on stdout");
  assert_eq!(doc["diagnostics"], serde_json::json!([]));
  assert!(
    doc["error"]
      .as_str()
      .is_some_and(|e| e.starts_with("cannot read")),
    "{doc}"
  );
}

/// `explain` knows every rule name amlnet prints (NSG, firewall, managed network), a host name
/// under a wildcard rule and an address inside a CIDR flow.
#[test]
fn explain_knows_every_planned_rule_name() {
  for path in crate::support::shipped_profiles() {
    let c = amlnet::compile(&path).expect("compiles");
    let explain = |q: &str| amlnet::explain::explain(&c.ir, &c.plan, Some(q)).map(|e| e.text());
    let fw = &c.plan.firewall;
    let names = c
      .plan
      .nsg
      .iter()
      .map(|r| &r.name)
      .chain(fw.network.rules.iter().map(|r| &r.name))
      .chain(fw.application.rules.iter().map(|r| &r.name))
      .chain(
        c.plan
          .managed
          .iter()
          .flat_map(|m| m.rules.iter().map(|r| &r.name)),
      );
    for name in names {
      let text = explain(name).unwrap_or_else(|e| panic!("{}: {name}: {e}", path.display()));
      assert!(
        text.contains(name.as_str()),
        "{}: {name}:\n{text}",
        path.display()
      );
    }
  }
  let c = amlnet::compile(std::path::Path::new("profiles/secure-workspace.toml")).expect("compiles");
  let text = amlnet::explain::explain(&c.ir, &c.plan, Some("files.pythonhosted.org"))
    .expect("wildcard")
    .text();
  assert!(text.contains("*.pythonhosted.org"), "{text}");
  let text = amlnet::explain::explain(&c.ir, &c.plan, Some("10.20.2.11"))
    .expect("address")
    .text();
  assert!(
    text.contains("out-tcp-10.20.2.11/32") && text.contains("dns record"),
    "{text}"
  );
}

/// Warnings a shipped profile may carry: each is an action the deployer must take by hand.
/// Anything else a shipped profile says is information (`info`), so `--fail-on warnings`
/// (diff) and a CI gate on warnings stay usable.
const REAL_PROBLEMS: &[(&str, &str)] = &[
  (
    "AML163",
    "Azure Monitor private link zones must be created by hand",
  ),
  (
    "AML301",
    "a private DNS record with no documented name in this cloud must be created by hand",
  ),
];

#[test]
fn shipped_profiles_warn_only_of_real_problems() {
  for path in crate::support::shipped_profiles() {
    let c = amlnet::compile(&path).expect("compiles");
    for d in c
      .ir
      .diagnostics
      .iter()
      .chain(&c.plan.notes)
      .chain(&c.output.notes)
    {
      if d.severity == amlnet::ir::Severity::Warning {
        assert!(
          REAL_PROBLEMS.iter().any(|(code, _)| *code == d.code),
          "{}: warning {} is not an action the deployer must take; make it info or fix the profile: {}",
          path.display(),
          d.code,
          d.message
        );
      }
    }
  }
}
