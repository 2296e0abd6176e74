//! Time as Outlook speaks it: `dateTimeTimeZone` values (`"2026-03-02T09:30:00.0000000"` plus a
//! zone name), time zones named the IANA way or the Windows way ("Pacific Standard Time"), and the
//! `Prefer: outlook.timezone` header that renders every start and end in the caller's zone.
//!
//! Zones come from jiff's database: the operating system's zoneinfo on Linux and macOS, the copy
//! jiff bundles on Windows. Nothing is fetched, so the sandbox stays offline; a machine without
//! zoneinfo still knows UTC, and answers any other name as Graph answers an unknown one.

use axum::http::HeaderMap;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::graph::error::{GraphError, GraphResult};

/// Windows time zone names and the IANA zone CLDR maps each to (its "001" territory).
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time", "America/New_York"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("UTC", "UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
];

/// A time zone as the client named it (the name is echoed back in every `timeZone`).
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub tz: TimeZone,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// Resolve an IANA or Windows name, with Graph's 400 for anything else.
    pub fn named(name: &str) -> GraphResult<Zone> {
        resolve(name)
            .map(|tz| Zone {
                name: name.to_owned(),
                tz,
            })
            .ok_or_else(|| unsupported_zone(name))
    }

    /// A `dateTimeTimeZone` for `at`, in this zone.
    pub fn render(&self, at: Timestamp) -> Value {
        json!({
            "dateTime": format_local(at.to_zoned(self.tz.clone()).datetime()),
            "timeZone": self.name,
        })
    }
}

fn resolve(name: &str) -> Option<TimeZone> {
    let trimmed = name.trim();
    if ["utc", "etc/utc", "gmt", "tzone://microsoft/utc"]
        .iter()
        .any(|u| trimmed.eq_ignore_ascii_case(u))
    {
        return Some(TimeZone::UTC);
    }
    let iana = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(trimmed))
        .map_or(trimmed, |(_, iana)| *iana);
    TimeZone::get(iana).ok()
}

pub fn unsupported_zone(name: &str) -> GraphError {
    GraphError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "TimeZoneNotSupportedException",
        format!(
            "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'."
        ),
    )
}

/// `2026-03-02T09:30:00.0000000`: Outlook's seven fractional digits, no offset.
pub fn format_local(dt: DateTime) -> String {
    dt.strftime("%Y-%m-%dT%H:%M:%S%.7f").to_string()
}

/// The instant a `dateTimeTimeZone` names. A `dateTime` carrying its own offset (`Z`, `+02:00`)
/// is taken at that offset; otherwise it is local time in `timeZone` (UTC when absent).
pub fn parse_date_time_time_zone(value: &Value) -> GraphResult<(Timestamp, Zone)> {
    let text = value["dateTime"].as_str().ok_or_else(invalid_property)?;
    let zone = match value["timeZone"].as_str() {
        Some(name) if !name.trim().is_empty() => Zone::named(name)?,
        _ => Zone::utc(),
    };
    let at = parse_instant(text, &zone.tz).ok_or_else(invalid_property)?;
    Ok((at, zone))
}

/// A date-time with an offset, or a local one read in `tz`; `None` when it is neither.
pub fn parse_instant(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    let local = text.parse::<DateTime>().ok().or_else(|| {
        text.parse::<jiff::civil::Date>()
            .ok()
            .map(|d| d.at(0, 0, 0, 0))
    })?;
    tz.to_timestamp(local).ok()
}

/// The 400 Outlook gives for a start, end or recurrence it cannot accept.
pub fn invalid_property() -> GraphError {
    GraphError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "ErrorPropertyValidationFailure",
        "At least one property failed validation.",
    )
}

/// What the caller asked for in `Prefer` headers that the calendar honours.
#[derive(Debug, Clone)]
pub struct Preferences {
    pub zone: Zone,
    /// Set when `outlook.timezone` named a zone (it is then echoed in `Preference-Applied`).
    pub zone_requested: bool,
    pub max_page_size: Option<usize>,
}

impl Preferences {
    /// `Prefer: outlook.timezone="Pacific Standard Time", odata.maxpagesize=50`; an unknown zone
    /// is Graph's `TimeZoneNotSupportedException`.
    pub fn from_headers(headers: &HeaderMap) -> GraphResult<Preferences> {
        let mut preferences = Preferences {
            zone: Zone::utc(),
            zone_requested: false,
            max_page_size: None,
        };
        let entries = headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|entry| entry.split_once('='));
        for (key, value) in entries {
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "outlook.timezone" => {
                    preferences.zone = Zone::named(value)?;
                    preferences.zone_requested = true;
                }
                "odata.maxpagesize" => preferences.max_page_size = value.parse().ok(),
                _ => {}
            }
        }
        Ok(preferences)
    }

    /// The `Preference-Applied` header value, when a preference was applied.
    pub fn applied(&self) -> Option<String> {
        let mut applied = Vec::new();
        if self.zone_requested {
            applied.push(format!("outlook.timezone=\"{}\"", self.zone.name));
        }
        if let Some(size) = self.max_page_size {
            applied.push(format!("odata.maxpagesize={size}"));
        }
        (!applied.is_empty()).then(|| applied.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_iana_names_resolve_to_the_same_rules() {
        let at: Timestamp = "2026-07-01T16:00:00Z".parse().unwrap();
        let windows = Zone::named("Pacific Standard Time").unwrap();
        let iana = Zone::named("America/Los_Angeles").unwrap();
        assert_eq!(
            windows.render(at)["dateTime"],
            "2026-07-01T09:00:00.0000000"
        );
        assert_eq!(iana.render(at)["dateTime"], "2026-07-01T09:00:00.0000000");
        assert_eq!(windows.render(at)["timeZone"], "Pacific Standard Time");
        assert!(Zone::named("Mars/Olympus_Mons").is_err());
    }

    #[test]
    fn local_times_are_read_in_their_zone() {
        let (at, _) = parse_date_time_time_zone(
            &json!({"dateTime": "2026-01-15T09:00:00", "timeZone": "Eastern Standard Time"}),
        )
        .unwrap();
        assert_eq!(at.to_string(), "2026-01-15T14:00:00Z");
        let (at, _) =
            parse_date_time_time_zone(&json!({"dateTime": "2026-01-15T09:00:00.0000000"})).unwrap();
        assert_eq!(at.to_string(), "2026-01-15T09:00:00Z");
        assert!(parse_date_time_time_zone(&json!({"dateTime": "soon"})).is_err());
    }

    #[test]
    fn prefer_headers_name_a_zone_and_a_page_size() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "prefer",
            "outlook.timezone=\"Tokyo Standard Time\", odata.maxpagesize=5"
                .parse()
                .unwrap(),
        );
        let preferences = Preferences::from_headers(&headers).unwrap();
        assert_eq!(preferences.zone.name, "Tokyo Standard Time");
        assert_eq!(preferences.max_page_size, Some(5));
        assert_eq!(
            preferences.applied().unwrap(),
            "outlook.timezone=\"Tokyo Standard Time\", odata.maxpagesize=5"
        );
    }
}
