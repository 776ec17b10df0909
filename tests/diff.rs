//! `amlnet diff`: snapshots of change lists (golden/diff/), exit codes, `--fail-on`, error paths.
//!
//! Everything runs the real binary from the crate root with relative paths, so the paths in
//! the snapshots are stable. Hand-written IR fixtures live in tests/fixtures/ir/.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::amlnet;

const V1: &str = "tests/fixtures/ir/secure-workspace-v1.json";
const V2: &str = "tests/fixtures/ir/secure-workspace-v2.json";
const V1_REORDERED: &str = "tests/fixtures/ir/secure-workspace-v1-reordered.json";
const V1_NARROWED: &str = "tests/fixtures/ir/secure-workspace-v1-narrowed.json";
const CATALOG_0: &str = "tests/fixtures/ir/training-no-public-ip-catalog-0.json";
const CATALOG_1: &str = "tests/fixtures/ir/training-no-public-ip-catalog-1.json";

/// `amlnet diff OLD NEW [extra…]`, asserting the exit code and that nothing went to stderr.
#[track_caller]
fn diff(old: &str, new: &str, extra: &[&str], code: i32) -> String {
  let mut args = vec!["diff", old, new];
  args.extend_from_slice(extra);
  let run = amlnet(&args);
  assert_eq!(
    run.code, code,
    "exit code of {args:?}\nstdout:\n{}\nstderr:\n{}",
    run.stdout, run.stderr
  );
  assert_eq!(run.stderr, "", "stderr of {args:?}");
  run.stdout
}

fn snapshot(name: &str, text: &str) {
  insta::with_settings!({
    snapshot_path => "../golden/diff",
    prepend_module_to_snapshot => false,
    omit_expression => true,
  }, {
    insta::assert_snapshot!(name, text);
  });
}

/// One snapshot per format of the same pair, and the same exit code from each.
pub(crate) fn snapshot_all_formats(name: &str, old: &str, new: &str, code: i32) {
  snapshot(&format!("{name}.text"), &diff(old, new, &[], code));
  snapshot(
    &format!("{name}.markdown"),
    &diff(old, new, &["--format", "markdown"], code),
  );
  snapshot(
    &format!("{name}.json"),
    &diff(old, new, &["--format", "json"], code),
  );
}

fn json(old: &str, new: &str, code: i32) -> Value {
  serde_json::from_str(&diff(old, new, &["--format", "json"], code)).expect("--format json prints JSON")
}

/// The entry for `id` in one of the flow lists of a JSON diff.
fn flow_entry<'a>(diff: &'a Value, list: &str, id: &str) -> &'a Value {
  diff["flows"][list]
    .as_array()
    .and_then(|l| l.iter().find(|e| e["id"] == id))
    .unwrap_or_else(|| panic!("no `{id}` in flows.{list}"))
}

// ---------------------------------------------------------------------------------------------
// Shipped profiles, compiled on the fly

/// Public-IP compute → no public IP, private endpoints and a firewall: the inbound 44224 rule
/// goes, private DNS arrives.
#[test]
fn profiles_training_public_ip_vs_no_public_ip() {
  snapshot_all_formats(
    "profiles-training-public-ip-vs-no-public-ip",
    "profiles/training-public-ip.toml",
    "profiles/training-no-public-ip.toml",
    1,
  );
}

/// The secured workspace, then the same with a private registry added.
#[test]
fn profiles_secure_workspace_vs_registry_private() {
  snapshot_all_formats(
    "profiles-secure-workspace-vs-registry-private",
    "profiles/secure-workspace.toml",
    "profiles/registry-private.toml",
    1,
  );
}

/// A profile against itself: empty in every format, exit 0.
#[test]
fn profile_against_itself_is_empty() {
  let p = "profiles/secure-workspace.toml";
  snapshot("profile-secure-workspace-itself.text", &diff(p, p, &[], 0));
  diff(p, p, &["--format", "markdown"], 0);
  assert_eq!(json(p, p, 0)["summary"]["kinds"], serde_json::json!([]));
}

/// `compile --format json` output read back and compared with its own profile: the IR
/// round-trips through JSON and the two kinds of input mix.
#[test]
fn compiled_ir_against_its_profile_is_no_change() {
  let profile = "profiles/training-no-public-ip.toml";
  let compiled = amlnet(&["compile", profile, "--format", "json"]);
  assert_eq!(compiled.code, 0, "{}", compiled.stderr);
  let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-roundtrip");
  std::fs::create_dir_all(&dir).unwrap();
  let ir = dir.join("training-no-public-ip.json");
  std::fs::write(&ir, compiled.stdout).unwrap();
  let out = diff(ir.to_str().unwrap(), profile, &[], 0);
  assert!(
    out.contains("training-no-public-ip.json (ir)") && out.contains("No changes."),
    "{out}"
  );
}

/// A profile that does not compile: its errors pass through, exit 2.
#[test]
fn profile_errors_exit_2() {
  let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-bad-profile");
  std::fs::create_dir_all(&dir).unwrap();
  let bad = dir.join("bad.toml");
  std::fs::write(&bad, "[workspace]\nname = 42\n").unwrap();
  let run = amlnet(&["diff", bad.to_str().unwrap(), V1]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert_eq!(run.stdout, "");
  assert!(run.stderr.contains("bad.toml"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// IR files

/// An IR from an older catalog (hand-edited from a real compiled IR: older catalog_version,
/// AzureMachineLearning without 18881, graph.windows.net missing, one extra DNS record) against
/// the IR the current catalog compiles: widened, added, a DNS record removed.
#[test]
fn ir_from_two_catalog_versions() {
  snapshot_all_formats("ir-training-no-public-ip-catalog-0-vs-1", CATALOG_0, CATALOG_1, 1);
  let d = json(CATALOG_0, CATALOG_1, 1);
  assert_eq!(
    d["summary"]["kinds"],
    serde_json::json!(["added", "widened", "dns", "diagnostics"])
  );
  assert_eq!(
    flow_entry(&d, "widened", "out-tcp-AzureMachineLearning")["ports_added"],
    serde_json::json!(["18881"])
  );
}

/// Two hand-written releases covering every change kind; exit 1.
#[test]
fn ir_release_pair_all_formats() {
  snapshot_all_formats("ir-secure-workspace-v1-v2", V1, V2, 1);
}

/// The classification the snapshots show, asserted field by field on the JSON shape.
#[test]
fn ir_release_pair_classifies_each_flow() {
  let d = json(V1, V2, 1);
  let kinds = |list: &str, id: &str| flow_entry(&d, list, id)["kinds"].clone();
  let ports_added = |list: &str, id: &str| flow_entry(&d, list, id)["ports_added"].clone();

  // "443","8787" → "443","8787","18881": widened by exactly 18881.
  assert_eq!(
    ports_added("widened", "outbound/tcp/AzureMachineLearning"),
    serde_json::json!(["18881"])
  );
  // "443" → "*": widened, by everything but 443.
  assert_eq!(
    ports_added("widened", "outbound/tcp/AzureResourceManager"),
    serde_json::json!(["0-442", "444-65535"])
  );
  assert_eq!(
    kinds("narrowed", "outbound/tcp/Storage.westeurope"),
    serde_json::json!(["narrowed"])
  );
  // Gains 80 and loses 5831: one "changed" entry that is both widened and narrowed.
  let mcr = "outbound/tcp/MicrosoftContainerRegistry.westeurope";
  assert_eq!(kinds("changed", mcr), serde_json::json!(["widened", "narrowed"]));
  assert_eq!(
    flow_entry(&d, "changed", mcr)["ports_removed"],
    serde_json::json!(["5831"])
  );
  // Same ports, other fields: "changed" only.
  assert_eq!(
    kinds("changed", "outbound/udp/BatchNodeManagement.westeurope"),
    serde_json::json!(["changed"])
  );
  assert_eq!(
    kinds("changed", "outbound/tcp/AzureFrontDoor.FrontEnd"),
    serde_json::json!(["changed"])
  );

  // A real setting change shows; the priority renumbering and SOA serial in the same file do not.
  let settings: Vec<&str> = d["settings"]
    .as_array()
    .unwrap()
    .iter()
    .map(|s| s["field"].as_str().unwrap())
    .collect();
  assert_eq!(settings, ["nsg.deny_internet_outbound"]);
  assert_eq!(
    d["summary"]["kinds"],
    serde_json::json!([
      "added",
      "removed",
      "widened",
      "narrowed",
      "changed",
      "dns",
      "diagnostics",
      "settings"
    ])
  );
}

/// An IR against itself: nothing to report, exit 0, in every format.
#[test]
fn ir_against_itself_is_empty() {
  snapshot_all_formats("ir-secure-workspace-v1-itself", V1, V1, 0);
}

/// Every list reversed (flows, ports, sources, DNS, diagnostics) and the NSG/firewall priority
/// plan and SOA serial renumbered: positional only, so no change and exit 0.
#[test]
fn ir_reordered_and_renumbered_is_no_change() {
  snapshot(
    "ir-secure-workspace-v1-reordered.text",
    &diff(V1, V1_REORDERED, &[], 0),
  );
  let d = json(V1, V1_REORDERED, 0);
  assert_eq!(d["summary"]["kinds"], serde_json::json!([]));
}

/// Content decides what a file is: IR JSON saved as `.toml` is still read as IR.
#[test]
fn ir_is_recognised_by_content_not_extension() {
  let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-sniff");
  std::fs::create_dir_all(&dir).unwrap();
  let disguised = dir.join("secure-workspace-v1.toml");
  std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(V1), &disguised).unwrap();
  let out = diff(disguised.to_str().unwrap(), V1, &[], 0);
  assert!(out.contains("secure-workspace-v1.toml (ir)"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Exit codes and --fail-on

/// Removed + narrowed only: any change exits 1, but a gate on access-opening kinds passes.
#[test]
fn fail_on_gates_only_listed_kinds() {
  diff(V1, V1_NARROWED, &[], 1);
  diff(V1, V1_NARROWED, &["--fail-on", "added,widened"], 0);
  diff(V1, V1_NARROWED, &["--fail-on", "dns"], 0);
  diff(V1, V1_NARROWED, &["--fail-on", "narrowed"], 1);
  diff(
    V1,
    V1_NARROWED,
    &["--fail-on", "added", "--fail-on", "removed"],
    1,
  );
  diff(V1, V1_NARROWED, &["--fail-on", "any"], 1);
  // The other way round the same files add and widen: the gate trips.
  diff(V1_NARROWED, V1, &["--fail-on", "added,widened"], 1);
  // No change passes every gate.
  diff(V1, V1_REORDERED, &["--fail-on", "any"], 0);
}

#[test]
fn fail_on_rejects_unknown_kind() {
  let run = amlnet(&["diff", V1, V2, "--fail-on", "added,opened"]);
  assert_eq!(run.code, 2);
  assert!(run.stderr.contains("invalid value 'opened'"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Colour

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
  let esc = '\u{1b}';
  // The test harness pipes stdout, so `auto` means plain.
  assert!(!diff(V1, V2, &[], 1).contains(esc));
  assert!(!diff(V1, V2, &["--color", "never"], 1).contains(esc));
  assert!(diff(V1, V2, &["--color", "always"], 1).contains(esc));
  // Colour is for the terminal view only.
  assert!(!diff(V1, V2, &["--color", "always", "--format", "json"], 1).contains(esc));
  assert!(!diff(V1, V2, &["--color", "always", "--format", "markdown"], 1).contains(esc));
}

// ---------------------------------------------------------------------------------------------
// Error paths: a message naming the file, nothing on stdout, exit 2

#[track_caller]
fn error(old: &str, new: &str, expected: &str) {
  let run = amlnet(&["diff", old, new]);
  assert_eq!(run.code, 2, "exit code; stderr:\n{}", run.stderr);
  assert_eq!(run.stdout, "");
  assert_eq!(run.stderr, format!("error: {expected}\n"));
}

#[test]
fn error_unreadable_file() {
  error(
    "tests/fixtures/ir/does-not-exist.json",
    V1,
    "cannot read `tests/fixtures/ir/does-not-exist.json`: No such file or directory (os error 2)",
  );
  let run = amlnet(&["diff", V1, "tests/fixtures/ir"]);
  assert_eq!(run.code, 2);
  assert!(
    run
      .stderr
      .starts_with("error: `tests/fixtures/ir` is not a regular file"),
    "{}",
    run.stderr
  );
}

#[test]
fn error_newer_major_format_version() {
  error(
    V1,
    "tests/fixtures/ir/newer-major.json",
    &format!(
      "`tests/fixtures/ir/newer-major.json` has IR format_version 2.0 (written by amlnet 2.0.0), newer than \
       this amlnet {} reads (1.x); upgrade amlnet, or recompile the profile with this one",
      env!("CARGO_PKG_VERSION")
    ),
  );
}

#[test]
fn error_malformed_json_has_line_and_column() {
  error(
    "tests/fixtures/ir/malformed.json",
    V1,
    "tests/fixtures/ir/malformed.json:4:3: malformed JSON: expected `,` or `}`",
  );
}

#[test]
fn error_json_that_is_not_an_ir() {
  error(
    V1,
    "tests/fixtures/ir/not-ir.json",
    "tests/fixtures/ir/not-ir.json:4:8: not a valid amlnet IR: unknown field `name`, expected one of \
     `format_version`, `amlnet_version`, `catalog_version`, `profile`, `profile_hash`, `cloud`, `region`, \
     `flows`, `dns_zones`, `dns_records`, `host_records`, `dns_forwarders`, `diagnostics`, `settings`",
  );
}

// ---------------------------------------------------------------------------------------------
// Hostile IR files: refused by deserialization (typed peers, ports, clouds, addresses, no
// unknown fields) or by the checks beyond the types, exit 2, nothing on stdout

/// V1 with one edit, written under the test tmpdir as `name`.
fn hostile(name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
  let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(V1)).unwrap();
  let mut doc: Value = serde_json::from_str(&text).unwrap();
  edit(&mut doc);
  let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-hostile");
  std::fs::create_dir_all(&dir).unwrap();
  let path = dir.join(name);
  std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
  path
}

/// `diff V1 FILE` exits 2 with "error: FILE:LINE:COL: not a valid amlnet IR: …" holding `detail`.
#[track_caller]
fn refused(file: &Path, detail: &str) {
  let file = file.to_str().unwrap();
  let run = amlnet(&["diff", V1, file]);
  assert_eq!(run.code, 2, "exit code; stderr:\n{}", run.stderr);
  assert_eq!(run.stdout, "");
  let located = run
    .stderr
    .strip_prefix(&format!("error: {file}:"))
    .and_then(|rest| rest.split_once(": not a valid amlnet IR: "))
    .is_some_and(|(at, _)| at.split(':').all(|n| n.parse::<u32>().is_ok()));
  assert!(located, "names the file and line:col:\n{}", run.stderr);
  assert!(run.stderr.contains(detail), "{detail}:\n{}", run.stderr);
  assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn hostile_peer_is_refused() {
  let file = hostile("peer-newline.json", |d| {
    d["flows"][0]["peer"] = "a.b\nc".into();
    d["flows"][0]["peer_kind"] = "fqdn".into();
  });
  refused(&file, r#""a.b\nc" is not a host name"#);
  let file = hostile("peer-tag.json", |d| {
    d["flows"][0]["peer"] = "Storage; rm -rf".into()
  });
  refused(&file, "is not a service tag name");
}

#[test]
fn hostile_port_is_refused() {
  let file = hostile("port-injection.json", |d| {
    d["flows"][0]["ports"] = serde_json::json!(["443", "1-2; rm"]);
  });
  refused(&file, r#"ports must be numbers 0-65535, ranges "lo-hi" or "*""#);
}

#[test]
fn unknown_cloud_is_refused() {
  let file = hostile("cloud.json", |d| d["cloud"] = "AzureMars".into());
  refused(&file, r#"unknown cloud "AzureMars""#);
}

#[test]
fn record_value_that_is_not_an_ip_is_refused() {
  let file = hostile("record-value.json", |d| {
    d["dns_records"][0]["value"] = "10.0.0.4; evil.example".into();
  });
  refused(&file, "invalid IPv4 address syntax");
}

#[test]
fn unknown_fields_are_refused() {
  let file = hostile("unknown-field.json", |d| d["flows"][0]["priority"] = 100.into());
  refused(&file, "unknown field `priority`");
  let file = hostile("unknown-top-field.json", |d| d["rules"] = serde_json::json!([]));
  refused(&file, "unknown field `rules`");
}

#[test]
fn duplicate_flow_ids_are_refused() {
  let file = hostile("duplicate-id.json", |d| {
    let first = d["flows"][0].clone();
    d["flows"].as_array_mut().unwrap().push(first);
  });
  let run = amlnet(&["diff", V1, file.to_str().unwrap()]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(
    run.stderr.contains("appears more than once") && run.stderr.contains("duplicate-id.json"),
    "{}",
    run.stderr
  );
}

// ---------------------------------------------------------------------------------------------
// Hostile strings in IR files: the Markdown ticket keeps its structure (parsed by pulldown-cmark)
// and the terminal view carries no raw control character

/// Text that has broken out of inline code and table cells: a backtick and line breaks, then a
/// verdict; an unclosed `<!--` that would hide the rest; a pipe; a heading and a list item.
const INJECTION: &str = "x`\n\napproved, no changes\n\n| a | b |\n<!-- \r\n# approved, no changes\n- `y";

/// V1 with `text` in every free string the diff shows: profile name (old: `text` + " old",
/// new: + " new"), and on the new side a flow's purpose and sources, a zone's purpose, a
/// record's and a host record's resource, a diagnostic's message, location and code.
fn with_text(name: &str, text: &str, new: bool) -> PathBuf {
  hostile(name, |d| {
    d["profile"] = format!("{text} {}", if new { "new" } else { "old" }).into();
    if new {
      d["flows"][0]["purpose"] = text.into();
      d["flows"][0]["sources"] = serde_json::json!([text, "b"]);
      d["dns_zones"][0]["purpose"] = text.into();
      d["dns_records"][0]["resource"] = text.into();
      d["host_records"][0]["resource"] = text.into();
      d["diagnostics"][0]["message"] = text.into();
      d["diagnostics"][0]["location"] = text.into();
      d["diagnostics"][1]["code"] = text.into();
    }
  })
}

/// (tables, each as its rows' cell counts), and every text outside code spans and table cells.
fn markdown_shape(md: &str) -> (Vec<Vec<usize>>, Vec<String>) {
  use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
  let mut tables: Vec<Vec<usize>> = Vec::new();
  let mut outside = Vec::new();
  let mut in_cell = false;
  for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
    match event {
      Event::Start(Tag::Table(_)) => tables.push(Vec::new()),
      Event::Start(Tag::TableHead | Tag::TableRow) => {
        tables.last_mut().expect("in a table").push(0);
      }
      Event::Start(Tag::TableCell) => {
        in_cell = true;
        *tables.last_mut().and_then(|t| t.last_mut()).expect("in a row") += 1;
      }
      Event::End(TagEnd::TableCell) => in_cell = false,
      Event::Text(t) if !in_cell => outside.push(t.to_string()),
      Event::Html(h) | Event::InlineHtml(h) => {
        assert_eq!(h.trim(), "<br>", "HTML in the ticket:\n{md}");
      }
      _ => {}
    }
  }
  (tables, outside)
}

#[test]
fn hostile_strings_cannot_restructure_the_markdown_ticket() {
  let benign = diff(
    with_text("benign-old.json", "benign", false).to_str().unwrap(),
    with_text("benign-new.json", "benign", true).to_str().unwrap(),
    &["--format", "markdown"],
    1,
  );
  let hostile = diff(
    with_text("inject-old.json", INJECTION, false).to_str().unwrap(),
    with_text("inject-new.json", INJECTION, true).to_str().unwrap(),
    &["--format", "markdown"],
    1,
  );
  let (benign_tables, _) = markdown_shape(&benign);
  let (tables, outside) = markdown_shape(&hostile);
  assert!(benign_tables.len() >= 4, "{benign}");
  assert_eq!(tables, benign_tables, "same tables, rows and cells:\n{hostile}");
  for text in &outside {
    assert!(
      !text.contains("approved") && !text.contains("<!--"),
      "injected text outside code spans and cells: {text:?}\n{hostile}"
    );
  }
  // The words are there, shown inside the cells.
  assert!(hostile.contains("approved"), "{hostile}");
}

#[test]
fn hostile_strings_reach_the_terminal_and_json_without_raw_controls() {
  let text = "a\u{1b}[2J\r\u{7}b\u{85}c\u{2028}d\u{202E}e\nf";
  let old = with_text("ctl-old.json", text, false);
  let new = with_text("ctl-new.json", text, true);
  for format in ["text", "json"] {
    let out = diff(
      old.to_str().unwrap(),
      new.to_str().unwrap(),
      &["--format", format],
      1,
    );
    assert!(
      !out.chars().any(|c| c != '\n' && amlnet::syntax::is_hazard(c)),
      "{format}: {out:?}"
    );
    if format == "json" {
      let v: Value = serde_json::from_str(&out).expect("JSON");
      assert_eq!(v["new"]["profile"], format!("{text} new"), "values kept");
    }
  }
}

/// A device given to `diff` fails at once instead of being read until memory runs out.
#[test]
fn a_device_is_not_read_as_a_side() {
  let run = crate::support::amlnet(&["diff", "/dev/zero", "profiles/training-no-public-ip.toml"]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

/// Diagnostics are matched by severity, code and message, not by where the setting sits:
/// a profile compared with a copy under another name is no change at all.
#[test]
fn a_renamed_copy_of_a_profile_is_no_change() {
  let dir = crate::support::scratch("diff-copy");
  let root = crate::support::root();
  let text = std::fs::read_to_string(root.join("profiles/secure-workspace.toml")).expect("read");
  let base = root.join("profiles/base/").display().to_string();
  let text = text.replace("extends = \"base/", &format!("extends = \"{base}"));
  std::fs::write(dir.join("a.toml"), format!("name = \"copy\"\n{text}")).expect("write");
  // One extra line moves every location of b.toml's own settings.
  std::fs::write(dir.join("b.toml"), format!("name = \"copy\"\n\n{text}")).expect("write");
  let (a, b) = (dir.join("a.toml"), dir.join("b.toml"));
  let run = amlnet(&["diff", a.to_str().expect("utf-8"), b.to_str().expect("utf-8")]);
  assert_eq!(run.code, 0, "no change expected:\n{}{}", run.stdout, run.stderr);
}

/// Safety thresholds: a release that changes more than `--max-changes` entries, or more than
/// `--max-change-ratio` of the old side, exits 1 with a message even where `--fail-on` would
/// pass it; within the thresholds `--fail-on` decides.
#[test]
fn safety_thresholds_gate_large_releases() {
  let (old, new) = ("profiles/secure-workspace.toml", "profiles/registry-private.toml");
  let run = amlnet(&["diff", old, new, "--fail-on", "removed", "--max-changes", "3"]);
  assert_eq!(run.code, 1, "{}", run.stderr);
  assert!(run.stderr.contains("exceed --max-changes 3"), "{}", run.stderr);
  let run = amlnet(&[
    "diff",
    old,
    new,
    "--fail-on",
    "removed",
    "--max-change-ratio",
    "0.05",
  ]);
  assert_eq!(run.code, 1, "{}", run.stderr);
  assert!(
    run.stderr.contains("over --max-change-ratio 0.05"),
    "{}",
    run.stderr
  );
  let run = amlnet(&[
    "diff",
    old,
    new,
    "--fail-on",
    "removed",
    "--max-changes",
    "100",
    "--max-change-ratio",
    "0.9",
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  let run = amlnet(&["diff", old, new, "--max-change-ratio", "2"]);
  assert_eq!(run.code, 2, "a ratio above 1 is refused: {}", run.stderr);
}
