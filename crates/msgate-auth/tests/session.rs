//! The refreshing session against the sandbox's rotating refresh tokens: refreshed ahead of
//! expiry, the rotated token persisted before use, one refresh for a burst of callers, two
//! "processes" sharing a store never presenting a used refresh token, and the reuse case (a
//! revoked family) ending in exit 11 with Entra's reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use msgate_auth::session::{Grant, Session, SessionConfig};
use msgate_auth::store::encrypted_file::{EncryptedFileStore, TokenKey};
use msgate_auth::store::memory::MemoryStore;
use msgate_auth::store::{StoredTokens, TokenStore};
use msgate_core::ErrorCode;
use msgate_graph::TokenSource;
use msgate_sandbox::SandboxOptions;
use support::{Tenant, tenant_with};

const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// A sandbox whose access tokens live 60 s: inside the refresh margin, so every `token()`
/// refreshes.
async fn short_lived() -> Tenant {
    tenant_with(SandboxOptions {
        token_lifetime: Duration::from_secs(60),
        ..SandboxOptions::default()
    })
    .await
}

async fn signed_in(t: &Tenant) -> StoredTokens {
    let scopes: Vec<String> = ["User.Read", "Chat.ReadWrite"].map(str::to_owned).to_vec();
    let issued = t.sandbox.sign_in(None, &scopes).await.unwrap();
    StoredTokens {
        refresh_token: issued.refresh_token,
        access_token: Some(issued.access_token),
        expires_at: 0,
        client_secret: None,
    }
}

fn file_store(dir: &Path) -> Arc<dyn TokenStore> {
    Arc::new(EncryptedFileStore::new(
        dir.join("tokens"),
        Some(TokenKey::from_hex(KEY).unwrap()),
    ))
}

fn session(
    t: &Tenant,
    store: Arc<dyn TokenStore>,
    lock: Option<&Path>,
    tokens: StoredTokens,
) -> Session {
    let config = SessionConfig {
        profile: "work".to_owned(),
        authority: t.authority(),
        client_id: msgate_auth::profile::DEFAULT_CLIENT_ID.to_owned(),
        grant: Grant::Delegated {
            scopes: [
                "https://graph.microsoft.com/User.Read",
                "https://graph.microsoft.com/Chat.ReadWrite",
                "offline_access",
            ]
            .map(str::to_owned)
            .to_vec(),
        },
        store,
        lock_path: lock.map(Path::to_path_buf),
        login_command: "msgate auth login --profile work".to_owned(),
    };
    Session::new(config, tokens).unwrap()
}

#[tokio::test]
async fn refresh_rotates_and_persists_the_new_refresh_token_before_use() {
    let t = short_lived().await;
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(dir.path());
    let initial = signed_in(&t).await;
    store.save("work", &initial).unwrap();
    let s = session(
        &t,
        Arc::clone(&store),
        Some(&dir.path().join("work.lock")),
        initial.clone(),
    );

    let first = s.token().await.unwrap();
    let stored = store.load("work").unwrap().unwrap();
    assert_ne!(stored.refresh_token, initial.refresh_token, "rotated");
    assert_eq!(
        stored.access_token.as_ref(),
        Some(&first),
        "persisted before it was handed out"
    );
    assert_eq!(t.graph_status(first.expose(), "/me").await, 200);

    // Within the margin again: refreshed again, with the rotated token (the first one is used).
    let second = s.token().await.unwrap();
    let again = store.load("work").unwrap().unwrap();
    assert_ne!(again.refresh_token, stored.refresh_token, "rotated again");
    assert_eq!(t.graph_status(second.expose(), "/me").await, 200);

    // Graph rejected a token: a refresh follows, rotating once more.
    s.refresh(&second).await.unwrap();
    let third = store.load("work").unwrap().unwrap();
    assert_ne!(third.refresh_token, again.refresh_token);
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_the_family_and_asks_to_sign_in_again() {
    let t = short_lived().await;
    let initial = signed_in(&t).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.save("work", &initial).unwrap();
    let s = session(&t, Arc::clone(&store), None, initial.clone());
    s.token().await.unwrap();

    // Someone replays the old refresh token: Entra revokes every token of the family.
    let replay = t
        .client
        .post(
            &t.authority().token_url(),
            &[
                ("client_id", msgate_auth::profile::DEFAULT_CLIENT_ID),
                ("grant_type", "refresh_token"),
                (
                    "refresh_token",
                    initial.refresh_token.as_ref().unwrap().expose(),
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(replay.unwrap_err().error, "invalid_grant");

    let err = s.token().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthExpired);
    assert_eq!(err.exit().status(), 11);
    assert!(
        err.message().starts_with("sign-in failed: AADSTS"),
        "Entra's reason: {}",
        err.message()
    );
    assert!(!err.message().contains("Trace ID"));
    assert!(
        err.hint()
            .unwrap()
            .contains("msgate auth login --profile work"),
        "{:?}",
        err.hint()
    );
}

#[tokio::test]
async fn a_burst_of_callers_triggers_one_refresh() {
    // Hour-long tokens: once one caller has refreshed, the others reuse its token.
    let t = support::tenant().await;
    let initial = signed_in(&t).await;
    let before = t.token_requests().await;
    let expired = StoredTokens {
        access_token: None,
        ..initial
    };
    let s = Arc::new(session(&t, Arc::new(MemoryStore::new()), None, expired));
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let s = Arc::clone(&s);
            tokio::spawn(async move { s.token().await.unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await.unwrap());
    }
    tokens.dedup();
    assert_eq!(t.token_requests().await - before, 1, "single flight");
    assert_eq!(tokens.len(), 1, "every caller got the same token");
}

#[tokio::test]
async fn two_processes_sharing_a_store_never_present_a_used_refresh_token() {
    let t = short_lived().await;
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("work.lock");
    let initial = signed_in(&t).await;
    file_store(dir.path()).save("work", &initial).unwrap();
    // Two sessions with separate memories, as two msgate processes would have.
    let a = Arc::new(session(
        &t,
        file_store(dir.path()),
        Some(&lock),
        initial.clone(),
    ));
    let b = Arc::new(session(&t, file_store(dir.path()), Some(&lock), initial));
    let mut calls = Vec::new();
    for i in 0..6 {
        let s = Arc::clone(if i % 2 == 0 { &a } else { &b });
        calls.push(tokio::spawn(async move { s.token().await }));
    }
    for call in calls {
        call.await
            .unwrap()
            .expect("no refresh token was presented twice");
    }
    let last = file_store(dir.path()).load("work").unwrap().unwrap();
    assert_eq!(
        t.graph_status(last.access_token.unwrap().expose(), "/me")
            .await,
        200
    );
}
