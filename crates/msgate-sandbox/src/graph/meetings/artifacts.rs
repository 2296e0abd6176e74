//! What a meeting leaves behind: transcripts (metadata, WebVTT content with `<v Speaker>` voice
//! tags, and per-cue metadata), recordings (metadata and video bytes), and attendance reports
//! with their attendance records — per meeting under `/me/onlineMeetings/{id}`, and across an
//! organizer's meetings through the `getAllTranscripts` and `getAllRecordings` functions.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::{organized_meeting, visible_meeting};
use crate::clock;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::{self, Query};
use crate::graph::{Caller, collection, entity};
use crate::state::AppState;

fn artifacts_of(organizer: &str, meeting: &str) -> String {
    format!("{organizer}/{meeting}")
}

fn context(meeting: &str, what: &str) -> String {
    format!("users('me')/onlineMeetings('{meeting}')/{what}")
}

fn not_found(what: &str, id: &str) -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("{what} with id '{id}' was not found."),
    )
}

/// https://learn.microsoft.com/graph/api/onlinemeeting-list-transcripts (10 a page, at most 100)
pub async fn transcripts(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (organizer, _) = visible_meeting(&state, caller.me()?, &meeting_id).await?;
    let items = state
        .store
        .list("callTranscript", &artifacts_of(&organizer, &meeting_id))
        .await?;
    collection(
        &state,
        &query,
        items,
        &format!("/me/onlineMeetings/{meeting_id}/transcripts"),
        &context(&meeting_id, "transcripts"),
        (10, 100),
    )
}

async fn transcript_doc(
    state: &AppState,
    caller: &Caller,
    meeting_id: &str,
    transcript_id: &str,
) -> GraphResult<(String, Value)> {
    let (organizer, _) = visible_meeting(state, caller.me()?, meeting_id).await?;
    let parent = artifacts_of(&organizer, meeting_id);
    let doc = state
        .store
        .get("callTranscript", &parent, transcript_id)
        .await?
        .ok_or_else(|| not_found("Transcript", transcript_id))?;
    Ok((parent, doc))
}

/// https://learn.microsoft.com/graph/api/calltranscript-get
pub async fn transcript(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((meeting_id, transcript_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (_, doc) = transcript_doc(&state, &caller, &meeting_id, &transcript_id).await?;
    Ok(entity(
        &state,
        &query,
        &doc,
        &context(&meeting_id, "transcripts/$entity"),
    ))
}

/// https://learn.microsoft.com/graph/api/calltranscript-get (example 2 and 3): the WebVTT text,
/// `text/vtt` whether or not `$format=text/vtt` asks for it; other formats are refused.
pub async fn transcript_content(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((meeting_id, transcript_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let params = odata::plain_params(raw.as_deref());
    if let Some(format) = params.get("$format")
        && !format.eq_ignore_ascii_case("text/vtt")
    {
        return Err(GraphError::bad_request(format!(
            "Invalid format '{format}'"
        )));
    }
    let text = stored_content(&state, &caller, &meeting_id, &transcript_id, "vtt").await?;
    Ok(bytes("text/vtt", text.into_bytes()))
}

/// https://learn.microsoft.com/graph/api/calltranscript-get (example 4): each cue's metadata —
/// speaker, spoken text, language, absolute times — as JSON inside WebVTT cues.
pub async fn transcript_metadata(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((meeting_id, transcript_id)): Path<(String, String)>,
) -> GraphResult<Response> {
    let text = stored_content(&state, &caller, &meeting_id, &transcript_id, "metadata").await?;
    Ok(bytes("text/vtt", text.into_bytes()))
}

async fn stored_content(
    state: &AppState,
    caller: &Caller,
    meeting_id: &str,
    transcript_id: &str,
    field: &str,
) -> GraphResult<String> {
    let (parent, _) = transcript_doc(state, caller, meeting_id, transcript_id).await?;
    let content = state
        .store
        .get("callTranscriptContent", &parent, transcript_id)
        .await?
        .ok_or_else(|| not_found("Transcript content", transcript_id))?;
    Ok(content[field].as_str().unwrap_or_default().to_owned())
}

fn bytes(content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// https://learn.microsoft.com/graph/api/onlinemeeting-list-recordings
pub async fn recordings(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (organizer, _) = visible_meeting(&state, caller.me()?, &meeting_id).await?;
    let items = state
        .store
        .list("callRecording", &artifacts_of(&organizer, &meeting_id))
        .await?;
    collection(
        &state,
        &query,
        items,
        &format!("/me/onlineMeetings/{meeting_id}/recordings"),
        &context(&meeting_id, "recordings"),
        (10, 100),
    )
}

/// https://learn.microsoft.com/graph/api/callrecording-get (example 2): the video itself.
pub async fn recording_content(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((meeting_id, recording_id)): Path<(String, String)>,
) -> GraphResult<Response> {
    let (organizer, _) = visible_meeting(&state, caller.me()?, &meeting_id).await?;
    let parent = artifacts_of(&organizer, &meeting_id);
    state
        .store
        .get("callRecording", &parent, &recording_id)
        .await?
        .ok_or_else(|| not_found("Recording", &recording_id))?;
    let content = state
        .store
        .get("callRecordingContent", &parent, &recording_id)
        .await?
        .ok_or_else(|| not_found("Recording content", &recording_id))?;
    let video = STANDARD
        .decode(content["bytes"].as_str().unwrap_or_default())
        .map_err(|_| {
            GraphError::internal(&msgate_core::Error::internal(
                "stored recording content is not base64",
            ))
        })?;
    Ok(bytes("video/mp4", video))
}

/// https://learn.microsoft.com/graph/api/meetingattendancereport-list: organizers only.
pub async fn attendance_reports(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (organizer, _) = organized_meeting(&state, caller.me()?, &meeting_id).await?;
    let parent = artifacts_of(&organizer, &meeting_id);
    let mut items = Vec::new();
    for report in state.store.list("attendanceReport", &parent).await? {
        items.push(with_records(&state, &query, &parent, report).await?);
    }
    collection(
        &state,
        &query,
        items,
        &format!("/me/onlineMeetings/{meeting_id}/attendanceReports"),
        &context(&meeting_id, "attendanceReports"),
        (10, 100),
    )
}

/// https://learn.microsoft.com/graph/api/meetingattendancereport-get: with
/// `$expand=attendanceRecords`, each participant's join and leave intervals inline.
pub async fn attendance_report(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path((meeting_id, report_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (organizer, _) = organized_meeting(&state, caller.me()?, &meeting_id).await?;
    let parent = artifacts_of(&organizer, &meeting_id);
    let report = state
        .store
        .get("attendanceReport", &parent, &report_id)
        .await?
        .ok_or_else(|| not_found("Attendance report", &report_id))?;
    let report = with_records(&state, &query, &parent, report).await?;
    Ok(entity(
        &state,
        &query,
        &report,
        &context(&meeting_id, "attendanceReports/$entity"),
    ))
}

async fn with_records(
    state: &AppState,
    query: &Query,
    parent: &str,
    mut report: Value,
) -> GraphResult<Value> {
    if query.expands("attendanceRecords") || query.expands("*") {
        let id = report["id"].as_str().unwrap_or_default();
        let records = state
            .store
            .list("attendanceRecord", &format!("{parent}/{id}"))
            .await?;
        report["attendanceRecords"] = json!(records);
    }
    Ok(report)
}

/// Which artifacts `getAllTranscripts` / `getAllRecordings` return: the organizer's, created
/// within the optional window.
struct ArtifactQuery {
    organizer: String,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
}

impl ArtifactQuery {
    /// From the function's parameters, OData-typed: the organizer a quoted string, the times
    /// bare `DateTimeOffset` literals.
    fn parse<'a>(
        path_user: &str,
        parameters: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> GraphResult<ArtifactQuery> {
        let mut organizer = None;
        let (mut from, mut to) = (None, None);
        for (name, value) in parameters {
            let value = value.trim();
            match name.trim() {
                "meetingOrganizerUserId" => {
                    let id = value
                        .strip_prefix('\'')
                        .and_then(|v| v.strip_suffix('\''))
                        .ok_or_else(|| bad_parameter(name, value))?;
                    organizer = Some(id.replace("''", "'"));
                }
                "startDateTime" => from = Some(datetime(name, value)?),
                "endDateTime" => to = Some(datetime(name, value)?),
                _ => {}
            }
        }
        let organizer = organizer.ok_or_else(|| {
            GraphError::bad_request("The function parameter 'meetingOrganizerUserId' is required.")
        })?;
        if !organizer.eq_ignore_ascii_case(path_user) {
            return Err(GraphError::bad_request(
                "The meetingOrganizerUserId must name the user in the request path.",
            ));
        }
        Ok(ArtifactQuery {
            organizer,
            from,
            to,
        })
    }

    fn admits(&self, artifact: &Value) -> bool {
        let Some(created) = artifact["createdDateTime"].as_str().and_then(clock::parse) else {
            return false;
        };
        self.from.is_none_or(|f| created >= f) && self.to.is_none_or(|t| created <= t)
    }
}

fn bad_parameter(name: &str, value: &str) -> GraphError {
    GraphError::bad_request(format!(
        "The value '{value}' is not valid for the function parameter '{name}'."
    ))
}

fn datetime(name: &str, value: &str) -> GraphResult<Timestamp> {
    clock::parse(value).ok_or_else(|| bad_parameter(name, value))
}

/// `(meetingOrganizerUserId='…',startDateTime=…,endDateTime=…)` split into its parameters.
fn call_parameters(call: &str) -> GraphResult<Vec<(String, String)>> {
    let inner = call
        .strip_prefix('(')
        .and_then(|c| c.strip_suffix(')'))
        .ok_or_else(|| {
            GraphError::bad_request(format!("Resource not found for the segment '{call}'."))
        })?;
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in inner.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| bad_parameter("", p))
        })
        .collect()
}

/// Every artifact of `kind` from the organizer's meetings that the query admits.
async fn organizer_artifacts(
    state: &AppState,
    kind: &str,
    wanted: &ArtifactQuery,
) -> GraphResult<Vec<Value>> {
    let mut found = Vec::new();
    for meeting in state.store.list("onlineMeeting", &wanted.organizer).await? {
        let id = meeting["id"].as_str().unwrap_or_default();
        for artifact in state
            .store
            .list(kind, &artifacts_of(&wanted.organizer, id))
            .await?
        {
            if wanted.admits(&artifact) {
                found.push(artifact);
            }
        }
    }
    Ok(found)
}

async fn all_of(
    state: &AppState,
    user: &str,
    kind: &str,
    function: &str,
    parameters: Vec<(String, String)>,
    raw: Option<&str>,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw)?;
    crate::graph::users::user_or_404(state, user).await?;
    let wanted = ArtifactQuery::parse(
        user,
        parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    let items = organizer_artifacts(state, kind, &wanted).await?;
    let type_name = if kind == "callTranscript" {
        "callTranscript"
    } else {
        "callRecording"
    };
    collection(
        state,
        &query,
        items,
        &format!("/users/{user}/onlineMeetings/{function}"),
        &format!("Collection(microsoft.graph.{type_name})"),
        (10, 100),
    )
}

/// The non-OData query options, for the form that passes the function's parameters there.
fn query_parameters(raw: Option<&str>) -> Vec<(String, String)> {
    odata::url_form_pairs(raw.unwrap_or_default())
        .into_iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .collect()
}

/// https://learn.microsoft.com/graph/api/onlinemeeting-getalltranscripts, called as
/// `getAllTranscripts(meetingOrganizerUserId='…',startDateTime=…,endDateTime=…)`.
pub async fn all_transcripts_call(
    State(state): State<Arc<AppState>>,
    Path((user, call)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let parameters = call_parameters(&call)?;
    let function = format!("getAllTranscripts{call}");
    all_of(
        &state,
        &user,
        "callTranscript",
        &function,
        parameters,
        raw.as_deref(),
    )
    .await
}

/// The same function with its parameters as query options, as the OpenAPI description has it.
pub async fn all_transcripts(
    State(state): State<Arc<AppState>>,
    Path(user): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let parameters = query_parameters(raw.as_deref());
    all_of(
        &state,
        &user,
        "callTranscript",
        "getAllTranscripts",
        parameters,
        raw.as_deref(),
    )
    .await
}

/// https://learn.microsoft.com/graph/api/onlinemeeting-getallrecordings, function-call form.
pub async fn all_recordings_call(
    State(state): State<Arc<AppState>>,
    Path((user, call)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let parameters = call_parameters(&call)?;
    let function = format!("getAllRecordings{call}");
    all_of(
        &state,
        &user,
        "callRecording",
        &function,
        parameters,
        raw.as_deref(),
    )
    .await
}

pub async fn all_recordings(
    State(state): State<Arc<AppState>>,
    Path(user): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let parameters = query_parameters(raw.as_deref());
    all_of(
        &state,
        &user,
        "callRecording",
        "getAllRecordings",
        parameters,
        raw.as_deref(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_calls_split_into_typed_parameters() {
        let parameters = call_parameters(
            "(meetingOrganizerUserId='u-1',startDateTime=2026-01-01T00:00:00Z,endDateTime=2026-02-01T00:00:00Z)",
        )
        .unwrap();
        let wanted = ArtifactQuery::parse(
            "u-1",
            parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .unwrap();
        assert_eq!(wanted.organizer, "u-1");
        assert!(wanted.from.is_some() && wanted.to.is_some());
        assert!(wanted.admits(&json!({"createdDateTime": "2026-01-15T10:00:00Z"})));
        assert!(!wanted.admits(&json!({"createdDateTime": "2026-03-15T10:00:00Z"})));
        let unquoted = [("meetingOrganizerUserId", "u-1")];
        assert!(ArtifactQuery::parse("u-1", unquoted.into_iter()).is_err());
        assert!(call_parameters("meetingOrganizerUserId='u-1'").is_err());
    }
}
