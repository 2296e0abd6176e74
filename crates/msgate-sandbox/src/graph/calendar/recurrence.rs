//! Recurring series as Outlook expands them: a `patternedRecurrence` (daily, weekly,
//! absolute/relative monthly and yearly patterns; ranges ending on a date, after a number of
//! occurrences, or never) turned into the dates a series occurs on. Dates are civil dates in the
//! series' own time zone, so a 09:30 stand-up stays at 09:30 local time across daylight saving.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde_json::Value;

use super::zones::invalid_property;
use crate::graph::error::GraphResult;

/// A validated recurrence, ready to enumerate dates.
#[derive(Debug, Clone)]
pub struct Recurrence {
    pattern: Pattern,
    interval: i64,
    start: Date,
    end: End,
}

#[derive(Debug, Clone)]
enum Pattern {
    Daily,
    Weekly {
        days: Vec<Weekday>,
        first_day: Weekday,
    },
    AbsoluteMonthly {
        day: i8,
    },
    RelativeMonthly {
        days: Vec<Weekday>,
        index: Index,
    },
    AbsoluteYearly {
        month: i8,
        day: i8,
    },
    RelativeYearly {
        month: i8,
        days: Vec<Weekday>,
        index: Index,
    },
}

#[derive(Debug, Clone, Copy)]
enum Index {
    Nth(usize),
    Last,
}

#[derive(Debug, Clone, Copy)]
enum End {
    Date(Date),
    Count(usize),
    Never,
}

/// How many days of a series are ever walked: a century, so enumeration always ends.
const HORIZON_DAYS: usize = 36_525;

impl Recurrence {
    /// Read `recurrence` from an event, with Outlook's 400 for an incomplete pattern or range.
    pub fn parse(recurrence: &Value) -> GraphResult<Recurrence> {
        let pattern = &recurrence["pattern"];
        let range = &recurrence["range"];
        let interval = pattern["interval"].as_i64().unwrap_or(1);
        if interval < 1 {
            return Err(invalid_property());
        }
        let days = || -> GraphResult<Vec<Weekday>> {
            let days: Vec<Weekday> = pattern["daysOfWeek"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str().and_then(weekday))
                .collect();
            if days.is_empty() {
                Err(invalid_property())
            } else {
                Ok(days)
            }
        };
        let day_of_month = || {
            pattern["dayOfMonth"]
                .as_i64()
                .filter(|d| (1..=31).contains(d))
                .and_then(|d| i8::try_from(d).ok())
                .ok_or_else(invalid_property)
        };
        let month = || {
            pattern["month"]
                .as_i64()
                .filter(|m| (1..=12).contains(m))
                .and_then(|m| i8::try_from(m).ok())
                .ok_or_else(invalid_property)
        };
        let index = || match pattern["index"].as_str().unwrap_or("first") {
            "first" => Ok(Index::Nth(0)),
            "second" => Ok(Index::Nth(1)),
            "third" => Ok(Index::Nth(2)),
            "fourth" => Ok(Index::Nth(3)),
            "last" => Ok(Index::Last),
            _ => Err(invalid_property()),
        };
        let pattern = match pattern["type"].as_str() {
            Some("daily") => Pattern::Daily,
            Some("weekly") => Pattern::Weekly {
                days: days()?,
                first_day: pattern["firstDayOfWeek"]
                    .as_str()
                    .and_then(weekday)
                    .unwrap_or(Weekday::Sunday),
            },
            Some("absoluteMonthly") => Pattern::AbsoluteMonthly {
                day: day_of_month()?,
            },
            Some("relativeMonthly") => Pattern::RelativeMonthly {
                days: days()?,
                index: index()?,
            },
            Some("absoluteYearly") => Pattern::AbsoluteYearly {
                month: month()?,
                day: day_of_month()?,
            },
            Some("relativeYearly") => Pattern::RelativeYearly {
                month: month()?,
                days: days()?,
                index: index()?,
            },
            _ => return Err(invalid_property()),
        };
        let date = |field: &str| {
            range[field]
                .as_str()
                .and_then(|d| d.parse::<Date>().ok())
                .ok_or_else(invalid_property)
        };
        let start = date("startDate")?;
        let end = match range["type"].as_str() {
            Some("endDate") => {
                let end = date("endDate")?;
                if end < start {
                    return Err(invalid_property());
                }
                End::Date(end)
            }
            Some("numbered") => End::Count(
                range["numberOfOccurrences"]
                    .as_u64()
                    .filter(|n| *n >= 1)
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(invalid_property)?,
            ),
            Some("noEnd") => End::Never,
            _ => return Err(invalid_property()),
        };
        Ok(Recurrence {
            pattern,
            interval,
            start,
            end,
        })
    }

    /// The time zone the series is laid out in, when the range names one.
    pub fn zone_name(recurrence: &Value) -> Option<&str> {
        recurrence["range"]["recurrenceTimeZone"]
            .as_str()
            .filter(|z| !z.is_empty())
    }

    /// Every date the series occurs on, in order, up to and including `until`.
    pub fn dates_until(&self, until: Date) -> Vec<Date> {
        let mut dates = Vec::new();
        let mut day = self.start;
        for _ in 0..HORIZON_DAYS {
            if day > until {
                break;
            }
            match self.end {
                End::Date(end) if day > end => break,
                End::Count(count) if dates.len() >= count => break,
                _ => {}
            }
            if self.occurs_on(day) {
                dates.push(day);
            }
            match day.checked_add(1.day()) {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        dates
    }

    fn occurs_on(&self, day: Date) -> bool {
        let months = months_between(self.start, day);
        let years = i64::from(day.year() - self.start.year());
        match &self.pattern {
            Pattern::Daily => days_between(self.start, day) % self.interval == 0,
            Pattern::Weekly { days, first_day } => {
                let weeks = days_between(
                    week_start(self.start, *first_day),
                    week_start(day, *first_day),
                ) / 7;
                weeks % self.interval == 0 && days.contains(&day.weekday())
            }
            Pattern::AbsoluteMonthly { day: dom } => {
                months % self.interval == 0 && day == clamp_day(day, *dom)
            }
            Pattern::RelativeMonthly { days, index } => {
                months % self.interval == 0 && Some(day) == relative_day(day, days, *index)
            }
            Pattern::AbsoluteYearly { month, day: dom } => {
                years % self.interval == 0 && day.month() == *month && day == clamp_day(day, *dom)
            }
            Pattern::RelativeYearly { month, days, index } => {
                years % self.interval == 0
                    && day.month() == *month
                    && Some(day) == relative_day(day, days, *index)
            }
        }
    }
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name {
        "sunday" => Weekday::Sunday,
        "monday" => Weekday::Monday,
        "tuesday" => Weekday::Tuesday,
        "wednesday" => Weekday::Wednesday,
        "thursday" => Weekday::Thursday,
        "friday" => Weekday::Friday,
        "saturday" => Weekday::Saturday,
        _ => return None,
    })
}

fn days_between(from: Date, to: Date) -> i64 {
    to.since(from).map_or(0, |span| i64::from(span.get_days()))
}

fn months_between(from: Date, to: Date) -> i64 {
    i64::from(to.year() - from.year()) * 12 + i64::from(to.month() - from.month())
}

fn week_start(day: Date, first_day: Weekday) -> Date {
    let back = i64::from(day.weekday().since(first_day));
    day.checked_sub(back.days()).unwrap_or(day)
}

/// Day `dom` of `day`'s month, or the month's last day when the month is shorter.
fn clamp_day(day: Date, dom: i8) -> Date {
    let dom = dom.min(day.days_in_month());
    Date::new(day.year(), day.month(), dom).unwrap_or(day)
}

/// The `index`th day of `day`'s month whose weekday is one of `days`.
fn relative_day(day: Date, days: &[Weekday], index: Index) -> Option<Date> {
    let first = day.first_of_month();
    let matching: Vec<Date> = (0..day.days_in_month())
        .filter_map(|offset| first.checked_add(i64::from(offset).days()).ok())
        .filter(|d| days.contains(&d.weekday()))
        .collect();
    match index {
        Index::Nth(n) => matching.get(n).copied(),
        Index::Last => matching.last().copied(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn dates(recurrence: Value, until: &str) -> Vec<String> {
        Recurrence::parse(&recurrence)
            .unwrap()
            .dates_until(until.parse().unwrap())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn weekly_series_land_on_the_named_days_every_other_week() {
        let got = dates(
            json!({
                "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["monday", "thursday"]},
                "range": {"type": "noEnd", "startDate": "2026-03-02"}
            }),
            "2026-03-31",
        );
        assert_eq!(
            got,
            [
                "2026-03-02",
                "2026-03-05",
                "2026-03-16",
                "2026-03-19",
                "2026-03-30"
            ]
        );
    }

    #[test]
    fn daily_and_monthly_series_respect_their_ranges() {
        let got = dates(
            json!({
                "pattern": {"type": "daily", "interval": 3},
                "range": {"type": "numbered", "startDate": "2026-01-30", "numberOfOccurrences": 3}
            }),
            "2026-12-31",
        );
        assert_eq!(got, ["2026-01-30", "2026-02-02", "2026-02-05"]);
        let got = dates(
            json!({
                "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
                "range": {"type": "endDate", "startDate": "2026-01-01", "endDate": "2026-04-30"}
            }),
            "2026-12-31",
        );
        assert_eq!(
            got,
            ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]
        );
        let got = dates(
            json!({
                "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
                "range": {"type": "numbered", "startDate": "2026-01-01", "numberOfOccurrences": 2}
            }),
            "2026-12-31",
        );
        assert_eq!(got, ["2026-01-30", "2026-02-27"]);
    }

    #[test]
    fn incomplete_recurrences_are_refused() {
        for bad in [
            json!({"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2026-01-01"}}),
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate", "startDate": "2026-01-01"}}),
            json!({"pattern": {"type": "hourly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2026-01-01"}}),
            json!({"pattern": {"type": "daily", "interval": 0}, "range": {"type": "noEnd", "startDate": "2026-01-01"}}),
        ] {
            assert!(Recurrence::parse(&bad).is_err(), "{bad}");
        }
    }
}
