//! Answering and calling off meetings: accept, tentatively accept, decline (attendees, for a whole
//! series or one occurrence) and cancel (organizers). Each answers 202 Accepted with no body, as Graph does
//! (https://learn.microsoft.com/graph/api/event-accept, event-tentativelyaccept, event-decline,
//! event-cancel); the subset's metadata says 204, the service and its documentation say 202.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::events::{self, mailbox_of};
use super::instances;
use super::shapes::{self, ItemId};
use super::{ActionBody, param};
use crate::clock;
use crate::graph::Caller;
use crate::graph::error::{GraphError, GraphResult};
use crate::state::AppState;

/// An attendee's answer, and the Exchange error codes for the organizer trying to give it.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Accept,
    Tentative,
    Decline,
}

impl Answer {
    fn response(self) -> &'static str {
        match self {
            Answer::Accept => "accepted",
            Answer::Tentative => "tentativelyAccepted",
            Answer::Decline => "declined",
        }
    }

    fn refusal(self, state_code: &'static str, what: &str) -> GraphError {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            state_code,
            format!(
                "The meeting {what}, so it can't be answered with {}.",
                self.response()
            ),
        )
    }

    fn organizer_refusal(self) -> GraphError {
        let code = match self {
            Answer::Accept => "ErrorCalendarIsOrganizerForAccept",
            Answer::Tentative => "ErrorCalendarIsOrganizerForTentative",
            Answer::Decline => "ErrorCalendarIsOrganizerForDecline",
        };
        self.refusal(code, "is organized by the signed-in user")
    }

    fn cancelled_refusal(self) -> GraphError {
        let code = match self {
            Answer::Accept => "ErrorCalendarIsCancelledForAccept",
            Answer::Tentative => "ErrorCalendarIsCancelledForTentative",
            Answer::Decline => "ErrorCalendarIsCancelledForDecline",
        };
        self.refusal(code, "was cancelled")
    }
}

pub async fn accept(
    state: State<Arc<AppState>>,
    caller: Extension<Caller>,
    id: Path<String>,
    body: ActionBody,
) -> GraphResult<StatusCode> {
    answer(state, caller, id, body, Answer::Accept).await
}

pub async fn tentatively_accept(
    state: State<Arc<AppState>>,
    caller: Extension<Caller>,
    id: Path<String>,
    body: ActionBody,
) -> GraphResult<StatusCode> {
    answer(state, caller, id, body, Answer::Tentative).await
}

pub async fn decline(
    state: State<Arc<AppState>>,
    caller: Extension<Caller>,
    id: Path<String>,
    body: ActionBody,
) -> GraphResult<StatusCode> {
    answer(state, caller, id, body, Answer::Decline).await
}

/// The attendee's copy takes the answer (a declined meeting leaves the calendar, as Outlook
/// moves it to Deleted Items); unless `sendResponse` is false, the organizer's copy records it.
async fn answer(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ActionBody(body): ActionBody,
    answer: Answer,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    if let ItemId::Occurrence { master, date } = shapes::classify(&id)? {
        answer_occurrence(&state, me, (&master, date), &body, answer).await?;
        return Ok(StatusCode::ACCEPTED);
    }
    let mut event = events::editable(&state, me, &id).await?;
    if event["isOrganizer"] == true {
        return Err(answer.organizer_refusal());
    }
    if event["isCancelled"] == true {
        return Err(answer.cancelled_refusal());
    }
    let now = clock::now();
    let directory = state.users().await?;
    event["responseStatus"] = json!({"response": answer.response(), "time": now});
    match answer {
        Answer::Accept => {
            let organizer_show_as = organizer_copy(&state, &event, &directory)
                .await?
                .map_or(json!("busy"), |(_, o)| o["showAs"].clone());
            event["showAs"] = organizer_show_as;
        }
        Answer::Tentative => event["showAs"] = json!("tentative"),
        Answer::Decline => {}
    }
    shapes::touch(&mut event, &now);
    match answer {
        Answer::Decline => events::remove(&state.store, me, &event).await?,
        _ => events::save(&state.store, me, &event).await?,
    }
    if param(&body, "sendResponse").as_bool() != Some(false) {
        let me_address = mailbox_of(&directory, me)?.address;
        if let Some((owner, mut organizer_event)) =
            organizer_copy(&state, &event, &directory).await?
        {
            record_answer(
                &mut organizer_event,
                &me_address,
                answer,
                &now,
                param(&body, "proposedNewTime"),
            );
            shapes::touch(&mut organizer_event, &now);
            events::save(&state.store, &owner, &organizer_event).await?;
        }
    }
    Ok(StatusCode::ACCEPTED)
}

/// An answer to one occurrence of a series: in the attendee's calendar that occurrence becomes an
/// exception carrying the answer (a declined one leaves the calendar), and unless `sendResponse`
/// is false the organizer's occurrence records it the same way; the rest of the series keeps its
/// answer.
async fn answer_occurrence(
    state: &AppState,
    me: &str,
    (master_id, date): (&str, jiff::civil::Date),
    body: &Value,
    answer: Answer,
) -> GraphResult<()> {
    let mut series = state
        .store
        .get("event", me, master_id)
        .await?
        .ok_or_else(shapes::event_not_found)?;
    let occurrence = instances::occurrence_on(&series, date)
        .ok_or_else(shapes::event_not_found)?
        .doc;
    if series["isOrganizer"] == true {
        return Err(answer.organizer_refusal());
    }
    if occurrence["isCancelled"] == true {
        return Err(answer.cancelled_refusal());
    }
    let now = clock::now();
    let directory = state.users().await?;
    let organizer = organizer_copy(state, &series, &directory).await?;
    match answer {
        Answer::Decline => {
            let id = occurrence["id"].clone();
            if let Some(list) = series["cancelledOccurrences"].as_array_mut() {
                list.push(id.clone());
            } else {
                series["cancelledOccurrences"] = json!([id.clone()]);
            }
            if let Some(list) = series[shapes::EXCEPTIONS].as_array_mut() {
                list.retain(|e| e["id"] != id);
            }
        }
        Answer::Accept | Answer::Tentative => {
            let mut changed = occurrence;
            changed["responseStatus"] = json!({"response": answer.response(), "time": now});
            changed["showAs"] = match (answer, &organizer) {
                (Answer::Accept, Some((_, theirs))) => theirs["showAs"].clone(),
                (Answer::Accept, None) => json!("busy"),
                _ => json!("tentative"),
            };
            shapes::touch(&mut changed, &now);
            instances::keep_exception(&mut series, changed);
        }
    }
    shapes::touch(&mut series, &now);
    events::save(&state.store, me, &series).await?;
    if param(body, "sendResponse").as_bool() == Some(false) {
        return Ok(());
    }
    let Some((owner, mut organizer_series)) = organizer else {
        return Ok(());
    };
    if let Some(theirs) = instances::occurrence_on(&organizer_series, date) {
        let mut theirs = theirs.doc;
        let me_address = mailbox_of(&directory, me)?.address;
        record_answer(
            &mut theirs,
            &me_address,
            answer,
            &now,
            param(body, "proposedNewTime"),
        );
        shapes::touch(&mut theirs, &now);
        instances::keep_exception(&mut organizer_series, theirs);
        shapes::touch(&mut organizer_series, &now);
        events::save(&state.store, &owner, &organizer_series).await?;
    }
    Ok(())
}

/// The organizer's copy of the meeting an attendee's `event` belongs to: (owner, document).
async fn organizer_copy(
    state: &AppState,
    event: &Value,
    directory: &[Value],
) -> GraphResult<Option<(String, Value)>> {
    let address = event["organizer"]["emailAddress"]["address"]
        .as_str()
        .unwrap_or_default();
    let Some(organizer) = shapes::user_by_address(directory, address) else {
        return Ok(None);
    };
    let owner = organizer["id"].as_str().unwrap_or_default().to_owned();
    Ok(events::same_meeting(&state.store, &owner, event, true)
        .await?
        .map(|doc| (owner, doc)))
}

fn record_answer(
    organizer_event: &mut Value,
    address: &str,
    answer: Answer,
    now: &str,
    proposed: &Value,
) {
    let allows_proposals = organizer_event["allowNewTimeProposals"] != false;
    if let Some(list) = organizer_event["attendees"].as_array_mut() {
        for attendee in list.iter_mut().filter(|a| shapes::same_address(a, address)) {
            attendee["status"] = json!({"response": answer.response(), "time": now});
            if proposed.is_object() && allows_proposals {
                attendee["proposedNewTime"] = proposed.clone();
            }
        }
    }
}

/// https://learn.microsoft.com/graph/api/event-cancel: only the organizer may cancel; the
/// organizer's event goes, every attendee's copy is marked cancelled.
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ActionBody(_body): ActionBody,
) -> GraphResult<StatusCode> {
    let me = caller.me()?;
    let instance = super::instances::find(&state, me, &id).await?;
    if instance.doc["isOrganizer"] != true {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorCalendarIsNotOrganizer",
            "User must be an organizer for CancelCalendarItem action.",
        ));
    }
    let directory = state.users().await?;
    match shapes::classify(&id)? {
        ItemId::Occurrence { master, date } => {
            events::cancel_occurrence(&state, me, &master, date, &directory).await?;
        }
        ItemId::Event => {
            events::cancel_for_attendees(&state, &instance.doc, &directory).await?;
            events::remove(&state.store, me, &instance.doc).await?;
        }
    }
    Ok(StatusCode::ACCEPTED)
}
