//! Properties of one compile result: errors are located, and artifacts parse, carry no raw
//! control characters and let no injected `MARKER` escape its quoting.

use std::io::Write as _;
use std::process::{Command, Stdio};

use amlnet::backend::Output;
use hickory_proto::serialize::txt::Parser;

use super::values::MARKER;

/// One property an artifact broke: which property, which artifact, and what was seen.
#[derive(Clone, Debug)]
pub struct Finding {
  pub property: &'static str,
  pub artifact: String,
  pub detail: String,
}

/// A rendered error is located when it has a `--> ` line or a `file:line:col`.
pub fn located(rendered: &str) -> bool {
  rendered.contains("--> ") || rendered.split(|c: char| c.is_whitespace()).any(has_line_col)
}

fn has_line_col(word: &str) -> bool {
  let parts: Vec<&str> = word
    .trim_matches(['`', '(', ',', ')', ':'])
    .rsplitn(3, ':')
    .collect();
  parts.len() == 3
    && !parts[2].is_empty()
    && parts[..2]
      .iter()
      .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The `error[CODE]` codes of a rendered error, or `uncoded` when it names none.
pub fn codes(rendered: &str) -> Vec<String> {
  let codes: Vec<String> = rendered
    .split("error[")
    .skip(1)
    .filter_map(|s| s.split_once(']').map(|(c, _)| c.to_string()))
    .collect();
  if codes.is_empty() {
    vec!["uncoded".into()]
  } else {
    codes
  }
}

/// Every artifact property, for one successful compile.
pub fn artifacts(output: &Output) -> Vec<Finding> {
  let mut found = Vec::new();
  for a in &output.artifacts {
    let mut add = |property, detail: String| {
      found.push(Finding {
        property,
        artifact: a.path.clone(),
        detail,
      })
    };
    let text = a.contents.as_str();
    if let Some(c) = text.chars().find(|&c| forbidden_char(c)) {
      add("control-char", format!("U+{:04X}", c as u32));
    }
    if let Some(line) = text.lines().find(|l| l.trim_start().starts_with(MARKER)) {
      add("injected-line", short(line));
    }
    if a.path.ends_with(".json") {
      match serde_json::from_str::<serde_json::Value>(text) {
        Err(e) => add("json", e.to_string()),
        Ok(v) => {
          if let Some(s) = arm_expression(&v) {
            add("arm-expression", short(&s));
          }
        }
      }
    }
    if a.path.ends_with(".zone") {
      if let Err(e) = zone(text, a.path.rsplit('/').next().unwrap_or_default()) {
        add("zone", e);
      }
    }
    if a.path.ends_with(".sh") {
      if let Err(e) = bash_n(text) {
        add("bash-n", e);
      }
    }
    let live = match a.path.rsplit('.').next() {
      Some("sh") => live_marker(text, '\\', true),
      Some("ps1") => live_marker(text, '`', false),
      Some("tf") => interpolated(text, &["${", "%{"], |before| {
        before != Some('$') && before != Some('%')
      }),
      Some("bicep") => interpolated(text, &["${"], |before| before != Some('\\')),
      _ => None,
    };
    if let Some(l) = live {
      add("injection", l);
    }
  }
  found
}

/// C0, DEL and C1 controls other than newline and tab, line/paragraph separators and bidi
/// controls: what makes a file display differently from what it does.
pub fn forbidden_char(c: char) -> bool {
  (c.is_control() && c != '\n' && c != '\t')
    || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The first character `forbidden_char` refuses, with its line, for text shown on a terminal.
pub fn shown_char(text: &str) -> Option<String> {
  let line = text.lines().find(|l| l.chars().any(forbidden_char))?;
  let c = line.chars().find(|&c| forbidden_char(c))?;
  Some(format!(
    "U+{:04X} in `{}` ({})",
    c as u32,
    short(line),
    codes(text).join(",")
  ))
}

fn short(s: &str) -> String {
  s.chars().take(120).collect::<String>().escape_debug().to_string()
}

/// An ARM template string holding the marker that ARM would evaluate as an expression.
fn arm_expression(v: &serde_json::Value) -> Option<String> {
  match v {
    serde_json::Value::String(s) => {
      (s.starts_with('[') && !s.starts_with("[[") && s.contains(MARKER)).then(|| s.clone())
    }
    serde_json::Value::Array(a) => a.iter().find_map(arm_expression),
    serde_json::Value::Object(o) => o.values().find_map(arm_expression),
    _ => None,
  }
}

/// hickory-proto parses the zone file, as the DNS tests do.
fn zone(text: &str, file: &str) -> Result<(), String> {
  let origin = format!("{}.", file.trim_end_matches(".zone"));
  let origin = hickory_proto::rr::Name::from_ascii(&origin).map_err(|e| format!("origin {origin}: {e}"))?;
  Parser::new(text, None, Some(origin))
    .parse()
    .map(drop)
    .map_err(|e| e.to_string())
}

fn bash_n(text: &str) -> Result<(), String> {
  let mut child = Command::new("bash")
    .arg("-n")
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .map_err(|e| format!("cannot run bash: {e}"))?;
  let _ = child.stdin.take().expect("piped").write_all(text.as_bytes());
  let out = child.wait_with_output().map_err(|e| e.to_string())?;
  if out.status.success() {
    Ok(())
  } else {
    Err(short(&String::from_utf8_lossy(&out.stderr)))
  }
}

/// A shell-like lexer (bash with `\`, PowerShell with `` ` ``): the line of the first marker that
/// is unquoted, or inside a double-quoted string that opened an expansion (`$(`, `${`, or a
/// bash backtick) before it. Single-quoted text and comments are inert.
fn live_marker(text: &str, escape: char, backtick_runs: bool) -> Option<String> {
  #[derive(PartialEq)]
  enum S {
    Bare,
    Single,
    Double,
    Comment,
  }
  let (mut state, mut since_quote, mut prev) = (S::Bare, String::new(), ' ');
  let mut chars = text.char_indices().peekable();
  while let Some((i, c)) = chars.next() {
    let live = match state {
      S::Bare => true,
      S::Double => {
        since_quote.contains("$(")
          || since_quote.contains("${")
          || (backtick_runs && since_quote.contains('`'))
      }
      _ => false,
    };
    if live && text[i..].starts_with(MARKER) {
      let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
      return Some(short(text[start..].lines().next().unwrap_or_default()));
    }
    match (&state, c) {
      (S::Bare | S::Double, e) if e == escape => {
        chars.next();
      }
      (S::Bare, '\'') => state = S::Single,
      (S::Bare, '"') => (state, since_quote) = (S::Double, String::new()),
      (S::Bare, '#') if prev.is_whitespace() => state = S::Comment,
      (S::Single, '\'') | (S::Double, '"') => state = S::Bare,
      (S::Comment, '\n') => state = S::Bare,
      (S::Double, c) => since_quote.push(c),
      _ => {}
    }
    prev = c;
  }
  None
}

/// A template interpolation opening right before the marker, unless `escaped(previous char)`.
fn interpolated(text: &str, openers: &[&str], unescaped: impl Fn(Option<char>) -> bool) -> Option<String> {
  openers.iter().find_map(|open| {
    let needle = format!("{open}{MARKER}");
    text
      .match_indices(&needle)
      .find(|(i, _)| unescaped(text[..*i].chars().next_back()))
      .map(|(i, _)| short(&text[i..]))
  })
}

/// The properties themselves catch what they are meant to, and pass quoted text.
#[test]
fn fuzz_properties_catch_injections() {
  use amlnet::backend::Artifact;
  let found = |path: &str, contents: &str| -> Vec<&'static str> {
    let output = Output {
      artifacts: vec![Artifact {
        path: path.into(),
        contents: contents.into(),
      }],
      notes: Vec::new(),
    };
    artifacts(&output).into_iter().map(|f| f.property).collect()
  };
  for quiet in [
    (
      "azcli/deploy.sh",
      "X=${X:-'a$(PWNED)'}\n# `PWNED`\necho 'it'\\''s $(PWNED)'\n",
    ),
    ("nsg/nsg.json", "{\"a\": [\"[[concat('PWNED')]\"]}"),
    ("terraform/main.tf", "x = \"$${PWNED} %%{PWNED}\"\n"),
    ("bicep/main.bicep", "x = 'a\\${PWNED}'\n"),
    (
      "dns/forwarders/windows/windows-dns.ps1",
      "Add-X -Name 'a$(PWNED)'\n",
    ),
  ] {
    assert_eq!(found(quiet.0, quiet.1), Vec::<&str>::new(), "{quiet:?}");
  }
  for (path, contents, property) in [
    ("azcli/deploy.sh", "X=${X:-'a'}$(PWNED)\n", "injection"),
    ("azcli/deploy.sh", "echo \"a $(PWNED)\"\n", "injection"),
    ("azcli/deploy.sh", "echo 'a\nPWNED'\n", "injected-line"),
    ("azcli/deploy.sh", "echo 'unterminated\n", "bash-n"),
    (
      "dns/forwarders/windows/windows-dns.ps1",
      "Add-X -Name \"$(PWNED)\"\n",
      "injection",
    ),
    ("nsg/nsg.json", "{\"a\": \"[concat('PWNED')]\"}", "arm-expression"),
    ("nsg/nsg.json", "{\"a\": ", "json"),
    ("terraform/main.tf", "x = \"${PWNED}\"\n", "injection"),
    ("bicep/main.bicep", "x = 'a${PWNED}'\n", "injection"),
    ("fqdn/allowlist.txt", "a\u{202e}b\n", "control-char"),
    ("fqdn/allowlist.csv", "a\u{85}b\n", "control-char"),
    (
      "dns/zones/example.com.zone",
      "@ IN SOA ns1. host. 1 2 3 4\n",
      "zone",
    ),
  ] {
    assert!(
      found(path, contents).contains(&property),
      "{path}: {contents:?} breaks {property}"
    );
  }
  assert!(located("error[AML001]: unknown key\n --> a.toml:1:2"));
  assert!(located("error: cannot read `base/x.toml:3:4`"));
  assert!(!located("error[AML010]: missing required key `cloud`"));
  assert_eq!(codes("error[AML010]: a\nerror[AML011]: b"), ["AML010", "AML011"]);
}
