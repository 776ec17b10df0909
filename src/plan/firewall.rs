//! The firewall plan: which outbound flow of the customer VNet becomes a network rule, an
//! application rule, or no rule (with a note naming what covers it). Service-tag and CIDR
//! flows become network rules; FQDN flows on TCP 80/443 become application rules
//! (Http/Https). An FQDN flow on another port that a service-tag network rule already
//! carries gets a note naming that rule; otherwise it becomes a network rule with
//! destination FQDNs, which Azure accepts only with DNS proxy on the policy
//! (`firewall.dns_proxy`; without it the plan refuses the flow) and which cannot hold
//! wildcards. Inbound flows belong to NSGs. An empty plan writes no rule collection group.

use crate::ir::{Direction, Egress, Flow, Ir, Peer, PeerKind, Protocol, Severity};
use crate::net::PortSet;
use crate::target::firewall::{
  AppProtocol, ApplicationRule, Collection, Destination, NetworkProtocol, NetworkRule, RuleCollectionGroup,
};
use crate::target::Endpoint;

use super::names::{description, rule_name, rule_name_for};
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
  let mut found = Notes::default();
  let mut network = Vec::new();
  let mut application = Vec::new();
  let mut fqdn_flows = Vec::new();
  let mut vnet_local = Vec::new();
  let network_rule = |f: &Flow, name: String, destination, ports, protocols| NetworkRule {
    name,
    description: description(f),
    protocols,
    source_addresses: fw.source_addresses.clone(),
    destination,
    ports,
    flow: Some(f.id.clone()),
  };
  // Service-tag and CIDR flows first: FQDN flows they cover get no rule of their own.
  for f in customer_flows(ir).filter(|f| f.direction == Direction::Outbound) {
    match &f.peer {
      Peer::Fqdn(name) => fqdn_flows.push((f, name)),
      Peer::Tag(tag) if tag == "VirtualNetwork" => {
        // Traffic to the VNet's own private endpoints follows the VNet's system route, not
        // the route to the hub firewall; and VirtualNetwork is a virtual tag the firewall
        // cannot use.
        vnet_local.push(f.id.as_str());
      }
      Peer::Cidr(net) if ir.settings.address_space.iter().any(|space| contains(space, net)) => {
        vnet_local.push(f.id.as_str());
      }
      peer => {
        let endpoint = firewall_endpoint(f, peer, &mut found);
        // The rule is named after the tag it really uses, not the flow's regional tag.
        let name = match &endpoint {
          Endpoint::Tag(tag) => rule_name_for(Direction::Outbound, f, tag),
          _ => rule_name(Direction::Outbound, f),
        };
        network.push(network_rule(
          f,
          name,
          Destination::Addresses(vec![endpoint]),
          f.ports.clone(),
          vec![protocol(f.protocol)],
        ));
      }
    }
  }
  // Notes naming a covering rule wait until the rules have their final names.
  let mut covered: Vec<Covered> = Vec::new();
  let mut fqdn_rules = Vec::new();
  let mut needs_proxy = Vec::new();
  let mut private_names = Vec::new();
  for (f, name) in fqdn_flows {
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
    let said: Vec<&str> = protocols.iter().map(|p| p.as_str()).collect();
    let traffic = format!("{} {} {}", name, said.join("/").to_lowercase(), ports);
    // A name the profile's own records resolve to a private endpoint inside the VNet: its
    // traffic follows the VNet's system route to that address, not the hub firewall.
    if let Some(h) = ir
      .host_records
      .iter()
      .find(|h| h.name == *name && ir.settings.address_space.iter().any(|s| s.contains(&h.value)))
    {
      private_names.push(format!("{traffic} (resolves to {})", h.value));
      continue;
    }
    let cover = covering_rule(&network, f, &protocols, &ports);
    if name.starts_with("*.") {
      covered.push(Covered {
        // Covered by a tag rule, the flow works: information. Uncovered, its traffic is dropped.
        severity: if cover.is_some() {
          Severity::Info
        } else {
          Severity::Warning
        },
        code: "AFW001",
        text: format!("{traffic} cannot be a network rule (wildcard FQDN)"),
        cover,
      });
    } else if cover.is_some() {
      covered.push(Covered {
        severity: Severity::Info,
        code: "AFW008",
        text: format!("{traffic} gets no FQDN network rule"),
        cover,
      });
    } else if fw.dns_proxy {
      needs_proxy.push(name.as_str());
      fqdn_rules.push(network_rule(
        f,
        rule_name(Direction::Outbound, f),
        Destination::Fqdns(vec![name.clone()]),
        ports,
        protocols,
      ));
    } else {
      found.push(
        Severity::Error,
        "AFW007",
        format!(
          "firewall: {traffic} needs a network rule with destination FQDNs, which Azure Firewall accepts only with DNS proxy on the policy; set `firewall.dns_proxy = true` if clients may use the firewall as DNS server, or cover it with a service-tag or IP rule"
        ),
      );
    }
  }
  network.extend(fqdn_rules);
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
  for c in covered {
    let by = c
      .cover
      .and_then(|id| network.iter().find(|r| r.flow.as_deref() == Some(id.as_str())))
      .map_or_else(
        || "no other rule: add an explicit IP rule if this traffic is needed".to_string(),
        |r| {
          let said: Vec<&str> = r.protocols.iter().map(|p| p.as_str()).collect();
          format!("network rule {} ({} {})", r.name, said.join("/"), r.ports)
        },
      );
    found.push(
      c.severity,
      c.code,
      format!("firewall: {}; it is covered by {by}", c.text),
    );
  }
  list_note(
    &mut found,
    Severity::Info,
    "AFW002",
    "firewall: network rules with FQDNs (firewall.dns_proxy = true) need DNS proxy on the policy (dnsSettings.enableProxy) and clients using the firewall as DNS server",
    &needs_proxy,
  );
  list_note(
    &mut found,
    Severity::Info,
    "AFW005",
    "firewall: flows inside the VNet do not pass the hub firewall; the NSG carries them",
    &vnet_local,
  );
  let private_names: Vec<&str> = private_names.iter().map(String::as_str).collect();
  list_note(
    &mut found,
    Severity::Info,
    "AFW005",
    "firewall: FQDN flows to private endpoints inside the VNet do not pass the hub firewall; the NSG carries them to the endpoint address",
    &private_names,
  );
  let inbound: Vec<&str> = ir
    .flows
    .iter()
    .filter(|f| f.direction == Direction::Inbound)
    .map(|f| f.id.as_str())
    .collect();
  list_note(
    &mut found,
    Severity::Info,
    "AFW003",
    "firewall: inbound flows are enforced by the NSG, not the firewall policy; with firewall.private_ip their subnets' route table sends AzureMachineLearning and BatchNodeManagement replies to the internet",
    &inbound,
  );
  let group = RuleCollectionGroup {
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
  };
  if group.is_empty() {
    notes.push(
      Severity::Info,
      "AFW009",
      "firewall: no flow of the customer VNet needs a firewall rule, so no rule collection group is written (no firewall/rule-collection-group.json, none in Terraform, Bicep or az CLI)",
    );
  } else if ir.settings.egress != Egress::Firewall {
    notes.push(
      Severity::Info,
      "AFW006",
      format!(
        "firewall: network.egress = \"{}\": the firewall rules apply only once compute traffic is routed through an Azure Firewall policy",
        ir.settings.egress.as_str()
      ),
    );
  }
  for note in found.0 {
    notes.push(note.severity, &note.code, note.message);
  }
  group
}

/// A note about an FQDN flow that names the rule covering it once rules have their names.
struct Covered {
  severity: Severity,
  code: &'static str,
  text: String,
  /// The flow of the covering network rule.
  cover: Option<String>,
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

/// The service-tag network rule of the plan that allows the same traffic as the FQDN flow
/// `f` (a tag the flow's `covered_by` names, every protocol of `protocols` or Any, every
/// port), so the reviewer knows nothing is lost; its flow's id.
fn covering_rule(
  network: &[NetworkRule],
  f: &Flow,
  protocols: &[NetworkProtocol],
  ports: &PortSet,
) -> Option<String> {
  let covers = |r: &&NetworkRule| {
    let tag_covers = match &r.destination {
      Destination::Addresses(endpoints) => endpoints.iter().any(|e| match e {
        Endpoint::Tag(tag) => f
          .covered_by
          .iter()
          .any(|c| tag == c || tag.starts_with(&format!("{c}."))),
        _ => false,
      }),
      Destination::Fqdns(_) => false,
    };
    tag_covers
      && protocols
        .iter()
        .all(|p| r.protocols.iter().any(|q| *q == NetworkProtocol::Any || q == p))
      && ports.is_subset(&r.ports)
  };
  network.iter().find(covers).and_then(|r| r.flow.clone())
}

fn firewall_endpoint(f: &Flow, peer: &Peer, notes: &mut Notes) -> Endpoint {
  match peer {
    Peer::Tag(tag) => match tag.split_once('.') {
      Some((global, _)) if NO_FIREWALL_REGIONAL_TAGS.contains(&global) => {
        // Information, not a warning: the global tag is the only form Azure Firewall accepts,
        // so every such profile would warn and `--fail-on warnings` would be unusable.
        notes.push(
          Severity::Info,
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
