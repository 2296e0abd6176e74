//! The catalog: every operation msgate can perform, defined once, and the one way to run one.
//!
//! An operation is a type implementing [`Operation`]: its [`Spec`], its input (serde + schemars:
//! the CLI's flags and the MCP tool's input schema both come from it), its compact output, and
//! its implementation over msgate-graph. The catalog erases those types into [`Entry`]s whose
//! implementation is private to this crate: the only way to run an operation is
//! [`Catalog::invoke`], which asks the [`Gate`] (the policy engine) first. No face can reach an
//! operation around it.
//!
//! The gate's answer is a [`Pass`]: the terms of one call. The call's context carries it, so the
//! gate also sees every target the operation resolves (and can stop the call before it writes),
//! supplies a signature for messages, holds writes back for a dry run, and hears how the call
//! ended. Operations never see a policy; they resolve references and call `ctx.note` for
//! targets that are not references.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, LazyLock, OnceLock};

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{BoxFuture, Write, WriteLog, WriteOutcome};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ctx::Ctx;
use crate::policy::Target;
use crate::spec::{Risk, Spec};

/// One operation: implement this in one file under `ops/`, then list it in its area's `ENTRIES`.
pub trait Operation: 'static {
    type Input: DeserializeOwned + JsonSchema + Send;
    type Output: Serialize + JsonSchema;
    const SPEC: Spec;

    fn run(ctx: &Ctx, input: Self::Input) -> impl Future<Output = Result<Self::Output>> + Send;
}

/// Decides whether a call may run. The policy engine implements it; every face passes one.
pub trait Gate: Send + Sync + fmt::Debug {
    /// Called before the operation runs, with its checked input: the terms of the call, or the
    /// error that stops it (a denial, a declined confirmation, a spent cap).
    fn admit<'a>(
        &'a self,
        ctx: &'a Ctx,
        spec: &'static Spec,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<Box<dyn Pass>>>;
}

/// The terms of one admitted call, carried by its context while the operation runs.
pub trait Pass: Send + Sync + fmt::Debug {
    /// Whether the call's writes are held back and shown instead of sent.
    fn dry_run(&self) -> bool;

    /// A target the operation resolved (see `Ctx::note`); an error stops the call before it
    /// writes anything.
    fn check_target<'a>(&'a self, ctx: &'a Ctx, target: &'a Target) -> BoxFuture<'a, Result<()>>;

    /// Text appended to messages the call sends.
    fn signature(&self) -> Option<&str>;

    /// Told once how the call ended (for the audit log and send caps).
    fn finish(&self, ctx: &Ctx, ended: &Ended<'_>);
}

/// How an admitted call ended.
#[derive(Debug)]
pub struct Ended<'a> {
    pub input: &'a Value,
    /// What `invoke` returns: the output, a dry run's requests, or the error.
    pub result: &'a Result<Value>,
    /// The writes the call sent or (in a dry run) held back.
    pub writes: &'a [Write],
}

/// A gate that admits everything: for tests of the operations themselves.
#[derive(Debug, Default)]
pub struct OpenGate;

impl Gate for OpenGate {
    fn admit<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _spec: &'static Spec,
        _input: &'a Value,
    ) -> BoxFuture<'a, Result<Box<dyn Pass>>> {
        Box::pin(async { Ok(Box::new(OpenPass) as Box<dyn Pass>) })
    }
}

#[derive(Debug)]
struct OpenPass;

impl Pass for OpenPass {
    fn dry_run(&self) -> bool {
        false
    }

    fn check_target<'a>(&'a self, _ctx: &'a Ctx, _target: &'a Target) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn signature(&self) -> Option<&str> {
        None
    }

    fn finish(&self, _ctx: &Ctx, _ended: &Ended<'_>) {}
}

type Runner = for<'a> fn(&'a Ctx, Value) -> BoxFuture<'a, Result<Value>>;

/// An operation with its types erased. Its implementation is reachable only through
/// [`Catalog::invoke`]; outside this crate there is no way to call it directly:
///
/// ```compile_fail
/// let entry = &msgate_ops::Catalog::get().entries()[0];
/// let _bypass = entry.run;
/// ```
pub struct Entry {
    pub spec: &'static Spec,
    input_schema: fn() -> Value,
    output_schema: fn() -> Value,
    run: Runner,
    /// The input's property names, for refusing unknown ones (a typo must not be ignored).
    fields: OnceLock<Vec<String>>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.spec.name)
            .finish_non_exhaustive()
    }
}

impl Entry {
    /// JSON Schema of the input, subschemas inlined (what MCP clients and the CLI read).
    pub fn input_schema(&self) -> Value {
        (self.input_schema)()
    }

    /// JSON Schema of the compact output.
    pub fn output_schema(&self) -> Value {
        (self.output_schema)()
    }

    /// Refuses input members the operation does not know.
    fn check_fields(&self, input: &Value) -> Result<()> {
        let Some(object) = input.as_object() else {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("the input of {} must be a JSON object", self.spec.name),
            ));
        };
        let known = self.fields.get_or_init(|| {
            self.input_schema()["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default()
        });
        match object
            .keys()
            .find(|k| !known.contains(k) && *k != "max_items")
        {
            Some(unknown) => Err(Error::new(
                ErrorCode::InvalidInput,
                format!("{} has no input '{unknown}'", self.spec.name),
            )
            .with_hint(format!("it takes: {}", known.join(", ")))),
            None => Ok(()),
        }
    }
}

fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("title");
    }
    schema
}

fn run_typed<'a, O: Operation>(ctx: &'a Ctx, input: Value) -> BoxFuture<'a, Result<Value>> {
    Box::pin(async move {
        let input: O::Input = serde_json::from_value(input).map_err(|e| {
            Error::new(
                ErrorCode::InvalidInput,
                format!("bad input for {}: {e}", O::SPEC.name),
            )
        })?;
        let output = O::run(ctx, input).await?;
        serde_json::to_value(output).map_err(|e| {
            Error::internal(format!("cannot encode the output of {}: {e}", O::SPEC.name))
        })
    })
}

/// The entry for an operation type.
pub(crate) fn entry<O: Operation>() -> Entry {
    Entry {
        spec: &O::SPEC,
        input_schema: schema_of::<O::Input>,
        output_schema: schema_of::<O::Output>,
        run: run_typed::<O>,
        fields: OnceLock::new(),
    }
}

#[derive(Debug)]
pub struct Catalog {
    entries: Vec<Entry>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog {
    entries: crate::ops::entries(),
});

impl Catalog {
    pub fn get() -> &'static Catalog {
        &CATALOG
    }

    /// Every operation, grouped by area in the order the areas are listed.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// What a group of operations (`chat`, `team.members`) is about.
    pub fn group_about(&self, path: &str) -> Option<&'static str> {
        crate::ops::GROUPS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, about)| *about)
    }

    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.spec.name == name)
    }

    /// The choke point: the input is checked, the gate decides, the operation runs in a
    /// context that carries the gate's pass, and the pass hears how it ended. Under a dry run
    /// the result is the writes that were held back: `{"dry_run": true, "requests": […]}`.
    pub async fn invoke(
        &self,
        ctx: &Ctx,
        gate: &dyn Gate,
        name: &str,
        input: Value,
    ) -> Result<Value> {
        let entry = self.find(name).ok_or_else(|| {
            Error::new(
                ErrorCode::Usage,
                format!("there is no operation named '{name}'"),
            )
            .with_hint("list them with: msgate --help, or the MCP tool list")
        })?;
        entry.check_fields(&input)?;
        let pass = gate.admit(ctx, entry.spec, &input).await?;
        // Reads run as they are even in a dry run: some reads are POSTs (search, $batch).
        let log = Arc::new(WriteLog::new(
            pass.dry_run() && entry.spec.risk != Risk::Read,
        ));
        let call = ctx.for_call(entry.spec, pass, log.clone());
        let result = (entry.run)(&call, input.clone()).await;
        let writes = log.writes();
        let held: Vec<Value> = writes
            .iter()
            .filter(|w| w.outcome == WriteOutcome::Held)
            .map(Write::request_json)
            .collect();
        let result = if held.is_empty() {
            result
        } else {
            Ok(serde_json::json!({"dry_run": true, "requests": held}))
        };
        call.finish(&Ended {
            input: &input,
            result: &result,
            writes: &writes,
        });
        result
    }
}
