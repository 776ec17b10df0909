//! A deployed NSG's security rules as `target::nsg::SecurityRule`s. Takes the JSON of
//! `az network nsg show` (rule fields flattened), the REST resource (fields under
//! `properties`) or an ARM template with one NSG and inline `securityRules` (as amlnet's
//! nsg/nsg.json). Default rules (`defaultSecurityRules`) are not read: `eval::nsg::Nsg`
//! adds them.
//!
//! A rule with several address prefixes on a side becomes one `SecurityRule` per
//! (source, destination) pair, each with the rule's name and priority: they are
//! consecutive with one access, so they evaluate as the one rule did. Refused, with the
//! rule named: application security groups, source ports other than `*`, protocols other
//! than Tcp, Udp and `*`, ARM expressions, missing or malformed fields.

use ipnet::IpNet;
use serde_json::{Map, Value};

use crate::ir::Direction;
use crate::net::PortSet;
use crate::target::nsg::{Access, Protocol, SecurityRule};
use crate::target::Endpoint;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
  #[error("not an export amlnet reads: {0}")]
  Shape(String),
  #[error("rule `{rule}`: `{field}` {problem}")]
  Invalid {
    rule: String,
    field: String,
    problem: String,
  },
  #[error("rule `{rule}`: {what} cannot be represented")]
  Unsupported { rule: String, what: String },
}

/// The custom rules of the one NSG in `doc`, in the order written.
pub fn security_rules(doc: &Value) -> Result<Vec<SecurityRule>, ImportError> {
  import(doc).map(|i| i.rules)
}

/// The rules of an export and what in it was not read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
  pub rules: Vec<SecurityRule>,
  /// Fields of a rule amlnet does not read, named ("rule `x`: field `y` is not read").
  pub notes: Vec<String>,
}

/// Every field a security rule may carry that amlnet reads or knows to be bookkeeping
/// (ids, etags, states; the REST and ARM wrappers).
const KNOWN_FIELDS: &[&str] = &[
  "name",
  "id",
  "etag",
  "type",
  "provisioningState",
  "resourceGroup",
  "properties",
  "apiVersion",
  "dependsOn",
  "priority",
  "direction",
  "access",
  "protocol",
  "description",
  "sourceAddressPrefix",
  "sourceAddressPrefixes",
  "sourcePortRange",
  "sourcePortRanges",
  "destinationAddressPrefix",
  "destinationAddressPrefixes",
  "destinationPortRange",
  "destinationPortRanges",
  "sourceApplicationSecurityGroups",
  "destinationApplicationSecurityGroups",
];

/// `security_rules`, with the fields it did not read named.
pub fn import(doc: &Value) -> Result<Imported, ImportError> {
  let mut out = Imported::default();
  for (name, rule) in rule_list(doc)? {
    let fields = rule.as_object().into_iter().flatten().chain(
      rule
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten(),
    );
    for (key, _) in fields {
      if !KNOWN_FIELDS.contains(&key.as_str()) {
        out
          .notes
          .push(format!("NSG rule `{name}`: field `{key}` is not read"));
      }
    }
    out.rules.extend(rule_of(&name, rule)?);
  }
  Ok(out)
}

/// (rule name, rule) for: a bare list (`az network nsg rule list`), an NSG (az, REST) with
/// `securityRules`, or an ARM template with one NSG and/or `networkSecurityGroups/securityRules`
/// child resources.
fn rule_list(doc: &Value) -> Result<Vec<(String, &Value)>, ImportError> {
  if let Value::Array(rules) = doc {
    return named(rules);
  }
  let Some(resources) = doc.get("resources").and_then(Value::as_array) else {
    let rules = doc
      .get("securityRules")
      .or_else(|| doc.get("properties").and_then(|p| p.get("securityRules")))
      .and_then(Value::as_array)
      .ok_or_else(|| ImportError::Shape("no `securityRules` list (nor `properties.securityRules`)".into()))?;
    return named(rules);
  };
  let of_type = |t: &'static str| {
    resources.iter().filter(move |r| {
      r.get("type")
        .and_then(Value::as_str)
        .is_some_and(|x| x.eq_ignore_ascii_case(t))
    })
  };
  let nsgs: Vec<&Value> = of_type("Microsoft.Network/networkSecurityGroups").collect();
  let mut out = Vec::new();
  match nsgs[..] {
    [] => {}
    [one] => {
      if let Some(rules) = one.pointer("/properties/securityRules").and_then(Value::as_array) {
        out.extend(named(rules)?);
      }
    }
    _ => {
      return Err(ImportError::Shape(format!(
        "an ARM template with more than one Microsoft.Network/networkSecurityGroups resource ({})",
        nsgs.len()
      )))
    }
  }
  for child in of_type("Microsoft.Network/networkSecurityGroups/securityRules") {
    let name = child
      .get("name")
      .and_then(Value::as_str)
      .ok_or_else(|| ImportError::Shape("a securityRules resource without a `name`".into()))?;
    out.push((child_name(name), child));
  }
  if out.is_empty() && nsgs.is_empty() {
    return Err(ImportError::Shape(
      "an ARM template with no Microsoft.Network/networkSecurityGroups resource and no securityRules resources".into(),
    ));
  }
  Ok(out)
}

/// (name, rule) for each rule of a list; a rule without a name is malformed.
fn named(rules: &[Value]) -> Result<Vec<(String, &Value)>, ImportError> {
  rules
    .iter()
    .map(|r| {
      r.get("name")
        .and_then(Value::as_str)
        .map(|n| (n.to_string(), r))
        .ok_or_else(|| ImportError::Shape("a security rule without a `name`".into()))
    })
    .collect()
}

/// A child resource's own name: after the last `/` of `nsg/rule`, or of the last quoted
/// literal of an ARM expression such as `[concat(parameters('nsgName'), '/', 'Allow-x')]`.
fn child_name(name: &str) -> String {
  let plain = match name.strip_prefix('[') {
    Some(expr) => expr.rsplit('\'').nth(1).unwrap_or(expr),
    None => name,
  };
  plain.rsplit('/').next().unwrap_or(plain).to_string()
}

/// One exported rule, split per (source, destination) prefix pair.
fn rule_of(name: &str, rule: &Value) -> Result<Vec<SecurityRule>, ImportError> {
  let r = Reader {
    rule: name,
    fields: rule
      .get("properties")
      .and_then(Value::as_object)
      .or(rule.as_object())
      .ok_or_else(|| ImportError::Shape(format!("security rule `{name}` is not an object")))?,
  };
  for side in [
    "sourceApplicationSecurityGroups",
    "destinationApplicationSecurityGroups",
  ] {
    if r.list(side)?.is_some_and(|l| !l.is_empty()) {
      return Err(r.unsupported(&format!("`{side}` (application security groups)")));
    }
  }
  let source_ports = r.one_or_many("sourcePortRange", "sourcePortRanges")?;
  if !source_ports.is_empty() && source_ports != ["*"] {
    return Err(r.unsupported(&format!("source ports {source_ports:?} (only `*` is modelled)")));
  }
  let priority = r.number("priority")?;
  let direction = match r.text("direction")?.to_ascii_lowercase().as_str() {
    "inbound" => Direction::Inbound,
    "outbound" => Direction::Outbound,
    other => return Err(r.invalid("direction", &format!("is `{other}`, not Inbound or Outbound"))),
  };
  let access = match r.text("access")?.to_ascii_lowercase().as_str() {
    "allow" => Access::Allow,
    "deny" => Access::Deny,
    other => return Err(r.invalid("access", &format!("is `{other}`, not Allow or Deny"))),
  };
  let protocol = match r.text("protocol")?.to_ascii_lowercase().as_str() {
    "tcp" => Protocol::Tcp,
    "udp" => Protocol::Udp,
    "*" => Protocol::Any,
    other => return Err(r.unsupported(&format!("protocol `{other}`"))),
  };
  let ports_text = r.one_or_many("destinationPortRange", "destinationPortRanges")?;
  let ports = PortSet::parse(&ports_text)
    .filter(|p| !p.is_empty())
    .ok_or_else(|| {
      r.invalid(
        "destinationPortRange(s)",
        &format!("{ports_text:?} are not ports"),
      )
    })?;
  let description = match r.fields.get("description") {
    None | Some(Value::Null) => String::new(),
    Some(_) => r.text("description")?.to_string(),
  };
  let sources = r.endpoints("sourceAddressPrefix", "sourceAddressPrefixes")?;
  let destinations = r.endpoints("destinationAddressPrefix", "destinationAddressPrefixes")?;
  let mut out = Vec::new();
  for source in &sources {
    for destination in &destinations {
      out.push(SecurityRule {
        name: name.to_string(),
        priority,
        direction,
        access,
        protocol,
        source: source.clone(),
        destination: destination.clone(),
        ports: ports.clone(),
        description: description.clone(),
        flow: None,
      });
    }
  }
  Ok(out)
}

struct Reader<'a> {
  rule: &'a str,
  fields: &'a Map<String, Value>,
}

impl Reader<'_> {
  fn invalid(&self, field: &str, problem: &str) -> ImportError {
    ImportError::Invalid {
      rule: self.rule.to_string(),
      field: field.to_string(),
      problem: problem.to_string(),
    }
  }

  fn unsupported(&self, what: &str) -> ImportError {
    ImportError::Unsupported {
      rule: self.rule.to_string(),
      what: what.to_string(),
    }
  }

  /// A string field; ARM expressions (`[parameters('x')]`) are refused.
  fn text(&self, field: &str) -> Result<&str, ImportError> {
    let s = self
      .fields
      .get(field)
      .and_then(Value::as_str)
      .ok_or_else(|| self.invalid(field, "is missing or not a string"))?;
    if s.starts_with('[') && !s.starts_with("[[") {
      return Err(self.unsupported(&format!("the ARM expression `{s}` in `{field}`")));
    }
    Ok(s)
  }

  fn number(&self, field: &str) -> Result<u32, ImportError> {
    self
      .fields
      .get(field)
      .and_then(Value::as_u64)
      .and_then(|n| u32::try_from(n).ok())
      .ok_or_else(|| self.invalid(field, "is missing or not a priority"))
  }

  /// A list field; absent and null read as `None`.
  fn list(&self, field: &str) -> Result<Option<&Vec<Value>>, ImportError> {
    match self.fields.get(field) {
      None | Some(Value::Null) => Ok(None),
      Some(Value::Array(a)) => Ok(Some(a)),
      Some(_) => Err(self.invalid(field, "is not a list")),
    }
  }

  /// The singular field if set (and not ""), else the plural list (Azure returns both,
  /// one of them empty).
  fn one_or_many(&self, one: &str, many: &str) -> Result<Vec<String>, ImportError> {
    match self.fields.get(one) {
      Some(Value::String(s)) if !s.is_empty() => return Ok(vec![self.text(one)?.to_string()]),
      None | Some(Value::Null) | Some(Value::String(_)) => {}
      Some(_) => return Err(self.invalid(one, "is not a string")),
    }
    let mut out = Vec::new();
    for v in self.list(many)?.into_iter().flatten() {
      let s = v
        .as_str()
        .ok_or_else(|| self.invalid(many, "holds a non-string"))?;
      if s.starts_with('[') {
        return Err(self.unsupported(&format!("the ARM expression `{s}` in `{many}`")));
      }
      out.push(s.to_string());
    }
    Ok(out)
  }

  fn endpoints(&self, one: &str, many: &str) -> Result<Vec<Endpoint>, ImportError> {
    let texts = self.one_or_many(one, many)?;
    if texts.is_empty() {
      return Err(self.invalid(one, &format!("and `{many}` are both empty")));
    }
    Ok(texts.iter().map(|t| endpoint(t)).collect())
  }
}

/// `*`, an address (a host prefix), a CIDR, or else a service tag.
fn endpoint(text: &str) -> Endpoint {
  if text == "*" {
    Endpoint::Any
  } else if let Ok(net) = text.parse::<IpNet>() {
    Endpoint::Prefix(net)
  } else if let Ok(addr) = text.parse::<std::net::IpAddr>() {
    Endpoint::Prefix(IpNet::from(addr))
  } else {
    Endpoint::Tag(text.to_string())
  }
}
