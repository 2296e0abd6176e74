//! The demo tenant's files: a OneDrive for every user (Documents and Pictures with a few small
//! text, Markdown, CSV and SVG files; Ada Brennan's with a roadmap and a nested project folder),
//! and each team's document library with a folder per channel and a couple of files in the
//! Platform team's General channel. Ids derive from paths; dates are relative to now.

use serde_json::{Value, json};

use super::drives::{self, channel_folder_id};
use super::tree::{self, Drive, Facet, Stamp, Tree, content_key, id_of, item_id_for, new_item};
use crate::clock;
use crate::graph::error::GraphResult;
use crate::store::Store;
use crate::tenant::Tenant;

/// A seeded file: its path, how many minutes ago it was last written, and its content.
type SeedFile = (&'static str, i64, &'static str);

const EVERYONE: &[SeedFile] = &[
    (
        "Documents/Notes.md",
        60 * 30,
        "# Notes\n\n- Read the onboarding guide in the All Company team.\n- Book a desk for the offsite week.\n- Ask IT about the second monitor.\n",
    ),
    (
        "Documents/Timesheet.csv",
        60 * 24 * 3,
        "week,project,hours\n2026-W01,Platform,32\n2026-W01,Internal,8\n2026-W02,Platform,36\n2026-W02,Internal,4\n",
    ),
    (
        "Pictures/Avatar.svg",
        60 * 24 * 60,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\"><circle cx=\"32\" cy=\"32\" r=\"30\" fill=\"#3b6ea5\"/></svg>\n",
    ),
];

const ADA: &[SeedFile] = &[
    (
        "Getting started.md",
        60 * 24 * 200,
        "# Getting started with OneDrive\n\nYour files are in Documents; photos in Pictures.\nShare a file with a link from its menu.\n",
    ),
    (
        "Documents/Roadmap 2026.md",
        60 * 5,
        "# Product roadmap 2026\n\n## Q1 — Onboarding\n- New sign-up flow (two steps instead of three)\n- Guided tour for first projects\n\n## Q2 — Collaboration\n- Shared workspaces\n- Comment threads on exports\n\n## Q3 — Scale\n- Export timeout fix for large reports\n- Regional data residency (EU)\n\n## Q4 — Insights\n- Usage dashboards for admins\n",
    ),
    (
        "Documents/Notes.md",
        60 * 3,
        "# Notes\n\n- Roadmap slide for the quarterly review before Friday.\n- Drop step three of the sign-up flow (Chloe).\n- Add the token-scanning line to the 4.2 release notes.\n",
    ),
    (
        "Documents/Q3 budget.csv",
        60 * 24 * 2,
        "item,owner,amount_eur\nUser research panel,Ada Brennan,4800\nDesign contractor,Chloe Martin,12000\nCI runner pool,Grace Kim,6400\nOffsite,Hugo Lindqvist,9000\n",
    ),
    (
        "Documents/Meeting notes.txt",
        60 * 26,
        "Quarterly planning review — notes\n\nAttendees: Ada, Grace, Ines, Hugo\n- Roadmap slide due Friday (Ada)\n- Runner cost review numbers from Farid\n- Decision: keep the old CI pool warm for a day after the cut-over\n",
    ),
    (
        "Documents/Release checklist.md",
        60 * 8,
        "# Release 4.2 checklist\n\n- [x] Release notes draft (Liam)\n- [ ] Export timeout fix verified (Dev)\n- [ ] Support briefed on known issues (Kira)\n- [ ] Customer announcement scheduled\n",
    ),
    (
        "Documents/Product/Feature requests.csv",
        60 * 24 * 6,
        "id,request,customers,status\nFR-101,Bulk export to CSV,14,planned\nFR-102,SAML single sign-on,9,in progress\nFR-103,Dark mode,21,under review\nFR-104,Audit log API,6,planned\n",
    ),
    (
        "Documents/Product/Research/Interview notes - onboarding.md",
        60 * 24 * 12,
        "# Onboarding interviews\n\nFive customers, 30 minutes each.\n\n- Three of five stopped at step three of sign-up.\n- Everyone wanted a sample project to start from.\n- Two asked for single sign-on before inviting their team.\n",
    ),
    (
        "Pictures/Onboarding flow.svg",
        60 * 7,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"60\"><rect x=\"5\" y=\"15\" width=\"60\" height=\"30\" fill=\"#3b6ea5\"/><rect x=\"90\" y=\"15\" width=\"60\" height=\"30\" fill=\"#3b6ea5\"/><rect x=\"175\" y=\"15\" width=\"60\" height=\"30\" fill=\"#9aa5b1\"/></svg>\n",
    ),
    (
        "Pictures/Team offsite.svg",
        60 * 24 * 40,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"80\"><rect width=\"120\" height=\"80\" fill=\"#c9e4ca\"/><text x=\"10\" y=\"45\">Offsite 2025</text></svg>\n",
    ),
];

const PLATFORM_GENERAL: &[SeedFile] = &[
    (
        "CI runners migration.md",
        60 * 27,
        "# CI runners migration\n\nOwner: Ben Okafor\n\n1. Drain the old pool on Thursday at 09:00.\n2. Switch the runner labels in the pipeline templates.\n3. Keep the old pool warm for 24 hours in case of rollback.\n4. Decommission after the cost review.\n",
    ),
    (
        "On-call rota.csv",
        60 * 24 * 4,
        "week,primary,secondary\n2026-W01,Dev Patel,Ben Okafor\n2026-W02,Ben Okafor,Elena Rossi\n2026-W03,Elena Rossi,Dev Patel\n",
    ),
];

fn person(user: &Value) -> Value {
    json!({"user": {"id": user["id"], "displayName": user["displayName"]}})
}

fn stamp_ago(minutes: i64, by: &Value) -> Stamp {
    Stamp {
        at: clock::minutes_ago(minutes),
        by: by.clone(),
    }
}

/// The demo tenant's share of this area.
pub async fn seed(store: &Store, _tenant: &Tenant, _graph_url: &str) -> msgate_core::Result<()> {
    seed_drives(store).await.map_err(|e| {
        msgate_core::Error::internal(format!("seeding the demo drives: {}", e.message))
    })
}

async fn seed_drives(store: &Store) -> GraphResult<()> {
    let users = store.list("user", "").await?;
    for user in &users {
        let by = person(user);
        let doc = drives::personal_drive_doc(user, &clock::minutes_ago(60 * 24 * 365));
        let drive = drives::create(store, doc, &stamp_ago(60 * 24 * 365, &by)).await?;
        let is_ada = user["mailNickname"] == "ada.brennan";
        let files = if is_ada { ADA } else { EVERYONE };
        let folders: &[&str] = if is_ada {
            &[
                "Documents",
                "Pictures",
                "Documents/Product",
                "Documents/Product/Research",
            ]
        } else {
            &["Documents", "Pictures"]
        };
        for folder in folders {
            add_by_path(store, &drive, folder, None, &stamp_ago(60 * 24 * 300, &by)).await?;
        }
        for (path, minutes, content) in files {
            let stamp = stamp_ago(*minutes, &by);
            add_by_path(store, &drive, path, Some(content.as_bytes()), &stamp).await?;
        }
    }
    for team in store.list("team", "").await? {
        seed_team(store, &team, &users).await?;
    }
    Ok(())
}

/// Add a folder (`content` `None`) or file at `path`; its parent folder exists already.
async fn add_by_path(
    store: &Store,
    drive: &Drive,
    path: &str,
    content: Option<&[u8]>,
    stamp: &Stamp,
) -> GraphResult<()> {
    let (parent_path, name) = path.rsplit_once('/').unwrap_or(("", path));
    let parent_id = item_id_for(&drive.id, parent_path);
    let parent = store
        .get(tree::ITEM, &drive.id, &parent_id)
        .await?
        .ok_or_else(super::item_not_found)?;
    add(
        store,
        drive,
        &parent,
        &item_id_for(&drive.id, path),
        name,
        content,
        stamp,
    )
    .await
}

async fn add(
    store: &Store,
    drive: &Drive,
    parent: &Value,
    id: &str,
    name: &str,
    content: Option<&[u8]>,
    stamp: &Stamp,
) -> GraphResult<()> {
    let facet = match content {
        Some(bytes) => Facet::File(bytes),
        None => Facet::Folder,
    };
    let item = new_item(drive, id, name, Some(parent), &facet, stamp);
    if let Some(bytes) = content {
        store.kv_put(&content_key(&drive.id, id), bytes).await?;
    }
    tree::insert(store, drive, &item).await
}

async fn seed_team(store: &Store, team: &Value, users: &[Value]) -> GraphResult<()> {
    let team_id = id_of(team);
    let owner = store
        .list("teamMember", team_id)
        .await?
        .into_iter()
        .find(|m| {
            m["roles"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == "owner"))
        })
        .and_then(|m| users.iter().find(|u| u["id"] == m["userId"]).cloned())
        .unwrap_or_default();
    let by = person(&owner);
    let created = team["createdDateTime"].as_str().map(str::to_owned);
    let at = created.unwrap_or_else(|| clock::minutes_ago(60 * 24 * 400));
    let stamp = Stamp {
        at: at.clone(),
        by: by.clone(),
    };
    let drive = drives::create(store, drives::team_drive_doc(team, &at), &stamp).await?;
    let root = Tree::load(store, &drive.id)
        .await?
        .root()
        .cloned()
        .ok_or_else(super::item_not_found)?;
    for channel in store.list("channel", team_id).await? {
        let folder_id = channel_folder_id(&drive.id, id_of(&channel));
        let name = channel["displayName"].as_str().unwrap_or("General");
        add(store, &drive, &root, &folder_id, name, None, &stamp).await?;
        if team["displayName"] == "Platform" && name == "General" {
            let folder = store
                .get(tree::ITEM, &drive.id, &folder_id)
                .await?
                .ok_or_else(super::item_not_found)?;
            for (file, minutes, content) in PLATFORM_GENERAL {
                let id = item_id_for(&drive.id, &format!("General/{file}"));
                let stamp = stamp_ago(*minutes, &by);
                add(
                    store,
                    &drive,
                    &folder,
                    &id,
                    file,
                    Some(content.as_bytes()),
                    &stamp,
                )
                .await?;
            }
        }
    }
    Ok(())
}
