//! The policy's `confirm` rules over MCP: the person behind the client is asked through
//! elicitation when the client declared it can ask; otherwise the call is refused with a
//! message saying why, never silently allowed.

use std::future::Future;
use std::pin::Pin;

use msgate_ops::policy::{Confirm, Confirmation, Question};
use rmcp::service::{ElicitationError, Peer};
use rmcp::{RoleServer, elicit_safe};
use schemars::JsonSchema;
use serde::Deserialize;

/// The answer form shown to the person.
#[derive(Debug, Deserialize, JsonSchema)]
struct Answer {
    /// Let the call go ahead
    approve: bool,
}

elicit_safe!(Answer);

/// Asks through the client of the current request.
#[derive(Debug)]
pub struct Elicit {
    peer: Peer<RoleServer>,
}

impl Elicit {
    pub fn new(peer: Peer<RoleServer>) -> Self {
        Elicit { peer }
    }

    fn client_can_ask(&self) -> bool {
        self.peer
            .peer_info()
            .is_some_and(|info| info.capabilities.elicitation.is_some())
    }
}

impl Confirm for Elicit {
    fn confirm<'a>(
        &'a self,
        question: &'a Question,
    ) -> Pin<Box<dyn Future<Output = Confirmation> + Send + 'a>> {
        Box::pin(async move {
            if !self.client_can_ask() {
                return Confirmation::CannotAsk(
                    "this MCP client cannot ask its user (it does not support elicitation)"
                        .to_owned(),
                );
            }
            match self.peer.elicit::<Answer>(question.text()).await {
                Ok(Some(Answer { approve: true })) => Confirmation::Yes,
                Ok(_) | Err(ElicitationError::UserDeclined | ElicitationError::UserCancelled) => {
                    Confirmation::No
                }
                Err(error) => Confirmation::CannotAsk(format!("asking the user failed: {error}")),
            }
        })
    }
}
