//! `amlnet audit`: what is deployed against what the workspace needs.
//!
//! Takes a profile's compile (its IR and plan: the requirements) and the deployed NSG,
//! firewall policy and DNS records as `import` reads them; asks `eval` (the one evaluator)
//! and returns a `Report` of findings, each with the requirement, the deployed rule that
//! decides and the fix:
//! - **missing**: a required flow no deployed rule allows (the default rules deny it);
//! - **shadowed**: a required flow a deployed allow would carry, pre-empted by a deny above it;
//! - **broad**: a deployed allow wider than every requirement it serves, or one that allows
//!   what the profile denies;
//! - **extra**: a deployed allow that serves no requirement of the profile;
//! - **dns**: a required record missing, pointing at another address, or in the wrong zone.
//!
//! `audit/nsg`, `audit/firewall` and `audit/dns` find them; `audit/render` writes text,
//! Markdown (a change ticket) and JSON. Reads files only through `import`; never prints.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::eval::{Platform, TagBlocks, TagResolver, UnknownTag};
use crate::import;
use crate::ir::Ir;
use crate::net::PrefixSet;
use crate::plan::Plan;
use crate::{Error, Result};

mod dns;
mod firewall;
mod nsg;
mod render;
mod shape;

/// Version of the `audit --format json` shape; bump the major on any breaking change.
pub const AUDIT_FORMAT_VERSION: &str = "1.0";

/// A kind of finding, as `--fail-on` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
  Missing,
  Shadowed,
  Broad,
  Extra,
  Dns,
}

impl Kind {
  pub const ALL: [Kind; 5] = [Kind::Missing, Kind::Shadowed, Kind::Broad, Kind::Extra, Kind::Dns];

  /// What `--fail-on` holds when not given: every kind but `extra`, which is informational.
  pub const FAIL_BY_DEFAULT: [Kind; 4] = [Kind::Missing, Kind::Shadowed, Kind::Broad, Kind::Dns];

  pub fn as_str(self) -> &'static str {
    match self {
      Kind::Missing => "missing",
      Kind::Shadowed => "shadowed",
      Kind::Broad => "broad",
      Kind::Extra => "extra",
      Kind::Dns => "dns",
    }
  }
}

/// A deployed rule a finding names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deployed {
  pub name: String,
  pub priority: Option<u32>,
  /// `group/collection` for firewall rules.
  pub collection: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
  pub kind: Kind,
  /// `nsg`, `firewall` or `dns`.
  pub target: &'static str,
  /// The planned rule or record the finding is about (its name as amlnet plans it), or the
  /// deployed rule's name for `broad` and `extra`.
  pub subject: String,
  /// The catalog requirement ids behind it.
  pub requirements: Vec<String>,
  /// The deployed rule that decides (denies, pre-empts, is too wide, is extra).
  pub deployed: Option<Deployed>,
  /// What exactly: the traffic or record, and how it differs.
  pub detail: String,
  /// What to add, change or remove, as the target accepts it.
  pub fix: String,
}

#[derive(Debug, Serialize)]
pub struct Report {
  pub audit_format_version: &'static str,
  pub profile: String,
  pub findings: Vec<Finding>,
  /// What the audit could not check (skipped rules, zones not given, tags by name).
  pub notes: Vec<String>,
}

impl Report {
  pub fn count(&self, kind: Kind) -> usize {
    self.findings.iter().filter(|f| f.kind == kind).count()
  }

  pub fn text(&self) -> String {
    render::text(self)
  }

  pub fn markdown(&self) -> String {
    render::markdown(self)
  }

  pub fn json(&self) -> String {
    render::json(self)
  }
}

/// What `amlnet audit` was given.
pub struct Options<'a> {
  pub profile: &'a Path,
  pub nsg: Option<&'a Path>,
  pub firewall: Option<&'a Path>,
  /// Zone files (`FILE` or `ZONE=FILE`) and `az network private-dns record-set list` JSON.
  pub dns: &'a [String],
  pub service_tags: Option<&'a Path>,
}

/// The deployed state, read.
pub struct Deployment {
  pub nsg: Option<Vec<crate::target::nsg::SecurityRule>>,
  pub firewall: Option<import::firewall::Policy>,
  pub dns: Option<import::dns::Records>,
}

/// Compile the profile, read the exports, audit.
pub fn run(o: &Options) -> Result<Report> {
  if o.nsg.is_none() && o.firewall.is_none() && o.dns.is_empty() {
    return Err(Error::input(
      "audit: give --nsg, --firewall or --dns (or several)",
    ));
  }
  let compiled = crate::compile(o.profile)?;
  let nsg = match o.nsg {
    Some(path) => {
      let doc = import::read_json(path, "NSG export")?;
      Some(import::nsg::import(&doc).map_err(|e| Error::input(format!("`{}`: {e}", path.display())))?)
    }
    None => None,
  };
  let firewall = match o.firewall {
    Some(path) => {
      let doc = import::read_json(path, "firewall policy export")?;
      Some(import::firewall::policy(&doc).map_err(|e| Error::input(format!("`{}`: {e}", path.display())))?)
    }
    None => None,
  };
  let dns = if o.dns.is_empty() {
    None
  } else {
    Some(read_dns(o.dns)?)
  };
  let downloaded = match o.service_tags {
    Some(path) => {
      let tags = crate::service_tags::ServiceTags::load(path)?;
      tags.ensure_cloud(compiled.ir.cloud.name(), &compiled.ir.profile)?;
      Some(tags)
    }
    None => None,
  };
  let nsg_notes = nsg.as_ref().map(|i| i.notes.clone()).unwrap_or_default();
  let deployment = Deployment {
    nsg: nsg.map(|i| i.rules),
    firewall,
    dns,
  };
  let vnet = vnet(&compiled.ir);
  let platform = Platform::new(downloaded.as_ref(), vnet.clone());
  let blocks = TagBlocks::new(tags_named(&compiled.plan, &deployment));
  let symbolic = blocks.resolver(vnet);
  let chosen: &dyn TagResolver = if downloaded.is_some() {
    &platform
  } else {
    &symbolic
  };
  let tags = crate::eval::Cached::new(chosen);
  let mut report = audit(&compiled.ir, &compiled.plan, &deployment, &tags).map_err(|UnknownTag(tag)| {
    Error::input(format!(
      "audit: service tag `{tag}` is not in the ServiceTags download; use the download of the profile's cloud, or leave --service-tags out to compare tags by name"
    ))
  })?;
  report.notes.extend(nsg_notes);
  if downloaded.is_none() && (deployment.nsg.is_some() || deployment.firewall.is_some()) {
    report.notes.push(
      "service tags are compared by name (no --service-tags): a tag matches itself, its regional tags, `*` and Internet; give a ServiceTags download for exact prefixes"
        .into(),
    );
  }
  Ok(report)
}

/// The audit of a deployment against a compile; `tags` resolves every tag either names.
pub fn audit(
  ir: &Ir,
  plan: &Plan,
  d: &Deployment,
  tags: &dyn TagResolver,
) -> std::result::Result<Report, UnknownTag> {
  let mut findings = Vec::new();
  let mut notes = Vec::new();
  if let Some(rules) = &d.nsg {
    findings.extend(nsg::findings(ir, plan, rules, tags)?);
  }
  if let Some(policy) = &d.firewall {
    if ir.settings.egress != crate::ir::Egress::Firewall {
      notes.push(format!(
        "firewall: the profile's egress is `{}`, so no firewall rule is required; the policy is checked for extra and broad rules only",
        ir.settings.egress.as_str()
      ));
    }
    for s in &policy.skipped {
      notes.push(format!("firewall: {} was not evaluated: {}", s.what, s.why));
    }
    notes.extend(policy.notes.iter().cloned());
    findings.extend(firewall::findings(ir, plan, policy, tags)?);
  }
  if let Some(records) = &d.dns {
    let (found, said) = dns::findings(ir, records);
    findings.extend(found);
    notes.extend(said);
  }
  findings.sort_by(|a, b| (a.kind, a.target, &a.subject).cmp(&(b.kind, b.target, &b.subject)));
  Ok(Report {
    audit_format_version: AUDIT_FORMAT_VERSION,
    profile: ir.profile.clone(),
    findings,
    notes,
  })
}

fn vnet(ir: &Ir) -> PrefixSet {
  let nets: Vec<ipnet::IpNet> = ir
    .settings
    .address_space
    .iter()
    .map(|n| ipnet::IpNet::V4(*n))
    .collect();
  PrefixSet::aggregate(&nets)
}

/// Every service tag the plan and the deployment name, for the symbolic blocks.
fn tags_named(plan: &Plan, d: &Deployment) -> Vec<String> {
  crate::target::named_tags(
    plan.nsg.iter().chain(d.nsg.iter().flatten()),
    plan
      .firewall
      .network
      .rules
      .iter()
      .chain(d.firewall.iter().flat_map(|p| p.network_rules())),
  )
}

/// DNS inputs: JSON (a record-set list) when the file is JSON, else a zone file; `ZONE=FILE`
/// names the zone of a zone file without `$ORIGIN`.
fn read_dns(inputs: &[String]) -> Result<import::dns::Records> {
  let mut out = import::dns::Records::default();
  for input in inputs {
    let (zone, file) = match input.split_once('=') {
      Some((zone, file)) if !zone.contains('/') => (Some(zone), PathBuf::from(file)),
      _ => (None, PathBuf::from(input)),
    };
    let text = import::read_text(&file, "DNS export")?;
    let sets = if text.trim_start().starts_with(['[', '{']) {
      let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(format!(
          "DNS export `{}` is not JSON: {e} (line {}, column {})",
          file.display(),
          e.line(),
          e.column()
        ))
      })?;
      import::dns::record_sets(&doc)
    } else {
      import::dns::zone_file(&text, zone)
    };
    out.extend(sets.map_err(|e| Error::input(format!("DNS export `{}`: {e}", file.display())))?);
  }
  Ok(out)
}
