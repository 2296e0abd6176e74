//! How Graph names drive items besides by id: paths after a colon (`/me/drive/root:/a/b.txt`,
//! `/me/drive/items/{id}:/b.txt:/content`) and OData function calls (`root/search(q='x')`).
//!
//! axum's router cannot match a segment by what follows a colon, so [`canonical`] rewrites such
//! a path, before routing, to the item-id form of the same operation: the item reference goes
//! into the `{id_1}` segment (`root:/a/b.txt`, percent-encoded so it stays one segment), and the
//! tail after the closing colon stays as it is. `GET /me/drive/root:/a:/children` is thus routed,
//! and authorized, as `GET /me/drive/items/{id_1}/children`; [`Reference`] reads the segment back.

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;

/// The routed form of the drive search function: every spelling of `search(q='…')` becomes
/// the OData parameter-alias form, with the text in the `@q` query option.
pub const SEARCH_SEGMENT: &str = "search(q=@q)";

/// Rewrite a path-addressed drive request to its item-id form; other requests pass untouched.
pub fn rewrite(mut request: Request) -> Request {
    let uri = request.uri();
    let Some((path, query)) = canonical(uri.path(), uri.query()) else {
        return request;
    };
    let path_and_query = match query {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    if let Ok(path_and_query) = path_and_query.parse::<PathAndQuery>() {
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// The item-id form of `path` (below /v1.0) and its query, when `path` addresses an item by path
/// or calls the search function; `None` when it needs no rewriting.
pub fn canonical(path: &str, query: Option<&str>) -> Option<(String, Option<String>)> {
    let (base, rest) = split_drive(path)?;
    if let Some(call) = rest.strip_prefix("root/search(") {
        let text = call.strip_suffix(')')?.strip_prefix("q=")?;
        if text == "@q" {
            return None;
        }
        // A `+` in a path is a plus; in a query it would be a space.
        let alias = format!("@q={}", text.replace('+', "%2B"));
        let query = match query {
            Some(q) if !q.is_empty() => format!("{q}&{alias}"),
            _ => alias,
        };
        return Some((format!("{base}/root/{SEARCH_SEGMENT}"), Some(query)));
    }
    let (anchor, after) = match rest.strip_prefix("root:") {
        Some(after) => ("root", after),
        None => {
            let (id, after) = rest.strip_prefix("items/")?.split_once(':')?;
            if id.is_empty() || id.contains('/') {
                return None;
            }
            (id, after)
        }
    };
    let (relative, tail) = after.split_once(':').unwrap_or((after, ""));
    if !tail.is_empty() && !tail.starts_with('/') {
        return None;
    }
    let reference = format!("{anchor}:{relative}").replace('/', "%2F");
    Some((
        format!("{base}/items/{reference}{tail}"),
        query.map(str::to_owned),
    ))
}

/// `("/me/drive", "root:/a")` or `("/drives/{id}", "items/x:/b")`.
fn split_drive(path: &str) -> Option<(String, &str)> {
    if let Some(rest) = path.strip_prefix("/me/drive/") {
        return Some(("/me/drive".to_owned(), rest));
    }
    let rest = path.strip_prefix("/drives/")?;
    let (drive, rest) = rest.split_once('/')?;
    Some((format!("/drives/{drive}"), rest))
}

/// An item as a route's `{id_1}` names it: an id (or `root`), optionally followed by a path
/// below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub anchor: String,
    /// Path components below the anchor, in order; empty for the anchor itself.
    pub path: Vec<String>,
}

impl Reference {
    pub fn parse(segment: &str) -> Reference {
        match segment.split_once(':') {
            Some((anchor, path)) => Reference {
                anchor: anchor.to_owned(),
                path: path
                    .split('/')
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
            None => Reference {
                anchor: segment.to_owned(),
                path: Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(path: &str) -> String {
        canonical(path, None).map(|(p, _)| p).unwrap_or_default()
    }

    #[test]
    fn paths_become_item_references() {
        assert_eq!(
            rewritten("/me/drive/root:/Folder/File.txt"),
            "/me/drive/items/root:%2FFolder%2FFile.txt"
        );
        assert_eq!(
            rewritten("/me/drive/root:/Folder:/children"),
            "/me/drive/items/root:%2FFolder/children"
        );
        assert_eq!(
            rewritten("/me/drive/items/01AB:/name.txt:/content"),
            "/me/drive/items/01AB:%2Fname.txt/content"
        );
        assert_eq!(
            rewritten("/drives/b!x-y/items/01AB:/big.bin:/createUploadSession"),
            "/drives/b!x-y/items/01AB:%2Fbig.bin/createUploadSession"
        );
        assert_eq!(rewritten("/me/drive/root:"), "/me/drive/items/root:");
        assert_eq!(canonical("/me/drive/items/01AB/children", None), None);
        assert_eq!(canonical("/me/drive/root/children", None), None);
        assert_eq!(canonical("/me/messages", None), None);
    }

    #[test]
    fn search_calls_use_a_parameter_alias() {
        let (path, query) =
            canonical("/me/drive/root/search(q='road+map')", Some("$top=2")).unwrap_or_default();
        assert_eq!(path, "/me/drive/root/search(q=@q)");
        assert_eq!(query.as_deref(), Some("$top=2&@q='road%2Bmap'"));
        assert_eq!(
            canonical("/me/drive/root/search(q=@q)", Some("@q='x'")),
            None
        );
    }

    #[test]
    fn references_split_anchor_and_path() {
        assert_eq!(
            Reference::parse("root:/A/B.txt"),
            Reference {
                anchor: "root".into(),
                path: vec!["A".into(), "B.txt".into()]
            }
        );
        assert_eq!(Reference::parse("01AB").path, Vec::<String>::new());
    }
}
