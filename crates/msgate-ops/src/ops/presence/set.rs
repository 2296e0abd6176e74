//! `presence.set`: the status you choose in Teams (Graph's preferred presence), which others see
//! instead of what Teams works out from your calls and meetings — until it expires or is cleared.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::Presence;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Set;

/// The statuses a person can choose, each with the one activity Graph pairs it with.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Available,
    Busy,
    DoNotDisturb,
    BeRightBack,
    Away,
    Offline,
}

impl Status {
    /// (availability, activity) as setUserPreferredPresence takes them.
    fn graph(self) -> (&'static str, &'static str) {
        match self {
            Status::Available => ("Available", "Available"),
            Status::Busy => ("Busy", "Busy"),
            Status::DoNotDisturb => ("DoNotDisturb", "DoNotDisturb"),
            Status::BeRightBack => ("BeRightBack", "BeRightBack"),
            Status::Away => ("Away", "Away"),
            Status::Offline => ("Offline", "OffWork"),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The status to show (offline: appear offline)
    #[schemars(extend("x-positional" = true))]
    pub status: Status,
    /// How long it lasts, e.g. 30m, 2h, 1d (default: Graph's — a day for busy and do not
    /// disturb, a week otherwise)
    #[serde(default)]
    pub expires: Option<String>,
}

impl Operation for Set {
    type Input = Input;
    type Output = Presence;
    const SPEC: Spec = Spec {
        name: "presence.set",
        summary: "Set the status others see for you (available, busy, away, …)",
        risk: Risk::Write,
        idempotent: true,
        delegated: super::WRITE,
        application: &[],
        columns: super::COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Presence> {
        let (availability, activity) = input.status.graph();
        let mut body = json!({"availability": availability, "activity": activity});
        if let Some(expires) = &input.expires {
            body["expirationDuration"] =
                json!(super::iso_duration(super::parse_duration(expires)?));
        }
        let request = Request::post("/me/presence/setUserPreferredPresence", body)
            .permissions(Self::SPEC.delegated)
            .idempotent(true);
        ctx.graph.send(&request).await?;
        super::mine(ctx).await
    }
}
