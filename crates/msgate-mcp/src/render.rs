//! Tool results as agents receive them: the compact output as structured content, a short text
//! rendering beside it (a list's first items, one line each, and how to get more), long texts
//! cut with the way to read on, and failures as error results carrying the taxonomy's code,
//! message and hint.
//!
//! The text is deliberately short: agents pay for every byte, and repeating the structured
//! content as text would double each answer.

use msgate_core::Error;
use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value, json};

/// Longest text a result carries in one piece (characters).
pub const TEXT_PIECE: usize = 4_000;

/// Longest value in the text rendering (characters).
const CELL: usize = 100;

/// Items a list's text rendering shows; the structured content carries them all.
const TEXT_ITEMS: usize = 10;

/// The argument that continues cut texts; stripped before the call reaches the catalog.
pub const TEXT_FROM: &str = "text_from";

/// A successful result. `text_from` is where cut texts continue (0 for a first call); `wrap`
/// puts an operation's output under `result`, as its output schema says (MCP wants objects).
pub fn success(output: Value, columns: &[&str], text_from: usize, wrap: bool) -> CallToolResult {
    let mut structured = match output {
        Value::Object(object) if !wrap => Value::Object(object),
        other => json!({ "result": other }),
    };
    cut_texts(&mut structured, text_from);
    let text = render(&structured, columns);
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result
}

/// A failed call, as an error result (not a protocol error: the agent should read it).
pub fn failure(error: &Error) -> CallToolResult {
    let mut text = format!("{}: {}", error.code().as_str(), error.message());
    if let Some(hint) = error.hint() {
        text.push_str(&format!("\nhint: {hint}"));
    }
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(error.to_json());
    result
}

/// Cuts every string longer than [`TEXT_PIECE`] to the piece starting at `from`, saying how
/// to read on.
fn cut_texts(value: &mut Value, from: usize) {
    match value {
        Value::String(text) => {
            let total = text.chars().count();
            // Only long texts are cut, and only they continue: short fields stay whole.
            if total <= TEXT_PIECE {
                return;
            }
            let end = (from + TEXT_PIECE).min(total);
            let mut piece: String = text
                .chars()
                .skip(from)
                .take(end.saturating_sub(from))
                .collect();
            if end < total {
                piece.push_str(&format!(
                    " […cut at {end} of {total} characters; call again with \"{TEXT_FROM}\": {end} for more]"
                ));
            }
            *text = piece;
        }
        Value::Array(items) => items.iter_mut().for_each(|v| cut_texts(v, from)),
        Value::Object(object) => {
            for (key, v) in object.iter_mut() {
                // Cursors and ids are opaque: cutting them would break the next call.
                if key != "next_cursor" && key != "id" {
                    cut_texts(v, from);
                }
            }
        }
        _ => {}
    }
}

/// A list as one line per item (the operation's columns, or every plain field); an object as
/// `field: value` lines.
fn render(structured: &Value, columns: &[&str]) -> String {
    let Some(object) = structured.as_object() else {
        return cell(structured);
    };
    let Some(items) = object.get("items").and_then(Value::as_array) else {
        return fields(object);
    };
    let mut lines = vec![match items.len() {
        1 => "1 item".to_owned(),
        n => format!("{n} items"),
    }];
    for item in items.iter().take(TEXT_ITEMS) {
        lines.push(match item.as_object() {
            Some(item) if !columns.is_empty() => columns
                .iter()
                .filter_map(|c| item.get(*c).map(|v| format!("{c}={}", cell(v))))
                .collect::<Vec<_>>()
                .join(" | "),
            Some(item) => item
                .iter()
                .filter(|(_, v)| !v.is_object() && !v.is_array())
                .map(|(k, v)| format!("{k}={}", cell(v)))
                .collect::<Vec<_>>()
                .join(" | "),
            None => cell(item),
        });
    }
    if items.len() > TEXT_ITEMS {
        lines.push(format!(
            "… and {} more in the structured content",
            items.len() - TEXT_ITEMS
        ));
    }
    if let Some(cursor) = object.get("next_cursor").and_then(Value::as_str) {
        lines.push(format!("more: call again with \"cursor\": \"{cursor}\""));
    }
    for note in object
        .get("notes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        lines.push(format!("note: {}", cell(note)));
    }
    lines.join("\n")
}

fn fields(object: &Map<String, Value>) -> String {
    object
        .iter()
        .map(|(k, v)| format!("{k}: {}", cell(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One value on one line, cut to [`CELL`] characters.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.replace('\n', " "),
        other => other.to_string(),
    };
    if text.chars().count() <= CELL {
        return text;
    }
    let mut cut: String = text.chars().take(CELL).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use msgate_core::ErrorCode;

    #[test]
    fn lists_render_one_line_per_item_with_the_cursor() {
        let result = success(
            json!({"items": [{"id": "1", "topic": "Release", "members": ["a"]}], "next_cursor": "c1"}),
            &[],
            0,
            false,
        );
        let text = result.content[0].as_text().map(|t| t.text.clone()).unwrap();
        assert_eq!(
            text,
            "1 item\nid=1 | topic=Release\nmore: call again with \"cursor\": \"c1\""
        );
        assert_eq!(result.structured_content.unwrap()["next_cursor"], "c1");
    }

    #[test]
    fn a_long_list_shows_its_first_items_as_text_and_all_of_them_structured() {
        let items: Vec<Value> = (0..25).map(|i| json!({"id": i.to_string()})).collect();
        let result = success(json!({ "items": items }), &["id"], 0, false);
        let text = result.content[0].as_text().map(|t| t.text.clone()).unwrap();
        assert_eq!(text.lines().count(), 1 + TEXT_ITEMS + 1, "{text}");
        assert!(
            text.ends_with("… and 15 more in the structured content"),
            "{text}"
        );
        assert_eq!(
            result.structured_content.unwrap()["items"]
                .as_array()
                .unwrap()
                .len(),
            25
        );
    }

    #[test]
    fn long_texts_are_cut_and_continue_where_they_stopped() {
        let body = "x".repeat(TEXT_PIECE + 10);
        let first = success(json!({"id": "1", "body": body.clone()}), &[], 0, false);
        let cut = first.structured_content.unwrap()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(cut.starts_with(&"x".repeat(TEXT_PIECE)));
        assert!(
            cut.contains(&format!("\"{TEXT_FROM}\": {TEXT_PIECE}")),
            "{cut}"
        );
        let rest = success(json!({"id": "1", "body": body}), &[], TEXT_PIECE, false);
        assert_eq!(rest.structured_content.unwrap()["body"], "x".repeat(10));
    }

    #[test]
    fn failures_carry_the_taxonomy() {
        let error = Error::new(ErrorCode::PolicyDenied, "policy denies message.send")
            .with_hint("allow it in the policy");
        let result = failure(&error);
        assert_eq!(result.is_error, Some(true));
        let structured = result.structured_content.unwrap();
        assert_eq!(structured["error"]["code"], "policy_denied");
        assert_eq!(structured["error"]["exit"], 16);
        assert_eq!(structured["error"]["hint"], "allow it in the policy");
    }

    #[test]
    fn a_scalar_output_is_wrapped() {
        let result = success(json!("done"), &[], 0, true);
        assert_eq!(
            result.structured_content.unwrap(),
            json!({"result": "done"})
        );
    }
}
