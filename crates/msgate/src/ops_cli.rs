//! The catalog's operations as subcommands, derived from their definitions: `chat.list` becomes
//! `msgate chat list`, each input property a flag (`since` → `--since`), its doc comment the
//! flag's help, its type the flag's parser. Help, completions and the man page therefore cover
//! every operation without a line of CLI code per operation.
//!
//! Conventions read from the input schema: `x-positional` makes a property positional;
//! `x-text` marks the text of a message, which may also come from `--file PATH` or stdin.

use std::io::{IsTerminal, Read};

use clap::{Arg, ArgAction, ArgMatches, Command};
use msgate_core::{Error, ErrorCode, Result};
use msgate_ops::{Catalog, Entry, Risk};
use serde_json::{Map, Value, json};

/// Adds a subcommand tree for the catalog to `root`.
pub fn augment(mut root: Command) -> Command {
    let catalog = Catalog::get();
    let mut tops: Vec<&str> = Vec::new();
    for entry in catalog.entries() {
        let top = entry.spec.name.split('.').next().unwrap_or_default();
        if !tops.contains(&top) {
            tops.push(top);
        }
    }
    for top in tops {
        root = match catalog.find(top) {
            Some(leaf) => root.subcommand(operation(leaf)),
            None => root.subcommand(group(catalog, top)),
        };
    }
    root
}

/// The subcommand for the group at `path` (`chat`, `team.members`) and everything below it.
fn group(catalog: &Catalog, path: &str) -> Command {
    let name = path.rsplit('.').next().unwrap_or(path).to_owned();
    let mut command = Command::new(name)
        .about(catalog.group_about(path).unwrap_or_default())
        .subcommand_required(true)
        .arg_required_else_help(true);
    let prefix = format!("{path}.");
    let mut children: Vec<&str> = Vec::new();
    for entry in catalog.entries() {
        let Some(rest) = entry.spec.name.strip_prefix(&prefix) else {
            continue;
        };
        let child = rest.split('.').next().unwrap_or(rest);
        if children.contains(&child) {
            continue;
        }
        children.push(child);
        let child_path = format!("{prefix}{child}");
        command = match catalog.find(&child_path) {
            Some(leaf) => command.subcommand(operation(leaf)),
            None => command.subcommand(group(catalog, &child_path)),
        };
    }
    command
}

fn operation(entry: &Entry) -> Command {
    let spec = entry.spec;
    let name = spec.name.rsplit('.').next().unwrap_or(spec.name).to_owned();
    let risk = match spec.risk {
        Risk::Read => "Reads only.",
        Risk::Write => "Changes data (a write).",
        Risk::Destructive => "Destructive: denied unless policy allows it.",
    };
    let mut permissions = format!("Graph permissions (any one): {}", spec.delegated.join(", "));
    if !spec.application.is_empty() {
        permissions.push_str(&format!("; app-only: {}", spec.application.join(", ")));
    }
    let mut command = Command::new(name)
        .about(spec.summary)
        .long_about(format!("{}.\n\n{risk} {permissions}.", spec.summary))
        .after_help(format!(
            "Operation: {} (MCP tool {})",
            spec.name,
            spec.tool_name()
        ));
    let schema = entry.input_schema();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut position = 1;
    if let Some(properties) = schema["properties"].as_object() {
        for (property, definition) in properties {
            let arg = argument(
                property,
                definition,
                required.contains(&property.as_str()),
                &mut position,
            );
            command = command.arg(arg);
            if definition["x-text"] == true {
                command = command.arg(
                    Arg::new(file_arg(property))
                        .long("file")
                        .value_name("PATH")
                        .help(format!("Read the {property} from a file ('-' for stdin)"))
                        .conflicts_with(property.clone()),
                );
            }
        }
    }
    command
}

fn file_arg(property: &str) -> String {
    format!("{property}@file")
}

/// JSON Schema's type of a property, ignoring `null` (an optional value).
fn base_type(definition: &Value) -> &str {
    match &definition["type"] {
        Value::String(t) => t,
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    }
}

fn argument(property: &str, definition: &Value, required: bool, position: &mut usize) -> Arg {
    let help = definition["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut arg = Arg::new(property.to_owned()).help(help);
    if definition["x-positional"] == true {
        arg = arg.index(*position).value_name(property.to_uppercase());
        *position += 1;
        if let Some(choices) = choices(definition) {
            arg = arg.value_parser(clap::builder::PossibleValuesParser::new(choices));
        }
        // Text may come from --file or stdin instead.
        return arg.required(required && definition["x-text"] != true);
    }
    arg = arg.long(property.replace('_', "-")).required(required);
    match base_type(definition) {
        "boolean" => arg.action(ArgAction::SetTrue),
        "array" => arg
            .action(ArgAction::Append)
            .value_name(value_name(property, &definition["items"])),
        "integer" => arg.value_parser(clap::value_parser!(i64)).value_name("N"),
        _ => match choices(definition) {
            Some(choices) => arg.value_parser(clap::builder::PossibleValuesParser::new(choices)),
            None => arg.value_name(value_name(property, definition)),
        },
    }
}

/// The values an enum property allows.
fn choices(definition: &Value) -> Option<Vec<String>> {
    let choices: Vec<String> = definition["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    (!choices.is_empty()).then_some(choices)
}

fn value_name(property: &str, definition: &Value) -> String {
    match base_type(definition) {
        "integer" => "N".to_owned(),
        _ => property.trim_end_matches('s').to_uppercase(),
    }
}

/// The operation a parsed command line names, with its input as JSON; `None` when the command
/// is not a catalog operation.
pub fn operation_call(matches: &ArgMatches) -> Result<Option<(&'static Entry, Value)>> {
    let catalog = Catalog::get();
    let mut path = Vec::new();
    let mut current = matches;
    while let Some((name, sub)) = current.subcommand() {
        path.push(name);
        current = sub;
        if let Some(entry) = catalog.find(&path.join(".")) {
            return Ok(Some((entry, input(entry, sub)?)));
        }
    }
    Ok(None)
}

fn input(entry: &Entry, matches: &ArgMatches) -> Result<Value> {
    let schema = entry.input_schema();
    let mut input = Map::new();
    let Some(properties) = schema["properties"].as_object() else {
        return Ok(Value::Object(input));
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (property, definition) in properties {
        let value = match base_type(definition) {
            "boolean" => matches.get_flag(property).then_some(json!(true)),
            "array" => matches
                .get_many::<String>(property)
                .map(|values| json!(values.collect::<Vec<_>>())),
            "integer" => matches.get_one::<i64>(property).map(|n| json!(n)),
            _ => matches.get_one::<String>(property).map(|s| json!(s)),
        };
        let value = match value {
            None if definition["x-text"] == true => text_from_elsewhere(
                matches,
                property,
                entry,
                required.contains(&property.as_str()),
            )?,
            value => value,
        };
        if let Some(value) = value {
            input.insert(property.clone(), value);
        }
    }
    Ok(Value::Object(input))
}

/// A text given with `--file PATH` (or `-` for stdin), or piped on stdin; an optional text
/// (a message that may be only a file) is simply absent at a terminal.
fn text_from_elsewhere(
    matches: &ArgMatches,
    property: &str,
    entry: &Entry,
    required: bool,
) -> Result<Option<Value>> {
    let text = match matches
        .get_one::<String>(&file_arg(property))
        .map(String::as_str)
    {
        Some("-") => read_stdin()?,
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read {path}"), &e))?,
        None if !std::io::stdin().is_terminal() => read_stdin()?,
        None if !required => return Ok(None),
        None => {
            return Err(Error::new(
                ErrorCode::Usage,
                format!("{} needs the {property}", entry.spec.name.replace('.', " ")),
            )
            .with_hint("give it as an argument, with --file PATH, or on stdin"));
        }
    };
    Ok(Some(json!(text.trim_end_matches('\n'))))
}

fn read_stdin() -> Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::io("cannot read stdin", &e))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_becomes_a_consistent_subcommand() {
        let command = augment(Command::new("msgate"));
        command.clone().debug_assert();
        for entry in Catalog::get().entries() {
            let mut words: Vec<&str> = entry.spec.name.split('.').collect();
            let mut current = &command;
            for word in &words {
                current = current
                    .find_subcommand(word)
                    .unwrap_or_else(|| panic!("no subcommand for {}", entry.spec.name));
            }
            assert_eq!(
                current.get_about().map(|a| a.to_string()).as_deref(),
                Some(entry.spec.summary)
            );
            words.clear();
        }
    }

    #[test]
    fn flags_and_positionals_become_input() {
        let command = augment(Command::new("msgate"));
        let matches = command
            .try_get_matches_from([
                "msgate",
                "message",
                "send",
                "--chat",
                "Release 4.2",
                "--mention",
                "a",
                "--mention",
                "b",
                "hello",
            ])
            .unwrap();
        let (entry, input) = operation_call(&matches).unwrap().unwrap();
        assert_eq!(entry.spec.name, "message.send");
        assert_eq!(
            input,
            json!({"chat": "Release 4.2", "mention": ["a", "b"], "text": "hello"})
        );
    }
}
