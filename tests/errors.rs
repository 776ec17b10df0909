//! Bad profiles: every file in tests/invalid/ must fail with exit code 2, the error code
//! and file:line:col named on its first line (`# expect: AML014 8:18`), and write nothing.
//! The rendered messages are snapshots in golden/errors/. Adding a case is adding a file.

use crate::support::{amlnet, root, scratch, stem};

#[test]
fn every_invalid_profile_fails_with_its_code_and_location() {
  let mut files: Vec<_> = std::fs::read_dir(root().join("tests/invalid"))
    .expect("tests/invalid exists")
    .filter_map(|e| e.ok().map(|e| e.path()))
    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    .collect();
  files.sort();
  assert!(files.len() >= 15, "the invalid cases are present");
  for path in files {
    let rel = format!("tests/invalid/{}.toml", stem(&path));
    let text = std::fs::read_to_string(&path).expect("readable");
    let expect = text
      .lines()
      .next()
      .and_then(|l| l.strip_prefix("# expect: "))
      .unwrap_or_else(|| panic!("{rel}: first line is `# expect: CODE line:col`"));
    let (code, location) = expect.split_once(' ').expect("CODE line:col");
    let out = scratch("invalid").join("out");
    let run = amlnet(&["compile", &rel, "--out", &out.to_string_lossy()]);
    assert_eq!(run.code, 2, "{rel}: exit code\n{}", run.stderr);
    assert!(
      run.stderr.contains(&format!("error[{code}]")),
      "{rel}: expected {code}\n{}",
      run.stderr
    );
    assert!(
      run.stderr.contains(&format!("{rel}:{location}")),
      "{rel}: expected location {location}\n{}",
      run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{rel}: no panic");
    assert!(!out.exists(), "{rel}: nothing written");
    insta::with_settings!({ snapshot_path => "../golden/errors", prepend_module_to_snapshot => false, omit_expression => true }, {
      insta::assert_snapshot!(stem(&path), run.stderr);
    });
  }
}

#[test]
fn a_missing_profile_file_is_a_clear_error() {
  let run = amlnet(&["compile", "profiles/no-such-profile.toml"]);
  assert_eq!(run.code, 2);
  assert!(
    run.stderr.contains("cannot read `profiles/no-such-profile.toml`"),
    "{}",
    run.stderr
  );
}

#[test]
fn a_failed_compile_keeps_the_previous_output_directory() {
  let dir = scratch("keep");
  let out = dir.join("out");
  let ok = amlnet(&[
    "compile",
    "profiles/training-public-ip.toml",
    "--out",
    &out.to_string_lossy(),
  ]);
  assert_eq!(ok.code, 0, "{}", ok.stderr);
  let before = std::fs::read(out.join("nsg/nsg.json")).expect("written");
  let bad = amlnet(&[
    "compile",
    "tests/invalid/bad-cidr.toml",
    "--out",
    &out.to_string_lossy(),
  ]);
  assert_eq!(bad.code, 2);
  assert_eq!(
    std::fs::read(out.join("nsg/nsg.json")).expect("still there"),
    before
  );
  let leftovers: Vec<_> = std::fs::read_dir(&dir)
    .expect("readable")
    .flatten()
    .filter(|e| e.file_name() != "out")
    .collect();
  assert!(leftovers.is_empty(), "no staging directories left behind");
}

/// Every table of every shipped profile, nested ones and array elements included, rejects
/// a key it does not know (every raw struct denies unknown fields), naming the file.
#[test]
fn a_bogus_key_in_any_table_of_any_shipped_profile_is_rejected() {
  for path in crate::support::shipped_profiles() {
    let text = std::fs::read_to_string(&path).expect("readable");
    let doc: toml::Table = toml::from_str(&text).expect("shipped profile parses");
    let mut tables = Vec::new();
    table_paths(&doc, &mut Vec::new(), &mut tables);
    assert!(tables.len() > 3, "{}: tables found", path.display());
    for table in tables {
      let mut mutated = doc.clone();
      table_at(&mut mutated, &table).insert("bogus_key".into(), toml::Value::Integer(1));
      let dir = scratch("bogus");
      copy_dir(&root().join("profiles/base"), &dir.join("base"));
      let file = dir.join("p.toml");
      std::fs::write(&file, toml::to_string(&mutated).expect("serializes")).expect("writable");
      let err = amlnet::compile_path(&file)
        .expect_err(&format!("{}: bogus key in {table:?} is rejected", path.display()));
      let msg = err.to_string();
      assert!(
        msg.contains("error[AML001]: unknown key `bogus_key`") && msg.contains("p.toml:"),
        "{}: {table:?}\n{msg}",
        path.display()
      );
      let _ = std::fs::remove_dir_all(&dir);
    }
  }
}

/// Paths to every table: keys, with `[0]`-style indexes for arrays of tables.
fn table_paths(table: &toml::Table, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
  out.push(prefix.clone());
  for (key, value) in table {
    match value {
      toml::Value::Table(t) => {
        prefix.push(key.clone());
        table_paths(t, prefix, out);
        prefix.pop();
      }
      toml::Value::Array(items) => {
        for (i, item) in items.iter().enumerate() {
          if let toml::Value::Table(t) = item {
            prefix.push(format!("{key}[{i}]"));
            table_paths(t, prefix, out);
            prefix.pop();
          }
        }
      }
      _ => {}
    }
  }
}

fn table_at<'a>(table: &'a mut toml::Table, path: &[String]) -> &'a mut toml::Table {
  let Some((first, rest)) = path.split_first() else {
    return table;
  };
  let next = match first.split_once('[') {
    Some((key, index)) => {
      let i: usize = index.trim_end_matches(']').parse().expect("index");
      table
        .get_mut(key)
        .and_then(|v| v.as_array_mut())
        .and_then(|a| a.get_mut(i))
        .and_then(|v| v.as_table_mut())
    }
    None => table.get_mut(first).and_then(|v| v.as_table_mut()),
  };
  table_at(next.expect("path exists"), rest)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
  std::fs::create_dir_all(to).expect("dir");
  for e in std::fs::read_dir(from).expect("readable").flatten() {
    std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
  }
}

/// A profile that extends another by an absolute path names it with one leading `/` in
/// its IR locations, not `//`.
#[test]
fn an_absolute_extends_path_is_named_once() {
  let base = root().join("profiles/secure-workspace.toml");
  let file = crate::support::extending("secure-workspace", "absolute-extends", "");
  let ir = amlnet::compile_path(&file).unwrap_or_else(|e| panic!("{e}"));
  let located: Vec<&str> = ir
    .diagnostics
    .iter()
    .map(|d| d.location.as_str())
    .filter(|l| !l.is_empty())
    .collect();
  assert!(!located.is_empty(), "the base profile's notes are located");
  for l in located {
    assert!(l.starts_with(&format!("{}:", base.display())), "{l}");
  }
}

/// Two NSG rules of one direction may not share a priority: planned allow rules that reach
/// the final deny's 4096 are refused (NSG006), not written for Azure to reject.
#[test]
fn nsg_priorities_that_collide_are_refused() {
  let file = crate::support::extending(
    "secure-workspace",
    "nsg-priority",
    "[nsg]\noutbound_priority_start = 3996\ndeny_internet_outbound = true\naccept_blocked_fqdn_flows = true\n",
  );
  let err = amlnet::compile_path(&file).expect_err("refused").to_string();
  assert!(
    err.contains("error[NSG006]") && err.contains("priority 4096"),
    "{err}"
  );
}

/// The final deny-internet rule drops the FQDN flows the NSG cannot allow by tag (the NSG
/// sees their public destination even when a route sends them to the firewall): an error
/// unless the profile accepts it (NSG005).
#[test]
fn a_deny_rule_that_blocks_fqdn_flows_must_be_accepted() {
  let with = |accept: bool| {
    let extra = format!("[nsg]\ndeny_internet_outbound = true\naccept_blocked_fqdn_flows = {accept}\n");
    amlnet::compile(&crate::support::extending("secure-workspace", "nsg-deny", &extra))
  };
  let err = with(false).expect_err("refused").to_string();
  assert!(err.contains("error[NSG005]") && err.contains("pypi.org"), "{err}");
  let c = with(true).unwrap_or_else(|e| panic!("{e}"));
  assert!(c
    .output
    .notes
    .iter()
    .any(|n| n.code == "NSG005" && n.severity == amlnet::ir::Severity::Warning));
}

#[test]
fn a_line_break_in_a_value_cannot_forge_a_line_of_the_error_report() {
  // A profile value and a fleet file value, each holding "\nerror: forged line": the
  // messages quoting them show `\n` and stay on their own line.
  let fleet = scratch("forged").join("fleet.toml");
  std::fs::write(
    &fleet,
    "workspaces = []\n[hub]\nvnet_name = \"vnet-hub\"\n[hub.firewall]\npolicy_name = \"afwp\"\nprivate_ip = \"10.0.0.4\\nerror: forged line\"\n",
  )
  .expect("writable");
  for input in [
    "tests/invalid/line-break-in-a-value.toml".to_string(),
    fleet.to_string_lossy().into_owned(),
  ] {
    let run = amlnet(&["compile", &input]);
    assert_eq!(run.code, 2, "{input}");
    assert!(
      run.stderr.contains("\\nerror: forged line"),
      "{input}: {}",
      run.stderr
    );
    assert!(
      !run.stderr.lines().any(|l| l.starts_with("error: forged")),
      "{input}: {}",
      run.stderr
    );
  }
}
