//! Markdown (CommonMark with GitHub tables): code spans, text, table cells, comments.

use super::{comment as line_comment, is_hazard, visible};

/// Line breaks of every kind, which would end a table row or a paragraph.
fn line_break(c: char) -> bool {
  matches!(
    c,
    '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
  )
}

/// An inline code span showing `value`.
///
/// Every `super::is_hazard` character (line breaks, controls, bidi controls) is shown as its
/// visible escape (`\n`, `\u{202E}`); the fence is one backtick longer than the longest run of
/// backticks inside, and one space pads each side when the content starts or ends with a
/// backtick or with spaces on both ends (CommonMark strips exactly that space again).
///
/// Guarantee: one code span on one line, shown as exactly `value` (hazards as escapes); no
/// emphasis, link, HTML or `<!--` inside is interpreted. Empty `value` gives `""`. Inside a
/// table cell use `code_cell`, since a `|` still splits cells there.
pub fn code(value: &str) -> String {
  if value.is_empty() {
    return String::new();
  }
  let content = line_comment::text(value);
  let mut longest = 0;
  let mut run = 0;
  for c in content.chars() {
    run = if c == '`' { run + 1 } else { 0 };
    longest = longest.max(run);
  }
  let fence = "`".repeat(longest + 1);
  let all_spaces = content.chars().all(|c| c == ' ');
  let pad = content.starts_with('`')
    || content.ends_with('`')
    || (content.starts_with(' ') && content.ends_with(' ') && !all_spaces);
  let pad = if pad { " " } else { "" };
  format!("{fence}{pad}{content}{pad}{fence}")
}

/// `code` for a GitHub table cell: `|` is written `\|`, which the table parser turns back
/// into `|` before the code span is read.
///
/// Guarantee: one cell, shown as `value`. A `\` right before a `|` cannot be written in a
/// code span in a table (the table parser reads `\\|` as a backslash and a cell boundary), so
/// such a value is written as `cell(value)`: the same text, not in monospace.
pub fn code_cell(value: &str) -> String {
  let mut out = String::with_capacity(value.len() + 2);
  push_code_cell(&mut out, value);
  out
}

/// `code_cell`, appended to `out`. A value of plain characters (no backtick, pipe, space at
/// either end or hazard) is the common case and is written without building the span.
pub fn push_code_cell(out: &mut String, value: &str) {
  let plain = !value.is_empty()
    && !value.starts_with(' ')
    && !value.ends_with(' ')
    && !value.contains(|c: char| c == '`' || c == '|' || is_hazard(c));
  if plain {
    out.push('`');
    out.push_str(value);
    out.push('`');
  } else if value.contains("\\|") {
    push_text(out, value);
  } else {
    out.push_str(&code(value).replace('|', "\\|"));
  }
}

/// Plain inline text showing `value` as written.
///
/// Every ASCII punctuation character is backslash-escaped, except `<`, `>` and `&`, which
/// become `&lt;`, `&gt;`, `&amp;` (so `<!--` cannot hide what follows, and no HTML or entity is
/// read); line breaks of every kind become `<br>`; other `super::is_hazard` characters are
/// shown as visible escapes.
///
/// Guarantee: one line, shown as exactly `value` (line breaks as breaks); no emphasis, link,
/// code span, HTML, heading, list, quote or table syntax inside is interpreted, and a `|`
/// cannot end a table cell.
pub fn text(value: &str) -> String {
  let mut out = String::with_capacity(value.len() + value.len() / 4);
  push_text(&mut out, value);
  out
}

/// `text`, appended to `out`. Runs of characters that need no escape are copied whole (ASCII
/// letters, digits and spaces are recognised by byte; anything else is looked at as a char).
pub fn push_text(out: &mut String, value: &str) {
  let bytes = value.as_bytes();
  let (mut start, mut i) = (0, 0);
  while i < bytes.len() {
    let b = bytes[i];
    if b.is_ascii_alphanumeric() || b == b' ' {
      i += 1;
      continue;
    }
    let c = value[i..].chars().next().unwrap_or_default();
    let len = c.len_utf8();
    let special = c.is_ascii_punctuation() || line_break(c) || is_hazard(c);
    if special {
      out.push_str(&value[start..i]);
      if c == '\r' && bytes.get(i + 1) == Some(&b'\n') {
        // CR LF is one line break: the LF writes it.
      } else if line_break(c) {
        out.push_str("<br>");
      } else if is_hazard(c) {
        visible(c).chars().for_each(|v| punct(out, v));
      } else {
        punct(out, c);
      }
      start = i + len;
    }
    i += len;
  }
  out.push_str(&value[start..]);
}

fn punct(out: &mut String, c: char) {
  match c {
    '<' => out.push_str("&lt;"),
    '>' => out.push_str("&gt;"),
    '&' => out.push_str("&amp;"),
    c if c.is_ascii_punctuation() => {
      out.push('\\');
      out.push(c);
    }
    c => out.push(c),
  }
}

/// Text for a GitHub table cell: `text` (whose `\|` keeps pipes inside the cell and whose
/// `<br>` keeps line breaks inside the row).
///
/// Guarantee: exactly one cell, shown as `value`.
pub fn cell(value: &str) -> String {
  text(value)
}

/// A cited document as text, its URL (see `crate::ir::split_url`) as an autolink.
///
/// Guarantee: one line; the citation shown as written (`push_text`), and a link only to an
/// `https://` URL of plain URL characters (no space, `<`, `>` or `|`, so it cannot leave the
/// autolink or a table cell).
pub fn push_document(out: &mut String, source: &str) {
  let (cite, url) = crate::ir::split_url(source);
  push_text(out, cite);
  if let Some(url) = url {
    out.push_str(" <");
    out.push_str(url);
    out.push('>');
  }
}

/// An HTML comment line `<!-- … -->\n` holding `value`: hazards as visible escapes, `>` as
/// `&gt;` and every `--` broken up as `- -`, so nothing inside can close or nest the comment.
///
/// Guarantee: one line, all of it one comment, invisible in the rendered document.
pub fn comment(value: &str) -> String {
  let mut body = line_comment::text(value).replace('>', "&gt;");
  while body.contains("--") {
    body = body.replace("--", "- -");
  }
  format!("<!-- {body} -->\n")
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn code_spans_cannot_be_broken_out_of() {
    assert_eq!(code("a.b"), "`a.b`");
    assert_eq!(code("a`b"), "``a`b``");
    assert_eq!(code("``x"), "``` ``x ```");
    assert_eq!(code("x`"), "`` x` ``");
    assert_eq!(code(" a "), "`  a  `");
    assert_eq!(code("a\n\nb"), "`a\\n\\nb`");
    assert_eq!(code("<!-- x"), "`<!-- x`");
    assert_eq!(code(""), "");
    assert_eq!(code_cell("a|b"), "`a\\|b`");
    assert_eq!(code_cell("a\\|b"), "a\\\\\\|b");
  }

  #[test]
  fn text_and_cells_escape_markup() {
    assert_eq!(
      text("*x* _y_ [l](u) `c`"),
      "\\*x\\* \\_y\\_ \\[l\\]\\(u\\) \\`c\\`"
    );
    assert_eq!(text("<!-- hide"), "&lt;\\!\\-\\- hide");
    assert_eq!(text("a|b\nc\r\nd"), "a\\|b<br>c<br>d");
    assert_eq!(text("# h"), "\\# h");
    assert_eq!(text("&amp;"), "&amp;amp\\;");
    assert_eq!(text("\u{202E}"), "\\\\u\\{202E\\}");
    assert_eq!(cell("a\\|b"), "a\\\\\\|b");
  }

  #[test]
  fn documents_link_only_plain_https_urls() {
    let mut out = String::new();
    push_document(&mut out, "a.md § 1 <https://learn.microsoft.com/x-y>");
    assert_eq!(out, "a\\.md § 1 <https://learn.microsoft.com/x-y>");
    for hostile in [
      "a <javascript:x>",
      "a <https://x|y>",
      "a <https://x y>",
      "a <https://>",
      "a<https://x>",
    ] {
      let mut out = String::new();
      push_document(&mut out, hostile);
      assert_eq!(out, text(hostile), "{hostile}");
    }
  }

  #[test]
  fn comments_cannot_close_early() {
    assert_eq!(comment("a --> b"), "<!-- a - -&gt; b -->\n");
    assert_eq!(comment("---"), "<!-- - - - -->\n");
    let c = comment("x\n-->--!>");
    let body = &c["<!--".len()..c.len() - "-->\n".len()];
    assert!(
      !body.contains("--") && !body.contains('>') && !body.contains('\n'),
      "{c}"
    );
  }
}
