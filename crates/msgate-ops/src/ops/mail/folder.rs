//! Mail folders as people name them: a well-known name Graph takes in place of an id (`inbox`,
//! `sentitems`, or its display name `Sent Items`), a folder's display name or its path from the
//! top (`Projects/Release 4.2`), or its id. Well-known names and ids cost no request; names and
//! paths are looked up in the folder tree, read once per run.

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::api::segment;
use msgate_graph::{Limit, Request};
use serde_json::Value;

use super::READ_BASIC;
use crate::ctx::Ctx;
use crate::refs::exactly_one;

/// Graph's well-known folder names (https://learn.microsoft.com/graph/api/resources/mailfolder).
const WELL_KNOWN: &[&str] = &[
    "archive",
    "clutter",
    "conflicts",
    "conversationhistory",
    "deleteditems",
    "drafts",
    "inbox",
    "junkemail",
    "localfailures",
    "msgfolderroot",
    "outbox",
    "recoverableitemsdeletions",
    "scheduled",
    "searchfolders",
    "sentitems",
    "serverfailures",
    "syncissues",
];

/// A resolved folder: what goes in `/me/mailFolders/{…}`, and its path when it was looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderRef {
    pub segment: String,
    pub path: Option<String>,
}

impl FolderRef {
    pub fn api_path(&self) -> String {
        format!("/me/mailFolders/{}", segment(&self.segment))
    }
}

/// A folder in the tree, with its path from the top.
#[derive(Debug, Clone)]
pub struct Placed {
    pub folder: Value,
    pub path: String,
}

/// The well-known name `reference` means, if any: `Sent Items` is `sentitems`.
fn well_known(reference: &str) -> Option<String> {
    let squashed: String = reference
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    WELL_KNOWN.contains(&squashed.as_str()).then_some(squashed)
}

/// Outlook ids are long URL-safe base64; names and paths are not.
fn looks_like_id(reference: &str) -> bool {
    reference.len() >= 32
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='))
}

/// The folder `reference` names.
pub async fn resolve(ctx: &Ctx, reference: &str) -> Result<FolderRef> {
    let reference = reference.trim().trim_matches('/');
    if reference.is_empty() {
        return Err(
            Error::new(ErrorCode::InvalidInput, "the folder name is empty").with_hint(
                "name a folder: inbox, sentitems, a folder's name or path (Projects/Q4), or its id",
            ),
        );
    }
    if let Some(name) = well_known(reference) {
        return Ok(FolderRef {
            segment: name,
            path: None,
        });
    }
    if looks_like_id(reference) {
        return Ok(FolderRef {
            segment: reference.to_owned(),
            path: None,
        });
    }
    let wanted = reference
        .split('/')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("/");
    let candidates: Vec<Placed> = tree(ctx)
        .await?
        .into_iter()
        .filter(|placed| {
            let name = placed.folder["displayName"].as_str().unwrap_or_default();
            placed.path.eq_ignore_ascii_case(&wanted)
                || (!wanted.contains('/') && name.eq_ignore_ascii_case(&wanted))
        })
        .collect();
    let found = exactly_one(candidates, "mail folder", reference, |p| p.path.clone()).map_err(
        |e| match e.code() {
            ErrorCode::NotFound => e.with_hint("list your folders with: msgate mail folders list"),
            _ => e.with_hint("name the folder by its path (Parent/Name) or its id"),
        },
    )?;
    Ok(FolderRef {
        segment: found.folder["id"].as_str().unwrap_or_default().to_owned(),
        path: Some(found.path),
    })
}

/// Every folder of the mailbox, each followed by its subfolders, with their paths.
pub async fn tree(ctx: &Ctx) -> Result<Vec<Placed>> {
    let mut placed = Vec::new();
    // Levels still to read, last first: (the level's request, its parent's path, where its
    // folders go in `placed`).
    let mut pending = vec![(Request::get("/me/mailFolders"), String::new(), 0)];
    while let Some((request, parent_path, at)) = pending.pop() {
        let request = request.top(100).permissions(READ_BASIC);
        let level = ctx.graph.list(request, Limit::All).await?.items;
        for (offset, folder) in level.into_iter().enumerate() {
            let name = folder["displayName"].as_str().unwrap_or_default();
            let path = if parent_path.is_empty() {
                name.to_owned()
            } else {
                format!("{parent_path}/{name}")
            };
            if folder["childFolderCount"].as_u64().unwrap_or_default() > 0
                && let Some(id) = folder["id"].as_str()
            {
                // Its children go right after it once read; levels are read last first, so
                // the positions of the ones still pending stay right.
                pending.push((
                    Request::get(format!("/me/mailFolders/{}/childFolders", segment(id))),
                    path.clone(),
                    at + offset + 1,
                ));
            }
            placed.insert(at + offset, Placed { folder, path });
        }
    }
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_names_and_ids_need_no_lookup() {
        assert_eq!(well_known("Sent Items").as_deref(), Some("sentitems"));
        assert_eq!(well_known("INBOX").as_deref(), Some("inbox"));
        assert_eq!(well_known("Projects"), None);
        assert!(looks_like_id(
            "AAMkAGI2TG93AAA-_ZGVmMDEzLTEyMzQtNDU2Ny1hYmNkLWVmMDEyMzQ1Njc4OQAuAAAAAAA="
        ));
        assert!(!looks_like_id("Projects/Release 4.2"));
        assert!(!looks_like_id("Archive2024"));
    }
}
