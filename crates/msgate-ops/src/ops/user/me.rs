//! `user.me`: the signed-in user — who msgate is acting as.

use msgate_core::Result;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::views::Person;

pub struct Me;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {}

impl Operation for Me {
    type Input = Input;
    type Output = Person;
    const SPEC: Spec = Spec {
        name: "user.me",
        summary: "Show who you are signed in as",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["User.Read", "User.ReadBasic.All", "User.Read.All"],
        application: &[],
        columns: super::PERSON_COLUMNS,
    };

    async fn run(ctx: &Ctx, _input: Input) -> Result<Person> {
        Ok(Person::from_ref(&refs::user(ctx, "me").await?))
    }
}
