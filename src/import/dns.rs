//! Deployed DNS A records, for checking the records a workspace needs. Takes a BIND zone file
//! (parsed by hickory-proto's zone parser; the zone is its `$ORIGIN` or SOA owner, or the one
//! the caller names) or the JSON of `az network private-dns record-set list` / the REST list
//! (`value` array); returns the zones it covers and (zone, owner name, addresses) per A
//! record set.
//!
//! Never follows `$INCLUDE` (a zone file given for checking must not make amlnet read other
//! files): a file holding one is refused. Record types other than A are counted, not kept.

use std::net::Ipv4Addr;

use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::txt::Parser;
use serde_json::Value;

/// The A record sets of one or more zones, and every zone the export covers (a zone with no
/// A record is still covered: its records are missing, not unchecked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
  pub zones: std::collections::BTreeSet<String>,
  pub sets: Vec<ARecordSet>,
}

impl Records {
  pub fn extend(&mut self, other: Records) {
    self.zones.extend(other.zones);
    self.sets.extend(other.sets);
    self.sets.sort();
  }
}

/// One A record set: the zone it is in, its absolute owner name (lower case, no final dot)
/// and its addresses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ARecordSet {
  pub zone: String,
  pub name: String,
  pub addresses: Vec<Ipv4Addr>,
}

fn bare(name: &Name) -> String {
  let text = name.to_ascii().to_ascii_lowercase();
  text.strip_suffix('.').unwrap_or(&text).to_string()
}

/// The A records of a zone file. `zone` names the zone when the file sets neither `$ORIGIN`
/// nor an SOA at `@` (hickory needs an origin for relative names).
pub fn zone_file(text: &str, zone: Option<&str>) -> Result<Records, String> {
  if text
    .lines()
    .any(|l| l.trim_start().to_ascii_uppercase().starts_with("$INCLUDE"))
  {
    return Err("holds $INCLUDE, which is not followed: give each zone file on its own".into());
  }
  let origin = match zone {
    Some(z) => Some(Name::from_ascii(z).map_err(|e| format!("zone `{z}`: {e}"))?),
    None => None,
  };
  let has_origin = origin.is_some()
    || text
      .lines()
      .any(|l| l.trim_start().to_ascii_uppercase().starts_with("$ORIGIN"));
  if !has_origin {
    return Err("sets no $ORIGIN: name the zone (ZONE=FILE)".into());
  }
  let (origin, sets) = Parser::new(text, None, origin)
    .parse()
    .map_err(|e| e.to_string())?;
  let zone = bare(&origin);
  let mut out = Vec::new();
  for (key, set) in sets {
    if key.record_type != RecordType::A {
      continue;
    }
    let addresses = set
      .records_without_rrsigs()
      .filter_map(|r| match &r.data {
        RData::A(a) => Some(a.0),
        _ => None,
      })
      .collect();
    out.push(ARecordSet {
      zone: zone.clone(),
      name: bare(&key.name().into()),
      addresses,
    });
  }
  out.sort();
  Ok(Records {
    zones: [zone].into(),
    sets: out,
  })
}

/// The A record sets of `az network private-dns record-set list` (an array) or a REST list
/// (`{"value": [...]}`), fields flattened (az) or under `properties` (REST).
pub fn record_sets(doc: &Value) -> Result<Records, String> {
  let list = match doc {
    Value::Array(a) => a,
    Value::Object(o) => o
      .get("value")
      .and_then(Value::as_array)
      .ok_or("an object without a `value` list: not a record-set list")?,
    _ => return Err("neither a record-set list nor a `value` list".into()),
  };
  let mut out = Vec::new();
  let mut zones = std::collections::BTreeSet::new();
  for (i, set) in list.iter().enumerate() {
    let id = set.get("id").and_then(Value::as_str).unwrap_or_default();
    let zone = id
      .split('/')
      .skip_while(|s| !s.eq_ignore_ascii_case("privateDnsZones"))
      .nth(1)
      .map(str::to_ascii_lowercase)
      .ok_or_else(|| {
        format!(
          "record set {}: `id` does not name its privateDnsZones zone",
          i + 1
        )
      })?;
    // Every record set (SOA included) says which zone the export covers.
    zones.insert(zone.clone());
    let kind = set.get("type").and_then(Value::as_str).unwrap_or_default();
    if !kind.eq_ignore_ascii_case("Microsoft.Network/privateDnsZones/A") {
      continue;
    }
    let fields = set.get("properties").unwrap_or(set);
    let name = set
      .get("name")
      .and_then(Value::as_str)
      .ok_or_else(|| format!("record set {}: no `name`", i + 1))?
      .to_ascii_lowercase();
    let mut addresses = Vec::new();
    for r in fields
      .get("aRecords")
      .and_then(Value::as_array)
      .into_iter()
      .flatten()
    {
      let text = r.get("ipv4Address").and_then(Value::as_str).unwrap_or_default();
      addresses.push(
        text
          .parse::<Ipv4Addr>()
          .map_err(|_| format!("record set `{name}`: `{text}` is not an IPv4 address"))?,
      );
    }
    addresses.sort();
    let fqdn = if name == "@" {
      zone.clone()
    } else {
      format!("{name}.{zone}")
    };
    out.push(ARecordSet {
      zone,
      name: fqdn,
      addresses,
    });
  }
  out.sort();
  Ok(Records { zones, sets: out })
}
