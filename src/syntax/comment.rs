//! Single-line comments for the line-comment syntaxes (`#`, `//`, `;`).

use super::is_hazard;

/// A line-comment leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leader {
  /// `#`: bash, HCL, YAML, unbound, dnsmasq, Corefile, PowerShell, text lists.
  Hash,
  /// `//`: Bicep, BIND named.conf.
  Slashes,
  /// `;`: DNS zone files.
  Semicolon,
  /// `%%`: Mermaid.
  Percent,
}

impl Leader {
  pub fn as_str(self) -> &'static str {
    match self {
      Leader::Hash => "#",
      Leader::Slashes => "//",
      Leader::Semicolon => ";",
      Leader::Percent => "%%",
    }
  }
}

/// `text` made fit for the rest of a comment line: every `super::is_hazard` character (line
/// breaks of any kind incl. U+0085/U+2028/U+2029, other controls, NUL, DEL, C1, bidi controls)
/// becomes its visible escape (`\n`, `\u{202E}`, …); everything else is kept.
///
/// Guarantee: the result holds no character any of our syntaxes (or a Unicode-aware editor)
/// treats as the end of a line, so it cannot end the comment it is put in.
pub fn text(text: &str) -> String {
  let mut out = String::with_capacity(text.len());
  push_text(&mut out, text);
  out
}

/// `text`, appended to `out`.
pub fn push_text(out: &mut String, text: &str) {
  // Runs without a hazard are copied whole; only hazards are looked at one by one.
  let mut rest = text;
  while let Some(at) = rest.find(is_hazard) {
    out.push_str(&rest[..at]);
    let c = rest[at..].chars().next().unwrap_or_default();
    super::push_visible(out, c);
    rest = &rest[at + c.len_utf8()..];
  }
  out.push_str(rest);
}

/// One whole comment line: `{leader} {text}\n`, `text` passed through `text`.
///
/// Guarantee: exactly one line (one `\n`, at the end), all of it comment in every syntax that
/// uses this leader, whatever `text` holds. The line starts with the leader, so it is also a
/// comment where comments must start a line (dnsmasq).
pub fn line(leader: Leader, body: &str) -> String {
  let mut out = String::with_capacity(body.len() + 4);
  push_line(&mut out, leader, body);
  out
}

/// `line`, appended to `out` (which should end in a line break or be empty).
pub fn push_line(out: &mut String, leader: Leader, body: &str) {
  out.push_str(leader.as_str());
  out.push(' ');
  push_text(out, body);
  out.push('\n');
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn line_breaks_and_controls_become_visible() {
    assert_eq!(line(Leader::Hash, "a\nb"), "# a\\nb\n");
    assert_eq!(line(Leader::Semicolon, "a\r\nb"), "; a\\r\\nb\n");
    assert_eq!(
      line(Leader::Slashes, "x\u{2028}y\u{85}z\0"),
      "// x\\u{2028}y\\u{0085}z\\u{0000}\n"
    );
    assert_eq!(text("\u{202E}evil\u{7F}"), "\\u{202E}evil\\u{007F}");
    assert_eq!(text("plain — ünïcode $(x) `y`"), "plain — ünïcode $(x) `y`");
  }
}
