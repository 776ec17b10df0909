//! Azure's documented rules for `managed-network/workspace.yml` (read through PyYAML into
//! JSON): rule names, rule types per isolation mode, FQDN rules (TCP 80/443 only, never Azure
//! Storage in approved-only mode), service tags and ports, private-endpoint targets, no rule
//! twice, and none of the rules Azure adds to every managed network itself.
//!
//! Sources: [MVN] https://learn.microsoft.com/azure/machine-learning/how-to-managed-network
//! (MicrosoftDocs/azure-ai-docs articles/machine-learning/how-to-managed-network.md,
//! § List of required rules; reference/azureml-network-facts.md § 5 and § 4 C29, C30);
//! [AVM] Azure/terraform-azurerm-avm-res-machinelearningservices-workspace
//! examples/private_managed_vnet/_header.md, which lists the required private-endpoint rules
//! Azure creates: key vault, storage `blob` and `file`, container registry, workspace.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Context, Report};

/// [MVN] § List of required rules: the outbound service tags every managed network holds
/// (a regional form such as `MicrosoftContainerRegistry.EastUS` is inside the global tag).
const REQUIRED_TAGS: [&str; 8] = [
  "AzureMachineLearning",
  "AzureActiveDirectory",
  "BatchNodeManagement",
  "AzureResourceManager",
  "AzureFrontDoor.FirstParty",
  "MicrosoftContainerRegistry",
  "AzureMonitor",
  "VirtualNetwork",
];

fn is_required_tag(tag: &str) -> bool {
  REQUIRED_TAGS
    .iter()
    .any(|r| tag == *r || (!r.contains('.') && tag.strip_prefix(r).is_some_and(|rest| rest.starts_with('.'))))
}

pub fn check(path: &str, doc: &Value, ctx: &Context, report: &mut Report) {
  let mn = &doc["managed_network"];
  let mode = mn["isolation_mode"].as_str().unwrap_or_default();
  let approved = mode == "allow_only_approved_outbound";
  if !matches!(
    mode,
    "disabled" | "allow_internet_outbound" | "allow_only_approved_outbound"
  ) {
    report.problem(path, format!("isolation_mode {mode:?}"));
  }
  if !(mn["firewall_sku"].is_null() || matches!(mn["firewall_sku"].as_str(), Some("standard" | "basic"))) {
    report.problem(path, format!("firewall_sku {}", mn["firewall_sku"]));
  }
  let rules = mn["outbound_rules"].as_array().cloned().unwrap_or_default();
  let (mut names, mut targets) = (BTreeSet::new(), BTreeSet::new());
  for r in &rules {
    report.managed_rules += 1;
    let name = r["name"].as_str().unwrap_or_default().to_string();
    let mut problems: Vec<String> = super::arm::name_problem(&name).into_iter().collect();
    if !names.insert(name.to_ascii_lowercase()) {
      problems.push("name repeats (names are unique per workspace)".into());
    }
    let kind = r["type"].as_str().unwrap_or_default();
    let keys: BTreeSet<&str> = r
      .as_object()
      .map(|o| o.keys().map(String::as_str).collect())
      .unwrap_or_default();
    if let Some(extra) = keys
      .iter()
      .find(|k| !matches!(**k, "name" | "type" | "destination" | "category"))
    {
      // FQDN rules carry TCP 80 and 443 only [MVN] (C30): a rule has no port or protocol key.
      problems.push(format!("unknown key {extra}"));
    }
    let d = &r["destination"];
    if !targets.insert((kind.to_string(), d.to_string())) {
      problems.push("the same destination as an earlier rule".into());
    }
    match kind {
      "fqdn" | "service_tag" if !approved => {
        // C29: in allow_internet_outbound only private_endpoint rules.
        problems.push(format!("{kind} rule under {mode}"));
      }
      "fqdn" => {
        let host = d.as_str().unwrap_or_default();
        if host.is_empty() || host.strip_prefix("*.").unwrap_or(host).contains('*') {
          problems.push(format!("FQDN {host:?} is no host name (a wildcard only as `*.`)"));
        }
        if ctx.storage_suffixes.iter().any(|s| host.ends_with(s.as_str())) {
          // C30: approved-only mode reaches Azure Storage through private endpoints only.
          problems.push(format!("FQDN rule to Azure Storage {host}"));
        }
      }
      "service_tag" => {
        let tag = d["service_tag"].as_str().unwrap_or_default();
        report.tags += 1;
        problems.extend(ctx.tag_problem(tag, "API"));
        if is_required_tag(tag) {
          problems.push(format!("service tag {tag} is a required rule Azure adds itself"));
        }
        if !matches!(d["protocol"].as_str(), Some("TCP" | "UDP" | "ICMP" | "*")) {
          problems.push(format!("protocol {}", d["protocol"]));
        }
        let ports = d["port_ranges"].as_str().unwrap_or_default();
        for p in ports.split(',').map(str::trim) {
          let (a, b) = p.split_once('-').unwrap_or((p, p));
          if !matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a <= b && b <= 65535)
            && p != "*"
          {
            problems.push(format!("port range {p:?}"));
          }
        }
      }
      "private_endpoint" => {
        let id = d["service_resource_id"].as_str().unwrap_or_default();
        let sub = d["subresource_target"].as_str().unwrap_or_default();
        let parts: Vec<&str> = id.split('/').collect();
        if parts.len() < 9
          || parts[1] != "subscriptions"
          || parts[3] != "resourceGroups"
          || parts[5] != "providers"
        {
          problems.push(format!("service_resource_id {id:?} is no resource ID"));
        }
        if sub.is_empty() {
          problems.push("no subresource_target".into());
        }
        let resource = parts.last().copied().unwrap_or_default().to_ascii_lowercase();
        let provider = parts.get(6..8).map(|p| p.join("/")).unwrap_or_default();
        let own = ctx
          .own
          .iter()
          .any(|(p, n, subs)| *p == provider && *n == resource && subs.contains(&sub));
        if own {
          problems.push(format!(
            "private endpoint to {resource} ({sub}) is a required rule Azure adds itself"
          ));
        }
      }
      other => problems.push(format!("type {other:?}")),
    }
    for p in problems {
      report.problem(path, format!("outbound rule {name}: {p}"));
    }
  }
}
