//! `user.search`: people in the directory by name, email or UPN. A name uses Graph's directory
//! search (`$search`, word prefixes of the display name and email, with `ConsistencyLevel:
//! eventual` as Graph requires); an address uses `startswith` on mail and UPN, which matches
//! the whole address as typed.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::spec::{Risk, Spec};
use crate::views::Person;

pub struct Search;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// A name, or the start of a name, email address or UPN
    #[schemars(extend("x-positional" = true))]
    pub query: String,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Graph's page size limit for `/users`.
const MAX_PAGE: usize = 999;

impl Operation for Search {
    type Input = Input;
    type Output = Listing<Person>;
    const SPEC: Spec = Spec {
        name: "user.search",
        summary: "Search the directory for people by name, email or UPN",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ_USERS,
        application: super::READ_USERS,
        columns: super::PERSON_COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Person>> {
        let query = input.query.trim();
        if query.is_empty() {
            return Err(Error::new(ErrorCode::InvalidInput, "the search is empty")
                .with_hint("give a name or the start of an email address"));
        }
        let fresh = narrow(Request::get("/users"), query)
            .select(super::PERSON_FIELDS)
            .top(input.paging.page_size(MAX_PAGE));
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        listing::read(ctx, request, &input.paging, |user| {
            Ok(Person::from_user(&user))
        })
        .await
    }
}

/// The query options that find `query`.
fn narrow(request: Request, query: &str) -> Request {
    if query.contains('@') {
        let quoted = query.replace('\'', "''");
        request.filter(format!(
            "startswith(mail,'{quoted}') or startswith(userPrincipalName,'{quoted}')"
        ))
    } else {
        // A double quote would end the search phrase; a backslash escapes in it.
        let term = query.replace(['"', '\\'], " ");
        let term = term.trim();
        request
            .query(
                "$search",
                format!("\"displayName:{term}\" OR \"mail:{term}\""),
            )
            .orderby("displayName")
            .eventual_consistency()
    }
}
