//! The question `query` answers, from its one-line form:
//!
//! `DIRECTION PROTOCOL SOURCE -> DESTINATION[:PORTS]`
//!
//! DIRECTION is `inbound` or `outbound`; PROTOCOL `tcp`, `udp` or `any`; SOURCE an address,
//! a CIDR, a service tag or `*`; DESTINATION the same, or a host name (optionally with the
//! address it resolves to, `name=address`); PORTS `443`, `8000-8999`, a comma list or `*`
//! (default `*`). IPv6 addresses with ports are written in brackets. A name with one dot and
//! capitals (`Storage.EastUS`) is a regional service tag; `tag:` or `name:` says which
//! explicitly. Host names pass `syntax::dns::host_name` (wildcards are refused: a client asks
//! for one name).

use std::net::IpAddr;

use ipnet::IpNet;

use crate::eval::Protocols;
use crate::ir::Direction;
use crate::net::PortSet;
use crate::target::Endpoint;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
  /// The question as given, for the answer's heading.
  pub text: String,
  pub direction: Direction,
  pub protocols: Protocols,
  pub source: Endpoint,
  /// `Endpoint::Any` when the destination is a name.
  pub destination: Endpoint,
  /// The host name asked for, when the destination is one.
  pub name: Option<String>,
  /// The addresses the name resolves to, when the question gives them.
  pub resolved: Option<Vec<IpNet>>,
  pub ports: PortSet,
}

/// The question, or what is wrong with it.
pub fn parse(text: &str) -> Result<Question, String> {
  let usage = "write DIRECTION PROTOCOL SOURCE -> DESTINATION[:PORTS], e.g. `outbound tcp 10.20.0.5 -> Storage.EastUS:443`";
  let (left, right) = text
    .split_once("->")
    .ok_or_else(|| format!("no `->` in the question; {usage}"))?;
  let words: Vec<&str> = left.split_whitespace().collect();
  let [direction, protocol, source] = words[..] else {
    return Err(format!(
      "`{}` is not DIRECTION PROTOCOL SOURCE; {usage}",
      left.trim()
    ));
  };
  let direction = match direction.to_ascii_lowercase().as_str() {
    "inbound" | "in" => Direction::Inbound,
    "outbound" | "out" => Direction::Outbound,
    other => return Err(format!("direction `{other}` is not inbound or outbound")),
  };
  let protocols = match protocol.to_ascii_lowercase().as_str() {
    "tcp" => Protocols::TCP,
    "udp" => Protocols::UDP,
    "any" | "*" => Protocols::ALL,
    other => return Err(format!("protocol `{other}` is not tcp, udp or any")),
  };
  let source = match endpoint(source)? {
    Target::Endpoint(e) => e,
    Target::Name(n, _) => {
      return Err(format!(
        "source `{n}` is a host name; a source is an address, a CIDR, a service tag or `*`"
      ))
    }
  };
  let right = right.trim();
  if right.split_whitespace().count() != 1 {
    return Err(format!("destination `{right}` has spaces; {usage}"));
  }
  let (destination, ports) = split_ports(right)?;
  let ports = PortSet::parse(&ports.split(',').collect::<Vec<_>>())
    .filter(|p| !p.is_empty())
    .ok_or_else(|| format!("`{ports}` are not ports (443, 8000-8999, 80,443 or *)"))?;
  let (destination, name, resolved) = match endpoint(destination)? {
    Target::Endpoint(e) => (e, None, None),
    Target::Name(n, resolved) => (Endpoint::Any, Some(n), resolved),
  };
  Ok(Question {
    text: text.trim().to_string(),
    direction,
    protocols,
    source,
    destination,
    name,
    resolved,
    ports,
  })
}

enum Target {
  Endpoint(Endpoint),
  Name(String, Option<Vec<IpNet>>),
}

/// (destination, ports): the ports after the last `:` unless the destination is a bare IPv6
/// address; `[v6]:port` and `[v6]` for IPv6.
fn split_ports(s: &str) -> Result<(&str, &str), String> {
  if let Some(rest) = s.strip_prefix('[') {
    let (addr, after) = rest
      .split_once(']')
      .ok_or_else(|| format!("`{s}`: no closing `]`"))?;
    return match after {
      "" => Ok((addr, "*")),
      p => p
        .strip_prefix(':')
        .map(|p| (addr, p))
        .ok_or_else(|| format!("`{s}`: expected `:PORTS` after `]`")),
    };
  }
  if s.parse::<IpNet>().is_ok() || s.parse::<IpAddr>().is_ok() {
    return Ok((s, "*"));
  }
  match s.rsplit_once(':') {
    Some((d, p)) if !d.starts_with("tag") && !d.starts_with("name") || d.contains(':') => Ok((d, p)),
    Some((d, p))
      if p
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == '-' || c == '*') =>
    {
      Ok((d, p))
    }
    _ => Ok((s, "*")),
  }
}

fn endpoint(s: &str) -> Result<Target, String> {
  if s == "*" {
    return Ok(Target::Endpoint(Endpoint::Any));
  }
  if let Ok(net) = s.parse::<IpNet>() {
    return Ok(Target::Endpoint(Endpoint::Prefix(net.trunc())));
  }
  if let Ok(addr) = s.parse::<IpAddr>() {
    return Ok(Target::Endpoint(Endpoint::Prefix(IpNet::from(addr))));
  }
  // Dotted digits that did not parse are a mistyped address, not a host name.
  let bare = s.split(['/', '=']).next().unwrap_or(s);
  if bare.contains('.') && bare.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
    return Err(format!("`{s}` is not an IPv4 address or CIDR"));
  }
  if let Some(tag) = s.strip_prefix("tag:") {
    return tag_of(tag);
  }
  if let Some(name) = s.strip_prefix("name:") {
    return name_of(name);
  }
  let (head, _) = s.split_once('=').unwrap_or((s, ""));
  let dots = head.matches('.').count();
  if dots == 0 || (dots == 1 && head.chars().any(|c| c.is_ascii_uppercase()) && !s.contains('=')) {
    tag_of(s)
  } else {
    name_of(s)
  }
}

fn tag_of(s: &str) -> Result<Target, String> {
  let ok = !s.is_empty()
    && s.len() <= 80
    && s
      .split('.')
      .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()))
    && s.matches('.').count() <= 1;
  if ok {
    Ok(Target::Endpoint(Endpoint::Tag(s.to_string())))
  } else {
    Err(format!(
      "`{s}` is not an address, a CIDR, a service tag (`Name` or `Name.Region`) or `*`"
    ))
  }
}

fn name_of(s: &str) -> Result<Target, String> {
  let (name, addresses) = match s.split_once('=') {
    Some((n, a)) => (n, Some(a)),
    None => (s, None),
  };
  let name = crate::syntax::dns::host_name(name, false)
    .map(|n| crate::syntax::dns::text(&n))
    .map_err(|e| format!("`{name}` is not a host name: {e}"))?;
  let resolved = match addresses {
    None => None,
    Some(a) => Some(
      a.split(',')
        .map(|x| {
          x.parse::<IpAddr>()
            .map(IpNet::from)
            .map_err(|_| format!("`{x}` is not an address (after `{name}=`)"))
        })
        .collect::<Result<Vec<_>, _>>()?,
    ),
  };
  Ok(Target::Name(name, resolved))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn questions_parse() {
    let q = parse("outbound tcp 10.20.0.5 -> Storage.EastUS:443").unwrap();
    assert_eq!(q.destination, Endpoint::Tag("Storage.EastUS".into()));
    assert_eq!(q.ports, ["443"]);
    let q = parse("out any 10.20.0.0/24 -> files.pythonhosted.org=151.101.0.223:443,80").unwrap();
    assert_eq!(q.name.as_deref(), Some("files.pythonhosted.org"));
    assert_eq!(q.resolved, Some(vec!["151.101.0.223/32".parse().unwrap()]));
    assert_eq!(q.ports, ["80", "443"]);
    let q = parse("inbound tcp AzureMachineLearning -> 10.20.0.5:44224").unwrap();
    assert_eq!(q.source, Endpoint::Tag("AzureMachineLearning".into()));
    let q = parse("outbound udp 10.0.0.1 -> [2001:db8::1]:53").unwrap();
    assert_eq!(
      q.destination,
      Endpoint::Prefix("2001:db8::1/128".parse().unwrap())
    );
    let q = parse("outbound tcp * -> pypi.org").unwrap();
    assert_eq!(q.ports, PortSet::all());
    let q = parse("outbound tcp * -> tag:storage.eastus:443").unwrap();
    assert_eq!(q.destination, Endpoint::Tag("storage.eastus".into()));
  }

  #[test]
  fn bad_questions_say_what_is_wrong() {
    for (q, says) in [
      ("outbound tcp 10.0.0.1", "no `->`"),
      ("sideways tcp 1.2.3.4 -> 5.6.7.8:1", "direction"),
      ("outbound icmp 1.2.3.4 -> 5.6.7.8", "protocol"),
      ("outbound tcp pypi.org -> 5.6.7.8:443", "source"),
      ("outbound tcp 1.2.3.4 -> *.pypi.org:443", "not a host name"),
      ("outbound tcp 1.2.3.4 -> x.org:99999", "not ports"),
      ("outbound tcp 1.2.3.4 -> a b", "spaces"),
      ("outbound tcp 1.2.3.4 -> x.org=1.2.3:443", "not an address"),
      ("outbound tcp 999.1.1.1 -> 8.8.8.8:443", "not an IPv4 address"),
      ("outbound tcp 10.0.0.1 -> 10.0.0.0/33:443", "not an IPv4 address"),
      ("outbound tcp 1.2.3.4 -> $(touch;x):443", "is not"),
    ] {
      let err = parse(q).unwrap_err();
      assert!(err.contains(says), "{q}: {err}");
    }
  }
}
