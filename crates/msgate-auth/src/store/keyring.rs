//! The OS keyring: macOS Keychain, Windows Credential Manager, the Secret Service on Linux
//! (GNOME Keyring, KWallet, KeePassXC), through keyring-core and each platform's native store.
//!
//! One entry per profile (service `msgate`, account = the profile name), written with
//! `set_secret`, which updates an existing item in place: the item is never deleted and
//! re-created on refresh, so an "always allow" the user gave msgate for it survives. When no
//! keyring can be reached, msgate fails closed with exit 11 and names the alternatives — it
//! never falls back to a file on its own.

use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use msgate_core::{Error, ErrorCode, Result};

use super::{StoreKind, StoredTokens, TokenStore};

const SERVICE: &str = "msgate";

pub struct KeyringStore {
    store: Arc<CredentialStore>,
    name: &'static str,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("name", &self.name)
            .finish()
    }
}

/// Exit 11: no keyring, and msgate will not quietly pick another store.
pub fn unreachable(detail: &str) -> Error {
    Error::new(
        ErrorCode::AuthRequired,
        format!("the OS keyring is not reachable: {detail}"),
    )
    .with_hint(
        "sign in with --token-store file (AES-256-GCM, key from MSGATE_TOKEN_KEY or --token-key-file) or --token-store memory (nothing kept)",
    )
}

impl KeyringStore {
    /// The platform's keyring, or exit 11 when there is none.
    pub fn open() -> Result<Self> {
        let (store, name) = native()?;
        Ok(KeyringStore { store, name })
    }

    fn entry(&self, profile: &str) -> Result<Entry> {
        self.store
            .build(SERVICE, profile, None)
            .map_err(|e| unreachable(&e.to_string()))
    }

    /// The most one entry can hold, where the platform caps it.
    fn limit(&self) -> Option<usize> {
        cfg!(windows).then_some(2560)
    }
}

#[cfg(target_os = "linux")]
fn native() -> Result<(Arc<CredentialStore>, &'static str)> {
    let store = zbus_secret_service_keyring_store::Store::new()
        .map_err(|e| unreachable(&format!("no Secret Service on the session bus ({e})")))?;
    Ok((store, "Secret Service"))
}

#[cfg(target_os = "macos")]
fn native() -> Result<(Arc<CredentialStore>, &'static str)> {
    let store = apple_native_keyring_store::keychain::Store::new()
        .map_err(|e| unreachable(&e.to_string()))?;
    Ok((store, "macOS Keychain"))
}

#[cfg(target_os = "windows")]
fn native() -> Result<(Arc<CredentialStore>, &'static str)> {
    let store =
        windows_native_keyring_store::Store::new().map_err(|e| unreachable(&e.to_string()))?;
    Ok((store, "Windows Credential Manager"))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn native() -> Result<(Arc<CredentialStore>, &'static str)> {
    Err(unreachable(
        "msgate has no keyring support on this platform",
    ))
}

impl TokenStore for KeyringStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Keyring
    }

    fn describe(&self, profile: &str) -> String {
        format!(
            "OS keyring ({}, service '{SERVICE}', account '{profile}')",
            self.name
        )
    }

    fn load(&self, profile: &str) -> Result<Option<StoredTokens>> {
        match self.entry(profile)?.get_secret() {
            Ok(bytes) => StoredTokens::from_bytes(&bytes).map(Some),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(unreachable(&e.to_string())),
        }
    }

    fn save(&self, profile: &str, tokens: &StoredTokens) -> Result<()> {
        let tokens = tokens.fit(self.limit())?;
        self.entry(profile)?
            .set_secret(&tokens.to_bytes())
            .map_err(|e| unreachable(&e.to_string()))
    }

    fn remove(&self, profile: &str) -> Result<bool> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(e) => Err(unreachable(&e.to_string())),
        }
    }
}
