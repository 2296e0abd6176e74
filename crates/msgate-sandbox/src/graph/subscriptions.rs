//! Change notifications: subscriptions with Graph's validation handshake, delivery of changes to
//! subscribed resources, lifecycle notifications, expiry and renewal.

use std::sync::Arc;

use axum::Router;

use crate::state::AppState;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
}
