//! Independent tools read the deploy outputs of every shipped profile: an HCL2 parser the
//! Terraform, pycep the Bicep, the Azure SDK's models the ARM JSON (and the Bicep bodies),
//! checkov all three, bash with a recording `az` the CLI script, PyYAML the managed-network
//! YAML. Each format must carry exactly the ARM outputs' rules, zones and records.
//!
//! The Python checkers live in scripts/check_*.py and run on the project's .venv/, which
//! `make deps` (scripts/install-test-deps.sh) fills; a missing checker fails these tests, it
//! never skips them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use amlnet::backend::{self, Output, Target};
use amlnet::ir::{Direction, Flow, Ir, ManagedNetworkSettings, PeerKind, Protocol};
use amlnet::plan::Plan;
use serde_json::Value;

use crate::support::{root, scratch, shipped_profiles, stem, venv_bin, venv_path};

/// checkov checks skipped on purpose, with the reason. docs/deploy.md lists every one (a test
/// below checks that); none is needed today: checkov flags nothing in the emitted rules.
const CHECKOV_SKIPS: &[(&str, &str)] = &[];

pub(crate) struct Compiled {
  pub(crate) name: String,
  pub(crate) ir: Ir,
  pub(crate) dir: PathBuf,
}

/// Every shipped and test profile compiled and written under one scratch directory, one
/// folder each.
fn compile_all(tag: &str) -> (PathBuf, Vec<Compiled>) {
  let base = scratch(tag);
  let all = crate::support::every_profile()
    .iter()
    .map(|p| compile_into(p, &base))
    .collect();
  (base, all)
}

/// One profile compiled and its artifacts written under `base`, in a folder of its name.
pub(crate) fn compile_into(path: &Path, base: &Path) -> Compiled {
  let name = stem(path);
  let ir = amlnet::compile_path(path).unwrap_or_else(|e| panic!("{name} compiles: {e}"));
  let out = backend::render_all(&ir, &amlnet::plan::Plan::new(&ir));
  let dir = base.join(&name);
  for a in &out.artifacts {
    let file = dir.join(&a.path);
    std::fs::create_dir_all(file.parent().expect("artifact has a folder")).expect("scratch writable");
    std::fs::write(&file, &a.contents).expect("scratch writable");
  }
  Compiled { name, ir, dir }
}

/// What each deployment format of one compiled profile deploys, each read by its own
/// independent checker: ARM (JSON), Terraform (python-hcl2), Bicep (pycep), az CLI (recorded).
pub(crate) fn every_format(c: &Compiled) -> Vec<(&'static str, Deploy)> {
  let tf_dir = c.dir.join("terraform");
  let tf = checked("check_terraform.py", std::slice::from_ref(&tf_dir));
  let bicep_file = c.dir.join("bicep/main.bicep");
  let bicep = checked("check_bicep.py", std::slice::from_ref(&bicep_file));
  let (out, calls) = run_azcli(c, &[("RESOURCE_GROUP", "rg-test"), ("VNET_ID", VNET_ID)]);
  assert!(
    out.status.success(),
    "{}: {}",
    c.name,
    String::from_utf8_lossy(&out.stderr)
  );
  vec![
    ("arm", from_arm(c)),
    (
      "terraform",
      from_terraform(&tf["dirs"][tf_dir.to_string_lossy().as_ref()]),
    ),
    ("bicep", from_bicep(&bicep[bicep_file.to_string_lossy().as_ref()])),
    (
      "azcli",
      from_azcli(&calls, c.ir.settings.dns.ttl, &c.ir.settings.nsg.name),
    ),
  ]
}

struct Py {
  code: i32,
  stdout: String,
  stderr: String,
}

fn python(script: &str, args: &[PathBuf]) -> Py {
  let python = crate::support::python();
  let out = Command::new(&python)
    .arg(root().join("scripts").join(script))
    .args(args)
    .output()
    .unwrap_or_else(|e| panic!("{} runs (run `make deps`): {e}", python.display()));
  let py = Py {
    code: out.status.code().unwrap_or(-1),
    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
  };
  assert_ne!(
    py.code, 3,
    "{script}: a checker module is missing from .venv, run `make deps`:\n{}",
    py.stderr
  );
  py
}

/// Run a checker that must succeed and return its JSON.
pub(crate) fn checked(script: &str, args: &[PathBuf]) -> Value {
  let py = python(script, args);
  assert_eq!(py.code, 0, "{script} failed:\n{}\n{}", py.stderr, py.stdout);
  serde_json::from_str(&py.stdout).unwrap_or_else(|e| panic!("{script} prints JSON: {e}\n{}", py.stdout))
}

// ---------------------------------------------------------------------------------------
// One canonical form for every format, so each can be compared with the ARM outputs.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct NsgRule {
  name: String,
  priority: u64,
  direction: String,
  access: String,
  protocol: String,
  source: String,
  source_ports: Vec<String>,
  destination: String,
  ports: Vec<String>,
  description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct FwRule {
  collection: String,
  collection_priority: u64,
  kind: String,
  name: String,
  description: String,
  /// Network: "TCP"; application: "Https:443".
  protocols: Vec<String>,
  sources: Vec<String>,
  addresses: Vec<String>,
  fqdns: Vec<String>,
  ports: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Deploy {
  nsg: Vec<NsgRule>,
  fw_priority: u64,
  fw: Vec<FwRule>,
  zones: Vec<String>,
  /// Zone of each VNet link.
  links: Vec<String>,
  /// (zone, relative name, addresses).
  records: Vec<(String, String, Vec<String>)>,
  /// Route table names.
  route_tables: Vec<String>,
  pub(crate) routes: Vec<Route>,
  /// Every subnet associated with the NSG, with its route table ("" for none).
  pub(crate) subnets: Vec<(String, String)>,
}

/// One user-defined route as every format spells it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Route {
  pub(crate) table: String,
  pub(crate) name: String,
  pub(crate) prefix: String,
  pub(crate) hop: String,
  /// The next hop's address, "" for next hop Internet.
  pub(crate) hop_ip: String,
}

impl Deploy {
  fn sorted(mut self) -> Deploy {
    self.nsg.sort();
    self.fw.sort();
    self.zones.sort();
    self.links.sort();
    for r in &mut self.records {
      r.2.sort();
    }
    self.records.sort();
    self.route_tables.sort();
    self.routes.sort();
    self.subnets.sort();
    self
  }
}

mod azcli;
mod formats;
mod plan;
mod read;

pub(crate) use azcli::{from_azcli, parse_call, run_azcli, VNET_ID};
pub(crate) use plan::flow;
use read::*;
