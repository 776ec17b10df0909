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
//!
//! `document` is how every JSON file and JSON output amlnet writes is laid out.

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

/// A JSON document as amlnet writes every one (IR, manifest, reports, `--format json`):
/// pretty-printed, one final newline, and no hazard character raw (`super::is_hazard`).
/// serde_json escapes C0 controls inside strings but writes DEL, C1, U+2028/2029 and bidi
/// controls raw; outside strings there is only ASCII punctuation, spaces and the layout's
/// `\n`s, so every other hazard is inside a string, where `\uXXXX` is the same value.
///
/// Guarantee: the result parses back to `value`'s JSON and shows on a terminal in the order
/// it is stored. Plain data with string keys cannot fail to serialize; were it to, the
/// result is empty rather than a panic.
pub fn document<T: serde::Serialize + ?Sized>(value: &T) -> String {
  document_sized(value, 0)
}

/// `document`, written into a buffer of `capacity` bytes to start with (the ARM backends know
/// their templates' size within a factor of two and save the regrowth).
pub fn document_sized<T: serde::Serialize + ?Sized>(value: &T, capacity: usize) -> String {
  use std::fmt::Write as _;
  let mut buf = Vec::with_capacity(capacity);
  if serde_json::to_writer_pretty(&mut buf, value).is_err() {
    buf.clear();
  }
  let mut s = String::from_utf8(buf).unwrap_or_default();
  if !hazard_besides_newline(&s) {
    s.push('\n');
    return s;
  }
  let mut out = String::with_capacity(s.len() + 16);
  let mut rest = s.as_str();
  while let Some(at) = rest.find(|c| c != '\n' && super::is_hazard(c)) {
    out.push_str(&rest[..at]);
    let c = rest[at..].chars().next().unwrap_or_default();
    let _ = write!(out, "\\u{:04x}", u32::from(c));
    rest = &rest[at + c.len_utf8()..];
  }
  out.push_str(rest);
  out.push('\n');
  out
}

/// Does `s`, serde_json's text, hold a hazard other than the line feeds of its layout?
/// serde_json escapes every C0 control inside strings; what can reach here raw is DEL and
/// non-ASCII text, found by its (lead) bytes with memchr's SIMD search: DEL 7F, U+0080–U+009F
/// C2, U+061C D8, U+200E–U+2069 E2, U+FEFF/U+FFFE/U+FFFF EF. Typographic text (dashes,
/// arrows, "×") is common in descriptions; looking at every character of every document was
/// a tenth of a fleet's run.
fn hazard_besides_newline(s: &str) -> bool {
  let at = |i: usize| s[i..].chars().next().is_some_and(super::is_hazard);
  let bytes = s.as_bytes();
  memchr::memchr3_iter(0x7f, 0xc2, 0xe2, bytes).any(at) || memchr::memchr2_iter(0xd8, 0xef, bytes).any(at)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn no_document_carries_a_hazard_whatever_the_string() {
    // Every character, inside a string value and a key: the layout's line feeds are the
    // only control characters left, and nothing else `is_hazard` stays raw.
    for c in (0..=0x10ffff).filter_map(char::from_u32) {
      let text = format!("a{c}b");
      let doc = document(&serde_json::json!({ &text: text }));
      assert!(
        !doc.chars().any(|d| d != '\n' && crate::syntax::is_hazard(d)),
        "{c:?}: {doc}"
      );
    }
    assert!(!hazard_besides_newline("{\n  \"a\": \"x – y → z ×\"\n}"));
  }

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
