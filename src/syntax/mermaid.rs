//! Mermaid flowchart labels: `"..."` strings in node shapes, edge labels and subgraph titles.
//!
//! Mermaid has no backslash escapes; it has entity codes (`#35;` for `#`, `#quot;`), which it
//! decodes inside labels. So every character outside a small plain set (letters, digits,
//! space and `.,:/_*+=@-`) is written as its decimal entity `#NNN;`: quotes, brackets,
//! pipes, angle brackets, `&`, `;`, `#`, backticks and every non-ASCII character alike, so
//! nothing in a value can end the label, open a shape, start a link, or be read as HTML or
//! Markdown. Lines are joined with `<br>`, Mermaid's line break. Hazard characters are written
//! as their visible escape (`\n`, `\u{202E}`), whose backslash and braces are entities too.

use super::{is_hazard, push_visible};

/// Characters written as they are.
fn plain(c: char) -> bool {
  c.is_ascii_alphanumeric() || " .,:/_*+=@-".contains(c)
}

/// `lines` as one Mermaid quoted label (quotes included) that shows as those lines.
///
/// Guarantee: the result starts and ends with `"` and between them holds only `plain`
/// characters, `#`, `;` and digits of entity codes, and the `<br>` between lines, so it is
/// one label token whatever the lines hold.
pub fn label<S: AsRef<str>>(lines: &[S]) -> String {
  let mut out = String::from("\"");
  for (i, line) in lines.iter().enumerate() {
    if i > 0 {
      out.push_str("<br>");
    }
    for c in line.as_ref().chars() {
      if is_hazard(c) {
        let mut shown = String::new();
        push_visible(&mut shown, c);
        shown.chars().for_each(|c| push_char(&mut out, c));
      } else {
        push_char(&mut out, c);
      }
    }
  }
  out.push('"');
  out
}

fn push_char(out: &mut String, c: char) {
  if plain(c) {
    out.push(c);
  } else {
    out.push_str(&format!("#{};", u32::from(c)));
  }
}
