//! Terraform (HCL native syntax): string literals and comment lines.

use std::fmt::Write as _;

use super::comment::{self, Leader};
use super::is_hazard;

/// A quoted HCL string literal whose value is `value`.
///
/// `\` and `"` are backslash-escaped; newline, CR and tab become `\n`, `\r`, `\t`; every other
/// `super::is_hazard` character (controls, NUL, DEL, C1, U+2028/2029, bidi controls) becomes
/// `\uXXXX`; `${` and `%{`, which would open an interpolation or a template directive, become
/// `$${` and `%%{`.
///
/// Guarantee: the literal is one line, parses as one template with no interpolation and no
/// directive, and evaluates to exactly `value`.
pub fn string(value: &str) -> String {
  let mut q = String::with_capacity(value.len() + 2);
  push_string(&mut q, value);
  q
}

/// `string`, appended to `out`.
pub fn push_string(q: &mut String, value: &str) {
  q.push('"');
  // Fast path: nothing to escape, the value goes in as one slice.
  if !value
    .chars()
    .any(|c| matches!(c, '"' | '\\' | '{') || is_hazard(c))
  {
    q.push_str(value);
    q.push('"');
    return;
  }
  let mut chars = value.chars().peekable();
  while let Some(c) = chars.next() {
    match c {
      '"' => q.push_str("\\\""),
      '\\' => q.push_str("\\\\"),
      '\n' => q.push_str("\\n"),
      '\r' => q.push_str("\\r"),
      '\t' => q.push_str("\\t"),
      '$' | '%' if chars.peek() == Some(&'{') => {
        q.push(c);
        q.push(c);
      }
      c if is_hazard(c) => {
        let _ = write!(q, "\\u{:04x}", u32::from(c));
      }
      c => q.push(c),
    }
  }
  q.push('"');
}

/// A comment line for a Terraform file (`# …\n`); see `comment::line`.
pub fn comment(text: &str) -> String {
  comment::line(Leader::Hash, text)
}

/// `comment`, appended to `out`.
pub fn push_comment(out: &mut String, text: &str) {
  comment::push_line(out, Leader::Hash, text);
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn escapes_templates_quotes_and_controls() {
    assert_eq!(
      string("a \"b\" ${c} %{d} $e \\"),
      r#""a \"b\" $${c} %%{d} $e \\""#
    );
    assert_eq!(string("$${x}"), r#""$$${x}""#);
    assert_eq!(string("l1\nl2\u{85}\u{202e}\0"), r#""l1\nl2\u0085\u202e\u0000""#);
  }
}
