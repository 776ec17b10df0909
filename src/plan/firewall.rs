//! The firewall plan: which outbound flow of the customer VNet becomes a network rule, an
//! application rule, or no rule (with a note naming what covers it). Service-tag and CIDR
//! flows become network rules; FQDN flows on TCP 80/443 become application rules
//! (Http/Https); FQDN flows on other ports become network rules with destination FQDNs,
//! which need DNS proxy and cannot hold wildcards. Inbound flows belong to NSGs.

use crate::ir::{Direction, Egress, Flow, Ir, Peer, PeerKind, Protocol, Severity};
use crate::net::PortSet;
use crate::target::firewall::{
  AppProtocol, ApplicationRule, Collection, Destination, NetworkProtocol, NetworkRule, RuleCollectionGroup,
};
use crate::target::Endpoint;

use super::names::{description, rule_name};
use super::{customer_flows, list_note, Notes};

/// The two filter collections of the rule collection group: (name, priority).
pub const NETWORK_COLLECTION: (&str, u32) = ("amlnet-network", 100);
pub const APPLICATION_COLLECTION: (&str, u32) = ("amlnet-application", 200);

/// Regional tags Azure Firewall cannot use: the ServiceTags downloads list regional
/// BatchNodeManagement tags with networkFeatures API and NSG only, the global tag with FW
/// (reference/target-formats.md § 6.1). The firewall rule then names the global tag.
const NO_FIREWALL_REGIONAL_TAGS: &[&str] = &["BatchNodeManagement"];

pub fn plan(ir: &Ir, notes: &mut Notes) -> RuleCollectionGroup {
  let fw = &ir.settings.firewall;
  let mut network = Vec::new();
  let mut application = Vec::new();
  let mut needs_proxy = Vec::new();
  let mut vnet_local = Vec::new();
  if ir.settings.egress != Egress::Firewall {
    notes.push(
      Severity::Info,
      "AFW006",
      format!(
        "firewall: network.egress = \"{}\": the firewall rules apply only once compute traffic is routed through an Azure Firewall policy",
        ir.settings.egress.as_str()
      ),
    );
  }
  let network_rule = |f: &Flow, destination, ports, protocols| NetworkRule {
    name: rule_name(Direction::Outbound, f),
    description: description(f),
    protocols,
    source_addresses: fw.source_addresses.clone(),
    destination,
    ports,
    flow: Some(f.id.clone()),
  };
  for f in customer_flows(ir).filter(|f| f.direction == Direction::Outbound) {
    let name = match &f.peer {
      Peer::Fqdn(name) => name,
      Peer::Tag(tag) if tag == "VirtualNetwork" => {
        // Traffic to the VNet's own private endpoints follows the VNet's system route, not
        // the route to the hub firewall; and VirtualNetwork is a virtual tag the firewall
        // cannot use.
        vnet_local.push(f.id.as_str());
        continue;
      }
      Peer::Cidr(net) if ir.settings.address_space.iter().any(|space| contains(space, net)) => {
        vnet_local.push(f.id.as_str());
        continue;
      }
      peer => {
        let destination = Destination::Addresses(vec![firewall_endpoint(f, peer, notes)]);
        network.push(network_rule(
          f,
          destination,
          f.ports.clone(),
          vec![protocol(f.protocol)],
        ));
        continue;
      }
    };
    let http = if f.protocol == Protocol::Udp {
      vec![]
    } else {
      f.ports.singles_in(&[80, 443])
    };
    if !http.is_empty() {
      application.push(ApplicationRule {
        name: rule_name(Direction::Outbound, f),
        description: description(f),
        protocols: http
          .iter()
          .map(|&p| {
            (
              if p == 80 {
                AppProtocol::Http
              } else {
                AppProtocol::Https
              },
              p,
            )
          })
          .collect(),
        source_addresses: fw.source_addresses.clone(),
        target_fqdns: vec![name.clone()],
        flow: Some(f.id.clone()),
      });
    }
    let http_set = PortSet::from_ranges(http.iter().map(|&p| crate::net::PortRange::single(p)));
    let rest = f.ports.difference(&http_set);
    // With protocol Any, the application rule carries only TCP on 80/443: the UDP half of
    // those ports stays with the network rule, alone or beside the other ports.
    let udp_half = f.protocol == Protocol::Any && !http.is_empty();
    if rest.is_empty() && !udp_half {
      continue;
    }
    let ports = if udp_half { f.ports.clone() } else { rest.clone() };
    let protocols = if f.protocol == Protocol::Udp || (udp_half && rest.is_empty()) {
      vec![NetworkProtocol::Udp]
    } else {
      vec![protocol(f.protocol)]
    };
    if name.starts_with("*.") {
      let said: Vec<&str> = protocols.iter().map(|p| p.as_str()).collect();
      notes.push(
        Severity::Warning,
        "AFW001",
        format!(
          "firewall: {} {} {} cannot be a network rule (wildcard FQDN); it is covered by {}",
          name,
          said.join("/").to_lowercase(),
          ports,
          covering_rule(ir, f, &ports)
        ),
      );
      continue;
    }
    needs_proxy.push(name.as_str());
    network.push(network_rule(
      f,
      Destination::Fqdns(vec![name.clone()]),
      ports,
      protocols,
    ));
  }
  list_note(
    notes,
    Severity::Warning,
    "AFW002",
    "firewall: network rules with FQDNs need DNS proxy on the policy (dnsSettings.enableProxy) and clients using the firewall as DNS server",
    &needs_proxy,
  );
  list_note(
    notes,
    Severity::Info,
    "AFW005",
    "firewall: flows inside the VNet do not pass the hub firewall; the NSG carries them",
    &vnet_local,
  );
  let inbound: Vec<&str> = ir
    .flows
    .iter()
    .filter(|f| f.direction == Direction::Inbound)
    .map(|f| f.id.as_str())
    .collect();
  list_note(
    notes,
    Severity::Info,
    "AFW003",
    "firewall: inbound flows are enforced by the NSG, not the firewall policy; route AzureMachineLearning with next hop Internet",
    &inbound,
  );
  // Stable sorts: rules of equal name keep flow order, as they always have in the ARM output.
  network.sort_by(|a, b| a.name.cmp(&b.name));
  application.sort_by(|a, b| a.name.cmp(&b.name));
  super::names::make_unique(
    network.iter_mut().map(|r| &mut r.name),
    crate::target::nsg::NAME_MAX,
  );
  super::names::make_unique(
    application.iter_mut().map(|r| &mut r.name),
    crate::target::nsg::NAME_MAX,
  );
  RuleCollectionGroup {
    policy: fw.policy_name.clone(),
    name: fw.rule_collection_group.clone(),
    priority: fw.priority,
    network: Collection {
      name: NETWORK_COLLECTION.0.to_string(),
      priority: NETWORK_COLLECTION.1,
      rules: network,
    },
    application: Collection {
      name: APPLICATION_COLLECTION.0.to_string(),
      priority: APPLICATION_COLLECTION.1,
      rules: application,
    },
  }
}

fn contains(space: &ipnet::Ipv4Net, net: &ipnet::IpNet) -> bool {
  match net {
    ipnet::IpNet::V4(n) => space.contains(n),
    ipnet::IpNet::V6(_) => false,
  }
}

/// Firewall policy spelling of a protocol.
pub fn protocol(p: Protocol) -> NetworkProtocol {
  match p {
    Protocol::Tcp => NetworkProtocol::Tcp,
    Protocol::Udp => NetworkProtocol::Udp,
    Protocol::Any => NetworkProtocol::Any,
  }
}

/// The service-tag flow that allows the same traffic (the flow's `covered_by` tag, same or
/// broader protocol, every port), so the reviewer knows nothing is lost.
fn covering_rule(ir: &Ir, f: &Flow, ports: &PortSet) -> String {
  let covers = |g: &&Flow| {
    g.direction == Direction::Outbound
      && !g.is_managed()
      && g.peer.tag().is_some_and(|tag| {
        f.covered_by
          .iter()
          .any(|c| tag == c || tag.starts_with(&format!("{c}.")))
      })
      && (g.protocol == Protocol::Any || g.protocol == f.protocol)
      && ports.is_subset(&g.ports)
  };
  match ir.flows.iter().find(covers) {
    Some(g) => format!("network rule {}", rule_name(Direction::Outbound, g)),
    None => "no other rule: add an explicit IP rule if this traffic is needed".to_string(),
  }
}

fn firewall_endpoint(f: &Flow, peer: &Peer, notes: &mut Notes) -> Endpoint {
  match peer {
    Peer::Tag(tag) => match tag.split_once('.') {
      Some((global, _)) if NO_FIREWALL_REGIONAL_TAGS.contains(&global) => {
        notes.push(
          Severity::Warning,
          "AFW004",
          format!(
            "firewall: Azure Firewall does not support the regional tag {tag}; its network rule names the global tag {global}, which is broader than the NSG rule"
          ),
        );
        Endpoint::Tag(global.to_string())
      }
      _ => Endpoint::Tag(tag.clone()),
    },
    Peer::Cidr(net) => Endpoint::Prefix(*net),
    Peer::Fqdn(_) => unreachable_fqdn(f),
  }
}

/// FQDN peers are planned above; an FQDN here would be a planning bug, so it stays visible.
fn unreachable_fqdn(f: &Flow) -> Endpoint {
  debug_assert!(f.peer_kind() != PeerKind::Fqdn);
  Endpoint::Tag(f.peer.to_string())
}
