//! People and contacts: `/me/people` (the people most relevant to the signed-in user, ranked by
//! how many conversations they share), and the user's Outlook contacts.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::body::GraphJson;
use super::error::{GraphError, GraphResult};
use super::odata::Query;
use super::{Caller, collection, entity};
use crate::state::AppState;
use crate::store::Store;
use crate::{clock, ids};

/// How many chats and teams each other user shares with `me`.
async fn shared_conversations(state: &AppState, me: &str) -> GraphResult<Vec<(String, usize)>> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut bump = |user: &str| match counts.iter_mut().find(|(id, _)| id == user) {
        Some((_, n)) => *n += 1,
        None => counts.push((user.to_owned(), 1)),
    };
    for (container_kind, member_kind) in [("chat", "chatMember"), ("team", "teamMember")] {
        for container in state.store.list(container_kind, "").await? {
            let id = container["id"].as_str().unwrap_or_default();
            let members = state.store.list(member_kind, id).await?;
            if members.iter().any(|m| m["userId"] == me) {
                for member in &members {
                    if let Some(user) = member["userId"].as_str().filter(|u| *u != me) {
                        bump(user);
                    }
                }
            }
        }
    }
    Ok(counts)
}

fn person(user: &Value, score: f64) -> Value {
    json!({
        "id": user["id"],
        "displayName": user["displayName"],
        "givenName": user["givenName"],
        "surname": user["surname"],
        "jobTitle": user["jobTitle"],
        "department": user["department"],
        "officeLocation": user["officeLocation"],
        "userPrincipalName": user["userPrincipalName"],
        "scoredEmailAddresses": [{"address": user["mail"], "relevanceScore": score}],
        "personType": {"class": "Person", "subclass": "OrganizationUser"},
    })
}

pub async fn people(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let me = caller.me()?;
    let counts = shared_conversations(&state, me).await?;
    let mut people: Vec<(usize, Value)> = Vec::new();
    for user in state.users().await? {
        let id = user["id"].as_str().unwrap_or_default();
        if id == me {
            continue;
        }
        let shared = counts
            .iter()
            .find(|(u, _)| u == id)
            .map(|(_, n)| *n)
            .unwrap_or(0);
        people.push((shared, person(&user, 1.0 + shared as f64 * 5.0)));
    }
    people.sort_by_key(|p| std::cmp::Reverse(p.0));
    let mut items: Vec<Value> = people.into_iter().map(|(_, p)| p).collect();
    if let Some(search) = &query.search {
        let term = search.to_lowercase();
        items.retain(|p| {
            ["displayName", "userPrincipalName"].iter().any(|f| {
                p[*f]
                    .as_str()
                    .is_some_and(|v| v.to_lowercase().contains(&term))
            })
        });
    }
    collection(
        &state,
        &query,
        items,
        "/me/people",
        "users('me')/people",
        (10, 1000),
    )
}

pub async fn contacts(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> GraphResult<Json<Value>> {
    let query = Query::parse(raw.as_deref())?;
    let items = state.store.list("contact", caller.me()?).await?;
    collection(
        &state,
        &query,
        items,
        "/me/contacts",
        "users('me')/contacts",
        (10, 1000),
    )
}

pub async fn create_contact(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    GraphJson(body): GraphJson,
) -> GraphResult<(StatusCode, Json<Value>)> {
    let me = caller.me()?;
    let given = body["givenName"].as_str().unwrap_or_default();
    let surname = body["surname"].as_str().unwrap_or_default();
    let display = body["displayName"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{given} {surname}").trim().to_owned());
    if display.is_empty() && body["emailAddresses"].as_array().is_none_or(Vec::is_empty) {
        return Err(GraphError::bad_request(
            "A contact needs a name or an email address.",
        ));
    }
    let contact = contact_doc(
        &ids::random_guid(),
        &display,
        given,
        surname,
        &body["emailAddresses"],
        &body,
    );
    state
        .store
        .put(
            "contact",
            me,
            contact["id"].as_str().unwrap_or_default(),
            &contact,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        entity(
            &state,
            &Query::default(),
            &contact,
            "users('me')/contacts/$entity",
        ),
    ))
}

fn contact_doc(
    id: &str,
    display: &str,
    given: &str,
    surname: &str,
    emails: &Value,
    extra: &Value,
) -> Value {
    let now = clock::now();
    json!({
        "id": id,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "changeKey": ids::random_token(8),
        "categories": [],
        "parentFolderId": "contacts",
        "displayName": display,
        "givenName": given,
        "surname": surname,
        "emailAddresses": if emails.is_array() { emails.clone() } else { json!([]) },
        "businessPhones": extra["businessPhones"].as_array().cloned().unwrap_or_default(),
        "companyName": extra["companyName"],
        "jobTitle": extra["jobTitle"],
        "mobilePhone": extra["mobilePhone"],
    })
}

/// A few outside contacts for every user.
pub async fn seed(store: &Store, user_ids: &[String]) -> msgate_core::Result<()> {
    let outside = [
        (
            "Mara",
            "Lind",
            "mara.lind@partner.example.invalid",
            "Partner Solutions",
        ),
        (
            "Tomas",
            "Reyes",
            "tomas.reyes@customer.example.invalid",
            "Customer Co",
        ),
    ];
    for user in user_ids {
        for (given, surname, mail, company) in outside {
            let id = ids::stable_guid(&format!("contact:{user}:{mail}"));
            let display = format!("{given} {surname}");
            let emails = json!([{"name": display, "address": mail}]);
            let contact = contact_doc(
                &id,
                &display,
                given,
                surname,
                &emails,
                &json!({"companyName": company}),
            );
            store.put("contact", user, &id, &contact).await?;
        }
    }
    Ok(())
}
