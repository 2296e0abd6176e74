//! Which Graph permissions allow which operation, from Microsoft's permissions reference.
//!
//! `data/graph-permissions.json` is `shared/graph/permissions.json`: for each operation
//! (`"GET /chats/{id}/messages"`), the least and higher privileged permissions per scheme. The
//! reference sometimes lists only the read form of a permission family, while Graph also accepts
//! the broader forms (`X.ReadWrite` where `X.Read` is listed), so [`accepted`] widens each entry
//! the way Graph does.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use serde_json::Value;

const REFERENCE: &str = include_str!("../data/graph-permissions.json");

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Delegated,
    Application,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The token lacks every permission that would allow the operation; these would.
    Deny(Vec<String>),
    /// The operation cannot be called with this kind of token at all.
    Unsupported,
}

struct Entry {
    delegated: Option<Vec<String>>,
    application: Option<Vec<String>>,
}

/// Operations the reference leaves out or gets wrong, from each operation's Graph documentation
/// page: (operation, delegated, application). `None` means the scheme is not supported.
type Override = (
    &'static str,
    Option<&'static [&'static str]>,
    Option<&'static [&'static str]>,
);
/// What the drive item pages list for reading and writing files, least privileged first.
const FILES_READ: &[&str] = &[
    "Files.Read",
    "Files.ReadWrite",
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
];
const FILES_READ_APP: &[&str] = &[
    "Files.Read.All",
    "Files.ReadWrite.All",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
];
const FILES_WRITE: &[&str] = &[
    "Files.ReadWrite",
    "Files.ReadWrite.All",
    "Sites.ReadWrite.All",
];
const FILES_WRITE_APP: &[&str] = &["Files.ReadWrite.All", "Sites.ReadWrite.All"];
/// https://learn.microsoft.com/graph/api/user-list-manager: reading a manager, one's own included.
const READ_MANAGER: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// What the channel message pages list for reading a message in a channel.
const CHANNEL_MESSAGE_READ: &[&str] = &[
    "ChannelMessage.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
];
const CHANNEL_MESSAGE_READ_APP: &[&str] = &[
    "ChannelMessage.Read.Group",
    "ChannelMessage.Read.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
];
const OVERRIDES: &[Override] = &[
    ("GET /me/manager", Some(READ_MANAGER), None),
    (
        "GET /users/{id}/manager",
        Some(READ_MANAGER),
        Some(READ_MANAGER),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-post-children: create a folder.
    (
        "POST /me/drive/root/children",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "POST /me/drive/items/{id_1}/children",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "POST /drives/{id}/items/{id_1}/children",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-search: `search(q='…')`, routed in its
    // parameter-alias form.
    (
        "GET /me/drive/root/search(q=@q)",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    // https://learn.microsoft.com/graph/api/drive-get
    ("GET /drives/{id}", Some(FILES_READ), Some(FILES_READ_APP)),
    // A drive's root, its children and its search, as the pages for /me/drive list them:
    // driveitem-get, driveitem-list-children, driveitem-post-children, driveitem-search.
    (
        "GET /drives/{id}/root",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    (
        "GET /drives/{id}/root/children",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    (
        "POST /drives/{id}/root/children",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "GET /drives/{id}/root/search(q=@q)",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-update, driveitem-move, driveitem-delete,
    // driveitem-copy, driveitem-createlink and driveitem-list-permissions: the same on any drive.
    (
        "PATCH /drives/{id}/items/{id_1}",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "DELETE /drives/{id}/items/{id_1}",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "POST /drives/{id}/items/{id_1}/copy",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "POST /drives/{id}/items/{id_1}/createLink",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "GET /drives/{id}/items/{id_1}/permissions",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-get
    (
        "GET /drives/{id}/items/{id_1}",
        Some(&[
            "Files.Read",
            "Files.ReadWrite",
            "Files.Read.All",
            "Files.ReadWrite.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            "Sites.Read.All",
            "Sites.ReadWrite.All",
        ]),
        Some(&[
            "Files.Read.All",
            "Files.ReadWrite.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
            "Sites.Read.All",
            "Sites.ReadWrite.All",
        ]),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-list-children
    (
        "GET /drives/{id}/items/{id_1}/children",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-get-content
    (
        "GET /drives/{id}/items/{id_1}/content",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-put-content
    (
        "PUT /drives/{id}/items/{id_1}/content",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-createuploadsession
    (
        "POST /drives/{id}/items/{id_1}/createUploadSession",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-invite
    (
        "POST /me/drive/items/{id_1}/invite",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    (
        "POST /drives/{id}/items/{id_1}/invite",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    // https://learn.microsoft.com/graph/api/shares-get: an item by its sharing token.
    (
        "GET /shares/{id}/driveItem",
        Some(FILES_WRITE),
        Some(FILES_WRITE_APP),
    ),
    // https://learn.microsoft.com/graph/api/driveitem-get-content (`/shares/…/driveItem/content`).
    (
        "GET /shares/{id}/driveItem/content",
        Some(FILES_READ),
        Some(FILES_READ_APP),
    ),
    // https://learn.microsoft.com/graph/api/chatmessage-update: senders edit with delegated rights.
    (
        "PATCH /teams/{id}/channels/{id_1}/messages/{id_2}",
        Some(&["ChannelMessage.ReadWrite", "Group.ReadWrite.All"]),
        Some(&[
            "ChannelMessage.UpdatePolicyViolation.All",
            "Teamwork.Migrate.All",
        ]),
    ),
    // Replies in a channel thread take what their post takes: chatmessage-get ("Get a reply to
    // a message in a channel"), chatmessage-update, chatmessage-softdelete,
    // chatmessage-undosoftdelete, chatmessage-setreaction, chatmessage-unsetreaction and
    // chatmessagehostedcontent-list / -get.
    (
        "GET /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}",
        Some(CHANNEL_MESSAGE_READ),
        Some(CHANNEL_MESSAGE_READ_APP),
    ),
    (
        "PATCH /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}",
        Some(&["ChannelMessage.ReadWrite", "Group.ReadWrite.All"]),
        Some(&[
            "ChannelMessage.UpdatePolicyViolation.All",
            "Teamwork.Migrate.All",
        ]),
    ),
    (
        "POST /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/softDelete",
        Some(&["ChannelMessage.ReadWrite"]),
        None,
    ),
    (
        "POST /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/undoSoftDelete",
        Some(&["ChannelMessage.ReadWrite"]),
        None,
    ),
    (
        "POST /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/setReaction",
        Some(&["ChannelMessage.Send"]),
        None,
    ),
    (
        "POST /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/unsetReaction",
        Some(&["ChannelMessage.Send"]),
        None,
    ),
    (
        "GET /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/hostedContents",
        Some(CHANNEL_MESSAGE_READ),
        Some(CHANNEL_MESSAGE_READ_APP),
    ),
    (
        "GET /teams/{id}/channels/{id_1}/messages/{id_2}/replies/{id_3}/hostedContents/{id_4}/$value",
        Some(CHANNEL_MESSAGE_READ),
        Some(CHANNEL_MESSAGE_READ_APP),
    ),
    // https://learn.microsoft.com/graph/api/chatmessage-delta
    (
        "GET /chats/{id}/messages/delta",
        Some(&["Chat.Read", "Chat.ReadWrite"]),
        Some(&["Chat.Read.All", "Chat.ReadWrite.All"]),
    ),
    // https://learn.microsoft.com/graph/api/chatmessagehostedcontent-get
    (
        "GET /chats/{id}/messages/{id_1}/hostedContents/{id_2}/$value",
        Some(&[
            "Chat.Read",
            "Chat.ReadWrite",
            "Group.Read.All",
            "Group.ReadWrite.All",
        ]),
        Some(&[
            "ChatMessage.Read.Chat",
            "Chat.Read.All",
            "Chat.ReadWrite.All",
        ]),
    ),
    (
        "GET /teams/{id}/channels/{id_1}/messages/{id_2}/hostedContents/{id_3}/$value",
        Some(&[
            "ChannelMessage.Read.All",
            "Group.Read.All",
            "Group.ReadWrite.All",
        ]),
        Some(&[
            "ChannelMessage.Read.Group",
            "ChannelMessage.Read.All",
            "Group.Read.All",
        ]),
    ),
    // https://learn.microsoft.com/graph/api/attachment-get ("Get the raw contents of a file
    // attachment on a message").
    (
        "GET /me/messages/{id_1}/attachments/{id_2}/$value",
        Some(&["Mail.Read"]),
        Some(&["Mail.Read"]),
    ),
    // https://learn.microsoft.com/graph/api/attachment-createuploadsession
    (
        "POST /me/messages/{id_1}/attachments/createUploadSession",
        Some(&["Mail.ReadWrite"]),
        Some(&["Mail.ReadWrite"]),
    ),
    // https://learn.microsoft.com/graph/api/user-post-mailfolders
    (
        "POST /me/mailFolders",
        Some(&["Mail.ReadWrite"]),
        Some(&["Mail.ReadWrite"]),
    ),
    // https://learn.microsoft.com/graph/api/mailfolder-post-childfolders
    (
        "POST /me/mailFolders/{id_1}/childFolders",
        Some(&["Mail.ReadWrite"]),
        Some(&["Mail.ReadWrite"]),
    ),
    // https://learn.microsoft.com/graph/api/calltranscript-get (example 4): a transcript's
    // metadata content needs what its content needs.
    (
        "GET /me/onlineMeetings/{id_1}/transcripts/{id_2}/metadataContent",
        Some(&["OnlineMeetingTranscript.Read.All"]),
        None,
    ),
];

/// Operations with no permission of their own: `$batch` authorizes each item on its own.
const AUTHORIZED_PER_ITEM: &[&str] = &["POST /$batch"];

/// Operations whose permission depends on the resource named in the body or the stored entity,
/// decided by their handlers: subscriptions need what reading the subscribed resource needs
/// (https://learn.microsoft.com/graph/api/subscription-post-subscriptions), a search what each
/// entity type searched needs
/// (https://learn.microsoft.com/graph/api/resources/search-api-overview).
const AUTHORIZED_BY_HANDLER: &[&str] = &[
    "POST /search/query",
    "GET /subscriptions",
    "POST /subscriptions",
    "GET /subscriptions/{id}",
    "PATCH /subscriptions/{id}",
    "DELETE /subscriptions/{id}",
    "POST /subscriptions/{id}/reauthorize",
];

static TABLE: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    let parsed: Value = serde_json::from_str(REFERENCE).unwrap_or(Value::Null);
    let scheme = |v: &Value| -> Option<Vec<String>> {
        let obj = v.as_object()?;
        let names = ["least", "higher"]
            .iter()
            .flat_map(|k| {
                obj.get(*k)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        Some(names)
    };
    let owned = |names: Option<&[&str]>| names.map(|n| n.iter().map(|s| (*s).to_owned()).collect());
    let mut table: HashMap<String, Entry> = parsed
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(_, v)| v.get("notes").is_none())
                .map(|(op, v)| {
                    let entry = Entry {
                        delegated: scheme(&v["delegated_work"]),
                        application: scheme(&v["application"]),
                    };
                    (op.clone(), entry)
                })
                .collect()
        })
        .unwrap_or_default();
    for (operation, delegated, application) in OVERRIDES {
        let entry = Entry {
            delegated: owned(*delegated),
            application: owned(*application),
        };
        table.insert((*operation).to_owned(), entry);
    }
    table
});

/// The permissions named for `operation` (`"GET /me"`) under `scheme`, least privileged first;
/// `None` when there is no entry for it.
pub fn listed(operation: &str, scheme: Scheme) -> Option<Option<&'static [String]>> {
    let entry = TABLE.get(operation)?;
    Some(match scheme {
        Scheme::Delegated => entry.delegated.as_deref(),
        Scheme::Application => entry.application.as_deref(),
    })
}

/// Every form of `permission` Graph accepts in its place.
pub fn accepted(permission: &str) -> Vec<String> {
    let mut forms = vec![permission.to_owned()];
    let (base, all) = match permission.strip_suffix(".All") {
        Some(base) => (base, ".All"),
        None => (permission, ""),
    };
    if let Some(family) = base.strip_suffix(".ReadBasic") {
        forms.push(format!("{family}.Read{all}"));
        forms.push(format!("{family}.ReadWrite{all}"));
    } else if let Some(family) = base.strip_suffix(".Read") {
        forms.push(format!("{family}.ReadWrite{all}"));
    }
    forms
}

/// Decide whether a token holding `granted` may call `operation`. An operation nobody wrote a
/// permission down for is refused: the sandbox fails closed, like the product.
pub fn decide(operation: &str, scheme: Scheme, granted: &BTreeSet<String>) -> Decision {
    if AUTHORIZED_PER_ITEM.contains(&operation) || AUTHORIZED_BY_HANDLER.contains(&operation) {
        return Decision::Allow;
    }
    match listed(operation, scheme) {
        None => Decision::Unsupported,
        Some(needed) => decide_among(needed, granted),
    }
}

/// Decide whether `granted` holds one of `needed` (or a broader form); `None` means the scheme
/// is not supported at all.
pub fn decide_among<S: AsRef<str>>(needed: Option<&[S]>, granted: &BTreeSet<String>) -> Decision {
    let Some(needed) = needed else {
        return Decision::Unsupported;
    };
    if needed
        .iter()
        .flat_map(|p| accepted(p.as_ref()))
        .any(|p| granted.contains(&p))
    {
        Decision::Allow
    } else {
        Decision::Deny(needed.iter().map(|p| p.as_ref().to_owned()).collect())
    }
}

/// Every permission name the reference knows for `scheme`, with the broader forms Graph accepts.
pub fn all_known(scheme: Scheme) -> BTreeSet<String> {
    TABLE
        .values()
        .filter_map(|e| match scheme {
            Scheme::Delegated => e.delegated.as_ref(),
            Scheme::Application => e.application.as_ref(),
        })
        .flatten()
        .flat_map(|p| accepted(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_reference_is_loaded() {
        assert!(TABLE.len() > 100, "{}", TABLE.len());
        assert_eq!(
            listed("GET /me", Scheme::Delegated)
                .flatten()
                .map(|l| l[0].as_str()),
            Some("User.Read")
        );
    }

    #[test]
    fn broader_forms_are_accepted() {
        assert_eq!(accepted("Chat.Read"), ["Chat.Read", "Chat.ReadWrite"]);
        assert_eq!(
            accepted("User.ReadBasic.All"),
            ["User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All"]
        );
        assert_eq!(
            decide(
                "GET /chats/{id}/messages",
                Scheme::Delegated,
                &set(&["Chat.ReadWrite"])
            ),
            Decision::Allow
        );
    }

    #[test]
    fn missing_permissions_are_named() {
        let Decision::Deny(needed) = decide(
            "GET /chats/{id}/messages",
            Scheme::Delegated,
            &set(&["User.Read"]),
        ) else {
            panic!("expected a denial");
        };
        assert!(needed.iter().any(|p| p == "Chat.Read"), "{needed:?}");
    }

    #[test]
    fn unknown_operations_fail_closed_and_overrides_apply() {
        let everything = all_known(Scheme::Delegated);
        assert_eq!(
            decide("GET /not/an/operation", Scheme::Delegated, &everything),
            Decision::Unsupported
        );
        assert_eq!(
            decide("POST /$batch", Scheme::Delegated, &set(&[])),
            Decision::Allow
        );
        assert_eq!(
            decide(
                "PATCH /teams/{id}/channels/{id_1}/messages/{id_2}",
                Scheme::Delegated,
                &set(&["ChannelMessage.ReadWrite"])
            ),
            Decision::Allow
        );
    }

    #[test]
    fn unsupported_schemes_are_told_apart() {
        assert_eq!(
            decide(
                "GET /users/{id}/onlineMeetings/getAllTranscripts",
                Scheme::Delegated,
                &set(&[])
            ),
            Decision::Unsupported
        );
    }
}
