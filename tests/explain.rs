//! `explain --format text|json|markdown`: every planned rule name of every shipped profile is
//! explained in all three, the documents carry their public URLs (JSON fields, Markdown links,
//! text), and hostile IR sources never become links.

use amlnet::explain::{explain, Explanation};
use pulldown_cmark::{Event, Parser, Tag};
use serde_json::Value;

use crate::support::{amlnet, shipped_profiles};

/// Every link target in a Markdown text.
fn links(md: &str) -> Vec<String> {
  Parser::new(md)
    .filter_map(|e| match e {
      Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
      _ => None,
    })
    .collect()
}

fn rule_names(c: &amlnet::Compiled) -> Vec<String> {
  let fw = &c.plan.firewall;
  c.plan
    .nsg
    .iter()
    .map(|r| r.name.clone())
    .chain(fw.network.rules.iter().map(|r| r.name.clone()))
    .chain(fw.application.rules.iter().map(|r| r.name.clone()))
    .chain(
      c.plan
        .managed
        .iter()
        .flat_map(|m| m.rules.iter().map(|r| r.name.clone())),
    )
    .collect()
}

#[test]
fn every_rule_name_is_explained_in_every_format() {
  for path in shipped_profiles() {
    let c = amlnet::compile(&path).expect("compiles");
    for name in rule_names(&c) {
      let e: Explanation = explain(&c.ir, &c.plan, Some(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
      let json: Value = serde_json::from_str(&e.json()).expect("explain JSON parses");
      assert_eq!(json["explain_format_version"], "1.0");
      let entry = &json["entries"][0];
      assert_eq!(entry["name"], name.as_str(), "{name}: {json}");
      assert!(
        ["nsg_rule", "firewall_rule", "managed_network_rule"]
          .contains(&entry["kind"].as_str().unwrap_or_default()),
        "{name}: {entry}"
      );
      let md = e.markdown();
      assert!(md.contains(&format!("`{name}`")), "{name}:\n{md}");
      assert!(e.text().contains(&name), "{name}");
    }
  }
}

#[test]
fn documents_carry_their_public_urls_in_every_format() {
  let run = amlnet(&[
    "explain",
    "profiles/secure-workspace.toml",
    "Allow-Out-Tcp-AzureFrontDoor.FirstParty",
    "--format",
    "json",
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  let json: Value = serde_json::from_str(&run.stdout).expect("JSON");
  let requirements = json["entries"][0]["flow"]["requirements"]
    .as_array()
    .expect("requirements");
  let urls: Vec<&str> = requirements
    .iter()
    .flat_map(|r| r["sources"].as_array().expect("sources"))
    .filter_map(|s| s["url"].as_str())
    .collect();
  assert!(
    urls.iter().any(|u| u.starts_with("https://learn.microsoft.com/")),
    "{json}"
  );
  let md = amlnet(&[
    "explain",
    "profiles/secure-workspace.toml",
    "Allow-Out-Tcp-AzureFrontDoor.FirstParty",
    "--format",
    "markdown",
  ]);
  assert_eq!(md.code, 0, "{}", md.stderr);
  let targets = links(&md.stdout);
  assert!(
    !targets.is_empty()
      && targets
        .iter()
        .all(|u| u.starts_with("https://learn.microsoft.com/")),
    "{targets:?}\n{}",
    md.stdout
  );
  let text = amlnet(&[
    "explain",
    "profiles/secure-workspace.toml",
    "Allow-Out-Tcp-AzureFrontDoor.FirstParty",
  ]);
  assert!(
    text.stdout.contains("<https://learn.microsoft.com/"),
    "{}",
    text.stdout
  );
  // The rules table links the same documents.
  let out = crate::support::scratch("explain-rules-md").join("out");
  let run = amlnet(&[
    "compile",
    "profiles/secure-workspace.toml",
    "--out",
    out.to_str().unwrap(),
  ]);
  assert_eq!(run.code, 0, "{}", run.stderr);
  let rules_md = std::fs::read_to_string(out.join("rules.md")).expect("rules.md");
  assert!(
    links(&rules_md)
      .iter()
      .any(|u| u.starts_with("https://learn.microsoft.com/")),
    "{rules_md}"
  );
  let csv = std::fs::read_to_string(out.join("rules.csv")).expect("rules.csv");
  assert!(csv.contains("<https://learn.microsoft.com/"), "{csv}");
}

#[test]
fn hostile_sources_in_an_ir_never_become_links() {
  let mut c = amlnet::compile(std::path::Path::new("profiles/secure-workspace.toml")).expect("compiles");
  let hostile = [
    "x <javascript:alert(1)>",
    "x <https://evil.example/a b>",
    "x <https://evil|example>",
    "x](https://evil.example) [y",
  ];
  for r in &mut c.ir.dns_records {
    r.sources = hostile.iter().map(|s| s.to_string()).collect();
  }
  let name = c.ir.dns_records[0].name.clone();
  let md = explain(&c.ir, &c.plan, Some(&name)).expect("explains").markdown();
  assert!(links(&md).is_empty(), "{md}");
}
