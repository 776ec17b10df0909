//! Firewall evaluation against a brute-force reference: random collections of network and
//! application rules (random actions and priorities) over the small universe, queries with
//! and without a name, and a naive per-packet first match.

use amlnet::eval::firewall::{Collection, Policy, Query, Rules};
use amlnet::target::firewall::{AppProtocol, ApplicationRule, Destination, NetworkProtocol, NetworkRule};
use amlnet::target::nsg::Access;
use ipnet::IpNet;
use proptest::prelude::*;

use super::universe::*;

const NAMES: [&str; 6] = ["x.com", "a.x.com", "b.a.x.com", "ax.com", "y.com", "A.X.COM"];
const PATTERNS: [&str; 6] = ["*", "*.x.com", "x.com", "a.x.com", "*x.com", "y.com"];

#[derive(Clone, Debug)]
struct Owned {
  application: bool,
  group_priority: u32,
  priority: u32,
  allow: bool,
  network: Vec<(NetworkRule, Vec<(u16, u16)>)>,
  apps: Vec<ApplicationRule>,
}

fn sources() -> impl Strategy<Value = Vec<IpNet>> {
  prop_oneof![1 => Just(vec!["0.0.0.0/0".parse().unwrap()]), 3 => prop::collection::vec(prefix(), 1..3)]
}

fn network_rule() -> impl Strategy<Value = (NetworkRule, Vec<(u16, u16)>)> {
  let protocol = prop_oneof![
    Just(NetworkProtocol::Tcp),
    Just(NetworkProtocol::Udp),
    Just(NetworkProtocol::Any)
  ];
  let destination = prop_oneof![
    3 => prop::collection::vec(endpoint(), 1..3).prop_map(Destination::Addresses),
    1 => prop::collection::vec(0..NAMES.len(), 1..3).prop_map(|i| Destination::Fqdns(i.into_iter().map(|i| NAMES[i].to_string()).collect())),
  ];
  (
    prop::collection::vec(protocol, 1..3),
    sources(),
    destination,
    ports(),
  )
    .prop_map(|(protocols, source_addresses, destination, ports)| {
      let rule = NetworkRule {
        name: String::new(),
        description: String::new(),
        protocols,
        source_addresses,
        destination,
        ports: port_set(&ports),
        flow: None,
      };
      (rule, ports)
    })
}

fn app_rule() -> impl Strategy<Value = ApplicationRule> {
  let protocol = (any::<bool>(), 0u16..33).prop_map(|(https, port)| {
    (
      if https {
        AppProtocol::Https
      } else {
        AppProtocol::Http
      },
      port,
    )
  });
  (
    prop::collection::vec(protocol, 1..3),
    sources(),
    prop::collection::vec(0..PATTERNS.len(), 1..3),
  )
    .prop_map(|(protocols, source_addresses, fqdns)| ApplicationRule {
      name: String::new(),
      description: String::new(),
      protocols,
      source_addresses,
      target_fqdns: fqdns.into_iter().map(|i| PATTERNS[i].to_string()).collect(),
      flow: None,
    })
}

fn collection() -> impl Strategy<Value = Owned> {
  (
    any::<bool>(),
    100u32..103,
    100u32..104,
    any::<bool>(),
    prop::collection::vec(network_rule(), 1..4),
    prop::collection::vec(app_rule(), 1..4),
  )
    .prop_map(
      |(application, group_priority, priority, allow, network, apps)| Owned {
        application,
        group_priority,
        priority,
        allow,
        network,
        apps,
      },
    )
}

/// The wildcard table of the firewall FAQ, label by label.
fn wildcard(pattern: &str, name: &str) -> bool {
  let (pattern, name) = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
  if pattern == "*" {
    return true;
  }
  if let Some(domain) = pattern.strip_prefix("*.") {
    let (labels, wanted): (Vec<&str>, Vec<&str>) = (name.split('.').collect(), domain.split('.').collect());
    return labels.len() > wanted.len() && labels[labels.len() - wanted.len()..] == wanted[..];
  }
  match pattern.strip_prefix('*') {
    Some(tail) => name.len() >= tail.len() && name[name.len() - tail.len()..] == *tail,
    None => pattern == name,
  }
}

/// The deciding rule's name and access for one packet: network collections first, each
/// kind by (group priority, priority), stable; nothing matched is a deny.
fn reference(owned: &[Owned], tags: &[u64; 5], p: Packet, name: Option<&str>) -> (Option<String>, Access) {
  let mut order: Vec<&Owned> = owned.iter().collect();
  order.sort_by_key(|c| (c.application, c.group_priority, c.priority));
  let within = |nets: &[IpNet], i| nets.iter().any(|n| in_prefix(n, i));
  for c in order {
    let access = if c.allow { Access::Allow } else { Access::Deny };
    if !c.application {
      for (r, ports) in &c.network {
        let proto = r.protocols.iter().any(|q| {
          matches!(
            (q, p.tcp),
            (NetworkProtocol::Any, _) | (NetworkProtocol::Tcp, true) | (NetworkProtocol::Udp, false)
          )
        });
        let dst = match &r.destination {
          Destination::Addresses(e) => e.iter().any(|e| in_endpoint(e, tags, p.dst)),
          Destination::Fqdns(n) => name.is_some_and(|q| n.iter().any(|n| n.eq_ignore_ascii_case(q))),
        };
        if proto && dst && within(&r.source_addresses, p.src) && in_ranges(ports, p.port) {
          return (Some(r.name.clone()), access);
        }
      }
    } else if let Some(q) = name {
      for r in &c.apps {
        if p.tcp
          && r.protocols.iter().any(|&(_, port)| port == p.port)
          && within(&r.source_addresses, p.src)
          && r.target_fqdns.iter().any(|f| wildcard(f, q))
        {
          return (Some(r.name.clone()), access);
        }
      }
    }
  }
  (None, Access::Deny)
}

proptest! {
  #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

  #[test]
  fn partition_agrees_with_per_packet_first_match(
    mut owned in prop::collection::vec(collection(), 0..4),
    tags in any::<[u64; 5]>(),
    q in query(),
    name in prop::option::of(0..NAMES.len()),
    seed in any::<u64>(),
  ) {
    for (ci, c) in owned.iter_mut().enumerate() {
      c.network.iter_mut().enumerate().for_each(|(ri, (r, _))| r.name = format!("n{ci}.{ri}"));
      c.apps.iter_mut().enumerate().for_each(|(ri, r)| r.name = format!("a{ci}.{ri}"));
    }
    let networks: Vec<Vec<NetworkRule>> = owned.iter().map(|c| c.network.iter().map(|(r, _)| r.clone()).collect()).collect();
    let collections = owned.iter().zip(&networks).map(|(c, network)| Collection {
      group: "g",
      group_priority: c.group_priority,
      name: "c",
      priority: c.priority,
      action: if c.allow { Access::Allow } else { Access::Deny },
      rules: if c.application { Rules::Application(&c.apps) } else { Rules::Network(network) },
    }).collect();
    let policy = Policy::from_collections(collections);
    let name = name.map(|i| NAMES[i]);
    let query = Query { class: class_of(&q), name: name.map(str::to_string) };
    let verdicts = policy.evaluate(&query, &resolver(&tags)).unwrap();
    for raw in packets(seed, 48) {
      for p in [raw, project(&q, raw)] {
        let holding: Vec<_> = verdicts.iter().filter(|v| class_holds(&v.class, p)).collect();
        if !query_holds(&q, p) {
          prop_assert!(holding.is_empty(), "{p:?} is outside the query but in {holding:?}");
          continue;
        }
        prop_assert_eq!(holding.len(), 1, "{:?} must be in exactly one part", p);
        let got = (holding[0].decided_by.rule_name().map(str::to_string), holding[0].access);
        prop_assert_eq!(got, reference(&owned, &tags, p, name), "{:?} named {:?}", p, name);
      }
    }
  }
}
