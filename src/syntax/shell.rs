//! bash: single-quoted words and comment lines.

use super::comment::{self, Leader};

/// One bash word whose value is `value`: single-quoted, each `'` written `'\''`.
///
/// Guarantee: bash reads the result as exactly one word with exactly `value` as its value;
/// nothing inside is expanded (`$`, backticks, `\`, globs, `!` history in scripts, newlines are
/// all literal). A NUL cannot be part of any word (arguments are C strings), so NULs are
/// dropped: the word is `value` without them. Works unchanged in POSIX sh.
pub fn quote(value: &str) -> String {
  let mut q = String::with_capacity(value.len() + 2);
  push_quote(&mut q, value);
  q
}

/// `quote`, appended to `out`.
pub fn push_quote(out: &mut String, value: &str) {
  out.push('\'');
  if !value.contains(['\'', '\0']) {
    out.push_str(value);
  } else {
    for c in value.chars() {
      match c {
        '\'' => out.push_str("'\\''"),
        '\0' => {}
        c => out.push(c),
      }
    }
  }
  out.push('\'');
}

/// A comment line for a bash script (`# …\n`); see `comment::line`.
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
  fn quotes() {
    assert_eq!(quote("*.x.com"), "'*.x.com'");
    assert_eq!(quote("it's"), "'it'\\''s'");
    assert_eq!(quote(""), "''");
    assert_eq!(quote("a\0b"), "'ab'");
    assert_eq!(quote("$(rm -rf /)\n`x`"), "'$(rm -rf /)\n`x`'");
  }
}
