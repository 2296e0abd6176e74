//! `chat.create`: start a chat with people named by email, UPN or name. One other person and no
//! topic makes a one-on-one chat — which Graph returns as it is when it already exists, so that
//! case is safe to repeat; anything else makes a new group chat.

use futures_util::future::try_join_all;
use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ChatInfo;
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::refs::{self, User};
use crate::spec::{Risk, Spec};
use crate::views::Person;

pub struct Create;

/// Graph wants every member as an owner, except guests of this tenant, who must be guests
/// (https://learn.microsoft.com/graph/api/chat-post).
fn role(user: &User) -> &'static str {
    if user.user_type.as_deref() == Some("Guest") {
        "guest"
    } else {
        "owner"
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    /// A person to chat with (email, UPN or name); repeatable
    #[schemars(length(min = 1))]
    pub with: Vec<String>,
    /// A topic, which makes it a group chat (at most 250 characters, no ':')
    #[serde(default)]
    pub topic: Option<String>,
}

impl Operation for Create {
    type Input = Input;
    type Output = ChatInfo;
    const SPEC: Spec = Spec {
        name: "chat.create",
        summary: "Start a one-on-one or group chat (an existing one-on-one chat is returned)",
        risk: Risk::Write,
        idempotent: false,
        delegated: &["Chat.Create", "Chat.ReadWrite"],
        application: &[],
        columns: &[],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<ChatInfo> {
        let topic = input.topic.as_deref().map(str::trim);
        if let Some(topic) = topic {
            super::check_topic(topic)?;
        }
        let me = refs::user(ctx, "me").await?;
        let resolved = try_join_all(input.with.iter().map(|r| refs::user(ctx, r))).await?;
        let mut others: Vec<User> = Vec::new();
        for user in resolved {
            if user.id != me.id && !others.iter().any(|o| o.id == user.id) {
                others.push(user);
            }
        }
        if others.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "a chat needs at least one person besides you",
            )
            .with_hint("name them with --with (email, UPN or name)"));
        }
        let chat_type = if topic.is_none() && others.len() == 1 {
            "oneOnOne"
        } else {
            "group"
        };
        let root = ctx.graph.cloud().graph_url();
        let root = root.as_str().trim_end_matches('/');
        let members: Vec<Value> = std::iter::once(&me)
            .chain(&others)
            .map(|user| {
                json!({
                    "@odata.type": "#microsoft.graph.aadUserConversationMember",
                    "roles": [role(user)],
                    "user@odata.bind": format!("{root}/users('{}')", user.id),
                })
            })
            .collect();
        let mut body = json!({"chatType": chat_type, "members": members});
        if let Some(topic) = topic {
            body["topic"] = json!(topic);
        }
        let request = Request::post("/chats", body).permissions(Self::SPEC.delegated);
        let chat: Value = ctx.graph.json(&request).await?;
        // Graph's answer has no members; they are the people just resolved.
        let mut info = ChatInfo::from_graph(&chat);
        info.members = std::iter::once(&me)
            .chain(&others)
            .map(Person::from_ref)
            .collect();
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guests_join_as_guests_and_everyone_else_as_owner() {
        let user = |kind: Option<&str>| User {
            id: "u".into(),
            display_name: None,
            user_principal_name: None,
            mail: None,
            job_title: None,
            department: None,
            user_type: kind.map(str::to_owned),
        };
        assert_eq!(role(&user(Some("Guest"))), "guest");
        assert_eq!(role(&user(Some("Member"))), "owner");
        assert_eq!(role(&user(None)), "owner");
    }
}
