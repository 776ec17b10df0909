//! Port sets: the ports of a flow or rule as sorted, disjoint, non-adjacent inclusive
//! ranges. Spelled as the IR and every target spell them: "443", "1024-65535", and "*"
//! for all ports. Parsing is strict (a hostile IR file cannot smuggle text through a port).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::interval::{intersect, merge, subtract};

/// An inclusive port range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
  pub lo: u16,
  pub hi: u16,
}

impl PortRange {
  pub const ALL: PortRange = PortRange { lo: 0, hi: 65535 };

  pub fn single(port: u16) -> PortRange {
    PortRange { lo: port, hi: port }
  }

  pub fn is_single(self) -> bool {
    self.lo == self.hi
  }

  /// "443", "1024-65535" or "*".
  pub fn parse(s: &str) -> Option<PortRange> {
    let number = |t: &str| -> Option<u16> {
      (!t.is_empty() && t.len() <= 5 && t.bytes().all(|b| b.is_ascii_digit()))
        .then(|| t.parse().ok())
        .flatten()
    };
    if s == "*" {
      return Some(PortRange::ALL);
    }
    let (lo, hi) = match s.split_once('-') {
      Some((lo, hi)) => (number(lo)?, number(hi)?),
      None => (number(s)?, number(s)?),
    };
    (lo <= hi).then_some(PortRange { lo, hi })
  }
}

impl fmt::Display for PortRange {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match (self.lo, self.hi) {
      (0, 65535) => f.write_str("*"),
      (lo, hi) if lo == hi => write!(f, "{lo}"),
      (lo, hi) => write!(f, "{lo}-{hi}"),
    }
  }
}

/// A canonical set of ports. Equal sets have equal representations.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortSet(Vec<(u16, u16)>);

impl PortSet {
  pub fn all() -> PortSet {
    PortSet(vec![(0, 65535)])
  }

  pub fn from_ranges(ranges: impl IntoIterator<Item = PortRange>) -> PortSet {
    PortSet(merge(ranges.into_iter().map(|r| (r.lo, r.hi)).collect()))
  }

  pub fn single(port: u16) -> PortSet {
    PortSet(vec![(port, port)])
  }

  /// Parse every item strictly; `None` names nothing: the caller says which value failed.
  pub fn parse<S: AsRef<str>>(items: &[S]) -> Option<PortSet> {
    let ranges: Option<Vec<PortRange>> = items.iter().map(|s| PortRange::parse(s.as_ref())).collect();
    ranges.map(PortSet::from_ranges)
  }

  pub fn ranges(&self) -> impl Iterator<Item = PortRange> + '_ {
    self.0.iter().map(|&(lo, hi)| PortRange { lo, hi })
  }

  pub fn is_empty(&self) -> bool {
    self.0.is_empty()
  }

  pub fn is_all(&self) -> bool {
    self.0 == [(0, 65535)]
  }

  pub fn contains(&self, port: u16) -> bool {
    self.0.iter().any(|&(lo, hi)| lo <= port && port <= hi)
  }

  pub fn union(&self, other: &PortSet) -> PortSet {
    let mut all = self.0.clone();
    all.extend(&other.0);
    PortSet(merge(all))
  }

  pub fn difference(&self, other: &PortSet) -> PortSet {
    PortSet(subtract(&self.0, &other.0))
  }

  pub fn intersection(&self, other: &PortSet) -> PortSet {
    PortSet(intersect(&self.0, &other.0))
  }

  pub fn is_subset(&self, other: &PortSet) -> bool {
    self.difference(other).is_empty()
  }

  /// The single ports of the set that are in `wanted`, in ascending order (e.g. which of
  /// 80 and 443 an application rule can carry).
  pub fn singles_in(&self, wanted: &[u16]) -> Vec<u16> {
    self
      .ranges()
      .filter(|r| r.is_single() && wanted.contains(&r.lo))
      .map(|r| r.lo)
      .collect()
  }

  /// The IR spelling of every range: ["443", "8787", "1024-65535"] or ["*"].
  pub fn strings(&self) -> Vec<String> {
    self.ranges().map(|r| r.to_string()).collect()
  }
}

impl fmt::Display for PortSet {
  /// Comma-separated, as NSG and firewall CLI arguments take them.
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&self.strings().join(","))
  }
}

/// A set equals its IR spelling: `flow.ports == ["443", "8787"]`.
impl<const N: usize> PartialEq<[&str; N]> for PortSet {
  fn eq(&self, other: &[&str; N]) -> bool {
    self.strings() == other
  }
}

impl Serialize for PortSet {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    self.strings().serialize(s)
  }
}

impl<'de> Deserialize<'de> for PortSet {
  fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    PortSet::parse(&items).ok_or_else(|| {
      serde::de::Error::custom(format!(
        "ports must be numbers 0-65535, ranges \"lo-hi\" or \"*\": {items:?}"
      ))
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn parses_and_prints_canonically() {
    let set = PortSet::parse(&["8787", "443", "444", "*"]).unwrap();
    assert!(set.is_all());
    assert_eq!(set.strings(), ["*"]);
    let set = PortSet::parse(&["8787", "443", "444", "18881"]).unwrap();
    assert_eq!(set.strings(), ["443-444", "8787", "18881"]);
    for bad in ["", "-1", "65536", "10-5", "1-", "+1", " 1", "1 ", "0x10", "1--2"] {
      assert_eq!(PortRange::parse(bad), None, "{bad:?}");
    }
  }

  #[test]
  fn set_operations() {
    let p = |v: &[&str]| PortSet::parse(v).unwrap();
    assert_eq!(
      p(&["*"]).difference(&p(&["443"])).strings(),
      ["0-442", "444-65535"]
    );
    assert_eq!(
      p(&["8704-8710"]).intersection(&p(&["8700-8705"])).strings(),
      ["8704-8705"]
    );
    assert_eq!(p(&["80", "443", "8787"]).singles_in(&[80, 443]), [80, 443]);
    assert!(p(&["443"]).is_subset(&p(&["1-1000"])));
  }
}
