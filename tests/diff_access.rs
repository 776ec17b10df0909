//! `amlnet diff` effective access: every profile setting that can open access trips
//! `--fail-on widened` (single-setting edits of the shipped profiles), every other setting is
//! listed with why it cannot, renumbering is no change, and the rule-level lines name the
//! deployed rules.

use serde_json::Value;

use crate::support::{amlnet, extending};

/// training-no-public-ip's compute with ci-alice's public IP as given (cpu-build stays: it
/// builds images).
fn training_compute(public_ip: bool) -> String {
  format!(
    "[[compute]]\nname = \"ci-alice\"\nkind = \"instance\"\nsubnet = \"training\"\npublic_ip = {public_ip}\n\n\
     [[compute]]\nname = \"cpu-build\"\nkind = \"cluster\"\nsubnet = \"training\"\npublic_ip = false\nmax_nodes = 4\n"
  )
}

const DENY: &str = "[nsg]\ndeny_internet_outbound = true\naccept_blocked_fqdn_flows = true\n";

/// One single-setting edit: the setting (dotted, as `profile.rs` names it), the shipped
/// profile both sides extend, the old and new extra TOML, and a line the text diff must hold
/// (the deployed rule or what opens).
struct Edit {
  setting: &'static str,
  base: &'static str,
  old: String,
  new: String,
  shows: &'static str,
}

fn edit(setting: &'static str, base: &'static str, old: &str, new: &str, shows: &'static str) -> Edit {
  Edit {
    setting,
    base,
    old: old.to_string(),
    new: new.to_string(),
    shows,
  }
}

/// Every setting that can open access, each with an edit that opens it.
fn opening_edits() -> Vec<Edit> {
  let t = "training-no-public-ip";
  vec![
    edit(
      "nsg.deny_internet_outbound",
      t,
      DENY,
      "[nsg]\ndeny_internet_outbound = false\naccept_blocked_fqdn_flows = true\n",
      "Deny-Out-Internet (4096, removed)",
    ),
    edit(
      "firewall.source_addresses",
      t,
      "",
      "[firewall]\nsource_addresses = [\"10.0.0.0/8\"]\n",
      "from 10.0.0.0/8 except 10.20.0.0/24, now allowed",
    ),
    edit(
      "network.address_space",
      t,
      "",
      "[network]\naddress_space = [\"10.20.0.0/15\"]\n",
      "AllowVnetInBound",
    ),
    edit(
      "network.egress",
      t,
      "",
      "[network]\negress = \"nsg\"\n",
      "the firewall is no longer on the egress path",
    ),
    Edit {
      setting: "compute.public_ip",
      base: t,
      old: training_compute(false),
      new: training_compute(true),
      shows: "Allow-In-Tcp-AzureMachineLearning",
    },
    edit(
      "features.package_repositories",
      t,
      "",
      "[features]\npackage_repositories = [\"conda\", \"pypi\", \"cran\"]\n",
      "cloud.r-project.org TCP port 443",
    ),
    edit(
      "storage.access",
      t,
      "",
      "[storage]\naccess = \"public\"\n",
      "resolves to the resource's public address",
    ),
    edit(
      "key_vault.access",
      t,
      "",
      "[key_vault]\naccess = \"public\"\n",
      "kv-contoso-train.privatelink.vaultcore.azure.net A 10.20.2.12 removed",
    ),
    edit(
      "container_registry.access",
      t,
      "",
      "[container_registry]\naccess = \"public\"\n",
      "crcontosotrain.privatelink.azurecr.io A 10.20.2.13 removed",
    ),
    edit(
      "managed_network.isolation_mode",
      "online-endpoint-managed-vnet",
      "",
      "[managed_network]\nisolation_mode = \"allow_internet_outbound\"\n",
      "isolation mode allow_only_approved_outbound → allow_internet_outbound",
    ),
    edit(
      "region",
      t,
      "",
      "region = \"westus\"\n",
      "Storage.WestUS",
    ),
    edit(
      "nsg.name",
      t,
      "",
      "[nsg]\nname = \"nsg-other\"\n",
      "the NSG `nsg-training` → `nsg-other`",
    ),
    edit(
      "firewall.policy_name",
      t,
      "",
      "[firewall]\npolicy_name = \"afwp-other\"\n",
      "`afwp-other/amlnet-mlw-contoso-train`",
    ),
    edit(
      "firewall.rule_collection_group",
      t,
      "",
      "[firewall]\nrule_collection_group = \"rcg-other\"\n",
      "`afwp-hub-eastus/rcg-other`",
    ),
    edit(
      "firewall.priority",
      t,
      "",
      "[firewall]\npriority = 500\n",
      "rule collection group priority 1000 → 500",
    ),
    edit(
      "network.vnet_name",
      t,
      "",
      "[network]\nvnet_name = \"vnet-other\"\n",
      "private DNS zones link to VNet `vnet-ml-eastus` → `vnet-other`",
    ),
    edit(
      "features.vscode_web",
      t,
      "",
      "[features]\nvscode_web = true\n",
      "amlnet-application/Allow-Out-Tcp-wildcard.vscode.dev",
    ),
    edit(
      "features.rstudio",
      t,
      "",
      "[features]\nrstudio = true\n",
      "amlnet-application/Allow-Out-Tcp-ghcr.io",
    ),
    edit(
      "features.automl_nlp_vision",
      t,
      "",
      "[features]\nautoml_nlp_vision = true\n",
      "amlnet-application/Allow-Out-Tcp-aka.ms",
    ),
    edit(
      "cloud",
      t,
      "",
      "cloud = \"AzureUSGovernment\"\nregion = \"usgovvirginia\"\n",
      "usgovvirginia",
    ),
    edit(
      "workspace.hbi_workspace",
      t,
      "[workspace]\nhbi_workspace = false\n",
      "[workspace]\nhbi_workspace = true\n",
      "AzureKeyVault.EastUS",
    ),
    edit(
      "network.service_tags",
      t,
      "[network]\nservice_tags = true\n",
      "[network]\nservice_tags = false\n",
      "amlnet-application/Allow-Out-Tcp-dc.applicationinsights.azure.com",
    ),
    edit(
      "network.firewall_between_compute_and_storage",
      t,
      "[network]\nfirewall_between_compute_and_storage = false\n",
      "[network]\nfirewall_between_compute_and_storage = true\n",
      "Storage.EastUS TCP port 445",
    ),
    edit(
      "aks.training",
      "aks-inference",
      "[aks]\ntraining = false\n",
      "[aks]\ntraining = true\n",
      "amlnet-application/Allow-Out-Tcp-archive.ubuntu.com",
    ),
    Edit {
      setting: "compute.subnet",
      base: t,
      old: format!("{}\n[[compute]]\nname = \"serverless\"\nkind = \"serverless\"\n", training_compute(false)),
      new: format!(
        "{}\n[[compute]]\nname = \"serverless\"\nkind = \"serverless\"\nsubnet = \"training\"\npublic_ip = true\n",
        training_compute(false)
      ),
      shows: "now allowed",
    },
    edit(
      "registry.access",
      "secure-workspace",
      "",
      "[[registry]]\nname = \"regpub\"\nid = \"11111111-2222-4333-8444-555555555555\"\nregion = \"eastus\"\naccess = \"public\"\n",
      "AzureContainerRegistry.EastUS",
    ),
    edit(
      "features.studio",
      t,
      "[features]\nstudio = false\n",
      "[features]\nstudio = true\n",
      "amlnet-application/Allow-Out-Tcp-ml.azure.com",
    ),
    edit(
      "features.vscode",
      t,
      "[features]\nvscode = false\n",
      "[features]\nvscode = true\n",
      "amlnet-application/Allow-Out-Tcp-code.visualstudio.com",
    ),
    edit(
      "firewall.private_ip",
      t,
      "",
      "[firewall]\nprivate_ip = \"10.0.9.4\"\n",
      "goes to the appliance at 10.0.9.4 instead of 10.0.1.4",
    ),
    edit(
      "workspace.public_network_access",
      "secure-workspace",
      "",
      "[workspace]\npublic_network_access = \"enabled\"\n",
      "workspace mlw-contoso-secure now accepts connections from the internet",
    ),
    edit(
      "online_endpoint.public_network_access",
      "online-endpoint-managed-vnet",
      "",
      "[[online_endpoint]]\nname = \"fraud-scoring\"\npublic_network_access = \"enabled\"\n",
      "online endpoint fraud-scoring now accepts connections from the internet",
    ),
  ]
}

/// `diff OLD NEW` of one edit as JSON, and the exit code of `--fail-on widened`, and the text.
fn run(e: &Edit) -> (Value, i32, String) {
  let tag = e.setting.replace('.', "-");
  let old = extending(e.base, &format!("{tag}-old"), &e.old);
  let new = extending(e.base, &format!("{tag}-new"), &e.new);
  let (old, new) = (old.to_str().expect("utf-8"), new.to_str().expect("utf-8"));
  let json = amlnet(&["diff", old, new, "--format", "json"]);
  assert!(json.code != 2, "{}: {}", e.setting, json.stderr);
  let gate = amlnet(&["diff", old, new, "--fail-on", "widened"]);
  let value = serde_json::from_str(&json.stdout).expect("JSON");
  (value, gate.code, gate.stdout)
}

/// Every setting that can open access yields `widened` and fails `--fail-on widened`; the
/// text shows the rule or answer that opens it.
#[test]
fn every_setting_that_opens_access_fails_fail_on_widened() {
  let mut failures = Vec::new();
  for e in opening_edits() {
    let (d, code, text) = run(&e);
    let kinds = &d["summary"]["kinds"];
    let widened_access = d["access"].as_array().is_some_and(|a| {
      a.iter().any(|c| {
        c["kinds"]
          .as_array()
          .is_some_and(|k| k.contains(&"widened".into()))
      })
    });
    if code != 1 || !widened_access {
      failures.push(format!("{}: exit {code}, kinds {kinds}", e.setting));
    }
    if !text.contains(e.shows) {
      failures.push(format!("{}: the text lacks `{}`:\n{text}", e.setting, e.shows));
    }
  }
  assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Settings that cannot open access, each with why. A setting here that later gains a rule
/// moves to `opening_edits`.
const CANNOT_OPEN: &[(&str, &str)] = &[
  ("name", "the profile's name: a header value"),
  ("extends", "which file the settings come from; each setting is classified itself"),
  ("workspace.name", "names resources and rules; no rule's traffic depends on it"),
  ("workspace.id", "names private DNS records (a new id is a record removed and added, reported under dns)"),
  ("workspace.v1_legacy_mode", "no catalog requirement depends on it: no rule changes"),
  ("workspace.image_build_compute", "names one of the declared computes; their own settings open access"),
  ("workspace.private_endpoint.subnet", "where the endpoint sits; its addresses are the ip settings"),
  ("workspace.private_endpoint.ip", "moves a private DNS answer (kind changed); the endpoint is inside the VNet"),
  ("workspace.private_endpoint.notebooks_ip", "moves a private DNS answer (kind changed)"),
  ("workspace.private_endpoint.inference_ip", "moves a private DNS answer (kind changed)"),
  ("network.subnet.name", "subnet names carry no rule today"),
  ("network.subnet.prefix", "subnet prefixes carry no rule today; the firewall source is firewall.source_addresses"),
  ("network.subnet.delegated_to", "a delegation carries no rule"),
  ("network.on_premises", "checked for overlap only (constraints.rs); no rule amlnet writes names it, and the platform's VirtualNetwork tag follows the gateway's routes, not this setting"),
  ("storage.name", "names DNS records (a rename is a record removed and added, reported under dns)"),
  ("storage.private_endpoint.subnet", "where the endpoints sit; their addresses are the settings below"),
  ("storage.private_endpoint.blob", "moves a private DNS answer (kind changed)"),
  ("storage.private_endpoint.file", "moves a private DNS answer and the SMB rule inside the VNet, which AllowVnetOutBound already allows"),
  ("storage.private_endpoint.queue", "moves a private DNS answer (kind changed)"),
  ("storage.private_endpoint.table", "moves a private DNS answer (kind changed)"),
  ("storage.private_endpoint.dfs", "moves a private DNS answer (kind changed)"),
  ("key_vault.name", "names DNS records (reported under dns)"),
  ("key_vault.private_endpoint_ip", "moves a private DNS answer (kind changed)"),
  ("container_registry.name", "names DNS records (reported under dns)"),
  ("container_registry.sku", "checked against the access mode only (AML120); no rule"),
  ("container_registry.private_endpoint_ip", "moves a private DNS answer (kind changed)"),
  ("container_registry.data_endpoint_ip", "moves a private DNS answer (kind changed)"),
  ("application_insights.name", "names the resource; no rule"),
  ("application_insights.access", "public is its only accepted value (AML012); no rule"),
  ("compute.name", "names the compute; no rule"),
  ("compute.kind", "the kind's flows are those of compute in the VNet (compute.subnet, compute.public_ip)"),
  ("compute.max_nodes", "sizes the cluster; no rule"),
  ("compute.gpu", "no catalog requirement depends on it"),
  ("registry.name", "names DNS records (reported under dns)"),
  ("registry.id", "names DNS records (reported under dns)"),
  ("registry.region", "names DNS records; its rules follow registry.access"),
  ("registry.private_endpoint_ip", "moves a private DNS answer (kind changed)"),
  ("registry.storage_name", "names DNS records (reported under dns)"),
  ("registry.storage_blob_ip", "moves a private DNS answer (kind changed)"),
  ("registry.acr_name", "names DNS records (reported under dns)"),
  ("registry.acr_ip", "moves a private DNS answer (kind changed)"),
  ("registry.acr_data_ip", "moves a private DNS answer (kind changed)"),
  ("managed_network.firewall_sku", "the managed firewall's SKU: the plan's rules are the same"),
  ("online_endpoint.name", "names the endpoint; no rule"),
  ("aks.name", "names the cluster; no rule"),
  ("aks.subnet", "where the cluster sits; its rules follow aks.training"),
  ("aks.service_cidr", "the cluster's internal service range, checked for overlap only"),
  ("aks.dns_service_ip", "inside aks.service_cidr, checked only"),
  ("aks.docker_bridge_cidr", "the node-local bridge, checked for overlap only"),
  ("aks.scoring_port", "only the default is accepted (AML023)"),
  ("features.batch_endpoints", "no catalog requirement depends on it today"),
  ("nsg.inbound_priority_start", "renumbers rules (see renumbering_is_no_access_change)"),
  ("nsg.outbound_priority_start", "renumbers rules (see renumbering_is_no_access_change)"),
  ("nsg.priority_step", "renumbers rules (see renumbering_is_no_access_change)"),
  ("nsg.accept_blocked_fqdn_flows", "turns the NSG005 error into a warning; the rules are the same"),
  ("firewall.route_table", "names the route table; the routes each subnet gets are compared, not their table's name"),
  ("firewall.dns_proxy", "a profile that compiles without it needs no FQDN network rule; turning it on adds none"),
  ("dns.ttl", "zone metadata; no answer changes"),
  ("dns.soa_mname", "zone metadata; no answer changes"),
  ("dns.soa_rname", "zone metadata; no answer changes"),
  ("dns.serial", "zone metadata; no answer changes"),
  ("dns.nameservers", "zone metadata; no answer changes"),
  ("dns.resolver_ip", "where custom DNS servers forward; the answers are the same"),
];

/// Settings that would open access at a resource amlnet does not deploy and the IR does not
/// record, so no diff of two compiles could see them. None today: the public endpoints are in
/// the IR's settings (`public_access`). A new one must be carried into the IR, not listed here.
const OPENS_OUTSIDE_THE_IR: &[(&str, &str)] = &[];

/// Every leaf setting of profile.rs, dotted.
fn every_setting() -> Vec<String> {
  use amlnet::profile::*;
  let tables: &[(&str, &[&str])] = &[
    ("", RawProfile::KEYS),
    ("workspace", RawWorkspace::KEYS),
    ("workspace.private_endpoint", RawWorkspacePe::KEYS),
    ("network", RawNetwork::KEYS),
    ("network.subnet", RawSubnet::KEYS),
    ("storage", RawStorage::KEYS),
    ("storage.private_endpoint", RawStoragePe::KEYS),
    ("key_vault", RawKeyVault::KEYS),
    ("container_registry", RawContainerRegistry::KEYS),
    ("application_insights", RawAppInsights::KEYS),
    ("compute", RawCompute::KEYS),
    ("registry", RawRegistry::KEYS),
    ("managed_network", RawManagedNetwork::KEYS),
    ("online_endpoint", RawOnlineEndpoint::KEYS),
    ("aks", RawAks::KEYS),
    ("features", RawFeatures::KEYS),
    ("nsg", RawNsg::KEYS),
    ("firewall", RawFirewall::KEYS),
    ("dns", RawDns::KEYS),
  ];
  let dotted = |prefix: &str, key: &str| {
    if prefix.is_empty() {
      key.to_string()
    } else {
      format!("{prefix}.{key}")
    }
  };
  let table_names: Vec<&str> = tables.iter().map(|(t, _)| *t).collect();
  tables
    .iter()
    .flat_map(|(prefix, keys)| keys.iter().map(move |k| dotted(prefix, k)))
    .filter(|s| !table_names.contains(&s.as_str()))
    .collect()
}

/// Every setting of profile.rs is classified once: it opens access (and has an edit above), it
/// cannot (with a reason), or it opens access the IR does not record.
#[test]
fn every_profile_setting_is_classified() {
  let opening: Vec<&str> = opening_edits().iter().map(|e| e.setting).collect();
  let mut problems = Vec::new();
  for s in every_setting() {
    let n = opening.iter().filter(|o| **o == s).count()
      + CANNOT_OPEN.iter().filter(|(c, _)| *c == s).count()
      + OPENS_OUTSIDE_THE_IR.iter().filter(|(c, _)| *c == s).count();
    if n != 1 {
      problems.push(format!("{s}: classified {n} times"));
    }
  }
  let all = every_setting();
  for listed in opening
    .iter()
    .copied()
    .chain(CANNOT_OPEN.iter().map(|(c, _)| *c))
    .chain(OPENS_OUTSIDE_THE_IR.iter().map(|(c, _)| *c))
  {
    if !all.iter().any(|s| s == listed) {
      problems.push(format!("{listed}: not a setting of profile.rs"));
    }
  }
  assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A different NSG priority plan renumbers every rule: the rule view shows the priorities, but
/// no decision changes, so there is no access change and every gate passes.
#[test]
fn renumbering_is_no_access_change() {
  let e = edit(
    "nsg.outbound_priority_start",
    "training-no-public-ip",
    "",
    "[nsg]\ninbound_priority_start = 300\noutbound_priority_start = 1000\npriority_step = 5\n",
    "priority",
  );
  let (d, code, text) = run(&e);
  assert_eq!(d["summary"]["kinds"], serde_json::json!([]), "{text}");
  assert_eq!(d["access"], serde_json::json!([]));
  assert_eq!(code, 0);
  assert!(d["rules"]["nsg"]["changed"]
    .as_array()
    .is_some_and(|c| !c.is_empty()));
  assert!(text.contains("No changes of access"), "{text}");
}

/// An allow moving below a deny closes what it allowed, and back above opens it: decided by
/// the evaluator on the planned rules, so a hand-edited IR whose NSG plan puts the final deny
/// first is caught both ways.
#[test]
fn an_allow_moving_below_a_deny_is_narrowed_and_back_widened() {
  let base = "training-no-public-ip";
  let old = extending(base, "order-old", DENY);
  let (old_s, dir) = (
    old.to_str().expect("utf-8"),
    old.parent().expect("dir").to_path_buf(),
  );
  let compiled = amlnet(&["compile", old_s, "--format", "json"]);
  assert_eq!(compiled.code, 0, "{}", compiled.stderr);
  let mut ir: Value = serde_json::from_str(&compiled.stdout).expect("IR");
  // Outbound allows start at 4096 + 10: above the deny's 4096 no longer.
  ir["settings"]["nsg"]["outbound_start"] = 4097.into();
  let moved = dir.join("moved.json");
  std::fs::write(&moved, serde_json::to_string(&ir).expect("JSON")).expect("write");
  let first = dir.join("first.json");
  std::fs::write(&first, &compiled.stdout).expect("write");
  let (first, moved) = (first.to_str().expect("utf-8"), moved.to_str().expect("utf-8"));
  let closes = amlnet(&["diff", first, moved, "--fail-on", "narrowed"]);
  assert_eq!(closes.code, 1, "{}", closes.stdout);
  assert!(
    closes.stdout.contains("now denied") && closes.stdout.contains("Deny-Out-Internet (4096"),
    "{}",
    closes.stdout
  );
  let opens = amlnet(&["diff", moved, first, "--fail-on", "widened"]);
  assert_eq!(opens.code, 1, "{}", opens.stdout);
  assert!(opens.stdout.contains("now allowed"), "{}", opens.stdout);
}

/// A sample of `CANNOT_OPEN`, each edited on a shipped profile: no access change opens (an
/// answer that moves is `changed`, never `widened`), so `--fail-on widened` passes.
#[test]
fn settings_that_cannot_open_access_do_not_widen() {
  let t = "training-no-public-ip";
  let edits = [
    edit(
      "workspace.v1_legacy_mode",
      t,
      "",
      "[workspace]\nv1_legacy_mode = true\n",
      "",
    ),
    edit(
      "features.batch_endpoints",
      t,
      "",
      "[features]\nbatch_endpoints = true\n",
      "",
    ),
    edit(
      "managed_network.firewall_sku",
      "online-endpoint-managed-vnet",
      "",
      "[managed_network]\nfirewall_sku = \"basic\"\n",
      "",
    ),
    edit("dns.ttl", t, "", "[dns]\nttl = 60\n", ""),
    edit(
      "dns.resolver_ip",
      t,
      "",
      "[dns]\nresolver_ip = \"10.0.0.5\"\n",
      "",
    ),
    edit(
      "network.on_premises",
      t,
      "",
      "[network]\non_premises = [\"172.16.0.0/12\"]\n",
      "",
    ),
    edit(
      "nsg.accept_blocked_fqdn_flows",
      t,
      "[nsg]\naccept_blocked_fqdn_flows = false\n",
      "[nsg]\naccept_blocked_fqdn_flows = true\n",
      "",
    ),
    edit(
      "storage.private_endpoint.blob",
      t,
      "",
      "[storage.private_endpoint]\nblob = \"10.20.2.20\"\nfile = \"10.20.2.11\"\n",
      "answers 10.20.2.10 → 10.20.2.20",
    ),
    edit(
      "container_registry.private_endpoint_ip",
      t,
      "",
      "[container_registry]\nprivate_endpoint_ip = \"10.20.2.23\"\n",
      "answers 10.20.2.13 → 10.20.2.23",
    ),
  ];
  let mut failures = Vec::new();
  for e in &edits {
    assert!(
      CANNOT_OPEN.iter().any(|(s, _)| *s == e.setting),
      "{} is listed",
      e.setting
    );
    let (d, code, text) = run(e);
    if code != 0
      || d["summary"]["kinds"]
        .as_array()
        .is_some_and(|k| k.contains(&"widened".into()))
    {
      failures.push(format!(
        "{}: exit {code}, kinds {}",
        e.setting, d["summary"]["kinds"]
      ));
    }
    if !text.contains(e.shows) {
      failures.push(format!("{}: the text lacks `{}`:\n{text}", e.setting, e.shows));
    }
  }
  assert!(failures.is_empty(), "{}", failures.join("\n"));
}
