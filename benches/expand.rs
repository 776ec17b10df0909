//! `cargo bench --bench expand`: how long `amlnet expand` takes and how much memory it
//! needs on the full public ServiceTags download. Takes the real file from
//! ../shared/data/service-tags (or `AMLNET_SERVICE_TAGS`) and a profile's IR; prints
//! milliseconds (min / median / max over repeated runs) and the process's peak RSS
//! (VmHWM). Never judges a figure (performance is read, not asserted) and never writes
//! files: the figures go to docs/expand.md.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use amlnet::expand::expand;
use amlnet::ir::Ir;
use amlnet::net::PrefixSet;
use amlnet::service_tags::ServiceTags;

const RUNS: usize = 30;

fn main() {
  let root = Path::new(env!("CARGO_MANIFEST_DIR"));
  let file = std::env::var_os("AMLNET_SERVICE_TAGS")
    .map(PathBuf::from)
    .unwrap_or_else(|| root.join("../shared/data/service-tags/ServiceTags_Public_2025-11-09.json"));
  if !file.is_file() {
    println!("expand bench: {} is absent; nothing measured", file.display());
    return;
  }
  let ir = profile_ir(root);
  let tags: Vec<&str> = service_tags(&ir);
  let rules = ir
    .flows
    .iter()
    .filter(|f| f.peer_kind() == amlnet::ir::PeerKind::ServiceTag)
    .count();
  println!(
    "expand bench: {} ({} bytes)",
    file.display(),
    std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0)
  );
  println!(
    "profile `{}`: {rules} service-tag rules, {} distinct expandable tags: {}",
    ir.profile,
    tags.len(),
    tags.join(" ")
  );
  println!("peak RSS before the first run: {}", peak_rss());

  let total = measure(|| {
    let text = std::fs::read_to_string(&file).expect("read");
    let parsed = ServiceTags::parse(&text, "bench").expect("parse");
    black_box(expand(&ir, &parsed).expect("expand"));
  });
  report(
    "read + parse + expand all service-tag rules (what `amlnet expand` does)",
    &total,
  );

  let text = std::fs::read_to_string(&file).expect("read");
  let parse = measure(|| {
    black_box(ServiceTags::parse(&text, "bench").expect("parse"));
  });
  report("parse only (4 MB JSON, ~96k prefixes as text)", &parse);

  let parsed = ServiceTags::parse(&text, "bench").expect("parse");
  let listed: usize = tags
    .iter()
    .filter_map(|t| parsed.get(t))
    .map(|t| t.properties.address_prefixes.len())
    .sum();
  let rules = measure(|| {
    black_box(expand(&ir, &parsed).expect("expand"));
  });
  report(
    &format!("expand only (JSON already parsed): parse + aggregate the rules' {listed} prefixes"),
    &rules,
  );

  let all = measure(|| {
    let mut n = 0;
    for tag in &parsed.tags {
      let (v4, v6) = tag.prefixes().expect("prefixes");
      n += PrefixSet::from_parts(v4, v6).len();
    }
    black_box(n);
  });
  report(
    &format!(
      "prefix parsing + aggregation of every tag of the file ({} prefixes; JSON already parsed)",
      parsed.prefix_count()
    ),
    &all,
  );

  println!("peak RSS (VmHWM): {}", peak_rss());
}

/// The IR of the shipped eastus training profile.
fn profile_ir(root: &Path) -> Ir {
  let profile = root.join("profiles/training-no-public-ip.toml");
  amlnet::compile_path(&profile).unwrap_or_else(|e| panic!("cannot compile {}: {e}", profile.display()))
}

/// The distinct tags a download expands (platform-resolved ones left out).
fn service_tags(ir: &Ir) -> Vec<&str> {
  let mut tags: Vec<&str> = ir
    .flows
    .iter()
    .filter_map(|f| f.peer.tag())
    .filter(|tag| amlnet::service_tags::virtual_tag(tag).is_none())
    .collect();
  tags.sort_unstable();
  tags.dedup();
  tags
}

fn measure(mut f: impl FnMut()) -> Vec<f64> {
  f(); // warm the page cache and the allocator
  let mut ms: Vec<f64> = (0..RUNS)
    .map(|_| {
      let t = Instant::now();
      f();
      t.elapsed().as_secs_f64() * 1000.0
    })
    .collect();
  ms.sort_by(f64::total_cmp);
  ms
}

fn report(what: &str, ms: &[f64]) {
  println!(
    "{what}: min {:.2} ms, median {:.2} ms, max {:.2} ms ({} runs)",
    ms[0],
    ms[ms.len() / 2],
    ms[ms.len() - 1],
    ms.len()
  );
}

fn peak_rss() -> String {
  std::fs::read_to_string("/proc/self/status")
    .ok()
    .and_then(|s| {
      s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l["VmHWM:".len()..].trim().to_string())
    })
    .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}
