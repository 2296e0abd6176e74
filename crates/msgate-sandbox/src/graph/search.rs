//! Microsoft Search: `/search/query` across chat and channel messages, mail, events and files.

use std::sync::Arc;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
