//! JSON strings in ARM templates.
//!
//! JSON escaping itself is serde_json's job: serialize a typed `Serialize` struct (or a
//! `serde_json::Value`), never format JSON by hand. What serde_json does not know is that Azure Resource Manager
//! evaluates a template string that starts with `[` and ends with `]` as an expression
//! (`"[concat(...)]"`, `"[parameters('x')]"`). `arm_literal` is for every string value written
//! into an ARM template (`nsg/*.json`, `firewall/*.json`, `private-dns/*.json`: resource names,
//! rule names, descriptions, FQDNs, addresses, tags, metadata) that is meant as text, not as an
//! expression. Property names are never evaluated and need nothing. It does not apply to JSON
//! that ARM never reads (`manifest.json`, `compile --format json`, diff JSON).

/// The ARM template string whose deployed value is `value`: when `value` starts with `[` and
/// ends with `]` it gets one more leading `[` (ARM's escape, `[[x]` deploys as `[x]`); otherwise
/// it is unchanged (ARM evaluates nothing else, and `[[x` without a closing `]` would deploy
/// as written, so it must not be escaped).
///
/// Guarantee: ARM evaluates no expression in the result and deploys it as exactly `value`.
pub fn arm_literal(value: &str) -> String {
  if value.starts_with('[') && value.ends_with(']') {
    format!("[{value}")
  } else {
    value.to_string()
  }
}

/// `arm_literal` for serde: serializes as the JSON string `arm_literal(self.0)`, allocating
/// only when a `[` is to be added. For typed template structs serialized with serde_json.
#[derive(Clone, Copy, Debug)]
pub struct ArmLiteral<'a>(pub &'a str);

impl serde::Serialize for ArmLiteral<'_> {
  fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
    if self.0.starts_with('[') && self.0.ends_with(']') {
      serializer.serialize_str(&arm_literal(self.0))
    } else {
      serializer.serialize_str(self.0)
    }
  }
}

/// A string literal inside an ARM template expression amlnet writes
/// (`[resourceId('Microsoft.Network/privateDnsZones', 'zone')]`): single-quoted, each `'`
/// doubled (ARM's only escape in expression literals).
///
/// Guarantee: the expression reads the literal as exactly `value`; nothing in `value` can end
/// the literal or add to the expression. The JSON string around it is serde_json's to escape.
pub fn arm_expression_string(value: &str) -> String {
  let mut q = String::with_capacity(value.len() + 2);
  q.push('\'');
  for c in value.chars() {
    if c == '\'' {
      q.push('\'');
    }
    q.push(c);
  }
  q.push('\'');
  q
}

/// What ARM deploys for the template string `s` when it is not an expression (the inverse of
/// `arm_literal`); `None` when ARM would evaluate `s` as an expression. For tests and checkers.
pub fn arm_value(s: &str) -> Option<String> {
  if s.starts_with("[[") && s.ends_with(']') {
    Some(s[1..].to_string())
  } else if s.starts_with('[') && s.ends_with(']') {
    None
  } else {
    Some(s.to_string())
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn brackets_escaped_only_where_arm_would_evaluate() {
    assert_eq!(arm_literal("[concat('a','b')]"), "[[concat('a','b')]");
    assert_eq!(arm_literal("[test] value"), "[test] value");
    assert_eq!(arm_literal("[[x]"), "[[[x]");
    assert_eq!(arm_literal("[["), "[[");
    assert_eq!(arm_literal("[]"), "[[]");
    assert_eq!(arm_literal("[x"), "[x");
    assert_eq!(arm_literal("a[b]"), "a[b]");
    for s in [
      "[concat()]",
      "[[x]",
      "[",
      "]",
      "[]",
      "",
      "x",
      "[a] b",
      "[[",
      "[[]]",
    ] {
      assert_eq!(arm_value(&arm_literal(s)).as_deref(), Some(s), "{s}");
    }
    assert_eq!(arm_value("[x]"), None);
  }

  #[test]
  fn expression_strings_double_quotes_and_serde_escapes_brackets() {
    assert_eq!(arm_expression_string("a'b"), "'a''b'");
    assert_eq!(arm_expression_string("'), x('"), "'''), x('''");
    assert_eq!(
      serde_json::to_string(&[ArmLiteral("[x]"), ArmLiteral("y"), ArmLiteral("[z")]).unwrap(),
      r#"["[[x]","y","[z"]"#
    );
  }
}
