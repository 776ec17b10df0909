//! ARM template of the plan's network resources, `nsg/subnets.json`: the route tables and
//! one `virtualNetworks/subnets` resource per subnet that holds compute or private endpoints,
//! associated with the NSG of nsg/nsg.json and, where the plan routes it, a route table.
//!
//! A subnet PUT replaces the whole subnet, so each carries every property amlnet knows
//! (address prefix, delegation, service endpoints of the profile's service-endpoint access,
//! NSG, route table, the NAT gateway of nat_gateway egress as a parameter); what it resets is in the template's metadata and docs/deploy.md.
//! Subnets of one VNet are deployed one after the other (`dependsOn` the previous one): Azure
//! refuses concurrent updates of one VNet's subnets. Takes the plan; every string from the
//! IR or the plan is an ARM literal or an `arm_expression_string` inside amlnet's own
//! expressions.

use serde::Serialize;

use super::arm::{self, Description, Metadata, Param, Shown, Template, Value};
use super::Output;
use crate::ir::Ir;
use crate::plan::Plan;
use crate::syntax::{self, json::ArmLiteral};
use crate::target::network::{Route, RouteTable, Subnet};

pub(super) const API: &str = "2024-05-01";

/// What deploying the template replaces: the metadata and docs/deploy.md say the same.
pub(super) const REPLACES: &str = "Deploying this template PUTs each subnet listed: Azure replaces the whole subnet with these properties (addressPrefix, delegations, serviceEndpoints, networkSecurityGroup, routeTable, natGateway with nat_gateway egress). Properties not written here are reset to their defaults: other service endpoints, service endpoint policies, a NAT gateway not given here, privateEndpointNetworkPolicies and privateLinkServiceNetworkPolicies (to Disabled and Enabled), and sharingScope. Each route table is replaced with exactly its routes. If a subnet has such properties, use the Terraform or az CLI outputs, which only associate the NSG and route table.";

/// Why the template asks for the NAT gateway: the Bicep parameter says the same.
pub(super) const NAT_GATEWAY: &str = "Resource ID of the NAT gateway of the compute subnets (network.egress = nat_gateway): the subnet PUT must carry it, or it detaches the NAT gateway";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameters<'a> {
  vnet_name: Param<'a>,
  nsg_name: Param<'a>,
  location: Param<'a>,
  #[serde(skip_serializing_if = "Option::is_none")]
  nat_gateway_id: Option<Param<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Resource<'a> {
  RouteTable(Table<'a>),
  Subnet(SubnetResource<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Table<'a> {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  name: ArmLiteral<'a>,
  location: &'static str,
  properties: TableProperties<'a>,
}

#[derive(Serialize)]
struct TableProperties<'a> {
  routes: Vec<RouteJson<'a>>,
}

#[derive(Serialize)]
struct RouteJson<'a> {
  name: ArmLiteral<'a>,
  properties: RouteProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteProperties<'a> {
  address_prefix: arm::Address<'a>,
  next_hop_type: &'static str,
  #[serde(skip_serializing_if = "Option::is_none")]
  next_hop_ip_address: Option<Shown<std::net::Ipv4Addr>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SubnetResource<'a> {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  name: String,
  #[serde(skip_serializing_if = "Vec::is_empty")]
  depends_on: Vec<String>,
  properties: SubnetProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SubnetProperties<'a> {
  address_prefix: Shown<ipnet::Ipv4Net>,
  network_security_group: Id,
  #[serde(skip_serializing_if = "Option::is_none")]
  route_table: Option<Id>,
  #[serde(skip_serializing_if = "Option::is_none")]
  nat_gateway: Option<Id>,
  #[serde(skip_serializing_if = "Vec::is_empty")]
  delegations: Vec<Delegation<'a>>,
  #[serde(skip_serializing_if = "Vec::is_empty")]
  service_endpoints: Vec<ServiceEndpoint<'a>>,
}

#[derive(Serialize)]
struct Id {
  id: String,
}

#[derive(Serialize)]
struct Delegation<'a> {
  name: &'static str,
  properties: DelegationProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DelegationProperties<'a> {
  service_name: ArmLiteral<'a>,
}

#[derive(Serialize)]
struct ServiceEndpoint<'a> {
  service: ArmLiteral<'a>,
}

fn route_table_id(name: &str) -> String {
  format!(
    "[resourceId('Microsoft.Network/routeTables', {})]",
    syntax::json::arm_expression_string(name)
  )
}

fn subnet_id(name: &str) -> String {
  format!(
    "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('vnetName'), {})]",
    syntax::json::arm_expression_string(name)
  )
}

fn table(t: &RouteTable) -> Table<'_> {
  Table {
    ty: "Microsoft.Network/routeTables",
    api_version: API,
    name: ArmLiteral(&t.name),
    location: "[parameters('location')]",
    properties: TableProperties {
      routes: t.routes.iter().map(route).collect(),
    },
  }
}

fn route(r: &Route) -> RouteJson<'_> {
  RouteJson {
    name: ArmLiteral(&r.name),
    properties: RouteProperties {
      address_prefix: arm::Address(&r.address_prefix),
      next_hop_type: r.next_hop.kind(),
      next_hop_ip_address: r.next_hop.address().map(Shown),
    },
  }
}

fn subnet<'a>(s: &'a Subnet, previous: Option<&Subnet>) -> SubnetResource<'a> {
  let mut depends_on: Vec<String> = s.route_table.iter().map(|t| route_table_id(t)).collect();
  depends_on.extend(previous.map(|p| subnet_id(&p.name)));
  SubnetResource {
    ty: "Microsoft.Network/virtualNetworks/subnets",
    api_version: API,
    name: format!(
      "[concat(parameters('vnetName'), '/', {})]",
      syntax::json::arm_expression_string(&s.name)
    ),
    depends_on,
    properties: SubnetProperties {
      address_prefix: Shown(s.prefix),
      network_security_group: Id {
        id: "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('nsgName'))]".to_string(),
      },
      route_table: s.route_table.as_deref().map(|t| Id {
        id: route_table_id(t),
      }),
      nat_gateway: s.nat_gateway.then(|| Id {
        id: "[parameters('natGatewayId')]".to_string(),
      }),
      delegations: s
        .delegated_to
        .iter()
        .map(|d| Delegation {
          name: "delegation",
          properties: DelegationProperties {
            service_name: ArmLiteral(d),
          },
        })
        .collect(),
      service_endpoints: s
        .service_endpoints
        .iter()
        .map(|e| ServiceEndpoint {
          service: ArmLiteral(e),
        })
        .collect(),
    },
  }
}

/// `nsg/subnets.json`, when the plan associates any subnet.
pub(super) fn render(ir: &Ir, plan: &Plan, out: &mut Output) {
  let net = &plan.network;
  if net.subnets.is_empty() {
    return;
  }
  let generator = syntax::provenance(ir);
  let mut resources: Vec<Resource> = net
    .route_tables
    .iter()
    .map(table)
    .map(Resource::RouteTable)
    .collect();
  let mut previous = None;
  for s in &net.subnets {
    resources.push(Resource::Subnet(subnet(s, previous)));
    previous = Some(s);
  }
  let template = Template {
    schema: arm::SCHEMA,
    content_version: arm::CONTENT_VERSION,
    metadata: Metadata {
      generator: ArmLiteral(&generator),
      description: Some(REPLACES),
    },
    parameters: Parameters {
      vnet_name: Param::string(Some(&ir.settings.vnet_name)),
      nsg_name: Param::string(Some(&ir.settings.nsg.name)),
      location: Param {
        default_value: Some(Value::Expression("[resourceGroup().location]")),
        ..Param::string(None)
      },
      nat_gateway_id: net.subnets.iter().any(|s| s.nat_gateway).then(|| Param {
        metadata: Some(Description {
          description: ArmLiteral(NAT_GATEWAY),
        }),
        ..Param::string(None)
      }),
    },
    resources,
  };
  out.add(
    "nsg/subnets.json",
    crate::syntax::json::document_sized(&template, 2048 + 1000 * net.subnets.len()),
  );
}
