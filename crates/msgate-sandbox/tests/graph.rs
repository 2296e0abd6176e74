//! Graph as the sandbox emulates it, through HTTP: authorization (401 and 403 as Graph gives
//! them), the request-id contract, OData paging and query options, and stateful Teams data.
//! Every successful body is validated against the Graph v1.0 OpenAPI subset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use msgate_sandbox::SandboxOptions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{
    ALL_CHAT_SCOPES, TestSandbox, assert_faithful, assert_request_ok, start, start_with,
};

async fn user_token(t: &TestSandbox) -> String {
    t.user_token(ALL_CHAT_SCOPES).await
}

#[tokio::test]
async fn no_bad_or_expired_token_is_401_in_graphs_error_format() {
    let t = start_with(SandboxOptions {
        token_lifetime: Duration::ZERO,
        ..SandboxOptions::default()
    })
    .await;
    let expired = t.user_token("User.Read").await;
    for (token, message) in [
        ("", "Access token is empty."),
        ("fake-access-token", "Access token validation failure"),
        (expired.as_str(), "Lifetime validation failed"),
    ] {
        let response = t.get(token, "/me").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{token}");
        assert_eq!(response.body["error"]["code"], "InvalidAuthenticationToken");
        assert!(
            response.body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(message),
            "{response:?}"
        );
        assert_faithful("GET", "/me", &response);
    }
}

#[tokio::test]
async fn a_missing_permission_is_403_naming_what_would_allow_it() {
    let t = start().await;
    let token = t.user_token("User.Read").await;
    let response = t.get(&token, "/me/chats").await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let message = response.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Chat.ReadBasic") || message.contains("Chat.Read"),
        "{message}"
    );
    assert!(
        message.contains("Scopes on the request 'User.Read'"),
        "{message}"
    );
}

#[tokio::test]
async fn every_response_carries_request_ids_and_errors_repeat_them() {
    let t = start().await;
    let token = user_token(&t).await;
    let response = t
        .http
        .get(format!(
            "{}/chats/19:nope@thread.v2",
            t.sandbox.info().graph_url
        ))
        .bearer_auth(&token)
        .header("client-request-id", "fake-client-request-1")
        .send()
        .await
        .unwrap();
    let response = support::into_response(response).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    let request_id = response.headers["request-id"].to_str().unwrap();
    assert_eq!(
        response.headers["client-request-id"],
        "fake-client-request-1"
    );
    let inner = &response.body["error"]["innerError"];
    assert_eq!(inner["request-id"], request_id);
    assert_eq!(inner["client-request-id"], "fake-client-request-1");
    assert!(inner["date"].as_str().unwrap().len() == 19);
    assert_faithful("GET", "/chats/19:nope@thread.v2", &response);
}

#[tokio::test]
async fn unknown_paths_bad_json_and_wrong_content_types_get_graphs_answers() {
    let t = start().await;
    let token = user_token(&t).await;
    let response = t.get(&token, "/me/nonsense").await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.body["error"]["message"],
        "Resource not found for the segment 'nonsense'."
    );

    let chat = first_chat(&t, &token).await;
    let url = format!("{}/chats/{chat}/messages", t.sandbox.info().graph_url);
    let malformed = t
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"body\": ")
        .send()
        .await
        .unwrap();
    let malformed = support::into_response(malformed).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(
        malformed.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unable to read JSON request payload")
    );

    let text = t
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = t
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!("{{\"x\":\"{}\"}}", "a".repeat(5 * 1024 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let deleted = t.graph(Method::DELETE, &token, "/me/chats", None).await;
    assert_eq!(deleted.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn me_and_users_with_select_filter_search_and_paging() {
    let t = start().await;
    let token = user_token(&t).await;
    let me = t.get(&token, "/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(
        me.body.get("department").is_none(),
        "only the default properties without $select"
    );
    assert_faithful("GET", "/me", &me);

    let selected = t.get(&token, "/me?$select=displayName,department").await;
    assert_eq!(selected.body["department"], "Product");
    assert_faithful("GET", "/me", &selected);

    let page = t.get(&token, "/users?$top=5").await;
    assert_eq!(page.body["value"].as_array().unwrap().len(), 5);
    assert_faithful("GET", "/users", &page);
    let mut seen = 5;
    let mut next = page.body["@odata.nextLink"].as_str().map(str::to_owned);
    while let Some(link) = next {
        assert!(
            link.starts_with(&t.sandbox.info().graph_url),
            "nextLinks are absolute: {link}"
        );
        let page = t.get(&token, &link).await;
        seen += page.body["value"].as_array().unwrap().len();
        next = page.body["@odata.nextLink"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, t.sandbox.info().users.len());

    let filtered = t
        .get(&token, "/users?$filter=startswith(displayName,'gr')")
        .await;
    assert_eq!(filtered.body["value"][0]["displayName"], "Grace Kim");

    let search = t.get(&token, "/users?$search=\"displayName:ben\"").await;
    assert_eq!(
        search.status,
        StatusCode::BAD_REQUEST,
        "needs ConsistencyLevel: eventual"
    );
    let response = t
        .http
        .get(format!(
            "{}/users?$search=\"displayName:ben\"&$count=true",
            t.sandbox.info().graph_url
        ))
        .bearer_auth(&token)
        .header("ConsistencyLevel", "eventual")
        .send()
        .await
        .unwrap();
    let search = support::into_response(response).await;
    assert_eq!(search.body["@odata.count"], 1);
    assert_eq!(search.body["value"][0]["displayName"], "Ben Okafor");

    let by_upn = t
        .get(&token, &format!("/users/{}", t.sandbox.info().users[2].upn))
        .await;
    assert_eq!(by_upn.body["id"], t.sandbox.info().users[2].id.as_str());
    let missing = t.get(&token, "/users/nobody@example.invalid").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "Request_ResourceNotFound");
}

#[tokio::test]
async fn presence_one_and_many() {
    let t = start().await;
    let token = user_token(&t).await;
    let mine = t.get(&token, "/me/presence").await;
    assert_eq!(mine.body["availability"], "Available");
    assert_faithful("GET", "/me/presence", &mine);
    let ids: Vec<&str> = t
        .sandbox
        .info()
        .users
        .iter()
        .take(3)
        .map(|u| u.id.as_str())
        .collect();
    let many = t
        .post(
            &token,
            "/communications/getPresencesByUserId",
            &json!({"ids": ids}),
        )
        .await;
    assert_eq!(many.status, StatusCode::OK);
    assert_eq!(many.body["value"].as_array().unwrap().len(), 3);
    assert_faithful("POST", "/communications/getPresencesByUserId", &many);
}

#[tokio::test]
async fn managers_are_users_and_the_top_has_none() {
    let t = start().await;
    let users = &t.sandbox.info().users;
    let token = t.user_token("User.Read User.Read.All").await;
    let mine = t.get(&token, "/me/manager?$select=id,displayName").await;
    assert_eq!(mine.status, StatusCode::OK, "{mine:?}");
    assert_eq!(mine.body["displayName"], "Hugo Lindqvist");
    assert_eq!(mine.body["@odata.type"], "#microsoft.graph.user");
    // The subset has no manager operation; the answer is a user, so check it as one.
    assert_faithful("GET", "/users/{id}", &mine);
    let bens = t
        .get(&token, &format!("/users/{}/manager", users[1].upn))
        .await;
    assert_eq!(bens.body["displayName"], "Grace Kim");
    let top = t
        .get(&token, &format!("/users/{}/manager", users[7].id))
        .await;
    assert_eq!(top.status, StatusCode::NOT_FOUND);
    assert_eq!(top.body["error"]["code"], "Request_ResourceNotFound");
    assert!(
        top.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'manager'")
    );
    let nobody = t.get(&token, "/users/nobody@example.invalid/manager").await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);

    let basic = t.user_token("User.Read User.ReadBasic.All").await;
    let refused = t.get(&basic, "/me/manager").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("User.Read.All")
    );
}

#[tokio::test]
async fn user_read_reaches_only_your_own_profile() {
    let t = start().await;
    let users = &t.sandbox.info().users;
    let token = t.user_token("User.Read").await;
    let own = t.get(&token, &format!("/users/{}", users[0].upn)).await;
    assert_eq!(own.status, StatusCode::OK);
    let other = t.get(&token, &format!("/users/{}", users[1].id)).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let message = other.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("User.ReadBasic.All"), "{message}");
    assert!(!message.contains("'User.Read,"), "{message}");
    let basic = t.user_token("User.ReadBasic.All").await;
    let other = t.get(&basic, &format!("/users/{}", users[1].id)).await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn a_preferred_presence_lasts_until_it_expires() {
    let t = start().await;
    let token = t.user_token("Presence.ReadWrite").await;
    let set = |duration: Value| json!({"availability": "DoNotDisturb", "activity": "DoNotDisturb", "expirationDuration": duration});
    for bad in [json!("soon"), json!("-PT1H"), json!(5)] {
        let refused = t
            .post(
                &token,
                "/me/presence/setUserPreferredPresence",
                &set(bad.clone()),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let short = t
        .post(
            &token,
            "/me/presence/setUserPreferredPresence",
            &set(json!("PT1S")),
        )
        .await;
    assert_eq!(short.status, StatusCode::NO_CONTENT, "{short:?}");
    let now = t.get(&token, "/me/presence").await;
    assert_eq!(now.body["availability"], "DoNotDisturb");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let later = t.get(&token, "/me/presence").await;
    assert_eq!(
        later.body["availability"], "Available",
        "back to the session presence"
    );
    let lasting = t
        .post(
            &token,
            "/me/presence/setUserPreferredPresence",
            &set(Value::Null),
        )
        .await;
    assert_eq!(lasting.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&token, "/me/presence").await.body["availability"],
        "DoNotDisturb"
    );
}

#[tokio::test]
async fn marking_a_chat_unread_without_a_time_unreads_its_last_message() {
    let t = start().await;
    let token = user_token(&t).await;
    let me = t.sandbox.info().users[0].id.clone();
    let chat = first_chat(&t, &token).await;
    let messages = t
        .get(&token, &format!("/chats/{chat}/messages?$top=1"))
        .await;
    let last = messages.body["value"][0]["createdDateTime"]
        .as_str()
        .unwrap()
        .to_owned();
    let unread = t
        .post(
            &token,
            &format!("/chats/{chat}/markChatUnreadForUser"),
            &json!({"user": {"id": me}}),
        )
        .await;
    assert_eq!(unread.status, StatusCode::NO_CONTENT);
    let viewed = t.get(&token, &format!("/chats/{chat}")).await;
    let read_at = viewed.body["viewpoint"]["lastMessageReadDateTime"]
        .as_str()
        .unwrap();
    let (read_at, last): (jiff::Timestamp, jiff::Timestamp) =
        (read_at.parse().unwrap(), last.parse().unwrap());
    assert!(read_at < last, "{read_at} is before {last}");
    assert!(last.duration_since(read_at) < jiff::SignedDuration::from_secs(1));
}

async fn first_chat(t: &TestSandbox, token: &str) -> String {
    t.get(token, "/me/chats").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn chats_list_with_previews_and_members() {
    let t = start().await;
    let token = user_token(&t).await;
    let chats = t
        .get(
            &token,
            "/me/chats?$expand=members,lastMessagePreview&$top=50",
        )
        .await;
    assert_eq!(chats.status, StatusCode::OK);
    assert_faithful("GET", "/me/chats", &chats);
    let list = chats.body["value"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    let updated: Vec<&str> = list
        .iter()
        .map(|c| c["lastUpdatedDateTime"].as_str().unwrap())
        .collect();
    assert!(
        updated.windows(2).all(|w| w[0] >= w[1]),
        "most recently active first"
    );
    let release = list.iter().find(|c| c["topic"] == "Release 4.2").unwrap();
    assert_eq!(release["lastMessagePreview"]["body"]["contentType"], "text");
    assert!(
        release["lastMessagePreview"]["body"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Support saw")
    );
    assert_eq!(release["members"].as_array().unwrap().len(), 4);

    let id = release["id"].as_str().unwrap();
    let members = t.get(&token, &format!("/chats/{id}/members")).await;
    assert_faithful("GET", &format!("/chats/{id}/members"), &members);
    let chat = t.get(&token, &format!("/chats/{id}")).await;
    assert_faithful("GET", &format!("/chats/{id}"), &chat);
}

#[tokio::test]
async fn a_sent_message_is_read_back_newest_first() {
    let t = start().await;
    let token = user_token(&t).await;
    let chat = first_chat(&t, &token).await;
    let path = format!("/chats/{chat}/messages");
    let body = json!({
        "body": {"contentType": "html", "content": "<p>Hello <at id=\"0\">Chloe Martin</at></p>"},
        "mentions": [{"id": 0, "mentionText": "Chloe Martin", "mentioned": {"user": {
            "@odata.type": "#microsoft.graph.teamworkUserIdentity",
            "id": t.sandbox.info().users[2].id, "displayName": "Chloe Martin", "userIdentityType": "aadUser"}}}],
    });
    assert_request_ok("POST", &path, &body);
    let sent = t.post(&token, &path, &body).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{sent:?}");
    assert_faithful("POST", &path, &sent);
    assert_eq!(
        sent.body["from"]["user"]["id"],
        t.sandbox.info().users[0].id.as_str()
    );

    let listed = t.get(&token, &format!("{path}?$top=2")).await;
    assert_faithful("GET", &path, &listed);
    assert_eq!(listed.body["value"][0]["id"], sent.body["id"]);
    assert!(listed.body["@odata.nextLink"].is_string());
    let one = t
        .get(
            &token,
            &format!("{path}/{}", sent.body["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(one.body["body"], sent.body["body"]);

    let chats = t.get(&token, "/me/chats").await;
    assert_eq!(
        chats.body["value"][0]["id"],
        chat.as_str(),
        "the chat moved to the top"
    );
}

#[tokio::test]
async fn messages_are_validated_like_graph() {
    let t = start().await;
    let token = user_token(&t).await;
    let path = format!("/chats/{}/messages", first_chat(&t, &token).await);
    for bad in [
        json!({}),
        json!({"body": {"content": "  "}}),
        json!({"body": {"contentType": "markdown", "content": "x"}}),
        json!({"body": {"contentType": "html", "content": "<p>hi</p>"}, "mentions": [{"id": 0}]}),
    ] {
        let response = t.post(&token, &path, &bad).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn teams_channels_threads_and_replies() {
    let t = start().await;
    let token = user_token(&t).await;
    let teams = t.get(&token, "/me/joinedTeams").await;
    assert_faithful("GET", "/me/joinedTeams", &teams);
    let names: Vec<&str> = teams.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Platform", "Product", "All Company"]);
    let team = teams.body["value"][0]["id"].as_str().unwrap().to_owned();

    let channels = t.get(&token, &format!("/teams/{team}/channels")).await;
    assert_faithful("GET", &format!("/teams/{team}/channels"), &channels);
    let eng = channels.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["displayName"] == "eng")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/teams/{team}/channels/{eng}/messages");
    let messages = t.get(&token, &format!("{path}?$expand=replies")).await;
    assert_faithful("GET", &path, &messages);
    let first = &messages.body["value"][0];
    assert!(
        first["body"]["content"]
            .as_str()
            .unwrap()
            .contains("token scanning"),
        "newest thread first"
    );
    assert_eq!(
        first["mentions"][0]["mentioned"]["user"]["displayName"],
        "Ada Brennan"
    );
    assert_eq!(first["replies"].as_array().unwrap().len(), 1);
    let older = &messages.body["value"][1];
    assert_eq!(older["reactions"].as_array().unwrap().len(), 2);

    let root = older["id"].as_str().unwrap();
    let replies_path = format!("{path}/{root}/replies");
    let reply = t
        .post(
            &token,
            &replies_path,
            &json!({"body": {"content": "Runbook looks good."}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_faithful("POST", &replies_path, &reply);
    assert_eq!(reply.body["replyToId"], root);
    let replies = t.get(&token, &replies_path).await;
    assert_faithful("GET", &replies_path, &replies);
    assert_eq!(replies.body["value"].as_array().unwrap().len(), 3);

    let team_info = t.get(&token, &format!("/teams/{team}")).await;
    assert_faithful("GET", &format!("/teams/{team}"), &team_info);
    let members = t.get(&token, &format!("/teams/{team}/members")).await;
    assert_faithful("GET", &format!("/teams/{team}/members"), &members);
}

#[tokio::test]
async fn a_user_cannot_read_a_chat_they_are_not_in() {
    let t = start().await;
    let ada = user_token(&t).await;
    let chat = first_chat(&t, &ada).await;
    let farid = t.sandbox.info().users[5].upn.clone();
    let token = t.sign_in(ALL_CHAT_SCOPES, Some(&farid)).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = t.get(&token, &format!("/chats/{chat}/messages")).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn creating_chats_is_idempotent_for_one_on_one() {
    let t = start().await;
    let token = user_token(&t).await;
    let users = &t.sandbox.info().users;
    let bind = |id: &str| {
        json!({"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
        "user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{id}')")})
    };
    let body = json!({"chatType": "oneOnOne", "members": [bind(&users[0].id), bind(&users[7].id)]});
    let created = t.post(&token, "/chats", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_faithful("POST", "/chats", &created);
    let again = t.post(&token, "/chats", &body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], created.body["id"]);
    let group = t
        .post(&token, "/chats", &json!({"chatType": "group", "topic": "Offsite", "members": [bind(&users[0].id), bind(&users[7].id), bind(&users[8].id)]}))
        .await;
    assert_eq!(group.status, StatusCode::CREATED);
    assert_eq!(group.body["topic"], "Offsite");
}

#[tokio::test]
async fn the_control_plane_counts_and_logs_graph_requests() {
    let t = start().await;
    let token = user_token(&t).await;
    let control = |path: &str| format!("{}/_sandbox/{path}", t.sandbox.info().login_url);
    t.http.post(control("reset-log")).send().await.unwrap();
    t.get(&token, "/me").await;
    t.get(&token, "/me/chats").await;
    let stats: Value = t
        .http
        .get(control("stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["graph_requests"], 2);
    let log: Value = t
        .http
        .get(control("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["value"][1]["path"], "/v1.0/me/chats");
    assert_eq!(log["value"][1]["status"], 200);

    let chat = first_chat(&t, &token).await;
    t.post(
        &token,
        &format!("/chats/{chat}/messages"),
        &json!({"body": {"content": "temporary"}}),
    )
    .await;
    assert_eq!(
        t.http.post(control("reset")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let messages = t.get(&token, &format!("/chats/{chat}/messages")).await;
    assert!(
        messages.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["body"]["content"] != "temporary")
    );
}

#[tokio::test]
async fn a_data_dir_keeps_the_tenant_and_tokens_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let options = SandboxOptions {
        data_dir: Some(dir.path().to_owned()),
        ..SandboxOptions::default()
    };
    let t = start_with(options.clone()).await;
    let token = user_token(&t).await;
    let chat = first_chat(&t, &token).await;
    t.post(
        &token,
        &format!("/chats/{chat}/messages"),
        &json!({"body": {"content": "kept"}}),
    )
    .await;
    let secret = t.sandbox.info().confidential_client_secret.clone();
    t.sandbox.shutdown().await;

    let t = start_with(options).await;
    assert_eq!(t.sandbox.info().confidential_client_secret, secret);
    let messages = t.get(&token, &format!("/chats/{chat}/messages")).await;
    assert_eq!(
        messages.status,
        StatusCode::OK,
        "the old token still verifies"
    );
    assert_eq!(messages.body["value"][0]["body"]["content"], "kept");
}

#[tokio::test]
async fn a_reset_returns_an_empty_tenant_to_empty() {
    let t = start_with(SandboxOptions {
        seed: msgate_sandbox::Seed::Empty,
        ..SandboxOptions::default()
    })
    .await;
    let reset = t
        .http
        .post(format!("{}/_sandbox/reset", t.sandbox.info().login_url))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let app = t.app_token().await;
    let users = t.get(&app, "/users").await;
    assert_eq!(users.status, StatusCode::OK, "{users:?}");
    assert_eq!(
        users.body["value"],
        json!([]),
        "the demo tenant is not seeded"
    );
}
