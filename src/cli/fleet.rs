//! `amlnet compile FLEET.toml` and `amlnet compile A.toml B.toml …`: compile every workspace,
//! print the fleet summary (or its JSON), and write `--out` through `amlnet::io` as one tree:
//! `<name>/` per workspace (what a single compile writes there, with its own manifest) and,
//! for a fleet file, `hub/`. Each spoke's files go into the staging tree as soon as the spoke
//! is compiled (a thousand spokes' artifacts are never in memory together); one atomic swap
//! at the end, so a failed fleet writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use amlnet::backend::Artifact;
use amlnet::fleet::Sink;
use amlnet::io::{Entry, Options, Staging};
use amlnet::{Error, Ir};
use serde_json::{Map, Value};

use super::args::{CompileArgs, CompileFormat};
use super::{write_stdout, OK};

pub fn compile_fleet(args: &CompileArgs) -> Result<u8, Error> {
  let out = args.out.as_deref();
  let tree = out
    .map(|dir| Tree::begin(dir, args.force, std::slice::from_ref(&args.profile)))
    .transpose()?;
  let fleet = amlnet::fleet::compile_into(
    &args.profile,
    amlnet::catalog::get(),
    tree.as_ref().map(|t| t as &dyn Sink),
  )?;
  let text = match args.format {
    CompileFormat::Json => amlnet::fleet::summary::json(&fleet),
    CompileFormat::Summary => amlnet::fleet::summary::text(&fleet, out),
  };
  if let Some(tree) = tree {
    let mut stamp = Map::new();
    stamp.insert("fleet".into(), fleet.hub.name.clone().into());
    stamp.insert("workspaces".into(), fleet.workspace_names().into());
    tree.finish(&fleet.inputs, stamp, &fleet.workspace_names())?;
  }
  write_stdout(&text)?;
  // A thousand spokes' IRs and plans are millions of small allocations that the process's
  // exit frees at once; freeing them one by one first costs a tenth of the run.
  std::mem::forget(fleet);
  Ok(OK)
}

pub fn compile_profiles(args: &CompileArgs) -> Result<u8, Error> {
  let mut paths = vec![args.profile.clone()];
  paths.extend(args.more.iter().cloned());
  let out = args.out.as_deref();
  let tree = out.map(|dir| Tree::begin(dir, args.force, &paths)).transpose()?;
  let all = amlnet::fleet::compile_profiles(&paths, tree.as_ref().map(|t| t as &dyn Sink))?;
  let text = match args.format {
    CompileFormat::Json => {
      let irs: Vec<Value> = all
        .iter()
        .map(|c| serde_json::from_str(&c.ir.to_json()).unwrap_or(Value::Null))
        .collect();
      amlnet::syntax::json::document(&irs)
    }
    CompileFormat::Summary => {
      let mut s = String::new();
      for c in &all {
        let counts = amlnet::backend::rule_counts(&c.ir, &c.plan);
        s.push_str(&format!(
          "{} ({} {}): {}\n",
          c.ir.profile,
          c.ir.cloud,
          c.ir.region,
          counts.join("; ")
        ));
      }
      if let Some(dir) = out {
        s.push_str(&format!("wrote {} workspaces to {}\n", all.len(), dir.display()));
      }
      s
    }
  };
  if let Some(tree) = tree {
    let inputs: Vec<PathBuf> = all.iter().flat_map(|c| c.inputs.iter().cloned()).collect();
    let names: Vec<&str> = all.iter().map(|c| c.ir.profile.as_str()).collect();
    let mut stamp = Map::new();
    stamp.insert("workspaces".into(), names.clone().into());
    tree.finish(&inputs, stamp, &names)?;
  }
  write_stdout(&text)?;
  Ok(OK)
}

/// The `--out` tree of several workspaces being written: the staging tree and the manifest
/// entries of the files written, per workspace and per part of the hub (they finish in any
/// order).
struct Tree {
  staging: Staging,
  force: bool,
  workspaces: Mutex<BTreeMap<String, Vec<Entry>>>,
  hub: Mutex<BTreeMap<usize, Vec<Entry>>>,
}

impl Tree {
  /// Checked with the inputs named on the command line; `finish` checks again with every
  /// file the compile read.
  fn begin(dir: &Path, force: bool, named: &[PathBuf]) -> Result<Tree, Error> {
    let options = Options {
      force,
      inputs: named.iter().map(PathBuf::as_path).collect(),
    };
    Ok(Tree {
      staging: Staging::begin(dir, &options)?,
      force,
      workspaces: Mutex::new(BTreeMap::new()),
      hub: Mutex::new(BTreeMap::new()),
    })
  }

  /// `<name>/ir.json`, every artifact and `<name>/manifest.json`, as a single compile writes
  /// them; each file hashed once, for both manifests.
  fn write_workspace(&self, ir: &Ir, artifacts: Vec<Artifact>) -> Result<(), Error> {
    let name = &ir.profile;
    let write = |rel: &str, text: &str| -> Result<Entry, Error> {
      let entry = self.staging.write(&format!("{name}/{rel}"), text)?;
      Ok(Entry {
        path: rel.to_string(),
        ..entry
      })
    };
    let mut own = Vec::with_capacity(artifacts.len() + 2);
    own.push(write("ir.json", &ir.to_json())?);
    for a in artifacts {
      own.push(write(&a.path, &a.contents)?);
    }
    let manifest = amlnet::io::manifest_of(&super::compile::stamp(ir), &own);
    own.push(write(amlnet::io::MANIFEST, &manifest)?);
    let entries = own.iter().map(|e| e.under(name)).collect();
    self
      .workspaces
      .lock()
      .unwrap_or_else(PoisonError::into_inner)
      .insert(name.clone(), entries);
    Ok(())
  }

  /// The tree's manifest lists each workspace's files (in `names`' order), then the hub's.
  fn finish(self, inputs: &[PathBuf], stamp: Map<String, Value>, names: &[&str]) -> Result<(), Error> {
    let mut full = Map::new();
    full.insert("amlnet_version".into(), env!("CARGO_PKG_VERSION").into());
    full.extend(stamp);
    let mut workspaces = self
      .workspaces
      .into_inner()
      .unwrap_or_else(PoisonError::into_inner);
    let mut entries: Vec<Entry> = names
      .iter()
      .flat_map(|n| workspaces.remove(*n).unwrap_or_default())
      .collect();
    let hub = self.hub.into_inner().unwrap_or_else(PoisonError::into_inner);
    entries.extend(hub.into_values().flatten());
    let options = Options {
      force: self.force,
      inputs: inputs.iter().map(PathBuf::as_path).collect(),
    };
    self.staging.finish(&options, &full, &entries)
  }
}

impl Sink for Tree {
  /// The spokes' files start going to disk while the hub is planned and rendered.
  fn spokes_done(&self) {
    self.staging.sync_in_background();
  }

  fn spoke(&self, ir: &Ir, artifacts: Vec<Artifact>) -> Result<(), Error> {
    self.write_workspace(ir, artifacts)
  }

  fn hub(&self, part: usize, artifacts: Vec<Artifact>) -> Result<(), Error> {
    // Host records are a file per name: thousands in one part, written on every core.
    let entries = amlnet::parallel::try_map(&artifacts, |a| self.staging.write(&a.path, &a.contents))?;
    self
      .hub
      .lock()
      .unwrap_or_else(PoisonError::into_inner)
      .insert(part, entries);
    Ok(())
  }
}
