//! Mentions that notify: `@First Last` in what someone writes, matched against the members of the
//! chat or channel, becomes Teams' `<at id="n">First Last</at>` markup plus the `mentions` array
//! Graph needs. When names overlap (`@Ada` and `@Ada Brennan`), the longest display name wins.
//!
//! Matching happens on the Markdown source; each match is replaced by a private-use placeholder
//! that survives Markdown rendering and sanitizing as plain text, then becomes the `<at>` element.

use serde_json::{Value, json};

use super::html::escape_text;

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Someone who can be mentioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub name: String,
}

/// `text` with each `@Name` of a member replaced by a placeholder, and who was mentioned, in
/// order (a member mentioned twice is mentioned once, as Teams does).
pub fn mark(text: &str, members: &[Member]) -> (String, Vec<Member>) {
    let mut by_length: Vec<&Member> = members
        .iter()
        .filter(|m| !m.name.trim().is_empty())
        .collect();
    by_length.sort_by_key(|m| std::cmp::Reverse(m.name.chars().count()));
    let mut marked = String::with_capacity(text.len());
    let mut mentioned: Vec<Member> = Vec::new();
    let mut rest = text;
    let mut previous: Option<char> = None;
    while let Some(at) = rest.find('@') {
        let before = &rest[..at];
        marked.push_str(before);
        let boundary = before
            .chars()
            .last()
            .or(previous)
            .is_none_or(|c| !c.is_alphanumeric());
        let after = &rest[at + 1..];
        let found = boundary
            .then(|| by_length.iter().find(|m| starts_with_name(after, &m.name)))
            .flatten();
        match found {
            Some(member) => {
                let index = match mentioned.iter().position(|m| m.user_id == member.user_id) {
                    Some(index) => index,
                    None => {
                        mentioned.push((*member).clone());
                        mentioned.len() - 1
                    }
                };
                marked.push(OPEN);
                marked.push_str(&index.to_string());
                marked.push(CLOSE);
                rest = &after[member.name.len()..];
                previous = member.name.chars().last();
            }
            None => {
                marked.push('@');
                rest = after;
                previous = Some('@');
            }
        }
    }
    marked.push_str(rest);
    (marked, mentioned)
}

/// Whether `text` starts with `name` (case-insensitively) followed by a word boundary.
fn starts_with_name(text: &str, name: &str) -> bool {
    text.get(..name.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(name))
        && text[name.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric())
}

/// The placeholders in rendered HTML replaced by Teams' mention elements.
pub fn render(html: &str, mentioned: &[Member]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find(OPEN) {
        out.push_str(&rest[..open]);
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(close) = after.find(CLOSE) else {
            rest = after;
            continue;
        };
        if let Some((index, member)) = after[..close]
            .parse::<usize>()
            .ok()
            .and_then(|i| mentioned.get(i).map(|m| (i, m)))
        {
            out.push_str(&format!(
                "<at id=\"{index}\">{}</at>",
                escape_text(&member.name)
            ));
        }
        rest = &after[close + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// Placeholders for members mentioned explicitly but not named in the text, to put in front.
pub fn prefix_for(extra: &[Member], already: &mut Vec<Member>) -> String {
    let mut prefix = String::new();
    for member in extra {
        if already.iter().any(|m| m.user_id == member.user_id) {
            continue;
        }
        already.push(member.clone());
        prefix.push(OPEN);
        prefix.push_str(&(already.len() - 1).to_string());
        prefix.push(CLOSE);
        prefix.push(' ');
    }
    prefix
}

/// Graph's `mentions` array for the `<at id="n">` elements.
pub fn graph_mentions(mentioned: &[Member]) -> Value {
    Value::Array(
        mentioned
            .iter()
            .enumerate()
            .map(|(index, member)| {
                json!({
                    "id": index,
                    "mentionText": member.name,
                    "mentioned": {"user": {
                        "@odata.type": "#microsoft.graph.teamworkUserIdentity",
                        "id": member.user_id,
                        "displayName": member.name,
                        "userIdentityType": "aadUser",
                    }},
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::markdown;

    fn member(id: &str, name: &str) -> Member {
        Member {
            user_id: id.into(),
            name: name.into(),
        }
    }

    fn send(text: &str, members: &[Member]) -> (String, Vec<Member>) {
        let (marked, mentioned) = mark(text, members);
        (render(&markdown::to_html(&marked), &mentioned), mentioned)
    }

    #[test]
    fn the_longest_display_name_wins_and_becomes_at_markup() {
        let members = [
            member("u1", "Ada"),
            member("u2", "Ada Brennan"),
            member("u3", "Ben Okafor"),
        ];
        let (html, mentioned) = send("@Ada Brennan and @ben okafor: ship it, @Ada", &members);
        assert_eq!(
            html,
            "<p><at id=\"0\">Ada Brennan</at> and <at id=\"1\">Ben Okafor</at>: ship it, <at id=\"2\">Ada</at></p>"
        );
        assert_eq!(
            mentioned
                .iter()
                .map(|m| m.user_id.as_str())
                .collect::<Vec<_>>(),
            ["u2", "u3", "u1"]
        );
        let graph = graph_mentions(&mentioned);
        assert_eq!(graph[1]["mentioned"]["user"]["id"], "u3");
        assert_eq!(graph[1]["mentionText"], "Ben Okafor");
    }

    #[test]
    fn emails_unknown_names_and_partial_words_are_left_alone() {
        let members = [member("u1", "Ada"), member("u2", "Ben")];
        let (html, mentioned) = send("mail ada@example.invalid, @Adam and @Zed; @Ben!", &members);
        assert_eq!(
            html,
            "<p>mail ada@example.invalid, @Adam and @Zed; <at id=\"0\">Ben</at>!</p>"
        );
        assert_eq!(mentioned.len(), 1);
    }

    #[test]
    fn a_person_mentioned_twice_is_one_mention_and_names_are_escaped() {
        let members = [member("u1", "Tom & Jerry")];
        let (html, mentioned) = send("@Tom & Jerry hi @Tom & Jerry", &members);
        assert_eq!(mentioned.len(), 1);
        assert_eq!(
            html,
            "<p><at id=\"0\">Tom &amp; Jerry</at> hi <at id=\"0\">Tom &amp; Jerry</at></p>"
        );
    }

    #[test]
    fn explicit_mentions_not_in_the_text_go_in_front() {
        let members = [member("u1", "Ada Brennan")];
        let (marked, mut mentioned) = mark("please review", &members);
        let prefix = prefix_for(&[member("u9", "Kira Tanaka")], &mut mentioned);
        let html = render(&markdown::to_html(&format!("{prefix}{marked}")), &mentioned);
        assert_eq!(html, "<p><at id=\"0\">Kira Tanaka</at> please review</p>");
    }
}
