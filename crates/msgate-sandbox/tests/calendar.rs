//! The sandbox's calendar through HTTP: the seeded week, calendar views with expanded series and
//! converted time zones, creating meetings (invitations in attendees' calendars, Teams meetings),
//! answering and cancelling them, changing and deleting them, delta, free/busy and meeting-time
//! suggestions, and the permission and input errors Graph gives. Every response of an operation
//! in the OpenAPI subset is validated against it, and every request body sent as well.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Response, TestSandbox, assert_faithful, assert_request_ok, into_response, start};

const SCOPES: &str =
    "User.Read Calendars.ReadWrite Calendars.Read.Shared OnlineMeetings.ReadWrite offline_access";

fn upn(nickname: &str) -> String {
    format!("{nickname}@larkspur.example.invalid")
}

async fn token_for(t: &TestSandbox, nickname: &str) -> String {
    t.sign_in(SCOPES, Some(&upn(nickname))).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn today() -> Date {
    Timestamp::now().to_zoned(TimeZone::UTC).date()
}

/// `n` working days from today, as the seed counts them.
fn working_day(n: i64) -> Date {
    let mut day = today();
    let mut left = n;
    while left > 0 {
        day = day.checked_add(1.day()).unwrap();
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            left -= 1;
        }
    }
    day
}

/// Percent-encoding for a value inside a query string, as the docs ask for a join URL.
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn utc(day: Date, hour: i8, minute: i8) -> String {
    format!("{day}T{hour:02}:{minute:02}:00Z")
}

fn local(day: Date, hour: i8, minute: i8) -> Value {
    json!({"dateTime": format!("{day}T{hour:02}:{minute:02}:00"), "timeZone": "UTC"})
}

async fn get_with(t: &TestSandbox, token: &str, path: &str, prefer: &str) -> Response {
    let url = format!("{}{path}", t.sandbox.info().graph_url);
    let response = t
        .http
        .get(url)
        .bearer_auth(token)
        .header("Prefer", prefer)
        .send()
        .await
        .unwrap();
    into_response(response).await
}

async fn patch(t: &TestSandbox, token: &str, path: &str, body: &Value) -> Response {
    t.graph(Method::PATCH, token, path, Some(body)).await
}

async fn delete(t: &TestSandbox, token: &str, path: &str) -> Response {
    t.graph(Method::DELETE, token, path, None).await
}

/// An event action (event-accept, event-decline, event-tentativelyaccept, event-cancel): Graph
/// answers 202 Accepted with no body, as the testkit's documented answers say.
async fn act(t: &TestSandbox, token: &str, path: &str, body: &Value) -> Response {
    assert_request_ok("POST", path, body);
    let response = t.post(token, path, body).await;
    assert_faithful("POST", path, &response);
    response
}

fn all_events(response: &Response) -> &Vec<Value> {
    response.body["value"].as_array().unwrap()
}

fn find<'a>(events: &'a [Value], subject: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["subject"] == subject)
        .unwrap_or_else(|| panic!("no event '{subject}' in {events:?}"))
}

async fn events_of(t: &TestSandbox, token: &str) -> Vec<Value> {
    let response = t.get(token, "/me/events?$top=100").await;
    assert_eq!(response.status, StatusCode::OK, "{response:?}");
    assert_faithful("GET", "/me/events", &response);
    all_events(&response).clone()
}

async fn create(t: &TestSandbox, token: &str, body: &Value) -> Value {
    assert_request_ok("POST", "/me/events", body);
    let created = t.post(token, "/me/events", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_faithful("POST", "/me/events", &created);
    created.body
}

fn meeting_body(subject: &str, day: Date, hour: i8, attendees: &[&str]) -> Value {
    let attendees: Vec<Value> = attendees
        .iter()
        .map(|a| json!({"type": "required", "emailAddress": {"address": a}}))
        .collect();
    json!({
        "subject": subject,
        "body": {"contentType": "html", "content": "<p>Let's talk.</p>"},
        "start": local(day, hour, 0),
        "end": local(day, hour, 30),
        "location": {"displayName": "Harbour Office - Room 4"},
        "attendees": attendees,
    })
}

#[tokio::test]
async fn the_seeded_calendar_is_shaped_like_graph() {
    let t = start().await;
    let token = t.user_token(SCOPES).await;

    let calendars = t.get(&token, "/me/calendars").await;
    assert_eq!(calendars.status, StatusCode::OK);
    assert_faithful("GET", "/me/calendars", &calendars);
    assert_eq!(calendars.body["value"][0]["isDefaultCalendar"], true);
    assert_eq!(
        calendars.body["value"][0]["defaultOnlineMeetingProvider"],
        "teamsForBusiness"
    );

    // Events default to pages of 10 with a nextLink; series masters, not occurrences.
    let first = t.get(&token, "/me/events").await;
    assert_faithful("GET", "/me/events", &first);
    assert_eq!(all_events(&first).len(), 10);
    assert!(first.body["@odata.nextLink"].is_string());
    let events = events_of(&t, &token).await;
    let standup = find(&events, "Product stand-up");
    assert_eq!(standup["type"], "seriesMaster");
    assert_eq!(standup["recurrence"]["pattern"]["type"], "weekly");
    assert_eq!(standup["isOnlineMeeting"], true);
    assert!(
        standup["onlineMeeting"]["joinUrl"]
            .as_str()
            .unwrap()
            .starts_with("https://teams.example.invalid/l/meetup-join/")
    );
    assert_eq!(
        find(&events, "Focus time")["recurrence"]["pattern"]["type"],
        "daily"
    );
    assert_eq!(
        find(&events, "Product metrics review")["recurrence"]["pattern"]["type"],
        "absoluteMonthly"
    );
    let review = find(&events, "Quarterly planning review");
    assert_eq!(review["isOrganizer"], false);
    assert_eq!(review["responseStatus"]["response"], "notResponded");
    assert!(review["attendees"].as_array().unwrap().len() >= 4);
    assert!(events.iter().all(|e| e["type"] != "occurrence"));

    let id = standup["id"].as_str().unwrap();
    let one = t
        .get(&token, &format!("/me/events/{id}?$select=subject,start"))
        .await;
    assert_faithful("GET", "/me/events/{id}", &one);
    assert_eq!(one.body["subject"], "Product stand-up");
    assert!(one.body.get("attendees").is_none());

    // An id that is not an Outlook id, and one that names an event in someone else's calendar.
    let malformed = t.get(&token, "/me/events/not-an-event").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["error"]["code"], "ErrorInvalidIdMalformed");
    let hugo = token_for(&t, "hugo.lindqvist").await;
    let hugos = find(&events_of(&t, &hugo).await, "Quarterly planning review").clone();
    let missing = t
        .get(
            &token,
            &format!("/me/events/{}", hugos["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "ErrorItemNotFound");
}

#[tokio::test]
async fn calendar_view_expands_the_stand_up_and_converts_time_zones() {
    let t = start().await;
    let token = t.user_token(SCOPES).await;

    // https://learn.microsoft.com/graph/api/user-list-calendarview: the window is required.
    let unbounded = t.get(&token, "/me/calendarView").await;
    assert_eq!(unbounded.status, StatusCode::BAD_REQUEST);
    assert_eq!(unbounded.body["error"]["code"], "ErrorInvalidParameter");
    assert_eq!(
        unbounded.body["error"]["message"],
        "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime."
    );

    let monday = {
        let day = today();
        day.checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days())
            .unwrap()
    };
    let next_monday = monday.checked_add(7.days()).unwrap();
    let path = format!(
        "/me/calendarView?startDateTime={}&endDateTime={}&$top=100",
        utc(monday, 0, 0),
        utc(next_monday, 0, 0)
    );
    let week = t.get(&token, &path).await;
    assert_eq!(week.status, StatusCode::OK, "{week:?}");
    assert_faithful("GET", "/me/calendarView", &week);
    let master = find(&events_of(&t, &token).await, "Product stand-up").clone();
    let standups: Vec<&Value> = all_events(&week)
        .iter()
        .filter(|e| e["subject"] == "Product stand-up")
        .collect();
    assert_eq!(standups.len(), 5, "one stand-up each weekday");
    for (i, occurrence) in standups.iter().enumerate() {
        assert_eq!(occurrence["type"], "occurrence");
        assert_eq!(occurrence["seriesMasterId"], master["id"]);
        let day = monday
            .checked_add(i64::try_from(i).unwrap().days())
            .unwrap();
        assert_eq!(
            occurrence["start"]["dateTime"],
            format!("{day}T09:30:00.0000000")
        );
        assert_eq!(occurrence["start"]["timeZone"], "UTC");
    }
    let starts: Vec<&str> = all_events(&week)
        .iter()
        .map(|e| e["start"]["dateTime"].as_str().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "earliest first");
    // The focus block repeats daily, weekends included.
    let focus = all_events(&week)
        .iter()
        .filter(|e| e["subject"] == "Focus time")
        .count();
    assert_eq!(focus, 7);

    // An occurrence can be read by its own id.
    let occurrence_id = standups[0]["id"].as_str().unwrap();
    let occurrence = t.get(&token, &format!("/me/events/{occurrence_id}")).await;
    assert_eq!(occurrence.status, StatusCode::OK);
    assert_faithful("GET", "/me/events/{id}", &occurrence);
    assert_eq!(occurrence.body["type"], "occurrence");

    // Prefer: outlook.timezone renders every start and end in that zone, Windows or IANA name.
    for zone in ["Pacific Standard Time", "America/Los_Angeles"] {
        let pacific = get_with(&t, &token, &path, &format!("outlook.timezone=\"{zone}\"")).await;
        assert_eq!(pacific.status, StatusCode::OK);
        assert_faithful("GET", "/me/calendarView", &pacific);
        assert_eq!(
            pacific.headers["preference-applied"].to_str().unwrap(),
            format!("outlook.timezone=\"{zone}\"")
        );
        let first = all_events(&pacific)
            .iter()
            .find(|e| e["subject"] == "Product stand-up")
            .unwrap();
        let expected = monday
            .at(9, 30, 0, 0)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .with_time_zone(TimeZone::get("America/Los_Angeles").unwrap())
            .datetime()
            .strftime("%Y-%m-%dT%H:%M:%S.0000000")
            .to_string();
        assert_eq!(first["start"]["dateTime"], expected);
        assert_eq!(first["start"]["timeZone"], zone);
    }
    let unknown = get_with(&t, &token, &path, "outlook.timezone=\"Mars Standard Time\"").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unknown.body["error"]["code"],
        "TimeZoneNotSupportedException"
    );
}

#[tokio::test]
async fn series_patterns_expand_as_outlook_does() {
    let t = start().await;
    let token = t.user_token(SCOPES).await;
    let first = Date::new(2030, 1, 1).unwrap();
    let cases = [
        (
            json!({"pattern": {"type": "daily", "interval": 2},
                   "range": {"type": "numbered", "startDate": "2030-01-01", "numberOfOccurrences": 4}}),
            4,
        ),
        (
            json!({"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"]},
                   "range": {"type": "endDate", "startDate": "2030-01-01", "endDate": "2030-01-31"}}),
            9,
        ),
        (
            json!({"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15},
                   "range": {"type": "noEnd", "startDate": "2030-01-01"}}),
            3,
        ),
    ];
    for (i, (recurrence, expected)) in cases.into_iter().enumerate() {
        let subject = format!("Series {i}");
        let body = json!({
            "subject": subject,
            "start": {"dateTime": "2030-01-01T08:00:00", "timeZone": "W. Europe Standard Time"},
            "end": {"dateTime": "2030-01-01T08:30:00", "timeZone": "W. Europe Standard Time"},
            "recurrence": recurrence,
        });
        let created = create(&t, &token, &body).await;
        assert_eq!(created["type"], "seriesMaster");
        assert_eq!(created["originalStartTimeZone"], "W. Europe Standard Time");
        let path = format!(
            "/me/calendarView?startDateTime={}&endDateTime=2030-03-31T00:00:00Z&$top=100&$filter=subject eq '{subject}'",
            utc(first, 0, 0)
        );
        let view = t.get(&token, &path).await;
        assert_faithful("GET", "/me/calendarView", &view);
        assert_eq!(all_events(&view).len(), expected, "{subject}: {view:?}");
        // 08:00 in Berlin is 07:00 UTC in winter.
        assert!(all_events(&view).iter().all(|e| {
            e["start"]["dateTime"]
                .as_str()
                .unwrap()
                .ends_with("T07:00:00.0000000")
        }));
    }
    let bad = json!({
        "subject": "Broken series",
        "start": local(first, 8, 0),
        "end": local(first, 9, 0),
        "recurrence": {"pattern": {"type": "weekly", "interval": 1},
                       "range": {"type": "noEnd", "startDate": "2030-01-01"}},
    });
    let refused = t.post(&token, "/me/events", &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["error"]["code"],
        "ErrorPropertyValidationFailure"
    );
}

#[tokio::test]
async fn a_new_meeting_invites_attendees_and_their_answers_reach_the_organizer() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let chloe = token_for(&t, "chloe.martin").await;
    let liam = token_for(&t, "liam.oconnor").await;
    let kira = token_for(&t, "kira.tanaka").await;
    let day = working_day(5);
    let body = meeting_body(
        "Pricing page review",
        day,
        9,
        &[
            &upn("chloe.martin"),
            &upn("liam.oconnor"),
            &upn("kira.tanaka"),
            "mara.lind@partner.example.invalid",
        ],
    );
    let created = create(&t, &ada, &body).await;
    assert_eq!(created["isOrganizer"], true);
    assert_eq!(created["responseStatus"]["response"], "organizer");
    assert_eq!(created["attendees"].as_array().unwrap().len(), 4);
    assert_eq!(
        created["attendees"][0]["emailAddress"]["name"],
        "Chloe Martin"
    );
    assert_eq!(created["attendees"][0]["status"]["response"], "none");
    let ical = created["iCalUId"].clone();
    let organizer_path = format!("/me/events/{}", created["id"].as_str().unwrap());

    // Each tenant attendee has their own copy: another id, the same iCalUId, no answer yet.
    let invitation = |events: Vec<Value>| -> Value {
        events
            .into_iter()
            .find(|e| e["iCalUId"] == ical)
            .expect("an invitation")
    };
    let chloe_copy = invitation(events_of(&t, &chloe).await);
    assert_ne!(chloe_copy["id"], created["id"]);
    assert_eq!(chloe_copy["isOrganizer"], false);
    assert_eq!(chloe_copy["responseStatus"]["response"], "notResponded");
    assert_eq!(chloe_copy["showAs"], "tentative");
    assert_eq!(
        chloe_copy["organizer"]["emailAddress"]["address"],
        upn("ada.brennan")
    );

    // https://learn.microsoft.com/graph/api/event-accept: 202, no body.
    let chloe_path = format!("/me/events/{}", chloe_copy["id"].as_str().unwrap());
    let accepted = act(
        &t,
        &chloe,
        &format!("{chloe_path}/accept"),
        &json!({"comment": "See you there", "sendResponse": true}),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{accepted:?}");
    assert!(accepted.body.is_null());
    let chloe_after = t.get(&chloe, &chloe_path).await;
    assert_faithful("GET", "/me/events/{id}", &chloe_after);
    assert_eq!(chloe_after.body["responseStatus"]["response"], "accepted");
    assert_eq!(chloe_after.body["showAs"], "busy");

    // Tentative, with a proposed new time; and a decline that does not tell the organizer.
    let liam_copy = invitation(events_of(&t, &liam).await);
    let proposal = json!({
        "comment": "Could we do an hour later?",
        "sendResponse": true,
        "proposedNewTime": {"start": local(day, 10, 0), "end": local(day, 10, 30)},
    });
    let tentative = act(
        &t,
        &liam,
        &format!(
            "/me/events/{}/tentativelyAccept",
            liam_copy["id"].as_str().unwrap()
        ),
        &proposal,
    )
    .await;
    assert_eq!(tentative.status, StatusCode::ACCEPTED);
    let kira_copy = invitation(events_of(&t, &kira).await);
    let kira_path = format!("/me/events/{}", kira_copy["id"].as_str().unwrap());
    let declined = act(
        &t,
        &kira,
        &format!("{kira_path}/decline"),
        &json!({"Comment": "On leave", "SendResponse": false}),
    )
    .await;
    assert_eq!(declined.status, StatusCode::ACCEPTED);
    // A declined meeting leaves the attendee's calendar.
    assert_eq!(t.get(&kira, &kira_path).await.status, StatusCode::NOT_FOUND);

    let organizer_view = t.get(&ada, &organizer_path).await;
    assert_faithful("GET", "/me/events/{id}", &organizer_view);
    let status = |address: &str| -> Value {
        organizer_view.body["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["emailAddress"]["address"] == address)
            .unwrap()
            .clone()
    };
    assert_eq!(
        status(&upn("chloe.martin"))["status"]["response"],
        "accepted"
    );
    let liam_status = status(&upn("liam.oconnor"));
    assert_eq!(liam_status["status"]["response"], "tentativelyAccepted");
    assert_eq!(
        liam_status["proposedNewTime"]["start"]["dateTime"],
        format!("{day}T10:00:00")
    );
    assert_eq!(
        status(&upn("kira.tanaka"))["status"]["response"],
        "none",
        "sendResponse false keeps the organizer uninformed"
    );
    assert_eq!(
        status("mara.lind@partner.example.invalid")["status"]["response"],
        "none"
    );

    // The organizer cannot answer their own meeting; an empty body is fine for an action.
    let own = t
        .graph(
            Method::POST,
            &ada,
            &format!("{organizer_path}/accept"),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        own.body["error"]["code"],
        "ErrorCalendarIsOrganizerForAccept"
    );

    // The seeded quarterly planning review waits for Ada's answer; Hugo sees it arrive.
    let review = find(&events_of(&t, &ada).await, "Quarterly planning review").clone();
    let review_path = format!("/me/events/{}", review["id"].as_str().unwrap());
    let answer = act(&t, &ada, &format!("{review_path}/accept"), &json!({})).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    let hugo = token_for(&t, "hugo.lindqvist").await;
    let hugo_review = find(&events_of(&t, &hugo).await, "Quarterly planning review").clone();
    assert_eq!(hugo_review["isOrganizer"], true);
    let ada_entry = hugo_review["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["emailAddress"]["address"] == upn("ada.brennan"))
        .unwrap()
        .clone();
    assert_eq!(ada_entry["status"]["response"], "accepted");
}

#[tokio::test]
async fn only_the_organizer_cancels_and_attendees_see_the_cancellation() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let chloe = token_for(&t, "chloe.martin").await;
    let created = create(
        &t,
        &ada,
        &meeting_body("Design crit", working_day(4), 14, &[&upn("chloe.martin")]),
    )
    .await;
    let chloe_copy = events_of(&t, &chloe)
        .await
        .into_iter()
        .find(|e| e["iCalUId"] == created["iCalUId"])
        .unwrap();
    let chloe_path = format!("/me/events/{}", chloe_copy["id"].as_str().unwrap());

    // https://learn.microsoft.com/graph/api/event-cancel: organizers only.
    let refused = act(
        &t,
        &chloe,
        &format!("{chloe_path}/cancel"),
        &json!({"comment": "no"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["error"]["code"], "ErrorCalendarIsNotOrganizer");

    let organizer_path = format!("/me/events/{}", created["id"].as_str().unwrap());
    let cancelled = act(
        &t,
        &ada,
        &format!("{organizer_path}/cancel"),
        &json!({"Comment": "Moving this to next sprint."}),
    )
    .await;
    assert_eq!(cancelled.status, StatusCode::ACCEPTED);
    assert!(cancelled.body.is_null());
    assert_eq!(
        t.get(&ada, &organizer_path).await.status,
        StatusCode::NOT_FOUND
    );
    let copy = t.get(&chloe, &chloe_path).await;
    assert_faithful("GET", "/me/events/{id}", &copy);
    assert_eq!(copy.body["isCancelled"], true);
    assert_eq!(copy.body["subject"], "Canceled: Design crit");
    let late = act(&t, &chloe, &format!("{chloe_path}/accept"), &json!({})).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        late.body["error"]["code"],
        "ErrorCalendarIsCancelledForAccept"
    );
}

#[tokio::test]
async fn changing_and_deleting_a_meeting_reaches_every_calendar() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let chloe = token_for(&t, "chloe.martin").await;
    let grace = token_for(&t, "grace.kim").await;
    let day = working_day(6);
    let created = create(
        &t,
        &ada,
        &meeting_body("Research readout", day, 9, &[&upn("chloe.martin")]),
    )
    .await;
    let path = format!("/me/events/{}", created["id"].as_str().unwrap());
    let chloe_copy_id = events_of(&t, &chloe)
        .await
        .into_iter()
        .find(|e| e["iCalUId"] == created["iCalUId"])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chloe_path = format!("/me/events/{chloe_copy_id}");
    let accepted = act(&t, &chloe, &format!("{chloe_path}/accept"), &json!({})).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);

    // https://learn.microsoft.com/graph/api/event-update: 200 with the event.
    let change = json!({
        "subject": "Research readout (moved)",
        "start": {"dateTime": format!("{day}T06:00:00"), "timeZone": "Eastern Standard Time"},
        "end": {"dateTime": format!("{day}T07:00:00"), "timeZone": "Eastern Standard Time"},
        "attendees": [
            {"type": "required", "emailAddress": {"address": upn("chloe.martin")}},
            {"type": "optional", "emailAddress": {"address": upn("grace.kim")}},
        ],
    });
    assert_request_ok("PATCH", &path, &change);
    let updated = patch(&t, &ada, &path, &change).await;
    assert_eq!(updated.status, StatusCode::OK, "{updated:?}");
    assert_faithful("PATCH", &path, &updated);
    assert_eq!(
        updated.body["originalStartTimeZone"],
        "Eastern Standard Time"
    );
    assert!(
        updated.body["start"]["dateTime"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{day}T1")),
        "06:00 New York is 10:00 or 11:00 UTC: {}",
        updated.body["start"]
    );
    // A new time asks attendees to answer again.
    assert_eq!(updated.body["attendees"][0]["status"]["response"], "none");
    let chloe_after = t.get(&chloe, &chloe_path).await;
    assert_eq!(chloe_after.body["subject"], "Research readout (moved)");
    assert_eq!(chloe_after.body["start"], updated.body["start"]);
    assert_eq!(
        chloe_after.body["responseStatus"]["response"],
        "notResponded"
    );
    let grace_copy = events_of(&t, &grace)
        .await
        .into_iter()
        .find(|e| e["iCalUId"] == created["iCalUId"])
        .expect("the new attendee is invited");
    assert_eq!(grace_copy["attendees"][1]["type"], "optional");

    // https://learn.microsoft.com/graph/api/event-delete: 204; attendees get the cancellation.
    let deleted = delete(&t, &ada, &path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(t.get(&ada, &path).await.status, StatusCode::NOT_FOUND);
    let chloe_final = t.get(&chloe, &chloe_path).await;
    assert_eq!(chloe_final.body["isCancelled"], true);

    // Bad input gets Outlook's answers.
    let backwards = json!({"subject": "x", "start": local(day, 10, 0), "end": local(day, 9, 0)});
    let refused = t.post(&ada, "/me/events", &backwards).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["error"]["code"],
        "ErrorPropertyValidationFailure"
    );
    let unknown_zone = json!({
        "subject": "x",
        "start": {"dateTime": "2030-01-01T10:00:00", "timeZone": "Greenwich Mean Time"},
        "end": {"dateTime": "2030-01-01T11:00:00", "timeZone": "Greenwich Mean Time"},
    });
    let refused = t.post(&ada, "/me/events", &unknown_zone).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["error"]["code"],
        "TimeZoneNotSupportedException"
    );
    assert_eq!(
        refused.body["error"]["message"],
        "A valid TimeZone value must be specified. The following TimeZone value is not supported: 'Greenwich Mean Time'."
    );
}

#[tokio::test]
async fn deleting_one_occurrence_cancels_just_that_one() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let chloe = token_for(&t, "chloe.martin").await;
    let day = working_day(1);
    let path = format!(
        "/me/calendarView?startDateTime={}&endDateTime={}",
        utc(day, 0, 0),
        utc(day, 23, 59)
    );
    let standup = |view: &Response| -> Option<Value> {
        all_events(view)
            .iter()
            .find(|e| e["subject"] == "Product stand-up")
            .cloned()
    };
    let occurrence = standup(&t.get(&ada, &path).await).unwrap();
    assert!(standup(&t.get(&chloe, &path).await).is_some());
    let deleted = delete(
        &t,
        &ada,
        &format!("/me/events/{}", occurrence["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(standup(&t.get(&ada, &path).await).is_none());
    assert!(
        standup(&t.get(&chloe, &path).await).is_none(),
        "gone for attendees too"
    );
    let master = t
        .get(
            &ada,
            &format!(
                "/me/events/{}",
                occurrence["seriesMasterId"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(master.body["cancelledOccurrences"][0], occurrence["id"]);
}

/// https://learn.microsoft.com/graph/api/event-accept and event-decline take an occurrence's id
/// too: that one occurrence is answered (it becomes an exception), the series keeps its answer.
#[tokio::test]
async fn answering_one_occurrence_changes_just_that_one() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let dev = token_for(&t, "dev.patel").await;
    let view = |day: Date| {
        format!(
            "/me/calendarView?startDateTime={}&endDateTime={}",
            utc(day, 0, 0),
            utc(day, 23, 59)
        )
    };
    let standup = |response: &Response| -> Value {
        assert_faithful("GET", "/me/calendarView", response);
        find(all_events(response), "Product stand-up").clone()
    };
    let (first, second, third) = (working_day(1), working_day(2), working_day(3));
    let devs = standup(&t.get(&dev, &view(first)).await);
    assert_eq!(devs["responseStatus"]["response"], "tentativelyAccepted");
    let path = format!("/me/events/{}", devs["id"].as_str().unwrap());
    let accepted = act(
        &t,
        &dev,
        &format!("{path}/accept"),
        &json!({"comment": "I'll be there", "sendResponse": true}),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{accepted:?}");

    let answered = standup(&t.get(&dev, &view(first)).await);
    assert_eq!(answered["id"], devs["id"], "the occurrence keeps its id");
    assert_eq!(answered["type"], "exception");
    assert_eq!(answered["responseStatus"]["response"], "accepted");
    assert_eq!(answered["showAs"], "busy");
    let one = t.get(&dev, &path).await;
    assert_faithful("GET", "/me/events/{id}", &one);
    assert_eq!(one.body["type"], "exception");
    let untouched = standup(&t.get(&dev, &view(second)).await);
    assert_eq!(untouched["type"], "occurrence");
    assert_eq!(
        untouched["responseStatus"]["response"],
        "tentativelyAccepted"
    );
    let master = t
        .get(
            &dev,
            &format!("/me/events/{}", devs["seriesMasterId"].as_str().unwrap()),
        )
        .await;
    assert_faithful("GET", "/me/events/{id}", &master);
    assert_eq!(
        master.body["responseStatus"]["response"],
        "tentativelyAccepted"
    );
    assert!(
        master.body.get("exceptionOccurrences").is_none(),
        "only when expanded"
    );

    // The organizer's occurrence records the answer; the rest of the series does not.
    let dev_in = |event: &Value| -> String {
        event["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["emailAddress"]["address"] == upn("dev.patel"))
            .unwrap()["status"]["response"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let adas = standup(&t.get(&ada, &view(first)).await);
    assert_eq!(
        (adas["type"].as_str(), dev_in(&adas).as_str()),
        (Some("exception"), "accepted")
    );
    assert_eq!(
        dev_in(&standup(&t.get(&ada, &view(second)).await)),
        "tentativelyAccepted"
    );

    // Declining one occurrence takes just that one out of Dev's calendar.
    let declined_id = standup(&t.get(&dev, &view(third)).await)["id"].clone();
    let declined = act(
        &t,
        &dev,
        &format!("/me/events/{}/decline", declined_id.as_str().unwrap()),
        &json!({"sendResponse": true}),
    )
    .await;
    assert_eq!(declined.status, StatusCode::ACCEPTED);
    let third_day = t.get(&dev, &view(third)).await;
    assert!(
        all_events(&third_day)
            .iter()
            .all(|e| e["subject"] != "Product stand-up"),
        "{third_day:?}"
    );
    assert_eq!(
        dev_in(&standup(&t.get(&ada, &view(third)).await)),
        "declined"
    );
    let series = format!("/me/events/{}", adas["seriesMasterId"].as_str().unwrap());
    let changed = patch(&t, &ada, &series, &json!({"importance": "high"})).await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    let third_day = t.get(&dev, &view(third)).await;
    assert!(
        all_events(&third_day)
            .iter()
            .all(|e| e["subject"] != "Product stand-up"),
        "an organizer's change keeps an attendee's declined occurrence out: {third_day:?}"
    );
    let organizer_answers = t
        .post(
            &ada,
            &format!("/me/events/{}/accept", adas["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(organizer_answers.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        organizer_answers.body["error"]["code"],
        "ErrorCalendarIsOrganizerForAccept"
    );

    // Moving the series drops the answers given to single occurrences.
    let master = t.get(&ada, &series).await.body;
    let start_day: Date = master["start"]["dateTime"].as_str().unwrap()[..10]
        .parse()
        .unwrap();
    let moved = patch(
        &t,
        &ada,
        &series,
        &json!({"start": local(start_day, 10, 0), "end": local(start_day, 10, 15)}),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    let after = standup(&t.get(&dev, &view(first)).await);
    assert_eq!(after["type"], "occurrence");
    assert_eq!(after["responseStatus"]["response"], "notResponded");
    assert_eq!(
        after["start"]["dateTime"],
        format!("{first}T10:00:00.0000000")
    );
}

#[tokio::test]
async fn a_teams_meeting_event_creates_an_online_meeting_found_by_its_join_url() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let mut body = meeting_body("Partner sync", working_day(3), 13, &[&upn("ben.okafor")]);
    body["isOnlineMeeting"] = json!(true);
    body["onlineMeetingProvider"] = json!("teamsForBusiness");
    let created = create(&t, &ada, &body).await;
    assert_eq!(created["isOnlineMeeting"], true);
    assert_eq!(created["onlineMeetingProvider"], "teamsForBusiness");
    let join_url = created["onlineMeeting"]["joinUrl"].as_str().unwrap();
    assert!(
        created["body"]["content"]
            .as_str()
            .unwrap()
            .contains(join_url)
    );

    let filter = format!(
        "/me/onlineMeetings?$filter=JoinWebUrl eq '{}'",
        encode_component(join_url)
    );
    let found = t.get(&ada, &filter).await;
    assert_eq!(found.status, StatusCode::OK, "{found:?}");
    assert_faithful("GET", "/me/onlineMeetings", &found);
    assert_eq!(found.body["value"].as_array().unwrap().len(), 1);
    let meeting = &found.body["value"][0];
    assert_eq!(meeting["subject"], "Partner sync");
    assert_eq!(meeting["joinWebUrl"], join_url);
    assert_eq!(
        meeting["participants"]["attendees"][0]["upn"],
        upn("ben.okafor")
    );
    // The invitee sees the same meeting.
    let ben = token_for(&t, "ben.okafor").await;
    let theirs = t.get(&ben, &filter).await;
    assert_eq!(theirs.body["value"][0]["id"], meeting["id"]);
}

#[tokio::test]
async fn delta_lists_the_window_then_only_changes_and_removals() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let from = working_day(8);
    let to = from.checked_add(1.day()).unwrap();
    let path = format!(
        "/me/calendarView/delta?startDateTime={}&endDateTime={}",
        utc(from, 0, 0),
        utc(to, 0, 0)
    );
    let mut seen = Vec::new();
    let mut next = path.clone();
    let delta_link = loop {
        let page = get_with(&t, &ada, &next, "odata.maxpagesize=2").await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        assert_faithful("GET", "/me/calendarView/delta", &page);
        seen.extend(all_events(&page).iter().cloned());
        if let Some(link) = page.body["@odata.nextLink"].as_str() {
            assert!(all_events(&page).len() <= 2);
            next = link.to_owned();
        } else {
            break page.body["@odata.deltaLink"].as_str().unwrap().to_owned();
        }
    };
    assert!(seen.iter().any(|e| e["subject"] == "Product stand-up"));
    assert!(delta_link.contains("startDateTime="), "{delta_link}");

    let nothing = t.get(&ada, &delta_link).await;
    assert_faithful("GET", "/me/calendarView/delta", &nothing);
    assert!(all_events(&nothing).is_empty());

    let created = create(&t, &ada, &meeting_body("Delta probe", from, 16, &[])).await;
    let changes = t.get(&ada, &delta_link).await;
    assert_faithful("GET", "/me/calendarView/delta", &changes);
    assert_eq!(all_events(&changes).len(), 1);
    assert_eq!(all_events(&changes)[0]["id"], created["id"]);

    let link = changes.body["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        delete(&t, &ada, &format!("/me/events/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let removed = t.get(&ada, &link).await;
    assert_faithful("GET", "/me/calendarView/delta", &removed);
    assert_eq!(removed.body["value"][0]["id"], id);
    assert_eq!(removed.body["value"][0]["@removed"]["reason"], "deleted");
}

#[tokio::test]
async fn get_schedule_shows_the_focus_block_and_find_meeting_times_avoids_it() {
    let t = start().await;
    let ada = t.user_token(SCOPES).await;
    let day = working_day(1);

    let request = json!({
        "schedules": [upn("ada.brennan"), upn("elena.rossi"), "nobody@larkspur.example.invalid"],
        "startTime": local(day, 8, 0),
        "endTime": local(day, 17, 0),
        "availabilityViewInterval": 60,
    });
    assert_request_ok("POST", "/me/calendar/getSchedule", &request);
    let schedule = t.post(&ada, "/me/calendar/getSchedule", &request).await;
    assert_eq!(schedule.status, StatusCode::OK, "{schedule:?}");
    assert_faithful("POST", "/me/calendar/getSchedule", &schedule);
    let ada_schedule = &schedule.body["value"][0];
    assert_eq!(ada_schedule["scheduleId"], upn("ada.brennan"));
    let view: Vec<char> = ada_schedule["availabilityView"]
        .as_str()
        .unwrap()
        .chars()
        .collect();
    assert_eq!(view.len(), 9, "{view:?}");
    assert_eq!(view[5], '2', "13:00 is focus time: {view:?}");
    assert_eq!(view[6], '2', "14:00 is focus time: {view:?}");
    let items = ada_schedule["scheduleItems"].as_array().unwrap();
    let focus = items.iter().find(|i| i["subject"] == "Focus time").unwrap();
    assert_eq!(focus["status"], "busy");
    assert_eq!(focus["isRecurring"], true);
    assert_eq!(
        focus["start"]["dateTime"],
        format!("{day}T13:00:00.0000000")
    );
    assert_eq!(
        ada_schedule["workingHours"]["startTime"],
        "08:00:00.0000000"
    );
    assert_eq!(schedule.body["value"][1]["availabilityView"], "000000000");
    assert_eq!(
        schedule.body["value"][2]["error"]["responseCode"],
        "ErrorMailRecipientNotFound"
    );
    let too_fine = json!({"schedules": [upn("ada.brennan")], "startTime": local(day, 8, 0),
                          "endTime": local(day, 9, 0), "availabilityViewInterval": 1});
    let refused = t.post(&ada, "/me/calendar/getSchedule", &too_fine).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    // Suggestions fall where Ada and Elena are both free, never in Ada's busy time.
    let busy: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i["start"]["dateTime"].as_str().unwrap().to_owned(),
                i["end"]["dateTime"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let request = json!({
        "attendees": [{"type": "required", "emailAddress": {"address": upn("elena.rossi")}}],
        "timeConstraint": {"activityDomain": "work", "timeSlots": [
            {"start": local(day, 8, 0), "end": local(day, 17, 0)}
        ]},
        "meetingDuration": "PT1H",
        "maxCandidates": 20,
        "returnSuggestionReasons": true,
    });
    assert_request_ok("POST", "/me/findMeetingTimes", &request);
    let found = t.post(&ada, "/me/findMeetingTimes", &request).await;
    assert_eq!(found.status, StatusCode::OK, "{found:?}");
    assert_faithful("POST", "/me/findMeetingTimes", &found);
    assert_eq!(found.body["emptySuggestionsReason"], "");
    let suggestions = found.body["meetingTimeSuggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty());
    for suggestion in suggestions {
        let slot = &suggestion["meetingTimeSlot"];
        let (start, end) = (
            slot["start"]["dateTime"].as_str().unwrap(),
            slot["end"]["dateTime"].as_str().unwrap(),
        );
        assert!(
            busy.iter()
                .all(|(b_start, b_end)| end <= b_start.as_str() || start >= b_end.as_str()),
            "{start}–{end} overlaps Ada's busy time {busy:?}"
        );
        assert_eq!(suggestion["confidence"], 100.0);
        assert_eq!(suggestion["organizerAvailability"], "free");
        assert_eq!(
            suggestion["attendeeAvailability"][0]["availability"],
            "free"
        );
    }
    // Inside the focus block there is nothing to suggest, and Graph says why.
    let request = json!({
        "attendees": [{"type": "required", "emailAddress": {"address": upn("elena.rossi")}}],
        "timeConstraint": {"timeSlots": [{"start": local(day, 13, 0), "end": local(day, 15, 0)}]},
        "meetingDuration": "PT30M",
    });
    let none = t.post(&ada, "/me/findMeetingTimes", &request).await;
    assert_faithful("POST", "/me/findMeetingTimes", &none);
    assert_eq!(none.body["emptySuggestionsReason"], "organizerUnavailable");
    assert!(
        none.body["meetingTimeSuggestions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn calendar_permissions_are_enforced() {
    let t = start().await;
    let weak = t.user_token("User.Read offline_access").await;
    for path in [
        "/me/calendars",
        "/me/events",
        "/me/calendarView?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-01-02T00:00:00Z",
    ] {
        let refused = t.get(&weak, path).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(refused.body["error"]["code"], "Forbidden");
    }
    let read_only = t
        .user_token("User.Read Calendars.Read offline_access")
        .await;
    let body = meeting_body("Not allowed", working_day(2), 9, &[]);
    let refused = t.post(&read_only, "/me/events", &body).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Calendars.ReadWrite")
    );
    // findMeetingTimes needs Calendars.Read.Shared; Calendars.ReadWrite is not enough.
    let write = t
        .user_token("User.Read Calendars.ReadWrite offline_access")
        .await;
    let refused = t.post(&write, "/me/findMeetingTimes", &json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Calendars.Read.Shared")
    );
    // An app-only token has no /me.
    let app = t.app_token().await;
    let refused = t.get(&app, "/me/events").await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.body["error"]["message"],
        "/me request is only valid with delegated authentication flow."
    );
}
