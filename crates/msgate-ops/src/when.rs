//! Points in time and lengths of time as people and agents write them: an RFC 3339 timestamp
//! (`2026-11-20T09:00:00Z`), a date (`2026-11-20`, midnight) or a local date and time
//! (`2026-11-20T09:00`) — both read in UTC unless a zone is given —, `now`, `today`, `tomorrow`,
//! or a span from now: back (`30m`, `2h`, `3d`, `1w`, also `-2d`) or ahead (`+2d`, `+1h30m`).

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use msgate_core::{Error, ErrorCode, Result};

/// The instant `text` names, dates and local times read in UTC.
pub fn parse(text: &str) -> Result<Timestamp> {
    parse_in(text, &TimeZone::UTC)
}

/// The instant `text` names, dates and local times (and `today`, `tomorrow`) read in `tz`.
pub fn parse_in(text: &str, tz: &TimeZone) -> Result<Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let local = |dt: DateTime| {
        tz.to_ambiguous_timestamp(dt)
            .compatible()
            .map_err(|e| invalid(text, &e.to_string()))
    };
    if let Ok(dt) = text.replacen(' ', "T", 1).parse::<DateTime>() {
        return local(dt);
    }
    if let Ok(date) = text.parse::<Date>() {
        return local(date.to_datetime(jiff::civil::Time::midnight()));
    }
    match text.to_ascii_lowercase().as_str() {
        "now" => return Ok(Timestamp::now()),
        "today" | "tomorrow" => {
            let today = Timestamp::now().to_zoned(tz.clone()).date();
            let day = if text.eq_ignore_ascii_case("tomorrow") {
                today
                    .checked_add(1.day())
                    .map_err(|e| invalid(text, &e.to_string()))?
            } else {
                today
            };
            return local(day.to_datetime(jiff::civil::Time::midnight()));
        }
        _ => {}
    }
    let (ahead, span) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('-').unwrap_or(text)),
    };
    let length = length(span).ok_or_else(|| invalid(text, "not a time"))?;
    let now = Timestamp::now();
    let at = if ahead {
        now.checked_add(length)
    } else {
        now.checked_sub(length)
    };
    at.map_err(|e| invalid(text, &e.to_string()))
}

/// A length of time: `30m`, `1h`, `1h30m`, `2d`, `1w` (units s, m/min, h, d, w).
pub fn duration(text: &str) -> Result<SignedDuration> {
    length(text.trim())
        .filter(|d| d.is_positive())
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("'{}' is not a length of time", text.trim()),
            )
            .with_hint("write it like 30m, 1h, 1h30m or 2d")
        })
}

/// `1h30m` as a duration: one or more numbers, each followed by its unit.
fn length(text: &str) -> Option<SignedDuration> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut seconds: i64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let number: i64 = rest[..digits].parse().ok()?;
        let after = rest[digits..].trim_start();
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let unit = match &after[..unit_len] {
            "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            _ => return None,
        };
        seconds = seconds.checked_add(number.checked_mul(unit)?)?;
        rest = after[unit_len..].trim_start();
    }
    Some(SignedDuration::from_secs(seconds))
}

fn invalid(text: &str, why: &str) -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        format!("'{text}' is not a time ({why})"),
    )
    .with_hint(
        "write 2026-11-20T09:00:00Z, 2026-11-20, 2026-11-20T09:00, today, or a span from now: 2h or 3d back, +2d ahead",
    )
}

/// Graph's form: RFC 3339 in UTC with a `Z`.
pub fn graph(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_dates_and_spans() {
        assert_eq!(
            graph(parse("2026-11-20T09:00:00Z").unwrap()),
            "2026-11-20T09:00:00.000Z"
        );
        assert_eq!(
            graph(parse("2026-11-20").unwrap()),
            "2026-11-20T00:00:00.000Z"
        );
        let two_hours = Timestamp::now().duration_since(parse("2h").unwrap());
        assert!((two_hours.as_secs() - 7200).abs() <= 2, "{two_hours:?}");
        let back = Timestamp::now().duration_since(parse("-1d").unwrap());
        assert!((back.as_secs() - 86_400).abs() <= 2, "{back:?}");
        assert!(parse("3 fortnights").is_err());
        assert_eq!(parse("yesterday").unwrap_err().exit().status(), 2);
    }

    #[test]
    fn forward_spans_and_local_times_in_a_zone() {
        let ahead = parse("+1h30m").unwrap().duration_since(Timestamp::now());
        assert!((ahead.as_secs() - 5400).abs() <= 2, "{ahead:?}");
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // Summer time before the last Sunday of October, standard time after.
        assert_eq!(
            graph(parse_in("2026-10-24T09:30", &berlin).unwrap()),
            "2026-10-24T07:30:00.000Z"
        );
        assert_eq!(
            graph(parse_in("2026-10-26 09:30", &berlin).unwrap()),
            "2026-10-26T08:30:00.000Z"
        );
        assert_eq!(
            graph(parse_in("2026-10-26", &berlin).unwrap()),
            "2026-10-25T23:00:00.000Z"
        );
        // An explicit offset wins over the zone.
        assert_eq!(
            graph(parse_in("2026-10-26T09:30:00Z", &berlin).unwrap()),
            "2026-10-26T09:30:00.000Z"
        );
        let today = parse_in("today", &berlin).unwrap().to_zoned(berlin.clone());
        assert_eq!(today.time(), jiff::civil::Time::midnight());
        assert!(parse_in("tomorrow", &berlin).unwrap() > parse_in("today", &berlin).unwrap());
    }

    #[test]
    fn lengths_of_time() {
        assert_eq!(duration("30m").unwrap().as_secs(), 1800);
        assert_eq!(duration("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(duration("1h 15min").unwrap().as_secs(), 4500);
        assert_eq!(duration("2d").unwrap().as_secs(), 172_800);
        for bad in ["", "0m", "soon", "5", "1x"] {
            assert_eq!(duration(bad).unwrap_err().exit().status(), 2, "{bad}");
        }
    }
}
