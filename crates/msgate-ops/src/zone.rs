//! The time zone a calendar command works in (`--tz`): named the IANA way (`Europe/Berlin`) or
//! the Windows way (`W. Europe Standard Time`), as Outlook users know both.
//!
//! Graph does the converting: every calendar request carries `Prefer: outlook.timezone`, so the
//! times that come back are wall-clock times in that zone. msgate still resolves the zone itself,
//! for two things Graph cannot do for it: reading the dates and local times people type
//! (`--from 2026-10-26` is midnight in that zone; Graph reads a window without an offset as UTC),
//! and showing each time with its UTC offset, which is what makes a wall-clock time unambiguous
//! across a daylight saving change. The Windows names map to the IANA zone CLDR gives their
//! "001" territory; this table is the client's own, independent of the sandbox's emulation.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use msgate_core::{Error, ErrorCode, Result};
use serde_json::{Value, json};

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
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
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
    ("FLE Standard Time", "Europe/Kyiv"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
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

/// A time zone: the name Graph is told (canonical spelling) and its rules.
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub tz: TimeZone,
}

impl Zone {
    /// The zone `name` names; without one, this computer's zone (UTC when it has no IANA name).
    pub fn resolve(name: Option<&str>) -> Result<Zone> {
        let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
            let system = TimeZone::system();
            return Ok(system
                .iana_name()
                .and_then(|iana| Zone::resolve(Some(iana)).ok())
                .unwrap_or_else(Zone::utc));
        };
        if ["utc", "etc/utc", "etc/gmt", "gmt", "z"]
            .iter()
            .any(|u| name.eq_ignore_ascii_case(u))
        {
            return Ok(Zone::utc());
        }
        if let Some((windows, iana)) = WINDOWS_ZONES
            .iter()
            .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
        {
            let tz = TimeZone::get(iana).map_err(|_| unknown(name))?;
            return Ok(Zone {
                name: (*windows).to_owned(),
                tz,
            });
        }
        let tz = TimeZone::get(name).map_err(|_| unknown(name))?;
        Ok(Zone {
            name: tz.iana_name().unwrap_or(name).to_owned(),
            tz,
        })
    }

    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    /// The `Prefer` header value that makes Graph answer in this zone.
    pub fn prefer(&self) -> String {
        format!("outlook.timezone=\"{}\"", self.name)
    }

    /// Graph's `dateTimeTimeZone` for an instant: the wall-clock time here, and this zone.
    pub fn date_time_time_zone(&self, at: Timestamp) -> Value {
        json!({
            "dateTime": at.to_zoned(self.tz.clone()).datetime().strftime("%Y-%m-%dT%H:%M:%S").to_string(),
            "timeZone": self.name,
        })
    }

    /// The wall-clock time of `at` here, with its offset: `2026-10-26T09:30:00+01:00`.
    pub fn show(&self, at: Timestamp) -> String {
        at.to_zoned(self.tz.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }

    /// The instant a Graph `dateTimeTimeZone` names: its wall-clock time read in its own zone
    /// (this one, as `Prefer` asked, or whichever Graph named).
    pub fn instant(&self, value: &Value) -> Option<Timestamp> {
        let text = value["dateTime"].as_str()?;
        if let Ok(at) = text.parse::<Timestamp>() {
            return Some(at);
        }
        let local: DateTime = text.parse().ok()?;
        let tz = match value["timeZone"].as_str() {
            Some(name) if !name.eq_ignore_ascii_case(&self.name) => {
                Zone::resolve(Some(name)).ok()?.tz
            }
            _ => self.tz.clone(),
        };
        tz.to_ambiguous_timestamp(local).compatible().ok()
    }

    /// A Graph `dateTimeTimeZone` shown as [`Zone::show`] does.
    pub fn show_graph(&self, value: &Value) -> Option<String> {
        self.instant(value).map(|at| self.show(at))
    }
}

fn unknown(name: &str) -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        format!("'{name}' is not a time zone msgate knows"),
    )
    .with_hint("name it the IANA way (Europe/Berlin, America/New_York) or the Windows way (W. Europe Standard Time)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_and_windows_names_resolve_with_canonical_spelling() {
        let windows = Zone::resolve(Some("w. europe standard time")).unwrap();
        assert_eq!(windows.name, "W. Europe Standard Time");
        let iana = Zone::resolve(Some("Europe/Berlin")).unwrap();
        assert_eq!(iana.name, "Europe/Berlin");
        assert_eq!(Zone::resolve(Some("utc")).unwrap().name, "UTC");
        assert_eq!(
            Zone::resolve(Some("Mars/Olympus"))
                .unwrap_err()
                .exit()
                .status(),
            2
        );
        assert!(!Zone::resolve(None).unwrap().name.is_empty());
        assert_eq!(iana.prefer(), "outlook.timezone=\"Europe/Berlin\"");
    }

    #[test]
    fn wall_clock_times_carry_their_offset_across_a_dst_change() {
        let berlin = Zone::resolve(Some("Europe/Berlin")).unwrap();
        let before =
            json!({"dateTime": "2026-10-19T09:30:00.0000000", "timeZone": "Europe/Berlin"});
        let after = json!({"dateTime": "2026-10-26T09:30:00.0000000", "timeZone": "Europe/Berlin"});
        assert_eq!(
            berlin.show_graph(&before).unwrap(),
            "2026-10-19T09:30:00+02:00"
        );
        assert_eq!(
            berlin.show_graph(&after).unwrap(),
            "2026-10-26T09:30:00+01:00"
        );
        // A time Graph gave in another zone is read in that zone.
        let utc = json!({"dateTime": "2026-10-26T08:30:00.0000000", "timeZone": "UTC"});
        assert_eq!(
            berlin.show_graph(&utc).unwrap(),
            "2026-10-26T09:30:00+01:00"
        );
        let at: Timestamp = "2026-10-26T08:30:00Z".parse().unwrap();
        assert_eq!(
            berlin.date_time_time_zone(at),
            json!({"dateTime": "2026-10-26T09:30:00", "timeZone": "Europe/Berlin"})
        );
    }
}
