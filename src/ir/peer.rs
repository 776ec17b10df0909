//! The remote side of a flow: a service tag, an FQDN or an address prefix. Parsed strictly
//! when an IR file is read, so a hostile IR cannot carry text into a rule where an address
//! belongs.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerKind {
  ServiceTag,
  Fqdn,
  Cidr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "PeerFields", try_from = "PeerFields")]
pub enum Peer {
  /// `AzureMachineLearning`, `Storage.EastUS`, `VirtualNetwork`.
  Tag(String),
  /// `pypi.org`, `*.pythonhosted.org` (lowercase, no trailing dot).
  Fqdn(String),
  Cidr(IpNet),
}

/// The IR JSON spelling: `"peer": "…", "peer_kind": "…"` inside the flow object.
#[derive(Serialize, Deserialize)]
struct PeerFields {
  peer: String,
  peer_kind: PeerKind,
}

impl Peer {
  pub fn kind(&self) -> PeerKind {
    match self {
      Peer::Tag(_) => PeerKind::ServiceTag,
      Peer::Fqdn(_) => PeerKind::Fqdn,
      Peer::Cidr(_) => PeerKind::Cidr,
    }
  }

  /// Build a peer of `kind` from its text, or say why the text is not one.
  pub fn parse(kind: PeerKind, text: &str) -> Result<Peer, String> {
    match kind {
      PeerKind::ServiceTag if is_tag(text) => Ok(Peer::Tag(text.to_string())),
      PeerKind::ServiceTag => Err(format!("{text:?} is not a service tag name")),
      PeerKind::Fqdn if is_fqdn(text) => Ok(Peer::Fqdn(text.to_string())),
      PeerKind::Fqdn => Err(format!(
        "{text:?} is not a host name (lowercase labels, optional leading *.)"
      )),
      PeerKind::Cidr => match text.parse::<IpNet>() {
        Ok(net) if net.trunc() == net => Ok(Peer::Cidr(net)),
        _ => Err(format!("{text:?} is not an address prefix")),
      },
    }
  }

  /// The FQDN of an FQDN peer.
  pub fn fqdn(&self) -> Option<&str> {
    match self {
      Peer::Fqdn(name) => Some(name),
      _ => None,
    }
  }

  /// The tag of a service-tag peer.
  pub fn tag(&self) -> Option<&str> {
    match self {
      Peer::Tag(tag) => Some(tag),
      _ => None,
    }
  }

  /// The peer's text, borrowed where the peer holds it (tags and FQDNs).
  pub fn text(&self) -> std::borrow::Cow<'_, str> {
    match self {
      Peer::Tag(s) | Peer::Fqdn(s) => std::borrow::Cow::Borrowed(s),
      Peer::Cidr(net) => std::borrow::Cow::Owned(net.to_string()),
    }
  }

  /// Order of rules in a plan: service tags, then FQDNs, then prefixes, each by its text.
  pub fn sort_key(&self) -> (PeerKind, std::borrow::Cow<'_, str>) {
    (self.kind(), self.text())
  }
}

impl fmt::Display for Peer {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Peer::Tag(s) | Peer::Fqdn(s) => f.write_str(s),
      Peer::Cidr(net) => write!(f, "{net}"),
    }
  }
}

/// A peer equals its text: `flow.peer == "pypi.org"`.
impl PartialEq<&str> for Peer {
  fn eq(&self, other: &&str) -> bool {
    match self {
      Peer::Tag(s) | Peer::Fqdn(s) => s == other,
      Peer::Cidr(net) => net.to_string() == *other,
    }
  }
}

impl From<Peer> for PeerFields {
  fn from(p: Peer) -> PeerFields {
    PeerFields {
      peer_kind: p.kind(),
      peer: p.to_string(),
    }
  }
}

impl TryFrom<PeerFields> for Peer {
  type Error = String;
  fn try_from(f: PeerFields) -> Result<Peer, String> {
    Peer::parse(f.peer_kind, &f.peer)
  }
}

/// `Storage.EastUS`: a letter, then letters, digits and dots; at most 80 characters.
fn is_tag(s: &str) -> bool {
  s.len() <= 80
    && s.starts_with(|c: char| c.is_ascii_alphabetic())
    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
    && !s.ends_with('.')
}

/// Lowercase LDH labels of 1–63 characters, at most 253 in all, two labels or more,
/// optionally behind one leading `*.`.
fn is_fqdn(s: &str) -> bool {
  let name = s.strip_prefix("*.").unwrap_or(s);
  let labels: Vec<&str> = name.split('.').collect();
  name.len() <= 253
    && labels.len() >= 2
    && labels.iter().all(|l| {
      !l.is_empty()
        && l.len() <= 63
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l
          .chars()
          .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn hostile_text_is_not_a_peer() {
    for (kind, text) in [
      (PeerKind::Fqdn, "attacker.example tcp:443"),
      (PeerKind::Fqdn, "*"),
      (PeerKind::Fqdn, "a.b\nc.d"),
      (PeerKind::Fqdn, "*.*.x.y"),
      (PeerKind::ServiceTag, "[concat('a')]"),
      (PeerKind::ServiceTag, "Storage EastUS"),
      (PeerKind::Cidr, "10.0.0.1/24"),
      (PeerKind::Cidr, "10.0.0.0/24; rm"),
    ] {
      assert!(Peer::parse(kind, text).is_err(), "{text:?}");
    }
    assert!(Peer::parse(PeerKind::Fqdn, "*.pythonhosted.org").is_ok());
    assert!(Peer::parse(PeerKind::ServiceTag, "AzureFrontDoor.FirstParty").is_ok());
  }
}
