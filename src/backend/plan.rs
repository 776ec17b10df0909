//! Naming and ordering shared by every backend that emits NSG or firewall rules, so ARM,
//! Terraform, Bicep and az CLI outputs of one profile carry the same names and priorities.
//!
//! Takes the IR's flows, returns planned rules. Priorities are planned with gaps
//! (`step`) in a stable order (required before situational, then by peer and protocol),
//! so the same profile always gets the same numbers and a reviewer can slot rules in.
//! `firewall_plan` decides, once for every format, which flow becomes a network or an
//! application rule and which part of a flow cannot be a rule (returned as notes); it never
//! drops a part without one.

use crate::ir::{Direction, FirewallSettings, Flow, Ir, PeerKind, Protocol, Severity};

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
  customer_flows(ir).partition(|f| f.peer_kind != PeerKind::Fqdn)
}

/// Flows of the customer VNet; those of managed compute belong to managed-network rules.
pub fn customer_flows(ir: &Ir) -> impl Iterator<Item = &Flow> {
  ir.flows.iter().filter(|f| f.local != crate::ir::MANAGED_VNET)
}

/// The note every customer-VNet format gives for flows it leaves to the managed network.
fn managed_note(ir: &Ir, notes: &mut Vec<PlanNote>) {
  let ids: Vec<&str> = ir
    .flows
    .iter()
    .filter(|f| f.local == crate::ir::MANAGED_VNET)
    .map(|f| f.id.as_str())
    .collect();
  list_note(
    notes,
    Severity::Info,
    "PLAN001",
    "flows of compute in the workspace managed VNet are managed-network rules (managed-network/workspace.yml), not NSG or firewall rules",
    &ids,
  );
}

/// A note naming the flows (or peers) it concerns; none when the list is empty.
fn list_note(notes: &mut Vec<PlanNote>, severity: Severity, code: &'static str, text: &str, items: &[&str]) {
  if !items.is_empty() {
    notes.push(PlanNote {
      severity,
      code,
      message: format!("{text}: {}", items.join(", ")),
    });
  }
}

pub fn nsg_rules(ir: &Ir) -> Vec<NsgRule<'_>> {
  let (expressible, _) = nsg_flows(ir);
  let s = &ir.settings.nsg;
  let mut rules = Vec::new();
  for direction in [Direction::Inbound, Direction::Outbound] {
    let mut flows: Vec<&Flow> = expressible
      .iter()
      .copied()
      .filter(|f| f.direction == direction)
      .collect();
    flows.sort_by(|a, b| {
      (!a.required, a.peer_kind, &a.peer, a.protocol).cmp(&(!b.required, b.peer_kind, &b.peer, b.protocol))
    });
    let start = if direction == Direction::Inbound {
      s.inbound_start
    } else {
      s.outbound_start
    };
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
  let dir = if direction == Direction::Inbound {
    "In"
  } else {
    "Out"
  };
  let proto = match f.protocol {
    Protocol::Tcp => "Tcp",
    Protocol::Udp => "Udp",
    Protocol::Any => "Any",
  };
  let peer: String = f
    .peer
    .replace("*.", "wildcard.")
    .chars()
    .map(|c| {
      if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
        c
      } else {
        '-'
      }
    })
    .collect();
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
  f.port_ranges()
    .into_iter()
    .filter(|&(lo, hi)| lo == hi && (lo == 80 || lo == 443))
    .map(|(p, _)| p)
    .collect()
}

// ---------------------------------------------------------------------------------------
// Firewall policy plan: which flow becomes which rule of which collection, and what cannot
// be a rule. The ARM rule collection group and the Terraform, Bicep and az CLI outputs all
// render this one plan, so the split into network and application rules is decided once.

/// The two filter collections of the rule collection group: (name, priority).
pub const FW_NETWORK_COLLECTION: (&str, u32) = ("amlnet-network", 100);
pub const FW_APPLICATION_COLLECTION: (&str, u32) = ("amlnet-application", 200);

/// A network rule: exactly one of `destination_addresses` (tags, CIDRs) or
/// `destination_fqdns` (needs DNS proxy) is non-empty.
#[derive(Clone, Debug)]
pub struct FwNetworkRule<'a> {
  pub name: String,
  pub description: String,
  /// "TCP", "UDP" or "Any".
  pub protocols: Vec<&'static str>,
  pub source_addresses: Vec<String>,
  pub destination_addresses: Vec<String>,
  pub destination_fqdns: Vec<String>,
  pub ports: Vec<String>,
  pub flow: &'a Flow,
}

/// An application rule: (protocol type "Http" | "Https", port) pairs and target FQDNs.
#[derive(Clone, Debug)]
pub struct FwApplicationRule<'a> {
  pub name: String,
  pub description: String,
  pub protocols: Vec<(&'static str, u16)>,
  pub source_addresses: Vec<String>,
  pub target_fqdns: Vec<String>,
  pub flow: &'a Flow,
}

/// A note every firewall-rule output repeats word for word (the backend registry says
/// identical notes once).
#[derive(Clone, Debug)]
pub struct PlanNote {
  pub severity: Severity,
  pub code: &'static str,
  pub message: String,
}

/// Both collections' rules, each sorted by name, and the notes for what is not a rule.
#[derive(Clone, Debug, Default)]
pub struct FirewallPlan<'a> {
  pub network: Vec<FwNetworkRule<'a>>,
  pub application: Vec<FwApplicationRule<'a>>,
  pub notes: Vec<PlanNote>,
}

/// Service-tag and CIDR flows become network rules; FQDN flows on TCP 80/443 become
/// application rules (Http/Https); FQDN flows on other ports become network rules with
/// `destinationFqdns`, which need DNS proxy (a warning says so) and cannot hold wildcards.
/// A part of a flow the firewall cannot express is named in a note with the rule that
/// covers it; inbound flows belong to NSGs.
pub fn firewall_plan(ir: &Ir) -> FirewallPlan<'_> {
  let fw = &ir.settings.firewall;
  let mut plan = FirewallPlan::default();
  let mut needs_proxy = Vec::new();
  let mut vnet_local = Vec::new();
  managed_note(ir, &mut plan.notes);
  if ir.settings.egress != "firewall" {
    plan.notes.push(PlanNote {
      severity: Severity::Info,
      code: "AFW006",
      message: format!(
        "firewall: network.egress = \"{}\": the firewall rules apply only once compute traffic is routed through an Azure Firewall policy",
        ir.settings.egress
      ),
    });
  }
  for f in customer_flows(ir).filter(|f| f.direction == Direction::Outbound) {
    if f.peer_kind != PeerKind::Fqdn {
      // Traffic to the VNet's own private endpoints follows the VNet's system route, not the
      // route to the hub firewall; and VirtualNetwork is a virtual tag the firewall cannot use.
      if f.peer == "VirtualNetwork" || (f.peer_kind == PeerKind::Cidr && inside_vnet(ir, &f.peer)) {
        vnet_local.push(f.id.as_str());
        continue;
      }
      let destination = firewall_tag(f, &mut plan.notes);
      plan.network.push(fw_network_rule(
        f,
        vec![destination],
        vec![],
        f.ports.clone(),
        fw_protocols(f.protocol),
        fw,
      ));
      continue;
    }
    let http = if f.protocol == Protocol::Udp {
      vec![]
    } else {
      http_ports(f)
    };
    if !http.is_empty() {
      plan.application.push(FwApplicationRule {
        name: rule_name(Direction::Outbound, f),
        description: description(f),
        protocols: http
          .iter()
          .map(|&p| (if p == 80 { "Http" } else { "Https" }, p))
          .collect(),
        source_addresses: fw.source_addresses.clone(),
        target_fqdns: vec![f.peer.clone()],
        flow: f,
      });
    }
    let rest: Vec<String> = f
      .port_ranges()
      .into_iter()
      .filter(|(lo, hi)| !(lo == hi && http.contains(lo)))
      .map(port_string)
      .collect();
    let udp_half = f.protocol == Protocol::Any && !http.is_empty();
    if rest.is_empty() && !udp_half {
      continue;
    }
    // With protocol Any, the application rule carries only TCP on 80/443: the UDP half of
    // those ports stays with the network rule, alone or beside the other ports.
    let ports = if rest.is_empty() || udp_half {
      let mut all: Vec<String> = rest;
      all.extend(http.iter().map(u16::to_string));
      crate::lower::merge_ports(&all)
    } else {
      rest
    };
    let protos = if rest_is_udp_only(f, udp_half) {
      vec!["UDP"]
    } else {
      fw_protocols(f.protocol)
    };
    if f.peer.starts_with("*.") {
      plan.notes.push(PlanNote {
        severity: Severity::Warning,
        code: "AFW001",
        message: format!(
          "firewall: {} {} {} cannot be a network rule (wildcard FQDN); it is covered by {}",
          f.peer,
          protos.join("/").to_lowercase(),
          ports.join(","),
          covering_tag(ir, f)
        ),
      });
      continue;
    }
    needs_proxy.push(f.peer.clone());
    plan.network.push(fw_network_rule(
      f,
      vec![],
      vec![f.peer.clone()],
      ports,
      protos,
      fw,
    ));
  }
  let proxied: Vec<&str> = needs_proxy.iter().map(String::as_str).collect();
  list_note(
    &mut plan.notes,
    Severity::Warning,
    "AFW002",
    "firewall: network rules with FQDNs need DNS proxy on the policy (dnsSettings.enableProxy) and clients using the firewall as DNS server",
    &proxied,
  );
  list_note(
    &mut plan.notes,
    Severity::Info,
    "AFW005",
    "firewall: flows inside the VNet do not pass the hub firewall; the NSG carries them",
    &vnet_local,
  );
  let inbound: Vec<&str> = ir
    .flows
    .iter()
    .filter(|f| f.direction == Direction::Inbound)
    .map(|f| f.id.as_str())
    .collect();
  list_note(
    &mut plan.notes,
    Severity::Info,
    "AFW003",
    "firewall: inbound flows are enforced by the NSG, not the firewall policy; route AzureMachineLearning with next hop Internet",
    &inbound,
  );
  // Stable sorts: rules of equal name keep flow order, as they always have in the ARM output.
  plan.network.sort_by(|a, b| a.name.cmp(&b.name));
  plan.application.sort_by(|a, b| a.name.cmp(&b.name));
  plan
}

fn fw_network_rule<'a>(
  f: &'a Flow,
  addresses: Vec<String>,
  fqdns: Vec<String>,
  ports: Vec<String>,
  protocols: Vec<&'static str>,
  fw: &FirewallSettings,
) -> FwNetworkRule<'a> {
  FwNetworkRule {
    name: rule_name(Direction::Outbound, f),
    description: description(f),
    protocols,
    source_addresses: fw.source_addresses.clone(),
    destination_addresses: addresses,
    destination_fqdns: fqdns,
    ports,
    flow: f,
  }
}

fn rest_is_udp_only(f: &Flow, udp_half: bool) -> bool {
  f.protocol == Protocol::Udp || (udp_half && f.ports.iter().all(|p| p == "80" || p == "443"))
}

/// "443" or "1024-65535".
pub fn port_string((lo, hi): (u16, u16)) -> String {
  if lo == hi {
    lo.to_string()
  } else {
    format!("{lo}-{hi}")
  }
}

/// Firewall policy spelling of a protocol ("TCP", "UDP", "Any").
pub fn fw_protocols(p: Protocol) -> Vec<&'static str> {
  match p {
    Protocol::Tcp => vec!["TCP"],
    Protocol::Udp => vec!["UDP"],
    Protocol::Any => vec!["Any"],
  }
}

/// The service-tag flow that allows the same traffic, so the reviewer knows nothing is lost.
fn covering_tag(ir: &Ir, f: &Flow) -> String {
  let tag = if f.peer.contains("batch.") {
    "BatchNodeManagement."
  } else if f.peer.contains("azureml") {
    "AzureMachineLearning"
  } else {
    ""
  };
  match ir
    .flows
    .iter()
    .find(|g| g.peer_kind == PeerKind::ServiceTag && !tag.is_empty() && g.peer.starts_with(tag))
  {
    Some(g) => format!("network rule {}", rule_name(Direction::Outbound, g)),
    None => "no other rule: add an explicit IP rule if this traffic is needed".to_string(),
  }
}

/// The notes `nsg.rs` gives for the planned NSG, word for word, so a Terraform, Bicep or az CLI
/// NSG says the same about the same rules (identical notes are reported once).
pub fn nsg_notes(ir: &Ir) -> Vec<PlanNote> {
  let rules = nsg_rules(ir);
  let (_, fqdn) = nsg_flows(ir);
  let mut notes = Vec::new();
  managed_note(ir, &mut notes);
  let peers: Vec<&str> = fqdn.iter().map(|f| f.peer.as_str()).collect();
  list_note(
    &mut notes,
    Severity::Info,
    "NSG001",
    &format!(
      "nsg: {} FQDN flows cannot be NSG rules; they are in the firewall and FQDN outputs",
      peers.len()
    ),
    &peers,
  );
  if rules.len() > NSG_MAX_RULES {
    notes.push(PlanNote {
      severity: Severity::Error,
      code: "NSG002",
      message: format!(
        "nsg: {} rules exceed the limit of {NSG_MAX_RULES} per NSG",
        rules.len()
      ),
    });
  }
  if let Some(r) = rules.iter().find(|r| r.priority > NSG_MAX_PRIORITY) {
    notes.push(PlanNote {
      severity: Severity::Error,
      code: "NSG003",
      message: format!(
        "nsg: rule {} gets priority {} > {NSG_MAX_PRIORITY}; lower nsg.*_priority_start or nsg.priority_step",
        r.name, r.priority
      ),
    });
  }
  if ir.settings.nsg.deny_internet_outbound {
    // NSGs see the real public destination even when a route sends it to the firewall.
    list_note(
      &mut notes,
      Severity::Warning,
      "NSG005",
      "nsg: Deny-Out-Internet also blocks FQDN flows the NSG cannot allow, unless a service-tag rule above covers their addresses",
      &peers,
    );
  }
  if ir.flows.iter().any(|f| f.direction == Direction::Inbound) && ir.settings.egress == "firewall" {
    notes.push(PlanNote {
      severity: Severity::Warning,
      code: "NSG004",
      message: "nsg: compute with a public IP behind a firewall needs a route for the AzureMachineLearning tag with next hop Internet, so inbound management traffic returns symmetrically".to_string(),
    });
  }
  notes
}

/// A resource label valid in HCL and Bicep alike: lowercase ASCII letters, digits and `_`,
/// starting with a letter; `*.` reads "wildcard_". Not unique by itself: see `Labels`.
pub fn identifier(s: &str) -> String {
  let mut id = String::new();
  for c in s.replace("*.", "wildcard.").replace('*', "wildcard").chars() {
    let c = c.to_ascii_lowercase();
    if c.is_ascii_alphanumeric() {
      id.push(c);
    } else if !id.ends_with('_') {
      id.push('_');
    }
  }
  let id = id.trim_matches('_').to_string();
  if id.starts_with(|c: char| c.is_ascii_alphabetic()) {
    id
  } else {
    format!("r_{id}")
  }
}

/// Hands out labels unique within one output file: the second "x" becomes "x_2". Callers
/// visit resources in a fixed order, so the same IR always gets the same labels.
#[derive(Debug, Default)]
pub struct Labels {
  taken: std::collections::BTreeSet<String>,
}

impl Labels {
  pub fn unique(&mut self, s: &str) -> String {
    let base = identifier(s);
    let mut label = base.clone();
    let mut n = 2;
    while !self.taken.insert(label.clone()) {
      label = format!("{base}_{n}");
      n += 1;
    }
    label
  }
}

/// Is a CIDR peer inside the VNet's address space?
fn inside_vnet(ir: &Ir, peer: &str) -> bool {
  let Ok(net) = peer.parse::<ipnet::Ipv4Net>() else {
    return false;
  };
  ir.settings
    .address_space
    .iter()
    .filter_map(|a| a.parse::<ipnet::Ipv4Net>().ok())
    .any(|space| space.contains(&net))
}

/// Regional tags Azure Firewall cannot use: the ServiceTags downloads list regional
/// BatchNodeManagement tags with networkFeatures API and NSG only, the global tag with FW
/// (reference/target-formats.md § 6.1). The firewall rule then names the global tag.
const NO_FIREWALL_REGIONAL_TAGS: &[&str] = &["BatchNodeManagement"];

fn firewall_tag(f: &Flow, notes: &mut Vec<PlanNote>) -> String {
  match f.peer.split_once('.') {
    Some((tag, _)) if f.peer_kind == PeerKind::ServiceTag && NO_FIREWALL_REGIONAL_TAGS.contains(&tag) => {
      notes.push(PlanNote {
        severity: Severity::Warning,
        code: "AFW004",
        message: format!(
          "firewall: Azure Firewall does not support the regional tag {}; its network rule names the global tag {tag}, which is broader than the NSG rule",
          f.peer
        ),
      });
      tag.to_string()
    }
    _ => f.peer.clone(),
  }
}

/// The NSG rules and firewall plan of a profile, for the formats that deploy both, with the
/// plan's notes already given to `out` (said once however many formats repeat them).
pub fn deployment<'a>(ir: &'a Ir, out: &mut super::Output) -> (Vec<NsgRule<'a>>, FirewallPlan<'a>) {
  let firewall = firewall_plan(ir);
  for n in nsg_notes(ir).iter().chain(&firewall.notes) {
    out.note(n.severity, n.code, n.message.clone());
  }
  (nsg_rules(ir), firewall)
}
