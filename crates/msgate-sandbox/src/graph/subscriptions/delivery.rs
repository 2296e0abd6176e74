//! Talking to subscribers: the validation handshake, and the background task that turns the
//! store's change feed into notifications and lifecycle notifications.
//!
//! The task matches every change against the active subscriptions and queues one POST per
//! subscription on a worker of its own per notification URL, so a slow or failing subscriber
//! delays nobody else. A POST is retried with doubling delays and dropped after the last
//! attempt (Graph keeps trying for hours; a sandbox gives up in seconds), followed by a `missed`
//! lifecycle notification where the subscription has a lifecycle URL. A once-a-second sweep
//! deletes expired subscriptions and warns of those about to expire with
//! `reauthorizationRequired`.
//! https://learn.microsoft.com/graph/change-notifications-delivery-webhooks,
//! https://learn.microsoft.com/graph/change-notifications-lifecycle-events

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::header::CONTENT_TYPE;
use msgate_core::{Error, Result};
use reqwest::{Client, Url};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::task::{JoinHandle, JoinSet};

use super::crypto::Certificate;
use super::resources::{Hit, Target, change_type_name};
use super::{active, expiration_of};
use crate::graph::error::GraphError;
use crate::state::AppState;
use crate::store::Change;
use crate::{clock, ids};

/// Graph's own limit for answering a delivery.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(3);
const FIRST_RETRY: Duration = Duration::from_millis(500);
/// A subscription this close to expiring is sent `reauthorizationRequired`.
const REAUTHORIZE_WITHIN_MINUTES: i64 = 15;
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Microsoft Graph's change notification publisher, the `appid` of every validation token.
const PUBLISHER_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// What tests may tune through `/_sandbox/subscriptions/settings`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Graph waits 10 seconds for the validation answer.
    pub validation_timeout_ms: u64,
    /// Attempts per notification before it is dropped.
    pub delivery_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            validation_timeout_ms: 10_000,
            delivery_attempts: 6,
        }
    }
}

/// One POST to a subscriber.
#[derive(Debug)]
pub struct Outgoing {
    pub url: String,
    pub body: Value,
    /// Sent instead when this one cannot be delivered.
    pub if_dropped: Option<Box<Outgoing>>,
}

/// The HTTP client, the settings and the queue into the delivery task.
#[derive(Debug)]
pub struct Webhooks {
    client: Client,
    settings: Mutex<Settings>,
    outbox: mpsc::UnboundedSender<Outgoing>,
    inbox: Mutex<Option<mpsc::UnboundedReceiver<Outgoing>>>,
}

impl Webhooks {
    pub fn new() -> Result<Webhooks> {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| Error::internal(format!("cannot build the webhook client: {e}")))?;
        let (outbox, inbox) = mpsc::unbounded_channel();
        Ok(Webhooks {
            client,
            settings: Mutex::new(Settings::default()),
            outbox,
            inbox: Mutex::new(Some(inbox)),
        })
    }

    pub fn settings(&self) -> Settings {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_settings(&self, settings: Settings) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// Queue a POST for the delivery task.
    pub fn send(&self, outgoing: Outgoing) {
        let _ = self.outbox.send(outgoing);
    }

    /// Graph's handshake: POST `?validationToken=…` and expect the token back as text/plain,
    /// with 200, within the validation timeout.
    pub async fn validate(&self, url: &Url) -> std::result::Result<(), GraphError> {
        let token = format!(
            "Validation: Testing client application reachability for subscription Request-Id: {}",
            ids::random_guid()
        );
        let mut target = url.clone();
        target
            .query_pairs_mut()
            .append_pair("validationToken", &token);
        let timeout = Duration::from_millis(self.settings().validation_timeout_ms);
        let answer = async {
            let response = self
                .client
                .post(target)
                .header(CONTENT_TYPE, "text/plain; charset=utf-8")
                .send()
                .await?;
            let status = response.status();
            let plain = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    v.trim_start()
                        .to_ascii_lowercase()
                        .starts_with("text/plain")
                });
            Ok::<_, reqwest::Error>((status, plain, response.text().await?))
        };
        let failed = |detail: &str| {
            GraphError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "InvalidRequest",
                format!("Subscription validation request failed. {detail}"),
            )
        };
        match tokio::time::timeout(timeout, answer).await {
            Err(_) => Err(GraphError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "InvalidRequest",
                "Subscription validation request timed out.",
            )),
            Ok(Ok((status, plain, body))) if status == reqwest::StatusCode::OK => {
                if body != token {
                    Err(failed(
                        "Response must exactly match validationToken query parameter.",
                    ))
                } else if !plain {
                    Err(failed("Response must have the content type text/plain."))
                } else {
                    Ok(())
                }
            }
            Ok(_) => Err(failed(
                "Notification endpoint must respond with 200 OK to validation request.",
            )),
        }
    }
}

/// Start the delivery task; it runs until aborted.
pub fn start(state: Arc<AppState>) -> JoinHandle<()> {
    let changes = state.store.changes();
    let inbox = state
        .webhooks
        .inbox
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    tokio::spawn(async move {
        if let Some(inbox) = inbox {
            Delivery::new(state).run(changes, inbox).await;
        }
    })
}

struct Delivery {
    state: Arc<AppState>,
    endpoints: HashMap<String, mpsc::UnboundedSender<Outgoing>>,
    workers: JoinSet<()>,
    /// The expiration each subscription was last warned about.
    warned: HashMap<String, String>,
}

impl Delivery {
    fn new(state: Arc<AppState>) -> Self {
        Delivery {
            state,
            endpoints: HashMap::new(),
            workers: JoinSet::new(),
            warned: HashMap::new(),
        }
    }

    async fn run(
        mut self,
        mut changes: broadcast::Receiver<Change>,
        mut inbox: mpsc::UnboundedReceiver<Outgoing>,
    ) {
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                change = changes.recv() => match change {
                    Ok(change) => self.on_change(&change).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.on_lag().await,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                Some(outgoing) = inbox.recv() => self.route(outgoing),
                _ = sweep.tick() => self.sweep().await,
            }
        }
    }

    async fn on_change(&mut self, change: &Change) {
        if change.kind == super::KIND {
            return;
        }
        match notifications(&self.state, change).await {
            Ok(outgoing) => outgoing.into_iter().for_each(|o| self.route(o)),
            Err(e) => tracing::warn!(error = %e, "cannot match a change to subscriptions"),
        }
    }

    /// The feed outran the task: every subscriber may have missed something.
    async fn on_lag(&mut self) {
        let state = Arc::clone(&self.state);
        match active(&state).await {
            Ok(subscriptions) => subscriptions
                .iter()
                .filter_map(|s| lifecycle(&state, s, "missed"))
                .for_each(|o| self.route(o)),
            Err(e) => tracing::warn!(error = %e, "cannot list subscriptions"),
        }
    }

    async fn sweep(&mut self) {
        let state = Arc::clone(&self.state);
        let store = &state.store;
        let subscriptions = match store.list(super::KIND, "").await {
            Ok(all) => all,
            Err(e) => return tracing::warn!(error = %e, "cannot list subscriptions"),
        };
        let now = jiff::Timestamp::now();
        let soon = now
            .checked_add(jiff::SignedDuration::from_mins(REAUTHORIZE_WITHIN_MINUTES))
            .unwrap_or(now);
        for subscription in subscriptions {
            let id = subscription["id"].as_str().unwrap_or_default().to_owned();
            let expires = expiration_of(&subscription);
            if expires <= now {
                if let Err(e) = store.delete(super::KIND, "", &id).await {
                    tracing::warn!(error = %e, "cannot remove an expired subscription");
                }
                self.warned.remove(&id);
                continue;
            }
            let expiration = subscription["expirationDateTime"].to_string();
            if expires <= soon && self.warned.get(&id) != Some(&expiration) {
                self.warned.insert(id, expiration);
                if let Some(o) = lifecycle(&state, &subscription, "reauthorizationRequired") {
                    self.route(o);
                }
            }
        }
    }

    /// Hand `outgoing` to its URL's worker, starting one for a URL not seen before.
    fn route(&mut self, outgoing: Outgoing) {
        let queue = self
            .endpoints
            .entry(outgoing.url.clone())
            .or_insert_with(|| {
                let (queue, pending) = mpsc::unbounded_channel();
                self.workers.spawn(worker(Arc::clone(&self.state), pending));
                queue
            });
        let _ = queue.send(outgoing);
    }
}

/// One URL's deliveries, in order.
async fn worker(state: Arc<AppState>, mut pending: mpsc::UnboundedReceiver<Outgoing>) {
    while let Some(outgoing) = pending.recv().await {
        if !post_with_retries(&state, &outgoing).await
            && let Some(instead) = outgoing.if_dropped
        {
            state.webhooks.send(*instead);
        }
    }
}

async fn post_with_retries(state: &AppState, outgoing: &Outgoing) -> bool {
    let attempts = state.webhooks.settings().delivery_attempts.max(1);
    let mut delay = FIRST_RETRY;
    for attempt in 1..=attempts {
        let sent = state
            .webhooks
            .client
            .post(&outgoing.url)
            .timeout(DELIVERY_TIMEOUT)
            .json(&outgoing.body)
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().is_success()) {
            return true;
        }
        if attempt < attempts {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
    }
    tracing::warn!(url = %outgoing.url, "dropped a notification its subscriber did not accept");
    false
}

/// The notifications `change` causes, one per matching subscription.
async fn notifications(state: &AppState, change: &Change) -> Result<Vec<Outgoing>> {
    let mut outgoing = Vec::new();
    for subscription in active(state).await? {
        let Some(target) = subscription["resource"].as_str().and_then(Target::parse) else {
            continue;
        };
        let me = subscription["creatorId"].as_str();
        let Some(hit) = target.matches(state, me, change).await? else {
            continue;
        };
        let wanted = subscription["changeType"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .any(|t| t.trim() == change_type_name(hit.change_type));
        if wanted {
            outgoing.push(notification(state, &subscription, &hit)?);
        }
    }
    Ok(outgoing)
}

/// A change notification as Graph posts it: basic, or with encrypted resource data and
/// validation tokens when the subscription asked for them.
fn notification(state: &AppState, subscription: &Value, hit: &Hit) -> Result<Outgoing> {
    let mut resource_data = json!({
        "@odata.type": hit.odata_type,
        "@odata.id": hit.odata_id,
        "id": hit.id,
    });
    let mut item = json!({
        "subscriptionId": subscription["id"],
        "subscriptionExpirationDateTime": subscription["expirationDateTime"],
        "changeType": change_type_name(hit.change_type),
        "clientState": subscription["clientState"],
        "resource": hit.resource,
        "tenantId": state.tenant.id,
    });
    if let Some(etag) = &hit.etag {
        resource_data["@odata.etag"] = json!(etag);
        item["id"] = json!(ids::random_token(9));
    }
    item["resourceData"] = resource_data;
    let mut body = json!({});
    if subscription["includeResourceData"] == true {
        let certificate = subscription["encryptionCertificate"]
            .as_str()
            .and_then(Certificate::parse)
            .ok_or_else(|| Error::internal("a stored encryption certificate is unusable"))?;
        let plaintext = hit.document.to_string();
        item["encryptedContent"] = certificate.encrypt(
            subscription["encryptionCertificateId"]
                .as_str()
                .unwrap_or_default(),
            plaintext.as_bytes(),
        )?;
        body["validationTokens"] = json!([validation_token(state, subscription)?]);
    }
    body["value"] = json!([item]);
    Ok(Outgoing {
        url: subscription["notificationUrl"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        body,
        if_dropped: lifecycle(state, subscription, "missed").map(Box::new),
    })
}

/// A JWT like the ones Graph adds to rich notifications: issued by the tenant to the
/// subscribing app, from Graph's change notification publisher, signed with the sandbox key.
fn validation_token(state: &AppState, subscription: &Value) -> Result<String> {
    let now = clock::unix_now();
    let issuer = format!("https://sts.windows.net/{}/", state.tenant.id);
    let audience = match &subscription["notificationUrlAppId"] {
        Value::String(app) => app.clone(),
        _ => subscription["applicationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    state.signer.sign(&json!({
        "aud": audience,
        "iss": issuer,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "appid": PUBLISHER_APP_ID,
        "appidacr": "2",
        "idp": issuer,
        "tid": state.tenant.id,
        "ver": "1.0",
    }))
}

/// A lifecycle notification for `subscription`, when it has somewhere to send one.
pub fn lifecycle(state: &AppState, subscription: &Value, event: &str) -> Option<Outgoing> {
    let url = subscription["lifecycleNotificationUrl"].as_str()?;
    let mut item = json!({
        "lifecycleEvent": event,
        "subscriptionId": subscription["id"],
        "subscriptionExpirationDateTime": subscription["expirationDateTime"],
        "clientState": subscription["clientState"],
        "tenantId": state.tenant.id,
    });
    if event == "missed" {
        item["resource"] = subscription["resource"].clone();
    }
    Some(Outgoing {
        url: url.to_owned(),
        body: json!({"value": [item]}),
        if_dropped: None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use super::*;
    use crate::faults::{FaultSpec, Faults};
    use crate::jwt::Signer;
    use crate::tenant::Tenant;

    const BASIC: &str =
        include_str!("../../../../msgate-testkit/graph/notifications/basic-message-created.json");

    async fn state() -> AppState {
        let state = AppState {
            store: crate::store::Store::open(None).await.unwrap(),
            signer: Signer::new(None).unwrap(),
            tenant: Tenant::new("sandbox-fake-secret".into()),
            base_url: "http://127.0.0.1:9".into(),
            seed: crate::Seed::Empty,
            token_lifetime: Duration::from_secs(3600),
            auto_approve: false,
            grants: Mutex::default(),
            app_credentials: Mutex::default(),
            workload_signer: std::sync::OnceLock::new(),
            log: Mutex::default(),
            faults: Mutex::new(Faults::new(FaultSpec::default())),
            webhooks: Webhooks::new().unwrap(),
            strict_requests: false,
        };
        for (id, upn) in [("u1", "ada@example.invalid"), ("u2", "ben@example.invalid")] {
            let user = json!({"id": id, "userPrincipalName": upn});
            state.store.put("user", "", id, &user).await.unwrap();
        }
        state
    }

    /// A subscription document as the API would store it, posting to `/{name}`.
    async fn subscribe(state: &AppState, name: &str, resource: &str, changes: &str, minutes: i64) {
        let expires = clock::format_millis(clock::minutes_before_now(-minutes));
        let subscription = json!({
            "id": name,
            "resource": resource,
            "changeType": changes,
            "clientState": format!("fake-state-{name}"),
            "notificationUrl": format!("http://127.0.0.1:9/{name}"),
            "expirationDateTime": expires,
            "creatorId": "u1",
            "includeResourceData": false,
        });
        state
            .store
            .put(super::super::KIND, "", name, &subscription)
            .await
            .unwrap();
    }

    /// Put a document and return which subscriptions are notified, with the bodies.
    async fn notified_by(
        state: &AppState,
        kind: &str,
        parent: &str,
        id: &str,
        doc: Value,
    ) -> Vec<(String, Value)> {
        let mut feed = state.store.changes();
        state.store.put(kind, parent, id, &doc).await.unwrap();
        let change = feed.recv().await.unwrap();
        let mut sent: Vec<(String, Value)> = notifications(state, &change)
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.url.rsplit('/').next().unwrap().to_owned(), o.body))
            .collect();
        sent.sort_by(|a, b| a.0.cmp(&b.0));
        sent
    }

    fn names(sent: &[(String, Value)]) -> Vec<&str> {
        sent.iter().map(|(name, _)| name.as_str()).collect()
    }

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    #[tokio::test]
    async fn outlook_and_transcript_changes_reach_only_their_subscriptions() {
        let state = state().await;
        subscribe(&state, "mine", "/me/messages", "created,updated", 60).await;
        subscribe(
            &state,
            "inbox",
            "/me/mailFolders('inbox')/messages",
            "created",
            60,
        )
        .await;
        subscribe(&state, "ben", "/users/u2/messages", "created", 60).await;
        subscribe(
            &state,
            "calendar",
            "/users/ada@example.invalid/events",
            "created,deleted",
            60,
        )
        .await;
        subscribe(
            &state,
            "tenant",
            "communications/onlineMeetings/getAllTranscripts",
            "created",
            60,
        )
        .await;
        subscribe(
            &state,
            "organizer",
            "/users/u2/onlineMeetings/getAllTranscripts",
            "created",
            60,
        )
        .await;
        subscribe(&state, "expired", "/me/messages", "created", -1).await;
        let inbox = json!({"id": "folder-1", "wellKnownName": "inbox", "displayName": "Inbox"});
        state
            .store
            .put("mailFolder", "u1", "folder-1", &inbox)
            .await
            .unwrap();

        let mail = json!({"id": "m1", "changeKey": "fake-key", "parentFolderId": "folder-1"});
        let sent = notified_by(&state, "mailMessage", "u1", "m1", mail.clone()).await;
        assert_eq!(names(&sent), ["inbox", "mine"]);
        let expected: Value = serde_json::from_str(BASIC).unwrap();
        let (item, fixture) = (&sent[1].1["value"][0], &expected["value"][0]);
        assert_eq!(keys(&sent[1].1), keys(&expected));
        assert_eq!(keys(item), keys(fixture));
        assert_eq!(keys(&item["resourceData"]), keys(&fixture["resourceData"]));
        assert_eq!(item["resource"], "users/u1/messages/m1");
        assert_eq!(item["resourceData"]["@odata.id"], "Users/u1/Messages/m1");
        assert_eq!(
            item["resourceData"]["@odata.type"],
            "#Microsoft.Graph.Message"
        );
        assert_eq!(item["clientState"], "fake-state-mine");
        assert_eq!(item["changeType"], "created");

        let updated = notified_by(&state, "mailMessage", "u1", "m1", mail).await;
        assert_eq!(
            names(&updated),
            ["mine"],
            "the inbox subscription wants creations only"
        );
        assert_eq!(updated[0].1["value"][0]["changeType"], "updated");
        let elsewhere = json!({"id": "m2", "parentFolderId": "folder-2"});
        assert_eq!(
            names(&notified_by(&state, "mailMessage", "u1", "m2", elsewhere).await),
            ["mine"]
        );
        let bens = json!({"id": "m3", "parentFolderId": "inbox"});
        assert_eq!(
            names(&notified_by(&state, "mailMessage", "u2", "m3", bens).await),
            ["ben"]
        );

        let event = json!({"id": "e1", "changeKey": "fake-key"});
        let sent = notified_by(&state, "event", "u1", "e1", event).await;
        assert_eq!(names(&sent), ["calendar"]);
        assert_eq!(
            sent[0].1["value"][0]["resourceData"]["@odata.type"],
            "#Microsoft.Graph.Event"
        );
        assert_eq!(sent[0].1["value"][0]["resource"], "users/u1/events/e1");

        let transcript = json!({"id": "t1", "meetingId": "meeting-1"});
        let sent = notified_by(
            &state,
            "callTranscript",
            "u1/meeting-1",
            "t1",
            transcript.clone(),
        )
        .await;
        assert_eq!(names(&sent), ["tenant"]);
        assert_eq!(
            sent[0].1["value"][0]["resource"],
            "communications/onlineMeetings('meeting-1')/transcripts('t1')"
        );
        let sent = notified_by(&state, "callTranscript", "u2/meeting-2", "t2", transcript).await;
        assert_eq!(names(&sent), ["organizer", "tenant"]);
        assert_eq!(
            sent[0].1["value"][0]["resource"],
            "users('u2')/onlineMeetings('meeting-2')/transcripts('t2')"
        );
    }
}
