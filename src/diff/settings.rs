//! Diagnostics and settings of the two sides. Diagnostics are the IR's plus the notes of the
//! plan and the backends, matched by severity, code and message (never the location);
//! settings are dotted paths compared as values, lists as sets, minus the ones that only
//! number or stamp rules. Never reads files, never decides the exit code.

use std::collections::BTreeMap;

use serde_json::Value;

use super::changes::{as_set, to_value, DiagnosticChanges, FieldChange};
use crate::ir::{Diagnostic, Ir, Severity};

/// Settings that only number or stamp rules, so a change to them changes no access.
const POSITIONAL_SETTINGS: &[&str] = &[
  "nsg.inbound_start",
  "nsg.outbound_start",
  "nsg.step",
  // Reported by `access` with what it does in a shared policy, not as a bare setting.
  "firewall.priority",
  "dns.serial",
];

/// The IR's diagnostics and then the notes of the plan and the backends (what a target cannot
/// express, what Azure would refuse) that the IR does not already hold: an IR file keeps only
/// the diagnostics of its lowering, and the plan is computed again from it here.
pub(super) fn with_notes(diagnostics: &[Diagnostic], notes: &[Diagnostic]) -> Vec<Diagnostic> {
  let mut all = diagnostics.to_vec();
  for n in notes {
    if !all
      .iter()
      .any(|d| (d.severity, &d.code, &d.message) == (n.severity, &n.code, &n.message))
    {
      all.push(n.clone());
    }
  }
  all
}

/// Diagnostics matched by severity, code and message, counted: where a setting sits in which
/// file (the location) is no change, so comparing a profile with a renamed copy, or one whose
/// lines moved, reports nothing; a diagnostic that appears more often than before is added.
pub(super) fn diff_diagnostics(old: &[Diagnostic], new: &[Diagnostic]) -> DiagnosticChanges {
  type Key<'a> = (Severity, &'a str, &'a str);
  fn key(d: &Diagnostic) -> Key<'_> {
    (d.severity, &d.code, &d.message)
  }
  fn counts(list: &[Diagnostic]) -> BTreeMap<Key<'_>, usize> {
    let mut counts = BTreeMap::new();
    for d in list {
      *counts.entry(key(d)).or_insert(0) += 1;
    }
    counts
  }
  /// The diagnostics of `list` beyond what `other` has of each key, in `list`'s order.
  fn beyond(list: &[Diagnostic], other: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut left = counts(other);
    list
      .iter()
      .filter(|d| match left.get_mut(&key(d)) {
        Some(n) if *n > 0 => {
          *n -= 1;
          false
        }
        _ => true,
      })
      .cloned()
      .collect()
  }
  DiagnosticChanges {
    added: beyond(new, old),
    removed: beyond(old, new),
  }
}

/// Settings as dotted paths ("nsg.name"), minus the positional ones.
pub(super) fn diff_settings(old: &Ir, new: &Ir) -> Vec<FieldChange> {
  let mut before = Vec::new();
  let mut after = Vec::new();
  flatten("", &to_value(&old.settings), &mut before);
  flatten("", &to_value(&new.settings), &mut after);
  let after: BTreeMap<String, Value> = after.into_iter().collect();
  let mut out = Vec::new();
  for (path, old_value) in before {
    if POSITIONAL_SETTINGS.contains(&path.as_str()) {
      continue;
    }
    let new_value = after.get(&path).cloned().unwrap_or(Value::Null);
    if as_set(&old_value) != as_set(&new_value) {
      out.push(FieldChange {
        field: path,
        old: old_value,
        new: new_value,
      });
    }
  }
  out
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
  match value {
    Value::Object(map) => {
      for (k, v) in map {
        let path = if prefix.is_empty() {
          k.clone()
        } else {
          format!("{prefix}.{k}")
        };
        flatten(&path, v, out);
      }
    }
    _ => out.push((prefix.to_string(), value.clone())),
  }
}
