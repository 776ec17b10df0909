//! The one evaluator of rule semantics: what an NSG or an Azure Firewall policy does with
//! a class of traffic. Takes target models (`target::nsg::SecurityRule`,
//! `target::firewall::RuleCollectionGroup`), a traffic class and a `TagResolver`; returns
//! a partition of the class, each part with its decision and the rule that decided.
//!
//! Audit, query and the effective-access diff all ask here; none re-implements matching.
//! Never renders, never reads files (the caller passes parsed ServiceTags and rules),
//! never decides policy.

pub mod class;
pub mod firewall;
pub mod nsg;
pub mod symbolic;
pub mod tags;

pub use class::{Protocols, TrafficClass};
pub use symbolic::{Symbolic, TagBlocks};
pub use tags::{Cached, Platform, TagResolver, UnknownTag};
