//! The model builder's plumbing: the problem list and the value parsers every table
//! uses (strings, choices, IPv4 addresses, CIDRs, GUIDs, counts, flags). Takes located
//! raw values, returns typed `Setting`s or records a problem; never reads files.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::names::NameRule;
use super::text;
use super::{Access, Setting, ACCESS, PUBLIC_NETWORK_ACCESS};
use crate::diagnostic::{did_you_mean, Problem, SourceMap, Span};
use crate::profile::{Located, RawProfile, Strings};

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

  /// "name:line:col" of a span, as the IR records it.
  pub(super) fn at(&self, span: &Span) -> String {
    self.map.location(span)
  }

  pub(super) fn setting<T>(&self, value: T, located: &Located<impl Sized>) -> Setting<T> {
    Setting {
      value,
      at: self.at(&located.span),
    }
  }

  /// A required key is absent: located at the table that should hold it, or at the top
  /// of the profile when the table itself is absent (every error carries a location).
  pub(super) fn missing(&mut self, key: &str, table_span: Option<&Span>, hint: &str) {
    let top = Span { file: 0, range: 0..0 };
    self.problems.push(
      Problem::error(
        "AML010",
        format!("missing required key `{key}`"),
        Some(table_span.cloned().unwrap_or(top)),
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
    match v {
      Some(v) => self.choice(v, key, PUBLIC_NETWORK_ACCESS).unwrap_or(Setting {
        value: default,
        at: String::new(),
      }),
      None => Setting {
        value: default,
        at: String::new(),
      },
    }
  }

  /// A required name that must follow `rule`.
  pub(super) fn name(
    &mut self,
    v: &Option<Located<String>>,
    key: &str,
    rule: &NameRule,
    hint: &str,
  ) -> Option<String> {
    let name = self.string(v, key, hint)?;
    self.follows(v.as_ref()?, key, rule).then_some(name)
  }

  /// An optional name that must follow `rule`, kept with its location.
  pub(super) fn opt_name(
    &mut self,
    v: &Option<Located<String>>,
    key: &str,
    rule: &NameRule,
  ) -> Option<Setting<String>> {
    let l = v.as_ref()?;
    self
      .follows(l, key, rule)
      .then(|| self.setting(l.value.clone(), l))
  }

  /// Whether a located name follows `rule`; records AML020 when it does not.
  pub(super) fn follows(&mut self, l: &Located<String>, key: &str, rule: &NameRule) -> bool {
    if text::forbidden_in_value(&l.value).is_some() || l.value.chars().count() > text::MAX_STRING {
      return false; // already reported by `text`
    }
    let Some(why) = rule.broken_by(&l.value) else {
      return true;
    };
    self.problems.push(
      Problem::error(
        "AML020",
        format!(
          "`{key}` = `{}` is not a valid {} name",
          shown(&l.value),
          rule.what
        ),
        Some(l.span.clone()),
      )
      .hint(why),
    );
    false
  }

  /// A name amlnet makes up (from the file stem or the workspace name) must follow the
  /// rule too; the problem points at the start of the profile and says which key to set.
  pub(super) fn derived_name(&mut self, name: &str, key: &str, rule: &NameRule) {
    if let Some(why) = rule.broken_by(name) {
      self.problems.push(
        Problem::error(
          "AML020",
          format!(
            "the default `{key}` = `{}` is not a valid {} name",
            shown(name),
            rule.what
          ),
          Some(start_of_profile()),
        )
        .hint(format!("{why}; set `{key}`")),
      );
    }
  }

  /// Text rules that hold for every string value, whatever its key: no control or
  /// bidirectional-formatting characters, and at most `text::MAX_STRING` characters.
  pub(super) fn text(&mut self, raw: &RawProfile) {
    let mut strings = Vec::new();
    raw.strings(&mut strings);
    for l in strings {
      if let Some((_, c)) = text::forbidden_in_value(&l.value) {
        self.problems.push(
          Problem::error(
            "AML019",
            format!("a string holds the control or formatting character {}", text::describe(c)),
            Some(l.span.clone()),
          )
          .hint("remove it: control, line-separator and bidirectional-override characters hide what a value really is"),
        );
      } else if l.value.chars().count() > text::MAX_STRING {
        self.problems.push(
          Problem::error(
            "AML018",
            format!(
              "a string of {} characters is longer than the limit of {}",
              l.value.chars().count(),
              text::MAX_STRING
            ),
            Some(l.span.clone()),
          )
          .hint("no profile value needs to be this long; names have tighter limits of their own"),
        );
      }
    }
  }

  /// The profile name: `name` when set, else the file stem; either must be an identifier.
  pub(super) fn profile_name(&mut self, raw: &RawProfile, stem: &str) -> Option<String> {
    let (value, span, hint) = match &raw.name {
      Some(n) => (
        n.value.as_str(),
        n.span.clone(),
        "profile names are used in file headers and default resource names",
      ),
      None => (
        stem,
        start_of_profile(),
        "the file name stands in for the profile name: set `name = \"...\"` at the top of the profile",
      ),
    };
    let Some(why) = text::identifier_problem(value) else {
      return Some(value.to_string());
    };
    let what = if raw.name.is_some() {
      "profile name"
    } else {
      "file name (no `name` is set)"
    };
    self.problems.push(
      Problem::error(
        "AML021",
        format!("the {what} `{}` is not an identifier", shown(value)),
        Some(span),
      )
      .hint(format!("{why}; {hint}")),
    );
    None
  }

  /// A DNS name; `*` as the first label only when `wildcard`.
  pub(super) fn dns_name(&mut self, l: &Located<String>, key: &str, wildcard: bool) -> Option<String> {
    let Some(why) = text::dns_name_problem(&l.value, wildcard) else {
      return Some(l.value.clone());
    };
    self.problems.push(
      Problem::error(
        "AML022",
        format!("`{key}` = `{}` is not a valid DNS name", shown(&l.value)),
        Some(l.span.clone()),
      )
      .hint(why),
    );
    None
  }

  /// A key the profile format accepts for compatibility but amlnet does not act on.
  pub(super) fn unsupported<T>(&mut self, v: &Option<Located<T>>, key: &str, why: &str) {
    if let Some(l) = v {
      self.problems.push(
        Problem::error(
          "AML023",
          format!("`{key}` is not supported"),
          Some(l.span.clone()),
        )
        .hint(format!("{why}; remove the key")),
      );
    }
  }
}

/// The first byte of the profile named on the command line, for problems about values
/// amlnet derives (a default name from the file stem) rather than reads.
pub(super) fn start_of_profile() -> Span {
  Span { file: 0, range: 0..0 }
}

/// A value as shown in a message: escaped, and cut at 80 characters.
pub(super) fn shown(s: &str) -> String {
  let escaped = crate::syntax::escape_hazards(s);
  match escaped.char_indices().nth(80) {
    Some((i, _)) => format!("{}...", &escaped[..i]),
    None => escaped.into_owned(),
  }
}
