//! Files: the signed-in user's OneDrive, or a channel's files folder in its team's document
//! library (`--channel TEAM/CHANNEL`, found through the channel's `filesFolder`). What every files
//! operation shares lives here: where the files are ([`Place`], resolved to a [`Root`]), paths as
//! people write them (`Documents/Roadmap 2026.md`) turned into Graph's path addressing, and the
//! compact view of an item.
//!
//! Paths are relative to the place: the OneDrive's root, or the channel's folder. Writes read the
//! item by path first and then change it by id, so a missing item is reported (exit 13) before
//! anything changes. Every path written, moved or deleted is noted for the policy's `folders`
//! scope as a path within its drive: a channel's files sit below the channel folder's own path
//! in the team's library (`/General/…`).

mod copy;
mod delete;
mod download;
mod get;
mod ls;
mod mkdir;
mod mv;
mod search;
mod share;
mod upload;

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::Request;
use msgate_graph::api::segment;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::message::upload::{
    READ_MY_FILES, READ_TEAM_FILES, WRITE_MY_FILES, WRITE_TEAM_FILES, channel_folder,
};
use crate::catalog::{Entry, entry};
use crate::ctx::Ctx;
use crate::policy::Target;
use crate::refs::{self, Conversation, deeplink::percent_decode};

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<ls::Ls>(),
        entry::<get::Get>(),
        entry::<download::Download>(),
        entry::<upload::Upload>(),
        entry::<mkdir::Mkdir>(),
        entry::<mv::Move>(),
        entry::<copy::Copy>(),
        entry::<delete::Delete>(),
        entry::<share::Share>(),
        entry::<search::Search>(),
    ]
}

/// What reading files takes: your own OneDrive, or (for channels) the team's library.
pub const READ: &[&str] = &[
    "Files.Read",
    "Files.ReadWrite",
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
];
/// What writing files takes.
pub const WRITE: &[&str] = &[
    "Files.ReadWrite",
    "Files.ReadWrite.All",
    "Sites.ReadWrite.All",
];

/// The properties of an item msgate shows.
const SELECT: &[&str] = &[
    "id",
    "name",
    "size",
    "file",
    "folder",
    "lastModifiedDateTime",
    "lastModifiedBy",
    "parentReference",
    "root",
    "webUrl",
];

// Where the files are: the option every files operation takes (a plain comment: a doc comment
// would land in the input schema).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Place {
    /// A channel's files instead of your OneDrive: TEAM/CHANNEL by names (Platform/General), TEAM-ID/CHANNEL-ID, or a Teams link
    #[serde(default)]
    pub channel: Option<String>,
}

/// A path below a place's root, as components; empty for the root itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilePath(Vec<String>);

impl FilePath {
    /// A path as people write it: `/` between names, a leading `/` optional, `.` ignored; `..`
    /// is refused, so a path never climbs out of its place.
    pub fn parse(text: &str) -> Result<FilePath> {
        let mut parts = Vec::new();
        for part in text.trim().split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        format!("'{text}': paths cannot climb with '..'"),
                    )
                    .with_hint("write the path from the root, e.g. Documents/Reports/q1.xlsx"));
                }
                part => parts.push(part.to_owned()),
            }
        }
        Ok(FilePath(parts))
    }

    /// An optional path, the root when absent.
    pub fn parse_or_root(text: Option<&str>) -> Result<FilePath> {
        text.map_or_else(|| Ok(FilePath::default()), FilePath::parse)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The last name, `None` for the root.
    pub fn name(&self) -> Option<&str> {
        self.0.last().map(String::as_str)
    }

    /// The folder holding this path (the root holds itself).
    pub fn parent(&self) -> FilePath {
        let mut parts = self.0.clone();
        parts.pop();
        FilePath(parts)
    }

    pub fn join(&self, name: &str) -> FilePath {
        let mut parts = self.0.clone();
        parts.push(name.to_owned());
        FilePath(parts)
    }

    /// `/Documents/Roadmap 2026.md`, or `/` for the root.
    pub fn display(&self) -> String {
        format!("/{}", self.0.join("/"))
    }

    /// Whether `self` is `other` or below it (names compared without case, as OneDrive does).
    fn starts_with(&self, other: &FilePath) -> bool {
        self.0.len() >= other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    }

    fn encoded(&self) -> String {
        self.0
            .iter()
            .map(|p| segment(p))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A path from Graph's `parentReference.path` (`/drive/root:/Documents`, percent-encoded)
    /// and a name.
    fn of_item(item: &Value) -> Option<FilePath> {
        if item.get("root").is_some() {
            return Some(FilePath::default());
        }
        let parent = item["parentReference"]["path"].as_str()?;
        let (_, below) = parent.split_once("root:")?;
        let mut path = FilePath::parse(&percent_decode(below)).ok()?;
        path.0.push(item["name"].as_str()?.to_owned());
        Some(path)
    }
}

/// A place, resolved: what its paths are relative to.
#[derive(Debug, Clone)]
pub enum Root {
    /// The signed-in user's OneDrive.
    Mine,
    /// A channel's folder in its team's document library.
    Channel {
        /// The channel as it was named.
        name: String,
        drive: String,
        folder: String,
        /// The folder's own path in the drive.
        folder_path: FilePath,
    },
}

impl Root {
    /// The place named by `place`: a channel reference (noted, so the policy's team and channel
    /// scopes apply), or the OneDrive.
    pub async fn resolve(ctx: &Ctx, place: &Place) -> Result<Root> {
        let Some(reference) = place.channel.as_deref() else {
            return Ok(Root::Mine);
        };
        let (team_id, channel_id) = refs::channel(ctx, reference).await?;
        let folder = channel_folder(
            ctx,
            &Conversation::Channel {
                team_id,
                channel_id,
            },
        )
        .await?;
        let unusable = || Error::internal("Graph sent a channel folder msgate cannot use");
        // Graph's example answer has no parentReference.path: a channel's folder sits at the
        // root of its library, named as the channel.
        let folder_path = FilePath::of_item(&folder)
            .or_else(|| Some(FilePath(vec![folder["name"].as_str()?.to_owned()])))
            .ok_or_else(unusable)?;
        Ok(Root::Channel {
            name: reference.trim().to_owned(),
            drive: folder["parentReference"]["driveId"]
                .as_str()
                .ok_or_else(unusable)?
                .to_owned(),
            folder: folder["id"].as_str().ok_or_else(unusable)?.to_owned(),
            folder_path,
        })
    }

    /// How the place is called in messages.
    pub fn describe(&self) -> String {
        match self {
            Root::Mine => "your OneDrive".to_owned(),
            Root::Channel { name, .. } => format!("the files of '{name}'"),
        }
    }

    /// The item at `path`, addressed below the Graph root: by path (`…root:/a/b:`), or the
    /// place's root itself.
    pub fn address(&self, path: &FilePath) -> String {
        match (self, path.is_root()) {
            (Root::Mine, true) => "/me/drive/root".to_owned(),
            (Root::Mine, false) => format!("/me/drive/root:/{}:", path.encoded()),
            (Root::Channel { drive, folder, .. }, true) => {
                format!("/drives/{}/items/{}", segment(drive), segment(folder))
            }
            (Root::Channel { drive, folder, .. }, false) => format!(
                "/drives/{}/items/{}:/{}:",
                segment(drive),
                segment(folder),
                path.encoded()
            ),
        }
    }

    /// An item by id, below the Graph root.
    pub fn by_id(&self, id: &str) -> String {
        match self {
            Root::Mine => format!("/me/drive/items/{}", segment(id)),
            Root::Channel { drive, .. } => {
                format!("/drives/{}/items/{}", segment(drive), segment(id))
            }
        }
    }

    /// The drive's search function: `…/root/search(q='…')`.
    pub fn search(&self, text: &str) -> String {
        // An OData string literal: quotes doubled, the rest percent-encoded in the path.
        let literal = segment(&text.replace('\'', "''"));
        match self {
            Root::Mine => format!("/me/drive/root/search(q='{literal}')"),
            Root::Channel { drive, .. } => {
                format!("/drives/{}/root/search(q='{literal}')", segment(drive))
            }
        }
    }

    /// The permissions that allow reading here, least privileged first.
    pub fn read(&self) -> &'static [&'static str] {
        match self {
            Root::Mine => READ_MY_FILES,
            Root::Channel { .. } => READ_TEAM_FILES,
        }
    }

    /// The permissions that allow writing here.
    pub fn write(&self) -> &'static [&'static str] {
        match self {
            Root::Mine => WRITE_MY_FILES,
            Root::Channel { .. } => WRITE_TEAM_FILES,
        }
    }

    /// Reports `path` to the policy as the path within its drive (see the module's notes).
    pub async fn note(&self, ctx: &Ctx, path: &FilePath) -> Result<()> {
        let in_drive = match self {
            Root::Mine => path.clone(),
            Root::Channel { folder_path, .. } => {
                FilePath(folder_path.0.iter().chain(&path.0).cloned().collect())
            }
        };
        ctx.note(Target::File {
            path: in_drive.display(),
        })
        .await
    }

    /// Where an item Graph sent is, relative to this place; `None` when it is not in it (a
    /// drive-wide search finds files outside a channel's folder).
    pub fn relative(&self, item: &Value) -> Option<FilePath> {
        match self {
            Root::Mine => FilePath::of_item(item),
            Root::Channel {
                folder,
                folder_path,
                ..
            } => {
                if item["id"].as_str() == Some(folder.as_str()) {
                    return Some(FilePath::default());
                }
                let path = FilePath::of_item(item)?;
                path.starts_with(folder_path)
                    .then(|| FilePath(path.0[folder_path.0.len()..].to_vec()))
                    .filter(|p| !p.is_root())
            }
        }
    }

    /// Whether Graph places an item outside this place (a hit of a drive-wide search).
    pub fn outside(&self, item: &Value) -> bool {
        matches!(self, Root::Channel { .. })
            && FilePath::of_item(item).is_some()
            && self.relative(item).is_none()
    }

    /// The item at `path`, or exit 13 naming it and the place.
    pub async fn item(&self, ctx: &Ctx, path: &FilePath) -> Result<Value> {
        let request = Request::get(self.address(path))
            .select(SELECT)
            .permissions(self.read());
        ctx.graph
            .json(&request)
            .await
            .map_err(|err| self.missing(path, err))
    }

    /// Graph's 404 for `path` as msgate says it: what is missing, where, and how to look.
    pub fn missing(&self, path: &FilePath, err: Error) -> Error {
        if err.code() != ErrorCode::NotFound {
            return err;
        }
        Error::new(
            ErrorCode::NotFound,
            format!("there is no '{}' in {}", path.display(), self.describe()),
        )
        .with_hint(format!(
            "see what is there with: msgate files ls '{}'{}",
            path.parent().display(),
            self.flag()
        ))
    }

    /// The folder at `path`, or an error saying it is a file.
    pub async fn folder(&self, ctx: &Ctx, path: &FilePath) -> Result<Value> {
        let item = self.item(ctx, path).await?;
        if item.get("folder").is_none() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("'{}' is a file, not a folder", path.display()),
            ));
        }
        Ok(item)
    }

    /// The command-line flag naming this place, for hints.
    fn flag(&self) -> String {
        match self {
            Root::Mine => String::new(),
            Root::Channel { name, .. } => format!(" --channel '{name}'"),
        }
    }

    /// The compact view of an item Graph sent.
    pub fn view(&self, item: &Value) -> Item {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let path = self
            .relative(item)
            .map_or_else(|| text(&item["name"]).unwrap_or_default(), |p| p.display());
        Item {
            id: text(&item["id"]).unwrap_or_default(),
            name: text(&item["name"]).unwrap_or_default(),
            kind: if item.get("folder").is_some() {
                "folder"
            } else {
                "file"
            }
            .to_owned(),
            path,
            size: item["size"].as_u64(),
            items: item["folder"]["childCount"].as_u64(),
            modified: text(&item["lastModifiedDateTime"]),
            modified_by: text(&item["lastModifiedBy"]["user"]["displayName"])
                .or_else(|| text(&item["lastModifiedBy"]["application"]["displayName"])),
            mime: text(&item["file"]["mimeType"]),
            quick_xor_hash: text(&item["file"]["hashes"]["quickXorHash"]),
            web_url: text(&item["webUrl"]),
        }
    }
}

/// Where a move or copy puts an item: into `to` when it is a folder (keeping the name), else
/// at `to` itself (its folder must exist; its last name is the new name).
pub async fn destination(ctx: &Ctx, root: &Root, to: &FilePath, name: &str) -> Result<Landing> {
    if !to.is_root() {
        match root.item(ctx, to).await {
            Ok(found) if found.get("folder").is_some() => {
                return Ok(Landing {
                    folder: found,
                    path: to.join(name),
                });
            }
            Ok(_) => {
                return Err(Error::new(
                    ErrorCode::Conflict,
                    format!("'{}' already exists in {}", to.display(), root.describe()),
                )
                .with_hint("choose another name, or delete it first"));
            }
            Err(err) if err.code() == ErrorCode::NotFound => {
                let folder = root.folder(ctx, &to.parent()).await?;
                return Ok(Landing {
                    folder,
                    path: to.clone(),
                });
            }
            Err(err) => return Err(err),
        }
    }
    Ok(Landing {
        folder: root.item(ctx, to).await?,
        path: to.join(name),
    })
}

/// Where an item will be: the folder it goes into and its full path.
#[derive(Debug)]
pub struct Landing {
    pub folder: Value,
    pub path: FilePath,
}

impl Landing {
    /// Graph's `parentReference` for the folder.
    pub fn parent_reference(&self) -> Value {
        json!({
            "driveId": self.folder["parentReference"]["driveId"],
            "id": self.folder["id"],
        })
    }
}

/// A file or folder, compactly.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Item {
    /// The item's id
    pub id: String,
    /// Its name
    pub name: String,
    /// file or folder
    pub kind: String,
    /// Where it is, from the root of your OneDrive or of the channel's folder (only its name when Graph does not say)
    pub path: String,
    /// Size in bytes (a folder's is what it holds)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// How many items a folder holds
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<u64>,
    /// When it last changed
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Who last changed it
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_by: Option<String>,
    /// A file's media type
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// A file's content hash (QuickXorHash), to check a copy against
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_xor_hash: Option<String>,
    /// Where it opens in a browser
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
}

/// The columns a table of items shows.
pub const COLUMNS: &[&str] = &["name", "kind", "size", "modified", "modified_by", "path"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_as_people_write_them() {
        let path = FilePath::parse("/Documents//./Roadmap 2026.md").unwrap();
        assert_eq!(path.display(), "/Documents/Roadmap 2026.md");
        assert_eq!(path.name(), Some("Roadmap 2026.md"));
        assert_eq!(path.parent().display(), "/Documents");
        assert!(FilePath::parse("/").unwrap().is_root());
        assert_eq!(
            FilePath::parse("a/../../etc").unwrap_err().exit().status(),
            2
        );
        assert_eq!(
            Root::Mine.address(&path),
            "/me/drive/root:/Documents/Roadmap%202026.md:"
        );
        assert_eq!(Root::Mine.address(&FilePath::default()), "/me/drive/root");
        assert_eq!(
            Root::Mine.search("it's road+map"),
            "/me/drive/root/search(q='it''s%20road+map')"
        );
    }

    #[test]
    fn items_are_placed_relative_to_their_root() {
        let item = json!({
            "id": "1", "name": "Plan #2.md",
            "parentReference": {"path": "/drives/b!x/root:/General/Q3%20plans"},
        });
        let channel = Root::Channel {
            name: "Platform/General".into(),
            drive: "b!x".into(),
            folder: "f".into(),
            folder_path: FilePath::parse("/General").unwrap(),
        };
        assert_eq!(
            channel.relative(&item).unwrap().display(),
            "/Q3 plans/Plan #2.md"
        );
        assert_eq!(
            Root::Mine.relative(&item).unwrap().display(),
            "/General/Q3 plans/Plan #2.md"
        );
        let elsewhere = json!({"id": "2", "name": "x", "parentReference": {"path": "/drives/b!x/root:/Design"}});
        assert_eq!(channel.relative(&elsewhere), None);
        assert_eq!(
            channel.address(&FilePath::parse("Q3 plans").unwrap()),
            "/drives/b!x/items/f:/Q3%20plans:"
        );
    }
}
