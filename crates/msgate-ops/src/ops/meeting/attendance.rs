//! `meeting.attendance`: who came to a meeting you organized — for each person when they first
//! joined, when they last left, and how long they were there in all (someone who dropped out and
//! came back has several intervals; only the time inside them counts). Graph keeps one report per
//! time the meeting ran; the newest is shown unless one is named.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{self, Need};
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct Attendance;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The meeting: a Teams join link, its event's id or subject, its meeting id, last, or last-with:PERSON
    pub meeting: String,
    /// Which report, by id (default the newest)
    #[serde(default)]
    pub report: Option<String>,
    /// Time zone for the times shown: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
}

/// One attendance report: a time the meeting ran, and who was there.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// The report's id
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// When the first person joined
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When the last person left
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// How many people took part
    pub participants: i64,
    /// Each person's attendance, longest first
    pub records: Vec<Record>,
}

/// One person's attendance.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Record {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Organizer, Presenter or Attendee
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// When they first joined
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined: Option<String>,
    /// When they last left
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<String>,
    /// Time in the meeting in all, e.g. 41m or 1h 05m
    pub duration: String,
    /// The same, in seconds
    pub seconds: i64,
    /// How many times they joined
    pub visits: usize,
}

impl Operation for Attendance {
    type Input = Input;
    type Output = Report;
    const SPEC: Spec = Spec {
        name: "meeting.attendance",
        summary: "Show who attended a meeting you organized: joined, left, time in the meeting",
        risk: Risk::Read,
        idempotent: true,
        delegated: refs::calendar::ATTENDANCE_READ,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Report> {
        let zone = Zone::resolve(input.tz.as_deref())?;
        let meeting = refs::meeting(ctx, &input.meeting, Need::Attendance).await?;
        let me = ctx.me().await?.id.clone();
        if meeting.organizer_id() != Some(me.as_str()) {
            return Err(Error::new(
                ErrorCode::ScopeInsufficient,
                format!(
                    "only the organizer can see who attended '{}'",
                    meeting.subject().unwrap_or("the meeting")
                ),
            )
            .with_hint("ask the organizer, or read the transcript: msgate transcript get"));
        }
        let reports_path = format!("{}/attendanceReports", meeting.path());
        let report_id = match &input.report {
            Some(id) => id.trim().to_owned(),
            None => {
                let request = Request::get(&reports_path).permissions(Self::SPEC.delegated);
                let reports = ctx.graph.list(request, Limit::All).await?.items;
                newest(&reports).ok_or_else(|| {
                    Error::new(
                        ErrorCode::NotFound,
                        format!(
                            "'{}' has no attendance report yet",
                            meeting.subject().unwrap_or("the meeting")
                        ),
                    )
                    .with_hint("reports appear once a meeting has ended")
                })?
            }
        };
        let request = Request::get(format!("{reports_path}/{}", segment(&report_id)))
            .expand("attendanceRecords")
            .permissions(Self::SPEC.delegated);
        let report: Value = ctx.graph.json(&request).await?;
        Ok(Report::from_graph(&report, meeting.subject(), &zone))
    }
}

/// The id of the report of the latest run.
fn newest(reports: &[Value]) -> Option<String> {
    reports
        .iter()
        .max_by_key(|r| {
            r["meetingStartDateTime"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        })
        .and_then(|r| r["id"].as_str())
        .map(str::to_owned)
}

fn duration(seconds: i64) -> String {
    let minutes = (seconds + 30) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m:02}m"),
    }
}

impl Report {
    fn from_graph(report: &Value, subject: Option<&str>, zone: &Zone) -> Report {
        let time = |value: &Value| {
            value
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .map(|at| zone.show(at))
        };
        let mut records: Vec<Record> = report["attendanceRecords"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|record| {
                let intervals = record["attendanceIntervals"].as_array();
                let instants = |field: &str| -> Vec<jiff::Timestamp> {
                    intervals
                        .into_iter()
                        .flatten()
                        .filter_map(|i| i[field].as_str()?.parse().ok())
                        .collect()
                };
                let seconds = record["totalAttendanceInSeconds"].as_i64().unwrap_or(0);
                let string = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
                Record {
                    name: string(&record["identity"]["displayName"]),
                    email: string(&record["emailAddress"]),
                    role: string(&record["role"]),
                    joined: instants("joinDateTime")
                        .into_iter()
                        .min()
                        .map(|t| zone.show(t)),
                    left: instants("leaveDateTime")
                        .into_iter()
                        .max()
                        .map(|t| zone.show(t)),
                    duration: duration(seconds),
                    seconds,
                    visits: intervals.map_or(0, Vec::len),
                }
            })
            .collect();
        records.sort_by(|a, b| b.seconds.cmp(&a.seconds).then(a.name.cmp(&b.name)));
        Report {
            id: report["id"].as_str().unwrap_or_default().to_owned(),
            subject: subject.map(str::to_owned),
            started: time(&report["meetingStartDateTime"]),
            ended: time(&report["meetingEndDateTime"]),
            participants: report["totalParticipantCount"]
                .as_i64()
                .unwrap_or(i64::try_from(records.len()).unwrap_or(0)),
            records,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn someone_who_left_and_came_back_counts_only_the_time_inside() {
        let report = json!({
            "id": "r1",
            "totalParticipantCount": 2,
            "meetingStartDateTime": "2026-11-18T10:00:00Z",
            "meetingEndDateTime": "2026-11-18T10:46:00Z",
            "attendanceRecords": [
                {"emailAddress": "ada@x", "role": "Organizer", "totalAttendanceInSeconds": 2760,
                 "identity": {"displayName": "Ada Brennan"},
                 "attendanceIntervals": [{"joinDateTime": "2026-11-18T10:00:00Z", "leaveDateTime": "2026-11-18T10:46:00Z", "durationInSeconds": 2760}]},
                {"emailAddress": "ben@x", "role": "Attendee", "totalAttendanceInSeconds": 2460,
                 "identity": {"displayName": "Ben Okafor"},
                 "attendanceIntervals": [
                    {"joinDateTime": "2026-11-18T10:01:00Z", "leaveDateTime": "2026-11-18T10:14:00Z", "durationInSeconds": 780},
                    {"joinDateTime": "2026-11-18T10:17:00Z", "leaveDateTime": "2026-11-18T10:45:00Z", "durationInSeconds": 1680}]},
            ],
        });
        let shown = Report::from_graph(&report, Some("Runner cost review"), &Zone::utc());
        let ben = &shown.records[1];
        assert_eq!(ben.duration, "41m");
        assert_eq!(ben.visits, 2);
        assert_eq!(ben.joined.as_deref(), Some("2026-11-18T10:01:00+00:00"));
        assert_eq!(ben.left.as_deref(), Some("2026-11-18T10:45:00+00:00"));
        assert_eq!(duration(3900), "1h 05m");
        assert_eq!(
            newest(&[
                json!({"id": "a", "meetingStartDateTime": "2026-11-01T10:00:00Z"}),
                json!({"id": "b", "meetingStartDateTime": "2026-11-08T10:00:00Z"}),
            ])
            .as_deref(),
            Some("b")
        );
    }
}
