//! The JSON Schema of a profile, for editors (taplo, Even Better TOML) and validators.
//!
//! Takes the raw profile types (`profile`: their doc comments become the descriptions) and
//! the model's closed vocabularies (`model::EGRESS`, ...), so nothing here is maintained by
//! hand but defaults, ranges and examples, each next to the key it describes. Returns JSON
//! text; never reads files and never validates a profile: amlnet's own checks stay in
//! `model`. No key is required, because a profile may take any key from its `extends` base.
//! Values with a spelling the model normalises (`region`, `container_registry.sku`) are
//! offered in their canonical spelling only.

use serde_json::{json, Map, Value};

use crate::model;
use crate::profile::RawProfile;
use crate::region::Cloud;

/// The schema's `$id`-free identity: editors match it through the `#:schema` directive.
const TITLE: &str = "amlnet profile";

const IPV4_OCTET: &str = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

fn ipv4() -> Value {
  json!({ "pattern": format!("^{IPV4_OCTET}(\\.{IPV4_OCTET}){{3}}$") })
}

fn cidr() -> Value {
  json!({ "pattern": format!("^{IPV4_OCTET}(\\.{IPV4_OCTET}){{3}}/(3[0-2]|[12]?[0-9])$") })
}

fn guid() -> Value {
  json!({ "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" })
}

fn one_of<T>(table: &[(&str, T)]) -> Value {
  json!({ "enum": table.iter().map(|(name, _)| *name).collect::<Vec<_>>() })
}

fn range(min: i64, max: i64) -> Value {
  json!({ "minimum": min, "maximum": max })
}

fn all_regions() -> Vec<&'static str> {
  Cloud::ALL.iter().flat_map(|c| c.region_names()).collect()
}

/// `Def.key` (or a root `key`) → what to add to its schema. Every path must exist:
/// `profile()` panics otherwise, and the schema test runs it.
fn additions() -> Vec<(&'static str, Value)> {
  let access = one_of(model::ACCESS);
  let pna = one_of(model::PUBLIC_NETWORK_ACCESS);
  vec![
    ("name", json!({ "examples": ["contoso-training"] })),
    ("extends", json!({ "examples": ["base/contoso-eastus.toml"] })),
    (
      "cloud",
      merge(
        one_of(&Cloud::ALL.map(|c| (c.name(), ()))),
        json!({ "examples": ["AzureCloud"] }),
      ),
    ),
    ("region", json!({ "enum": all_regions(), "examples": ["eastus"] })),
    ("RawWorkspace.name", json!({ "examples": ["mlw-contoso"] })),
    (
      "RawWorkspace.id",
      merge(
        guid(),
        json!({ "examples": ["0f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b"] }),
      ),
    ),
    (
      "RawWorkspace.public_network_access",
      merge(pna.clone(), json!({ "default": "enabled" })),
    ),
    ("RawWorkspace.hbi_workspace", json!({ "default": false })),
    ("RawWorkspace.v1_legacy_mode", json!({ "default": false })),
    (
      "RawWorkspacePe.ip",
      merge(ipv4(), json!({ "examples": ["10.0.2.4"] })),
    ),
    ("RawWorkspacePe.notebooks_ip", ipv4()),
    ("RawWorkspacePe.inference_ip", ipv4()),
    ("RawNetwork.vnet_name", json!({ "default": "vnet-aml" })),
    (
      "RawNetwork.address_space",
      json!({ "items": cidr(), "examples": [["10.0.0.0/16"]] }),
    ),
    (
      "RawNetwork.egress",
      merge(one_of(model::EGRESS), json!({ "default": "nsg" })),
    ),
    ("RawNetwork.service_tags", json!({ "default": true })),
    ("RawNetwork.on_premises", json!({ "items": cidr() })),
    (
      "RawNetwork.firewall_between_compute_and_storage",
      json!({ "default": false }),
    ),
    (
      "RawSubnet.prefix",
      merge(cidr(), json!({ "examples": ["10.0.1.0/24"] })),
    ),
    (
      "RawStorage.access",
      merge(access.clone(), json!({ "default": "public" })),
    ),
    ("RawStoragePe.blob", ipv4()),
    ("RawStoragePe.file", ipv4()),
    ("RawStoragePe.queue", ipv4()),
    ("RawStoragePe.table", ipv4()),
    ("RawStoragePe.dfs", ipv4()),
    (
      "RawKeyVault.access",
      merge(access.clone(), json!({ "default": "public" })),
    ),
    ("RawKeyVault.private_endpoint_ip", ipv4()),
    (
      "RawContainerRegistry.access",
      merge(access.clone(), json!({ "default": "public" })),
    ),
    (
      "RawContainerRegistry.sku",
      merge(one_of(model::ACR_SKUS), json!({ "default": "Premium" })),
    ),
    ("RawContainerRegistry.private_endpoint_ip", ipv4()),
    ("RawContainerRegistry.data_endpoint_ip", ipv4()),
    (
      "RawAppInsights.access",
      merge(one_of(model::APP_INSIGHTS_ACCESS), json!({ "default": "public" })),
    ),
    (
      "RawCompute.kind",
      merge(one_of(model::COMPUTE_KINDS), json!({ "default": "instance" })),
    ),
    ("RawCompute.public_ip", json!({ "default": true })),
    (
      "RawCompute.max_nodes",
      merge(range(0, 10_000), json!({ "examples": [4] })),
    ),
    ("RawCompute.gpu", json!({ "default": false })),
    ("RawRegistry.id", guid()),
    ("RawRegistry.region", json!({ "enum": all_regions() })),
    (
      "RawRegistry.access",
      merge(access, json!({ "default": "public" })),
    ),
    ("RawRegistry.private_endpoint_ip", ipv4()),
    ("RawRegistry.storage_blob_ip", ipv4()),
    ("RawRegistry.acr_ip", ipv4()),
    ("RawRegistry.acr_data_ip", ipv4()),
    ("RawManagedNetwork.isolation_mode", one_of(model::ISOLATION_MODES)),
    (
      "RawManagedNetwork.firewall_sku",
      one_of(model::MANAGED_FIREWALL_SKUS),
    ),
    (
      "RawOnlineEndpoint.public_network_access",
      merge(pna, json!({ "default": "disabled" })),
    ),
    ("RawAks.service_cidr", cidr()),
    ("RawAks.dns_service_ip", ipv4()),
    ("RawAks.docker_bridge_cidr", cidr()),
    ("RawAks.training", json!({ "default": false })),
    (
      "RawFeatures.package_repositories",
      json!({ "items": { "enum": model::PACKAGE_REPOSITORIES }, "examples": [["conda", "pypi"]] }),
    ),
    (
      "RawNsg.inbound_priority_start",
      merge(range(100, 4096), json!({ "default": 100 })),
    ),
    (
      "RawNsg.outbound_priority_start",
      merge(range(100, 4096), json!({ "default": 100 })),
    ),
    (
      "RawNsg.priority_step",
      merge(range(1, 100), json!({ "default": 10 })),
    ),
    ("RawNsg.deny_internet_outbound", json!({ "default": false })),
    ("RawNsg.accept_blocked_fqdn_flows", json!({ "default": false })),
    (
      "RawFirewall.priority",
      merge(range(100, 65_000), json!({ "default": 1000 })),
    ),
    (
      "RawFirewall.source_addresses",
      json!({ "items": { "anyOf": [cidr(), { "const": "*" }] } }),
    ),
    ("RawFirewall.dns_proxy", json!({ "default": false })),
    (
      "RawFirewall.private_ip",
      merge(ipv4(), json!({ "examples": ["10.0.0.4"] })),
    ),
    (
      "RawDns.ttl",
      merge(range(1, 2_147_483_647), json!({ "default": 300 })),
    ),
    (
      "RawDns.serial",
      merge(range(1, 4_294_967_295), json!({ "default": 1 })),
    ),
    ("RawDns.resolver_ip", ipv4()),
  ]
}

/// `b`'s keys written into `a`, objects merged key by key (so `items` keeps its `type`).
fn deep_merge(a: &mut Value, b: Value) {
  match (a, b) {
    (Value::Object(a), Value::Object(b)) => {
      for (k, v) in b {
        match a.get_mut(&k) {
          Some(existing) if existing.is_object() && v.is_object() => deep_merge(existing, v),
          _ => {
            a.insert(k, v);
          }
        }
      }
    }
    (a, b) => *a = b,
  }
}

/// `a` with `b`'s keys added.
fn merge(mut a: Value, b: Value) -> Value {
  if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
    a.extend(b);
  }
  a
}

/// The profile schema, as pretty JSON text with a final newline.
pub fn profile() -> String {
  let settings = schemars::generate::SchemaSettings::draft07();
  let schema = settings.into_generator().into_root_schema_for::<RawProfile>();
  let mut value = schema.to_value();
  drop_null(&mut value);
  for (path, addition) in additions() {
    let target = property(&mut value, path).unwrap_or_else(|| panic!("schema has no key {path}"));
    deep_merge(target, addition);
  }
  if let Some(root) = value.as_object_mut() {
    root.insert("title".into(), json!(TITLE));
    root.insert("allOf".into(), Value::Array(regions_per_cloud()));
  }
  crate::syntax::json::document(&value)
}

/// With `cloud` set in the same file, `region` must be one of that cloud's regions.
fn regions_per_cloud() -> Vec<Value> {
  Cloud::ALL
    .iter()
    .map(|c| {
      json!({
        "if": { "properties": { "cloud": { "const": c.name() } }, "required": ["cloud"] },
        "then": { "properties": { "region": { "enum": c.region_names().collect::<Vec<_>>() } } }
      })
    })
    .collect()
}

/// The schema of `Def.key` (under `definitions`) or of a root `key`.
fn property<'a>(schema: &'a mut Value, path: &str) -> Option<&'a mut Value> {
  let (table, key) = match path.split_once('.') {
    Some((def, key)) => (schema.get_mut("definitions")?.get_mut(def)?, key),
    None => (schema, path),
  };
  table.get_mut("properties")?.get_mut(key)
}

/// TOML has no null: an optional key is one that may be left out, so `Option`'s `null`
/// alternative goes.
fn drop_null(value: &mut Value) {
  match value {
    Value::Object(map) => {
      if let Some(Value::Array(types)) = map.get("type") {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let single = if kept.len() == 1 {
          kept[0].clone()
        } else {
          Value::Array(kept)
        };
        map.insert("type".into(), single);
      }
      if let Some(Value::Array(alternatives)) = map.get("anyOf") {
        let kept: Vec<Value> = alternatives
          .iter()
          .filter(|a| a.get("type").is_none_or(|t| t != "null"))
          .cloned()
          .collect();
        map.remove("anyOf");
        if let [Value::Object(only)] = kept.as_slice() {
          absorb(map, only);
        } else {
          map.insert("anyOf".into(), Value::Array(kept));
        }
      }
      map.values_mut().for_each(drop_null);
    }
    Value::Array(items) => items.iter_mut().for_each(drop_null),
    _ => {}
  }
}

fn absorb(map: &mut Map<String, Value>, only: &Map<String, Value>) {
  for (k, v) in only {
    map.entry(k.clone()).or_insert_with(|| v.clone());
  }
}
