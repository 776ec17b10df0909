//! `amlnet audit`: every shipped and test profile's own outputs are a clean deployment of it;
//! each mutation of an export (rule deleted, deny inserted above, port or source widened, extra
//! rule, record changed, final deny removed) gives exactly the finding it should, with the
//! deployed rule and a fix; exit codes follow --fail-on; hostile rule names stay in their cells.

use std::path::{Path, PathBuf};

use amlnet::audit::{audit, Deployment, Finding, Kind, Report};
use amlnet::eval::TagBlocks;
use amlnet::import;
use amlnet::net::PrefixSet;
use serde_json::{json, Value};

use crate::support::{amlnet, every_profile, scratch};

fn artifact(c: &amlnet::Compiled, path: &str) -> Option<String> {
  c.output
    .artifacts
    .iter()
    .find(|a| a.path == path)
    .map(|a| a.contents.clone())
}

/// The deployment a profile's own outputs make: its NSG, its rule collection group and its
/// private DNS zone files.
fn own_deployment(c: &amlnet::Compiled) -> Deployment {
  let nsg = artifact(c, "nsg/nsg.json")
    .map(|t| import::nsg::security_rules(&serde_json::from_str(&t).unwrap()).unwrap());
  let firewall = artifact(c, "firewall/rule-collection-group.json")
    .map(|t| import::firewall::policy(&serde_json::from_str(&t).unwrap()).unwrap());
  let mut dns = import::dns::Records::default();
  for a in c
    .output
    .artifacts
    .iter()
    .filter(|a| a.path.starts_with("dns/zones/") && a.path.ends_with(".zone"))
  {
    dns.extend(import::dns::zone_file(&a.contents, None).unwrap_or_else(|e| panic!("{}: {e}", a.path)));
  }
  Deployment {
    nsg,
    firewall,
    dns: Some(dns),
  }
}

/// The audit with tags compared by name, as the CLI does without a download.
fn audited(c: &amlnet::Compiled, d: &Deployment) -> Report {
  let tags = amlnet::target::named_tags(
    c.plan.nsg.iter().chain(d.nsg.iter().flatten()),
    c.plan
      .firewall
      .network
      .rules
      .iter()
      .chain(d.firewall.iter().flat_map(|p| p.network_rules())),
  );
  let blocks = TagBlocks::new(tags);
  let vnet: Vec<ipnet::IpNet> = c
    .ir
    .settings
    .address_space
    .iter()
    .map(|n| ipnet::IpNet::V4(*n))
    .collect();
  let resolver = blocks.resolver(PrefixSet::aggregate(&vnet));
  audit(&c.ir, &c.plan, d, &resolver).expect("every tag resolves")
}

fn compiled(path: &str) -> amlnet::Compiled {
  amlnet::compile(Path::new(path)).unwrap()
}

fn only(r: &Report) -> &Finding {
  assert_eq!(r.findings.len(), 1, "{}", r.text());
  &r.findings[0]
}

#[test]
fn every_profile_own_outputs_are_a_clean_deployment() {
  for path in every_profile() {
    let c = amlnet::compile(&path).unwrap();
    let r = audited(&c, &own_deployment(&c));
    assert!(r.findings.is_empty(), "{}:\n{}", path.display(), r.text());
  }
}

#[test]
fn a_deleted_nsg_rule_is_missing_with_the_rule_to_add() {
  // Without the final deny, the default AllowInternetOutBound still carries the tag: clean.
  let c = compiled("profiles/secure-workspace.toml");
  let mut d = own_deployment(&c);
  d.nsg
    .as_mut()
    .unwrap()
    .retain(|r| r.name != "Allow-Out-Tcp-AzureMachineLearning");
  assert!(audited(&c, &d).findings.is_empty());
  // With the final deny: without it, AllowInternetOutBound would still let the traffic out.
  let profile = crate::support::extending(
    "training-no-public-ip",
    "audit-delete",
    "[nsg]\ndeny_internet_outbound = true\naccept_blocked_fqdn_flows = true\n",
  );
  let c = amlnet::compile(&profile).unwrap();
  let mut d = own_deployment(&c);
  d.nsg
    .as_mut()
    .unwrap()
    .retain(|r| r.name != "Allow-Out-Tcp-AzureMachineLearning");
  let r = audited(&c, &d);
  let f = only(&r);
  assert_eq!(
    (f.kind, f.target, f.subject.as_str()),
    (Kind::Missing, "nsg", "Allow-Out-Tcp-AzureMachineLearning")
  );
  assert!(f.requirements.iter().any(|q| q.starts_with("baseline")), "{f:?}");
  assert!(
    f.fix
      .contains("add NSG rule `Allow-Out-Tcp-AzureMachineLearning`: priority 130"),
    "{}",
    f.fix
  );
  assert!(
    f.detail.contains("denied by Deny-Out-Internet (4096)"),
    "{}",
    f.detail
  );
}

#[test]
fn a_deny_inserted_above_shadows_the_allow() {
  let c = compiled("profiles/secure-workspace.toml");
  let mut d = own_deployment(&c);
  let doc = json!({ "securityRules": [{ "name": "Deny-Storage", "priority": 105, "direction": "Outbound",
    "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
    "destinationAddressPrefix": "Storage.EastUS", "destinationPortRange": "*" }] });
  d.nsg
    .as_mut()
    .unwrap()
    .extend(import::nsg::security_rules(&doc).unwrap());
  let r = audited(&c, &d);
  let f = only(&r);
  assert_eq!(
    (f.kind, f.subject.as_str()),
    (Kind::Shadowed, "Allow-Out-Tcp-Storage.EastUS")
  );
  let deployed = f.deployed.as_ref().unwrap();
  assert_eq!(
    (deployed.name.as_str(), deployed.priority),
    ("Deny-Storage", Some(105))
  );
  assert!(f.fix.contains("below 105"), "{}", f.fix);
}

#[test]
fn a_port_widened_to_any_is_broad() {
  let c = compiled("profiles/secure-workspace.toml");
  let mut d = own_deployment(&c);
  for rule in d
    .nsg
    .as_mut()
    .unwrap()
    .iter_mut()
    .filter(|r| r.name == "Allow-Out-Tcp-AzureActiveDirectory")
  {
    rule.ports = amlnet::net::PortSet::all();
  }
  let r = audited(&c, &d);
  let f = only(&r);
  assert_eq!(
    (f.kind, f.subject.as_str()),
    (Kind::Broad, "Allow-Out-Tcp-AzureActiveDirectory")
  );
  assert!(
    f.detail.contains("ports * where 80,443 is needed"),
    "{}",
    f.detail
  );
}

#[test]
fn a_firewall_source_widened_is_broad_and_a_deleted_firewall_rule_missing() {
  let c = compiled("profiles/training-no-public-ip.toml");
  let mut d = own_deployment(&c);
  let policy = d.firewall.as_mut().unwrap();
  for col in &mut policy.collections {
    if let import::firewall::Rules::Application(rules) = &mut col.rules {
      rules.retain(|r| r.name != "Allow-Out-Tcp-pypi.org");
      for r in rules
        .iter_mut()
        .filter(|r| r.name == "Allow-Out-Tcp-ml.azure.com")
      {
        r.source_addresses = vec!["10.0.0.0/8".parse().unwrap()];
      }
    }
  }
  let r = audited(&c, &d);
  let kinds: Vec<(Kind, &str, &str)> = r
    .findings
    .iter()
    .map(|f| (f.kind, f.target, f.subject.as_str()))
    .collect();
  assert_eq!(
    kinds,
    [
      (Kind::Missing, "firewall", "Allow-Out-Tcp-pypi.org"),
      (Kind::Broad, "firewall", "Allow-Out-Tcp-ml.azure.com")
    ],
    "{}",
    r.text()
  );
  assert!(
    r.findings[1]
      .detail
      .contains("source 10.0.0.0/8 where 10.20.0.0/24 is needed"),
    "{}",
    r.findings[1].detail
  );
  assert!(
    r.findings[0]
      .fix
      .contains("add application rule `Allow-Out-Tcp-pypi.org`"),
    "{}",
    r.findings[0].fix
  );
}

#[test]
fn an_unrelated_allow_is_extra() {
  let c = compiled("profiles/secure-workspace.toml");
  let mut d = own_deployment(&c);
  let doc = json!({ "securityRules": [{ "name": "Allow-Google-DNS", "priority": 300, "direction": "Outbound",
    "access": "Allow", "protocol": "Udp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
    "destinationAddressPrefix": "8.8.8.8", "destinationPortRange": "53" }] });
  d.nsg
    .as_mut()
    .unwrap()
    .extend(import::nsg::security_rules(&doc).unwrap());
  let f = only(&audited(&c, &d)).clone();
  assert_eq!((f.kind, f.subject.as_str()), (Kind::Extra, "Allow-Google-DNS"));
}

#[test]
fn a_removed_final_deny_is_broad() {
  let profile = crate::support::extending(
    "training-no-public-ip",
    "audit-deny",
    "[nsg]\ndeny_internet_outbound = true\naccept_blocked_fqdn_flows = true\n",
  );
  let c = amlnet::compile(&profile).unwrap();
  let mut d = own_deployment(&c);
  d.nsg.as_mut().unwrap().retain(|r| r.name != "Deny-Out-Internet");
  let f = only(&audited(&c, &d)).clone();
  assert_eq!((f.kind, f.subject.as_str()), (Kind::Broad, "Deny-Out-Internet"));
  assert_eq!(f.deployed.unwrap().name, "AllowInternetOutBound");
}

#[test]
fn a_changed_record_and_a_missing_one_are_dns_findings() {
  let c = compiled("profiles/secure-workspace.toml");
  let mut d = own_deployment(&c);
  let dns = &mut d.dns.as_mut().unwrap().sets;
  let moved = dns
    .iter()
    .position(|s| s.name.starts_with("kv-contoso-secure."))
    .unwrap();
  dns[moved].addresses = vec!["10.20.2.99".parse().unwrap()];
  dns.retain(|s| !s.name.starts_with("stcontososecure.privatelink.blob."));
  let r = audited(&c, &d);
  let details: Vec<&str> = r.findings.iter().map(|f| f.detail.as_str()).collect();
  assert_eq!(r.findings.len(), 2, "{}", r.text());
  assert!(r.findings.iter().all(|f| f.kind == Kind::Dns));
  assert!(
    details
      .iter()
      .any(|d| d.contains("10.20.2.99") && d.contains("needs 10.20.2.12")),
    "{details:?}"
  );
  assert!(
    details
      .iter()
      .any(|d| d.contains("has no A record; needs 10.20.2.10")),
    "{details:?}"
  );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
  let p = dir.join(name);
  std::fs::write(&p, text).unwrap();
  p
}

#[test]
fn the_cli_reads_exports_and_exits_by_fail_on() {
  let c = compiled("profiles/secure-workspace.toml");
  let dir = scratch("audit-cli");
  let nsg = write(&dir, "nsg.json", &artifact(&c, "nsg/nsg.json").unwrap());
  let fw = write(
    &dir,
    "fw.json",
    &artifact(&c, "firewall/rule-collection-group.json").unwrap(),
  );
  let zone_path = "dns/zones/privatelink.vaultcore.azure.net.zone";
  let zone = write(&dir, "kv.zone", &artifact(&c, zone_path).unwrap());
  let (n, f, z) = (
    nsg.to_str().unwrap(),
    fw.to_str().unwrap(),
    zone.to_str().unwrap(),
  );
  let clean = amlnet(&[
    "audit",
    "profiles/secure-workspace.toml",
    "--nsg",
    n,
    "--firewall",
    f,
    "--dns",
    z,
  ]);
  assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
  assert!(
    clean
      .stdout
      .contains("0 missing, 0 shadowed, 0 broad, 0 extra, 0 dns"),
    "{}",
    clean.stdout
  );
  assert!(
    clean
      .stdout
      .contains("zone privatelink.api.azureml.ms was not among the DNS inputs"),
    "{}",
    clean.stdout
  );
  // An extra rule: reported, but exit 0 unless --fail-on extra.
  let mut doc: Value = serde_json::from_str(&artifact(&c, "nsg/nsg.json").unwrap()).unwrap();
  doc["resources"][0]["properties"]["securityRules"]
    .as_array_mut()
    .unwrap()
    .push(json!({
    "name": "Allow-Google-DNS", "properties": { "priority": 300, "direction": "Outbound", "access": "Allow",
    "protocol": "Udp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
    "destinationAddressPrefix": "8.8.8.8", "destinationPortRange": "53" } }));
  let extra = write(&dir, "extra.json", &doc.to_string());
  let e = extra.to_str().unwrap();
  let run = amlnet(&["audit", "profiles/secure-workspace.toml", "--nsg", e]);
  assert_eq!(run.code, 0, "{}", run.stdout);
  let run = amlnet(&[
    "audit",
    "profiles/secure-workspace.toml",
    "--nsg",
    e,
    "--fail-on",
    "extra",
    "--format",
    "json",
  ]);
  assert_eq!(run.code, 1);
  let v: Value = serde_json::from_str(&run.stdout).unwrap();
  assert_eq!(v["audit_format_version"], "1.0");
  assert_eq!(v["findings"][0]["kind"], "extra");
  // Nothing given, or a malformed export: exit 2.
  assert_eq!(amlnet(&["audit", "profiles/secure-workspace.toml"]).code, 2);
  let bad = write(&dir, "bad.zone", "$INCLUDE /etc/passwd\n");
  let run = amlnet(&[
    "audit",
    "profiles/secure-workspace.toml",
    "--dns",
    bad.to_str().unwrap(),
  ]);
  assert_eq!(run.code, 2);
  assert!(run.stderr.contains("$INCLUDE"), "{}", run.stderr);
}

#[test]
fn hostile_rule_names_stay_inside_their_markdown_cells() {
  let c = compiled("profiles/secure-workspace.toml");
  let dir = scratch("audit-hostile");
  let mut doc: Value = serde_json::from_str(&artifact(&c, "nsg/nsg.json").unwrap()).unwrap();
  let hostile = "x | y\n\n## approved <!-- z\u{202E}\u{85}";
  doc["resources"][0]["properties"]["securityRules"]
    .as_array_mut()
    .unwrap()
    .push(json!({
    "name": hostile, "properties": { "priority": 300, "direction": "Outbound", "access": "Allow",
    "protocol": "Udp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
    "destinationAddressPrefix": "8.8.8.8", "destinationPortRange": "53" } }));
  let nsg = write(&dir, "nsg.json", &doc.to_string());
  let run = amlnet(&[
    "audit",
    "profiles/secure-workspace.toml",
    "--nsg",
    nsg.to_str().unwrap(),
    "--format",
    "markdown",
  ]);
  use pulldown_cmark::{Event, Options, Parser, Tag};
  let mut headings = 0;
  let mut rows = 0;
  for e in Parser::new_ext(&run.stdout, Options::ENABLE_TABLES) {
    match e {
      Event::Start(Tag::Heading { .. }) => headings += 1,
      Event::Start(Tag::TableRow) => rows += 1,
      Event::Html(h) | Event::InlineHtml(h) => assert_eq!(h.trim(), "<br>", "{}", run.stdout),
      _ => {}
    }
  }
  // The title, "Remove" and "Not checked"; one extra row.
  assert_eq!((headings, rows), (3, 1), "{}", run.stdout);
  let text = amlnet(&[
    "audit",
    "profiles/secure-workspace.toml",
    "--nsg",
    nsg.to_str().unwrap(),
  ]);
  assert!(!text.stdout.contains("\n\n## approved"), "{}", text.stdout);
}

#[test]
fn az_record_set_lists_are_read_with_their_zones() {
  let zone = "privatelink.vaultcore.azure.net";
  let id = |kind: &str, name: &str| {
    format!(
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/{zone}/{kind}/{name}"
    )
  };
  let doc = json!([
    { "id": id("SOA", "@"), "name": "@", "type": "Microsoft.Network/privateDnsZones/SOA", "soaRecord": {} },
    { "id": id("A", "kv-contoso-secure"), "name": "kv-contoso-secure", "type": "Microsoft.Network/privateDnsZones/A",
      "aRecords": [{ "ipv4Address": "10.20.2.12" }], "ttl": 10 }
  ]);
  let r = import::dns::record_sets(&doc).unwrap();
  assert_eq!(r.zones.iter().collect::<Vec<_>>(), [zone]);
  assert_eq!(r.sets[0].name, format!("kv-contoso-secure.{zone}"));
  // A zone with only its SOA still counts as given: its records are missing, not unchecked.
  let empty = import::dns::record_sets(&json!([doc[0].clone()])).unwrap();
  let c = compiled("profiles/secure-workspace.toml");
  let d = Deployment {
    nsg: None,
    firewall: None,
    dns: Some(empty),
  };
  let f = only(&audited(&c, &d)).clone();
  assert_eq!(f.kind, Kind::Dns);
  assert!(
    f.detail.contains("has no A record; needs 10.20.2.12"),
    "{}",
    f.detail
  );
  for bad in [
    json!({"x": 1}),
    json!([{ "id": "/nozone", "type": "Microsoft.Network/privateDnsZones/A", "name": "a" }]),
  ] {
    assert!(import::dns::record_sets(&bad).is_err(), "{bad}");
  }
}
