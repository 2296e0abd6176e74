//! `msgate config get|set|unset|list|path`.
//!
//! `set` validates the key and the value before the file is touched, then edits the parsed
//! document in place so comments, ordering and keys msgate does not know all survive.

use msgate_core::config::keys::{KeyPath, PROFILE_KEYS, PROFILES_TABLE, ValueKind};
use msgate_core::config::{self, ConfigFile};
use msgate_core::{Error, ErrorCode, Result};
use serde_json::{Value as Json, json};
use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use crate::cli::ConfigCommand;
use crate::context::Context;
use crate::diag;
use crate::output::Data;

pub fn run(command: ConfigCommand, ctx: &Context) -> Result<Data> {
    let paths = ctx.config_paths()?;
    match command {
        ConfigCommand::Path => Ok(Data::Value(json!(paths.file.display().to_string()))),
        ConfigCommand::List => {
            let mut items = ctx.settings.entries();
            if let Some(file) = config::load(paths)? {
                items.extend(profile_entries(&file));
            }
            Ok(Data::List {
                items,
                more: None,
                columns: &[],
            })
        }
        ConfigCommand::Get { key } => {
            let key = KeyPath::parse(&key)?;
            let file = config::load(paths)?;
            match file.as_ref().and_then(|f| key.lookup(&f.doc)) {
                Some(item) => Ok(Data::Value(to_json(item))),
                None => Err(Error::new(
                    ErrorCode::NotFound,
                    format!("config key '{}' is not set", key.dotted()),
                )
                .with_hint("'msgate config list' shows the effective value of every setting")),
            }
        }
        ConfigCommand::Set { key, value } => {
            let key = KeyPath::parse(&key)?;
            let value = key.spec().kind.parse(&key.dotted(), &value)?;
            let shown = value.to_string();
            config::update(paths, |doc| put(doc, &key, value))?;
            diag::status(&format!(
                "set {} = {} in {}",
                key.dotted(),
                shown.trim(),
                paths.file.display()
            ));
            Ok(Data::Nothing)
        }
        ConfigCommand::Unset { key } => {
            let key = KeyPath::parse(&key)?;
            let mut removed = false;
            config::update(paths, |doc| {
                removed = remove(doc, &key);
                Ok(())
            })?;
            if removed {
                diag::status(&format!(
                    "removed {} from {}",
                    key.dotted(),
                    paths.file.display()
                ));
            } else {
                diag::note(&format!("{} was not set", key.dotted()));
            }
            Ok(Data::Nothing)
        }
    }
}

fn profile_entries(file: &ConfigFile) -> Vec<Json> {
    let Some(profiles) = file.doc.get(PROFILES_TABLE).and_then(Item::as_table_like) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (profile, table) in profiles.iter() {
        // A policy is a table, not a setting: `msgate policy show` presents it.
        for spec in PROFILE_KEYS.iter().filter(|s| s.kind != ValueKind::Policy) {
            if let Some(item) = table.get(spec.name) {
                rows.push(json!({
                    "key": format!("{PROFILES_TABLE}.{profile}.{}", spec.name),
                    "value": to_json(item),
                    "source": "file",
                }));
            }
        }
    }
    rows
}

fn to_json(item: &Item) -> Json {
    match item.as_value() {
        Some(Value::String(s)) => json!(s.value()),
        Some(Value::Boolean(b)) => json!(b.value()),
        Some(Value::Integer(i)) => json!(i.value()),
        Some(Value::Float(f)) => json!(f.value()),
        _ => json!(item.to_string().trim()),
    }
}

/// The table that holds `key`, created (as `[profiles.NAME]`) when it does not exist yet.
fn holder_mut<'d>(doc: &'d mut DocumentMut, key: &KeyPath) -> Result<&'d mut dyn TableLike> {
    match key {
        KeyPath::TopLevel(_) => Ok(doc.as_table_mut()),
        KeyPath::Profile { profile, .. } => {
            let not_a_table = |what: String| {
                Error::new(
                    ErrorCode::ConfigInvalid,
                    format!("config key '{what}' is not a table"),
                )
                .with_hint("fix the config file by hand ('msgate config path' prints where it is)")
            };
            let profiles = doc
                .entry(PROFILES_TABLE)
                .or_insert_with(|| {
                    let mut table = Table::new();
                    table.set_implicit(true);
                    Item::Table(table)
                })
                .as_table_like_mut()
                .ok_or_else(|| not_a_table(PROFILES_TABLE.to_owned()))?;
            profiles
                .entry(profile)
                .or_insert(Item::Table(Table::new()))
                .as_table_like_mut()
                .ok_or_else(|| not_a_table(format!("{PROFILES_TABLE}.{profile}")))
        }
    }
}

fn put(doc: &mut DocumentMut, key: &KeyPath, mut value: Value) -> Result<()> {
    let table = holder_mut(doc, key)?;
    let name = key.spec().name;
    if let Some(old) = table.get(name).and_then(Item::as_value) {
        // Keep the spacing and the trailing comment the user wrote after the old value.
        *value.decor_mut() = old.decor().clone();
    }
    table.insert(name, Item::Value(value));
    Ok(())
}

fn remove(doc: &mut DocumentMut, key: &KeyPath) -> bool {
    let name = key.spec().name;
    match key {
        KeyPath::TopLevel(_) => doc.remove(name).is_some(),
        KeyPath::Profile { profile, .. } => doc
            .get_mut(PROFILES_TABLE)
            .and_then(|p| p.get_mut(profile.as_str()))
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.remove(name))
            .is_some(),
    }
}
