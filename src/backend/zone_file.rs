//! Shared pieces of the custom-DNS pack: the SOA/NS defaults, the notes' codes and a BIND
//! zone-file writer.
//!
//! It takes names and values from the IR and `ir.settings.dns`; names are parsed once by
//! `syntax::dns::host_name` (the one host-name rule) and written by `syntax::dns`, comments by
//! `syntax::comment`, the provenance line by `syntax::stamp`. It never writes a name that
//! failed validation: the caller gets an `Err` with the reason and turns it into a
//! `Severity::Error` note. It does no I/O and reads nothing but the IR.

use std::fmt::Write as _;
use std::net::IpAddr;

use hickory_proto::rr::Name;

use super::Output;
use crate::ir::{Ir, Severity};
use crate::syntax::comment::{self, Leader};
use crate::syntax::dns;

/// A DNS name (zone, record owner, server) that fails validation; the note carries the name.
pub(super) const INVALID_NAME: &str = "AML701";
/// A record whose zone is not in `ir.dns_zones`, or whose name lies outside its zone.
pub(super) const RECORD_OUTSIDE_ZONE: &str = "AML703";
/// A host record a hosts file cannot express (wildcard).
pub(super) const NOT_IN_HOSTS_FILE: &str = "AML705";
/// Conditional forwarders that were not written, and why.
pub(super) const FORWARDERS_SKIPPED: &str = "AML706";
/// SOA/NS settings that make a zone unloadable (bad number, name server inside the zone without glue).
pub(super) const BAD_ZONE_SETTINGS: &str = "AML708";

/// SOA and NS data every generated zone shares, from `ir.settings.dns`, validated and written
/// out once.
pub(super) struct ZoneDefaults {
  ttl: u32,
  /// The SOA record's data as the zone file writes it: `mname. rname. serial refresh retry expire minimum`.
  soa: String,
  /// Name servers, sorted and deduplicated by their absolute spelling (kept beside the name).
  nameservers: Vec<(Name, String)>,
}

impl ZoneDefaults {
  /// Validate the SOA/NS settings once. `None` (with Error notes) when no zone can be written from them.
  pub(super) fn from_settings(ir: &Ir, out: &mut Output) -> Option<ZoneDefaults> {
    let dns_settings = &ir.settings.dns;
    let mut ok = true;
    let mname = dns::host_name(&dns_settings.soa_mname, false)
      .map_err(|e| {
        out.note(
          Severity::Error,
          INVALID_NAME,
          format!("SOA primary server `{}`: {e}", dns_settings.soa_mname),
        );
        ok = false;
      })
      .ok();
    let rname = contact_name(&dns_settings.soa_rname)
      .map_err(|e| {
        out.note(
          Severity::Error,
          INVALID_NAME,
          format!("SOA contact `{}`: {e}", dns_settings.soa_rname),
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
      signed("refresh", dns_settings.refresh),
      signed("retry", dns_settings.retry),
      signed("expire", dns_settings.expire),
    );
    let mut nameservers = Vec::new();
    for ns in &dns_settings.nameservers {
      match dns::host_name(ns, false) {
        Ok(name) => {
          let text = dns::absolute(&name);
          nameservers.push((name, text));
        }
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
      let text = dns::absolute(&mname);
      nameservers.push((mname.clone(), text));
    }
    nameservers.sort_by(|a, b| a.1.cmp(&b.1));
    nameservers.dedup_by(|a, b| a.1 == b.1);
    let mut soa = String::with_capacity(96);
    dns::push_absolute(&mut soa, &mname);
    soa.push(' ');
    dns::push_absolute(&mut soa, &rname);
    let _ = write!(
      soa,
      " {} {refresh} {retry} {expire} {}",
      dns_settings.serial, dns_settings.minimum
    );
    Some(ZoneDefaults {
      ttl: dns_settings.ttl,
      soa,
      nameservers,
    })
  }
}

/// The SOA contact as a DNS name: `hostmaster.example.com` as is, `hostmaster@example.com` converted.
fn contact_name(text: &str) -> Result<Name, String> {
  match text.split_once('@') {
    // A dot in the local part would need a `\.` escape, which the strict name rule refuses.
    Some((local, domain)) => dns::host_name(&format!("{local}.{domain}"), false).and_then(|n| {
      if local.contains('.') {
        Err("a dot before `@` is not supported".to_string())
      } else {
        Ok(n)
      }
    }),
    None => dns::host_name(text, false),
  }
}

/// One address record of a zone file: owner relative to the origin, type, value, trailing comment.
struct Entry {
  owner: String,
  rtype: &'static str,
  value: String,
  comment: String,
}

/// One zone file being assembled: origin, comment lines and records (SOA/NS come from the defaults).
pub(super) struct ZoneFile {
  origin: Name,
  /// `dns::text(origin)`, written once.
  origin_text: String,
  comments: Vec<String>,
  records: Vec<Entry>,
}

impl ZoneFile {
  pub(super) fn new(origin: Name) -> ZoneFile {
    let origin_text = dns::text(&origin);
    ZoneFile {
      origin,
      origin_text,
      comments: Vec::new(),
      records: Vec::new(),
    }
  }

  /// The origin as `dns::text` writes it (no trailing dot).
  pub(super) fn origin_text(&self) -> &str {
    &self.origin_text
  }

  /// A comment line written after `$ORIGIN`/`$TTL`, before the records (any text: it is written
  /// by `comment::line`, so it stays one comment line).
  pub(super) fn comment(&mut self, text: String) {
    self.comments.push(text);
  }

  /// Add an A or AAAA record (by the address family) for `name` with a trailing comment, e.g.
  /// the resource it serves. `false`, and nothing added, when `name` lies outside the origin.
  pub(super) fn push(&mut self, name: &Name, ip: IpAddr, comment: String) -> bool {
    if !self.origin.zone_of(name) {
      return false;
    }
    // Labels above the origin's, written relative to it; `@` for the apex.
    let keep = name.iter().len() - self.origin.iter().len();
    let mut owner = String::with_capacity(name.len());
    if keep == 0 {
      owner.push('@');
    }
    for (i, label) in name.iter().take(keep).enumerate() {
      if i > 0 {
        owner.push('.');
      }
      dns::push_label(&mut owner, label);
    }
    let rtype = if ip.is_ipv4() { "A" } else { "AAAA" };
    self.records.push(Entry {
      owner,
      rtype,
      value: ip.to_string(),
      comment,
    });
    true
  }

  /// Zone-file text: `stamp` (the provenance line, `syntax::stamp(ir, Syntax::Zone)`), `$ORIGIN`,
  /// `$TTL`, SOA, NS, then the records sorted by owner, type and value (reference:
  /// target-formats.md section 4.1). A name server inside the zone gets an Error note: it needs a
  /// glue address the settings cannot give, and BIND refuses the zone without it.
  pub(super) fn render(mut self, stamp: &str, defaults: &ZoneDefaults, out: &mut Output) -> String {
    for (ns, text) in &defaults.nameservers {
      if self.origin.zone_of(ns) {
        out.note(
          Severity::Error,
          BAD_ZONE_SETTINGS,
          format!(
            "name server `{}` lies inside zone `{}` and needs a glue address record that the settings cannot give",
            text.trim_end_matches('.'),
            self.origin_text
          ),
        );
      }
    }
    self.records.sort_by(|a, b| {
      (&a.owner, a.rtype, &a.value, &a.comment).cmp(&(&b.owner, b.rtype, &b.value, &b.comment))
    });
    self
      .records
      .dedup_by(|a, b| (&a.owner, a.rtype, &a.value) == (&b.owner, b.rtype, &b.value));

    // SOA and NS are owned by `@`; the type column is as wide as `SOA` or the widest type.
    let owner_width = self
      .records
      .iter()
      .map(|r| r.owner.len())
      .max()
      .unwrap_or(0)
      .max(1);
    let type_width = self
      .records
      .iter()
      .map(|r| r.rtype.len())
      .max()
      .unwrap_or(0)
      .max(3);
    let body: usize = self
      .records
      .iter()
      .map(|r| owner_width + type_width + r.value.len() + r.comment.len() + 12)
      .sum();
    let mut text = String::with_capacity(stamp.len() + 256 + body);
    text.push_str(stamp);
    text.push_str("$ORIGIN ");
    text.push_str(&self.origin_text);
    let _ = writeln!(text, ".\n$TTL {}", defaults.ttl);
    for c in &self.comments {
      comment::push_line(&mut text, Leader::Semicolon, c);
    }
    let widths = (owner_width, type_width);
    record_line(&mut text, widths, "@", "SOA", &defaults.soa, "");
    for (_, ns) in &defaults.nameservers {
      record_line(&mut text, widths, "@", "NS", ns, "");
    }
    for r in &self.records {
      record_line(&mut text, widths, &r.owner, r.rtype, &r.value, &r.comment);
    }
    text
  }
}

/// `owner IN type value ; comment`, owner and type padded to the column widths, no trailing
/// space. Owner, type and value are zone-file tokens already; the comment goes through
/// `comment::push_text`, so it cannot end the line.
fn record_line(
  text: &mut String,
  (owner_width, type_width): (usize, usize),
  owner: &str,
  rtype: &str,
  value: &str,
  note: &str,
) {
  text.push_str(owner);
  pad(text, owner_width.saturating_sub(owner.len()) + 1);
  text.push_str("IN ");
  text.push_str(rtype);
  pad(text, type_width.saturating_sub(rtype.len()) + 1);
  text.push_str(value);
  if !note.trim_matches(' ').is_empty() {
    text.push_str(" ; ");
    comment::push_text(text, note);
    let end = text.trim_end_matches(' ').len();
    text.truncate(end);
  }
  text.push('\n');
}

fn pad(text: &mut String, n: usize) {
  text.extend(std::iter::repeat_n(' ', n));
}

/// Zone files under `dns/<dir>/` and the `named.conf` fragment that loads them: the fragment's
/// header is the stamp and `header` as comment lines, then one `zone` clause per file.
pub(super) fn write_zone_set(
  ir: &Ir,
  dir: &str,
  header: &[&str],
  zones: std::collections::BTreeMap<String, ZoneFile>,
  defaults: &ZoneDefaults,
  out: &mut Output,
) {
  use crate::syntax::{self, Syntax};
  let mut conf = syntax::stamp(ir, Syntax::NamedConf);
  for line in header {
    comment::push_line(&mut conf, Leader::Slashes, line);
  }
  let stamp = syntax::stamp(ir, Syntax::Zone);
  for (name, file) in zones {
    // `name` is `dns::text` of a host name: only `[a-z0-9.-]`, safe inside the quotes and as a file name.
    conf.push_str("zone \"");
    conf.push_str(&name);
    conf.push_str("\" { type master; file \"");
    conf.push_str(dir);
    conf.push('/');
    conf.push_str(&name);
    conf.push_str(".zone\"; };\n");
    let text = file.render(&stamp, defaults, out);
    out.add(format!("dns/{dir}/{name}.zone"), text);
  }
  let conf_path = if dir == "zones" {
    "dns/named.conf.zones".to_string()
  } else {
    format!("dns/{dir}/named.conf.zones")
  };
  out.add(conf_path, conf);
}
