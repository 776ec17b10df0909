//! Shared pieces of the custom-DNS pack: name validation, the provenance header and a BIND zone-file writer.
//!
//! It takes names and values from the IR and `ir.settings.dns`; it returns hickory-proto `Name`s and
//! `Record`s that passed validation, and zone-file text built from them. It never writes a name that
//! failed validation: the caller gets an `Err` with the reason and turns it into a `Severity::Error`
//! note. It does no I/O and reads nothing but the IR.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use hickory_proto::rr::rdata::{A, AAAA, NS, SOA};
use hickory_proto::rr::{Label, Name, RData, Record};

use super::Output;
use crate::ir::{Ir, RecordType, Severity};

/// A DNS name (zone, record owner, server) that fails validation; the note carries the name.
pub(super) const INVALID_NAME: &str = "AML701";
/// A record whose zone is not in `ir.dns_zones`, or whose name lies outside its zone.
pub(super) const RECORD_OUTSIDE_ZONE: &str = "AML703";
/// A host record that no forwarder zone covers, so it went into a zone named after its parent domain.
/// A host record a hosts file cannot express (wildcard).
pub(super) const NOT_IN_HOSTS_FILE: &str = "AML705";
/// Conditional forwarders that were not written, and why.
pub(super) const FORWARDERS_SKIPPED: &str = "AML706";
/// SOA/NS settings that make a zone unloadable (bad number, name server inside the zone without glue).
pub(super) const BAD_ZONE_SETTINGS: &str = "AML708";

/// The first line of every artifact: which amlnet, catalog and profile made it.
pub(super) fn header(ir: &Ir, comment: &str) -> String {
  format!(
    "{comment} amlnet {}, catalog {}, profile {} sha256:{}\n",
    one_line(&ir.amlnet_version),
    one_line(&ir.catalog_version),
    one_line(&ir.profile),
    one_line(&ir.profile_hash)
  )
}

/// Text fit for the rest of a comment line: a newline inside it would start an uncommented line.
pub(super) fn one_line(text: &str) -> String {
  text
    .split(|c: char| c.is_control() || c.is_whitespace())
    .filter(|w| !w.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// Parse and validate a DNS name written without or with a trailing dot.
///
/// Accepted: letters, digits and inner hyphens per label (the host-name rule that
/// `named-checkzone` enforces on A-record owners by default), labels of 1..=63 octets,
/// at most 253 characters, and `*` only as the whole leftmost label when `wildcard` is set.
/// The strict character set also keeps every name safe as a file name and inside quotes.
pub(super) fn parse_name(text: &str, wildcard: bool) -> Result<Name, String> {
  let bare = text.strip_suffix('.').unwrap_or(text);
  if bare.is_empty() {
    return Err("empty name".to_string());
  }
  if bare.len() > 253 {
    return Err(format!("{} characters, more than 253", bare.len()));
  }
  for (i, label) in bare.split('.').enumerate() {
    if label == "*" {
      if !wildcard {
        return Err("a wildcard is not allowed here".to_string());
      }
      if i > 0 {
        return Err("`*` is allowed only as the leftmost label".to_string());
      }
      continue;
    }
    if label.is_empty() {
      return Err("empty label".to_string());
    }
    if label.len() > 63 {
      return Err(format!(
        "label `{label}` has {} characters, more than 63",
        label.len()
      ));
    }
    if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
      return Err(format!(
        "label `{label}` has a character other than a letter, a digit or `-`"
      ));
    }
    if label.starts_with('-') || label.ends_with('-') {
      return Err(format!("label `{label}` starts or ends with `-`"));
    }
  }
  // hickory-proto applies the wire-format limits (63-octet labels, 255-octet names) too.
  Name::from_ascii(format!("{bare}.")).map_err(|e| e.to_string())
}

/// The name as written in a file, lower-case, without the trailing dot.
pub(super) fn ascii(name: &Name) -> String {
  labels(name).join(".")
}

fn labels(name: &Name) -> Vec<String> {
  name
    .iter()
    .map(|l| {
      Label::from_raw_bytes(l)
        .map(|l| l.to_ascii())
        .unwrap_or_default()
        .to_ascii_lowercase()
    })
    .collect()
}

/// The owner as written in a zone file with `$ORIGIN origin`: `@` for the apex, `None` outside the zone.
pub(super) fn relative_owner(name: &Name, origin: &Name) -> Option<String> {
  if !origin.zone_of(name) {
    return None;
  }
  let own = labels(name);
  let keep = own.len() - labels(origin).len();
  Some(if keep == 0 {
    "@".to_string()
  } else {
    own[..keep].join(".")
  })
}

/// Build an address record (A or AAAA, by the address family) for `name`.
pub(super) fn address_record(name: Name, ttl: u32, ip: IpAddr) -> Record {
  match ip {
    IpAddr::V4(v4) => Record::from_rdata(name, ttl, RData::A(A(v4))),
    IpAddr::V6(v6) => Record::from_rdata(name, ttl, RData::AAAA(AAAA(v6))),
  }
}

/// Build a record of one of the types the IR carries in `dns_records[].type`.
pub(super) fn typed_record(name: Name, ttl: u32, record_type: RecordType, value: Ipv4Addr) -> Record {
  match record_type {
    RecordType::A => Record::from_rdata(name, ttl, RData::A(A(value))),
  }
}

/// SOA and NS data every generated zone shares, from `ir.settings.dns`.
pub(super) struct ZoneDefaults {
  ttl: u32,
  soa: SOA,
  nameservers: Vec<Name>,
}

impl ZoneDefaults {
  /// Validate the SOA/NS settings once. `None` (with Error notes) when no zone can be written from them.
  pub(super) fn from_settings(ir: &Ir, out: &mut Output) -> Option<ZoneDefaults> {
    let dns = &ir.settings.dns;
    let mut ok = true;
    let mname = parse_name(&dns.soa_mname, false)
      .map_err(|e| {
        out.note(
          Severity::Error,
          INVALID_NAME,
          format!("SOA primary server `{}`: {e}", dns.soa_mname),
        );
        ok = false;
      })
      .ok();
    let rname = contact_name(&dns.soa_rname)
      .map_err(|e| {
        out.note(
          Severity::Error,
          INVALID_NAME,
          format!("SOA contact `{}`: {e}", dns.soa_rname),
        );
        ok = false;
      })
      .ok();
    let mut signed = |what: &str, value: u32| {
      i32::try_from(value).unwrap_or_else(|_| {
        out.note(
          Severity::Error,
          BAD_ZONE_SETTINGS,
          format!("SOA {what} {value} is more than 2147483647"),
        );
        ok = false;
        0
      })
    };
    let (refresh, retry, expire) = (
      signed("refresh", dns.refresh),
      signed("retry", dns.retry),
      signed("expire", dns.expire),
    );
    let mut nameservers = Vec::new();
    for ns in &dns.nameservers {
      match parse_name(ns, false) {
        Ok(name) => nameservers.push(name),
        Err(e) => {
          out.note(Severity::Error, INVALID_NAME, format!("name server `{ns}`: {e}"));
          ok = false;
        }
      }
    }
    let (Some(mname), Some(rname), true) = (mname, rname, ok) else {
      return None;
    };
    // A zone needs at least one NS record; the SOA primary is the one server the settings always name.
    if nameservers.is_empty() {
      nameservers.push(mname.clone());
    }
    nameservers.sort_by_key(ascii);
    nameservers.dedup_by(|a, b| ascii(a) == ascii(b));
    let soa = SOA::new(mname, rname, dns.serial, refresh, retry, expire, dns.minimum);
    Some(ZoneDefaults {
      ttl: dns.ttl,
      soa,
      nameservers,
    })
  }

  pub(super) fn ttl(&self) -> u32 {
    self.ttl
  }
}

/// The SOA contact as a DNS name: `hostmaster.example.com` as is, `hostmaster@example.com` converted.
fn contact_name(text: &str) -> Result<Name, String> {
  match text.split_once('@') {
    // A dot in the local part would need a `\.` escape, which the strict name rule refuses.
    Some((local, domain)) => parse_name(&format!("{local}.{domain}"), false).and_then(|n| {
      if local.contains('.') {
        Err("a dot before `@` is not supported".to_string())
      } else {
        Ok(n)
      }
    }),
    None => parse_name(text, false),
  }
}

/// One zone file being assembled: origin, comment lines and records (SOA/NS come from the defaults).
pub(super) struct ZoneFile {
  origin: Name,
  comments: Vec<String>,
  records: Vec<(Record, String)>,
}

impl ZoneFile {
  pub(super) fn new(origin: Name) -> ZoneFile {
    ZoneFile {
      origin,
      comments: Vec::new(),
      records: Vec::new(),
    }
  }

  pub(super) fn origin(&self) -> &Name {
    &self.origin
  }

  /// A comment line written after `$ORIGIN`/`$TTL`, before the records.
  pub(super) fn comment(&mut self, text: &str) {
    self.comments.push(one_line(text));
  }

  /// Add a record (its owner must lie inside the origin) with a trailing comment, e.g. the resource it serves.
  pub(super) fn push(&mut self, record: Record, comment: &str) {
    self.records.push((record, one_line(comment)));
  }

  /// Zone-file text: provenance header, `$ORIGIN`, `$TTL`, SOA, NS, then the records sorted by owner,
  /// type and value (reference: target-formats.md section 4.1). A name server inside the zone gets an
  /// Error note: it needs a glue address the settings cannot give, and BIND refuses the zone without it.
  pub(super) fn render(&self, ir: &Ir, defaults: &ZoneDefaults, out: &mut Output) -> String {
    let origin = ascii(&self.origin);
    let mut lines: Vec<(String, &'static str, String, String)> = Vec::new();
    let soa = &defaults.soa;
    lines.push((
      "@".to_string(),
      "SOA",
      format!(
        "{}. {}. {} {} {} {} {}",
        ascii(&soa.mname),
        ascii(&soa.rname),
        soa.serial,
        soa.refresh,
        soa.retry,
        soa.expire,
        soa.minimum
      ),
      String::new(),
    ));
    for ns in &defaults.nameservers {
      if self.origin.zone_of(ns) {
        out.note(
          Severity::Error,
          BAD_ZONE_SETTINGS,
          format!(
            "name server `{}` lies inside zone `{origin}` and needs a glue address record that the settings cannot give",
            ascii(ns)
          ),
        );
      }
      lines.push(("@".to_string(), "NS", format!("{}.", ascii(ns)), String::new()));
    }
    let mut body: Vec<(String, &'static str, String, String)> = self
      .records
      .iter()
      .filter_map(|(record, comment)| {
        let owner = relative_owner(&record.name, &self.origin)?;
        let (rtype, value) = match &record.data {
          RData::A(a) => ("A", a.0.to_string()),
          RData::AAAA(a) => ("AAAA", a.0.to_string()),
          RData::CNAME(c) => ("CNAME", format!("{}.", ascii(&c.0))),
          RData::NS(NS(n)) => ("NS", format!("{}.", ascii(n))),
          _ => return None,
        };
        Some((owner, rtype, value, comment.clone()))
      })
      .collect();
    body.sort();
    body.dedup_by(|a, b| (&a.0, a.1, &a.2) == (&b.0, b.1, &b.2));
    lines.extend(body);

    let owner_width = lines.iter().map(|l| l.0.len()).max().unwrap_or(1);
    let type_width = lines.iter().map(|l| l.1.len()).max().unwrap_or(1);
    let mut text = header(ir, ";");
    let _ = writeln!(text, "$ORIGIN {origin}.");
    let _ = writeln!(text, "$TTL {}", defaults.ttl);
    for comment in &self.comments {
      let _ = writeln!(text, "; {comment}");
    }
    for (owner, rtype, value, comment) in &lines {
      let mut line = format!("{owner:owner_width$} IN {rtype:type_width$} {value}");
      if !comment.is_empty() {
        let _ = write!(line, " ; {comment}");
      }
      let _ = writeln!(text, "{}", line.trim_end());
    }
    text
  }
}
