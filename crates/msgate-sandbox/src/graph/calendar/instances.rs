//! What a calendar holds in a time window: single events as stored, and series masters expanded
//! into their occurrences (each with its own id, `type: occurrence` and `seriesMasterId`),
//! minus the occurrences the organizer cancelled, and with the occurrences that were changed on
//! their own (an answer to just that one) shown as their exceptions (`type: exception`).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::recurrence::Recurrence;
use super::shapes::{self, ItemId, Times, event_not_found};
use super::zones::Zone;
use crate::graph::error::GraphResult;
use crate::state::AppState;

/// One event or occurrence, with its times.
#[derive(Debug, Clone)]
pub struct Instance {
    pub doc: Value,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Instance {
    pub fn overlaps(&self, from: Timestamp, to: Timestamp) -> bool {
        self.start < to && (self.end > from || (self.start == self.end && self.start >= from))
    }
}

/// Every instance of `events` that overlaps `[from, to)`, earliest first.
pub fn in_window(events: &[Value], from: Timestamp, to: Timestamp) -> Vec<Instance> {
    let mut out: Vec<Instance> = events
        .iter()
        .flat_map(|event| expand(event, from, to))
        .filter(|i| i.overlaps(from, to))
        .collect();
    out.sort_by_key(|i| i.start);
    out
}

/// A single event as itself; a series master as its occurrences up to `to`.
pub fn expand(event: &Value, from: Timestamp, to: Timestamp) -> Vec<Instance> {
    let Some((start, end)) = Times::of(event) else {
        return Vec::new();
    };
    if event["type"] != "seriesMaster" {
        return vec![Instance {
            doc: event.clone(),
            start,
            end,
        }];
    }
    let Some(series) = Series::of(event, start, end) else {
        return Vec::new();
    };
    let until = to.to_zoned(series.tz.clone()).date();
    series
        .recurrence
        .dates_until(until)
        .into_iter()
        .filter_map(|date| series.occurrence(event, date))
        .filter(|i| i.overlaps(from, to))
        .collect()
}

/// A series master's layout: its recurrence, zone, local start time and length.
struct Series {
    recurrence: Recurrence,
    tz: TimeZone,
    local_start: jiff::civil::Time,
    length: jiff::SignedDuration,
}

impl Series {
    fn of(master: &Value, start: Timestamp, end: Timestamp) -> Option<Series> {
        let recurrence = Recurrence::parse(&master["recurrence"]).ok()?;
        let zone_name = Recurrence::zone_name(&master["recurrence"])
            .or_else(|| master["originalStartTimeZone"].as_str())
            .unwrap_or("UTC");
        let tz = Zone::named(zone_name).map_or(TimeZone::UTC, |z| z.tz);
        Some(Series {
            recurrence,
            local_start: start.to_zoned(tz.clone()).time(),
            tz,
            length: end.duration_since(start),
        })
    }

    fn occurrence(&self, master: &Value, date: Date) -> Option<Instance> {
        let master_id = master["id"].as_str()?;
        let id = shapes::occurrence_id(master_id, date);
        let cancelled = master["cancelledOccurrences"]
            .as_array()
            .is_some_and(|c| c.iter().any(|x| x == id.as_str()));
        if cancelled {
            return None;
        }
        if let Some(exception) = exception(master, &id) {
            let (start, end) = Times::of(exception)?;
            return Some(Instance {
                doc: exception.clone(),
                start,
                end,
            });
        }
        let start = self
            .tz
            .to_timestamp(date.to_datetime(self.local_start))
            .ok()?;
        let end = start.checked_add(self.length).ok()?;
        let mut doc = master.clone();
        doc["id"] = json!(id);
        doc["type"] = json!("occurrence");
        doc["seriesMasterId"] = json!(master_id);
        doc["recurrence"] = Value::Null;
        doc["originalStart"] = json!(start.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        doc["iCalUId"] = json!(format!(
            "{}{}",
            master["iCalUId"].as_str().unwrap_or_default(),
            date.strftime("%Y%m%d")
        ));
        doc["webLink"] = json!(shapes::web_link(&id));
        doc["start"] = shapes::utc(start);
        doc["end"] = shapes::utc(end);
        if let Some(object) = doc.as_object_mut() {
            object.remove("cancelledOccurrences");
            object.remove(shapes::EXCEPTIONS);
        }
        Some(Instance { doc, start, end })
    }
}

/// The exception a series master keeps for one of its occurrences: the occurrence as changed.
fn exception<'a>(master: &'a Value, occurrence_id: &str) -> Option<&'a Value> {
    master[shapes::EXCEPTIONS]
        .as_array()?
        .iter()
        .find(|e| e["id"] == occurrence_id)
}

/// Keeps `changed` (an occurrence of `master` with its own answer or status) as an exception:
/// from now on the series shows it in place of the occurrence, with `type: exception`.
pub fn keep_exception(master: &mut Value, mut changed: Value) {
    changed["type"] = json!("exception");
    let id = changed["id"].clone();
    if !master[shapes::EXCEPTIONS].is_array() {
        master[shapes::EXCEPTIONS] = json!([]);
    }
    if let Some(list) = master[shapes::EXCEPTIONS].as_array_mut() {
        list.retain(|e| e["id"] != id);
        list.push(changed);
    }
}

/// Whether a series master occurs on `date` (and the occurrence is not cancelled).
pub fn occurrence_on(master: &Value, date: Date) -> Option<Instance> {
    let (start, end) = Times::of(master)?;
    let series = Series::of(master, start, end)?;
    let last = series.recurrence.dates_until(date).pop()?;
    (last == date)
        .then(|| series.occurrence(master, date))
        .flatten()
}

/// An event or occurrence in `owner`'s calendar, by id.
pub async fn find(state: &AppState, owner: &str, id: &str) -> GraphResult<Instance> {
    match shapes::classify(id)? {
        ItemId::Event => {
            let doc = state
                .store
                .get("event", owner, id)
                .await?
                .ok_or_else(event_not_found)?;
            let (start, end) = Times::of(&doc).ok_or_else(event_not_found)?;
            Ok(Instance { doc, start, end })
        }
        ItemId::Occurrence { master, date } => {
            let master = state
                .store
                .get("event", owner, &master)
                .await?
                .ok_or_else(event_not_found)?;
            occurrence_on(&master, date).ok_or_else(event_not_found)
        }
    }
}
