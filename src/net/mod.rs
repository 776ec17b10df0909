//! Sets of ports and of addresses, and the one interval algebra under both.
//!
//! Takes ranges, prefixes and port strings; returns canonical sets (sorted, disjoint,
//! non-adjacent) with union, intersection and difference. Lowering merges flow ports here,
//! the plan splits them, `diff` compares them and `expand` subtracts prefix sets; none of
//! them does interval arithmetic of its own. Pure values: never reads files, never decides
//! policy.

pub mod interval;
pub mod ports;
pub mod prefixes;

pub use ports::{PortRange, PortSet};
pub use prefixes::PrefixSet;
