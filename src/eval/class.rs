//! Traffic classes: sets of packets as (protocols, source addresses, destination
//! addresses, destination ports), and the box arithmetic the evaluators partition them
//! with. Source ports are not modelled: every rule amlnet writes or imports has `*`.
//!
//! Only TCP and UDP are modelled. ICMP (which an NSG rule with protocol `*` and a firewall
//! rule with `Any` also match) is not: a class never holds it.

use crate::net::{PortSet, PrefixSet};
use crate::target::firewall::NetworkProtocol;
use crate::target::nsg::Protocol;

/// A set of transport protocols, TCP and UDP only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Protocols {
  pub tcp: bool,
  pub udp: bool,
}

impl Protocols {
  pub const TCP: Protocols = Protocols {
    tcp: true,
    udp: false,
  };
  pub const UDP: Protocols = Protocols {
    tcp: false,
    udp: true,
  };
  pub const ALL: Protocols = Protocols { tcp: true, udp: true };

  pub fn is_empty(self) -> bool {
    !self.tcp && !self.udp
  }

  pub fn intersection(self, o: Protocols) -> Protocols {
    Protocols {
      tcp: self.tcp && o.tcp,
      udp: self.udp && o.udp,
    }
  }

  pub fn difference(self, o: Protocols) -> Protocols {
    Protocols {
      tcp: self.tcp && !o.tcp,
      udp: self.udp && !o.udp,
    }
  }

  pub fn union(self, o: Protocols) -> Protocols {
    Protocols {
      tcp: self.tcp || o.tcp,
      udp: self.udp || o.udp,
    }
  }
}

/// An NSG protocol: `*` matches TCP and UDP (and ICMP, not modelled).
impl From<Protocol> for Protocols {
  fn from(p: Protocol) -> Protocols {
    match p {
      Protocol::Tcp => Protocols::TCP,
      Protocol::Udp => Protocols::UDP,
      Protocol::Any => Protocols::ALL,
    }
  }
}

/// A firewall network-rule protocol: `Any` matches TCP and UDP (and ICMP, not modelled).
impl From<NetworkProtocol> for Protocols {
  fn from(p: NetworkProtocol) -> Protocols {
    match p {
      NetworkProtocol::Tcp => Protocols::TCP,
      NetworkProtocol::Udp => Protocols::UDP,
      NetworkProtocol::Any => Protocols::ALL,
    }
  }
}

/// A set of packets: every combination of its protocols, sources, destinations and
/// destination ports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrafficClass {
  pub protocols: Protocols,
  pub source: PrefixSet,
  pub destination: PrefixSet,
  pub ports: PortSet,
}

impl TrafficClass {
  /// Every TCP and UDP packet, any address, any port.
  pub fn all() -> TrafficClass {
    TrafficClass {
      protocols: Protocols::ALL,
      source: PrefixSet::all(),
      destination: PrefixSet::all(),
      ports: PortSet::all(),
    }
  }

  pub fn is_empty(&self) -> bool {
    self.protocols.is_empty()
      || self.source.is_empty()
      || self.destination.is_empty()
      || self.ports.is_empty()
  }
}

/// What one rule matches, as a box. `destination: None` leaves the destination alone (a
/// firewall rule that matches by name, whatever the addresses).
pub(crate) struct RuleBox<'a> {
  pub protocols: Protocols,
  pub source: &'a PrefixSet,
  pub destination: Option<&'a PrefixSet>,
  pub ports: &'a PortSet,
}

/// Split `class` by `rule`: the part the rule matches (if any) and the parts it does not,
/// pairwise disjoint, together exactly `class`. Parts are never empty.
pub(crate) fn split(class: &TrafficClass, rule: &RuleBox) -> (Option<TrafficClass>, Vec<TrafficClass>) {
  // The cheap dimensions first: most rules miss most parts on protocol or ports.
  let protocols = class.protocols.intersection(rule.protocols);
  if protocols.is_empty() || class.ports.intersection(rule.ports).is_empty() {
    return (None, vec![class.clone()]);
  }
  let source = class.source.intersection(rule.source);
  if source.is_empty() {
    return (None, vec![class.clone()]);
  }
  let destination = match rule.destination {
    Some(d) => class.destination.intersection(d),
    None => class.destination.clone(),
  };
  let ports = class.ports.intersection(rule.ports);
  let inside = TrafficClass {
    protocols,
    source,
    destination,
    ports,
  };
  if inside.is_empty() {
    return (None, vec![class.clone()]);
  }
  // Peel one dimension at a time: outside on it, inside on the ones peeled before.
  let mut rest = Vec::new();
  let mut keep = |c: TrafficClass| {
    if !c.is_empty() {
      rest.push(c)
    }
  };
  keep(TrafficClass {
    protocols: class.protocols.difference(rule.protocols),
    ..class.clone()
  });
  keep(TrafficClass {
    protocols,
    source: class.source.difference(rule.source),
    ..class.clone()
  });
  if let Some(d) = rule.destination {
    keep(TrafficClass {
      protocols,
      source: inside.source.clone(),
      destination: class.destination.difference(d),
      ports: class.ports.clone(),
    });
  }
  keep(TrafficClass {
    ports: class.ports.difference(rule.ports),
    ..inside.clone()
  });
  (Some(inside), rest)
}
