//! Entra sign-in as the sandbox emulates it: PKCE (S256 only), refresh-token rotation with
//! family revocation, the device code flow, client credentials, discovery and keys. Error codes
//! follow Entra's (https://learn.microsoft.com/entra/identity-platform/reference-error-codes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use msgate_sandbox::{PUBLIC_CLIENT_ID, SandboxOptions};
use reqwest::StatusCode;
use support::{ALL_CHAT_SCOPES, REDIRECT_URI, pkce, start, start_with};

fn aadsts(body: &serde_json::Value) -> u64 {
    body["error_codes"][0].as_u64().unwrap()
}

#[tokio::test]
async fn pkce_sign_in_issues_tokens_for_the_default_user() {
    let t = start().await;
    let tokens = t.sign_in(ALL_CHAT_SCOPES, None).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(tokens["refresh_token"].as_str().unwrap().starts_with("0.A"));
    assert!(tokens["id_token"].is_string());
    let scope = tokens["scope"].as_str().unwrap();
    assert!(
        scope.contains("Chat.ReadWrite") && scope.contains("offline_access"),
        "{scope}"
    );

    let me = t.get(tokens["access_token"].as_str().unwrap(), "/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["userPrincipalName"], t.default_upn());
}

#[tokio::test]
async fn login_hint_signs_in_as_that_user() {
    let t = start().await;
    let other = t.sandbox.info().users[3].upn.clone();
    let tokens = t.sign_in("User.Read", Some(&other)).await;
    let me = t.get(tokens["access_token"].as_str().unwrap(), "/me").await;
    assert_eq!(me.body["userPrincipalName"], other.as_str());
}

#[tokio::test]
async fn plain_pkce_and_missing_pkce_are_refused() {
    let t = start().await;
    for method in ["plain", "S512"] {
        let response = t
            .http
            .get(t.login("authorize"))
            .query(&[
                ("client_id", PUBLIC_CLIENT_ID),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT_URI),
                ("scope", "User.Read"),
                ("code_challenge", "fake-challenge"),
                ("code_challenge_method", method),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = response.headers()["location"].to_str().unwrap();
        assert!(location.contains("error=invalid_request"), "{location}");
        assert!(
            !location.contains("code="),
            "no code for {method}: {location}"
        );
    }
    let response = t
        .http
        .get(t.login("authorize"))
        .query(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "User.Read"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=invalid_request")
    );
}

#[tokio::test]
async fn a_foreign_redirect_uri_is_never_redirected_to() {
    let t = start().await;
    let (_, challenge) = pkce();
    let response = t
        .http
        .get(t.login("authorize"))
        .query(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "https://attacker.example.invalid/cb"),
            ("scope", "User.Read"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn the_code_needs_the_right_verifier_and_redirect_and_works_once() {
    let t = start().await;
    let (verifier, challenge) = pkce();
    let redeem = |code: String, verifier: Option<String>, redirect: &'static str| {
        let t = &t;
        async move {
            let mut form = vec![
                ("client_id", PUBLIC_CLIENT_ID.to_owned()),
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", redirect.to_owned()),
            ];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.token(&form).await
        }
    };

    let code = t.authorize("User.Read", &challenge, None).await;
    let response = redeem(code, None, REDIRECT_URI).await;
    assert_eq!(
        (response.status, aadsts(&response.body)),
        (StatusCode::BAD_REQUEST, 501481)
    );

    let code = t.authorize("User.Read", &challenge, None).await;
    let response = redeem(code, Some("fake-wrong-verifier".into()), REDIRECT_URI).await;
    assert_eq!(response.body["error"], "invalid_grant");
    assert_eq!(aadsts(&response.body), 501481);

    let code = t.authorize("User.Read", &challenge, None).await;
    let response = redeem(code, Some(verifier.clone()), "http://127.0.0.1:9/other").await;
    assert_eq!(response.body["error"], "invalid_grant");
    assert_eq!(aadsts(&response.body), 50011);

    let code = t.authorize("User.Read", &challenge, None).await;
    let first = redeem(code.clone(), Some(verifier.clone()), REDIRECT_URI).await;
    assert_eq!(first.status, StatusCode::OK);
    let second = redeem(code, Some(verifier), REDIRECT_URI).await;
    assert_eq!(second.body["error"], "invalid_grant");
    assert_eq!(aadsts(&second.body), 54005);
    let description = second.body["error_description"].as_str().unwrap();
    assert!(description.starts_with("AADSTS54005:"), "{description}");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let t = start().await;
    let tokens = t.sign_in("User.Read offline_access", None).await;
    let first = tokens["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: String| {
        let t = &t;
        async move {
            t.token(&[
                ("client_id", PUBLIC_CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", &token),
            ])
            .await
        }
    };
    let rotated = refresh(first.clone()).await;
    assert_eq!(rotated.status, StatusCode::OK, "{rotated:?}");
    let second = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert!(rotated.body["access_token"].is_string());

    let replay = refresh(first).await;
    assert_eq!(replay.body["error"], "invalid_grant");
    let after_revocation = refresh(second).await;
    assert_eq!(
        after_revocation.body["error"], "invalid_grant",
        "the whole family is revoked"
    );
}

#[tokio::test]
async fn device_code_flow_polls_until_approved() {
    let t = start().await;
    let response = t
        .http
        .post(t.login("devicecode"))
        .form(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("scope", "User.Read offline_access"),
        ])
        .send()
        .await
        .unwrap();
    let device: serde_json::Value = response.json().await.unwrap();
    assert_eq!(device["interval"], 5);
    assert_eq!(device["user_code"].as_str().unwrap().len(), 9);
    let device_code = device["device_code"].as_str().unwrap().to_owned();
    let poll = || {
        let t = &t;
        let device_code = device_code.clone();
        async move {
            t.token(&[
                ("client_id", PUBLIC_CLIENT_ID),
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", &device_code),
            ])
            .await
        }
    };
    assert_eq!(poll().await.body["error"], "authorization_pending");
    assert_eq!(
        poll().await.body["error"],
        "slow_down",
        "polled again within the interval"
    );

    let approve = t
        .http
        .post(format!("{}/_sandbox/device/approve", t.sandbox.info().login_url))
        .json(&serde_json::json!({"user_code": device["user_code"], "upn": t.sandbox.info().users[1].upn}))
        .send()
        .await
        .unwrap();
    assert_eq!(approve.status(), StatusCode::OK);
    let tokens = poll().await;
    assert_eq!(tokens.status, StatusCode::OK, "{tokens:?}");
    let me = t
        .get(tokens.body["access_token"].as_str().unwrap(), "/me")
        .await;
    assert_eq!(
        me.body["userPrincipalName"],
        t.sandbox.info().users[1].upn.as_str()
    );
    assert_eq!(
        poll().await.body["error"],
        "invalid_grant",
        "a device code is redeemed once"
    );
}

#[tokio::test]
async fn auto_approve_signs_in_the_default_user_at_once() {
    let t = start_with(SandboxOptions {
        auto_approve: true,
        ..SandboxOptions::default()
    })
    .await;
    let device: serde_json::Value = t
        .http
        .post(t.login("devicecode"))
        .form(&[("client_id", PUBLIC_CLIENT_ID), ("scope", "User.Read")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tokens = t
        .token(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device["device_code"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(tokens.status, StatusCode::OK, "{tokens:?}");
}

#[tokio::test]
async fn client_credentials_need_the_right_secret() {
    let t = start().await;
    let info = t.sandbox.info().clone();
    let token = t.app_token().await;
    let users = t.get(&token, "/users").await;
    assert_eq!(users.status, StatusCode::OK);
    let me = t.get(&token, "/me").await;
    assert_eq!(
        me.status,
        StatusCode::BAD_REQUEST,
        "app-only tokens cannot call /me"
    );

    let wrong = t
        .token(&[
            ("client_id", &info.confidential_client_id),
            ("client_secret", "fake-wrong-secret"),
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["error"], "invalid_client");
    assert_eq!(aadsts(&wrong.body), 7000215);
}

#[tokio::test]
async fn unknown_tenants_clients_and_scopes_are_refused() {
    let t = start().await;
    let base = &t.sandbox.info().login_url;
    let response = t
        .http
        .post(format!("{base}/not-a-tenant/oauth2/v2.0/token"))
        .form(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", "fake"),
        ])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(aadsts(&body), 90002);

    let unknown_client = t
        .token(&[
            ("client_id", "00000000-0000-0000-0000-000000000001"),
            ("grant_type", "refresh_token"),
        ])
        .await;
    assert_eq!(aadsts(&unknown_client.body), 700016);

    let bad_scope = t
        .http
        .post(t.login("devicecode"))
        .form(&[
            ("client_id", PUBLIC_CLIENT_ID),
            ("scope", "Not.A.Permission"),
        ])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = bad_scope.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");

    for tenant in ["organizations", t.sandbox.info().tenant_id.as_str()] {
        let config = t
            .http
            .get(format!(
                "{base}/{tenant}/v2.0/.well-known/openid-configuration"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(config.status(), StatusCode::OK, "{tenant}");
    }
}

#[tokio::test]
async fn discovery_points_at_this_sandbox_and_publishes_the_signing_key() {
    let t = start().await;
    let base = &t.sandbox.info().login_url;
    let config: serde_json::Value = t
        .http
        .get(format!(
            "{base}/common/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        config["token_endpoint"],
        format!("{base}/common/oauth2/v2.0/token")
    );
    assert_eq!(
        config["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let keys: serde_json::Value = t
        .http
        .get(config["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &keys["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str()),
        (Some("RSA"), Some("RS256"))
    );

    let token = t.user_token("User.Read").await;
    let header: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            token.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        header["kid"], key["kid"],
        "tokens are signed with the published key"
    );
}
