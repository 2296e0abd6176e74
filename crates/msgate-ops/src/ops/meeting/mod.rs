//! Teams meetings: the ones on your calendar with their join links, one meeting in detail
//! (found by join link, event, subject, id, or `last-with:PERSON` — see `refs::calendar`),
//! creating a standalone online meeting, and who attended a meeting you organized.

pub(crate) mod artifacts;
mod attendance;
mod create;
mod get;
mod list;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Entry, entry};
use crate::views::string;
use crate::zone::Zone;

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<list::List>(),
        entry::<get::Get>(),
        entry::<create::Create>(),
        entry::<attendance::Attendance>(),
    ]
}

/// A Teams online meeting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Meeting {
    /// The online meeting's id (what transcripts, recordings and attendance hang off)
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// When it starts (for a series, its first occurrence), in the zone asked for
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// The link to join it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// Who organizes it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizer: Option<String>,
    /// Who is invited (names, or addresses for people without one)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<String>,
    /// The numeric meeting ID people type to join
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_meeting_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
    /// Dial-in: the number, then the conference id
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dial_in: Option<String>,
    /// The meeting's chat (19:meeting_…), for message commands
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
}

fn participant(participant: &Value) -> Option<String> {
    let identity = &participant["identity"]["user"];
    string(&identity["displayName"])
        .or_else(|| string(&participant["upn"]))
        .or_else(|| string(&identity["id"]))
}

impl Meeting {
    /// The compact view of a Graph `onlineMeeting`; its times are UTC, shown in `zone`.
    pub fn from_graph(meeting: &Value, zone: &Zone) -> Meeting {
        let time = |field: &str| {
            meeting[field]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|at| zone.show(at))
        };
        let audio = &meeting["audioConferencing"];
        let dial_in = match (string(&audio["tollNumber"]), string(&audio["conferenceId"])) {
            (Some(number), Some(conference)) => Some(format!("{number},,{conference}#")),
            _ => None,
        };
        Meeting {
            id: string(&meeting["id"]).unwrap_or_default(),
            subject: string(&meeting["subject"]),
            start: time("startDateTime"),
            end: time("endDateTime"),
            join_url: string(&meeting["joinWebUrl"]),
            organizer: participant(&meeting["participants"]["organizer"]),
            attendees: meeting["participants"]["attendees"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(participant)
                .collect(),
            join_meeting_id: string(&meeting["joinMeetingIdSettings"]["joinMeetingId"]),
            passcode: string(&meeting["joinMeetingIdSettings"]["passcode"]),
            dial_in,
            chat_id: string(&meeting["chatInfo"]["threadId"]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_meeting_shows_who_how_to_join_and_its_chat() {
        let meeting = json!({
            "id": "MSoxKg",
            "subject": "Runner cost review",
            "startDateTime": "2026-11-18T10:00:00Z",
            "endDateTime": "2026-11-18T10:45:00.000Z",
            "joinWebUrl": "https://teams.example.invalid/l/meetup-join/x",
            "participants": {
                "organizer": {"upn": "ada@x", "identity": {"user": {"id": "u1", "displayName": "Ada Brennan"}}},
                "attendees": [{"upn": "ben@x", "identity": {"user": {"id": "u2", "displayName": null}}}],
            },
            "joinMeetingIdSettings": {"joinMeetingId": "123456789012", "passcode": "abc123"},
            "audioConferencing": {"tollNumber": "+1 555 0100", "conferenceId": "42"},
            "chatInfo": {"threadId": "19:meeting_x@thread.v2"},
        });
        let zone = Zone::resolve(Some("Europe/Berlin")).unwrap();
        let shown = Meeting::from_graph(&meeting, &zone);
        assert_eq!(shown.start.as_deref(), Some("2026-11-18T11:00:00+01:00"));
        assert_eq!(shown.organizer.as_deref(), Some("Ada Brennan"));
        assert_eq!(shown.attendees, vec!["ben@x".to_owned()]);
        assert_eq!(shown.dial_in.as_deref(), Some("+1 555 0100,,42#"));
        assert_eq!(shown.chat_id.as_deref(), Some("19:meeting_x@thread.v2"));
    }
}
