//! `--jq EXPR`: filter the JSON output through a jq expression, with jaq.
//!
//! The expression is compiled before the command runs, so a typo fails with a usage error before
//! anything is sent to Microsoft — never after a message went out.

use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use msgate_core::{Error, Result};
use serde_json::Value;

type Data = data::JustLut<Val>;

pub struct JqFilter {
    expr: String,
    filter: jaq_core::Filter<Data>,
}

impl std::fmt::Debug for JqFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JqFilter")
            .field("expr", &self.expr)
            .finish()
    }
}

impl JqFilter {
    pub fn compile(expr: &str) -> Result<Self> {
        let invalid = |why: String| {
            Error::usage(format!("invalid --jq expression: {why}"))
                .with_hint("jq syntax: https://jqlang.org/manual/ (for example --jq '.[].id')")
        };
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let program = File {
            code: expr,
            path: (),
        };
        let modules = Loader::new(defs)
            .load(&arena, program)
            .map_err(|errs| invalid(describe_load_errors(errs)))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| {
                let names: Vec<String> = errs
                    .into_iter()
                    .flat_map(|(_, undefined)| undefined)
                    .map(|(name, _)| format!("'{name}'"))
                    .collect();
                invalid(format!("undefined {}", names.join(", ")))
            })?;
        Ok(JqFilter {
            expr: expr.to_owned(),
            filter,
        })
    }

    /// Every output of the filter for `input`, in order.
    pub fn run(&self, input: &Value) -> Result<Vec<Value>> {
        let input = jaq_json::read::parse_single(input.to_string().as_bytes())
            .map_err(|e| Error::internal(format!("cannot hand JSON to jq: {e}")))?;
        let ctx = Ctx::<Data>::new(&self.filter.lut, Vars::new([]));
        self.filter
            .id
            .run((ctx, input))
            .map(unwrap_valr)
            .map(|out| {
                let val =
                    out.map_err(|e| Error::usage(format!("--jq '{}' failed: {e}", self.expr)))?;
                serde_json::from_str(&val.to_string()).map_err(|e| {
                    Error::usage(format!(
                        "--jq '{}' produced a value JSON cannot hold: {e}",
                        self.expr
                    ))
                })
            })
            .collect()
    }
}

fn describe_load_errors(errs: load::Errors<&str, ()>) -> String {
    let near = |rest: &str| rest.chars().take(20).collect::<String>();
    let mut parts = Vec::new();
    for (_, err) in errs {
        match err {
            load::Error::Io(items) => parts.extend(items.into_iter().map(|(_, e)| e)),
            load::Error::Lex(items) => parts.extend(items.into_iter().map(|(expect, rest)| {
                format!("expected {} near '{}'", expect.as_str(), near(rest))
            })),
            load::Error::Parse(items) => parts.extend(items.into_iter().map(|(expect, rest)| {
                format!("expected {} near '{}'", expect.as_str(), near(rest))
            })),
        }
    }
    if parts.is_empty() {
        "cannot parse it".to_owned()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_and_collects_outputs() {
        let jq = JqFilter::compile(".[] | select(.n > 1) | .name").unwrap();
        let out = jq
            .run(&json!([{"name": "a", "n": 1}, {"name": "b", "n": 2}, {"name": "c", "n": 3}]))
            .unwrap();
        assert_eq!(out, [json!("b"), json!("c")]);
    }

    #[test]
    fn standard_library_is_available() {
        let jq = JqFilter::compile("map(.n) | add, (keys | length)").unwrap();
        assert_eq!(
            jq.run(&json!([{"n": 2}, {"n": 5}])).unwrap(),
            [json!(7), json!(2)]
        );
    }

    #[test]
    fn syntax_errors_are_usage_errors() {
        for bad in [".[", "foo(", "nosuchfunction"] {
            let err = JqFilter::compile(bad).unwrap_err();
            assert_eq!(err.exit().status(), 2, "{bad}");
            assert!(
                err.message().starts_with("invalid --jq expression"),
                "{}",
                err.message()
            );
        }
    }

    #[test]
    fn runtime_errors_are_reported() {
        let jq = JqFilter::compile(".a.b").unwrap();
        let err = jq.run(&json!({"a": 1})).unwrap_err();
        assert!(err.message().contains("failed"), "{}", err.message());
    }
}
