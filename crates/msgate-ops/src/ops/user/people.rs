//! `user.people`: the people most relevant to you — those you work and talk with most, as
//! Graph ranks them.

use msgate_core::Result;
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::{self, Listing, Paging};
use crate::spec::{Risk, Spec};
use crate::views::Person;

pub struct People;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub paging: Paging,
}

/// Graph's page size limit for `/me/people`.
const MAX_PAGE: usize = 1000;

impl Operation for People {
    type Input = Input;
    type Output = Listing<Person>;
    const SPEC: Spec = Spec {
        name: "user.people",
        summary: "List the people most relevant to you, most relevant first",
        risk: Risk::Read,
        idempotent: true,
        delegated: &["People.Read", "People.Read.All"],
        application: &[],
        columns: super::PERSON_COLUMNS,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Person>> {
        let fresh = Request::get("/me/people")
            .select(&[
                "id",
                "displayName",
                "scoredEmailAddresses",
                "userPrincipalName",
                "jobTitle",
                "department",
            ])
            .top(input.paging.page_size(MAX_PAGE));
        let request = input.paging.first_request(fresh, Self::SPEC.delegated);
        listing::read(ctx, request, &input.paging, |p| Ok(person(&p))).await
    }
}

/// A Graph person: its best-scored address is its email.
fn person(graph: &Value) -> Person {
    let mut person = Person::from_user(graph);
    if let Some(address) = graph["scoredEmailAddresses"][0]["address"]
        .as_str()
        .filter(|a| !a.is_empty())
    {
        person.email = Some(address.to_owned());
    }
    person
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_best_scored_address_is_the_email() {
        let graph = json!({
            "id": "u1",
            "displayName": "Ben Okafor",
            "userPrincipalName": "ben@upn.example",
            "scoredEmailAddresses": [{"address": "ben@mail.example", "relevanceScore": 8.0}],
            "jobTitle": "Platform Engineer",
        });
        let person = person(&graph);
        assert_eq!(person.email.as_deref(), Some("ben@mail.example"));
        assert_eq!(person.title.as_deref(), Some("Platform Engineer"));
        let no_address = super::person(
            &json!({"id": "u2", "userPrincipalName": "kira@upn.example", "scoredEmailAddresses": []}),
        );
        assert_eq!(no_address.email.as_deref(), Some("kira@upn.example"));
    }
}
