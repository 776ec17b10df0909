//! DNS names and TXT strings for zone files and forwarder configs.
//!
//! Forwarder configs (BIND `zone "…"`, unbound `name: "…"`, dnsmasq `server=/…/`, Corefile,
//! PowerShell) have no escape for a dot, space, quote or slash inside a label, so the only safe
//! names there are host names: `host_name` checks that and is the one function here that can
//! refuse (an `Err` for the caller to report; it decides nothing else).

use std::fmt::Write as _;

use hickory_proto::rr::Name;

/// Parse a DNS name written without or with a trailing dot, accepting only host-name syntax:
/// labels of letters, digits and inner hyphens, 1..=63 octets, at most 253 characters, and `*`
/// only as the whole leftmost label when `wildcard` is set.
///
/// Guarantee: an `Ok` name's text (`text(&name)`) holds only `[a-z0-9.*-]`, so it is safe
/// unquoted or inside any quotes in every zone-file and forwarder syntax and as a file name.
pub fn host_name(text: &str, wildcard: bool) -> Result<Name, String> {
  let bare = text.strip_suffix('.').unwrap_or(text);
  if bare.is_empty() {
    return Err("empty name".to_string());
  }
  if bare.len() > 253 {
    return Err(format!("{} characters, more than 253", bare.len()));
  }
  for (i, label) in bare.split('.').enumerate() {
    if label == "*" {
      if !wildcard {
        return Err("a wildcard is not allowed here".to_string());
      }
      if i > 0 {
        return Err("`*` is allowed only as the leftmost label".to_string());
      }
      continue;
    }
    if label.is_empty() {
      return Err("empty label".to_string());
    }
    if label.len() > 63 {
      return Err(format!(
        "label `{label}` has {} characters, more than 63",
        label.len()
      ));
    }
    if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
      return Err(format!(
        "label `{label}` has a character other than a letter, a digit or `-`"
      ));
    }
    if label.starts_with('-') || label.ends_with('-') {
      return Err(format!("label `{label}` starts or ends with `-`"));
    }
    if let Some(problem) = punycode_problem(label) {
      return Err(problem);
    }
  }
  Name::from_ascii(format!("{bare}.")).map_err(|e| e.to_string())
}

/// An `xn--` label is punycode: it must decode (IDNA), as zone-file parsers require. The
/// model's DNS-name check and `host_name` share this rule.
pub fn punycode_problem(label: &str) -> Option<String> {
  let punycode = label.len() > 4 && label[..4].eq_ignore_ascii_case("xn--");
  (punycode && hickory_proto::rr::domain::Label::from_utf8(label).is_err())
    .then(|| format!("the label `{label}` starts with `xn--` but is not valid punycode"))
}

/// A name as written in configs and relative contexts: lower-case labels joined by `.`,
/// no trailing dot, each label as `label` writes it.
///
/// Guarantee: for a name from `host_name`, exactly its lower-cased text. For any other name, a
/// zone-file reader reads back the same labels (see `label`).
pub fn text(name: &Name) -> String {
  let mut out = String::with_capacity(name.len());
  push_text(&mut out, name);
  out
}

/// `text`, appended to `out`.
pub fn push_text(out: &mut String, name: &Name) {
  for (i, l) in name.iter().enumerate() {
    if i > 0 {
      out.push('.');
    }
    push_label(out, l);
  }
}

/// The absolute zone-file spelling of `name`: `text(name)` with a trailing dot (`.` for the root).
pub fn absolute(name: &Name) -> String {
  let mut out = String::with_capacity(name.len() + 1);
  push_absolute(&mut out, name);
  out
}

/// `absolute`, appended to `out`.
pub fn push_absolute(out: &mut String, name: &Name) {
  push_text(out, name);
  out.push('.');
}

/// One label in RFC 1035 master-file syntax, lower-cased: letters, digits, `-`, `_` and a
/// leading `*` as they are; other printable ASCII as `\X`; every other byte as decimal `\DDD`.
///
/// Guarantee: one label (no unescaped `.`, space, `;`, `(`, `)`, `"`, `$`, `@` or line break),
/// read back by a master-file parser as exactly these bytes (lower-cased).
pub fn label(bytes: &[u8]) -> String {
  let mut out = String::with_capacity(bytes.len());
  push_label(&mut out, bytes);
  out
}

/// `label`, appended to `out`.
pub fn push_label(out: &mut String, bytes: &[u8]) {
  for (i, &b) in bytes.iter().enumerate() {
    let b = b.to_ascii_lowercase();
    match b {
      b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => out.push(char::from(b)),
      b'*' if i == 0 && bytes.len() == 1 => out.push('*'),
      0x21..=0x7E => {
        out.push('\\');
        out.push(char::from(b));
      }
      _ => {
        let _ = write!(out, "\\{b:03}");
      }
    }
  }
}

/// A TXT record's data in master-file syntax: one or more quoted character-strings of at most
/// 255 octets each (split between UTF-8 characters), separated by spaces. Inside the quotes `"`
/// and `\` are written `\"` and `\\`, printable ASCII and non-ASCII UTF-8 as they are, and
/// control bytes (incl. tab, line breaks, NUL, DEL) as decimal `\DDD`.
///
/// Guarantee: one line; a master-file parser reads the strings whose concatenation is
/// exactly `value`'s UTF-8 bytes. An empty `value` gives `""`.
pub fn txt(value: &str) -> String {
  let mut strings = Vec::new();
  let mut current = String::new();
  let mut octets = 0;
  for c in value.chars() {
    if octets + c.len_utf8() > 255 {
      strings.push(std::mem::take(&mut current));
      octets = 0;
    }
    octets += c.len_utf8();
    match c {
      '"' | '\\' => {
        current.push('\\');
        current.push(c);
      }
      c if c.is_ascii_control() => {
        let _ = write!(current, "\\{:03}", u32::from(c));
      }
      c => current.push(c),
    }
  }
  strings.push(current);
  strings
    .iter()
    .map(|s| format!("\"{s}\""))
    .collect::<Vec<_>>()
    .join(" ")
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn host_names_only() {
    let n = host_name("Api.Azureml.MS.", false).unwrap();
    assert_eq!(text(&n), "api.azureml.ms");
    assert_eq!(absolute(&n), "api.azureml.ms.");
    assert_eq!(text(&host_name("*.x.com", true).unwrap()), "*.x.com");
    for bad in [
      "", "a..b", "a b", "a\"b", "a/b", "-a", "x.*.com", "a\nb", "a;b", "a\\.b",
    ] {
      assert!(host_name(bad, true).is_err(), "{bad:?}");
    }
    assert!(host_name("*.x.com", false).is_err());
  }

  #[test]
  fn labels_and_txt_escape() {
    assert_eq!(label(b"a.b"), "a\\.b");
    assert_eq!(label(b"a b\n"), "a\\032b\\010");
    assert_eq!(label(b"\xff"), "\\255");
    assert_eq!(txt("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\010\"");
    assert_eq!(txt(""), "\"\"");
    let long = "é".repeat(200);
    let parts = txt(&long);
    assert_eq!(parts.matches('"').count(), 4);
  }
}
