//! What is wrong only across the spokes of a fleet: two spokes with one name (their
//! `out/<name>/` would collide), one workspace name or GUID, overlapping address spaces
//! between spokes or with the hub's on-premises ranges (peered VNets cannot overlap), a
//! spoke in another cloud than the hub's, a spoke routing to another firewall address.
//!
//! Takes the hub and the compiled spokes (sorted by name); returns problems located at the
//! fleet file's workspace entries, naming both profiles. Linear in the number of spokes
//! (maps and one sorted sweep, no pairwise loop). It never changes a spoke.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use crate::diagnostic::{Problem, SourceMap};

use super::{locate, Hub, Spoke};

pub fn check(hub: &Hub, spokes: &[Spoke], _sources: &mut SourceMap) -> Vec<Problem> {
  let mut problems = Vec::new();
  let mut names: BTreeMap<&str, usize> = BTreeMap::new();
  let mut workspaces: BTreeMap<&str, usize> = BTreeMap::new();
  let mut guids: BTreeMap<&str, usize> = BTreeMap::new();
  for (i, b) in spokes.iter().enumerate() {
    let bi = &b.compiled.ir;
    if let Some(&j) = names.get(bi.profile.as_str()) {
      let a = &spokes[j];
      problems.push(
        Problem::error(
          "FLT011",
          format!(
            "fleet: two profiles are named {}: {} and {}; each would write out/{}/",
            bi.profile,
            a.path.display(),
            b.path.display(),
            bi.profile
          ),
          Some(b.entry.clone()),
        )
        .hint("give each profile its own `name` (or file name)"),
      );
    }
    names.insert(&bi.profile, i);
    let name = bi.settings.workspace_name.as_str();
    if let Some(&j) = workspaces.get(name) {
      let a = &spokes[j];
      problems.push(
        Problem::error(
          "FLT012",
          format!(
            "fleet: workspaces {} ({}) and {} ({}) are both the Azure ML workspace {name}",
            a.name(),
            locate(a, name),
            bi.profile,
            locate(b, name)
          ),
          Some(b.entry.clone()),
        )
        .hint("each spoke is its own workspace: give each profile its own `workspace.name`"),
      );
    }
    workspaces.insert(name, i);
    if let Some(g) = guid(bi) {
      if let Some(&j) = guids.get(g) {
        let a = &spokes[j];
        problems.push(
          Problem::error(
            "FLT012",
            format!(
              "fleet: workspaces {} ({}) and {} ({}) have the same workspace GUID {g}",
              a.name(),
              locate(a, g),
              bi.profile,
              locate(b, g)
            ),
            Some(b.entry.clone()),
          )
          .hint("copy each workspace's own `workspace.id` (its workspaceId) into its profile"),
        );
      }
      guids.insert(g, i);
    }
    for y in &bi.settings.address_space {
      for (x, span) in &hub.on_premises {
        if x.contains(y) || y.contains(x) {
          problems.push(
            Problem::error(
              "FLT013",
              format!(
                "fleet: the address space of {} ({y}, {}) overlaps the hub's on-premises range {x}",
                bi.profile,
                locate(b, &y.to_string())
              ),
              Some(span.clone()),
            )
            .hint("traffic to an overlapping range never leaves the VNet; renumber the spoke or correct `hub.on_premises`"),
          );
        }
      }
    }
    if bi.cloud != hub.cloud {
      problems.push(
        Problem::error(
          "FLT014",
          format!(
            "fleet: {} is in {} but the hub is in {}; one firewall policy and one set of private DNS zones serve one cloud",
            bi.profile,
            bi.cloud,
            hub.cloud.name()
          ),
          Some(b.entry.clone()),
        )
        .hint("put the spoke in a fleet of its own cloud"),
      );
    }
    if let Some(ip) = bi.settings.firewall.private_ip {
      if ip != hub.private_ip {
        problems.push(Problem::warning(
          "FLT015",
          format!(
            "fleet: {} routes 0.0.0.0/0 to {ip} ({}), but the hub firewall is {}; its traffic would miss the hub's rules",
            bi.profile,
            locate(b, &ip.to_string()),
            hub.private_ip
          ),
          Some(b.entry.clone()),
        ));
      }
    }
  }
  overlaps(spokes, &mut problems);
  problems
}

/// Address spaces of different spokes that overlap: one sweep over the spaces sorted by first
/// address, each compared with the furthest-reaching space before it. Each overlapping space
/// is reported once, with a spoke it overlaps.
fn overlaps(spokes: &[Spoke], problems: &mut Vec<Problem>) {
  let mut spaces: Vec<(u32, u32, usize, Ipv4Net)> = spokes
    .iter()
    .enumerate()
    .flat_map(|(i, s)| {
      s.compiled
        .ir
        .settings
        .address_space
        .iter()
        .map(move |n| (u32::from(n.network()), u32::from(n.broadcast()), i, *n))
    })
    .collect();
  spaces.sort();
  let mut reach: Option<(u32, usize, Ipv4Net)> = None;
  for &(start, end, i, y) in &spaces {
    if let Some((far, j, x)) = reach {
      if start <= far && j != i {
        let (a, b) = (&spokes[j], &spokes[i]);
        problems.push(
          Problem::error(
            "FLT013",
            format!(
              "fleet: the address spaces of {} ({x}, {}) and {} ({y}, {}) overlap; peered spoke VNets cannot overlap",
              a.name(),
              locate(a, &x.to_string()),
              b.name(),
              locate(b, &y.to_string())
            ),
            Some(b.entry.clone()),
          )
          .hint("give each spoke VNet its own address space"),
        );
      }
    }
    if reach.is_none_or(|(far, _, _)| end > far) {
      reach = Some((end, i, y));
    }
  }
}

/// The workspace GUID: the first label of the workspace's private API record.
fn guid(ir: &crate::ir::Ir) -> Option<&str> {
  ir.dns_records
    .iter()
    .find(|r| r.resource == "workspace_api")
    .and_then(|r| r.name.split('.').next())
}
