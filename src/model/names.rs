//! Azure resource-name rules, one per resource type amlnet writes or names.
//!
//! Takes a name, returns the rule it breaks (as a sentence) or nothing. The rules are
//! Microsoft's resource naming rules ("Naming rules and restrictions for Azure
//! resources") and, for NSG rules and firewall rule collections, reference/target-formats.md
//! § 1.1 and § 2.1. A name starting with `[` (an ARM template expression) fails every rule.
//! Never decides where a name comes from; `model` does.

/// One resource type's naming rule.
pub struct NameRule {
  /// What the name names, for messages ("storage account").
  pub what: &'static str,
  min: usize,
  max: usize,
  allowed: fn(char) -> bool,
  allowed_text: &'static str,
  first: fn(char) -> bool,
  first_text: &'static str,
  last: fn(char) -> bool,
  last_text: &'static str,
  no_double_hyphen: bool,
}

fn any(_: char) -> bool {
  true
}
fn lower_alnum(c: char) -> bool {
  c.is_ascii_lowercase() || c.is_ascii_digit()
}
fn alnum(c: char) -> bool {
  c.is_ascii_alphanumeric()
}
fn letter(c: char) -> bool {
  c.is_ascii_alphabetic()
}
fn alnum_hyphen(c: char) -> bool {
  alnum(c) || c == '-'
}
fn alnum_hyphen_underscore(c: char) -> bool {
  alnum(c) || c == '-' || c == '_'
}
fn network_char(c: char) -> bool {
  alnum(c) || matches!(c, '-' | '_' | '.')
}
fn alnum_or_underscore(c: char) -> bool {
  alnum(c) || c == '_'
}
fn insights_char(c: char) -> bool {
  alnum(c) || matches!(c, '-' | '_' | '.' | '(' | ')')
}
fn not_period(c: char) -> bool {
  c != '.'
}

const fn rule(what: &'static str, min: usize, max: usize) -> NameRule {
  NameRule {
    what,
    min,
    max,
    allowed: any,
    allowed_text: "",
    first: any,
    first_text: "",
    last: any,
    last_text: "",
    no_double_hyphen: false,
  }
}

pub const STORAGE_ACCOUNT: NameRule = NameRule {
  allowed: lower_alnum,
  allowed_text: "lowercase letters and digits",
  ..rule("storage account", 3, 24)
};

pub const KEY_VAULT: NameRule = NameRule {
  allowed: alnum_hyphen,
  allowed_text: "letters, digits and hyphens",
  first: letter,
  first_text: "a letter",
  last: alnum,
  last_text: "a letter or digit",
  no_double_hyphen: true,
  ..rule("key vault", 3, 24)
};

pub const CONTAINER_REGISTRY: NameRule = NameRule {
  allowed: alnum,
  allowed_text: "letters and digits",
  ..rule("container registry", 5, 50)
};

/// Azure ML workspaces and registries.
pub const WORKSPACE: NameRule = NameRule {
  allowed: alnum_hyphen_underscore,
  allowed_text: "letters, digits, hyphens and underscores",
  first: alnum,
  first_text: "a letter or digit",
  ..rule("Azure ML workspace", 3, 33)
};

pub const ML_REGISTRY: NameRule = NameRule {
  what: "Azure ML registry",
  ..WORKSPACE
};

/// NSGs, firewall policies, rule collection groups and subnets (1–80 characters).
const NETWORK: NameRule = NameRule {
  allowed: network_char,
  allowed_text: "letters, digits, `_`, `.` and `-`",
  first: alnum,
  first_text: "a letter or digit",
  last: alnum_or_underscore,
  last_text: "a letter, digit or `_`",
  ..rule("network resource", 1, 80)
};

pub const NSG: NameRule = NameRule {
  what: "network security group",
  ..NETWORK
};
pub const FIREWALL_POLICY: NameRule = NameRule {
  what: "firewall policy",
  ..NETWORK
};
pub const RULE_COLLECTION_GROUP: NameRule = NameRule {
  what: "firewall rule collection group",
  ..NETWORK
};
pub const SUBNET: NameRule = NameRule {
  what: "subnet",
  ..NETWORK
};
/// Route tables: 1–80 characters in Microsoft's naming rules, but amlnet keeps 10 for the
/// `-public-ip` table the plan adds for subnets of public-IP compute, so 1–70 here.
pub const ROUTE_TABLE: NameRule = NameRule {
  what: "route table",
  max: 70,
  ..NETWORK
};
/// Routes inside a route table: 1–80 characters.
pub const ROUTE: NameRule = NameRule {
  what: "route",
  ..NETWORK
};
/// Virtual networks are 2–64 characters in Microsoft's naming rules.
pub const VNET: NameRule = NameRule {
  what: "virtual network",
  min: 2,
  max: 64,
  ..NETWORK
};

/// Azure ML compute clusters (and serverless compute): 2–16 characters.
pub const COMPUTE_CLUSTER: NameRule = NameRule {
  allowed: alnum_hyphen,
  allowed_text: "letters, digits and hyphens",
  first: letter,
  first_text: "a letter",
  ..rule("Azure ML compute cluster", 2, 16)
};

/// Azure ML compute instances: 3–24 characters.
pub const COMPUTE_INSTANCE: NameRule = NameRule {
  what: "Azure ML compute instance",
  min: 3,
  max: 24,
  ..COMPUTE_CLUSTER
};

pub const ONLINE_ENDPOINT: NameRule = NameRule {
  allowed: alnum_hyphen,
  allowed_text: "letters, digits and hyphens",
  first: letter,
  first_text: "a letter",
  last: alnum,
  last_text: "a letter or digit",
  ..rule("managed online endpoint", 3, 32)
};

/// AKS clusters: 1–63 characters.
pub const AKS: NameRule = NameRule {
  allowed: alnum_hyphen_underscore,
  allowed_text: "letters, digits, hyphens and underscores",
  first: alnum,
  first_text: "a letter or digit",
  last: alnum,
  last_text: "a letter or digit",
  ..rule("AKS cluster", 1, 63)
};

pub const APP_INSIGHTS: NameRule = NameRule {
  allowed: insights_char,
  allowed_text: "letters, digits, `-`, `_`, `.`, `(` and `)`",
  last: not_period,
  last_text: "anything but `.`",
  ..rule("Application Insights component", 1, 255)
};

/// A subnet delegation's service name (`Microsoft.ContainerInstance/containerGroups`).
pub const DELEGATION: NameRule = NameRule {
  allowed: |c| alnum(c) || c == '.' || c == '/',
  allowed_text: "letters, digits, `.` and `/`",
  first: letter,
  first_text: "a letter",
  last: alnum,
  last_text: "a letter or digit",
  ..rule("subnet delegation service", 3, 100)
};

impl NameRule {
  /// The rule `name` breaks, as a sentence, or `None` when it follows the rule.
  pub fn broken_by(&self, name: &str) -> Option<String> {
    let what = self.what;
    if name.starts_with('[') {
      return Some(format!(
        "a name starting with `[` is an ARM template expression that ARM would evaluate; a {what} name may contain only {}",
        self.allowed_text
      ));
    }
    let len = name.chars().count();
    if len < self.min || len > self.max {
      return Some(format!(
        "a {what} name is {}–{} characters; this one has {len}",
        self.min, self.max
      ));
    }
    if let Some(c) = name.chars().find(|c| !(self.allowed)(*c)) {
      return Some(format!(
        "a {what} name may contain only {}; `{}` is not allowed",
        self.allowed_text,
        c.escape_default()
      ));
    }
    let first = name.chars().next()?;
    if !(self.first)(first) {
      return Some(format!("a {what} name starts with {}", self.first_text));
    }
    let last = name.chars().next_back()?;
    if !(self.last)(last) {
      return Some(format!("a {what} name ends with {}", self.last_text));
    }
    if self.no_double_hyphen && name.contains("--") {
      return Some(format!("a {what} name has no consecutive hyphens"));
    }
    None
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn rules_accept_valid_names_and_reject_the_rest() {
    assert!(STORAGE_ACCOUNT.broken_by("stcontoso01").is_none());
    assert!(STORAGE_ACCOUNT.broken_by("attacker.example tcp:443").is_some());
    assert!(STORAGE_ACCOUNT.broken_by("*").is_some());
    assert!(KEY_VAULT.broken_by("kv-contoso").is_none());
    assert!(KEY_VAULT.broken_by("kv--contoso").is_some());
    assert!(KEY_VAULT.broken_by("kv-contoso-").is_some());
    assert!(KEY_VAULT.broken_by("1kv").is_some());
    assert!(CONTAINER_REGISTRY.broken_by("crcontoso").is_none());
    assert!(CONTAINER_REGISTRY.broken_by("cr-contoso").is_some());
    assert!(NSG.broken_by("[concat('a','b')]").is_some());
    assert!(NSG.broken_by("nsg-a.b_").is_none());
    assert!(NSG.broken_by("nsg-").is_some());
    assert!(COMPUTE_CLUSTER.broken_by("cpu-cluster-gov").is_none());
    assert!(COMPUTE_CLUSTER.broken_by("a-very-long-cluster-name").is_some());
    assert!(COMPUTE_INSTANCE.broken_by("a-very-long-instance-ok").is_none());
    assert!(ONLINE_ENDPOINT.broken_by("fraud-scoring").is_none());
    assert!(ONLINE_ENDPOINT.broken_by("9scoring").is_some());
    assert!(ROUTE_TABLE.broken_by("rt-mlw-contoso").is_none());
    assert!(ROUTE_TABLE.broken_by(&"r".repeat(71)).is_some());
    assert!(DELEGATION
      .broken_by("Microsoft.ContainerInstance/containerGroups")
      .is_none());
  }
}
