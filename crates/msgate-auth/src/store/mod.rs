//! Where a profile's tokens live between commands: the OS keyring, an AES-256-GCM encrypted
//! file, or nowhere (memory). There is no plaintext store.
//!
//! All three sit behind [`TokenStore`] so the session, `auth login` and `auth logout` never care
//! which one a profile chose. What is stored is [`StoredTokens`]: the refresh token (or, for an
//! app signed in with a client secret, that secret), the current access token when the store can
//! hold it, and its expiry. Who the account is, which scopes were granted and where the store is
//! live in the config file — they are not secrets, and keeping them out of the entry keeps the
//! entry small (Windows Credential Manager caps a credential at 2,560 bytes; an access token and
//! a refresh token together can exceed that, so [`StoredTokens::fit`] drops the access token
//! first: the next command then refreshes once, which costs a round trip, not a sign-in).

pub mod encrypted_file;
pub mod keyring;
pub mod memory;

use std::fmt;
use std::str::FromStr;

use msgate_core::{Error, ErrorCode, Result, Secret};
use serde_json::{Map, Value, json};

/// The stores a profile can choose with `--token-store`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    Keyring,
    File,
    Memory,
}

impl StoreKind {
    pub const NAMES: &'static [&'static str] = &["keyring", "file", "memory"];

    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Keyring => "keyring",
            StoreKind::File => "file",
            StoreKind::Memory => "memory",
        }
    }
}

impl FromStr for StoreKind {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "keyring" => Ok(StoreKind::Keyring),
            "file" => Ok(StoreKind::File),
            "memory" => Ok(StoreKind::Memory),
            other => Err(Error::usage(format!(
                "unknown token store '{other}': expected keyring, file or memory"
            ))),
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The credential material of one profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredTokens {
    pub refresh_token: Option<Secret>,
    pub access_token: Option<Secret>,
    /// Unix seconds at which `access_token` expires.
    pub expires_at: i64,
    /// The client secret of an app-only profile signed in with `--client-secret-*`: it is what
    /// gets the next token, so it is credential material like a refresh token.
    pub client_secret: Option<Secret>,
}

impl StoredTokens {
    /// The bytes a store keeps (only ever written into a keyring entry or encrypted).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut map = Map::new();
        let mut put = |name: &str, secret: &Option<Secret>| {
            if let Some(secret) = secret {
                map.insert(name.to_owned(), json!(secret.expose()));
            }
        };
        put("rt", &self.refresh_token);
        put("at", &self.access_token);
        put("cs", &self.client_secret);
        map.insert("exp".to_owned(), json!(self.expires_at));
        map.insert("v".to_owned(), json!(1));
        Value::Object(map).to_string().into_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let value: Value = serde_json::from_slice(bytes).map_err(|_| {
            Error::new(
                ErrorCode::AuthRequired,
                "the stored tokens are not in a format this msgate understands",
            )
            .with_hint("sign in again with: msgate auth login")
        })?;
        let secret = |name: &str| value[name].as_str().map(Secret::new);
        Ok(StoredTokens {
            refresh_token: secret("rt"),
            access_token: secret("at"),
            client_secret: secret("cs"),
            expires_at: value["exp"].as_i64().unwrap_or_default(),
        })
    }

    /// These tokens, cut down to at most `limit` bytes: without the access token if need be.
    pub fn fit(&self, limit: Option<usize>) -> Result<StoredTokens> {
        let Some(limit) = limit else {
            return Ok(self.clone());
        };
        if self.to_bytes().len() <= limit {
            return Ok(self.clone());
        }
        let smaller = StoredTokens {
            access_token: None,
            expires_at: 0,
            ..self.clone()
        };
        if smaller.to_bytes().len() <= limit {
            Ok(smaller)
        } else {
            Err(Error::new(
                ErrorCode::AuthRequired,
                format!("the tokens do not fit in one keyring entry ({limit} bytes at most)"),
            )
            .with_hint("use an encrypted file instead: msgate auth login --token-store file"))
        }
    }
}

/// One place a profile's tokens are kept. Implementations are blocking (a keyring call is an
/// IPC round trip); async callers run them on a blocking thread.
pub trait TokenStore: Send + Sync + fmt::Debug {
    fn kind(&self) -> StoreKind;

    /// Where the tokens are, for `auth status` and `auth logout`: "OS keyring (Secret
    /// Service)", "encrypted file /home/…/default.tokens".
    fn describe(&self, profile: &str) -> String;

    fn load(&self, profile: &str) -> Result<Option<StoredTokens>>;

    /// Replace the profile's tokens. Implementations update in place where the store allows it
    /// (a keyring entry is never deleted and re-created, so "always allow" survives).
    fn save(&self, profile: &str, tokens: &StoredTokens) -> Result<()>;

    /// Remove the profile's tokens; whether there were any.
    fn remove(&self, profile: &str) -> Result<bool>;
}
