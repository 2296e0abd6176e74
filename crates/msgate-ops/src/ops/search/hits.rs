//! A Microsoft Search hit as msgate shows it: the same short fields whatever was found — what
//! kind of thing, its id, title, the matching text with the matched words marked, who, when,
//! where (as a reference the other commands take) and its link.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::refs::deeplink::percent_decode;
use crate::text::html::decode_entities;

/// One search result.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Hit {
    /// chat, channel, mail, event or file
    pub kind: String,
    /// Its id: a message, mail, event or file id
    pub id: String,
    /// Subject, event title or file name
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The matching text, the matched words in **bold**, … where text was left out
    pub summary: String,
    /// Who sent or organized it, or last changed the file
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// When it was sent or received, when the event starts, when the file last changed
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Where it is: the chat id (for --chat), TEAM-ID/CHANNEL-ID (for --channel), the event's location, the file's folder
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Where it opens in a browser
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A person in an `emailAddress` or identity set.
fn person(value: &Value) -> Option<String> {
    text(&value["emailAddress"]["name"])
        .or_else(|| text(&value["emailAddress"]["address"]))
        .or_else(|| text(&value["user"]["displayName"]))
        .or_else(|| text(&value["application"]["displayName"]))
}

/// A `searchHit` in compact form; `None` for types msgate does not search.
pub fn compact(hit: &Value) -> Option<Hit> {
    let resource = &hit["resource"];
    let kind = resource["@odata.type"]
        .as_str()?
        .strip_prefix("#microsoft.graph.")?;
    let id = text(&resource["id"])
        .or_else(|| text(&hit["hitId"]))
        .unwrap_or_default();
    let summary = summary(hit["summary"].as_str().unwrap_or_default());
    let hit = match kind {
        "chatMessage" => {
            let channel = &resource["channelIdentity"];
            let (kind, place) = match (text(&channel["teamId"]), text(&channel["channelId"])) {
                (Some(team), Some(channel)) => ("channel", Some(format!("{team}/{channel}"))),
                _ => ("chat", text(&resource["chatId"])),
            };
            Hit {
                kind: kind.to_owned(),
                id,
                title: text(&resource["subject"]),
                summary,
                from: person(&resource["from"]),
                at: text(&resource["createdDateTime"]),
                place,
                link: text(&resource["webUrl"]),
            }
        }
        "message" => Hit {
            kind: "mail".to_owned(),
            id,
            title: text(&resource["subject"]),
            summary,
            from: person(&resource["from"]),
            at: text(&resource["receivedDateTime"]).or_else(|| text(&resource["createdDateTime"])),
            place: None,
            link: text(&resource["webLink"]),
        },
        "event" => Hit {
            kind: "event".to_owned(),
            id,
            title: text(&resource["subject"]),
            summary,
            from: person(&resource["organizer"]),
            at: event_start(&resource["start"]),
            place: text(&resource["location"]["displayName"]),
            link: text(&resource["webLink"]),
        },
        "driveItem" => Hit {
            kind: "file".to_owned(),
            id,
            title: text(&resource["name"]),
            summary,
            from: person(&resource["lastModifiedBy"]),
            at: text(&resource["lastModifiedDateTime"]),
            place: folder(&resource["parentReference"]),
            link: text(&resource["webUrl"]),
        },
        _ => return None,
    };
    Some(hit)
}

/// An event's start (`dateTimeTimeZone`): the time, marked `Z` when it is in UTC.
fn event_start(start: &Value) -> Option<String> {
    let at = text(&start["dateTime"])?;
    let utc = start["timeZone"]
        .as_str()
        .is_some_and(|z| z.eq_ignore_ascii_case("UTC"));
    Some(if utc && !at.ends_with('Z') {
        format!("{at}Z")
    } else {
        at
    })
}

/// A file's folder from its `parentReference`: the path below the drive's root, else its name.
fn folder(reference: &Value) -> Option<String> {
    match reference["path"]
        .as_str()
        .and_then(|p| p.split_once("root:"))
    {
        Some((_, below)) => {
            let below = percent_decode(below);
            Some(if below.is_empty() {
                "/".to_owned()
            } else {
                below
            })
        }
        None => text(&reference["name"]),
    }
}

/// Graph's hit summary as text: `<c0>word</c0>` (a matched word) in Markdown bold, `<ddd/>`
/// (text left out) as `…`, entities decoded.
pub fn summary(marked: &str) -> String {
    let text = marked
        .replace("<c0>", "**")
        .replace("</c0>", "**")
        .replace("<ddd/>", "…");
    decode_entities(&text).trim().to_owned()
}

#[cfg(test)]
impl Hit {
    pub fn for_test(id: &str) -> Hit {
        Hit {
            kind: "file".to_owned(),
            id: id.to_owned(),
            title: None,
            summary: String::new(),
            from: None,
            at: None,
            place: None,
            link: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summaries_mark_matches_and_gaps() {
        assert_eq!(
            summary("<ddd/> the <c0>road</c0> <c0>map</c0> &amp; budget <ddd/>"),
            "… the **road** **map** & budget …"
        );
    }

    #[test]
    fn hits_of_every_kind_become_compact() {
        let chat = compact(&json!({"hitId": "h", "summary": "<c0>ship</c0> it", "resource": {
            "@odata.type": "#microsoft.graph.chatMessage", "id": "1700", "chatId": "19:abc@thread.v2",
            "from": {"user": {"displayName": "Ben Okafor"}}, "createdDateTime": "2026-01-02T03:04:05Z",
            "webUrl": "https://teams.example.invalid/l/message/1700"
        }}))
        .unwrap();
        assert_eq!(
            (
                chat.kind.as_str(),
                chat.place.as_deref(),
                chat.from.as_deref()
            ),
            ("chat", Some("19:abc@thread.v2"), Some("Ben Okafor"))
        );
        let channel = compact(&json!({"summary": "", "resource": {
            "@odata.type": "#microsoft.graph.chatMessage", "id": "1",
            "channelIdentity": {"teamId": "T", "channelId": "19:c@thread.tacv2"}
        }}))
        .unwrap();
        assert_eq!(channel.kind, "channel");
        assert_eq!(channel.place.as_deref(), Some("T/19:c@thread.tacv2"));
        let event = compact(&json!({"summary": "", "resource": {
            "@odata.type": "#microsoft.graph.event", "id": "e", "subject": "Review",
            "start": {"dateTime": "2026-01-02T09:00:00.0000000", "timeZone": "UTC"},
            "organizer": {"emailAddress": {"name": "Ada Brennan", "address": "ada@x"}}
        }}))
        .unwrap();
        assert_eq!(event.at.as_deref(), Some("2026-01-02T09:00:00.0000000Z"));
        assert_eq!(event.from.as_deref(), Some("Ada Brennan"));
        let file = compact(&json!({"summary": "", "resource": {
            "@odata.type": "#microsoft.graph.driveItem", "id": "f", "name": "Plan.md",
            "parentReference": {"path": "/drive/root:/Q3%20plans"}
        }}))
        .unwrap();
        assert_eq!(file.place.as_deref(), Some("/Q3 plans"));
        assert!(compact(&json!({"resource": {"@odata.type": "#microsoft.graph.site"}})).is_none());
    }
}
