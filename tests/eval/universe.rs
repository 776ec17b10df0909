//! The small universe the property tests draw from: addresses 10.0.0.0/26 as bit masks,
//! ports 0..32, a few tags mapped to random address masks, and reference membership
//! tests written without the library's interval algebra.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use amlnet::eval::{Protocols, TrafficClass};
use amlnet::net::{PortRange, PortSet, PrefixSet};
use amlnet::target::Endpoint;
use ipnet::{IpNet, Ipv4Net};
use proptest::prelude::*;

pub const BASE: u32 = 0x0a00_0000;
pub const TAGS: [&str; 5] = ["VirtualNetwork", "Internet", "AzureLoadBalancer", "T1", "T2"];

pub fn addr(i: u32) -> Ipv4Addr {
  Ipv4Addr::from(BASE + i)
}

/// An address mask of the universe as a prefix set (one host prefix per bit).
pub fn mask_set(mask: u64) -> PrefixSet {
  let nets: Vec<IpNet> = (0..64)
    .filter(|i| mask >> i & 1 == 1)
    .map(|i| IpNet::V4(Ipv4Net::new(addr(i), 32).unwrap()))
    .collect();
  PrefixSet::aggregate(&nets)
}

pub fn port_set(ranges: &[(u16, u16)]) -> PortSet {
  PortSet::from_ranges(ranges.iter().map(|&(lo, hi)| PortRange { lo, hi }))
}

pub fn in_ranges(ranges: &[(u16, u16)], port: u16) -> bool {
  ranges.iter().any(|&(lo, hi)| lo <= port && port <= hi)
}

/// Does a prefix hold universe address `i`? By mask arithmetic, host bits ignored.
pub fn in_prefix(net: &IpNet, i: u32) -> bool {
  match net {
    IpNet::V4(n) => {
      let bits = u32::from(n.prefix_len());
      let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
      (BASE + i) & mask == u32::from(n.addr()) & mask
    }
    IpNet::V6(_) => false,
  }
}

pub fn in_endpoint(e: &Endpoint, tags: &[u64; 5], i: u32) -> bool {
  match e {
    Endpoint::Any => true,
    Endpoint::Tag(t) => tags[TAGS.iter().position(|x| x == t).unwrap()] >> i & 1 == 1,
    Endpoint::Prefix(net) => in_prefix(net, i),
  }
}

pub fn resolver(tags: &[u64; 5]) -> BTreeMap<String, PrefixSet> {
  TAGS
    .iter()
    .zip(tags)
    .map(|(t, &m)| (t.to_string(), mask_set(m)))
    .collect()
}

/// A concrete packet: TCP?, source and destination universe addresses, destination port.
#[derive(Clone, Copy, Debug)]
pub struct Packet {
  pub tcp: bool,
  pub src: u32,
  pub dst: u32,
  pub port: u16,
}

pub fn class_holds(c: &TrafficClass, p: Packet) -> bool {
  (if p.tcp { c.protocols.tcp } else { c.protocols.udp })
    && c.source.contains(IpAddr::V4(addr(p.src)))
    && c.destination.contains(IpAddr::V4(addr(p.dst)))
    && c.ports.contains(p.port)
}

pub fn prefix() -> impl Strategy<Value = IpNet> {
  (0u32..64, 26u8..=32).prop_map(|(i, len)| IpNet::V4(Ipv4Net::new(addr(i), len).unwrap()))
}

pub fn endpoint() -> impl Strategy<Value = Endpoint> {
  prop_oneof![
    1 => Just(Endpoint::Any),
    2 => (0..TAGS.len()).prop_map(|i| Endpoint::Tag(TAGS[i].to_string())),
    2 => prefix().prop_map(Endpoint::Prefix),
  ]
}

/// Port ranges within 0..32, or every port.
pub fn ports() -> impl Strategy<Value = Vec<(u16, u16)>> {
  prop_oneof![
    1 => Just(vec![(0, 65535)]),
    3 => prop::collection::vec((0u16..32, 0u16..32).prop_map(|(a, b)| (a.min(b), a.max(b))), 1..3),
  ]
}

/// A query: protocols, source mask, destination mask, port ranges (all non-empty).
pub fn query() -> impl Strategy<Value = (Protocols, u64, u64, Vec<(u16, u16)>)> {
  (
    prop_oneof![Just(Protocols::TCP), Just(Protocols::UDP), Just(Protocols::ALL)],
    1u64..,
    1u64..,
    prop::collection::vec((0u16..32, 0u16..32).prop_map(|(a, b)| (a.min(b), a.max(b))), 1..3),
  )
}

pub fn class_of(q: &(Protocols, u64, u64, Vec<(u16, u16)>)) -> TrafficClass {
  TrafficClass {
    protocols: q.0,
    source: mask_set(q.1),
    destination: mask_set(q.2),
    ports: port_set(&q.3),
  }
}

/// Packets of the universe (ports 0..32), `n` of them from `seed`; some in the query, some not.
pub fn packets(seed: u64, n: usize) -> Vec<Packet> {
  let mut s = seed | 1;
  let mut next = move || {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    s
  };
  (0..n)
    .map(|_| Packet {
      tcp: next() % 2 == 0,
      src: (next() % 64) as u32,
      dst: (next() % 64) as u32,
      port: (next() % 33) as u16,
    })
    .collect()
}

/// Is the packet in the query, by the masks and ranges (not the library's sets)?
pub fn query_holds(q: &(Protocols, u64, u64, Vec<(u16, u16)>), p: Packet) -> bool {
  (if p.tcp { q.0.tcp } else { q.0.udp })
    && q.1 >> p.src & 1 == 1
    && q.2 >> p.dst & 1 == 1
    && in_ranges(&q.3, p.port)
}

/// The packet moved into the query: each field replaced by a member of the query's set.
pub fn project(q: &(Protocols, u64, u64, Vec<(u16, u16)>), p: Packet) -> Packet {
  let nth_bit = |mask: u64, k: u32| -> u32 {
    let k = k % mask.count_ones();
    (0..64).filter(|i| mask >> i & 1 == 1).nth(k as usize).unwrap()
  };
  let (lo, hi) = q.3[p.port as usize % q.3.len()];
  Packet {
    tcp: if q.0.tcp && q.0.udp { p.tcp } else { q.0.tcp },
    src: nth_bit(q.1, p.src),
    dst: nth_bit(q.2, p.dst),
    port: lo + p.port % (hi - lo + 1),
  }
}
