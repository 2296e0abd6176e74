//! OneDrive and channel files through the sandbox: drive and items, path addressing, folders,
//! rename and move, delete, copy, sharing links, delta, search, downloads by pre-authenticated
//! URL with ranges, simple uploads, upload sessions (resumed after injected faults), and who
//! may reach which drive. Each status follows the Graph documentation page cited beside it;
//! bodies are validated against the OpenAPI subset.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use msgate_sandbox::SandboxOptions;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{
    Response, TestSandbox, assert_faithful, assert_request_ok, into_response, start, start_with,
};

const FILES: &str =
    "User.Read Files.ReadWrite.All Team.ReadBasic.All Channel.ReadBasic.All offline_access";
const FRAGMENT: usize = 320 * 1024;

/// Bodies of operations the subset does not describe (creating a folder, uploading, search,
/// `/drives/{id}` addressing) are checked against the schema of the subset operation that
/// returns the same type: `documented` is that operation's path.
fn assert_shaped_as(method: &str, documented: &str, response: &Response) {
    let as_documented = Response {
        status: StatusCode::OK,
        headers: response.headers.clone(),
        body: response.body.clone(),
    };
    assert_faithful(method, documented, &as_documented);
}

fn graph(t: &TestSandbox, path: &str) -> String {
    format!("{}{path}", t.sandbox.info().graph_url)
}

async fn item_at(t: &TestSandbox, token: &str, path: &str) -> Value {
    let item = t.get(token, &format!("/me/drive/root:/{path}")).await;
    assert_eq!(item.status, StatusCode::OK, "{path}: {item:?}");
    assert_faithful("GET", "/me/drive/items/x", &item);
    item.body
}

fn id(item: &Value) -> String {
    item["id"].as_str().unwrap().to_owned()
}

fn names(collection: &Value) -> Vec<String> {
    collection["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn put_content(t: &TestSandbox, token: &str, path: &str, bytes: &[u8]) -> Response {
    let response = t
        .http
        .put(graph(t, path))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    into_response(response).await
}

/// Follow `GET …/content` to its pre-authenticated URL, without the token, as Graph clients do.
async fn download(t: &TestSandbox, token: &str, path: &str) -> Vec<u8> {
    let redirect = t.get(token, path).await;
    assert_eq!(redirect.status, StatusCode::FOUND, "{redirect:?}");
    let location = redirect.headers["location"].to_str().unwrap();
    let content = t.http.get(location).send().await.unwrap();
    assert_eq!(content.status(), StatusCode::OK);
    content.bytes().await.unwrap().to_vec()
}

fn sample(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u64)
                .wrapping_mul(2_654_435_761)
                .rotate_left(u32::from(seed)) as u8
        })
        .collect()
}

async fn put_fragment(t: &TestSandbox, upload_url: &str, data: &[u8], first: usize) -> Response {
    put_fragment_of(t, upload_url, data, first, FRAGMENT * 3).await
}

async fn put_fragment_of(
    t: &TestSandbox,
    upload_url: &str,
    data: &[u8],
    first: usize,
    size: usize,
) -> Response {
    let last = (first + size).min(data.len()) - 1;
    let response = t
        .http
        .put(upload_url)
        .header(
            "content-range",
            format!("bytes {first}-{last}/{}", data.len()),
        )
        .body(data[first..=last].to_vec())
        .send()
        .await
        .unwrap();
    into_response(response).await
}

async fn create_session(t: &TestSandbox, token: &str, path: &str, body: &Value) -> String {
    assert_request_ok("POST", "/me/drive/items/x/createUploadSession", body);
    let session = t.post(token, path, body).await;
    assert_eq!(session.status, StatusCode::OK, "{session:?}");
    assert_faithful("POST", "/me/drive/items/x/createUploadSession", &session);
    assert_eq!(session.body["nextExpectedRanges"], json!(["0-"]));
    assert!(session.body["expirationDateTime"].is_string());
    let url = session.body["uploadUrl"].as_str().unwrap().to_owned();
    assert!(
        !url.contains("/v1.0/"),
        "upload URLs are outside Graph: {url}"
    );
    url
}

#[tokio::test]
async fn the_drive_its_root_and_items_read_like_graph() {
    let t = start().await;
    let token = t.user_token(FILES).await;

    // https://learn.microsoft.com/graph/api/drive-get
    let drive = t.get(&token, "/me/drive").await;
    assert_eq!(drive.status, StatusCode::OK);
    assert_faithful("GET", "/me/drive", &drive);
    assert_eq!(drive.body["driveType"], "business");
    assert!(drive.body["quota"]["used"].as_u64().unwrap() > 0);

    let root = t.get(&token, "/me/drive/root").await;
    assert_faithful("GET", "/me/drive/root", &root);
    assert!(root.body["root"].is_object());
    assert_eq!(root.body["parentReference"]["driveId"], drive.body["id"]);

    let children = t.get(&token, "/me/drive/root/children").await;
    assert_faithful("GET", "/me/drive/root/children", &children);
    assert_eq!(
        names(&children.body),
        ["Documents", "Getting started.md", "Pictures"]
    );
    assert_eq!(
        root.body["folder"]["childCount"],
        children.body["value"].as_array().unwrap().len()
    );

    // Path addressing: the item, and a folder's children (…:/children).
    let roadmap = item_at(&t, &token, "Documents/Roadmap 2026.md").await;
    assert_eq!(roadmap["file"]["mimeType"], "text/markdown");
    assert!(roadmap["file"]["hashes"]["quickXorHash"].is_string());
    assert!(roadmap["@microsoft.graph.downloadUrl"].is_string());
    assert_eq!(roadmap["parentReference"]["path"], "/drive/root:/Documents");
    let by_id = t
        .get(&token, &format!("/me/drive/items/{}", id(&roadmap)))
        .await;
    assert_faithful("GET", "/me/drive/items/x", &by_id);
    assert_eq!(by_id.body["name"], "Roadmap 2026.md");
    let selected = t
        .get(
            &token,
            &format!("/me/drive/items/{}?$select=name,size", id(&roadmap)),
        )
        .await;
    assert_eq!(selected.body["size"], roadmap["size"]);
    assert!(selected.body.get("webUrl").is_none());

    let research = t
        .get(&token, "/me/drive/root:/Documents/Product:/children")
        .await;
    assert_eq!(research.status, StatusCode::OK);
    assert_faithful("GET", "/me/drive/items/x/children", &research);
    assert_eq!(names(&research.body), ["Feature requests.csv", "Research"]);
    let documents = item_at(&t, &token, "Documents").await;
    let by_id_path = t
        .get(
            &token,
            &format!(
                "/me/drive/items/{}:/Product/Research/Interview notes - onboarding.md",
                id(&documents)
            ),
        )
        .await;
    assert_eq!(by_id_path.status, StatusCode::OK);
    assert_eq!(
        by_id_path.body["parentReference"]["path"],
        "/drive/root:/Documents/Product/Research"
    );

    // Folder sizes add up what is below them.
    let product = item_at(&t, &token, "Documents/Product").await;
    let inside: u64 = research.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["size"].as_u64().unwrap())
        .sum();
    assert_eq!(product["size"].as_u64().unwrap(), inside);

    // Paging keeps to the path the client used.
    let page = t
        .get(&token, "/me/drive/root:/Documents:/children?$top=2")
        .await;
    assert_eq!(page.body["value"].as_array().unwrap().len(), 2);
    let next = page.body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.contains("/me/drive/root:/Documents:/children?"),
        "{next}"
    );
    let rest = t.get(&token, next).await;
    assert_eq!(rest.status, StatusCode::OK);
    assert!(!rest.body["value"].as_array().unwrap().is_empty());

    // $batch items go through the same rewriting and authorization.
    let batch = t
        .post(
            &token,
            "/$batch",
            &json!({"requests": [
                {"id": "1", "method": "GET", "url": "/me/drive/root:/Documents/Product:/children"},
                {"id": "2", "method": "GET", "url": "/me/drive/root/search(q='2026')"},
            ]}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK);
    let responses = batch.body["responses"].as_array().unwrap();
    assert!(
        responses.iter().all(|r| r["status"] == 200),
        "{responses:?}"
    );

    // A missing item is OneDrive's itemNotFound.
    let missing = t.get(&token, "/me/drive/root:/Documents/nothing.txt").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "itemNotFound");
    assert_faithful("GET", "/me/drive/items/x", &missing);
}

#[tokio::test]
async fn every_user_has_a_seeded_onedrive_and_ada_has_fifteen_items() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let all = t.get(&token, "/me/drive/root/delta").await;
    assert_eq!(all.body["value"].as_array().unwrap().len(), 15);
    let ben = t
        .sign_in(FILES, Some("ben.okafor@larkspur.example.invalid"))
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let children = t.get(&ben, "/me/drive/root:/Documents:/children").await;
    assert_eq!(names(&children.body), ["Notes.md", "Timesheet.csv"]);
    let csv = download(&t, &ben, "/me/drive/root:/Documents/Timesheet.csv:/content").await;
    assert!(
        String::from_utf8(csv)
            .unwrap()
            .starts_with("week,project,hours\n")
    );
    let drive = t.get(&ben, "/me/drive").await;
    assert_ne!(
        drive.body["id"],
        t.get(&token, "/me/drive").await.body["id"]
    );
}

#[tokio::test]
async fn folders_are_created_renamed_moved_and_deleted() {
    let t = start().await;
    let token = t.user_token(FILES).await;

    // https://learn.microsoft.com/graph/api/driveitem-post-children: 201; a taken name is 409
    // unless @microsoft.graph.conflictBehavior says otherwise.
    let folder = t
        .post(
            &token,
            "/me/drive/root/children",
            &json!({"name": "Archive", "folder": {}}),
        )
        .await;
    assert_eq!(folder.status, StatusCode::CREATED, "{folder:?}");
    assert_shaped_as("GET", "/me/drive/items/x", &folder);
    assert_eq!(folder.body["folder"]["childCount"], 0);
    let again = t
        .post(
            &token,
            "/me/drive/root/children",
            &json!({"name": "archive", "folder": {}}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.body["error"]["code"], "nameAlreadyExists");
    let renamed = t
        .post(
            &token,
            "/me/drive/root/children",
            &json!({"name": "Archive", "folder": {}, "@microsoft.graph.conflictBehavior": "rename"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::CREATED);
    assert_eq!(renamed.body["name"], "Archive 1");
    let nested = t
        .post(
            &token,
            &format!("/me/drive/items/{}/children", id(&folder.body)),
            &json!({"name": "2025", "folder": {}}),
        )
        .await;
    assert_eq!(nested.status, StatusCode::CREATED);
    assert_eq!(
        nested.body["parentReference"]["path"],
        "/drive/root:/Archive"
    );
    let bad = t
        .post(
            &token,
            "/me/drive/root/children",
            &json!({"name": "a:b", "folder": {}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // https://learn.microsoft.com/graph/api/driveitem-update and driveitem-move: 200 with the
    // item; what is below a moved folder follows it.
    let notes = item_at(&t, &token, "Documents/Meeting notes.txt").await;
    let move_body =
        json!({"name": "Planning notes.txt", "parentReference": {"id": id(&nested.body)}});
    assert_request_ok("PATCH", "/me/drive/items/x", &move_body);
    let moved = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/me/drive/items/{}", id(&notes)),
            Some(&move_body),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_faithful("PATCH", "/me/drive/items/x", &moved);
    assert_eq!(moved.body["name"], "Planning notes.txt");
    assert_ne!(moved.body["eTag"], notes["eTag"]);
    item_at(&t, &token, "Archive/2025/Planning notes.txt").await;
    let rename_folder = json!({"name": "Old"});
    assert_request_ok("PATCH", "/me/drive/items/x", &rename_folder);
    let old = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/me/drive/items/{}", id(&folder.body)),
            Some(&rename_folder),
        )
        .await;
    assert_eq!(old.status, StatusCode::OK);
    let followed = item_at(&t, &token, "Old/2025/Planning notes.txt").await;
    assert_eq!(followed["parentReference"]["path"], "/drive/root:/Old/2025");
    assert_eq!(item_at(&t, &token, "Old").await["size"], notes["size"]);
    let documents = item_at(&t, &token, "Documents").await;
    assert_eq!(documents["folder"]["childCount"], 5);

    // A move onto a taken name: 409, or renamed when asked.
    let budget = item_at(&t, &token, "Documents/Q3 budget.csv").await;
    let clash = json!({"name": "Planning notes.txt", "parentReference": {"id": id(&nested.body)}});
    let refused = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/me/drive/items/{}", id(&budget)),
            Some(&clash),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let kept = t
        .graph(
            Method::PATCH,
            &token,
            &format!(
                "/me/drive/items/{}?@microsoft.graph.conflictBehavior=rename",
                id(&budget)
            ),
            Some(&clash),
        )
        .await;
    assert_eq!(kept.status, StatusCode::OK);
    assert_eq!(kept.body["name"], "Planning notes 1.txt");
    let into_itself = t
        .graph(
            Method::PATCH,
            &token,
            &format!("/me/drive/items/{}", id(&folder.body)),
            Some(&json!({"parentReference": {"id": id(&nested.body)}})),
        )
        .await;
    assert_eq!(into_itself.status, StatusCode::BAD_REQUEST);

    // A write based on a stale read: 412.
    let mut stale = HeaderMap::new();
    stale.insert(
        "if-match",
        HeaderValue::from_str(notes["eTag"].as_str().unwrap()).unwrap(),
    );
    let precondition = t
        .http
        .delete(graph(&t, &format!("/me/drive/items/{}", id(&notes))))
        .bearer_auth(&token)
        .headers(stale)
        .send()
        .await
        .unwrap();
    assert_eq!(precondition.status(), StatusCode::PRECONDITION_FAILED);

    // https://learn.microsoft.com/graph/api/driveitem-delete: 204, then 404.
    let path = format!("/me/drive/items/{}", id(&folder.body));
    let deleted = t.graph(Method::DELETE, &token, &path, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_faithful("DELETE", &path, &deleted);
    assert_eq!(t.get(&token, &path).await.status, StatusCode::NOT_FOUND);
    let below = t
        .get(&token, &format!("/me/drive/items/{}", id(&notes)))
        .await;
    assert_eq!(below.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.graph(Method::DELETE, &token, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
    let root = t.get(&token, "/me/drive/root").await;
    assert_eq!(root.body["folder"]["childCount"], 4);
    assert_eq!(
        t.graph(Method::DELETE, &token, "/me/drive/root", None)
            .await
            .status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn copies_are_monitored_and_appear() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let drive = t.get(&token, "/me/drive").await.body;
    let roadmap = item_at(&t, &token, "Documents/Roadmap 2026.md").await;
    let pictures = item_at(&t, &token, "Pictures").await;

    // https://learn.microsoft.com/graph/api/driveitem-copy: 202 with a monitor Location.
    let body = json!({
        "parentReference": {"driveId": drive["id"], "id": id(&pictures)},
        "name": "Roadmap copy.md",
    });
    let path = format!("/me/drive/items/{}/copy", id(&roadmap));
    assert_request_ok("POST", &path, &body);
    let accepted = t.post(&token, &path, &body).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{accepted:?}");
    assert_faithful("POST", &path, &accepted);
    let monitor = accepted.headers["location"].to_str().unwrap().to_owned();
    assert!(!monitor.contains("/v1.0/"), "{monitor}");

    // The monitor needs no token (https://learn.microsoft.com/graph/long-running-actions-overview).
    let status: Value = t
        .http
        .get(&monitor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "completed");
    let copy = t
        .get(
            &token,
            &format!("/me/drive/items/{}", status["resourceId"].as_str().unwrap()),
        )
        .await;
    assert_faithful("GET", "/me/drive/items/x", &copy);
    assert_eq!(copy.body["name"], "Roadmap copy.md");
    assert_eq!(copy.body["parentReference"]["id"], id(&pictures));
    assert_eq!(copy.body["size"], roadmap["size"]);
    assert_eq!(
        download(
            &t,
            &token,
            &format!("/me/drive/items/{}/content", id(&copy.body))
        )
        .await,
        download(
            &t,
            &token,
            &format!("/me/drive/items/{}/content", id(&roadmap))
        )
        .await
    );

    // A folder copies with everything below it; a taken name is refused up front.
    let product = item_at(&t, &token, "Documents/Product").await;
    let copied = t
        .post(
            &token,
            &format!("/me/drive/items/{}/copy", id(&product)),
            &json!({"name": "Product (2025)"}),
        )
        .await;
    assert_eq!(copied.status, StatusCode::ACCEPTED);
    item_at(
        &t,
        &token,
        "Documents/Product (2025)/Research/Interview notes - onboarding.md",
    )
    .await;
    let taken = t
        .post(
            &token,
            &format!("/me/drive/items/{}/copy", id(&product)),
            &json!({}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert_eq!(taken.body["error"]["code"], "nameAlreadyExists");
    assert_faithful("POST", &path, &taken);
}

#[tokio::test]
async fn sharing_links_are_created_once_and_listed_with_inheritance() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let documents = item_at(&t, &token, "Documents").await;
    let checklist = item_at(&t, &token, "Documents/Release checklist.md").await;
    let path = format!("/me/drive/items/{}/createLink", id(&checklist));

    // https://learn.microsoft.com/graph/api/driveitem-createlink: 201 new, 200 existing.
    let view = json!({"type": "view", "scope": "anonymous"});
    assert_request_ok("POST", &path, &view);
    let link = t.post(&token, &path, &view).await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    assert_faithful("POST", &path, &link);
    assert_eq!(link.body["roles"], json!(["read"]));
    assert_eq!(link.body["link"]["scope"], "anonymous");
    assert!(
        link.body["link"]["webUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let same = t.post(&token, &path, &view).await;
    assert_eq!(same.status, StatusCode::OK);
    assert_faithful("POST", &path, &same);
    assert_eq!(same.body["id"], link.body["id"]);
    let edit = json!({"type": "edit", "scope": "organization"});
    assert_request_ok("POST", &path, &edit);
    let edit = t.post(&token, &path, &edit).await;
    assert_eq!(edit.status, StatusCode::CREATED);
    assert_eq!(edit.body["roles"], json!(["write"]));
    let refused = t.post(&token, &path, &json!({"type": "print"})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let folder_link = t
        .post(
            &token,
            &format!("/me/drive/items/{}/createLink", id(&documents)),
            &json!({"type": "view", "scope": "organization"}),
        )
        .await;
    assert_eq!(folder_link.status, StatusCode::CREATED);

    // https://learn.microsoft.com/graph/api/driveitem-list-permissions
    let permissions_path = format!("/me/drive/items/{}/permissions", id(&checklist));
    let permissions = t.get(&token, &permissions_path).await;
    assert_eq!(permissions.status, StatusCode::OK);
    assert_faithful("GET", &permissions_path, &permissions);
    let value = permissions.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 4, "{value:?}");
    assert_eq!(value[0]["roles"], json!(["owner"]));
    let inherited = value
        .iter()
        .find(|p| p["id"] == folder_link.body["id"])
        .unwrap();
    assert_eq!(inherited["inheritedFrom"]["id"], id(&documents));
    assert_eq!(
        item_at(&t, &token, "Documents/Release checklist.md").await["shared"]["scope"],
        "organization"
    );
}

#[tokio::test]
async fn delta_reports_new_changed_and_deleted_items() {
    let t = start().await;
    let token = t.user_token(FILES).await;

    // https://learn.microsoft.com/graph/api/driveitem-delta
    let first = t.get(&token, "/me/drive/root/delta").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_faithful("GET", "/me/drive/root/delta", &first);
    let delta_link = first.body["@odata.deltaLink"].as_str().unwrap().to_owned();
    assert!(
        delta_link.contains("/me/drive/root/delta?token="),
        "{delta_link}"
    );

    let quiet = t.get(&token, &delta_link).await;
    assert!(quiet.body["value"].as_array().unwrap().is_empty());

    let notes = item_at(&t, &token, "Documents/Meeting notes.txt").await;
    let created = put_content(
        &t,
        &token,
        "/me/drive/root:/Documents/Todo.txt:/content",
        b"ship it",
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let gone = t
        .graph(
            Method::DELETE,
            &token,
            &format!("/me/drive/items/{}", id(&notes)),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);

    let changes = t.get(&token, &delta_link).await;
    assert_eq!(changes.status, StatusCode::OK);
    assert_faithful("GET", "/me/drive/root/delta", &changes);
    let value = changes.body["value"].as_array().unwrap();
    let deleted = value.iter().find(|i| i["id"] == id(&notes)).unwrap();
    assert_eq!(deleted["deleted"]["state"], "deleted");
    assert!(
        value
            .iter()
            .any(|i| i["name"] == "Todo.txt" && i["file"].is_object())
    );
    assert!(
        value.iter().any(|i| i["name"] == "Documents"),
        "a folder whose children changed is reported too"
    );

    let latest = t.get(&token, "/me/drive/root/delta?token=latest").await;
    assert!(latest.body["value"].as_array().unwrap().is_empty());
    assert!(latest.body["@odata.deltaLink"].is_string());
    let expired = t
        .get(&token, "/me/drive/root/delta?token=bm90LW91cnM")
        .await;
    assert_eq!(expired.status, StatusCode::GONE);
}

#[tokio::test]
async fn search_matches_names_and_content() {
    let t = start().await;
    let token = t.user_token(FILES).await;

    // https://learn.microsoft.com/graph/api/driveitem-search
    let by_name = t.get(&token, "/me/drive/root/search(q='2026')").await;
    assert_eq!(by_name.status, StatusCode::OK, "{by_name:?}");
    assert_shaped_as("GET", "/me/drive/root/children", &by_name);
    assert_eq!(names(&by_name.body), ["Roadmap 2026.md"]);
    assert!(by_name.body["value"][0]["searchResult"].is_object());

    let by_content = t
        .get(&token, "/me/drive/root/search(q='runner cost')")
        .await;
    let found = names(&by_content.body);
    assert!(found.contains(&"Meeting notes.txt".to_owned()), "{found:?}");
    assert!(!found.contains(&"Roadmap 2026.md".to_owned()));

    let paged = t.get(&token, "/me/drive/root/search(q='svg')?$top=1").await;
    assert_eq!(paged.body["value"].as_array().unwrap().len(), 1);
    let next = paged.body["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("search(q='svg')"), "{next}");
    let second = t.get(&token, next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.body["value"].as_array().unwrap().len(), 1);
    assert_ne!(second.body["value"][0]["id"], paged.body["value"][0]["id"]);

    let nothing = t
        .get(&token, "/me/drive/root/search(q='zebra crossing')")
        .await;
    assert!(nothing.body["value"].as_array().unwrap().is_empty());
    assert_eq!(
        t.get(&token, "/me/drive/root/search(q=roadmap)")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn simple_uploads_and_ranged_downloads_round_trip() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let documents = item_at(&t, &token, "Documents").await;
    let text = b"Launch plan\nstep one\nstep two\n";

    // https://learn.microsoft.com/graph/api/driveitem-put-content: 201 new, 200 replaced.
    let created = put_content(
        &t,
        &token,
        &format!(
            "/me/drive/items/{}:/Launch plan.txt:/content",
            id(&documents)
        ),
        text,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_shaped_as("GET", "/me/drive/items/x", &created);
    assert_eq!(created.body["size"], text.len());
    let path = format!("/me/drive/items/{}/content", id(&created.body));
    assert_eq!(download(&t, &token, &path).await, text);
    assert_eq!(
        download(
            &t,
            &token,
            "/me/drive/root:/Documents/Launch plan.txt:/content"
        )
        .await,
        text
    );

    let replacement = b"Launch plan v2\n";
    let replaced = put_content(&t, &token, &path, replacement).await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(replaced.body["id"], created.body["id"]);
    assert_ne!(
        replaced.body["file"]["hashes"]["quickXorHash"],
        created.body["file"]["hashes"]["quickXorHash"]
    );
    assert_eq!(download(&t, &token, &path).await, replacement);
    let by_path = put_content(
        &t,
        &token,
        "/me/drive/root:/Documents/Launch plan.txt:/content",
        text,
    )
    .await;
    assert_eq!(
        by_path.status,
        StatusCode::OK,
        "replace is the default by path"
    );
    let failing = put_content(
        &t,
        &token,
        "/me/drive/root:/Documents/Launch plan.txt:/content?@microsoft.graph.conflictBehavior=fail",
        text,
    )
    .await;
    assert_eq!(failing.status, StatusCode::CONFLICT);
    let renamed = put_content(
        &t,
        &token,
        "/me/drive/root:/Documents/Launch plan.txt:/content?@microsoft.graph.conflictBehavior=rename",
        text,
    )
    .await;
    assert_eq!(renamed.status, StatusCode::CREATED);
    assert_eq!(renamed.body["name"], "Launch plan 1.txt");

    // Ranges, so a download can resume: 206 with Content-Range, 416 past the end.
    let redirect = t.get(&token, &path).await;
    let location = redirect.headers["location"].to_str().unwrap();
    let part = t
        .http
        .get(location)
        .header("range", "bytes=7-10")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 7-10/{}", text.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &text[7..=10]);
    let tail = t
        .http
        .get(location)
        .header("range", "bytes=20-")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &text[20..]);
    let beyond = t
        .http
        .get(location)
        .header("range", "bytes=500-")
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let (unsigned, _) = location.rsplit_once('.').unwrap();
    let forged = format!("{unsigned}.AAAA");
    assert_eq!(
        t.http.get(forged).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Over 4 MB needs an upload session: 413.
    let too_big = put_content(
        &t,
        &token,
        "/me/drive/root:/Documents/big.bin:/content",
        &vec![7u8; 4 * 1024 * 1024 + 1],
    )
    .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    let folder_download = t
        .get(
            &token,
            &format!("/me/drive/items/{}/content", id(&documents)),
        )
        .await;
    assert_eq!(folder_download.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn content_hosts_refuse_an_authorization_header() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let redirect = t
        .get(&token, "/me/drive/root:/Documents/Roadmap 2026.md:/content")
        .await;
    let location = redirect.headers["location"].to_str().unwrap();
    let leaked = t
        .http
        .get(location)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(leaked.status(), StatusCode::UNAUTHORIZED);

    let upload_url = create_session(
        &t,
        &token,
        "/me/drive/root:/Documents/upload.bin:/createUploadSession",
        &json!({}),
    )
    .await;
    for method in [Method::PUT, Method::GET, Method::DELETE] {
        let response = t
            .http
            .request(method.clone(), &upload_url)
            .bearer_auth(&token)
            .header("content-range", "bytes 0-2/3")
            .body(vec![1u8, 2, 3])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method}");
    }
    let status: Value = t
        .http
        .get(&upload_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        status["nextExpectedRanges"],
        json!(["0-"]),
        "nothing was taken"
    );
}

#[tokio::test]
async fn upload_sessions_take_fragments_in_order() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let data = sample(3 * 1024 * 1024 + 1000, 3);

    // https://learn.microsoft.com/graph/api/driveitem-createuploadsession
    let upload_url = create_session(
        &t,
        &token,
        "/me/drive/root:/Documents/Dataset.bin:/createUploadSession",
        &json!({"item": {"@microsoft.graph.conflictBehavior": "rename", "name": "Dataset.bin"}}),
    )
    .await;
    let odd = put_fragment_of(&t, &upload_url, &data, 0, 1000).await;
    assert_eq!(
        odd.status,
        StatusCode::BAD_REQUEST,
        "not a multiple of 320 KiB"
    );
    let skipped = put_fragment(&t, &upload_url, &data, FRAGMENT * 3).await;
    assert_eq!(skipped.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(skipped.body["error"]["code"], "invalidRange");

    let mut first = 0;
    let done = loop {
        let response = put_fragment(&t, &upload_url, &data, first).await;
        first += FRAGMENT * 3;
        if first >= data.len() {
            break response;
        }
        assert_eq!(response.status, StatusCode::ACCEPTED, "{response:?}");
        assert_eq!(
            response.body["nextExpectedRanges"],
            json!([format!("{first}-")])
        );
        let again = put_fragment(&t, &upload_url, &data, 0).await;
        assert_eq!(
            again.status,
            StatusCode::RANGE_NOT_SATISFIABLE,
            "already received"
        );
    };
    assert_eq!(done.status, StatusCode::CREATED, "{done:?}");
    assert_shaped_as("GET", "/me/drive/items/x", &done);
    assert_eq!(done.body["size"], data.len());
    let path = format!("/me/drive/items/{}/content", id(&done.body));
    assert_eq!(download(&t, &token, &path).await, data);
    assert_eq!(
        t.http.get(&upload_url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "a finished session is gone"
    );

    // By id, a session replaces the file: 200 at the end.
    let smaller = sample(FRAGMENT + 5, 9);
    let replace_url = create_session(
        &t,
        &token,
        &format!("/me/drive/items/{}/createUploadSession", id(&done.body)),
        &json!({}),
    )
    .await;
    let response = put_fragment_of(&t, &replace_url, &smaller, 0, FRAGMENT).await;
    assert_eq!(response.status, StatusCode::ACCEPTED);
    let response = put_fragment_of(&t, &replace_url, &smaller, FRAGMENT, FRAGMENT).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["id"], done.body["id"]);
    assert_eq!(download(&t, &token, &path).await, smaller);

    // A taken name fails by default; a cancelled session is gone.
    let taken = t
        .post(
            &token,
            "/me/drive/root:/Documents/Dataset.bin:/createUploadSession",
            &json!({}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let cancelled = create_session(
        &t,
        &token,
        "/me/drive/root:/Documents/Cancelled.bin:/createUploadSession",
        &json!({}),
    )
    .await;
    put_fragment(&t, &cancelled, &data, 0).await;
    let cancel = t.http.delete(&cancelled).send().await.unwrap();
    assert_eq!(cancel.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        t.http.get(&cancelled).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get(&token, "/me/drive/root:/Documents/Cancelled.bin")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn set_faults(t: &TestSandbox, spec: Value) {
    let response = t
        .http
        .post(format!("{}/_sandbox/faults", t.sandbox.info().login_url))
        .json(&spec)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// Where the session stands; `None` once it has ended (the last fragment was taken).
async fn next_expected(t: &TestSandbox, upload_url: &str) -> Option<usize> {
    let response = t.http.get(upload_url).send().await.unwrap();
    if response.status() == StatusCode::NOT_FOUND {
        return None;
    }
    let status: Value = response.json().await.unwrap();
    let range = status["nextExpectedRanges"][0].as_str().unwrap();
    Some(range.trim_end_matches('-').parse().unwrap())
}

#[tokio::test]
async fn an_upload_resumes_after_faults_injected_midway() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let data = sample(2 * 1024 * 1024, 5);
    let upload_url = create_session(
        &t,
        &token,
        "/me/drive/root:/Documents/Resumed.bin:/createUploadSession",
        &json!({}),
    )
    .await;
    let step = FRAGMENT * 2;
    let accepted = put_fragment_of(&t, &upload_url, &data, 0, step).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);

    // Throttled before it is processed: 429 with Retry-After, nothing taken.
    set_faults(&t, json!({"throttle_rate": 1.0, "retry_after_s": 1})).await;
    let throttled = put_fragment_of(&t, &upload_url, &data, step, step).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers["retry-after"], "1");
    set_faults(&t, json!({})).await;
    assert_eq!(next_expected(&t, &upload_url).await, Some(step));

    // Dropped after it was processed: the client learns from the session where to resume.
    set_faults(&t, json!({"drop_rate": 1.0})).await;
    let last = (2 * step).min(data.len()) - 1;
    let dropped = t
        .http
        .put(&upload_url)
        .header(
            "content-range",
            format!("bytes {step}-{last}/{}", data.len()),
        )
        .body(data[step..=last].to_vec())
        .send()
        .await;
    if let Ok(response) = dropped {
        assert!(response.bytes().await.is_err(), "the answer is lost");
    }
    set_faults(&t, json!({})).await;
    let mut first = next_expected(&t, &upload_url).await.unwrap();
    assert_eq!(first, 2 * step);

    // A seeded mix of throttling and drops; the client resumes until the file is complete.
    set_faults(
        &t,
        json!({"throttle_rate": 0.3, "drop_rate": 0.3, "seed": 9}),
    )
    .await;
    let mut attempts = 0;
    let done = loop {
        attempts += 1;
        assert!(attempts < 50, "the upload does not finish");
        let last = (first + step).min(data.len()) - 1;
        let sent = t
            .http
            .put(&upload_url)
            .header(
                "content-range",
                format!("bytes {first}-{last}/{}", data.len()),
            )
            .body(data[first..=last].to_vec())
            .send()
            .await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status();
                response.bytes().await.ok().map(|body| (status, body))
            }
            Err(_) => None,
        };
        match answer {
            Some((StatusCode::CREATED, body)) => {
                break serde_json::from_slice::<Value>(&body).unwrap();
            }
            Some((StatusCode::ACCEPTED, _)) => first = last + 1,
            _ => match next_expected(&t, &upload_url).await {
                Some(next) => first = next,
                // The answer to the last fragment was lost, but the file is there.
                None => {
                    set_faults(&t, json!({})).await;
                    break item_at(&t, &token, "Documents/Resumed.bin").await;
                }
            },
        }
    };
    set_faults(&t, json!({})).await;
    assert!(attempts > 2, "the seeded faults hit the last two fragments");
    assert_eq!(done["size"], data.len());
    let path = format!("/me/drive/items/{}/content", done["id"].as_str().unwrap());
    assert_eq!(download(&t, &token, &path).await, data);
}

#[tokio::test]
async fn a_channel_files_folder_lives_in_the_team_drive() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let teams = t.get(&token, "/me/joinedTeams").await;
    let platform = teams.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|team| team["displayName"] == "Platform")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channels = t.get(&token, &format!("/teams/{platform}/channels")).await;
    let general = channels.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["displayName"] == "General")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // https://learn.microsoft.com/graph/api/channel-get-filesfolder
    let folder_path = format!("/teams/{platform}/channels/{general}/filesFolder");
    let folder = t.get(&token, &folder_path).await;
    assert_eq!(folder.status, StatusCode::OK);
    assert_faithful("GET", &folder_path, &folder);
    assert_eq!(folder.body["name"], "General");
    assert_eq!(
        folder.body["parentReference"]["driveType"],
        "documentLibrary"
    );
    let drive_id = folder.body["parentReference"]["driveId"]
        .as_str()
        .unwrap()
        .to_owned();
    let folder_id = id(&folder.body);

    let drive = t.get(&token, &format!("/drives/{drive_id}")).await;
    assert_eq!(drive.status, StatusCode::OK);
    assert_shaped_as("GET", "/me/drive", &drive);
    assert_eq!(drive.body["driveType"], "documentLibrary");
    let item = t
        .get(&token, &format!("/drives/{drive_id}/items/{folder_id}"))
        .await;
    assert_shaped_as("GET", "/me/drive/items/x", &item);
    let children_path = format!("/drives/{drive_id}/items/{folder_id}/children");
    let children = t.get(&token, &children_path).await;
    assert_shaped_as("GET", "/me/drive/items/x/children", &children);
    assert_eq!(
        names(&children.body),
        ["CI runners migration.md", "On-call rota.csv"]
    );

    // Upload into the channel folder: listed and downloadable.
    let notes = b"Incident review: runner pool saturation\n";
    let uploaded = put_content(
        &t,
        &token,
        &format!("/drives/{drive_id}/items/{folder_id}:/Incident review.md:/content"),
        notes,
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{uploaded:?}");
    assert_eq!(uploaded.body["parentReference"]["id"], folder_id.as_str());
    assert!(
        names(&t.get(&token, &children_path).await.body).contains(&"Incident review.md".to_owned())
    );
    let content_path = format!("/drives/{drive_id}/items/{}/content", id(&uploaded.body));
    assert_eq!(download(&t, &token, &content_path).await, notes);

    let created = t
        .post(
            &token,
            &format!("/drives/{drive_id}/items/{folder_id}/children"),
            &json!({"name": "Postmortems", "folder": {}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let data = sample(FRAGMENT + 77, 1);
    let upload_url = create_session(
        &t,
        &token,
        &format!("/drives/{drive_id}/items/{folder_id}:/Runner metrics.bin:/createUploadSession"),
        &json!({}),
    )
    .await;
    assert_eq!(
        put_fragment_of(&t, &upload_url, &data, 0, FRAGMENT)
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let done = put_fragment_of(&t, &upload_url, &data, FRAGMENT, FRAGMENT).await;
    assert_eq!(done.status, StatusCode::CREATED);
    assert_eq!(
        download(
            &t,
            &token,
            &format!("/drives/{drive_id}/items/{}/content", id(&done.body))
        )
        .await,
        data
    );
    let again = t.get(&token, &folder_path).await;
    assert_eq!(again.body["id"], folder.body["id"]);
    assert_eq!(again.body["folder"]["childCount"], 5);

    // A user outside the team cannot reach its drive.
    let outsider = t
        .sign_in(FILES, Some("farid.haddad@larkspur.example.invalid"))
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        format!("/drives/{drive_id}"),
        format!("/drives/{drive_id}/items/{folder_id}"),
        children_path.clone(),
        content_path.clone(),
    ] {
        let refused = t.get(&outsider, &path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}: {refused:?}");
    }
    assert_eq!(
        t.get(&outsider, &folder_path).await.status,
        StatusCode::FORBIDDEN
    );
    // Nor another user's OneDrive.
    let own = t.get(&token, "/me/drive").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        t.get(&outsider, &format!("/drives/{own}")).await.status,
        StatusCode::FORBIDDEN
    );
    // An app with Files.ReadWrite.All reaches every drive.
    let app = t.app_token().await;
    assert_eq!(t.get(&app, &children_path).await.status, StatusCode::OK);
}

#[tokio::test]
async fn files_need_files_permissions_and_a_user() {
    let t = start().await;

    // https://learn.microsoft.com/graph/api/driveitem-list-children lists Files.* and Sites.*.
    let chat_only = t.user_token("User.Read Chat.Read").await;
    for path in [
        "/me/drive/root/children",
        "/me/drive/root:/Documents:/children",
        "/me/drive/root:/Documents/Roadmap 2026.md:/content",
        "/me/drive/root/search(q='roadmap')",
        "/me/drive/root/delta",
    ] {
        let refused = t.get(&chat_only, path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}: {refused:?}");
        assert_eq!(refused.body["error"]["code"], "Forbidden");
    }
    let read_only = t.user_token("User.Read Files.Read").await;
    assert_eq!(
        t.get(&read_only, "/me/drive/root:/Documents/Roadmap 2026.md")
            .await
            .status,
        StatusCode::OK
    );
    let write = put_content(
        &t,
        &read_only,
        "/me/drive/root:/Documents/x.txt:/content",
        b"x",
    )
    .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN, "{write:?}");
    let folder = t
        .post(
            &read_only,
            "/me/drive/root/children",
            &json!({"name": "x", "folder": {}}),
        )
        .await;
    assert_eq!(folder.status, StatusCode::FORBIDDEN);
    let session = t
        .post(
            &read_only,
            "/me/drive/root:/Documents/x.bin:/createUploadSession",
            &json!({}),
        )
        .await;
    assert_eq!(session.status, StatusCode::FORBIDDEN);

    // App-only tokens have no /me.
    let app = t.app_token().await;
    for path in ["/me/drive", "/me/drive/root:/Documents:/children"] {
        let refused = t.get(&app, path).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
    }
}

/// The `kv` keys of a tenant kept in `dir`: file contents and upload fragments.
async fn content_keys(dir: &std::path::Path) -> Vec<String> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("sandbox.sqlite3"))
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let keys = sqlx::query_scalar("SELECT key FROM kv ORDER BY key")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    keys
}

#[tokio::test]
async fn a_reset_forgets_uploads_and_keeps_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let options = SandboxOptions {
        data_dir: Some(dir.path().to_owned()),
        ..SandboxOptions::default()
    };
    let t = start_with(options.clone()).await;
    let token = t.user_token(FILES).await;
    let seeded = content_keys(dir.path()).await;
    assert!(!seeded.is_empty());

    let uploaded = put_content(
        &t,
        &token,
        "/me/drive/root:/Documents/Scratch.txt:/content",
        b"scratch",
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED);
    let data = sample(FRAGMENT * 4, 5);
    let upload_url = create_session(
        &t,
        &token,
        "/me/drive/root:/Documents/Unfinished.bin:/createUploadSession",
        &json!({"item": {"name": "Unfinished.bin"}}),
    )
    .await;
    let fragment = put_fragment_of(&t, &upload_url, &data, 0, FRAGMENT).await;
    assert_eq!(fragment.status, StatusCode::ACCEPTED, "{fragment:?}");
    assert!(content_keys(dir.path()).await.len() > seeded.len() + 1);

    let reset = t
        .http
        .post(format!("{}/_sandbox/reset", t.sandbox.info().login_url))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        content_keys(dir.path()).await,
        seeded,
        "exactly the seed's content"
    );
    assert_eq!(
        t.get(&token, "/me/drive/root:/Documents/Scratch.txt")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        put_fragment_of(&t, &upload_url, &data, FRAGMENT, FRAGMENT)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "the unfinished session is gone"
    );
    // The signing key and the client secret stay: tokens issued before still work.
    assert_eq!(t.get(&token, "/me/drive").await.status, StatusCode::OK);
    t.app_token().await;
    let secret = t.sandbox.info().confidential_client_secret.clone();
    t.sandbox.shutdown().await;
    let t = start_with(options).await;
    assert_eq!(t.sandbox.info().confidential_client_secret, secret);
    assert_eq!(t.get(&token, "/me/drive").await.status, StatusCode::OK);
}

/// The Platform team's drive and its General channel folder, as `filesFolder` gives them.
async fn platform_general(t: &TestSandbox, token: &str) -> (String, String) {
    let teams = t.get(token, "/me/joinedTeams").await;
    let team = teams.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|team| team["displayName"] == "Platform")
        .map(id)
        .unwrap();
    let channels = t.get(token, &format!("/teams/{team}/channels")).await;
    let general = channels.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["displayName"] == "General")
        .map(id)
        .unwrap();
    let folder = t
        .get(
            token,
            &format!("/teams/{team}/channels/{general}/filesFolder"),
        )
        .await;
    (
        folder.body["parentReference"]["driveId"]
            .as_str()
            .unwrap()
            .to_owned(),
        id(&folder.body),
    )
}

// https://learn.microsoft.com/graph/api/driveitem-update, -move, -delete, -copy, -createlink,
// -list-permissions, -search and -list-children: each is documented for /drives/{drive-id} as
// for /me/drive.
#[tokio::test]
async fn a_team_drive_takes_every_item_operation_by_drive_id() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let (drive, general) = platform_general(&t, &token).await;
    let at = |path: &str| format!("/drives/{drive}{path}");

    let root = t.get(&token, &at("/root")).await;
    assert_eq!(root.status, StatusCode::OK, "{root:?}");
    assert_shaped_as("GET", "/me/drive/root", &root);
    let children = t.get(&token, &at("/root/children")).await;
    assert!(names(&children.body).contains(&"General".to_owned()));

    let folder = t
        .post(
            &token,
            &at(&format!("/items/{general}/children")),
            &json!({"name": "Q3 plans", "folder": {}}),
        )
        .await;
    assert_eq!(folder.status, StatusCode::CREATED);
    let uploaded = put_content(
        &t,
        &token,
        &at(&format!(
            "/items/{general}:/Q3 plans/Runner budget.md:/content"
        )),
        b"runner pool budget for the third quarter\n",
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{uploaded:?}");
    // "A percent-encoded path that can be used to navigate to the item" (itemReference).
    assert_eq!(
        uploaded.body["parentReference"]["path"],
        format!("/drives/{drive}/root:/General/Q3%20plans")
    );
    let file = id(&uploaded.body);

    let renamed = t
        .graph(
            Method::PATCH,
            &token,
            &at(&format!("/items/{file}")),
            Some(&json!({"name": "Runner budget v2.md", "parentReference": {"id": general}})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    assert_shaped_as("PATCH", "/me/drive/items/x", &renamed);
    assert_eq!(renamed.body["name"], "Runner budget v2.md");
    assert_eq!(
        renamed.body["parentReference"]["path"],
        format!("/drives/{drive}/root:/General")
    );
    // Moved back by its percent-encoded path, as Graph gives it.
    let back = t
        .graph(
            Method::PATCH,
            &token,
            &at(&format!("/items/{file}")),
            Some(&json!({"parentReference": {"path": format!("/drives/{drive}/root:/General/Q3%20plans")}})),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{back:?}");
    assert_eq!(back.body["parentReference"]["id"], folder.body["id"]);

    let copy = t
        .post(
            &token,
            &at(&format!("/items/{file}/copy")),
            &json!({"parentReference": {"driveId": drive, "id": general}, "name": "Budget copy.md"}),
        )
        .await;
    assert_eq!(copy.status, StatusCode::ACCEPTED, "{copy:?}");
    let monitor = copy.headers["location"].to_str().unwrap().to_owned();
    let status: Value = t
        .http
        .get(&monitor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "completed");
    let copied = t
        .get(
            &token,
            &at(&format!(
                "/items/{}",
                status["resourceId"].as_str().unwrap()
            )),
        )
        .await;
    assert_eq!(copied.body["name"], "Budget copy.md");

    let link = t
        .post(
            &token,
            &at(&format!("/items/{file}/createLink")),
            &json!({"type": "view", "scope": "organization"}),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{link:?}");
    assert_faithful("POST", "/me/drive/items/x/createLink", &link);
    let permissions = t
        .get(&token, &at(&format!("/items/{file}/permissions")))
        .await;
    assert_eq!(permissions.status, StatusCode::OK);
    assert!(
        permissions.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["link"]["webUrl"] == link.body["link"]["webUrl"])
    );

    let found = t.get(&token, &at("/root/search(q='runner budget')")).await;
    assert_eq!(found.status, StatusCode::OK, "{found:?}");
    let mut hits = names(&found.body);
    hits.sort();
    assert_eq!(hits, ["Budget copy.md", "Runner budget v2.md"]);

    let deleted = t
        .graph(Method::DELETE, &token, &at(&format!("/items/{file}")), None)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        t.get(&token, &at(&format!("/items/{file}"))).await.status,
        StatusCode::NOT_FOUND
    );

    // Writing to a team's library takes a write permission.
    let reader = t
        .user_token("User.Read Files.Read.All Team.ReadBasic.All Channel.ReadBasic.All")
        .await;
    let refused = t
        .graph(
            Method::DELETE,
            &reader,
            &at(&format!("/items/{}", id(&folder.body))),
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Files.ReadWrite.All")
    );
    assert_eq!(
        t.get(&reader, &at("/root/search(q='runner')")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn content_host_requests_are_logged_but_not_counted_as_graph_requests() {
    let t = start().await;
    let token = t.user_token(FILES).await;
    let item = item_at(&t, &token, "Documents/Notes.md").await;
    t.http
        .post(format!("{}/_sandbox/reset-log", t.sandbox.info().login_url))
        .send()
        .await
        .unwrap();
    download(
        &t,
        &token,
        &format!("/me/drive/items/{}/content", id(&item)),
    )
    .await;
    let log: Value = t
        .http
        .get(format!("{}/_sandbox/requests", t.sandbox.info().login_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entries: Vec<(String, u64)> = log["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_owned(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(entries[0].0.ends_with("/content") && entries[0].1 == 302);
    assert!(entries[1].0.starts_with("/_sandbox/content/") && entries[1].1 == 200);
    let stats: Value = t
        .http
        .get(format!("{}/_sandbox/stats", t.sandbox.info().login_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["graph_requests"], 1);
    assert_eq!(stats["login_requests"], 0);
}
