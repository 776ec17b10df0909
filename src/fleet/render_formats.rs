//! The hub firewall in Bicep (`hub/firewall/bicep/main.bicep`), Terraform
//! (`hub/firewall/terraform/main.tf`, `variables.tf`) and az CLI (`hub/firewall/azcli/deploy.sh`): the same IP Groups, rules, names and priorities as
//! `hub/firewall/rule-collection-group.json`.
//!
//! Takes the hub IR (for the stamp) and the hub firewall plan; appends artifacts. Every value
//! is written by its syntax's writer (`syntax::bicep`, `syntax::hcl`, `syntax::shell`); labels
//! come from `plan::Labels`. It decides nothing about which rules exist.

use std::fmt::Write as _;

use crate::backend::Output;
use crate::ir::Ir;
use crate::plan::Labels;
use crate::syntax::{self, bicep, hcl, shell, Syntax};
use crate::target::firewall::Destination;

use super::firewall::{HubFirewall, APPLICATION_PRIORITY, NETWORK_PRIORITY};
use super::render::API;

const NETWORK: &str = "amlnet-fleet-network";
const APPLICATION: &str = "amlnet-fleet-application";

pub fn render(ir: &Ir, fw: &HubFirewall, out: &mut Output) {
  out.add("hub/firewall/bicep/main.bicep", bicep_text(ir, fw));
  let (main, variables) = terraform_text(ir, fw);
  out.add("hub/firewall/terraform/main.tf", main);
  out.add("hub/firewall/terraform/variables.tf", variables);
  out.add("hub/firewall/azcli/deploy.sh", azcli_text(ir, fw));
}

/// One label per IP group, in the order of `fw.ip_groups`.
fn labels(fw: &HubFirewall) -> Vec<String> {
  let mut labels = Labels::default();
  fw.ip_groups.iter().map(|g| labels.unique(&g.name)).collect()
}

fn label_of<'a>(fw: &HubFirewall, labels: &'a [String], group: &str) -> &'a str {
  let i = fw.ip_groups.iter().position(|g| g.name == group).unwrap_or(0);
  &labels[i]
}

fn bicep_list<T: std::fmt::Display>(
  s: &mut String,
  indent: &str,
  key: &str,
  items: impl IntoIterator<Item = T>,
) {
  let _ = writeln!(s, "{indent}{key}: [");
  for i in items {
    s.push_str(indent);
    s.push_str("  ");
    bicep::push_string(s, &i.to_string());
    s.push('\n');
  }
  let _ = writeln!(s, "{indent}]");
}

fn bicep_text(ir: &Ir, fw: &HubFirewall) -> String {
  let labels = labels(fw);
  let mut s = String::with_capacity(4096 + 600 * (fw.network.len() + fw.application.len()));
  syntax::push_stamp(&mut s, ir, Syntax::Bicep);
  s.push_str("@description('Name of the existing hub Azure Firewall policy, in this resource group')\nparam firewallPolicyName string = ");
  bicep::push_string(&mut s, &fw.policy);
  s.push_str("\n\n@description('Name of the fleet rule collection group created in that policy')\nparam ruleCollectionGroupName string = ");
  bicep::push_string(&mut s, &fw.name);
  s.push_str(
    "\n\n@description('Azure region of the IP Groups')\nparam location string = resourceGroup().location\n\n",
  );
  let _ = writeln!(
    s,
    "resource policy 'Microsoft.Network/firewallPolicies@{API}' existing = {{\n  name: firewallPolicyName\n}}\n"
  );
  for (g, label) in fw.ip_groups.iter().zip(&labels) {
    let _ = writeln!(s, "resource {label} 'Microsoft.Network/ipGroups@{API}' = {{");
    s.push_str("  name: ");
    bicep::push_string(&mut s, &g.name);
    s.push_str("\n  location: location\n  properties: {\n");
    bicep_list(&mut s, "    ", "ipAddresses", &g.addresses);
    s.push_str("  }\n}\n\n");
  }
  let _ = writeln!(
    s,
    "resource group 'Microsoft.Network/firewallPolicies/ruleCollectionGroups@{API}' = {{\n  parent: policy\n  name: ruleCollectionGroupName"
  );
  // IP Groups a policy uses must exist first; Azure also asks that they are not updated
  // while the group is, so the group waits for every one of them.
  s.push_str("  dependsOn: [\n");
  for label in &labels {
    let _ = writeln!(s, "    {label}");
  }
  let _ = writeln!(
    s,
    "  ]\n  properties: {{\n    priority: {}\n    ruleCollections: [",
    fw.priority
  );
  let sources = |s: &mut String, groups: &[String]| {
    s.push_str("            sourceIpGroups: [\n");
    for g in groups {
      let _ = writeln!(s, "              {}.id", label_of(fw, &labels, g));
    }
    s.push_str("            ]\n");
  };
  let open = |s: &mut String, name: &str, priority: u32| {
    s.push_str("      {\n        ruleCollectionType: 'FirewallPolicyFilterRuleCollection'\n        name: ");
    bicep::push_string(s, name);
    let _ = writeln!(s, "\n        priority: {priority}\n        action: {{\n          type: 'Allow'\n        }}\n        rules: [");
  };
  if !fw.network.is_empty() {
    open(&mut s, NETWORK, NETWORK_PRIORITY);
    for r in &fw.network {
      s.push_str("          {\n            ruleType: 'NetworkRule'\n            name: ");
      bicep::push_string(&mut s, &r.rule.name);
      s.push_str("\n            description: ");
      bicep::push_string(&mut s, &r.rule.description);
      s.push('\n');
      bicep_list(
        &mut s,
        "            ",
        "ipProtocols",
        r.rule.protocols.iter().map(|p| p.as_str()),
      );
      sources(&mut s, &r.ip_groups);
      match &r.rule.destination {
        Destination::Addresses(a) => bicep_list(&mut s, "            ", "destinationAddresses", a),
        Destination::Fqdns(f) => bicep_list(&mut s, "            ", "destinationFqdns", f),
      }
      bicep_list(&mut s, "            ", "destinationPorts", r.rule.ports.ranges());
      s.push_str("          }\n");
    }
    s.push_str("        ]\n      }\n");
  }
  if !fw.application.is_empty() {
    open(&mut s, APPLICATION, APPLICATION_PRIORITY);
    for r in &fw.application {
      s.push_str("          {\n            ruleType: 'ApplicationRule'\n            name: ");
      bicep::push_string(&mut s, &r.rule.name);
      s.push_str("\n            description: ");
      bicep::push_string(&mut s, &r.rule.description);
      s.push_str("\n            protocols: [\n");
      for (t, port) in &r.rule.protocols {
        let _ = writeln!(
          s,
          "              {{\n                protocolType: '{}'\n                port: {port}\n              }}",
          t.as_str()
        );
      }
      s.push_str("            ]\n");
      sources(&mut s, &r.ip_groups);
      bicep_list(&mut s, "            ", "targetFqdns", &r.rule.target_fqdns);
      s.push_str("          }\n");
    }
    s.push_str("        ]\n      }\n");
  }
  s.push_str("    ]\n  }\n}\n");
  s
}

fn hcl_list<T: std::fmt::Display>(
  s: &mut String,
  indent: &str,
  key: &str,
  items: impl IntoIterator<Item = T>,
) {
  let _ = write!(s, "{indent}{key} = [");
  for (n, i) in items.into_iter().enumerate() {
    if n > 0 {
      s.push_str(", ");
    }
    hcl::push_string(s, &i.to_string());
  }
  s.push_str("]\n");
}

fn terraform_text(ir: &Ir, fw: &HubFirewall) -> (String, String) {
  let labels = labels(fw);
  let mut s = String::with_capacity(4096 + 500 * (fw.network.len() + fw.application.len()));
  syntax::push_stamp(&mut s, ir, Syntax::Hcl);
  let mut v = String::with_capacity(1024);
  syntax::push_stamp(&mut v, ir, Syntax::Hcl);
  v.push_str("variable \"resource_group_name\" {\n  type        = string\n  description = \"Resource group of the IP Groups\"\n}\n\n");
  v.push_str("variable \"location\" {\n  type        = string\n  description = \"Azure region of the IP Groups\"\n}\n\n");
  v.push_str("variable \"firewall_policy_id\" {\n  type        = string\n  description = \"Resource ID of the existing hub Azure Firewall policy\"\n}\n\n");
  v.push_str("variable \"rule_collection_group_name\" {\n  type    = string\n  default = ");
  hcl::push_string(&mut v, &fw.name);
  v.push_str("\n}\n");
  for (g, label) in fw.ip_groups.iter().zip(&labels) {
    let _ = writeln!(s, "\nresource \"azurerm_ip_group\" \"{label}\" {{");
    s.push_str("  name                = ");
    hcl::push_string(&mut s, &g.name);
    s.push_str("\n  resource_group_name = var.resource_group_name\n  location            = var.location\n");
    hcl_list(&mut s, "  ", "cidrs", &g.addresses);
    s.push_str("}\n");
  }
  let sources = |s: &mut String, groups: &[String]| {
    let refs: Vec<String> = groups
      .iter()
      .map(|g| format!("azurerm_ip_group.{}.id", label_of(fw, &labels, g)))
      .collect();
    let _ = writeln!(s, "      source_ip_groups = [{}]", refs.join(", "));
  };
  s.push_str("\nresource \"azurerm_firewall_policy_rule_collection_group\" \"fleet\" {\n  name               = var.rule_collection_group_name\n  firewall_policy_id = var.firewall_policy_id\n");
  let _ = writeln!(s, "  priority           = {}", fw.priority);
  if !fw.network.is_empty() {
    let _ = writeln!(s, "\n  network_rule_collection {{\n    name     = \"{NETWORK}\"\n    priority = {NETWORK_PRIORITY}\n    action   = \"Allow\"");
    for r in &fw.network {
      s.push_str("\n    rule {\n      name = ");
      hcl::push_string(&mut s, &r.rule.name);
      s.push_str("\n      description = ");
      hcl::push_string(&mut s, &r.rule.description);
      s.push('\n');
      hcl_list(
        &mut s,
        "      ",
        "protocols",
        r.rule.protocols.iter().map(|p| p.as_str()),
      );
      sources(&mut s, &r.ip_groups);
      match &r.rule.destination {
        Destination::Addresses(a) => hcl_list(&mut s, "      ", "destination_addresses", a),
        Destination::Fqdns(f) => hcl_list(&mut s, "      ", "destination_fqdns", f),
      }
      hcl_list(&mut s, "      ", "destination_ports", r.rule.ports.ranges());
      s.push_str("    }\n");
    }
    s.push_str("  }\n");
  }
  if !fw.application.is_empty() {
    let _ = writeln!(s, "\n  application_rule_collection {{\n    name     = \"{APPLICATION}\"\n    priority = {APPLICATION_PRIORITY}\n    action   = \"Allow\"");
    for r in &fw.application {
      s.push_str("\n    rule {\n      name = ");
      hcl::push_string(&mut s, &r.rule.name);
      s.push_str("\n      description = ");
      hcl::push_string(&mut s, &r.rule.description);
      s.push('\n');
      for (t, port) in &r.rule.protocols {
        let _ = writeln!(
          s,
          "      protocols {{\n        type = \"{}\"\n        port = {port}\n      }}",
          t.as_str()
        );
      }
      sources(&mut s, &r.ip_groups);
      hcl_list(&mut s, "      ", "destination_fqdns", &r.rule.target_fqdns);
      s.push_str("    }\n");
    }
    s.push_str("  }\n");
  }
  s.push_str("}\n");
  (s, v)
}

fn words<T: std::fmt::Display>(s: &mut String, items: impl IntoIterator<Item = T>) {
  for i in items {
    s.push(' ');
    shell::push_quote(s, &i.to_string());
  }
}

fn azcli_text(ir: &Ir, fw: &HubFirewall) -> String {
  let mut s = String::with_capacity(4096 + 500 * (fw.network.len() + fw.application.len()));
  s.push_str("#!/usr/bin/env bash\n");
  syntax::push_stamp(&mut s, ir, Syntax::Shell);
  shell::push_comment(
    &mut s,
    "Creates the fleet's IP Groups and its rule collection group in the hub firewall policy: the same rules as hub/firewall/rule-collection-group.json. Needs the CLI's azure-firewall extension.",
  );
  s.push_str("set -euo pipefail\n\n");
  s.push_str("FIREWALL_POLICY_RESOURCE_GROUP=${FIREWALL_POLICY_RESOURCE_GROUP:?set FIREWALL_POLICY_RESOURCE_GROUP to the resource group of the hub firewall policy}\n");
  s.push_str("FIREWALL_POLICY_NAME=${FIREWALL_POLICY_NAME:-");
  shell::push_quote(&mut s, &fw.policy);
  s.push_str("}\nRULE_COLLECTION_GROUP_NAME=${RULE_COLLECTION_GROUP_NAME:-");
  shell::push_quote(&mut s, &fw.name);
  s.push_str("}\n");
  let _ = writeln!(s, "CURRENT_CLOUD=$(az cloud show --query name --output tsv)\nif [ \"$CURRENT_CLOUD\" != {} ]; then\n  echo \"the Azure CLI is set to cloud $CURRENT_CLOUD, not {}\" >&2\n  exit 1\nfi\n", shell::quote(ir.cloud.name()), ir.cloud.name());
  for g in &fw.ip_groups {
    s.push_str(
      "az network ip-group create \\\n  --resource-group \"$FIREWALL_POLICY_RESOURCE_GROUP\" \\\n  --name",
    );
    words(&mut s, [&g.name]);
    s.push_str(" \\\n  --ip-addresses");
    words(&mut s, &g.addresses);
    s.push_str(" \\\n  --output none\n");
  }
  let _ = writeln!(
    s,
    "az network firewall policy rule-collection-group create \\\n  --resource-group \"$FIREWALL_POLICY_RESOURCE_GROUP\" \\\n  --policy-name \"$FIREWALL_POLICY_NAME\" \\\n  --name \"$RULE_COLLECTION_GROUP_NAME\" \\\n  --priority {} \\\n  --output none",
    fw.priority
  );
  let head = |s: &mut String, first: bool, collection: &str, priority: u32, kind: &str, name: &str| {
    if first {
      s.push_str("az network firewall policy rule-collection-group collection add-filter-collection");
    } else {
      s.push_str("az network firewall policy rule-collection-group collection rule add");
    }
    s.push_str(" \\\n  --resource-group \"$FIREWALL_POLICY_RESOURCE_GROUP\" \\\n  --policy-name \"$FIREWALL_POLICY_NAME\" \\\n  --rule-collection-group-name \"$RULE_COLLECTION_GROUP_NAME\"");
    if first {
      let _ = write!(s, " \\\n  --name {} \\\n  --collection-priority {priority} \\\n  --action Allow \\\n  --rule-type {kind} \\\n  --rule-name", shell::quote(collection));
    } else {
      let _ = write!(
        s,
        " \\\n  --collection-name {} \\\n  --rule-type {kind} \\\n  --name",
        shell::quote(collection)
      );
    }
    words(s, [name]);
  };
  for (i, r) in fw.network.iter().enumerate() {
    head(
      &mut s,
      i == 0,
      NETWORK,
      NETWORK_PRIORITY,
      "NetworkRule",
      &r.rule.name,
    );
    s.push_str(" \\\n  --description");
    words(&mut s, [&r.rule.description]);
    s.push_str(" \\\n  --ip-protocols");
    words(&mut s, r.rule.protocols.iter().map(|p| p.as_str()));
    s.push_str(" \\\n  --source-ip-groups");
    words(&mut s, &r.ip_groups);
    match &r.rule.destination {
      Destination::Addresses(a) => {
        s.push_str(" \\\n  --destination-addresses");
        words(&mut s, a);
      }
      Destination::Fqdns(f) => {
        s.push_str(" \\\n  --destination-fqdns");
        words(&mut s, f);
      }
    }
    s.push_str(" \\\n  --destination-ports");
    words(&mut s, r.rule.ports.ranges());
    s.push_str(" \\\n  --output none\n");
  }
  for (i, r) in fw.application.iter().enumerate() {
    head(
      &mut s,
      i == 0,
      APPLICATION,
      APPLICATION_PRIORITY,
      "ApplicationRule",
      &r.rule.name,
    );
    s.push_str(" \\\n  --description");
    words(&mut s, [&r.rule.description]);
    s.push_str(" \\\n  --protocols");
    words(
      &mut s,
      r.rule
        .protocols
        .iter()
        .map(|(t, p)| format!("{}={p}", t.as_str())),
    );
    s.push_str(" \\\n  --source-ip-groups");
    words(&mut s, &r.ip_groups);
    s.push_str(" \\\n  --target-fqdns");
    words(&mut s, &r.rule.target_fqdns);
    s.push_str(" \\\n  --output none\n");
  }
  s
}
