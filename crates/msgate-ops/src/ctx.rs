//! What an operation runs with: the Graph client, which face called it, where msgate keeps its
//! local state, and what it has already learned in this run (who "me" is), so resolving a
//! reference twice does not cost two Graph requests.

use std::future::Future;
use std::path::PathBuf;

use msgate_core::Result;
use msgate_graph::{GraphClient, Request};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::OnceCell;

/// Which face an operation was called through: recorded in the audit log and used by policy
/// defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Cli,
    Mcp,
}

impl Face {
    pub fn as_str(self) -> &'static str {
        match self {
            Face::Cli => "cli",
            Face::Mcp => "mcp",
        }
    }
}

/// The signed-in user.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub user_type: Option<String>,
}

#[derive(Debug)]
pub struct Ctx {
    pub graph: GraphClient,
    pub face: Face,
    /// Where local state lives (the inbox cursor): `$XDG_STATE_HOME/msgate/PROFILE`.
    pub state_dir: Option<PathBuf>,
    me: OnceCell<Me>,
    chats: OnceCell<Vec<Value>>,
    teams: OnceCell<Vec<Value>>,
}

impl Ctx {
    pub fn new(graph: GraphClient, face: Face, state_dir: Option<PathBuf>) -> Self {
        Ctx {
            graph,
            face,
            state_dir,
            me: OnceCell::new(),
            chats: OnceCell::new(),
            teams: OnceCell::new(),
        }
    }

    /// The signed-in user's chats with their members, loaded by `load` once per run.
    pub async fn cached_chats<F, Fut>(&self, load: F) -> Result<&[Value]>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Value>>>,
    {
        Ok(self.chats.get_or_try_init(load).await?.as_slice())
    }

    /// The chats already loaded in this run, if any: lets an operation reuse what resolving a
    /// reference read instead of asking Graph again.
    pub fn known_chats(&self) -> Option<&[Value]> {
        self.chats.get().map(Vec::as_slice)
    }

    /// The teams the signed-in user belongs to, loaded by `load` once per run.
    pub async fn cached_teams<F, Fut>(&self, load: F) -> Result<&[Value]>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Value>>>,
    {
        Ok(self.teams.get_or_try_init(load).await?.as_slice())
    }

    /// Who the signed-in user is, when already known (a session or a state file remembers),
    /// saving the `/me` request.
    pub fn remember_me(&self, me: Me) {
        let _ = self.me.set(me);
    }

    /// The signed-in user, read once per run.
    pub async fn me(&self) -> Result<&Me> {
        self.me
            .get_or_try_init(|| async {
                let request = Request::get("/me")
                    .select(&[
                        "id",
                        "displayName",
                        "userPrincipalName",
                        "mail",
                        "jobTitle",
                        "department",
                        "userType",
                    ])
                    .permissions(&["User.Read"]);
                self.graph.json::<Me>(&request).await
            })
            .await
    }
}
