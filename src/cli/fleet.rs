//! `amlnet compile FLEET.toml` and `amlnet compile A.toml B.toml …`: compile every workspace,
//! print the fleet summary (or its JSON), and hand `--out` to `amlnet::io` as one tree:
//! `<name>/` per workspace (what a single compile writes there, with its own manifest) and,
//! for a fleet file, `hub/`. One writer, one atomic swap, so a failed fleet writes nothing.

use std::path::{Path, PathBuf};

use amlnet::{Compiled, Error};
use serde_json::{Map, Value};

use super::args::{CompileArgs, CompileFormat};
use super::{write_stdout, OK};

pub fn compile_fleet(args: &CompileArgs) -> Result<u8, Error> {
  let fleet = amlnet::fleet::compile(&args.profile)?;
  let out = args.out.as_deref();
  let text = match args.format {
    CompileFormat::Json => amlnet::fleet::summary::json(&fleet),
    CompileFormat::Summary => amlnet::fleet::summary::text(&fleet, out),
  };
  if let Some(dir) = out {
    let mut stamp = Map::new();
    stamp.insert("fleet".into(), fleet.hub.name.clone().into());
    stamp.insert("workspaces".into(), fleet.workspace_names().into());
    let inputs = fleet.inputs.clone();
    // The artifacts move into the file list: a fleet of a thousand spokes holds them once.
    let mut files: Vec<(String, String)> = Vec::new();
    for spoke in fleet.spokes {
      push_workspace(&mut files, spoke.compiled);
    }
    files.extend(fleet.output.artifacts.into_iter().map(|a| (a.path, a.contents)));
    write(dir, args.force, &inputs, &stamp, &files)?;
  }
  write_stdout(&text)?;
  Ok(OK)
}

pub fn compile_profiles(args: &CompileArgs) -> Result<u8, Error> {
  let mut paths = vec![args.profile.clone()];
  paths.extend(args.more.iter().cloned());
  let all = amlnet::fleet::compile_profiles(&paths)?;
  let out = args.out.as_deref();
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
  if let Some(dir) = out {
    let inputs: Vec<PathBuf> = all.iter().flat_map(|c| c.inputs.iter().cloned()).collect();
    let mut stamp = Map::new();
    let names: Vec<String> = all.iter().map(|c| c.ir.profile.clone()).collect();
    stamp.insert("workspaces".into(), names.into());
    let mut files = Vec::new();
    for c in all {
      push_workspace(&mut files, c);
    }
    write(dir, args.force, &inputs, &stamp, &files)?;
  }
  write_stdout(&text)?;
  Ok(OK)
}

/// `<name>/ir.json`, every artifact and `<name>/manifest.json`, as a single compile writes them.
fn push_workspace(files: &mut Vec<(String, String)>, c: Compiled) {
  let mut own = vec![("ir.json".to_string(), c.ir.to_json())];
  own.extend(c.output.artifacts.into_iter().map(|a| (a.path, a.contents)));
  let manifest = amlnet::io::manifest(&stamp(&c.ir), &own);
  let name = &c.ir.profile;
  files.extend(own.into_iter().map(|(p, t)| (format!("{name}/{p}"), t)));
  files.push((format!("{name}/{}", amlnet::io::MANIFEST), manifest));
}

fn stamp(ir: &amlnet::Ir) -> Map<String, Value> {
  let mut stamp = Map::new();
  stamp.insert("amlnet_version".into(), ir.amlnet_version.clone().into());
  stamp.insert("catalog_version".into(), ir.catalog_version.clone().into());
  stamp.insert("profile".into(), ir.profile.clone().into());
  stamp.insert("profile_hash".into(), ir.profile_hash.clone().into());
  stamp
}

fn write(
  dir: &Path,
  force: bool,
  inputs: &[PathBuf],
  stamp: &Map<String, Value>,
  files: &[(String, String)],
) -> Result<(), Error> {
  let mut full = Map::new();
  full.insert("amlnet_version".into(), env!("CARGO_PKG_VERSION").into());
  full.extend(stamp.clone());
  let options = amlnet::io::Options {
    force,
    inputs: inputs.iter().map(PathBuf::as_path).collect(),
  };
  amlnet::io::replace_dir(dir, &options, &full, files)
}
