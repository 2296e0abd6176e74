//! msgate-auth: signing in to Entra ID and keeping the tokens safe.
//!
//! The two pains people report most about today's Microsoft 365 tools are sessions that die
//! after an hour and tokens lying in plaintext JSON files. This crate answers both. Every flow
//! Entra offers a command-line tool is here (`flows`): the browser with PKCE through a loopback
//! redirect, the device code for machines without a browser, and app-only client credentials
//! with a secret, a certificate or a federated workload identity. Tokens go only to the OS
//! keyring, an AES-256-GCM encrypted file the user chose explicitly, or nowhere (`store`) —
//! there is no plaintext store. A signed-in profile becomes a refreshing
//! [`msgate_graph::TokenSource`] (`session`) that renews ahead of expiry, once per process and
//! safely across processes. Scopes are the least delegated set for what the profile is for
//! (`scopes`). Talking to Entra is `entra`; only msgate-graph talks to Graph.
#![forbid(unsafe_code)]

pub mod entra;
pub mod flows;
pub mod login;
pub mod profile;
pub mod scopes;
pub mod session;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use msgate_core::{Env, Error, ErrorCode, Result};
use msgate_graph::Cloud;

use crate::entra::Authority;
use crate::profile::Profile;
use crate::session::{Session, SessionConfig};
use crate::store::encrypted_file::{EncryptedFileStore, TokenKey};
use crate::store::keyring::KeyringStore;
use crate::store::memory::MemoryStore;
use crate::store::{StoreKind, TokenStore};

const APP_DIR: &str = "msgate";

/// msgate's state directory (token files, refresh locks): `$XDG_STATE_HOME/msgate`, else
/// `~/.local/state/msgate` (`%APPDATA%\msgate\state` on Windows).
pub fn state_dir(env: &Env) -> Result<PathBuf> {
    if let Some(xdg) = env
        .get("XDG_STATE_HOME")
        .filter(|p| Path::new(p).is_absolute())
    {
        return Ok(Path::new(xdg).join(APP_DIR));
    }
    let home = if cfg!(windows) {
        env.get("APPDATA")
            .map(|a| Path::new(a).join(APP_DIR).join("state"))
    } else {
        env.get("HOME")
            .map(|h| Path::new(h).join(".local/state").join(APP_DIR))
    };
    home.ok_or_else(|| {
        Error::new(
            ErrorCode::AuthRequired,
            "cannot find a state directory for tokens: HOME is not set",
        )
        .with_hint("set XDG_STATE_HOME, or use --token-store keyring or memory")
    })
}

fn tokens_dir(env: &Env) -> Result<PathBuf> {
    Ok(state_dir(env)?.join("tokens"))
}

/// The cross-process refresh lock of `profile`.
pub fn lock_path(env: &Env, profile: &str) -> Result<PathBuf> {
    Ok(state_dir(env)?
        .join("locks")
        .join(format!("{profile}.lock")))
}

/// The store `kind` for reading and writing tokens. The file store needs its key now (from
/// `key_file`, the environment or systemd); the keyring must be reachable (else exit 11).
pub fn open_store(
    kind: StoreKind,
    env: &Env,
    key_file: Option<&Path>,
) -> Result<Arc<dyn TokenStore>> {
    Ok(match kind {
        StoreKind::Keyring => Arc::new(KeyringStore::open()?),
        StoreKind::File => {
            let dir = tokens_dir(env)?;
            let key = TokenKey::resolve(env, key_file, &dir)?;
            Arc::new(EncryptedFileStore::new(dir, Some(key)))
        }
        StoreKind::Memory => Arc::new(MemoryStore::new()),
    })
}

/// Exit 11 with the way to sign in unless `profile` has signed in.
pub fn require_signed_in(profile: &Profile) -> Result<()> {
    if profile.is_signed_in() {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::AuthRequired,
        format!("profile '{}' is not signed in", profile.name),
    )
    .with_hint(format!(
        "sign in with: {}",
        login::login_command(&profile.name)
    )))
}

/// The signed-in session of `profile` as a token source, or exit 11 with the way to sign in.
pub fn open_session(profile: &Profile, env: &Env) -> Result<Session> {
    require_signed_in(profile)?;
    let login = login::login_command(&profile.name);
    let not_signed_in = |why: String| {
        Error::new(ErrorCode::AuthRequired, why).with_hint(format!("sign in with: {login}"))
    };
    let kind = profile.store_kind();
    if kind == StoreKind::Memory {
        return Err(not_signed_in(format!(
            "profile '{}' keeps its tokens in memory only, so this command has none",
            profile.name
        )));
    }
    let store = open_store(kind, env, profile.token_key_file.as_deref())?;
    let tokens = store.load(&profile.name)?.ok_or_else(|| {
        not_signed_in(format!(
            "no tokens for profile '{}' in the {}",
            profile.name,
            store.describe(&profile.name)
        ))
    })?;
    let cloud = profile.cloud()?;
    let config = SessionConfig {
        profile: profile.name.clone(),
        authority: Authority::new(&cloud, profile.tenant()),
        client_id: profile.client_id().to_owned(),
        grant: login::grant_for(profile, &cloud)?,
        store,
        lock_path: Some(lock_path(env, &profile.name)?),
        login_command: login,
    };
    Session::new(config, tokens)
}

/// What `auth logout` removed for one profile, store by store.
#[derive(Debug, Default)]
pub struct Removed {
    pub removed: Vec<String>,
    /// Stores that could not be checked (an unreachable keyring), and why.
    pub unreachable: Vec<String>,
}

/// Remove every token of `profile` from every store: the keyring entry and the encrypted file,
/// whichever exist (a profile may have switched stores). No key is needed to delete a file.
pub fn remove_tokens(profile: &str, env: &Env) -> Result<Removed> {
    let mut outcome = Removed::default();
    match KeyringStore::open() {
        Ok(keyring) => match keyring.remove(profile) {
            Ok(true) => outcome.removed.push(keyring.describe(profile)),
            Ok(false) => {}
            Err(e) => outcome.unreachable.push(e.message().to_owned()),
        },
        Err(e) => outcome.unreachable.push(e.message().to_owned()),
    }
    let file = EncryptedFileStore::new(tokens_dir(env)?, None);
    if file.remove(profile)? {
        outcome.removed.push(file.describe(profile));
    }
    let lock = lock_path(env, profile)?;
    if lock.exists() {
        std::fs::remove_file(&lock)
            .map_err(|e| Error::io(format!("cannot remove {}", lock.display()), &e))?;
    }
    Ok(outcome)
}

/// The cloud a command should use for `profile`: the one it signed in to; custom endpoints
/// from the environment must match it, so a token never reaches another cloud's Graph.
pub fn cloud_for(profile: &Profile, from_env: Option<Cloud>) -> Result<Cloud> {
    let recorded = profile.cloud()?;
    match from_env {
        None => Ok(recorded),
        Some(env_cloud) if !profile.is_signed_in() || env_cloud == recorded => Ok(env_cloud),
        Some(env_cloud) => Err(Error::usage(format!(
            "profile '{}' signed in to {recorded}, but MSGATE_GRAPH_URL/MSGATE_LOGIN_URL point at {env_cloud}",
            profile.name
        ))
        .with_hint(format!(
            "unset them, or sign in there: {}",
            login::login_command(&profile.name)
        ))),
    }
}
