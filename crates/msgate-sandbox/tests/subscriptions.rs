//! Change notifications through the sandbox: subscriptions with the validation handshake,
//! delivery of chat and channel message changes to a real loopback receiver, rich notifications
//! decrypted with the subscriber's key, renewal, expiry, lifecycle notifications, retries and
//! permissions. Behaviours cite the Graph documentation page they follow; subscription bodies
//! are validated against the OpenAPI subset and notifications compared key by key with the
//! payloads in `msgate-testkit/graph/notifications/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::cipher::{AES_256, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey};
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    KeyPair, KeySize, OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, PrivateDecryptingKey,
};
use aws_lc_rs::signature::{self, RSA_PKCS1_SHA256};
use axum::extract::{Path, RawQuery};
use axum::http::{StatusCode as AxumStatus, header};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{ALL_CHAT_SCOPES, Response, TestSandbox, assert_faithful, assert_request_ok, start};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../msgate-testkit/graph/notifications"
);

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

/// A webhook receiver on a loopback port. What it does depends on the first path segment:
/// `wrong` echoes a wrong validation token, `slow` answers validation after 2 s, `flaky` fails
/// the first notification, `down` fails every notification, `lazy` takes 1.5 s per
/// notification; anything else behaves.
struct Receiver {
    base: String,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    attempts: Arc<Mutex<HashMap<String, usize>>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let received: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
        let attempts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (r, a) = (Arc::clone(&received), Arc::clone(&attempts));
        let app = axum::Router::new().route(
            "/{*path}",
            axum::routing::post(
                move |Path(path): Path<String>, RawQuery(query): RawQuery, body: String| {
                    let (received, attempts) = (Arc::clone(&r), Arc::clone(&a));
                    async move { receive(path, query, body, received, attempts).await }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            base,
            received,
            attempts,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// The next notification POSTed to `path`, within five seconds.
    async fn next(&self, path: &str) -> Value {
        for _ in 0..250 {
            {
                let mut received = self.received.lock().unwrap();
                if let Some(at) = received.iter().position(|(p, _)| p == path) {
                    return received.remove(at).1;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("nothing was posted to /{path}");
    }

    /// Fails if anything arrives at `path` within `wait`.
    async fn assert_quiet(&self, path: &str, wait: Duration) {
        tokio::time::sleep(wait).await;
        let received = self.received.lock().unwrap();
        let late: Vec<&Value> = received
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b)
            .collect();
        assert!(late.is_empty(), "/{path} got {late:?}");
    }

    fn attempts(&self, path: &str) -> usize {
        self.attempts
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

async fn receive(
    path: String,
    query: Option<String>,
    body: String,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    attempts: Arc<Mutex<HashMap<String, usize>>>,
) -> axum::response::Response {
    let mode = path.split('/').next().unwrap_or_default().to_owned();
    let token = query.as_deref().and_then(|q| {
        url_form_pairs(q)
            .into_iter()
            .find(|(k, _)| k == "validationToken")
            .map(|(_, v)| v)
    });
    if let Some(token) = token {
        let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return match mode.as_str() {
            "wrong" => (AxumStatus::OK, plain, "not-the-token".to_owned()).into_response(),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                (AxumStatus::OK, plain, token).into_response()
            }
            _ => (AxumStatus::OK, plain, token).into_response(),
        };
    }
    let attempt = {
        let mut attempts = attempts.lock().unwrap();
        let n = attempts.entry(path.clone()).or_default();
        *n += 1;
        *n
    };
    match mode.as_str() {
        "down" => return AxumStatus::SERVICE_UNAVAILABLE.into_response(),
        "flaky" if attempt == 1 => return AxumStatus::INTERNAL_SERVER_ERROR.into_response(),
        "lazy" => tokio::time::sleep(Duration::from_millis(1500)).await,
        _ => {}
    }
    received
        .lock()
        .unwrap()
        .push((path, serde_json::from_str(&body).unwrap()));
    AxumStatus::ACCEPTED.into_response()
}

fn url_form_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x.invalid/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn minutes_from_now(minutes: i64) -> String {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(minutes * 60);
    at.strftime("%Y-%m-%dT%H:%M:%S%.7fZ").to_string()
}

fn seconds_from_now(seconds: i64) -> String {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(seconds);
    at.strftime("%Y-%m-%dT%H:%M:%S%.7fZ").to_string()
}

async fn chat_by_topic(t: &TestSandbox, token: &str, topic: &str) -> String {
    let chats = t.get(token, "/me/chats").await;
    chats.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["topic"] == topic)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn first_channel(t: &TestSandbox, token: &str) -> (String, String) {
    let teams = t.get(token, "/me/joinedTeams").await;
    let team = teams.body["value"][0]["id"].as_str().unwrap().to_owned();
    let channels = t.get(token, &format!("/teams/{team}/channels")).await;
    let channel = channels.body["value"][0]["id"].as_str().unwrap().to_owned();
    (team, channel)
}

async fn subscribe(t: &TestSandbox, token: &str, body: &Value) -> Response {
    assert_request_ok("POST", "/subscriptions", body);
    let response = t.post(token, "/subscriptions", body).await;
    if response.status == StatusCode::CREATED {
        assert_faithful("POST", "/subscriptions", &response);
    }
    response
}

async fn send_chat(t: &TestSandbox, token: &str, chat: &str, text: &str) -> String {
    let sent = t
        .post(
            token,
            &format!("/chats/{chat}/messages"),
            &json!({"body": {"content": text}}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{sent:?}");
    sent.body["id"].as_str().unwrap().to_owned()
}

/// A basic Teams notification has the rich fixture's keys, less the encrypted content.
fn assert_basic_teams_shape(notification: &Value) {
    let mut expected = fixture("teams-chatmessage-created-rich.json");
    expected.as_object_mut().unwrap().remove("validationTokens");
    let item = expected["value"][0].as_object_mut().unwrap();
    item.remove("encryptedContent");
    assert_eq!(keys(notification), keys(&expected));
    assert_eq!(keys(&notification["value"][0]), keys(&expected["value"][0]));
    assert_eq!(
        keys(&notification["value"][0]["resourceData"]),
        keys(&expected["value"][0]["resourceData"])
    );
}

// https://learn.microsoft.com/graph/change-notifications-delivery-webhooks#notificationurl-validation
#[tokio::test]
async fn a_validated_subscription_is_created_listed_read_and_deleted() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let request = json!({
        "changeType": "created,updated",
        "notificationUrl": receiver.url("ok/notify?tenant=fake"),
        "resource": format!("/chats/{chat}/messages"),
        "expirationDateTime": minutes_from_now(30),
        "clientState": "fake-client-state",
    });
    let created = subscribe(&t, &token, &request).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["resource"], request["resource"]);
    assert_eq!(created.body["clientState"], "fake-client-state");
    assert_eq!(
        created.body["applicationId"],
        msgate_sandbox::PUBLIC_CLIENT_ID
    );
    assert_eq!(
        created.body["creatorId"],
        t.sandbox.info().users[0].id.as_str()
    );

    let listed = t.get(&token, "/subscriptions").await;
    assert_faithful("GET", "/subscriptions", &listed);
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 1);
    let path = format!("/subscriptions/{id}");
    let read = t.get(&token, &path).await;
    assert_faithful("GET", &path, &read);
    assert_eq!(read.body["notificationUrl"], request["notificationUrl"]);

    // Another app sees none of this app's subscriptions.
    let app = t.app_token().await;
    let theirs = t.get(&app, "/subscriptions").await;
    assert_faithful("GET", "/subscriptions", &theirs);
    assert!(theirs.body["value"].as_array().unwrap().is_empty());
    assert_eq!(t.get(&app, &path).await.status, StatusCode::NOT_FOUND);

    // https://learn.microsoft.com/graph/api/subscription-delete: 204, then gone.
    let deleted = t.graph(Method::DELETE, &token, &path, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = t.get(&token, &path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["error"]["code"], "ResourceNotFound");
}

#[tokio::test]
async fn failed_handshakes_and_bad_requests_create_nothing() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let settings = t
        .http
        .post(format!(
            "{}/_sandbox/subscriptions/settings",
            t.sandbox.info().login_url
        ))
        .json(&json!({"validationTimeoutMs": 300, "deliveryAttempts": 6}))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), StatusCode::OK);
    let request = |url: String| {
        json!({
            "changeType": "created",
            "notificationUrl": url,
            "resource": format!("/chats/{chat}/messages"),
            "expirationDateTime": minutes_from_now(30),
        })
    };
    let refused = |response: &Response, message: &str| {
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{response:?}");
        let said = response.body["error"]["message"].as_str().unwrap();
        assert!(said.contains(message), "{said}");
    };

    let wrong = subscribe(&t, &token, &request(receiver.url("wrong/notify"))).await;
    refused(
        &wrong,
        "Response must exactly match validationToken query parameter.",
    );
    let slow = subscribe(&t, &token, &request(receiver.url("slow/notify"))).await;
    refused(&slow, "Subscription validation request timed out.");
    let mut bad_lifecycle = request(receiver.url("ok/notify"));
    bad_lifecycle["lifecycleNotificationUrl"] = json!(receiver.url("wrong/lifecycle"));
    refused(
        &subscribe(&t, &token, &bad_lifecycle).await,
        "Response must exactly match validationToken query parameter.",
    );
    let nobody = subscribe(&t, &token, &request("http://127.0.0.1:9/closed".into())).await;
    refused(
        &nobody,
        "Notification endpoint must respond with 200 OK to validation request.",
    );
    let remote = subscribe(
        &t,
        &token,
        &request("http://hooks.example.invalid/notify".into()),
    )
    .await;
    refused(&remote, "accepts http URLs on loopback hosts");

    let mut long_state = request(receiver.url("ok/notify"));
    long_state["clientState"] = json!("x".repeat(129));
    refused(&subscribe(&t, &token, &long_state).await, "128 characters");
    let mut bad_change = request(receiver.url("ok/notify"));
    bad_change["changeType"] = json!("created,renamed");
    refused(&subscribe(&t, &token, &bad_change).await, "'renamed'");
    let mut unknown = request(receiver.url("ok/notify"));
    unknown["resource"] = json!("/me/contacts");
    refused(&subscribe(&t, &token, &unknown).await, "not supported");
    let mut past = request(receiver.url("ok/notify"));
    past["expirationDateTime"] = json!(minutes_from_now(-5));
    refused(&subscribe(&t, &token, &past).await, "in the future");

    // https://learn.microsoft.com/graph/change-notifications-overview#subscription-lifetime:
    // chatMessage subscriptions last at most 4320 minutes.
    let mut too_long = request(receiver.url("ok/notify"));
    too_long["expirationDateTime"] = json!(minutes_from_now(4330));
    too_long["lifecycleNotificationUrl"] = json!(receiver.url("ok/lifecycle"));
    refused(
        &subscribe(&t, &token, &too_long).await,
        "can only be 4320 minutes in the future",
    );
    // Teams resources need a lifecycle URL beyond one hour.
    let mut no_lifecycle = request(receiver.url("ok/notify"));
    no_lifecycle["expirationDateTime"] = json!(minutes_from_now(90));
    refused(
        &subscribe(&t, &token, &no_lifecycle).await,
        "lifecycleNotificationUrl is a required property",
    );
    // https://learn.microsoft.com/graph/change-notifications-with-resource-data#creating-a-subscription
    let mut rich = request(receiver.url("ok/notify"));
    rich["includeResourceData"] = json!(true);
    refused(
        &subscribe(&t, &token, &rich).await,
        "encryptionCertificate is required",
    );

    let listed = t.get(&token, "/subscriptions").await;
    assert!(listed.body["value"].as_array().unwrap().is_empty());
}

// https://learn.microsoft.com/graph/teams-changenotifications-chatmessage
#[tokio::test]
async fn chat_message_changes_are_delivered_with_the_client_state() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let created = subscribe(
        &t,
        &token,
        &json!({
            "changeType": "created,updated,deleted",
            "notificationUrl": receiver.url("ok/chat"),
            "resource": format!("/chats/{chat}/messages"),
            "expirationDateTime": minutes_from_now(45),
            "clientState": "fake-chat-state",
        }),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let subscription = created.body["id"].as_str().unwrap().to_owned();

    let id = send_chat(&t, &token, &chat, "ship it").await;
    let notification = receiver.next("ok/chat").await;
    assert_basic_teams_shape(&notification);
    let item = &notification["value"][0];
    assert_eq!(item["changeType"], "created");
    assert_eq!(item["clientState"], "fake-chat-state");
    assert_eq!(item["subscriptionId"], subscription.as_str());
    assert_eq!(item["tenantId"], t.sandbox.info().tenant_id.as_str());
    assert_eq!(
        item["subscriptionExpirationDateTime"],
        created.body["expirationDateTime"]
    );
    let resource = format!("chats('{chat}')/messages('{id}')");
    assert_eq!(item["resource"], resource.as_str());
    assert_eq!(item["resourceData"]["@odata.id"], resource.as_str());
    assert_eq!(item["resourceData"]["id"], id.as_str());
    assert_eq!(
        item["resourceData"]["@odata.type"],
        "#Microsoft.Graph.chatMessage"
    );

    let path = format!("/chats/{chat}/messages/{id}");
    let edit = json!({"body": {"content": "ship it today"}});
    assert_eq!(
        t.graph(Method::PATCH, &token, &path, Some(&edit))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        receiver.next("ok/chat").await["value"][0]["changeType"],
        "updated"
    );
    let soft_delete = format!("{path}/softDelete");
    assert_eq!(
        t.graph(Method::POST, &token, &soft_delete, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let deleted = receiver.next("ok/chat").await;
    assert_eq!(deleted["value"][0]["changeType"], "deleted");
    assert_eq!(deleted["value"][0]["resourceData"]["id"], id.as_str());
}

#[tokio::test]
async fn channel_messages_and_replies_are_delivered() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let token = t
        .user_token(&format!("{ALL_CHAT_SCOPES} ChannelMessage.ReadWrite"))
        .await;
    let (team, channel) = first_channel(&t, &token).await;
    let created = subscribe(
        &t,
        &token,
        &json!({
            "changeType": "created,updated,deleted",
            "notificationUrl": receiver.url("ok/channel"),
            "lifecycleNotificationUrl": receiver.url("ok/channel-lifecycle"),
            "resource": format!("/teams/{team}/channels/{channel}/messages"),
            "expirationDateTime": minutes_from_now(120),
            "clientState": "fake-channel-state",
        }),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");

    let messages = format!("/teams/{team}/channels/{channel}/messages");
    let root = t
        .post(
            &token,
            &messages,
            &json!({"body": {"content": "release notes"}}),
        )
        .await;
    assert_eq!(root.status, StatusCode::CREATED, "{root:?}");
    let root = root.body["id"].as_str().unwrap().to_owned();
    let notification = receiver.next("ok/channel").await;
    assert_basic_teams_shape(&notification);
    assert_eq!(notification["value"][0]["changeType"], "created");
    assert_eq!(
        notification["value"][0]["resource"],
        format!("teams('{team}')/channels('{channel}')/messages('{root}')")
    );

    let reply = t
        .post(
            &token,
            &format!("{messages}/{root}/replies"),
            &json!({"body": {"content": "thanks"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let reply = reply.body["id"].as_str().unwrap().to_owned();
    let notification = receiver.next("ok/channel").await;
    assert_eq!(notification["value"][0]["changeType"], "created");
    assert_eq!(
        notification["value"][0]["resource"],
        format!("teams('{team}')/channels('{channel}')/messages('{root}')/replies('{reply}')")
    );

    let path = format!("{messages}/{root}");
    let edit = json!({"body": {"content": "release notes, final"}});
    let edited = t.graph(Method::PATCH, &token, &path, Some(&edit)).await;
    assert_eq!(edited.status, StatusCode::NO_CONTENT, "{edited:?}");
    let updated = receiver.next("ok/channel").await;
    assert_eq!(updated["value"][0]["changeType"], "updated");
    assert_eq!(updated["value"][0]["clientState"], "fake-channel-state");
    let soft_deleted = t
        .graph(Method::POST, &token, &format!("{path}/softDelete"), None)
        .await;
    assert_eq!(
        soft_deleted.status,
        StatusCode::NO_CONTENT,
        "{soft_deleted:?}"
    );
    assert_eq!(
        receiver.next("ok/channel").await["value"][0]["changeType"],
        "deleted"
    );
}

/// An RSA key pair and a self-signed X.509 certificate for it, built by hand: the subscriber's
/// side of rich notifications.
struct Subscriber {
    key: PrivateDecryptingKey,
    certificate: Vec<u8>,
}

fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend(contents);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

impl Subscriber {
    fn new() -> Subscriber {
        let signing = KeyPair::generate(KeySize::Rsa2048).unwrap();
        let pkcs8 = signing.as_der().unwrap();
        let key = PrivateDecryptingKey::from_pkcs8(pkcs8.as_ref()).unwrap();
        let spki = key.public_key().as_der().unwrap().as_ref().to_vec();
        // sha256WithRSAEncryption, and CN=msgate sandbox test receiver.
        let algorithm = seq(&[
            der(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
            ),
            der(0x05, &[]),
        ]);
        let name = seq(&[der(
            0x31,
            &seq(&[
                der(0x06, &[0x55, 0x04, 0x03]),
                der(0x0c, b"msgate sandbox test receiver"),
            ]),
        )]);
        let validity = seq(&[der(0x17, b"250101000000Z"), der(0x17, b"350101000000Z")]);
        let tbs = seq(&[
            der(0xa0, &der(0x02, &[2])),
            der(0x02, &[0x01, 0x23]),
            algorithm.clone(),
            name.clone(),
            validity,
            name,
            spki,
        ]);
        let mut signature = vec![0; signing.public_modulus_len()];
        signing
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                &tbs,
                &mut signature,
            )
            .unwrap();
        let certificate = seq(&[
            tbs,
            algorithm,
            der(0x03, &[&[0u8][..], &signature].concat()),
        ]);
        Subscriber { key, certificate }
    }

    fn certificate_base64(&self) -> String {
        STANDARD.encode(&self.certificate)
    }

    /// The resource data in `encrypted`, after checking its signature, as the documentation's
    /// decryption steps do it.
    fn decrypt(&self, encrypted: &Value) -> Value {
        let data_key = STANDARD
            .decode(encrypted["dataKey"].as_str().unwrap())
            .unwrap();
        let oaep = OaepPrivateDecryptingKey::new(self.key.clone()).unwrap();
        let mut secret = vec![0; oaep.min_output_size()];
        let secret = oaep
            .decrypt(&OAEP_SHA1_MGF1SHA1, &data_key, &mut secret, None)
            .unwrap()
            .to_vec();
        assert_eq!(secret.len(), 32, "an AES-256 key");
        let mut data = STANDARD
            .decode(encrypted["data"].as_str().unwrap())
            .unwrap();
        let signature = STANDARD
            .decode(encrypted["dataSignature"].as_str().unwrap())
            .unwrap();
        hmac::verify(
            &hmac::Key::new(hmac::HMAC_SHA256, &secret),
            &data,
            &signature,
        )
        .expect("the data signature checks out");
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&secret[..16]);
        let aes =
            PaddedBlockDecryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_256, &secret).unwrap())
                .unwrap();
        let plain = aes
            .decrypt(&mut data, DecryptionContext::Iv128(FixedLength::from(iv)))
            .unwrap();
        serde_json::from_slice(plain).unwrap()
    }
}

/// Checks a validation token's RS256 signature with the sandbox's published keys.
async fn verified_claims(t: &TestSandbox, token: &str) -> Value {
    let keys: Value = t
        .http
        .get(format!(
            "{}/common/discovery/v2.0/keys",
            t.sandbox.info().login_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &keys["keys"][0];
    let part = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    let public = signature::RsaPublicKeyComponents {
        n: part("n"),
        e: part("e"),
    };
    let (signed, sig) = token.rsplit_once('.').unwrap();
    public
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            signed.as_bytes(),
            &URL_SAFE_NO_PAD.decode(sig).unwrap(),
        )
        .expect("the validation token is signed with the sandbox key");
    let payload = signed.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

// https://learn.microsoft.com/graph/change-notifications-with-resource-data
#[tokio::test]
async fn rich_notifications_decrypt_with_the_subscribers_private_key() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let subscriber = Subscriber::new();
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let mut request = json!({
        "changeType": "created",
        "notificationUrl": receiver.url("ok/rich"),
        "resource": format!("/chats/{chat}/messages"),
        "expirationDateTime": minutes_from_now(30),
        "clientState": "fake-rich-state",
        "includeResourceData": true,
        "encryptionCertificate": "bm90IGEgY2VydGlmaWNhdGU=",
        "encryptionCertificateId": "fake-cert-1",
    });
    let refused = subscribe(&t, &token, &request).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    request["encryptionCertificate"] = json!(subscriber.certificate_base64());
    let created = subscribe(&t, &token, &request).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["includeResourceData"], true);
    assert_eq!(created.body["encryptionCertificateId"], "fake-cert-1");

    let id = send_chat(&t, &token, &chat, "the secret plan").await;
    let notification = receiver.next("ok/rich").await;
    let expected = fixture("teams-chatmessage-created-rich.json");
    assert_eq!(keys(&notification), keys(&expected));
    let (item, fixture_item) = (&notification["value"][0], &expected["value"][0]);
    assert_eq!(keys(item), keys(fixture_item));
    assert_eq!(
        keys(&item["resourceData"]),
        keys(&fixture_item["resourceData"])
    );
    let encrypted = &item["encryptedContent"];
    assert_eq!(keys(encrypted), keys(&fixture_item["encryptedContent"]));
    assert_eq!(encrypted["encryptionCertificateId"], "fake-cert-1");
    let thumbprint: String = digest(&SHA1_FOR_LEGACY_USE_ONLY, &subscriber.certificate)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(encrypted["encryptionCertificateThumbprint"], thumbprint);

    let message = subscriber.decrypt(encrypted);
    assert_eq!(message["id"], id.as_str());
    assert_eq!(message["chatId"], chat.as_str());
    assert_eq!(message["body"]["content"], "the secret plan");

    let tokens = notification["validationTokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    let claims = verified_claims(&t, tokens[0].as_str().unwrap()).await;
    assert_eq!(claims["appid"], "0bf30f3b-4a52-48df-9a82-234910c4a086");
    assert_eq!(claims["aud"], msgate_sandbox::PUBLIC_CLIENT_ID);
    assert_eq!(
        claims["iss"],
        format!("https://sts.windows.net/{}/", t.sandbox.info().tenant_id)
    );
}

// https://learn.microsoft.com/graph/api/subscription-update
#[tokio::test]
async fn renewal_extends_within_the_limit_and_expiry_stops_delivery() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let lasting = subscribe(
        &t,
        &token,
        &json!({
            "changeType": "created",
            "notificationUrl": receiver.url("ok/lasting"),
            "resource": format!("/chats/{chat}/messages"),
            "expirationDateTime": minutes_from_now(30),
        }),
    )
    .await;
    assert_eq!(lasting.status, StatusCode::CREATED, "{lasting:?}");
    let path = format!("/subscriptions/{}", lasting.body["id"].as_str().unwrap());

    let renewal = json!({"expirationDateTime": minutes_from_now(55)});
    assert_request_ok("PATCH", &path, &renewal);
    let renewed = t.graph(Method::PATCH, &token, &path, Some(&renewal)).await;
    assert_eq!(renewed.status, StatusCode::OK, "{renewed:?}");
    // https://learn.microsoft.com/graph/api/subscription-update: 200 with the subscription.
    assert_faithful("PATCH", &path, &renewed);
    assert_ne!(
        renewed.body["expirationDateTime"],
        lasting.body["expirationDateTime"]
    );
    assert_eq!(
        t.get(&token, &path).await.body["expirationDateTime"],
        renewed.body["expirationDateTime"]
    );
    for (body, message) in [
        (
            json!({"expirationDateTime": minutes_from_now(4400)}),
            "can only be 4320 minutes",
        ),
        (
            json!({"expirationDateTime": minutes_from_now(90)}),
            "lifecycleNotificationUrl is a required property",
        ),
        (
            json!({"lifecycleNotificationUrl": receiver.url("ok/late")}),
            "cannot be added",
        ),
        (json!({"resource": "/me/chats"}), "cannot be updated"),
    ] {
        let refused = t.graph(Method::PATCH, &token, &path, Some(&body)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
        let said = refused.body["error"]["message"].as_str().unwrap();
        assert!(said.contains(message), "{said}");
    }

    let brief = subscribe(
        &t,
        &token,
        &json!({
            "changeType": "created",
            "notificationUrl": receiver.url("ok/brief"),
            "resource": format!("/chats/{chat}/messages"),
            "expirationDateTime": seconds_from_now(2),
        }),
    )
    .await;
    assert_eq!(brief.status, StatusCode::CREATED, "{brief:?}");
    let brief_path = format!("/subscriptions/{}", brief.body["id"].as_str().unwrap());
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(
        t.get(&token, &brief_path).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = t.get(&token, "/subscriptions").await;
    assert_faithful("GET", "/subscriptions", &listed);
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 1);

    send_chat(&t, &token, &chat, "after the brief one expired").await;
    receiver.next("ok/lasting").await;
    receiver
        .assert_quiet("ok/brief", Duration::from_millis(300))
        .await;
}

// https://learn.microsoft.com/graph/change-notifications-lifecycle-events
#[tokio::test]
async fn lifecycle_notifications_warn_remove_and_report_missed_changes() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let created = subscribe(
        &t,
        &token,
        &json!({
            "changeType": "created",
            "notificationUrl": receiver.url("ok/changes"),
            "lifecycleNotificationUrl": receiver.url("ok/lifecycle"),
            "resource": format!("/chats/{chat}/messages"),
            "expirationDateTime": minutes_from_now(10),
            "clientState": "fake-lifecycle-state",
        }),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();

    // Ten minutes from expiry is close enough to be asked to reauthorize.
    let warning = receiver.next("ok/lifecycle").await;
    let expected = fixture("lifecycle-reauthorization-required.json");
    assert_eq!(keys(&warning), keys(&expected));
    assert_eq!(keys(&warning["value"][0]), keys(&expected["value"][0]));
    assert_eq!(
        warning["value"][0]["lifecycleEvent"],
        "reauthorizationRequired"
    );
    assert_eq!(warning["value"][0]["clientState"], "fake-lifecycle-state");
    let reauthorize = format!("/subscriptions/{id}/reauthorize");
    let answered = t.graph(Method::POST, &token, &reauthorize, None).await;
    assert_eq!(answered.status, StatusCode::NO_CONTENT, "{answered:?}");

    let control = format!(
        "{}/_sandbox/subscriptions/{id}/lifecycle",
        t.sandbox.info().login_url
    );
    let missed = t
        .http
        .post(&control)
        .json(&json!({"event": "missed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missed.status(), StatusCode::ACCEPTED);
    let notice = receiver.next("ok/lifecycle").await;
    let expected = fixture("lifecycle-missed.json");
    assert_eq!(keys(&notice), keys(&expected));
    assert_eq!(keys(&notice["value"][0]), keys(&expected["value"][0]));
    assert_eq!(notice["value"][0]["lifecycleEvent"], "missed");
    assert_eq!(notice["value"][0]["resource"], created.body["resource"]);

    let removed = t
        .http
        .post(&control)
        .json(&json!({"event": "subscriptionRemoved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::ACCEPTED);
    assert_eq!(
        receiver.next("ok/lifecycle").await["value"][0]["lifecycleEvent"],
        "subscriptionRemoved"
    );
    assert_eq!(
        t.get(&token, &format!("/subscriptions/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    send_chat(&t, &token, &chat, "nobody is listening").await;
    receiver
        .assert_quiet("ok/changes", Duration::from_millis(300))
        .await;
}

#[tokio::test]
async fn failures_are_retried_dropped_with_a_missed_notice_and_delay_no_one_else() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let settings = format!(
        "{}/_sandbox/subscriptions/settings",
        t.sandbox.info().login_url
    );
    t.http
        .post(&settings)
        .json(&json!({"validationTimeoutMs": 10000, "deliveryAttempts": 2}))
        .send()
        .await
        .unwrap();
    for (notify, lifecycle) in [
        ("flaky/changes", None),
        ("down/changes", Some("ok/down-lifecycle")),
        ("lazy/changes", None),
        ("ok/changes", None),
    ] {
        let mut request = json!({
            "changeType": "created",
            "notificationUrl": receiver.url(notify),
            "resource": format!("/chats/{chat}/messages"),
            "expirationDateTime": minutes_from_now(30),
        });
        if let Some(lifecycle) = lifecycle {
            request["lifecycleNotificationUrl"] = json!(receiver.url(lifecycle));
        }
        let created = subscribe(&t, &token, &request).await;
        assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    }
    let started = std::time::Instant::now();
    send_chat(&t, &token, &chat, "one change, four subscribers").await;

    receiver.next("ok/changes").await;
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "a slow subscriber held up a fast one: {:?}",
        started.elapsed()
    );
    receiver.next("flaky/changes").await;
    assert_eq!(receiver.attempts("flaky/changes"), 2, "retried once");
    let missed = receiver.next("ok/down-lifecycle").await;
    assert_eq!(missed["value"][0]["lifecycleEvent"], "missed");
    assert_eq!(receiver.attempts("down/changes"), 2, "dropped after two");
    receiver.next("lazy/changes").await;
}

#[tokio::test]
async fn subscribing_needs_the_resources_permission() {
    let t = start().await;
    let receiver = Receiver::start().await;
    let full = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &full, "Release 4.2").await;
    let (team, channel) = first_channel(&t, &full).await;
    let request = |resource: String| {
        json!({
            "changeType": "created",
            "notificationUrl": receiver.url("ok/permissions"),
            "resource": resource,
            "expirationDateTime": minutes_from_now(30),
        })
    };
    let forbidden = |response: &Response, needed: &str| {
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{response:?}");
        let said = response.body["error"]["message"].as_str().unwrap();
        assert!(said.contains(needed), "{said}");
    };

    let basic = t.user_token("User.Read offline_access").await;
    let chats = request(format!("/chats/{chat}/messages"));
    forbidden(&subscribe(&t, &basic, &chats).await, "Chat.Read");
    let chat_only = t.user_token("User.Read Chat.Read").await;
    let channels = request(format!("/teams/{team}/channels/{channel}/messages"));
    forbidden(
        &subscribe(&t, &chat_only, &channels).await,
        "ChannelMessage.Read.All",
    );
    assert_eq!(
        subscribe(&t, &chat_only, &chats).await.status,
        StatusCode::CREATED
    );
    // Tenant-wide message subscriptions are for apps only.
    forbidden(
        &subscribe(&t, &full, &request("/chats/getAllMessages".into())).await,
        "does not support delegated permissions",
    );

    // The reading permission is checked again on every later call.
    let listed = t.get(&chat_only, "/subscriptions").await;
    let id = listed.body["value"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/subscriptions/{id}");
    let weaker = t.user_token("User.Read").await;
    forbidden(&t.get(&weaker, &path).await, "Chat.Read");

    // An app with Chat.Read.All hears every chat.
    let app = t.app_token().await;
    let everything = json!({
        "changeType": "created",
        "notificationUrl": receiver.url("ok/tenant"),
        "resource": "/chats/getAllMessages",
        "expirationDateTime": minutes_from_now(30),
    });
    assert_eq!(
        subscribe(&t, &app, &everything).await.status,
        StatusCode::CREATED
    );
    let mine = request("/me/messages".into());
    let app_me = subscribe(&t, &app, &mine).await;
    assert_eq!(app_me.status, StatusCode::BAD_REQUEST, "{app_me:?}");
    let id = send_chat(&t, &full, &chat, "heard tenant-wide").await;
    let heard = receiver.next("ok/tenant").await;
    assert_eq!(heard["value"][0]["resourceData"]["id"], id.as_str());
}
