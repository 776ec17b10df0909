//! Graphviz DOT: double-quoted strings for labels.
//!
//! In a DOT quoted string only `"` needs a backslash to stay inside it; but a label then
//! interprets backslash escapes (`\n`, `\l`, `\N`, `\G`, ...), so every backslash of the
//! value is doubled and reads back as one. Lines of a label are joined with `\n`, DOT's own
//! line break. Hazard characters (`super::is_hazard`: controls, line separators, bidi
//! controls) are written as their visible escape, with its backslash doubled too, so they
//! show as text and never break a line or reorder the label.

use super::{is_hazard, push_visible};

/// `lines` as one DOT quoted string (quotes included) that a label shows as those lines.
///
/// Guarantee: the result is exactly one DOT string token, whatever the lines hold: it starts
/// and ends with `"`, holds no unescaped `"`, no raw line break and no hazard character, and
/// every backslash in it is either doubled from the value or the `\n` between two lines.
pub fn label<S: AsRef<str>>(lines: &[S]) -> String {
  let mut out = String::from("\"");
  for (i, line) in lines.iter().enumerate() {
    if i > 0 {
      out.push_str("\\n");
    }
    for c in line.as_ref().chars() {
      match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        c if is_hazard(c) => {
          let mut shown = String::new();
          push_visible(&mut shown, c);
          out.push_str(&shown.replace('\\', "\\\\"));
        }
        c => out.push(c),
      }
    }
  }
  out.push('"');
  out
}
