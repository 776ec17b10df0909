//! Deployed rules read back into target models, so the evaluator can compare what is
//! deployed with what amlnet plans. Takes parsed JSON (`serde_json::Value`) as Azure
//! exports it; returns `target` models or a typed error naming the rule and what cannot be
//! represented. Never reads files, never renders, never guesses: a rule it cannot model
//! exactly is refused, not approximated.

pub mod firewall;
pub mod nsg;
