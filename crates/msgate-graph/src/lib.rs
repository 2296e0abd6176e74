//! msgate-graph: the one crate that speaks HTTP to Microsoft Graph.
//!
//! Everything else in msgate asks this crate, so the rules that make msgate polite to Microsoft
//! and safe with tokens live in one place: `Retry-After` honoured and writes never blindly
//! repeated (`client`), throttling backoff and budgets (`retry`), failing fast when Graph is down
//! (`breaker`), paging that never sends the token to another host (`paging`), batching
//! (`batch`), delta queries (`delta`), downloads that follow redirects without the token
//! (`download`), uploads in one piece or in sessions whose fragments never carry the token
//! (`upload`: drive files and large Outlook attachments), content hashes that check both
//! (`hash`), long-running actions polled without the token (`monitor`), Graph's errors mapped onto
//! msgate's taxonomy (`error`), and the writes a caller
//! asked to see or to hold back (`record`). `api` holds the typed calls.
#![forbid(unsafe_code)]

pub mod api;
mod batch;
mod breaker;
mod client;
mod cloud;
mod delta;
mod download;
mod error;
mod hash;
mod monitor;
mod paging;
mod record;
mod request;
mod retry;
mod token;
mod upload;

pub use batch::MAX_BATCH;
pub use client::{ClientOptions, GraphClient, Response};
pub use cloud::{CLOUD_NAMES, Cloud};
pub use delta::{Delta, DeltaStart};
pub use download::{Download, Progress};
pub use hash::{QuickXor, quick_xor};
pub use monitor::Progressing;
pub use paging::{Limit, Listed, Page, Pager};
pub use record::{Write, WriteLog, WriteOutcome};
pub use request::Request;
pub use retry::RetryPolicy;
pub use token::{BoxFuture, StaticToken, TokenSource};
pub use upload::{ATTACHMENT_SESSION_MIN, Conflict, Content, SIMPLE_UPLOAD_MAX, Upload};
