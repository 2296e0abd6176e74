//! `--mode discovery`: three tools instead of one per operation — find operations by words,
//! describe one (its input and output schemas), run one. The agent pays for a schema only when
//! it needs that operation; the policy decides exactly as for the per-operation tools.

use std::sync::Arc;

use msgate_core::{Error, ErrorCode, Result};
use msgate_ops::{Entry, Risk};
use rmcp::model::{JsonObject, Tool};
use serde_json::{Map, Value, json};

use crate::tools::{self, Selection};

pub const FIND: &str = "find_operations";
pub const DESCRIBE: &str = "describe_operation";
pub const RUN: &str = "run_operation";

/// The three tools.
pub fn tools() -> Vec<Tool> {
    vec![
        tool(
            FIND,
            "Find Microsoft 365 operations (Teams, chats, mail, calendar, files, meetings, people, search) by words",
            json!({
                "type": "object",
                "properties": {"query": {"type": "string", "description": "Words to look for, e.g. 'send chat message'; empty lists every operation"}},
            }),
            tools::annotations("find.operations", Risk::Read, true),
        ),
        tool(
            DESCRIBE,
            "Show an operation's input and output schemas",
            json!({
                "type": "object",
                "properties": {"name": {"type": "string", "description": "The operation, e.g. chat.list"}},
                "required": ["name"],
            }),
            tools::annotations("describe.operation", Risk::Read, true),
        ),
        tool(
            RUN,
            "Run an operation with its input; the policy decides whether it may",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The operation, e.g. chat.list"},
                    "input": {"type": "object", "description": "Its input, as describe_operation shows"},
                },
                "required": ["name"],
            }),
            // What it runs is unknown here: the hints assume the worst.
            tools::annotations("run.operation", Risk::Destructive, false),
        ),
    ]
}

fn tool(
    name: &'static str,
    description: &'static str,
    schema: Value,
    annotations: rmcp::model::ToolAnnotations,
) -> Tool {
    let mut tool = Tool::default();
    tool.name = name.into();
    tool.description = Some(description.into());
    tool.input_schema = Arc::new(match schema {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    });
    tool.annotations = Some(annotations);
    tool
}

/// `find_operations`: the operations whose name or summary contain every word.
pub fn find(selection: &Selection, args: &Map<String, Value>) -> Value {
    let query = args
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_lowercase();
    let words: Vec<&str> = query.split_whitespace().collect();
    let items: Vec<Value> = selection
        .entries()
        .iter()
        .filter(|entry| {
            let haystack = format!("{} {}", entry.spec.name, entry.spec.summary).to_lowercase();
            words.iter().all(|word| haystack.contains(word))
        })
        .map(|entry| {
            json!({"name": entry.spec.name, "summary": entry.spec.summary, "risk": entry.spec.risk.as_str()})
        })
        .collect();
    json!({ "items": items })
}

/// `describe_operation`: everything an agent needs to call it.
pub fn describe(selection: &Selection, args: &Map<String, Value>) -> Result<Value> {
    let entry = named(selection, args)?;
    let spec = entry.spec;
    Ok(json!({
        "name": spec.name,
        "summary": spec.summary,
        "risk": spec.risk.as_str(),
        "idempotent": spec.idempotent,
        "permissions": spec.delegated,
        "input_schema": tools::input_schema(entry),
        "output_schema": tools::output_schema(entry),
    }))
}

/// The operation `run_operation` names, and its input.
pub fn run_target(
    selection: &Selection,
    args: &Map<String, Value>,
) -> Result<(&'static Entry, Map<String, Value>)> {
    let entry = named(selection, args)?;
    let input = match args.get("input") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(input)) => input.clone(),
        Some(_) => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "run_operation's input must be an object",
            ));
        }
    };
    Ok((entry, input))
}

fn named(selection: &Selection, args: &Map<String, Value>) -> Result<&'static Entry> {
    let name = args.get("name").and_then(Value::as_str).unwrap_or_default();
    selection.find(name).ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidInput,
            format!("there is no operation named '{name}' here"),
        )
        .with_hint("find one with find_operations")
    })
}
