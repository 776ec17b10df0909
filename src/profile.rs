//! The raw profile: serde structs that mirror the TOML exactly, every user value
//! wrapped in `Located<T>` so later stages can point at it.
//!
//! Takes the text of each profile file (the `extends` chain is followed by `loader`),
//! returns one merged `RawProfile`. Checks only TOML syntax, key names and value
//! types; what the values mean is `model`'s job. Unknown keys are errors with a
//! "did you mean".

use std::cell::Cell;

use serde::{Deserialize, Deserializer};

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
  ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
    $(#[$meta])*
    #[derive(Clone, Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct $name { $(pub $field: $ty),* }

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

raw_table!(RawProfile {
  name: L<String>,
  extends: L<String>,
  cloud: L<String>,
  region: L<String>,
  workspace: Option<RawWorkspace>,
  network: Option<RawNetwork>,
  storage: Option<RawStorage>,
  key_vault: Option<RawKeyVault>,
  container_registry: Option<RawContainerRegistry>,
  application_insights: Option<RawAppInsights>,
  compute: Option<Vec<RawCompute>>,
  registry: Option<Vec<RawRegistry>>,
  managed_network: Option<RawManagedNetwork>,
  online_endpoint: Option<Vec<RawOnlineEndpoint>>,
  aks: Option<RawAks>,
  features: Option<RawFeatures>,
  nsg: Option<RawNsg>,
  firewall: Option<RawFirewall>,
  dns: Option<RawDns>,
});

raw_table!(RawWorkspace {
  name: L<String>,
  id: L<String>,
  public_network_access: L<String>,
  hbi_workspace: L<bool>,
  v1_legacy_mode: L<bool>,
  image_build_compute: L<String>,
  private_endpoint: Option<RawWorkspacePe>,
});

raw_table!(RawWorkspacePe {
  subnet: L<String>,
  ip: L<String>,
  notebooks_ip: L<String>,
  inference_ip: L<String>,
});

raw_table!(RawNetwork {
  vnet_name: L<String>,
  address_space: L<Vec<Located<String>>>,
  egress: L<String>,
  service_tags: L<bool>,
  on_premises: L<Vec<Located<String>>>,
  firewall_between_compute_and_storage: L<bool>,
  subnet: Option<Vec<RawSubnet>>,
});

raw_table!(RawSubnet {
  name: L<String>,
  prefix: L<String>,
  delegated_to: L<String>,
});

raw_table!(RawStorage {
  name: L<String>,
  access: L<String>,
  private_endpoint: Option<RawStoragePe>,
});

raw_table!(RawStoragePe {
  subnet: L<String>,
  blob: L<String>,
  file: L<String>,
  queue: L<String>,
  table: L<String>,
  dfs: L<String>,
});

raw_table!(RawKeyVault {
  name: L<String>,
  access: L<String>,
  private_endpoint_ip: L<String>,
});

raw_table!(RawContainerRegistry {
  name: L<String>,
  access: L<String>,
  sku: L<String>,
  private_endpoint_ip: L<String>,
  data_endpoint_ip: L<String>,
});

raw_table!(RawAppInsights {
  name: L<String>,
  access: L<String>,
});

raw_table!(RawCompute {
  name: L<String>,
  kind: L<String>,
  subnet: L<String>,
  public_ip: L<bool>,
  max_nodes: L<i64>,
  gpu: L<bool>,
});

raw_table!(RawRegistry {
  name: L<String>,
  id: L<String>,
  region: L<String>,
  access: L<String>,
  private_endpoint_ip: L<String>,
  storage_name: L<String>,
  storage_blob_ip: L<String>,
  acr_name: L<String>,
  acr_ip: L<String>,
  acr_data_ip: L<String>,
});

raw_table!(RawManagedNetwork {
  isolation_mode: L<String>,
  firewall_sku: L<String>,
});

raw_table!(RawOnlineEndpoint {
  name: L<String>,
  public_network_access: L<String>,
});

raw_table!(RawAks {
  name: L<String>,
  subnet: L<String>,
  service_cidr: L<String>,
  dns_service_ip: L<String>,
  docker_bridge_cidr: L<String>,
  training: L<bool>,
  scoring_port: L<i64>,
});

raw_table!(RawFeatures {
  studio: L<bool>,
  vscode: L<bool>,
  vscode_web: L<bool>,
  rstudio: L<bool>,
  automl_nlp_vision: L<bool>,
  batch_endpoints: L<bool>,
  package_repositories: L<Vec<Located<String>>>,
});

raw_table!(RawNsg {
  name: L<String>,
  inbound_priority_start: L<i64>,
  outbound_priority_start: L<i64>,
  priority_step: L<i64>,
  deny_internet_outbound: L<bool>,
  accept_blocked_fqdn_flows: L<bool>,
});

raw_table!(RawFirewall {
  policy_name: L<String>,
  rule_collection_group: L<String>,
  priority: L<i64>,
  source_addresses: L<Vec<Located<String>>>,
  dns_proxy: L<bool>,
  private_ip: L<String>,
  route_table: L<String>,
});

raw_table!(RawDns {
  ttl: L<i64>,
  soa_mname: L<String>,
  soa_rname: L<String>,
  serial: L<i64>,
  nameservers: L<Vec<Located<String>>>,
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
