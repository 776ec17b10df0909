//! Route tables and subnet associations as Azure holds them: a route table is a list of
//! routes (address prefix or service tag → next hop), and a subnet carries its address
//! prefix, delegation, service endpoints, NSG and route table. Routes per
//! reference/target-formats.md and Microsoft's "Virtual network traffic routing"; a route
//! table holds at most 400 routes. Values only: no policy, no rendering, no I/O.

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::Endpoint;

/// Route and route table names: at most 80 characters.
pub const NAME_MAX: usize = 80;

/// Where a route sends matching traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NextHop {
  /// A network virtual appliance (the hub Azure Firewall) at its private address.
  VirtualAppliance(Ipv4Addr),
  /// Azure's internet edge, bypassing any appliance.
  Internet,
}

impl NextHop {
  /// The `nextHopType` spelling of ARM, Terraform, Bicep and the CLI.
  pub fn kind(self) -> &'static str {
    match self {
      NextHop::VirtualAppliance(_) => "VirtualAppliance",
      NextHop::Internet => "Internet",
    }
  }

  pub fn address(self) -> Option<Ipv4Addr> {
    match self {
      NextHop::VirtualAppliance(ip) => Some(ip),
      NextHop::Internet => None,
    }
  }
}

impl fmt::Display for NextHop {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      NextHop::VirtualAppliance(ip) => write!(f, "VirtualAppliance {ip}"),
      NextHop::Internet => f.write_str("Internet"),
    }
  }
}

/// One user-defined route: a prefix or a service tag (never `*`) and its next hop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
  pub name: String,
  pub address_prefix: Endpoint,
  pub next_hop: NextHop,
  /// Why the route exists, for comments and docs.
  pub why: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTable {
  pub name: String,
  pub routes: Vec<Route>,
}

/// One subnet the deployment associates, with every property amlnet knows of it: what a
/// subnet PUT (ARM, Bicep) must carry so it does not reset them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subnet {
  pub name: String,
  pub prefix: Ipv4Net,
  pub delegated_to: Option<String>,
  pub service_endpoints: Vec<String>,
  /// The route table (by name) associated with the subnet, when the plan routes it.
  pub route_table: Option<String>,
  /// The subnet's egress is a NAT gateway (`network.egress = "nat_gateway"`, compute
  /// subnets): a subnet PUT must carry it, or the PUT detaches it.
  pub nat_gateway: bool,
}

/// The network resources of a deployment: route tables and the subnets associated with
/// the NSG (every one) and a route table (those with `route_table`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Network {
  pub route_tables: Vec<RouteTable>,
  pub subnets: Vec<Subnet>,
}

impl Network {
  pub fn route_table(&self, name: &str) -> Option<&RouteTable> {
    self.route_tables.iter().find(|t| t.name == name)
  }
}
