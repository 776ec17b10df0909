//! The real Azure CLI parses every core call of `azcli/deploy.sh` of every shipped and test
//! profile: the calls the script makes (recorded by tests/checkers.rs's fake `az`) go through
//! the CLI's own entry point in one process (scripts/check_azcli.py), and without a login each
//! must stop only at "Please run 'az login'". The firewall calls need the `azure-firewall`
//! extension, which the CLI installs from the network on first use; they are checked against
//! the extension's parameters in the table below instead.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::checkers::{compile_into, parse_call, run_azcli, VNET_ID};
use crate::support::{every_profile, root, scratch};

/// The interpreter of .venv/azure-cli/, the Azure CLI's own venv (scripts/deps/pip-azure-cli.txt).
fn azure_cli_python() -> std::path::PathBuf {
  let path = root().join(".venv/azure-cli/bin/python3");
  assert!(
    path.exists(),
    "{} is missing: run `make deps` (scripts/install-test-deps.sh installs azure-cli there)",
    path.display()
  );
  path
}

/// Each call through the real CLI, in one process; one {"code", "stderr"} per call.
fn run_real_cli(calls: &[Vec<String>]) -> Vec<Value> {
  let config = scratch("azure-config");
  let mut child = Command::new(azure_cli_python())
    .arg(root().join("scripts/check_azcli.py"))
    // A scratch configuration: no login, no user settings read or written.
    .env("AZURE_CONFIG_DIR", &config)
    .env("AZURE_CORE_COLLECT_TELEMETRY", "false")
    .env("AZURE_CORE_NO_COLOR", "true")
    .env("AZURE_EXTENSION_USE_DYNAMIC_INSTALL", "no")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the Azure CLI's python runs");
  let input = serde_json::to_vec(calls).expect("json");
  child
    .stdin
    .take()
    .expect("stdin")
    .write_all(&input)
    .expect("write calls");
  let out = child.wait_with_output().expect("check_azcli finishes");
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert_ne!(
    out.status.code(),
    Some(3),
    "azure-cli is missing: run `make deps`\n{stderr}"
  );
  assert!(out.status.success(), "check_azcli.py failed:\n{stderr}");
  let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("check_azcli prints JSON");
  assert_eq!(results.len(), calls.len(), "one result per call");
  results
}

/// Why the real CLI did not accept a call, or None: a call that parses stops at the login
/// check (exit 1); `az cloud show` needs no login and succeeds.
fn refusal(call: &[String], result: &Value) -> Option<String> {
  let code = result["code"].as_i64().unwrap_or(-1);
  let stderr = result["stderr"].as_str().unwrap_or_default();
  let at_login = code == 1 && stderr.contains("Please run 'az login'");
  let cloud_show = call.starts_with(&["cloud".to_string(), "show".to_string()]) && code == 0;
  (!(at_login || cloud_show)).then(|| format!("az {}\n  exit {code}: {}", call.join(" "), stderr.trim()))
}

fn is_firewall(call: &[String]) -> bool {
  call.starts_with(&["network".to_string(), "firewall".to_string()])
}

/// Every `az` call deploy.sh makes, for every shipped and test profile: (profile, call).
fn every_call() -> Vec<(String, Vec<String>)> {
  let base = scratch("azcli-real");
  let mut all = Vec::new();
  for path in every_profile() {
    let c = compile_into(&path, &base);
    let (out, calls) = run_azcli(&c, &[("RESOURCE_GROUP", "rg-test"), ("VNET_ID", VNET_ID)]);
    assert!(
      out.status.success(),
      "{}: {}",
      c.name,
      String::from_utf8_lossy(&out.stderr)
    );
    all.extend(calls.into_iter().map(|call| (c.name.clone(), call)));
  }
  all
}

/// The core calls (not the firewall extension's) through the real CLI; each exact call once.
/// Returns the refusals, each with the profiles that make the call.
fn core_refusals(calls: &[(String, Vec<String>)]) -> Vec<String> {
  let mut unique: BTreeMap<&Vec<String>, Vec<&str>> = BTreeMap::new();
  for (profile, call) in calls.iter().filter(|(_, c)| !is_firewall(c)) {
    unique.entry(call).or_default().push(profile);
  }
  let list: Vec<Vec<String>> = unique.keys().map(|c| (*c).clone()).collect();
  let results = run_real_cli(&list);
  unique
    .iter()
    .zip(&results)
    .filter_map(|((call, profiles), r)| {
      refusal(call, r).map(|why| format!("{} ({})", why, profiles.join(", ")))
    })
    .collect()
}

#[test]
fn every_core_call_of_deploy_sh_is_accepted_by_the_real_azure_cli() {
  let calls = every_call();
  let commands: BTreeSet<String> = calls
    .iter()
    .filter(|(_, c)| !is_firewall(c))
    .map(|(_, c)| parse_call(c).0)
    .collect();
  for needed in [
    "network nsg create",
    "network nsg rule create",
    "network private-dns zone create",
    "network private-dns link vnet create",
    "network private-dns record-set a add-record",
    "network private-dns record-set a update",
    "network route-table create",
    "network route-table route create",
    "network vnet subnet update",
  ] {
    assert!(
      commands.contains(needed),
      "some profile's deploy.sh calls az {needed}"
    );
  }
  let refusals = core_refusals(&calls);
  assert!(
    refusals.is_empty(),
    "the real Azure CLI refuses {} calls:\n{}",
    refusals.len(),
    refusals.join("\n")
  );
  let firewall: Vec<String> = calls
    .iter()
    .filter(|(_, c)| is_firewall(c))
    .flat_map(|(p, c)| firewall_problems(c).into_iter().map(move |e| format!("{p}: {e}")))
    .collect();
  assert!(
    calls.iter().any(|(_, c)| is_firewall(c)),
    "some profile calls the firewall extension"
  );
  assert!(firewall.is_empty(), "{}", firewall.join("\n"));
}

/// Broken copies of real calls: an unknown argument, a bad choice value, a misspelled command,
/// each refused by the real CLI (and, for firewall calls, by the table).
#[test]
fn the_real_azure_cli_and_the_firewall_table_refuse_broken_calls() {
  let path = root().join("profiles/training-no-public-ip.toml");
  let c = compile_into(&path, &scratch("azcli-broken"));
  let (_, calls) = run_azcli(&c, &[("RESOURCE_GROUP", "rg-test"), ("VNET_ID", VNET_ID)]);
  let find = |words: &str| -> Vec<String> {
    calls
      .iter()
      .find(|c| parse_call(c).0 == words)
      .unwrap_or_else(|| panic!("deploy.sh calls az {words}"))
      .clone()
  };
  let replace = |call: &[String], from: &str, to: &str| -> Vec<String> {
    assert!(call.iter().any(|a| a == from), "{from} in {call:?}");
    call
      .iter()
      .map(|a| if a == from { to.to_string() } else { a.clone() })
      .collect()
  };
  let rule = find("network nsg rule create");
  let record = find("network private-dns record-set a add-record");
  let subnet = find("network vnet subnet update");
  let route = find("network route-table route create");
  let link = find("network private-dns link vnet create");
  let good = vec![
    rule.clone(),
    record.clone(),
    subnet.clone(),
    route.clone(),
    link.clone(),
  ];
  let broken = vec![
    replace(&rule, "--destination-port-ranges", "--destination-port-rangez"),
    replace(&rule, "Outbound", "Outbund"),
    replace(&rule, "rule", "rules"),
    replace(&record, "--ipv4-address", "--ipv4-adress"),
    replace(&subnet, "subnet", "subnets"),
    replace(&route, "VirtualAppliance", "VirtualAppliances"),
    replace(&link, "false", "maybe"),
  ];
  let results = run_real_cli(&[good.clone(), broken.clone()].concat());
  for (call, r) in good.iter().zip(&results) {
    assert_eq!(refusal(call, r), None, "the unbroken call is accepted");
  }
  for (call, r) in broken.iter().zip(&results[good.len()..]) {
    assert!(refusal(call, r).is_some(), "az {} is refused", call.join(" "));
  }

  let add = find("network firewall policy rule-collection-group collection rule add");
  let filter = find("network firewall policy rule-collection-group collection add-filter-collection");
  assert_eq!(firewall_problems(&add), Vec::<String>::new());
  assert_eq!(firewall_problems(&filter), Vec::<String>::new());
  for broken in [
    replace(&add, "--ip-protocols", "--ip-protocol"),
    replace(&add, "TCP", "Tcp6"),
    replace(&filter, "Allow", "Permit"),
    replace(&filter, "--collection-priority", "--priority"),
    replace(&filter, "add-filter-collection", "add-filter-colection"),
    add
      .iter()
      .filter(|a| *a != "--rule-type" && *a != "NetworkRule")
      .cloned()
      .collect(),
  ] {
    assert!(
      !firewall_problems(&broken).is_empty(),
      "az {} is refused",
      broken.join(" ")
    );
  }
}

// ---------------------------------------------------------------------------------------
// The firewall commands, from the azure-firewall extension's documented parameters.

/// `--output` of every command (the CLI's global argument).
const OUTPUT: &[&str] = &["json", "jsonc", "none", "table", "tsv", "yaml", "yamlc"];

/// One parameter: its name, whether it takes several values (nargs '+'), its choices (empty:
/// any value), and whether the command requires it.
struct Param(&'static str, bool, &'static [&'static str], bool);

/// The parameters deploy.sh may pass to each firewall command, with their choices and which
/// are required, as the extension documents them: the Azure CLI reference pages
/// `az network firewall policy rule-collection-group` (create),
/// `… rule-collection-group collection` (add-filter-collection) and
/// `… rule-collection-group collection rule` (add) on learn.microsoft.com/cli/azure (the
/// MicrosoftDocs azure-docs-cli reference, "This reference is part of the azure-firewall
/// extension"), which are generated from Azure/azure-cli-extensions
/// `src/azure-firewall/azext_firewall/_params.py` (choices: `--action` Allow/Deny, `--rule-type`
/// ApplicationRule/NetworkRule/NatRule, `--ip-protocols` TCP/UDP/Any/ICMP) and `custom.py`
/// (`add_azure_firewall_policy_filter_rule_collection`, `add_azure_firewall_policy_filter_rule`:
/// which parameters each command takes). Choices compare without case, as the CLI's enum
/// arguments do. Parameters deploy.sh never passes are left out: a call with one fails here
/// and is added with its source.
const FIREWALL_COMMANDS: &[(&str, &[Param])] = &[
  (
    "network firewall policy rule-collection-group create",
    &[
      Param("--resource-group", false, &[], true),
      Param("--policy-name", false, &[], true),
      Param("--name", false, &[], true),
      Param("--priority", false, &[], true),
      Param("--output", false, OUTPUT, false),
    ],
  ),
  (
    "network firewall policy rule-collection-group collection add-filter-collection",
    &[
      Param("--resource-group", false, &[], true),
      Param("--policy-name", false, &[], true),
      Param("--rule-collection-group-name", false, &[], true),
      Param("--name", false, &[], true),
      Param("--collection-priority", false, &[], true),
      Param("--action", false, &["Allow", "Deny"], false),
      Param("--rule-name", false, &[], false),
      Param(
        "--rule-type",
        false,
        &["ApplicationRule", "NetworkRule", "NatRule"],
        false,
      ),
      Param("--description", false, &[], false),
      Param("--ip-protocols", true, &["TCP", "UDP", "Any", "ICMP"], false),
      Param("--source-addresses", true, &[], false),
      Param("--destination-addresses", true, &[], false),
      Param("--destination-ports", true, &[], false),
      Param("--destination-fqdns", true, &[], false),
      Param("--protocols", true, &[], false),
      Param("--target-fqdns", true, &[], false),
      Param("--output", false, OUTPUT, false),
    ],
  ),
  (
    "network firewall policy rule-collection-group collection rule add",
    &[
      Param("--resource-group", false, &[], true),
      Param("--policy-name", false, &[], true),
      Param("--rule-collection-group-name", false, &[], true),
      Param("--collection-name", false, &[], true),
      Param("--name", false, &[], true),
      Param(
        "--rule-type",
        false,
        &["ApplicationRule", "NetworkRule", "NatRule"],
        true,
      ),
      Param("--description", false, &[], false),
      Param("--ip-protocols", true, &["TCP", "UDP", "Any", "ICMP"], false),
      Param("--source-addresses", true, &[], false),
      Param("--destination-addresses", true, &[], false),
      Param("--destination-ports", true, &[], false),
      Param("--destination-fqdns", true, &[], false),
      Param("--protocols", true, &[], false),
      Param("--target-fqdns", true, &[], false),
      Param("--output", false, OUTPUT, false),
    ],
  ),
];

/// What the extension would refuse in one firewall call: unknown command or argument, a value
/// off its choices, several values where one is taken, a missing required argument, a
/// priority that is not an integer, an application protocol not `Http|Https|Mssql=port`.
fn firewall_problems(call: &[String]) -> Vec<String> {
  let (words, flags) = parse_call(call);
  let Some((_, params)) = FIREWALL_COMMANDS.iter().find(|(c, _)| *c == words) else {
    return vec![format!("az {words}: not a command of the table")];
  };
  let mut problems = Vec::new();
  for (flag, values) in &flags {
    let Some(p) = params.iter().find(|p| p.0 == flag) else {
      problems.push(format!("az {words}: unknown argument {flag}"));
      continue;
    };
    if values.is_empty() || (!p.1 && values.len() > 1) {
      problems.push(format!(
        "az {words}: {flag} takes {} value(s), got {values:?}",
        if p.1 { "one or more" } else { "one" }
      ));
    }
    for v in values {
      if !p.2.is_empty() && !p.2.iter().any(|c| c.eq_ignore_ascii_case(v)) {
        problems.push(format!("az {words}: {flag} {v} is not one of {:?}", p.2));
      }
      if flag.ends_with("priority") && v.parse::<i64>().is_err() {
        problems.push(format!("az {words}: {flag} {v} is not an integer"));
      }
      if flag == "--protocols" {
        let ok = v.split_once('=').is_some_and(|(proto, port)| {
          ["Http", "Https", "Mssql"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(proto))
            && port.parse::<u16>().is_ok()
        });
        if !ok {
          problems.push(format!("az {words}: --protocols {v} is not PROTOCOL=PORT"));
        }
      }
    }
  }
  for p in params.iter().filter(|p| p.3) {
    if !flags.contains_key(p.0) {
      problems.push(format!("az {words}: {} is required", p.0));
    }
  }
  problems
}
