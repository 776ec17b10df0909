//! Address sets for service-tag expansion and rule evaluation. Takes lists of IPv4 and IPv6
//! prefixes, holds them as merged address ranges (`interval`: union, intersection and
//! difference are merges of sorted lists, never per-prefix work), and gives them back as the
//! fewest CIDR blocks. Pure functions over values: never reads files, never adds or drops a
//! single address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::interval::{intersect, merge, subtract};
use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};

/// Do two IPv4 prefixes share an address? (Prefixes either nest or are disjoint.)
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
  a.contains(&b.network()) || b.contains(&a.network())
}

/// An address set held as sorted, disjoint, non-adjacent inclusive address ranges per family
/// (so equal sets are equal values, and set operations are merges of sorted lists), shown
/// as the fewest CIDR blocks (`ipv4()`, `ipv6()`, `iter()`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrefixSet {
  v4: Vec<(u32, u32)>,
  v6: Vec<(u128, u128)>,
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
      v4: intervals_v4(&ipv4),
      v6: intervals_v6(&ipv6),
    }
  }

  /// The IPv4 addresses as the fewest prefixes, ascending.
  pub fn ipv4(&self) -> Vec<Ipv4Net> {
    self
      .v4
      .iter()
      .flat_map(|&(lo, hi)| Ipv4Subnets::new(Ipv4Addr::from(lo), Ipv4Addr::from(hi), 0))
      .collect()
  }

  /// The IPv6 addresses as the fewest prefixes, ascending.
  pub fn ipv6(&self) -> Vec<Ipv6Net> {
    self
      .v6
      .iter()
      .flat_map(|&(lo, hi)| Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0))
      .collect()
  }

  /// Number of prefixes (IPv4 plus IPv6) in the fewest-prefix form.
  pub fn len(&self) -> usize {
    self.ipv4().len() + self.ipv6().len()
  }

  pub fn is_empty(&self) -> bool {
    self.v4.is_empty() && self.v6.is_empty()
  }

  /// Every prefix, IPv4 first, each family ascending.
  pub fn iter(&self) -> impl Iterator<Item = IpNet> {
    let v4 = self.ipv4().into_iter().map(IpNet::V4);
    v4.chain(self.ipv6().into_iter().map(IpNet::V6))
  }

  /// Every IPv4 and IPv6 address (`0.0.0.0/0` and `::/0`).
  pub fn all() -> PrefixSet {
    PrefixSet {
      v4: vec![(0, u32::MAX)],
      v6: vec![(0, u128::MAX)],
    }
  }

  /// Does the set hold this address?
  pub fn contains(&self, addr: IpAddr) -> bool {
    match addr {
      IpAddr::V4(a) => {
        let a = u32::from(a);
        self.v4.iter().any(|&(lo, hi)| lo <= a && a <= hi)
      }
      IpAddr::V6(a) => {
        let a = u128::from(a);
        self.v6.iter().any(|&(lo, hi)| lo <= a && a <= hi)
      }
    }
  }

  /// The addresses in `self` or `other`.
  pub fn union(&self, other: &PrefixSet) -> PrefixSet {
    PrefixSet {
      v4: merge(self.v4.iter().chain(&other.v4).copied().collect()),
      v6: merge(self.v6.iter().chain(&other.v6).copied().collect()),
    }
  }

  /// The addresses in both `self` and `other`.
  pub fn intersection(&self, other: &PrefixSet) -> PrefixSet {
    PrefixSet {
      v4: intersect(&self.v4, &other.v4),
      v6: intersect(&self.v6, &other.v6),
    }
  }

  /// Is every address of `self` in `other`?
  pub fn is_subset(&self, other: &PrefixSet) -> bool {
    self.difference(other).is_empty()
  }

  /// The addresses of `self` that are not in `other`.
  pub fn difference(&self, other: &PrefixSet) -> PrefixSet {
    PrefixSet {
      v4: subtract(&self.v4, &other.v4),
      v6: subtract(&self.v6, &other.v6),
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

#[cfg(test)]
mod tests {
  use super::*;

  fn set(items: &[&str]) -> PrefixSet {
    PrefixSet::aggregate(&items.iter().map(|s| s.parse().unwrap()).collect::<Vec<IpNet>>())
  }

  #[test]
  fn set_operations() {
    let a = set(&["10.0.0.0/24", "fd00::/64"]);
    let b = set(&["10.0.0.128/25", "10.0.1.0/24"]);
    assert_eq!(a.intersection(&b), set(&["10.0.0.128/25"]));
    assert_eq!(a.union(&b), set(&["10.0.0.0/23", "fd00::/64"]));
    assert!(set(&["10.0.0.4/30"]).is_subset(&a));
    assert!(!b.is_subset(&a));
    assert!(a.contains("10.0.0.7".parse().unwrap()));
    assert!(!a.contains("10.0.1.7".parse().unwrap()));
    assert!(PrefixSet::all().contains("2001:db8::1".parse().unwrap()));
    assert_eq!(PrefixSet::all().intersection(&a), a);
  }
}
