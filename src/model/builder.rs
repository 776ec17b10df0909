//! The model builder's plumbing: the problem list and the value parsers every table
//! uses (strings, choices, IPv4 addresses, CIDRs, GUIDs, counts, flags). Takes located
//! raw values, returns typed `Setting`s or records a problem; never reads files.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::{Access, Setting};
use crate::diagnostic::{did_you_mean, Problem, SourceMap, Span};
use crate::profile::Located;

/// Builds the model, collecting every problem instead of stopping at the first.
pub struct Builder<'a> {
  pub(super) map: &'a SourceMap,
  pub problems: Vec<Problem>,
}

impl<'a> Builder<'a> {
  pub fn new(map: &'a SourceMap) -> Self {
    Builder {
      map,
      problems: Vec::new(),
    }
  }

  pub(super) fn at(&self, span: &Span) -> String {
    self.map.location(span)
  }

  pub(super) fn setting<T>(&self, value: T, located: &Located<impl Sized>) -> Setting<T> {
    Setting {
      value,
      at: self.at(&located.span),
    }
  }

  pub(super) fn missing(&mut self, key: &str, table_span: Option<&Span>, hint: &str) {
    self.problems.push(
      Problem::error(
        "AML010",
        format!("missing required key `{key}`"),
        table_span.cloned(),
      )
      .hint(hint),
    );
  }

  pub(super) fn string(&mut self, v: &Option<Located<String>>, key: &str, hint: &str) -> Option<String> {
    match v {
      Some(l) if !l.value.trim().is_empty() => Some(l.value.clone()),
      Some(l) => {
        self
          .problems
          .push(Problem::error("AML011", format!("`{key}` is empty"), Some(l.span.clone())).hint(hint));
        None
      }
      None => {
        self.missing(key, None, hint);
        None
      }
    }
  }

  pub(super) fn choice<T: Copy>(
    &mut self,
    v: &Located<String>,
    key: &str,
    options: &[(&str, T)],
  ) -> Option<Setting<T>> {
    if let Some((_, t)) = options.iter().find(|(name, _)| *name == v.value) {
      return Some(self.setting(*t, v));
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let hint = match did_you_mean(&v.value, names.iter().copied()) {
      Some(s) => format!("did you mean `{s}`? allowed: {}", names.join(", ")),
      None => format!("allowed: {}", names.join(", ")),
    };
    self.problems.push(
      Problem::error(
        "AML012",
        format!("`{key}` cannot be `{}`", v.value),
        Some(v.span.clone()),
      )
      .hint(hint),
    );
    None
  }

  pub(super) fn ip(&mut self, v: &Located<String>, key: &str) -> Option<Setting<Ipv4Addr>> {
    match v.value.parse::<Ipv4Addr>() {
      Ok(ip) => Some(self.setting(ip, v)),
      Err(_) => {
        self.problems.push(
          Problem::error(
            "AML013",
            format!("`{key}` = `{}` is not an IPv4 address", v.value),
            Some(v.span.clone()),
          )
          .hint("write a dotted-quad address such as \"10.0.2.4\""),
        );
        None
      }
    }
  }

  pub(super) fn opt_ip(&mut self, v: &Option<Located<String>>, key: &str) -> Option<Setting<Ipv4Addr>> {
    v.as_ref().and_then(|v| self.ip(v, key))
  }

  pub(super) fn cidr(&mut self, v: &Located<String>, key: &str) -> Option<Setting<Ipv4Net>> {
    match v.value.parse::<Ipv4Net>() {
      Ok(net) if net.trunc() == net => Some(self.setting(net, v)),
      Ok(net) => {
        self.problems.push(
          Problem::error(
            "AML014",
            format!("`{key}` = `{}` has host bits set", v.value),
            Some(v.span.clone()),
          )
          .hint(format!("did you mean `{}`?", net.trunc())),
        );
        None
      }
      Err(_) => {
        self.problems.push(
          Problem::error(
            "AML014",
            format!("`{key}` = `{}` is not an IPv4 CIDR block", v.value),
            Some(v.span.clone()),
          )
          .hint("write a network address and prefix length such as \"10.0.0.0/24\""),
        );
        None
      }
    }
  }

  pub(super) fn guid(&mut self, v: &Located<String>, key: &str) -> Option<String> {
    let s = v.value.to_ascii_lowercase();
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
      && groups
        .iter()
        .zip(lens)
        .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
      return Some(s);
    }
    self.problems.push(
      Problem::error("AML015", format!("`{key}` = `{}` is not a GUID", v.value), Some(v.span.clone()))
        .hint("write the workspace or registry ID as 8-4-4-4-12 hex digits, e.g. 0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b"),
    );
    None
  }

  pub(super) fn count(&mut self, v: &Located<i64>, key: &str, min: i64, max: i64) -> Option<u32> {
    if (min..=max).contains(&v.value) {
      return u32::try_from(v.value).ok();
    }
    self.problems.push(
      Problem::error(
        "AML016",
        format!("`{key}` = {} is out of range", v.value),
        Some(v.span.clone()),
      )
      .hint(format!("use a whole number from {min} to {max}")),
    );
    None
  }

  pub(super) fn flag(&self, v: &Option<Located<bool>>, default: bool) -> Setting<bool> {
    match v {
      Some(l) => self.setting(l.value, l),
      None => Setting {
        value: default,
        at: String::new(),
      },
    }
  }

  pub(super) fn opt_flag(&self, v: &Option<Located<bool>>) -> Option<Setting<bool>> {
    v.as_ref().map(|l| self.setting(l.value, l))
  }

  pub(super) fn access(
    &mut self,
    v: &Option<Located<String>>,
    key: &str,
    default: Access,
  ) -> Setting<Access> {
    const ACCESS: &[(&str, Access)] = &[
      ("private-endpoint", Access::PrivateEndpoint),
      ("service-endpoint", Access::ServiceEndpoint),
      ("public", Access::Public),
    ];
    match v {
      Some(v) => self.choice(v, key, ACCESS).unwrap_or(Setting {
        value: default,
        at: String::new(),
      }),
      None => Setting {
        value: default,
        at: String::new(),
      },
    }
  }

  pub(super) fn enabled(&mut self, v: &Option<Located<String>>, key: &str, default: bool) -> Setting<bool> {
    const PNA: &[(&str, bool)] = &[("enabled", true), ("disabled", false)];
    match v {
      Some(v) => self.choice(v, key, PNA).unwrap_or(Setting {
        value: default,
        at: String::new(),
      }),
      None => Setting {
        value: default,
        at: String::new(),
      },
    }
  }
}
