//! The raw profile: serde structs that mirror the TOML exactly, every user value
//! wrapped in `Located<T>` so later stages can point at it.
//!
//! Takes the text of each profile file (the `extends` chain is followed by `loader`),
//! returns one merged `RawProfile`. Checks only TOML syntax, key names and value
//! types; what the values mean is `model`'s job. Unknown keys are errors with a
//! "did you mean".

use std::cell::Cell;

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diagnostic::{did_you_mean, Problem, Span};

thread_local! {
  /// The file being deserialized, so `Located` can record it (serde has no context argument).
  static CURRENT_FILE: Cell<usize> = const { Cell::new(0) };
}

/// A user value and where it was written.
#[derive(Clone, Debug)]
pub struct Located<T> {
  pub value: T,
  pub span: Span,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
  fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
    let spanned = toml::Spanned::<T>::deserialize(deserializer)?;
    let file = CURRENT_FILE.with(Cell::get);
    let range = spanned.span();
    Ok(Located {
      value: spanned.into_inner(),
      span: Span { file, range },
    })
  }
}

/// A located value is written as the value (`init` writes a raw profile back as TOML).
impl<T: Serialize> Serialize for Located<T> {
  fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
    self.value.serialize(serializer)
  }
}

/// The schema of a located value is the schema of the value: the location is amlnet's, not
/// the user's.
impl<T: JsonSchema> JsonSchema for Located<T> {
  fn inline_schema() -> bool {
    T::inline_schema()
  }

  fn schema_name() -> Cow<'static, str> {
    T::schema_name()
  }

  fn schema_id() -> Cow<'static, str> {
    T::schema_id()
  }

  fn json_schema(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
  }
}

type L<T> = Option<Located<T>>;

/// Field-wise "child over base" merge, for `extends`.
pub trait Merge {
  fn merge(self, base: Self) -> Self;
}

impl<T> Merge for Option<Located<T>> {
  fn merge(self, base: Self) -> Self {
    self.or(base)
  }
}

macro_rules! raw_table {
  ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
    $(#[$meta])*
    #[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct $name { $($(#[$fmeta])* pub $field: $ty),* }

    impl $name {
      pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];
    }

    impl Strings for $name {
      fn strings<'a>(&'a self, out: &mut Vec<&'a Located<String>>) {
        $(self.$field.strings(out);)*
      }
    }

    impl Merge for Option<$name> {
      fn merge(self, base: Self) -> Self {
        match (self, base) {
          (Some(child), Some(base)) => Some($name { $($field: child.$field.merge(base.$field)),* }),
          (child, base) => child.or(base),
        }
      }
    }
  };
}

/// Every string value of a raw table, nested tables and arrays included, so text
/// rules (characters, lengths) apply whatever the key.
pub trait Strings {
  fn strings<'a>(&'a self, out: &mut Vec<&'a Located<String>>);
}

impl Strings for Located<String> {
  fn strings<'a>(&'a self, out: &mut Vec<&'a Located<String>>) {
    out.push(self);
  }
}

impl Strings for Located<bool> {
  fn strings<'a>(&'a self, _: &mut Vec<&'a Located<String>>) {}
}

impl Strings for Located<i64> {
  fn strings<'a>(&'a self, _: &mut Vec<&'a Located<String>>) {}
}

impl<T: Strings> Strings for Located<Vec<T>> {
  fn strings<'a>(&'a self, out: &mut Vec<&'a Located<String>>) {
    self.value.iter().for_each(|v| v.strings(out));
  }
}

impl<T: Strings> Strings for Option<T> {
  fn strings<'a>(&'a self, out: &mut Vec<&'a Located<String>>) {
    self.iter().for_each(|v| v.strings(out));
  }
}

impl<T: Strings> Strings for Vec<T> {
  fn strings<'a>(&'a self, out: &mut Vec<&'a Located<String>>) {
    self.iter().for_each(|v| v.strings(out));
  }
}

/// Arrays of tables are replaced whole by a child profile, never appended to.
impl<T> Merge for Option<Vec<T>> {
  fn merge(self, base: Self) -> Self {
    self.or(base)
  }
}

raw_table!(
  /// An Azure Machine Learning workspace's network isolation, as amlnet compiles it.
  RawProfile {
  /// The profile's name, used in file headers and default resource names (default: the file name without `.toml`).
  name: L<String>,
  /// A base profile, relative to this file: its keys apply unless this file sets them; tables merge key by key, arrays of tables are replaced whole.
  extends: L<String>,
  /// The Azure cloud the workspace lives in; decides region names, service-tag suffixes and DNS zones. Required (here or in a base).
  cloud: L<String>,
  /// The workspace region, as ARM spells it in lowercase (`eastus`); must belong to `cloud`.
  region: L<String>,
  /// The Azure Machine Learning workspace.
  workspace: Option<RawWorkspace>,
  /// The customer virtual network the compute runs in, and how it reaches the internet.
  network: Option<RawNetwork>,
  /// The workspace's default storage account.
  storage: Option<RawStorage>,
  /// The workspace's key vault.
  key_vault: Option<RawKeyVault>,
  /// The workspace's container registry.
  container_registry: Option<RawContainerRegistry>,
  /// The workspace's Application Insights.
  application_insights: Option<RawAppInsights>,
  /// Compute instances, clusters and serverless compute in the customer VNet.
  compute: Option<Vec<RawCompute>>,
  /// Azure Machine Learning registries the workspace uses.
  registry: Option<Vec<RawRegistry>>,
  /// The workspace managed virtual network, when Azure runs the network instead of the customer.
  managed_network: Option<RawManagedNetwork>,
  /// Managed online endpoints.
  online_endpoint: Option<Vec<RawOnlineEndpoint>>,
  /// An attached Kubernetes (AKS) compute.
  aks: Option<RawAks>,
  /// Optional workspace features, each of which needs flows of its own.
  features: Option<RawFeatures>,
  /// The network security group amlnet writes rules for, and its priority plan.
  nsg: Option<RawNsg>,
  /// The Azure Firewall policy amlnet writes rules for (with `network.egress = "firewall"`).
  firewall: Option<RawFirewall>,
  /// Private DNS zone-file and forwarder settings.
  dns: Option<RawDns>,
});

raw_table!(
  /// The Azure Machine Learning workspace.
  RawWorkspace {
  /// The workspace name (3-33 letters, digits, `-` and `_`, starting with a letter or digit).
  name: L<String>,
  /// The workspace ID (a GUID); part of the workspace's private DNS names.
  id: L<String>,
  /// Whether the workspace answers on its public endpoint; `disabled` needs a workspace private endpoint.
  public_network_access: L<String>,
  /// A high-business-impact workspace (Microsoft collects less diagnostic data).
  hbi_workspace: L<bool>,
  /// The workspace keeps v1 legacy mode, which rules out private endpoints for v2 features.
  v1_legacy_mode: L<bool>,
  /// The CPU compute cluster that builds images when the container registry is behind the VNet.
  image_build_compute: L<String>,
  /// The workspace's private endpoint in the customer VNet.
  private_endpoint: Option<RawWorkspacePe>,
});

raw_table!(
  /// The workspace's private endpoint.
  RawWorkspacePe {
  /// The subnet (a `network.subnet` name) the endpoint's addresses must lie in.
  subnet: L<String>,
  /// The private endpoint's address for the workspace API.
  ip: L<String>,
  /// The address for the notebooks host names (default: `ip`).
  notebooks_ip: L<String>,
  /// The address for the inference host names (default: `ip`).
  inference_ip: L<String>,
});

raw_table!(
  /// The customer virtual network.
  RawNetwork {
  /// The VNet's name (2-64 letters, digits, `_`, `.` and `-`).
  vnet_name: L<String>,
  /// The VNet's IPv4 address blocks (CIDR). Required (here or in a base).
  address_space: L<Vec<Located<String>>>,
  /// How compute reaches the internet: NSG rules only, through a firewall, or through a NAT gateway.
  egress: L<String>,
  /// Whether the egress path filters by service tag; `false` adds host-name forms of the service tags for firewalls that filter by name only.
  service_tags: L<bool>,
  /// On-premises address blocks (CIDR), checked for overlap with the VNet.
  on_premises: L<Vec<Located<String>>>,
  /// A firewall sits between compute and storage, so Azure Files needs TCP 445 to `Storage.<region>`.
  firewall_between_compute_and_storage: L<bool>,
  /// The VNet's subnets.
  subnet: Option<Vec<RawSubnet>>,
});

raw_table!(
  /// A subnet of the VNet.
  RawSubnet {
  /// The subnet's name, which compute and endpoints refer to.
  name: L<String>,
  /// The subnet's address block (CIDR), inside the VNet.
  prefix: L<String>,
  /// The service the subnet is delegated to, if any.
  delegated_to: L<String>,
});

raw_table!(
  /// The workspace's default storage account.
  RawStorage {
  /// The storage account name (3-24 lowercase letters and digits).
  name: L<String>,
  /// How compute reaches the account.
  access: L<String>,
  /// Private endpoint addresses, one per storage sub-resource.
  private_endpoint: Option<RawStoragePe>,
});

raw_table!(
  /// The storage account's private endpoints.
  RawStoragePe {
  /// The subnet (a `network.subnet` name) the addresses must lie in.
  subnet: L<String>,
  /// The blob endpoint's address.
  blob: L<String>,
  /// The file endpoint's address.
  file: L<String>,
  /// The queue endpoint's address.
  queue: L<String>,
  /// The table endpoint's address.
  table: L<String>,
  /// The Data Lake (dfs) endpoint's address.
  dfs: L<String>,
});

raw_table!(
  /// The workspace's key vault.
  RawKeyVault {
  /// The key vault name (3-24 letters, digits and hyphens, starting with a letter, no `--`).
  name: L<String>,
  /// How compute reaches the key vault.
  access: L<String>,
  /// The key vault private endpoint's address.
  private_endpoint_ip: L<String>,
});

raw_table!(
  /// The workspace's container registry.
  RawContainerRegistry {
  /// The registry name (5-50 letters and digits).
  name: L<String>,
  /// How compute reaches the registry.
  access: L<String>,
  /// The registry's SKU, matched without regard to case; private endpoints need Premium.
  sku: L<String>,
  /// The registry private endpoint's address.
  private_endpoint_ip: L<String>,
  /// The address of the registry's regional data endpoint.
  data_endpoint_ip: L<String>,
});

raw_table!(
  /// The workspace's Application Insights.
  RawAppInsights {
  /// The Application Insights component's name.
  name: L<String>,
  /// `private-link` when reached through an Azure Monitor private link scope.
  access: L<String>,
});

raw_table!(
  /// One compute in the customer VNet.
  RawCompute {
  /// The compute's name (instances 3-24, clusters 2-16 letters, digits and hyphens, starting with a letter); unique.
  name: L<String>,
  /// What kind of compute this is.
  kind: L<String>,
  /// The subnet (a `network.subnet` name) the compute's nodes get addresses from.
  subnet: L<String>,
  /// Whether nodes have public IP addresses (Azure Batch management then reaches them inbound).
  public_ip: L<bool>,
  /// The most nodes a cluster scales to, for subnet sizing (default: 1 for instances, 4 for clusters).
  max_nodes: L<i64>,
  /// The compute has GPUs.
  gpu: L<bool>,
});

raw_table!(
  /// An Azure Machine Learning registry.
  RawRegistry {
  /// The registry name (3-33 letters, digits, `-` and `_`).
  name: L<String>,
  /// The registry ID (a GUID); part of its private DNS names.
  id: L<String>,
  /// The registry's region, when it differs from the workspace's.
  region: L<String>,
  /// How compute reaches the registry.
  access: L<String>,
  /// The registry private endpoint's address.
  private_endpoint_ip: L<String>,
  /// The name of the registry's storage account.
  storage_name: L<String>,
  /// The address of the registry storage account's blob private endpoint.
  storage_blob_ip: L<String>,
  /// The name of the registry's container registry.
  acr_name: L<String>,
  /// The address of the registry's container registry private endpoint.
  acr_ip: L<String>,
  /// The address of the registry's container registry data endpoint.
  acr_data_ip: L<String>,
});

raw_table!(
  /// The workspace managed virtual network.
  RawManagedNetwork {
  /// How the managed VNet lets traffic out.
  isolation_mode: L<String>,
  /// The SKU of the managed network's firewall (only with `allow_only_approved_outbound`).
  firewall_sku: L<String>,
});

raw_table!(
  /// A managed online endpoint.
  RawOnlineEndpoint {
  /// The endpoint's name (3-32 letters, digits and hyphens, starting with a letter); unique.
  name: L<String>,
  /// Whether the endpoint accepts scoring requests from the internet (default: `disabled`).
  public_network_access: L<String>,
});

raw_table!(
  /// An attached Kubernetes (AKS) compute.
  RawAks {
  /// The AKS cluster's name (1-63 letters, digits, `-` and `_`).
  name: L<String>,
  /// The subnet (a `network.subnet` name) the cluster's nodes run in.
  subnet: L<String>,
  /// The cluster's Kubernetes service address range (CIDR), outside the VNet.
  service_cidr: L<String>,
  /// The cluster DNS service's address, inside `service_cidr`.
  dns_service_ip: L<String>,
  /// The Docker bridge address range (CIDR), overlapping neither VNet nor service range.
  docker_bridge_cidr: L<String>,
  /// The cluster also runs training jobs, not only inference.
  training: L<bool>,
  /// Refused: amlnet writes no AKS scoring rule.
  scoring_port: L<i64>,
});

raw_table!(
  /// Optional features, each of which needs flows of its own.
  RawFeatures {
  /// Users open Azure Machine Learning studio.
  studio: L<bool>,
  /// Users connect VS Code desktop to compute instances.
  vscode: L<bool>,
  /// Users open VS Code for the Web on compute instances.
  vscode_web: L<bool>,
  /// Compute instances run RStudio.
  rstudio: L<bool>,
  /// AutoML for natural language and vision runs.
  automl_nlp_vision: L<bool>,
  /// Batch endpoints run.
  batch_endpoints: L<bool>,
  /// Package hosts compute may download from.
  package_repositories: L<Vec<Located<String>>>,
});

raw_table!(
  /// The network security group and its priority plan.
  RawNsg {
  /// The NSG's name (1-80 letters, digits, `_`, `.` and `-`).
  name: L<String>,
  /// The priority of the first inbound rule.
  inbound_priority_start: L<i64>,
  /// The priority of the first outbound rule.
  outbound_priority_start: L<i64>,
  /// The gap between two rules' priorities.
  priority_step: L<i64>,
  /// End the outbound rules with a deny-internet rule at priority 4096.
  deny_internet_outbound: L<bool>,
  /// Deny internet outbound even though FQDN flows that the NSG cannot allow would be blocked.
  accept_blocked_fqdn_flows: L<bool>,
});

raw_table!(
  /// The Azure Firewall policy amlnet writes rules for.
  RawFirewall {
  /// The firewall policy's name.
  policy_name: L<String>,
  /// The rule collection group amlnet writes into.
  rule_collection_group: L<String>,
  /// The rule collection group's priority.
  priority: L<i64>,
  /// Source addresses of the rules: CIDRs or `*` (default: the compute subnets).
  source_addresses: L<Vec<Located<String>>>,
  /// The policy has DNS proxy on and clients resolve through the firewall, so network rules may name FQDNs.
  dns_proxy: L<bool>,
  /// The hub firewall's private address (outside the VNet): next hop of the compute subnets' default route.
  private_ip: L<String>,
  /// The route table's name (default: `rt-<workspace>`, at most 70 characters).
  route_table: L<String>,
});

raw_table!(
  /// Private DNS zone-file and forwarder settings.
  RawDns {
  /// The records' time to live, in seconds.
  ttl: L<i64>,
  /// The SOA record's primary name server.
  soa_mname: L<String>,
  /// The SOA record's responsible mailbox, as a DNS name.
  soa_rname: L<String>,
  /// The zones' serial number.
  serial: L<i64>,
  /// The zones' NS records.
  nameservers: L<Vec<Located<String>>>,
  /// The in-VNet resolver on-premises DNS servers forward to.
  resolver_ip: L<String>,
});

/// Every table's keys, for "did you mean" when a key is unknown.
fn all_keys() -> impl Iterator<Item = &'static str> {
  [
    RawProfile::KEYS,
    RawWorkspace::KEYS,
    RawWorkspacePe::KEYS,
    RawNetwork::KEYS,
    RawSubnet::KEYS,
    RawStorage::KEYS,
    RawStoragePe::KEYS,
    RawKeyVault::KEYS,
    RawContainerRegistry::KEYS,
    RawAppInsights::KEYS,
    RawCompute::KEYS,
    RawRegistry::KEYS,
    RawManagedNetwork::KEYS,
    RawOnlineEndpoint::KEYS,
    RawAks::KEYS,
    RawFeatures::KEYS,
    RawNsg::KEYS,
    RawFirewall::KEYS,
    RawDns::KEYS,
  ]
  .into_iter()
  .flatten()
  .copied()
}

/// Parse one profile file's text. `file` is its index in the source map.
pub fn parse(text: &str, file: usize) -> Result<RawProfile, Box<Problem>> {
  CURRENT_FILE.with(|c| c.set(file));
  toml::from_str::<RawProfile>(text).map_err(|err| Box::new(toml_problem(&err, file)))
}

/// Parse another raw table kind (a fleet file) with the same spans and error rules as a
/// profile: unknown keys, wrong types and syntax errors located in `file`.
pub fn parse_table<T: serde::de::DeserializeOwned>(text: &str, file: usize) -> Result<T, Box<Problem>> {
  CURRENT_FILE.with(|c| c.set(file));
  toml::from_str::<T>(text).map_err(|err| Box::new(toml_problem(&err, file)))
}

fn toml_problem(err: &toml::de::Error, file: usize) -> Problem {
  let span = err.span().map(|range| Span { file, range });
  let message = err.message().trim().to_string();
  if let Some(rest) = message.strip_prefix("unknown field `") {
    let key = rest.split('`').next().unwrap_or_default();
    let expected = expected_keys(&message);
    let suggestion = did_you_mean(key, expected.iter().map(String::as_str))
      .or_else(|| did_you_mean(key, all_keys()))
      .map(str::to_string);
    let hint = match suggestion {
      // A top-level `[hub]` is what makes a fleet file: say so rather than list profile keys.
      _ if key == "hub" && expected.iter().any(|k| k == "workspace") => {
        "this is a fleet file: `compile` and `diff` read fleet files; give `explain`, `expand` and `audit` one of its workspace profiles (docs/fleet.md)".to_string()
      }
      Some(s) => format!("did you mean `{s}`? keys allowed here: {}", expected.join(", ")),
      None => format!("keys allowed here: {}", expected.join(", ")),
    };
    return Problem::error("AML001", format!("unknown key `{key}`"), span).hint(hint);
  }
  if message.starts_with("invalid type") {
    return Problem::error("AML002", format!("wrong type of value: {message}"), span)
      .hint("see README.md § Profile format for the type of each key");
  }
  Problem::error("AML000", format!("TOML syntax error: {message}"), span)
    .hint("fix the TOML syntax at the marked position")
}

/// The key list out of serde's "expected one of `a`, `b`" tail.
fn expected_keys(message: &str) -> Vec<String> {
  let Some((_, tail)) = message.split_once("expected ") else {
    return vec![];
  };
  tail.split('`').skip(1).step_by(2).map(str::to_string).collect()
}
