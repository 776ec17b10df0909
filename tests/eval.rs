//! The evaluator (`eval/`) and the NSG import (`import/`): brute-force references for NSG
//! and firewall semantics, tag resolution, FQDN wildcards, and every shipped profile's
//! nsg/nsg.json imported back to its planned rules.

mod firewall_reference;
mod nsg_reference;
mod universe;

use std::collections::BTreeMap;
use std::path::Path;

use amlnet::eval::firewall::fqdn_matches;
use amlnet::eval::nsg::Nsg;
use amlnet::eval::{Platform, Protocols, TagResolver, TrafficClass};
use amlnet::import::nsg::{security_rules, ImportError};
use amlnet::ir::Direction;
use amlnet::net::{PortSet, PrefixSet};
use amlnet::service_tags::ServiceTags;
use amlnet::target::nsg::{default_rules, Access};
use amlnet::target::Endpoint;
use ipnet::IpNet;
use serde_json::json;

use crate::support::every_profile;

fn set(items: &[&str]) -> PrefixSet {
  PrefixSet::aggregate(&items.iter().map(|s| s.parse().unwrap()).collect::<Vec<IpNet>>())
}

#[test]
fn every_shipped_nsg_template_imports_back_to_its_plan() {
  for profile in every_profile() {
    let compiled = amlnet::compile(&profile).unwrap();
    let Some(nsg) = compiled
      .output
      .artifacts
      .iter()
      .find(|a| a.path == "nsg/nsg.json")
    else {
      assert!(
        compiled.plan.nsg.is_empty(),
        "{}: NSG rules but no nsg/nsg.json",
        profile.display()
      );
      continue;
    };
    let doc: serde_json::Value = serde_json::from_str(&nsg.contents).unwrap();
    let imported = security_rules(&doc).unwrap();
    // The flow id is amlnet's own bookkeeping; Azure does not hold it.
    let mut planned = compiled.plan.nsg.clone();
    planned.iter_mut().for_each(|r| r.flow = None);
    assert_eq!(imported, planned, "{}", profile.display());
  }
}

#[test]
fn import_reads_az_show_output_and_splits_plural_prefixes() {
  let doc = json!({ "name": "nsg", "securityRules": [{
    "name": "web", "priority": 200, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
    "sourceAddressPrefix": "", "sourceAddressPrefixes": ["10.0.0.0/24", "10.0.9.9"],
    "sourcePortRange": "*", "sourcePortRanges": [],
    "destinationAddressPrefix": "VirtualNetwork", "destinationAddressPrefixes": [],
    "destinationPortRange": null, "destinationPortRanges": ["443", "80"],
    "sourceApplicationSecurityGroups": null
  }]});
  let rules = security_rules(&doc).unwrap();
  assert_eq!(rules.len(), 2);
  assert_eq!(rules[1].source, Endpoint::Prefix("10.0.9.9/32".parse().unwrap()));
  assert_eq!(rules[0].destination, Endpoint::Tag("VirtualNetwork".into()));
  assert_eq!(rules[0].ports, ["80", "443"]);
  assert!(rules
    .iter()
    .all(|r| r.name == "web" && r.priority == 200 && r.access == Access::Deny));
}

#[test]
fn import_refuses_what_the_model_cannot_hold() {
  let base = json!({ "name": "x", "properties": {
    "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
    "sourceAddressPrefix": "*", "sourcePortRange": "*",
    "destinationAddressPrefix": "Internet", "destinationPortRange": "443" }});
  let with = |key: &str, value: serde_json::Value| {
    let mut r = base.clone();
    r["properties"][key] = value;
    json!({ "properties": { "securityRules": [r] } })
  };
  assert_eq!(security_rules(&with("priority", json!(100))).unwrap().len(), 1);
  for (key, value) in [
    ("sourcePortRange", json!("1024-65535")),
    ("protocol", json!("Icmp")),
    (
      "destinationApplicationSecurityGroups",
      json!([{ "id": "/subscriptions/x/asg" }]),
    ),
    ("destinationAddressPrefix", json!("[parameters('peer')]")),
  ] {
    let err = security_rules(&with(key, value)).unwrap_err();
    assert!(
      matches!(err, ImportError::Unsupported { ref rule, .. } if rule == "x"),
      "{key}: {err}"
    );
  }
  for (key, value) in [
    ("direction", json!("Sideways")),
    ("priority", json!("100")),
    ("destinationPortRange", json!("99999")),
  ] {
    let err = security_rules(&with(key, value)).unwrap_err();
    assert!(matches!(err, ImportError::Invalid { .. }), "{key}: {err}");
  }
  assert!(matches!(
    security_rules(&json!({ "resources": [] })),
    Err(ImportError::Shape(_))
  ));
}

#[test]
fn fqdn_wildcards_follow_the_firewall_faq() {
  for (pattern, name, want) in [
    ("www.contoso.com", "www.contoso.com", true),
    ("www.contoso.com", "WWW.Contoso.com.", true),
    ("www.contoso.com", "contoso.com", false),
    ("*.contoso.com", "any.contoso.com", true),
    ("*.contoso.com", "sub1.any.contoso.com", true),
    ("*.contoso.com", "contoso.com", false),
    ("*.contoso.com", "evilcontoso.com", false),
    ("*contoso.com", "contoso.com", true),
    ("*contoso.com", "example.anycontoso.com", true),
    ("*", "anything.example", true),
  ] {
    assert_eq!(fqdn_matches(pattern, name), want, "{pattern} vs {name}");
  }
}

#[test]
fn platform_resolves_virtual_tags_and_downloaded_ones() {
  let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/service-tags/public-new.json");
  let tags = ServiceTags::load(&path).unwrap();
  let platform = Platform::new(Some(&tags), set(&["10.1.0.0/16"]));
  assert_eq!(platform.resolve("VirtualNetwork"), Some(set(&["10.1.0.0/16"])));
  assert_eq!(
    platform.resolve("azureloadbalancer"),
    Some(set(&["168.63.129.16/32"]))
  );
  let internet = platform.resolve("Internet").unwrap();
  assert!(internet.contains("20.1.2.3".parse().unwrap()));
  assert!(!internet.contains("10.1.2.3".parse().unwrap()));
  assert!(!internet.contains("192.168.1.1".parse().unwrap()));
  assert!(platform
    .resolve("AzureMachineLearning")
    .is_some_and(|s| !s.is_empty()));
  assert_eq!(platform.resolve("NoSuchTag"), None);
  assert_eq!(
    Platform::new(None, PrefixSet::default()).resolve("AzureMachineLearning"),
    None
  );
}

/// A planned profile, asked about its own flows: every outbound service-tag flow the plan
/// carries is allowed by the NSG it planned.
#[test]
fn planned_nsg_allows_its_own_service_tag_flows() {
  let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/service-tags/public-new.json");
  let tags = ServiceTags::load(&path).unwrap();
  let compiled = amlnet::compile(Path::new("profiles/secure-workspace.toml")).unwrap();
  let vnet = set(&["10.0.0.0/16"]);
  let downloaded = Platform::new(Some(&tags), vnet.clone());
  // Tags the small fixture lacks stand for a documentation address each.
  let mut platform: BTreeMap<String, PrefixSet> = BTreeMap::new();
  for (i, rule) in compiled.plan.nsg.iter().chain(&default_rules()).enumerate() {
    for e in [&rule.source, &rule.destination] {
      if let Endpoint::Tag(t) = e {
        let fallback = set(&[&format!("198.51.100.{i}/32")]);
        platform.insert(t.clone(), downloaded.resolve(t).unwrap_or(fallback));
      }
    }
  }
  let nsg = Nsg::new(&compiled.plan.nsg);
  let mut asked = 0;
  for rule in compiled
    .plan
    .nsg
    .iter()
    .filter(|r| r.direction == Direction::Outbound && r.access == Access::Allow)
  {
    let Ok(destination) = platform.endpoint(&rule.destination) else {
      continue;
    };
    let class = TrafficClass {
      protocols: Protocols::from(rule.protocol),
      source: vnet.clone(),
      destination,
      ports: rule.ports.clone(),
    };
    assert!(
      nsg.allows(Direction::Outbound, &class, &platform).unwrap(),
      "{}",
      rule.name
    );
    asked += 1;
  }
  assert!(asked > 0);
  // SSH from a documentation range (in no tag) meets DenyAllInBound.
  let inbound = TrafficClass {
    protocols: Protocols::TCP,
    source: set(&["203.0.113.0/24"]),
    destination: vnet,
    ports: PortSet::single(22),
  };
  let verdicts = nsg.evaluate(Direction::Inbound, &inbound, &platform).unwrap();
  assert_eq!(verdicts.len(), 1);
  assert_eq!(
    (verdicts[0].rule.name.as_str(), &verdicts[0].class),
    ("DenyAllInBound", &inbound)
  );
  // A resolver that knows no tags cannot say what a tag rule matches.
  let unknown = nsg.evaluate(
    Direction::Outbound,
    &TrafficClass::all(),
    &BTreeMap::<String, PrefixSet>::new(),
  );
  assert!(unknown.is_err());
}

/// The real downloads (trimmed copies in tests/fixtures/service-tags, prefixes kept for every
/// tag the profiles name): every tag a shipped profile's NSG names resolves, and the planned
/// NSG allows each of its own outbound flows from the VNet.
#[test]
fn real_downloads_resolve_every_planned_tag() {
  let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/service-tags");
  let downloads: Vec<ServiceTags> = ["trimmed-public-2025-11-09.json", "trimmed-gov-2026-07-19.json"]
    .iter()
    .map(|f| ServiceTags::load(&dir.join(f)).unwrap())
    .collect();
  let vnet = set(&["10.0.0.0/16"]);
  let mut checked = 0;
  for profile in every_profile() {
    let compiled = amlnet::compile(&profile).unwrap();
    let cloud = compiled.ir.cloud.name();
    let Some(tags) = downloads.iter().find(|t| t.ir_cloud() == cloud) else {
      continue;
    };
    let platform = Platform::new(Some(tags), vnet.clone());
    let nsg = Nsg::new(&compiled.plan.nsg);
    for rule in &compiled.plan.nsg {
      let class = TrafficClass {
        protocols: Protocols::from(rule.protocol),
        source: platform.endpoint(&rule.source).unwrap(),
        destination: platform.endpoint(&rule.destination).unwrap(),
        ports: rule.ports.clone(),
      };
      if rule.direction == Direction::Outbound && rule.access == Access::Allow {
        let class = TrafficClass {
          source: vnet.clone(),
          ..class
        };
        assert!(
          nsg.allows(Direction::Outbound, &class, &platform).unwrap(),
          "{}: {}",
          profile.display(),
          rule.name
        );
        checked += 1;
      }
    }
  }
  assert!(checked > 10, "only {checked} planned rules checked");
}
