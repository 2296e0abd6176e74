//! The demo tenant's calendars: a default calendar for everyone, and around the default user a
//! realistic working week — a stand-up every weekday, a daily focus block, 1:1s, a monthly
//! review, Teams meetings in the coming days (among them the quarterly planning review) and two
//! meetings in the past week whose transcripts and attendance the meetings seed adds.
//!
//! All times are UTC, the tenant's working zone; dates are counted in working days from today,
//! so the week looks the same whenever the sandbox starts. Ids derive from subjects.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::events::{ical_uid, invite, save, tenant_mailboxes};
use super::shapes::{self, Mailbox, NewEvent, Times};
use crate::graph::meetings;
use crate::store::Store;
use crate::tenant::Tenant;
use crate::{clock, ids};

/// How an attendee had answered by the time the sandbox starts.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Accepted,
    Tentative,
    Pending,
}

/// When a seeded event first happens and how it repeats.
#[derive(Debug, Clone, Copy)]
enum Repeat {
    Once,
    /// Weekly on these days, every `interval` weeks.
    Weekly {
        days: &'static [&'static str],
        interval: i64,
        end: End,
    },
    Daily {
        end: End,
    },
    /// On the first date's day of the month, every month.
    Monthly {
        end: End,
    },
}

#[derive(Debug, Clone, Copy)]
enum End {
    Never,
    AfterDays(i64),
    Count(u32),
}

/// The first date of a seeded event, relative to today.
#[derive(Debug, Clone, Copy)]
enum Day {
    /// This many working days from today (negative: ago).
    WorkingDays(i64),
    /// This weekday, this many weeks from the current week (negative: ago).
    Weekday(Weekday, i64),
    /// This many months ago, on the day of the month two working days from today.
    MonthsAgo(i32),
}

struct Seeded {
    subject: &'static str,
    organizer: &'static str,
    attendees: &'static [(&'static str, Reply)],
    day: Day,
    /// Start (hour, minute) UTC and length in minutes.
    at: (i8, i8),
    minutes: i64,
    repeat: Repeat,
    teams: bool,
    location: &'static str,
    body: &'static str,
}

const WEEKDAYS: &[&str] = &["monday", "tuesday", "wednesday", "thursday", "friday"];

const SEEDED: &[Seeded] = &[
    Seeded {
        subject: "Product stand-up",
        organizer: "ada.brennan",
        attendees: &[
            ("chloe.martin", Reply::Accepted),
            ("liam.oconnor", Reply::Accepted),
            ("kira.tanaka", Reply::Accepted),
            ("dev.patel", Reply::Tentative),
        ],
        day: Day::Weekday(Weekday::Monday, -3),
        at: (9, 30),
        minutes: 15,
        repeat: Repeat::Weekly {
            days: WEEKDAYS,
            interval: 1,
            end: End::Never,
        },
        teams: true,
        location: "",
        body: "<p>Fifteen minutes: yesterday, today, blockers.</p>",
    },
    Seeded {
        subject: "Focus time",
        organizer: "ada.brennan",
        attendees: &[],
        day: Day::Weekday(Weekday::Monday, -2),
        at: (13, 0),
        minutes: 120,
        repeat: Repeat::Daily {
            end: End::AfterDays(70),
        },
        teams: false,
        location: "",
        body: "<p>Heads-down time for roadmap work.</p>",
    },
    Seeded {
        subject: "Ada / Hugo 1:1",
        organizer: "hugo.lindqvist",
        attendees: &[("ada.brennan", Reply::Accepted)],
        day: Day::Weekday(Weekday::Tuesday, -3),
        at: (16, 0),
        minutes: 30,
        repeat: Repeat::Weekly {
            days: &["tuesday"],
            interval: 1,
            end: End::Count(12),
        },
        teams: true,
        location: "",
        body: "<p>Weekly 1:1.</p>",
    },
    Seeded {
        subject: "Ada / Chloe 1:1",
        organizer: "ada.brennan",
        attendees: &[("chloe.martin", Reply::Accepted)],
        day: Day::Weekday(Weekday::Thursday, -2),
        at: (10, 0),
        minutes: 30,
        repeat: Repeat::Weekly {
            days: &["thursday"],
            interval: 2,
            end: End::AfterDays(90),
        },
        teams: false,
        location: "Harbour Office - Room 2",
        body: "<p>Design and research check-in, every other week.</p>",
    },
    Seeded {
        subject: "Product metrics review",
        organizer: "ines.duarte",
        attendees: &[
            ("ada.brennan", Reply::Accepted),
            ("farid.haddad", Reply::Accepted),
            ("hugo.lindqvist", Reply::Tentative),
        ],
        day: Day::MonthsAgo(2),
        at: (11, 0),
        minutes: 60,
        repeat: Repeat::Monthly { end: End::Never },
        teams: true,
        location: "",
        body: "<p>Activation, retention and revenue for the month.</p>",
    },
    Seeded {
        subject: "Quarterly planning review",
        organizer: "hugo.lindqvist",
        attendees: &[
            ("ada.brennan", Reply::Pending),
            ("grace.kim", Reply::Accepted),
            ("ines.duarte", Reply::Accepted),
            ("farid.haddad", Reply::Tentative),
        ],
        day: Day::WorkingDays(2),
        at: (15, 0),
        minutes: 90,
        repeat: Repeat::Once,
        teams: true,
        location: "Harbour Office - Boardroom",
        body: "<p>Agenda: last quarter against plan, the roadmap for next quarter (Ada), engineering capacity (Grace), budget (Ines).</p>",
    },
    Seeded {
        subject: "Release 4.2 go/no-go",
        organizer: "dev.patel",
        attendees: &[
            ("ada.brennan", Reply::Accepted),
            ("liam.oconnor", Reply::Accepted),
            ("kira.tanaka", Reply::Pending),
        ],
        day: Day::WorkingDays(1),
        at: (11, 0),
        minutes: 30,
        repeat: Repeat::Once,
        teams: true,
        location: "",
        body: "<p>Open issues, release notes, support readiness.</p>",
    },
    Seeded {
        subject: "Onboarding mock-up review",
        organizer: "chloe.martin",
        attendees: &[
            ("ada.brennan", Reply::Accepted),
            ("liam.oconnor", Reply::Pending),
        ],
        day: Day::WorkingDays(1),
        at: (15, 0),
        minutes: 45,
        repeat: Repeat::Once,
        teams: false,
        location: "Harbour Office - Design studio",
        body: "<p>Walk through the revised onboarding flow.</p>",
    },
    Seeded {
        subject: "Customer Co renewal call",
        organizer: "ada.brennan",
        attendees: &[("jonas.weber", Reply::Accepted)],
        day: Day::WorkingDays(3),
        at: (10, 0),
        minutes: 45,
        repeat: Repeat::Once,
        teams: true,
        location: "",
        body: "<p>Renewal terms and the roadmap preview for Customer Co.</p>",
    },
    Seeded {
        subject: "Runner cost review",
        organizer: "ada.brennan",
        attendees: &[
            ("grace.kim", Reply::Accepted),
            ("ben.okafor", Reply::Accepted),
            ("farid.haddad", Reply::Accepted),
        ],
        day: Day::WorkingDays(-2),
        at: (10, 0),
        minutes: 45,
        repeat: Repeat::Once,
        teams: true,
        location: "",
        body: "<p>Decide between the self-hosted CI runners and the managed pool.</p>",
    },
    Seeded {
        subject: "Roadmap sync: onboarding",
        organizer: "ada.brennan",
        attendees: &[
            ("chloe.martin", Reply::Accepted),
            ("liam.oconnor", Reply::Accepted),
            ("kira.tanaka", Reply::Accepted),
        ],
        day: Day::WorkingDays(-4),
        at: (15, 15),
        minutes: 30,
        repeat: Repeat::Once,
        teams: true,
        location: "",
        body: "<p>Where the new onboarding flow stands, and which release it ships in.</p>",
    },
];

/// Outside contacts some seeded meetings include (they get no invitation in the tenant).
const EXTERNAL_ATTENDEES: &[(&str, &str, &str)] = &[(
    "Customer Co renewal call",
    "Tomas Reyes",
    "tomas.reyes@customer.example.invalid",
)];

pub async fn seed(store: &Store, tenant: &Tenant) -> msgate_core::Result<()> {
    let directory = store.list("user", "").await?;
    for user in &directory {
        let owner = Mailbox::of(user);
        store
            .put(
                "calendar",
                &owner.id,
                &shapes::calendar_id(&owner.id),
                &shapes::calendar_doc(&owner),
            )
            .await?;
    }
    let today = jiff::Timestamp::now().to_zoned(TimeZone::UTC).date();
    for seeded in SEEDED {
        seed_event(store, tenant, &directory, seeded, today).await?;
    }
    Ok(())
}

fn by_nickname<'a>(directory: &'a [Value], nickname: &str) -> Option<&'a Value> {
    directory.iter().find(|u| u["mailNickname"] == nickname)
}

async fn seed_event(
    store: &Store,
    tenant: &Tenant,
    directory: &[Value],
    seeded: &Seeded,
    today: Date,
) -> msgate_core::Result<()> {
    let Some(organizer) = by_nickname(directory, seeded.organizer).map(Mailbox::of) else {
        return Ok(());
    };
    let first = first_date(seeded.day, today);
    let start = first
        .at(seeded.at.0, seeded.at.1, 0, 0)
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or_else(|_| jiff::Timestamp::now());
    let end = start.checked_add(seeded.minutes.minutes()).unwrap_or(start);
    let times = Times {
        start,
        end,
        start_zone: "UTC".to_owned(),
        end_zone: "UTC".to_owned(),
    };
    let mut attendee_list: Vec<Value> = seeded
        .attendees
        .iter()
        .filter_map(|(nickname, _)| by_nickname(directory, nickname))
        .map(|u| {
            let m = Mailbox::of(u);
            json!({"type": "required", "emailAddress": {"name": m.name, "address": m.address}})
        })
        .collect();
    for (_, name, address) in EXTERNAL_ATTENDEES
        .iter()
        .filter(|(subject, _, _)| *subject == seeded.subject)
    {
        attendee_list
            .push(json!({"type": "required", "emailAddress": {"name": name, "address": address}}));
    }
    let attendees = shapes::attendees(&json!(attendee_list), directory).unwrap_or_default();
    let key = format!("seed:{}", seeded.subject);
    let mut request = json!({
        "subject": seeded.subject,
        "body": {"contentType": "html", "content": seeded.body},
        "location": {"displayName": seeded.location},
        "recurrence": recurrence(seeded.repeat, first),
    });
    let online_meeting = if seeded.teams {
        let meeting = meetings::create_for_event(
            store,
            &tenant.id,
            &organizer,
            &tenant_mailboxes(&attendees, directory),
            seeded.subject,
            (start, end),
            Some(&key),
        )
        .await?;
        request["body"] = meetings::with_join_information(&request["body"], &meeting);
        meetings::event_info(&meeting)
    } else {
        Value::Null
    };
    let mut event = shapes::event_doc(NewEvent {
        id: shapes::event_id(Some(&key)),
        ical_uid: ical_uid(Some(&key)),
        organizer: &organizer,
        request: &request,
        times: &times,
        attendees,
        online_meeting,
        created: clock::minutes_ago(60 * 24 * 35),
    });
    event["changeKey"] = json!(ids::stable_guid(&format!("change:{key}")));
    event["@odata.etag"] = json!(format!(
        "W/\"{}\"",
        event["changeKey"].as_str().unwrap_or_default()
    ));
    record_replies(&mut event, seeded, directory);
    save(store, &organizer.id, &event).await?;
    let everyone = event["attendees"].as_array().cloned().unwrap_or_default();
    invite(store, &event, &everyone, directory, Some(&key)).await?;
    answer_invitations(store, &event, seeded, directory).await
}

fn first_date(day: Day, today: Date) -> Date {
    match day {
        Day::WorkingDays(n) => working_days_from(today, n),
        Day::Weekday(weekday, weeks) => {
            let monday = today
                .checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days())
                .unwrap_or(today);
            monday
                .checked_add((weeks * 7 + i64::from(weekday.to_monday_zero_offset())).days())
                .unwrap_or(monday)
        }
        Day::MonthsAgo(months) => {
            let day_of_month = working_days_from(today, 2).day().min(28);
            let back = today
                .checked_sub(i64::from(months).months())
                .unwrap_or(today);
            Date::new(back.year(), back.month(), day_of_month).unwrap_or(back)
        }
    }
}

/// `n` working days (Monday to Friday) from `today`; negative counts back.
fn working_days_from(today: Date, n: i64) -> Date {
    let step = if n < 0 { -1 } else { 1 };
    let mut day = today;
    let mut left = n.abs();
    while left > 0 {
        day = day.checked_add(step.days()).unwrap_or(day);
        if !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            left -= 1;
        }
    }
    day
}

fn recurrence(repeat: Repeat, first: Date) -> Value {
    let range = |end: End| match end {
        End::Never => {
            json!({"type": "noEnd", "startDate": first.to_string(), "endDate": "0001-01-01", "numberOfOccurrences": 0, "recurrenceTimeZone": "UTC"})
        }
        End::AfterDays(days) => json!({
            "type": "endDate",
            "startDate": first.to_string(),
            "endDate": first.checked_add(days.days()).unwrap_or(first).to_string(),
            "numberOfOccurrences": 0,
            "recurrenceTimeZone": "UTC",
        }),
        End::Count(count) => {
            json!({"type": "numbered", "startDate": first.to_string(), "endDate": "0001-01-01", "numberOfOccurrences": count, "recurrenceTimeZone": "UTC"})
        }
    };
    let pattern = |kind: &str, interval: i64, days: &[&str], day_of_month: i8| {
        json!({
            "type": kind,
            "interval": interval,
            "month": 0,
            "dayOfMonth": day_of_month,
            "daysOfWeek": days,
            "firstDayOfWeek": "sunday",
            "index": "first",
        })
    };
    match repeat {
        Repeat::Once => Value::Null,
        Repeat::Weekly {
            days,
            interval,
            end,
        } => json!({"pattern": pattern("weekly", interval, days, 0), "range": range(end)}),
        Repeat::Daily { end } => {
            json!({"pattern": pattern("daily", 1, &[], 0), "range": range(end)})
        }
        Repeat::Monthly { end } => json!({
            "pattern": pattern("absoluteMonthly", 1, &[], first.day()),
            "range": range(end),
        }),
    }
}

fn response_of(reply: Reply) -> Option<&'static str> {
    match reply {
        Reply::Accepted => Some("accepted"),
        Reply::Tentative => Some("tentativelyAccepted"),
        Reply::Pending => None,
    }
}

/// The organizer's copy shows who has answered.
fn record_replies(event: &mut Value, seeded: &Seeded, directory: &[Value]) {
    let answered = clock::minutes_ago(60 * 24 * 3);
    let Some(list) = event["attendees"].as_array_mut() else {
        return;
    };
    for (nickname, reply) in seeded.attendees {
        let (Some(user), Some(response)) = (by_nickname(directory, nickname), response_of(*reply))
        else {
            continue;
        };
        let address = Mailbox::of(user).address;
        for attendee in list
            .iter_mut()
            .filter(|a| shapes::same_address(a, &address))
        {
            attendee["status"] = json!({"response": response, "time": answered});
        }
    }
}

/// Each attendee's copy shows their own answer.
async fn answer_invitations(
    store: &Store,
    event: &Value,
    seeded: &Seeded,
    directory: &[Value],
) -> msgate_core::Result<()> {
    let answered = clock::minutes_ago(60 * 24 * 3);
    for (nickname, reply) in seeded.attendees {
        let (Some(user), Some(response)) = (by_nickname(directory, nickname), response_of(*reply))
        else {
            continue;
        };
        let owner = Mailbox::of(user).id;
        let Some(mut copy) = super::events::same_meeting(store, &owner, event, false).await? else {
            continue;
        };
        copy["responseStatus"] = json!({"response": response, "time": answered});
        copy["showAs"] = json!(if response == "accepted" {
            "busy"
        } else {
            "tentative"
        });
        save(store, &owner, &copy).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_skip_weekends() {
        let friday: Date = "2026-03-06".parse().unwrap();
        assert_eq!(working_days_from(friday, 1).to_string(), "2026-03-09");
        assert_eq!(working_days_from(friday, -5).to_string(), "2026-02-27");
        let monday = first_date(Day::Weekday(Weekday::Monday, -1), friday);
        assert_eq!(monday.to_string(), "2026-02-23");
    }

    #[test]
    fn seeded_recurrences_are_valid() {
        let first: Date = "2026-03-02".parse().unwrap();
        for seeded in SEEDED {
            let value = recurrence(seeded.repeat, first);
            if !value.is_null() {
                super::super::recurrence::Recurrence::parse(&value).unwrap();
            }
        }
    }
}
