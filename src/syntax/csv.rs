//! CSV (RFC 4180) fields and records, with spreadsheet formula injection neutralised.
//!
//! Policy (OWASP "CSV Injection"): a cell whose first non-space character is `=`, `+`, `-`,
//! `@`, tab or CR (or the full-width `＝ ＋ － ＠`) would be run as a formula by Excel,
//! LibreOffice or Google Sheets; `field` prefixes such a cell with `'`, which spreadsheets
//! show as text. Numbers are left alone: a cell that is a plain decimal number (`-1`, `-2.5`)
//! is data, not a formula, and a spreadsheet reads it as that number. Port ranges (`80-443`)
//! and CIDRs start with a digit and are never touched. So the only values `field` changes are
//! free text that starts like a formula; `raw_field` is for the caller that must keep a value
//! byte-exact and knows it is not free text.

/// The characters that start a formula in some spreadsheet.
fn formula_start(c: char) -> bool {
  matches!(
    c,
    '=' | '+' | '-' | '@' | '\t' | '\r' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'
  )
}

/// A plain decimal number, optionally negative: `-?[0-9]+(\.[0-9]+)?`.
fn number(s: &str) -> bool {
  let digits = s.strip_prefix('-').unwrap_or(s);
  let mut parts = digits.splitn(2, '.');
  let whole = parts.next().unwrap_or("");
  let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
  ok(whole) && parts.next().is_none_or(ok)
}

/// One CSV field whose value, read back by an RFC 4180 reader, is `value`, or `'` + `value`
/// when `value` starts like a formula (see the module comment).
///
/// Guarantee: one field (commas, quotes and line breaks stay inside it) and no spreadsheet
/// evaluates it as a formula; it changes nothing else.
pub fn field(value: &str) -> String {
  let mut out = String::with_capacity(value.len() + 1);
  push_field(&mut out, value);
  out
}

/// `field`, appended to `out`.
pub fn push_field(out: &mut String, value: &str) {
  let first = value.trim_start_matches(' ').chars().next();
  let neutralise = first.is_some_and(formula_start) && !number(value);
  let prefix = if neutralise { "'" } else { "" };
  push_quoted(out, prefix, value);
}

/// RFC 4180 quoting only: a field holding `,`, `"`, CR or LF (or starting or ending with a
/// space) is double-quoted with `"` doubled; any other is written as it is.
///
/// Guarantee: one field whose value, read back, is exactly `value`. No formula neutralising.
pub fn raw_field(value: &str) -> String {
  let mut out = String::with_capacity(value.len());
  push_raw_field(&mut out, value);
  out
}

/// `raw_field`, appended to `out`.
pub fn push_raw_field(out: &mut String, value: &str) {
  push_quoted(out, "", value);
}

/// RFC 4180 quoting of `prefix` + `value` (`prefix` is empty or `'`).
fn push_quoted(out: &mut String, prefix: &str, value: &str) {
  let starts_with_space = prefix.is_empty() && value.starts_with(' ');
  let quote = value.contains([',', '"', '\n', '\r']) || starts_with_space || value.ends_with(' ');
  if !quote {
    out.push_str(prefix);
    out.push_str(value);
    return;
  }
  out.push('"');
  out.push_str(prefix);
  let mut rest = value;
  while let Some(at) = rest.find('"') {
    out.push_str(&rest[..=at]);
    out.push('"');
    rest = &rest[at + 1..];
  }
  out.push_str(rest);
  out.push('"');
}

/// One record: each cell through `field`, joined with `,`, ending in `\n`.
///
/// Guarantee: read back, one row of exactly `cells.len()` fields. An empty `cells` gives an
/// empty line (which readers skip), so pass at least one cell.
pub fn record<S: AsRef<str>>(cells: &[S]) -> String {
  let mut line = String::new();
  push_record(&mut line, cells);
  line
}

/// `record`, appended to `out`.
pub fn push_record<S: AsRef<str>>(out: &mut String, cells: &[S]) {
  for (i, cell) in cells.iter().enumerate() {
    if i > 0 {
      out.push(',');
    }
    push_field(out, cell.as_ref());
  }
  out.push('\n');
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn quotes_and_neutralises_formulas_but_not_numbers() {
    assert_eq!(field("a,b"), "\"a,b\"");
    assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(field("=1+2"), "'=1+2");
    assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(field("-cmd|' /C calc'!A0"), "'-cmd|' /C calc'!A0");
    assert_eq!(field("  =x"), "'  =x");
    assert_eq!(field("\t=x"), "'\t=x");
    assert_eq!(field("\r=x"), "\"'\r=x\"");
    assert_eq!(field("=a,b"), "\"'=a,b\"");
    assert_eq!(field("-1"), "-1");
    assert_eq!(field("-2.5"), "-2.5");
    assert_eq!(field("-"), "'-");
    assert_eq!(field("-1-2"), "'-1-2");
    assert_eq!(field("80-443"), "80-443");
    assert_eq!(field("10.0.0.0/8"), "10.0.0.0/8");
    assert_eq!(field("*.blob.core.windows.net"), "*.blob.core.windows.net");
    assert_eq!(field(""), "");
    assert_eq!(raw_field("=x"), "=x");
    assert_eq!(record(&["a", "b,c", "=d"]), "a,\"b,c\",'=d\n");
  }
}
