//! Running a catalog operation from the command line: screen it against the policy, connect to
//! Graph, pass the call through the catalog's choke point with the policy gate, and hand the
//! compact result to the printer — lists as lists (with the way to get the rest and any notes),
//! objects as objects. Long work shows progress bars where a person watches (`progress`).

use msgate_core::Result;
use msgate_ops::{Catalog, Ctx, Entry, Face};
use serde_json::Value;

use crate::context::Context;
use crate::output::Data;
use crate::{diag, progress};

pub fn run(entry: &'static Entry, input: Value, ctx: &Context) -> Result<Data> {
    let gate = ctx.gate()?;
    // A call the rules deny is refused before anything else, signed in or not.
    gate.screen(Face::Cli, entry.spec, &input)?;
    let connection = ctx.connect()?;
    let output = connection.run(|graph| async {
        let mut ops = Ctx::new(graph.clone(), Face::Cli, ctx.state_dir());
        if let Some(bars) = progress::for_command(ctx) {
            ops = ops.with_progress(bars);
        }
        Catalog::get()
            .invoke(&ops, &gate, entry.spec.name, input)
            .await
    })?;
    Ok(data(output, entry.spec.columns))
}

fn data(output: Value, columns: &'static [&'static str]) -> Data {
    let Value::Object(mut object) = output else {
        return Data::Value(output);
    };
    let Some(Value::Array(items)) = object.remove("items") else {
        return Data::Value(Value::Object(object));
    };
    // What a list leaves out (a part that could not be read) goes to stderr as notes.
    for note in object
        .get("notes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        diag::note(note);
    }
    let cursor = object.get("next_cursor").and_then(Value::as_str);
    let truncated = object
        .get("truncated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let more = match cursor {
        Some(cursor) => Some(format!(
            "rerun with --all, or continue with --cursor '{cursor}'"
        )),
        None if truncated => Some("rerun with --all, or a larger --limit".to_owned()),
        None => None,
    };
    Data::List {
        items,
        more,
        columns,
    }
}
