//! A deployed Azure Firewall Policy's filter rules as target rules with their collections.
//! Takes the JSON of `az network firewall policy rule-collection-group list` (an array of
//! groups) or `show` (one group), the REST resource (fields under `properties`), or an ARM
//! template with `Microsoft.Network/firewallPolicies/ruleCollectionGroups` resources (as
//! amlnet's firewall/rule-collection-group.json); returns every filter rule collection with
//! its group, priorities and action, and what it could not evaluate.
//!
//! Never guesses: what the evaluator cannot model is a `Skipped` entry naming the rule and
//! why (DNAT collections, IP groups, FQDN tags, web categories, target URLs, Mssql, ICMP-only
//! rules). A malformed file, a missing priority or an ARM expression where a value is needed
//! is an `ImportError`. Address ranges (`a-b`) become their prefixes; `*` is every address.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};
use serde_json::{Map, Value};

use crate::net::PortSet;
use crate::target::firewall::{AppProtocol, ApplicationRule, Destination, NetworkProtocol, NetworkRule};
use crate::target::nsg::Access;
use crate::target::Endpoint;

use super::nsg::ImportError;

/// A policy's filter rule collections, in the order exported (the evaluator orders them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
  pub collections: Vec<Collection>,
  pub skipped: Vec<Skipped>,
  /// Fields of a rule amlnet does not read, named.
  pub notes: Vec<String>,
}

/// Every field a rule may carry that amlnet reads or knows not to matter for matching
/// (descriptions, TLS inspection, inserted headers).
const KNOWN_FIELDS: &[&str] = &[
  "ruleType",
  "name",
  "description",
  "ipProtocols",
  "sourceAddresses",
  "sourceIpGroups",
  "destinationAddresses",
  "destinationIpGroups",
  "destinationFqdns",
  "destinationPorts",
  "protocols",
  "targetFqdns",
  "fqdnTags",
  "webCategories",
  "targetUrls",
  "terminateTLS",
  "httpHeadersToInsert",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collection {
  pub group: String,
  pub group_priority: u32,
  pub name: String,
  pub priority: u32,
  pub action: Access,
  pub rules: Rules,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rules {
  Network(Vec<NetworkRule>),
  Application(Vec<ApplicationRule>),
}

/// A collection or rule left out of evaluation, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
  /// `group/collection` or `group/collection/rule`.
  pub what: String,
  pub action: Option<Access>,
  pub why: String,
}

impl Policy {
  /// Every network rule of every collection, in the order exported.
  pub fn network_rules(&self) -> impl Iterator<Item = &NetworkRule> {
    self.collections.iter().flat_map(|c| match &c.rules {
      Rules::Network(r) => r.as_slice(),
      Rules::Application(_) => &[],
    })
  }

  /// The collections `keep` keeps, as the evaluator takes them (it orders them).
  pub fn evaluable(&self, keep: impl Fn(&Collection) -> bool) -> Vec<crate::eval::firewall::Collection<'_>> {
    use crate::eval::firewall::{Collection as Evaluable, Rules as EvalRules};
    self
      .collections
      .iter()
      .filter(|c| keep(c))
      .map(|c| Evaluable {
        group: &c.group,
        group_priority: c.group_priority,
        name: &c.name,
        priority: c.priority,
        action: c.action,
        rules: match &c.rules {
          Rules::Network(r) => EvalRules::Network(r),
          Rules::Application(r) => EvalRules::Application(r),
        },
      })
      .collect()
  }
}

/// Every filter collection of every rule collection group in `doc`.
pub fn policy(doc: &Value) -> Result<Policy, ImportError> {
  let mut policy = Policy::default();
  for (name, group) in groups(doc)? {
    let fields = properties(group);
    let priority = number(fields, "priority", &format!("rule collection group `{name}`"))?;
    let collections = match fields.and_then(|f| f.get("ruleCollections")) {
      None | Some(Value::Null) => continue,
      Some(Value::Array(c)) => c,
      Some(_) => {
        return Err(ImportError::Shape(format!(
          "`{name}`: `ruleCollections` is not a list"
        )))
      }
    };
    for c in collections {
      collection(&name, priority, c, &mut policy)?;
    }
  }
  Ok(policy)
}

/// (name, group object) for an array, one group, or an ARM template's group resources.
fn groups(doc: &Value) -> Result<Vec<(String, &Value)>, ImportError> {
  let name_of = |g: &Value, fallback: &str| {
    match g.get("name").and_then(Value::as_str) {
      // amlnet's template names the group through a parameter: show its default value.
      Some(n) if n.starts_with('[') => doc
        .pointer("/parameters/ruleCollectionGroupName/defaultValue")
        .and_then(Value::as_str)
        .unwrap_or(fallback)
        .to_string(),
      Some(n) => n.rsplit('/').next().unwrap_or(n).to_string(),
      None => fallback.to_string(),
    }
  };
  let list: Vec<&Value> = match doc {
    Value::Array(a) => a.iter().collect(),
    Value::Object(o) if o.contains_key("resources") => {
      let resources = o["resources"]
        .as_array()
        .ok_or_else(|| ImportError::Shape("`resources` is not a list".into()))?;
      resources
        .iter()
        .filter(|r| {
          r.get("type").and_then(Value::as_str).is_some_and(|t| {
            t.eq_ignore_ascii_case("Microsoft.Network/firewallPolicies/ruleCollectionGroups")
          })
        })
        .collect()
    }
    Value::Object(_) => vec![doc],
    _ => {
      return Err(ImportError::Shape(
        "neither a rule collection group, a list of them, nor an ARM template".into(),
      ))
    }
  };
  if list.is_empty() {
    return Err(ImportError::Shape(
      "no rule collection group (Microsoft.Network/firewallPolicies/ruleCollectionGroups)".into(),
    ));
  }
  Ok(
    list
      .into_iter()
      .enumerate()
      .map(|(i, g)| (name_of(g, &format!("group {}", i + 1)), g))
      .collect(),
  )
}

/// The object holding a resource's fields: `properties` when present (REST, ARM), else the
/// object itself (az flattens them).
fn properties(v: &Value) -> Option<&Map<String, Value>> {
  v.get("properties").and_then(Value::as_object).or(v.as_object())
}

fn number(fields: Option<&Map<String, Value>>, field: &str, what: &str) -> Result<u32, ImportError> {
  fields
    .and_then(|f| f.get(field))
    .and_then(Value::as_u64)
    .and_then(|n| u32::try_from(n).ok())
    .ok_or_else(|| ImportError::Shape(format!("{what}: `{field}` is missing or not a number")))
}

fn collection(group: &str, group_priority: u32, c: &Value, policy: &mut Policy) -> Result<(), ImportError> {
  let name = c
    .get("name")
    .and_then(Value::as_str)
    .ok_or_else(|| ImportError::Shape(format!("`{group}`: a rule collection without a `name`")))?;
  let path = format!("{group}/{name}");
  let kind = c
    .get("ruleCollectionType")
    .and_then(Value::as_str)
    .unwrap_or_default();
  if kind.eq_ignore_ascii_case("FirewallPolicyNatRuleCollection") {
    policy.skipped.push(Skipped {
      what: path,
      action: None,
      why: "DNAT collection: inbound translation is not evaluated".into(),
    });
    return Ok(());
  }
  if !kind.eq_ignore_ascii_case("FirewallPolicyFilterRuleCollection") {
    return Err(ImportError::Shape(format!(
      "`{path}`: unknown ruleCollectionType `{kind}`"
    )));
  }
  let priority = number(c.as_object(), "priority", &format!("rule collection `{path}`"))?;
  let action = match c
    .pointer("/action/type")
    .and_then(Value::as_str)
    .map(str::to_ascii_lowercase)
    .as_deref()
  {
    Some("allow") => Access::Allow,
    Some("deny") => Access::Deny,
    other => {
      return Err(ImportError::Shape(format!(
        "`{path}`: action {other:?} is not Allow or Deny"
      )))
    }
  };
  let mut network = Vec::new();
  let mut application = Vec::new();
  for rule in c.get("rules").and_then(Value::as_array).into_iter().flatten() {
    let r = Rule::new(&path, rule)?;
    for key in r.fields.keys().filter(|k| !KNOWN_FIELDS.contains(&k.as_str())) {
      policy.notes.push(format!(
        "firewall rule `{path}/{}`: field `{key}` is not read",
        r.name
      ));
    }
    let outcome = match r.text("ruleType")? {
      t if t.eq_ignore_ascii_case("NetworkRule") => r.network().map(|n| network.push(n)),
      t if t.eq_ignore_ascii_case("ApplicationRule") => r.application().map(|a| application.push(a)),
      t => Err(Problem::Skip(format!("rule type `{t}` is not evaluated"))),
    };
    if let Err(problem) = outcome {
      let why = match problem {
        Problem::Skip(why) => why,
        Problem::Bad(e) => return Err(e),
      };
      policy.skipped.push(Skipped {
        what: format!("{path}/{}", r.name),
        action: Some(action),
        why,
      });
    }
  }
  // One kind per collection in Azure; a mixed export keeps both, each evaluated in its phase.
  for rules in [Rules::Network(network), Rules::Application(application)] {
    let empty = match &rules {
      Rules::Network(n) => n.is_empty(),
      Rules::Application(a) => a.is_empty(),
    };
    if !empty {
      policy.collections.push(Collection {
        group: group.to_string(),
        group_priority,
        name: name.to_string(),
        priority,
        action,
        rules,
      });
    }
  }
  Ok(())
}

struct Rule<'a> {
  name: String,
  path: &'a str,
  fields: &'a Map<String, Value>,
}

impl<'a> Rule<'a> {
  fn new(path: &'a str, v: &'a Value) -> Result<Rule<'a>, ImportError> {
    let fields = v
      .as_object()
      .ok_or_else(|| ImportError::Shape(format!("`{path}`: a rule is not an object")))?;
    let name = fields
      .get("name")
      .and_then(Value::as_str)
      .ok_or_else(|| ImportError::Shape(format!("`{path}`: a rule without a `name`")))?;
    Ok(Rule {
      name: name.to_string(),
      path,
      fields,
    })
  }

  fn invalid(&self, field: &str, problem: &str) -> ImportError {
    ImportError::Invalid {
      rule: format!("{}/{}", self.path, self.name),
      field: field.to_string(),
      problem: problem.to_string(),
    }
  }

  fn text(&self, field: &str) -> Result<&str, ImportError> {
    self
      .fields
      .get(field)
      .and_then(Value::as_str)
      .ok_or_else(|| self.invalid(field, "is missing or not a string"))
  }

  /// A list of strings; absent or null is empty. ARM expressions are refused.
  fn strings(&self, field: &str) -> Result<Vec<&str>, ImportError> {
    let mut out = Vec::new();
    match self.fields.get(field) {
      None | Some(Value::Null) => {}
      Some(Value::Array(items)) => {
        for v in items {
          let s = v
            .as_str()
            .ok_or_else(|| self.invalid(field, "holds a non-string"))?;
          if s.starts_with('[') && !s.starts_with("[[") {
            return Err(ImportError::Unsupported {
              rule: format!("{}/{}", self.path, self.name),
              what: format!("the ARM expression `{s}` in `{field}`"),
            });
          }
          out.push(s);
        }
      }
      Some(_) => return Err(self.invalid(field, "is not a list")),
    }
    Ok(out)
  }

  /// Sources as prefixes; IP groups cannot be evaluated.
  fn sources(&self) -> Result<Vec<IpNet>, Problem> {
    if !self.strings("sourceIpGroups")?.is_empty() {
      return Err(Problem::Skip(
        "sources are IP groups, which are not evaluated".into(),
      ));
    }
    let mut out = Vec::new();
    for s in self.strings("sourceAddresses")? {
      match addresses(s) {
        Some(nets) => out.extend(nets),
        None => {
          return Err(
            self
              .invalid(
                "sourceAddresses",
                &format!("`{s}` is not an address, CIDR, range or `*`"),
              )
              .into(),
          )
        }
      }
    }
    if out.is_empty() {
      return Err(self.invalid("sourceAddresses", "is empty").into());
    }
    Ok(out)
  }

  fn network(&self) -> Result<NetworkRule, Problem> {
    let protocols: Vec<NetworkProtocol> = self
      .strings("ipProtocols")?
      .iter()
      .filter_map(|p| match p.to_ascii_uppercase().as_str() {
        "TCP" => Some(NetworkProtocol::Tcp),
        "UDP" => Some(NetworkProtocol::Udp),
        "ANY" => Some(NetworkProtocol::Any),
        _ => None, // ICMP: not modelled; the rule still matches its TCP/UDP part.
      })
      .collect();
    if protocols.is_empty() {
      return Err(Problem::Skip(
        "no TCP or UDP protocol (ICMP is not evaluated)".into(),
      ));
    }
    let source_addresses = self.sources()?;
    if !self.strings("destinationIpGroups")?.is_empty() {
      return Err(Problem::Skip(
        "destinations are IP groups, which are not evaluated".into(),
      ));
    }
    let fqdns = self.strings("destinationFqdns")?;
    let destination = if fqdns.is_empty() {
      let mut endpoints = Vec::new();
      for d in self.strings("destinationAddresses")? {
        match addresses(d) {
          _ if d == "*" => endpoints.push(Endpoint::Any),
          Some(nets) => endpoints.extend(nets.into_iter().map(Endpoint::Prefix)),
          None if d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') => {
            endpoints.push(Endpoint::Tag(d.to_string()))
          }
          None => {
            return Err(
              self
                .invalid(
                  "destinationAddresses",
                  &format!("`{d}` is not an address, CIDR, range, service tag or `*`"),
                )
                .into(),
            )
          }
        }
      }
      if endpoints.is_empty() {
        return Err(
          self
            .invalid("destinationAddresses", "and `destinationFqdns` are both empty")
            .into(),
        );
      }
      Destination::Addresses(endpoints)
    } else {
      Destination::Fqdns(fqdns.iter().map(|f| f.to_ascii_lowercase()).collect())
    };
    let ports_text = self.strings("destinationPorts")?;
    let ports = PortSet::parse(&ports_text)
      .filter(|p| !p.is_empty())
      .ok_or_else(|| self.invalid("destinationPorts", &format!("{ports_text:?} are not ports")))?;
    Ok(NetworkRule {
      name: self.name.clone(),
      description: String::new(),
      protocols,
      source_addresses,
      destination,
      ports,
      flow: None,
    })
  }

  fn application(&self) -> Result<ApplicationRule, Problem> {
    for field in ["fqdnTags", "webCategories", "targetUrls"] {
      if !self.strings(field)?.is_empty() {
        return Err(Problem::Skip(format!("`{field}` are not evaluated")));
      }
    }
    let mut protocols = Vec::new();
    for p in self
      .fields
      .get("protocols")
      .and_then(Value::as_array)
      .into_iter()
      .flatten()
    {
      let kind = p.get("protocolType").and_then(Value::as_str).unwrap_or_default();
      let port = p
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| self.invalid("protocols", &format!("`{kind}` has no port")))?;
      protocols.push(match kind.to_ascii_lowercase().as_str() {
        "http" => (AppProtocol::Http, port),
        "https" => (AppProtocol::Https, port),
        "mssql" => {
          return Err(Problem::Skip(
            "application protocol Mssql is not evaluated".into(),
          ))
        }
        other => {
          return Err(
            self
              .invalid("protocols", &format!("`{other}` is not Http, Https or Mssql"))
              .into(),
          )
        }
      });
    }
    if protocols.is_empty() {
      return Err(self.invalid("protocols", "is missing or empty").into());
    }
    let target_fqdns: Vec<String> = self
      .strings("targetFqdns")?
      .iter()
      .map(|f| f.to_ascii_lowercase())
      .collect();
    if target_fqdns.is_empty() {
      return Err(self.invalid("targetFqdns", "is empty").into());
    }
    Ok(ApplicationRule {
      name: self.name.clone(),
      description: String::new(),
      protocols,
      source_addresses: self.sources()?,
      target_fqdns,
      flow: None,
    })
  }
}

/// Why a rule is not imported: it cannot be evaluated (skipped, named), or the file is wrong.
enum Problem {
  Skip(String),
  Bad(ImportError),
}

impl From<ImportError> for Problem {
  fn from(e: ImportError) -> Problem {
    match e {
      ImportError::Unsupported { what, .. } => Problem::Skip(format!("{what} is not evaluated")),
      e => Problem::Bad(e),
    }
  }
}

/// `*` (every address), an address, a CIDR or a range `a-b` as prefixes; `None` for anything
/// else (a service tag, where the caller allows one).
fn addresses(text: &str) -> Option<Vec<IpNet>> {
  if text == "*" {
    return Some(vec!["0.0.0.0/0".parse().ok()?, "::/0".parse().ok()?]);
  }
  if let Ok(net) = text.parse::<IpNet>() {
    return Some(vec![net.trunc()]);
  }
  if let Ok(addr) = text.parse::<IpAddr>() {
    return Some(vec![IpNet::from(addr)]);
  }
  let (lo, hi) = text.split_once('-')?;
  match (
    lo.trim().parse::<IpAddr>().ok()?,
    hi.trim().parse::<IpAddr>().ok()?,
  ) {
    (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => Some(Ipv4Subnets::new(a, b, 0).map(IpNet::V4).collect()),
    (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => Some(Ipv6Subnets::new(a, b, 0).map(IpNet::V6).collect()),
    _ => None,
  }
}
