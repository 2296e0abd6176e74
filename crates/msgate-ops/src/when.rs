//! Points in time as people and agents write them: an RFC 3339 timestamp
//! (`2026-11-20T09:00:00Z`), a date (`2026-11-20`, midnight UTC), or a span back from now
//! (`30m`, `2h`, `3d`, `1w`).

use jiff::{SignedDuration, Timestamp};
use msgate_core::{Error, ErrorCode, Result};

/// The instant `text` names.
pub fn parse(text: &str) -> Result<Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| invalid(text, &e.to_string()));
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| invalid(text, "not a time"))?;
    let seconds = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(invalid(text, "unknown unit")),
    };
    let span = SignedDuration::from_secs(number.saturating_mul(seconds));
    Timestamp::now()
        .checked_sub(span)
        .map_err(|e| invalid(text, &e.to_string()))
}

fn invalid(text: &str, why: &str) -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        format!("'{text}' is not a time ({why})"),
    )
    .with_hint("write 2026-11-20T09:00:00Z, 2026-11-20, or a span back from now: 30m, 2h, 3d, 1w")
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
        assert!(parse("3 fortnights").is_err());
        assert_eq!(parse("yesterday").unwrap_err().exit().status(), 2);
    }
}
