//! Online meetings: meetings, transcripts and their content, recordings, attendance reports.
//!
//! A Teams meeting is a document of kind `onlineMeeting` under its organizer. Its id encodes the
//! organizer and the meeting's chat thread the way Teams ids do (`1*{organizer}*0**19:meeting_…`,
//! base64), so a meeting can be found from its id alone. Meetings come from calendar events with
//! `isOnlineMeeting` (calendar-backed, the only kind that gets transcripts) or from
//! `POST /me/onlineMeetings` (standalone). Their artifacts live under `"{organizer}/{meeting}"`.

mod artifacts;
mod seed;

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};

use super::body::GraphJson;
use super::calendar::shapes::Mailbox;
use super::error::{GraphError, GraphResult};
use super::odata::{self, Query};
use super::{Caller, collection, entity};
use crate::state::AppState;
use crate::store::Store;
use crate::tenant::Tenant;
use crate::{clock, ids};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/me/onlineMeetings", get(list).post(create))
        .route(
            "/me/onlineMeetings/{id_1}",
            get(get_one).patch(update).delete(delete),
        )
        .route(
            "/me/onlineMeetings/{id_1}/transcripts",
            get(artifacts::transcripts),
        )
        .route(
            "/me/onlineMeetings/{id_1}/transcripts/{id_2}",
            get(artifacts::transcript),
        )
        .route(
            "/me/onlineMeetings/{id_1}/transcripts/{id_2}/content",
            get(artifacts::transcript_content),
        )
        .route(
            "/me/onlineMeetings/{id_1}/transcripts/{id_2}/metadataContent",
            get(artifacts::transcript_metadata),
        )
        .route(
            "/me/onlineMeetings/{id_1}/recordings",
            get(artifacts::recordings),
        )
        .route(
            "/me/onlineMeetings/{id_1}/recordings/{id_2}/content",
            get(artifacts::recording_content),
        )
        .route(
            "/me/onlineMeetings/{id_1}/attendanceReports",
            get(artifacts::attendance_reports),
        )
        .route(
            "/me/onlineMeetings/{id_1}/attendanceReports/{id_2}",
            get(artifacts::attendance_report),
        )
        .route(
            "/users/{id}/onlineMeetings/getAllTranscripts",
            get(artifacts::all_transcripts),
        )
        .route(
            "/users/{id}/onlineMeetings/getAllTranscripts{parameters}",
            get(artifacts::all_transcripts_call),
        )
        .route(
            "/users/{id}/onlineMeetings/getAllRecordings",
            get(artifacts::all_recordings),
        )
        .route(
            "/users/{id}/onlineMeetings/getAllRecordings{parameters}",
            get(artifacts::all_recordings_call),
        )
}

/// The demo tenant's share of this area: transcripts, recordings and attendance reports for the
/// meetings the calendar seed held in the past week.
pub async fn seed(store: &Store, tenant: &Tenant, graph_url: &str) -> msgate_core::Result<()> {
    seed::seed(store, tenant, graph_url).await
}

const TEAMS: &str = "https://teams.example.invalid";

/// The ids of a meeting: its chat thread and its Graph id.
struct MeetingIds {
    thread: String,
    id: String,
}

fn meeting_ids(organizer: &str, seed: Option<&str>) -> MeetingIds {
    let guid = seed.map_or_else(ids::random_guid, ids::stable_guid);
    let thread = format!("19:meeting_{}@thread.v2", URL_SAFE_NO_PAD.encode(&guid));
    let id = URL_SAFE_NO_PAD.encode(format!("1*{organizer}*0**{thread}"));
    MeetingIds { thread, id }
}

/// The organizer a meeting id names.
fn organizer_of(meeting_id: &str) -> Option<String> {
    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(meeting_id).ok()?).ok()?;
    let mut parts = decoded.split('*');
    (parts.next() == Some("1"))
        .then(|| parts.next().map(str::to_owned))
        .flatten()
}

/// A number of `digits` digits derived from `seed`.
fn digits(seed: &str, digits: usize) -> String {
    let hex = ids::stable_guid(seed).replace('-', "");
    let value = u128::from_str_radix(&hex, 16).unwrap_or_default();
    let text = format!("{value:039}");
    text[text.len() - digits..].to_owned()
}

fn participant(mailbox: &Mailbox, role: &str) -> Value {
    json!({
        "upn": mailbox.address,
        "role": role,
        "identity": {
            "application": null,
            "device": null,
            "user": {"id": mailbox.id, "displayName": mailbox.name},
        },
    })
}

/// What a new meeting is: who organizes it, who is invited, when, and about what.
struct NewMeeting<'a> {
    tenant_id: &'a str,
    organizer: &'a Mailbox,
    attendees: &'a [Mailbox],
    subject: &'a str,
    start: Timestamp,
    end: Timestamp,
    seed: Option<&'a str>,
}

fn meeting_doc(new: &NewMeeting<'_>) -> Value {
    let ids = meeting_ids(&new.organizer.id, new.seed);
    let encoded_thread = ids.thread.replace(':', "%3a").replace('@', "%40");
    let join_web_url = format!(
        "{TEAMS}/l/meetup-join/{encoded_thread}/0?context=%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{}%22%7d",
        new.tenant_id, new.organizer.id
    );
    let join_meeting_id = digits(&format!("join:{}", ids.thread), 12);
    let passcode = digits(&format!("passcode:{}", ids.thread), 6);
    let conference_id = digits(&format!("conference:{}", ids.thread), 9);
    let attendees: Vec<Value> = new
        .attendees
        .iter()
        .filter(|a| a.id != new.organizer.id)
        .map(|a| participant(a, "attendee"))
        .collect();
    json!({
        "id": ids.id,
        "creationDateTime": clock::now(),
        "startDateTime": clock::format_millis(new.start),
        "endDateTime": clock::format_millis(new.end),
        "joinWebUrl": join_web_url,
        "subject": new.subject,
        "isBroadcast": false,
        "externalId": null,
        "meetingTemplateId": null,
        "videoTeleconferenceId": null,
        "isEntryExitAnnounced": true,
        "allowedPresenters": "everyone",
        "allowAttendeeToEnableCamera": true,
        "allowAttendeeToEnableMic": true,
        "allowMeetingChat": "enabled",
        "allowTeamworkReactions": true,
        "allowParticipantsToChangeName": false,
        "allowRecording": true,
        "allowTranscription": true,
        "recordAutomatically": false,
        "isEndToEndEncryptionEnabled": false,
        "shareMeetingChatHistoryDefault": "none",
        "meetingOptionsWebUrl": format!("{TEAMS}/meetingOptions/?organizerId={}&tenantId={}&threadId={}&messageId=0&language=en-US", new.organizer.id, new.tenant_id, ids.thread.replace(':', "_")),
        "audioConferencing": {
            "conferenceId": conference_id,
            "tollNumber": "+1 555 0100 200",
            "tollFreeNumber": null,
            "tollNumbers": ["+1 555 0100 200"],
            "tollFreeNumbers": [],
            "dialinUrl": format!("{TEAMS}/dialin/{}?id={conference_id}", new.tenant_id),
        },
        "chatInfo": {"threadId": ids.thread, "messageId": "0", "replyChainMessageId": null},
        "joinInformation": {
            "content": format!("data:text/html,%3cdiv%3eMicrosoft+Teams+meeting%3c%2fdiv%3e%3ca+href%3d%22{}%22%3eJoin+the+meeting+now%3c%2fa%3e", odata::percent_encode(&join_web_url)),
            "contentType": "html",
        },
        "joinMeetingIdSettings": {
            "isPasscodeRequired": true,
            "joinMeetingId": join_meeting_id,
            "passcode": passcode,
        },
        "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": false},
        "participants": {
            "organizer": participant(new.organizer, "presenter"),
            "attendees": attendees,
        },
    })
}

/// The online meeting behind a calendar event with `isOnlineMeeting` (Teams).
pub(crate) async fn create_for_event(
    store: &Store,
    tenant_id: &str,
    organizer: &Mailbox,
    attendees: &[Mailbox],
    subject: &str,
    (start, end): (Timestamp, Timestamp),
    seed: Option<&str>,
) -> msgate_core::Result<Value> {
    let meeting = meeting_doc(&NewMeeting {
        tenant_id,
        organizer,
        attendees,
        subject,
        start,
        end,
        seed,
    });
    store
        .put(
            "onlineMeeting",
            &organizer.id,
            meeting["id"].as_str().unwrap_or_default(),
            &meeting,
        )
        .await?;
    Ok(meeting)
}

/// The event's `onlineMeeting` (an `onlineMeetingInfo`) for a Teams meeting.
pub(crate) fn event_info(meeting: &Value) -> Value {
    json!({
        "joinUrl": meeting["joinWebUrl"],
        "conferenceId": meeting["audioConferencing"]["conferenceId"],
        "tollNumber": meeting["audioConferencing"]["tollNumber"],
        "tollFreeNumbers": [],
        "phones": [{"number": meeting["audioConferencing"]["tollNumber"], "type": "business"}],
        "quickDial": format!("{},,{}#", meeting["audioConferencing"]["tollNumber"].as_str().unwrap_or_default(), meeting["audioConferencing"]["conferenceId"].as_str().unwrap_or_default()),
    })
}

/// An event body with the Teams join block Outlook appends to meeting invitations.
pub(crate) fn with_join_information(body: &Value, meeting: &Value) -> Value {
    let content = body["content"].as_str().unwrap_or_default();
    let settings = &meeting["joinMeetingIdSettings"];
    let block = format!(
        "<div><hr><p>Microsoft Teams meeting</p><p><a href=\"{}\">Join the meeting now</a></p><p>Meeting ID: {} Passcode: {}</p><hr></div>",
        meeting["joinWebUrl"].as_str().unwrap_or_default(),
        settings["joinMeetingId"].as_str().unwrap_or_default(),
        settings["passcode"].as_str().unwrap_or_default(),
    );
    let text_body = body["contentType"] == "text";
    let content = if text_body {
        format!("<p>{}</p>{block}", escape_html(content))
    } else {
        format!("{content}{block}")
    };
    json!({"contentType": "html", "content": content})
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A calendar-backed meeting follows its event: subject, times and invitees.
pub(crate) async fn follow_event(
    store: &Store,
    subject: &str,
    join_url: &str,
    (start, end): (Timestamp, Timestamp),
    attendees: &[Mailbox],
) -> msgate_core::Result<()> {
    let Some(organizer) = organizer_in_join_url(join_url) else {
        return Ok(());
    };
    let found = store
        .list("onlineMeeting", &organizer)
        .await?
        .into_iter()
        .find(|m| m["joinWebUrl"] == join_url);
    if let Some(mut meeting) = found {
        meeting["subject"] = json!(subject);
        meeting["startDateTime"] = json!(clock::format_millis(start));
        meeting["endDateTime"] = json!(clock::format_millis(end));
        meeting["participants"]["attendees"] = json!(
            attendees
                .iter()
                .filter(|a| a.id != organizer)
                .map(|a| participant(a, "attendee"))
                .collect::<Vec<_>>()
        );
        let id = meeting["id"].as_str().unwrap_or_default().to_owned();
        store
            .put("onlineMeeting", &organizer, &id, &meeting)
            .await?;
    }
    Ok(())
}

/// The organizer's object id, from the `Oid` in a join URL's context.
fn organizer_in_join_url(join_url: &str) -> Option<String> {
    let decoded = odata::percent_decode(&odata::percent_decode(join_url));
    let after = decoded.split("\"Oid\":\"").nth(1)?;
    after.split('"').next().map(str::to_owned)
}

/// A meeting the caller may see: one they organize or were invited to. Returns the organizer
/// id with the meeting.
async fn visible_meeting(state: &AppState, me: &str, id: &str) -> GraphResult<(String, Value)> {
    let organizer = organizer_of(id).ok_or_else(meeting_not_found)?;
    let meeting = state
        .store
        .get("onlineMeeting", &organizer, id)
        .await?
        .ok_or_else(meeting_not_found)?;
    if organizer == me || invited(&meeting, me) {
        Ok((organizer, meeting))
    } else {
        Err(meeting_not_found())
    }
}

fn invited(meeting: &Value, user: &str) -> bool {
    meeting["participants"]["attendees"]
        .as_array()
        .is_some_and(|a| a.iter().any(|p| p["identity"]["user"]["id"] == user))
}

fn meeting_not_found() -> GraphError {
    GraphError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        "The online meeting was not found or the user is not allowed to see it.",
    )
}

/// The filters Graph accepts on a meeting collection, by property: `JoinWebUrl` or
/// `joinMeetingIdSettings/joinMeetingId`, compared with `eq`.
enum MeetingFilter {
    JoinWebUrl(String),
    JoinMeetingId(String),
}

impl MeetingFilter {
    fn parse(raw: Option<&str>) -> GraphResult<MeetingFilter> {
        let expected = || {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "InvalidArgument",
                "Filter expression expected - /onlineMeetings?$filter={ParameterName} eq '{id}'.",
            )
        };
        let params = odata::plain_params(raw);
        let filter = params.get("$filter").ok_or_else(expected)?;
        let (property, rest) = filter.trim().split_once(' ').ok_or_else(expected)?;
        let literal = rest
            .trim()
            .strip_prefix("eq ")
            .or_else(|| rest.trim().strip_prefix("EQ "))
            .map(str::trim)
            .and_then(|v| v.strip_prefix('\''))
            .and_then(|v| v.strip_suffix('\''))
            .ok_or_else(expected)?
            .replace("''", "'");
        if property.eq_ignore_ascii_case("JoinWebUrl") {
            Ok(MeetingFilter::JoinWebUrl(odata::percent_decode(&literal)))
        } else if property.eq_ignore_ascii_case("joinMeetingIdSettings/joinMeetingId") {
            Ok(MeetingFilter::JoinMeetingId(literal))
        } else {
            Err(expected())
        }
    }

    fn matches(&self, meeting: &Value) -> bool {
        match self {
            MeetingFilter::JoinWebUrl(url) => meeting["joinWebUrl"].as_str().is_some_and(|u| {
                u == url || odata::percent_decode(u) == odata::percent_decode(url)
            }),
            MeetingFilter::JoinMeetingId(id) => {
                meeting["joinMeetingIdSettings"]["joinMeetingId"] == id.as_str()
            }
        }
    }
}

/// https://learn.microsoft.com/graph/api/onlinemeeting-get: a meeting collection is only ever
/// read through a `JoinWebUrl` or `joinMeetingId` filter; the answer holds that one meeting.
pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let me = caller.me()?;
    let filter = MeetingFilter::parse(raw.as_deref())?;
    let mut query = Query::parse(raw.as_deref())?;
    query.filter = None;
    let mut found = Vec::new();
    for user in state.users().await? {
        let organizer = user["id"].as_str().unwrap_or_default();
        for meeting in state.store.list("onlineMeeting", organizer).await? {
            if filter.matches(&meeting) && (organizer == me || invited(&meeting, me)) {
                found.push(meeting);
            }
        }
    }
    collection(
        &state,
        &query,
        found,
        "/me/onlineMeetings",
        "users('me')/onlineMeetings",
        (10, 100),
    )
}

pub async fn get_one(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let (_, meeting) = visible_meeting(&state, caller.me()?, &id).await?;
    Ok(entity(
        &state,
        &query,
        &meeting,
        "users('me')/onlineMeetings/$entity",
    ))
}

/// https://learn.microsoft.com/graph/api/application-post-onlinemeetings: 201 with a
/// standalone meeting (no calendar event; an hour from now unless times are given).
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let me = caller.me()?;
    let directory = state.users().await?;
    let organizer = directory
        .iter()
        .find(|u| u["id"] == me)
        .map(Mailbox::of)
        .ok_or_else(meeting_not_found)?;
    let start = time_field(&body, "startDateTime")?.unwrap_or_else(Timestamp::now);
    let end = time_field(&body, "endDateTime")?
        .unwrap_or_else(|| start.checked_add(1.hour()).unwrap_or(start));
    if end < start {
        return Err(GraphError::bad_request(
            "The meeting's endDateTime must not be before its startDateTime.",
        ));
    }
    let attendees = invitees(&body["participants"]["attendees"], &directory);
    let mut meeting = meeting_doc(&NewMeeting {
        tenant_id: &state.tenant.id,
        organizer: &organizer,
        attendees: &attendees,
        subject: body["subject"].as_str().unwrap_or_default(),
        start,
        end,
        seed: None,
    });
    for field in SETTABLE.iter().filter(|f| !BUILT_FROM.contains(f)) {
        if let Some(value) = body.get(*field) {
            meeting[*field] = value.clone();
        }
    }
    let id = meeting["id"].as_str().unwrap_or_default().to_owned();
    state.store.put("onlineMeeting", me, &id, &meeting).await?;
    Ok((
        StatusCode::CREATED,
        entity(
            &state,
            &Query::default(),
            &meeting,
            "users('me')/onlineMeetings/$entity",
        ),
    ))
}

/// Settings a client may give a meeting when creating or updating it.
const SETTABLE: &[&str] = &[
    "subject",
    "startDateTime",
    "endDateTime",
    "participants",
    "externalId",
    "isEntryExitAnnounced",
    "allowedPresenters",
    "allowAttendeeToEnableCamera",
    "allowAttendeeToEnableMic",
    "allowMeetingChat",
    "allowTeamworkReactions",
    "allowParticipantsToChangeName",
    "allowRecording",
    "allowTranscription",
    "recordAutomatically",
    "lobbyBypassSettings",
    "shareMeetingChatHistoryDefault",
    "watermarkProtection",
    "chatRestrictions",
];

/// The settings a new meeting is built from rather than copied.
const BUILT_FROM: &[&str] = &["subject", "startDateTime", "endDateTime", "participants"];

fn time_field(body: &Value, name: &str) -> GraphResult<Option<Timestamp>> {
    match &body[name] {
        Value::Null => Ok(None),
        Value::String(text) => clock::parse(text).map(Some).ok_or_else(|| {
            GraphError::bad_request(format!(
                "Cannot convert the literal '{text}' to the expected type 'Edm.DateTimeOffset'."
            ))
        }),
        other => Err(GraphError::bad_request(format!(
            "Cannot convert the literal '{other}' to the expected type 'Edm.DateTimeOffset'."
        ))),
    }
}

/// Tenant users named in a `participants.attendees` list (by id or UPN).
fn invitees(list: &Value, directory: &[Value]) -> Vec<Mailbox> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let id = p["identity"]["user"]["id"].as_str();
            let upn = p["upn"].as_str();
            directory.iter().find(|u| {
                id.is_some_and(|id| u["id"] == id)
                    || upn.is_some_and(|upn| {
                        u["userPrincipalName"]
                            .as_str()
                            .is_some_and(|x| x.eq_ignore_ascii_case(upn))
                    })
            })
        })
        .map(Mailbox::of)
        .collect()
}

/// https://learn.microsoft.com/graph/api/onlinemeeting-update: 200 with the updated meeting;
/// only its organizer may change it.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let (organizer, mut meeting) = organized_meeting(&state, me, &id).await?;
    let directory = state.users().await?;
    for (field, value) in body.as_object().into_iter().flatten() {
        if !SETTABLE.contains(&field.as_str()) {
            return Err(GraphError::bad_request(format!(
                "The property '{field}' of an online meeting cannot be updated."
            )));
        }
        match field.as_str() {
            "startDateTime" | "endDateTime" => {
                let at = time_field(&body, field)?;
                meeting[field.as_str()] =
                    at.map_or(Value::Null, |t| json!(clock::format_millis(t)));
            }
            "participants" => {
                let organizer_box = Mailbox::of(
                    directory
                        .iter()
                        .find(|u| u["id"] == organizer.as_str())
                        .unwrap_or(&Value::Null),
                );
                let attendees: Vec<Value> = invitees(&value["attendees"], &directory)
                    .iter()
                    .filter(|a| a.id != organizer_box.id)
                    .map(|a| participant(a, "attendee"))
                    .collect();
                meeting["participants"]["attendees"] = json!(attendees);
            }
            _ => meeting[field.as_str()] = value.clone(),
        }
    }
    state
        .store
        .put("onlineMeeting", &organizer, &id, &meeting)
        .await?;
    Ok(axum::response::IntoResponse::into_response(entity(
        &state,
        &Query::default(),
        &meeting,
        "users('me')/onlineMeetings/$entity",
    )))
}

/// A meeting the caller organizes; invitees get 403, others 404.
async fn organized_meeting(state: &AppState, me: &str, id: &str) -> GraphResult<(String, Value)> {
    let (organizer, meeting) = visible_meeting(state, me, id).await?;
    if organizer != me {
        return Err(GraphError::forbidden(
            "Only the meeting organizer can perform this operation.",
        ));
    }
    Ok((organizer, meeting))
}

/// https://learn.microsoft.com/graph/api/onlinemeeting-delete: 204.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let (organizer, _) = organized_meeting(&state, me, &id).await?;
    state.store.delete("onlineMeeting", &organizer, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_ids_name_their_organizer() {
        let ids = meeting_ids("u-1", Some("standup"));
        assert_eq!(organizer_of(&ids.id).as_deref(), Some("u-1"));
        assert!(ids.thread.starts_with("19:meeting_"));
        assert!(organizer_of("not base64!").is_none());
    }

    #[test]
    fn only_join_url_and_join_meeting_id_filters_are_accepted() {
        assert!(matches!(
            MeetingFilter::parse(Some("$filter=JoinWebUrl%20eq%20'https%3A%2F%2Fx'")),
            Ok(MeetingFilter::JoinWebUrl(u)) if u == "https://x"
        ));
        assert!(matches!(
            MeetingFilter::parse(Some("$filter=joinMeetingIdSettings/joinMeetingId eq '123'")),
            Ok(MeetingFilter::JoinMeetingId(id)) if id == "123"
        ));
        for bad in [None, Some("$filter=subject eq 'x'"), Some("$top=1")] {
            let err = MeetingFilter::parse(bad).err().unwrap();
            assert_eq!(err.code, "InvalidArgument");
        }
    }
}
