//! The binary: help, exit codes, every format, `--against`, missing tags, wrong clouds, real
//! downloads for every shipped profile, devices and catch-all prefixes, hostile IR strings.

use super::*;

// ---------------------------------------------------------------------------------------------
// The binary

#[test]
fn cli_help_lists_the_options() {
  let out = amlnet(&["expand", "--help"]);
  assert!(out.code == 0);
  let help = out.stdout.clone();
  for option in ["--service-tags", "--against", "--format", "--out"] {
    assert!(help.contains(option), "{option}: {help}");
  }
}

#[test]
fn cli_unreadable_service_tags_exits_2() {
  let out = amlnet(&[
    "expand",
    "does-not-exist.toml",
    "--service-tags",
    fixture_path("absent.json").to_str().expect("utf-8"),
  ]);
  assert_eq!(Some(out.code), Some(2), "{}", out.stderr);
}

/// A fresh, empty scratch directory for one test.
pub(crate) fn scratch(name: &str) -> PathBuf {
  let dir = std::env::temp_dir().join(format!("amlnet-expand-{name}-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).expect("scratch dir");
  dir
}

pub(crate) fn shipped(profile: &str) -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("profiles")
    .join(profile)
}

/// The tags of `ir` a download can expand (not the platform-resolved ones), deduplicated.
pub(crate) fn expandable_tags(ir: &Ir) -> Vec<String> {
  let mut tags: Vec<String> = ir
    .flows
    .iter()
    .filter(|f| f.peer_kind() == PeerKind::ServiceTag)
    .filter(|f| amlnet::service_tags::virtual_tag(&f.peer.to_string()).is_none())
    .map(|f| f.peer.to_string())
    .collect();
  tags.sort();
  tags.dedup();
  tags
}

/// A ServiceTags file listing every expandable tag of `ir` (but `drop`): tag i gets
/// 10.i.0.0/25 + 10.i.0.128/25 (one /24 once aggregated) and 2001:db8:i+1::/48; the
/// `newer` version adds 10.i.1.0/24 and drops the IPv6 prefix.
pub(crate) fn synthetic(ir: &Ir, cloud: &str, newer: bool, drop: Option<&str>) -> String {
  let values: Vec<serde_json::Value> = expandable_tags(ir)
    .iter()
    .enumerate()
    .filter(|(_, t)| Some(t.as_str()) != drop)
    .map(|(i, tag)| {
      let mut prefixes = vec![format!("10.{i}.0.0/25"), format!("10.{i}.0.128/25")];
      if newer {
        prefixes.push(format!("10.{i}.1.0/24"));
      } else {
        prefixes.push(format!("2001:db8:{:x}::/48", i + 1));
      }
      serde_json::json!({"name": tag, "id": tag, "properties": {"changeNumber": 1, "region": "",
        "regionId": 0, "platform": "Azure", "systemService": "", "addressPrefixes": prefixes,
        "networkFeatures": null}})
    })
    .collect();
  let change: serde_json::Value = if newer { "11".into() } else { 10.into() };
  serde_json::json!({"changeNumber": change, "cloud": cloud, "values": values}).to_string()
}

pub(crate) const PROFILE: &str = "training-no-public-ip.toml";

#[test]
fn cli_prints_every_format_and_writes_them_atomically() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let tags = expandable_tags(&ir);
  assert!(!tags.is_empty(), "{PROFILE} has service-tag rules");
  let dir = scratch("formats");
  let file = dir.join("tags.json");
  std::fs::write(&file, synthetic(&ir, "Public", false, None)).expect("write");
  let (p, f) = (profile.to_str().expect("utf-8"), file.to_str().expect("utf-8"));
  let mut printed = Vec::new();
  for format in ["text", "csv", "json"] {
    let out = amlnet(&["expand", p, "--service-tags", f, "--format", format]);
    assert_eq!(Some(out.code), Some(0), "{format}: {}", out.stderr);
    printed.push(out.stdout);
  }
  let json: serde_json::Value = serde_json::from_str(&printed[2]).expect("JSON");
  assert_eq!(json["profile"], ir.profile.as_str());
  assert_eq!(json["profile_hash"], ir.profile_hash.as_str());
  assert_eq!(json["catalog_version"], ir.catalog_version.as_str());
  assert_eq!(json["service_tags"]["change_number"], 10);
  let rules = json["rules"].as_array().expect("rules");
  let flows = ir.flows.iter().filter(|f| f.peer_kind() == PeerKind::ServiceTag);
  let platform = json["platform_resolved"].as_array().expect("platform").len();
  assert_eq!(
    rules.len() + platform,
    flows.count(),
    "every service-tag flow is accounted for"
  );
  for r in rules {
    let i = tags
      .iter()
      .position(|t| r["service_tag"] == t.as_str())
      .expect("known tag");
    assert_eq!(
      r["prefixes"],
      serde_json::json!([format!("10.{i}.0.0/24"), format!("2001:db8:{:x}::/48", i + 1)])
    );
  }

  let out_dir = dir.join("out");
  let out = amlnet(&[
    "expand",
    p,
    "--service-tags",
    f,
    "--out",
    out_dir.to_str().expect("utf-8"),
  ]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  assert!(out.stdout.is_empty(), "--out prints nothing on stdout");
  for (name, text) in ["prefixes.txt", "prefixes.csv", "prefixes.json"]
    .iter()
    .zip(&printed)
  {
    assert_eq!(
      &std::fs::read_to_string(out_dir.join("expand").join(name)).expect(name),
      text,
      "{name}"
    );
  }
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn cli_against_reports_changes_and_exits_0() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let n = expandable_tags(&ir).len();
  let dir = scratch("against");
  let (old, new) = (dir.join("old.json"), dir.join("new.json"));
  std::fs::write(&old, synthetic(&ir, "Public", false, None)).expect("write");
  std::fs::write(&new, synthetic(&ir, "Public", true, None)).expect("write");
  let args = |extra: &[&str]| -> Vec<String> {
    let mut v: Vec<String> = ["expand", profile.to_str().expect("utf-8"), "--service-tags"]
      .iter()
      .map(|s| s.to_string())
      .collect();
    v.push(old.display().to_string());
    v.push("--against".into());
    v.push(new.display().to_string());
    v.extend(extra.iter().map(|s| s.to_string()));
    v
  };
  let run = |extra: &[&str]| {
    let a = args(extra);
    amlnet(&a.iter().map(String::as_str).collect::<Vec<_>>())
  };
  let out = run(&["--format", "json"]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
  assert_eq!(
    (
      json["old"]["change_number"].as_u64(),
      json["new"]["change_number"].as_u64()
    ),
    (Some(10), Some(11))
  );
  let flows_per_tag = ir
    .flows
    .iter()
    .filter(|f| f.peer_kind() == PeerKind::ServiceTag)
    .count()
    - json["platform_resolved"].as_array().expect("platform").len();
  assert_eq!(json["summary"]["changed"].as_u64(), Some(flows_per_tag as u64));
  for r in json["rules"].as_array().expect("rules") {
    assert_eq!(r["gained"]["ipv4"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["lost"]["ipv6"].as_array().map(Vec::len), Some(1), "{r}");
  }
  let text = run(&[]);
  assert_eq!(Some(text.code), Some(0));
  let text = text.stdout;
  assert_eq!(
    text.lines().filter(|l| l.starts_with("+ 10.")).count(),
    flows_per_tag
  );
  assert!(n > 0);

  let out_dir = dir.join("out");
  let out = run(&["--out", out_dir.to_str().expect("utf-8")]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  let mut written: Vec<String> = std::fs::read_dir(out_dir.join("expand"))
    .expect("expand dir")
    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
    .collect();
  written.sort();
  assert_eq!(
    written,
    [
      "changes.csv",
      "changes.json",
      "changes.txt",
      "manifest.json",
      "prefixes.csv",
      "prefixes.json",
      "prefixes.txt"
    ]
  );
  assert_eq!(
    std::fs::read_to_string(out_dir.join("expand/changes.txt")).expect("changes"),
    text
  );
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn cli_missing_tag_exits_2_naming_it() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let tags = expandable_tags(&ir);
  let dropped = tags.last().expect("a tag").clone();
  let dir = scratch("missing");
  let file = dir.join("tags.json");
  std::fs::write(&file, synthetic(&ir, "Public", false, Some(&dropped))).expect("write");
  let out = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  let stderr = out.stderr;
  assert_eq!(Some(out.code), Some(2), "{stderr}");
  assert!(stderr.contains(&format!("service tag `{dropped}`")), "{stderr}");
  assert!(out.stdout.is_empty(), "nothing printed on error");
  // Case does not matter: the same file with every tag name upper-cased still expands.
  let mut doc: serde_json::Value =
    serde_json::from_str(&synthetic(&ir, "Public", false, None)).expect("json");
  for v in doc["values"].as_array_mut().expect("values") {
    let upper = v["name"].as_str().expect("name").to_uppercase();
    v["name"] = upper.clone().into();
    v["id"] = upper.into();
  }
  std::fs::write(&file, doc.to_string()).expect("write");
  let out = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  assert_eq!(Some(out.code), Some(0), "{}", out.stderr);
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn cli_wrong_cloud_exits_2() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let dir = scratch("cloud");
  let file = dir.join("tags.json");
  std::fs::write(&file, synthetic(&ir, "AzureGovernment", false, None)).expect("write");
  let out = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  let stderr = out.stderr;
  assert_eq!(Some(out.code), Some(2), "{stderr}");
  assert!(
    stderr.contains("\"AzureGovernment\"") && stderr.contains(ir.cloud.name()),
    "{stderr}"
  );
  let gov = shipped("usgov-secure-workspace.toml");
  let out = amlnet(&[
    "expand",
    gov.to_str().expect("utf-8"),
    "--service-tags",
    fixture_path("public-old.json").to_str().expect("utf-8"),
  ]);
  let stderr = out.stderr;
  assert_eq!(Some(out.code), Some(2), "{stderr}");
  assert!(
    stderr.contains("AzureUSGovernment") && stderr.contains("\"Public\""),
    "{stderr}"
  );
  std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// Every shipped profile against the real download of its cloud: exit 0 with exact
/// lists when the file has all its tags, otherwise exit 2 naming exactly the absent ones.
#[test]
fn cli_real_downloads_for_every_shipped_profile() {
  let Some(data) = real_data() else { return };
  let mut profiles: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles"))
    .expect("profiles/")
    .map(|e| e.expect("entry").path())
    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    .collect();
  profiles.sort();
  assert!(!profiles.is_empty(), "profiles/ has shipped profiles");
  let mut summary = String::new();
  for profile in &profiles {
    let ir = amlnet::compile_path(profile).expect("shipped profile compiles");
    let file = match ir.cloud.name() {
      "AzureCloud" => data.join("ServiceTags_Public_2025-11-09.json"),
      "AzureUSGovernment" => data.join("ServiceTags_Gov_2026-07-19.json"),
      other => {
        summary.push_str(&format!("{}: {other}: no download to test with\n", ir.profile));
        continue;
      }
    };
    let tags = ServiceTags::load(&file).expect("parses");
    let missing: Vec<String> = expandable_tags(&ir)
      .into_iter()
      .filter(|t| tags.get(t).is_none())
      .collect();
    let out = amlnet(&[
      "expand",
      profile.to_str().expect("utf-8"),
      "--service-tags",
      file.to_str().expect("utf-8"),
      "--format",
      "json",
    ]);
    let stderr = out.stderr;
    if !missing.is_empty() {
      assert_eq!(Some(out.code), Some(2), "{}: {stderr}", ir.profile);
      for tag in &missing {
        assert!(
          stderr.contains(&format!("service tag `{tag}`")),
          "{}: {tag}: {stderr}",
          ir.profile
        );
      }
      summary.push_str(&format!(
        "{}: exit 2, {} lacks {}\n",
        ir.profile,
        tags.cloud,
        missing.join(", ")
      ));
      continue;
    }
    assert_eq!(Some(out.code), Some(0), "{}: {stderr}", ir.profile);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let (mut v4_total, mut v6_total) = (0, 0);
    for r in json["rules"].as_array().expect("rules") {
      let tag = tags
        .get(r["service_tag"].as_str().expect("tag"))
        .expect("tag in file");
      let (v4, v6) = tag.prefixes().expect("prefixes");
      let parse4 = |k: &str| -> Vec<Ipv4Net> {
        r[k]
          .as_array()
          .expect(k)
          .iter()
          .map(|s| s.as_str().expect("str").parse().expect("v4"))
          .collect()
      };
      let out4 = parse4("ipv4");
      let out6: Vec<Ipv6Net> = r["ipv6"]
        .as_array()
        .expect("ipv6")
        .iter()
        .map(|s| s.as_str().expect("str").parse().expect("v6"))
        .collect();
      check_v4(&v4, &out4, &tag.name);
      check_v6(&v6, &out6, &tag.name);
      v4_total += out4.len();
      v6_total += out6.len();
    }
    summary.push_str(&format!(
      "{}: exit 0, {} rules, {v4_total} IPv4 + {v6_total} IPv6 prefixes, {} platform-resolved\n",
      ir.profile,
      json["rules"].as_array().map_or(0, Vec::len),
      json["platform_resolved"].as_array().map_or(0, Vec::len)
    ));
  }
  golden!("real-shipped-profiles", summary);
}

/// A device given as --service-tags fails at once instead of being read until memory runs out.
#[test]
fn a_device_is_not_a_service_tags_file() {
  let run = amlnet(&[
    "expand",
    "profiles/training-no-public-ip.toml",
    "--service-tags",
    "/dev/zero",
  ]);
  assert_eq!(run.code, 2, "{}", run.stderr);
  assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

/// A download in which a tag covers every address expands, but with a warning that the file
/// is wrong or tampered with.
#[test]
fn a_catch_all_prefix_in_a_download_is_warned_about() {
  let profile = shipped(PROFILE);
  let ir = amlnet::compile_path(&profile).expect("shipped profile compiles");
  let mut doc: serde_json::Value =
    serde_json::from_str(&synthetic(&ir, "Public", false, None)).expect("JSON");
  let tag = &mut doc["values"].as_array_mut().expect("values")[0];
  let name = tag["name"].as_str().expect("name").to_string();
  tag["properties"]["addressPrefixes"]
    .as_array_mut()
    .expect("prefixes")
    .push("0.0.0.0/0".into());
  let dir = scratch("catch-all");
  let file = dir.join("tampered.json");
  std::fs::write(&file, doc.to_string()).expect("writable");
  let run = amlnet(&[
    "expand",
    profile.to_str().expect("utf-8"),
    "--service-tags",
    file.to_str().expect("utf-8"),
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  assert!(
    run.stderr.contains(&format!("{name} a /0 prefix")) && run.stderr.contains("tampered"),
    "{}",
    run.stderr
  );
}

// ---------------------------------------------------------------------------------------------
// Hostile strings: the free strings of an IR file (profile, region, flow ids)

pub(crate) const HOSTILE: &str = "=HYPERLINK(\"http://evil.example\")\n10.66.0.0/16\r\n# x\u{2028}+1\u{202E}";

/// The text document's lines that are not comments or blank: each must be a prefix.
pub(crate) fn prefix_lines(text: &str) -> Vec<&str> {
  text
    .lines()
    .filter(|l| !l.starts_with('#') && !l.is_empty())
    .map(|l| l.trim_start_matches(['+', '-', ' ']))
    .collect()
}

#[test]
fn hostile_strings_add_no_prefix_line_and_no_formula() {
  let benign = ir("AzureCloud", &["AzureMachineLearning", "VirtualNetwork"]);
  let mut hostile = benign.clone();
  hostile.profile = HOSTILE.into();
  hostile.region = HOSTILE.into();
  for flow in &mut hostile.flows {
    flow.id = format!("{HOSTILE}{}", flow.id);
  }
  // A download's `cloud` must name the IR's cloud, so it cannot be hostile here.
  let (old, new) = (fixture("public-old.json"), fixture("public-new.json"));
  let benign_e = expand(&benign, &old).expect("expands");
  let benign_c = compare(&benign, &old, &new).expect("compares");
  let e = expand(&hostile, &old).expect("expands");
  let c = compare(&hostile, &old, &new).expect("compares");
  for (what, text, benign_text) in [
    ("prefixes.txt", e.text(), benign_e.text()),
    ("changes.txt", c.text(), benign_c.text()),
  ] {
    assert_eq!(prefix_lines(&text), prefix_lines(&benign_text), "{what}:\n{text}");
    assert_eq!(
      text.lines().count(),
      benign_text.lines().count(),
      "{what}:\n{text}"
    );
    for l in prefix_lines(&text) {
      l.parse::<IpNet>()
        .unwrap_or_else(|_| panic!("{what}: `{l}` is not a prefix"));
    }
    assert!(
      !text.chars().any(|c| c != '\n' && amlnet::syntax::is_hazard(c)),
      "{what}: {text:?}"
    );
  }
  for (what, csv, benign_csv) in [
    ("prefixes.csv", e.csv(), benign_e.csv()),
    ("changes.csv", c.csv(), benign_c.csv()),
  ] {
    let rows = read_csv(&csv);
    assert_eq!(rows.len(), read_csv(&benign_csv).len(), "{what}:\n{csv}");
    for row in &rows {
      assert_eq!(row.len(), rows[0].len(), "{what}: {row:?}");
      for cell in row {
        assert!(
          !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
          "{what}: a spreadsheet runs {cell:?}"
        );
      }
    }
    // The hostile values are kept, only prefixed with `'`.
    assert!(
      rows[1..].iter().all(|r| r[0].starts_with("'=HYPERLINK")),
      "{what}: {rows:?}"
    );
  }
}

/// RFC 4180 rows, read by Python's csv module.
pub(crate) fn read_csv(text: &str) -> Vec<Vec<String>> {
  use std::io::Write as _;
  use std::process::{Command, Stdio};
  let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python3");
  let python = if venv.exists() {
    venv
  } else {
    PathBuf::from("python3")
  };
  let mut child = Command::new(python)
    .args([
      "-c",
      "import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline='')))))",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("python3 runs");
  child
    .stdin
    .take()
    .expect("stdin")
    .write_all(text.as_bytes())
    .expect("write");
  let out = child.wait_with_output().expect("python finishes");
  assert!(out.status.success());
  serde_json::from_slice(&out.stdout).expect("rows")
}
