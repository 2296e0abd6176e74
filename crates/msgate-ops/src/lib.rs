//! msgate-ops: the operation catalog — every operation msgate can perform, defined exactly once,
//! and the one choke point every face calls them through.
//!
//! The CLI derives its subcommands and the MCP server its tools from the same [`Catalog`]; the
//! policy engine (`policy`) decides at [`Catalog::invoke`]. Operations speak to Graph only through
//! msgate-graph and answer with compact projections (`views`) sized for people and agents.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod ctx;
pub mod listing;
mod ops;
pub mod policy;
pub mod progress;
pub mod refs;
pub mod spec;
pub mod text;
pub mod transfer;
pub mod views;
pub mod when;
pub mod zone;

pub use catalog::{Catalog, Ended, Entry, Gate, OpenGate, Operation, Pass};
pub use ctx::{Ctx, Face};
pub use policy::{PolicyGate, Target};
pub use spec::{Risk, Spec};
