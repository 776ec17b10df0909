//! NSG evaluation against a brute-force reference: random rule lists over the small
//! universe, and for random packets the part of the evaluator's partition holding the
//! packet must carry the decision and rule of a naive per-packet first match.

use amlnet::eval::nsg::Nsg;
use amlnet::ir::Direction;
use amlnet::target::nsg::{default_rules, Access, Protocol, SecurityRule};
use proptest::prelude::*;

use super::universe::*;

fn rule() -> impl Strategy<Value = (SecurityRule, Vec<(u16, u16)>)> {
  (
    100u32..140,
    any::<bool>(),
    any::<bool>(),
    prop_oneof![Just(Protocol::Tcp), Just(Protocol::Udp), Just(Protocol::Any)],
    endpoint(),
    endpoint(),
    ports(),
  )
    .prop_map(
      |(priority, inbound, allow, protocol, source, destination, ports)| {
        let rule = SecurityRule {
          name: format!("r{priority}"),
          priority,
          direction: if inbound {
            Direction::Inbound
          } else {
            Direction::Outbound
          },
          access: if allow { Access::Allow } else { Access::Deny },
          protocol,
          source,
          destination,
          ports: port_set(&ports),
          description: String::new(),
          flow: None,
        };
        (rule, ports)
      },
    )
}

/// First match per packet, reading rules as written; the default rules' ports are `*`.
fn reference<'a>(
  rules: &'a [(SecurityRule, Vec<(u16, u16)>)],
  direction: Direction,
  tags: &[u64; 5],
  p: Packet,
) -> &'a SecurityRule {
  let mut ordered: Vec<&(SecurityRule, Vec<(u16, u16)>)> =
    rules.iter().filter(|(r, _)| r.direction == direction).collect();
  ordered.sort_by_key(|(r, _)| r.priority);
  ordered
    .into_iter()
    .find(|(r, ports)| {
      let proto = match r.protocol {
        Protocol::Tcp => p.tcp,
        Protocol::Udp => !p.tcp,
        Protocol::Any => true,
      };
      proto
        && in_endpoint(&r.source, tags, p.src)
        && in_endpoint(&r.destination, tags, p.dst)
        && in_ranges(ports, p.port)
    })
    .map(|(r, _)| r)
    .expect("the default deny matches every packet")
}

proptest! {
  #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

  #[test]
  fn partition_agrees_with_per_packet_first_match(
    custom in prop::collection::vec(rule(), 0..8),
    tags in any::<[u64; 5]>(),
    inbound in any::<bool>(),
    q in query(),
    seed in any::<u64>(),
  ) {
    // Priorities are unique per direction in an NSG.
    let mut seen = std::collections::BTreeSet::new();
    let custom: Vec<_> = custom.into_iter().filter(|(r, _)| seen.insert((r.direction, r.priority))).collect();
    let direction = if inbound { Direction::Inbound } else { Direction::Outbound };
    let mut all = custom.clone();
    all.extend(default_rules().into_iter().map(|r| (r, vec![(0, 65535)])));
    let rules: Vec<SecurityRule> = custom.iter().map(|(r, _)| r.clone()).collect();
    let nsg = Nsg::new(&rules);
    let verdicts = nsg.evaluate(direction, &class_of(&q), &resolver(&tags)).unwrap();
    for raw in packets(seed, 48) {
      for p in [raw, project(&q, raw)] {
        let holding: Vec<_> = verdicts.iter().filter(|v| class_holds(&v.class, p)).collect();
        if !query_holds(&q, p) {
          prop_assert!(holding.is_empty(), "{p:?} is outside the query but in {holding:?}");
          continue;
        }
        prop_assert_eq!(holding.len(), 1, "{:?} must be in exactly one part", p);
        let want = reference(&all, direction, &tags, p);
        prop_assert_eq!((&holding[0].rule.name, holding[0].access), (&want.name, want.access), "{:?}", p);
      }
    }
  }
}
