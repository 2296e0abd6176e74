//! Free/busy: `getSchedule` (each person's busy items and an availability string over a window)
//! and `findMeetingTimes` (slots where the organizer and attendees are free, within a time
//! constraint and working hours). Everyone in Larkspur Labs works Monday to Friday, 08:00 to
//! 17:00 UTC, which is what `workingHours` reports and what the `work` activity domain means.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde_json::{Value, json};

use super::events::{instances_of, mailbox_of};
use super::instances::Instance;
use super::shapes::{self, Mailbox};
use super::zones::{self, Preferences, Zone};
use super::{param, respond};
use crate::graph::Caller;
use crate::graph::body::GraphJson;
use crate::graph::error::{GraphError, GraphResult};
use crate::state::AppState;

const WORK_START_HOUR: i8 = 8;
const WORK_END_HOUR: i8 = 17;
/// How many people one getSchedule call may ask about.
const MAX_SCHEDULES: usize = 20;

fn invalid_parameter(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidParameter", message)
}

/// Busy time: what free/busy counts (cancelled and free items do not).
fn blocks(instance: &Instance) -> bool {
    instance.doc["isCancelled"] != true && instance.doc["showAs"] != "free"
}

/// An availability digit: 0 free, 1 tentative, 2 busy, 3 away, 4 working elsewhere.
fn digit(show_as: &str) -> char {
    match show_as {
        "tentative" => '1',
        "busy" => '2',
        "oof" => '3',
        "workingElsewhere" => '4',
        _ => '0',
    }
}

/// Which status wins when items overlap: away over busy over tentative over elsewhere.
fn weight(digit: char) -> u8 {
    match digit {
        '3' => 4,
        '2' => 3,
        '1' => 2,
        '4' => 1,
        _ => 0,
    }
}

/// https://learn.microsoft.com/graph/api/calendar-getschedule
pub async fn get_schedule(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    caller.me()?;
    let preferences = Preferences::from_headers(&headers)?;
    let schedules: Vec<&str> = param(&body, "schedules")
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if schedules.is_empty() {
        return Err(invalid_parameter(
            "The schedules parameter must name at least one mailbox.",
        ));
    }
    if schedules.len() > MAX_SCHEDULES {
        return Err(invalid_parameter(format!(
            "A request can ask for at most {MAX_SCHEDULES} schedules."
        )));
    }
    let (from, _) = required_time(&body, "startTime")?;
    let (to, _) = required_time(&body, "endTime")?;
    if to <= from {
        return Err(invalid_parameter(
            "The endTime must be after the startTime.",
        ));
    }
    let interval = match param(&body, "availabilityViewInterval") {
        Value::Null => 30,
        value => value
            .as_i64()
            .filter(|m| (5..=1440).contains(m))
            .ok_or_else(|| {
                invalid_parameter("The availabilityViewInterval must be between 5 and 1440.")
            })?,
    };
    let directory = state.users().await?;
    let mut value = Vec::new();
    for schedule in schedules {
        let information = match shapes::user_by_address(&directory, schedule) {
            Some(user) => {
                let owner = Mailbox::of(user);
                let busy: Vec<Instance> = instances_of(&state.store, &owner.id, from, to)
                    .await?
                    .into_iter()
                    .filter(blocks)
                    .collect();
                schedule_information(schedule, &busy, (from, to), interval, &preferences.zone)
            }
            None => json!({
                "scheduleId": schedule,
                "availabilityView": "",
                "scheduleItems": [],
                "error": {
                    "message": format!("The mailbox '{schedule}' could not be found."),
                    "responseCode": "ErrorMailRecipientNotFound",
                },
            }),
        };
        value.push(information);
    }
    let body = json!({
        "@odata.context": format!("{}/$metadata#Collection(microsoft.graph.scheduleInformation)", state.graph_url()),
        "value": value,
    });
    Ok(respond(StatusCode::OK, body, preferences.applied()))
}

fn required_time(body: &Value, name: &str) -> GraphResult<(Timestamp, Zone)> {
    let value = param(body, name);
    if value.is_null() {
        return Err(invalid_parameter(format!(
            "The {name} parameter is required."
        )));
    }
    zones::parse_date_time_time_zone(value)
}

fn schedule_information(
    schedule: &str,
    busy: &[Instance],
    (from, to): (Timestamp, Timestamp),
    interval: i64,
    zone: &Zone,
) -> Value {
    let step = SignedDuration::from_mins(interval);
    let mut view = String::new();
    let mut slot = from;
    while slot < to {
        let next = slot.checked_add(step).unwrap_or(to);
        let status = busy
            .iter()
            .filter(|i| i.overlaps(slot, next))
            .map(|i| digit(i.doc["showAs"].as_str().unwrap_or("busy")))
            .max_by_key(|d| weight(*d))
            .unwrap_or('0');
        view.push(status);
        slot = next;
    }
    let items: Vec<Value> = busy.iter().map(|i| schedule_item(i, zone)).collect();
    json!({
        "scheduleId": schedule,
        "availabilityView": view,
        "scheduleItems": items,
        "workingHours": working_hours(),
    })
}

fn schedule_item(instance: &Instance, zone: &Zone) -> Value {
    let doc = &instance.doc;
    let private = doc["sensitivity"] == "private";
    let mut item = json!({
        "isPrivate": private,
        "status": doc["showAs"],
        "isMeeting": doc["attendees"].as_array().is_some_and(|a| !a.is_empty()),
        "isRecurring": doc["type"] == "occurrence" || doc["type"] == "exception",
        "isException": doc["type"] == "exception",
        "isReminderSet": doc["isReminderOn"],
        "start": zone.render(instance.start),
        "end": zone.render(instance.end),
    });
    if !private {
        item["subject"] = doc["subject"].clone();
        item["location"] = doc["location"]["displayName"].clone();
    }
    item
}

fn working_hours() -> Value {
    json!({
        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
        "startTime": format!("{WORK_START_HOUR:02}:00:00.0000000"),
        "endTime": format!("{WORK_END_HOUR:02}:00:00.0000000"),
        "timeZone": {"name": "UTC"},
    })
}

/// Whether `[start, end)` lies within one working day.
fn in_working_hours(start: Timestamp, end: Timestamp) -> bool {
    let (s, e) = (start.to_zoned(TimeZone::UTC), end.to_zoned(TimeZone::UTC));
    let workday = !matches!(s.weekday(), Weekday::Saturday | Weekday::Sunday);
    let day_start = s.date().at(WORK_START_HOUR, 0, 0, 0);
    let day_end = s.date().at(WORK_END_HOUR, 0, 0, 0);
    workday && s.datetime() >= day_start && e.datetime() <= day_end && e.date() == s.date()
}

/// A person's availability over a slot, from their busy items.
fn availability(busy: &[Instance], start: Timestamp, end: Timestamp) -> &'static str {
    busy.iter()
        .filter(|i| i.overlaps(start, end))
        .map(|i| digit(i.doc["showAs"].as_str().unwrap_or("busy")))
        .max_by_key(|d| weight(*d))
        .map_or("free", |d| match d {
            '1' => "tentative",
            '2' => "busy",
            '3' => "oof",
            '4' => "workingElsewhere",
            _ => "free",
        })
}

/// How likely someone with this availability is to attend, in percent.
fn attendance_odds(availability: &str) -> f64 {
    match availability {
        "free" | "workingElsewhere" => 100.0,
        "tentative" | "unknown" => 50.0,
        _ => 0.0,
    }
}

struct Attendee {
    request: Value,
    /// Their busy time; `None` for someone outside the tenant, whose availability is unknown.
    busy: Option<Vec<Instance>>,
}

/// A findMeetingTimes request, read and checked.
struct MeetingRequest {
    duration: SignedDuration,
    slots: Vec<(Timestamp, Timestamp)>,
    work_only: bool,
    organizer_optional: bool,
    threshold: f64,
    max: usize,
    locations: Vec<Value>,
}

impl MeetingRequest {
    fn read(body: &Value) -> GraphResult<MeetingRequest> {
        let duration = match param(body, "meetingDuration").as_str() {
            None => SignedDuration::from_mins(30),
            Some(text) => text
                .parse::<jiff::Span>()
                .ok()
                .and_then(|s| SignedDuration::try_from(s).ok())
                .filter(|d| d.is_positive())
                .ok_or_else(|| {
                    GraphError::bad_request(format!(
                        "Cannot convert the literal '{text}' to the expected type 'Edm.Duration'."
                    ))
                })?,
        };
        let constraint = param(body, "timeConstraint");
        Ok(MeetingRequest {
            duration,
            slots: time_slots(constraint)?,
            work_only: !matches!(
                constraint["activityDomain"].as_str(),
                Some("personal" | "unrestricted")
            ),
            organizer_optional: param(body, "isOrganizerOptional") == true,
            threshold: param(body, "minimumAttendeePercentage")
                .as_f64()
                .unwrap_or(50.0),
            max: param(body, "maxCandidates")
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(10),
            locations: param(body, "locationConstraint")["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l["displayName"].as_str())
                .take(1)
                .map(|name| json!({"displayName": name}))
                .collect(),
        })
    }

    /// The span all slots cover.
    fn span(&self) -> GraphResult<(Timestamp, Timestamp)> {
        match (
            self.slots.iter().map(|s| s.0).min(),
            self.slots.iter().map(|s| s.1).max(),
        ) {
            (Some(from), Some(to)) => Ok((from, to)),
            _ => Err(invalid_parameter("The timeConstraint has no time slots.")),
        }
    }

    /// Every candidate meeting: on the half hour, inside a slot (and working hours for work).
    fn candidates(&self) -> Vec<(Timestamp, Timestamp)> {
        let mut out = Vec::new();
        for (slot_start, slot_end) in &self.slots {
            let mut start = round_up_to_half_hour(*slot_start);
            while let Ok(end) = start.checked_add(self.duration) {
                if end > *slot_end {
                    break;
                }
                if !self.work_only || in_working_hours(start, end) {
                    out.push((start, end));
                }
                match start.checked_add(30.minutes()) {
                    Ok(next) => start = next,
                    Err(_) => break,
                }
            }
        }
        out
    }
}

/// What the search found, and what it learned for explaining an empty answer.
#[derive(Default)]
struct Search {
    suggestions: Vec<(f64, Timestamp, Value)>,
    organizer_ever_free: bool,
    anyone_unknown: bool,
}

impl Search {
    fn run(
        request: &MeetingRequest,
        organizer: &[Instance],
        attendees: &[Attendee],
        zone: &Zone,
    ) -> Search {
        let mut search = Search::default();
        for (start, end) in request.candidates() {
            let organizer_availability = availability(organizer, start, end);
            search.organizer_ever_free |= organizer_availability == "free";
            let (confidence, each) = attendee_availability(attendees, start, end);
            search.anyone_unknown |= each.iter().any(|a| a["availability"] == "unknown");
            let organizer_ok = request.organizer_optional || organizer_availability == "free";
            if !organizer_ok || confidence < request.threshold {
                continue;
            }
            let reason = if confidence >= 100.0 {
                "Suggested because it is one of the nearest times when all attendees are available."
            } else {
                "Suggested because it is one of the nearest times when most attendees are available."
            };
            let suggestion = json!({
                "confidence": confidence,
                "organizerAvailability": organizer_availability,
                "suggestionReason": reason,
                "meetingTimeSlot": {"start": zone.render(start), "end": zone.render(end)},
                "attendeeAvailability": each,
                "locations": request.locations,
            });
            search.suggestions.push((confidence, start, suggestion));
        }
        search
    }

    /// The best suggestions first (most likely attended, then earliest), and the reason Graph
    /// gives when there are none.
    fn answer(mut self, request: &MeetingRequest) -> (Vec<Value>, &'static str) {
        self.suggestions
            .sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let picked: Vec<Value> = self
            .suggestions
            .into_iter()
            .take(request.max)
            .map(|s| s.2)
            .collect();
        let reason = if !picked.is_empty() {
            ""
        } else if !request.organizer_optional && !self.organizer_ever_free {
            "organizerUnavailable"
        } else if self.anyone_unknown {
            "attendeesUnavailableOrUnknown"
        } else {
            "attendeesUnavailable"
        };
        (picked, reason)
    }
}

/// https://learn.microsoft.com/graph/api/user-findmeetingtimes: candidate slots every half
/// hour inside the time constraint (and working hours for the `work` domain), kept when the
/// organizer is free and enough attendees are likely to come; best first.
pub async fn find_meeting_times(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    GraphJson(body): GraphJson,
) -> GraphResult<Response> {
    let me = caller.me()?;
    let preferences = Preferences::from_headers(&headers)?;
    let request = MeetingRequest::read(&body)?;
    let (from, to) = request.span()?;
    let directory = state.users().await?;
    let organizer: Mailbox = mailbox_of(&directory, me)?;
    let organizer_busy = busy_of(&state, &organizer.id, from, to).await?;
    let mut attendees = Vec::new();
    for request in param(&body, "attendees").as_array().into_iter().flatten() {
        let address = request["emailAddress"]["address"]
            .as_str()
            .unwrap_or_default();
        let busy = match shapes::user_by_address(&directory, address) {
            Some(user) => {
                let id = user["id"].as_str().unwrap_or_default();
                Some(busy_of(&state, id, from, to).await?)
            }
            None => None,
        };
        attendees.push(Attendee {
            request: request.clone(),
            busy,
        });
    }
    let search = Search::run(&request, &organizer_busy, &attendees, &preferences.zone);
    let (suggestions, reason) = search.answer(&request);
    let body = json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.meetingTimeSuggestionsResult", state.graph_url()),
        "emptySuggestionsReason": reason,
        "meetingTimeSuggestions": suggestions,
    });
    Ok(respond(StatusCode::OK, body, preferences.applied()))
}

async fn busy_of(
    state: &AppState,
    user: &str,
    from: Timestamp,
    to: Timestamp,
) -> GraphResult<Vec<Instance>> {
    Ok(instances_of(&state.store, user, from, to)
        .await?
        .into_iter()
        .filter(blocks)
        .collect())
}

/// The attendees' combined likelihood of attending, and each one's availability.
fn attendee_availability(
    attendees: &[Attendee],
    start: Timestamp,
    end: Timestamp,
) -> (f64, Vec<Value>) {
    let people: Vec<&Attendee> = attendees
        .iter()
        .filter(|a| a.request["type"] != "resource")
        .collect();
    let each: Vec<Value> = attendees
        .iter()
        .map(|a| {
            let availability = a
                .busy
                .as_ref()
                .map_or("unknown", |busy| availability(busy, start, end));
            json!({
                "attendee": {
                    "type": a.request["type"].as_str().unwrap_or("required"),
                    "emailAddress": {"address": a.request["emailAddress"]["address"]},
                },
                "availability": availability,
            })
        })
        .collect();
    if people.is_empty() {
        return (100.0, each);
    }
    let total: f64 = people
        .iter()
        .map(|a| {
            attendance_odds(
                a.busy
                    .as_ref()
                    .map_or("unknown", |busy| availability(busy, start, end)),
            )
        })
        .sum();
    (total / people.len() as f64, each)
}

/// The slots of a time constraint; without one, the next two days from now.
fn time_slots(constraint: &Value) -> GraphResult<Vec<(Timestamp, Timestamp)>> {
    let Some(slots) = constraint["timeSlots"].as_array() else {
        let now = round_up_to_half_hour(Timestamp::now());
        let later = now.checked_add(48.hours()).unwrap_or(now);
        return Ok(vec![(now, later)]);
    };
    slots
        .iter()
        .map(|slot| {
            let (start, _) = zones::parse_date_time_time_zone(&slot["start"])?;
            let (end, _) = zones::parse_date_time_time_zone(&slot["end"])?;
            if end <= start {
                return Err(invalid_parameter("A time slot must end after it starts."));
            }
            Ok((start, end))
        })
        .collect()
}

fn round_up_to_half_hour(at: Timestamp) -> Timestamp {
    let seconds = at.as_second();
    let rounded = (seconds + 1799).div_euclid(1800) * 1800;
    Timestamp::from_second(rounded).unwrap_or(at)
}
