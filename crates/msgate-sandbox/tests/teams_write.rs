//! Changing Teams data through the sandbox: message edits, soft delete and undo, reactions,
//! pins, read markers, chat renames and members, delta queries, inline images, channels and
//! team settings, archiving. Status codes cite the Graph documentation page of each action;
//! bodies are validated against the OpenAPI subset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{ALL_CHAT_SCOPES, TestSandbox, assert_faithful, assert_request_ok, start};

const WRITE_SCOPES: &str = "User.Read Chat.ReadWrite ChannelMessage.Read.All ChannelMessage.Send ChannelMessage.ReadWrite Team.ReadBasic.All TeamSettings.ReadWrite.All Channel.Create Channel.ReadBasic.All ChannelSettings.ReadWrite.All Channel.Delete.All TeamMember.ReadWrite.All ChannelMember.Read.All Files.Read.All Group.ReadWrite.All offline_access";

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

async fn send(t: &TestSandbox, token: &str, chat: &str, text: &str) -> String {
    let sent = t
        .post(
            token,
            &format!("/chats/{chat}/messages"),
            &json!({"body": {"content": text}}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED);
    sent.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn edit_delete_undo_and_react_on_a_chat_message() {
    let t = start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let id = send(&t, &token, &chat, "draft").await;
    let path = format!("/chats/{chat}/messages/{id}");

    // https://learn.microsoft.com/graph/api/chatmessage-update: 204 No Content.
    let edit = json!({"body": {"contentType": "html", "content": "<p>final</p>"}});
    assert_request_ok("PATCH", &path, &edit);
    assert_eq!(
        t.graph(Method::PATCH, &token, &path, Some(&edit))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let message = t.get(&token, &path).await;
    assert_faithful("GET", &path, &message);
    assert_eq!(message.body["body"]["content"], "<p>final</p>");
    assert!(message.body["lastEditedDateTime"].is_string());

    // https://learn.microsoft.com/graph/api/chatmessage-softdelete and -undosoftdelete: 204.
    assert_eq!(
        t.graph(Method::POST, &token, &format!("{path}/softDelete"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let deleted = t.get(&token, &path).await;
    assert!(deleted.body["deletedDateTime"].is_string());
    assert_eq!(deleted.body["body"]["content"], "");
    assert_eq!(
        t.graph(
            Method::POST,
            &token,
            &format!("{path}/undoSoftDelete"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let restored = t.get(&token, &path).await;
    assert!(restored.body["deletedDateTime"].is_null());
    assert_eq!(restored.body["body"]["content"], "<p>final</p>");

    // https://learn.microsoft.com/graph/api/chatmessage-setreaction: 204.
    let reaction = json!({"reactionType": "👍"});
    assert_request_ok("POST", &format!("{path}/setReaction"), &reaction);
    assert_eq!(
        t.post(&token, &format!("{path}/setReaction"), &reaction)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    t.post(&token, &format!("{path}/setReaction"), &reaction)
        .await;
    let reacted = t.get(&token, &path).await;
    assert_faithful("GET", &path, &reacted);
    assert_eq!(
        reacted.body["reactions"].as_array().unwrap().len(),
        1,
        "one reaction per user and type"
    );
    assert_eq!(
        t.post(&token, &format!("{path}/unsetReaction"), &reaction)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(
        t.get(&token, &path).await.body["reactions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn only_the_sender_may_edit_or_delete() {
    let t = start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let messages = t.get(&token, &format!("/chats/{chat}/messages")).await;
    let theirs = messages.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["from"]["user"]["displayName"] != "Ada Brennan")
        .unwrap();
    let path = format!("/chats/{chat}/messages/{}", theirs["id"].as_str().unwrap());
    let edit = t
        .graph(
            Method::PATCH,
            &token,
            &path,
            Some(&json!({"body": {"content": "mine now"}})),
        )
        .await;
    assert_eq!(edit.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.graph(Method::POST, &token, &format!("{path}/softDelete"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn pins_read_markers_renames_and_members() {
    let t = start().await;
    let token = t
        .user_token(&format!("{ALL_CHAT_SCOPES} ChatMember.ReadWrite"))
        .await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let id = send(&t, &token, &chat, "pin me").await;

    let pin = json!({"message@odata.bind": format!("https://graph.microsoft.com/v1.0/chats/{chat}/messages/{id}")});
    assert_request_ok("POST", &format!("/chats/{chat}/pinnedMessages"), &pin);
    let pinned = t
        .post(&token, &format!("/chats/{chat}/pinnedMessages"), &pin)
        .await;
    assert_eq!(pinned.status, StatusCode::CREATED);
    assert_faithful("POST", &format!("/chats/{chat}/pinnedMessages"), &pinned);
    let list = t
        .get(&token, &format!("/chats/{chat}/pinnedMessages"))
        .await;
    assert_faithful("GET", &format!("/chats/{chat}/pinnedMessages"), &list);
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);
    let expanded = t
        .get(
            &token,
            &format!("/chats/{chat}/pinnedMessages?$expand=message"),
        )
        .await;
    assert_eq!(
        expanded.body["value"][0]["message"]["body"]["content"],
        "pin me"
    );
    let pin_id = pinned.body["id"].as_str().unwrap();
    let unpin = t
        .graph(
            Method::DELETE,
            &token,
            &format!("/chats/{chat}/pinnedMessages/{pin_id}"),
            None,
        )
        .await;
    assert_eq!(unpin.status, StatusCode::NO_CONTENT);

    let me = t.sandbox.info().users[0].id.clone();
    // The subset's teamworkUserIdentity has no tenantId (the docs' examples add one); send only id.
    let unread = json!({"user": {"id": me}, "lastMessageReadDateTime": "2020-01-01T00:00:00Z"});
    assert_request_ok(
        "POST",
        &format!("/chats/{chat}/markChatUnreadForUser"),
        &unread,
    );
    assert_eq!(
        t.post(
            &token,
            &format!("/chats/{chat}/markChatUnreadForUser"),
            &unread
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let viewed = t.get(&token, &format!("/chats/{chat}")).await;
    assert_eq!(
        viewed.body["viewpoint"]["lastMessageReadDateTime"],
        "2020-01-01T00:00:00Z"
    );
    let read = json!({"user": {"id": me}});
    assert_eq!(
        t.post(&token, &format!("/chats/{chat}/markChatReadForUser"), &read)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let viewed = t.get(&token, &format!("/chats/{chat}")).await;
    assert!(
        viewed.body["viewpoint"]["lastMessageReadDateTime"]
            .as_str()
            .unwrap()
            > "2026"
    );

    // https://learn.microsoft.com/graph/api/chat-patch: 200 with the chat.
    let renamed = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/chats/{chat}"),
            Some(&json!({"topic": "Release 4.3"})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["topic"], "Release 4.3");
    assert_faithful("PATCH", &format!("/chats/{chat}"), &renamed);
    let bad = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/chats/{chat}"),
            Some(&json!({"topic": "a:b"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let hugo = &t.sandbox.info().users[7].id;
    let add = json!({"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": [],
        "user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{hugo}')")});
    let added = t
        .post(&token, &format!("/chats/{chat}/members"), &add)
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_faithful("POST", &format!("/chats/{chat}/members"), &added);
    let membership = added.body["id"].as_str().unwrap();
    let removed = t
        .graph(
            Method::DELETE,
            &token,
            &format!("/chats/{chat}/members/{membership}"),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let members = t.get(&token, &format!("/chats/{chat}/members")).await;
    assert!(
        members.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["userId"] != hugo.as_str())
    );
}

#[tokio::test]
async fn delta_returns_everything_then_only_changes() {
    let t = start().await;
    let token = t.user_token(ALL_CHAT_SCOPES).await;
    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let path = format!("/chats/{chat}/messages/delta");
    let first = t.get(&token, &path).await;
    assert_faithful("GET", &path, &first);
    assert_eq!(first.body["value"].as_array().unwrap().len(), 2);
    let delta_link = first.body["@odata.deltaLink"].as_str().unwrap().to_owned();

    let quiet = t.get(&token, &delta_link).await;
    assert!(
        quiet.body["value"].as_array().unwrap().is_empty(),
        "nothing changed"
    );

    let id = send(&t, &token, &chat, "new since the last sync").await;
    let changes = t.get(&token, &delta_link).await;
    let changed: Vec<&str> = changes.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(changed, [id.as_str()]);
    let next = changes.body["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(
        &token,
        &format!("/chats/{chat}/messages/{id}/setReaction"),
        &json!({"reactionType": "like"}),
    )
    .await;
    let again = t.get(&token, &next).await;
    assert_eq!(
        again.body["value"][0]["id"],
        id.as_str(),
        "a reaction is a change too"
    );

    let gone = t
        .get(&token, &format!("{path}?$deltatoken=not-a-token"))
        .await;
    assert_eq!(gone.status, StatusCode::GONE);
}

#[tokio::test]
async fn inline_images_are_hosted_contents() {
    let t = start().await;
    let token = t.user_token(WRITE_SCOPES).await;
    let teams = t.get(&token, "/me/joinedTeams").await;
    let product = teams.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["displayName"] == "Product")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channels = t.get(&token, &format!("/teams/{product}/channels")).await;
    let design = channels.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["displayName"] == "design")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let messages = t
        .get(
            &token,
            &format!("/teams/{product}/channels/{design}/messages"),
        )
        .await;
    let message = &messages.body["value"][0];
    let html = message["body"]["content"].as_str().unwrap();
    let src = html
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(src.starts_with(&t.sandbox.info().graph_url), "{src}");
    let hosted_path = format!(
        "/teams/{product}/channels/{design}/messages/{}/hostedContents",
        message["id"].as_str().unwrap()
    );
    let hosted = t.get(&token, &hosted_path).await;
    assert_faithful("GET", &hosted_path, &hosted);
    assert_eq!(hosted.body["value"].as_array().unwrap().len(), 1);
    let image = t.http.get(src).bearer_auth(&token).send().await.unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(image.bytes().await.unwrap().starts_with(b"\x89PNG"));

    let chat = chat_by_topic(&t, &token, "Release 4.2").await;
    let png = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        b"\x89PNG fake image bytes",
    );
    let body = json!({
        "body": {"contentType": "html", "content": "<p>see <img src=\"../hostedContents/1/$value\"></p>"},
        "hostedContents": [{"@microsoft.graph.temporaryId": "1", "contentBytes": png, "contentType": "image/png"}],
    });
    // `hostedContents` is a navigation property, which the subset drops; the shape follows
    // https://learn.microsoft.com/graph/api/chatmessage-post (example with an inline image).
    let sent = t
        .post(&token, &format!("/chats/{chat}/messages"), &body)
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{sent:?}");
    let html = sent.body["body"]["content"].as_str().unwrap();
    let src = html
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let bytes = t
        .http
        .get(src)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"\x89PNG fake image bytes");
}

#[tokio::test]
async fn channels_settings_archiving_and_members() {
    let t = start().await;
    let token = t.user_token(WRITE_SCOPES).await;
    let team = t.get(&token, "/me/joinedTeams").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let create =
        json!({"displayName": "incidents", "description": "On-call", "membershipType": "standard"});
    assert_request_ok("POST", &format!("/teams/{team}/channels"), &create);
    let created = t
        .post(&token, &format!("/teams/{team}/channels"), &create)
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_faithful("POST", &format!("/teams/{team}/channels"), &created);
    assert_eq!(
        t.post(&token, &format!("/teams/{team}/channels"), &create)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let channel = created.body["id"].as_str().unwrap().to_owned();
    let patch = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/teams/{team}/channels/{channel}"),
            Some(&json!({"description": "Pager"})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&token, &format!("/teams/{team}/channels/{channel}"))
            .await
            .body["description"],
        "Pager"
    );
    let members = t
        .get(&token, &format!("/teams/{team}/channels/{channel}/members"))
        .await;
    assert_faithful(
        "GET",
        &format!("/teams/{team}/channels/{channel}/members"),
        &members,
    );
    let folder = t
        .get(
            &token,
            &format!("/teams/{team}/channels/{channel}/filesFolder"),
        )
        .await;
    assert_faithful(
        "GET",
        &format!("/teams/{team}/channels/{channel}/filesFolder"),
        &folder,
    );
    assert_eq!(folder.body["name"], "incidents");
    assert_eq!(
        t.graph(
            Method::DELETE,
            &token,
            &format!("/teams/{team}/channels/{channel}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let general = t.get(&token, &format!("/teams/{team}/channels")).await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        t.graph(
            Method::DELETE,
            &token,
            &format!("/teams/{team}/channels/{general}"),
            None
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    let patch = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/teams/{team}"),
            Some(&json!({"description": "Infra and CI"})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::NO_CONTENT);

    // https://learn.microsoft.com/graph/api/team-archive: 202 Accepted with a Location header.
    let archived = t
        .post(&token, &format!("/teams/{team}/archive"), &json!({}))
        .await;
    assert_eq!(archived.status, StatusCode::ACCEPTED);
    assert_faithful("POST", &format!("/teams/{team}/archive"), &archived);
    assert!(
        archived.headers["location"]
            .to_str()
            .unwrap()
            .starts_with(&format!("/teams('{team}')/operations('"))
    );
    assert_eq!(
        t.get(&token, &format!("/teams/{team}")).await.body["isArchived"],
        true
    );
    let post = t
        .post(
            &token,
            &format!("/teams/{team}/channels/{general}/messages"),
            &json!({"body": {"content": "hello?"}}),
        )
        .await;
    assert_eq!(
        post.status,
        StatusCode::FORBIDDEN,
        "an archived team is read-only"
    );
    assert_eq!(
        t.post(&token, &format!("/teams/{team}/unarchive"), &json!({}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let post = t
        .post(
            &token,
            &format!("/teams/{team}/channels/{general}/messages"),
            &json!({"body": {"content": "back"}}),
        )
        .await;
    assert_eq!(post.status, StatusCode::CREATED);

    let jonas = &t.sandbox.info().users[9].id;
    let add = json!({"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": [],
        "user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{jonas}')")});
    let added = t
        .post(&token, &format!("/teams/{team}/members"), &add)
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let membership = added.body["id"].as_str().unwrap();
    assert_eq!(
        t.graph(
            Method::DELETE,
            &token,
            &format!("/teams/{team}/members/{membership}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        t.graph(Method::DELETE, &token, &format!("/teams/{team}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.get(&token, &format!("/teams/{team}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn channel_messages_can_be_edited_deleted_and_synced() {
    let t = start().await;
    let token = t.user_token(WRITE_SCOPES).await;
    let team = t.get(&token, "/me/joinedTeams").await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel = t.get(&token, &format!("/teams/{team}/channels")).await.body["value"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = format!("/teams/{team}/channels/{channel}/messages");
    let delta = t.get(&token, &format!("{base}/delta")).await;
    assert_faithful("GET", &format!("{base}/delta"), &delta);
    let link = delta.body["@odata.deltaLink"].as_str().unwrap().to_owned();
    let sent = t
        .post(&token, &base, &json!({"body": {"content": "typo"}}))
        .await;
    let path = format!("{base}/{}", sent.body["id"].as_str().unwrap());
    let edit = t
        .graph(
            Method::PATCH,
            &token,
            &path,
            Some(&json!({"body": {"content": "fixed"}})),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.graph(Method::POST, &token, &format!("{path}/softDelete"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let changes = t.get(&token, &link).await;
    assert_eq!(changes.body["value"].as_array().unwrap().len(), 1);
    assert!(changes.body["value"][0]["deletedDateTime"].is_string());
}

#[tokio::test]
async fn private_channels_have_their_own_members_and_teams_report_a_summary() {
    let t = start().await;
    let token = t.user_token(WRITE_SCOPES).await;
    let info = t.sandbox.info();
    let ada = &info.users[0].id;
    let team = t.get(&token, "/me/joinedTeams").await.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|team| team["displayName"] == "Platform")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channels = format!("/teams/{team}/channels");

    // https://learn.microsoft.com/graph/api/channel-post (example 2): a private channel names
    // its first owner; each member needs its @odata.type.
    let bind = |id: &str| format!("https://graph.microsoft.com/v1.0/users('{id}')");
    let untyped = json!({"displayName": "untyped", "membershipType": "private",
        "members": [{"user@odata.bind": bind(ada), "roles": ["owner"]}]});
    assert_eq!(
        t.post(&token, &channels, &untyped).await.status,
        StatusCode::BAD_REQUEST
    );
    let create = json!({"displayName": "leads", "membershipType": "private",
        "members": [{"@odata.type": "#microsoft.graph.aadUserConversationMember",
            "user@odata.bind": bind(ada), "roles": ["owner"]}]});
    // `members` is a navigation property, which the subset drops: the rest is checked.
    let mut plain = create.clone();
    plain.as_object_mut().unwrap().remove("members");
    assert_request_ok("POST", &channels, &plain);
    let created = t.post(&token, &channels, &create).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_faithful("POST", &channels, &created);
    assert_eq!(created.body["membershipType"], "private");
    let members_path = format!(
        "{channels}/{}/members",
        created.body["id"].as_str().unwrap()
    );
    let members = t.get(&token, &members_path).await;
    assert_faithful("GET", &members_path, &members);
    let members = members.body["value"].as_array().unwrap().clone();
    assert_eq!(members.len(), 1, "only the owner, not the whole team");
    assert_eq!(members[0]["userId"], ada.as_str());
    assert_eq!(members[0]["roles"], json!(["owner"]));

    // An app must name the owners.
    let app = t.app_token().await;
    let nobody = json!({"displayName": "app-made", "membershipType": "private"});
    let refused = t.post(&app, &channels, &nobody).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no members specified")
    );

    // https://learn.microsoft.com/graph/api/resources/teamsummary
    let got = t.get(&token, &format!("/teams/{team}")).await;
    assert_faithful("GET", &format!("/teams/{team}"), &got);
    assert_eq!(
        got.body["summary"],
        json!({"ownersCount": 1, "membersCount": 4, "guestsCount": 0})
    );
    assert_eq!(
        got.body["memberSettings"]["allowCreateUpdateChannels"],
        true
    );

    // https://learn.microsoft.com/graph/api/team-archive: membership changes continue to be
    // allowed on an archived team.
    assert_eq!(
        t.post(&token, &format!("/teams/{team}/archive"), &json!({}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let jonas = &info.users[9].id;
    let add = json!({"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": [],
        "user@odata.bind": bind(jonas)});
    let added = t
        .post(&token, &format!("/teams/{team}/members"), &add)
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let membership = added.body["id"].as_str().unwrap();
    assert_eq!(
        t.graph(
            Method::DELETE,
            &token,
            &format!("/teams/{team}/members/{membership}"),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    // TeamMember.ReadWriteNonOwnerRole.All adds members but not owners.
    let limited = t
        .user_token("User.Read TeamMember.ReadWriteNonOwnerRole.All")
        .await;
    let members = format!("/teams/{team}/members");
    let as_owner = json!({"@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": ["owner"], "user@odata.bind": bind(jonas)});
    let refused = t.post(&limited, &members, &as_owner).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("TeamMember.ReadWrite.All")
    );
    assert_eq!(
        t.post(&limited, &members, &add).await.status,
        StatusCode::CREATED
    );
}
