//! File uploads to OneDrive and SharePoint drives, the way Graph wants them by size: one `PUT` of
//! the content up to 4 MB, an upload session above.
//!
//! An upload session's URL is pre-authenticated and lives on a content host, like a download's
//! redirect: fragments go there without the Graph token, and only to the cloud's content hosts.
//! A large file is read from disk one fragment at a time, so its size costs no memory. A
//! fragment the server throttles is sent again after `Retry-After`; one that fails, or whose
//! answer is lost, is not guessed at — the session is asked which bytes it still expects
//! (`nextExpectedRanges`), and the upload goes on from there.
//!
//! The content's QuickXorHash is computed as it is sent and compared with the one Graph reports
//! for the new file, so a finished upload is a verified one. That hash also settles the one case
//! a session cannot: the last fragment's answer lost and the session gone. The file at the
//! target path is then the upload only if it has the content's size and hash; otherwise the
//! outcome is unknown, and nothing is uploaded a second time.
//!
//! Outlook's attachment sessions (files of 3 to 150 MB on a message) follow the same rules with
//! Outlook's answers: each fragment's `200` names the next byte, the last one's `201` names the
//! attachment in its `Location`, and the session cannot be asked where it stands — a fragment
//! whose answer was lost is sent again, and a refusal of that range means it had arrived.

use std::path::PathBuf;

use bytes::Bytes;
use msgate_core::{Error, ErrorCode, Result};
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::client::{GraphClient, display_url};
use crate::download::Progress;
use crate::error::{self, GraphErrorBody};
use crate::hash::QuickXor;
use crate::request::Request;
use crate::retry::retry_after;

/// The largest file Graph takes in one `PUT …/content`.
pub const SIMPLE_UPLOAD_MAX: usize = 4 * 1024 * 1024;

/// Fragment size: Graph requires multiples of 320 KiB; ten of them keep each request short.
const FRAGMENT: usize = 10 * 320 * 1024;

/// Failed attempts in a row (throttled, failed or lost fragments) before the upload gives up.
const FRAGMENT_ATTEMPTS: u32 = 6;

/// The smallest file Outlook takes through an attachment upload session; smaller ones are
/// posted whole.
pub const ATTACHMENT_SESSION_MIN: usize = 3 * 1024 * 1024;

/// What to do when the folder already has a file of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Keep both: Graph picks a free name (`report 1.pdf`).
    Rename,
    /// Refuse with 409.
    Fail,
    /// Overwrite the file there.
    Replace,
}

impl Conflict {
    fn as_str(self) -> &'static str {
        match self {
            Conflict::Rename => "rename",
            Conflict::Fail => "fail",
            Conflict::Replace => "replace",
        }
    }
}

/// The bytes of an upload.
#[derive(Debug, Clone)]
pub enum Content {
    /// Already in memory.
    Bytes(Bytes),
    /// A local file, read a fragment at a time.
    File(PathBuf),
}

/// A file to upload.
#[derive(Debug, Clone)]
pub struct Upload<'a> {
    /// The new item by path, below the Graph root and ending at the name:
    /// `/drives/{drive}/items/{folder}:/{name}:` or `/me/drive/root:/{folder}/{name}:`.
    pub item: &'a str,
    pub content: Content,
    pub content_type: &'a str,
    pub conflict: Conflict,
    /// The permissions any one of which allows writing there, for the 403 hint.
    pub permissions: &'static [&'static str],
}

/// The content, opened: its size, and its bytes by range.
enum Source {
    Bytes(Bytes),
    File {
        file: tokio::fs::File,
        path: PathBuf,
        len: u64,
    },
}

impl Source {
    async fn open(content: &Content) -> Result<Source> {
        match content {
            Content::Bytes(bytes) => Ok(Source::Bytes(bytes.clone())),
            Content::File(path) => {
                let unreadable = |e: &std::io::Error| {
                    Error::new(
                        ErrorCode::InvalidInput,
                        format!("cannot read '{}': {e}", path.display()),
                    )
                };
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| unreadable(&e))?;
                let len = file.metadata().await.map_err(|e| unreadable(&e))?.len();
                Ok(Source::File {
                    file,
                    path: path.clone(),
                    len,
                })
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Source::Bytes(bytes) => bytes.len(),
            Source::File { len, .. } => usize::try_from(*len).unwrap_or(usize::MAX),
        }
    }

    /// Bytes `start..end`.
    async fn read(&mut self, start: usize, end: usize) -> Result<Bytes> {
        match self {
            Source::Bytes(bytes) => Ok(bytes.slice(start..end)),
            Source::File { file, path, .. } => {
                let failed =
                    |e: std::io::Error| Error::io(format!("cannot read '{}'", path.display()), &e);
                file.seek(std::io::SeekFrom::Start(start as u64))
                    .await
                    .map_err(failed)?;
                let mut buffer = vec![0u8; end - start];
                file.read_exact(&mut buffer).await.map_err(|e| {
                    Error::io(
                        format!(
                            "cannot read '{}' (did it change during the upload?)",
                            path.display()
                        ),
                        &e,
                    )
                })?;
                Ok(Bytes::from(buffer))
            }
        }
    }
}

/// The content's hash, fed in order as bytes are first sent: a fragment sent again after a
/// failure is not hashed twice.
struct Hashing {
    hash: QuickXor,
}

impl Hashing {
    fn feed(&mut self, offset: usize, fragment: &[u8]) {
        let hashed = usize::try_from(self.hash.len()).unwrap_or(usize::MAX);
        let end = offset + fragment.len();
        if offset <= hashed && end > hashed {
            self.hash.update(&fragment[hashed - offset..]);
        }
    }
}

impl GraphClient {
    /// Uploads a file and returns Graph's driveItem for it, its content hash checked when Graph
    /// reports one. `progress` hears the bytes the server has accepted.
    pub async fn upload(&self, upload: Upload<'_>, progress: Progress<'_>) -> Result<Value> {
        let mut source = Source::open(&upload.content).await?;
        let total = source.len();
        if total <= SIMPLE_UPLOAD_MAX {
            let bytes = source.read(0, total).await?;
            let mut hashing = Hashing {
                hash: QuickXor::new(),
            };
            hashing.feed(0, &bytes);
            let request = Request::put_bytes(
                format!("{}/content", upload.item),
                upload.content_type,
                bytes,
            )
            .query(
                "@microsoft.graph.conflictBehavior",
                upload.conflict.as_str(),
            )
            // Renaming makes a second copy when repeated; replacing the same bytes does not.
            .idempotent(upload.conflict != Conflict::Rename)
            .permissions(upload.permissions);
            let item = self.send(&request).await?.json()?;
            progress(total as u64, Some(total as u64));
            return verified(item, &hashing.hash);
        }
        let request = Request::post(
            format!("{}/createUploadSession", upload.item),
            json!({"item": {"@microsoft.graph.conflictBehavior": upload.conflict.as_str()}}),
        )
        // A session that is never used expires and leaves nothing behind.
        .idempotent(true)
        .permissions(upload.permissions);
        let session = self.send(&request).await?.json()?;
        let upload_url = session["uploadUrl"].as_str().ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "Graph created an upload session without an uploadUrl",
            )
        })?;
        let url = self.upload_location(upload_url)?;
        let mut hashing = Hashing {
            hash: QuickXor::new(),
        };
        let sent = self
            .send_fragments(&url, &mut source, &mut hashing, &mut *progress)
            .await;
        match sent {
            Ok(item) => verified(item, &hashing.hash),
            Err(err) if err.code() == ErrorCode::OutcomeUnknown => {
                let found = self.find_lost_upload(&upload, total, &hashing.hash).await?;
                let item = found.ok_or(err)?;
                progress(total as u64, Some(total as u64));
                Ok(item)
            }
            Err(err) => Err(err),
        }
    }

    /// The session's URL, refused unless it is on one of the cloud's content hosts: it is
    /// pre-authenticated and gets no token, but the file's bytes must not go just anywhere.
    fn upload_location(&self, text: &str) -> Result<Url> {
        let url = Url::parse(text).map_err(|e| {
            Error::new(
                ErrorCode::Internal,
                format!("Graph returned an upload URL that is not a URL: {e}"),
            )
        })?;
        if !self.cloud().is_content_host(&url) {
            return Err(Error::new(
                ErrorCode::Internal,
                format!(
                    "refusing to upload to {}: it is not a content host of the {} cloud",
                    url.host_str().unwrap_or("an unknown host"),
                    self.cloud()
                ),
            )
            .with_hint("the upload session did not come from Microsoft Graph as configured; check MSGATE_GRAPH_URL and any proxy"));
        }
        Ok(url)
    }

    /// Sends the fragments from where the session stands; the last one's answer is the new item.
    async fn send_fragments(
        &self,
        url: &Url,
        source: &mut Source,
        hashing: &mut Hashing,
        progress: Progress<'_>,
    ) -> Result<Value> {
        let total = source.len();
        let mut offset = 0usize;
        let mut failures = 0u32;
        loop {
            let end = (offset + FRAGMENT).min(total);
            let fragment = source.read(offset, end).await?;
            hashing.feed(offset, &fragment);
            let range = format!("bytes {offset}-{}/{total}", end - 1);
            let sent = self
                .http()
                .put(url.clone())
                .header(CONTENT_RANGE, range)
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(fragment)
                .send()
                .await;
            let wait = match sent {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = response.bytes().await;
                    match (status.as_u16(), body) {
                        (200 | 201, Ok(body)) => {
                            progress(total as u64, Some(total as u64));
                            return serde_json::from_slice(&body).map_err(|e| {
                                Error::new(
                                    ErrorCode::Internal,
                                    format!(
                                        "the upload finished with an answer msgate cannot read: {e}"
                                    ),
                                )
                            });
                        }
                        (202, Ok(body)) => {
                            let answer: Value = serde_json::from_slice(&body).unwrap_or_default();
                            offset = next_expected(&answer).unwrap_or(end).min(total);
                            failures = 0;
                            progress(offset as u64, Some(total as u64));
                            continue;
                        }
                        // Throttled, failed, lost, or not where the session stands (416): the
                        // session says below what it still needs.
                        (429 | 503, _) => retry_after(&headers),
                        (416 | 500..=599, _) | (_, Err(_)) => None,
                        (_, Ok(body)) => {
                            return Err(error::from_status(
                                status,
                                &GraphErrorBody::parse(&body),
                                crate::client::header_text(&headers, "request-id").as_deref(),
                                &[],
                                None,
                            ));
                        }
                    }
                }
                Err(err) => {
                    tracing::debug!(target: "msgate::graph", "upload fragment to {} failed: {err}", display_url(url));
                    None
                }
            };
            failures += 1;
            if failures >= FRAGMENT_ATTEMPTS {
                return Err(Error::new(
                    ErrorCode::Network,
                    format!("the upload stopped at byte {offset} of {total}: the content host kept failing"),
                )
                .with_hint("try again later"));
            }
            tokio::time::sleep(
                wait.unwrap_or_else(|| self.options().retry.backoff(failures.saturating_sub(1))),
            )
            .await;
            // The fragment may or may not have arrived: the session says what it still needs.
            offset = self.session_position(url, offset, total).await?;
            tracing::debug!(target: "msgate::graph", "upload resumes at byte {offset} of {total}");
        }
    }

    /// Where the session stands: the first byte it still expects. A session that is gone
    /// finished (or expired) with an answer that was lost.
    async fn session_position(&self, url: &Url, fallback: usize, total: usize) -> Result<usize> {
        let response = match self.http().get(url.clone()).send().await {
            Ok(response) => response,
            Err(_) => return Ok(fallback),
        };
        match response.status() {
            StatusCode::OK => {
                let answer: Value = response.json().await.unwrap_or_default();
                Ok(next_expected(&answer).unwrap_or(fallback).min(total))
            }
            StatusCode::NOT_FOUND => Err(error::outcome_unknown(
                "PUT",
                &display_url(url),
                "the upload session ended while its last answer was lost",
            )),
            _ => Ok(fallback),
        }
    }

    /// After the last answer was lost: the item at the target path, if it is this upload —
    /// the same size and the same content hash.
    async fn find_lost_upload(
        &self,
        upload: &Upload<'_>,
        total: usize,
        hash: &QuickXor,
    ) -> Result<Option<Value>> {
        if hash.len() != total as u64 {
            return Ok(None);
        }
        let request = Request::get(upload.item).permissions(upload.permissions);
        let item: Value = match self.send(&request).await {
            Ok(response) => response.json()?,
            Err(err) if err.code() == ErrorCode::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let same = item["size"].as_u64() == Some(total as u64)
            && reported_hash(&item) == Some(hash.finish().as_str());
        Ok(same.then_some(item))
    }
}

/// The QuickXorHash Graph reports for a file.
fn reported_hash(item: &Value) -> Option<&str> {
    item["file"]["hashes"]["quickXorHash"].as_str()
}

/// The item, unless Graph reports a content hash that differs from what was sent.
fn verified(item: Value, sent: &QuickXor) -> Result<Value> {
    match reported_hash(&item) {
        Some(reported) if reported != sent.finish() => Err(Error::new(
            ErrorCode::Internal,
            format!(
                "the uploaded file '{}' does not have the content that was sent (QuickXorHash {reported}, expected {})",
                item["name"].as_str().unwrap_or_default(),
                sent.finish()
            ),
        )
        .with_hint("upload it again")),
        _ => Ok(item),
    }
}

impl GraphClient {
    /// Attaches a large file to an Outlook item: `session` is the item's
    /// `…/attachments/createUploadSession` request (its body names the file and its size). The
    /// fragments go to the session's pre-authenticated URL without the token, only on the
    /// cloud's content hosts. Returns the new attachment's id when Outlook names it.
    pub async fn upload_attachment(
        &self,
        session: &Request,
        bytes: &Bytes,
    ) -> Result<Option<String>> {
        let session = self.send(session).await?.json()?;
        let upload_url = session["uploadUrl"].as_str().ok_or_else(|| {
            Error::new(
                ErrorCode::Internal,
                "Graph created an attachment upload session without an uploadUrl",
            )
        })?;
        let url = self.upload_location(upload_url)?;
        let total = bytes.len();
        let mut offset = 0usize;
        let mut failures = 0u32;
        // Whether the fragment at `offset` may already have arrived (its answer was lost).
        let mut maybe_sent = false;
        loop {
            let end = (offset + FRAGMENT).min(total);
            let sent = self
                .http()
                .put(url.clone())
                .header(CONTENT_RANGE, format!("bytes {offset}-{}/{total}", end - 1))
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(bytes.slice(offset..end))
                .send()
                .await;
            let wait = match sent {
                // The status line decides; a body that breaks off after it changes nothing.
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = response.bytes().await;
                    match status.as_u16() {
                        201 => {
                            return Ok(crate::client::header_text(&headers, "location")
                                .as_deref()
                                .and_then(attachment_id));
                        }
                        200 => {
                            let answer: Value = body
                                .ok()
                                .and_then(|b| serde_json::from_slice(&b).ok())
                                .unwrap_or_default();
                            offset = next_expected(&answer).unwrap_or(end);
                            failures = 0;
                            maybe_sent = false;
                            continue;
                        }
                        // A range refused right after a lost answer had arrived: go on after it.
                        416 if maybe_sent && end < total => {
                            offset = end;
                            maybe_sent = false;
                            continue;
                        }
                        404 | 416 if maybe_sent => {
                            return Err(error::outcome_unknown(
                                "PUT",
                                &display_url(&url),
                                "the attachment upload ended while its last answer was lost",
                            ));
                        }
                        429 | 503 => retry_after(&headers),
                        500..=599 => {
                            maybe_sent = true;
                            None
                        }
                        _ => {
                            return Err(error::from_status(
                                status,
                                &GraphErrorBody::parse(&body.unwrap_or_default()),
                                crate::client::header_text(&headers, "request-id").as_deref(),
                                &[],
                                None,
                            ));
                        }
                    }
                }
                Err(err) => {
                    tracing::debug!(target: "msgate::graph", "attachment fragment to {} failed: {err}", display_url(&url));
                    maybe_sent = true;
                    None
                }
            };
            failures += 1;
            if failures >= FRAGMENT_ATTEMPTS {
                return Err(Error::new(
                    ErrorCode::Network,
                    format!("the attachment upload stopped at byte {offset} of {total}: the upload host kept failing"),
                )
                .with_hint("try again later"));
            }
            tokio::time::sleep(
                wait.unwrap_or_else(|| self.options().retry.backoff(failures.saturating_sub(1))),
            )
            .await;
        }
    }
}

/// The attachment id in an Outlook `Location` (`…/Attachments('AAMk…')`).
fn attachment_id(location: &str) -> Option<String> {
    let (_, after) = location.rsplit_once("Attachments('")?;
    let id = after.split("')").next()?;
    (!id.is_empty()).then(|| id.to_owned())
}

/// The start of the first range in `nextExpectedRanges` (`["327680-"]`).
fn next_expected(answer: &Value) -> Option<usize> {
    answer["nextExpectedRanges"]
        .as_array()?
        .first()?
        .as_str()?
        .split('-')
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::quick_xor;

    #[test]
    fn the_next_expected_range_is_read_from_the_session() {
        assert_eq!(
            next_expected(&json!({"nextExpectedRanges": ["3276800-"]})),
            Some(3_276_800)
        );
        assert_eq!(
            next_expected(&json!({"nextExpectedRanges": ["10-20", "30-"]})),
            Some(10)
        );
        assert_eq!(next_expected(&json!({})), None);
        assert_eq!(
            next_expected(&json!({"nextExpectedRanges": ["4194304"]})),
            Some(4_194_304),
            "Outlook names only the next byte"
        );
        assert_eq!(
            attachment_id("https://outlook.office.com/api/v2.0/Users('a@b')/Messages('AAMk1=')/Attachments('AAMk2=')").as_deref(),
            Some("AAMk2=")
        );
        assert_eq!(attachment_id("https://outlook.office.com/x"), None);
        assert_eq!(FRAGMENT % (320 * 1024), 0);
    }

    #[test]
    fn fragments_sent_again_are_hashed_once() {
        let data: Vec<u8> = (0..100u8).collect();
        let mut hashing = Hashing {
            hash: QuickXor::new(),
        };
        hashing.feed(0, &data[..40]);
        hashing.feed(0, &data[..40]);
        hashing.feed(30, &data[30..70]);
        hashing.feed(70, &data[70..]);
        assert_eq!(hashing.hash.finish(), quick_xor(&data));
        let item = json!({"name": "a", "file": {"hashes": {"quickXorHash": quick_xor(b"other")}}});
        assert!(verified(item, &hashing.hash).is_err());
        let item = json!({"name": "a", "file": {"hashes": {"quickXorHash": quick_xor(&data)}}});
        assert!(verified(item, &hashing.hash).is_ok());
        assert!(verified(json!({"name": "a", "file": {}}), &hashing.hash).is_ok());
    }
}
