//! Naming and ordering shared by every backend that emits NSG or firewall rules, so ARM,
//! Terraform, Bicep and az CLI outputs of one profile carry the same names and priorities.
//!
//! Takes the IR's flows, returns planned rules. Priorities are planned with gaps
//! (`step`) in a stable order (required before situational, then by peer and protocol),
//! so the same profile always gets the same numbers and a reviewer can slot rules in.

use crate::ir::{Direction, Flow, Ir, PeerKind, Protocol};

/// Azure's limits for security rules (reference/target-formats.md § 1.1, 1.2).
pub const NSG_MAX_PRIORITY: u32 = 4096;
pub const NSG_MAX_RULES: usize = 1000;
pub const NAME_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 140;

#[derive(Clone, Debug)]
pub struct NsgRule<'a> {
  pub name: String,
  pub priority: u32,
  pub direction: Direction,
  pub protocol: &'static str,
  pub source: String,
  pub destination: String,
  pub ports: Vec<String>,
  pub access: &'static str,
  pub description: String,
  pub flow: Option<&'a Flow>,
}

/// Flows an NSG can carry: service tags and CIDRs (one tag per rule); FQDNs cannot.
pub fn nsg_flows(ir: &Ir) -> (Vec<&Flow>, Vec<&Flow>) {
  ir.flows.iter().partition(|f| f.peer_kind != PeerKind::Fqdn)
}

pub fn nsg_rules(ir: &Ir) -> Vec<NsgRule<'_>> {
  let (expressible, _) = nsg_flows(ir);
  let s = &ir.settings.nsg;
  let mut rules = Vec::new();
  for direction in [Direction::Inbound, Direction::Outbound] {
    let mut flows: Vec<&Flow> = expressible.iter().copied().filter(|f| f.direction == direction).collect();
    flows.sort_by(|a, b| (!a.required, a.peer_kind, &a.peer, a.protocol).cmp(&(!b.required, b.peer_kind, &b.peer, b.protocol)));
    let start = if direction == Direction::Inbound { s.inbound_start } else { s.outbound_start };
    for (i, f) in flows.into_iter().enumerate() {
      let (source, destination) = match direction {
        Direction::Inbound => (f.peer.clone(), f.local.clone()),
        Direction::Outbound => (f.local.clone(), f.peer.clone()),
      };
      rules.push(NsgRule {
        name: rule_name(direction, f),
        priority: start + s.step * u32::try_from(i).unwrap_or(u32::MAX / 2),
        direction,
        protocol: nsg_protocol(f.protocol),
        source,
        destination,
        ports: f.ports.clone(),
        access: "Allow",
        description: description(f),
        flow: Some(f),
      });
    }
  }
  if s.deny_internet_outbound {
    rules.push(NsgRule {
      name: "Deny-Out-Internet".to_string(),
      priority: NSG_MAX_PRIORITY,
      direction: Direction::Outbound,
      protocol: "*",
      source: "*".to_string(),
      destination: "Internet".to_string(),
      ports: vec!["*".to_string()],
      access: "Deny",
      description: "amlnet: deny other internet egress (profile nsg.deny_internet_outbound)".to_string(),
      flow: None,
    });
  }
  rules
}

pub fn nsg_protocol(p: Protocol) -> &'static str {
  match p {
    Protocol::Tcp => "Tcp",
    Protocol::Udp => "Udp",
    Protocol::Any => "*",
  }
}

/// "Allow-Out-Tcp-AzureMachineLearning": word characters, `.`, `-`, `_`; ≤ 80 characters;
/// starts and ends with a word character.
pub fn rule_name(direction: Direction, f: &Flow) -> String {
  let dir = if direction == Direction::Inbound { "In" } else { "Out" };
  let proto = match f.protocol {
    Protocol::Tcp => "Tcp",
    Protocol::Udp => "Udp",
    Protocol::Any => "Any",
  };
  let peer: String = f.peer.replace("*.", "wildcard.").chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' { c } else { '-' }).collect();
  let mut name = format!("Allow-{dir}-{proto}-{peer}");
  name.truncate(NAME_MAX);
  while name.ends_with(['.', '-']) {
    name.pop();
  }
  name
}

/// The first requirement and the purpose, cut to the 140-character limit.
pub fn description(f: &Flow) -> String {
  let mut d = format!("amlnet {}: {}", f.requirements.join(","), f.purpose);
  if d.chars().count() > DESCRIPTION_MAX {
    d = d.chars().take(DESCRIPTION_MAX - 3).collect::<String>() + "...";
  }
  d
}

/// Can an application rule carry this flow? Only TCP to ports 80 and 443.
pub fn http_ports(f: &Flow) -> Vec<u16> {
  f.port_ranges().into_iter().filter(|&(lo, hi)| lo == hi && (lo == 80 || lo == 443)).map(|(p, _)| p).collect()
}
