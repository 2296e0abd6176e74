//! Answering and calling off meetings: accept, tentatively accept, decline (attendees) and cancel
//! (organizers). Each answers 202 Accepted with no body, as Graph does
//! (https://learn.microsoft.com/graph/api/event-accept, event-tentativelyaccept, event-decline,
//! event-cancel); the subset's metadata says 204, the service and its documentation say 202.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::events::{self, mailbox_of};
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
