//! The text, CSV and JSON documents of an `Expansion` or a `Comparison`: deterministic,
//! stamped with the IR's versions and profile hash and each download's cloud and
//! changeNumber, rules in flow-id order. Takes finished results; never computes prefixes.
//! Every comment line of the text goes through `syntax::comment` (a line break in a profile
//! name or a download's strings cannot start an uncommented line) and every free-text CSV
//! cell through `syntax::csv` (RFC 4180, formulas neutralised).

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::results::{Comparison, Expansion, PlatformRule, Rendered};
use crate::syntax::comment::{self, Leader};
use crate::syntax::csv;

impl Expansion {
  pub fn render(&self) -> Rendered {
    Rendered {
      text: self.text(),
      csv: self.csv(),
      json: self.json(),
    }
  }

  fn totals(&self) -> (usize, usize, usize) {
    let ipv4 = self.rules.iter().map(|r| r.prefixes.ipv4().len()).sum();
    let ipv6 = self.rules.iter().map(|r| r.prefixes.ipv6().len()).sum();
    let listed = self.rules.iter().map(|r| r.listed).sum();
    (ipv4, ipv6, listed)
  }

  pub fn text(&self) -> String {
    let mut out = String::new();
    let (ipv4, ipv6, listed) = self.totals();
    out.push_str("# amlnet expand: service-tag rules as address prefixes\n");
    self.stamp.text(&mut out);
    hash_line(
      &mut out,
      &format!(
        "service tags: cloud {}, changeNumber {}",
        self.service_tags.cloud, self.service_tags.change_number
      ),
    );
    hash_line(
      &mut out,
      &format!(
        "{} expanded: {ipv4} IPv4 + {ipv6} IPv6 prefixes (aggregated from {listed} listed)",
        plural(self.rules.len(), "rule")
      ),
    );
    for p in &self.platform_resolved {
      p.text(&mut out);
    }
    for r in &self.rules {
      out.push('\n');
      hash_line(
        &mut out,
        &format!(
          "rule {}: {}{}: {} IPv4 + {} IPv6 prefixes (aggregated from {} listed)",
          r.rule.flow_id,
          r.rule.describe(),
          spelled(&r.rule.service_tag, &r.file_tag),
          r.prefixes.ipv4().len(),
          r.prefixes.ipv6().len(),
          r.listed
        ),
      );
      for net in r.prefixes.iter() {
        let _ = writeln!(out, "{net}");
      }
    }
    out
  }

  pub fn csv(&self) -> String {
    let mut stamp = csv::field(&self.service_tags.cloud);
    let _ = write!(stamp, ",{}", self.service_tags.change_number);
    // The rows of every rule, platform-resolved ones included, in flow-id order.
    let mut groups: Vec<(&str, String)> = Vec::new();
    for p in &self.platform_resolved {
      groups.push((
        &p.rule.flow_id,
        format!("{},platform,,{stamp}\n", p.rule.csv_prefix()),
      ));
    }
    for r in &self.rules {
      let head = r.rule.csv_prefix();
      let mut rows = String::new();
      for net in &r.prefixes.ipv4() {
        let _ = writeln!(rows, "{head},ipv4,{net},{stamp}");
      }
      for net in &r.prefixes.ipv6() {
        let _ = writeln!(rows, "{head},ipv6,{net},{stamp}");
      }
      groups.push((&r.rule.flow_id, rows));
    }
    groups.sort_by(|a, b| a.0.cmp(b.0));
    let mut out =
      String::from("rule_id,direction,protocol,ports,service_tag,family,prefix,cloud,change_number\n");
    for (_, rows) in groups {
      out.push_str(&rows);
    }
    out
  }

  pub fn json(&self) -> String {
    let (ipv4, ipv6, listed) = self.totals();
    let rules: Vec<Value> = self
      .rules
      .iter()
      .map(|r| {
        let mut m = r.rule.json();
        m.insert("file_tag".into(), json!(r.file_tag));
        m.insert("listed".into(), json!(r.listed));
        m.insert("count".into(), json!(r.prefixes.len()));
        m.insert("ipv4_count".into(), json!(r.prefixes.ipv4().len()));
        m.insert("ipv6_count".into(), json!(r.prefixes.ipv6().len()));
        m.insert("ipv4".into(), strings(&r.prefixes.ipv4()));
        m.insert("ipv6".into(), strings(&r.prefixes.ipv6()));
        m.insert(
          "prefixes".into(),
          json!(r.prefixes.iter().map(|n| n.to_string()).collect::<Vec<_>>()),
        );
        Value::Object(m)
      })
      .collect();
    let mut doc = self.stamp.json();
    if let Value::Object(m) = &mut doc {
      m.insert("service_tags".into(), self.service_tags.json());
      m.insert(
        "summary".into(),
        json!({ "rules": self.rules.len(), "ipv4_count": ipv4, "ipv6_count": ipv6,
                "count": ipv4 + ipv6, "listed": listed }),
      );
      m.insert("rules".into(), Value::Array(rules));
      m.insert(
        "platform_resolved".into(),
        Value::Array(self.platform_resolved.iter().map(PlatformRule::json).collect()),
      );
    }
    crate::syntax::json::document(&doc)
  }
}

impl Comparison {
  pub fn render(&self) -> Rendered {
    Rendered {
      text: self.text(),
      csv: self.csv(),
      json: self.json(),
    }
  }

  /// (rules changed, prefixes gained, prefixes lost)
  pub fn totals(&self) -> (usize, usize, usize) {
    let changed = self.rules.iter().filter(|r| r.changed()).count();
    let gained = self.rules.iter().map(|r| r.gained.len()).sum();
    let lost = self.rules.iter().map(|r| r.lost.len()).sum();
    (changed, gained, lost)
  }

  pub fn text(&self) -> String {
    let mut out = String::new();
    let (changed, gained, lost) = self.totals();
    out.push_str("# amlnet expand --against: prefixes each service-tag rule gains and loses\n");
    self.stamp.text(&mut out);
    hash_line(
      &mut out,
      &format!(
        "old service tags: cloud {}, changeNumber {}",
        self.old.cloud, self.old.change_number
      ),
    );
    hash_line(
      &mut out,
      &format!(
        "new service tags: cloud {}, changeNumber {}",
        self.new.cloud, self.new.change_number
      ),
    );
    hash_line(
      &mut out,
      &format!(
        "{} compared, {changed} changed: {} gained (+), {lost} lost (-)",
        plural(self.rules.len(), "rule"),
        plural(gained, "prefix")
      ),
    );
    for p in &self.platform_resolved {
      p.text(&mut out);
    }
    for r in &self.rules {
      out.push('\n');
      let what = if r.changed() {
        format!(
          "{} gained, {} lost ({} -> {} prefixes aggregated)",
          r.gained.len(),
          r.lost.len(),
          r.old_count,
          r.new_count
        )
      } else {
        format!("unchanged ({} prefixes aggregated)", r.new_count)
      };
      hash_line(
        &mut out,
        &format!(
          "rule {}: {}{}: {what}",
          r.rule.flow_id,
          r.rule.describe(),
          spelled(&r.rule.service_tag, &r.file_tag)
        ),
      );
      for net in r.gained.iter() {
        let _ = writeln!(out, "+ {net}");
      }
      for net in r.lost.iter() {
        let _ = writeln!(out, "- {net}");
      }
    }
    out
  }

  pub fn csv(&self) -> String {
    let mut out = String::from(
      "rule_id,direction,protocol,ports,service_tag,change,family,prefix,cloud,old_change_number,\
       new_change_number\n",
    );
    let mut stamp = csv::field(&self.new.cloud);
    let _ = write!(stamp, ",{},{}", self.old.change_number, self.new.change_number);
    for r in &self.rules {
      let head = r.rule.csv_prefix();
      for (change, set) in [("gained", &r.gained), ("lost", &r.lost)] {
        for net in &set.ipv4() {
          let _ = writeln!(out, "{head},{change},ipv4,{net},{stamp}");
        }
        for net in &set.ipv6() {
          let _ = writeln!(out, "{head},{change},ipv6,{net},{stamp}");
        }
      }
    }
    out
  }

  pub fn json(&self) -> String {
    let (changed, gained, lost) = self.totals();
    let rules: Vec<Value> = self
      .rules
      .iter()
      .map(|r| {
        let mut m = r.rule.json();
        m.insert("file_tag".into(), json!(r.file_tag));
        m.insert("changed".into(), json!(r.changed()));
        m.insert("old_count".into(), json!(r.old_count));
        m.insert("new_count".into(), json!(r.new_count));
        m.insert("gained_count".into(), json!(r.gained.len()));
        m.insert("lost_count".into(), json!(r.lost.len()));
        m.insert(
          "gained".into(),
          json!({ "ipv4": strings(&r.gained.ipv4()), "ipv6": strings(&r.gained.ipv6()) }),
        );
        m.insert(
          "lost".into(),
          json!({ "ipv4": strings(&r.lost.ipv4()), "ipv6": strings(&r.lost.ipv6()) }),
        );
        Value::Object(m)
      })
      .collect();
    let mut doc = self.stamp.json();
    if let Value::Object(m) = &mut doc {
      m.insert("old".into(), self.old.json());
      m.insert("new".into(), self.new.json());
      m.insert(
        "summary".into(),
        json!({ "rules": self.rules.len(), "changed": changed, "gained_count": gained, "lost_count": lost }),
      );
      m.insert("rules".into(), Value::Array(rules));
      m.insert(
        "platform_resolved".into(),
        Value::Array(self.platform_resolved.iter().map(PlatformRule::json).collect()),
      );
    }
    crate::syntax::json::document(&doc)
  }
}

/// "1 rule", "2 rules", "1 prefix", "2 prefixes"
fn plural(n: usize, noun: &str) -> String {
  match (n, noun.ends_with('x')) {
    (1, _) => format!("1 {noun}"),
    (_, true) => format!("{n} {noun}es"),
    (_, false) => format!("{n} {noun}s"),
  }
}

/// " (file: Storage.EastUS)" when the file spells the tag differently from the IR.
fn spelled(ir_name: &str, file_name: &str) -> String {
  if ir_name == file_name {
    String::new()
  } else {
    format!(" (file: {file_name})")
  }
}

fn strings<T: std::fmt::Display>(nets: &[T]) -> Value {
  Value::Array(nets.iter().map(|n| Value::String(n.to_string())).collect())
}

/// One `# …` comment line of the text documents.
fn hash_line(out: &mut String, text: &str) {
  comment::push_line(out, Leader::Hash, text);
}
