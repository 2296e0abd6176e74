//! Every sign-in flow end to end against the sandbox tenant: the browser flow (PKCE through the
//! loopback redirect, driven by a client that follows the redirect as a browser would), the
//! device code approved through the sandbox, client credentials with a secret and with a freshly
//! generated self-signed certificate, and workload identity federation with a token file — each
//! token then accepted by the sandbox's Graph.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use msgate_auth::flows::client_credentials::{self, AppCredential, Certificate};
use msgate_auth::flows::device_code::{self, Prompt};
use msgate_auth::flows::{SignIn, pkce_loopback};
use msgate_auth::login::{app_scope, login_command};
use msgate_core::{ErrorCode, Secret};
use serde_json::json;
use support::{Tenant, self_signed_certificate, tenant};

fn scopes() -> Vec<String> {
    [
        "https://graph.microsoft.com/User.Read",
        "https://graph.microsoft.com/Chat.ReadWrite",
        "offline_access",
        "openid",
        "profile",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn sign_in<'a>(
    t: &'a Tenant,
    authority: &'a msgate_auth::entra::Authority,
    scopes: &'a [String],
    hint: Option<&'a str>,
) -> SignIn<'a> {
    SignIn {
        client: &t.client,
        authority,
        client_id: msgate_auth::profile::DEFAULT_CLIENT_ID,
        scopes,
        login_hint: hint,
        login_command: "msgate auth login",
    }
}

#[tokio::test]
async fn the_browser_flow_redeems_the_code_from_the_loopback_redirect() {
    let t = tenant().await;
    let authority = t.authority();
    let scopes = scopes();
    let upn = t.sandbox.info().users[2].upn.clone();
    let request = sign_in(&t, &authority, &scopes, Some(&upn));
    let opened = Arc::new(Mutex::new(String::new()));
    let seen = Arc::clone(&opened);
    // The "browser": follows Entra's redirect back to msgate's loopback port.
    let open = move |url: &str| {
        *seen.lock().unwrap() = url.to_owned();
        let url = url.to_owned();
        tokio::spawn(async move {
            let page = reqwest::get(url).await.unwrap();
            assert_eq!(page.status(), 200);
            assert!(
                page.text()
                    .await
                    .unwrap()
                    .contains("You can close this window")
            );
        });
    };
    let tokens = pkce_loopback::sign_in(&request, &open, Duration::from_secs(30))
        .await
        .unwrap();
    let url = opened.lock().unwrap().clone();
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert!(
        url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A"),
        "{url}"
    );
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.identity["preferred_username"], upn.as_str());
    assert_eq!(
        t.graph_status(tokens.access_token.expose(), "/me").await,
        200
    );
}

#[tokio::test]
async fn the_browser_flow_ignores_a_callback_with_the_wrong_state_and_times_out() {
    let t = tenant().await;
    let authority = t.authority();
    let scopes = scopes();
    let request = sign_in(&t, &authority, &scopes, None);
    let forged = Arc::new(Mutex::new(None));
    let result = Arc::clone(&forged);
    let open = move |url: &str| {
        let redirect = reqwest::Url::parse(url)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let result = Arc::clone(&result);
        tokio::spawn(async move {
            let status = reqwest::get(format!("{redirect}?code=fake-code&state=fake-state"))
                .await
                .unwrap()
                .status();
            *result.lock().unwrap() = Some(status.as_u16());
        });
    };
    let err = pkce_loopback::sign_in(&request, &open, Duration::from_secs(2))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthRequired);
    assert!(
        err.message().contains("no answer from the browser"),
        "{}",
        err.message()
    );
    assert_eq!(
        *forged.lock().unwrap(),
        Some(400),
        "a forged callback is refused"
    );
}

#[tokio::test]
async fn the_device_code_is_approved_through_the_sandbox() {
    let t = tenant().await;
    let authority = t.authority();
    let scopes = scopes();
    let request = sign_in(&t, &authority, &scopes, None);
    let upn = t.sandbox.info().users[1].upn.clone();
    let approve_url = t.control("device/approve");
    let show = move |prompt: &Prompt| {
        assert!(prompt.message.contains(&prompt.user_code));
        let body = json!({"user_code": prompt.user_code, "upn": upn});
        let url = approve_url.clone();
        tokio::spawn(async move {
            let approved = reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(approved.status(), 200);
        });
    };
    let tokens = device_code::sign_in(&request, &show).await.unwrap();
    assert_eq!(
        tokens.identity["preferred_username"],
        t.sandbox.info().users[1].upn.as_str()
    );
    assert_eq!(
        t.graph_status(tokens.access_token.expose(), "/me/chats")
            .await,
        200
    );
}

#[tokio::test]
async fn client_credentials_with_the_secret_and_a_wrong_one() {
    let t = tenant().await;
    let info = t.sandbox.info().clone();
    let authority = t.tenant_authority();
    let secret = AppCredential::Secret(Secret::new(info.confidential_client_secret.clone()));
    let tokens = client_credentials::acquire(
        &t.client,
        &authority,
        &info.confidential_client_id,
        &secret,
        &app_scope(&t.cloud),
        "msgate auth login",
    )
    .await
    .unwrap();
    assert!(tokens.refresh_token.is_none());
    assert_eq!(
        t.graph_status(tokens.access_token.expose(), "/users").await,
        200
    );

    let wrong = AppCredential::Secret(Secret::new("fake-wrong-client-secret"));
    let err = client_credentials::acquire(
        &t.client,
        &authority,
        &info.confidential_client_id,
        &wrong,
        &app_scope(&t.cloud),
        "msgate auth login",
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit().status(), 11);
    assert!(err.message().contains("AADSTS7000215"), "{}", err.message());
}

#[tokio::test]
async fn client_credentials_with_a_freshly_generated_certificate() {
    let t = tenant().await;
    let info = t.sandbox.info().clone();
    let authority = t.tenant_authority();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_certificate();
    let pem = dir.path().join("app.pem");
    std::fs::write(&pem, format!("{cert}{key}")).unwrap();
    let credential = AppCredential::Certificate(Certificate::load(&pem).unwrap());
    let acquire = || {
        client_credentials::acquire(
            &t.client,
            &authority,
            &info.confidential_client_id,
            &credential,
            "https://graph.microsoft.com/.default",
            "msgate auth login",
        )
    };

    let err = acquire().await.unwrap_err();
    assert!(
        err.message().contains("AADSTS700027"),
        "not registered yet: {}",
        err.message()
    );
    assert!(err.hint().unwrap().contains("Certificates & secrets"));

    let registered = t
        .post_control(
            "apps/confidential/certificates",
            json!({"certificate": cert}),
        )
        .await;
    let AppCredential::Certificate(loaded) = &credential else {
        unreachable!()
    };
    assert_eq!(registered["x5t#S256"], loaded.thumbprint_sha256());
    let tokens = acquire().await.unwrap();
    assert_eq!(
        tokens.identity["appid"],
        info.confidential_client_id.as_str()
    );
    assert_eq!(
        t.graph_status(tokens.access_token.expose(), "/users").await,
        200
    );

    // Another key under the same certificate's thumbprint must not pass.
    let (_, other_key) = self_signed_certificate();
    std::fs::write(&pem, format!("{cert}{other_key}")).unwrap();
    let forged = AppCredential::Certificate(Certificate::load(&pem).unwrap());
    let err = client_credentials::acquire(
        &t.client,
        &authority,
        &info.confidential_client_id,
        &forged,
        "https://graph.microsoft.com/.default",
        "msgate auth login",
    )
    .await
    .unwrap_err();
    assert!(err.message().contains("AADSTS700027"), "{}", err.message());
}

#[tokio::test]
async fn workload_identity_federation_with_a_token_file() {
    let t = tenant().await;
    let info = t.sandbox.info().clone();
    let authority = t.tenant_authority();
    let subject = "system:serviceaccount:msgate:agent";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    let credential = AppCredential::Federated(file.clone());
    let acquire = || {
        client_credentials::acquire(
            &t.client,
            &authority,
            &info.confidential_client_id,
            &credential,
            "https://graph.microsoft.com/.default",
            "msgate auth login",
        )
    };

    std::fs::write(&file, t.workload_token(subject, 600).await).unwrap();
    let err = acquire().await.unwrap_err();
    assert!(
        err.message().contains("AADSTS700211"),
        "no trust yet: {}",
        err.message()
    );

    t.post_control(
        "apps/confidential/federated-credentials",
        json!({"issuer": t.workload_issuer(), "subject": subject}),
    )
    .await;
    let tokens = acquire().await.unwrap();
    assert_eq!(
        t.graph_status(tokens.access_token.expose(), "/users").await,
        200
    );

    std::fs::write(
        &file,
        t.workload_token("system:serviceaccount:other:sa", 600)
            .await,
    )
    .unwrap();
    let err = acquire().await.unwrap_err();
    assert!(err.message().contains("AADSTS70021"), "{}", err.message());
    assert!(
        err.hint()
            .unwrap()
            .contains("federated identity credential")
    );

    std::fs::write(&file, t.workload_token(subject, -3600).await).unwrap();
    let err = acquire().await.unwrap_err();
    assert!(
        err.message().contains("AADSTS700024"),
        "expired: {}",
        err.message()
    );

    std::fs::write(&file, "\n").unwrap();
    assert_eq!(acquire().await.unwrap_err().exit().status(), 11);
}

#[tokio::test]
async fn the_public_client_cannot_use_client_credentials() {
    let t = tenant().await;
    let err = client_credentials::acquire(
        &t.client,
        &t.tenant_authority(),
        msgate_auth::profile::DEFAULT_CLIENT_ID,
        &AppCredential::Secret(Secret::new("fake-client-secret-public")),
        "https://graph.microsoft.com/.default",
        &login_command("work"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit().status(), 11);
}
