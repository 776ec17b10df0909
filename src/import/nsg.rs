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
  let mut out = Vec::new();
  for rule in rule_list(doc)? {
    out.extend(rule_of(rule)?);
  }
  Ok(out)
}

fn rule_list(doc: &Value) -> Result<&Vec<Value>, ImportError> {
  let nsg = match doc.get("resources").and_then(Value::as_array) {
    Some(resources) => {
      let nsgs: Vec<&Value> = resources
        .iter()
        .filter(|r| {
          r.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Network/networkSecurityGroups"))
        })
        .collect();
      match nsgs[..] {
        [one] => one,
        _ => {
          return Err(ImportError::Shape(format!(
            "an ARM template needs exactly one Microsoft.Network/networkSecurityGroups resource, found {}",
            nsgs.len()
          )))
        }
      }
    }
    None => doc,
  };
  nsg
    .get("securityRules")
    .or_else(|| nsg.get("properties").and_then(|p| p.get("securityRules")))
    .and_then(Value::as_array)
    .ok_or_else(|| ImportError::Shape("no `securityRules` list (nor `properties.securityRules`)".into()))
}

/// One exported rule, split per (source, destination) prefix pair.
fn rule_of(rule: &Value) -> Result<Vec<SecurityRule>, ImportError> {
  let name = rule
    .get("name")
    .and_then(Value::as_str)
    .ok_or_else(|| ImportError::Shape("a security rule without a `name`".into()))?;
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
