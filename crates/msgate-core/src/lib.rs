//! The ground every msgate face stands on.
//!
//! The CLI, the MCP server and the hosted server all promise the same contract: the same error
//! codes and exit statuses, the same refusal to let a secret reach a diagnostic, the same config
//! semantics. Keeping those promises in one small crate with no I/O beyond the local filesystem
//! means every face inherits them instead of re-implementing them.
#![forbid(unsafe_code)]

pub mod atomic;
pub mod config;
pub mod env;
pub mod error;
pub mod redact;
pub mod secret;
pub mod settings;

pub use env::Env;
pub use error::{Error, ErrorCode, Exit, Result};
pub use redact::redact;
pub use secret::Secret;
