//! `team.unarchive`: make an archived team writable again. Like archiving, Graph accepts the
//! change (202 with the operation's location) and completes it shortly after.

use msgate_core::Result;

use super::{Accepted, TeamInput};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct Unarchive;

impl Operation for Unarchive {
    type Input = TeamInput;
    type Output = Accepted;
    const SPEC: Spec = Spec {
        name: "team.unarchive",
        summary: "Unarchive a team, making it writable again (Graph completes this shortly after)",
        risk: Risk::Destructive,
        idempotent: true,
        delegated: super::ARCHIVE,
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: TeamInput) -> Result<Accepted> {
        super::change_archived(ctx, &input.team, None).await
    }
}
