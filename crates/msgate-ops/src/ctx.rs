//! What an operation runs with: the Graph client, which face called it, where msgate keeps its
//! local state, what it has already learned in this session (who "me" is), so resolving a
//! reference twice does not cost two Graph requests — and, inside a call, the gate's terms for
//! that call.
//!
//! A face makes one [`Ctx`] per session with [`Ctx::new`]. [`crate::Catalog::invoke`] derives
//! a call context from it that shares the session's cache, records the call's writes through
//! its own Graph handle, and carries the gate's [`Pass`]: targets noted with [`Ctx::note`] are
//! checked by the gate before anything is written, and [`Ctx::signature`] is what the gate
//! wants appended to messages. The face's [`Progress`] is where long work shows how far it got.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use msgate_core::Result;
use msgate_graph::{GraphClient, Request, WriteLog};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::catalog::{Ended, Pass};
use crate::policy::Target;
use crate::progress::{Progress, Silent};
use crate::spec::Spec;

/// Which face an operation was called through: recorded in the audit log and used by policy
/// defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Face {
    Cli,
    Mcp,
}

impl Face {
    pub const ALL: [Face; 2] = [Face::Cli, Face::Mcp];

    pub fn as_str(self) -> &'static str {
        match self {
            Face::Cli => "cli",
            Face::Mcp => "mcp",
        }
    }

    /// The face as people name it.
    pub fn label(self) -> &'static str {
        match self {
            Face::Cli => "CLI",
            Face::Mcp => "MCP server",
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

/// What a session has read once and keeps.
#[derive(Debug, Default)]
struct Cache {
    me: OnceCell<Me>,
    chats: OnceCell<Vec<Value>>,
    teams: OnceCell<Vec<Value>>,
}

/// The call a context runs: its operation, the gate's pass, and the targets resolved so far.
#[derive(Debug)]
struct Call {
    spec: &'static Spec,
    pass: Box<dyn Pass>,
    targets: Mutex<Vec<Target>>,
}

#[derive(Debug)]
pub struct Ctx {
    pub graph: GraphClient,
    pub face: Face,
    /// Where local state lives (the inbox cursor, send caps): `$XDG_STATE_HOME/msgate/PROFILE`.
    pub state_dir: Option<PathBuf>,
    progress: Arc<dyn Progress>,
    cache: Arc<Cache>,
    call: Option<Call>,
}

impl Ctx {
    pub fn new(graph: GraphClient, face: Face, state_dir: Option<PathBuf>) -> Self {
        Ctx {
            graph,
            face,
            state_dir,
            progress: Arc::new(Silent),
            cache: Arc::default(),
            call: None,
        }
    }

    /// Shows long work through `progress` (the CLI's bars) instead of nowhere.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Where transfers and long listings report how far they got.
    pub fn progress(&self) -> &dyn Progress {
        self.progress.as_ref()
    }

    /// The context of one call: this session's cache, a Graph handle recording into `log`, and
    /// the gate's pass.
    pub(crate) fn for_call(
        &self,
        spec: &'static Spec,
        pass: Box<dyn Pass>,
        log: Arc<WriteLog>,
    ) -> Ctx {
        Ctx {
            graph: self.graph.recording(log),
            face: self.face,
            state_dir: self.state_dir.clone(),
            progress: self.progress.clone(),
            cache: self.cache.clone(),
            call: Some(Call {
                spec,
                pass,
                targets: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The operation this context runs, inside a call.
    pub fn spec(&self) -> Option<&'static Spec> {
        self.call.as_ref().map(|call| call.spec)
    }

    /// Reports a resource the operation is about to act on: kept for the audit log and checked
    /// against the policy's resource scopes before any write. `refs` reports every reference
    /// it resolves; call this for targets that are not references (mail recipients, file
    /// paths). An error (exit 16) means the call must stop.
    pub async fn note(&self, target: Target) -> Result<()> {
        let Some(call) = &self.call else {
            return Ok(());
        };
        {
            // Kept even when refused: the audit line of a denial names what was refused.
            let mut targets = call.targets.lock().unwrap_or_else(PoisonError::into_inner);
            if !targets.contains(&target) {
                targets.push(target.clone());
            }
        }
        call.pass.check_target(self, &target).await
    }

    /// The targets noted in this call so far, in order.
    pub fn targets(&self) -> Vec<Target> {
        self.call.as_ref().map_or_else(Vec::new, |call| {
            call.targets
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    }

    /// Text the policy wants appended to messages this call sends.
    pub fn signature(&self) -> Option<&str> {
        self.call.as_ref().and_then(|call| call.pass.signature())
    }

    /// Tells the pass how the call ended.
    pub(crate) fn finish(&self, ended: &Ended<'_>) {
        if let Some(call) = &self.call {
            call.pass.finish(self, ended);
        }
    }

    /// The signed-in user's chats with their members, loaded by `load` once per session.
    pub async fn cached_chats<F, Fut>(&self, load: F) -> Result<&[Value]>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Value>>>,
    {
        Ok(self.cache.chats.get_or_try_init(load).await?.as_slice())
    }

    /// The chats already loaded in this run, if any: lets an operation reuse what resolving a
    /// reference read instead of asking Graph again.
    pub fn known_chats(&self) -> Option<&[Value]> {
        self.cache.chats.get().map(Vec::as_slice)
    }

    /// The teams the signed-in user belongs to, loaded by `load` once per session.
    pub async fn cached_teams<F, Fut>(&self, load: F) -> Result<&[Value]>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Value>>>,
    {
        Ok(self.cache.teams.get_or_try_init(load).await?.as_slice())
    }

    /// Who the signed-in user is, when already known (a session or a state file remembers),
    /// saving the `/me` request.
    pub fn remember_me(&self, me: Me) {
        let _ = self.cache.me.set(me);
    }

    /// The signed-in user, read once per session.
    pub async fn me(&self) -> Result<&Me> {
        self.cache
            .me
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
