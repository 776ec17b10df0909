//! `diagram.dot` (Graphviz) and `diagram.mmd` (Mermaid): a picture of what the profile
//! allows, for design reviews.
//!
//! Takes the IR (the VNet, its subnets and which hold compute, the private endpoint addresses
//! of the DNS records, the egress path, the flows) and draws one neutral `Diagram`: the VNet
//! with its subnets, compute and private endpoints inside; the firewall, NAT gateway or NSG
//! that carries egress; the workspace managed VNet when there is one; outbound flows grouped
//! by service tag, address block or FQDN domain, with their protocols and ports; inbound flows
//! towards the compute. The two renderers write that one diagram, every label through
//! `syntax::dot` or `syntax::mermaid`. Node ids are amlnet's own (`n0`, `n1`, ...), never
//! profile text. Deterministic: everything is sorted or in the IR's order.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::ir::{Direction, Egress, Ir, Local, Peer, Protocol};
use crate::net::PortSet;
use crate::plan::Plan;
use crate::syntax::{self, dot, mermaid, Syntax};

use super::Output;

/// FQDNs listed by name in one group's box; the rest are counted.
const LISTED_FQDNS: usize = 6;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
  /// Compute and endpoints.
  Box,
  /// Where egress leaves: firewall, NAT gateway, NSG.
  Gate,
  /// Peers outside the network: service tags, FQDN groups, address blocks.
  Peer,
}

struct Node {
  id: String,
  lines: Vec<String>,
  shape: Shape,
}

struct Cluster {
  id: String,
  lines: Vec<String>,
  nodes: Vec<Node>,
  children: Vec<Cluster>,
}

struct Edge {
  from: String,
  to: String,
  lines: Vec<String>,
  inbound: bool,
}

#[derive(Default)]
struct Diagram {
  clusters: Vec<Cluster>,
  nodes: Vec<Node>,
  edges: Vec<Edge>,
}

pub fn render(ir: &Ir, _plan: &Plan, out: &mut Output) {
  let diagram = build(ir);
  out.add("diagram.dot", render_dot(ir, &diagram));
  out.add("diagram.mmd", render_mermaid(ir, &diagram));
}

fn build(ir: &Ir) -> Diagram {
  let s = &ir.settings;
  let mut ids = 0..;
  let mut next_id = || format!("n{}", ids.next().unwrap_or_default());
  let mut diagram = Diagram::default();

  // Private endpoints: one box per address, naming what answers there.
  let mut endpoints: BTreeMap<Ipv4Addr, BTreeSet<&str>> = BTreeMap::new();
  for record in ir.dns_records.iter().filter(|r| r.endpoint.is_some()) {
    endpoints
      .entry(record.value)
      .or_default()
      .insert(&record.resource);
  }
  let endpoint_node = |id: String, ip: &Ipv4Addr, what: &BTreeSet<&str>| Node {
    id,
    lines: vec![
      "private endpoint".to_string(),
      ip.to_string(),
      what.iter().copied().collect::<Vec<_>>().join(", "),
    ],
    shape: Shape::Box,
  };

  let mut compute = Vec::new();
  let customer_vnet = !s.address_space.is_empty() || !s.subnets.is_empty();
  if customer_vnet {
    let mut vnet = Cluster {
      id: next_id(),
      lines: vec![format!("VNet {}", s.vnet_name), join(&s.address_space)],
      nodes: Vec::new(),
      children: Vec::new(),
    };
    let mut placed = BTreeSet::new();
    for subnet in &s.subnets {
      let mut lines = vec![format!("subnet {}", subnet.name), subnet.prefix.to_string()];
      if let Some(d) = &subnet.delegated_to {
        lines.push(format!("delegated to {d}"));
      }
      let mut cluster = Cluster {
        id: next_id(),
        lines,
        nodes: Vec::new(),
        children: Vec::new(),
      };
      if subnet.compute {
        let id = next_id();
        let public = if subnet.public_ip_compute {
          "compute (public IP)"
        } else {
          "compute (no public IP)"
        };
        cluster.nodes.push(Node {
          id: id.clone(),
          lines: vec![public.to_string()],
          shape: Shape::Box,
        });
        compute.push(id);
      }
      for (ip, what) in &endpoints {
        if subnet.prefix.contains(ip) && placed.insert(*ip) {
          cluster.nodes.push(endpoint_node(next_id(), ip, what));
        }
      }
      vnet.children.push(cluster);
    }
    for (ip, what) in endpoints.iter().filter(|(ip, _)| !placed.contains(*ip)) {
      vnet.nodes.push(endpoint_node(next_id(), ip, what));
    }
    let has_customer_flows = ir.flows.iter().any(|f| f.local == Local::VirtualNetwork);
    if compute.is_empty() && has_customer_flows {
      let id = next_id();
      vnet.nodes.push(Node {
        id: id.clone(),
        lines: vec!["workloads in the VNet".to_string()],
        shape: Shape::Box,
      });
      compute.push(id);
    }
    diagram.clusters.push(vnet);
  }

  let managed = s.managed_network.as_ref().map(|m| {
    let id = next_id();
    diagram.clusters.push(Cluster {
      id: next_id(),
      lines: vec![
        "workspace managed VNet".to_string(),
        m.isolation_mode.as_str().to_string(),
      ],
      nodes: vec![Node {
        id: id.clone(),
        lines: vec!["managed compute".to_string()],
        shape: Shape::Box,
      }],
      children: Vec::new(),
    });
    id
  });

  // Egress: the gate customer-VNet outbound flows pass.
  let gate = next_id();
  let gate_lines = match s.egress {
    Egress::Firewall => {
      let mut l = vec!["Azure Firewall".to_string()];
      l.extend(s.firewall.private_ip.map(|ip| ip.to_string()));
      l.push(format!("policy {}", s.firewall.policy_name));
      l
    }
    Egress::NatGateway => vec!["NAT gateway".to_string(), format!("NSG {}", s.nsg.name)],
    Egress::Nsg => vec![format!("NSG {}", s.nsg.name), "outbound rules".to_string()],
  };
  let uses_gate = !compute.is_empty()
    && ir
      .flows
      .iter()
      .any(|f| f.local == Local::VirtualNetwork && f.direction == Direction::Outbound);
  if uses_gate {
    diagram.nodes.push(Node {
      id: gate.clone(),
      lines: gate_lines,
      shape: Shape::Gate,
    });
    for c in &compute {
      diagram.edges.push(Edge {
        from: c.clone(),
        to: gate.clone(),
        lines: vec!["outbound".to_string()],
        inbound: false,
      });
    }
  }

  // Peers, grouped; per (group, direction, local) the protocols and ports of every flow.
  let mut groups: BTreeMap<Group, BTreeSet<String>> = BTreeMap::new();
  let mut ports: BTreeMap<(Group, Direction, Local), BTreeMap<Protocol, PortSet>> = BTreeMap::new();
  for flow in &ir.flows {
    let key = group(&flow.peer);
    groups
      .entry(key.clone())
      .or_default()
      .insert(flow.peer.text().into_owned());
    let set = ports
      .entry((key, flow.direction, flow.local))
      .or_default()
      .entry(flow.protocol)
      .or_default();
    *set = set.union(&flow.ports);
  }
  let mut peer_ids = BTreeMap::new();
  for ((kind, name), members) in &groups {
    let id = next_id();
    let lines = match *kind {
      FQDNS => {
        let mut l = vec![format!("FQDNs under {}", name.trim_start_matches("*."))];
        l.extend(members.iter().take(LISTED_FQDNS).cloned());
        if members.len() > LISTED_FQDNS {
          l.push(format!("+{} more", members.len() - LISTED_FQDNS));
        }
        l
      }
      TAGS => vec![format!("service tag {name}")],
      _ => vec![format!("addresses {name}")],
    };
    diagram.nodes.push(Node {
      id: id.clone(),
      lines,
      shape: Shape::Peer,
    });
    peer_ids.insert((*kind, name.clone()), id);
  }
  for ((key, direction, local), protocols) in &ports {
    let peer = &peer_ids[key];
    let lines: Vec<String> = protocols
      .iter()
      .map(|(p, set)| {
        let ports: Vec<String> = set.ranges().map(|r| r.to_string()).collect();
        format!(
          "{} {}",
          protocol(*p),
          if set.is_all() {
            "any".into()
          } else {
            ports.join(",")
          }
        )
      })
      .collect();
    let locals: Vec<String> = match local {
      Local::VirtualNetwork => compute.clone(),
      Local::ManagedVNet => managed.iter().cloned().collect(),
    };
    match direction {
      Direction::Outbound if *local == Local::VirtualNetwork && uses_gate => diagram.edges.push(Edge {
        from: gate.clone(),
        to: peer.clone(),
        lines,
        inbound: false,
      }),
      Direction::Outbound => locals.into_iter().for_each(|from| {
        diagram.edges.push(Edge {
          from,
          to: peer.clone(),
          lines: lines.clone(),
          inbound: false,
        })
      }),
      Direction::Inbound => locals.into_iter().for_each(|to| {
        diagram.edges.push(Edge {
          from: peer.clone(),
          to,
          lines: lines.clone(),
          inbound: true,
        })
      }),
    }
  }
  diagram
}

/// A peer group: its kind (`TAGS`, `FQDNS`, `ADDRESSES`) and name.
type Group = (u8, String);

const TAGS: u8 = 0;
const FQDNS: u8 = 1;
const ADDRESSES: u8 = 2;

/// The group a peer is drawn in: its tag, its address block, or the domain of an FQDN (its
/// last two labels).
fn group(peer: &Peer) -> Group {
  match peer {
    Peer::Tag(t) => (TAGS, t.clone()),
    Peer::Cidr(c) => (ADDRESSES, c.to_string()),
    Peer::Fqdn(f) => {
      let labels: Vec<&str> = f.trim_start_matches("*.").split('.').collect();
      let domain = labels[labels.len().saturating_sub(2)..].join(".");
      (FQDNS, format!("*.{domain}"))
    }
  }
}

fn protocol(p: Protocol) -> &'static str {
  match p {
    Protocol::Tcp => "tcp",
    Protocol::Udp => "udp",
    Protocol::Any => "any",
  }
}

fn join<T: ToString>(items: &[T]) -> String {
  items.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

fn render_dot(ir: &Ir, d: &Diagram) -> String {
  let mut out = syntax::stamp(ir, Syntax::Dot);
  out.push_str("digraph amlnet {\n");
  out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11];\n");
  out.push_str("  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=rounded];\n");
  out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
  for c in &d.clusters {
    dot_cluster(&mut out, c, 1);
  }
  for n in &d.nodes {
    dot_node(&mut out, n, 1);
  }
  for e in &d.edges {
    let style = if e.inbound { ", style=dashed" } else { "" };
    let _ = writeln!(
      out,
      "  {} -> {} [label={}{style}];",
      e.from,
      e.to,
      dot::label(&e.lines)
    );
  }
  out.push_str("}\n");
  out
}

fn dot_cluster(out: &mut String, c: &Cluster, depth: usize) {
  let pad = "  ".repeat(depth);
  let _ = writeln!(out, "{pad}subgraph cluster_{} {{", c.id);
  let _ = writeln!(out, "{pad}  label={};", dot::label(&c.lines));
  for child in &c.children {
    dot_cluster(out, child, depth + 1);
  }
  for n in &c.nodes {
    dot_node(out, n, depth + 1);
  }
  let _ = writeln!(out, "{pad}}}");
}

fn dot_node(out: &mut String, n: &Node, depth: usize) {
  let shape = match n.shape {
    Shape::Box => "",
    Shape::Gate => ", shape=hexagon, style=solid",
    Shape::Peer => ", shape=ellipse, style=solid",
  };
  let _ = writeln!(
    out,
    "{}{} [label={}{shape}];",
    "  ".repeat(depth),
    n.id,
    dot::label(&n.lines)
  );
}

fn render_mermaid(ir: &Ir, d: &Diagram) -> String {
  let mut out = syntax::stamp(ir, Syntax::Mermaid);
  out.push_str("flowchart LR\n");
  for c in &d.clusters {
    mermaid_cluster(&mut out, c, 1);
  }
  for n in &d.nodes {
    mermaid_node(&mut out, n, 1);
  }
  for e in &d.edges {
    let arrow = if e.inbound { "-.->" } else { "-->" };
    let _ = writeln!(out, "  {} {arrow}|{}| {}", e.from, mermaid::label(&e.lines), e.to);
  }
  out
}

fn mermaid_cluster(out: &mut String, c: &Cluster, depth: usize) {
  let pad = "  ".repeat(depth);
  let _ = writeln!(out, "{pad}subgraph {}[{}]", c.id, mermaid::label(&c.lines));
  for child in &c.children {
    mermaid_cluster(out, child, depth + 1);
  }
  for n in &c.nodes {
    mermaid_node(out, n, depth + 1);
  }
  let _ = writeln!(out, "{pad}end");
}

fn mermaid_node(out: &mut String, n: &Node, depth: usize) {
  let label = mermaid::label(&n.lines);
  let shaped = match n.shape {
    Shape::Box => format!("[{label}]"),
    Shape::Gate => format!("{{{{{label}}}}}"),
    Shape::Peer => format!("([{label}])"),
  };
  let _ = writeln!(out, "{}{}{shaped}", "  ".repeat(depth), n.id);
}
