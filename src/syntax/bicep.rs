//! Bicep: string literals and comment lines.

use std::fmt::Write as _;

use super::comment::{self, Leader};
use super::is_hazard;

/// A single-quoted Bicep string literal whose value is `value`.
///
/// `'` is written `\'` and `\` as `\u{5C}`; newline, CR and tab become `\n`, `\r`, `\t`; a `$`
/// before `{` (which would open `${…}` interpolation) becomes `\$`; every other
/// `super::is_hazard` character becomes `\u{X}`.
///
/// Guarantee: the literal is one line, has no interpolation, and evaluates to exactly `value`.
pub fn string(value: &str) -> String {
  let mut q = String::with_capacity(value.len() + 2);
  push_string(&mut q, value);
  q
}

/// `string`, appended to `out`.
pub fn push_string(q: &mut String, value: &str) {
  q.push('\'');
  // Fast path: nothing to escape, the value goes in as one slice.
  if !value
    .chars()
    .any(|c| matches!(c, '\\' | '\'' | '{') || is_hazard(c))
  {
    q.push_str(value);
    q.push('\'');
    return;
  }
  let mut chars = value.chars().peekable();
  while let Some(c) = chars.next() {
    match c {
      // `\u{5C}`, not `\\`: the same value, and pycep (checkov's Bicep parser) misreads `\\'`.
      '\\' => q.push_str("\\u{5C}"),
      '\'' => q.push_str("\\'"),
      '\n' => q.push_str("\\n"),
      '\r' => q.push_str("\\r"),
      '\t' => q.push_str("\\t"),
      '$' if chars.peek() == Some(&'{') => q.push_str("\\$"),
      c if is_hazard(c) => {
        let _ = write!(q, "\\u{{{:X}}}", u32::from(c));
      }
      c => q.push(c),
    }
  }
  q.push('\'');
}

/// A comment line for a Bicep file (`// …\n`); see `comment::line`.
pub fn comment(text: &str) -> String {
  comment::line(Leader::Slashes, text)
}

/// `comment`, appended to `out`.
pub fn push_comment(out: &mut String, text: &str) {
  comment::push_line(out, Leader::Slashes, text);
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn escapes_interpolation_quotes_and_controls() {
    assert_eq!(string("it's ${x} \\ $y"), r"'it\'s \${x} \u{5C} $y'");
    assert_eq!(string("a\nb\u{2028}\0"), r"'a\nb\u{2028}\u{0}'");
    assert_eq!(string("'''"), r"'\'\'\''");
  }
}
