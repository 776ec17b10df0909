//! diagram.dot and diagram.mmd (src/backend/diagram.rs): every valid profile's DOT renders
//! to SVG with the real `dot` (Debian graphviz) and shows the VNet, the subnets and every
//! private endpoint address; the Mermaid file is well formed (every edge between declared
//! nodes, subgraphs closed); hostile IR strings change no structure in either.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use amlnet::backend::render_all;
use amlnet::ir::Ir;
use amlnet::plan::Plan;

use crate::hostile::{benign, hostile, spiced};
use crate::support::{every_profile, scratch};

fn artifact(ir: &Ir, path: &str) -> String {
  let out = render_all(ir, &Plan::new(ir));
  out
    .artifacts
    .into_iter()
    .find(|a| a.path == path)
    .unwrap_or_else(|| panic!("{path} is written"))
    .contents
}

/// Run `dot -T{format}` on `text`; fails the test on any error or warning.
fn dot(text: &str, format: &str) -> String {
  use std::io::Write as _;
  let mut child = Command::new("dot")
    .arg(format!("-T{format}"))
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("dot runs (Debian graphviz: make deps)");
  child
    .stdin
    .take()
    .expect("stdin")
    .write_all(text.as_bytes())
    .expect("write");
  let out = child.wait_with_output().expect("dot finishes");
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert!(
    out.status.success() && stderr.is_empty(),
    "dot -T{format}: {stderr}\n{text}"
  );
  String::from_utf8_lossy(&out.stdout).into_owned()
}

/// SVG text with the numeric entities Graphviz writes (`&#45;` for `-`) decoded.
fn decoded(svg: &str) -> String {
  let mut out = String::new();
  let mut rest = svg;
  while let Some(at) = rest.find("&#") {
    out.push_str(&rest[..at]);
    let tail = &rest[at + 2..];
    match tail
      .split_once(';')
      .and_then(|(n, t)| Some((char::from_u32(n.parse().ok()?)?, t)))
    {
      Some((c, t)) => {
        out.push(c);
        rest = t;
      }
      None => {
        out.push_str("&#");
        rest = tail;
      }
    }
  }
  out.push_str(rest);
  out
}

#[test]
fn every_profile_diagram_renders_to_svg_with_its_network() {
  for path in every_profile() {
    let ir = amlnet::compile_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let svg = decoded(&dot(&artifact(&ir, "diagram.dot"), "svg"));
    let s = &ir.settings;
    if !s.address_space.is_empty() {
      assert!(
        svg.contains(&format!("VNet {}", s.vnet_name)),
        "{}",
        path.display()
      );
    }
    for subnet in &s.subnets {
      assert!(
        svg.contains(&format!("subnet {}", subnet.name)),
        "{}",
        path.display()
      );
    }
    for r in ir.dns_records.iter().filter(|r| r.endpoint.is_some()) {
      assert!(
        svg.contains(&format!(">{}<", r.value)),
        "{}: {}",
        path.display(),
        r.value
      );
    }
    for f in &ir.flows {
      if let Some(tag) = f.peer.tag() {
        assert!(
          svg.contains(&format!("service tag {tag}")),
          "{}: {tag}",
          path.display()
        );
      }
    }
  }
}

/// Node ids a Mermaid flowchart declares and uses: (declared, used by edges, subgraphs, ends).
fn mermaid_shape(text: &str) -> (BTreeSet<String>, BTreeSet<String>, usize, usize) {
  let (mut declared, mut used, mut opened, mut closed) = (BTreeSet::new(), BTreeSet::new(), 0, 0);
  for line in text.lines().skip_while(|l| l.starts_with("%%")).skip(1) {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("subgraph ") {
      opened += 1;
      declared.insert(rest.split('[').next().unwrap_or_default().to_string());
    } else if line == "end" {
      closed += 1;
    } else if line.contains("-->|") || line.contains("-.->|") {
      let words: Vec<&str> = line.split_whitespace().collect();
      used.insert(words[0].to_string());
      used.insert(words[words.len() - 1].to_string());
    } else {
      let id: String = line.chars().take_while(char::is_ascii_alphanumeric).collect();
      assert!(!id.is_empty(), "{line}");
      declared.insert(id);
    }
  }
  (declared, used, opened, closed)
}

#[test]
fn mermaid_edges_join_declared_nodes_and_subgraphs_close() {
  for path in every_profile() {
    let ir = amlnet::compile_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mmd = artifact(&ir, "diagram.mmd");
    assert!(mmd.lines().nth(1) == Some("flowchart LR"), "{mmd}");
    let (declared, used, opened, closed) = mermaid_shape(&mmd);
    assert_eq!(opened, closed, "{}", path.display());
    let undeclared: Vec<_> = used.difference(&declared).collect();
    assert!(undeclared.is_empty(), "{}: {undeclared:?}", path.display());
  }
}

#[test]
fn hostile_strings_change_no_structure() {
  let marker = scratch("diagram-hostile").join("MARKER");
  for profile in [
    "secure-workspace",
    "online-endpoint-managed-vnet",
    "training-public-ip",
  ] {
    let calm = spiced(profile, &benign);
    let wild = spiced(profile, &hostile(&marker));
    let shape = |ir: &Ir| {
      let json: serde_json::Value =
        serde_json::from_str(&dot(&artifact(ir, "diagram.dot"), "json")).expect("JSON");
      let names: Vec<String> = json["objects"]
        .as_array()
        .map(|o| o.iter().map(|o| o["name"].to_string()).collect())
        .unwrap_or_default();
      let edges = json["edges"].as_array().map_or(0, Vec::len);
      (names, edges)
    };
    assert_eq!(shape(&calm), shape(&wild), "{profile}: DOT structure");
    let (calm_mmd, wild_mmd) = (artifact(&calm, "diagram.mmd"), artifact(&wild, "diagram.mmd"));
    assert_eq!(
      calm_mmd.lines().count(),
      wild_mmd.lines().count(),
      "{profile}: Mermaid lines"
    );
    assert_eq!(
      mermaid_shape(&calm_mmd),
      mermaid_shape(&wild_mmd),
      "{profile}: Mermaid structure"
    );
  }
  assert!(!marker.exists());
}
