//! `amlnet explain`: why each rule or record exists.
//!
//! Takes the IR, its plan and a query (flow id, peer such as a service tag or FQDN, a host
//! name a wildcard rule matches, an address inside a CIDR flow or a DNS record's value, a
//! planned NSG / firewall / managed-network rule name, a catalog requirement id, or a DNS or
//! zone name; empty = everything) and returns an `Explanation`: the planned rules, flows and
//! records that match, each with the profile settings that triggered it, the catalog entries,
//! the documents (with their public URL) and the choices made where sources disagree.
//! `explain/render` writes it as text, JSON or Markdown. Reads the catalog for those details;
//! never prints and never compiles: the caller passes what `crate::compile` returned.

use serde::Serialize;

use crate::catalog::{self, Document};
use crate::ir::{Flow, Ir, Peer};
use crate::plan::Plan;
use crate::{Error, Result};

mod render;

/// Version of the `explain --format json` shape; bump the major on any breaking change.
pub const EXPLAIN_FORMAT_VERSION: &str = "1.0";

/// What `explain` found for one query, in the order text and Markdown show it.
#[derive(Serialize)]
pub struct Explanation {
  pub explain_format_version: &'static str,
  pub profile: String,
  pub query: Option<String>,
  pub entries: Vec<Entry>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
  NsgRule {
    name: String,
    priority: u32,
    direction: String,
    access: String,
    protocol: String,
    source: String,
    destination: String,
    ports: String,
    description: String,
    flow: Option<FlowEntry>,
  },
  FirewallRule {
    name: String,
    group: String,
    collection: String,
    flow: Option<FlowEntry>,
  },
  ManagedNetworkRule {
    name: String,
    destination_kind: String,
    comment: String,
  },
  Flow(FlowEntry),
  DnsRecord {
    name: String,
    value: String,
    zone: String,
    public_name: Option<String>,
    resource: String,
    sources: Vec<Document>,
  },
  HostRecord {
    name: String,
    value: String,
    resource: String,
    sources: Vec<Document>,
  },
  ForwardedZone {
    zone: String,
    on_premises: bool,
    sources: Vec<Document>,
  },
}

#[derive(Serialize)]
pub struct FlowEntry {
  pub id: String,
  pub direction: String,
  pub protocol: String,
  pub peer: String,
  pub ports: Vec<String>,
  pub required: bool,
  pub purpose: String,
  pub triggers: Vec<String>,
  pub requirements: Vec<RequirementEntry>,
}

#[derive(Serialize)]
pub struct RequirementEntry {
  pub id: String,
  pub family: String,
  pub purpose: String,
  pub ports: Vec<String>,
  pub sources: Vec<Document>,
  pub choices: Vec<ChoiceEntry>,
}

#[derive(Serialize)]
pub struct ChoiceEntry {
  pub id: String,
  pub topic: String,
  /// The section of the facts reference (§ 6) that records the disagreement.
  pub facts: String,
  pub choice: String,
  pub because: String,
  pub sides: Vec<Document>,
}

impl Explanation {
  pub fn text(&self) -> String {
    render::text(self)
  }

  pub fn json(&self) -> String {
    render::json(self)
  }

  pub fn markdown(&self) -> String {
    render::markdown(self)
  }
}

/// Everything matching `query` (case-insensitive), or an `Error::Input` naming the closest peer.
pub fn explain(ir: &Ir, plan: &Plan, query: Option<&str>) -> Result<Explanation> {
  let q = query.map(str::to_ascii_lowercase);
  let matches = |s: &str| q.as_deref().is_none_or(|q| s.to_ascii_lowercase() == q);
  let address: Option<std::net::IpAddr> = q.as_deref().and_then(|q| q.parse().ok());
  let mut entries = Vec::new();
  if q.is_some() {
    rules(ir, plan, &matches, &mut entries);
  }
  entries.extend(
    ir.flows
      .iter()
      .filter(|f| {
        matches(&f.id)
          || matches(&f.peer.text())
          || f.requirements.iter().any(|r| matches(r))
          || q.as_deref().is_some_and(|q| covers(&f.peer, q, address))
      })
      .map(|f| Entry::Flow(flow(f))),
  );
  let is_address = |value: std::net::Ipv4Addr| address == Some(std::net::IpAddr::V4(value));
  entries.extend(
    ir.dns_records
      .iter()
      .filter(|r| {
        matches(&r.name)
          || matches(&r.zone)
          || r.public_name.as_deref().is_some_and(matches)
          || is_address(r.value)
      })
      .map(|r| Entry::DnsRecord {
        name: r.name.clone(),
        value: r.value.to_string(),
        zone: r.zone.clone(),
        public_name: r.public_name.clone(),
        resource: r.resource.clone(),
        sources: documents(&r.sources),
      }),
  );
  entries.extend(
    ir.host_records
      .iter()
      .filter(|h| q.is_some() && (matches(&h.name) || is_address(h.value)))
      .map(|h| Entry::HostRecord {
        name: h.name.clone(),
        value: h.value.to_string(),
        resource: h.resource.clone(),
        sources: documents(&h.sources),
      }),
  );
  entries.extend(
    ir.dns_forwarders
      .iter()
      .filter(|f| q.is_some() && matches(&f.zone))
      .map(|f| Entry::ForwardedZone {
        zone: f.zone.clone(),
        on_premises: f.on_premises,
        sources: documents(&f.sources),
      }),
  );
  if entries.is_empty() {
    let peers: Vec<String> = ir.flows.iter().map(|f| f.peer.to_string()).collect();
    let known: Vec<&str> = peers.iter().map(String::as_str).collect();
    let hint = query
      .and_then(|q| crate::diagnostic::did_you_mean(q, known.iter().copied()))
      .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
    return Err(Error::input(format!(
      "profile `{}` emits no rule or record matching `{}`{hint} (query a flow id, a rule name, a service tag, an FQDN or a host name, an address, a requirement id or a DNS name)",
      ir.profile,
      query.unwrap_or_default()
    )));
  }
  Ok(Explanation {
    explain_format_version: EXPLAIN_FORMAT_VERSION,
    profile: ir.profile.clone(),
    query: query.map(str::to_string),
    entries,
  })
}

/// Does a flow's peer take in `query` without being it: a host name under a wildcard FQDN
/// (`files.pythonhosted.org` under `*.pythonhosted.org`), or an address inside a CIDR.
fn covers(peer: &Peer, query: &str, address: Option<std::net::IpAddr>) -> bool {
  match peer {
    Peer::Fqdn(name) if name.starts_with("*.") => {
      !query.eq_ignore_ascii_case(name) && crate::eval::firewall::fqdn_matches(name, query)
    }
    Peer::Cidr(net) => address.is_some_and(|a| net.contains(&a)),
    _ => false,
  }
}

/// Planned rules whose name matches, each with the flow it carries.
fn rules(ir: &Ir, plan: &Plan, matches: &dyn Fn(&str) -> bool, out: &mut Vec<Entry>) {
  let carried = |id: &Option<String>| {
    id.as_ref()
      .and_then(|id| ir.flows.iter().find(|f| &f.id == id))
      .map(flow)
  };
  out.extend(
    plan
      .nsg
      .iter()
      .filter(|r| matches(&r.name))
      .map(|r| Entry::NsgRule {
        name: r.name.clone(),
        priority: r.priority,
        direction: r.direction.to_string(),
        access: r.access.as_str().to_string(),
        protocol: r.protocol.as_str().to_string(),
        source: r.source.to_string(),
        destination: r.destination.to_string(),
        ports: r.ports.to_string(),
        description: r.description.clone(),
        flow: carried(&r.flow),
      }),
  );
  let fw = &plan.firewall;
  let network = fw
    .network
    .rules
    .iter()
    .map(|r| (&fw.network.name, &r.name, &r.flow));
  let application = fw
    .application
    .rules
    .iter()
    .map(|r| (&fw.application.name, &r.name, &r.flow));
  out.extend(
    network
      .chain(application)
      .filter(|(_, name, _)| matches(name))
      .map(|(collection, name, id)| Entry::FirewallRule {
        name: name.clone(),
        group: fw.name.clone(),
        collection: collection.clone(),
        flow: carried(id),
      }),
  );
  out.extend(
    plan
      .managed
      .iter()
      .flat_map(|m| &m.rules)
      .filter(|r| matches(&r.name))
      .map(|r| Entry::ManagedNetworkRule {
        name: r.name.clone(),
        destination_kind: r.destination.kind().to_string(),
        comment: r.comment.clone(),
      }),
  );
}

fn flow(f: &Flow) -> FlowEntry {
  let catalog = catalog::get();
  let requirements = f
    .requirements
    .iter()
    .filter_map(|id| catalog.requirements.iter().find(|r| &r.id == id))
    .map(|r| RequirementEntry {
      id: r.id.clone(),
      family: r.family.clone(),
      purpose: r.purpose.clone(),
      ports: r.ports.strings(),
      sources: r.sources.iter().map(|s| catalog.document(s)).collect(),
      choices: r
        .choices
        .iter()
        .filter_map(|c| catalog.choice(c))
        .map(|c| ChoiceEntry {
          id: c.id.clone(),
          topic: c.topic.clone(),
          facts: c.facts.clone(),
          choice: c.choice.clone(),
          because: c.because.clone(),
          sides: c.sides.iter().map(|s| catalog.document(s)).collect(),
        })
        .collect(),
    })
    .collect();
  FlowEntry {
    id: f.id.clone(),
    direction: f.direction.as_str().to_string(),
    protocol: f.protocol.as_str().to_string(),
    peer: f.peer.to_string(),
    ports: f.ports.strings(),
    required: f.required,
    purpose: f.purpose.clone(),
    triggers: f.triggers.clone(),
    requirements,
  }
}

/// Sources the IR carries ("cite <url>") as documents again.
fn documents(sources: &[String]) -> Vec<Document> {
  sources
    .iter()
    .map(|s| {
      let (cite, url) = crate::ir::split_url(s);
      Document {
        cite: cite.to_string(),
        url: url.map(str::to_string),
      }
    })
    .collect()
}
