//! File content: downloads by redirect to a pre-authenticated URL (with `Range` so a download
//! can resume), simple uploads up to 4 MB, and upload sessions for anything larger — fragments
//! of a multiple of 320 KiB, in order, resumable after a failure.
//!
//! Download URLs carry their own authorization, an HMAC over drive, item and expiry with a key
//! that lives as long as the process; upload URLs name a session only the creator was told.
//! Both refuse a request that carries an `Authorization` header, as Graph's content hosts may:
//! a client that sends its Graph token there has a bug that would leak it to a third party.

use std::sync::{Arc, LazyLock};

use aws_lc_rs::hmac;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::ToSpan;
use serde_json::{Value, json};

use super::tree::{
    self, Conflict, Drive, ITEM, Resolved, Stamp, Tree, check_name, content_key, id_of, is_folder,
    parent_id_of, settle_name,
};
use super::{
    CONFLICT_BEHAVIOR, Target, check_if_match, invalid_request, item_not_found,
    name_already_exists, render, stamp,
};
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::{percent_encode, plain_params};
use crate::state::AppState;
use crate::{clock, ids};

pub const DOWNLOAD_ROUTE: &str = "/_sandbox/content/{token}";
pub const UPLOAD_ROUTE: &str = "/_sandbox/upload/{session}";

/// "The maximum bytes in any given request is less than 60 MiB."
pub const MAX_FRAGMENT: usize = 60 * 1024 * 1024;
/// Every fragment but the last is a multiple of 320 KiB.
const FRAGMENT_UNIT: u64 = 320 * 1024;
/// Pre-authenticated download URLs are valid "for a short period of time (a few minutes)".
const DOWNLOAD_URL_SECONDS: i64 = 10 * 60;
/// An upload session lives this long after its last fragment.
const SESSION_MINUTES: i64 = 60;
const SESSION: &str = "uploadSession";

static URL_KEY: LazyLock<hmac::Key> =
    LazyLock::new(|| hmac::Key::new(hmac::HMAC_SHA256, &ids::random_bytes::<32>()));

/// A pre-authenticated URL for an item's content, valid for a few minutes.
pub fn download_url(state: &AppState, drive_id: &str, item_id: &str) -> String {
    let expires = clock::unix_now() + DOWNLOAD_URL_SECONDS;
    let payload = format!("{drive_id}\n{item_id}\n{expires}");
    let signature = hmac::sign(&URL_KEY, payload.as_bytes());
    let token = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(signature.as_ref())
    );
    format!(
        "{}{}",
        state.base_url,
        DOWNLOAD_ROUTE.replace("{token}", &token)
    )
}

/// The drive and item a download token names, if it is ours and not expired.
fn verify_download(token: &str) -> Option<(String, String)> {
    let (payload, signature) = token.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    hmac::verify(&URL_KEY, &payload, &signature).ok()?;
    let payload = String::from_utf8(payload).ok()?;
    let mut parts = payload.split('\n');
    let (drive, item, expires) = (parts.next()?, parts.next()?, parts.next()?);
    let expires: i64 = expires.parse().ok()?;
    (expires > clock::unix_now()).then(|| (drive.to_owned(), item.to_owned()))
}

fn refuse_authorization(headers: &HeaderMap) -> GraphResult<()> {
    if headers.contains_key(header::AUTHORIZATION) {
        Err(GraphError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "This URL is pre-authenticated: send the request without an Authorization header.",
        ))
    } else {
        Ok(())
    }
}

fn too_large(message: &str) -> GraphError {
    GraphError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        message,
    )
}

/// `GET …/content`: 302 to a pre-authenticated download URL
/// (https://learn.microsoft.com/graph/api/driveitem-get-content).
pub async fn download(State(state): State<Arc<AppState>>, target: Target) -> GraphResult<Response> {
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let item = tree.existing(&target.reference)?;
    if is_folder(&item) {
        return Err(invalid_request("Only files have content to download."));
    }
    let location = download_url(&state, &target.drive.id, id_of(&item));
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// The content host: the bytes, or the `Range` asked for (206 with `Content-Range`).
pub async fn serve_download(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> GraphResult<Response> {
    refuse_authorization(&headers)?;
    let (drive_id, item_id) = verify_download(&token).ok_or_else(|| {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "The download URL is not valid or has expired: ask Graph for a new one.",
        )
    })?;
    let item = state
        .store
        .get(ITEM, &drive_id, &item_id)
        .await?
        .ok_or_else(item_not_found)?;
    let bytes = state
        .store
        .kv_get(&content_key(&drive_id, &item_id))
        .await?
        .unwrap_or_default();
    let total = bytes.len() as u64;
    let mut response = match requested_range(&headers, total) {
        Range::Whole => Response::new(Body::from(bytes)),
        Range::Part(first, last) => {
            let part = bytes
                .get(first as usize..=last as usize)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            let mut response = Response::new(Body::from(part));
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            set_header(
                &mut response,
                header::CONTENT_RANGE,
                &format!("bytes {first}-{last}/{total}"),
            );
            response
        }
        Range::Unsatisfiable => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            set_header(
                &mut response,
                header::CONTENT_RANGE,
                &format!("bytes */{total}"),
            );
            response
        }
    };
    let mime = item["file"]["mimeType"]
        .as_str()
        .unwrap_or("application/octet-stream");
    let name = item["name"].as_str().unwrap_or_default();
    set_header(&mut response, header::CONTENT_TYPE, mime);
    set_header(&mut response, header::ACCEPT_RANGES, "bytes");
    set_header(
        &mut response,
        header::CONTENT_DISPOSITION,
        &format!("attachment; filename*=UTF-8''{}", percent_encode(name)),
    );
    if let Some(etag) = item["eTag"].as_str() {
        set_header(&mut response, header::ETAG, etag);
    }
    Ok(response)
}

fn set_header(response: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Range {
    Whole,
    /// First and last byte, inclusive.
    Part(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range as RFC 9110 reads it; several ranges, or a malformed header, are ignored
/// and the whole file is sent, as the download documentation allows.
fn requested_range(headers: &HeaderMap, total: u64) -> Range {
    let Some(spec) = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
        .filter(|v| !v.contains(','))
    else {
        return Range::Whole;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let bounds = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(first), Ok(last)) if first <= last => Some((first, last)),
        (Ok(first), Err(_)) if last.is_empty() => Some((first, u64::MAX)),
        (Err(_), Ok(suffix)) if first.is_empty() => {
            if suffix == 0 {
                return Range::Unsatisfiable;
            }
            Some((total.saturating_sub(suffix), u64::MAX))
        }
        _ => None,
    };
    match bounds {
        None => Range::Whole,
        Some((first, _)) if first >= total => Range::Unsatisfiable,
        Some((first, last)) => Range::Part(first, last.min(total - 1)),
    }
}

/// `PUT …/content`: a file of up to 4 MB, new (201) or replacing the one there (200)
/// (https://learn.microsoft.com/graph/api/driveitem-put-content). By path, a taken name is
/// replaced unless `@microsoft.graph.conflictBehavior` says fail or rename.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    target: Target,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let bytes = body.map_err(|_| {
        too_large("Simple upload takes files up to 4 MB: use an upload session for larger files.")
    })?;
    let params = plain_params(raw.as_deref());
    let conflict = Conflict::parse(
        params.get(CONFLICT_BEHAVIOR).map(String::as_str),
        Conflict::Replace,
    )?;
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let stamp = stamp(&state, &target.caller).await?;
    let store = &state.store;
    let drive = &target.drive;
    let (status, item) = match tree.resolve(&target.reference)? {
        Resolved::Found(file) if target.reference.path.is_empty() => {
            check_if_match(&headers, &file)?;
            let file = tree::replace_content(store, drive, &file, &bytes, &stamp).await?;
            (StatusCode::OK, file)
        }
        Resolved::Found(taken) => {
            check_if_match(&headers, &taken)?;
            let parent = parent_id_of(&taken)
                .and_then(|p| tree.get(p))
                .ok_or_else(item_not_found)?;
            match conflict {
                Conflict::Fail => return Err(name_already_exists()),
                Conflict::Replace if is_folder(&taken) => return Err(name_already_exists()),
                Conflict::Replace => {
                    let file = tree::replace_content(store, drive, &taken, &bytes, &stamp).await?;
                    (StatusCode::OK, file)
                }
                Conflict::Rename => {
                    let name = taken["name"].as_str().unwrap_or_default();
                    let (name, _) = settle_name(&tree, parent, name, Conflict::Rename, None)?;
                    let file =
                        tree::create_file(store, drive, parent, &name, &bytes, &stamp).await?;
                    (StatusCode::CREATED, file)
                }
            }
        }
        Resolved::Missing { parent, name } => {
            check_name(&name)?;
            let file = tree::create_file(store, drive, &parent, &name, &bytes, &stamp).await?;
            (StatusCode::CREATED, file)
        }
    };
    Ok((
        status,
        crate::graph::entity(
            &state,
            &crate::graph::odata::Query::default(),
            &render(&state, drive, &item),
            &format!("{}/items/$entity", target.context),
        ),
    ))
}

/// The body of `createUploadSession` is optional; when present it is JSON.
fn optional_json(body: &Bytes) -> GraphResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(GraphError::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

fn session_expiry() -> String {
    let now = jiff::Timestamp::now();
    clock::format_millis(now.checked_add(SESSION_MINUTES.minutes()).unwrap_or(now))
}

/// `POST …/createUploadSession`: an upload URL outside Graph for the file's fragments
/// (https://learn.microsoft.com/graph/api/driveitem-createuploadsession). By id, the session
/// replaces that file; by path, it creates the file, and a taken name fails (409) unless
/// `item.@microsoft.graph.conflictBehavior` says replace or rename.
pub async fn create_upload_session(
    State(state): State<Arc<AppState>>,
    target: Target,
    body: Bytes,
) -> GraphResult<Json<Value>> {
    let body = optional_json(&body)?;
    let properties = &body["item"];
    let conflict = Conflict::parse(properties[CONFLICT_BEHAVIOR].as_str(), Conflict::Fail)?;
    let tree = Tree::load(&state.store, &target.drive.id).await?;
    let (parent_id, name, replaces) = match tree.resolve(&target.reference)? {
        Resolved::Found(item) if is_folder(&item) => {
            return Err(invalid_request(
                "Name the new file: POST …/items/{parent-id}:/{filename}:/createUploadSession.",
            ));
        }
        Resolved::Found(item)
            if target.reference.path.is_empty() || conflict == Conflict::Replace =>
        {
            (
                parent_id_of(&item).unwrap_or_default().to_owned(),
                item["name"].as_str().unwrap_or_default().to_owned(),
                Some(id_of(&item).to_owned()),
            )
        }
        Resolved::Found(item) if conflict == Conflict::Rename => (
            parent_id_of(&item).unwrap_or_default().to_owned(),
            item["name"].as_str().unwrap_or_default().to_owned(),
            None,
        ),
        Resolved::Found(_) => return Err(name_already_exists()),
        Resolved::Missing { parent, name } => {
            check_name(&name)?;
            (id_of(&parent).to_owned(), name, None)
        }
    };
    if let Some(named) = properties["name"].as_str()
        && !named.eq_ignore_ascii_case(&name)
    {
        return Err(invalid_request(
            "The name in the request body must be the name in the path.",
        ));
    }
    let stamp = stamp(&state, &target.caller).await?;
    let id = ids::random_token(24);
    let expires = session_expiry();
    let session = json!({
        "id": id,
        "driveId": target.drive.id,
        "parentId": parent_id,
        "name": name,
        "replaces": replaces,
        "conflict": format!("{conflict:?}"),
        "expirationDateTime": expires,
        "total": properties["fileSize"],
        "received": 0,
        "fragments": [],
        "by": stamp.by,
    });
    state.store.put(SESSION, "", &id, &session).await?;
    Ok(Json(json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.uploadSession", state.graph_url()),
        "uploadUrl": format!("{}{}", state.base_url, UPLOAD_ROUTE.replace("{session}", &id)),
        "expirationDateTime": expires,
        "nextExpectedRanges": ["0-"],
    })))
}

/// A session that exists and has not expired; an expired one is cleaned up.
async fn live_session(state: &AppState, id: &str) -> GraphResult<Value> {
    let session = state
        .store
        .get(SESSION, "", id)
        .await?
        .ok_or_else(item_not_found)?;
    let expired = session["expirationDateTime"]
        .as_str()
        .and_then(clock::parse)
        .is_none_or(|at| at <= jiff::Timestamp::now());
    if expired {
        discard(state, &session).await?;
        return Err(item_not_found());
    }
    Ok(session)
}

fn fragment_key(session: &str, offset: u64) -> String {
    format!("uploadFragment/{session}/{offset}")
}

fn fragment_offsets(session: &Value) -> Vec<u64> {
    session["fragments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect()
}

async fn discard(state: &AppState, session: &Value) -> GraphResult<()> {
    let id = id_of(session);
    for offset in fragment_offsets(session) {
        state.store.kv_delete(&fragment_key(id, offset)).await?;
    }
    state.store.delete(SESSION, "", id).await?;
    Ok(())
}

fn session_status(session: &Value) -> Value {
    json!({
        "expirationDateTime": session["expirationDateTime"],
        "nextExpectedRanges": [format!("{}-", session["received"].as_u64().unwrap_or(0))],
    })
}

/// `Content-Range: bytes {first}-{last}/{total}`.
fn content_range(headers: &HeaderMap) -> GraphResult<(u64, u64, u64)> {
    let missing = || invalid_request("Content-Range must be 'bytes {first}-{last}/{total}'.");
    let spec = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes "))
        .ok_or_else(missing)?;
    let (range, total) = spec.split_once('/').ok_or_else(missing)?;
    let (first, last) = range.split_once('-').ok_or_else(missing)?;
    match (
        first.trim().parse::<u64>(),
        last.trim().parse::<u64>(),
        total.trim().parse::<u64>(),
    ) {
        (Ok(first), Ok(last), Ok(total)) if first <= last && last < total => {
            Ok((first, last, total))
        }
        _ => Err(missing()),
    }
}

/// `PUT {uploadUrl}`: the next fragment. 202 with the next expected range, or — for the last
/// fragment — 201 (new file) or 200 (replaced) with the item. A fragment that does not start
/// where the session stands is refused with 416, and the session keeps what it had.
pub async fn upload_fragment(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> GraphResult<Response> {
    refuse_authorization(&headers)?;
    let mut session = live_session(&state, &id).await?;
    let bytes = body.map_err(|_| too_large("A fragment is at most 60 MiB."))?;
    let (first, last, total) = content_range(&headers)?;
    if last - first + 1 != bytes.len() as u64 {
        return Err(invalid_request(
            "Content-Range does not match the length of the fragment.",
        ));
    }
    if session["total"].as_u64().is_some_and(|t| t != total) {
        return Err(invalid_request(
            "The total size in Content-Range differs from the one declared before.",
        ));
    }
    let received = session["received"].as_u64().unwrap_or(0);
    if first != received {
        return Err(GraphError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            format!("The fragment starts at byte {first}; the session expects byte {received}."),
        ));
    }
    let complete = last + 1 == total;
    if !complete && !(bytes.len() as u64).is_multiple_of(FRAGMENT_UNIT) {
        return Err(invalid_request(
            "Every fragment but the last must be a multiple of 320 KiB (327,680 bytes).",
        ));
    }
    state
        .store
        .kv_put(&fragment_key(&id, first), &bytes)
        .await?;
    let mut fragments = fragment_offsets(&session);
    fragments.push(first);
    session["fragments"] = json!(fragments);
    session["received"] = json!(last + 1);
    session["total"] = json!(total);
    session["expirationDateTime"] = json!(session_expiry());
    state.store.put(SESSION, "", &id, &session).await?;
    if complete {
        commit(&state, &session).await
    } else {
        Ok((StatusCode::ACCEPTED, Json(session_status(&session))).into_response())
    }
}

/// The last fragment is in: the file is created or replaced and the session ends. A name taken
/// meanwhile fails with 409 and the session stays, as Graph keeps it until it expires.
async fn commit(state: &AppState, session: &Value) -> GraphResult<Response> {
    let drive_id = session["driveId"].as_str().unwrap_or_default();
    let drive = Drive::load(&state.store, drive_id)
        .await?
        .ok_or_else(item_not_found)?;
    let mut bytes = Vec::with_capacity(session["total"].as_u64().unwrap_or(0) as usize);
    for offset in fragment_offsets(session) {
        let key = fragment_key(id_of(session), offset);
        bytes.extend(state.store.kv_get(&key).await?.unwrap_or_default());
    }
    let tree = Tree::load(&state.store, &drive.id).await?;
    let parent = session["parentId"]
        .as_str()
        .and_then(|p| tree.get(p))
        .ok_or_else(item_not_found)?;
    let stamp = Stamp {
        at: clock::now(),
        by: session["by"].clone(),
    };
    let name = session["name"].as_str().unwrap_or_default();
    let replaced = session["replaces"]
        .as_str()
        .and_then(|id| tree.get(id))
        .or_else(|| tree.child_named(id_of(parent), name));
    let conflict = match session["conflict"].as_str() {
        Some("Replace") => Conflict::Replace,
        Some("Rename") => Conflict::Rename,
        _ => Conflict::Fail,
    };
    let store = &state.store;
    let (status, item) = match replaced {
        Some(existing) if session["replaces"].is_string() || conflict == Conflict::Replace => {
            let file = tree::replace_content(store, &drive, existing, &bytes, &stamp).await?;
            (StatusCode::OK, file)
        }
        Some(_) if conflict == Conflict::Fail => return Err(name_already_exists()),
        _ => {
            let (name, _) = settle_name(&tree, parent, name, Conflict::Rename, None)?;
            let file = tree::create_file(store, &drive, parent, &name, &bytes, &stamp).await?;
            (StatusCode::CREATED, file)
        }
    };
    discard(state, session).await?;
    Ok((status, Json(render(state, &drive, &item))).into_response())
}

/// `GET {uploadUrl}`: what the session still expects, to resume after a failure.
pub async fn upload_status(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> GraphResult<Json<Value>> {
    refuse_authorization(&headers)?;
    let session = live_session(&state, &id).await?;
    Ok(Json(session_status(&session)))
}

/// `DELETE {uploadUrl}`: the session and its fragments are gone; 204.
pub async fn cancel_upload(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> GraphResult<StatusCode> {
    refuse_authorization(&headers)?;
    let session = live_session(&state, &id).await?;
    discard(&state, &session).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, total: u64) -> Range {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        requested_range(&headers, total)
    }

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(range("bytes=0-9", 100), Range::Part(0, 9));
        assert_eq!(range("bytes=90-", 100), Range::Part(90, 99));
        assert_eq!(range("bytes=-10", 100), Range::Part(90, 99));
        assert_eq!(range("bytes=50-500", 100), Range::Part(50, 99));
        assert_eq!(range("bytes=100-", 100), Range::Unsatisfiable);
        assert_eq!(range("bytes=-0", 100), Range::Unsatisfiable);
        assert_eq!(range("bytes=0-1,5-6", 100), Range::Whole);
        assert_eq!(range("lines=1-2", 100), Range::Whole);
        assert_eq!(range("bytes=9-1", 100), Range::Whole);
        assert_eq!(requested_range(&HeaderMap::new(), 100), Range::Whole);
    }

    #[test]
    fn download_tokens_are_signed() {
        let payload = "drive\nitem\n99999999999";
        let signature = hmac::sign(&URL_KEY, payload.as_bytes());
        let token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        );
        assert_eq!(
            verify_download(&token),
            Some(("drive".to_owned(), "item".to_owned()))
        );
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode("drive\nother\n99999999999"),
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        );
        assert_eq!(verify_download(&forged), None);
        let expired = "drive\nitem\n1";
        let signature = hmac::sign(&URL_KEY, expired.as_bytes());
        let token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(expired),
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        );
        assert_eq!(verify_download(&token), None);
    }
}
