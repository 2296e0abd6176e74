//! `calendar.free-busy`: when people are busy over a time range (`getSchedule`): for each person
//! an availability string, one digit per interval, and their busy blocks — what Outlook's
//! scheduling assistant shows. It is a POST that only reads.

use jiff::{SignedDuration, Timestamp};
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::READ;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::spec::{Risk, Spec};
use crate::zone::Zone;

pub struct FreeBusy;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Whose time to show: people by name, email or UPN (at most 20)
    pub people: Vec<String>,
    /// Start of the range: a date, a local time, RFC 3339, today, or a span (+2h ahead); default now
    #[serde(default)]
    pub from: Option<String>,
    /// End of the range, written the same way; default a day after the start
    #[serde(default)]
    pub to: Option<String>,
    /// Time zone for the times shown and typed: IANA (Europe/Berlin) or Windows (W. Europe Standard Time); default this computer's
    #[serde(default)]
    pub tz: Option<String>,
    /// Minutes per digit of the availability view (5 to 1440, default 30)
    #[serde(default)]
    #[schemars(range(min = 5, max = 1440))]
    pub interval: Option<i64>,
}

/// One person's time.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Schedule {
    /// The person's email address
    pub person: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One digit per interval from the start: 0 free, 1 tentative, 2 busy, 3 away, 4 working elsewhere
    pub view: String,
    /// Their busy blocks
    pub busy: Vec<Busy>,
    /// Their working hours
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<String>,
    /// Why their time could not be read
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A block of someone's time that is not free.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Busy {
    pub start: String,
    pub end: String,
    /// tentative, busy, oof or workingElsewhere
    pub status: String,
    /// What it is, unless it is private
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

const MAX_PEOPLE: usize = 20;

impl Operation for FreeBusy {
    type Input = Input;
    type Output = Listing<Schedule>;
    const SPEC: Spec = Spec {
        name: "calendar.free-busy",
        summary: "Show when people are free or busy over a time range",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ,
        application: &[],
        columns: &["person", "view", "busy"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Schedule>> {
        if input.people.is_empty() || input.people.len() > MAX_PEOPLE {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("name between 1 and {MAX_PEOPLE} people"),
            ));
        }
        let zone = Zone::resolve(input.tz.as_deref())?;
        let interval = input.interval.unwrap_or(30);
        if !(5..=1440).contains(&interval) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "the interval must be between 5 and 1440 minutes",
            ));
        }
        let (from, to) = super::range(
            &zone,
            input.from.as_deref(),
            input.to.as_deref(),
            round_down(Timestamp::now(), interval),
            SignedDuration::from_hours(24),
        )?;
        let mut people = Vec::new();
        for reference in &input.people {
            people.push(super::person(ctx, reference).await?);
        }
        let body = json!({
            "schedules": people.iter().map(|(address, _)| address).collect::<Vec<_>>(),
            "startTime": zone.date_time_time_zone(from),
            "endTime": zone.date_time_time_zone(to),
            "availabilityViewInterval": interval,
        });
        let request = Request::post("/me/calendar/getSchedule", body)
            .header("Prefer", zone.prefer())
            .permissions(Self::SPEC.delegated)
            .idempotent(true)
            .read_only();
        let answer: Value = ctx.graph.json(&request).await?;
        let schedules = answer["value"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| schedule(s, &people, &zone))
            .collect();
        Ok(Listing::complete(schedules))
    }
}

fn round_down(at: Timestamp, minutes: i64) -> Timestamp {
    let step = minutes.max(1) * 60;
    Timestamp::from_second(at.as_second().div_euclid(step) * step).unwrap_or(at)
}

fn schedule(information: &Value, people: &[(String, Option<String>)], zone: &Zone) -> Schedule {
    let person = information["scheduleId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let name = people
        .iter()
        .find(|(address, _)| address.eq_ignore_ascii_case(&person))
        .and_then(|(_, name)| name.clone());
    let hours = &information["workingHours"];
    let working_hours = hours["daysOfWeek"].as_array().map(|days| {
        let days: Vec<&str> = days.iter().filter_map(Value::as_str).collect();
        let time = |t: &Value| {
            t.as_str()
                .map_or("?", |t| t.get(..5).unwrap_or(t))
                .to_owned()
        };
        format!(
            "{} {}-{} {}",
            days.join(","),
            time(&hours["startTime"]),
            time(&hours["endTime"]),
            hours["timeZone"]["name"].as_str().unwrap_or_default()
        )
        .trim_end()
        .to_owned()
    });
    Schedule {
        person,
        name,
        view: information["availabilityView"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        busy: information["scheduleItems"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| Busy {
                start: zone.show_graph(&item["start"]).unwrap_or_default(),
                end: zone.show_graph(&item["end"]).unwrap_or_default(),
                status: item["status"].as_str().unwrap_or("busy").to_owned(),
                subject: item["subject"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            })
            .collect(),
        working_hours,
        error: information["error"]["message"].as_str().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_read_as_views_blocks_and_hours() {
        let zone = Zone::utc();
        let information = json!({
            "scheduleId": "Ben@x",
            "availabilityView": "0220",
            "scheduleItems": [{
                "status": "busy", "subject": "Deploy",
                "start": {"dateTime": "2030-01-07T13:30:00.0000000", "timeZone": "UTC"},
                "end": {"dateTime": "2030-01-07T14:30:00.0000000", "timeZone": "UTC"},
            }],
            "workingHours": {"daysOfWeek": ["monday", "friday"], "startTime": "08:00:00.0000000", "endTime": "17:00:00.0000000", "timeZone": {"name": "UTC"}},
        });
        let people = [("ben@x".to_owned(), Some("Ben Okafor".to_owned()))];
        let shown = serde_json::to_value(schedule(&information, &people, &zone)).unwrap();
        assert_eq!(shown["name"], "Ben Okafor");
        assert_eq!(shown["busy"][0]["start"], "2030-01-07T13:30:00+00:00");
        assert_eq!(shown["working_hours"], "monday,friday 08:00-17:00 UTC");
        let at: Timestamp = "2030-01-07T13:47:12Z".parse().unwrap();
        assert_eq!(round_down(at, 30).to_string(), "2030-01-07T13:30:00Z");
    }
}
