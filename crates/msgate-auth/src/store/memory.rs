//! `--token-store memory`: tokens live as long as the process and are never written anywhere.
//! For a one-off command, for automation that signs in every time, and for unit tests.

use std::collections::HashMap;
use std::sync::Mutex;

use msgate_core::Result;

use super::{StoreKind, StoredTokens, TokenStore};

#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, StoredTokens>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredTokens>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for MemoryStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Memory
    }

    fn describe(&self, _profile: &str) -> String {
        "memory (nothing persisted)".to_owned()
    }

    fn load(&self, profile: &str) -> Result<Option<StoredTokens>> {
        Ok(self.entries().get(profile).cloned())
    }

    fn save(&self, profile: &str, tokens: &StoredTokens) -> Result<()> {
        self.entries().insert(profile.to_owned(), tokens.clone());
        Ok(())
    }

    fn remove(&self, profile: &str) -> Result<bool> {
        Ok(self.entries().remove(profile).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use msgate_core::Secret;

    #[test]
    fn saves_loads_and_removes_per_profile() {
        let store = MemoryStore::new();
        let tokens = StoredTokens {
            refresh_token: Some(Secret::new("fake-refresh-token-memory")),
            expires_at: 42,
            ..StoredTokens::default()
        };
        store.save("work", &tokens).unwrap();
        assert_eq!(store.load("work").unwrap(), Some(tokens));
        assert_eq!(store.load("home").unwrap(), None);
        assert!(store.remove("work").unwrap());
        assert!(!store.remove("work").unwrap());
    }
}
