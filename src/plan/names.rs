//! Names every target shares: rule names, descriptions and resource labels, so the ARM,
//! Terraform, Bicep, az CLI and managed-network outputs of one profile name the same rule
//! the same way. Pure functions of the flow.

use std::collections::BTreeSet;

use crate::ir::{Direction, Flow, Protocol};
use crate::target::nsg::{DESCRIPTION_MAX, NAME_MAX};

/// "Allow-Out-Tcp-AzureMachineLearning": word characters, `.`, `-`, `_`; ≤ 80 characters;
/// starts and ends with a word character.
pub fn rule_name(direction: Direction, f: &Flow) -> String {
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
  let peer: String = f
    .peer
    .to_string()
    .replace("*.", "wildcard.")
    .chars()
    .map(|c| {
      if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
        c
      } else {
        '-'
      }
    })
    .collect();
  let mut name = format!("Allow-{dir}-{proto}-{peer}");
  name.truncate(NAME_MAX);
  while name.ends_with(['.', '-']) {
    name.pop();
  }
  name
}

/// The first requirement and the purpose, cut to the 140-character limit.
pub fn description(f: &Flow) -> String {
  let mut d = format!("amlnet {}: {}", f.requirements.join(","), f.purpose);
  if d.chars().count() > DESCRIPTION_MAX {
    d = d.chars().take(DESCRIPTION_MAX - 3).collect::<String>() + "...";
  }
  d
}

/// A resource label valid in HCL and Bicep alike: lowercase ASCII letters, digits and `_`,
/// starting with a letter; `*.` reads "wildcard_". Not unique by itself: see `Labels`.
pub fn identifier(s: &str) -> String {
  let mut id = String::new();
  for c in s.replace("*.", "wildcard.").replace('*', "wildcard").chars() {
    let c = c.to_ascii_lowercase();
    if c.is_ascii_alphanumeric() {
      id.push(c);
    } else if !id.ends_with('_') {
      id.push('_');
    }
  }
  let id = id.trim_matches('_').to_string();
  if id.starts_with(|c: char| c.is_ascii_alphabetic()) {
    id
  } else {
    format!("r_{id}")
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
    let mut label = base.clone();
    let mut n = 2;
    while !self.taken.insert(label.clone()) {
      label = format!("{base}_{n}");
      n += 1;
    }
    label
  }
}
