//! msgate's MCP server: the operation catalog offered to agents as tools, over stdio or
//! streamable HTTP. The only crate that imports rmcp.
//!
//! Nothing here runs an operation itself: every tool call goes through the catalog's choke
//! point with the policy gate, exactly as the CLI's commands do, with [`Face::Mcp`] so the
//! policy's MCP defaults (read-only) apply and the audit log says who called.
//!
//! [`Face::Mcp`]: msgate_ops::Face::Mcp

#![forbid(unsafe_code)]

mod bearer;
mod confirm;
mod discovery;
mod files;
mod http;
mod render;
mod server;
mod tools;

pub use bearer::BearerToken;
pub use files::FileRoot;
pub use http::{HttpOptions, serve_http};
pub use server::{Server, ServerOptions, serve_stdio, serve_streams};
pub use tools::{Mode, Selection};
