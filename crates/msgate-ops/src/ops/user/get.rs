//! `user.get`: one person in the directory, by email, UPN, name or id.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::views::Person;

pub struct Get;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// The person: email, UPN, name (or a unique start of it), id, or me
    pub user: String,
}

impl Operation for Get {
    type Input = Input;
    type Output = Person;
    const SPEC: Spec = Spec {
        name: "user.get",
        summary: "Show a person: name, email, job title and department",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ_USERS,
        application: super::READ_USERS,
        columns: super::PERSON_COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Person> {
        // Resolving the reference reads every field the view shows.
        Ok(Person::from_ref(&refs::user(ctx, &input.user).await?))
    }
}
