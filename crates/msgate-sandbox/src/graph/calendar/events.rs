//! `/me/events`: listing, reading, creating, changing and deleting events — and what a change to
//! a meeting does to the copies in its attendees' calendars (invitations for new attendees,
//! updates for the others, cancellations for those removed or when the meeting goes away).

use std::sync::Arc;

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::instances::{self, Instance};
use super::recurrence::Recurrence;
use super::respond;
use super::shapes::{self, ItemId, Mailbox, NewEvent, Times};
use super::zones::Preferences;
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::Query;
use crate::graph::{Caller, collection, meetings};
use crate::state::AppState;
use crate::store::Store;
use crate::{clock, ids};

pub async fn list(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let preferences = Preferences::from_headers(&headers)?;
    let query = Query::parse(raw.as_deref())?;
    let items: Vec<Value> = state
        .store
        .list("event", me)
        .await?
        .iter()
        .map(|e| shapes::render(e, &preferences.zone))
        .collect();
    let page = preferences.max_page_size.unwrap_or(10);
    let body = collection(
        &state,
        &query,
        items,
        "/me/events",
        "users('me')/events",
        (page, 1000),
    )?;
    Ok(respond(StatusCode::OK, body.0, preferences.applied()))
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let preferences = Preferences::from_headers(&headers)?;
    let query = Query::parse(raw.as_deref())?;
    let instance = instances::find(&state, me, &id).await?;
    Ok(respond(
        StatusCode::OK,
        shown(&state, &query, &instance.doc, &preferences),
        preferences.applied(),
    ))
}

/// An event as a response body: rendered in the caller's zone, `$select` applied.
fn shown(state: &AppState, query: &Query, event: &Value, preferences: &Preferences) -> Value {
    crate::graph::entity(
        state,
        query,
        &shapes::render(event, &preferences.zone),
        "users('me')/events/$entity",
    )
    .0
}

/// https://learn.microsoft.com/graph/api/user-post-events: 201 with the event; attendees in
/// the tenant find an invitation in their calendars; a Teams meeting gets its online meeting.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let preferences = Preferences::from_headers(&headers)?;
    shapes::check_enums(&body)?;
    let times = Times::read(&body["start"], &body["end"])?;
    if !body["recurrence"].is_null() {
        Recurrence::parse(&body["recurrence"])?;
    }
    let directory = state.users().await?;
    let organizer = mailbox_of(&directory, me)?;
    let attendees = attendees_without(&body["attendees"], &directory, &organizer)?;
    let online_meeting = if wants_teams(&body) {
        let meeting = meetings::create_for_event(
            &state.store,
            &state.tenant.id,
            &organizer,
            &tenant_mailboxes(&attendees, &directory),
            body["subject"].as_str().unwrap_or_default(),
            (times.start, times.end),
            None,
        )
        .await?;
        Some(meeting)
    } else {
        None
    };
    let mut request = body.clone();
    if let Some(meeting) = &online_meeting {
        request["body"] = meetings::with_join_information(&body["body"], meeting);
    }
    let event = shapes::event_doc(NewEvent {
        id: shapes::event_id(None),
        ical_uid: ical_uid(None),
        organizer: &organizer,
        request: &request,
        times: &times,
        attendees,
        online_meeting: online_meeting
            .as_ref()
            .map_or(Value::Null, meetings::event_info),
        created: clock::now(),
    });
    save(&state.store, me, &event).await?;
    let everyone = event["attendees"].as_array().cloned().unwrap_or_default();
    invite(&state.store, &event, &everyone, &directory, None).await?;
    Ok(respond(
        StatusCode::CREATED,
        shown(&state, &Query::default(), &event, &preferences),
        preferences.applied(),
    ))
}

fn wants_teams(body: &Value) -> bool {
    body["isOnlineMeeting"] == true
        && matches!(
            body["onlineMeetingProvider"].as_str(),
            None | Some("teamsForBusiness")
        )
}

pub fn mailbox_of(directory: &[Value], id: &str) -> GraphResult<Mailbox> {
    directory
        .iter()
        .find(|u| u["id"] == id)
        .map(Mailbox::of)
        .ok_or_else(shapes::event_not_found)
}

/// The attendees as Outlook stores them, minus the organizer (who is not their own attendee).
fn attendees_without(
    input: &Value,
    directory: &[Value],
    organizer: &Mailbox,
) -> GraphResult<Vec<Value>> {
    let mut list = shapes::attendees(input, directory)?;
    list.retain(|a| !shapes::same_address(a, &organizer.address));
    Ok(list)
}

/// Attendees who are users of the tenant, as mailboxes.
pub fn tenant_mailboxes(attendees: &[Value], directory: &[Value]) -> Vec<Mailbox> {
    attendees
        .iter()
        .filter_map(|a| a["emailAddress"]["address"].as_str())
        .filter_map(|address| shapes::user_by_address(directory, address))
        .map(Mailbox::of)
        .collect()
}

/// An iCalendar UID in Exchange's format: random, or derived from `seed`.
pub fn ical_uid(seed: Option<&str>) -> String {
    let guid = seed.map_or_else(ids::random_guid, ids::stable_guid);
    format!(
        "040000008200E00074C5B7101A82E00800000000{}",
        guid.replace('-', "").to_uppercase()
    )
}

pub async fn save(store: &Store, owner: &str, event: &Value) -> msgate_core::Result<()> {
    store
        .put(
            "event",
            owner,
            event["id"].as_str().unwrap_or_default(),
            event,
        )
        .await
}

/// Remove an event, leaving the tombstone calendar-view delta reports it from.
pub async fn remove(store: &Store, owner: &str, event: &Value) -> msgate_core::Result<()> {
    let id = event["id"].as_str().unwrap_or_default();
    store.delete("event", owner, id).await?;
    store
        .put(
            "eventRemoved",
            owner,
            id,
            &json!({"id": id, "event": event}),
        )
        .await
}

/// Put an invitation into the calendar of each of `attendees` who is a tenant user.
pub async fn invite(
    store: &Store,
    organizer_event: &Value,
    attendees: &[Value],
    directory: &[Value],
    seed: Option<&str>,
) -> msgate_core::Result<()> {
    let organizer = organizer_event["organizer"]["emailAddress"]["address"]
        .as_str()
        .unwrap_or_default();
    for mailbox in tenant_mailboxes(attendees, directory) {
        if mailbox.address.eq_ignore_ascii_case(organizer) {
            continue;
        }
        let id = shapes::event_id(seed.map(|s| format!("{s}:{}", mailbox.id)).as_deref());
        save(
            store,
            &mailbox.id,
            &shapes::invitation(organizer_event, &id),
        )
        .await?;
    }
    Ok(())
}

/// The copies of an organizer's event in its tenant attendees' calendars: (owner, document).
pub async fn copies(
    store: &Store,
    organizer_event: &Value,
    directory: &[Value],
) -> msgate_core::Result<Vec<(String, Value)>> {
    let attendees = organizer_event["attendees"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut found = Vec::new();
    for mailbox in tenant_mailboxes(&attendees, directory) {
        if let Some(copy) = same_meeting(store, &mailbox.id, organizer_event, false).await? {
            found.push((mailbox.id, copy));
        }
    }
    Ok(found)
}

/// The event in `owner`'s calendar that is the same meeting as `event` (same iCalUId).
pub async fn same_meeting(
    store: &Store,
    owner: &str,
    event: &Value,
    organizer: bool,
) -> msgate_core::Result<Option<Value>> {
    Ok(store
        .list("event", owner)
        .await?
        .into_iter()
        .find(|e| e["iCalUId"] == event["iCalUId"] && e["isOrganizer"] == organizer))
}

/// What an attendee sees when the organizer cancels: the meeting stays, marked cancelled.
pub fn cancelled(copy: &mut Value, now: &str) {
    copy["isCancelled"] = json!(true);
    let subject = copy["subject"].as_str().unwrap_or_default();
    if !subject.starts_with("Canceled: ") {
        copy["subject"] = json!(format!("Canceled: {subject}"));
    }
    shapes::touch(copy, now);
}

/// The fields of an event a client may change with PATCH, copied as sent.
const PLAIN_FIELDS: &[&str] = &[
    "subject",
    "categories",
    "importance",
    "sensitivity",
    "showAs",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "responseRequested",
    "allowNewTimeProposals",
    "hideAttendees",
    "isAllDay",
    "transactionId",
];

/// https://learn.microsoft.com/graph/api/event-update: 200 with the updated event. The
/// organizer's changes reach every attendee's copy; a new time asks attendees to respond again.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let preferences = Preferences::from_headers(&headers)?;
    let before = editable(&state, me, &id).await?;
    shapes::check_enums(&body)?;
    let directory = state.users().await?;
    let mut event = before.clone();
    apply_changes(&mut event, &body, &directory)?;
    let now = clock::now();
    let retimed = event["start"] != before["start"] || event["end"] != before["end"];
    let is_organizer = event["isOrganizer"] == true;
    if is_organizer && retimed {
        ask_again(&mut event);
        drop_exceptions(&mut event);
    }
    if is_organizer && body["isOnlineMeeting"] == true && before["onlineMeeting"].is_null() {
        add_teams_meeting(&state, me, &mut event, &directory).await?;
    }
    shapes::touch(&mut event, &now);
    save(&state.store, me, &event).await?;
    if is_organizer {
        propagate(&state, &before, &event, &directory, retimed).await?;
    }
    Ok(respond(
        StatusCode::OK,
        shown(&state, &Query::default(), &event, &preferences),
        preferences.applied(),
    ))
}

/// An event the caller may change: single events and series, not single occurrences.
pub async fn editable(state: &AppState, me: &str, id: &str) -> GraphResult<Value> {
    if let ItemId::Occurrence { .. } = shapes::classify(id)? {
        instances::find(state, me, id).await?;
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRequest",
            "The sandbox changes whole series only; use the series master's id.",
        ));
    }
    Ok(instances::find(state, me, id).await?.doc)
}

fn apply_changes(event: &mut Value, body: &Value, directory: &[Value]) -> GraphResult<()> {
    for field in PLAIN_FIELDS {
        if let Some(value) = body.get(*field) {
            event[*field] = value.clone();
        }
    }
    if let Some(content) = body.get("body").filter(|b| b.is_object()) {
        event["body"] = json!({
            "contentType": content["contentType"].as_str().unwrap_or("html"),
            "content": content["content"].as_str().unwrap_or_default(),
        });
        event["bodyPreview"] = json!(shapes::body_preview(&event["body"]));
    }
    if let Some(location) = body.get("location") {
        event["location"] = shapes::location(location);
        event["locations"] = if event["location"]["displayName"] == "" {
            json!([])
        } else {
            json!([event["location"].clone()])
        };
    }
    if body.get("start").is_some() || body.get("end").is_some() {
        let start = body.get("start").unwrap_or(&event["start"]).clone();
        let end = body.get("end").unwrap_or(&event["end"]).clone();
        let times = Times::read(&start, &end)?;
        event["start"] = shapes::utc(times.start);
        event["end"] = shapes::utc(times.end);
        if body.get("start").is_some() {
            event["originalStartTimeZone"] = json!(times.start_zone);
        }
        if body.get("end").is_some() {
            event["originalEndTimeZone"] = json!(times.end_zone);
        }
    }
    if let Some(recurrence) = body.get("recurrence") {
        if recurrence.is_null() {
            event["type"] = json!("singleInstance");
            if let Some(object) = event.as_object_mut() {
                object.remove("cancelledOccurrences");
            }
        } else {
            Recurrence::parse(recurrence)?;
            event["type"] = json!("seriesMaster");
            if event.get("cancelledOccurrences").is_none() {
                event["cancelledOccurrences"] = json!([]);
            }
        }
        event["recurrence"] = recurrence.clone();
    }
    if let Some(input) = body.get("attendees") {
        let organizer = event["organizer"]["emailAddress"]["address"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut list = shapes::attendees(input, directory)?;
        list.retain(|a| !shapes::same_address(a, &organizer));
        for attendee in &mut list {
            let address = attendee["emailAddress"]["address"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let previous = event["attendees"]
                .as_array()
                .and_then(|old| old.iter().find(|a| shapes::same_address(a, &address)));
            if let Some(previous) = previous {
                attendee["status"] = previous["status"].clone();
            }
        }
        event["attendees"] = json!(list);
    }
    Ok(())
}

/// A meeting moved to a new time: every attendee's response is reset.
fn ask_again(event: &mut Value) {
    if let Some(list) = event["attendees"].as_array_mut() {
        for attendee in list {
            attendee["status"] = json!({"response": "none", "time": shapes::NEVER});
        }
    }
}

/// The occurrences missing from an attendee's copy of a series once the organizer's list has been
/// copied over it: the organizer's cancellations named by the copy's own occurrence ids (an
/// occurrence id names its series), and the ones the attendee declined (`before`). `None` when the
/// meeting is no longer a series.
fn cancelled_in_copy(copy: &Value, before: &Value) -> Option<Value> {
    let organizers = copy["cancelledOccurrences"].as_array()?;
    let copy_id = copy["id"].as_str().unwrap_or_default();
    let mut list: Vec<Value> = before.as_array().cloned().unwrap_or_default();
    for id in organizers.iter().filter_map(Value::as_str) {
        if let Ok(ItemId::Occurrence { date, .. }) = shapes::classify(id) {
            let mine = json!(shapes::occurrence_id(copy_id, date));
            if !list.contains(&mine) {
                list.push(mine);
            }
        }
    }
    Some(json!(list))
}

/// A series moved to a new time loses the answers given to single occurrences, as in Outlook.
fn drop_exceptions(event: &mut Value) {
    if let Some(object) = event.as_object_mut() {
        object.remove(shapes::EXCEPTIONS);
    }
}

async fn add_teams_meeting(
    state: &AppState,
    me: &str,
    event: &mut Value,
    directory: &[Value],
) -> GraphResult<()> {
    let organizer = mailbox_of(directory, me)?;
    let attendees = event["attendees"].as_array().cloned().unwrap_or_default();
    let (start, end) = Times::of(event).ok_or_else(shapes::event_not_found)?;
    let meeting = meetings::create_for_event(
        &state.store,
        &state.tenant.id,
        &organizer,
        &tenant_mailboxes(&attendees, directory),
        event["subject"].as_str().unwrap_or_default(),
        (start, end),
        None,
    )
    .await?;
    event["body"] = meetings::with_join_information(&event["body"], &meeting);
    event["bodyPreview"] = json!(shapes::body_preview(&event["body"]));
    event["isOnlineMeeting"] = json!(true);
    event["onlineMeetingProvider"] = json!("teamsForBusiness");
    event["onlineMeeting"] = meetings::event_info(&meeting);
    Ok(())
}

/// Carry an organizer's change to the attendees' calendars.
async fn propagate(
    state: &AppState,
    before: &Value,
    after: &Value,
    directory: &[Value],
    retimed: bool,
) -> GraphResult<()> {
    let now = clock::now();
    let old_attendees = before["attendees"].as_array().cloned().unwrap_or_default();
    let new_attendees = after["attendees"].as_array().cloned().unwrap_or_default();
    for (owner, mut copy) in copies(&state.store, before, directory).await? {
        let address = mailbox_of(directory, &owner)?.address;
        if new_attendees
            .iter()
            .any(|a| shapes::same_address(a, &address))
        {
            let declined = copy["cancelledOccurrences"].clone();
            for field in shapes::SHARED_FIELDS {
                copy[*field] = after.get(*field).cloned().unwrap_or(Value::Null);
            }
            if let Some(cancelled) = cancelled_in_copy(&copy, &declined) {
                copy["cancelledOccurrences"] = cancelled;
            }
            if retimed {
                copy["responseStatus"] = json!({"response": "notResponded", "time": shapes::NEVER});
                copy["showAs"] = json!("tentative");
                drop_exceptions(&mut copy);
            }
        } else {
            cancelled(&mut copy, &now);
        }
        shapes::touch(&mut copy, &now);
        save(&state.store, &owner, &copy).await?;
    }
    let added: Vec<Value> = new_attendees
        .iter()
        .filter(|a| {
            let address = a["emailAddress"]["address"].as_str().unwrap_or_default();
            !old_attendees
                .iter()
                .any(|o| shapes::same_address(o, address))
        })
        .cloned()
        .collect();
    invite(&state.store, after, &added, directory, None).await?;
    if let (Some(join_url), Some((start, end))) =
        (after["onlineMeeting"]["joinUrl"].as_str(), Times::of(after))
    {
        meetings::follow_event(
            &state.store,
            after["subject"].as_str().unwrap_or_default(),
            join_url,
            (start, end),
            &tenant_mailboxes(&new_attendees, directory),
        )
        .await?;
    }
    Ok(())
}

/// https://learn.microsoft.com/graph/api/event-delete: 204. Deleting a meeting as its organizer
/// cancels it for the attendees; deleting one occurrence cancels just that occurrence.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let instance = instances::find(&state, me, &id).await?;
    let directory = state.users().await?;
    match shapes::classify(&id)? {
        ItemId::Occurrence { master, date } => {
            cancel_occurrence(&state, me, &master, date, &directory).await?;
        }
        ItemId::Event => {
            if instance.doc["isOrganizer"] == true {
                cancel_for_attendees(&state, &instance.doc, &directory).await?;
            }
            remove(&state.store, me, &instance.doc).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The organizer called a meeting off: every attendee's copy is marked cancelled.
pub async fn cancel_for_attendees(
    state: &AppState,
    organizer_event: &Value,
    directory: &[Value],
) -> GraphResult<()> {
    let now = clock::now();
    for (owner, mut copy) in copies(&state.store, organizer_event, directory).await? {
        cancelled(&mut copy, &now);
        save(&state.store, &owner, &copy).await?;
    }
    Ok(())
}

/// One occurrence of a series is gone: from the caller's series and, when the caller organizes
/// it, from every attendee's copy of the series.
pub async fn cancel_occurrence(
    state: &AppState,
    me: &str,
    master_id: &str,
    date: jiff::civil::Date,
    directory: &[Value],
) -> GraphResult<()> {
    let now = clock::now();
    let master = state
        .store
        .get("event", me, master_id)
        .await?
        .ok_or_else(shapes::event_not_found)?;
    let mut targets = vec![(me.to_owned(), master.clone())];
    if master["isOrganizer"] == true {
        targets.extend(copies(&state.store, &master, directory).await?);
    }
    for (owner, series) in &mut targets {
        let occurrence = shapes::occurrence_id(series["id"].as_str().unwrap_or_default(), date);
        if let Some(list) = series["cancelledOccurrences"].as_array_mut() {
            list.push(json!(occurrence));
        } else {
            series["cancelledOccurrences"] = json!([occurrence]);
        }
        shapes::touch(series, &now);
        save(&state.store, owner, series).await?;
    }
    Ok(())
}

/// Instances of `owner`'s calendar overlapping a window (shared by views and free/busy).
pub async fn instances_of(
    store: &Store,
    owner: &str,
    from: Timestamp,
    to: Timestamp,
) -> msgate_core::Result<Vec<Instance>> {
    let events = store.list("event", owner).await?;
    Ok(instances::in_window(&events, from, to))
}
