//! The OS keyring store against a real Secret Service (GNOME Keyring on a private session bus,
//! started by `scripts/with-secret-service`). Where none can be reached the test prints a
//! notice and skips: a keyring cannot be conjured inside every sandbox, and the store's
//! fail-closed path is tested by the CLI tests instead.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use msgate_auth::store::keyring::KeyringStore;
use msgate_auth::store::{StoredTokens, TokenStore};
use msgate_core::Secret;

fn keyring() -> Option<KeyringStore> {
    match KeyringStore::open().and_then(|k| k.load("msgate-test-probe").map(|_| k)) {
        Ok(keyring) => Some(keyring),
        Err(e) => {
            eprintln!(
                "NOTICE: keyring tests skipped, no Secret Service reachable ({}); run them with scripts/with-secret-service",
                e.message()
            );
            assert!(
                std::env::var_os("MSGATE_TEST_SECRET_SERVICE").is_none(),
                "scripts/with-secret-service started a Secret Service, yet it is unreachable"
            );
            None
        }
    }
}

#[test]
fn tokens_round_trip_are_updated_in_place_and_removed() {
    let Some(keyring) = keyring() else {
        return;
    };
    let profile = format!("test-{}", std::process::id());
    let first = StoredTokens {
        refresh_token: Some(Secret::new("fake-refresh-token-keyring-one")),
        access_token: Some(Secret::new("fake-access-token-keyring-one")),
        expires_at: 1_900_000_000,
        client_secret: None,
    };
    keyring.save(&profile, &first).unwrap();
    assert_eq!(keyring.load(&profile).unwrap(), Some(first));

    let second = StoredTokens {
        refresh_token: Some(Secret::new("fake-refresh-token-keyring-two")),
        access_token: None,
        expires_at: 0,
        client_secret: None,
    };
    keyring.save(&profile, &second).unwrap();
    assert_eq!(keyring.load(&profile).unwrap(), Some(second));

    assert!(keyring.remove(&profile).unwrap());
    assert_eq!(keyring.load(&profile).unwrap(), None);
    assert!(!keyring.remove(&profile).unwrap());
    if cfg!(target_os = "linux") {
        assert!(keyring.describe(&profile).contains("Secret Service"));
    }
}
