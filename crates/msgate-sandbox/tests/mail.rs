//! Outlook mail through the sandbox: listing with Outlook's query rules, folders and their
//! counts, drafts, sending with delivery to tenant users, replies that keep the thread, moves and
//! copies, deletes, delta rounds with `@removed`, attachments small and large (with the upload
//! URL's refusal of a bearer token), `Prefer` for text bodies, and the 400/401/403/404 answers.
//! Every response of a subset operation is validated against the OpenAPI subset, every request
//! body sent to one as well; status codes cite each operation's Graph documentation page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Response, TestSandbox, assert_faithful, assert_request_ok, into_response, start};

const MAIL_SCOPES: &str = "User.Read Mail.ReadWrite Mail.Send offline_access";
const BEN: &str = "ben.okafor@larkspur.example.invalid";
const CHLOE: &str = "chloe.martin@larkspur.example.invalid";
const DEV: &str = "dev.patel@larkspur.example.invalid";
const ADA: &str = "ada.brennan@larkspur.example.invalid";

async fn token_for(t: &TestSandbox, upn: &str) -> String {
    t.sign_in(MAIL_SCOPES, Some(upn)).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn values(response: &Response) -> &Vec<Value> {
    response.body["value"].as_array().unwrap()
}

/// Every page of a collection, following nextLinks, each page validated.
async fn all_pages(t: &TestSandbox, token: &str, path: &str) -> Vec<Value> {
    let template = path.split('?').next().unwrap().to_owned();
    let mut items = Vec::new();
    let mut next = path.to_owned();
    loop {
        let page = t.get(token, &next).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        assert_faithful("GET", &template, &page);
        items.extend(values(&page).iter().cloned());
        match page.body["@odata.nextLink"].as_str() {
            Some(link) => next = link.to_owned(),
            None => return items,
        }
    }
}

async fn folder(t: &TestSandbox, token: &str, name: &str) -> Value {
    let response = t.get(token, &format!("/me/mailFolders/{name}")).await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_faithful("GET", &format!("/me/mailFolders/{name}"), &response);
    response.body
}

async fn in_folder(t: &TestSandbox, token: &str, name: &str) -> Vec<Value> {
    all_pages(
        t,
        token,
        &format!("/me/mailFolders/{name}/messages?$top=100"),
    )
    .await
}

async fn find_by_subject(t: &TestSandbox, token: &str, name: &str, subject: &str) -> Value {
    in_folder(t, token, name)
        .await
        .into_iter()
        .find(|m| m["subject"] == subject)
        .unwrap_or_else(|| panic!("no '{subject}' in {name}"))
}

async fn post_checked(t: &TestSandbox, token: &str, path: &str, body: &Value) -> Response {
    assert_request_ok("POST", path, body);
    let response = t.post(token, path, body).await;
    assert_faithful("POST", path, &response);
    response
}

async fn patch_checked(t: &TestSandbox, token: &str, path: &str, body: &Value) -> Response {
    assert_request_ok("PATCH", path, body);
    let response = t.graph(Method::PATCH, token, path, Some(body)).await;
    assert_faithful("PATCH", path, &response);
    response
}

async fn get_with(t: &TestSandbox, token: &str, path: &str, prefer: &str) -> Response {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", t.sandbox.info().graph_url)
    };
    let response = t
        .http
        .get(url)
        .bearer_auth(token)
        .header("Prefer", prefer)
        .send()
        .await
        .unwrap();
    into_response(response).await
}

fn mail(subject: &str, to: &[&str]) -> Value {
    json!({
        "subject": subject,
        "body": {"contentType": "html", "content": format!("<p>{subject}</p>")},
        "toRecipients": to.iter().map(|a| json!({"emailAddress": {"address": a}})).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn the_default_inbox_is_seeded_and_pages_newest_first() {
    let t = start().await;
    let token = t.user_token(MAIL_SCOPES).await;

    // https://learn.microsoft.com/graph/api/user-list-messages: ten per page by default.
    let first = t.get(&token, "/me/messages").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_faithful("GET", "/me/messages", &first);
    assert_eq!(values(&first).len(), 10);
    assert!(
        first.body["@odata.nextLink"]
            .as_str()
            .unwrap()
            .contains("$skiptoken=")
    );
    let received: Vec<&str> = values(&first)
        .iter()
        .map(|m| m["receivedDateTime"].as_str().unwrap())
        .collect();
    let mut sorted = received.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(received, sorted, "newest received first by default");
    assert!(
        values(&first)[0]["@odata.etag"]
            .as_str()
            .unwrap()
            .starts_with("W/\"")
    );

    let inbox = in_folder(&t, &token, "inbox").await;
    assert_eq!(
        inbox.len(),
        20,
        "about twenty messages in the default inbox"
    );
    assert!(inbox.iter().any(|m| m["isRead"] == false));
    assert!(inbox.iter().any(|m| m["flag"]["flagStatus"] == "flagged"));
    assert!(inbox.iter().any(|m| m["hasAttachments"] == true));
    assert!(inbox.iter().all(|m| m["body"]["contentType"] == "html"));
    assert!(inbox.iter().any(|m| {
        m["from"]["emailAddress"]["address"]
            .as_str()
            .unwrap()
            .ends_with(".example.invalid")
            && !m["from"]["emailAddress"]["address"]
                .as_str()
                .unwrap()
                .contains("larkspur")
    }));
    let everything = all_pages(&t, &token, "/me/messages?$top=100").await;
    let renewal: Vec<&Value> = everything
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .ends_with("Renewal terms for 2027")
        })
        .collect();
    assert_eq!(
        renewal.len(),
        3,
        "a thread of three across Inbox and Sent Items"
    );
    assert!(
        renewal
            .iter()
            .all(|m| m["conversationId"] == renewal[0]["conversationId"])
    );
    assert!(
        renewal
            .iter()
            .any(|m| m["subject"] == "RE: Renewal terms for 2027")
    );
    let sent = in_folder(&t, &token, "sentitems").await;
    assert!(sent.len() >= 3);
    let drafts = in_folder(&t, &token, "drafts").await;
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0]["isDraft"], true);

    // $top (up to 1000), $select and $count.
    let page = t
        .get(
            &token,
            "/me/messages?$top=3&$select=subject,isRead&$count=true",
        )
        .await;
    assert_faithful("GET", "/me/messages", &page);
    assert_eq!(values(&page).len(), 3);
    let keys: Vec<&String> = values(&page)[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["@odata.etag", "id", "subject", "isRead"]);
    assert!(page.body["@odata.count"].as_u64().unwrap() > 20);
    let next = page.body["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("$select=subject,isRead"), "{next}");

    // Other users have mail too: the all-hands went to everyone.
    let ben = token_for(&t, BEN).await;
    let bens = in_folder(&t, &ben, "inbox").await;
    assert!(bens.iter().any(|m| m["subject"] == "All-hands on Friday"));
}

#[tokio::test]
async fn filters_search_and_the_combinations_outlook_refuses() {
    let t = start().await;
    let token = t.user_token(MAIL_SCOPES).await;

    let unread = all_pages(&t, &token, "/me/messages?$filter=isRead%20eq%20false").await;
    assert!(!unread.is_empty());
    assert!(unread.iter().all(|m| m["isRead"] == false));

    let from = all_pages(
        &t,
        &token,
        "/me/messages?$filter=from/emailAddress/address%20eq%20'tomas.novak@northwind.example.invalid'",
    )
    .await;
    assert_eq!(from.len(), 2);

    let week_ago = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 7))
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let recent = all_pages(
        &t,
        &token,
        &format!(
            "/me/messages?$filter=receivedDateTime%20ge%20{week_ago}&$orderby=receivedDateTime%20desc"
        ),
    )
    .await;
    assert!(!recent.is_empty());
    let cutoff: jiff::Timestamp = week_ago.parse().unwrap();
    assert!(recent.iter().all(|m| {
        m["receivedDateTime"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            >= cutoff
    }));

    // https://learn.microsoft.com/graph/search-query-parameter: from, subject and body by default.
    let found = all_pages(&t, &token, "/me/messages?$search=%22runner%22").await;
    assert!(
        found
            .iter()
            .any(|m| m["subject"] == "Runner cost review numbers")
    );
    assert!(
        found
            .iter()
            .any(|m| m["subject"] == "CI runner pool migration")
    );
    let by_subject = all_pages(&t, &token, "/me/messages?$search=%22subject:budget%22").await;
    assert_eq!(by_subject.len(), 1);
    let by_sender = all_pages(&t, &token, "/me/messages?$search=%22from:tomas%22").await;
    assert_eq!(by_sender.len(), 2);
    let by_attachment = all_pages(
        &t,
        &token,
        "/me/messages?$search=%22attachment:runner-costs%22",
    )
    .await;
    assert_eq!(by_attachment.len(), 1);

    for (query, code) in [
        (
            "$search=%22runner%22&$filter=isRead%20eq%20false",
            "SearchWithFilter",
        ),
        (
            "$search=%22runner%22&$orderby=receivedDateTime%20desc",
            "SearchWithOrderBy",
        ),
        (
            "$filter=isRead%20eq%20false&$orderby=receivedDateTime%20desc",
            "InefficientFilter",
        ),
        ("$select=subjekt", "BadRequest"),
    ] {
        let refused = t.get(&token, &format!("/me/messages?{query}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(refused.body["error"]["code"], code, "{query}");
        assert_faithful("GET", "/me/messages", &refused);
    }
}

#[tokio::test]
async fn folders_have_well_known_names_counts_and_children() {
    let t = start().await;
    let token = t.user_token(MAIL_SCOPES).await;

    let list = t.get(&token, "/me/mailFolders").await;
    assert_faithful("GET", "/me/mailFolders", &list);
    let names: Vec<&str> = values(&list)
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    for name in [
        "Inbox",
        "Drafts",
        "Sent Items",
        "Deleted Items",
        "Archive",
        "Junk Email",
        "Projects",
    ] {
        assert!(names.contains(&name), "{names:?}");
    }

    let inbox = folder(&t, &token, "inbox").await;
    let listed = values(&list)
        .iter()
        .find(|f| f["displayName"] == "Inbox")
        .unwrap();
    assert_eq!(inbox["id"], listed["id"]);
    assert_eq!(inbox["totalItemCount"], 20);
    let unread = in_folder(&t, &token, "inbox")
        .await
        .iter()
        .filter(|m| m["isRead"] == false)
        .count();
    assert_eq!(inbox["unreadItemCount"], unread);
    let by_id = folder(&t, &token, inbox["id"].as_str().unwrap()).await;
    assert_eq!(by_id["displayName"], "Inbox");
    for name in [
        "drafts",
        "sentitems",
        "deleteditems",
        "archive",
        "junkemail",
    ] {
        folder(&t, &token, name).await;
    }

    let projects = values(&list)
        .iter()
        .find(|f| f["displayName"] == "Projects")
        .unwrap();
    assert_eq!(projects["childFolderCount"], 1);
    let children_path = format!(
        "/me/mailFolders/{}/childFolders",
        projects["id"].as_str().unwrap()
    );
    let children = t.get(&token, &children_path).await;
    assert_faithful("GET", &children_path, &children);
    let release = &values(&children)[0];
    assert_eq!(release["displayName"], "Release 4.2");
    let release_messages = in_folder(&t, &token, release["id"].as_str().unwrap()).await;
    assert_eq!(release_messages.len(), 2);
    assert_eq!(release["totalItemCount"], 2);

    // Creating folders: https://learn.microsoft.com/graph/api/user-post-mailfolders and
    // mailfolder-post-childfolders answer 201; a taken name is 409 ErrorFolderExists.
    let created = t
        .post(
            &token,
            "/me/mailFolders",
            &json!({"displayName": "Vendors", "isHidden": false}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["totalItemCount"], 0);
    let vendor_id = created.body["id"].as_str().unwrap().to_owned();
    let child = t
        .post(
            &token,
            &format!("/me/mailFolders/{vendor_id}/childFolders"),
            &json!({"displayName": "CloudHost"}),
        )
        .await;
    assert_eq!(child.status, StatusCode::CREATED);
    assert_eq!(child.body["parentFolderId"], vendor_id.as_str());
    let duplicate = t
        .post(
            &token,
            "/me/mailFolders",
            &json!({"displayName": "vendors"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.body["error"]["code"], "ErrorFolderExists");
    let vendors = folder(&t, &token, &vendor_id).await;
    assert_eq!(vendors["childFolderCount"], 1);
    let hidden = t
        .post(
            &token,
            "/me/mailFolders",
            &json!({"displayName": "Stash", "isHidden": true}),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::CREATED);
    let shown = |list: &Response| values(list).iter().any(|f| f["displayName"] == "Stash");
    assert!(!shown(&t.get(&token, "/me/mailFolders?$top=50").await));
    let with_hidden = t
        .get(&token, "/me/mailFolders?$top=50&includeHiddenFolders=true")
        .await;
    assert_faithful("GET", "/me/mailFolders", &with_hidden);
    assert!(shown(&with_hidden));

    let missing = t
        .get(
            &token,
            "/me/mailFolders/AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OAAuAAAAAAA=",
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "ErrorItemNotFound");
    assert_faithful("GET", "/me/mailFolders/x", &missing);
    let malformed = t.get(&token, "/me/mailFolders/not-a-folder").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["error"]["code"], "ErrorInvalidIdMalformed");
}

#[tokio::test]
async fn updates_change_read_state_flags_and_counts() {
    let t = start().await;
    let token = t.user_token(MAIL_SCOPES).await;
    let before = folder(&t, &token, "inbox").await["unreadItemCount"]
        .as_u64()
        .unwrap();
    let message = find_by_subject(&t, &token, "inbox", "Budget sign-off needed").await;
    assert_eq!(message["isRead"], false);
    let path = format!("/me/messages/{}", message["id"].as_str().unwrap());

    // https://learn.microsoft.com/graph/api/message-update: 200 with the updated message.
    let update = json!({
        "isRead": true,
        "flag": {"flagStatus": "flagged"},
        "categories": ["Finance"],
        "importance": "low",
    });
    let updated = patch_checked(&t, &token, &path, &update).await;
    assert_eq!(updated.status, StatusCode::OK, "{updated:?}");
    assert_eq!(updated.body["isRead"], true);
    assert_eq!(updated.body["flag"]["flagStatus"], "flagged");
    assert_eq!(updated.body["categories"], json!(["Finance"]));
    assert_ne!(updated.body["changeKey"], message["changeKey"]);
    let after = folder(&t, &token, "inbox").await["unreadItemCount"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before - 1);

    let completed = patch_checked(
        &t,
        &token,
        &path,
        &json!({"flag": {"flagStatus": "complete"}}),
    )
    .await;
    assert!(completed.body["flag"]["completedDateTime"]["dateTime"].is_string());

    let unread_again = patch_checked(&t, &token, &path, &json!({"isRead": false})).await;
    assert_eq!(unread_again.status, StatusCode::OK);
    assert_eq!(folder(&t, &token, "inbox").await["unreadItemCount"], before);

    // A received message's subject is not the reader's to change.
    let refused = t
        .graph(
            Method::PATCH,
            &token,
            &path,
            Some(&json!({"subject": "mine now"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["error"]["code"],
        "ErrorInvalidPropertyUpdateSentMessage"
    );
    let unknown = t
        .graph(
            Method::PATCH,
            &token,
            &path,
            Some(&json!({"isUnread": true})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["error"]["code"], "RequestBodyRead");
    let bad_enum = t
        .graph(
            Method::PATCH,
            &token,
            &path,
            Some(&json!({"importance": "urgent"})),
        )
        .await;
    assert_eq!(bad_enum.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn prefer_text_returns_plain_bodies_and_says_so() {
    let t = start().await;
    let token = t.user_token(MAIL_SCOPES).await;
    let message = find_by_subject(&t, &token, "inbox", "Budget sign-off needed").await;
    let path = format!("/me/messages/{}", message["id"].as_str().unwrap());

    let text = get_with(&t, &token, &path, "outlook.body-content-type=\"text\"").await;
    assert_eq!(text.status, StatusCode::OK);
    assert_faithful("GET", &path, &text);
    assert_eq!(text.body["body"]["contentType"], "text");
    let content = text.body["body"]["content"].as_str().unwrap();
    assert!(content.contains("I need your sign-off"), "{content}");
    assert!(!content.contains('<'), "{content}");
    assert_eq!(
        text.headers["preference-applied"],
        "outlook.body-content-type=\"text\""
    );

    let list = get_with(
        &t,
        &token,
        "/me/messages?$top=5",
        "outlook.body-content-type=\"text\"",
    )
    .await;
    assert_faithful("GET", "/me/messages", &list);
    assert!(
        values(&list)
            .iter()
            .all(|m| m["body"]["contentType"] == "text")
    );

    let paged = get_with(&t, &token, "/me/messages", "odata.maxpagesize=3").await;
    assert_eq!(values(&paged).len(), 3);
    assert_eq!(paged.headers["preference-applied"], "odata.maxpagesize=3");

    let html = t.get(&token, &path).await;
    assert_eq!(html.body["body"]["contentType"], "html");
    assert!(html.headers.get("preference-applied").is_none());

    let unique = t
        .get(&token, &format!("{path}?$select=uniqueBody,subject"))
        .await;
    assert_faithful("GET", &path, &unique);
    assert_eq!(unique.body["uniqueBody"]["contentType"], "html");
}

#[tokio::test]
async fn send_mail_delivers_inside_the_tenant_and_records_the_rest() {
    let t = start().await;
    let ada = t.user_token(MAIL_SCOPES).await;
    let sent_before = in_folder(&t, &ada, "sentitems").await.len();

    // https://learn.microsoft.com/graph/api/user-sendmail: 202 Accepted, no body.
    let mut message = mail(
        "Launch checklist",
        &[BEN, "partner@outside.example.invalid"],
    );
    message["ccRecipients"] = json!([{"emailAddress": {"address": CHLOE}}]);
    message["bccRecipients"] = json!([{"emailAddress": {"address": DEV}}]);
    let body = json!({"message": message, "saveToSentItems": true});
    let sent = post_checked(&t, &ada, "/me/sendMail", &body).await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{sent:?}");
    assert!(sent.body.is_null());

    let ours = find_by_subject(&t, &ada, "sentitems", "Launch checklist").await;
    assert_eq!(
        in_folder(&t, &ada, "sentitems").await.len(),
        sent_before + 1
    );
    assert_eq!(ours["isRead"], true);
    assert_eq!(ours["from"]["emailAddress"]["address"], ADA);
    assert_eq!(ours["bccRecipients"][0]["emailAddress"]["address"], DEV);
    assert_eq!(
        ours["toRecipients"][0]["emailAddress"]["name"],
        "Ben Okafor"
    );

    for (upn, bcc_hidden) in [(BEN, true), (CHLOE, true), (DEV, true)] {
        let token = token_for(&t, upn).await;
        let theirs = find_by_subject(&t, &token, "inbox", "Launch checklist").await;
        assert_eq!(theirs["isRead"], false);
        assert_eq!(theirs["conversationId"], ours["conversationId"]);
        assert_eq!(theirs["internetMessageId"], ours["internetMessageId"]);
        assert_ne!(theirs["id"], ours["id"]);
        assert_eq!(
            theirs["bccRecipients"].as_array().unwrap().is_empty(),
            bcc_hidden
        );
    }

    let outbound = t
        .http
        .get(format!(
            "{}/_sandbox/mail/outbound",
            t.sandbox.info().login_url
        ))
        .send()
        .await
        .unwrap();
    let outbound: Value = outbound.json().await.unwrap();
    let record = outbound["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == "Launch checklist")
        .unwrap();
    assert_eq!(
        record["toRecipients"][0]["emailAddress"]["address"],
        "partner@outside.example.invalid"
    );

    // The CSDL's PascalCase parameters work too; saveToSentItems false keeps no copy.
    let quiet = json!({"Message": mail("No copy kept", &[BEN]), "SaveToSentItems": false});
    assert_eq!(
        post_checked(&t, &ada, "/me/sendMail", &quiet).await.status,
        StatusCode::ACCEPTED
    );
    assert!(
        in_folder(&t, &ada, "sentitems")
            .await
            .iter()
            .all(|m| m["subject"] != "No copy kept")
    );

    let nobody = json!({"message": mail("Into the void", &[])});
    let refused = post_checked(&t, &ada, "/me/sendMail", &nobody).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["error"]["code"], "ErrorInvalidRecipients");
    let unresolved = json!({"message": mail("Typo", &["ben.okafor"])});
    let refused = post_checked(&t, &ada, "/me/sendMail", &unresolved).await;
    assert_eq!(refused.body["error"]["code"], "ErrorInvalidRecipients");
    let empty = t.post(&ada, "/me/sendMail", &json!({})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn drafts_are_created_edited_and_sent() {
    let t = start().await;
    let ada = t.user_token(MAIL_SCOPES).await;

    // https://learn.microsoft.com/graph/api/user-post-messages: 201, a draft in Drafts.
    let draft = post_checked(&t, &ada, "/me/messages", &mail("Offsite agenda", &[BEN])).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{draft:?}");
    assert_eq!(draft.body["isDraft"], true);
    let drafts = folder(&t, &ada, "drafts").await;
    assert_eq!(draft.body["parentFolderId"], drafts["id"]);
    assert_eq!(drafts["totalItemCount"], 2);
    let path = format!("/me/messages/{}", draft.body["id"].as_str().unwrap());

    let edit = json!({
        "subject": "Offsite agenda (v2)",
        "body": {"contentType": "text", "content": "Day one: strategy.\nDay two: hiking."},
        "ccRecipients": [{"emailAddress": {"address": CHLOE}}],
    });
    let edited = patch_checked(&t, &ada, &path, &edit).await;
    assert_eq!(edited.status, StatusCode::OK);
    assert_eq!(edited.body["subject"], "Offsite agenda (v2)");
    assert_eq!(
        edited.body["bodyPreview"],
        "Day one: strategy. Day two: hiking."
    );

    let unknown = t
        .post(&ada, "/me/messages", &json!({"subjet": "typo"}))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown.body["error"]["code"], "RequestBodyRead");

    // https://learn.microsoft.com/graph/api/message-send: 202; the draft leaves Drafts.
    let sent = t
        .graph(Method::POST, &ada, &format!("{path}/send"), None)
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{sent:?}");
    assert_faithful("POST", &format!("{path}/send"), &sent);
    let gone = t.get(&ada, &path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["error"]["code"], "ErrorItemNotFound");
    assert_faithful("GET", &path, &gone);
    let copy = find_by_subject(&t, &ada, "sentitems", "Offsite agenda (v2)").await;
    assert_eq!(copy["isDraft"], false);
    let chloe = token_for(&t, CHLOE).await;
    find_by_subject(&t, &chloe, "inbox", "Offsite agenda (v2)").await;

    let received = find_by_subject(&t, &ada, "inbox", "1:1 agenda").await;
    let again = t
        .graph(
            Method::POST,
            &ada,
            &format!("/me/messages/{}/send", received["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);

    let empty = post_checked(&t, &ada, "/me/messages", &mail("Nobody yet", &[])).await;
    let refused = t
        .graph(
            Method::POST,
            &ada,
            &format!("/me/messages/{}/send", empty.body["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(refused.body["error"]["code"], "ErrorInvalidRecipients");
}

#[tokio::test]
async fn replies_and_forwards_keep_the_thread() {
    let t = start().await;
    let ada = t.user_token(MAIL_SCOPES).await;
    let ben = token_for(&t, BEN).await;
    let original = json!({"message": mail("Runner budget", &[BEN]), "saveToSentItems": true});
    post_checked(&t, &ada, "/me/sendMail", &original).await;
    let received = find_by_subject(&t, &ben, "inbox", "Runner budget").await;
    let id = received["id"].as_str().unwrap();

    // https://learn.microsoft.com/graph/api/message-reply: 202, to the sender, "RE:".
    let reply = json!({"comment": "Looks right to me."});
    let replied = post_checked(&t, &ben, &format!("/me/messages/{id}/reply"), &reply).await;
    assert_eq!(replied.status, StatusCode::ACCEPTED, "{replied:?}");
    let answer = find_by_subject(&t, &ada, "inbox", "RE: Runner budget").await;
    assert_eq!(answer["conversationId"], received["conversationId"]);
    assert_eq!(answer["from"]["emailAddress"]["address"], BEN);
    assert!(
        answer["body"]["content"]
            .as_str()
            .unwrap()
            .contains("Looks right to me.")
    );
    assert!(
        answer["bodyPreview"]
            .as_str()
            .unwrap()
            .starts_with("Looks right to me.")
    );
    find_by_subject(&t, &ben, "sentitems", "RE: Runner budget").await;

    // Replying to a reply does not stack prefixes; reply-all reaches To and Cc minus oneself.
    let mut group = mail("Design review", &[BEN, CHLOE]);
    group["ccRecipients"] = json!([{"emailAddress": {"address": DEV}}]);
    post_checked(&t, &ada, "/me/sendMail", &json!({"message": group})).await;
    let review = find_by_subject(&t, &ben, "inbox", "Design review").await;
    let all =
        json!({"message": {"body": {"contentType": "html", "content": "<p>Thursday works.</p>"}}});
    let path = format!("/me/messages/{}/replyAll", review["id"].as_str().unwrap());
    assert_eq!(
        post_checked(&t, &ben, &path, &all).await.status,
        StatusCode::ACCEPTED
    );
    let to_all = find_by_subject(&t, &ben, "sentitems", "RE: Design review").await;
    let addresses = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["emailAddress"]["address"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(addresses(&to_all["toRecipients"]), [ADA, CHLOE]);
    assert_eq!(addresses(&to_all["ccRecipients"]), [DEV]);
    let dev = token_for(&t, DEV).await;
    let devs = find_by_subject(&t, &dev, "inbox", "RE: Design review").await;
    assert_eq!(devs["conversationId"], review["conversationId"]);
    let again = find_by_subject(&t, &ada, "inbox", "RE: Design review").await;
    let path = format!("/me/messages/{}/reply", again["id"].as_str().unwrap());
    post_checked(&t, &ada, &path, &json!({"comment": "Booked."})).await;
    let thread: Vec<Value> = in_folder(&t, &ben, "inbox")
        .await
        .into_iter()
        .filter(|m| m["conversationId"] == review["conversationId"])
        .collect();
    assert_eq!(thread.len(), 2, "the original and Ada's second reply");
    assert!(thread.iter().any(|m| m["subject"] == "RE: Design review"));

    // https://learn.microsoft.com/graph/api/message-forward: "FW:", attachments travel along.
    let costs = find_by_subject(&t, &ada, "inbox", "Runner cost review numbers").await;
    let forward = json!({
        "comment": "For the budget meeting.",
        "toRecipients": [{"emailAddress": {"address": DEV}}],
    });
    let path = format!("/me/messages/{}/forward", costs["id"].as_str().unwrap());
    assert_eq!(
        post_checked(&t, &ada, &path, &forward).await.status,
        StatusCode::ACCEPTED
    );
    let forwarded = find_by_subject(&t, &dev, "inbox", "FW: Runner cost review numbers").await;
    assert_eq!(forwarded["hasAttachments"], true);
    assert_eq!(forwarded["conversationId"], costs["conversationId"]);
    let nobody = post_checked(&t, &ada, &path, &json!({"comment": "to whom?"})).await;
    assert_eq!(nobody.body["error"]["code"], "ErrorInvalidRecipients");
    let dev_only = json!([{"emailAddress": {"address": DEV}}]);
    let twice = json!({"toRecipients": dev_only, "message": {"toRecipients": dev_only}});
    let refused = post_checked(&t, &ada, &path, &twice).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    let in_message = json!({"message": {
        "toRecipients": dev_only,
        "body": {"contentType": "html", "content": "<p>Again, <b>with</b> HTML.</p>"},
    }});
    assert_eq!(
        post_checked(&t, &ada, &path, &in_message).await.status,
        StatusCode::ACCEPTED
    );

    let both =
        json!({"comment": "x", "message": {"body": {"contentType": "text", "content": "y"}}});
    let refused = post_checked(&t, &ben, &format!("/me/messages/{id}/reply"), &both).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn move_copy_and_delete_change_ids_folders_and_counts() {
    let t = start().await;
    let token = t.user_token(MAIL_SCOPES).await;
    let inbox_before = folder(&t, &token, "inbox").await;
    let message = find_by_subject(&t, &token, "inbox", "Export timeout tickets").await;
    let id = message["id"].as_str().unwrap();

    // https://learn.microsoft.com/graph/api/message-move: 201 with the message, under a new id.
    let body = json!({"destinationId": "archive"});
    let moved = post_checked(&t, &token, &format!("/me/messages/{id}/move"), &body).await;
    assert_eq!(moved.status, StatusCode::CREATED, "{moved:?}");
    let archive = folder(&t, &token, "archive").await;
    assert_eq!(moved.body["parentFolderId"], archive["id"]);
    assert_ne!(moved.body["id"], message["id"]);
    assert_eq!(
        t.get(&token, &format!("/me/messages/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let inbox_after = folder(&t, &token, "inbox").await;
    assert_eq!(
        inbox_after["totalItemCount"],
        inbox_before["totalItemCount"].as_u64().unwrap() - 1
    );
    assert_eq!(
        inbox_after["unreadItemCount"],
        inbox_before["unreadItemCount"].as_u64().unwrap() - 1
    );
    assert_eq!(archive["totalItemCount"], 1);
    assert_eq!(archive["unreadItemCount"], 1);

    // https://learn.microsoft.com/graph/api/message-copy: 201; the original stays.
    let costs = find_by_subject(&t, &token, "inbox", "Runner cost review numbers").await;
    let copy_path = format!("/me/messages/{}/copy", costs["id"].as_str().unwrap());
    let copied = post_checked(&t, &token, &copy_path, &json!({"DestinationId": "archive"})).await;
    assert_eq!(copied.status, StatusCode::CREATED);
    assert_eq!(copied.body["hasAttachments"], true);
    let attachments = t
        .get(
            &token,
            &format!(
                "/me/messages/{}/attachments",
                copied.body["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(values(&attachments).len(), 1);
    assert_eq!(folder(&t, &token, "archive").await["totalItemCount"], 2);
    assert_eq!(
        folder(&t, &token, "inbox").await["totalItemCount"],
        inbox_after["totalItemCount"]
    );

    let nowhere = t
        .post(
            &token,
            &copy_path,
            &json!({"destinationId": "AAMkAGNvbm5vdC1iZS1mb3VuZC1hbnl3aGVyZS4uLi4uAAA="}),
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);

    // https://learn.microsoft.com/graph/api/message-delete: 204, then 404.
    let path = format!("/me/messages/{}", copied.body["id"].as_str().unwrap());
    let deleted = t.graph(Method::DELETE, &token, &path, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_faithful("DELETE", &path, &deleted);
    assert_eq!(t.get(&token, &path).await.status, StatusCode::NOT_FOUND);
    let again = t.graph(Method::DELETE, &token, &path, None).await;
    assert_eq!(again.body["error"]["code"], "ErrorItemNotFound");
    assert_eq!(folder(&t, &token, "archive").await["totalItemCount"], 1);
}

#[tokio::test]
async fn delta_rounds_report_changes_and_removals() {
    let t = start().await;
    let ada = t.user_token(MAIL_SCOPES).await;

    // The first round pages through the whole folder (odata.maxpagesize), then a deltaLink.
    let mut link = "/me/mailFolders/inbox/messages/delta".to_owned();
    let mut seen = Vec::new();
    let delta_link = loop {
        let page = get_with(&t, &ada, &link, "odata.maxpagesize=8").await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        assert_faithful("GET", "/me/mailFolders/inbox/messages/delta", &page);
        assert!(values(&page).len() <= 8);
        seen.extend(values(&page).iter().map(|m| m["id"].clone()));
        if let Some(next) = page.body["@odata.nextLink"].as_str() {
            link = next.to_owned();
            continue;
        }
        break page.body["@odata.deltaLink"].as_str().unwrap().to_owned();
    };
    assert_eq!(seen.len(), 20);

    // Nothing changed: an empty round.
    let quiet = t.get(&ada, &delta_link).await;
    assert!(values(&quiet).is_empty(), "{quiet:?}");

    let read = find_by_subject(&t, &ada, "inbox", "Budget sign-off needed").await;
    let moved = find_by_subject(&t, &ada, "inbox", "Quick question about the pricing page").await;
    let deleted = find_by_subject(&t, &ada, "inbox", "1:1 agenda").await;
    patch_checked(
        &t,
        &ada,
        &format!("/me/messages/{}", read["id"].as_str().unwrap()),
        &json!({"isRead": true}),
    )
    .await;
    post_checked(
        &t,
        &ada,
        &format!("/me/messages/{}/move", moved["id"].as_str().unwrap()),
        &json!({"destinationId": "archive"}),
    )
    .await;
    t.graph(
        Method::DELETE,
        &ada,
        &format!("/me/messages/{}", deleted["id"].as_str().unwrap()),
        None,
    )
    .await;
    let ben = token_for(&t, BEN).await;
    post_checked(
        &t,
        &ben,
        "/me/sendMail",
        &json!({"message": mail("Fresh news", &[ADA])}),
    )
    .await;

    let round = t.get(&ada, &delta_link).await;
    assert_faithful("GET", "/me/mailFolders/inbox/messages/delta", &round);
    let changes = values(&round);
    let ids: Vec<&Value> = changes.iter().map(|c| &c["id"]).collect();
    assert_eq!(changes.len(), 4, "{changes:#?}");
    assert!(ids.contains(&&read["id"]));
    assert!(changes.iter().any(|c| c["subject"] == "Fresh news"));
    for gone in [&moved, &deleted] {
        let entry = changes.iter().find(|c| c["id"] == gone["id"]).unwrap();
        assert_eq!(entry["@removed"]["reason"], "deleted");
        assert_eq!(entry.as_object().unwrap().len(), 3, "{entry}");
    }
    let next_link = round.body["@odata.deltaLink"].as_str().unwrap();
    assert!(values(&t.get(&ada, next_link).await).is_empty());

    // changeType narrows a round; /me/messages/delta covers the whole mailbox.
    let deleted_only = t
        .get(&ada, &format!("{delta_link}&changeType=deleted"))
        .await;
    assert_eq!(values(&deleted_only).len(), 2);
    let created_only = t
        .get(&ada, &format!("{delta_link}&changeType=created"))
        .await;
    assert_eq!(values(&created_only).len(), 1);
    let updated_only = t
        .get(&ada, &format!("{delta_link}&changeType=updated"))
        .await;
    assert_eq!(values(&updated_only).len(), 1);
    let everything = all_pages(&t, &ada, "/me/messages/delta?$select=subject").await;
    assert!(
        everything
            .iter()
            .any(|m| m["subject"] == "Quick question about the pricing page")
    );
    assert!(everything.iter().all(|m| m.get("body").is_none()));

    let refused = t
        .get(
            &ada,
            "/me/mailFolders/inbox/messages/delta?$filter=isRead%20eq%20false",
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn attachments_small_and_through_an_upload_session() {
    let t = start().await;
    let token = t.user_token(MAIL_SCOPES).await;
    let costs = find_by_subject(&t, &token, "inbox", "Runner cost review numbers").await;
    let base = format!("/me/messages/{}/attachments", costs["id"].as_str().unwrap());

    let listed = t.get(&token, &base).await;
    assert_faithful("GET", &base, &listed);
    let seeded = &values(&listed)[0];
    assert_eq!(seeded["@odata.type"], "#microsoft.graph.fileAttachment");
    assert_eq!(seeded["name"], "runner-costs.csv");
    let one_path = format!("{base}/{}", seeded["id"].as_str().unwrap());
    let one = t.get(&token, &one_path).await;
    assert_faithful("GET", &one_path, &one);
    let raw = t
        .http
        .get(format!("{}{one_path}/$value", t.sandbox.info().graph_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    assert_eq!(raw.headers()["content-type"], "text/csv");
    let bytes = raw.bytes().await.unwrap();
    assert!(bytes.starts_with(b"month,runner_hours"));
    assert_eq!(bytes.len() as u64, seeded["size"].as_u64().unwrap());

    // https://learn.microsoft.com/graph/api/message-post-attachments: 201.
    let draft = post_checked(&t, &token, "/me/messages", &mail("With files", &[BEN])).await;
    let draft_id = draft.body["id"].as_str().unwrap().to_owned();
    let attachments_path = format!("/me/messages/{draft_id}/attachments");
    let small = json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "notes.txt",
        "contentType": "text/plain",
        "contentBytes": "aGVsbG8gZnJvbSB0aGUgc2FuZGJveA==",
    });
    let added = post_checked(&t, &token, &attachments_path, &small).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    assert_eq!(added.body["size"], 22);
    let untyped = t
        .post(&token, &attachments_path, &json!({"name": "x"}))
        .await;
    assert_eq!(untyped.status, StatusCode::BAD_REQUEST);

    // https://learn.microsoft.com/graph/api/attachment-createuploadsession: 201; under 3 MB is
    // refused with ErrorAttachmentSizeShouldNotBeLessThanMinimumSize.
    let session_path = format!("{attachments_path}/createUploadSession");
    let too_small = t
        .post(&token, &session_path, &json!({"AttachmentItem": {"attachmentType": "file", "name": "tiny.bin", "size": 1024}}))
        .await;
    assert_eq!(too_small.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        too_small.body["error"]["code"],
        "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"
    );
    let size: usize = 3 * 1024 * 1024 + 700_000;
    let file: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let session = t
        .post(
            &token,
            &session_path,
            &json!({"AttachmentItem": {"attachmentType": "file", "name": "design.bin", "size": size, "contentType": "application/octet-stream"}}),
        )
        .await;
    assert_eq!(session.status, StatusCode::CREATED, "{session:?}");
    assert_eq!(session.body["nextExpectedRanges"], json!(["0-"]));
    let upload_url = session.body["uploadUrl"].as_str().unwrap().to_owned();
    assert!(!upload_url.contains("/v1.0/"), "{upload_url}");

    let put = |range: (usize, usize), bearer: Option<&str>| {
        let mut request = t
            .http
            .put(&upload_url)
            .header(
                "Content-Range",
                format!("bytes {}-{}/{size}", range.0, range.1),
            )
            .header("Content-Type", "application/octet-stream")
            .body(file[range.0..=range.1].to_vec());
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send()
    };

    // The upload URL is pre-authenticated: a bearer token there is refused, never used.
    let leaked = put((0, 99), Some(&token)).await.unwrap();
    assert_eq!(leaked.status(), StatusCode::UNAUTHORIZED);

    let chunk = 1_300_000;
    let first = into_response(put((0, chunk - 1), None).await.unwrap()).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body["nextExpectedRanges"], json!([chunk.to_string()]));
    let skipped = put((2 * chunk, size - 1), None).await.unwrap();
    assert_eq!(skipped.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let second = put((chunk, 2 * chunk - 1), None).await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let last = put((2 * chunk, size - 1), None).await.unwrap();
    assert_eq!(last.status(), StatusCode::CREATED);
    let location = last.headers()["location"].to_str().unwrap().to_owned();
    let attachment_id = location
        .rsplit_once("Attachments('")
        .unwrap()
        .1
        .trim_end_matches("')")
        .to_owned();
    assert!(last.bytes().await.unwrap().is_empty());
    let finished = put((0, 99), None).await.unwrap();
    assert_eq!(
        finished.status(),
        StatusCode::NOT_FOUND,
        "the session is over"
    );

    let value = t
        .http
        .get(format!(
            "{}{attachments_path}/{attachment_id}/$value",
            t.sandbox.info().graph_url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(value.bytes().await.unwrap().as_ref(), file.as_slice());
    let listed = t
        .get(&token, &format!("{attachments_path}?$select=name,size"))
        .await;
    assert_faithful("GET", &attachments_path, &listed);
    assert_eq!(values(&listed).len(), 2);
    let draft = t.get(&token, &format!("/me/messages/{draft_id}")).await;
    assert_eq!(draft.body["hasAttachments"], true);
    let expanded = t
        .get(
            &token,
            &format!("/me/messages/{draft_id}?$expand=attachments"),
        )
        .await;
    assert_eq!(expanded.body["attachments"].as_array().unwrap().len(), 2);

    // Sending carries attachments to the recipient; a cancelled session is gone.
    t.graph(
        Method::POST,
        &token,
        &format!("/me/messages/{draft_id}/send"),
        None,
    )
    .await;
    let ben = token_for(&t, BEN).await;
    let theirs = find_by_subject(&t, &ben, "inbox", "With files").await;
    let theirs_path = format!(
        "/me/messages/{}/attachments",
        theirs["id"].as_str().unwrap()
    );
    assert_eq!(values(&t.get(&ben, &theirs_path).await).len(), 2);
    let other = t
        .post(
            &ben,
            &format!("{theirs_path}/createUploadSession"),
            &json!({"AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": size}}),
        )
        .await;
    let url = other.body["uploadUrl"].as_str().unwrap();
    assert_eq!(
        t.http
            .delete(url)
            .bearer_auth(&ben)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.http.delete(url).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.http.delete(url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn scopes_and_identity_decide_access() {
    let t = start().await;

    // 403 naming what would allow it, as Graph words it.
    let profile_only = t.user_token("User.Read offline_access").await;
    let denied = t.get(&profile_only, "/me/messages").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(
        denied.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Mail.ReadBasic")
    );
    assert_faithful("GET", "/me/messages", &denied);
    let denied = t.get(&profile_only, "/me/mailFolders").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let reader = t.user_token("User.Read Mail.Read").await;
    assert_eq!(t.get(&reader, "/me/messages").await.status, StatusCode::OK);
    let send = t
        .post(
            &reader,
            "/me/sendMail",
            &json!({"message": mail("x", &[BEN])}),
        )
        .await;
    assert_eq!(send.status, StatusCode::FORBIDDEN);
    let folder_create = t
        .post(&reader, "/me/mailFolders", &json!({"displayName": "x"}))
        .await;
    assert_eq!(folder_create.status, StatusCode::FORBIDDEN);

    // Mail.ReadBasic reads everything but bodies.
    let basic = t.user_token("User.Read Mail.ReadBasic").await;
    let page = t.get(&basic, "/me/messages?$top=2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        values(&page)
            .iter()
            .all(|m| m.get("body").is_none() && m.get("bodyPreview").is_none())
    );
    assert!(values(&page).iter().all(|m| m["subject"].is_string()));

    // An app-only token has no /me.
    let app = t.app_token().await;
    let refused = t.get(&app, "/me/messages").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/me request is only valid")
    );

    let ada = t.user_token(MAIL_SCOPES).await;
    let malformed = t.get(&ada, "/me/messages/19:not-a-mail-id").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["error"]["code"], "ErrorInvalidIdMalformed");
    let unknown = t
        .get(
            &ada,
            "/me/messages/AAMkAGNvbm5vdC1iZS1mb3VuZC1hbnl3aGVyZS4uLi4uAAA=",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["error"]["code"], "ErrorItemNotFound");

    // One mailbox cannot reach into another's messages by id.
    let bens_inbox = in_folder(&t, &token_for(&t, BEN).await, "inbox").await;
    let foreign = t
        .get(
            &ada,
            &format!("/me/messages/{}", bens_inbox[0]["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}
