//! Names every target shares: rule names, descriptions and resource labels, so the ARM,
//! Terraform, Bicep, az CLI and managed-network outputs of one profile name the same rule
//! the same way. Pure functions of the flow.

use std::collections::BTreeSet;

use crate::ir::{Direction, Flow, Protocol};
use crate::target::nsg::{DESCRIPTION_MAX, NAME_MAX};

/// "Allow-Out-Tcp-AzureMachineLearning": word characters, `.`, `-`, `_`; ≤ 80 characters;
/// starts and ends with a word character.
pub fn rule_name(direction: Direction, f: &Flow) -> String {
  rule_name_for(direction, f, &f.peer.text())
}

/// `rule_name` with the peer the target really names (the firewall's global tag where the
/// flow has a regional tag Azure Firewall does not accept).
pub fn rule_name_for(direction: Direction, f: &Flow, peer: &str) -> String {
  let dir = if direction == Direction::Inbound {
    "In"
  } else {
    "Out"
  };
  let proto = match f.protocol {
    Protocol::Tcp => "Tcp",
    Protocol::Udp => "Udp",
    Protocol::Any => "Any",
  };
  let mut name = String::with_capacity(NAME_MAX + 8);
  for part in ["Allow-", dir, "-", proto, "-"] {
    name.push_str(part);
  }
  let peer = match peer.strip_prefix("*.") {
    Some(rest) => {
      name.push_str("wildcard.");
      rest
    }
    None => peer,
  };
  name.extend(peer.chars().map(|c| {
    if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
      c
    } else {
      '-'
    }
  }));
  name.truncate(NAME_MAX);
  while name.ends_with(['.', '-']) {
    name.pop();
  }
  name
}

/// The first requirement and the purpose, cut to the 140-character limit.
pub fn description(f: &Flow) -> String {
  let mut d = String::with_capacity(DESCRIPTION_MAX + 8);
  d.push_str("amlnet ");
  for (i, r) in f.requirements.iter().enumerate() {
    if i > 0 {
      d.push(',');
    }
    d.push_str(r);
  }
  d.push_str(": ");
  d.push_str(&f.purpose);
  // Byte length bounds the character count, so most descriptions skip the count.
  if d.len() > DESCRIPTION_MAX && d.chars().count() > DESCRIPTION_MAX {
    let cut = d
      .char_indices()
      .nth(DESCRIPTION_MAX - 3)
      .map_or(d.len(), |(at, _)| at);
    d.truncate(cut);
    d.push_str("...");
  }
  d
}

/// Make names unique in the order given: a repeated name gets `-2`, `-3`, … (its base cut so
/// the whole stays within `max` characters). Names collide only when two peers differ in
/// characters a name cannot hold, or beyond the length limit; Azure refuses duplicates.
pub fn make_unique<'a>(names: impl Iterator<Item = &'a mut String>, max: usize) {
  let mut taken = BTreeSet::new();
  for name in names {
    if taken.insert(name.clone()) {
      continue;
    }
    let base = name.clone();
    for n in 2.. {
      let suffix = format!("-{n}");
      let mut candidate: String = base.chars().take(max.saturating_sub(suffix.len())).collect();
      candidate.push_str(&suffix);
      if taken.insert(candidate.clone()) {
        *name = candidate;
        break;
      }
    }
  }
}

/// A resource label valid in HCL and Bicep alike: lowercase ASCII letters, digits and `_`,
/// starting with a letter; `*.` reads "wildcard_". Not unique by itself: see `Labels`.
pub fn identifier(s: &str) -> String {
  let mut id = String::with_capacity(s.len() + 8);
  // `*` reads "wildcard" (so `*.` becomes "wildcard_"); any other run of characters that
  // are not ASCII letters or digits becomes one `_`.
  for c in s.chars() {
    if c == '*' {
      id.push_str("wildcard");
    } else if c.is_ascii_alphanumeric() {
      id.push(c.to_ascii_lowercase());
    } else if !id.is_empty() && !id.ends_with('_') {
      id.push('_');
    }
  }
  while id.ends_with('_') {
    id.pop();
  }
  if id.starts_with(|c: char| c.is_ascii_alphabetic()) {
    id
  } else {
    id.insert_str(0, "r_");
    id
  }
}

/// Hands out labels unique within one output file: the second "x" becomes "x_2". Callers
/// visit resources in a fixed order, so the same IR always gets the same labels.
#[derive(Debug, Default)]
pub struct Labels {
  taken: BTreeSet<String>,
}

impl Labels {
  pub fn unique(&mut self, s: &str) -> String {
    let base = identifier(s);
    if !self.taken.contains(&base) {
      self.taken.insert(base.clone());
      return base;
    }
    let mut n = 2;
    loop {
      let label = format!("{base}_{n}");
      if self.taken.insert(label.clone()) {
        return label;
      }
      n += 1;
    }
  }
}
