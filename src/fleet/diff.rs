//! `amlnet diff fleet-v1.toml fleet-v2.toml`: the whole fleet's change, per workspace and
//! for the hub.
//!
//! Takes two fleet files; compiles both, runs `crate::diff` on each workspace present on both
//! sides (by name), lists workspaces added and removed, and compares the hubs: IP Groups
//! (added, removed, addresses, and per rule set the workspaces a shared group serves),
//! firewall rules (added, removed, sources changed, and per rule set the workspaces that need
//! them) and hub DNS records. Returns the change
//! set, which renders itself as text, Markdown or JSON; the CLI picks the exit code from
//! `kinds`. It never re-implements the single-profile diff.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use crate::diff::{Diff, Kind, Options};
use crate::Result;

use super::load::IpGroupMode;
use super::Fleet;

/// One workspace's change.
pub enum Workspace {
  Added,
  Removed,
  Both(Box<Diff>),
}

/// The hub's changes, each line a sentence.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HubChanges {
  pub ip_groups: Vec<String>,
  pub rules: Vec<String>,
  pub dns: Vec<String>,
}

pub struct FleetDiff {
  pub old: String,
  pub new: String,
  pub workspaces: Vec<(String, Workspace)>,
  pub hub: HubChanges,
  /// Every kind of change, for the exit code.
  pub kinds: Vec<Kind>,
}

pub fn run(old: &Path, new: &Path) -> Result<FleetDiff> {
  let (a, b) = (super::compile(old)?, super::compile(new)?);
  let mut kinds = Vec::new();
  let mut workspaces = Vec::new();
  let olds: BTreeMap<&str, &super::Spoke> = a.spokes.iter().map(|s| (s.name(), s)).collect();
  let news: BTreeMap<&str, &super::Spoke> = b.spokes.iter().map(|s| (s.name(), s)).collect();
  let mut names: Vec<&str> = olds.keys().chain(news.keys()).copied().collect();
  names.sort();
  names.dedup();
  for name in names {
    let change = match (olds.get(name), news.get(name)) {
      (Some(o), Some(n)) => {
        let diff = crate::diff::run(&Options {
          old: &o.path,
          new: &n.path,
        })?;
        if diff.summary.kinds.is_empty() {
          continue;
        }
        kinds.extend(diff.summary.kinds.iter().copied());
        Workspace::Both(Box::new(diff))
      }
      (None, _) => {
        kinds.push(Kind::Added);
        Workspace::Added
      }
      (_, None) => {
        kinds.push(Kind::Removed);
        Workspace::Removed
      }
    };
    workspaces.push((name.to_string(), change));
  }
  let hub = hub(&a, &b, &mut kinds);
  kinds.sort_by_key(|k| Kind::ALL.iter().position(|x| x == k));
  kinds.dedup();
  Ok(FleetDiff {
    old: a.hub.name.clone(),
    new: b.hub.name.clone(),
    workspaces,
    hub,
    kinds,
  })
}

/// A hub rule as the diff compares it: what it is without its sources, its IP groups and
/// the workspaces that need it.
struct RuleView {
  rule: String,
  groups: Vec<String>,
  workspaces: Vec<String>,
}

/// Rule name → its view, both collections.
fn rule_map(f: &Fleet) -> BTreeMap<String, RuleView> {
  let network = f.firewall.network.iter().map(|r| {
    let mut rule = r.rule.clone();
    rule.description.clear();
    rule.flow = None;
    (
      format!("network {}", r.rule.name),
      RuleView {
        rule: format!("{rule:?}"),
        groups: r.ip_groups.clone(),
        workspaces: r.workspaces.clone(),
      },
    )
  });
  let application = f.firewall.application.iter().map(|r| {
    let mut rule = r.rule.clone();
    rule.description.clear();
    rule.flow = None;
    (
      format!("application {}", r.rule.name),
      RuleView {
        rule: format!("{rule:?}"),
        groups: r.ip_groups.clone(),
        workspaces: r.workspaces.clone(),
      },
    )
  });
  network.chain(application).collect()
}

/// The items of `new` not in `old`, and of `old` not in `new`.
fn added_removed<'a, T: PartialEq>(old: &'a [T], new: &'a [T]) -> (Vec<&'a T>, Vec<&'a T>) {
  (
    new.iter().filter(|x| !old.contains(x)).collect(),
    old.iter().filter(|x| !new.contains(x)).collect(),
  )
}

fn joined<T: ToString>(items: &[&T]) -> String {
  items.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

/// IP Groups added, removed, with other addresses or (per rule set) serving other
/// workspaces. A group whose addresses grow lets more sources through every rule that names
/// it (widened); one that loses addresses, fewer (narrowed).
fn ip_groups(a: &Fleet, b: &Fleet, h: &mut HubChanges, kinds: &mut Vec<Kind>) {
  let groups = |f: &Fleet| -> BTreeMap<String, (Vec<String>, Vec<String>)> {
    f.firewall
      .ip_groups
      .iter()
      .map(|g| {
        (
          g.name.clone(),
          (
            g.addresses.iter().map(ToString::to_string).collect(),
            g.workspaces.clone(),
          ),
        )
      })
      .collect()
  };
  let (ga, gb) = (groups(a), groups(b));
  for (name, (addresses, workspaces)) in &gb {
    let Some((old, old_workspaces)) = ga.get(name) else {
      let serves = if b.firewall.mode == IpGroupMode::PerRuleSet {
        format!(" for {}", workspaces.join(", "))
      } else {
        String::new()
      };
      h.ip_groups
        .push(format!("+ IP group {name} ({}){serves}", addresses.join(", ")));
      continue;
    };
    if old != addresses {
      h.ip_groups.push(format!(
        "~ IP group {name}: {} → {}",
        old.join(", "),
        addresses.join(", ")
      ));
      let (more, fewer) = added_removed(old, addresses);
      if !more.is_empty() {
        kinds.push(Kind::Widened);
      }
      if !fewer.is_empty() {
        kinds.push(Kind::Narrowed);
      }
    }
    let (joined_by, left_by) = added_removed(old_workspaces, workspaces);
    if !joined_by.is_empty() {
      h.ip_groups.push(format!(
        "~ IP group {name}: now also serves {}",
        joined(&joined_by)
      ));
    }
    if !left_by.is_empty() {
      h.ip_groups.push(format!(
        "~ IP group {name}: no longer serves {}",
        joined(&left_by)
      ));
    }
  }
  for name in ga.keys().filter(|n| !gb.contains_key(*n)) {
    h.ip_groups.push(format!("- IP group {name}"));
  }
}

fn hub(a: &Fleet, b: &Fleet, kinds: &mut Vec<Kind>) -> HubChanges {
  let mut h = HubChanges::default();
  ip_groups(a, b, &mut h, kinds);
  // Per rule set a spoke can join or leave a rule through a shared IP Group, its sources
  // unchanged: the workspaces say so.
  let by_workspace = a.firewall.mode == IpGroupMode::PerRuleSet || b.firewall.mode == IpGroupMode::PerRuleSet;
  let (ra, rb) = (rule_map(a), rule_map(b));
  for (name, r) in &rb {
    let Some(old) = ra.get(name) else {
      kinds.push(Kind::Added);
      h.rules.push(format!("+ {name} from {}", r.groups.join(", ")));
      continue;
    };
    if old.rule != r.rule {
      kinds.push(Kind::Changed);
      h.rules
        .push(format!("~ {name}: protocols, destination or ports changed"));
    }
    let (added, removed) = added_removed(&old.groups, &r.groups);
    if !added.is_empty() {
      kinds.push(Kind::Widened);
      h.rules
        .push(format!("~ {name}: now also from {}", joined(&added)));
    }
    if !removed.is_empty() {
      kinds.push(Kind::Narrowed);
      h.rules
        .push(format!("~ {name}: no longer from {}", joined(&removed)));
    }
    if by_workspace {
      let (added, removed) = added_removed(&old.workspaces, &r.workspaces);
      if !added.is_empty() {
        kinds.push(Kind::Widened);
        h.rules
          .push(format!("~ {name}: now also needed by {}", joined(&added)));
      }
      if !removed.is_empty() {
        kinds.push(Kind::Narrowed);
        h.rules
          .push(format!("~ {name}: no longer needed by {}", joined(&removed)));
      }
    }
  }
  for name in ra.keys().filter(|n| !rb.contains_key(*n)) {
    kinds.push(Kind::Removed);
    h.rules.push(format!("- {name}"));
  }
  if a.firewall.priority != b.firewall.priority
    || a.firewall.name != b.firewall.name
    || a.firewall.policy != b.firewall.policy
  {
    kinds.push(Kind::Settings);
    h.rules.push(format!(
      "~ rule collection group {}/{} priority {} → {}/{} priority {}",
      a.firewall.policy,
      a.firewall.name,
      a.firewall.priority,
      b.firewall.policy,
      b.firewall.name,
      b.firewall.priority
    ));
  }
  let records = |f: &Fleet| -> BTreeMap<String, String> {
    f.dns
      .ir
      .iter()
      .flat_map(|ir| ir.dns_records.iter())
      .map(|r| (r.name.clone(), r.value.to_string()))
      .collect()
  };
  let (da, db) = (records(a), records(b));
  for (name, value) in &db {
    match da.get(name) {
      None => h.dns.push(format!("+ {name} A {value}")),
      Some(old) if old != value => h.dns.push(format!("~ {name} A {old} → {value}")),
      _ => {}
    }
  }
  for (name, value) in da.iter().filter(|(n, _)| !db.contains_key(*n)) {
    h.dns.push(format!("- {name} A {value}"));
  }
  if !h.dns.is_empty() {
    kinds.push(Kind::Dns);
  }
  h
}

impl FleetDiff {
  pub fn text(&self, color: bool) -> String {
    let mut s = format!("fleet {} → {}\n", self.old, self.new);
    if self.kinds.is_empty() {
      s.push_str("no change\n");
      return s;
    }
    for (name, change) in &self.workspaces {
      match change {
        Workspace::Added => {
          let _ = writeln!(s, "\nworkspace {name}: added");
        }
        Workspace::Removed => {
          let _ = writeln!(s, "\nworkspace {name}: removed");
        }
        Workspace::Both(diff) => {
          let _ = writeln!(s, "\nworkspace {name}:");
          for line in diff.text(color).lines() {
            let _ = writeln!(s, "  {line}");
          }
        }
      }
    }
    for (title, lines) in [
      ("hub IP groups", &self.hub.ip_groups),
      ("hub firewall rules", &self.hub.rules),
      ("hub DNS records", &self.hub.dns),
    ] {
      if !lines.is_empty() {
        let _ = writeln!(s, "\n{title}:");
        for line in lines {
          let _ = writeln!(s, "  {line}");
        }
      }
    }
    s
  }

  pub fn markdown(&self) -> String {
    let mut s = format!("# Fleet change: {} → {}\n", self.old, self.new);
    for (name, change) in &self.workspaces {
      let _ = writeln!(s, "\n## Workspace {}\n", crate::syntax::markdown::text(name));
      match change {
        Workspace::Added => s.push_str("Added.\n"),
        Workspace::Removed => s.push_str("Removed.\n"),
        Workspace::Both(diff) => s.push_str(&diff.markdown().replace("\n# ", "\n### ")),
      }
    }
    s.push_str("\n## Hub\n\n");
    for line in self
      .hub
      .ip_groups
      .iter()
      .chain(&self.hub.rules)
      .chain(&self.hub.dns)
    {
      let _ = writeln!(s, "- {}", crate::syntax::markdown::text(line));
    }
    s
  }

  pub fn json(&self) -> String {
    let workspaces: Vec<Value> = self
      .workspaces
      .iter()
      .map(|(name, change)| match change {
        Workspace::Added => json!({ "name": name, "change": "added" }),
        Workspace::Removed => json!({ "name": name, "change": "removed" }),
        Workspace::Both(diff) => json!({
          "name": name,
          "change": "changed",
          "diff": serde_json::from_str::<Value>(&diff.json()).unwrap_or(Value::Null),
        }),
      })
      .collect();
    let doc = json!({
      "old": self.old,
      "new": self.new,
      "kinds": self.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
      "workspaces": workspaces,
      "hub": { "ip_groups": self.hub.ip_groups, "rules": self.hub.rules, "dns": self.hub.dns },
    });
    crate::syntax::json::document(&doc)
  }
}
