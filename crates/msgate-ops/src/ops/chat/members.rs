//! `chat.members`: who is in a chat. Resolving a chat by topic or members already reads them, so
//! that costs no further request.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::views::Person;

pub struct Members;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The chat: its id, topic, members (ada@x,ben@y), one person for your 1:1 chat, or a Teams link
    pub chat: String,
}

impl Operation for Members {
    type Input = Input;
    type Output = Listing<Person>;
    const SPEC: Spec = Spec {
        name: "chat.members",
        summary: "List the members of a chat",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ_MEMBERS,
        application: &[],
        columns: &["id", "name", "email"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Person>> {
        let chat_id = refs::chat(ctx, &input.chat).await?;
        let members = super::members_of(ctx, &chat_id).await?;
        Ok(Listing::complete(
            members.iter().map(Person::from_member).collect(),
        ))
    }
}
