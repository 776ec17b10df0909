//! Serde helpers for the ARM template backends (nsg, firewall, private-dns): every string that
//! comes from the IR or the plan is serialized through `syntax::json::ArmLiteral`, so ARM never
//! evaluates it as an expression; lists are serialized straight from the plan's typed values,
//! with no intermediate `Vec<String>` or `serde_json::Value`.

use std::fmt::Display;

use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::net::PortSet;
use crate::syntax::json::ArmLiteral;
use crate::target::Endpoint;

pub(super) const SCHEMA: &str =
  "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
pub(super) const CONTENT_VERSION: &str = "1.0.0.0";

/// One value in its target spelling, as an ARM literal.
pub(super) struct Shown<T>(pub T);

impl<T: Display> Serialize for Shown<T> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    ArmLiteral(&self.0.to_string()).serialize(s)
  }
}

/// Every item in its target spelling, each an ARM literal.
pub(super) struct AllShown<'a, T>(pub &'a [T]);

impl<T: Display> Serialize for AllShown<'_, T> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(self.0.iter().map(Shown))
  }
}

/// Strings, each an ARM literal.
pub(super) struct Texts<'a, T>(pub &'a [T]);

impl<T: AsRef<str>> Serialize for Texts<'_, T> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(self.0.iter().map(|t| ArmLiteral(t.as_ref())))
  }
}

/// An NSG or firewall address: a tag is text from the IR, `*` and prefixes are typed.
pub(super) struct Address<'a>(pub &'a Endpoint);

impl Serialize for Address<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    match self.0 {
      Endpoint::Tag(tag) => ArmLiteral(tag).serialize(s),
      other => Shown(other).serialize(s),
    }
  }
}

pub(super) struct Addresses<'a>(pub &'a [Endpoint]);

impl Serialize for Addresses<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(self.0.iter().map(Address))
  }
}

/// Every range of a port set: `["443", "8787", "1024-65535"]` or `["*"]`.
pub(super) struct Ports<'a>(pub &'a PortSet);

impl Serialize for Ports<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(None)?;
    for r in self.0.ranges() {
      seq.serialize_element(&Shown(r))?;
    }
    seq.end()
  }
}

/// `{ "type": "string", "defaultValue": … }` or `{ "type": "string", "metadata": { "description": … } }`.
#[derive(serde::Serialize)]
pub(super) struct Param<'a> {
  #[serde(rename = "type")]
  pub ty: &'static str,
  #[serde(skip_serializing_if = "Option::is_none")]
  pub metadata: Option<Description<'a>>,
  #[serde(rename = "defaultValue", skip_serializing_if = "Option::is_none")]
  pub default_value: Option<Value<'a>>,
}

/// A template string: text (an ARM literal) or one of amlnet's own expressions, written as is.
#[derive(Clone, Copy)]
pub(super) enum Value<'a> {
  Text(&'a str),
  Expression(&'a str),
}

impl Serialize for Value<'_> {
  fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
    match *self {
      Value::Text(t) => ArmLiteral(t).serialize(s),
      Value::Expression(e) => s.serialize_str(e),
    }
  }
}

#[derive(serde::Serialize)]
pub(super) struct Description<'a> {
  pub description: ArmLiteral<'a>,
}

#[derive(serde::Serialize)]
pub(super) struct Metadata<'a> {
  pub generator: ArmLiteral<'a>,
  /// What deploying the template does, where that is not obvious.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub description: Option<&'static str>,
}

/// An ARM deployment template: `$schema`, `contentVersion`, `metadata`, `parameters`, `resources`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Template<'a, P, R> {
  #[serde(rename = "$schema")]
  pub schema: &'static str,
  pub content_version: &'static str,
  pub metadata: Metadata<'a>,
  pub parameters: P,
  pub resources: R,
}

impl<'a> Param<'a> {
  pub fn string(default: Option<&'a str>) -> Param<'a> {
    Param {
      ty: "string",
      metadata: None,
      default_value: default.map(Value::Text),
    }
  }
}
