//! `amlnet init`: a commented starter profile for one shipped scenario, in a cloud and region
//! of the user's choice.
//!
//! Takes the shipped profiles (embedded: the scenarios are `profiles/*.toml`, so there is no
//! second copy of them to drift), the scenario's name, and an optional cloud and region
//! (checked against `region`). Returns TOML text: the scenario with its `extends` chain merged
//! in, written by the `toml` serializer, each key preceded by its meaning from the profile's
//! schema (`schema`) through `syntax::comment`; the text is compiled before it is returned, so
//! a starter always compiles. Never reads or writes files: the CLI prints the text or hands
//! it to `io`.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::Value;

use crate::diagnostic::{did_you_mean, Span};
use crate::profile::{self, Located, Merge, RawProfile};
use crate::region::Cloud;
use crate::syntax::comment::{self, Leader};
use crate::{Error, Result};

/// Every shipped profile, by its path under `profiles/`. `tests/init.rs` checks the list
/// against the directory.
pub const SHIPPED: &[(&str, &str)] = &[
  (
    "aks-inference.toml",
    include_str!("../profiles/aks-inference.toml"),
  ),
  (
    "china-training-no-public-ip.toml",
    include_str!("../profiles/china-training-no-public-ip.toml"),
  ),
  (
    "online-endpoint-managed-vnet.toml",
    include_str!("../profiles/online-endpoint-managed-vnet.toml"),
  ),
  (
    "registry-private.toml",
    include_str!("../profiles/registry-private.toml"),
  ),
  (
    "registry-public.toml",
    include_str!("../profiles/registry-public.toml"),
  ),
  (
    "secure-workspace.toml",
    include_str!("../profiles/secure-workspace.toml"),
  ),
  (
    "training-no-public-ip.toml",
    include_str!("../profiles/training-no-public-ip.toml"),
  ),
  (
    "training-public-ip.toml",
    include_str!("../profiles/training-public-ip.toml"),
  ),
  (
    "usgov-secure-workspace.toml",
    include_str!("../profiles/usgov-secure-workspace.toml"),
  ),
  (
    "base/contoso-eastus.toml",
    include_str!("../profiles/base/contoso-eastus.toml"),
  ),
];

/// The scenario names `init --scenario` accepts: the shipped profiles, bases aside.
pub fn scenarios() -> Vec<&'static str> {
  SHIPPED
    .iter()
    .filter(|(path, _)| !path.contains('/'))
    .map(|(path, _)| path.trim_end_matches(".toml"))
    .collect()
}

/// Longest comment line (leader included) before it wraps.
const WIDTH: usize = 92;

/// The starter profile for `scenario`, in `cloud` (default: the scenario's, or the cloud of
/// `region`) and `region` (default: the scenario's, or a shipped profile's region of that
/// cloud). Fails with `Error::Input` for an unknown scenario, cloud or region, or when the
/// scenario does not compile in that cloud and region.
pub fn starter(scenario: &str, cloud: Option<&str>, region: Option<&str>) -> Result<String> {
  let Some((path, text)) = SHIPPED
    .iter()
    .find(|(p, _)| !p.contains('/') && p.trim_end_matches(".toml") == scenario)
  else {
    let hint = did_you_mean(scenario, scenarios())
      .map(|s| format!("did you mean `{s}`? "))
      .unwrap_or_default();
    return Err(input(format!(
      "unknown scenario `{scenario}`; {hint}scenarios: {}",
      scenarios().join(", ")
    )));
  };
  let mut raw = merged(path, text)?;
  let (cloud, region) = place(&raw, cloud, region)?;
  // A registry in the workspace's own region moves with the workspace.
  let own_region = raw.region.as_ref().map(|r| r.value.clone());
  for registry in raw.registry.iter_mut().flatten() {
    if let Some(r) = registry
      .region
      .as_mut()
      .filter(|r| Some(&r.value) == own_region.as_ref())
    {
      r.value = region.clone();
    }
  }
  raw.cloud = Some(here(cloud.name().to_string()));
  raw.region = Some(here(region.clone()));
  raw.extends = None;
  raw.name = None;
  let body = toml::to_string(&raw).map_err(|e| input(format!("cannot write the starter: {e}")))?;
  let mut out = String::new();
  for line in intro(text) {
    comment::push_line(&mut out, Leader::Hash, &line);
  }
  out.push_str("#\n");
  let note = format!(
    "Starter profile: the `{scenario}` scenario in {cloud} {region}, written by `amlnet init`. \
     Every name, ID and address is the scenario's example: replace them with yours, then run \
     `amlnet compile FILE`. For completion and docs in your editor: `amlnet schema > \
     profile.schema.json`, then make `#:schema profile.schema.json` the first line."
  );
  for line in wrap(&note) {
    comment::push_line(&mut out, Leader::Hash, &line);
  }
  annotate(&body, &mut out);
  if let Err(err) = crate::compile_text(&format!("{scenario}.toml"), out.clone()) {
    let why = match &err {
      Error::Profile(errors) => errors
        .diagnostics()
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect::<Vec<_>>()
        .join("; "),
      err => err.to_string(),
    };
    return Err(input(format!(
      "the `{scenario}` scenario does not compile in {cloud} {region}: {why}"
    )));
  }
  Ok(out)
}

fn input(message: String) -> Error {
  Error::Input { message }
}

/// A value that was not written in any file.
fn here<T>(value: T) -> Located<T> {
  let range: Range<usize> = 0..0;
  Located {
    value,
    span: Span { file: 0, range },
  }
}

/// The scenario with its `extends` chain (shipped bases only) merged in.
fn merged(path: &str, text: &str) -> Result<RawProfile> {
  let mut chain = Vec::new();
  let mut next = Some((path.to_string(), text));
  while let Some((path, text)) = next.take() {
    let raw = profile::parse(text, 0).map_err(|p| input(format!("{path}: {}", p.message)))?;
    if let Some(base) = &raw.extends {
      let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
      let base_path = if dir.is_empty() {
        base.value.clone()
      } else {
        format!("{dir}/{}", base.value)
      };
      let (p, t) = SHIPPED
        .iter()
        .find(|(p, _)| *p == base_path)
        .ok_or_else(|| input(format!("{path} extends `{base_path}`, which is not shipped")))?;
      next = Some((p.to_string(), t));
    }
    chain.push(raw);
  }
  Ok(
    chain
      .into_iter()
      .rev()
      .fold(None, |base, child| Some(child).merge(base))
      .unwrap_or_default(),
  )
}

/// The cloud and region of the starter.
fn place(raw: &RawProfile, cloud: Option<&str>, region: Option<&str>) -> Result<(Cloud, String)> {
  let own_cloud = raw.cloud.as_ref().and_then(|c| Cloud::parse(&c.value));
  let own_region = raw.region.as_ref().map(|r| r.value.clone());
  let cloud = match (cloud, region) {
    (Some(c), _) => Cloud::parse(c).ok_or_else(|| {
      let names: Vec<&str> = Cloud::ALL.iter().map(|c| c.name()).collect();
      input(format!("unknown cloud `{c}`; clouds: {}", names.join(", ")))
    })?,
    (None, Some(r)) => {
      Cloud::of_region(r).ok_or_else(|| unknown_region(r, own_cloud.unwrap_or(Cloud::AzureCloud)))?
    }
    (None, None) => own_cloud.unwrap_or(Cloud::AzureCloud),
  };
  let region = match region {
    Some(r) if cloud.tag_suffix(r).is_some() => r.to_string(),
    Some(r) => return Err(unknown_region(r, cloud)),
    None if Some(cloud) == own_cloud => own_region.unwrap_or_default(),
    None => default_region(cloud),
  };
  Ok((cloud, region))
}

fn unknown_region(region: &str, cloud: Cloud) -> Error {
  let hint = match (
    Cloud::of_region(region),
    did_you_mean(region, cloud.region_names()),
  ) {
    (Some(other), _) => format!("`{region}` is a region of {other}"),
    (None, Some(s)) => format!("did you mean `{s}`?"),
    (None, None) => format!(
      "regions of {cloud}: {}",
      cloud.region_names().collect::<Vec<_>>().join(", ")
    ),
  };
  input(format!("unknown region `{region}` for cloud {cloud}; {hint}"))
}

/// The region a shipped profile of `cloud` uses, else the cloud's first region.
fn default_region(cloud: Cloud) -> String {
  SHIPPED
    .iter()
    .filter_map(|(_, text)| profile::parse(text, 0).ok())
    .find(|raw| raw.cloud.as_ref().is_some_and(|c| c.value == cloud.name()))
    .and_then(|raw| raw.region.map(|r| r.value))
    .unwrap_or_else(|| cloud.region_names().next().unwrap_or_default().to_string())
}

/// The scenario's own opening comment (its lines after `#:schema`), which says what it is.
fn intro(text: &str) -> Vec<String> {
  text
    .lines()
    .skip_while(|l| l.starts_with("#:schema"))
    .take_while(|l| l.starts_with('#'))
    .map(|l| l.trim_start_matches('#').trim().to_string())
    .collect()
}

/// `body` (TOML from the serializer) into `out`, each table and key after the comment the
/// schema has for it.
fn annotate(body: &str, out: &mut String) {
  let docs = key_docs();
  let mut table = String::new();
  for line in body.lines() {
    let trimmed = line.trim();
    let path = if let Some(header) = trimmed.strip_prefix('[') {
      table = header.trim_matches(|c| c == '[' || c == ']').to_string();
      out.push('\n');
      Some(table.clone())
    } else if let Some((key, _)) = trimmed.split_once(" = ") {
      Some(if table.is_empty() {
        key.to_string()
      } else {
        format!("{table}.{key}")
      })
    } else {
      None
    };
    if let Some(doc) = path.and_then(|p| docs.get(&p)) {
      for l in wrap(doc) {
        comment::push_line(out, Leader::Hash, &l);
      }
    }
    if !trimmed.is_empty() {
      out.push_str(line);
      out.push('\n');
    }
  }
}

/// Dotted key path (`network.subnet.name`) → what the schema says of it: description,
/// accepted values (short lists), default.
fn key_docs() -> BTreeMap<String, String> {
  let schema: Value = serde_json::from_str(&crate::schema::profile()).unwrap_or_default();
  let mut docs = BTreeMap::new();
  walk(&schema, &schema, "", &mut docs);
  docs
}

fn walk(root: &Value, table: &Value, prefix: &str, docs: &mut BTreeMap<String, String>) {
  let Some(props) = table.get("properties").and_then(Value::as_object) else {
    return;
  };
  for (key, prop) in props {
    let path = if prefix.is_empty() {
      key.clone()
    } else {
      format!("{prefix}.{key}")
    };
    let mut doc = prop
      .get("description")
      .and_then(Value::as_str)
      .unwrap_or_default()
      .to_string();
    let values = prop.get("enum").or_else(|| prop.pointer("/items/enum"));
    if let Some(values) = values.and_then(Value::as_array).filter(|v| v.len() <= 12) {
      let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
      doc.push_str(&format!(" One of: {}.", names.join(", ")));
    }
    if let Some(default) = prop.get("default") {
      doc.push_str(&format!(" Default: {default}."));
    }
    docs.insert(path.clone(), doc);
    let reference = prop
      .get("$ref")
      .or_else(|| prop.pointer("/items/$ref"))
      .and_then(Value::as_str);
    if let Some(def) = reference.and_then(|r| root.pointer(r.trim_start_matches('#'))) {
      walk(root, def, &path, docs);
    }
  }
}

/// `text` in lines that fit `WIDTH` with the comment leader.
fn wrap(text: &str) -> Vec<String> {
  let mut lines = Vec::new();
  let mut line = String::new();
  for word in text.split_whitespace() {
    if !line.is_empty() && line.len() + 1 + word.len() > WIDTH - 2 {
      lines.push(std::mem::take(&mut line));
    }
    if !line.is_empty() {
      line.push(' ');
    }
    line.push_str(word);
  }
  lines.push(line);
  lines
}
