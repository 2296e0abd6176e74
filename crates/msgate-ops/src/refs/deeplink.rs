//! Teams deep links, as people copy them from the Teams client ("Copy link"): to a message in a
//! chat or channel, to a channel, to a chat, to a meeting. Ids inside them are percent-encoded.

use std::collections::HashMap;

/// What a Teams link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// A message; `team_id` is present for channel messages, `parent_id` for replies.
    Message {
        conversation_id: String,
        message_id: String,
        team_id: Option<String>,
        parent_id: Option<String>,
    },
    Channel {
        team_id: String,
        channel_id: String,
    },
    Chat {
        chat_id: String,
    },
    /// `/l/chat/0/0?users=a@x,b@y`: the chat with these people.
    ChatWith {
        users: Vec<String>,
    },
    /// A meeting's join link, kept whole: Graph finds the meeting by it.
    Meeting {
        join_url: String,
    },
    /// `/l/team/{threadId}/conversations?groupId=…`
    Team {
        team_id: String,
    },
}

const HOSTS: &[&str] = &[
    "teams.microsoft.com",
    "teams.cloud.microsoft",
    "teams.microsoft.us",
    "gov.teams.microsoft.us",
    "dod.teams.microsoft.us",
    "teams.microsoftonline.cn",
    "teams.live.com",
];

/// Parses a Teams link; `None` when `text` is not one.
pub fn parse(text: &str) -> Option<DeepLink> {
    let rest = text.trim().strip_prefix("https://")?;
    let (host, path_and_query) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    if !HOSTS.contains(&host.as_str()) && !host.ends_with(".example.invalid") {
        return None;
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let query = query_map(query);
    let segments: Vec<String> = path.split('/').map(percent_decode).collect();
    let segment = |i: usize| segments.get(i).filter(|s| !s.is_empty()).cloned();
    if segments.first().map(String::as_str) != Some("l") {
        return None;
    }
    match segments.get(1).map(String::as_str)? {
        "message" => {
            let conversation_id = segment(2)?;
            let message_id = segment(3)?;
            let parent_id = query
                .get("parentMessageId")
                .filter(|p| **p != message_id && *p != "0")
                .cloned();
            Some(DeepLink::Message {
                team_id: query.get("groupId").cloned(),
                conversation_id,
                message_id,
                parent_id,
            })
        }
        "channel" => Some(DeepLink::Channel {
            channel_id: segment(2)?,
            team_id: query.get("groupId").cloned()?,
        }),
        "team" => Some(DeepLink::Team {
            team_id: query.get("groupId").cloned()?,
        }),
        "chat" => match segment(2)?.as_str() {
            "0" => Some(DeepLink::ChatWith {
                users: query
                    .get("users")?
                    .split(',')
                    .map(|u| u.trim().to_owned())
                    .filter(|u| !u.is_empty())
                    .collect(),
            }),
            chat_id => Some(DeepLink::Chat {
                chat_id: chat_id.to_owned(),
            }),
        },
        "meetup-join" => Some(DeepLink::Meeting {
            join_url: text.trim().to_owned(),
        }),
        _ => None,
    }
}

fn query_map(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((
                percent_decode(key),
                percent_decode(&value.replace('+', " ")),
            ))
        })
        .collect()
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| char::from(b).to_digit(16);
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_message_and_reply_links() {
        let link = "https://teams.microsoft.com/l/message/19%3a4a95f7d8db4c4e7fae857bcebe0623e6%40thread.tacv2/1616990032035?tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47&groupId=02bd9fd6-8f93-4758-87c3-1fb73740a315&parentMessageId=1616989510408&teamName=Platform&channelName=eng&createdTime=1616990032035";
        assert_eq!(
            parse(link),
            Some(DeepLink::Message {
                conversation_id: "19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2".into(),
                message_id: "1616990032035".into(),
                team_id: Some("02bd9fd6-8f93-4758-87c3-1fb73740a315".into()),
                parent_id: Some("1616989510408".into()),
            })
        );
        let root = "https://teams.microsoft.com/l/message/19%3aabc%40thread.tacv2/1616989510408?groupId=g-1&parentMessageId=1616989510408";
        assert!(matches!(
            parse(root),
            Some(DeepLink::Message {
                parent_id: None,
                ..
            })
        ));
    }

    #[test]
    fn chat_message_chat_channel_team_and_meeting_links() {
        assert_eq!(
            parse(
                "https://teams.microsoft.com/l/message/19:abc_def@unq.gbl.spaces/1700000000000?context=%7B%22contextType%22%3A%22chat%22%7D"
            ),
            Some(DeepLink::Message {
                conversation_id: "19:abc_def@unq.gbl.spaces".into(),
                message_id: "1700000000000".into(),
                team_id: None,
                parent_id: None,
            })
        );
        assert_eq!(
            parse(
                "https://teams.microsoft.com/l/channel/19%3a1234%40thread.tacv2/eng?groupId=team-1&tenantId=t"
            ),
            Some(DeepLink::Channel {
                team_id: "team-1".into(),
                channel_id: "19:1234@thread.tacv2".into()
            })
        );
        assert_eq!(
            parse(
                "https://teams.microsoft.com/l/chat/19:meeting_abc@thread.v2/conversations?context=x"
            ),
            Some(DeepLink::Chat {
                chat_id: "19:meeting_abc@thread.v2".into()
            })
        );
        assert_eq!(
            parse(
                "https://teams.microsoft.com/l/chat/0/0?users=ada@contoso.example.invalid,ben@contoso.example.invalid&topicName=x"
            ),
            Some(DeepLink::ChatWith {
                users: vec![
                    "ada@contoso.example.invalid".into(),
                    "ben@contoso.example.invalid".into()
                ]
            })
        );
        assert_eq!(
            parse(
                "https://teams.microsoft.com/l/team/19%3aabc%40thread.tacv2/conversations?groupId=team-9&tenantId=t"
            ),
            Some(DeepLink::Team {
                team_id: "team-9".into()
            })
        );
        let meeting = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzQ%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d";
        assert_eq!(
            parse(meeting),
            Some(DeepLink::Meeting {
                join_url: meeting.into()
            })
        );
    }

    #[test]
    fn other_urls_and_text_are_not_links() {
        assert_eq!(
            parse("https://evil.example.com/l/chat/19:x/conversations"),
            None
        );
        assert_eq!(parse("Platform/eng"), None);
        assert_eq!(parse("https://teams.microsoft.com/something"), None);
        assert_eq!(percent_decode("19%3ax%40y%zz%4"), "19:x@y%zz%4");
        assert_eq!(percent_decode("é%é"), "é%é", "never splits a character");
    }
}
