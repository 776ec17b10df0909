//! src/syntax/dot.rs and src/syntax/mermaid.rs over the hostile corpus and generated strings:
//! a DOT label read back by the real `dot` is one string that shows exactly the value (hazard
//! characters as their visible escapes); a Mermaid label holds no character Mermaid's
//! flowchart grammar gives a meaning to, and its entity codes decode to the value.

use amlnet::syntax::{self, dot, mermaid};

use crate::syntax::cases;

/// What a DOT label shows for the attribute value `raw` (as `dot -Tjson` reports it): `\\` is
/// a backslash, `\n` a line break; amlnet writes no other escape.
fn dot_shows(raw: &str) -> String {
  let mut out = String::new();
  let mut chars = raw.chars();
  while let Some(c) = chars.next() {
    if c != '\\' {
      out.push(c);
      continue;
    }
    match chars.next() {
      Some('\\') => out.push('\\'),
      Some('n') => out.push('\n'),
      other => panic!("unexpected escape \\{other:?} in {raw:?}"),
    }
  }
  out
}

#[test]
fn dot_labels_read_back_as_one_string_showing_the_value() {
  let cases = cases(400);
  let mut graph = String::from("digraph g {\n");
  for (i, case) in cases.iter().enumerate() {
    graph.push_str(&format!(
      "  n{i} [label={}];\n",
      dot::label(&[case.as_str(), case.as_str()])
    ));
  }
  graph.push_str("}\n");
  let out = std::process::Command::new("dot")
    .arg("-Tjson")
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .and_then(|mut child| {
      use std::io::Write as _;
      child.stdin.take().expect("stdin").write_all(graph.as_bytes())?;
      child.wait_with_output()
    })
    .expect("dot runs (Debian graphviz: make deps)");
  assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
  let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
  let objects = json["objects"].as_array().expect("objects");
  assert_eq!(objects.len(), cases.len(), "one node per label, no injected node");
  assert!(json
    .get("edges")
    .is_none_or(|e| e.as_array().is_some_and(Vec::is_empty)));
  for (object, case) in objects.iter().zip(&cases) {
    let shown = dot_shows(object["label"].as_str().expect("a label"));
    let line = syntax::escape_hazards(case);
    assert_eq!(shown, format!("{line}\n{line}"), "{case:?}");
  }
}

/// The text a Mermaid label shows: `#NNN;` entities decoded, `<br>` a line break.
fn mermaid_shows(inner: &str) -> String {
  let mut out = String::new();
  let mut rest = inner;
  while !rest.is_empty() {
    if let Some(after) = rest.strip_prefix("<br>") {
      out.push('\n');
      rest = after;
    } else if let Some(after) = rest.strip_prefix('#') {
      let (code, tail) = after.split_once(';').expect("an entity ends with ;");
      out.push(char::from_u32(code.parse().expect("decimal")).expect("a char"));
      rest = tail;
    } else {
      let c = rest.chars().next().expect("a char");
      out.push(c);
      rest = &rest[c.len_utf8()..];
    }
  }
  out
}

#[test]
fn mermaid_labels_hold_only_plain_characters_and_decode_to_the_value() {
  for case in cases(2000) {
    let label = mermaid::label(&[case.as_str(), case.as_str()]);
    let inner = label
      .strip_prefix('"')
      .and_then(|l| l.strip_suffix('"'))
      .unwrap_or_else(|| panic!("quoted: {label:?}"));
    let plain = inner.replace("<br>", "");
    assert!(
      plain
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " .,:/_*+=@-#;".contains(c)),
      "{case:?} gives {label:?}"
    );
    let line = syntax::escape_hazards(&case);
    assert_eq!(mermaid_shows(inner), format!("{line}\n{line}"), "{case:?}");
  }
}
