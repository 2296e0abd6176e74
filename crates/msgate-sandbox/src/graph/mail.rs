//! Outlook mail: messages, folders, attachments, sending, replying and moving, delta.

use std::sync::Arc;

use axum::Router;

use crate::state::AppState;
use crate::store::Store;
use crate::tenant::Tenant;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}

/// The demo tenant's share of this area.
pub async fn seed(_store: &Store, _tenant: &Tenant, _graph_url: &str) -> msgate_core::Result<()> {
    Ok(())
}
