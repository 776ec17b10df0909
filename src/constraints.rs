//! Documented constraints, checked on the model (reference/azureml-network-facts.md § 4).
//!
//! Takes a built `Model`, returns problems: errors for combinations the documents say
//! cannot work, warnings for ones they advise against. Each problem cites its
//! source. Never changes the model and never emits rules.

use std::collections::{HashMap, HashSet};

use ipnet::Ipv4Net;

use crate::diagnostic::Problem;
use crate::model::{Access, ComputeKind, IsolationMode, Model, Setting, Subnet};

/// Docker's default bridge network (`bridge` in `address_space`).
const DOCKER_BRIDGE: &str = "172.17.0.0/16";

pub fn check(m: &Model) -> Vec<Problem> {
  let mut p = Vec::new();
  address_space(m, &mut p);
  subnets(m, &mut p);
  compute(m, &mut p);
  container_registry(m, &mut p);
  endpoints(m, &mut p);
  registries(m, &mut p);
  aks(m, &mut p);
  cloud_gaps(m, &mut p);
  workspace_endpoint(m, &mut p);
  p
}

fn workspace_endpoint(m: &Model, p: &mut Vec<Problem>) {
  let Some(pe) = &m.workspace.private_endpoint else {
    return;
  };
  if pe.notebooks_ip.is_none() {
    p.push(
      located(Problem::warning("AML170", "workspace.private_endpoint.notebooks_ip is not set: no notebooks record is generated", None), at(&pe.ip))
        .hint("the private endpoint NIC has a separate address for the notebooks FQDN; copy it from the endpoint's DNS configuration")
        .source("CDNS § facts 2.1"),
    );
  }
  if pe.inference_ip.is_none() {
    let endpoints = m.online_endpoints.iter().any(|e| !e.public_network_access.value);
    let problem = if endpoints {
      Problem::error(
        "AML171",
        "private online endpoints need workspace.private_endpoint.inference_ip",
        None,
      )
    } else {
      Problem::info(
        "AML171",
        "workspace.private_endpoint.inference_ip is not set: no online-endpoint wildcard record is generated",
        None,
      )
    };
    p.push(
      located(problem, at(&pe.ip))
        .hint("the private endpoint NIC has a separate address for *.<region>.inference names; copy it from the endpoint's DNS configuration")
        .source("CDNS § facts 2.1")
        .source("SEED3 § No se puede resolver el punto de conexión de puntuación"),
    );
  }
}

/// The location of the setting a problem is about.
fn at<T>(s: &Setting<T>) -> String {
  s.at.clone()
}

fn located(mut problem: Problem, where_: String) -> Problem {
  problem.at = where_;
  problem
}

fn address_space(m: &Model, p: &mut Vec<Problem>) {
  let bridge = Ipv4Net::new_assert(std::net::Ipv4Addr::new(172, 17, 0, 0), 16);
  let wire = Ipv4Net::new_assert(std::net::Ipv4Addr::new(168, 63, 129, 16), 32);
  for space in &m.network.address_space {
    if space.value.contains(&bridge) || bridge.contains(&space.value) {
      p.push(
        located(
          Problem::error(
            "AML101",
            format!(
              "VNet address space {} overlaps {DOCKER_BRIDGE}, the Docker bridge network",
              space.value
            ),
            None,
          ),
          at(space),
        )
        .hint("choose an address space outside 172.17.0.0/16")
        .source("SEED0 § 先决条件")
        .source("WSV § facts 4 C1"),
      );
    }
    if space.value.contains(&wire) {
      p.push(
        located(
          Problem::error(
            "AML102",
            format!(
              "VNet address space {} contains 168.63.129.16, Azure's platform address",
              space.value
            ),
            None,
          ),
          at(space),
        )
        .hint("168.63.129.16 cannot be part of a VNet")
        .source("VNFAQ § facts 4 C4"),
      );
    }
    for onprem in &m.network.on_premises {
      if space.value.contains(&onprem.value) || onprem.value.contains(&space.value) {
        p.push(
          located(
            Problem::warning(
              "AML103",
              format!(
                "VNet address space {} overlaps on-premises range {}",
                space.value, onprem.value
              ),
              None,
            ),
            at(space),
          )
          .hint("overlapping ranges cannot be routed once the networks are connected")
          .source("SEED0 § 先决条件"),
        );
      }
    }
  }
}

use crate::net::prefixes::overlaps;

/// Addresses each subnet's compute needs, by subnet name (one pass over the compute).
fn compute_per_subnet(m: &Model) -> HashMap<&str, u64> {
  let mut needed: HashMap<&str, u64> = HashMap::new();
  for c in &m.computes {
    if let Some(subnet) = &c.subnet {
      *needed.entry(subnet.value.as_str()).or_default() += u64::from(c.max_nodes);
    }
  }
  needed
}

/// Overlapping subnets, found by sorting by network address and sweeping: a subnet
/// overlaps an earlier one exactly when it starts before the furthest end seen so far.
/// Each pair is named in declaration order and reported at the later declaration.
fn overlapping_subnets(subnets: &[Subnet], p: &mut Vec<Problem>) {
  let mut order: Vec<usize> = (0..subnets.len()).collect();
  order.sort_by_key(|&i| {
    (
      subnets[i].prefix.value.network(),
      subnets[i].prefix.value.prefix_len(),
    )
  });
  let mut furthest: Option<usize> = None;
  for i in order {
    let s = &subnets[i];
    if let Some(f) = furthest {
      let held = &subnets[f];
      if s.prefix.value.network() <= held.prefix.value.broadcast() {
        let (first, second) = if f < i { (held, s) } else { (s, held) };
        p.push(
          located(
            Problem::error(
              "AML106",
              format!(
                "subnets `{}` ({}) and `{}` ({}) overlap",
                first.name, first.prefix.value, second.name, second.prefix.value
              ),
              None,
            ),
            at(&second.prefix),
          )
          .source("VNFAQ § facts 4 C3"),
        );
      }
      if s.prefix.value.broadcast() <= held.prefix.value.broadcast() {
        continue;
      }
    }
    furthest = Some(i);
  }
}

fn subnets(m: &Model, p: &mut Vec<Problem>) {
  let subnets = &m.network.subnets;
  let needed_by = compute_per_subnet(m);
  overlapping_subnets(subnets, p);
  for s in subnets {
    if s.prefix.value.prefix_len() > 29 {
      p.push(
        located(
          Problem::error(
            "AML104",
            format!(
              "subnet `{}` is /{}; Azure's smallest subnet is /29",
              s.name,
              s.prefix.value.prefix_len()
            ),
            None,
          ),
          at(&s.prefix),
        )
        .source("VNFAQ § facts 4 C3"),
      );
    }
    if !m
      .network
      .address_space
      .iter()
      .any(|a| a.value.contains(&s.prefix.value))
    {
      p.push(
        located(
          Problem::error(
            "AML105",
            format!(
              "subnet `{}` ({}) is outside the VNet address space",
              s.name, s.prefix.value
            ),
            None,
          ),
          at(&s.prefix),
        )
        .hint("pick a prefix inside network.address_space, or add the range to it")
        .source("VNFAQ § facts 4 C3"),
      );
    }
    let needed = needed_by.get(s.name.as_str()).copied().unwrap_or(0);
    let usable = (1u64 << (32 - u32::from(s.prefix.value.prefix_len()))).saturating_sub(5);
    if needed > usable {
      p.push(
        located(
          Problem::error("AML107", format!("subnet `{}` ({}) has {usable} usable addresses but its compute needs {needed}", s.name, s.prefix.value), None),
          at(&s.prefix),
        )
        .hint("each instance and each cluster node at max_nodes takes one address, and Azure reserves 5 per subnet; use a larger prefix")
        .source("SEED1 § Prerequisites")
        .source("VNFAQ § facts 4 C3"),
      );
    }
    if let Some(d) = &s.delegated_to {
      if needed_by.contains_key(s.name.as_str()) {
        p.push(
          located(
            Problem::error(
              "AML108",
              format!(
                "subnet `{}` is delegated to `{}` but holds compute",
                s.name, d.value
              ),
              None,
            ),
            at(d),
          )
          .hint("compute subnets must not be delegated to another service")
          .source("SEED1 § Prerequisites"),
        );
      }
    }
  }
}

fn compute(m: &Model, p: &mut Vec<Problem>) {
  let managed = m
    .managed_network
    .as_ref()
    .is_some_and(|s| s.value != IsolationMode::Disabled);
  let declared: HashSet<&str> = m.network.subnets.iter().map(|s| s.name.as_str()).collect();
  for c in &m.computes {
    if let Some(subnet) = &c.subnet {
      if !declared.contains(subnet.value.as_str()) {
        let names: Vec<&str> = m.network.subnets.iter().map(|s| s.name.as_str()).collect();
        let hint = crate::diagnostic::did_you_mean(&subnet.value, names.iter().copied())
          .map_or(format!("declared subnets: {}", names.join(", ")), |s| {
            format!("did you mean `{s}`?")
          });
        p.push(
          located(
            Problem::error(
              "AML109",
              format!(
                "compute `{}` names subnet `{}`, which is not declared",
                c.name, subnet.value
              ),
              None,
            ),
            at(subnet),
          )
          .hint(hint),
        );
      }
      if managed {
        p.push(
          located(
            Problem::error(
              "AML110",
              format!(
                "compute `{}` is placed in a customer VNet, but the workspace uses a managed VNet",
                c.name
              ),
              None,
            ),
            at(subnet),
          )
          .hint("remove `subnet` (managed compute lives in the managed VNet) or disable managed_network")
          .source("MVN § facts 4 C31"),
        );
      }
    }
    let in_vnet = c.subnet.is_some();
    if in_vnet && !c.public_ip.value && !m.has_workspace_pe() {
      p.push(
        located(
          Problem::error(
            "AML111",
            format!(
              "compute `{}` has no public IP, but the workspace has no private endpoint",
              c.name
            ),
            None,
          ),
          c.at.clone(),
        )
        .hint("add [workspace.private_endpoint], or give the compute a public IP")
        .source("SEED1 § Compute instance/cluster with no public IP")
        .source("TRN § facts 4 C18"),
      );
    }
    if in_vnet && !c.public_ip.value && m.network.egress.value == crate::model::Egress::Nsg {
      p.push(
        located(
          Problem::warning(
            "AML112",
            format!(
              "compute `{}` has no public IP and network.egress = \"nsg\": it has no path to the internet",
              c.name
            ),
            None,
          ),
          c.at.clone(),
        )
        .hint(
          "set network.egress to \"firewall\" or \"nat_gateway\"; default outbound access is not recommended",
        )
        .source("SEED1 § Compute instance/cluster with no public IP")
        .source("FW § facts 4 C19"),
      );
    }
  }
}

fn container_registry(m: &Model, p: &mut Vec<Problem>) {
  let Some(cr) = &m.container_registry else { return };
  if cr.access.value == Access::Public {
    return;
  }
  if !cr.sku.value.eq_ignore_ascii_case("premium") {
    p.push(
      located(
        Problem::error(
          "AML120",
          format!(
            "container registry `{}` is behind the VNet but its SKU is {}",
            cr.name, cr.sku.value
          ),
          None,
        ),
        at(&cr.sku),
      )
      .hint("private endpoints need the Premium SKU")
      .source("SEED0 § Azure 容器注册表")
      .source("WSV § facts 4 C7"),
    );
  }
  match &m.workspace.image_build_compute {
    None => p.push(
      located(Problem::error("AML121", format!("container registry `{}` is behind the VNet but workspace.image_build_compute is not set", cr.name), None), at(&cr.access))
        .hint("name a CPU compute cluster in workspace.image_build_compute: Azure ML cannot build images directly in a registry behind a VNet")
        .source("SEED0 § 启用 Azure 容器注册表 (ACR)")
        .source("WSV § facts 4 C9"),
    ),
    Some(build) => match m.computes.iter().find(|c| c.name == build.value) {
      Some(c) if c.kind != ComputeKind::Cluster || c.gpu => p.push(
        located(Problem::error("AML122", format!("image build compute `{}` must be a CPU compute cluster", build.value), None), at(build))
          .hint("image builds run only on CPU compute clusters")
          .source("SEED0 § 启用 Azure 容器注册表 (ACR)"),
      ),
      Some(_) => {}
      None => p.push(
        located(Problem::error("AML123", format!("image build compute `{}` is not a declared [[compute]]", build.value), None), at(build))
          .hint("declare it as a [[compute]] with kind = \"cluster\"")
          .source("SEED0 § 启用 Azure 容器注册表 (ACR)"),
      ),
    },
  }
  if let Some(build) = &m.workspace.image_build_compute {
    if m.features.package_repositories.is_empty() {
      p.push(
        located(Problem::warning("AML124", "image builds need package repositories, but features.package_repositories is empty", None), at(build))
          .hint("list the repositories builds use (pypi, conda, ...), or use images that already contain the packages")
          .source("SEED0 § 启用 Azure 容器注册表 (ACR)"),
      );
    }
  }
}

fn endpoints(m: &Model, p: &mut Vec<Problem>) {
  if m.online_endpoints.is_empty() {
    return;
  }
  if m.workspace.v1_legacy_mode.value {
    p.push(
      located(Problem::error("AML130", "managed online endpoints need workspace.v1_legacy_mode = false", None), at(&m.workspace.v1_legacy_mode))
        .hint("v1 legacy mode turns off the v2 API that online endpoints belong to; check with your security team before changing it")
        .source("SEED3 § Limitaciones")
        .source("MOEL § facts 4 C24"),
    );
  }
  let managed = m
    .managed_network
    .as_ref()
    .filter(|s| s.value != IsolationMode::Disabled);
  for e in &m.online_endpoints {
    if !e.public_network_access.value && !m.has_workspace_pe() {
      p.push(
        located(Problem::error("AML131", format!("online endpoint `{}` has public network access disabled, but the workspace has no private endpoint", e.name), None), at(&e.public_network_access))
          .hint("scoring then goes only through the workspace private endpoint: add [workspace.private_endpoint]")
          .source("SEED3 § Creación de un punto de conexión en línea administrado protegido"),
      );
    }
  }
  if managed.is_none() {
    p.push(
      Problem::warning("AML132", "online endpoints without a workspace managed VNet use the legacy per-deployment isolation", None)
        .hint("set [managed_network] isolation_mode = \"allow_only_approved_outbound\" (or allow_internet_outbound)")
        .source("SEED3 § Migración del método de aislamiento de red heredado a la red virtual administrada por el área de trabajo"),
    );
  }
  if let Some(mode) = managed {
    p.push(
      located(
        Problem::info(
          "AML133",
          "provision the managed VNet before creating online deployments; creation is refused until then",
          None,
        ),
        at(mode),
      )
      .source("SEED3 § Preparación del sistema")
      .source("MVN § facts 4 C27"),
    );
  }
}

fn registries(m: &Model, p: &mut Vec<Problem>) {
  for r in &m.registries {
    if r.access.value == Access::ServiceEndpoint {
      p.push(
        located(
          Problem::error(
            "AML140",
            format!(
              "registry `{}`: access must be \"public\" or \"private-endpoint\"",
              r.name
            ),
            None,
          ),
          at(&r.access),
        )
        .source("SEED2 § Securing Azure Machine Learning registry"),
      );
    }
    if r.access.value == Access::PrivateEndpoint {
      if !m.has_workspace_pe() || m.network.address_space.is_empty() {
        p.push(
          located(Problem::error("AML141", format!("private registry `{}` needs a secured workspace VNet with a workspace private endpoint", r.name), None), at(&r.access))
            .hint("registry private endpoints are created from the workspace's VNet: add [workspace.private_endpoint]")
            .source("SEED2 § Scenario: workspace configuration is secure and Azure Machine Learning registry is connected to virtual networks using private endpoints"),
        );
      }
      if r.ip.is_none() {
        p.push(
          located(
            Problem::error(
              "AML142",
              format!("private registry `{}` has no private_endpoint_ip", r.name),
              None,
            ),
            at(&r.access),
          )
          .hint("give the IP of the registry's private endpoint; its DNS name must resolve to it")
          .source("SEED2 § How to find the registry's fully qualified domain name"),
        );
      }
    }
  }
}

fn aks(m: &Model, p: &mut Vec<Problem>) {
  let Some(aks) = &m.aks else { return };
  if let Some(svc) = &aks.service_cidr {
    for s in &m.network.subnets {
      if overlaps(&svc.value, &s.prefix.value) {
        p.push(
          located(
            Problem::error(
              "AML150",
              format!(
                "AKS service CIDR {} overlaps subnet `{}` ({})",
                svc.value, s.name, s.prefix.value
              ),
              None,
            ),
            at(svc),
          )
          .source("INF1 § facts 4 C40"),
        );
      }
    }
    if let Some(dns) = &aks.dns_service_ip {
      if !svc.value.contains(&dns.value) {
        p.push(
          located(
            Problem::error(
              "AML151",
              format!(
                "AKS DNS service IP {} is outside the service CIDR {}",
                dns.value, svc.value
              ),
              None,
            ),
            at(dns),
          )
          .source("INF1 § facts 4 C40"),
        );
      }
    }
  }
  if let Some(bridge) = &aks.docker_bridge_cidr {
    let net = bridge.value.trunc();
    let clash = m.network.subnets.iter().any(|s| overlaps(&net, &s.prefix.value))
      || aks
        .service_cidr
        .as_ref()
        .is_some_and(|svc| overlaps(&net, &svc.value));
    if clash {
      p.push(
        located(
          Problem::error(
            "AML152",
            format!(
              "AKS Docker bridge CIDR {} overlaps a subnet or the service CIDR",
              bridge.value
            ),
            None,
          ),
          at(bridge),
        )
        .source("INF1 § facts 4 C40"),
      );
    }
  }
  if let Some(subnet) = &aks.subnet {
    if m.subnet(&subnet.value).is_none() {
      p.push(located(
        Problem::error(
          "AML109",
          format!("aks names subnet `{}`, which is not declared", subnet.value),
          None,
        ),
        at(subnet),
      ));
    }
  }
  p.push(
    Problem::info("AML153", "AKS's own egress requirements (the AKS restrict-egress list) are not in the catalog; add them from the AKS documentation", None)
      .source("SEED0 § 所需的公共 Internet 访问权限")
      .source("FACTS § 7"),
  );
}

fn cloud_gaps(m: &Model, p: &mut Vec<Problem>) {
  use crate::region::Cloud;
  if m.cloud == Cloud::AzureChinaCloud {
    if m
      .container_registry
      .as_ref()
      .is_some_and(|c| c.access.value == Access::PrivateEndpoint)
    {
      p.push(
        Problem::warning("AML160", "the Azure China container registry zone privatelink.azurecr.cn comes only from a 2020 document; verify it", None)
          .source("PED_CN2020 § facts 2.3"),
      );
    }
    if m.app_insights_private_link.value {
      p.push(
        located(
          Problem::warning(
            "AML161",
            "no Azure Monitor private DNS zones are documented for Azure China",
            None,
          ),
          at(&m.app_insights_private_link),
        )
        .source("PED § facts 2.3"),
      );
    }
  }
  if m.app_insights_private_link.value && m.cloud != Cloud::AzureChinaCloud {
    p.push(
      located(
        Problem::warning("AML163", "Azure Monitor private link needs its own private DNS zones (monitor, oms, ods, agentsvc, blob); amlnet does not generate them", None),
        at(&m.app_insights_private_link),
      )
      .hint("create the zones with the Azure Monitor private link scope's private endpoint (DNS zone group) and use open access mode")
      .source("PED § facts 2.1")
      .source("SEED0 § 保护 Azure Monitor 和 Application Insights"),
    );
  }
  if m.workspace.name.contains('_') && m.has_workspace_pe() {
    p.push(
      Problem::warning(
        "AML162",
        format!(
          "workspace name `{}` contains `_`, which a DNS label cannot; check the notebook FQDN in the portal",
          m.workspace.name
        ),
        None,
      )
      .source("CDNS § facts 4 C38"),
    );
  }
}
