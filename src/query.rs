//! `amlnet query`: one flow question against deployed rules, answered offline.
//!
//! Takes a question (`outbound tcp 10.20.0.5 -> Storage.EastUS:443`, parsed here), the rules
//! of an NSG and of an Azure Firewall policy as `import` read them, and a `TagResolver`; asks
//! `eval` (the one evaluator) and returns an `Answer`: allowed, denied or partly, and per
//! target which part of the flow which rule decided. Outbound traffic meets the NSG first and
//! then, when a policy is given, the firewall; inbound traffic only the NSG (DNAT is not
//! evaluated). Never reads files and never prints.

use ipnet::IpNet;
use serde::Serialize;

use crate::eval::firewall::{Decider, Policy, Query};
use crate::eval::nsg::Nsg;
use crate::eval::{Protocols, TagResolver, TrafficClass, UnknownTag};
use crate::import::firewall as imported;
use crate::ir::Direction;
use crate::net::{PortSet, PrefixSet};
use crate::target::nsg::{Access, SecurityRule};
use crate::target::Endpoint;

mod parse;
mod render;

pub use parse::{parse, Question};

/// Version of the `query --format json` shape; bump the major on any breaking change.
pub const QUERY_FORMAT_VERSION: &str = "1.0";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
  Allowed,
  Denied,
  Partly,
}

#[derive(Debug, Serialize)]
pub struct Answer {
  pub query_format_version: &'static str,
  pub question: String,
  pub outcome: Outcome,
  /// The NSG's decision for each part of the flow, in rule order (with an NSG).
  pub nsg: Option<Vec<Part>>,
  /// The firewall's decision for each part (outbound, with a policy), in evaluation order.
  pub firewall: Option<Vec<Part>>,
  /// What the answer cannot account for (skipped firewall rules, names not resolved).
  pub notes: Vec<String>,
}

/// One part of the flow and the rule that decided it.
#[derive(Debug, Serialize)]
pub struct Part {
  pub access: &'static str,
  /// `None` for the firewall's default deny.
  pub rule: Option<String>,
  pub priority: Option<u32>,
  /// `group/collection` for firewall rules.
  pub collection: Option<String>,
  pub protocols: String,
  pub source: String,
  pub destination: String,
  pub ports: String,
  #[serde(skip)]
  class: TrafficClass,
}

impl Answer {
  pub fn text(&self) -> String {
    render::text(self)
  }

  pub fn json(&self) -> String {
    render::json(self)
  }
}

/// Answer `q` against the NSG rules `nsg` (custom rules; Azure's default rules are added) and,
/// for outbound flows, the firewall `policy`; a target not given takes no part.
pub fn answer(
  q: &Question,
  nsg: Option<&[SecurityRule]>,
  policy: Option<&imported::Policy>,
  tags: &dyn TagResolver,
) -> Result<Answer, UnknownTag> {
  let class = TrafficClass {
    protocols: q.protocols,
    source: tags.endpoint(&q.source)?,
    // A name's addresses are unknown unless the question gives them: every address.
    destination: match &q.resolved {
      Some(addresses) => PrefixSet::aggregate(addresses),
      None => tags.endpoint(&q.destination)?,
    },
    ports: q.ports.clone(),
  };
  let asked = Asked { q, class: &class };
  let mut notes = Vec::new();
  if q.name.is_some() && q.resolved.is_none() {
    notes.push(
      "the NSG matches addresses, not names: its answer covers every address the name might resolve to (give `name=address` to narrow it)"
        .to_string(),
    );
  }
  let nsg_parts: Option<Vec<Part>> = match nsg {
    Some(rules) => Some(
      Nsg::new(rules)
        .evaluate(q.direction, &class, tags)?
        .into_iter()
        .map(|v| {
          part(
            v.access,
            Some(&v.rule.name),
            Some(v.rule.priority),
            None,
            v.class,
            &asked,
          )
        })
        .collect(),
    ),
    None => None,
  };
  let firewall = match (q.direction, policy) {
    (Direction::Outbound, Some(p)) => {
      for s in &p.skipped {
        notes.push(format!("firewall: {} was not evaluated: {}", s.what, s.why));
      }
      let collections = p.evaluable(|_| true);
      let query = Query {
        class: class.clone(),
        name: q.name.clone(),
      };
      let verdicts = Policy::from_collections(collections).evaluate(&query, tags)?;
      Some(
        verdicts
          .into_iter()
          .map(|v| {
            let (priority, collection) = match v.decided_by {
              Decider::Network(c, _) | Decider::Application(c, _) => {
                (Some(c.priority), Some(format!("{}/{}", c.group, c.name)))
              }
              Decider::DefaultDeny => (None, None),
            };
            part(
              v.access,
              v.decided_by.rule_name(),
              priority,
              collection,
              v.class,
              &asked,
            )
          })
          .collect(),
      )
    }
    (Direction::Inbound, Some(_)) => {
      notes
        .push("firewall: inbound flows are not evaluated against the policy (DNAT is not modelled)".into());
      None
    }
    _ => None,
  };
  let outcome = outcome(nsg_parts.as_deref(), firewall.as_deref());
  Ok(Answer {
    query_format_version: QUERY_FORMAT_VERSION,
    question: q.text.clone(),
    outcome,
    nsg: nsg_parts,
    firewall,
    notes,
  })
}

/// The question and the whole class it asks about, for describing parts in its own words.
struct Asked<'a> {
  q: &'a Question,
  class: &'a TrafficClass,
}

/// Allowed where every given target allows; the flow is allowed when that is all of it,
/// denied when it is none of it.
fn outcome(nsg: Option<&[Part]>, firewall: Option<&[Part]>) -> Outcome {
  let targets: Vec<&[Part]> = [nsg, firewall].into_iter().flatten().collect();
  if targets
    .iter()
    .all(|parts| parts.iter().all(|p| p.access == "Allow"))
  {
    return Outcome::Allowed;
  }
  let mut through: Option<Vec<TrafficClass>> = None;
  for parts in targets {
    let allowed = parts
      .iter()
      .filter(|p| p.access == "Allow")
      .map(|p| p.class.clone());
    through = Some(match through {
      None => allowed.collect(),
      Some(before) => {
        let allowed: Vec<TrafficClass> = allowed.collect();
        before
          .iter()
          .flat_map(|a| allowed.iter().map(move |b| intersection(a, b)))
          .filter(|c| !c.is_empty())
          .collect()
      }
    });
  }
  if through.unwrap_or_default().is_empty() {
    Outcome::Denied
  } else {
    Outcome::Partly
  }
}

fn intersection(a: &TrafficClass, b: &TrafficClass) -> TrafficClass {
  TrafficClass {
    protocols: a.protocols.intersection(b.protocols),
    source: a.source.intersection(&b.source),
    destination: a.destination.intersection(&b.destination),
    ports: a.ports.intersection(&b.ports),
  }
}

fn part(
  access: Access,
  rule: Option<&str>,
  priority: Option<u32>,
  collection: Option<String>,
  class: TrafficClass,
  asked: &Asked,
) -> Part {
  let q = asked.q;
  Part {
    access: access.as_str(),
    rule: rule.map(str::to_string),
    priority,
    collection,
    protocols: protocols(class.protocols),
    source: prefixes(&class.source, &asked.class.source, &q.source.to_string()),
    destination: match (&q.name, &q.resolved) {
      (Some(name), None) if class.destination == asked.class.destination => {
        format!("{name} (any address it resolves to)")
      }
      (Some(name), Some(_)) if class.destination == asked.class.destination => name.clone(),
      (Some(name), _) => format!(
        "{name} at {}",
        prefixes(&class.destination, &PrefixSet::default(), "")
      ),
      (None, _) => prefixes(
        &class.destination,
        &asked.class.destination,
        &q.destination.to_string(),
      ),
    },
    ports: ports(&class.ports),
    class,
  }
}

fn protocols(p: Protocols) -> String {
  match (
    p.intersection(Protocols::TCP).is_empty(),
    p.intersection(Protocols::UDP).is_empty(),
  ) {
    (false, false) => "TCP, UDP".into(),
    (false, true) => "TCP".into(),
    (true, false) => "UDP".into(),
    (true, true) => "none".into(),
  }
}

/// A part's addresses: the question's own words when the part is all it asked, else up to
/// eight prefixes and a count.
fn prefixes(set: &PrefixSet, whole: &PrefixSet, words: &str) -> String {
  if set == whole && !words.is_empty() {
    return words.to_string();
  }
  let nets: Vec<IpNet> = set.iter().collect();
  let shown: Vec<String> = nets.iter().take(8).map(ToString::to_string).collect();
  match nets.len() {
    n if n > 8 => format!("{} and {} more prefixes", shown.join(", "), n - 8),
    _ => shown.join(", "),
  }
}

fn ports(p: &PortSet) -> String {
  if p == &PortSet::all() {
    "any".into()
  } else {
    p.to_string()
  }
}

/// What `amlnet query` was given.
pub struct Options<'a> {
  pub question: &'a str,
  pub nsg: Option<&'a std::path::Path>,
  pub firewall: Option<&'a std::path::Path>,
  pub service_tags: Option<&'a std::path::Path>,
  /// The address space the `VirtualNetwork` tag stands for.
  pub vnet: &'a [IpNet],
}

/// Read the exports and the ServiceTags download, and answer the question.
pub fn run(o: &Options) -> crate::Result<Answer> {
  use crate::{import, Error};
  let q = parse(o.question).map_err(|e| Error::input(format!("query: {e}")))?;
  if o.nsg.is_none() && o.firewall.is_none() {
    return Err(Error::input("query: give --nsg, --firewall or both"));
  }
  let imported_nsg = match o.nsg {
    Some(path) => {
      let doc = import::read_json(path, "NSG export")?;
      import::nsg::import(&doc).map_err(|e| Error::input(format!("`{}`: {e}", path.display())))?
    }
    None => import::nsg::Imported::default(),
  };
  let (nsg, nsg_notes) = match o.nsg {
    Some(_) => (Some(imported_nsg.rules), imported_nsg.notes),
    None => (None, Vec::new()),
  };
  let policy = match o.firewall {
    Some(path) => {
      let doc = import::read_json(path, "firewall policy export")?;
      Some(import::firewall::policy(&doc).map_err(|e| Error::input(format!("`{}`: {e}", path.display())))?)
    }
    None => None,
  };
  let vnet = PrefixSet::aggregate(o.vnet);
  let downloaded = match o.service_tags {
    Some(path) => Some(crate::service_tags::ServiceTags::load(path)?),
    None => None,
  };
  let platform = crate::eval::Platform::new(downloaded.as_ref(), vnet.clone());
  // Without a download, tags are opaque blocks: a tag matches itself, its regional tags,
  // `*` and `Internet`, and nothing else.
  let blocks = crate::eval::TagBlocks::new(mentioned_tags(&q, nsg.as_deref(), policy.as_ref()));
  let symbolic = blocks.resolver(vnet);
  let resolver = Resolver {
    tags: if downloaded.is_some() {
      &platform
    } else {
      &symbolic
    },
    has_vnet: !o.vnet.is_empty(),
  };
  let mut answer = answer(&q, nsg.as_deref(), policy.as_ref(), &resolver).map_err(|UnknownTag(tag)| {
    let how = if tag.eq_ignore_ascii_case("VirtualNetwork") {
      "give the VNet's address space with --vnet (and peered or on-premises ranges the tag includes)"
    } else {
      "the ServiceTags download does not list it"
    };
    Error::input(format!(
      "query: service tag `{tag}` cannot be resolved to addresses; {how}"
    ))
  })?;
  answer.notes.extend(nsg_notes);
  answer
    .notes
    .extend(policy.iter().flat_map(|p| p.notes.iter().cloned()));
  if downloaded.is_none() {
    answer.notes.push(
      "service tags are compared by name (no --service-tags): a tag matches itself, its regional tags, `*` and Internet; give a ServiceTags download for exact prefixes"
        .into(),
    );
  }
  Ok(answer)
}

/// Every tag the question and the rules name.
fn mentioned_tags(
  q: &Question,
  nsg: Option<&[SecurityRule]>,
  policy: Option<&imported::Policy>,
) -> Vec<String> {
  let mut tags = crate::target::named_tags(
    nsg.into_iter().flatten(),
    policy.into_iter().flat_map(|p| p.network_rules()),
  );
  tags.extend([&q.source, &q.destination].into_iter().filter_map(|e| match e {
    Endpoint::Tag(t) => Some(t.clone()),
    _ => None,
  }));
  tags
}

/// The platform's resolution, refusing `VirtualNetwork` when no address space was given
/// (an empty set would make every VirtualNetwork rule silently match nothing).
struct Resolver<'a> {
  tags: &'a dyn TagResolver,
  has_vnet: bool,
}

impl TagResolver for Resolver<'_> {
  fn resolve(&self, tag: &str) -> Option<PrefixSet> {
    if !self.has_vnet && tag.eq_ignore_ascii_case("VirtualNetwork") {
      return None;
    }
    self.tags.resolve(tag)
  }
}
