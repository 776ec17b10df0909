//! The firewall as the compute subnets' next hop: `firewall.private_ip` (an IPv4 address
//! outside the workspace VNet, AML034) and `firewall.route_table` (a route table name), and
//! whether the profile leaves the route out (AML035). An address set while egress is not
//! the firewall is kept silently: profiles inherit it from an organisation base. Takes the raw firewall table and the built network; records problems and
//! never plans a route (`plan` does).

use std::net::Ipv4Addr;

use super::{names, Builder, Egress, Network, Setting};
use crate::diagnostic::Problem;
use crate::profile::RawProfile;

impl Builder<'_> {
  /// The firewall's private address and the route table's name.
  pub(super) fn routing(
    &mut self,
    raw: &RawProfile,
    ws_name: &str,
    net: &Option<Network>,
  ) -> (Option<Setting<Ipv4Addr>>, String) {
    let f = raw.firewall.clone().unwrap_or_default();
    let route_table = match &f.route_table {
      Some(v) => {
        self.follows(v, "firewall.route_table", &names::ROUTE_TABLE);
        v.value.clone()
      }
      None => {
        let name = format!("rt-{ws_name}");
        self.derived_name(&name, "firewall.route_table", &names::ROUTE_TABLE);
        name
      }
    };
    let private_ip = self
      .opt_ip(&f.private_ip, "firewall.private_ip")
      .filter(|ip| self.usable_next_hop(raw, ip, net));
    let Some(net) = net else {
      return (private_ip, route_table);
    };
    let firewall_egress = net.egress.value == Egress::Firewall;
    let compute_subnets = raw.compute.iter().flatten().any(|c| c.subnet.is_some())
      || raw.aks.as_ref().is_some_and(|a| a.subnet.is_some());
    if firewall_egress && compute_subnets && f.private_ip.is_none() {
      let span = raw
        .network
        .as_ref()
        .and_then(|n| n.egress.as_ref())
        .map(|e| e.span.clone());
      self.problems.push(
        Problem::warning(
          "AML035",
          "network.egress = \"firewall\" without firewall.private_ip: no route table is written, so compute subnets keep the system route to the internet and bypass the firewall",
          span,
        )
        .hint("set firewall.private_ip to the hub firewall's private address, or leave it out only when another team's route table already sends 0.0.0.0/0 to the firewall")
        .source("FW § facts 4 C19"),
      );
    }
    (private_ip, route_table)
  }

  /// A next hop Azure can route to from the workspace VNet: a unicast address outside the
  /// VNet's own address space (a route to an address inside it would loop back into the
  /// VNet; the hub firewall sits in a peered hub). Records AML034 when not.
  fn usable_next_hop(&mut self, raw: &RawProfile, ip: &Setting<Ipv4Addr>, net: &Option<Network>) -> bool {
    let a = ip.value;
    let why = if a.is_unspecified()
      || a.is_loopback()
      || a.is_link_local()
      || a.is_multicast()
      || a.is_broadcast()
      || a.octets()[0] >= 240
    {
      Some("it is not a unicast address a virtual appliance can have".to_string())
    } else {
      net
        .iter()
        .flat_map(|n| n.address_space.iter())
        .find(|s| s.value.contains(&a))
        .map(|s| format!("it is inside the workspace VNet's address space {}", s.value))
    };
    let Some(why) = why else { return true };
    let span = raw
      .firewall
      .as_ref()
      .and_then(|f| f.private_ip.as_ref())
      .map(|l| l.span.clone());
    self.problems.push(
      Problem::error(
        "AML034",
        format!("`firewall.private_ip` = {a} is not a usable next hop: {why}"),
        span,
      )
      .hint("give the private address of the hub Azure Firewall (its ipConfigurations' privateIPAddress), in the hub VNet")
      .source("FW § facts 4 C19"),
    );
    false
  }
}
