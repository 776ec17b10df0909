//! PowerShell: single-quoted strings and comment lines.

use super::comment::{self, Leader};
use super::is_hazard;

/// A PowerShell single-quoted (verbatim) string whose value is `value`.
///
/// PowerShell ends a single-quoted string at any of `'` U+2018 U+2019 U+201A U+201B, and reads
/// each of them doubled as one literal quote: every one is doubled. Nothing else is special
/// inside (`$`, backticks are literal). Line breaks and other `super::is_hazard` characters
/// cannot be written in a verbatim string without leaving one line, so such a `value` is
/// written as a parenthesised concatenation with `[char]0xXXXX` for each of them.
///
/// Guarantee: one expression on one line that evaluates to exactly `value`, with no expansion.
pub fn string(value: &str) -> String {
  let mut parts: Vec<String> = Vec::new();
  let mut lit = String::new();
  for c in value.chars() {
    if is_hazard(c) {
      parts.push(format!("'{lit}'"));
      lit.clear();
      parts.push(format!("[char]0x{:04X}", u32::from(c)));
    } else {
      if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
        lit.push(c);
      }
      lit.push(c);
    }
  }
  if parts.is_empty() {
    return format!("'{lit}'");
  }
  parts.push(format!("'{lit}'"));
  format!("({})", parts.join(" + "))
}

/// A comment line for a PowerShell script (`# …\n`); see `comment::line`.
pub fn comment(text: &str) -> String {
  comment::line(Leader::Hash, text)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn quotes_every_quote_kind() {
    assert_eq!(string("it's $x `n"), "'it''s $x `n'");
    assert_eq!(string("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
    assert_eq!(string("a\nb"), "('a' + [char]0x000A + 'b')");
  }
}
