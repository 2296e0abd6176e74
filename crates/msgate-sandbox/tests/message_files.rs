//! Replies addressed by their own id, messages that carry files and inline images, and the file
//! side of Teams: sharing a chat's file with its members and reading any file by its URL through
//! the shares API. Statuses and shapes follow the Graph pages cited beside each step; bodies the
//! subset documents are validated against it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Response, TestSandbox, assert_faithful, assert_request_ok, into_response, start};

const SCOPES: &str = "User.Read Chat.ReadWrite ChannelMessage.Read.All ChannelMessage.Send ChannelMessage.ReadWrite Team.ReadBasic.All Channel.ReadBasic.All Files.ReadWrite.All offline_access";

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn named(t: &TestSandbox, token: &str, path: &str, name: &str) -> String {
    let listed = t.get(token, path).await;
    listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["displayName"] == name || v["topic"] == name)
        .map(id)
        .unwrap_or_else(|| panic!("no {name} in {path}"))
}

/// The Platform team and its `eng` channel's messages path.
async fn platform_eng(t: &TestSandbox, token: &str) -> (String, String, String) {
    let team = named(t, token, "/me/joinedTeams", "Platform").await;
    let channel = named(t, token, &format!("/teams/{team}/channels"), "eng").await;
    let messages = format!("/teams/{team}/channels/{channel}/messages");
    (team, channel, messages)
}

/// A response the subset does not document, checked against the operation returning the same
/// type (`documented`).
fn assert_shaped_as(method: &str, documented: &str, response: &Response) {
    let as_documented = Response {
        status: StatusCode::OK,
        headers: response.headers.clone(),
        body: response.body.clone(),
    };
    assert_faithful(method, documented, &as_documented);
}

#[tokio::test]
async fn replies_are_read_edited_deleted_and_reacted_to_by_their_own_id() {
    let t = start().await;
    let token = t.user_token(SCOPES).await;
    let (team, channel, messages) = platform_eng(&t, &token).await;
    let post = t
        .post(
            &token,
            &messages,
            &json!({"body": {"content": "cut-over at 9"}}),
        )
        .await;
    let post_id = id(&post.body);
    let link = post.body["webUrl"].as_str().unwrap();
    // https://learn.microsoft.com/graph/api/chatmessage-post: webUrl names the team and thread.
    assert!(
        link.contains(&format!("groupId={team}"))
            && link.contains(&format!("parentMessageId={post_id}")),
        "{link}"
    );
    assert!(
        link.contains(&channel.replace(':', "%3A").replace('@', "%40")),
        "{link}"
    );

    let png = STANDARD.encode(b"\x89PNG reply image");
    let reply = t
        .post(
            &token,
            &format!("{messages}/{post_id}/replies"),
            &json!({
                "body": {"contentType": "html", "content": "<p>ok <img src=\"../hostedContents/1/$value\"></p>"},
                "hostedContents": [{"@microsoft.graph.temporaryId": "1", "contentBytes": png, "contentType": "image/png"}],
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let reply_id = id(&reply.body);
    assert!(
        reply.body["webUrl"]
            .as_str()
            .unwrap()
            .contains(&format!("parentMessageId={post_id}"))
    );
    let path = format!("{messages}/{post_id}/replies/{reply_id}");

    // https://learn.microsoft.com/graph/api/chatmessage-get ("Get a reply to a message").
    let got = t.get(&token, &path).await;
    assert_eq!(got.status, StatusCode::OK, "{got:?}");
    assert_shaped_as("GET", &format!("{messages}/{post_id}"), &got);
    assert_eq!(got.body["replyToId"], post_id.as_str());
    let src = got.body["body"]["content"]
        .as_str()
        .unwrap()
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        src.contains(&format!(
            "/messages/{post_id}/replies/{reply_id}/hostedContents/"
        )),
        "{src}"
    );
    let image = t.http.get(&src).bearer_auth(&token).send().await.unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(&image.bytes().await.unwrap()[..], b"\x89PNG reply image");
    let hosted = t.get(&token, &format!("{path}/hostedContents")).await;
    assert_eq!(hosted.body["value"].as_array().unwrap().len(), 1);

    // chatmessage-update, -softdelete, -undosoftdelete, -setreaction: 204 each.
    let edit = json!({"body": {"contentType": "html", "content": "<p>ok, 9:30</p>"}});
    for (method, action, body) in [
        (Method::PATCH, "", Some(&edit)),
        (
            Method::POST,
            "/setReaction",
            Some(&json!({"reactionType": "👍"})),
        ),
        (Method::POST, "/softDelete", None),
        (Method::POST, "/undoSoftDelete", None),
    ] {
        let answer = t
            .graph(method, &token, &format!("{path}{action}"), body)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::NO_CONTENT,
            "{action}: {answer:?}"
        );
    }
    let got = t.get(&token, &path).await;
    assert_eq!(got.body["body"]["content"], "<p>ok, 9:30</p>");
    assert!(got.body["lastEditedDateTime"].is_string());
    assert!(got.body["deletedDateTime"].is_null());
    assert_eq!(got.body["reactions"][0]["reactionType"], "👍");
    let listed = t
        .get(&token, &format!("{messages}/{post_id}/replies"))
        .await;
    assert_eq!(
        listed.body["value"][0]["body"]["content"], "<p>ok, 9:30</p>",
        "the same reply"
    );

    assert_eq!(
        t.get(&token, &format!("{messages}/{post_id}/replies/1"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&token, &format!("{messages}/1/replies/{reply_id}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a reply is found only below its own post"
    );
    let reader = t
        .user_token("User.Read ChannelMessage.Read.All Team.ReadBasic.All")
        .await;
    let refused = t.graph(Method::PATCH, &reader, &path, Some(&edit)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ChannelMessage.ReadWrite"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn file_attachments_must_be_placed_in_the_body_and_reference_a_file() {
    let t = start().await;
    let token = t.user_token(SCOPES).await;
    let (_, _, messages) = platform_eng(&t, &token).await;
    let guid = "153fa47d-18c9-4179-be08-9879815a9f90";
    let file = json!({
        "id": guid,
        "contentType": "reference",
        "contentUrl": "https://larkspur.sharepoint.example.invalid/sites/Platform/Shared%20Documents/eng/Budget.docx",
        "name": "Budget.docx",
    });
    // https://learn.microsoft.com/graph/api/chatmessage-post, example 4.
    let body = json!({
        "body": {"contentType": "html", "content": format!("Here's the budget. <attachment id=\"{guid}\"></attachment>")},
        "attachments": [file],
    });
    assert_request_ok("POST", &messages, &body);
    let sent = t.post(&token, &messages, &body).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{sent:?}");
    assert_faithful("POST", &messages, &sent);
    assert_eq!(sent.body["attachments"][0]["contentType"], "reference");
    assert_eq!(sent.body["attachments"][0]["name"], "Budget.docx");
    assert!(sent.body["attachments"][0]["thumbnailUrl"].is_null());

    let unplaced =
        json!({"body": {"contentType": "html", "content": "no tag"}, "attachments": [file]});
    let orphan =
        json!({"body": {"contentType": "html", "content": "<attachment id=\"x\"></attachment>"}});
    let mut nameless = file.clone();
    nameless["name"] = Value::Null;
    let nameless = json!({
        "body": {"contentType": "html", "content": format!("<attachment id=\"{guid}\"></attachment>")},
        "attachments": [nameless],
    });
    let unhosted = json!({"body": {"contentType": "html", "content": "<img src=\"../hostedContents/1/$value\">"}});
    for bad in [unplaced, orphan, nameless, unhosted] {
        let refused = t.post(&token, &messages, &bad).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {refused:?}"
        );
    }
}

fn share_token(url: &str) -> String {
    format!("u!{}", URL_SAFE_NO_PAD.encode(url))
}

#[tokio::test]
async fn a_chat_file_shared_with_members_is_read_through_the_shares_api() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let upload = t
        .http
        .put(format!(
            "{}/me/drive/root:/Documents/budget.csv:/content",
            t.sandbox.info().graph_url
        ))
        .bearer_auth(&ada)
        .body("item,amount\nrunners,6400\n")
        .send()
        .await
        .unwrap();
    let file = into_response(upload).await;
    assert_eq!(file.status, StatusCode::CREATED);
    let url = file.body["webUrl"].as_str().unwrap().to_owned();
    let dev = t
        .sign_in(SCOPES, Some("dev.patel@larkspur.example.invalid"))
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let liam = t
        .sign_in(SCOPES, Some("liam.oconnor@larkspur.example.invalid"))
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let shared = format!("/shares/{}/driveItem", share_token(&url));
    assert_eq!(
        t.get(&dev, &shared).await.status,
        StatusCode::FORBIDDEN,
        "not shared yet"
    );

    // https://learn.microsoft.com/graph/api/driveitem-invite
    let me = t.get(&dev, "/me").await;
    let invite = t
        .post(
            &ada,
            &format!("/me/drive/items/{}/invite", id(&file.body)),
            &json!({
                "recipients": [{"objectId": id(&me.body)}],
                "roles": ["read"],
                "requireSignIn": true,
                "sendInvitation": false,
            }),
        )
        .await;
    assert_eq!(invite.status, StatusCode::OK, "{invite:?}");
    assert_shaped_as(
        "GET",
        &format!("/me/drive/items/{}/permissions", id(&file.body)),
        &invite,
    );
    assert_eq!(
        invite.body["value"][0]["grantedToV2"]["user"]["id"],
        id(&me.body).as_str()
    );

    // https://learn.microsoft.com/graph/api/shares-get: the item, by its own URL.
    let item = t.get(&dev, &shared).await;
    assert_eq!(item.status, StatusCode::OK, "{item:?}");
    assert_shaped_as("GET", "/me/drive/items/x", &item);
    assert_eq!(item.body["id"], id(&file.body).as_str());
    let redirect = t.get(&dev, &format!("{shared}/content")).await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    let location = redirect.headers["location"].to_str().unwrap();
    let bytes = t
        .http
        .get(location)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"item,amount\nrunners,6400\n");
    let encoded = format!(
        "/shares/{}/driveItem",
        share_token(&url.replace(' ', "%20"))
    );
    assert_eq!(
        t.get(&dev, &encoded).await.status,
        StatusCode::OK,
        "URLs compare decoded"
    );

    assert_eq!(
        t.get(&liam, &shared).await.status,
        StatusCode::FORBIDDEN,
        "not invited"
    );
    assert_eq!(
        t.get(&ada, &shared).await.status,
        StatusCode::OK,
        "the owner"
    );
    let missing = share_token("https://larkspur-my.sharepoint.example.invalid/nothing.txt");
    assert_eq!(
        t.get(&dev, &format!("/shares/{missing}/driveItem"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&dev, "/shares/not-a-token/driveItem").await.status,
        StatusCode::BAD_REQUEST
    );
    let unknown = t
        .post(
            &ada,
            &format!("/me/drive/items/{}/invite", id(&file.body)),
            &json!({"recipients": [{"email": "nobody@elsewhere.example.invalid"}], "roles": ["read"], "requireSignIn": true}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    // A file in a team's library opens for the team's members only.
    let team = named(&t, &ada, "/me/joinedTeams", "Platform").await;
    let general = named(&t, &ada, &format!("/teams/{team}/channels"), "General").await;
    let folder = t
        .get(
            &ada,
            &format!("/teams/{team}/channels/{general}/filesFolder"),
        )
        .await;
    let children = t
        .get(
            &ada,
            &format!(
                "/drives/{}/items/{}/children",
                folder.body["parentReference"]["driveId"].as_str().unwrap(),
                id(&folder.body)
            ),
        )
        .await;
    let rota = children.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "On-call rota.csv")
        .unwrap()["webUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let rota = format!("/shares/{}/driveItem", share_token(&rota));
    assert_eq!(
        t.get(&dev, &rota).await.status,
        StatusCode::OK,
        "a Platform member"
    );
    assert_eq!(
        t.get(&liam, &rota).await.status,
        StatusCode::FORBIDDEN,
        "not in Platform"
    );
}
