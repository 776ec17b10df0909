//! The table of every diagnostic code amlnet emits: severity, title, what it means, why it
//! matters (citing the source section the emitting code cites) and how to fix it.
//!
//! Takes nothing and does no I/O. It never decides anything: the emitting modules keep their
//! own literals, tests/codes.rs checks that the table and the sources name the same codes,
//! and docs/diagnostics.md is `markdown()` written out by that test.

use crate::ir::Severity::{self, Error as E, Info as I, Warning as W};

pub struct Code {
  pub code: &'static str,
  /// More than one when the same check is an error in some profiles and a note in others.
  pub severity: &'static [Severity],
  pub title: &'static str,
  pub what: &'static str,
  pub why: &'static str,
  pub fix: &'static str,
}

const fn c(
  code: &'static str,
  severity: &'static [Severity],
  title: &'static str,
  what: &'static str,
  why: &'static str,
  fix: &'static str,
) -> Code {
  Code {
    code,
    severity,
    title,
    what,
    why,
    fix,
  }
}

const PROFILE: &str = "The profile cannot be read as written; nothing is compiled or written (exit 2).";
const FORMATS_NSG: &str =
  "Azure rejects the deployment (FORMATS § 1.1, 1.2: at most 1000 security rules, priorities 100–4096).";

/// Sorted by code.
pub const CODES: &[Code] = &[
  c("AFW001", &[I, W], "wildcard FQDN on a non-HTTP port", "An outbound wildcard FQDN flow (`*.…`) on a port other than 80/443 cannot be an Azure Firewall network rule; the note names the service-tag rule that covers it (with its protocol and ports; information), or says none does (warning).", "Network rules resolve FQDNs through DNS and cannot resolve a wildcard; without a covering rule that traffic is dropped.", "Keep the covering service-tag rule, or add an explicit IP rule when the note says no other rule covers it."),
  c("AFW002", &[I], "network rules with FQDNs need DNS proxy", "With `firewall.dns_proxy = true`, FQDN flows on ports other than 80/443 that no service-tag rule covers are network rules with destination FQDNs.", "Azure Firewall accepts such rules only with DNS proxy enabled on the policy, and clients must use the firewall as their DNS server (reference/target-formats.md § Azure Firewall).", "Set `dnsSettings.enableProxy` on the firewall policy and point the VNet's DNS at the firewall."),
  c("AFW003", &[I], "inbound flows stay with the NSG", "Inbound flows (e.g. AzureMachineLearning management traffic) are not firewall rules.", "A hub firewall does not see inbound management traffic to compute with a public IP; a default route through the firewall breaks it.", "Deploy the NSG rules, and set `firewall.private_ip` so the compute subnets' route table sends the AzureMachineLearning and BatchNodeManagement.<region> tags to the internet (nsg/subnets.json and the other deploy outputs)."),
  c("AFW004", &[I], "regional tag not supported by Azure Firewall", "Azure Firewall does not accept this regional service tag; its network rule names the global tag instead.", "The firewall rule is broader than the NSG rule (FORMATS § 6.1).", "Accept the broader rule, or replace it with the region's IP prefixes (`amlnet expand`)."),
  c("AFW005", &[I], "VNet-internal flows stay with the NSG", "Flows to addresses inside the VNet, and the non-HTTP part of FQDN flows whose names the profile's own DNS records resolve to a private endpoint inside the VNet, get no firewall rule.", "Traffic inside the VNet does not pass the hub firewall; the NSG carries it.", "Nothing to do; deploy the NSG rules."),
  c("AFW006", &[I], "firewall rules without a firewall egress", "The profile's `network.egress` is not `firewall`, yet firewall rules are written.", "The rules take effect only once compute traffic is routed through an Azure Firewall policy.", "Set `network.egress = \"firewall\"` when the firewall is the egress path, or ignore the firewall outputs."),
  c("AFW007", &[E], "FQDN network rule without DNS proxy", "An outbound FQDN flow on a port other than 80/443 is covered by no service-tag rule, so only a network rule with destination FQDNs could carry it, and the profile does not set `firewall.dns_proxy = true`.", "Azure refuses network rules with destination FQDNs unless DNS proxy is enabled on the policy, which makes clients use the firewall as DNS server; a custom-DNS setup may not be able to.", "Set `firewall.dns_proxy = true` when clients can use the firewall as DNS server, or allow the traffic with a service-tag or IP rule."),
  c("AFW008", &[I], "FQDN flow covered by a service-tag rule", "An outbound FQDN flow on a port other than 80/443 gets no FQDN network rule because a service-tag network rule of the same or a broader protocol already allows every one of its ports; the note names that rule.", "An FQDN network rule would need DNS proxy on the policy and add nothing to what the tag rule allows.", "Nothing to do; keep the named service-tag rule."),
  c("AFW009", &[I], "no firewall rule collection group", "No flow of the customer VNet needs a firewall rule (e.g. every compute is in the workspace managed VNet).", "An empty rule collection group would only occupy a priority in the policy.", "Nothing to do; no firewall artifact and no rule collection group resource in Terraform, Bicep or az CLI are written."),
  c("AML000", &[E], "TOML syntax error", "The profile file is not valid TOML.", PROFILE, "Fix the syntax at the marked position."),
  c("AML001", &[E], "unknown key", "A key the profile format does not have (unknown keys are rejected, never ignored).", "A misspelt key would otherwise silently lose its setting. The hint lists the keys allowed there.", "Use the suggested key; README.md § Profile format lists every key."),
  c("AML002", &[E], "wrong type of value", "A value has the wrong TOML type (e.g. a string where a list is expected).", PROFILE, "Write the type README.md § Profile format gives for the key."),
  c("AML003", &[E], "`extends` cycle or chain too deep", "`extends` leads back to a profile already loaded, or the chain is deeper than 8 files.", PROFILE, "Make the base profile stand on its own; it must not extend the file that extends it."),
  c("AML004", &[E], "`extends` names a missing file", "The base profile named by `extends` does not exist.", PROFILE, "Give the path relative to the directory of the profile that extends it."),
  c("AML005", &[E], "profile file not readable as a profile", "The file named on the command line is not a regular file, or is over 1 MiB.", "A device, directory or runaway file would otherwise be read until memory runs out.", "Name a regular `.toml` file of at most 1 MiB."),
  c("AML006", &[E], "`extends` names something that is not a profile", "The `extends` target is not a regular file, or does not end in `.toml`.", "Only profiles may be extended, so no other file on the machine is read or shown in a code frame (README.md § extends).", "Point `extends` at another profile: a regular .toml file, relative to this one."),
  c("AML010", &[E], "missing required key", "A required key is absent (e.g. `cloud`, `workspace.id`).", PROFILE, "Add the key; the hint says what it holds."),
  c("AML011", &[E], "empty value", "A required key is set to an empty string.", PROFILE, "Give it a value."),
  c("AML012", &[E], "value not allowed", "A key's value is not one of its allowed words (e.g. `network.egress`).", PROFILE, "Use one of the values the hint lists."),
  c("AML013", &[E], "not an IPv4 address", "A key that holds an address has something else.", PROFILE, "Write a dotted-quad address such as `10.0.2.4`."),
  c("AML014", &[E], "not a CIDR block", "A prefix is not an IPv4 CIDR block, or has host bits set.", "A prefix with host bits set usually means a mistyped range; rules and overlap checks would use a different network than meant.", "Write the network address and prefix length, e.g. `10.0.0.0/24` (the hint gives the truncated form)."),
  c("AML015", &[E], "not a GUID", "A workspace or registry id is not 8-4-4-4-12 hex digits.", "The id is part of the workspace's DNS names; a wrong id makes every such record wrong.", "Copy the id from the resource's properties in the portal."),
  c("AML016", &[E], "number out of range", "A count (e.g. `max_nodes`, a priority) is outside its range.", PROFILE, "Use a whole number in the range the hint gives."),
  c("AML017", &[E], "unknown region for the cloud", "`region` (or a registry's region) is not a region of the profile's cloud.", "The region picks regional service tags and DNS names; an unknown one would emit rules for nothing.", "Use the lowercase ARM region name the hint suggests (`eastus`)."),
  c("AML018", &[E], "string too long", "A string value is over 1,024 characters (names have tighter limits by their rule).", "Unbounded strings multiply into every artifact; no Azure name or DNS label is that long.", "Shorten the value."),
  c("AML019", &[E], "control or formatting character", "A control, line-separator or bidirectional-override character appears in the profile (keys and comments included).", "Such characters break shell, YAML and HCL parsers and hide what the text really says.", "Remove the character."),
  c("AML020", &[E], "name breaks Azure's naming rule", "A resource name does not follow Azure's rule for its resource type (length, characters, first and last character); names starting with `[` would be evaluated by ARM.", "Azure refuses the deployment, or an ARM expression or injected text reaches an artifact (FORMATS § naming).", "Rename the resource as the hint says."),
  c("AML021", &[E], "profile name is not an identifier", "`name` (or the file stem when no name is set) is not letters, digits, `-`, `_` and `.`, starting alphanumeric, at most 64 characters.", "The name stamps every artifact and names output files.", "Set a valid `name`."),
  c("AML022", &[E], "not a DNS name", "An SOA name or name server is not a valid DNS name.", "Zone files with it do not load.", "Use letters, digits and hyphens per label, no wildcard."),
  c("AML023", &[E], "key not supported", "A key the format accepts but that would change nothing (`aks.scoring_port`).", "An accepted but ignored key misleads the reader of the profile.", "Remove the key."),
  c("AML024", &[E], "declared twice", "A compute, subnet or online endpoint name is declared twice.", "Azure names are unique per workspace or VNet; the second would replace the first.", "Rename one of them."),
  c("AML025", &[E], "address space not usable", "The VNet address space is loopback, link-local, multicast, 240.0.0.0/4, 0.0.0.0/8 or 0.0.0.0/0.", "Azure refuses such ranges for a VNet (VNFAQ § facts 4 C4).", "Use a private range (RFC 1918)."),
  c("AML026", &[E], "private endpoint address outside the VNet", "A private endpoint address is not inside the VNet address space.", "DNS records would point at an address no client reaches.", "Use the private endpoint NIC's real address."),
  c("AML027", &[E], "private endpoint address outside its subnet", "A private endpoint address is outside the subnet its endpoint names.", "The endpoint cannot have that address; DNS would point nowhere.", "Fix the address or the subnet."),
  c("AML028", &[E], "reserved subnet address", "A private endpoint address is one of the five addresses Azure reserves in its subnet.", "Azure never assigns them (VNFAQ § facts 4 C3).", "Use .4 or above, below the broadcast address."),
  c("AML029", &[E], "address shared by two endpoints", "Two private endpoints have the same address.", "One of the DNS records would point at the wrong resource.", "Give each endpoint its own address."),
  c("AML031", &[W], "firewall source allows everything", "`firewall.source_addresses` is `*` or `0.0.0.0/0`.", "The rules then allow every source through the shared firewall policy, not only the workspace's compute.", "List the compute subnets, or leave `source_addresses` out (it defaults to them)."),
  c("AML032", &[E], "public access disabled without a private endpoint", "`workspace.public_network_access = \"disabled\"` and the workspace has no private endpoint.", "Nothing could reach the workspace (PL § facts 1.3).", "Add `[workspace.private_endpoint]` or enable public access."),
  c("AML033", &[W], "firewall SKU without approved-outbound mode", "`managed_network.firewall_sku` is set while the mode is not `allow_only_approved_outbound`.", "Azure creates the managed firewall only in that mode (MVN § facts 5.3), so the setting has no effect.", "Remove it or change the isolation mode."),
  c("AML034", &[E], "firewall private IP is not a usable next hop", "`firewall.private_ip` is inside the workspace VNet's address space, or not a unicast address.", "A route to an address of the VNet itself never reaches the hub firewall; the firewall's private address is in the hub VNet (FW § facts 4 C19).", "Give the hub Azure Firewall's private IP address (its IP configuration's `privateIPAddress`)."),
  c("AML035", &[W], "firewall egress without a route to the firewall", "`network.egress = \"firewall\"` and compute in subnets, but no `firewall.private_ip`: amlnet writes no route table.", "Without a route 0.0.0.0/0 to the firewall, compute traffic keeps the system route to the internet and the firewall rules never apply (FW § facts 4 C19).", "Set `firewall.private_ip`, or leave it out only when a route table you manage elsewhere already sends 0.0.0.0/0 to the firewall."),
  c("AML090", &[E], "catalog template makes no valid peer", "A requirement's peer, filled with profile names, is not a valid host name, service tag or prefix.", "An invalid peer would reach firewall rules and allowlists as text.", "Check the profile names the template is built from (the message names it)."),
  c("AML091", &[I], "requirement placeholder without a value", "A requirement applies, but a placeholder in its peer has no value in this profile; no flow is made for that peer.", "A flow is never dropped silently.", "Give the setting the placeholder names, if the flow is needed."),
  c("AML092", &[E], "record address not IPv4", "A private DNS or host record's address is not an IPv4 address.", "The model validates addresses, so this is a defect made visible rather than a wrong record.", "Report it with the profile."),
  c("AML101", &[E], "VNet overlaps the Docker bridge", "The VNet address space overlaps 172.17.0.0/16.", "Docker's default bridge network uses it on compute; overlapping addresses become unreachable (SEED0 § 先决条件; WSV § facts 4 C1).", "Choose an address space outside 172.17.0.0/16."),
  c("AML102", &[E], "VNet contains 168.63.129.16", "The VNet address space contains Azure's platform address.", "168.63.129.16 (DNS, health probes) cannot be part of a VNet (VNFAQ § facts 4 C4).", "Choose an address space that does not contain it."),
  c("AML103", &[W], "VNet overlaps on-premises", "The VNet address space overlaps a `network.on_premises` range.", "Overlapping ranges cannot be routed once the networks are connected (SEED0 § 先决条件).", "Renumber one side."),
  c("AML104", &[E], "subnet smaller than /29", "A subnet prefix is longer than /29.", "Azure's smallest subnet is /29 (VNFAQ § facts 4 C3).", "Use a /29 or larger prefix."),
  c("AML105", &[E], "subnet outside the VNet", "A subnet prefix is not inside `network.address_space`.", "Azure refuses a subnet outside its VNet's address space (VNFAQ § facts 4 C3).", "Pick a prefix inside the address space, or add the range to it."),
  c("AML106", &[E], "subnets overlap", "Two subnets share addresses.", "Subnets of a VNet cannot overlap (VNFAQ § facts 4 C3).", "Give them disjoint prefixes."),
  c("AML107", &[E], "subnet too small for its compute", "The compute placed in a subnet needs more addresses than it has.", "Each instance and each cluster node at `max_nodes` takes one address and Azure reserves 5 per subnet; nodes past that fail to start (SEED1 § Prerequisites; VNFAQ § facts 4 C3).", "Use a larger prefix or lower `max_nodes`."),
  c("AML108", &[E], "delegated subnet holds compute", "A subnet delegated to another service holds Azure ML compute.", "Compute subnets must not be delegated (SEED1 § Prerequisites).", "Move the compute to an undelegated subnet, or remove `delegated_to`."),
  c("AML109", &[E], "undeclared subnet", "A compute or `[aks]` names a subnet that is not in `[[network.subnet]]`.", PROFILE, "Declare the subnet or fix the name (the hint suggests one)."),
  c("AML110", &[E], "compute in a customer VNet with a managed VNet", "A compute has `subnet` while the workspace uses a managed VNet.", "Managed compute lives in the managed VNet (MVN § facts 4 C31).", "Remove `subnet`, or disable `managed_network`."),
  c("AML111", &[E], "no public IP without a workspace private endpoint", "Compute without a public IP in a workspace that has no private endpoint.", "No-public-IP compute reaches the workspace only through its private endpoint (SEED1 § Compute instance/cluster with no public IP; TRN § facts 4 C18).", "Add `[workspace.private_endpoint]`, or give the compute a public IP."),
  c("AML112", &[W], "no public IP and no egress path", "Compute without a public IP while `network.egress = \"nsg\"`.", "It then has no path to the internet; default outbound access is not recommended (SEED1 § Compute instance/cluster with no public IP; FW § facts 4 C19).", "Set `network.egress` to `firewall` or `nat_gateway`."),
  c("AML120", &[E], "container registry not Premium", "The workspace ACR is behind the VNet but its SKU is not Premium.", "Private endpoints need the Premium SKU (SEED0 § Azure 容器注册表; WSV § facts 4 C7).", "Set `container_registry.sku = \"Premium\"` (and upgrade the registry)."),
  c("AML121", &[E], "no image build compute", "The ACR is behind the VNet and `workspace.image_build_compute` is not set.", "Azure ML cannot build images directly in a registry behind a VNet (SEED0 § 启用 Azure 容器注册表 (ACR); WSV § facts 4 C9).", "Name a CPU compute cluster in `workspace.image_build_compute`."),
  c("AML122", &[E], "image build compute is not a CPU cluster", "`workspace.image_build_compute` names an instance, serverless or GPU compute.", "Image builds run only on CPU compute clusters (SEED0 § 启用 Azure 容器注册表 (ACR)).", "Name a `[[compute]]` with `kind = \"cluster\"` and no GPU."),
  c("AML123", &[E], "image build compute not declared", "`workspace.image_build_compute` names no `[[compute]]`.", "The build compute's flows would be missing (SEED0 § 启用 Azure 容器注册表 (ACR)).", "Declare it as a `[[compute]]` with `kind = \"cluster\"`."),
  c("AML124", &[W], "image builds without package repositories", "An image build compute is set but `features.package_repositories` is empty.", "Image builds install packages; without their hosts allowed, builds fail (SEED0 § 启用 Azure 容器注册表 (ACR)).", "List the repositories builds use (pypi, conda, …), or use images that already contain the packages."),
  c("AML130", &[E], "online endpoints with v1 legacy mode", "Managed online endpoints while `workspace.v1_legacy_mode = true`.", "v1 legacy mode turns off the v2 API that online endpoints belong to (SEED3 § Limitaciones; MOEL § facts 4 C24).", "Set `v1_legacy_mode = false`, after checking with your security team."),
  c("AML131", &[E], "private endpoint scoring without a workspace private endpoint", "An online endpoint has public network access disabled but the workspace has no private endpoint.", "Scoring then goes only through the workspace private endpoint (SEED3 § Creación de un punto de conexión en línea administrado protegido).", "Add `[workspace.private_endpoint]`."),
  c("AML132", &[W], "online endpoints with legacy isolation", "Online endpoints without a workspace managed VNet.", "They fall back to the legacy per-deployment isolation (SEED3 § Migración del método de aislamiento de red heredado a la red virtual administrada por el área de trabajo).", "Set `[managed_network] isolation_mode` to `allow_only_approved_outbound` or `allow_internet_outbound`."),
  c("AML133", &[I], "provision the managed VNet first", "Online endpoints in a workspace with a managed VNet.", "Creating online deployments is refused until the managed VNet is provisioned (SEED3 § Preparación del sistema; MVN § facts 4 C27).", "Provision the managed VNet before creating deployments."),
  c("AML140", &[E], "registry access not supported", "A `[[registry]]` has `access = \"service-endpoint\"`.", "Azure ML registries are public or private-endpoint only (SEED2 § Securing Azure Machine Learning registry).", "Use `public` or `private-endpoint`."),
  c("AML141", &[E], "private registry without a secured workspace", "A private-endpoint registry, but the workspace has no private endpoint or VNet.", "Registry private endpoints are created from the workspace's VNet (SEED2 § Scenario: workspace configuration is secure and Azure Machine Learning registry is connected to virtual networks using private endpoints).", "Add `[workspace.private_endpoint]` and the VNet."),
  c("AML142", &[E], "private registry without an address", "A private-endpoint registry has no `private_endpoint_ip`.", "Its DNS name must resolve to that address (SEED2 § How to find the registry's fully qualified domain name).", "Give the IP of the registry's private endpoint."),
  c("AML150", &[E], "AKS service CIDR overlaps a subnet", "`aks.service_cidr` overlaps a VNet subnet.", "Kubernetes service addresses must not be routable in the VNet (INF1 § facts 4 C40).", "Choose a service CIDR outside the VNet."),
  c("AML151", &[E], "AKS DNS service IP outside the service CIDR", "`aks.dns_service_ip` is not inside `aks.service_cidr`.", "The cluster DNS service takes an address from the service CIDR (INF1 § facts 4 C40).", "Pick an address inside the service CIDR."),
  c("AML152", &[E], "AKS Docker bridge overlaps", "`aks.docker_bridge_cidr` overlaps a subnet or the service CIDR.", "Overlapping addresses become unreachable from the nodes (INF1 § facts 4 C40).", "Choose a bridge CIDR outside both."),
  c("AML153", &[I], "AKS's own egress not in the catalog", "The profile has `[aks]`; the AKS restrict-egress list is not emitted.", "AKS needs its own outbound rules besides Azure ML's (SEED0 § 所需的公共 Internet 访问权限; FACTS § 7).", "Add them from the AKS documentation."),
  c("AML160", &[W], "Azure China ACR zone from a 2020 document", "A private-endpoint ACR in Azure China uses `privatelink.azurecr.cn`.", "That zone comes only from a 2020 document (PED_CN2020 § facts 2.3).", "Verify the zone against the current Azure China documentation."),
  c("AML161", &[W], "no Azure Monitor zones for Azure China", "Application Insights private link in Azure China.", "No Azure Monitor private DNS zones are documented for Azure China (PED § facts 2.3).", "Take the zones from the private link scope's DNS configuration."),
  c("AML162", &[W], "workspace name with `_`", "The workspace name contains `_`, which a DNS label cannot.", "The notebook FQDN is derived from the name (CDNS § facts 4 C38).", "Check the notebook FQDN in the portal and correct the record if needed."),
  c("AML163", &[W], "Azure Monitor zones not generated", "Application Insights private link is on.", "Azure Monitor private link needs its own private DNS zones (monitor, oms, ods, agentsvc, blob), which amlnet does not generate (PED § facts 2.1; SEED0 § 保护 Azure Monitor 和 Application Insights).", "Create the zones with the private link scope's private endpoint (DNS zone group) and use open access mode."),
  c("AML170", &[W], "no notebooks address", "`workspace.private_endpoint.notebooks_ip` is not set; no notebooks record is generated.", "The private endpoint NIC has a separate address for the notebooks FQDN (CDNS § facts 2.1).", "Copy it from the endpoint's DNS configuration."),
  c("AML171", &[E, I], "no inference address", "`workspace.private_endpoint.inference_ip` is not set: an error with private online endpoints, otherwise a note that no `*.<region>.inference` record is generated.", "Scoring names resolve to a separate NIC address (CDNS § facts 2.1; SEED3 § No se puede resolver el punto de conexión de puntuación).", "Copy the address from the endpoint's DNS configuration."),
  c("AML301", &[W], "no documented private DNS record in this cloud", "A resource needs a private DNS record that no document gives for the profile's cloud; none is generated.", "Names would be guessed otherwise (FACTS § 7).", "Create the record by hand from the private endpoint's DNS configuration in the portal."),
  c("AML701", &[E], "invalid DNS name", "A zone, record, forwarder or SOA name fails validation; it is not written (docs/dns.md § Name validation).", "A DNS server refuses a zone file with one bad name, so the whole zone would fail to load.", "Fix the name in the profile (or the catalog template that built it)."),
  c("AML703", &[E], "record outside its zone", "A record names a zone that is not a private zone of the profile, or lies outside its zone.", "A server would refuse or misplace it; it is not written (docs/dns.md).", "Fix the record's zone or name."),
  c("AML705", &[W], "wildcard host record not in `hosts`", "A wildcard host record is only in its zone file.", "Hosts files have no wildcards (docs/dns.md).", "Serve the zone file from a DNS server for wildcard names."),
  c("AML706", &[I], "on-premises forwarders not written", "No `[dns] resolver_ip`, or no forwarder zone marked for on-premises.", "On-premises servers must forward to a resolver inside the VNet; amlnet never writes a placeholder (docs/dns.md).", "Set `[dns] resolver_ip` to the in-VNet DNS server or Private Resolver inbound endpoint."),
  c("AML708", &[E], "unloadable zone settings", "SOA numbers out of range, or a name server inside its own zone without glue.", "The zone would not load (docs/dns.md § Zone contents).", "Fix `[dns]` numbers, or name a server outside the zone."),
  c("FLT001", &[E], "fleet file key missing", "A fleet file lacks a key it needs (`hub`, `hub.vnet_name`, `hub.firewall`, its `policy_name` or `private_ip`, or `workspaces`).", "Without them there is no hub to put the firewall rules and DNS zones in (docs/fleet.md § Fleet file).", "Add the key; docs/fleet.md lists every key of a fleet file."),
  c("FLT002", &[E], "fleet file value invalid", "A fleet file value is not of its kind: an Azure resource name breaking its naming rule, an address or prefix that does not parse, a priority outside 100–65000, an unknown cloud, DNS mode or IP group mode (`hub.firewall.ip_groups`).", "A wrong hub value would reach every spoke's rules and every hub artifact.", "Write the value the message asks for."),
  c("FLT003", &[E], "fleet workspace entry names no profile", "An entry of `workspaces` is not a `.toml` file, or its glob matches none, relative to the fleet file's directory.", "A fleet silently missing a workspace would deploy a hub policy without its rules.", "Correct the path or glob (only the file name may hold `*` or `?`)."),
  c("FLT010", &[E], "hub firewall over an Azure Firewall limit", "Adding the named workspace (in name order) takes the hub firewall past a documented limit: 200 IP Groups per firewall, 5,000 addresses per IP Group (a shared group's union with `ip_groups = \"per-rule-set\"`), 20,000 source × destination pairs in network rules, or 2 MB per rule collection group.", "Azure refuses the deployment or the update (https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits, Azure Firewall limits; reference/target-formats.md § 2.4).", "Past 200 IP Groups with one group per workspace, set `ip_groups = \"per-rule-set\"` in `[hub.firewall]` (spokes needing the same rules share a group); otherwise split the fleet across two hub policies (two fleet files), or merge compute subnets."),
  c("FLT011", &[E], "two profiles with one name", "Two profiles of one fleet or one `compile` have the same name (file stem), so both would write `out/<name>/` and the IP group `ipg-<name>`.", "One workspace's artifacts would overwrite the other's.", "Rename one of the profile files."),
  c("FLT012", &[E], "one workspace in two profiles", "Two spokes name the same Azure ML workspace (`workspace.name`) or the same workspace GUID (`workspace.id`).", "Their DNS records and rules would describe one workspace twice, with different addresses.", "Give each profile its own workspace name and its workspace's own GUID."),
  c("FLT013", &[E], "overlapping address spaces", "Two spokes' address spaces overlap, or a spoke's overlaps the hub's `on_premises` ranges.", "Peered VNets cannot have overlapping address spaces, and traffic to an overlapping on-premises range never leaves the VNet.", "Give each spoke VNet its own address space."),
  c("FLT014", &[E], "spoke in another cloud than the hub", "A spoke profile's `cloud` differs from `hub.cloud`.", "One firewall policy and one set of private DNS zones live in one cloud; service tags and zone names differ between clouds.", "Put the spoke in a fleet of its own cloud."),
  c("FLT015", &[W], "spoke routes to another firewall", "A spoke's `firewall.private_ip` differs from `hub.firewall.private_ip`.", "Its route table sends compute traffic to that address, so the hub's rules never see it.", "Set the spoke's `firewall.private_ip` to the hub firewall's private IP."),
  c("FLT020", &[E], "one DNS name, two addresses", "Two spokes give one private DNS name different addresses.", "The hub's zones hold one answer per name; one of the workspaces would resolve to the other's endpoint.", "Make the shared resource's records identical, or give each resource its own name."),
  c("FLT021", &[E], "one private endpoint address, two resources", "Two spokes give the same private endpoint address to different names.", "Peered spokes share one address plan in the hub's DNS; one name would answer with the other resource's endpoint.", "Give each private endpoint its own address."),
  c("FLT030", &[I], "spoke rules and records are in the hub", "In a fleet, a spoke's firewall rules are in the hub rule collection group (with the IP Group that serves the spoke as source) and its DNS records in the hub's zones, not in `out/<name>/`.", "One policy and one set of zones serve every spoke; per-spoke copies would clash on priorities and zones.", "Deploy `out/hub/` with the spokes."),
  c("FLT031", &[I], "spoke without firewall egress", "A spoke's `network.egress` is not `firewall`, yet its firewall rules are in the hub policy.", "They apply only once its compute traffic is routed to the hub firewall.", "Set `network.egress = \"firewall\"` on the spoke, or accept unused rules."),
  c("MNV002", &[W], "managed-network FQDN rule ports", "Parts of FQDN flows on other ports than TCP 80/443 are not rules.", "Managed-network FQDN rules carry TCP 80 and 443 only (docs/deploy.md § Managed network YAML).", "Use a private endpoint or a service-tag rule for that traffic."),
  c("MNV003", &[W], "Storage FQDNs in approved-outbound mode", "Azure Storage FQDN flows are not rules under `allow_only_approved_outbound`.", "That mode cannot reach Azure Storage through an FQDN rule (docs/deploy.md § Managed network YAML).", "Add a `private_endpoint` rule for each storage account."),
  c("MNV004", &[I], "internet-outbound mode allows these flows", "FQDN and service-tag flows get no rule under `allow_internet_outbound`.", "That mode takes only `private_endpoint` rules and allows internet outbound anyway (docs/deploy.md § Managed network YAML).", "Nothing to do."),
  c("MNV005", &[W], "CIDR flows in a managed VNet", "Flows to customer-VNet CIDRs are not managed-network rules.", "A managed VNet does not reach customer addresses by address (docs/deploy.md § Managed network YAML).", "Reach those resources through private endpoints."),
  c("MNV006", &[I], "no inbound rules in a managed VNet", "Inbound flows are not managed-network rules.", "A managed VNet takes no user inbound rules; Azure adds the AzureMachineLearning inbound rule (docs/deploy.md § Managed network YAML).", "Nothing to do."),
  c("MNV007", &[I], "placeholder resource IDs", "`private_endpoint` rules carry `<subscription-id>` and `<resource-group>` placeholders.", "The profile does not hold the resources' IDs; Azure rejects the placeholders (docs/deploy.md § Managed network YAML).", "Replace the placeholders before deploying."),
  c("MNV008", &[W], "no private endpoint target known", "A private DNS record of an IR written before records named their endpoint has no known `private_endpoint` target.", "Its managed-network rule cannot be written.", "Add those rules by hand."),
  c("MNV009", &[I], "rules Azure adds to every managed network", "Flows and private endpoints that the required rules of every managed network already allow are not written to the YAML.", "Azure adds the required service-tag rules and the private endpoints to the workspace, its default storage (blob, file), key vault and container registry itself; repeating them is redundant (docs/deploy.md § Managed network YAML).", "Nothing to do."),
  c("NSG001", &[I], "FQDN flows are not NSG rules", "The listed FQDN flows are in the firewall and FQDN outputs, not the NSG.", "NSG rules match addresses and service tags only.", "Deploy the firewall rules or the FQDN allowlist for them."),
  c("NSG002", &[E], "too many NSG rules", "The planned NSG has more than 1000 rules.", FORMATS_NSG, "Split the profile, or merge rules (fewer peers)."),
  c("NSG003", &[E], "NSG priority above 4096", "A planned rule gets a priority above 4096.", FORMATS_NSG, "Lower `nsg.*_priority_start` or `nsg.priority_step`."),
  c("NSG005", &[E, W], "the final deny blocks FQDN flows", "`nsg.deny_internet_outbound` adds Deny-Out-Internet at 4096, which also drops the FQDN flows the NSG cannot allow by tag: an error, or a warning when `nsg.accept_blocked_fqdn_flows = true`.", "The NSG sees the real public destination even when a route sends the traffic to the firewall, so pip, conda and other FQDN traffic never reaches the firewall's application rules.", "Remove `nsg.deny_internet_outbound` (the firewall filters egress), or accept the blocked flows explicitly."),
  c("NSG006", &[E], "two NSG rules share a priority", "Two planned rules of one direction get the same priority (e.g. allow rules reaching the final deny at 4096).", "Azure refuses an NSG whose rules of one direction share a priority (FORMATS § 1.1).", "Lower `nsg.*_priority_start` or `nsg.priority_step` so the plan fits below 4096."),
  c("PLAN001", &[I], "managed-VNet compute flows", "Flows of compute in the workspace managed VNet are managed-network rules, not NSG or firewall rules.", "The customer NSG and firewall never see that traffic.", "Deploy `managed-network/workspace.yml`."),
];

/// The entry for a code, if the table has one.
pub fn get(code: &str) -> Option<&'static Code> {
  CODES.iter().find(|c| c.code == code)
}

fn severity_name(s: Severity) -> &'static str {
  match s {
    E => "error",
    W => "warning",
    I => "info",
  }
}

/// docs/diagnostics.md: an index table, then one section per code.
pub fn markdown() -> String {
  let mut s = String::from(
    "# Diagnostic codes\n\n<!-- Generated from src/codes.rs by `AMLNET_UPDATE_DOCS=1 cargo test codes`; do not edit. -->\n\n\
     Every code amlnet prints, with what it means, why it matters and how to fix it. Source keys\n\
     (`SEED0 § …`, `FACTS § …`) are the documents of `catalog/sources.toml`.\n\n\
     | code | severity | title |\n|---|---|---|\n",
  );
  let sev = |c: &Code| {
    c.severity
      .iter()
      .map(|s| severity_name(*s))
      .collect::<Vec<_>>()
      .join(" or ")
  };
  for c in CODES {
    s += &format!(
      "| [{0}](#{1}) | {2} | {3} |\n",
      c.code,
      c.code.to_lowercase(),
      sev(c),
      c.title
    );
  }
  for c in CODES {
    s += &format!(
      "\n## {}\n\n**{}** — {}.\n\n- **What**: {}\n- **Why**: {}\n- **Fix**: {}\n",
      c.code,
      sev(c),
      c.title,
      c.what,
      c.why,
      c.fix
    );
  }
  s
}
