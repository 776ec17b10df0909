//! The change list: two IRs in, a `Diff` out, keyed by identity and sorted.
//!
//! Flows are matched by `Flow::id`, DNS records by zone + name + type, host records by name,
//! zones and forwarders by zone, diagnostics by severity + code + location + message. Ports are
//! compared as sets of numeric ranges, list fields as sets. Nothing positional takes part: not list
//! order, not the NSG priority plan, not a flow's triggers (profile locations). `Diff` serializes as the documented `--format json` shape
//! (docs/diff.md). It never reads files and never decides the exit code.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::access::{self, AccessChange, Sided};
use super::load::Side;
use super::rules::{self, RuleChanges};
use super::settings::{diff_diagnostics, diff_settings, with_notes};
use crate::ir::{Diagnostic, DnsRecord, DnsZone, Flow, Forwarder, HostRecord, Ir};
use crate::plan::Plan;

/// Version of the `--format json` shape; bump the major on any breaking change to it, the
/// minor on additions (1.1: `access`, `rules`, `summary.access`, `summary.rules`).
pub const DIFF_FORMAT_VERSION: &str = "1.1";

/// A kind of change, as `--fail-on` and `summary.kinds` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
  Added,
  Removed,
  Widened,
  Narrowed,
  Changed,
  Dns,
  Diagnostics,
  Settings,
}

impl Kind {
  /// Every kind, in the order `summary.kinds` lists them.
  pub const ALL: [Kind; 8] = [
    Kind::Added,
    Kind::Removed,
    Kind::Widened,
    Kind::Narrowed,
    Kind::Changed,
    Kind::Dns,
    Kind::Diagnostics,
    Kind::Settings,
  ];

  pub fn as_str(self) -> &'static str {
    match self {
      Kind::Added => "added",
      Kind::Removed => "removed",
      Kind::Widened => "widened",
      Kind::Narrowed => "narrowed",
      Kind::Changed => "changed",
      Kind::Dns => "dns",
      Kind::Diagnostics => "diagnostics",
      Kind::Settings => "settings",
    }
  }
}

#[derive(Serialize)]
pub struct Diff {
  pub diff_format_version: &'static str,
  pub old: SideInfo,
  pub new: SideInfo,
  pub summary: Summary,
  /// Effective access: what the planned rules allow on one side and deny on the other.
  pub access: Vec<AccessChange>,
  /// The deployed rules that change, per target (no kind of their own).
  pub rules: RuleChanges,
  pub flows: FlowChanges,
  pub dns: DnsChanges,
  pub diagnostics: DiagnosticChanges,
  pub settings: Vec<FieldChange>,
  /// How many rules and records the old side holds (flows, zones, records, host records,
  /// forwarders): the base of `change_ratio`. Not part of the JSON.
  #[serde(skip)]
  pub old_entries: usize,
}

/// Where a side came from and what stamped it; shown in the header, never a change by itself.
#[derive(Serialize)]
pub struct SideInfo {
  pub path: String,
  pub input: &'static str,
  pub profile: String,
  pub format_version: String,
  pub amlnet_version: String,
  pub catalog_version: String,
  pub profile_hash: String,
  pub cloud: String,
  pub region: String,
}

/// Entry counts per list, and the kinds present (what `--fail-on` tests).
#[derive(Serialize)]
pub struct Summary {
  pub added: usize,
  pub removed: usize,
  pub widened: usize,
  pub narrowed: usize,
  pub changed: usize,
  pub dns: usize,
  pub diagnostics: usize,
  pub settings: usize,
  /// Access changes (`access`).
  pub access: usize,
  /// Deployed rules added, removed or changed (`rules`).
  pub rules: usize,
  pub kinds: Vec<Kind>,
}

#[derive(Serialize)]
pub struct FlowChanges {
  pub added: Vec<Flow>,
  pub removed: Vec<Flow>,
  /// Gained ports, lost none (other fields may have changed too).
  pub widened: Vec<FlowChange>,
  /// Lost ports, gained none (other fields may have changed too).
  pub narrowed: Vec<FlowChange>,
  /// Gained and lost ports, or kept its ports and changed another field.
  pub changed: Vec<FlowChange>,
}

#[derive(Serialize)]
pub struct FlowChange {
  pub id: String,
  pub kinds: Vec<Kind>,
  pub ports_added: Vec<String>,
  pub ports_removed: Vec<String>,
  /// Fields other than ports that differ.
  pub fields: Vec<FieldChange>,
  pub old: Flow,
  pub new: Flow,
}

/// One field that differs; list fields hold both whole lists (compared as sets).
#[derive(Serialize)]
pub struct FieldChange {
  pub field: String,
  pub old: Value,
  pub new: Value,
}

#[derive(Serialize)]
pub struct Changed<T> {
  pub fields: Vec<FieldChange>,
  pub old: T,
  pub new: T,
}

#[derive(Serialize)]
pub struct Changes<T> {
  pub added: Vec<T>,
  pub removed: Vec<T>,
  pub changed: Vec<Changed<T>>,
}

#[derive(Serialize)]
pub struct DnsChanges {
  pub zones: Changes<DnsZone>,
  pub records: Changes<RecordSet>,
  pub host_records: Changes<HostRecordSet>,
  pub forwarders: Changes<Forwarder>,
}

/// The IR's records with one zone, name and type, as one set: a value change is one change,
/// not a removal and an addition.
#[derive(Clone, Serialize)]
pub struct RecordSet {
  pub zone: String,
  pub name: String,
  #[serde(rename = "type")]
  pub record_type: String,
  pub values: Vec<String>,
  pub resource: String,
  pub public_name: Option<String>,
  pub sources: Vec<String>,
}

/// The IR's host records with one name, as one set.
#[derive(Clone, Serialize)]
pub struct HostRecordSet {
  pub name: String,
  pub values: Vec<String>,
  pub resource: String,
  pub sources: Vec<String>,
}

#[derive(Serialize)]
pub struct DiagnosticChanges {
  pub added: Vec<Diagnostic>,
  pub removed: Vec<Diagnostic>,
}

impl<T> Changes<T> {
  pub fn len(&self) -> usize {
    self.added.len() + self.removed.len() + self.changed.len()
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

impl DnsChanges {
  pub fn len(&self) -> usize {
    self.zones.len() + self.records.len() + self.host_records.len() + self.forwarders.len()
  }
}

pub fn diff(old: &Side, new: &Side) -> Diff {
  let (old_plan, new_plan) = (Plan::new(&old.ir), Plan::new(&new.ir));
  let access = access::changes(
    &Sided {
      ir: &old.ir,
      plan: &old_plan,
    },
    &Sided {
      ir: &new.ir,
      plan: &new_plan,
    },
  );
  let rules = rules::changes((&old.ir, &old_plan), (&new.ir, &new_plan));
  let flows = diff_flows(&old.ir.flows, &new.ir.flows);
  let dns = DnsChanges {
    zones: diff_keyed(
      &old.ir.dns_zones,
      &new.ir.dns_zones,
      |z| z.name.clone(),
      // A zone's purpose and sources summarise its records, whose changes are listed already.
      &["name", "purpose", "sources"],
    ),
    records: diff_keyed(
      &record_sets(&old.ir.dns_records),
      &record_sets(&new.ir.dns_records),
      |r| (r.zone.clone(), r.name.clone(), r.record_type.clone()),
      &["zone", "name", "type"],
    ),
    host_records: diff_keyed(
      &host_record_sets(&old.ir.host_records),
      &host_record_sets(&new.ir.host_records),
      |h| h.name.clone(),
      &["name"],
    ),
    forwarders: diff_keyed(
      &old.ir.dns_forwarders,
      &new.ir.dns_forwarders,
      |f| f.zone.clone(),
      &["zone"],
    ),
  };
  // The plan's and every backend's notes, as `compile` reports them.
  let notes = |side: &Side, plan: &Plan| crate::backend::render_all(&side.ir, plan).notes;
  let diagnostics = diff_diagnostics(
    &with_notes(&old.ir.diagnostics, &notes(old, &old_plan)),
    &with_notes(&new.ir.diagnostics, &notes(new, &new_plan)),
  );
  let settings = diff_settings(&old.ir, &new.ir);

  let mut kinds: Vec<Kind> = Vec::new();
  kinds.extend(flows.added.first().map(|_| Kind::Added));
  kinds.extend(flows.removed.first().map(|_| Kind::Removed));
  for change in flows.widened.iter().chain(&flows.narrowed).chain(&flows.changed) {
    kinds.extend(&change.kinds);
  }
  if dns.len() > 0 {
    kinds.push(Kind::Dns);
  }
  if !diagnostics.added.is_empty() || !diagnostics.removed.is_empty() {
    kinds.push(Kind::Diagnostics);
  }
  if !settings.is_empty() {
    kinds.push(Kind::Settings);
  }
  for change in &access {
    kinds.extend(&change.kinds);
  }
  kinds.sort();
  kinds.dedup();

  let summary = Summary {
    added: flows.added.len(),
    removed: flows.removed.len(),
    widened: flows.widened.len(),
    narrowed: flows.narrowed.len(),
    changed: flows.changed.len(),
    dns: dns.len(),
    diagnostics: diagnostics.added.len() + diagnostics.removed.len(),
    settings: settings.len(),
    access: access.len(),
    rules: rules.len(),
    kinds,
  };
  Diff {
    diff_format_version: DIFF_FORMAT_VERSION,
    old: side_info(old),
    new: side_info(new),
    summary,
    access,
    rules,
    flows,
    dns,
    diagnostics,
    settings,
    old_entries: entries(&old.ir),
  }
}

fn entries(ir: &Ir) -> usize {
  ir.flows.len() + ir.dns_zones.len() + ir.dns_records.len() + ir.host_records.len() + ir.dns_forwarders.len()
}

impl Diff {
  /// Changes a reviewer must look at: flows and DNS entries added, removed or changed, and
  /// settings (diagnostics, access changes and deployed rules, which restate those, are not counted).
  pub fn changes(&self) -> usize {
    let s = &self.summary;
    s.added + s.removed + s.widened + s.narrowed + s.changed + s.dns + s.settings
  }

  /// `changes` against the size of the old side (1.0 when it was empty and anything changed).
  pub fn change_ratio(&self) -> f64 {
    match (self.changes(), self.old_entries) {
      (0, _) => 0.0,
      (_, 0) => 1.0,
      (c, n) => c as f64 / n as f64,
    }
  }
}

fn side_info(side: &Side) -> SideInfo {
  let ir = &side.ir;
  SideInfo {
    path: side.path.display().to_string(),
    input: side.input.as_str(),
    profile: ir.profile.clone(),
    format_version: ir.format_version.clone(),
    amlnet_version: ir.amlnet_version.clone(),
    catalog_version: ir.catalog_version.clone(),
    profile_hash: ir.profile_hash.clone(),
    cloud: ir.cloud.name().to_string(),
    region: ir.region.clone(),
  }
}

fn diff_flows(old: &[Flow], new: &[Flow]) -> FlowChanges {
  let old: BTreeMap<&str, &Flow> = old.iter().map(|f| (f.id.as_str(), f)).collect();
  let new: BTreeMap<&str, &Flow> = new.iter().map(|f| (f.id.as_str(), f)).collect();
  let mut out = FlowChanges {
    added: vec![],
    removed: vec![],
    widened: vec![],
    narrowed: vec![],
    changed: vec![],
  };
  for (id, flow) in &old {
    if !new.contains_key(id) {
      out.removed.push((*flow).clone());
    }
  }
  for (id, after) in &new {
    let Some(before) = old.get(id) else {
      out.added.push((*after).clone());
      continue;
    };
    let ports_added = after.ports.difference(&before.ports).strings();
    let ports_removed = before.ports.difference(&after.ports).strings();
    // Triggers name the profile settings (with file:line:col) that made a requirement apply:
    // they move with every edit of the profile, and change no access.
    let fields = field_changes(*before, *after, &["id", "ports", "triggers"]);
    let mut kinds = Vec::new();
    kinds.extend(ports_added.first().map(|_| Kind::Widened));
    kinds.extend(ports_removed.first().map(|_| Kind::Narrowed));
    kinds.extend(fields.first().map(|_| Kind::Changed));
    let list = match (ports_added.is_empty(), ports_removed.is_empty()) {
      _ if kinds.is_empty() => continue,
      (false, true) => &mut out.widened,
      (true, false) => &mut out.narrowed,
      _ => &mut out.changed,
    };
    list.push(FlowChange {
      id: id.to_string(),
      kinds,
      ports_added,
      ports_removed,
      fields,
      old: (*before).clone(),
      new: (*after).clone(),
    });
  }
  out
}

/// Match two lists by `key`, then compare the matched pairs field by field (minus the key fields).
pub(super) fn diff_keyed<T, K>(old: &[T], new: &[T], key: impl Fn(&T) -> K, key_fields: &[&str]) -> Changes<T>
where
  T: Clone + Serialize,
  K: Ord,
{
  let old: BTreeMap<K, &T> = old.iter().map(|t| (key(t), t)).collect();
  let new: BTreeMap<K, &T> = new.iter().map(|t| (key(t), t)).collect();
  let mut out = Changes {
    added: vec![],
    removed: vec![],
    changed: vec![],
  };
  for (k, t) in &old {
    if !new.contains_key(k) {
      out.removed.push((*t).clone());
    }
  }
  for (k, after) in &new {
    match old.get(k) {
      None => out.added.push((*after).clone()),
      Some(before) => {
        let fields = field_changes(*before, *after, key_fields);
        if !fields.is_empty() {
          out.changed.push(Changed {
            fields,
            old: (*before).clone(),
            new: (*after).clone(),
          });
        }
      }
    }
  }
  out
}

fn record_sets(records: &[DnsRecord]) -> Vec<RecordSet> {
  let mut sets: BTreeMap<(&str, &str, &str), Vec<&DnsRecord>> = BTreeMap::new();
  for r in records {
    sets
      .entry((&r.zone, &r.name, r.record_type.as_str()))
      .or_default()
      .push(r);
  }
  sets
    .into_iter()
    .map(|((zone, name, record_type), rs)| {
      let public: Vec<String> = sorted(rs.iter().filter_map(|r| r.public_name.clone()));
      RecordSet {
        zone: zone.to_string(),
        name: name.to_string(),
        record_type: record_type.to_string(),
        values: sorted(rs.iter().map(|r| r.value.to_string())),
        resource: sorted(rs.iter().map(|r| r.resource.clone())).join(", "),
        public_name: if public.is_empty() {
          None
        } else {
          Some(public.join(", "))
        },
        sources: sorted(rs.iter().flat_map(|r| r.sources.iter().cloned())),
      }
    })
    .collect()
}

fn host_record_sets(records: &[HostRecord]) -> Vec<HostRecordSet> {
  let mut sets: BTreeMap<&str, Vec<&HostRecord>> = BTreeMap::new();
  for r in records {
    sets.entry(&r.name).or_default().push(r);
  }
  sets
    .into_iter()
    .map(|(name, rs)| HostRecordSet {
      name: name.to_string(),
      values: sorted(rs.iter().map(|r| r.value.to_string())),
      resource: sorted(rs.iter().map(|r| r.resource.clone())).join(", "),
      sources: sorted(rs.iter().flat_map(|r| r.sources.iter().cloned())),
    })
    .collect()
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
  let mut v: Vec<String> = items.collect();
  v.sort();
  v.dedup();
  v
}

/// Top-level fields of two records that differ, in declaration order, skipping `skip`.
fn field_changes<T: Serialize>(old: &T, new: &T, skip: &[&str]) -> Vec<FieldChange> {
  let (Value::Object(old), Value::Object(new)) = (to_value(old), to_value(new)) else {
    return Vec::new();
  };
  let mut out = Vec::new();
  for (field, before) in old {
    if skip.contains(&field.as_str()) {
      continue;
    }
    let after = new.get(&field).cloned().unwrap_or(Value::Null);
    if as_set(&before) != as_set(&after) {
      out.push(FieldChange {
        field,
        old: before,
        new: after,
      });
    }
  }
  out
}

pub(super) fn to_value<T: Serialize>(t: &T) -> Value {
  // IR types are plain structs of strings, numbers and lists: serializing them cannot fail.
  serde_json::to_value(t).unwrap_or(Value::Null)
}

/// A list compared as a set: every list in the IR (sources, triggers, address spaces) is unordered.
pub(super) fn as_set(v: &Value) -> Value {
  match v {
    Value::Array(items) => {
      let mut items: Vec<String> = items.iter().map(|i| i.to_string()).collect();
      items.sort();
      items.dedup();
      Value::from(items)
    }
    other => other.clone(),
  }
}
