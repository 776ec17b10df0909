//! Deployability: every artifact of every shipped profile (profiles/*.toml) and every test
//! profile (tests/profiles/*.toml) obeys the rules Azure documents for it, so that exit 0
//! means Azure accepts what amlnet wrote. The rules, each with its source, are in
//! deployability/arm.rs (NSG, routes), firewall.rs (firewall policy), dns.rs (private DNS) and
//! managed.rs (the workspace managed network); service tags are looked up in the real
//! ServiceTags downloads (tags.rs). Terraform, Bicep and az CLI carry exactly the ARM rules
//! (tests/checkers.rs, over the same profiles). broken.rs proves each rule can fail.

#[path = "deployability/arm.rs"]
mod arm;
#[path = "deployability/broken.rs"]
mod broken;
#[path = "deployability/dns.rs"]
mod dns;
#[path = "deployability/firewall.rs"]
mod firewall;
#[path = "deployability/managed.rs"]
mod managed;
#[path = "deployability/tags.rs"]
mod tags;

use std::path::Path;
use std::rc::Rc;

use serde_json::Value;

use crate::support::{every_profile, python_json, root};
use tags::Tags;

/// What the checker needs to know of a profile, read from its TOML (and the files it
/// `extends`), not from amlnet's output.
pub struct Context {
  pub cloud: String,
  pub dns_proxy: bool,
  /// Private-endpoint targets Azure adds to the managed network itself:
  /// (provider, lowercase resource name, subresources).
  pub own: Vec<(String, String, Vec<&'static str>)>,
  /// `.blob.core.windows.net` and the other Azure Storage endpoint suffixes of the cloud.
  pub storage_suffixes: Vec<String>,
  pub tags: Option<Rc<Tags>>,
  /// `network.address_space`: private DNS records point inside it.
  pub address_space: Vec<ipnet::Ipv4Net>,
  /// Private DNS zones an earlier template of the same tree creates (a fleet's
  /// `hub/dns/vnet-links.json` is deployed after `hub/dns/private-dns/private-dns.json`).
  pub zones_deployed_before: std::collections::BTreeSet<String>,
}

impl Context {
  pub fn tag_problem(&self, tag: &str, feature: &str) -> Option<String> {
    self.tags.as_ref()?.problem(&self.cloud, tag, feature)
  }

  fn new(cloud: &str, dns_proxy: bool, tags: Option<Rc<Tags>>) -> Context {
    let suffix = match cloud {
      "AzureUSGovernment" => "core.usgovcloudapi.net",
      "AzureChinaCloud" => "core.chinacloudapi.cn",
      _ => "core.windows.net",
    };
    Context {
      cloud: cloud.to_string(),
      dns_proxy,
      own: Vec::new(),
      storage_suffixes: ["blob", "file", "queue", "table", "dfs", "web"]
        .iter()
        .map(|s| format!(".{s}.{suffix}"))
        .collect(),
      tags,
      address_space: Vec::new(),
      zones_deployed_before: Default::default(),
    }
  }

  /// From the profile file: cloud, `firewall.dns_proxy`, and the workspace's own resources.
  fn of_profile(path: &Path, tags: Option<Rc<Tags>>) -> Context {
    let p = profile_table(&root().join(path));
    let get = |table: &str, key: &str| p.get(table).and_then(|t| t.get(key)).cloned();
    let s = |v: Option<toml::Value>| v.and_then(|v| v.as_str().map(str::to_ascii_lowercase));
    let cloud = p
      .get("cloud")
      .and_then(|c| c.as_str())
      .unwrap_or("AzureCloud")
      .to_string();
    let dns_proxy = get("firewall", "dns_proxy")
      .and_then(|v| v.as_bool())
      .unwrap_or(false);
    let mut ctx = Context::new(&cloud, dns_proxy, tags);
    ctx.address_space = get("network", "address_space")
      .and_then(|v| v.as_array().cloned())
      .unwrap_or_default()
      .iter()
      .filter_map(|v| v.as_str()?.parse().ok())
      .collect();
    // [MVN] § List of required rules: approved-only mode always gets the private endpoints to
    // the workspace and its default resources; internet-outbound mode for those with public
    // access disabled (amlnet: access = "private-endpoint").
    let approved =
      s(get("managed_network", "isolation_mode")).as_deref() == Some("allow_only_approved_outbound");
    let private = |t: &str| approved || s(get(t, "access")).as_deref() == Some("private-endpoint");
    let mut own = |provider: &str, name: Option<String>, subs: Vec<&'static str>| {
      if let Some(name) = name {
        ctx.own.push((provider.to_string(), name, subs));
      }
    };
    own(
      "Microsoft.MachineLearningServices/workspaces",
      s(get("workspace", "name")),
      vec!["amlworkspace"],
    );
    if private("storage") {
      own(
        "Microsoft.Storage/storageAccounts",
        s(get("storage", "name")),
        vec!["blob", "file"],
      );
    }
    if private("key_vault") {
      own(
        "Microsoft.KeyVault/vaults",
        s(get("key_vault", "name")),
        vec!["vault"],
      );
    }
    if private("container_registry") {
      own(
        "Microsoft.ContainerRegistry/registries",
        s(get("container_registry", "name")),
        vec!["registry"],
      );
    }
    ctx
  }
}

/// The profile's TOML with its `extends` chain merged, child over base, table by table (arrays
/// replaced whole), as amlnet's loader documents it.
fn profile_table(path: &Path) -> toml::Table {
  let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
  let mut table: toml::Table = toml::from_str(&text).expect("profile is TOML");
  if let Some(base) = table
    .remove("extends")
    .and_then(|b| b.as_str().map(str::to_string))
  {
    let base = profile_table(&path.parent().expect("file in a folder").join(base));
    table = merge(table, base);
  }
  table
}

fn merge(child: toml::Table, mut base: toml::Table) -> toml::Table {
  for (k, v) in child {
    let merged = match (v, base.remove(&k)) {
      (toml::Value::Table(c), Some(toml::Value::Table(b))) => toml::Value::Table(merge(c, b)),
      (v, _) => v,
    };
    base.insert(k, merged);
  }
  base
}

#[derive(Default)]
pub struct Report {
  pub problems: Vec<String>,
  pub nsg_rules: usize,
  pub fw_rules: usize,
  pub routes: usize,
  pub managed_rules: usize,
  pub dns_records: usize,
  pub tags: usize,
}

impl Report {
  pub fn problem(&mut self, path: &str, what: impl Into<String>) {
    self.problems.push(format!("{path}: {}", what.into()));
  }
}

const YAML_TO_JSON: &str = "import sys, json
try:
    import yaml
except ImportError:
    sys.exit(3)
print(json.dumps(yaml.safe_load(sys.stdin.read())))";

/// Check every artifact (path, contents) Azure deploys: ARM templates and the managed-network YAML.
fn check(ctx: &Context, artifacts: &[(String, String)], report: &mut Report) {
  for (path, contents) in artifacts {
    if path.ends_with(".json") {
      let doc: Value = serde_json::from_str(contents).unwrap_or_else(|e| panic!("{path}: {e}"));
      if doc["$schema"]
        .as_str()
        .is_some_and(|s| s.contains("deploymentTemplate"))
      {
        arm::check(path, &doc, ctx, report);
      }
    } else if path.starts_with("managed-network/") && path.ends_with(".yml") {
      let doc = python_json(YAML_TO_JSON, &[] as &[&str], contents);
      managed::check(path, &doc, ctx, report);
    }
  }
}

#[test]
fn every_shipped_and_test_profile_deploys() {
  let tags = Some(Rc::new(Tags::load()));
  let mut all = Report::default();
  let profiles = every_profile();
  for profile in &profiles {
    let compiled =
      amlnet::compile(&root().join(profile)).unwrap_or_else(|e| panic!("{}: {e}", profile.display()));
    let out = amlnet::backend::render_all(&compiled.ir, &compiled.plan);
    let artifacts: Vec<(String, String)> = out.artifacts.into_iter().map(|a| (a.path, a.contents)).collect();
    let ctx = Context::of_profile(profile, tags.clone());
    let mut report = Report::default();
    check(&ctx, &artifacts, &mut report);
    all.problems.extend(
      report
        .problems
        .iter()
        .map(|p| format!("{}: {p}", profile.display())),
    );
    all.nsg_rules += report.nsg_rules;
    all.fw_rules += report.fw_rules;
    all.managed_rules += report.managed_rules;
    all.dns_records += report.dns_records;
    all.tags += report.tags;
  }
  assert!(
    all.problems.is_empty(),
    "{} problems Azure would refuse:\n{}",
    all.problems.len(),
    all.problems.join("\n")
  );
  // The walk reached the rules (a renamed artifact or resource type would skip them).
  assert!(
    all.nsg_rules > 100 && all.fw_rules > 50 && all.managed_rules > 0 && all.dns_records > 50,
    "checked too few rules"
  );
  assert!(
    tags.is_none() || all.tags > 100,
    "looked up too few tags: {}",
    all.tags
  );
}

/// Issue 9 item 9: the managed-network YAML repeated the rules its own header says Azure adds
/// (the required service tags, the private endpoints to the workspace's default storage, key
/// vault and container registry). Now each is left out and named in note MNV009; the queue and
/// table endpoints batch endpoints need, and pypi, stay.
#[test]
fn managed_network_yaml_leaves_out_the_rules_azure_adds() {
  let compiled =
    amlnet::compile(&root().join("tests/profiles/serverless-managed-vnet.toml")).expect("compiles");
  let managed = compiled.plan.managed.as_ref().expect("a managed network");
  let names: Vec<&str> = managed.rules.iter().map(|r| r.name.as_str()).collect();
  for gone in [
    "allow-out-tcp-azurefrontdoor-firstparty",
    "allow-out-tcp-microsoftcontainerregistry-eastus",
    "pe-stcontosomvnet-blob",
    "pe-stcontosomvnet-file",
    "pe-kv-contoso-mvnet-vault",
    "pe-crcontosomvnet-registry",
  ] {
    assert!(
      !names.contains(&gone),
      "{gone} is Azure's own required rule: {names:?}"
    );
  }
  for kept in [
    "allow-out-tcp-pypi-org",
    "pe-stcontosomvnet-queue",
    "pe-stcontosomvnet-table",
  ] {
    assert!(names.contains(&kept), "{kept} is missing: {names:?}");
  }
  let note = compiled
    .plan
    .notes
    .iter()
    .find(|n| n.code == "MNV009")
    .expect("MNV009 names what Azure adds");
  for named in [
    "managed-out-tcp-AzureFrontDoor.FirstParty",
    "managed-out-tcp-MicrosoftContainerRegistry.EastUS",
    "private endpoint stcontosomvnet (blob)",
    "private endpoint kv-contoso-mvnet (vault)",
  ] {
    assert!(
      note.message.contains(named),
      "MNV009 lacks {named}: {}",
      note.message
    );
  }
}

/// Every customer region of the public ServiceTags download (a regional tag suffix; the early
/// access `…EUAP` and staging `…Stage`/`…STG` rings aside) is a region amlnet knows, with that
/// suffix: a profile there compiles and its regional tags exist. Failed before for
/// IsraelNorthwest, MalaysiaSouth, SouthCentralUS2, SoutheastUS, SoutheastUS3, SwedenSouth,
/// TaiwanNorth and TaiwanNorthwest.
#[test]
fn every_region_of_the_public_download_is_known() {
  let dir = tags::downloads_dir();
  let text = std::fs::read_to_string(dir.join(tags::PUBLIC)).expect("download");
  let doc: Value = serde_json::from_str(&text).expect("JSON");
  let known: Vec<&str> = amlnet::region::Cloud::AzureCloud
    .region_names()
    .filter_map(|r| amlnet::region::Cloud::AzureCloud.tag_suffix(r))
    .collect();
  let mut missing = std::collections::BTreeSet::new();
  for v in doc["values"].as_array().expect("values") {
    let name = v["name"].as_str().unwrap_or_default();
    let Some((_, suffix)) = name.split_once('.') else {
      continue;
    };
    let regional = !v["properties"]["region"].as_str().unwrap_or_default().is_empty();
    let ring = ["EUAP", "Stage", "STG"].iter().any(|r| suffix.ends_with(r));
    if regional && !ring && suffix.chars().any(|c| c.is_ascii_uppercase()) && !known.contains(&suffix) {
      missing.insert(suffix.to_string());
    }
  }
  assert!(
    missing.is_empty(),
    "regions unknown to src/region.rs: {missing:?}"
  );
}

/// Every ARM template of a fleet's `--out` tree Azure would take: the hub's IP Groups, rule
/// collection group and private DNS set, and each spoke's NSG and routes, for the shipped
/// example per workspace and per rule set (with a spoke whose rules another already has).
#[test]
fn the_example_fleet_deploys_in_both_ip_group_modes() {
  use crate::fleet_support::{compiled, spoke, EXAMPLE, SPOKES};
  let tags = Some(Rc::new(Tags::load()));
  let mut spokes: Vec<_> = SPOKES.iter().map(|s| spoke(s)).collect();
  spokes.push(crate::fleet_ip_groups::twin());
  let per_rule_set =
    crate::fleet_ip_groups::example_with("deploy-rule-set", &spokes, "ip_groups = \"per-rule-set\"");
  for fleet_file in [root().join(EXAMPLE), per_rule_set] {
    let fleet = compiled(&fleet_file);
    let mut report = Report::default();
    let mut hub = Context::new("AzureCloud", false, tags.clone());
    for s in &fleet.spokes {
      let ctx = Context::of_profile(&s.path, tags.clone());
      hub.address_space.extend(ctx.address_space.iter().copied());
      let artifacts: Vec<(String, String)> = s
        .compiled
        .output
        .artifacts
        .iter()
        .map(|a| (format!("{}/{}", s.name(), a.path), a.contents.clone()))
        .collect();
      check(&ctx, &artifacts, &mut report);
    }
    let artifacts: Vec<(String, String)> = fleet
      .output
      .artifacts
      .iter()
      .map(|a| (a.path.clone(), a.contents.clone()))
      .collect();
    // docs/fleet.md: the VNet links are deployed after the zones' template.
    let zones = artifacts
      .iter()
      .find(|(p, _)| p == "hub/dns/private-dns/private-dns.json")
      .map(|(_, text)| serde_json::from_str::<Value>(text).expect("JSON"))
      .expect("the hub's private DNS template");
    hub.zones_deployed_before = zones["resources"]
      .as_array()
      .expect("resources")
      .iter()
      .filter(|r| r["type"] == "Microsoft.Network/privateDnsZones")
      .map(|r| arm::text(&r["name"]))
      .collect();
    check(&hub, &artifacts, &mut report);
    assert!(
      report.problems.is_empty(),
      "{}: {} problems Azure would refuse:\n{}",
      fleet_file.display(),
      report.problems.len(),
      report.problems.join("\n")
    );
    assert!(
      report.fw_rules > 20 && report.nsg_rules > 20 && report.dns_records > 20,
      "{}: checked too few rules",
      fleet_file.display()
    );
  }
}
