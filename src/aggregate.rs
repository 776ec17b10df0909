//! Prefix-set arithmetic for service-tag expansion. Takes lists of IPv4 and IPv6
//! prefixes and returns them aggregated with ipnet (`Ipv4Net::aggregate`,
//! `Ipv6Net::aggregate`: adjacent and contained prefixes merged into the fewest CIDR
//! blocks), plus the exact set difference of two such lists, again as the fewest
//! blocks. Pure functions over values: never reads files, never adds or drops a
//! single address.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};

/// An address set held as aggregated prefixes: each list sorted ascending, no two
/// prefixes overlapping or mergeable into a larger block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrefixSet {
  pub ipv4: Vec<Ipv4Net>,
  pub ipv6: Vec<Ipv6Net>,
}

impl PrefixSet {
  /// Aggregate any mix of IPv4 and IPv6 prefixes (in any order, duplicates allowed,
  /// host bits ignored as a router ignores them).
  pub fn aggregate(prefixes: &[IpNet]) -> PrefixSet {
    let mut ipv4 = Vec::new();
    let mut ipv6 = Vec::new();
    for net in prefixes {
      match *net {
        IpNet::V4(n) => ipv4.push(n),
        IpNet::V6(n) => ipv6.push(n),
      }
    }
    PrefixSet::from_parts(ipv4, ipv6)
  }

  /// Aggregate already split IPv4 and IPv6 lists.
  pub fn from_parts(ipv4: Vec<Ipv4Net>, ipv6: Vec<Ipv6Net>) -> PrefixSet {
    PrefixSet {
      ipv4: Ipv4Net::aggregate(&ipv4),
      ipv6: Ipv6Net::aggregate(&ipv6),
    }
  }

  /// Number of prefixes (IPv4 plus IPv6).
  pub fn len(&self) -> usize {
    self.ipv4.len() + self.ipv6.len()
  }

  pub fn is_empty(&self) -> bool {
    self.ipv4.is_empty() && self.ipv6.is_empty()
  }

  /// Every prefix, IPv4 first, each family ascending.
  pub fn iter(&self) -> impl Iterator<Item = IpNet> + '_ {
    self
      .ipv4
      .iter()
      .map(|n| IpNet::V4(*n))
      .chain(self.ipv6.iter().map(|n| IpNet::V6(*n)))
  }

  /// The addresses of `self` that are not in `other`, aggregated.
  pub fn difference(&self, other: &PrefixSet) -> PrefixSet {
    PrefixSet {
      ipv4: difference_v4(&self.ipv4, &other.ipv4),
      ipv6: difference_v6(&self.ipv6, &other.ipv6),
    }
  }
}

/// The IPv4 addresses covered by `nets` as sorted, disjoint, non-adjacent inclusive ranges.
pub fn intervals_v4(nets: &[Ipv4Net]) -> Vec<(u32, u32)> {
  merge(
    nets
      .iter()
      .map(|n| (u32::from(n.network()), u32::from(n.broadcast())))
      .collect(),
  )
}

/// The IPv6 addresses covered by `nets` as sorted, disjoint, non-adjacent inclusive ranges.
pub fn intervals_v6(nets: &[Ipv6Net]) -> Vec<(u128, u128)> {
  merge(
    nets
      .iter()
      .map(|n| (u128::from(n.network()), u128::from(n.broadcast())))
      .collect(),
  )
}

/// Addresses of `a` not in `b`, as the fewest IPv4 prefixes.
pub fn difference_v4(a: &[Ipv4Net], b: &[Ipv4Net]) -> Vec<Ipv4Net> {
  subtract(&intervals_v4(a), &intervals_v4(b))
    .into_iter()
    .flat_map(|(lo, hi)| Ipv4Subnets::new(Ipv4Addr::from(lo), Ipv4Addr::from(hi), 0))
    .collect()
}

/// Addresses of `a` not in `b`, as the fewest IPv6 prefixes.
pub fn difference_v6(a: &[Ipv6Net], b: &[Ipv6Net]) -> Vec<Ipv6Net> {
  subtract(&intervals_v6(a), &intervals_v6(b))
    .into_iter()
    .flat_map(|(lo, hi)| Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0))
    .collect()
}

/// An address as an unsigned integer, with the neighbours interval arithmetic needs.
trait Addr: Copy + Ord {
  fn succ(self) -> Option<Self>;
  fn pred(self) -> Option<Self>;
}

impl Addr for u32 {
  fn succ(self) -> Option<Self> {
    self.checked_add(1)
  }
  fn pred(self) -> Option<Self> {
    self.checked_sub(1)
  }
}

impl Addr for u128 {
  fn succ(self) -> Option<Self> {
    self.checked_add(1)
  }
  fn pred(self) -> Option<Self> {
    self.checked_sub(1)
  }
}

/// Sort inclusive ranges and merge the overlapping and adjacent ones.
fn merge<T: Addr>(mut ranges: Vec<(T, T)>) -> Vec<(T, T)> {
  ranges.sort_unstable();
  let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
  for (lo, hi) in ranges {
    if let Some(last) = out.last_mut() {
      // `None` means the last range already reaches the top of the address space.
      if last.1.succ().is_none_or(|next| lo <= next) {
        last.1 = last.1.max(hi);
        continue;
      }
    }
    out.push((lo, hi));
  }
  out
}

/// `a` minus `b`, both sorted disjoint inclusive ranges.
fn subtract<T: Addr>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
  let mut out = Vec::new();
  let mut j = 0;
  for &(lo, hi) in a {
    // Skip the ranges of `b` wholly below this one.
    while j < b.len() && b[j].1 < lo {
      j += 1;
    }
    let mut start = Some(lo);
    let mut k = j;
    while let Some(s) = start {
      match b.get(k) {
        Some(&(blo, bhi)) if blo <= hi => {
          if blo > s {
            // blo > s >= 0, so blo has a predecessor.
            if let Some(end) = blo.pred() {
              out.push((s, end));
            }
          }
          start = if bhi >= hi { None } else { bhi.succ() };
          k += 1;
        }
        _ => {
          out.push((s, hi));
          start = None;
        }
      }
    }
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn subtract_edges() {
    let a = vec![(0u32, 10), (20, 30), (40, u32::MAX)];
    let b = vec![(0u32, 2), (5, 6), (10, 25), (29, 29), (50, u32::MAX)];
    assert_eq!(
      subtract(&a, &b),
      vec![(3, 4), (7, 9), (26, 28), (30, 30), (40, 49)]
    );
    assert_eq!(subtract(&b, &[]), b);
    assert_eq!(subtract(&[], &b), vec![]);
    assert_eq!(
      merge(vec![(5u32, 9), (0, 4), (11, 12), (3, 3)]),
      vec![(0, 9), (11, 12)]
    );
    assert_eq!(merge(vec![(0u128, u128::MAX), (7, 9)]), vec![(0, u128::MAX)]);
  }
}
