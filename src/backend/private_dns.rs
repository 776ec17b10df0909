//! Azure Private DNS backend: zones, A records and VNet links as an ARM template, plus a
//! records table.
//!
//! Takes the IR, returns `private-dns/private-dns.json` (one `privateDnsZones` resource
//! per zone, its A records as child resources with names relative to the zone, and a link
//! to the VNet given as a parameter) and `private-dns/records.json`.
//!
//! Both are serialized from typed structs. In the template every string from the IR is an ARM
//! literal (`syntax::json::ArmLiteral`), and a zone name inside one of amlnet's own expressions
//! (the link's name, `dependsOn`) is an expression string literal
//! (`syntax::json::arm_expression_string`). `records.json` is data ARM never reads: its values
//! are the IR's as they are.

use std::net::Ipv4Addr;

use serde::{Serialize, Serializer};

use super::arm::{self, Description, Metadata, Param, Template};
use super::Output;
use crate::ir::{Ir, RecordType};
use crate::plan::Plan;
use crate::syntax::{
  self,
  json::{arm_expression_string, ArmLiteral},
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameters<'a> {
  vnet_id: Param<'a>,
  vnet_link_name: Param<'a>,
}

/// One resource of the template; each kind in its own shape and key order.
#[derive(Serialize)]
#[serde(untagged)]
enum Resource<'a> {
  Zone(Zone<'a>),
  Link(Link),
  A(ARecord<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Zone<'a> {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  name: ArmLiteral<'a>,
  location: &'static str,
  properties: Empty,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Link {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  /// `[concat('zone', '/', parameters('vnetLinkName'))]`: ARM evaluates an expression only
  /// when the whole string is one.
  name: String,
  location: &'static str,
  depends_on: [String; 1],
  properties: LinkProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinkProperties {
  registration_enabled: bool,
  virtual_network: Id,
}

#[derive(Serialize)]
struct Id {
  id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ARecord<'a> {
  #[serde(rename = "type")]
  ty: &'static str,
  api_version: &'static str,
  /// `zone/relative-name`.
  name: Owned,
  depends_on: [String; 1],
  properties: AProperties<'a>,
}

/// A string built here from IR strings, as an ARM literal.
struct Owned(String);

impl Serialize for Owned {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    ArmLiteral(&self.0).serialize(s)
  }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AProperties<'a> {
  ttl: u32,
  a_records: [Ipv4Json<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Ipv4Json<'a> {
  ipv4_address: &'a Ipv4Addr,
}

const DNS_API: &str = "2024-06-01";

pub(super) fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  if ir.dns_zones.is_empty() {
    return;
  }
  let ttl = ir.settings.dns.ttl;
  let mut resources: Vec<Resource> = Vec::with_capacity(2 * ir.dns_zones.len() + ir.dns_records.len());
  for zone in &ir.dns_zones {
    let literal = arm_expression_string(&zone.name);
    let zone_id = format!("[resourceId('Microsoft.Network/privateDnsZones', {literal})]");
    resources.push(Resource::Zone(Zone {
      ty: "Microsoft.Network/privateDnsZones",
      api_version: DNS_API,
      name: ArmLiteral(&zone.name),
      location: "global",
      properties: Empty {},
    }));
    resources.push(Resource::Link(Link {
      ty: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
      api_version: DNS_API,
      name: format!("[concat({literal}, '/', parameters('vnetLinkName'))]"),
      location: "global",
      depends_on: [zone_id.clone()],
      properties: LinkProperties {
        registration_enabled: false,
        virtual_network: Id {
          id: "[parameters('vnetId')]",
        },
      },
    }));
    for r in ir.dns_records.iter().filter(|r| r.zone == zone.name) {
      resources.push(Resource::A(ARecord {
        ty: "Microsoft.Network/privateDnsZones/A",
        api_version: DNS_API,
        name: Owned(format!("{}/{}", zone.name, relative(&r.name, &zone.name))),
        depends_on: [zone_id.clone()],
        properties: AProperties {
          ttl,
          a_records: [Ipv4Json {
            ipv4_address: &r.value,
          }],
        },
      }));
    }
  }
  let generator = syntax::provenance(ir);
  let vnet_description = format!("Resource ID of {}", ir.settings.vnet_name);
  let link_name = format!("link-{}", ir.settings.vnet_name);
  let template = Template {
    schema: arm::SCHEMA,
    content_version: arm::CONTENT_VERSION,
    metadata: Metadata {
      generator: ArmLiteral(&generator),
      description: None,
    },
    parameters: Parameters {
      vnet_id: Param {
        metadata: Some(Description {
          description: ArmLiteral(&vnet_description),
        }),
        ..Param::string(None)
      },
      vnet_link_name: Param::string(Some(&link_name)),
    },
    resources: &resources,
  };
  out.add(
    "private-dns/private-dns.json",
    crate::syntax::json::document_sized(&template, 1024 + 500 * resources.len()),
  );
  let table = Records {
    generator: &generator,
    records: RecordRows { ir, ttl },
  };
  out.add(
    "private-dns/records.json",
    crate::syntax::json::document_sized(&table, 512 + 600 * ir.dns_records.len()),
  );
}

/// `records.json`: data for people and scripts, which ARM never reads (no ARM escaping).
#[derive(Serialize)]
struct Records<'a> {
  generator: &'a str,
  records: RecordRows<'a>,
}

struct RecordRows<'a> {
  ir: &'a Ir,
  ttl: u32,
}

impl Serialize for RecordRows<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Row<'a> {
      zone: &'a str,
      name: &'a str,
      relative_name: String,
      #[serde(rename = "type")]
      record_type: &'a RecordType,
      ttl: u32,
      value: &'a Ipv4Addr,
      resource: &'a str,
      public_name: &'a Option<String>,
      sources: &'a [String],
    }
    s.collect_seq(self.ir.dns_records.iter().map(|r| Row {
      zone: &r.zone,
      name: &r.name,
      relative_name: relative(&r.name, &r.zone),
      record_type: &r.record_type,
      ttl: self.ttl,
      value: &r.value,
      resource: &r.resource,
      public_name: &r.public_name,
      sources: &r.sources,
    }))
  }
}

/// The record name relative to its zone ("@" for the apex).
pub(super) fn relative(name: &str, zone: &str) -> String {
  match name.strip_suffix(zone) {
    Some("") => "@".to_string(),
    Some(rel) => rel.trim_end_matches('.').to_string(),
    None => name.to_string(),
  }
}
