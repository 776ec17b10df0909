//! `cargo bench --bench audit`: the audit of a large deployment — an NSG export with 1,000
//! rules and a firewall policy export with 10,000 rules (generated here, written under
//! target/bench-audit/) — against training-no-public-ip, with the full public ServiceTags
//! download beside the checkout (`../shared/data/service-tags/`). Prints the in-process time
//! (min / median) and the whole process's wall time and peak memory (GNU time, when
//! installed) for `amlnet audit`; never judges a figure: the table goes to docs/audit.md.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const NSG_RULES: usize = 1_000;
const FIREWALL_RULES: usize = 10_000;

fn main() {
  let root = Path::new(env!("CARGO_MANIFEST_DIR"));
  let tags = ["../shared", "../../shared"]
    .iter()
    .map(|d| {
      root
        .join(d)
        .join("data/service-tags/ServiceTags_Public_2025-11-09.json")
    })
    .find(|p| p.is_file())
    .expect("the public ServiceTags download beside the checkout");
  let dir = root.join("target/bench-audit");
  std::fs::create_dir_all(&dir).expect("target/ writable");
  let nsg = dir.join("nsg.json");
  let fw = dir.join("fw.json");
  std::fs::write(&nsg, nsg_export()).expect("writable");
  std::fs::write(&fw, firewall_export()).expect("writable");
  let profile = root.join("profiles/training-no-public-ip.toml");
  let options = amlnet::audit::Options {
    profile: &profile,
    nsg: Some(&nsg),
    firewall: Some(&fw),
    dns: &[],
    service_tags: Some(&tags),
  };
  let mut times: Vec<Duration> = (0..10)
    .map(|_| {
      let t = Instant::now();
      let report = amlnet::audit::run(&options).expect("audits");
      std::hint::black_box(report);
      t.elapsed()
    })
    .collect();
  times.sort();
  println!("| case | in-process (ms, min / median) | whole process (ms, median) | peak memory (MB) |");
  println!("|---|---|---|---|");
  let (wall, rss) = whole_process(&profile, &nsg, &fw, &tags);
  println!(
    "| NSG {NSG_RULES} rules + firewall {FIREWALL_RULES} rules, public ServiceTags | {} / {} | {} | {} |",
    times[0].as_millis(),
    times[times.len() / 2].as_millis(),
    wall.as_millis(),
    rss.map_or("n/a".to_string(), |kb| (kb / 1024).to_string())
  );
}

/// Median wall time of five runs of the binary, and its peak resident set (KiB) from GNU time.
fn whole_process(profile: &Path, nsg: &Path, fw: &Path, tags: &Path) -> (Duration, Option<u64>) {
  let bin = PathBuf::from(env!("CARGO_BIN_EXE_amlnet"));
  let args = |c: &mut Command| {
    c.arg("audit")
      .arg(profile)
      .arg("--nsg")
      .arg(nsg)
      .arg("--firewall")
      .arg(fw)
      .arg("--service-tags")
      .arg(tags)
      .arg("--format")
      .arg("json");
  };
  let mut walls: Vec<Duration> = (0..5)
    .map(|_| {
      let mut c = Command::new(&bin);
      args(&mut c);
      let t = Instant::now();
      let out = c.output().expect("runs");
      assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
      );
      t.elapsed()
    })
    .collect();
  walls.sort();
  let rss = Path::new("/usr/bin/time").is_file().then(|| {
    let mut c = Command::new("/usr/bin/time");
    c.arg("-v").arg(&bin);
    args(&mut c);
    let out = c.output().expect("runs");
    String::from_utf8_lossy(&out.stderr).lines().find_map(|l| {
      l.trim()
        .strip_prefix("Maximum resident set size (kbytes): ")?
        .parse()
        .ok()
    })
  });
  (walls[walls.len() / 2], rss.flatten())
}

/// Tags the generated rules name, from the download.
const TAGS: [&str; 8] = [
  "AzureMachineLearning",
  "Storage.EastUS",
  "AzureActiveDirectory",
  "AzureResourceManager",
  "MicrosoftContainerRegistry.EastUS",
  "AzureFrontDoor.FirstParty",
  "AzureMonitor",
  "Sql.WestEurope",
];

fn nsg_export() -> String {
  let mut rules = String::new();
  for i in 0..NSG_RULES {
    let destination = if i % 3 == 0 {
      TAGS[i % TAGS.len()].to_string()
    } else {
      format!("20.{}.{}.0/24", i / 250, i % 250)
    };
    let _ = write!(
      rules,
      r#"{}{{"name":"r{i}","priority":{},"direction":"Outbound","access":"{}","protocol":"Tcp","sourceAddressPrefix":"VirtualNetwork","sourcePortRange":"*","destinationAddressPrefix":"{destination}","destinationPortRange":"{}"}}"#,
      if i == 0 { "" } else { "," },
      100 + i,
      if i % 7 == 0 { "Deny" } else { "Allow" },
      1000 + i
    );
  }
  format!(r#"{{"name":"nsg","securityRules":[{rules}]}}"#)
}

fn firewall_export() -> String {
  let mut collections = String::new();
  let per = 500;
  for c in 0..FIREWALL_RULES / per {
    let app = c % 2 == 1;
    let mut rules = String::new();
    for j in 0..per {
      let i = c * per + j;
      let sep = if j == 0 { "" } else { "," };
      if app {
        let _ = write!(
          rules,
          r#"{sep}{{"ruleType":"ApplicationRule","name":"a{i}","sourceAddresses":["10.{}.0.0/16"],"protocols":[{{"protocolType":"Https","port":443}}],"targetFqdns":["host{i}.example.com","*.svc{i}.example.net"]}}"#,
          i % 250
        );
      } else {
        let destination = if i % 4 == 0 {
          TAGS[i % TAGS.len()].to_string()
        } else {
          format!("40.{}.{}.0/24", i / 250 % 250, i % 250)
        };
        let _ = write!(
          rules,
          r#"{sep}{{"ruleType":"NetworkRule","name":"n{i}","ipProtocols":["TCP"],"sourceAddresses":["10.{}.0.0/16"],"destinationAddresses":["{destination}"],"destinationPorts":["{}"]}}"#,
          i % 250,
          443 + i % 50
        );
      }
    }
    let _ = write!(
      collections,
      r#"{}{{"ruleCollectionType":"FirewallPolicyFilterRuleCollection","name":"c{c}","priority":{},"action":{{"type":"{}"}},"rules":[{rules}]}}"#,
      if c == 0 { "" } else { "," },
      200 + c * 10,
      if c % 5 == 4 { "Deny" } else { "Allow" }
    );
  }
  format!(r#"[{{"name":"hub","priority":500,"ruleCollections":[{collections}]}}]"#)
}
