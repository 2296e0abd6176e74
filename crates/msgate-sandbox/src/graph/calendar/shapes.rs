//! Calendar documents as Outlook returns them: calendars, events (single instances, series
//! masters, occurrences), attendees and their response statuses, and the ids that name them.
//! Events are stored with `start`/`end` in UTC and rendered in the caller's zone on the way out.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::zones::{self, Zone, invalid_property};
use crate::graph::error::{GraphError, GraphResult};
use crate::graph::odata::percent_encode;
use crate::{ids, model};

/// Every Outlook item id in the sandbox starts like a real mailbox id does.
const ID_PREFIX: &str = "AAMkAGI2";

/// A response time Outlook writes for "not yet".
pub const NEVER: &str = "0001-01-01T00:00:00Z";

/// What an id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemId {
    Event,
    /// One occurrence of a series: the master's id and the occurrence's date.
    Occurrence {
        master: String,
        date: jiff::civil::Date,
    },
}

fn encode(kind: &str, body: &str) -> String {
    format!(
        "{ID_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(format!("{kind}:{body}"))
    )
}

/// A new event id: random, or derived from `seed` so the demo tenant is the same on every start.
pub fn event_id(seed: Option<&str>) -> String {
    let guid = seed.map_or_else(ids::random_guid, ids::stable_guid);
    encode("event", &guid)
}

pub fn occurrence_id(master: &str, date: jiff::civil::Date) -> String {
    encode("occurrence", &format!("{master}:{date}"))
}

pub fn calendar_id(user_id: &str) -> String {
    encode("calendar", user_id)
}

/// Classify an id, with Outlook's 400 for one that is not an Outlook id at all.
pub fn classify(id: &str) -> GraphResult<ItemId> {
    let decoded = id
        .strip_prefix(ID_PREFIX)
        .and_then(|b64| URL_SAFE_NO_PAD.decode(b64).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(malformed_id)?;
    match decoded.split_once(':') {
        Some(("event", _)) => Ok(ItemId::Event),
        Some(("occurrence", rest)) => {
            let (master, date) = rest.rsplit_once(':').ok_or_else(malformed_id)?;
            let date = date.parse().map_err(|_| malformed_id())?;
            Ok(ItemId::Occurrence {
                master: master.to_owned(),
                date,
            })
        }
        _ => Err(malformed_id()),
    }
}

fn malformed_id() -> GraphError {
    GraphError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "ErrorInvalidIdMalformed",
        "Id is malformed.",
    )
}

pub fn event_not_found() -> GraphError {
    GraphError::new(
        axum::http::StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// A mailbox owner: who organizes or attends.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub id: String,
    pub name: String,
    pub address: String,
}

impl Mailbox {
    pub fn of(user: &Value) -> Mailbox {
        let person = model::Person::of(user);
        Mailbox {
            id: person.id.to_owned(),
            name: person.display_name.to_owned(),
            address: user["mail"].as_str().unwrap_or(person.upn).to_owned(),
        }
    }

    pub fn recipient(&self) -> Value {
        json!({"emailAddress": {"name": self.name, "address": self.address}})
    }
}

/// The user's default calendar.
pub fn calendar_doc(owner: &Mailbox) -> Value {
    json!({
        "id": calendar_id(&owner.id),
        "name": "Calendar",
        "color": "auto",
        "hexColor": "",
        "isDefaultCalendar": true,
        "changeKey": ids::stable_guid(&format!("calendar-change:{}", owner.id)),
        "canShare": true,
        "canViewPrivateItems": true,
        "canEdit": true,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": true,
        "isRemovable": false,
        "owner": {"name": owner.name, "address": owner.address},
    })
}

/// Start and end of a new or changed event, checked the way Outlook checks them.
#[derive(Debug, Clone)]
pub struct Times {
    pub start: Timestamp,
    pub end: Timestamp,
    pub start_zone: String,
    pub end_zone: String,
}

impl Times {
    pub fn read(start: &Value, end: &Value) -> GraphResult<Times> {
        let (start_at, start_zone) = zones::parse_date_time_time_zone(start)?;
        let (end_at, end_zone) = zones::parse_date_time_time_zone(end)?;
        if end_at < start_at {
            return Err(invalid_property());
        }
        Ok(Times {
            start: start_at,
            end: end_at,
            start_zone: start_zone.name,
            end_zone: end_zone.name,
        })
    }

    /// The times stored in an event document.
    pub fn of(event: &Value) -> Option<(Timestamp, Timestamp)> {
        let utc = jiff::tz::TimeZone::UTC;
        let start = zones::parse_instant(event["start"]["dateTime"].as_str()?, &utc)?;
        let end = zones::parse_instant(event["end"]["dateTime"].as_str()?, &utc)?;
        Some((start, end))
    }
}

/// An attendee list as Outlook stores it: every entry with a type and a response status.
pub fn attendees(input: &Value, directory: &[Value]) -> GraphResult<Vec<Value>> {
    let mut out: Vec<Value> = Vec::new();
    for attendee in input.as_array().into_iter().flatten() {
        let address = attendee["emailAddress"]["address"]
            .as_str()
            .map(str::trim)
            .filter(|a| a.contains('@'))
            .ok_or_else(|| {
                GraphError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "ErrorInvalidRecipients",
                    "At least one recipient isn't valid.",
                )
            })?;
        if out.iter().any(|a| same_address(a, address)) {
            continue;
        }
        let name = attendee["emailAddress"]["name"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| user_by_address(directory, address).map(|u| Mailbox::of(u).name))
            .unwrap_or_else(|| address.to_owned());
        let kind = check_enum(
            &attendee["type"],
            "attendeeType",
            &["required", "optional", "resource"],
        )?
        .unwrap_or("required");
        out.push(json!({
            "type": kind,
            "status": {"response": "none", "time": NEVER},
            "emailAddress": {"name": name, "address": address},
        }));
    }
    Ok(out)
}

pub fn same_address(attendee: &Value, address: &str) -> bool {
    attendee["emailAddress"]["address"]
        .as_str()
        .is_some_and(|a| a.eq_ignore_ascii_case(address))
}

/// The tenant user whose mail or UPN is `address`.
pub fn user_by_address<'a>(directory: &'a [Value], address: &str) -> Option<&'a Value> {
    directory.iter().find(|u| {
        ["mail", "userPrincipalName"].iter().any(|f| {
            u[*f]
                .as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case(address))
        })
    })
}

/// A string property that must be one of `allowed`, with OData's 400 otherwise.
pub fn check_enum<'a>(
    value: &'a Value,
    type_name: &str,
    allowed: &[&str],
) -> GraphResult<Option<&'a str>> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if allowed.contains(&s.as_str()) => Ok(Some(s)),
        other => Err(GraphError::bad_request(format!(
            "Cannot convert the literal '{}' to the expected type 'microsoft.graph.{type_name}'.",
            other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned)
        ))),
    }
}

/// The enumerated properties a client may set, and their values.
pub const ENUMS: &[(&str, &str, &[&str])] = &[
    ("importance", "importance", &["low", "normal", "high"]),
    (
        "sensitivity",
        "sensitivity",
        &["normal", "personal", "private", "confidential"],
    ),
    (
        "showAs",
        "freeBusyStatus",
        &[
            "unknown",
            "free",
            "tentative",
            "busy",
            "oof",
            "workingElsewhere",
        ],
    ),
    (
        "onlineMeetingProvider",
        "onlineMeetingProviderType",
        &[
            "unknown",
            "skypeForBusiness",
            "skypeForConsumer",
            "teamsForBusiness",
        ],
    ),
];

pub fn check_enums(body: &Value) -> GraphResult<()> {
    for (property, type_name, allowed) in ENUMS {
        check_enum(&body[*property], type_name, allowed)?;
    }
    Ok(())
}

/// A location as Outlook fills it in from what the client sent.
pub fn location(input: &Value) -> Value {
    let name = input["displayName"].as_str().unwrap_or_default();
    json!({
        "displayName": name,
        "locationType": input["locationType"].as_str().unwrap_or("default"),
        "uniqueId": if name.is_empty() { Value::Null } else { json!(name) },
        "uniqueIdType": if name.is_empty() { "unknown" } else { "private" },
        "address": input.get("address").cloned().unwrap_or_else(|| json!({})),
        "coordinates": input.get("coordinates").cloned().unwrap_or_else(|| json!({})),
    })
}

/// The first 255 characters of the body as text, block boundaries read as spaces.
pub fn body_preview(body: &Value) -> String {
    let content = body["content"].as_str().unwrap_or_default();
    let text = if body["contentType"] == "text" {
        content.to_owned()
    } else {
        let spaced = ["</p>", "</div>", "<br>", "<hr>", "</li>"]
            .iter()
            .fold(content.to_owned(), |html, tag| {
                html.replace(tag, &format!("{tag} "))
            });
        model::plain_text(&spaced)
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").chars().take(255).collect()
}

/// A new event in its organizer's calendar, from a create request (already validated).
pub struct NewEvent<'a> {
    pub id: String,
    pub ical_uid: String,
    pub organizer: &'a Mailbox,
    pub request: &'a Value,
    pub times: &'a Times,
    pub attendees: Vec<Value>,
    pub online_meeting: Value,
    pub created: String,
}

pub fn event_doc(new: NewEvent<'_>) -> Value {
    let request = new.request;
    let change_key = ids::random_token(12);
    let body = match request.get("body") {
        Some(b) if b.is_object() => json!({
            "contentType": b["contentType"].as_str().unwrap_or("html"),
            "content": b["content"].as_str().unwrap_or_default(),
        }),
        _ => json!({"contentType": "html", "content": ""}),
    };
    let is_online = !new.online_meeting.is_null();
    let recurrence = request.get("recurrence").cloned().unwrap_or(Value::Null);
    let location_in = request.get("location").cloned().unwrap_or(Value::Null);
    let location = location(&location_in);
    let locations = if location["displayName"] == "" {
        json!([])
    } else {
        json!([location.clone()])
    };
    let mut event = json!({
        "@odata.etag": format!("W/\"{change_key}\""),
        "id": new.id,
        "createdDateTime": new.created,
        "lastModifiedDateTime": new.created,
        "changeKey": change_key,
        "categories": request["categories"].as_array().cloned().unwrap_or_default(),
        "transactionId": request["transactionId"],
        "originalStartTimeZone": new.times.start_zone,
        "originalEndTimeZone": new.times.end_zone,
        "iCalUId": new.ical_uid,
        "reminderMinutesBeforeStart": request["reminderMinutesBeforeStart"].as_i64().unwrap_or(15),
        "isReminderOn": request["isReminderOn"].as_bool().unwrap_or(true),
        "hasAttachments": false,
        "subject": request["subject"].as_str().unwrap_or_default(),
        "bodyPreview": body_preview(&body),
        "importance": request["importance"].as_str().unwrap_or("normal"),
        "sensitivity": request["sensitivity"].as_str().unwrap_or("normal"),
        "isAllDay": request["isAllDay"].as_bool().unwrap_or(false),
        "isCancelled": false,
        "isOrganizer": true,
        "responseRequested": request["responseRequested"].as_bool().unwrap_or(true),
        "seriesMasterId": null,
        "showAs": request["showAs"].as_str().unwrap_or("busy"),
        "type": if recurrence.is_null() { "singleInstance" } else { "seriesMaster" },
        "webLink": web_link(&new.id),
        "onlineMeetingUrl": null,
        "isOnlineMeeting": is_online,
        "onlineMeetingProvider": if is_online { "teamsForBusiness" } else { "unknown" },
        "allowNewTimeProposals": request["allowNewTimeProposals"].as_bool().unwrap_or(true),
        "isDraft": false,
        "hideAttendees": request["hideAttendees"].as_bool().unwrap_or(false),
        "responseStatus": {"response": "organizer", "time": new.created},
        "body": body,
        "start": utc(new.times.start),
        "end": utc(new.times.end),
        "location": location,
        "locations": locations,
        "recurrence": recurrence,
        "attendees": new.attendees,
        "organizer": new.organizer.recipient(),
        "onlineMeeting": new.online_meeting,
    });
    if event["type"] == "seriesMaster" {
        event["cancelledOccurrences"] = json!([]);
    }
    event
}

pub fn web_link(id: &str) -> String {
    format!(
        "https://outlook.example.invalid/owa/?itemid={}&exvsurl=1&path=/calendar/item",
        percent_encode(id)
    )
}

/// A stored `dateTimeTimeZone` in UTC.
pub fn utc(at: Timestamp) -> Value {
    Zone::utc().render(at)
}

/// A fresh change key (and etag) for a changed document.
pub fn touch(event: &mut Value, now: &str) {
    let change_key = ids::random_token(12);
    event["@odata.etag"] = json!(format!("W/\"{change_key}\""));
    event["changeKey"] = json!(change_key);
    event["lastModifiedDateTime"] = json!(now);
}

/// The attendee's copy of an organizer's event: its own id, the same iCalUId, no response yet.
pub fn invitation(organizer_event: &Value, id: &str) -> Value {
    let mut copy = organizer_event.clone();
    copy["id"] = json!(id);
    copy["webLink"] = json!(web_link(id));
    copy["isOrganizer"] = json!(false);
    copy["responseStatus"] = json!({"response": "notResponded", "time": NEVER});
    copy["showAs"] = json!("tentative");
    copy
}

/// Fields an organizer's change carries into every attendee's copy.
pub const SHARED_FIELDS: &[&str] = &[
    "subject",
    "body",
    "bodyPreview",
    "start",
    "end",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "location",
    "locations",
    "recurrence",
    "type",
    "cancelledOccurrences",
    "attendees",
    "importance",
    "sensitivity",
    "isAllDay",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "onlineMeeting",
    "allowNewTimeProposals",
    "hideAttendees",
];

/// Where a series master keeps its exceptions: Graph's `exceptionOccurrences` navigation, which
/// is never part of an event as read (Graph returns it only when expanded).
pub const EXCEPTIONS: &str = "exceptionOccurrences";

/// An event as the caller sees it: start and end in `zone` (all-day events keep their dates).
pub fn render(event: &Value, zone: &Zone) -> Value {
    let mut shown = event.clone();
    if let Some(object) = shown.as_object_mut() {
        object.remove(EXCEPTIONS);
    }
    if let Some((start, end)) = Times::of(event) {
        if event["isAllDay"] == true {
            shown["start"]["timeZone"] = json!(zone.name);
            shown["end"]["timeZone"] = json!(zone.name);
        } else {
            shown["start"] = zone.render(start);
            shown["end"] = zone.render(end);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_foreign_ids_are_malformed() {
        let id = event_id(Some("x"));
        assert_eq!(classify(&id).unwrap(), ItemId::Event);
        let date: jiff::civil::Date = "2026-03-02".parse().unwrap();
        assert_eq!(
            classify(&occurrence_id(&id, date)).unwrap(),
            ItemId::Occurrence { master: id, date }
        );
        assert_eq!(
            classify("not-an-id").unwrap_err().code,
            "ErrorInvalidIdMalformed"
        );
    }
}
