//! YAML: scalars that are always strings, and comment lines.

use std::fmt::Write as _;

use super::comment::{self, Leader};
use super::is_hazard;

/// A double-quoted YAML scalar whose value is the string `value`.
///
/// `\` and `"` are backslash-escaped; `\0 \a \b \t \n \v \f \r \e` use their short escapes;
/// every other character outside YAML's printable set, or a `super::is_hazard`, is written
/// `\xXX` or `\uXXXX` (so U+0085, U+2028 and U+2029, which YAML 1.1 parsers treat as line
/// breaks, never appear raw).
///
/// Guarantee: one line; a YAML 1.1 or 1.2 parser reads it, as a value or a key, as the string
/// `value`, never a number, boolean, null, date, alias, tag, flow collection or comment.
pub fn string(value: &str) -> String {
  let mut q = String::with_capacity(value.len() + 2);
  push_string(&mut q, value);
  q
}

/// `string`, appended to `out`.
pub fn push_string(q: &mut String, value: &str) {
  q.push('"');
  for c in value.chars() {
    match c {
      '"' => q.push_str("\\\""),
      '\\' => q.push_str("\\\\"),
      '\0' => q.push_str("\\0"),
      '\x07' => q.push_str("\\a"),
      '\x08' => q.push_str("\\b"),
      '\t' => q.push_str("\\t"),
      '\n' => q.push_str("\\n"),
      '\x0B' => q.push_str("\\v"),
      '\x0C' => q.push_str("\\f"),
      '\r' => q.push_str("\\r"),
      '\x1B' => q.push_str("\\e"),
      c if is_hazard(c) || !printable(c) => {
        let n = u32::from(c);
        let _ = if n <= 0xFF {
          write!(q, "\\x{n:02X}")
        } else {
          write!(q, "\\u{n:04X}")
        };
      }
      c => q.push(c),
    }
  }
  q.push('"');
}

/// YAML 1.2's `c-printable`, less what needs no thought here (tab, line breaks are escaped above).
fn printable(c: char) -> bool {
  matches!(c, '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A comment line for a YAML file (`# …\n`); see `comment::line`.
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
  fn always_a_double_quoted_string() {
    assert_eq!(string("yes"), "\"yes\"");
    assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
    assert_eq!(
      string("x\n\u{85}\u{2028}\u{FFFE}\0"),
      r#""x\n\x85\u2028\uFFFE\0""#
    );
    assert_eq!(string("# not: a comment"), "\"# not: a comment\"");
  }
}
