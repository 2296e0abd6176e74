//! `files.copy`: copy a file or folder — into a folder that exists (keeping its name), or to a
//! new path. Graph copies in the background: it answers 202 with a monitor URL, which msgate
//! polls (without the token, as msgate-graph's `monitor` does) until the copy is done or `wait`
//! runs out; a copy still going then is reported as such, not as a failure.

use std::time::Duration;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{FilePath, Item, Place, Root, destination};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Copy;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The file or folder to copy, from the root
    #[schemars(extend("x-positional" = true))]
    pub from: String,
    /// Where the copy goes: a folder to copy it into, or a new path with the copy's name
    #[schemars(extend("x-positional" = true))]
    pub to: String,
    #[serde(flatten)]
    pub place: Place,
    /// Seconds to wait for the copy to finish (default 60); a longer copy goes on without msgate
    #[serde(default)]
    #[schemars(range(min = 1, max = 3600))]
    pub wait: Option<u64>,
}

/// A copy, done or under way.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Copied {
    /// completed, or what Graph said when msgate stopped waiting (inProgress, notStarted)
    pub status: String,
    /// Where the copy is, from the root of your OneDrive or of the channel's folder
    pub path: String,
    /// The copy, once it is complete
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<Item>,
}

const DEFAULT_WAIT: u64 = 60;

impl Operation for Copy {
    type Input = Input;
    type Output = Copied;
    const SPEC: Spec = Spec {
        name: "files.copy",
        summary: "Copy a file or folder in your OneDrive or in a channel's files",
        risk: Risk::Write,
        idempotent: false,
        delegated: super::WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Copied> {
        let root = Root::resolve(ctx, &input.place).await?;
        let from = FilePath::parse(&input.from)?;
        let to = FilePath::parse(&input.to)?;
        let Some(name) = from.name() else {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "the root folder cannot be copied",
            ));
        };
        let item = root.item(ctx, &from).await?;
        let landing = destination(ctx, &root, &to, name).await?;
        if landing.path.starts_with(&from) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{}' cannot be copied into itself", from.display()),
            ));
        }
        root.note(ctx, &landing.path).await?;
        let id = item["id"].as_str().unwrap_or_default();
        let request = Request::post(
            format!("{}/copy", root.by_id(id)),
            json!({
                "parentReference": landing.parent_reference(),
                "name": landing.path.name().unwrap_or(name),
            }),
        )
        .permissions(root.write());
        let started = ctx.graph.send(&request).await.map_err(|err| {
            if err.code() == ErrorCode::Conflict {
                Error::new(
                    ErrorCode::Conflict,
                    format!(
                        "'{}' already exists in {}",
                        landing.path.display(),
                        root.describe()
                    ),
                )
                .with_hint("choose another name for the copy")
            } else {
                err
            }
        })?;
        let monitor = started
            .headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::internal("Graph started the copy without a monitor URL to follow")
            })?;
        let wait = Duration::from_secs(input.wait.unwrap_or(DEFAULT_WAIT));
        let state = ctx.graph.follow_monitor(monitor, wait).await?;
        let item = match (state.completed(), state.resource_id.as_deref()) {
            (true, Some(copy_id)) => {
                let request = Request::get(root.by_id(copy_id))
                    .select(super::SELECT)
                    .permissions(root.read());
                Some(root.view(&ctx.graph.json(&request).await?))
            }
            _ => None,
        };
        Ok(Copied {
            status: state.status,
            path: landing.path.display(),
            item,
        })
    }
}
