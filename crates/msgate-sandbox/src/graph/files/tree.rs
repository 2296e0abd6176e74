//! Drives and their items as the store keeps them, and the changes that must keep a tree
//! consistent: a folder's `childCount` and `size` (the total of everything below it), the
//! `parentReference.path` and `webUrl` of everything below a renamed or moved folder, fresh
//! `eTag`/`cTag` versions on every change, and a tombstone for each deleted item so a delta
//! query can report it with the `deleted` facet.
//!
//! Documents are kind `driveItem` with the drive id as parent; drives are kind `drive` with
//! parent "". File bytes are in the store's `kv` table (one BLOB per file, see [`content_key`]):
//! binary content has no place in a JSON document, and the BLOB is neither base64-inflated nor
//! re-parsed on every listing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::address::Reference;
use super::quickxor::quick_xor_hash;
use super::{invalid_request, item_not_found, name_already_exists};
use crate::graph::error::GraphResult;
use crate::graph::odata::{percent_decode, percent_encode};
use crate::ids;
use crate::store::Store;

pub const ITEM: &str = "driveItem";
pub const DRIVE: &str = "drive";
/// What remains of a deleted item, for delta queries.
pub const TOMBSTONE: &str = "driveItemDeleted";

/// Whose drive it is: a user's OneDrive or a team's document library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    User(String),
    Team(String),
}

/// Drive ids carry their owner (as real `b!` ids carry site and list ids), so a drive's owner
/// is known from its id alone.
fn drive_id(owner: &Owner) -> String {
    let tagged = match owner {
        Owner::User(id) => format!("user:{id}"),
        Owner::Team(id) => format!("team:{id}"),
    };
    format!("b!{}", URL_SAFE_NO_PAD.encode(tagged))
}

pub fn personal_drive_id(user_id: &str) -> String {
    drive_id(&Owner::User(user_id.to_owned()))
}

pub fn team_drive_id(team_id: &str) -> String {
    drive_id(&Owner::Team(team_id.to_owned()))
}

pub fn owner_of(drive_id: &str) -> Option<Owner> {
    let bytes = URL_SAFE_NO_PAD.decode(drive_id.strip_prefix("b!")?).ok()?;
    let tagged = String::from_utf8(bytes).ok()?;
    match tagged.split_once(':')? {
        ("user", id) => Some(Owner::User(id.to_owned())),
        ("team", id) => Some(Owner::Team(id.to_owned())),
        _ => None,
    }
}

/// A drive and its document.
#[derive(Debug, Clone)]
pub struct Drive {
    pub id: String,
    pub owner: Owner,
    pub doc: Value,
}

impl Drive {
    pub async fn load(store: &Store, drive_id: &str) -> GraphResult<Option<Drive>> {
        let Some(owner) = owner_of(drive_id) else {
            return Ok(None);
        };
        Ok(store.get(DRIVE, "", drive_id).await?.map(|doc| Drive {
            id: drive_id.to_owned(),
            owner,
            doc,
        }))
    }

    pub fn drive_type(&self) -> &str {
        self.doc["driveType"].as_str().unwrap_or("business")
    }

    /// The `parentReference.path` of the root's children.
    pub fn root_path(&self) -> String {
        match self.owner {
            Owner::User(_) => "/drive/root:".to_owned(),
            Owner::Team(_) => format!("/drives/{}/root:", self.id),
        }
    }

    fn web_url(&self) -> &str {
        self.doc["webUrl"].as_str().unwrap_or_default()
    }

    pub fn root_id(&self) -> String {
        item_id_for(&self.id, "")
    }
}

/// A stable item id for a seeded path, shaped like OneDrive for Business ids.
pub fn item_id_for(drive_id: &str, path: &str) -> String {
    format!(
        "01{}",
        ids::stable_guid(&format!("driveItem:{drive_id}:{path}"))
            .replace('-', "")
            .to_uppercase()
    )
}

pub fn new_item_id() -> String {
    format!("01{}", ids::random_guid().replace('-', "").to_uppercase())
}

pub fn content_key(drive_id: &str, item_id: &str) -> String {
    format!("driveContent/{drive_id}/{item_id}")
}

pub fn is_folder(item: &Value) -> bool {
    item.get("folder").is_some_and(|f| !f.is_null())
}

pub fn is_root(item: &Value) -> bool {
    item.get("root").is_some_and(|r| !r.is_null())
}

pub fn id_of(item: &Value) -> &str {
    item["id"].as_str().unwrap_or_default()
}

pub fn parent_id_of(item: &Value) -> Option<&str> {
    item["parentReference"]["id"].as_str()
}

fn size_of(item: &Value) -> i64 {
    item["size"].as_i64().unwrap_or(0)
}

/// An item's path below the root (`Documents/Notes.txt`; "" for the root).
pub fn relative_path(drive: &Drive, item: &Value) -> String {
    if is_root(item) {
        return String::new();
    }
    let parent = percent_decode(
        item["parentReference"]["path"]
            .as_str()
            .and_then(|p| p.strip_prefix(&drive.root_path()))
            .unwrap_or_default(),
    );
    let parent = parent.trim_start_matches('/');
    let name = item["name"].as_str().unwrap_or_default();
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

/// The MIME type Graph reports for a file name.
pub fn mime_type(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

/// When, and by whom, a change is made.
#[derive(Debug, Clone)]
pub struct Stamp {
    pub at: String,
    /// An identitySet.
    pub by: Value,
}

/// What an item is when it is created.
pub enum Facet<'a> {
    Folder,
    File(&'a [u8]),
}

/// A new item document under `parent` (the root when `None`).
pub fn new_item(
    drive: &Drive,
    id: &str,
    name: &str,
    parent: Option<&Value>,
    facet: &Facet<'_>,
    stamp: &Stamp,
) -> Value {
    let (at, by) = (stamp.at.as_str(), &stamp.by);
    let tag = ids::stable_guid(id).to_uppercase();
    let mut item = json!({
        "id": id,
        "name": if parent.is_some() { name } else { "root" },
        "createdDateTime": at,
        "lastModifiedDateTime": at,
        "eTag": format!("\"{{{tag}}},1\""),
        "cTag": format!("\"c:{{{tag}}},1\""),
        "createdBy": by,
        "lastModifiedBy": by,
        "fileSystemInfo": {"createdDateTime": at, "lastModifiedDateTime": at},
    });
    match facet {
        Facet::Folder => {
            item["folder"] = json!({"childCount": 0});
            item["size"] = json!(0);
        }
        Facet::File(bytes) => {
            item["file"] = json!({
                "mimeType": mime_type(name),
                "hashes": {"quickXorHash": quick_xor_hash(bytes)},
            });
            item["size"] = json!(bytes.len());
        }
    }
    if parent.is_none() {
        item["root"] = json!({});
    }
    place(drive, &mut item, parent);
    item
}

/// Set `parentReference` and `webUrl` from the item's name and its parent.
fn place(drive: &Drive, item: &mut Value, parent: Option<&Value>) {
    let mut reference = json!({"driveId": drive.id, "driveType": drive.drive_type()});
    let web_url = match parent {
        None => drive.web_url().to_owned(),
        Some(parent) => {
            let parent_path = relative_path(drive, parent);
            reference["id"] = parent["id"].clone();
            reference["name"] = parent["name"].clone();
            // "A percent-encoded path that can be used to navigate to the item"
            // (https://learn.microsoft.com/graph/api/resources/itemreference).
            reference["path"] = json!(if parent_path.is_empty() {
                drive.root_path()
            } else {
                format!("{}/{}", drive.root_path(), percent_encode(&parent_path))
            });
            let name = item["name"].as_str().unwrap_or_default();
            let full = if parent_path.is_empty() {
                name.to_owned()
            } else {
                format!("{parent_path}/{name}")
            };
            format!("{}/{}", drive.web_url(), percent_encode(&full))
        }
    };
    item["parentReference"] = reference;
    item["webUrl"] = json!(web_url);
}

/// Mark a change: modified now, by `by`, with the next `eTag`/`cTag` versions.
pub fn touch(item: &mut Value, stamp: &Stamp) {
    item["lastModifiedDateTime"] = json!(stamp.at);
    item["lastModifiedBy"] = stamp.by.clone();
    item["fileSystemInfo"]["lastModifiedDateTime"] = json!(stamp.at);
    for field in ["eTag", "cTag"] {
        if let Some(tag) = item[field].as_str() {
            let (stem, version) = tag
                .trim_end_matches('"')
                .rsplit_once(',')
                .unwrap_or((tag, "0"));
            let next = version.parse::<u64>().unwrap_or(0) + 1;
            item[field] = json!(format!("{stem},{next}\""));
        }
    }
}

/// Every item of a drive, read once per request: drives are small, and walking paths,
/// listing children and finding descendants all need the whole tree.
#[derive(Debug)]
pub struct Tree {
    pub items: Vec<Value>,
}

impl Tree {
    pub async fn load(store: &Store, drive_id: &str) -> GraphResult<Tree> {
        Ok(Tree {
            items: store.list(ITEM, drive_id).await?,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Value> {
        self.items.iter().find(|i| id_of(i) == id)
    }

    pub fn root(&self) -> Option<&Value> {
        self.items.iter().find(|i| is_root(i))
    }

    /// Children sorted by name, as OneDrive lists them.
    pub fn children(&self, parent_id: &str) -> Vec<&Value> {
        let mut children: Vec<&Value> = self
            .items
            .iter()
            .filter(|i| parent_id_of(i) == Some(parent_id))
            .collect();
        children.sort_by_key(|i| i["name"].as_str().unwrap_or_default().to_lowercase());
        children
    }

    /// Names are unique per folder without regard to case.
    pub fn child_named(&self, parent_id: &str, name: &str) -> Option<&Value> {
        self.items.iter().find(|i| {
            parent_id_of(i) == Some(parent_id)
                && i["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    /// Everything below `id`, parents before their children.
    pub fn descendants(&self, id: &str) -> Vec<&Value> {
        let mut found: Vec<&Value> = Vec::new();
        let mut frontier = vec![id.to_owned()];
        while let Some(parent) = frontier.pop() {
            for child in self.children(&parent) {
                frontier.push(id_of(child).to_owned());
                found.push(child);
            }
        }
        found
    }

    pub fn resolve(&self, reference: &Reference) -> GraphResult<Resolved> {
        let anchor = if reference.anchor.eq_ignore_ascii_case("root") {
            self.root()
        } else {
            self.get(&reference.anchor)
        };
        let mut current = anchor.ok_or_else(item_not_found)?;
        let Some((last, walk)) = reference.path.split_last() else {
            return Ok(Resolved::Found(current.clone()));
        };
        for name in walk {
            current = self
                .child_named(id_of(current), name)
                .filter(|c| is_folder(c))
                .ok_or_else(item_not_found)?;
        }
        if !is_folder(current) {
            return Err(item_not_found());
        }
        Ok(match self.child_named(id_of(current), last) {
            Some(item) => Resolved::Found(item.clone()),
            None => Resolved::Missing {
                parent: current.clone(),
                name: last.clone(),
            },
        })
    }

    /// The item a reference names; 404 when it does not exist.
    pub fn existing(&self, reference: &Reference) -> GraphResult<Value> {
        match self.resolve(reference)? {
            Resolved::Found(item) => Ok(item),
            Resolved::Missing { .. } => Err(item_not_found()),
        }
    }

    /// A folder named by `parentReference` (`id` or `path`), for moves and copies.
    pub fn folder_from_reference(&self, drive: &Drive, reference: &Value) -> GraphResult<Value> {
        let target = if let Some(id) = reference["id"].as_str() {
            self.existing(&Reference::parse(id))?
        } else if let Some(path) = reference["path"].as_str() {
            let below = path
                .strip_prefix(&drive.root_path())
                .or_else(|| path.strip_prefix("/drive/root:"))
                .ok_or_else(|| invalid_request("parentReference.path is not in this drive."))?;
            self.existing(&Reference::parse(&format!(
                "root:{}",
                percent_decode(below)
            )))?
        } else {
            return Err(invalid_request(
                "parentReference needs the id or the path of the destination folder.",
            ));
        };
        if is_folder(&target) {
            Ok(target)
        } else {
            Err(invalid_request("The destination is not a folder."))
        }
    }
}

/// What a reference names: an item, or a free name in an existing folder.
pub enum Resolved {
    Found(Value),
    Missing { parent: Value, name: String },
}

/// What to do when the name an item should take is already used in its folder
/// (`@microsoft.graph.conflictBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    Fail,
    Replace,
    Rename,
}

impl Conflict {
    pub fn parse(value: Option<&str>, default: Conflict) -> GraphResult<Conflict> {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("fail") => Ok(Conflict::Fail),
            Some("replace") => Ok(Conflict::Replace),
            Some("rename") => Ok(Conflict::Rename),
            Some(other) => Err(invalid_request(format!(
                "Invalid value '{other}' for @microsoft.graph.conflictBehavior: use fail, replace or rename."
            ))),
        }
    }
}

/// Where a new or moved item lands in `parent` under `conflict`: the name to use, and the
/// existing item it replaces, if any. `moving` is never in its own way.
pub fn settle_name(
    tree: &Tree,
    parent: &Value,
    name: &str,
    conflict: Conflict,
    moving: Option<&str>,
) -> GraphResult<(String, Option<Value>)> {
    let taken = tree
        .child_named(id_of(parent), name)
        .filter(|existing| Some(id_of(existing)) != moving);
    let Some(existing) = taken else {
        return Ok((name.to_owned(), None));
    };
    match conflict {
        Conflict::Fail => Err(name_already_exists()),
        Conflict::Replace => Ok((name.to_owned(), Some(existing.clone()))),
        Conflict::Rename => {
            let (stem, extension) = match name.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
                _ => (name, String::new()),
            };
            let free = (1..)
                .map(|n| format!("{stem} {n}{extension}"))
                .find(|candidate| tree.child_named(id_of(parent), candidate).is_none())
                .unwrap_or_else(|| format!("{stem} {}{extension}", ids::random_token(4)));
            Ok((free, None))
        }
    }
}

/// OneDrive for Business refuses these names and characters.
pub fn check_name(name: &str) -> GraphResult<()> {
    const FORBIDDEN: [char; 9] = ['"', '*', ':', '<', '>', '?', '/', '\\', '|'];
    const RESERVED: [&str; 6] = [".lock", "CON", "PRN", "AUX", "NUL", "desktop.ini"];
    let bad = name.trim().is_empty()
        || name != name.trim()
        || name.contains(FORBIDDEN)
        || name.chars().count() > 400
        || RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name))
        || name.starts_with("~$")
        || name.contains("_vti_");
    if bad {
        Err(invalid_request(format!(
            "The name '{name}' is not allowed: it is empty, has leading or trailing spaces, uses one of \" * : < > ? / \\ |, or is reserved."
        )))
    } else {
        Ok(())
    }
}

/// Store a new item below its parent and account for it in every ancestor.
pub async fn insert(store: &Store, drive: &Drive, item: &Value) -> GraphResult<()> {
    store.put(ITEM, &drive.id, id_of(item), item).await?;
    store.delete(TOMBSTONE, &drive.id, id_of(item)).await?;
    adjust_ancestors(store, drive, parent_id_of(item), 1, size_of(item)).await
}

/// Add `children` to the direct parent's `childCount` and `size` to every ancestor's size.
async fn adjust_ancestors(
    store: &Store,
    drive: &Drive,
    parent_id: Option<&str>,
    children: i64,
    size: i64,
) -> GraphResult<()> {
    if children == 0 && size == 0 {
        return Ok(());
    }
    let mut next = parent_id.map(str::to_owned);
    let mut direct = true;
    while let Some(id) = next.take() {
        let Some(mut folder) = store.get(ITEM, &drive.id, &id).await? else {
            break;
        };
        if direct {
            let count = folder["folder"]["childCount"].as_i64().unwrap_or(0);
            folder["folder"]["childCount"] = json!((count + children).max(0));
            direct = false;
        }
        folder["size"] = json!((size_of(&folder) + size).max(0));
        store.put(ITEM, &drive.id, &id, &folder).await?;
        next = parent_id_of(&folder).map(str::to_owned);
    }
    Ok(())
}

/// Delete an item and everything below it, leaving tombstones for delta queries.
pub async fn remove(
    store: &Store,
    drive: &Drive,
    tree: &Tree,
    item: &Value,
    stamp: &Stamp,
) -> GraphResult<()> {
    let mut doomed = vec![item];
    doomed.extend(tree.descendants(id_of(item)));
    for gone in doomed {
        let id = id_of(gone);
        store.delete(ITEM, &drive.id, id).await?;
        store.kv_delete(&content_key(&drive.id, id)).await?;
        let tombstone = json!({
            "id": id,
            "name": gone["name"],
            "lastModifiedDateTime": stamp.at,
            "parentReference": gone["parentReference"],
            "deleted": {"state": "deleted"},
        });
        store.put(TOMBSTONE, &drive.id, id, &tombstone).await?;
    }
    adjust_ancestors(store, drive, parent_id_of(item), -1, -size_of(item)).await
}

/// Rename and/or move `item` into `parent` as `name`; everything below a moved folder follows.
pub async fn relocate(
    store: &Store,
    drive: &Drive,
    tree: &Tree,
    item: &Value,
    parent: &Value,
    name: &str,
    stamp: &Stamp,
) -> GraphResult<Value> {
    let mut moved = item.clone();
    moved["name"] = json!(name);
    place(drive, &mut moved, Some(parent));
    touch(&mut moved, stamp);
    store.put(ITEM, &drive.id, id_of(&moved), &moved).await?;
    let old_parent = parent_id_of(item);
    if old_parent != Some(id_of(parent)) {
        adjust_ancestors(store, drive, old_parent, -1, -size_of(item)).await?;
        adjust_ancestors(store, drive, Some(id_of(parent)), 1, size_of(item)).await?;
    }
    let mut placed = vec![moved.clone()];
    for descendant in tree.descendants(id_of(item)) {
        let Some(new_parent) = parent_id_of(descendant)
            .and_then(|p| placed.iter().find(|d| id_of(d) == p))
            .cloned()
        else {
            continue;
        };
        let mut follower = descendant.clone();
        place(drive, &mut follower, Some(&new_parent));
        store
            .put(ITEM, &drive.id, id_of(&follower), &follower)
            .await?;
        placed.push(follower);
    }
    Ok(moved)
}

/// Copy `item` (with everything below it) into `parent` of `to` as `name`; returns the copy.
#[allow(clippy::too_many_arguments)] // source and destination each need a drive and an item
pub async fn copy(
    store: &Store,
    from: &Drive,
    tree: &Tree,
    item: &Value,
    to: &Drive,
    parent: &Value,
    name: &str,
    stamp: &Stamp,
) -> GraphResult<Value> {
    let fresh = |original: &Value, name: &str, parent: &Value| -> Value {
        let id = new_item_id();
        let facet = if is_folder(original) {
            Facet::Folder
        } else {
            Facet::File(&[])
        };
        let mut copy = new_item(to, &id, name, Some(parent), &facet, stamp);
        for field in ["file", "folder", "size", "description"] {
            if let Some(value) = original.get(field) {
                copy[field] = value.clone();
            }
        }
        copy
    };
    let top = fresh(item, name, parent);
    insert(store, to, &top).await?;
    copy_content(store, from, item, to, &top).await?;
    let mut copied: Vec<(String, Value)> = vec![(id_of(item).to_owned(), top.clone())];
    for descendant in tree.descendants(id_of(item)) {
        let Some(new_parent) = parent_id_of(descendant)
            .and_then(|p| copied.iter().find(|(old, _)| old == p))
            .map(|(_, new)| new.clone())
        else {
            continue;
        };
        let child = fresh(
            descendant,
            descendant["name"].as_str().unwrap_or_default(),
            &new_parent,
        );
        store.put(ITEM, &to.id, id_of(&child), &child).await?;
        copy_content(store, from, descendant, to, &child).await?;
        copied.push((id_of(descendant).to_owned(), child));
    }
    Ok(top)
}

async fn copy_content(
    store: &Store,
    from: &Drive,
    original: &Value,
    to: &Drive,
    copy: &Value,
) -> GraphResult<()> {
    if let Some(bytes) = store
        .kv_get(&content_key(&from.id, id_of(original)))
        .await?
    {
        store
            .kv_put(&content_key(&to.id, id_of(copy)), &bytes)
            .await?;
    }
    Ok(())
}

/// A new file with `bytes` in `parent`.
pub async fn create_file(
    store: &Store,
    drive: &Drive,
    parent: &Value,
    name: &str,
    bytes: &[u8],
    stamp: &Stamp,
) -> GraphResult<Value> {
    let item = new_item(
        drive,
        &new_item_id(),
        name,
        Some(parent),
        &Facet::File(bytes),
        stamp,
    );
    store
        .kv_put(&content_key(&drive.id, id_of(&item)), bytes)
        .await?;
    insert(store, drive, &item).await?;
    Ok(item)
}

/// New contents for an existing file.
pub async fn replace_content(
    store: &Store,
    drive: &Drive,
    file: &Value,
    bytes: &[u8],
    stamp: &Stamp,
) -> GraphResult<Value> {
    if is_folder(file) {
        return Err(invalid_request("A folder has no content to replace."));
    }
    let mut updated = file.clone();
    updated["size"] = json!(bytes.len());
    updated["file"]["hashes"] = json!({"quickXorHash": quick_xor_hash(bytes)});
    touch(&mut updated, stamp);
    store
        .kv_put(&content_key(&drive.id, id_of(&updated)), bytes)
        .await?;
    store
        .put(ITEM, &drive.id, id_of(&updated), &updated)
        .await?;
    let growth = size_of(&updated) - size_of(file);
    adjust_ancestors(store, drive, parent_id_of(file), 0, growth).await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_ids_name_their_owner() {
        let id = team_drive_id("team-1");
        assert!(id.starts_with("b!"));
        assert_eq!(owner_of(&id), Some(Owner::Team("team-1".into())));
        assert_eq!(
            owner_of(&personal_drive_id("u-1")),
            Some(Owner::User("u-1".into()))
        );
        assert_eq!(owner_of("b!bm9wZQ"), None);
        assert_eq!(owner_of("nope"), None);
    }

    #[test]
    fn touching_bumps_both_tags() {
        let mut item = json!({"eTag": "\"{AB},1\"", "cTag": "\"c:{AB},7\"", "fileSystemInfo": {}});
        let stamp = Stamp {
            at: "2026-01-01T00:00:00Z".into(),
            by: json!({}),
        };
        touch(&mut item, &stamp);
        assert_eq!(item["eTag"], "\"{AB},2\"");
        assert_eq!(item["cTag"], "\"c:{AB},8\"");
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("Roadmap 2026.md").is_ok());
        for bad in ["", " lead", "a:b", "what?", "CON", "~$lock.docx"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
