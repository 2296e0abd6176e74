//! `user.manager`: who someone reports to (you, unless a person is named).

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs;
use crate::spec::{Risk, Spec};
use crate::views::Person;

pub struct Manager;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Whose manager: email, UPN, name or id (default: you)
    #[serde(default)]
    pub user: Option<String>,
}

/// https://learn.microsoft.com/graph/api/user-list-manager lists these for both /me/manager and
/// /users/{id}/manager.
const READ_MANAGER: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

impl Operation for Manager {
    type Input = Input;
    type Output = Person;
    const SPEC: Spec = Spec {
        name: "user.manager",
        summary: "Show who a person reports to (default: you)",
        risk: Risk::Read,
        idempotent: true,
        delegated: READ_MANAGER,
        application: READ_MANAGER,
        columns: super::PERSON_COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Person> {
        let reference = input.user.as_deref().map(str::trim).unwrap_or("me");
        let (path, whose) = if reference.eq_ignore_ascii_case("me") {
            ("/me/manager".to_owned(), "you have".to_owned())
        } else {
            let user = refs::user(ctx, reference).await?;
            let name = user.display_name.clone().unwrap_or(user.id.clone());
            (
                format!("/users/{}/manager", segment(&user.id)),
                format!("'{name}' has"),
            )
        };
        let request = Request::get(path)
            .select(super::PERSON_FIELDS)
            .permissions(Self::SPEC.delegated);
        // The person was found, so Graph's 404 here means there is no manager.
        let manager: Value = ctx.graph.json(&request).await.map_err(|e| match e.code() {
            ErrorCode::NotFound => Error::new(ErrorCode::NotFound, format!("{whose} no manager")),
            _ => e,
        })?;
        Ok(Person::from_user(&manager))
    }
}
