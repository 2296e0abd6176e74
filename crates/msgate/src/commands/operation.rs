//! Running a catalog operation from the command line: screen it against the policy, connect to
//! Graph, pass the call through the catalog's choke point with the policy gate, and hand the
//! compact result to the printer — lists as lists (with the way to get the rest), objects as
//! objects.

use msgate_core::Result;
use msgate_ops::{Catalog, Ctx, Entry, Face};
use serde_json::Value;

use crate::context::Context;
use crate::output::Data;

pub fn run(entry: &'static Entry, input: Value, ctx: &Context) -> Result<Data> {
    let gate = ctx.gate()?;
    // A call the rules deny is refused before anything else, signed in or not.
    gate.screen(Face::Cli, entry.spec, &input)?;
    let connection = ctx.connect()?;
    let output = connection.run(|graph| async {
        let ops = Ctx::new(graph.clone(), Face::Cli, ctx.state_dir());
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
