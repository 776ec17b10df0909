//! Rules for text in a profile that are not Azure resource names: characters no
//! profile string may hold, length limits, the profile's own identifier, and DNS
//! names. Takes a string, returns what is wrong with it (a sentence) or nothing.
//! Never reads files and never decides which key a string belongs to.

/// The longest string a profile value may be (names have tighter rules of their own).
pub const MAX_STRING: usize = 1024;

/// The longest profile name.
pub const MAX_IDENTIFIER: usize = 64;

/// Characters that have no business in a profile: the hazards every output escapes
/// (`syntax::is_hazard`: controls, line separators, bidirectional formatting, BOM and
/// non-characters), tab, line feed and carriage return excepted, which only ever appear
/// outside values.
pub fn is_forbidden(c: char) -> bool {
  crate::syntax::is_hazard(c) && !matches!(c, '\t' | '\n' | '\r')
}

/// The first forbidden character of a value (tab, LF and CR included: no value needs them).
pub fn forbidden_in_value(s: &str) -> Option<(usize, char)> {
  s.char_indices()
    .find(|(_, c)| is_forbidden(*c) || matches!(c, '\t' | '\n' | '\r'))
}

/// Describe a character for a message: `U+202E`.
pub fn describe(c: char) -> String {
  format!("U+{:04X}", u32::from(c))
}

/// What is wrong with a profile name (or the file stem standing in for it).
pub fn identifier_problem(s: &str) -> Option<String> {
  let len = s.chars().count();
  if len == 0 || len > MAX_IDENTIFIER {
    return Some(format!(
      "a profile name is 1–{MAX_IDENTIFIER} characters; this one has {len}"
    ));
  }
  if let Some(c) = s
    .chars()
    .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
  {
    return Some(format!(
      "a profile name may contain only letters, digits, `-`, `_` and `.`; `{}` is not allowed",
      c.escape_default()
    ));
  }
  if !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
    return Some("a profile name starts with a letter or digit".into());
  }
  None
}

/// What is wrong with a DNS name: it must parse as a domain name (hickory-proto: at most
/// 255 octets, labels at most 63) and every label must be letters, digits and hyphens,
/// not starting or ending with a hyphen. `*` is accepted as the first label only when
/// `wildcard` is true. A final `.` is allowed.
pub fn dns_name_problem(s: &str, wildcard: bool) -> Option<String> {
  if s.is_empty() || s == "." {
    return Some("a DNS name needs at least one label".into());
  }
  if let Err(e) = hickory_proto::rr::Name::from_ascii(s) {
    return Some(format!("not a domain name ({e})"));
  }
  let body = s.strip_suffix('.').unwrap_or(s);
  for (i, label) in body.split('.').enumerate() {
    if label == "*" {
      if wildcard && i == 0 {
        continue;
      }
      return Some(if wildcard {
        "`*` may only be the first label".into()
      } else {
        "a wildcard is not allowed here".into()
      });
    }
    if label.is_empty() {
      return Some("a DNS name has no empty labels (`..`)".into());
    }
    if let Some(c) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
      return Some(format!(
        "DNS labels are letters, digits and hyphens; `{}` is not allowed",
        c.escape_default()
      ));
    }
    if label.starts_with('-') || label.ends_with('-') {
      return Some(format!("the label `{label}` starts or ends with a hyphen"));
    }
    if let Some(problem) = crate::syntax::dns::punycode_problem(label) {
      return Some(problem);
    }
  }
  None
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn text_rules() {
    assert!(forbidden_in_value("a\u{202e}b").is_some());
    assert!(forbidden_in_value("a\u{0}b").is_some());
    assert!(forbidden_in_value("a\u{85}b").is_some());
    assert!(forbidden_in_value("plain-name").is_none());
    assert!(identifier_problem("secure-workspace").is_none());
    assert!(identifier_problem("-x").is_some());
    assert!(identifier_problem("a b").is_some());
    assert!(dns_name_problem("ns1.contoso.internal", false).is_none());
    assert!(dns_name_problem("ns1.contoso.internal.", false).is_none());
    assert!(dns_name_problem("*.contoso.internal", false).is_some());
    assert!(dns_name_problem("*.contoso.internal", true).is_none());
    assert!(dns_name_problem("a.*.internal", true).is_some());
    assert!(dns_name_problem("ns1 .contoso", false).is_some());
    assert!(dns_name_problem("-ns1.contoso", false).is_some());
    assert!(dns_name_problem(&"a".repeat(64), false).is_some());
  }
}
