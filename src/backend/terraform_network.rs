//! The Terraform part of the plan's network resources, written into `terraform/main.tf`:
//! each subnet read with a `data "azurerm_subnet"` (the VNet and its subnets exist; Terraform
//! does not manage them, so no other subnet property changes), an
//! `azurerm_subnet_network_security_group_association` per subnet, each route table with
//! standalone `azurerm_route` resources, and an `azurerm_subnet_route_table_association` where
//! the plan routes a subnet. Takes the plan's network; names come from it, so they equal
//! nsg/subnets.json. Literals go through `syntax::hcl` (via terraform's `attrs`).

use std::fmt::Write as _;

use super::terraform::{attrs, close, resource, V};
use crate::plan::Labels;
use crate::target::network::Network;

pub(super) fn render(main: &mut String, net: &Network, labels: &mut Labels, nsg_label: &str) {
  let nsg_id = format!("azurerm_network_security_group.{nsg_label}.id");
  let mut table_ids = Vec::new();
  for t in &net.route_tables {
    let label = labels.unique(&t.name);
    resource(main, "azurerm_route_table", &label);
    attrs(
      main,
      1,
      &[
        ("name", V::Str(&t.name)),
        ("location", V::Raw("var.location")),
        ("resource_group_name", V::Raw("var.resource_group_name")),
      ],
    );
    close(main, 0);
    let table_name = format!("azurerm_route_table.{label}.name");
    for r in &t.routes {
      resource(
        main,
        "azurerm_route",
        &labels.unique(&format!("{}_{}", t.name, r.name)),
      );
      // Why the route exists, for whoever reviews the plan.
      main.push_str("  ");
      crate::syntax::hcl::push_comment(main, &r.why);
      let prefix = r.address_prefix.to_string();
      let hop = r.next_hop.address().map(|ip| ip.to_string());
      let mut run = vec![
        ("name", V::Str(&r.name)),
        ("resource_group_name", V::Raw("var.resource_group_name")),
        ("route_table_name", V::Raw(&table_name)),
        ("address_prefix", V::Str(&prefix)),
        ("next_hop_type", V::Str(r.next_hop.kind())),
      ];
      if let Some(ip) = &hop {
        run.push(("next_hop_in_ip_address", V::Str(ip)));
      }
      attrs(main, 1, &run);
      close(main, 0);
    }
    table_ids.push((t.name.as_str(), format!("azurerm_route_table.{label}.id")));
  }
  for s in &net.subnets {
    let label = labels.unique(&format!("subnet_{}", s.name));
    let _ = writeln!(main, "\ndata \"azurerm_subnet\" \"{label}\" {{");
    attrs(
      main,
      1,
      &[
        ("name", V::Str(&s.name)),
        ("virtual_network_name", V::Raw("var.virtual_network_name")),
        (
          "resource_group_name",
          V::Raw("var.virtual_network_resource_group_name"),
        ),
      ],
    );
    close(main, 0);
    let subnet_id = format!("data.azurerm_subnet.{label}.id");
    resource(
      main,
      "azurerm_subnet_network_security_group_association",
      &labels.unique(&format!("{}_nsg", s.name)),
    );
    attrs(
      main,
      1,
      &[
        ("subnet_id", V::Raw(&subnet_id)),
        ("network_security_group_id", V::Raw(&nsg_id)),
      ],
    );
    close(main, 0);
    if let Some((_, table_id)) = s
      .route_table
      .as_deref()
      .and_then(|name| table_ids.iter().find(|(n, _)| *n == name))
    {
      resource(
        main,
        "azurerm_subnet_route_table_association",
        &labels.unique(&format!("{}_route_table", s.name)),
      );
      attrs(
        main,
        1,
        &[
          ("subnet_id", V::Raw(&subnet_id)),
          ("route_table_id", V::Raw(table_id)),
        ],
      );
      close(main, 0);
    }
  }
}
