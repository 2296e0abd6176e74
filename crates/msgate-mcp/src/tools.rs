//! Which operations the server offers, and how each looks to an agent: a tool whose input
//! schema is the operation's own (less what only the CLI needs), whose annotations follow its
//! risk class, and whose output schema describes the compact result.
//!
//! Agents pay for every byte of `tools/list`, so the default offer is a curated set covering
//! every area in a few kilobytes; `--tools` widens or narrows it, `--mode discovery` replaces
//! it with three tools that find, describe and run any operation.

use std::sync::Arc;

use msgate_core::{Error, ErrorCode, Result};
use msgate_ops::{Catalog, Entry, Risk};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

/// The operations offered when `--tools` is not given: what agents ask for most in each area.
pub const DEFAULT_TOOLS: &[&str] = &[
    "inbox",
    "team.list",
    "channel.list",
    "chat.list",
    "message.list",
    "message.thread",
    "message.send",
    "message.reply",
    "message.react",
    "user.me",
    "user.search",
    "presence.get",
    "mail.list",
    "mail.get",
    "mail.send",
    "mail.reply",
    "calendar.list",
    "calendar.create",
    "calendar.free-busy",
    "files.ls",
    "meeting.list",
    "transcript.get",
    "search",
];

/// How the server presents the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One tool per selected operation.
    Tools,
    /// Three tools: find operations, describe one, run one.
    Discovery,
}

/// The operations an agent may see and call.
#[derive(Clone, Debug)]
pub struct Selection {
    entries: Vec<&'static Entry>,
}

impl Selection {
    /// The curated default set.
    pub fn default_set() -> Self {
        Self::parse(&["default".to_owned()]).unwrap_or(Selection {
            entries: Vec::new(),
        })
    }

    /// Every operation in the catalog.
    pub fn all() -> Self {
        Selection {
            entries: Catalog::get().entries().iter().collect(),
        }
    }

    /// `--tools` words: `default`, `all`, an area (`mail`, `team.members`), or an operation by
    /// dotted or tool name (`message.send`, `message_send`). Unknown words are an error.
    pub fn parse(words: &[String]) -> Result<Self> {
        let catalog = Catalog::get();
        let mut names: Vec<&'static str> = Vec::new();
        for word in words.iter().flat_map(|w| w.split(',')).map(str::trim) {
            let dotted = word.replace('_', ".");
            let matched: Vec<&'static str> = match word {
                "" => continue,
                "all" => catalog.entries().iter().map(|e| e.spec.name).collect(),
                "default" => DEFAULT_TOOLS
                    .iter()
                    .filter_map(|name| catalog.find(name).map(|e| e.spec.name))
                    .collect(),
                _ => catalog
                    .entries()
                    .iter()
                    .filter(|e| {
                        e.spec.name == word
                            || e.spec.tool_name() == word
                            || e.spec.name.starts_with(&format!("{word}."))
                            || e.spec.name.starts_with(&format!("{dotted}."))
                    })
                    .map(|e| e.spec.name)
                    .collect(),
            };
            if matched.is_empty() {
                return Err(Error::new(
                    ErrorCode::Usage,
                    format!("--tools: no area or operation is called '{word}'"),
                )
                .with_hint(format!(
                    "use default, all, an area ({}) or an operation name",
                    areas().join(", ")
                )));
            }
            for name in matched {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        // Catalog order, so the list reads by area whatever order the words came in.
        let entries = catalog
            .entries()
            .iter()
            .filter(|e| names.contains(&e.spec.name))
            .collect();
        Ok(Selection { entries })
    }

    pub fn entries(&self) -> &[&'static Entry] {
        &self.entries
    }

    /// The selected operation a tool name (or dotted name) calls.
    pub fn find(&self, name: &str) -> Option<&'static Entry> {
        self.entries
            .iter()
            .copied()
            .find(|e| e.spec.tool_name() == name || e.spec.name == name)
    }
}

/// The catalog's areas: the first segment of every operation's name.
pub fn areas() -> Vec<&'static str> {
    let mut areas: Vec<&'static str> = Vec::new();
    for entry in Catalog::get().entries() {
        let area = entry.spec.path().next().unwrap_or(entry.spec.name);
        if !areas.contains(&area) {
            areas.push(area);
        }
    }
    areas
}

/// The MCP tool for an operation.
pub fn tool_for(entry: &Entry) -> Tool {
    let spec = entry.spec;
    let mut tool = Tool::default();
    tool.name = spec.tool_name().into();
    tool.description = Some(spec.summary.into());
    tool.input_schema = Arc::new(input_schema(entry));
    tool.output_schema = Some(Arc::new(output_schema(entry)));
    tool.annotations = Some(annotations(spec.name, spec.risk, spec.idempotent));
    tool
}

/// Hints from the risk class: reads are read-only, only destructive operations are
/// destructive; every operation reaches Microsoft 365, an open world.
/// (MCP defines the destructive and idempotent hints only for tools that are not read-only,
/// so reads leave them out.)
pub fn annotations(name: &str, risk: Risk, idempotent: bool) -> ToolAnnotations {
    let writes = risk != Risk::Read;
    ToolAnnotations::from_raw(
        Some(title(name)),
        Some(!writes),
        writes.then_some(risk == Risk::Destructive),
        writes.then_some(idempotent),
        Some(true),
    )
}

/// `calendar.free-busy` → "Calendar free-busy".
fn title(name: &str) -> String {
    let words = name.replace('.', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// Input members the CLI offers that agents do not get: reading every page at once (`all`;
/// agents follow cursors) and Graph's unprojected JSON (`raw`; agents get the compact view).
pub const CLI_ONLY_INPUTS: &[&str] = &["all", "raw"];

/// The operation's input schema as an agent needs it: `limit` is `max_items`, the CLI-only
/// members are gone, and so is everything that restates the obvious — an optional member's
/// `null` type and empty default, integer formats, msgate's own schema extensions, and the
/// paging members' descriptions (the server's instructions explain `max_items` and `cursor`
/// once instead of in every list).
pub fn input_schema(entry: &Entry) -> JsonObject {
    let mut schema = entry.input_schema();
    if let Some(object) = schema.as_object_mut() {
        object.remove("description");
    }
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        let renamed: Map<String, Value> = std::mem::take(properties)
            .into_iter()
            .filter(|(name, _)| !CLI_ONLY_INPUTS.contains(&name.as_str()))
            .map(|(name, mut definition)| match name.as_str() {
                "limit" | "cursor" => {
                    if let Some(definition) = definition.as_object_mut() {
                        definition.remove("description");
                    }
                    let name = if name == "limit" {
                        "max_items".to_owned()
                    } else {
                        name
                    };
                    (name, definition)
                }
                _ => (name, definition),
            })
            .collect();
        *properties = renamed;
    }
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|name| !name.as_str().is_some_and(|n| CLI_ONLY_INPUTS.contains(&n)));
    }
    strip_extensions(&mut schema);
    compact(&mut schema, Side::Input);
    object_schema(schema)
}

/// Whether an operation's results are wrapped as `{"result": …}` because its output is not
/// an object (MCP's structured content must be one).
pub fn wraps_output(entry: &Entry) -> bool {
    unwrapped_output(entry)["type"] != "object"
}

/// The output schema of the compact view: where an operation could also return Graph's raw
/// JSON (an `anyOf` with an anything-goes branch), only the compact branch, since agents
/// cannot ask for raw output.
fn unwrapped_output(entry: &Entry) -> Value {
    let schema = entry.output_schema();
    let compact_branch = schema["anyOf"].as_array().and_then(|branches| {
        let typed: Vec<&Value> = branches.iter().filter(|b| !accepts_anything(b)).collect();
        (typed.len() == 1 && branches.len() == 2).then(|| typed[0].clone())
    });
    compact_branch.unwrap_or(schema)
}

/// A schema with nothing but annotations (Graph's raw JSON is documented, not described).
fn accepts_anything(schema: &Value) -> bool {
    schema.as_object().is_some_and(|object| {
        object.keys().all(|key| {
            matches!(
                key.as_str(),
                "description" | "title" | "default" | "examples"
            )
        })
    })
}

/// The compact output's schema, reduced to its shape: no descriptions, formats or required
/// lists (the tool's description and the field names say enough, a looser schema still
/// validates every result, and every byte here is paid on each `tools/list`).
pub fn output_schema(entry: &Entry) -> JsonObject {
    let mut schema = unwrapped_output(entry);
    strip_extensions(&mut schema);
    compact(&mut schema, Side::Output);
    shallow(&mut schema, OUTPUT_DEPTH);
    if wraps_output(entry) {
        object_schema(json!({
            "type": "object",
            "properties": {"result": schema},
            "required": ["result"],
        }))
    } else {
        object_schema(schema)
    }
}

/// How many levels of named fields an output schema spells out: a result's own fields; what
/// they hold (a list's items) is described by its type alone, since the results themselves
/// name every field and spelling out item shapes would double `tools/list`.
const OUTPUT_DEPTH: usize = 1;

/// Cuts a schema below `depth` levels of `properties` to bare types.
fn shallow(schema: &mut Value, depth: usize) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if depth == 0 {
        object.retain(|key, _| key == "type");
        return;
    }
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        properties
            .values_mut()
            .for_each(|property| shallow(property, depth - 1));
    }
    for key in ["items", "anyOf", "oneOf"] {
        match object.get_mut(key) {
            Some(Value::Array(branches)) => branches.iter_mut().for_each(|b| shallow(b, depth)),
            Some(items @ Value::Object(_)) => shallow(items, depth),
            _ => {}
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Input,
    Output,
}

/// Drops what a schema says without adding information for its reader.
fn compact(value: &mut Value, side: Side) {
    match value {
        Value::Object(object) => {
            // A property may itself be called "description" or "format": only keywords go,
            // and keywords hold strings, arrays and plain values, never property maps.
            object.retain(|key, v| match (key.as_str(), side) {
                ("format", _) => !v.is_string(),
                ("default", Side::Input) => !is_empty_default(v),
                ("default" | "description" | "required" | "minimum" | "maximum", Side::Output) => {
                    v.is_object()
                }
                _ => true,
            });
            if side == Side::Input {
                if let Some(Value::Array(types)) = object.get("type") {
                    let named: Vec<Value> =
                        types.iter().filter(|t| *t != "null").cloned().collect();
                    if named.len() == 1 {
                        object.insert("type".into(), named[0].clone());
                    }
                }
                if let Some(Value::Array(choices)) = object.get_mut("enum") {
                    choices.retain(|choice| !choice.is_null());
                }
            }
            object.values_mut().for_each(|v| compact(v, side));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| compact(v, side)),
        _ => {}
    }
}

fn is_empty_default(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::Array(items) => items.is_empty(),
        Value::String(text) => text.is_empty(),
        _ => false,
    }
}

fn object_schema(schema: Value) -> JsonObject {
    match schema {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    }
}

fn strip_extensions(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.retain(|key, _| !key.starts_with("x-"));
            object.values_mut().for_each(strip_extensions);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_extensions),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_tool_is_in_the_catalog() {
        for name in DEFAULT_TOOLS {
            assert!(Catalog::get().find(name).is_some(), "{name}");
        }
        assert_eq!(
            Selection::default_set().entries().len(),
            DEFAULT_TOOLS.len()
        );
    }

    #[test]
    fn words_select_areas_and_operations_and_refuse_the_unknown() {
        let picked = Selection::parse(&["mail,presence_get".to_owned()]).unwrap();
        let names: Vec<&str> = picked.entries().iter().map(|e| e.spec.name).collect();
        assert!(names.contains(&"mail.send") && names.contains(&"presence.get"));
        assert!(!names.iter().any(|n| n.starts_with("chat.")));
        let error = Selection::parse(&["mial".to_owned()]).unwrap_err();
        assert_eq!(error.code(), ErrorCode::Usage);
    }

    #[test]
    fn an_output_that_may_be_raw_is_described_by_its_compact_view() {
        let get = Catalog::get().find("message.get").unwrap();
        assert!(!wraps_output(get));
        let schema = output_schema(get);
        assert_eq!(schema["type"], "object");
        assert!(schema["properties"]["text"].is_object(), "{schema:?}");
    }

    #[test]
    fn compacting_keeps_properties_named_like_keywords() {
        let mut schema = json!({"properties": {
            "description": {"type": ["string", "null"], "description": "x", "default": null},
            "format": {"type": "string", "format": "uint"},
        }});
        compact(&mut schema, Side::Input);
        assert_eq!(
            schema,
            json!({"properties": {"description": {"type": "string", "description": "x"}, "format": {"type": "string"}}})
        );
        compact(&mut schema, Side::Output);
        assert_eq!(
            schema,
            json!({"properties": {"description": {"type": "string"}, "format": {"type": "string"}}})
        );
    }
}
