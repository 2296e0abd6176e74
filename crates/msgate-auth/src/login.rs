//! `auth login` as a library call: pick the flow, request the profile's scopes, and hand back
//! the tokens to store and the facts to record in the profile.

use std::path::PathBuf;
use std::time::Duration;

use msgate_core::{Env, Error, Result, Secret};
use msgate_graph::Cloud;
use serde_json::Value;

use crate::entra::{Authority, EntraClient, Tokens};
use crate::flows::client_credentials::{self, AppCredential, Certificate};
use crate::flows::device_code::{self, Prompt};
use crate::flows::{SignIn, pkce_loopback};
use crate::profile::{Flow, Profile};
use crate::scopes::{self, OIDC_SCOPES};
use crate::session::{Grant, app_tokens};
use crate::store::StoredTokens;

/// How to sign in, from `auth login`'s flags.
#[derive(Debug, Default)]
pub struct LoginOptions {
    /// `--device-code`.
    pub device_code: bool,
    pub client_secret: Option<Secret>,
    pub certificate_file: Option<PathBuf>,
    pub federated_token_file: Option<PathBuf>,
    pub login_hint: Option<String>,
    /// How long to wait for the browser (default five minutes).
    pub browser_timeout: Option<Duration>,
}

/// How the sign-in talks to the person: show a device code, open a browser.
pub struct Interaction<'a> {
    pub show_device_code: &'a (dyn Fn(&Prompt) + Sync),
    pub open_browser: &'a (dyn Fn(&str) + Sync),
}

impl std::fmt::Debug for Interaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interaction")
    }
}

/// A completed sign-in: what to store, and the profile with the sign-in recorded.
#[derive(Debug)]
pub struct LoggedIn {
    pub stored: StoredTokens,
    pub profile: Profile,
    pub expires_at: i64,
}

/// The flow `options` ask for; without an app credential or `--device-code`, the browser
/// where one can be opened and the device code elsewhere (no display, or over SSH).
pub fn choose_flow(options: &LoginOptions, env: &Env) -> Flow {
    if options.client_secret.is_some() {
        Flow::ClientSecret
    } else if options.certificate_file.is_some() {
        Flow::Certificate
    } else if options.federated_token_file.is_some() {
        Flow::Federated
    } else if options.device_code || !can_open_browser(env) {
        Flow::DeviceCode
    } else {
        Flow::Browser
    }
}

fn can_open_browser(env: &Env) -> bool {
    if env.get("SSH_CONNECTION").is_some() || env.get("SSH_TTY").is_some() {
        return false;
    }
    if env.get("BROWSER").is_some() {
        return true;
    }
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some()
}

/// Full scope names for a delegated sign-in to `cloud`.
pub fn delegated_scopes(profile: &Profile, cloud: &Cloud) -> Result<Vec<String>> {
    let resource = cloud.graph_resource();
    let mut scopes: Vec<String> =
        scopes::graph_scopes(&profile.capabilities(), &profile.extra_scopes)?
            .into_iter()
            .map(|s| format!("{resource}{s}"))
            .collect();
    scopes.extend(OIDC_SCOPES.iter().map(|s| (*s).to_owned()));
    Ok(scopes)
}

/// The `.default` scope of app-only sign-ins.
pub fn app_scope(cloud: &Cloud) -> String {
    format!("{}.default", cloud.graph_resource())
}

/// The command that signs `profile` in again.
pub fn login_command(profile: &str) -> String {
    if profile == msgate_core::settings::DEFAULT_PROFILE {
        "msgate auth login".to_owned()
    } else {
        format!("msgate auth login --profile {profile}")
    }
}

/// Sign `profile` in to `cloud` as `options` ask.
pub async fn sign_in(
    profile: &Profile,
    cloud: &Cloud,
    options: LoginOptions,
    env: &Env,
    interaction: &Interaction<'_>,
) -> Result<LoggedIn> {
    let flow = choose_flow(&options, env);
    let authority = Authority::new(cloud, profile.tenant());
    let client = EntraClient::new()?;
    let login = login_command(&profile.name);
    let mut recorded = profile.clone();
    recorded.set_cloud(cloud);
    recorded.flow = Some(flow);
    recorded.certificate_file = None;
    recorded.federated_token_file = None;

    let (tokens, stored) = if flow.is_app_only() {
        let (credential, secret) = match (
            options.client_secret,
            options.certificate_file,
            options.federated_token_file,
        ) {
            (Some(secret), _, _) => (AppCredential::Secret(secret.clone()), Some(secret)),
            (None, Some(path), _) => {
                let path = absolute(path)?;
                recorded.certificate_file = Some(path.clone());
                (AppCredential::Certificate(Certificate::load(&path)?), None)
            }
            (None, None, Some(path)) => {
                let path = absolute(path)?;
                recorded.federated_token_file = Some(path.clone());
                (AppCredential::Federated(path), None)
            }
            (None, None, None) => {
                return Err(Error::internal("an app-only flow without a credential"));
            }
        };
        let tokens = client_credentials::acquire(
            &client,
            &authority,
            profile.client_id(),
            &credential,
            &app_scope(cloud),
            &login,
        )
        .await?;
        let stored = app_tokens(tokens.clone(), secret);
        (tokens, stored)
    } else {
        let scopes = delegated_scopes(profile, cloud)?;
        let request = SignIn {
            client: &client,
            authority: &authority,
            client_id: profile.client_id(),
            scopes: &scopes,
            login_hint: options.login_hint.as_deref(),
            login_command: &login,
        };
        let tokens = match flow {
            Flow::Browser => {
                pkce_loopback::sign_in(
                    &request,
                    interaction.open_browser,
                    options
                        .browser_timeout
                        .unwrap_or(pkce_loopback::DEFAULT_TIMEOUT),
                )
                .await?
            }
            _ => device_code::sign_in(&request, interaction.show_device_code).await?,
        };
        let stored = StoredTokens {
            refresh_token: tokens.refresh_token.clone(),
            access_token: Some(tokens.access_token.clone()),
            expires_at: tokens.expires_at,
            client_secret: None,
        };
        (tokens, stored)
    };
    record_identity(&mut recorded, &tokens, flow);
    Ok(LoggedIn {
        expires_at: tokens.expires_at,
        stored,
        profile: recorded,
    })
}

/// Who signed in, from the ID token (or the app token's claims), and what was granted.
fn record_identity(profile: &mut Profile, tokens: &Tokens, flow: Flow) {
    let claim = |name: &str| {
        tokens.identity[name]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    profile.account = if flow.is_app_only() {
        claim("appid").or_else(|| claim("azp"))
    } else {
        claim("preferred_username").or_else(|| claim("upn"))
    };
    profile.account_id = claim("oid");
    profile.tenant_id = claim("tid");
    profile.granted_scopes = if flow.is_app_only() {
        match &tokens.identity["roles"] {
            Value::Array(roles) => roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    } else {
        tokens
            .scopes
            .iter()
            .map(|s| scopes::bare(s).to_owned())
            .collect()
    };
}

/// How a signed-in profile gets its next tokens.
pub fn grant_for(profile: &Profile, cloud: &Cloud) -> Result<Grant> {
    Ok(match profile.flow {
        Some(Flow::ClientSecret) => Grant::StoredSecret {
            scope: app_scope(cloud),
        },
        Some(Flow::Certificate) => {
            let path = profile.certificate_file.clone().ok_or_else(|| {
                Error::usage(format!(
                    "profile '{}' signed in with a certificate but names no certificate_file",
                    profile.name
                ))
            })?;
            Grant::App {
                credential: AppCredential::Certificate(Certificate::load(&path)?),
                scope: app_scope(cloud),
            }
        }
        Some(Flow::Federated) => {
            let path = profile.federated_token_file.clone().ok_or_else(|| {
                Error::usage(format!(
                    "profile '{}' signed in with workload identity but names no federated_token_file",
                    profile.name
                ))
            })?;
            Grant::App {
                credential: AppCredential::Federated(path),
                scope: app_scope(cloud),
            }
        }
        _ => Grant::Delegated {
            scopes: profile
                .granted_scopes
                .iter()
                .filter(|s| !OIDC_SCOPES.contains(&s.as_str()))
                .map(|s| format!("{}{s}", cloud.graph_resource()))
                .chain(OIDC_SCOPES.iter().map(|s| (*s).to_owned()))
                .collect(),
        },
    })
}

fn absolute(path: PathBuf) -> Result<PathBuf> {
    std::path::absolute(&path)
        .map_err(|e| Error::io(format!("cannot resolve {}", path.display()), &e))
}
