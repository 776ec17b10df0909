//! Address sets as prefixes, for service-tag expansion and rule evaluation. Takes lists of
//! IPv4 and IPv6 prefixes and returns them aggregated with ipnet (`Ipv4Net::aggregate`,
//! `Ipv6Net::aggregate`: adjacent and contained prefixes merged into the fewest CIDR
//! blocks), plus the exact set difference of two such lists, again as the fewest
//! blocks. Pure functions over values: never reads files, never adds or drops a
//! single address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::interval::{intersect, merge, subtract};
use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Net, Ipv6Subnets};

/// Do two IPv4 prefixes share an address? (Prefixes either nest or are disjoint.)
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
  a.contains(&b.network()) || b.contains(&a.network())
}

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

  /// Every IPv4 and IPv6 address (`0.0.0.0/0` and `::/0`).
  pub fn all() -> PrefixSet {
    PrefixSet {
      ipv4: vec![Ipv4Net::default()],
      ipv6: vec![Ipv6Net::default()],
    }
  }

  /// Does the set hold this address?
  pub fn contains(&self, addr: IpAddr) -> bool {
    match addr {
      IpAddr::V4(a) => self.ipv4.iter().any(|n| n.contains(&a)),
      IpAddr::V6(a) => self.ipv6.iter().any(|n| n.contains(&a)),
    }
  }

  /// The addresses in `self` or `other`, aggregated.
  pub fn union(&self, other: &PrefixSet) -> PrefixSet {
    PrefixSet::from_parts(
      self.ipv4.iter().chain(&other.ipv4).copied().collect(),
      self.ipv6.iter().chain(&other.ipv6).copied().collect(),
    )
  }

  /// The addresses in both `self` and `other`, aggregated.
  pub fn intersection(&self, other: &PrefixSet) -> PrefixSet {
    PrefixSet {
      ipv4: intersect(&intervals_v4(&self.ipv4), &intervals_v4(&other.ipv4))
        .into_iter()
        .flat_map(|(lo, hi)| Ipv4Subnets::new(Ipv4Addr::from(lo), Ipv4Addr::from(hi), 0))
        .collect(),
      ipv6: intersect(&intervals_v6(&self.ipv6), &intervals_v6(&other.ipv6))
        .into_iter()
        .flat_map(|(lo, hi)| Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0))
        .collect(),
    }
  }

  /// Is every address of `self` in `other`?
  pub fn is_subset(&self, other: &PrefixSet) -> bool {
    self.difference(other).is_empty()
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
