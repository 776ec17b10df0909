//! The fleet file: a `[hub]` table and the workspace profiles it serves.
//!
//! Takes the fleet file's path; returns the validated hub settings and the profile paths
//! (globs expanded, sorted, relative to the fleet file's directory), or errors located in the
//! fleet file (file:line:col, unknown keys refused with "did you mean", as for profiles).
//! It reads files only through `loader` (bounded reads, globs); it never compiles a profile.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ipnet::Ipv4Net;
use serde::Deserialize;

use crate::diagnostic::{Problem, SourceMap, Span};
use crate::model::names;
use crate::profile::Located;
use crate::region::Cloud;
use crate::Error;

type L<T> = Option<Located<T>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFleet {
  name: L<String>,
  hub: Option<RawHub>,
  workspaces: L<Vec<Located<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHub {
  cloud: L<String>,
  vnet_name: L<String>,
  on_premises: L<Vec<Located<String>>>,
  firewall: Option<RawHubFirewall>,
  dns: Option<RawHubDns>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHubFirewall {
  policy_name: L<String>,
  private_ip: L<String>,
  rule_collection_group: L<String>,
  priority: L<i64>,
  ip_groups: L<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHubDns {
  mode: L<String>,
  servers: L<Vec<Located<String>>>,
}

/// How the hub answers the spokes' private names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsMode {
  /// Azure Private DNS zones in the hub, linked to every spoke VNet.
  PrivateZones,
  /// Custom DNS servers (their addresses): zone files, forwarders and a hosts file.
  Custom(Vec<Ipv4Addr>),
}

impl DnsMode {
  pub fn as_str(&self) -> &'static str {
    match self {
      DnsMode::PrivateZones => "private-dns",
      DnsMode::Custom(_) => "custom",
    }
  }
}

/// How the hub's IP Groups are cut (`hub.firewall.ip_groups`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IpGroupMode {
  /// One IP Group per spoke, `ipg-<workspace>` (at most 200 spokes with rules).
  #[default]
  PerWorkspace,
  /// One IP Group per distinct set of hub rules, shared by every spoke that needs exactly
  /// that set, named after a hash of the set.
  PerRuleSet,
}

impl IpGroupMode {
  pub const ALL: [IpGroupMode; 2] = [IpGroupMode::PerWorkspace, IpGroupMode::PerRuleSet];

  pub fn as_str(self) -> &'static str {
    match self {
      IpGroupMode::PerWorkspace => "per-workspace",
      IpGroupMode::PerRuleSet => "per-rule-set",
    }
  }
}

/// The hub as the fleet file names it.
#[derive(Clone, Debug)]
pub struct Hub {
  pub name: String,
  pub cloud: Cloud,
  pub cloud_span: Option<Span>,
  pub vnet_name: String,
  pub on_premises: Vec<(Ipv4Net, Span)>,
  pub policy_name: String,
  pub private_ip: Ipv4Addr,
  pub rule_collection_group: String,
  pub priority: u32,
  pub ip_groups: IpGroupMode,
  pub dns: DnsMode,
}

/// One workspace profile of the fleet and the fleet-file entry that named it.
#[derive(Clone, Debug)]
pub struct Member {
  pub path: PathBuf,
  pub entry: Span,
}

/// A loaded fleet file.
#[derive(Debug)]
pub struct FleetFile {
  pub sources: SourceMap,
  pub hub: Hub,
  pub members: Vec<Member>,
}

/// Is this text a fleet file? A fleet file has a top-level `[hub]` table, which no profile
/// has (a profile refuses the key), so the test cannot take a profile for a fleet.
pub fn is_fleet(text: &str) -> bool {
  toml::from_str::<toml::Table>(text).is_ok_and(|t| t.get("hub").is_some_and(toml::Value::is_table))
}

/// Does the file at `path` look like a fleet file (see `is_fleet`)? Unreadable files are
/// not: the profile path reports why they cannot be read.
pub fn looks_like_fleet(path: &Path) -> bool {
  let mut sources = SourceMap::default();
  crate::loader::read_source(path, &mut sources).is_ok_and(|f| is_fleet(&sources.files()[f].text))
}

pub fn load(path: &Path) -> Result<FleetFile, Error> {
  let mut sources = SourceMap::default();
  let file = crate::loader::read_source(path, &mut sources)?;
  let raw: RawFleet = match crate::profile::parse_table(&sources.files()[file].text, file) {
    Ok(raw) => raw,
    Err(problem) => return Err(crate::loader::fail(sources, vec![*problem])),
  };
  let mut problems = Vec::new();
  let whole = Span { file, range: 0..0 };
  let hub = hub(&raw, &whole, &mut problems);
  let dir = path.parent().unwrap_or(Path::new("."));
  let members = members(&raw, dir, &whole, &mut problems);
  match hub {
    Some(hub) if problems.is_empty() => Ok(FleetFile {
      sources,
      hub,
      members,
    }),
    _ => Err(crate::loader::fail(sources, problems)),
  }
}

fn missing(what: &str, at: &Span) -> Problem {
  Problem::error(
    "FLT001",
    format!("the fleet file has no `{what}`"),
    Some(at.clone()),
  )
  .hint("see docs/fleet.md for the keys of a fleet file")
}

fn bad(at: &Span, message: String, hint: &str) -> Problem {
  Problem::error("FLT002", message, Some(at.clone())).hint(hint)
}

/// A name checked against the Azure naming rule of its resource type.
fn named(
  value: &L<String>,
  key: &str,
  rule: &names::NameRule,
  at: &Span,
  problems: &mut Vec<Problem>,
) -> Option<String> {
  let Some(v) = value else {
    problems.push(missing(key, at));
    return None;
  };
  if let Some(why) = rule.broken_by(&v.value) {
    problems.push(bad(
      &v.span,
      format!("`{key}` = \"{}\": {why}", v.value),
      "use a valid Azure resource name",
    ));
    return None;
  }
  Some(v.value.clone())
}

fn hub(raw: &RawFleet, whole: &Span, problems: &mut Vec<Problem>) -> Option<Hub> {
  let Some(h) = &raw.hub else {
    problems.push(missing("hub", whole));
    return None;
  };
  let name = raw
    .name
    .as_ref()
    .map_or_else(|| "hub".to_string(), |n| n.value.clone());
  if let Some(n) = &raw.name {
    if let Some(why) = crate::model::text::identifier_problem(&n.value) {
      problems.push(bad(
        &n.span,
        format!("`name` = \"{}\": {why}", n.value),
        "letters, digits and `-`",
      ));
    }
  }
  let cloud = match &h.cloud {
    None => Some(Cloud::AzureCloud),
    Some(c) => Cloud::parse(&c.value).or_else(|| {
      let names: Vec<&str> = Cloud::ALL.iter().map(|c| c.name()).collect();
      problems.push(bad(
        &c.span,
        format!("unknown cloud `{}`", c.value),
        &format!("one of {}", names.join(", ")),
      ));
      None
    }),
  };
  let vnet_name = named(&h.vnet_name, "hub.vnet_name", &names::VNET, whole, problems);
  let mut on_premises = Vec::new();
  for p in h.on_premises.iter().flat_map(|l| &l.value) {
    match p.value.parse::<Ipv4Net>() {
      Ok(net) => on_premises.push((net.trunc(), p.span.clone())),
      Err(_) => problems.push(bad(
        &p.span,
        format!("`{}` is not an IPv4 prefix", p.value),
        "write a prefix such as 172.16.0.0/16",
      )),
    }
  }
  let fw_default = RawHubFirewall::default();
  let fw = h.firewall.as_ref().unwrap_or_else(|| {
    problems.push(missing("hub.firewall", whole));
    &fw_default
  });
  let policy_name = named(
    &fw.policy_name,
    "hub.firewall.policy_name",
    &names::FIREWALL_POLICY,
    whole,
    problems,
  );
  let private_ip = match &fw.private_ip {
    None => {
      problems.push(missing("hub.firewall.private_ip", whole));
      None
    }
    Some(ip) => ip.value.parse::<Ipv4Addr>().ok().or_else(|| {
      problems.push(bad(
        &ip.span,
        format!("`{}` is not an IPv4 address", ip.value),
        "the hub firewall's private IP address",
      ));
      None
    }),
  };
  let group_default = Located {
    value: "amlnet-fleet".to_string(),
    span: whole.clone(),
  };
  let group = fw.rule_collection_group.clone().unwrap_or(group_default);
  let rule_collection_group = named(
    &Some(group),
    "hub.firewall.rule_collection_group",
    &names::RULE_COLLECTION_GROUP,
    whole,
    problems,
  );
  let priority = match &fw.priority {
    None => Some(1000),
    Some(p) => {
      let range = crate::target::firewall::MIN_PRIORITY as i64..=crate::target::firewall::MAX_PRIORITY as i64;
      if range.contains(&p.value) {
        Some(p.value as u32)
      } else {
        problems.push(bad(
          &p.span,
          format!("rule collection group priority {} is outside 100–65000", p.value),
          "Azure Firewall Policy priorities are 100–65000",
        ));
        None
      }
    }
  };
  let ip_groups = match &fw.ip_groups {
    None => Some(IpGroupMode::default()),
    Some(m) => IpGroupMode::ALL
      .into_iter()
      .find(|x| x.as_str() == m.value)
      .or_else(|| {
        let names: Vec<&str> = IpGroupMode::ALL.iter().map(|x| x.as_str()).collect();
        problems.push(bad(
          &m.span,
          format!("unknown IP group mode `{}`", m.value),
          &format!("one of {}", names.join(", ")),
        ));
        None
      }),
  };
  let dns = dns(h.dns.as_ref(), whole, problems);
  Some(Hub {
    name,
    cloud: cloud?,
    cloud_span: h.cloud.as_ref().map(|c| c.span.clone()),
    vnet_name: vnet_name?,
    on_premises,
    policy_name: policy_name?,
    private_ip: private_ip?,
    rule_collection_group: rule_collection_group?,
    priority: priority?,
    ip_groups: ip_groups?,
    dns: dns?,
  })
}

fn dns(d: Option<&RawHubDns>, whole: &Span, problems: &mut Vec<Problem>) -> Option<DnsMode> {
  let Some(d) = d else {
    return Some(DnsMode::PrivateZones);
  };
  let mut servers = Vec::new();
  for s in d.servers.iter().flat_map(|l| &l.value) {
    match s.value.parse::<Ipv4Addr>() {
      Ok(ip) => servers.push(ip),
      Err(_) => problems.push(bad(
        &s.span,
        format!("`{}` is not an IPv4 address", s.value),
        "a DNS server's IPv4 address",
      )),
    }
  }
  match d.mode.as_ref().map(|m| (m.value.as_str(), m.span.clone())) {
    None | Some(("private-dns", _)) => {
      if let Some(s) = &d.servers {
        problems.push(bad(
          &s.span,
          "`servers` is only for `mode = \"custom\"`".into(),
          "remove it, or set mode = \"custom\"",
        ));
      }
      Some(DnsMode::PrivateZones)
    }
    Some(("custom", span)) => {
      if servers.is_empty() && d.servers.is_none() {
        problems.push(bad(
          &span,
          "`mode = \"custom\"` needs `servers`".into(),
          "list the custom DNS servers' IPv4 addresses",
        ));
        return None;
      }
      Some(DnsMode::Custom(servers))
    }
    Some((other, span)) => {
      problems.push(bad(
        &span,
        format!("unknown DNS mode `{other}`"),
        "one of private-dns, custom",
      ));
      let _ = whole;
      None
    }
  }
}

fn members(raw: &RawFleet, dir: &Path, whole: &Span, problems: &mut Vec<Problem>) -> Vec<Member> {
  let Some(list) = &raw.workspaces else {
    problems.push(missing("workspaces", whole));
    return Vec::new();
  };
  let mut out: Vec<Member> = Vec::new();
  let mut seen = std::collections::BTreeSet::new();
  for entry in &list.value {
    let rel = Path::new(&entry.value);
    let name = rel
      .file_name()
      .map(|n| n.to_string_lossy().into_owned())
      .unwrap_or_default();
    let paths = if name.contains(['*', '?']) {
      let mut parent = dir.join(rel.parent().unwrap_or(Path::new("")));
      // `fleet.toml` given bare, globbing its own directory: the empty path lists nothing.
      if parent.as_os_str().is_empty() {
        parent = PathBuf::from(".");
      }
      match crate::loader::glob(&parent, &name) {
        Ok(found) if !found.is_empty() => found,
        _ => {
          problems.push(
            Problem::error("FLT003", format!("`{}` matches no profile", entry.value), Some(entry.span.clone()))
              .hint("paths and globs are relative to the fleet file's directory; only the file name may hold `*` or `?`"),
          );
          continue;
        }
      }
    } else {
      let path = dir.join(rel);
      if !crate::loader::is_profile_file(&path) {
        problems.push(
          Problem::error(
            "FLT003",
            format!("`{}` is not a profile (.toml file)", entry.value),
            Some(entry.span.clone()),
          )
          .hint("paths and globs are relative to the fleet file's directory"),
        );
        continue;
      }
      vec![path]
    };
    for path in paths {
      // One profile named twice (a path and a glob) is one workspace.
      let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
      if seen.insert(canonical) {
        out.push(Member {
          path,
          entry: entry.span.clone(),
        });
      }
    }
  }
  if out.is_empty() && problems.is_empty() {
    problems.push(bad(
      &list.span,
      "the fleet names no workspace profile".into(),
      "list profile paths or globs in `workspaces`",
    ));
  }
  out
}
