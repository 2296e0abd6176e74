//! `message.react` and `message.unreact`: your reaction on a message — one of Teams' named
//! reactions or any emoji. Setting a reaction you already gave, or removing one you did not,
//! changes nothing, so both are safe to repeat.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;

use super::{Done, Which};
use crate::catalog::Operation;
use crate::ctx::Ctx;
use crate::spec::{Risk, Spec};

pub struct React;
pub struct Unreact;

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Input {
    #[serde(flatten)]
    pub which: Which,
    /// like, heart, laugh, surprised, sad, angry, or an emoji such as 🚀
    pub reaction: String,
}

/// The reactions Teams names in words; anything else must be an emoji.
const NAMED: &[&str] = &["like", "heart", "laugh", "surprised", "sad", "angry"];

/// The reaction as Graph takes it: a named one in lower case, or an emoji as given.
fn reaction_type(reaction: &str) -> Result<String> {
    let reaction = reaction.trim();
    let lower = reaction.to_ascii_lowercase();
    if NAMED.contains(&lower.as_str()) {
        return Ok(lower);
    }
    let emoji = !reaction.is_empty()
        && reaction.chars().count() <= 16
        && reaction
            .chars()
            .all(|c| !c.is_ascii() && !c.is_whitespace());
    if emoji {
        Ok(reaction.to_owned())
    } else {
        Err(Error::new(
            ErrorCode::InvalidInput,
            format!("'{reaction}' is not a reaction Teams knows"),
        )
        .with_hint(format!("use {} or an emoji such as 🚀", NAMED.join(", "))))
    }
}

async fn set(ctx: &Ctx, input: Input, set: bool) -> Result<Done> {
    let reaction = reaction_type(&input.reaction)?;
    let at = input.which.resolve(ctx).await?;
    let action = if set { "setReaction" } else { "unsetReaction" };
    let request = Request::post(
        format!("{}/{action}", at.path()),
        json!({"reactionType": reaction}),
    )
    .idempotent(true)
    .permissions(super::send::send_permissions(&at.conversation));
    ctx.graph.send(&request).await?;
    let mut done = Done::new(&at, if set { "reacted" } else { "unreacted" });
    done.reaction = Some(reaction);
    Ok(done)
}

impl Operation for React {
    type Input = Input;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "message.react",
        summary: "React to a message (like, heart, laugh, surprised, sad, angry or an emoji)",
        risk: Risk::Write,
        idempotent: true,
        delegated: &["ChatMessage.Send", "Chat.ReadWrite", "ChannelMessage.Send"],
        application: &[],
        columns: &["id", "done", "reaction"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Done> {
        set(ctx, input, true).await
    }
}

impl Operation for Unreact {
    type Input = Input;
    type Output = Done;
    const SPEC: Spec = Spec {
        name: "message.unreact",
        summary: "Take back your reaction to a message",
        risk: Risk::Write,
        idempotent: true,
        delegated: &["ChatMessage.Send", "Chat.ReadWrite", "ChannelMessage.Send"],
        application: &[],
        columns: &["id", "done", "reaction"],
    };

    async fn run(ctx: &Ctx, input: Input) -> Result<Done> {
        set(ctx, input, false).await
    }
}

#[cfg(test)]
mod tests {
    use super::reaction_type;

    #[test]
    fn named_reactions_and_emoji_are_accepted_and_words_are_not() {
        assert_eq!(reaction_type(" Like ").unwrap(), "like");
        assert_eq!(reaction_type("🚀").unwrap(), "🚀");
        assert_eq!(reaction_type("👍🏽").unwrap(), "👍🏽");
        assert_eq!(reaction_type("❤️").unwrap(), "❤️");
        assert_eq!(reaction_type("thumbsup").unwrap_err().exit().status(), 2);
        assert!(reaction_type(":+1:").is_err());
        assert!(reaction_type("").is_err());
    }
}
