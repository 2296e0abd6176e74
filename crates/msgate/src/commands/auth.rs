//! `msgate auth`: sign in and out, profiles, scopes, and the questions people ask when sign-in
//! goes wrong. The flows, stores and sessions are msgate-auth's; this module turns flags into a
//! profile, reports on stderr, and records the result in the config file (never a token).

use std::collections::BTreeSet;
use std::io::{IsTerminal, Read};

use msgate_auth::entra::{Authority, EntraClient, unix_now};
use msgate_auth::flows::device_code::Prompt;
use msgate_auth::login::{self, Interaction, LoginOptions};
use msgate_auth::profile::{self, Profile};
use msgate_auth::scopes::{self, CAPABILITY_SETS};
use msgate_auth::store::StoreKind;
use msgate_auth::store::keyring::KeyringStore;
use msgate_core::config::{self, ConfigPaths};
use msgate_core::settings::{DEFAULT_PROFILE, validate_profile_name};
use msgate_core::{Error, ErrorCode, Result, Secret};
use msgate_graph::{Cloud, TokenSource};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::cli::{AuthCommand, LoginArgs};
use crate::context::Context;
use crate::diag;
use crate::output::Data;

pub fn run(command: AuthCommand, ctx: &Context) -> Result<Data> {
    match command {
        AuthCommand::Login(args) => login(*args, ctx),
        AuthCommand::Logout { all } => logout(all, ctx),
        AuthCommand::Status => status(ctx),
        AuthCommand::List => list(ctx),
        AuthCommand::Switch { name } => switch(&name, ctx),
        AuthCommand::Token { yes_print_secret } => token(yes_print_secret, ctx),
        AuthCommand::Scopes => scopes(ctx),
        AuthCommand::ConsentUrl => consent_url(ctx),
        AuthCommand::Doctor => doctor(ctx),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", &e))
}

fn when(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The profile with `auth login`'s flags applied, and the cloud to sign in to.
fn configured(args: &LoginArgs, ctx: &Context) -> Result<(Profile, Cloud)> {
    let mut profile = ctx.profile()?;
    if let Some(id) = &args.client_id {
        profile.client_id = Some(id.clone());
    }
    if let Some(tenant) = &args.tenant {
        profile.tenant = Some(tenant.clone());
    }
    if !args.capabilities.is_empty() {
        for name in &args.capabilities {
            scopes::find(name)?;
        }
        profile.capabilities = Some(args.capabilities.clone());
    }
    for scope in &args.add_scope {
        let scope = scopes::bare(scope).to_owned();
        if !profile.extra_scopes.contains(&scope) {
            profile.extra_scopes.push(scope);
        }
    }
    if let Some(store) = &args.token_store {
        profile.token_store = Some(store.parse()?);
    }
    if let Some(path) = &args.token_key_file {
        profile.token_key_file = Some(
            std::path::absolute(path)
                .map_err(|e| Error::io(format!("cannot resolve {}", path.display()), &e))?,
        );
    }
    let cloud = match (&args.cloud, ctx.env_cloud()?) {
        (Some(name), _) => name.parse()?,
        (None, Some(custom)) => custom,
        (None, None) => profile.cloud()?,
    };
    Ok((profile, cloud))
}

fn read_secret(args: &LoginArgs) -> Result<Option<Secret>> {
    let text = if args.client_secret_stdin {
        let mut text = Zeroizing::new(String::new());
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::io("cannot read the client secret from stdin", &e))?;
        text
    } else if let Some(path) = &args.client_secret_file {
        Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            Error::io(
                format!("cannot read the client secret file {}", path.display()),
                &e,
            )
        })?)
    } else {
        return Ok(None);
    };
    let secret = text.trim();
    if secret.is_empty() {
        return Err(Error::usage("the client secret is empty"));
    }
    Ok(Some(Secret::new(secret)))
}

fn login(args: LoginArgs, ctx: &Context) -> Result<Data> {
    let paths = ctx.config_paths()?;
    let (mut profile, cloud) = configured(&args, ctx)?;
    let options = LoginOptions {
        device_code: args.device_code,
        client_secret: read_secret(&args)?,
        certificate_file: args.certificate.clone(),
        federated_token_file: args.federated_token_file.clone(),
        login_hint: args.login_hint.clone(),
        browser_timeout: None,
    };
    let flow = login::choose_flow(&options, &ctx.env);
    if flow.is_app_only() {
        if profile.client_id.is_none() {
            return Err(
                Error::usage("app-only sign-in needs your app's --client-id")
                    .with_hint("register an app in Entra ID and pass its client id and --tenant"),
            );
        }
        if matches!(profile.tenant(), "organizations" | "common" | "consumers") {
            return Err(Error::usage("app-only sign-in needs a specific --tenant")
                .with_hint("pass the tenant id or its verified domain"));
        }
    }
    // Open the store first: signing in only to find nowhere to keep the tokens helps nobody.
    let kind = profile.store_kind();
    let store = msgate_auth::open_store(kind, &ctx.env, profile.token_key_file.as_deref())?;
    let show_device_code = |prompt: &Prompt| {
        let message = if prompt.message.is_empty() {
            format!(
                "To sign in, open {} and enter the code {}",
                prompt.verification_uri, prompt.user_code
            )
        } else {
            prompt.message.clone()
        };
        diag::status(&message);
    };
    let open_browser = |url: &str| {
        diag::status(&format!(
            "Opening your browser to sign in. If it does not open, visit:\n{url}"
        ));
        open_url(url, ctx);
    };
    let interaction = Interaction {
        show_device_code: &show_device_code,
        open_browser: &open_browser,
    };
    let logged_in = runtime()?.block_on(login::sign_in(
        &profile,
        &cloud,
        options,
        &ctx.env,
        &interaction,
    ))?;
    store.save(&profile.name, &logged_in.stored)?;
    profile = logged_in.profile;
    config::update(paths, |doc| {
        profile.write(doc);
        Ok(())
    })?;
    let who = profile.account.as_deref().unwrap_or("(unknown account)");
    diag::status(&format!(
        "Signed in to profile '{}' as {who}; tokens in {}.",
        profile.name,
        store.describe(&profile.name)
    ));
    if kind == StoreKind::Memory {
        diag::note("--token-store memory keeps nothing: later commands will ask you to sign in");
    }
    Ok(Data::Nothing)
}

/// `$BROWSER`, else the platform's opener; failures leave the printed URL as the way in.
fn open_url(url: &str, ctx: &Context) {
    let mut command = match ctx.env.get("BROWSER") {
        Some(browser) => std::process::Command::new(browser),
        None if cfg!(target_os = "macos") => std::process::Command::new("open"),
        None if cfg!(windows) => {
            let mut c = std::process::Command::new("rundll32");
            c.arg("url.dll,FileProtocolHandler");
            c
        }
        None => std::process::Command::new("xdg-open"),
    };
    let spawned = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "could not open a browser");
    }
}

fn profile_names(paths: &ConfigPaths) -> Result<Vec<String>> {
    let file = config::load(paths)?;
    let mut names = profile::names(file.as_ref().map(|f| &f.doc));
    if !names.iter().any(|n| n == DEFAULT_PROFILE) {
        names.insert(0, DEFAULT_PROFILE.to_owned());
    }
    Ok(names)
}

fn logout(all: bool, ctx: &Context) -> Result<Data> {
    let paths = ctx.config_paths()?;
    let names = if all {
        profile_names(paths)?
    } else {
        vec![ctx.settings.profile.value.clone()]
    };
    let mut warned = BTreeSet::new();
    let mut report = Vec::new();
    for name in &names {
        let removed = msgate_auth::remove_tokens(name, &ctx.env)?;
        for problem in removed.unreachable {
            if warned.insert(problem.clone()) {
                diag::warning(&format!("could not check the OS keyring: {problem}"));
            }
        }
        if config::load(paths)?.is_some() {
            config::update(paths, |doc| {
                Profile::clear_sign_in(doc, name);
                Ok(())
            })?;
        }
        if removed.removed.is_empty() {
            diag::status(&format!("Profile '{name}': no stored tokens."));
        } else {
            diag::status(&format!(
                "Profile '{name}': removed the tokens in {}.",
                removed.removed.join(" and ")
            ));
        }
        report.push(json!({"profile": name, "removed": removed.removed}));
    }
    Ok(Data::List {
        items: report,
        more: None,
        columns: &[],
    })
}

fn status(ctx: &Context) -> Result<Data> {
    let session = ctx.require_session()?;
    if session.source != "signed-in profile" {
        return Ok(Data::Value(json!({
            "profile": session.profile,
            "signed_in": true,
            "source": session.source,
        })));
    }
    let profile = ctx.profile()?;
    let store = msgate_auth::open_store(
        profile.store_kind(),
        &ctx.env,
        profile.token_key_file.as_deref(),
    )?;
    let tokens = store.load(&profile.name)?;
    let expires_at = tokens
        .as_ref()
        .filter(|t| t.access_token.is_some())
        .map(|t| when(t.expires_at));
    Ok(Data::Value(json!({
        "profile": profile.name,
        "signed_in": tokens.is_some(),
        "account": profile.account,
        "tenant": profile.tenant_id.as_deref().unwrap_or(profile.tenant()),
        "cloud": profile.cloud()?.to_string(),
        "client_id": profile.client_id(),
        "flow": profile.flow.map(|f| f.as_str()),
        "scopes": profile.granted_scopes,
        "expires_at": expires_at,
        "refreshable": tokens.as_ref().is_some_and(|t| t.refresh_token.is_some() || t.client_secret.is_some() || profile.flow.is_some_and(|f| f.is_app_only())),
        "store": store.describe(&profile.name),
    })))
}

fn list(ctx: &Context) -> Result<Data> {
    let paths = ctx.config_paths()?;
    let file = config::load(paths)?;
    let current = &ctx.settings.profile.value;
    let items = profile_names(paths)?
        .into_iter()
        .map(|name| {
            let profile = Profile::read(file.as_ref().map(|f| &f.doc), &name);
            json!({
                "profile": name,
                "current": &name == current,
                "signed_in": profile.is_signed_in(),
                "account": profile.account,
                "tenant": profile.tenant_id.as_deref().unwrap_or(profile.tenant()),
                "cloud": profile.cloud().map(|c| c.to_string()).unwrap_or_default(),
                "store": profile.store_kind().as_str(),
            })
        })
        .collect();
    Ok(Data::List {
        items,
        more: None,
        columns: &[],
    })
}

fn switch(name: &str, ctx: &Context) -> Result<Data> {
    validate_profile_name(name)?;
    let paths = ctx.config_paths()?;
    if !profile_names(paths)?.iter().any(|n| n == name) {
        return Err(
            Error::new(ErrorCode::NotFound, format!("there is no profile '{name}'")).with_hint(
                format!("create it by signing in: msgate auth login --profile {name}"),
            ),
        );
    }
    config::update(paths, |doc| {
        doc["profile"] = toml_edit::value(name);
        Ok(())
    })?;
    diag::status(&format!("Now using profile '{name}'."));
    Ok(Data::Nothing)
}

fn token(yes: bool, ctx: &Context) -> Result<Data> {
    if !yes {
        return Err(Error::usage("'auth token' prints a live credential")
            .with_hint("add --yes-print-secret if you really mean to (debugging only)"));
    }
    let (_, tokens) = ctx.token_source()?;
    let token = runtime()?.block_on(tokens.token())?;
    if std::io::stdout().is_terminal() {
        diag::warning("this is a live access token: do not paste it into tickets, chats or logs");
    }
    let claims = msgate_auth::entra::claims(token.expose()).unwrap_or(Value::Null);
    Ok(Data::Value(json!({
        "access_token": token.expose(),
        "expires_at": claims["exp"].as_i64().map(when),
    })))
}

/// The scopes the profile requests (bare names) for its capability sets and extras.
fn requested(profile: &Profile) -> Result<Vec<String>> {
    scopes::graph_scopes(&profile.capabilities(), &profile.extra_scopes)
}

fn scopes(ctx: &Context) -> Result<Data> {
    let profile = ctx.profile()?;
    let held: BTreeSet<String> = profile.granted_scopes.iter().cloned().collect();
    let enabled = profile.capabilities();
    let mut operations = Vec::new();
    for set in CAPABILITY_SETS
        .iter()
        .filter(|s| enabled.iter().any(|e| e == s.name))
    {
        for operation in scopes::operations(set) {
            let Some(needed) = scopes::operation_permissions(operation) else {
                continue;
            };
            let allowed = needed.allowed.is_empty()
                || needed
                    .allowed
                    .iter()
                    .any(|p| scopes::satisfied_by(p, &held));
            operations.push(json!({
                "capability": set.name,
                "operation": operation,
                "needs_one_of": needed.allowed,
                "held": allowed,
                "admin_consent": needed.allowed.first().is_some_and(|p| needed.admin_consent.contains(p)),
            }));
        }
    }
    let requested: Vec<Value> = requested(&profile)?
        .into_iter()
        .map(|s| json!({"scope": s, "held": held.contains(&s), "admin_consent": scopes::needs_admin_consent(&s)}))
        .collect();
    Ok(Data::Value(json!({
        "profile": profile.name,
        "capabilities": enabled,
        "held": held,
        "requested": requested,
        "operations": operations,
    })))
}

fn consent_url(ctx: &Context) -> Result<Data> {
    Ok(Data::Value(json!(admin_consent_url(ctx)?)))
}

/// The URL where an administrator grants the profile's app its scopes in the tenant.
pub(crate) fn admin_consent_url(ctx: &Context) -> Result<String> {
    let profile = ctx.profile()?;
    let cloud = msgate_auth::cloud_for(&profile, ctx.env_cloud()?)?;
    let tenant = profile.tenant_id.as_deref().unwrap_or(profile.tenant());
    let resource = cloud.graph_resource();
    let scopes: Vec<String> = requested(&profile)?
        .into_iter()
        .map(|s| format!("{resource}{s}"))
        .collect();
    Ok(Authority::new(&cloud, tenant).admin_consent_url(
        profile.client_id(),
        &scopes,
        "http://localhost",
    ))
}

fn check(name: &str, ok: bool, detail: impl Into<String>) -> Value {
    json!({"check": name, "ok": ok, "detail": detail.into()})
}

fn doctor(ctx: &Context) -> Result<Data> {
    let profile = ctx.profile()?;
    let mut checks = Vec::new();
    checks.push(
        match KeyringStore::open().and_then(|k| {
            use msgate_auth::store::TokenStore;
            k.load(&profile.name).map(|_| k.describe(&profile.name))
        }) {
            Ok(described) => check("keyring", true, format!("reachable: {described}")),
            Err(e) => check(
                "keyring",
                profile.store_kind() != StoreKind::Keyring,
                format!("{} ({})", e.message(), e.hint().unwrap_or_default()),
            ),
        },
    );
    let cloud = msgate_auth::cloud_for(&profile, ctx.env_cloud()?)?;
    let runtime = runtime()?;
    checks.push(clock_check(&runtime, &cloud, profile.tenant()));
    let held: BTreeSet<String> = profile.granted_scopes.iter().cloned().collect();
    let missing: Vec<String> = requested(&profile)?
        .into_iter()
        .filter(|s| !scopes::satisfied_by(s, &held))
        .collect();
    checks.push(match (profile.is_signed_in(), missing.is_empty()) {
        (false, _) => check("consent", false, "not signed in yet"),
        (true, true) => check("consent", true, "every requested scope was granted"),
        (true, false) => check(
            "consent",
            false,
            format!(
                "not granted: {} — sign in again, or ask an administrator to open 'msgate auth consent-url'{}",
                missing.join(", "),
                if missing.iter().any(|s| scopes::needs_admin_consent(s)) { " (admin consent needed)" } else { "" }
            ),
        ),
    });
    checks.push(if ctx.env.secret("MSGATE_ACCESS_TOKEN").is_some() {
        check("session", true, "MSGATE_ACCESS_TOKEN is set and used as is")
    } else {
        match msgate_auth::open_session(&profile, &ctx.env) {
            Ok(session) => match runtime.block_on(session.token()) {
                Ok(_) => {
                    let expires = runtime.block_on(session.expires_at());
                    check(
                        "session",
                        true,
                        format!("a valid access token until {}", when(expires)),
                    )
                }
                Err(e) => check(
                    "session",
                    false,
                    format!("{} — {}", e.message(), e.hint().unwrap_or_default()),
                ),
            },
            Err(e) => check(
                "session",
                false,
                format!("{} — {}", e.message(), e.hint().unwrap_or_default()),
            ),
        }
    });
    if checks.iter().any(|c| c["ok"] == false) {
        diag::warning("some checks failed; see 'detail' for what to do next");
    }
    Ok(Data::List {
        items: checks,
        more: None,
        columns: &[],
    })
}

/// Compare the local clock with the token endpoint's `Date`: Entra refuses assertions and
/// codes from a clock more than five minutes off.
fn clock_check(runtime: &tokio::runtime::Runtime, cloud: &Cloud, tenant: &str) -> Value {
    let url = Authority::new(cloud, tenant).token_url();
    let probed = runtime.block_on(async {
        let client = EntraClient::new()?;
        client
            .post_dated(&url, &[("grant_type", "client_credentials")])
            .await
    });
    match probed {
        Ok((_, Some(server))) => {
            let skew = unix_now() - server.as_second();
            check(
                "clock",
                skew.abs() < 300,
                format!("local clock is {skew} s off the token endpoint's"),
            )
        }
        Ok((_, None)) => check("clock", true, "the token endpoint sent no Date header"),
        Err(e) => check("clock", false, e.message().to_owned()),
    }
}
