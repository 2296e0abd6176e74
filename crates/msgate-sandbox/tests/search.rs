//! Microsoft Search through the sandbox: `POST /search/query` over Teams messages, mail,
//! calendar events and files — KQL, paging, the entity types one request may combine, hit
//! summaries, fields, sorting, per-type permissions, and what each caller may not see. Statuses
//! and rules follow https://learn.microsoft.com/graph/api/resources/search-api-overview and the
//! concept pages cited beside each test; every body is validated against the OpenAPI subset
//! (with the documented search response the testkit adds).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use support::{Response, TestSandbox, assert_faithful, assert_request_ok, start};

const PATH: &str = "/search/query";
const EVERYTHING: &str = "User.Read Mail.Read Calendars.Read Chat.Read ChannelMessage.Read.All Files.Read.All offline_access";

fn upn(nickname: &str) -> String {
    format!("{nickname}@larkspur.example.invalid")
}

async fn token_for(t: &TestSandbox, nickname: &str, scopes: &str) -> String {
    t.sign_in(scopes, Some(&upn(nickname))).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A search whose body Graph accepts; the answer is checked whatever its status.
async fn search(t: &TestSandbox, token: &str, body: &Value) -> Response {
    assert_request_ok("POST", PATH, body);
    let response = t.post(token, PATH, body).await;
    assert_faithful("POST", PATH, &response);
    response
}

/// A search whose body is outside the schema (an unknown entity type): Graph's answer is checked.
async fn search_unchecked(t: &TestSandbox, token: &str, body: &Value) -> Response {
    let response = t.post(token, PATH, body).await;
    assert_faithful("POST", PATH, &response);
    response
}

fn one(types: &[&str], query: &str) -> Value {
    json!({"requests": [{"entityTypes": types, "query": {"queryString": query}}]})
}

fn with(types: &[&str], query: &str, extra: Value) -> Value {
    let mut request = json!({"entityTypes": types, "query": {"queryString": query}});
    for (key, value) in extra.as_object().unwrap() {
        request[key] = value.clone();
    }
    json!({ "requests": [request] })
}

fn container(response: &Response) -> &Value {
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    &response.body["value"][0]["hitsContainers"][0]
}

fn hits(response: &Response) -> Vec<Value> {
    container(response)["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn field(hits: &[Value], name: &str) -> Vec<String> {
    hits.iter()
        .map(|h| h["resource"][name].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn error_message(response: &Response) -> &str {
    response.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
}

// https://learn.microsoft.com/graph/search-concept-messages
#[tokio::test]
async fn messages_are_found_in_the_callers_mailbox_newest_first() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    let found = search(&t, &ada, &one(&["message"], "renewal")).await;
    let hits = hits(&found);
    assert!(hits.len() >= 3, "{hits:?}");
    assert!(
        field(&hits, "subject")
            .iter()
            .all(|s| s.contains("Renewal")),
        "{hits:?}"
    );
    let received = field(&hits, "receivedDateTime");
    assert!(
        received.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {received:?}"
    );
    let first = &hits[0];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["resource"]["@odata.type"], "#microsoft.graph.message");
    assert!(
        first["resource"].get("body").is_none(),
        "not a default field"
    );
    assert!(first["resource"]["bodyPreview"].is_string());
    // The hit id is the message id: the message can be read with it.
    let id = first["hitId"].as_str().unwrap();
    let message = t.get(&ada, &format!("/me/messages/{id}")).await;
    assert_eq!(message.status, StatusCode::OK);
    assert_eq!(message.body["subject"], first["resource"]["subject"]);
    assert_eq!(found.body["value"][0]["searchTerms"], json!(["renewal"]));

    // Sender, subject and attachment restrictions; a phrase.
    let from_tomas = hits_of(&t, &ada, &["message"], "from:tomas").await;
    assert!(!from_tomas.is_empty());
    assert!(
        from_tomas
            .iter()
            .all(|h| h["resource"]["from"]["emailAddress"]["name"] == "Tomas Novak")
    );
    let roadmap = hits_of(&t, &ada, &["message"], "subject:\"Q3 roadmap\"").await;
    assert!(roadmap.len() >= 4, "{roadmap:?}");
    let csv = hits_of(&t, &ada, &["message"], "attachment:csv").await;
    assert_eq!(field(&csv, "subject"), ["Runner cost review numbers"]);
    assert_eq!(csv[0]["resource"]["hasAttachments"], true);
    let attached = hits_of(&t, &ada, &["message"], "hasAttachments:true").await;
    assert_eq!(field(&attached, "subject"), ["Runner cost review numbers"]);
    let to_tomas = hits_of(&t, &ada, &["message"], "to:tomas AND renewal").await;
    assert!(!to_tomas.is_empty());
    assert!(
        to_tomas
            .iter()
            .all(|h| h["resource"]["subject"] == "RE: Renewal terms for 2027")
    );
    assert!(
        hits_of(&t, &ada, &["message"], "renewal NOT from:tomas")
            .await
            .iter()
            .all(|h| h["resource"]["from"]["emailAddress"]["name"] != "Tomas Novak")
    );

    // Dates: an instant, and days.
    let earliest = roadmap
        .iter()
        .filter_map(|h| h["resource"]["sentDateTime"].as_str())
        .min()
        .unwrap()
        .to_owned();
    let later = hits_of(
        &t,
        &ada,
        &["message"],
        &format!("subject:\"Q3 roadmap\" sent>{earliest}"),
    )
    .await;
    assert_eq!(later.len(), roadmap.len() - 1, "{later:?}");
    let since_2000 = "subject:\"Q3 roadmap\" sent>=2000-01-01";
    assert_eq!(
        hits_of(&t, &ada, &["message"], since_2000).await.len(),
        roadmap.len()
    );
    assert!(
        hits_of(&t, &ada, &["message"], "roadmap sent<2000-01-01")
            .await
            .is_empty()
    );
}

async fn hits_of(t: &TestSandbox, token: &str, types: &[&str], query: &str) -> Vec<Value> {
    hits(&search(t, token, &one(types, query)).await)
}

// https://learn.microsoft.com/graph/api/resources/search-api-overview#page-search-results
#[tokio::test]
async fn pages_follow_from_and_size_with_the_documented_limits() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    const QUERY: &str = "renewal OR roadmap OR pricing";
    let everything = search(&t, &ada, &one(&["message"], QUERY)).await;
    assert_eq!(container(&everything)["moreResultsAvailable"], false);
    let all = hits(&everything);
    assert!(all.len() > 4, "{}", all.len());
    let first = search(
        &t,
        &ada,
        &with(&["message"], QUERY, json!({"from": 0, "size": 2})),
    )
    .await;
    let second = search(
        &t,
        &ada,
        &with(&["message"], QUERY, json!({"from": 2, "size": 2})),
    )
    .await;
    for (page, offset) in [(&first, 0), (&second, 2)] {
        let page_hits = hits(page);
        assert_eq!(page_hits.len(), 2);
        // For mail, `total` counts the results on the page (search-concept-messages).
        assert_eq!(container(page)["total"], 2);
        assert_eq!(container(page)["moreResultsAvailable"], true);
        assert_eq!(page_hits[0]["rank"], offset + 1);
        assert_eq!(page_hits[0]["hitId"], all[offset]["hitId"]);
    }
    let last = search(
        &t,
        &ada,
        &with(
            &["message"],
            QUERY,
            json!({"from": all.len() - 1, "size": 2}),
        ),
    )
    .await;
    assert_eq!(hits(&last).len(), 1);
    assert_eq!(container(&last)["moreResultsAvailable"], false);
    let beyond = search(
        &t,
        &ada,
        &with(&["message"], QUERY, json!({"from": 500, "size": 5})),
    )
    .await;
    assert!(container(&beyond).get("hits").is_none());
    assert_eq!(container(&beyond)["total"], 0);

    // At most 25 a page for message and event; files go up to 1000, and count every match.
    for types in [&["message"][..], &["event"][..]] {
        let refused = search(&t, &ada, &with(types, "ada", json!({"size": 26}))).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
        assert!(error_message(&refused).starts_with("SearchRequest Invalid"));
    }
    let files = search(
        &t,
        &ada,
        &with(&["driveItem"], "md", json!({"size": 1, "from": 0})),
    )
    .await;
    assert_eq!(hits(&files).len(), 1);
    assert!(container(&files)["total"].as_u64().unwrap() > 1);
    assert_eq!(container(&files)["moreResultsAvailable"], true);
    let negative = search(&t, &ada, &with(&["driveItem"], "md", json!({"from": -1}))).await;
    assert_eq!(negative.status, StatusCode::BAD_REQUEST);
    let zero = search(&t, &ada, &with(&["driveItem"], "md", json!({"size": 0}))).await;
    assert_eq!(zero.status, StatusCode::BAD_REQUEST);
}

// https://learn.microsoft.com/graph/search-concept-interleaving and
// https://learn.microsoft.com/graph/search-concept-multiplerequest
#[tokio::test]
async fn combinations_graph_refuses_are_400() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    for types in [
        &["message", "driveItem"][..],
        &["chatMessage", "driveItem"][..],
        &["event", "message"][..],
        &["event", "driveItem"][..],
    ] {
        let refused = search(&t, &ada, &one(types, "roadmap")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{types:?}");
        assert!(
            error_message(&refused).contains("combination of entity types"),
            "{refused:?}"
        );
    }

    // Mail and Teams messages interleave, newest first.
    let mixed = search(&t, &ada, &one(&["message", "chatMessage"], "runner")).await;
    let mixed_hits = hits(&mixed);
    let kinds: Vec<&str> = mixed_hits
        .iter()
        .map(|h| h["resource"]["@odata.type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"#microsoft.graph.message"), "{kinds:?}");
    assert!(kinds.contains(&"#microsoft.graph.chatMessage"), "{kinds:?}");

    // Several search requests in one body: only for SharePoint, OneDrive and answer types.
    let two = json!({"requests": [
        {"entityTypes": ["driveItem"], "query": {"queryString": "roadmap"}},
        {"entityTypes": ["driveItem", "drive"], "query": {"queryString": "runners"}},
    ]});
    let answered = search(&t, &ada, &two).await;
    assert_eq!(answered.status, StatusCode::OK, "{answered:?}");
    assert_eq!(answered.body["value"].as_array().unwrap().len(), 2);
    assert_eq!(
        answered.body["value"][1]["hitsContainers"][0]["hits"][0]["resource"]["name"],
        "CI runners migration.md"
    );
    let mail_twice = json!({"requests": [
        {"entityTypes": ["message"], "query": {"queryString": "roadmap"}},
        {"entityTypes": ["driveItem"], "query": {"queryString": "roadmap"}},
    ]});
    let refused = search(&t, &ada, &mail_twice).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    // Custom sort is for SharePoint and OneDrive types; the query string is required.
    let sorted = with(
        &["message"],
        "roadmap",
        json!({"sortProperties": [{"name": "receivedDateTime", "isDescending": true}]}),
    );
    assert_eq!(
        search(&t, &ada, &sorted).await.status,
        StatusCode::BAD_REQUEST
    );
    let empty = json!({"requests": [{"entityTypes": ["message"], "query": {"queryString": " "}}]});
    let refused = search(&t, &ada, &empty).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_message(&refused),
        "SearchRequest Invalid (EntityRequest Invalid (searchRequest -> query is invalid (queryString required)))"
    );
    let unknown = search_unchecked(&t, &ada, &one(&["email"], "roadmap")).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let nothing = search(&t, &ada, &json!({"requests": []})).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    let aggregated = with(
        &["event"],
        "review",
        json!({"aggregations": [{"field": "subject", "size": 5}]}),
    );
    assert_eq!(
        search(&t, &ada, &aggregated).await.status,
        StatusCode::BAD_REQUEST
    );
}

// https://learn.microsoft.com/graph/search-concept-chat-messages
#[tokio::test]
async fn teams_messages_come_from_the_callers_chats_and_channels() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    // The one-on-one chat with Ben, and (whole words only) not the channel's "runners".
    let chat = hits_of(&t, &ada, &["chatMessage"], "runner").await;
    assert_eq!(chat.len(), 1, "{chat:?}");
    let resource = &chat[0]["resource"];
    assert_eq!(resource["@odata.type"], "#microsoft.graph.chatMessage");
    assert!(resource["chatId"].as_str().unwrap().starts_with("19:"));
    assert_eq!(resource["from"]["user"]["displayName"], "Ben Okafor");
    assert_eq!(chat[0]["hitId"], resource["id"]);
    let chat_id = resource["chatId"].as_str().unwrap();
    let read = t
        .get(
            &ada,
            &format!(
                "/chats/{chat_id}/messages/{}",
                resource["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);

    let channel = hits_of(&t, &ada, &["chatMessage"], "runners").await;
    assert_eq!(channel.len(), 1, "{channel:?}");
    assert!(channel[0]["resource"]["channelIdentity"]["channelId"].is_string());
    assert_eq!(
        channel[0]["summary"]
            .as_str()
            .unwrap()
            .matches("<c0>runners</c0>")
            .count(),
        1
    );

    // from:, IsMentioned and mentions: (the user id without dashes).
    let grace = hits_of(&t, &ada, &["chatMessage"], "from:\"Grace Kim\"").await;
    assert_eq!(grace.len(), 1);
    let mentioned = hits_of(&t, &ada, &["chatMessage"], "IsMentioned:true").await;
    let mut senders: Vec<String> = mentioned
        .iter()
        .map(|h| {
            h["resource"]["from"]["user"]["displayName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    senders.sort();
    assert_eq!(senders, ["Elena Rossi", "Ines Duarte"]);
    let ada_id = t.sandbox.info().users[0].id.replace('-', "");
    assert_eq!(
        hits_of(&t, &ada, &["chatMessage"], &format!("mentions:{ada_id}"))
            .await
            .len(),
        2
    );
    let to_ben = hits_of(&t, &ada, &["chatMessage"], "to:ben from:ada").await;
    assert_eq!(to_ben.len(), 1, "{to_ben:?}");

    // A new message is found at once; a deleted one is not.
    let writer = token_for(&t, "ada.brennan", "User.Read Chat.ReadWrite").await;
    let sent = t
        .post(
            &writer,
            &format!("/chats/{chat_id}/messages"),
            &json!({"body": {"content": "zephyr rollout moved to Monday"}}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED);
    assert_eq!(hits_of(&t, &ada, &["chatMessage"], "zephyr").await.len(), 1);
    let deleted = t
        .graph(
            reqwest::Method::POST,
            &writer,
            &format!(
                "/chats/{chat_id}/messages/{}/softDelete",
                sent.body["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(
        hits_of(&t, &ada, &["chatMessage"], "zephyr")
            .await
            .is_empty()
    );

    // Top results are asked for Teams messages as for mail (search-concept-chat-messages).
    let top = search(
        &t,
        &ada,
        &with(
            &["chatMessage"],
            "release OR notes",
            json!({"enableTopResults": true}),
        ),
    )
    .await;
    assert_eq!(hits(&top).len(), 2, "{top:?}");
}

// Invisible: chats, teams and mailboxes the caller is not part of.
#[tokio::test]
async fn nobody_finds_what_they_could_not_read() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;
    let hugo = token_for(&t, "hugo.lindqvist", EVERYTHING).await;

    // The "Release 4.2" chat (Hugo is not in it) and the Platform team's channels and library.
    assert_eq!(
        hits_of(&t, &ada, &["chatMessage"], "\"export timeout\"")
            .await
            .len(),
        1
    );
    assert!(
        hits_of(&t, &hugo, &["chatMessage"], "\"export timeout\"")
            .await
            .is_empty()
    );
    assert_eq!(
        hits_of(&t, &ada, &["chatMessage"], "runners").await.len(),
        1
    );
    assert!(
        hits_of(&t, &hugo, &["chatMessage"], "runners")
            .await
            .is_empty()
    );
    let platform_file = hits_of(&t, &ada, &["driveItem"], "\"pipeline templates\"").await;
    assert_eq!(field(&platform_file, "name"), ["CI runners migration.md"]);
    assert!(
        hits_of(&t, &hugo, &["driveItem"], "\"pipeline templates\"")
            .await
            .is_empty()
    );

    // Ada's mailbox, calendar and OneDrive are hers alone: Tomas wrote only to her; the
    // "Customer Co renewal call" is hers and Jonas's.
    assert!(
        !hits_of(&t, &ada, &["message"], "Northwind")
            .await
            .is_empty()
    );
    assert!(hits_of(&t, &hugo, &["message"], "Tomas").await.is_empty());
    assert_eq!(
        hits_of(&t, &ada, &["event"], "\"Customer Co\"").await.len(),
        1
    );
    assert!(
        hits_of(&t, &hugo, &["event"], "\"Customer Co\"")
            .await
            .is_empty()
    );
    let roadmap = "filename:\"Roadmap 2026\"";
    assert_eq!(hits_of(&t, &ada, &["driveItem"], roadmap).await.len(), 1);
    assert!(hits_of(&t, &hugo, &["driveItem"], roadmap).await.is_empty());
}

// https://learn.microsoft.com/graph/search-concept-events
#[tokio::test]
async fn events_are_found_in_the_callers_calendar() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    let planning = hits_of(&t, &ada, &["event"], "\"quarterly planning\"").await;
    assert_eq!(field(&planning, "subject"), ["Quarterly planning review"]);
    let resource = &planning[0]["resource"];
    assert_eq!(resource["@odata.type"], "#microsoft.graph.event");
    assert_eq!(resource["start"]["timeZone"], "UTC");
    assert_eq!(resource["type"], "singleInstance");
    assert!(resource.get("attendees").is_none(), "not a default field");
    let event = t
        .get(
            &ada,
            &format!("/me/events/{}", planning[0]["hitId"].as_str().unwrap()),
        )
        .await;
    assert_eq!(event.body["subject"], "Quarterly planning review");
    let agenda = hits_of(&t, &ada, &["event"], "agenda capacity").await;
    assert_eq!(field(&agenda, "subject"), ["Quarterly planning review"]);
    let summary = agenda[0]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("<c0>Agenda</c0>: last quarter")
            && summary.contains("<c0>capacity</c0>"),
        "{summary}"
    );

    assert_eq!(
        field(
            &hits_of(&t, &ada, &["event"], "location:boardroom").await,
            "subject"
        ),
        ["Quarterly planning review"]
    );
    let organized = hits_of(&t, &ada, &["event"], "organizer:hugo").await;
    assert!(field(&organized, "subject").contains(&"Quarterly planning review".to_owned()));
    assert!(!field(&organized, "subject").contains(&"Runner cost review".to_owned()));
    let starts: Vec<String> = hits_of(&t, &ada, &["event"], "review")
        .await
        .iter()
        .map(|h| {
            h["resource"]["start"]["dateTime"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "{starts:?}");
    let past = hits_of(&t, &ada, &["event"], "review start<today").await;
    assert!(field(&past, "subject").contains(&"Runner cost review".to_owned()));
    assert!(!field(&past, "subject").contains(&"Quarterly planning review".to_owned()));
}

// https://learn.microsoft.com/graph/search-concept-files
#[tokio::test]
async fn files_match_names_content_and_properties_by_relevance() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    let timeout = hits_of(&t, &ada, &["driveItem"], "\"export timeout\"").await;
    let mut names = field(&timeout, "name");
    names.sort();
    assert_eq!(names, ["Release checklist.md", "Roadmap 2026.md"]);
    let resource = &timeout[0]["resource"];
    assert_eq!(resource["@odata.type"], "#microsoft.graph.driveItem");
    assert!(resource["parentReference"]["driveId"].is_string());
    assert!(resource.get("@microsoft.graph.downloadUrl").is_none());
    assert!(resource.get("file").is_none(), "not a default field");

    // A name match ranks above content matches.
    let roadmap = hits_of(&t, &ada, &["driveItem"], "roadmap").await;
    assert_eq!(roadmap[0]["resource"]["name"], "Roadmap 2026.md");
    assert!(roadmap.len() > 1);

    assert_eq!(
        field(
            &hits_of(&t, &ada, &["driveItem"], "filetype:csv budget").await,
            "name"
        ),
        ["Q3 budget.csv"]
    );
    let svg = hits_of(&t, &ada, &["driveItem"], "filetype:svg OR filetype:csv").await;
    assert!(svg.len() >= 5, "{svg:?}");
    assert!(
        hits_of(&t, &ada, &["driveItem"], "isDocument:false")
            .await
            .iter()
            .all(|h| h["resource"]["size"].is_number() && h["resource"]["name"] != "Notes.md")
    );
    let team_files = hits_of(
        &t,
        &ada,
        &["driveItem"],
        "path:\"https://larkspur.sharepoint.example.invalid/sites/Platform\" isDocument:true",
    )
    .await;
    let mut names = field(&team_files, "name");
    names.sort();
    assert_eq!(names, ["CI runners migration.md", "On-call rota.csv"]);
    let big = hits_of(&t, &ada, &["driveItem"], "size>250 filetype:md").await;
    assert!(
        big.iter()
            .all(|h| h["resource"]["size"].as_u64().unwrap() > 250)
    );

    // sortProperties, ascending unless isDescending.
    let by_name = hits(
        &search(
            &t,
            &ada,
            &with(
                &["driveItem"],
                "filetype:md",
                json!({"sortProperties": [{"name": "name"}]}),
            ),
        )
        .await,
    );
    let names = field(&by_name, "name");
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    let newest = hits(
        &search(
            &t,
            &ada,
            &with(
                &["driveItem"],
                "filetype:md",
                json!({"sortProperties": [{"name": "lastModifiedDateTime", "isDescending": true}]}),
            ),
        )
        .await,
    );
    let modified = field(&newest, "lastModifiedDateTime");
    assert!(modified.windows(2).all(|w| w[0] >= w[1]), "{modified:?}");
    let unsortable = with(
        &["driveItem"],
        "md",
        json!({"sortProperties": [{"name": "colour"}]}),
    );
    assert_eq!(
        search(&t, &ada, &unsortable).await.status,
        StatusCode::BAD_REQUEST
    );
}

// https://learn.microsoft.com/graph/api/resources/search-api-overview#get-selected-properties
// and #get-the-most-relevant-emails
#[tokio::test]
async fn fields_and_top_results_shape_the_hits() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    let chosen = hits(
        &search(
            &t,
            &ada,
            &with(
                &["message"],
                "renewal",
                json!({"fields": ["subject", "from", "nonsense"]}),
            ),
        )
        .await,
    );
    let mut keys: Vec<&String> = chosen[0]["resource"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["@odata.type", "from", "subject"]);

    let dated = hits_of(&t, &ada, &["message"], "pricing").await;
    let received = field(&dated, "receivedDateTime");
    assert!(received.windows(2).all(|w| w[0] >= w[1]));
    let top = hits(
        &search(
            &t,
            &ada,
            &with(&["message"], "pricing", json!({"enableTopResults": true})),
        )
        .await,
    );
    assert_eq!(top.len(), dated.len());
    assert!(
        top[..3].iter().all(|h| h["resource"]["subject"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("pricing")),
        "the best matches first: {top:?}"
    );
    let rest = field(&top[3..], "receivedDateTime");
    assert!(rest.windows(2).all(|w| w[0] >= w[1]), "then newest first");
    assert_ne!(field(&top, "subject"), field(&dated, "subject"));
}

// Highlighting: matched words in <c0>…</c0>, <ddd/> where text is left out.
#[tokio::test]
async fn summaries_highlight_the_matched_words() {
    let t = start().await;
    let ada = token_for(&t, "ada.brennan", EVERYTHING).await;

    let found = hits_of(&t, &ada, &["message"], "subject:invoice October").await;
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["summary"],
        "Your CloudHost invoice for <c0>October</c0> is ready. Amount due: EUR 4,230.00. This is an automated message."
    );
    let phrase = hits_of(&t, &ada, &["driveItem"], "\"old pool warm\"").await;
    let summary = phrase[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("<c0>old</c0> <c0>pool</c0> <c0>warm</c0>"),
        "{summary}"
    );
    assert!(summary.starts_with("<ddd/> "), "{summary}");
    let prefix = hits_of(&t, &ada, &["driveItem"], "decommiss*").await;
    assert!(
        prefix[0]["summary"]
            .as_str()
            .unwrap()
            .contains("<c0>Decommission</c0>"),
        "{prefix:?}"
    );
}

// Permissions per entity type (the overview's table), 403 in the router's words.
#[tokio::test]
async fn each_entity_type_needs_its_own_permission() {
    let t = start().await;
    let files_only = token_for(&t, "ada.brennan", "User.Read Files.Read.All").await;
    assert_eq!(
        search(&t, &files_only, &one(&["driveItem"], "roadmap"))
            .await
            .status,
        StatusCode::OK
    );
    for (types, needed) in [
        (&["message"][..], "Mail.Read"),
        (&["event"][..], "Calendars.Read"),
        (&["chatMessage"][..], "Chat.Read"),
    ] {
        let refused = search(&t, &files_only, &one(types, "roadmap")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{types:?}");
        let message = error_message(&refused);
        assert!(
            message.starts_with("Missing scope permissions on the request. API requires one of '")
                && message.contains(needed),
            "{message}"
        );
    }
    let nothing = token_for(&t, "ada.brennan", "User.Read").await;
    let refused = search(&t, &nothing, &one(&["driveItem"], "roadmap")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(error_message(&refused).contains("Files.Read.All"));

    // Chat.Read finds chats only; ChannelMessage.Read.All channels only.
    let chats = token_for(&t, "ada.brennan", "User.Read Chat.Read").await;
    assert_eq!(
        hits_of(&t, &chats, &["chatMessage"], "runner").await.len(),
        1
    );
    assert!(
        hits_of(&t, &chats, &["chatMessage"], "runners")
            .await
            .is_empty()
    );
    let channels = token_for(&t, "ada.brennan", "User.Read ChannelMessage.Read.All").await;
    assert!(
        hits_of(&t, &channels, &["chatMessage"], "runner")
            .await
            .is_empty()
    );
    assert_eq!(
        hits_of(&t, &channels, &["chatMessage"], "runners")
            .await
            .len(),
        1
    );

    // Application permissions search files in every drive (with a region), nothing else
    // (https://learn.microsoft.com/graph/search-concept-searchall).
    let app = t.app_token().await;
    let refused = search(&t, &app, &one(&["message"], "roadmap")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    let regional = |types: &[&str]| {
        with(
            types,
            "\"pipeline templates\" OR filename:timesheet",
            json!({"region": "NAM"}),
        )
    };
    let refused = search(&t, &app, &regional(&["message"])).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_message(&refused),
        "This API does not support application permissions."
    );
    let everywhere = hits(&search(&t, &app, &regional(&["driveItem"])).await);
    let timesheets = field(&everywhere, "name")
        .iter()
        .filter(|n| *n == "Timesheet.csv")
        .count();
    assert_eq!(
        timesheets,
        t.sandbox.info().users.len() - 1,
        "every OneDrive but Ada's, whose files are her own"
    );
    assert!(field(&everywhere, "name").contains(&"CI runners migration.md".to_owned()));
}
