//! amlnet compiles Azure Machine Learning network-isolation profiles.
//!
//! Pipeline: `loader` (files) → `profile` (TOML, with spans) → `model` (validated) →
//! `lower` (model × `catalog` → `ir`) → `backend` (one per output format).
//! `diff` and `expand` work on the IR. See ARCHITECTURE.md.

pub mod backend;
pub mod diff;
pub mod error;
pub mod expand;
pub mod ir;
pub mod service_tags;

pub use error::{Error, Result};
