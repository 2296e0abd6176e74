//! The inbox's memory between runs: where the last run stopped, the followed channels with the
//! deltaLinks their next run resumes from, and who "me" is (saving a Graph request per run). A
//! private file, written atomically; a damaged one is reported, never silently replaced.

use std::collections::BTreeMap;
use std::path::Path;

use msgate_core::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};

use crate::ctx::Me;

pub const FILE: &str = "inbox.json";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// When the last run started (RFC 3339): the next run shows what came after.
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub me: Option<Myself>,
    /// Followed channels by `TEAM-ID/CHANNEL-ID`.
    #[serde(default)]
    pub channels: BTreeMap<String, Followed>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Myself {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Followed {
    /// As the user named it (`Platform/General`).
    pub name: String,
    #[serde(default)]
    pub delta_link: Option<String>,
}

impl State {
    pub fn load(path: &Path) -> Result<State> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), &e)),
        };
        serde_json::from_str(&text).map_err(|e| {
            Error::new(
                ErrorCode::Io,
                format!("the inbox state {} is damaged: {e}", path.display()),
            )
            .with_hint(
                "move it aside; the next run starts afresh (24 hours back, no followed channels)",
            )
        })
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            msgate_core::atomic::create_private_dir(dir)?;
        }
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::internal(format!("cannot encode the inbox state: {e}")))?;
        msgate_core::atomic::write_atomic(path, &text)
    }

    /// Keeps who "me" is, so later runs need not ask Graph.
    pub fn remember(&mut self, me: &Me) {
        self.me = Some(Myself {
            id: me.id.clone(),
            name: me.display_name.clone(),
        });
    }
}
