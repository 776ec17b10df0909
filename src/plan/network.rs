//! The network plan: which subnets the deployment associates with the NSG (every subnet
//! that holds compute or private endpoints) and, with firewall egress and the firewall's
//! private address, the route tables of the compute subnets: `0.0.0.0/0` to the firewall,
//! and for subnets of public-IP compute the service-tag routes with next hop Internet
//! (MicrosoftDocs/azure-docs includes/machine-learning-compute-user-defined-routes.md,
//! "Service tag routes"; facts § 4 C16, C19). Never renders text.

use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};

use crate::ir::{Egress, Ir, SubnetSettings};
use crate::target::network::{Network, NextHop, Route, RouteTable, Subnet};
use crate::target::Endpoint;

const EVERYTHING: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::UNSPECIFIED, 0);

/// The route to the hub firewall, every compute subnet's default route.
pub const DEFAULT_ROUTE: &str = "to-hub-firewall";
/// Inbound management traffic to public-IP compute must leave the way it came (facts § 4 C16).
pub const AML_ROUTE: &str = "AzureMachineLearning-to-Internet";
pub const BATCH_ROUTE: &str = "BatchNodeManagement-to-Internet";
/// Appended to the route table's name for subnets of public-IP compute when other compute
/// subnets need the plain table (model/names.rs keeps room for it).
pub const PUBLIC_IP_SUFFIX: &str = "-public-ip";

pub fn plan(ir: &Ir) -> Network {
  let st = &ir.settings;
  let compute: Vec<&SubnetSettings> = st.subnets.iter().filter(|s| s.compute).collect();
  let hop = st
    .firewall
    .private_ip
    .filter(|_| st.egress == Egress::Firewall && !compute.is_empty());
  let mut route_tables = Vec::new();
  let (mut plain, mut public) = (None, None);
  if let Some(ip) = hop {
    let default = Route {
      name: DEFAULT_ROUTE.to_string(),
      address_prefix: Endpoint::Prefix(IpNet::V4(EVERYTHING)),
      next_hop: NextHop::VirtualAppliance(ip),
      why: "compute egress through the hub firewall (network.egress = \"firewall\")".to_string(),
    };
    let mixed = compute.iter().any(|s| !s.public_ip_compute);
    if mixed {
      plain = Some(st.firewall.route_table.clone());
      route_tables.push(RouteTable {
        name: st.firewall.route_table.clone(),
        routes: vec![default.clone()],
      });
    }
    if compute.iter().any(|s| s.public_ip_compute) {
      let name = if mixed {
        format!("{}{PUBLIC_IP_SUFFIX}", st.firewall.route_table)
      } else {
        st.firewall.route_table.clone()
      };
      // The global tag, not `BatchNodeManagement.<Region>`: the ServiceTags downloads give
      // the regional Batch tags no UDR feature (networkFeatures API, NSG), so Azure refuses
      // them as a route prefix, although the include's example writes the regional one
      // (includes/machine-learning-compute-user-defined-routes.md). The route only picks the
      // path; the NSG still decides what reaches the compute.
      let batch = "BatchNodeManagement".to_string();
      let internet = |name: &str, tag: String, what: &str| Route {
        name: name.to_string(),
        address_prefix: Endpoint::Tag(tag),
        next_hop: NextHop::Internet,
        why: format!(
          "{what} reaches public-IP compute from the internet; its replies must not pass the firewall"
        ),
      };
      route_tables.push(RouteTable {
        name: name.clone(),
        routes: vec![
          default,
          internet(
            AML_ROUTE,
            "AzureMachineLearning".to_string(),
            "Azure Machine Learning management",
          ),
          internet(BATCH_ROUTE, batch, "Azure Batch node management"),
        ],
      });
      public = Some(name);
    }
  }
  let subnets = st
    .subnets
    .iter()
    .map(|s| Subnet {
      name: s.name.clone(),
      prefix: s.prefix,
      delegated_to: s.delegated_to.clone(),
      service_endpoints: s.service_endpoints.clone(),
      nat_gateway: s.compute && st.egress == Egress::NatGateway,
      route_table: if !s.compute {
        None
      } else if s.public_ip_compute {
        public.clone()
      } else {
        plain.clone()
      },
    })
    .collect();
  Network {
    route_tables,
    subnets,
  }
}
