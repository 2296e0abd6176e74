//! Calendar events and Teams meetings as people name them.
//!
//! An event: its Outlook id (as `calendar list` shows it), its subject, or the Teams join link
//! of the meeting it holds. A subject is matched exactly (case aside), else as the start of
//! subjects; a recurring series is named by its subject as a whole (its master), so answering or
//! cancelling "Product stand-up" acts on the series, and one occurrence is named by its id.
//!
//! A meeting (a Teams online meeting, where transcripts, recordings and attendance live):
//! - a Teams join link (`https://teams.microsoft.com/l/meetup-join/…`),
//! - its Graph id, or the Outlook id or subject of the calendar event that holds it,
//! - `last`: your most recent meeting that has already started — and, for commands that read
//!   what a meeting leaves behind, the most recent one that has it (a transcript for `transcript`,
//!   a recording for `recording`, an attendance report for `meeting attendance`),
//! - `last-with:PERSON`: the same among meetings PERSON (a name, email or UPN) organized or was
//!   invited to: `transcript get --meeting last-with:ben` is "the transcript of my last meeting
//!   with Ben".
//!
//! `last` looks back [`LOOKBACK_DAYS`] days through the calendar and tries at most
//! [`MAX_TRIED`] meetings, newest first.

use jiff::{SignedDuration, Timestamp};
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use serde_json::Value;

use super::deeplink::{self, DeepLink};
use super::{User, exactly_one, find_user};
use crate::ctx::Ctx;
use crate::policy::Target;
use crate::when;
use crate::zone::Zone;

/// How far back `last` looks.
pub const LOOKBACK_DAYS: i64 = 30;
/// How many recent meetings `last` asks about before giving up.
pub const MAX_TRIED: usize = 10;

/// Permissions that allow reading the calendar (events, calendar view).
pub const CALENDAR_READ: &[&str] = &[
    "Calendars.ReadBasic",
    "Calendars.Read",
    "Calendars.ReadWrite",
];
/// Permissions that allow reading online meetings.
pub const MEETINGS_READ: &[&str] = &["OnlineMeetings.Read", "OnlineMeetings.ReadWrite"];
pub const TRANSCRIPTS_READ: &[&str] = &["OnlineMeetingTranscript.Read.All"];
pub const RECORDINGS_READ: &[&str] = &["OnlineMeetingRecording.Read.All"];
pub const ATTENDANCE_READ: &[&str] = &["OnlineMeetingArtifact.Read.All"];

const EVENT_FIELDS: &[&str] = &[
    "id",
    "subject",
    "start",
    "end",
    "type",
    "seriesMasterId",
    "isOrganizer",
    "isCancelled",
    "onlineMeeting",
];

/// A calendar event as references resolve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub subject: String,
    pub is_organizer: bool,
    /// The Teams join link, for an event that holds a Teams meeting.
    pub join_url: Option<String>,
}

impl Event {
    fn of(event: &Value) -> Event {
        Event {
            id: event["id"].as_str().unwrap_or_default().to_owned(),
            subject: event["subject"].as_str().unwrap_or_default().to_owned(),
            is_organizer: event["isOrganizer"] == true,
            join_url: event["onlineMeeting"]["joinUrl"]
                .as_str()
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
        }
    }
}

/// What a command will read from the meeting, so `last` skips meetings without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Nothing,
    Transcript,
    Recording,
    Attendance,
}

impl Need {
    fn what(self) -> Option<&'static str> {
        match self {
            Need::Nothing => None,
            Need::Transcript => Some("a transcript"),
            Need::Recording => Some("a recording"),
            Need::Attendance => Some("an attendance report (only organizers get them)"),
        }
    }
}

/// A Teams online meeting: its id, and Graph's `onlineMeeting` as read.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: String,
    pub graph: Value,
}

impl Meeting {
    fn of(graph: Value) -> Meeting {
        Meeting {
            id: graph["id"].as_str().unwrap_or_default().to_owned(),
            graph,
        }
    }

    pub fn subject(&self) -> Option<&str> {
        self.graph["subject"].as_str().filter(|s| !s.is_empty())
    }

    /// The organizer's user id.
    pub fn organizer_id(&self) -> Option<&str> {
        self.graph["participants"]["organizer"]["identity"]["user"]["id"].as_str()
    }

    /// The meeting below the Graph root.
    pub fn path(&self) -> String {
        format!("/me/onlineMeetings/{}", segment(&self.id))
    }
}

/// An event by id, subject or Teams join link.
pub async fn event(ctx: &Ctx, reference: &str) -> Result<Event> {
    let event = find_event(ctx, reference).await?;
    ctx.note(Target::Event {
        id: event.id.clone(),
    })
    .await?;
    Ok(event)
}

/// [`event`], unreported.
pub(crate) async fn find_event(ctx: &Ctx, reference: &str) -> Result<Event> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(
            Error::new(ErrorCode::InvalidInput, "the event reference is empty")
                .with_hint("name the event by its id (from calendar list) or its subject"),
        );
    }
    if let Some(DeepLink::Meeting { join_url }) = deeplink::parse(reference) {
        return event_with_join_url(ctx, &join_url).await;
    }
    if looks_like_item_id(reference) {
        return event_by_id(ctx, reference).await;
    }
    let quoted = reference.replace('\'', "''");
    for filter in [
        format!("subject eq '{quoted}'"),
        format!("startswith(subject,'{quoted}')"),
    ] {
        let request = Request::get("/me/events")
            .filter(filter)
            .select(EVENT_FIELDS)
            .top(25)
            .permissions(CALENDAR_READ);
        let found = ctx.graph.list(request, Limit::Items(25)).await?.items;
        if !found.is_empty() {
            let event = exactly_one(found, "event", reference, |e| {
                format!(
                    "{} ({}, {})",
                    e["subject"].as_str().unwrap_or("?"),
                    e["start"]["dateTime"]
                        .as_str()
                        .map_or("?", |d| d.get(..16).unwrap_or(d)),
                    e["id"].as_str().unwrap_or("?")
                )
            })
            .map_err(|e| e.with_hint("name the event by its id, from: msgate calendar list"))?;
            return Ok(Event::of(&event));
        }
    }
    Err(no_event(reference))
}

async fn event_by_id(ctx: &Ctx, id: &str) -> Result<Event> {
    let request = Request::get(format!("/me/events/{}", segment(id)))
        .select(EVENT_FIELDS)
        .permissions(CALENDAR_READ);
    match ctx.graph.json::<Value>(&request).await {
        Ok(event) => Ok(Event::of(&event)),
        Err(e) if e.code() == ErrorCode::NotFound => Err(no_event(id)),
        Err(e) => Err(e),
    }
}

fn no_event(reference: &str) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!("no event in your calendar matches '{reference}'"),
    )
    .with_hint("list your events with: msgate calendar list --from -30d --to +30d")
}

/// Outlook item ids and Graph meeting ids are long runs of base64 characters; subjects are not.
fn looks_like_item_id(text: &str) -> bool {
    text.len() >= 40
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '+' | '/'))
}

/// Whether `text` is a Graph online meeting id: base64 of `1*{organizer}*0**{thread}`.
fn is_meeting_id(text: &str) -> bool {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let trimmed = text.trim_end_matches('=');
    [URL_SAFE_NO_PAD, STANDARD_NO_PAD]
        .iter()
        .filter_map(|engine| engine.decode(trimmed).ok())
        .any(|bytes| bytes.starts_with(b"1*"))
}

/// The event holding a Teams meeting, found by its join link in the calendar from
/// [`LOOKBACK_DAYS`] back to 90 days ahead (a series is named by its master).
async fn event_with_join_url(ctx: &Ctx, join_url: &str) -> Result<Event> {
    let now = Timestamp::now();
    let from = now - SignedDuration::from_hours(24 * LOOKBACK_DAYS);
    let to = now + SignedDuration::from_hours(24 * 90);
    let request = Request::get("/me/calendarView")
        .query("startDateTime", when::graph(from))
        .query("endDateTime", when::graph(to))
        .select(EVENT_FIELDS)
        .top(500)
        .permissions(CALENDAR_READ);
    let instances = ctx.graph.list(request, Limit::Items(5000)).await?.items;
    let wanted = deeplink::percent_decode(join_url);
    let found = instances
        .iter()
        .find(|e| {
            e["onlineMeeting"]["joinUrl"]
                .as_str()
                .is_some_and(|u| deeplink::percent_decode(u) == wanted)
        })
        .ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                "no event in your calendar holds the meeting this link joins",
            )
            .with_hint(
                "the link may be to a meeting you were forwarded; read it with: msgate meeting get",
            )
        })?;
    match found["seriesMasterId"].as_str().filter(|s| !s.is_empty()) {
        Some(master) => event_by_id(ctx, master).await,
        None => Ok(Event::of(found)),
    }
}

/// A Teams meeting by join link, id, event, `last` or `last-with:PERSON` (see the module).
pub async fn meeting(ctx: &Ctx, reference: &str, need: Need) -> Result<Meeting> {
    let meeting = find_meeting(ctx, reference, need).await?;
    ctx.note(Target::Meeting {
        id: meeting.id.clone(),
    })
    .await?;
    Ok(meeting)
}

/// [`meeting`], unreported.
pub(crate) async fn find_meeting(ctx: &Ctx, reference: &str, need: Need) -> Result<Meeting> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(
            Error::new(ErrorCode::InvalidInput, "the meeting reference is empty")
                .with_hint("name it by join link, subject, id, 'last' or 'last-with:PERSON'"),
        );
    }
    if reference.eq_ignore_ascii_case("last") {
        return latest(ctx, None, need).await;
    }
    if let Some(person) = strip_prefix_ignore_case(reference, "last-with:") {
        let person = find_user(ctx, person).await?;
        return latest(ctx, Some(&person), need).await;
    }
    if let Some(DeepLink::Meeting { join_url }) = deeplink::parse(reference) {
        return with_join_url(ctx, &join_url).await?.ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                "no Teams meeting you organize or were invited to has this join link",
            )
        });
    }
    if looks_like_item_id(reference) && is_meeting_id(reference) {
        let request = Request::get(format!("/me/onlineMeetings/{}", segment(reference)))
            .permissions(MEETINGS_READ);
        return match ctx.graph.json::<Value>(&request).await {
            Ok(meeting) => Ok(Meeting::of(meeting)),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Error::new(
                ErrorCode::NotFound,
                format!("no Teams meeting you can see has the id '{reference}'"),
            )),
            Err(e) => Err(e),
        };
    }
    let event = find_event(ctx, reference).await?;
    let Some(join_url) = event.join_url else {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!(
                "'{}' is a calendar event without a Teams meeting",
                event.subject
            ),
        ));
    };
    with_join_url(ctx, &join_url).await?.ok_or_else(|| {
        Error::new(
            ErrorCode::NotFound,
            format!("the Teams meeting of '{}' is gone", event.subject),
        )
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text[prefix.len()..].trim())
        .filter(|rest| !rest.is_empty())
}

/// The meeting a join link opens, as Graph finds it (`$filter=JoinWebUrl eq '…'`).
async fn with_join_url(ctx: &Ctx, join_url: &str) -> Result<Option<Meeting>> {
    let request = Request::get("/me/onlineMeetings")
        .filter(format!("JoinWebUrl eq '{}'", join_url.replace('\'', "''")))
        .permissions(MEETINGS_READ);
    let found = ctx.graph.list(request, Limit::Items(1)).await?.items;
    Ok(found.into_iter().next().map(Meeting::of))
}

/// Whether `person` organized or was invited to the calendar event `event`.
pub(crate) fn includes(event: &Value, person: &User) -> bool {
    let addresses: Vec<String> = [&person.mail, &person.user_principal_name]
        .into_iter()
        .flatten()
        .map(|a| a.to_lowercase())
        .collect();
    let matches = |mailbox: &Value| {
        mailbox["emailAddress"]["address"]
            .as_str()
            .is_some_and(|a| addresses.contains(&a.to_lowercase()))
    };
    matches(&event["organizer"])
        || event["attendees"]
            .as_array()
            .is_some_and(|list| list.iter().any(matches))
}

/// The most recent meeting that has started (with `person`, having what `need` asks for).
async fn latest(ctx: &Ctx, person: Option<&User>, need: Need) -> Result<Meeting> {
    let now = Timestamp::now();
    let from = now - SignedDuration::from_hours(24 * LOOKBACK_DAYS);
    let request = Request::get("/me/calendarView")
        .query("startDateTime", when::graph(from))
        .query("endDateTime", when::graph(now))
        .select(&[
            "subject",
            "start",
            "organizer",
            "attendees",
            "isCancelled",
            "onlineMeeting",
        ])
        .top(100)
        .permissions(CALENDAR_READ);
    let mut instances = ctx.graph.list(request, Limit::All).await?.items;
    // No `Prefer: outlook.timezone` was sent: Graph gives these times in UTC.
    let utc = Zone::utc();
    let start = |e: &Value| utc.instant(&e["start"]);
    instances.retain(|e| {
        e["isCancelled"] != true
            && e["onlineMeeting"]["joinUrl"].is_string()
            && start(e).is_some_and(|s| s <= now)
            && person.is_none_or(|p| includes(e, p))
    });
    instances.sort_by_key(|e| std::cmp::Reverse(start(e)));
    let me = ctx.me().await?.id.clone();
    let mut tried: Vec<&str> = Vec::new();
    for event in &instances {
        let join_url = event["onlineMeeting"]["joinUrl"]
            .as_str()
            .unwrap_or_default();
        if tried.contains(&join_url) {
            continue;
        }
        if tried.len() >= MAX_TRIED {
            break;
        }
        tried.push(join_url);
        let Some(meeting) = with_join_url(ctx, join_url).await? else {
            continue;
        };
        if has(ctx, &meeting, need, &me).await? {
            return Ok(meeting);
        }
    }
    let with = person.map_or(String::new(), |p| {
        format!(" with {}", p.display_name.as_deref().unwrap_or(&p.id))
    });
    let message = match need.what() {
        None => format!("you had no Teams meeting{with} in the past {LOOKBACK_DAYS} days"),
        Some(what) => {
            format!("none of your Teams meetings{with} in the past {LOOKBACK_DAYS} days has {what}")
        }
    };
    Err(Error::new(ErrorCode::NotFound, message)
        .with_hint("see your recent meetings with: msgate meeting list"))
}

/// Whether the meeting has what `need` asks for (attendance reports exist only for organizers).
async fn has(ctx: &Ctx, meeting: &Meeting, need: Need, me: &str) -> Result<bool> {
    let (collection, permissions) = match need {
        Need::Nothing => return Ok(true),
        Need::Transcript => ("transcripts", TRANSCRIPTS_READ),
        Need::Recording => ("recordings", RECORDINGS_READ),
        Need::Attendance => {
            if meeting.organizer_id() != Some(me) {
                return Ok(false);
            }
            ("attendanceReports", ATTENDANCE_READ)
        }
    };
    let request = Request::get(format!("{}/{collection}", meeting.path())).permissions(permissions);
    Ok(!ctx
        .graph
        .list(request, Limit::Items(1))
        .await?
        .items
        .is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_subjects_and_meeting_ids_are_told_apart() {
        let event_id = "AAMkAGI2ZXZlbnQ6MTIzNDU2NzgtMTIzNC0xMjM0LTEyMzQtMTIzNDU2Nzg5MDEy";
        assert!(looks_like_item_id(event_id));
        assert!(!is_meeting_id(event_id));
        assert!(!looks_like_item_id("Runner cost review"));
        let meeting_id = "MSpkYzE3Njc0Yy04MWQ5LTRhZGItYmZiMi04ZjZhNDQyZTRiMDUqMCoqMTk6bWVldGluZ19NalJoTURKaU1HUXRZV0kzT0MwME5UbGhMV0UwTmpBdFpEZ3lPR1l6T0RnNFpHTXhAdGhyZWFkLnYy";
        assert!(looks_like_item_id(meeting_id) && is_meeting_id(meeting_id));
        assert_eq!(
            strip_prefix_ignore_case("Last-With: Ben", "last-with:"),
            Some("Ben")
        );
        assert_eq!(strip_prefix_ignore_case("last-with:", "last-with:"), None);
    }

    #[test]
    fn a_person_is_in_a_meeting_as_organizer_or_attendee() {
        let event = json!({
            "organizer": {"emailAddress": {"address": "Ada@larkspur.example"}},
            "attendees": [{"emailAddress": {"address": "ben@larkspur.example"}}],
        });
        let person = |mail: &str| User {
            id: "u".into(),
            display_name: None,
            user_principal_name: None,
            mail: Some(mail.into()),
            job_title: None,
            department: None,
            user_type: None,
        };
        assert!(includes(&event, &person("ada@larkspur.example")));
        assert!(includes(&event, &person("BEN@larkspur.example")));
        assert!(!includes(&event, &person("grace@larkspur.example")));
    }
}
