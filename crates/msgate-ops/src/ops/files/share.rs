//! `files.share`: a sharing link to a file or folder — to view or to edit, for people in your
//! organization or for anyone who has the link. Graph hands back the existing link when one of
//! the same kind is already there, so asking twice makes one link.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{FilePath, Place, Root};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Share;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The file or folder to share, from the root
    #[schemars(extend("x-positional" = true))]
    pub path: String,
    #[serde(flatten)]
    pub place: Place,
    /// What the link allows: view (default) or edit
    #[serde(default, rename = "type")]
    pub kind: LinkKind,
    /// Who the link works for: organization (default, signed-in people of your organization) or anonymous (anyone with the link)
    #[serde(default)]
    pub scope: LinkScope,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    #[default]
    View,
    Edit,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LinkScope {
    #[default]
    Organization,
    Anonymous,
}

/// A sharing link.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Link {
    /// The link to hand out
    pub url: String,
    /// view or edit
    #[serde(rename = "type")]
    pub kind: String,
    /// organization or anonymous
    pub scope: String,
    /// What it opens, from the root of your OneDrive or of the channel's folder
    pub path: String,
    /// When the link stops working, if it does
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl Operation for Share {
    type Input = Input;
    type Output = Link;
    const SPEC: Spec = Spec {
        name: "files.share",
        summary: "Make a sharing link to a file or folder: view or edit, for your organization or anyone",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::WRITE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Link> {
        let root = Root::resolve(ctx, &input.place).await?;
        let path = FilePath::parse(&input.path)?;
        let item = root.item(ctx, &path).await?;
        root.note(ctx, &path).await?;
        let view = root.view(&item);
        let (kind, scope) = (
            match input.kind {
                LinkKind::View => "view",
                LinkKind::Edit => "edit",
            },
            match input.scope {
                LinkScope::Organization => "organization",
                LinkScope::Anonymous => "anonymous",
            },
        );
        let request = Request::post(
            format!("{}/createLink", root.by_id(&view.id)),
            json!({"type": kind, "scope": scope}),
        )
        // Graph answers an existing link of the same kind instead of making another.
        .idempotent(true)
        .permissions(root.write());
        let permission = ctx.graph.send(&request).await?.json()?;
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        Ok(Link {
            url: text(&permission["link"]["webUrl"]).unwrap_or_default(),
            kind: text(&permission["link"]["type"]).unwrap_or_else(|| kind.to_owned()),
            scope: text(&permission["link"]["scope"]).unwrap_or_else(|| scope.to_owned()),
            path: view.path,
            expires: text(&permission["expirationDateTime"]),
        })
    }
}
