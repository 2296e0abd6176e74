//! `chat.find`: your chats that include certain people and/or whose topic contains some text.
//! Graph cannot filter chats by member or topic, so this reads your chats (50 per request) and
//! filters them here.

use futures_util::future::try_join_all;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{Limit, Request};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::list::{self, Chat};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::listing::Listing;
use crate::refs;
use crate::spec::{Risk, Spec};

pub struct Find;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// Only chats this person is in (email, UPN or name); repeatable, all must be in it
    #[serde(default)]
    pub member: Vec<String>,
    /// Only chats whose topic contains this text (any case)
    #[serde(default)]
    pub topic: Option<String>,
}

impl Operation for Find {
    type Input = Input;
    type Output = Listing<Chat>;
    const SPEC: Spec = Spec {
        name: "chat.find",
        summary: "Find your chats by member and/or topic text",
        risk: Risk::Read,
        idempotent: true,
        delegated: super::READ_BASIC,
        application: &[],
        columns: list::List::SPEC.columns,
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Listing<Chat>> {
        let topic = input
            .topic
            .as_deref()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        if input.member.is_empty() && topic.is_none() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "chat find needs a member or a topic to look for",
            )
            .with_hint("e.g. --member ben@contoso.com, or --topic release"));
        }
        let me = ctx.me().await?.id.clone();
        let members: Vec<String> = try_join_all(input.member.iter().map(|r| refs::user(ctx, r)))
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        let request = Request::get("/me/chats")
            .expand("members,lastMessagePreview")
            .orderby("lastMessagePreview/createdDateTime desc")
            .top(list::MAX_PAGE)
            .permissions(Self::SPEC.delegated);
        let chats = ctx.graph.list(request, Limit::All).await?.items;
        let found = chats
            .iter()
            .filter(|chat| matches(chat, &members, topic.as_deref()))
            .map(|chat| list::compact(chat, &me))
            .collect();
        Ok(Listing::complete(found))
    }
}

/// Whether `chat` has every one of `members` and, if asked, a topic containing `topic`
/// (already lower case).
fn matches(chat: &Value, members: &[String], topic: Option<&str>) -> bool {
    let has = |id: &String| {
        chat["members"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["userId"] == id.as_str()))
    };
    let topic_ok = topic.is_none_or(|wanted| {
        chat["topic"]
            .as_str()
            .is_some_and(|t| t.to_lowercase().contains(wanted))
    });
    topic_ok && members.iter().all(has)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_member_and_the_topic_text_must_match() {
        let chat = json!({
            "topic": "Release 4.2",
            "members": [{"userId": "ada"}, {"userId": "dev"}, {"userId": "kira"}],
        });
        let ids = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        assert!(matches(&chat, &ids(&["dev"]), None));
        assert!(matches(&chat, &ids(&["dev", "kira"]), Some("release")));
        assert!(!matches(&chat, &ids(&["dev", "ben"]), None));
        assert!(!matches(&chat, &[], Some("planning")));
        assert!(!matches(
            &json!({"topic": null, "members": []}),
            &[],
            Some("x")
        ));
    }
}
