//! What is wrong only across the spokes of a fleet: two spokes with one name (their
//! `out/<name>/` would collide), one workspace name or GUID, overlapping address spaces
//! between spokes or with the hub's on-premises ranges (peered VNets cannot overlap), a
//! spoke in another cloud than the hub's, a spoke routing to another firewall address.
//!
//! Takes the hub and the compiled spokes; returns problems located at the fleet file's
//! workspace entries, naming both profiles. It never changes a spoke.

use crate::diagnostic::{Problem, SourceMap};

use super::{locate, Hub, Spoke};

pub fn check(hub: &Hub, spokes: &[Spoke], _sources: &mut SourceMap) -> Vec<Problem> {
  let mut problems = Vec::new();
  for (i, b) in spokes.iter().enumerate() {
    let bi = &b.compiled.ir;
    for a in &spokes[..i] {
      let ai = &a.compiled.ir;
      if ai.profile == bi.profile {
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
      if ai.settings.workspace_name == bi.settings.workspace_name {
        let name = &bi.settings.workspace_name;
        problems.push(
          Problem::error(
            "FLT012",
            format!(
              "fleet: workspaces {} ({}) and {} ({}) are both the Azure ML workspace {name}",
              ai.profile,
              locate(a, name),
              bi.profile,
              locate(b, name)
            ),
            Some(b.entry.clone()),
          )
          .hint("each spoke is its own workspace: give each profile its own `workspace.name`"),
        );
      }
      if let (Some(ga), Some(gb)) = (guid(ai), guid(bi)) {
        if ga == gb {
          problems.push(
            Problem::error(
              "FLT012",
              format!(
                "fleet: workspaces {} ({}) and {} ({}) have the same workspace GUID {ga}",
                ai.profile,
                locate(a, ga),
                bi.profile,
                locate(b, gb)
              ),
              Some(b.entry.clone()),
            )
            .hint("copy each workspace's own `workspace.id` (its workspaceId) into its profile"),
          );
        }
      }
      for x in &ai.settings.address_space {
        for y in &bi.settings.address_space {
          if x.contains(y) || y.contains(x) {
            problems.push(
              Problem::error(
                "FLT013",
                format!(
                  "fleet: the address spaces of {} ({x}, {}) and {} ({y}, {}) overlap; peered spoke VNets cannot overlap",
                  ai.profile,
                  locate(a, &x.to_string()),
                  bi.profile,
                  locate(b, &y.to_string())
                ),
                Some(b.entry.clone()),
              )
              .hint("give each spoke VNet its own address space"),
            );
          }
        }
      }
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
  problems
}

/// The workspace GUID: the first label of the workspace's private API record.
fn guid(ir: &crate::ir::Ir) -> Option<&str> {
  ir.dns_records
    .iter()
    .find(|r| r.resource == "workspace_api")
    .and_then(|r| r.name.split('.').next())
}
