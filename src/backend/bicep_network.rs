//! The Bicep part of the plan's network resources, written into `bicep/main.bicep`: the
//! route tables with inline routes, the VNet as an `existing` resource, and one
//! `virtualNetworks/subnets` child per associated subnet with every property amlnet knows of
//! it (the same bodies as nsg/subnets.json), each depending on the one before (Azure refuses
//! concurrent updates of one VNet's subnets). Takes the plan's network; literals through
//! `syntax::bicep` (via bicep's writer).

use super::bicep::{NETWORK_API, W};
use crate::plan::Labels;
use crate::target::network::Network;

/// The route tables, the existing VNet and each associated subnet, as nsg/subnets.json:
/// every property amlnet knows of a subnet, one subnet after the other.
pub(super) fn render(w: &mut W, net: &Network, labels: &mut Labels, nsg: &str) {
  if net.subnets.is_empty() {
    return;
  }
  let mut tables = Vec::new();
  for t in &net.route_tables {
    let symbol = labels.unique(&format!("routeTable_{}", t.name));
    w.resource(
      &symbol,
      &format!("Microsoft.Network/routeTables@{NETWORK_API}"),
      false,
    );
    w.key("name").str(&t.name);
    w.key("location").raw("location");
    w.key("properties").obj();
    w.key("routes");
    if w.arr(t.routes.is_empty()) {
      for r in &t.routes {
        w.item().obj();
        w.key("name").str(&r.name);
        w.key("properties").obj();
        w.key("addressPrefix").endpoint(&r.address_prefix);
        w.key("nextHopType").str(r.next_hop.kind());
        if let Some(ip) = r.next_hop.address() {
          w.key("nextHopIpAddress").str(&ip.to_string());
        }
        w.end_obj();
        w.end_obj();
      }
      w.end_arr();
    }
    w.end_obj();
    w.end_resource();
    tables.push((t.name.as_str(), symbol));
  }
  let vnet = labels.unique("vnet");
  w.resource(
    &vnet,
    &format!("Microsoft.Network/virtualNetworks@{NETWORK_API}"),
    true,
  );
  w.key("name").raw("vnetName");
  w.end_resource();
  let mut previous: Option<String> = None;
  for s in &net.subnets {
    let symbol = labels.unique(&format!("subnet_{}", s.name));
    w.resource(
      &symbol,
      &format!("Microsoft.Network/virtualNetworks/subnets@{NETWORK_API}"),
      false,
    );
    w.key("parent").raw(&vnet);
    w.key("name").str(&s.name);
    w.key("properties").obj();
    w.key("addressPrefix").str(&s.prefix.to_string());
    w.key("networkSecurityGroup").obj();
    w.key("id").raw(&format!("{nsg}.id"));
    w.end_obj();
    if let Some((_, table)) = s
      .route_table
      .as_deref()
      .and_then(|name| tables.iter().find(|(n, _)| *n == name))
    {
      w.key("routeTable").obj();
      w.key("id").raw(&format!("{table}.id"));
      w.end_obj();
    }
    if s.nat_gateway {
      w.key("natGateway").obj();
      w.key("id").raw("natGatewayId");
      w.end_obj();
    }
    if let Some(d) = &s.delegated_to {
      w.key("delegations").arr(false);
      w.item().obj();
      w.key("name").str("delegation");
      w.key("properties").obj();
      w.key("serviceName").str(d);
      w.end_obj();
      w.end_obj();
      w.end_arr();
    }
    if !s.service_endpoints.is_empty() {
      w.key("serviceEndpoints").arr(false);
      for e in &s.service_endpoints {
        w.item().obj();
        w.key("service").str(e);
        w.end_obj();
      }
      w.end_arr();
    }
    w.end_obj();
    // Azure refuses concurrent updates of one VNet's subnets.
    if let Some(p) = &previous {
      w.key("dependsOn").arr(false);
      w.item().raw(p);
      w.end_arr();
    }
    w.end_resource();
    previous = Some(symbol);
  }
}
