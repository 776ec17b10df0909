//! src/syntax: every quoting function, over a hostile corpus and generated strings, read back by a
//! real parser (bash, python-hcl2, pycep, PyYAML, Python csv, serde_json, hickory-proto) to the
//! same value and the same structure. A missing parser fails the test; it never skips.

use amlnet::syntax::{self, bicep, comment, csv, dns, hcl, json, markdown, shell, yaml, Syntax};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use crate::support::root;

/// Strings that have broken out of quotes or comments somewhere.
const CORPUS: &[&str] = &[
  "",
  " ",
  "plain",
  "it's",
  "'",
  "\"",
  "\\",
  "\\\\'",
  "a\nb",
  "\n",
  "\r\n",
  "\r",
  "x\nn=$((n+1000))\n",
  "$(exit 7)",
  "`echo INJECTED`",
  "${x}",
  "$${x}",
  "${",
  "$${",
  "$$$",
  "%{ if true }x%{ endif }",
  "%%{",
  "[concat('a','b')]",
  "[[x]",
  "[",
  "<!-- hidden -->",
  "-->",
  "\0",
  "a\0b",
  "\x7f",
  "\u{80}\u{85}\u{9f}",
  "\u{2028}\u{2029}",
  "\u{202e}evil\u{202c}\u{2066}\u{2069}",
  "\u{feff}bom",
  "\u{fffe}\u{ffff}",
  "=1+2",
  "+cmd",
  "-2",
  "-1-2",
  "@SUM(A1)",
  "\t=x",
  "a,b",
  "\"a\"\"b\"",
  "yes",
  "null",
  "~",
  "0x1F",
  "1e3",
  "- item",
  "key: value",
  "# comment",
  "&anchor *alias !tag",
  "{a: 1}",
  "[1, 2]",
  "| pipe",
  "*emph* _u_ `code`",
  "```",
  "é ü 日本 😀",
  "'''",
  "\u{2018}\u{2019}\u{201a}\u{201b}",
];

fn hostile() -> impl Strategy<Value = String> {
  let piece = prop_oneof![
    3 => any::<String>(),
    3 => prop::sample::select(CORPUS).prop_map(String::from),
    2 => "[\\x00-\\x7f]{0,12}",
  ];
  prop::collection::vec(piece, 0..5).prop_map(|v| v.concat())
}

/// The corpus, then `n` generated strings (deterministic, so a failure repeats).
pub(crate) fn cases(n: usize) -> Vec<String> {
  let mut runner = TestRunner::deterministic();
  let strategy = hostile();
  let mut out: Vec<String> = CORPUS.iter().map(|s| s.to_string()).collect();
  for _ in 0..n {
    out.push(strategy.new_tree(&mut runner).expect("a value").current());
  }
  out
}

/// Run `script` once with `input` as JSON on stdin; it prints one JSON value. Exit 3 means a
/// module is missing, which fails the test.
fn py(script: &str, input: &Value) -> Value {
  crate::support::python_json::<&str>(script, &[], &input.to_string())
}

fn texts(cases: &[String]) -> Value {
  Value::Array(cases.iter().map(|s| Value::String(s.clone())).collect())
}

// ------------------------------------------------------------------------------------------
// bash

fn bash(script: &str, check_only: bool) -> std::process::Output {
  let mut cmd = std::process::Command::new("bash");
  if check_only {
    cmd.arg("-n");
  }
  cmd
    .args(["-c", script])
    .output()
    .unwrap_or_else(|e| panic!("bash runs: {e}"))
}

#[test]
fn shell_words_give_back_every_byte_and_comments_add_no_command() {
  let cases = cases(400);
  let words: Vec<String> = cases.iter().map(|c| shell::quote(c)).collect();
  let out = bash(&format!("printf '%s\\0' {}", words.join(" ")), false);
  assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
  let mut got: Vec<&[u8]> = out.stdout.split(|&b| b == 0).collect();
  assert_eq!(got.pop(), Some(&b""[..]));
  assert_eq!(got.len(), cases.len(), "one word per case");
  for (case, got) in cases.iter().zip(got) {
    assert_eq!(
      got,
      case.replace('\0', "").as_bytes(),
      "{case:?} quoted as {}",
      shell::quote(case)
    );
  }

  // Comments: each case is a comment line between counted commands; nothing else may run.
  let mut script = String::from("n=0\n");
  for case in &cases {
    script.push_str(&shell::comment(case));
    script.push_str(&syntax::comment::line(comment::Leader::Hash, case));
    script.push_str("n=$((n+1))\n");
  }
  script.push_str("printf %s \"$n\"\n");
  assert!(
    bash(&script, true).status.success(),
    "bash -n accepts the comments"
  );
  let out = bash(&script, false);
  assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
  assert_eq!(String::from_utf8_lossy(&out.stdout), cases.len().to_string());
  assert_eq!(
    script.lines().count(),
    1 + 3 * cases.len() + 1,
    "every comment is exactly one line"
  );
}

// ------------------------------------------------------------------------------------------
// HCL (python-hcl2)

/// Python HCL reader: parses each document with python-hcl2 (which keeps escapes), then undoes
/// the HCL escapes and template escapes per the HCL native syntax spec.
const HCL_PY: &str = r#"
import json, sys
try:
  import hcl2
except ImportError as e:
  print(e, file=sys.stderr); sys.exit(3)
SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
def dec(s):
  out, i = [], 0
  while i < len(s):
    if s.startswith("$${", i) or s.startswith("%%{", i):
      out.append(s[i] + "{"); i += 3
    elif s[i] == "\\":
      c = s[i + 1]
      if c in SIMPLE: out.append(SIMPLE[c]); i += 2
      elif c == "u": out.append(chr(int(s[i + 2:i + 6], 16))); i += 6
      elif c == "U": out.append(chr(int(s[i + 2:i + 10], 16))); i += 10
      else: raise ValueError("bad escape \\" + c)
    elif s.startswith("${", i) or s.startswith("%{", i):
      raise ValueError("template sequence at %d" % i)
    else:
      out.append(s[i]); i += 1
  return "".join(out)
import signal
def slow(*_): raise TimeoutError("python-hcl2 took over 2 s")
signal.signal(signal.SIGALRM, slow)
import re
# bc-python-hcl2's lexer reads `${` as the start of an interpolation even after the `$${`
# escape, and fails when no `}` follows. Terraform (and hclwrite, which writes the same
# escape) read it as text; on long strings its lexer backtracks for minutes. Only those documents are checked with the spec decoder alone.
BC_LIMITATION = re.compile(r"\$\$\{[^}]*$")
res = []
for doc, literal in json.load(sys.stdin):
  try:
    signal.alarm(2)
    d = hcl2.loads(doc)
    signal.alarm(0)
    one = lambda v: v[0] if isinstance(v, list) and len(v) == 1 else v
    res.append({"keys": sorted(d), "a": dec(one(d["a"])), "b": one(d["b"])})
  except Exception as e:
    signal.alarm(0)
    body = literal[1:-1]
    if type(e).__name__ in ("UnexpectedCharacters", "TimeoutError") and BC_LIMITATION.search(body):
      res.append({"keys": ["a", "b"], "a": dec(body), "b": "end", "limitation": True})
    else:
      res.append({"error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(res))
"#;

#[test]
fn hcl_strings_parse_back_to_the_value_and_comments_stay_comments() {
  let cases = cases(100);
  let docs: Vec<String> = cases
    .iter()
    .map(|c| {
      format!(
        "{}a = {}\n{}b = \"end\"\n",
        hcl::comment(c),
        hcl::string(c),
        hcl::comment(c)
      )
    })
    .collect();
  let input: Vec<Value> = cases
    .iter()
    .zip(&docs)
    .map(|(c, d)| json!([d, hcl::string(c)]))
    .collect();
  let got = py(HCL_PY, &Value::Array(input));
  let limited = got
    .as_array()
    .expect("a list")
    .iter()
    .filter(|g| g.get("limitation").is_some())
    .count();
  assert!(
    limited < cases.len() / 4,
    "most documents go through python-hcl2 ({limited} did not)"
  );
  for ((case, doc), got) in cases.iter().zip(&docs).zip(got.as_array().expect("a list")) {
    assert_eq!(got["keys"], json!(["a", "b"]), "{case:?}\n{doc}\n{got}");
    assert_eq!(got["a"], json!(case), "{case:?}\n{doc}");
    assert_eq!(got["b"], json!("end"), "{case:?}\n{doc}");
  }
}

// ------------------------------------------------------------------------------------------
// Bicep (pycep)

const BICEP_PY: &str = r#"
import json, sys
try:
  from pycep import BicepParser
except ImportError as e:
  print(e, file=sys.stderr); sys.exit(3)
SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "'": "'", "\\": "\\", "$": "$"}
def dec(s):
  out, i = [], 0
  while i < len(s):
    if s[i] == "\\":
      c = s[i + 1]
      if c in SIMPLE: out.append(SIMPLE[c]); i += 2
      elif c == "u":
        j = s.index("}", i); out.append(chr(int(s[i + 3:j], 16))); i = j + 1
      else: raise ValueError("bad escape \\" + c)
    elif s.startswith("${", i):
      raise ValueError("interpolation at %d" % i)
    else:
      out.append(s[i]); i += 1
  return "".join(out)
res = []
P = BicepParser()
for doc in json.load(sys.stdin):
  try:
    v = P.parse(text=doc)["variables"]
    res.append({"keys": sorted(v), "a": dec(v["a"]["value"]), "b": v["b"]["value"]})
  except Exception as e:
    res.append({"error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(res))
"#;

#[test]
fn bicep_strings_parse_back_to_the_value_and_comments_stay_comments() {
  let cases = cases(100);
  let docs: Vec<String> = cases
    .iter()
    .map(|c| {
      format!(
        "{}var a = {}\n{}var b = 'end'\n",
        bicep::comment(c),
        bicep::string(c),
        bicep::comment(c)
      )
    })
    .collect();
  let got = py(BICEP_PY, &texts(&docs));
  for ((case, doc), got) in cases.iter().zip(&docs).zip(got.as_array().expect("a list")) {
    assert_eq!(got["keys"], json!(["a", "b"]), "{case:?}\n{doc}\n{got}");
    assert_eq!(got["a"], json!(case), "{case:?}\n{doc}");
    assert_eq!(got["b"], json!("end"), "{case:?}\n{doc}");
  }
}

// ------------------------------------------------------------------------------------------
// YAML (PyYAML)

const YAML_PY: &str = r#"
import json, sys
try:
  import yaml
except ImportError as e:
  print(e, file=sys.stderr); sys.exit(3)
res = []
for doc in json.load(sys.stdin):
  try:
    d = yaml.safe_load(doc)
    res.append({"keys": sorted(str(k) for k in d), "a": d.get("a"), "b": d.get("b"),
                "key": [k for k, v in d.items() if v == 1]})
  except Exception as e:
    res.append({"error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(res))
"#;

#[test]
fn yaml_scalars_are_always_the_string_and_comments_stay_comments() {
  let cases = cases(300);
  let docs: Vec<String> = cases
    .iter()
    .map(|c| {
      format!(
        "{}a: {}\n{}{}: 1\nb: end\n",
        yaml::comment(c),
        yaml::string(c),
        yaml::comment(c),
        yaml::string(&format!("k{c}"))
      )
    })
    .collect();
  let got = py(YAML_PY, &texts(&docs));
  for ((case, doc), got) in cases.iter().zip(&docs).zip(got.as_array().expect("a list")) {
    assert!(got.get("error").is_none(), "{case:?}\n{doc}\n{got}");
    assert_eq!(got["a"], json!(case), "{case:?}\n{doc}");
    assert_eq!(got["b"], json!("end"), "{case:?}\n{doc}");
    assert_eq!(got["key"], json!([format!("k{case}")]), "{case:?}\n{doc}");
  }
}

// ------------------------------------------------------------------------------------------
// CSV (Python csv)

const CSV_PY: &str = r#"
import csv, io, json, sys
print(json.dumps([list(csv.reader(io.StringIO(doc, newline=""))) for doc in json.load(sys.stdin)]))
"#;

#[test]
fn csv_fields_stay_one_field_and_never_start_a_formula() {
  let cases = cases(300);
  let docs: Vec<String> = cases
    .iter()
    .map(|c| format!("{}{}", csv::record(&["x", c, "y"]), csv::raw_field(c) + ",z\n"))
    .collect();
  let got = py(CSV_PY, &texts(&docs));
  for ((case, doc), rows) in cases.iter().zip(&docs).zip(got.as_array().expect("a list")) {
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{case:?}\n{doc:?}");
    let cell = rows[0][1].as_str().expect("cell");
    assert_eq!(rows[0][0], json!("x"));
    assert_eq!(rows[0][2], json!("y"), "{case:?}\n{doc:?}");
    assert_eq!(
      rows[1],
      json!([case, "z"]),
      "raw_field is exact: {case:?}\n{doc:?}"
    );
    let risky = |s: &str| {
      s.trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'])
    };
    let number = case
      .strip_prefix('-')
      .is_some_and(|n| n.parse::<f64>().is_ok() && n.bytes().all(|b| b.is_ascii_digit() || b == b'.'));
    if risky(case) && !number {
      assert_eq!(cell, format!("'{case}"), "neutralised: {case:?}");
    } else {
      assert_eq!(cell, case, "left alone: {case:?}");
    }
    assert!(!risky(cell) || number, "{cell:?}");
  }
}

// ------------------------------------------------------------------------------------------
// ARM JSON (serde_json), Markdown, comments: pure Rust properties

proptest! {
  #![proptest_config(ProptestConfig::with_cases(500))]

  #[test]
  fn arm_literals_deploy_as_the_value(s in hostile()) {
    let lit = json::arm_literal(&s);
    let text = serde_json::to_string(&json!({ "name": lit })).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    let back = back["name"].as_str().unwrap();
    prop_assert!(!(back.starts_with('[') && back.ends_with(']') && !back.starts_with("[[")), "{back:?} is an expression");
    prop_assert_eq!(json::arm_value(back), Some(s.clone()));
  }

  #[test]
  fn comment_lines_are_one_line(s in hostile()) {
    for leader in [comment::Leader::Hash, comment::Leader::Slashes, comment::Leader::Semicolon] {
      let line = comment::line(leader, &s);
      prop_assert!(line.starts_with(leader.as_str()));
      prop_assert!(line.ends_with('\n'));
      prop_assert!(!line[..line.len() - 1].chars().any(syntax::is_hazard), "{:?}", line);
    }
    let html = markdown::comment(&s);
    let body = &html["<!-- ".len()..html.len() - " -->\n".len()];
    prop_assert!(html.starts_with("<!-- ") && html.ends_with(" -->\n"));
    prop_assert!(!body.contains("--") && !body.contains('>') && !body.chars().any(syntax::is_hazard), "{:?}", html);
  }

  #[test]
  fn markdown_code_spans_hold_exactly_the_text(s in hostile()) {
    let span = markdown::code(&s);
    if s.is_empty() {
      prop_assert_eq!(span, "");
    } else {
      let content = comment::text(&s);
      let ticks = span.len() - span.trim_start_matches('`').len();
      let fence = "`".repeat(ticks);
      prop_assert!(span.ends_with(&fence));
      let inner = &span[ticks..span.len() - ticks];
      // CommonMark: strip one space from both ends when both are spaces and not all spaces.
      let inner = if inner.len() >= 2 && inner.starts_with(' ') && inner.ends_with(' ') && !inner.chars().all(|c| c == ' ') {
        &inner[1..inner.len() - 1]
      } else {
        inner
      };
      prop_assert_eq!(inner, content.as_str());
      prop_assert!(!inner.contains(&fence), "a run as long as the fence would close it: {:?}", span);
      prop_assert!(!span.chars().any(syntax::is_hazard));
    }
    let cell = markdown::cell(&s);
    let no_breaks = cell.replace("<br>", "");
    prop_assert!(!no_breaks.chars().any(|c| syntax::is_hazard(c) || c == '<' || c == '>'), "{:?}", cell);
    let unescaped_pipe = cell.char_indices().any(|(i, c)| c == '|' && cell[..i].chars().rev().take_while(|&b| b == '\\').count() % 2 == 0);
    prop_assert!(!unescaped_pipe, "{:?}", cell);
    let code_cell = markdown::code_cell(&s);
    prop_assert!(!code_cell.chars().any(syntax::is_hazard));
    let bad_pipe = code_cell.char_indices().any(|(i, c)| c == '|' && cell_break_before(&code_cell[..i]));
    prop_assert!(!bad_pipe, "{:?}", code_cell);
  }
}

/// GitHub's table scanner: a `|` ends a cell unless the character before it is an unpaired `\`.
fn cell_break_before(before: &str) -> bool {
  before.chars().rev().take_while(|&b| b == '\\').count() % 2 == 0
}

// ------------------------------------------------------------------------------------------
// DNS (hickory-proto's zone-file parser)

fn zone(records: &str) -> Vec<hickory_proto::rr::Record> {
  use hickory_proto::rr::Name;
  use hickory_proto::serialize::txt::Parser;
  let text = format!(
    "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1.example.com. admin.example.com. 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 10.0.0.1\n{records}"
  );
  let origin = Name::from_ascii("example.com.").unwrap();
  let (_, sets) = Parser::new(text.clone(), None, Some(origin))
    .parse()
    .unwrap_or_else(|e| panic!("hickory parses the zone: {e}\n{text}"));
  sets
    .into_values()
    .flat_map(|s| s.records_without_rrsigs().cloned().collect::<Vec<_>>())
    .collect()
}

proptest! {
  #![proptest_config(ProptestConfig::with_cases(200))]

  /// hickory's lexer decodes `\DDD` wrongly (as `(d1<<16)+(d2<<8)+d3`), so the parser round
  /// trip covers printable ASCII and UTF-8; the `\DDD` spelling is covered by unit tests.
  #[test]
  fn txt_strings_parse_back(s in "[ -~é日]{0,300}", comment_text in hostile()) {
    use hickory_proto::rr::RData;
    let records = zone(&format!("t IN TXT {}\n{}", dns::txt(&s), comment::line(comment::Leader::Semicolon, &comment_text)));
    let txt: Vec<_> = records.iter().filter_map(|r| match &r.data { RData::TXT(t) => Some(t), _ => None }).collect();
    prop_assert_eq!(txt.len(), 1);
    let bytes: Vec<u8> = txt[0].txt_data.iter().flat_map(|b| b.iter().copied()).collect();
    prop_assert_eq!(bytes, s.as_bytes().to_vec());
    prop_assert_eq!(records.len(), 4, "SOA, NS, A and the TXT record, nothing from the comment");
  }

  #[test]
  fn host_names_parse_back(labels in prop::collection::vec("[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", 1..4), star in any::<bool>()) {
    let text = format!("{}{}", if star { "*." } else { "" }, labels.join("."));
    // An `xn--` label that is not punycode is refused (zone-file parsers reject it).
    let Ok(name) = dns::host_name(&text, true) else {
      prop_assert!(text.to_ascii_lowercase().contains("xn--"), "{}", text);
      return Ok(());
    };
    let written = dns::absolute(&name);
    prop_assert!(written.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '*')));
    let records = zone(&format!("{}.example.com. IN A 10.0.0.2\n", dns::text(&name)));
    let a: Vec<_> = records.iter().filter(|r| r.record_type() == hickory_proto::rr::RecordType::A && r.name.to_ascii() != "ns1.example.com.").collect();
    prop_assert_eq!(a.len(), 1);
    prop_assert_eq!(a[0].name.to_ascii().to_ascii_lowercase(), format!("{written}example.com."));
  }
}

// ------------------------------------------------------------------------------------------
// stamp

#[test]
fn stamp_is_one_comment_line_in_every_syntax() {
  let text = std::fs::read_to_string(root().join("tests/fixtures/ir/secure-workspace-v1.json")).unwrap();
  let mut ir: amlnet::Ir = serde_json::from_str(&text).unwrap();
  let clean = syntax::stamp(&ir, Syntax::Shell);
  assert_eq!(
    clean,
    format!(
      "# generated by amlnet {}, catalog {}, profile {} sha256:{}\n",
      ir.amlnet_version, ir.catalog_version, ir.profile, ir.profile_hash
    )
  );
  ir.profile = "p\nrm -rf /\r\u{85}\u{2028}$(exit 7)".into();
  for s in [
    Syntax::Shell,
    Syntax::Hcl,
    Syntax::Bicep,
    Syntax::Yaml,
    Syntax::Text,
    Syntax::Zone,
    Syntax::NamedConf,
    Syntax::Unbound,
    Syntax::Dnsmasq,
    Syntax::Corefile,
    Syntax::PowerShell,
    Syntax::Markdown,
    Syntax::Dot,
    Syntax::Mermaid,
  ] {
    let line = syntax::stamp(&ir, s);
    assert!(
      line.ends_with('\n') && line.matches('\n').count() == 1,
      "{s:?}: {line:?}"
    );
    assert!(
      !line[..line.len() - 1].chars().any(syntax::is_hazard),
      "{s:?}: {line:?}"
    );
  }
  let script = format!("{}exit 0\n", syntax::stamp(&ir, Syntax::Shell));
  assert!(bash(&script, false).status.success());
}
