//! The Graph client against the sandbox tenant, with Graph's bad days switched on: throttling,
//! server errors, dropped answers, expiring tokens, foreign links. What is proven here is what
//! msgate promises Microsoft and its users: every read completes, no write is ever sent twice,
//! `Retry-After` is honoured, and the token goes nowhere but the Graph host.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use msgate_core::{ErrorCode, Secret};
use msgate_graph::api::{chats, messages};
use msgate_graph::{DeltaStart, GraphClient, Limit, Request, StaticToken, WriteLog, WriteOutcome};
use msgate_sandbox::SandboxOptions;
use serde_json::Value;
use support::{faults, tenant, tenant_with, tenant_with_scopes};

#[tokio::test]
async fn every_read_completes_under_throttling_and_server_errors() {
    let t = tenant(SandboxOptions::default()).await;
    let (calm_chats, _) = chats::list(&t.client, Limit::All).await.unwrap();
    let mut calm_messages = HashMap::new();
    for chat in &calm_chats {
        let (messages, _) = messages::list(&t.client, &chat.id, Limit::All)
            .await
            .unwrap();
        calm_messages.insert(chat.id.clone(), messages);
    }

    t.set_faults(&faults(0.3, 0.05, 0.02, 7)).await;
    t.reset_log().await;
    for _ in 0..3 {
        let (stormy_chats, listed) = chats::list(&t.client, Limit::All).await.unwrap();
        assert!(!listed.truncated);
        assert_eq!(stormy_chats, calm_chats);
        for chat in &stormy_chats {
            let (messages, _) = messages::list(&t.client, &chat.id, Limit::All)
                .await
                .unwrap();
            assert_eq!(messages, calm_messages[&chat.id], "chat {}", chat.id);
        }
    }
    let log = t.requests().await;
    let throttled = log.iter().filter(|(_, _, s)| *s == 429).count();
    let failed = log.iter().filter(|(_, _, s)| *s >= 500).count();
    assert!(
        throttled > 0 && failed > 0,
        "the storm must have happened: {throttled} 429s, {failed} 5xx"
    );
}

#[tokio::test]
async fn no_write_is_ever_sent_twice() {
    let t = tenant(SandboxOptions::default()).await;
    let chat = t.chat_id("Release 4.2").await;
    t.set_faults(&faults(0.3, 0.1, 0.05, 11)).await;
    t.reset_log().await;
    let mut sent = Vec::new();
    let mut unknown = Vec::new();
    for n in 0..40 {
        let text = format!("storm message {n}");
        match messages::send(&t.client, &chat, &text, messages::ContentType::Text).await {
            Ok(message) => sent.push((text, message.id)),
            Err(err) => {
                assert_eq!(err.code(), ErrorCode::OutcomeUnknown, "{err:?}");
                unknown.push(text);
            }
        }
    }
    let posts = t.requests().await;
    t.no_faults().await;

    let (all, _) = messages::list(&t.client, &chat, Limit::All).await.unwrap();
    let count = |text: &str| {
        all.iter()
            .filter(|m| m.body.as_ref().and_then(|b| b.content.as_deref()) == Some(text))
            .count()
    };
    for (text, id) in &sent {
        assert_eq!(count(text), 1, "{text} was sent once");
        assert!(all.iter().any(|m| &m.id == id));
    }
    for text in &unknown {
        assert!(
            count(text) <= 1,
            "{text}: an unknown outcome is never retried"
        );
    }
    // Graph processed a POST when it answered 201 or 504 (the sandbox's 504 comes after the work,
    // as a gateway timeout does); 429 and 503 come before it.
    let created = posts
        .iter()
        .filter(|(method, path, status)| {
            method == "POST" && path.ends_with("/messages") && matches!(status, 201 | 504)
        })
        .count();
    let stored = (0..40)
        .filter(|n| count(&format!("storm message {n}")) == 1)
        .count();
    assert_eq!(
        created, stored,
        "every message Graph created was created once"
    );
    assert!(
        !unknown.is_empty(),
        "the seed must produce an unknown outcome to prove the rule"
    );
    assert!(
        posts.iter().any(|(_, _, status)| *status == 429),
        "throttled writes were retried"
    );
}

#[tokio::test]
async fn waits_respect_retry_after() {
    let t = tenant_with(SandboxOptions::default(), |o| {
        o.retry.budget = Duration::from_millis(3500)
    })
    .await;
    let mut spec = faults(1.0, 0.0, 0.0, 1);
    spec.retry_after_s = 1;
    t.set_faults(&spec).await;
    t.reset_log().await;
    let started = Instant::now();
    let err = t.client.send(&Request::get("/me")).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.code(), ErrorCode::Throttled);
    assert_eq!(err.exit().status(), 14);
    assert_eq!(err.hint(), Some("retry after 1 s"));
    let attempts = t.requests().await.len();
    assert!(
        (3..=4).contains(&attempts),
        "{attempts} attempts in a 3.5 s budget"
    );
    assert!(
        elapsed >= Duration::from_secs(attempts as u64 - 1),
        "{attempts} attempts took only {elapsed:?}: Retry-After: 1 was not honoured"
    );
}

#[tokio::test]
async fn links_to_other_hosts_never_get_the_token() {
    let t = tenant(SandboxOptions::default()).await;
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap_port = trap.local_addr().unwrap().port();
    let visited = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = visited.clone();
    tokio::spawn(async move {
        if trap.accept().await.is_ok() {
            flag.store(true, Ordering::SeqCst);
        }
    });
    for link in [
        format!("http://127.0.0.1:{trap_port}/v1.0/me/chats?$skiptoken=x"),
        "https://graph.example.invalid/v1.0/me/chats".to_owned(),
    ] {
        let mut pager = t.client.pages(Request::get(link.clone()));
        let err = pager.next_page().await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Internal, "{link}");
        assert!(
            err.message().contains("refusing to follow a link"),
            "{}",
            err.message()
        );
    }
    let err = t
        .client
        .delta(DeltaStart::Resume {
            delta_link: format!(
                "http://127.0.0.1:{trap_port}/v1.0/chats/x/messages/delta?$deltatoken=y"
            ),
            permissions: &[],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Internal);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !visited.load(Ordering::SeqCst),
        "nothing may connect to a foreign host"
    );
}

#[tokio::test]
async fn an_expired_token_in_the_middle_of_paging_is_refreshed_once() {
    let t = tenant(SandboxOptions {
        token_lifetime: Duration::from_secs(2),
        ..SandboxOptions::default()
    })
    .await;
    let mut pager = t.client.pages(Request::get("/users").top(3));
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 3);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut users = first.items;
    while let Some(page) = pager.next_page().await.unwrap() {
        users.extend(page.items);
    }
    assert_eq!(users.len(), t.sandbox.info().users.len());
    assert_eq!(t.tokens.refreshes.load(Ordering::SeqCst), 1);
    let unauthorized = t
        .requests()
        .await
        .iter()
        .filter(|(_, _, s)| *s == 401)
        .count();
    assert_eq!(unauthorized, 1);
}

#[tokio::test]
async fn a_rejected_token_gets_one_refresh_and_then_exit_11() {
    let t = tenant(SandboxOptions::default()).await;
    let info = t.sandbox.info();
    let options = support::options(&t.sandbox);
    let stale = GraphClient::new(
        options,
        Arc::new(StaticToken::new(
            Secret::new("fake-access-token"),
            "MSGATE_ACCESS_TOKEN",
        )),
    )
    .unwrap();
    t.reset_log().await;
    let err = stale.send(&Request::get("/me")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthExpired);
    assert_eq!(err.exit().status(), 11);
    assert!(
        err.message().contains("MSGATE_ACCESS_TOKEN"),
        "{}",
        err.message()
    );
    assert_eq!(
        t.requests().await.len(),
        1,
        "a token that cannot refresh is not retried"
    );
    assert!(info.graph_url.starts_with("http://127.0.0.1"));
}

#[tokio::test]
async fn graph_errors_keep_their_code_request_id_and_permissions() {
    let t = tenant(SandboxOptions::default()).await;
    let err = t
        .client
        .send(&Request::get("/chats/19:nothing@thread.v2").permissions(chats::LIST_PERMISSIONS))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
    assert!(err.graph_code().is_some());

    let narrow = t
        .sandbox
        .sign_in(None, &["User.Read".to_owned()])
        .await
        .unwrap();
    let client = GraphClient::new(
        support::options(&t.sandbox),
        Arc::new(StaticToken::new(narrow.access_token, "a test")),
    )
    .unwrap();
    let err = chats::list(&client, Limit::Items(5)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ScopeInsufficient);
    assert_eq!(err.exit().status(), 12);
    assert!(
        err.hint().unwrap().contains("Chat.ReadBasic"),
        "{:?}",
        err.hint()
    );

    let err = t
        .client
        .send(&Request::post(
            "/chats",
            serde_json::json!({"chatType": "nonsense"}),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.exit().status(), 2, "{err:?}");
}

#[tokio::test]
async fn lists_stop_at_the_limit_and_say_so() {
    let t = tenant(SandboxOptions::default()).await;
    let (few, listed) = chats::list(&t.client, Limit::Items(2)).await.unwrap();
    assert_eq!(few.len(), 2);
    assert!(listed.truncated);
    assert!(
        listed.next_link.is_some(),
        "a page-aligned cut resumes exactly"
    );
    let (all, listed) = chats::list(&t.client, Limit::All).await.unwrap();
    assert!(!listed.truncated);
    assert!(all.len() > 2);
    assert_eq!(&all[..2], &few[..]);
    assert!(
        all.iter().all(|c| c.last_message_preview.is_some()),
        "one request gives each chat's latest message"
    );
}

#[tokio::test]
async fn batches_answer_in_input_order_through_throttling() {
    let t = tenant(SandboxOptions::default()).await;
    let ids: Vec<String> = t
        .sandbox
        .info()
        .users
        .iter()
        .map(|u| u.id.clone())
        .collect();
    let requests: Vec<Request> = (0..45)
        .map(|i| {
            Request::get(format!("/users/{}", ids[i % ids.len()])).select(&["id", "displayName"])
        })
        .collect();
    t.set_faults(&faults(0.3, 0.0, 0.0, 5)).await;
    t.reset_log().await;
    let results = t.client.batch(&requests).await;
    assert_eq!(results.len(), 45);
    for (i, result) in results.iter().enumerate() {
        let body = result.as_ref().unwrap().json().unwrap();
        assert_eq!(body["id"], ids[i % ids.len()].as_str(), "result {i}");
    }
    let batches = t
        .requests()
        .await
        .iter()
        .filter(|(_, p, _)| p.ends_with("/$batch"))
        .count();
    assert!(
        (3..45).contains(&batches),
        "{batches} round trips for 45 requests"
    );
}

#[tokio::test]
async fn delta_resumes_from_the_kept_link() {
    let t = tenant(SandboxOptions::default()).await;
    let chat = t.chat_id("Release 4.2").await;
    let path = format!("/chats/{chat}/messages/delta");
    let first = t
        .client
        .delta(DeltaStart::Fresh(Request::get(path)))
        .await
        .unwrap();
    assert!(!first.items.is_empty());
    let sent = messages::send(
        &t.client,
        &chat,
        "after the first delta",
        messages::ContentType::Text,
    )
    .await
    .unwrap();
    let next = t
        .client
        .delta(DeltaStart::Resume {
            delta_link: first.delta_link,
            permissions: messages::LIST_PERMISSIONS,
        })
        .await
        .unwrap();
    let ids: Vec<&str> = next.items.iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, [sent.id.as_str()]);
}

#[tokio::test]
async fn the_circuit_opens_after_repeated_server_failures() {
    let t = tenant_with(SandboxOptions::default(), |o| {
        o.breaker_threshold = 3;
        o.retry.max_attempts = 2;
    })
    .await;
    t.set_faults(&faults(0.0, 1.0, 0.0, 3)).await;
    for _ in 0..2 {
        let _ = t.client.send(&Request::get("/me")).await;
    }
    t.reset_log().await;
    let err = t.client.send(&Request::get("/me")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert!(
        err.message().contains("not calling it"),
        "{}",
        err.message()
    );
    assert!(
        t.requests().await.is_empty(),
        "an open circuit sends nothing"
    );
}

#[tokio::test]
async fn content_from_the_graph_host_streams_into_a_sink() {
    let t = tenant(SandboxOptions::default()).await;
    let find = |list: &Value, key: &str, name: &str| -> String {
        list["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i[key] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let teams: Value = t
        .client
        .json(&Request::get("/me/joinedTeams"))
        .await
        .unwrap();
    let team = find(&teams, "displayName", "Product");
    let channels: Value = t
        .client
        .json(&Request::get(format!("/teams/{team}/channels")))
        .await
        .unwrap();
    let channel = find(&channels, "displayName", "design");
    let posts: Value = t
        .client
        .json(&Request::get(format!(
            "/teams/{team}/channels/{channel}/messages"
        )))
        .await
        .unwrap();
    // msgate downloads inline images from the src of the <img> in the message body.
    let graph_url = &t.sandbox.info().graph_url;
    let path = posts["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"]["content"].as_str())
        .find_map(|html| {
            let src = html.split("src=\"").nth(1)?.split('"').next()?;
            src.strip_prefix(graph_url.as_str()).map(str::to_owned)
        })
        .expect("the demo tenant has an inline image");
    let mut sink = Vec::new();
    let mut progress = 0;
    let download = t
        .client
        .download(Request::get(path.clone()), &mut sink, 0, &mut |done, _| {
            progress = done
        })
        .await
        .unwrap();
    assert!(!sink.is_empty());
    assert_eq!(download.written, sink.len() as u64);
    assert_eq!(progress, sink.len() as u64);
    assert!(
        download
            .content_type
            .unwrap_or_default()
            .starts_with("image/")
    );
    let mut rest = Vec::new();
    let resumed = t
        .client
        .download(Request::get(path), &mut rest, 10, &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        rest,
        sink[10..],
        "a resumed download continues at the offset"
    );
    assert_eq!(resumed.written, sink.len() as u64 - 10);
}

#[tokio::test]
async fn downloads_follow_the_content_redirect_without_the_token() {
    let t = support::tenant_with_scopes(&["User.Read", "Files.ReadWrite"]).await;
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let uploaded: Value = {
        let url = format!(
            "{}/me/drive/root:/Documents/probe.bin:/content",
            t.sandbox.info().graph_url
        );
        let token = t.tokens.current();
        t.http
            .put(url)
            .bearer_auth(token.expose())
            .body(bytes.clone())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let id = uploaded["id"].as_str().unwrap();
    t.reset_log().await;
    let mut sink = Vec::new();
    let download = t
        .client
        .download(
            Request::get(format!("/me/drive/items/{id}/content")),
            &mut sink,
            0,
            &mut |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(sink, bytes, "byte-identical through the redirect");
    assert_eq!(download.total, Some(bytes.len() as u64));
    // The sandbox's content host answers 401 to any Authorization header, so these bytes
    // arriving proves the token stayed behind.

    let mut tail = Vec::new();
    t.client
        .download(
            Request::get(format!("/me/drive/items/{id}/content")),
            &mut tail,
            150_000,
            &mut |_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(
        tail,
        bytes[150_000..],
        "a Range request resumes on the content host"
    );
}

#[tokio::test]
async fn a_dry_run_handle_holds_writes_back_and_still_reads() {
    let t = tenant(SandboxOptions::default()).await;
    let chat = t.chat_id("Release 4.2").await;
    let post = Request::post(
        format!("/chats/{chat}/messages"),
        serde_json::json!({"body": {"content": "held"}}),
    );
    let log = Arc::new(WriteLog::new(true));
    let dry = t.client.recording(log.clone());
    t.reset_log().await;

    let me: Value = dry.json(&Request::get("/me")).await.unwrap();
    assert!(me["id"].is_string(), "reads run");
    let err = dry.send(&post).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::DryRun);
    let results = dry
        .batch(&[
            Request::get("/me"),
            post.clone(),
            Request::delete("/chats/x/members/y"),
        ])
        .await;
    assert!(results[0].is_ok(), "the read in a batch runs");
    assert_eq!(results[1].as_ref().unwrap_err().code(), ErrorCode::DryRun);
    assert_eq!(results[2].as_ref().unwrap_err().code(), ErrorCode::DryRun);

    let seen = t.requests().await;
    assert!(
        seen.iter()
            .all(|(method, path, _)| method == "GET" || path.ends_with("/$batch")),
        "only reads reached Graph: {seen:?}"
    );
    let writes = log.writes();
    assert_eq!(writes.len(), 3);
    assert!(
        writes
            .iter()
            .all(|w| w.outcome == WriteOutcome::Held && w.request_id.is_none())
    );
    let shown = writes[0].request_json();
    assert_eq!(shown["method"], "POST");
    assert_eq!(
        shown["url"],
        format!("{}/chats/{chat}/messages", t.sandbox.info().graph_url)
    );
    assert_eq!(shown["body"]["body"]["content"], "held");
    assert_eq!(writes[2].method, "DELETE");
    assert!(writes[2].request_json().get("body").is_none());
}

#[tokio::test]
async fn a_recording_handle_keeps_each_writes_outcome_and_request_id() {
    let t = tenant(SandboxOptions::default()).await;
    let chat = t.chat_id("Release 4.2").await;
    let log = Arc::new(WriteLog::new(false));
    let recording = t.client.recording(log.clone());
    let sent = recording
        .send(&Request::post(
            format!("/chats/{chat}/messages"),
            serde_json::json!({"body": {"content": "kept"}}),
        ))
        .await
        .unwrap();
    let refused = recording
        .send(&Request::post(
            "/chats/19:missing@thread.v2/messages",
            serde_json::json!({"body": {"content": "lost"}}),
        ))
        .await
        .unwrap_err();
    recording.json::<Value>(&Request::get("/me")).await.unwrap();
    t.client
        .send(&Request::post(
            format!("/chats/{chat}/messages"),
            serde_json::json!({"body": {"content": "unrecorded"}}),
        ))
        .await
        .unwrap();

    let writes = log.writes();
    assert_eq!(writes.len(), 2, "reads and other handles are not recorded");
    assert_eq!(writes[0].outcome, WriteOutcome::Done);
    assert_eq!(writes[0].request_id, sent.request_id);
    assert!(writes[0].request_id.is_some());
    assert_eq!(writes[1].outcome, WriteOutcome::Refused);
    assert_eq!(writes[1].request_id.as_deref(), refused.request_id());
    assert!(WriteOutcome::Done.may_have_changed() && WriteOutcome::Unknown.may_have_changed());
    assert!(!WriteOutcome::Refused.may_have_changed() && !WriteOutcome::Held.may_have_changed());
}

#[tokio::test]
async fn reads_complete_within_the_teams_per_app_budgets() {
    let t = tenant(SandboxOptions::default()).await;
    let chat = t.chat_id("Release 4.2").await;
    let (calm, _) = messages::list(&t.client, &chat, Limit::All).await.unwrap();
    t.set_faults(&serde_json::from_value(serde_json::json!({"budgets": true})).unwrap())
        .await;
    t.reset_log().await;
    let started = Instant::now();
    for _ in 0..30 {
        let (again, _) = messages::list(&t.client, &chat, Limit::All).await.unwrap();
        assert_eq!(again, calm);
    }
    let throttled = t
        .requests()
        .await
        .iter()
        .filter(|(_, _, s)| *s == 429)
        .count();
    assert!(throttled > 0, "30 reads in a burst exceed 20 per second");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
}

#[tokio::test]
async fn every_page_of_a_list_carries_the_requests_headers() {
    let t = tenant_with_scopes(&["User.Read", "Calendars.Read"]).await;
    let now = jiff::Timestamp::now();
    let fortnight = jiff::SignedDuration::from_hours(24 * 14);
    let request = Request::get("/me/calendarView")
        .query("startDateTime", (now - fortnight).to_string())
        .query("endDateTime", (now + fortnight).to_string())
        .top(3)
        .header("Prefer", "outlook.timezone=\"Tokyo Standard Time\"")
        .permissions(&["Calendars.Read"]);
    let listed = t.client.list(request, Limit::All).await.unwrap();
    assert!(
        listed.items.len() > 6,
        "several pages: {}",
        listed.items.len()
    );
    for event in &listed.items {
        assert_eq!(
            event["start"]["timeZone"], "Tokyo Standard Time",
            "a later page lost the Prefer header: {event}"
        );
    }
}
