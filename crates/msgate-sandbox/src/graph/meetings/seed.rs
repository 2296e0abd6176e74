//! The artifacts of the demo tenant's past meetings: for each recorded meeting the calendar seed
//! held in the past week, a transcript (a realistic multi-speaker conversation as WebVTT with
//! voice tags, and its per-cue metadata), a recording, and an attendance report whose records
//! show people joining late, dropping out and coming back.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::store::Store;
use crate::tenant::Tenant;
use crate::{clock, ids};

/// A recorded meeting: its subject (as the calendar seed named it), what was said (speaker's
/// mail nickname, words), and how people attended: (nickname, minutes after the start they
/// joined and left, as intervals; empty for someone invited who never came).
pub struct Recorded {
    pub subject: &'static str,
    pub script: &'static [(&'static str, &'static str)],
    pub attendance: &'static [(&'static str, &'static [(i64, i64)])],
}

pub const RECORDED: &[Recorded] = &[
    Recorded {
        subject: "Runner cost review",
        script: &[
            (
                "ada.brennan",
                "Thanks for joining, everyone. The goal today is to decide whether we keep the self-hosted CI runners or move fully to the managed pool.",
            ),
            (
                "grace.kim",
                "Sounds good. Ben, do you want to start with where we are on the cut-over?",
            ),
            (
                "ben.okafor",
                "Sure. We moved about sixty percent of the jobs to the new pool last Thursday. The rest are the integration suites that need the larger machines.",
            ),
            ("ada.brennan", "And how did the first week look?"),
            (
                "ben.okafor",
                "Queue times dropped from around eleven minutes at peak to under two. We had one flaky day when the image cache was cold.",
            ),
            (
                "farid.haddad",
                "I pulled the numbers for the cost side. The managed pool costs us about thirty-eight hundred a month at current usage.",
            ),
            (
                "farid.haddad",
                "The self-hosted runners were around twenty-nine hundred, but that doesn't include the time Dev and Ben spend patching them.",
            ),
            (
                "grace.kim",
                "Do we have an estimate for that maintenance time?",
            ),
            (
                "ben.okafor",
                "Roughly two days a month between the two of us, more when there's a kernel update.",
            ),
            (
                "ada.brennan",
                "So if we put a cost on those two days, the gap is pretty small.",
            ),
            (
                "farid.haddad",
                "Right. With engineering time included, the managed pool comes out about four percent more expensive.",
            ),
            (
                "grace.kim",
                "And we get the faster queues. I'd take that trade.",
            ),
            (
                "ada.brennan",
                "What about the larger machines for the integration suites? Are they priced differently?",
            ),
            (
                "farid.haddad",
                "They are. The large runners are roughly three times the per-minute rate.",
            ),
            (
                "ben.okafor",
                "We could split the integration suite. Half of it doesn't actually need sixteen cores, it was just never tuned.",
            ),
            ("grace.kim", "How long would that take?"),
            (
                "ben.okafor",
                "A week, maybe a bit more. I'd want Dev to review the caching changes.",
            ),
            (
                "ada.brennan",
                "Let's make that an explicit task. Ben owns splitting the suite, Dev reviews.",
            ),
            (
                "farid.haddad",
                "If the split works, I'd expect the monthly total to drop to around thirty-four hundred.",
            ),
            (
                "grace.kim",
                "That's below what we pay today once you count maintenance.",
            ),
            ("ada.brennan", "Okay. Any risks we haven't talked about?"),
            (
                "ben.okafor",
                "Egress. Some jobs pull large test fixtures from the artifact store. If that moves across regions we pay for it.",
            ),
            (
                "farid.haddad",
                "I can add egress to the dashboard so we see it week by week.",
            ),
            (
                "grace.kim",
                "Please do. And let's set an alert if the monthly forecast goes over four thousand.",
            ),
            (
                "ada.brennan",
                "Good. So the decision is: we finish the move to the managed pool, keep the old runners warm for two weeks, then decommission them.",
            ),
            ("grace.kim", "Agreed."),
            (
                "ben.okafor",
                "Agreed. I'll post the runbook in the eng channel.",
            ),
            (
                "farid.haddad",
                "I'll share the updated cost sheet by Friday.",
            ),
            (
                "ada.brennan",
                "Great, I'll write up the decision and send it to Hugo. Thanks, everyone.",
            ),
            ("grace.kim", "Thanks, Ada."),
        ],
        attendance: &[
            ("ada.brennan", &[(-2, 46)]),
            ("grace.kim", &[(0, 45)]),
            ("ben.okafor", &[(1, 14), (17, 45)]),
            ("farid.haddad", &[(9, 44)]),
        ],
    },
    Recorded {
        subject: "Roadmap sync: onboarding",
        script: &[
            (
                "ada.brennan",
                "Okay, let's get started. This is the onboarding sync, we have thirty minutes.",
            ),
            (
                "chloe.martin",
                "I shared the new mock-ups in the design channel this morning.",
            ),
            (
                "ada.brennan",
                "I saw them. The three-step flow is much cleaner than what we have today.",
            ),
            (
                "chloe.martin",
                "Thanks. The big change is that workspace setup moves after the first project, not before.",
            ),
            (
                "liam.oconnor",
                "That affects the docs quite a bit. The getting-started guide assumes the workspace exists first.",
            ),
            ("ada.brennan", "How much rework is that?"),
            (
                "liam.oconnor",
                "Two or three pages. The screenshots are the slow part.",
            ),
            (
                "chloe.martin",
                "I can export the screens at the right size so you don't have to capture them.",
            ),
            ("liam.oconnor", "That would help a lot."),
            ("ada.brennan", "What did the usability sessions tell us?"),
            (
                "chloe.martin",
                "Five of six participants finished without help. The one who got stuck missed the import button.",
            ),
            ("ada.brennan", "Can we make the import option more visible?"),
            (
                "chloe.martin",
                "Yes, I'm moving it next to the primary action in the next revision.",
            ),
            (
                "liam.oconnor",
                "Should the docs mention import at all in the first guide?",
            ),
            (
                "ada.brennan",
                "Briefly. Most enterprise customers start by importing.",
            ),
            (
                "chloe.martin",
                "Then I'd like Kira's input, support sees those questions every day.",
            ),
            (
                "ada.brennan",
                "She couldn't make it today, I'll loop her in on the thread.",
            ),
            (
                "liam.oconnor",
                "For timing, if the mock-ups are final by Wednesday, I can have the docs ready for review on Monday.",
            ),
            ("chloe.martin", "Wednesday works."),
            (
                "ada.brennan",
                "Good. Then we target the 4.3 release for the new onboarding, not 4.2.",
            ),
            (
                "liam.oconnor",
                "Makes sense, 4.2 is already in code freeze.",
            ),
            (
                "ada.brennan",
                "Let's recap. Chloe finalizes the mock-ups by Wednesday, Liam updates the guide, and I update the roadmap.",
            ),
            ("chloe.martin", "Sounds good."),
            ("liam.oconnor", "Thanks, both."),
        ],
        attendance: &[
            ("ada.brennan", &[(0, 31)]),
            ("chloe.martin", &[(0, 31)]),
            ("liam.oconnor", &[(3, 31)]),
            ("kira.tanaka", &[]),
        ],
    },
];

pub async fn seed(store: &Store, tenant: &Tenant, graph_url: &str) -> msgate_core::Result<()> {
    let users = store.list("user", "").await?;
    for user in &users {
        let organizer = user["id"].as_str().unwrap_or_default();
        for meeting in store.list("onlineMeeting", organizer).await? {
            if let Some(recorded) = RECORDED.iter().find(|r| meeting["subject"] == r.subject) {
                let artifacts = Artifacts {
                    store,
                    tenant,
                    graph_url,
                    users: &users,
                    organizer,
                    meeting: &meeting,
                };
                artifacts.seed(recorded).await?;
            }
        }
    }
    Ok(())
}

/// Where a meeting's artifacts go, and what they are built from.
struct Artifacts<'a> {
    store: &'a Store,
    tenant: &'a Tenant,
    graph_url: &'a str,
    users: &'a [Value],
    organizer: &'a str,
    meeting: &'a Value,
}

/// One line of a transcript, timed from the start of transcription.
struct Cue {
    speaker: String,
    text: &'static str,
    from: SignedDuration,
    to: SignedDuration,
}

impl Artifacts<'_> {
    fn meeting_id(&self) -> &str {
        self.meeting["id"].as_str().unwrap_or_default()
    }

    fn parent(&self) -> String {
        format!("{}/{}", self.organizer, self.meeting_id())
    }

    fn start(&self) -> Timestamp {
        self.meeting["startDateTime"]
            .as_str()
            .and_then(clock::parse)
            .unwrap_or_else(Timestamp::now)
    }

    fn display_name(&self, nickname: &str) -> String {
        self.user(nickname)
            .and_then(|u| u["displayName"].as_str())
            .unwrap_or(nickname)
            .to_owned()
    }

    fn user(&self, nickname: &str) -> Option<&Value> {
        self.users.iter().find(|u| u["mailNickname"] == nickname)
    }

    fn organizer_identity(&self) -> Value {
        json!({
            "application": null,
            "device": null,
            "user": {
                "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                "id": self.organizer,
                "displayName": null,
                "userIdentityType": "aadUser",
            }
        })
    }

    async fn seed(&self, recorded: &Recorded) -> msgate_core::Result<()> {
        let call_id = ids::stable_guid(&format!("call:{}", recorded.subject));
        let correlation = format!(
            "{}-0",
            ids::stable_guid(&format!("correlation:{}", recorded.subject))
        );
        self.transcript(recorded, &call_id, &correlation).await?;
        self.recording(recorded, &call_id, &correlation).await?;
        self.attendance(recorded).await
    }

    fn cues(&self, recorded: &Recorded) -> Vec<Cue> {
        let mut at = SignedDuration::from_millis(3_200);
        recorded
            .script
            .iter()
            .map(|(nickname, text)| {
                let words = i64::try_from(text.split_whitespace().count()).unwrap_or(1);
                let length = SignedDuration::from_millis((words * 380).max(1_800));
                let cue = Cue {
                    speaker: self.display_name(nickname),
                    text,
                    from: at,
                    to: at + length,
                };
                at = cue.to + SignedDuration::from_millis(640);
                cue
            })
            .collect()
    }

    async fn transcript(
        &self,
        recorded: &Recorded,
        call_id: &str,
        correlation: &str,
    ) -> msgate_core::Result<()> {
        let id = URL_SAFE_NO_PAD.encode(format!(
            "1##0##{}",
            ids::stable_guid(&format!("transcript:{}", recorded.subject))
        ));
        let cues = self.cues(recorded);
        let began = self.start() + SignedDuration::from_secs(60);
        let ended = began + cues.last().map_or(SignedDuration::ZERO, |c| c.to);
        let doc = json!({
            "id": id,
            "meetingId": self.meeting_id(),
            "callId": call_id,
            "contentCorrelationId": correlation,
            "transcriptContentUrl": format!(
                "{}/users/{}/onlineMeetings/{}/transcripts/{id}/content",
                self.graph_url, self.organizer, self.meeting_id()
            ),
            "createdDateTime": clock::format_millis(began),
            "endDateTime": clock::format_millis(ended),
            "meetingOrganizer": self.organizer_identity(),
        });
        let parent = self.parent();
        self.store.put("callTranscript", &parent, &id, &doc).await?;
        let content = json!({"vtt": vtt(&cues), "metadata": metadata(&cues, began)});
        self.store
            .put("callTranscriptContent", &parent, &id, &content)
            .await
    }

    async fn recording(
        &self,
        recorded: &Recorded,
        call_id: &str,
        correlation: &str,
    ) -> msgate_core::Result<()> {
        let id = URL_SAFE_NO_PAD.encode(format!(
            "1##0##{}",
            ids::stable_guid(&format!("recording:{}", recorded.subject))
        ));
        let began = self.start() + SignedDuration::from_secs(60);
        let ended = self.meeting["endDateTime"]
            .as_str()
            .and_then(clock::parse)
            .unwrap_or(began);
        let doc = json!({
            "id": id,
            "meetingId": self.meeting_id(),
            "callId": call_id,
            "contentCorrelationId": correlation,
            "recordingContentUrl": format!(
                "{}/users/{}/onlineMeetings/{}/recordings/{id}/content",
                self.graph_url, self.organizer, self.meeting_id()
            ),
            "createdDateTime": clock::format_millis(began),
            "endDateTime": clock::format_millis(ended),
            "meetingOrganizer": self.organizer_identity(),
        });
        let parent = self.parent();
        self.store.put("callRecording", &parent, &id, &doc).await?;
        let content = json!({"bytes": STANDARD.encode(fake_mp4(recorded.subject))});
        self.store
            .put("callRecordingContent", &parent, &id, &content)
            .await
    }

    async fn attendance(&self, recorded: &Recorded) -> msgate_core::Result<()> {
        let start = self.start();
        let at = |minutes: i64| start + SignedDuration::from_mins(minutes);
        let report_id = ids::stable_guid(&format!("attendance:{}", recorded.subject));
        let parent = self.parent();
        let records_parent = format!("{parent}/{report_id}");
        let (mut first, mut last) = (None::<Timestamp>, None::<Timestamp>);
        let mut count = 0;
        for (nickname, intervals) in recorded.attendance {
            if intervals.is_empty() {
                continue;
            }
            let Some(user) = self.user(nickname) else {
                continue;
            };
            count += 1;
            let intervals: Vec<Value> = intervals
                .iter()
                .map(|(join, leave)| {
                    let (joined, left) = (at(*join), at(*leave));
                    first = Some(first.map_or(joined, |f| f.min(joined)));
                    last = Some(last.map_or(left, |l| l.max(left)));
                    json!({
                        "joinDateTime": clock::format_millis(joined),
                        "leaveDateTime": clock::format_millis(left),
                        "durationInSeconds": (leave - join) * 60,
                    })
                })
                .collect();
            let total: i64 = intervals
                .iter()
                .filter_map(|i| i["durationInSeconds"].as_i64())
                .sum();
            let user_id = user["id"].as_str().unwrap_or_default();
            let record_id =
                ids::stable_guid(&format!("attendance:{}:{nickname}", recorded.subject));
            let record = json!({
                "id": record_id,
                "emailAddress": user["mail"],
                "totalAttendanceInSeconds": total,
                "role": if user_id == self.organizer { "Organizer" } else { "Attendee" },
                "identity": {
                    "id": user_id,
                    "displayName": user["displayName"],
                    "tenantId": self.tenant.id,
                },
                "attendanceIntervals": intervals,
            });
            self.store
                .put("attendanceRecord", &records_parent, &record_id, &record)
                .await?;
        }
        let report = json!({
            "id": report_id,
            "totalParticipantCount": count,
            "meetingStartDateTime": first.map(clock::format_millis),
            "meetingEndDateTime": last.map(clock::format_millis),
            "externalEventInformation": [],
        });
        self.store
            .put("attendanceReport", &parent, &report_id, &report)
            .await
    }
}

fn cue_time(at: SignedDuration) -> String {
    let millis = at.as_millis();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        millis / 3_600_000,
        millis / 60_000 % 60,
        millis / 1_000 % 60,
        millis % 1_000
    )
}

/// The transcript as Teams writes it: WebVTT cues with the speaker in a voice tag.
fn vtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for cue in cues {
        out.push_str(&format!(
            "\n{} --> {}\n<v {}>{}</v>\n",
            cue_time(cue.from),
            cue_time(cue.to),
            cue.speaker,
            cue.text
        ));
    }
    out
}

/// The transcript's metadata content: each cue's speaker, words and absolute times as JSON.
fn metadata(cues: &[Cue], began: Timestamp) -> String {
    let mut out = String::from("WEBVTT\n");
    for cue in cues {
        let meta = json!({
            "startDateTime": (began + cue.from).strftime("%Y-%m-%dT%H:%M:%S%.7f+00:00").to_string(),
            "endDateTime": (began + cue.to).strftime("%Y-%m-%dT%H:%M:%S%.7f+00:00").to_string(),
            "speakerName": cue.speaker,
            "spokenText": cue.text,
            "spokenLanguage": "en-us",
        });
        out.push_str(&format!(
            "\n{} --> {}\n{meta}\n",
            cue_time(cue.from),
            cue_time(cue.to)
        ));
    }
    out
}

/// A tiny MP4-shaped payload: an `ftyp` box and an `mdat` box naming the meeting.
fn fake_mp4(subject: &str) -> Vec<u8> {
    let mut out = vec![0, 0, 0, 0x18];
    out.extend_from_slice(b"ftypmp42");
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"mp42isom");
    let payload = format!("sandbox recording of {subject}");
    let size = u32::try_from(payload.len() + 8).unwrap_or(u32::MAX);
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(b"mdat");
    out.extend_from_slice(payload.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_times_are_webvtt_timestamps() {
        assert_eq!(
            cue_time(SignedDuration::from_millis(3_723_045)),
            "01:02:03.045"
        );
        let recording = fake_mp4("x");
        assert_eq!(&recording[4..8], b"ftyp");
    }
}
