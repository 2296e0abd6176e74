//! Printing command results on stdout: JSON, a table, NDJSON or CSV, optionally through `--jq`.
//!
//! Commands return [`Data`] and never write to stdout themselves, so every command honours the
//! same contract: JSON when stdout is not a terminal, a table when it is, lists as a JSON array,
//! and a note on stderr — never in the data — when a list was cut short.

use std::io::{self, IsTerminal, Write};

use comfy_table::{ContentArrangement, Table, presets};
use msgate_core::settings::OutputFormat;
use msgate_core::{Error, Result};
use serde_json::Value;

use crate::diag;
use crate::jq::JqFilter;

/// What a command produced.
#[derive(Debug)]
pub enum Data {
    /// One object or scalar.
    Value(Value),
    /// A list; `more` says how to get the rest when it was cut short; `columns` are what a table
    /// or CSV shows, in order (empty: every field).
    List {
        items: Vec<Value>,
        more: Option<String>,
        columns: &'static [&'static str],
    },
    /// Nothing for stdout (the command reported on stderr).
    Nothing,
}

#[derive(Debug)]
pub struct Printer {
    format: OutputFormat,
    pretty: bool,
    jq: Option<JqFilter>,
}

impl Printer {
    /// `format: None` picks a table for a terminal and JSON for anything else.
    pub fn new(format: Option<OutputFormat>, jq: Option<JqFilter>) -> Self {
        let terminal = io::stdout().is_terminal();
        let format = format.unwrap_or(if terminal {
            OutputFormat::Table
        } else {
            OutputFormat::Json
        });
        Printer {
            format,
            pretty: terminal,
            jq,
        }
    }

    pub fn print(&self, data: Data) -> Result<()> {
        let note = note_for(
            &data,
            self.format == OutputFormat::Table && self.jq.is_none(),
        );
        let text = self.render(data)?;
        write_stdout(&text)?;
        if let Some(note) = note {
            diag::note(&note);
        }
        Ok(())
    }

    fn render(&self, data: Data) -> Result<String> {
        let (value, is_list, chosen) = match data {
            Data::Nothing => return Ok(String::new()),
            Data::Value(value) => (value, false, &[][..]),
            Data::List { items, columns, .. } => (Value::Array(items), true, columns),
        };
        if let Some(jq) = &self.jq {
            return Ok(render_jq_results(jq.run(&value)?));
        }
        Ok(match (self.format, is_list) {
            (OutputFormat::Json, _) => self.json(&value),
            (OutputFormat::Ndjson, true) => lines(value_items(&value).map(compact)),
            (OutputFormat::Ndjson, false) => lines([compact(&value)].into_iter()),
            (OutputFormat::Table, true) => table_of_rows(value_items(&value), chosen),
            (OutputFormat::Table, false) => table_of_value(&value),
            (OutputFormat::Csv, true) => csv_of_rows(value_items(&value), chosen),
            (OutputFormat::Csv, false) => match &value {
                Value::Object(_) => csv_of_rows(std::slice::from_ref(&value).iter(), &[]),
                scalar => lines([cell(scalar)].into_iter()),
            },
        })
    }

    fn json(&self, value: &Value) -> String {
        let text = if self.pretty {
            serde_json::to_string_pretty(value).unwrap_or_default()
        } else {
            compact(value)
        };
        format!("{text}\n")
    }
}

/// What stderr should say about a list: that it was cut short and how to get the rest, or (for a
/// person reading a table) that it is empty.
fn note_for(data: &Data, for_a_person: bool) -> Option<String> {
    match data {
        Data::List {
            items,
            more: Some(more),
            ..
        } => Some(format!("showing the first {} items; {more}", items.len())),
        Data::List {
            items, more: None, ..
        } if items.is_empty() && for_a_person => Some("no items".to_owned()),
        _ => None,
    }
}

/// Write to stdout; a reader that went away (`| head`) ends the output quietly.
pub fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Error::io("cannot write to stdout", &e))
        }
        _ => Ok(()),
    }
}

fn value_items(value: &Value) -> std::slice::Iter<'_, Value> {
    match value {
        Value::Array(items) => items.iter(),
        _ => [].iter(),
    }
}

fn compact(value: &Value) -> String {
    value.to_string()
}

fn lines(items: impl Iterator<Item = String>) -> String {
    items.map(|line| line + "\n").collect()
}

fn render_jq_results(results: Vec<Value>) -> String {
    lines(results.into_iter().map(|v| match v {
        Value::String(s) => s,
        other => compact(&other),
    }))
}

/// A value as one table or CSV cell: strings unquoted, null empty, structures as JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(", ")
        }
        other => compact(other),
    }
}

/// The chosen columns, or else every column name in order of first appearance across all rows.
fn columns<'a>(rows: impl Iterator<Item = &'a Value>, chosen: &[&str]) -> Vec<String> {
    if !chosen.is_empty() {
        return chosen.iter().map(|c| (*c).to_owned()).collect();
    }
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        if let Value::Object(map) = row {
            for key in map.keys() {
                if !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
    }
    columns
}

fn row_cells(row: &Value, columns: &[String]) -> Vec<String> {
    match row {
        Value::Object(map) => columns
            .iter()
            .map(|c| map.get(c).map(cell).unwrap_or_default())
            .collect(),
        scalar => vec![cell(scalar)],
    }
}

fn new_table() -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    table
}

fn table_of_rows<'a>(rows: impl Iterator<Item = &'a Value> + Clone, chosen: &[&str]) -> String {
    let columns = columns(rows.clone(), chosen);
    let mut table = new_table();
    if !columns.is_empty() {
        table.set_header(columns.iter().map(|c| c.to_uppercase()));
    }
    let mut any = false;
    for row in rows {
        any = true;
        table.add_row(row_cells(row, &columns));
    }
    if any || !columns.is_empty() {
        format!("{}\n", trim_lines(&table.trim_fmt()))
    } else {
        String::new()
    }
}

fn table_of_value(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut table = new_table();
            for (key, value) in map {
                table.add_row([key.to_uppercase(), cell(value)]);
            }
            format!("{}\n", trim_lines(&table.trim_fmt()))
        }
        scalar => format!("{}\n", cell(scalar)),
    }
}

fn trim_lines(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end().strip_prefix(' ').unwrap_or(l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn csv_of_rows<'a>(rows: impl Iterator<Item = &'a Value> + Clone, chosen: &[&str]) -> String {
    let columns = columns(rows.clone(), chosen);
    let mut out = String::new();
    if !columns.is_empty() {
        out.push_str(&csv_line(columns.iter().cloned()));
    }
    for row in rows {
        out.push_str(&csv_line(row_cells(row, &columns).into_iter()));
    }
    out
}

/// One RFC 4180 record.
fn csv_line(fields: impl Iterator<Item = String>) -> String {
    let quoted: Vec<String> = fields
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f
            }
        })
        .collect();
    format!("{}\r\n", quoted.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn printer(format: OutputFormat) -> Printer {
        Printer {
            format,
            pretty: false,
            jq: None,
        }
    }

    fn list() -> Data {
        Data::List {
            items: vec![
                json!({"id": "1", "topic": "Launch, phase 2", "members": ["a", "b"]}),
                json!({"id": "2", "topic": "say \"hi\"", "unread": true}),
            ],
            more: None,
            columns: &[],
        }
    }

    #[test]
    fn a_list_cut_short_says_so_outside_the_data() {
        let data = Data::List {
            items: vec![json!({"id": "1"})],
            more: Some("rerun with --all for the rest".into()),
            columns: &[],
        };
        assert_eq!(
            note_for(&data, false).as_deref(),
            Some("showing the first 1 items; rerun with --all for the rest")
        );
        let out = printer(OutputFormat::Json).render(data).unwrap();
        assert_eq!(out, "[{\"id\":\"1\"}]\n", "the data stays a plain array");
        let empty = Data::List {
            items: vec![],
            more: None,
            columns: &[],
        };
        assert_eq!(note_for(&empty, true).as_deref(), Some("no items"));
        assert_eq!(note_for(&empty, false), None);
    }

    #[test]
    fn json_lists_are_arrays() {
        let out = printer(OutputFormat::Json).render(list()).unwrap();
        let parsed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed.as_array().unwrap().len(), 2);
    }

    #[test]
    fn ndjson_is_one_object_per_line() {
        let out = printer(OutputFormat::Ndjson).render(list()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(serde_json::from_str::<Value>(lines[1]).unwrap()["id"], "2");
    }

    #[test]
    fn csv_quotes_and_unions_columns() {
        let out = printer(OutputFormat::Csv).render(list()).unwrap();
        assert_eq!(
            out,
            "id,topic,members,unread\r\n1,\"Launch, phase 2\",\"a, b\",\r\n2,\"say \"\"hi\"\"\",,true\r\n"
        );
    }

    #[test]
    fn tables_have_a_header_and_a_row_per_item() {
        let out = printer(OutputFormat::Table).render(list()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(
            lines[0].starts_with("ID") && lines[0].contains("TOPIC"),
            "{out}"
        );
        assert!(
            lines[1].contains("Launch, phase 2") && lines[1].contains("a, b"),
            "{out}"
        );
    }

    #[test]
    fn a_single_object_as_table_is_key_value() {
        let out = printer(OutputFormat::Table)
            .render(Data::Value(json!({"profile": "work", "signed_in": false})))
            .unwrap();
        assert!(
            out.contains("PROFILE") && out.contains("work") && out.contains("false"),
            "{out}"
        );
    }

    #[test]
    fn jq_applies_to_the_json_and_prints_strings_raw() {
        let p = Printer {
            format: OutputFormat::Table,
            pretty: false,
            jq: Some(JqFilter::compile(".[] | .topic, {id}").unwrap()),
        };
        let out = p.render(list()).unwrap();
        assert_eq!(
            out,
            "Launch, phase 2\n{\"id\":\"1\"}\nsay \"hi\"\n{\"id\":\"2\"}\n"
        );
    }
}
