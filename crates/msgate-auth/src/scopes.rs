//! Capability sets: the least delegated Graph permissions msgate asks for, by what the profile
//! is for.
//!
//! A profile names its capability sets (`chat`, `mail`, `teams-read`, …); sign-in requests the
//! union of their scopes plus `offline_access` (for refresh tokens), `openid` and `profile` (to
//! know who signed in) and any `--add-scope`. Nothing broader is ever requested by default, and
//! scopes that need an administrator's consent are listed as such by `auth scopes`, so a user
//! knows before signing in what their tenant must approve.
//!
//! Which permissions each operation needs comes, for now, from Microsoft's permissions reference
//! (the same file the sandbox enforces); [`operation_permissions`] is the one lookup, which the
//! operation catalog replaces once every operation declares its own.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use msgate_core::{Error, Result};
use serde_json::Value;

/// The OpenID scopes every delegated sign-in adds.
pub const OIDC_SCOPES: &[&str] = &["offline_access", "openid", "profile"];

#[derive(Debug)]
pub struct CapabilitySet {
    pub name: &'static str,
    pub summary: &'static str,
    /// The least privileged delegated permissions that cover the set's operations.
    pub scopes: &'static [&'static str],
    /// Operations of the set: `METHOD /path` keys of the permissions reference that start with
    /// one of these (`* /path` for any method)…
    operations: &'static [&'static str],
    /// …except those that start with one of these (they belong to another set).
    except: &'static [&'static str],
}

pub const CAPABILITY_SETS: &[CapabilitySet] = &[
    CapabilitySet {
        name: "chat",
        summary: "your chats: read, send, react, pin, rename, members",
        scopes: &["Chat.ReadWrite", "ChatMessage.Send", "Chat.Create"],
        operations: &["* /chats", "GET /me/chats"],
        except: &[],
    },
    CapabilitySet {
        name: "teams-read",
        summary: "teams you belong to, their channels, members and messages",
        scopes: &[
            "Team.ReadBasic.All",
            "Channel.ReadBasic.All",
            "ChannelMessage.Read.All",
            "TeamMember.Read.All",
            "ChannelMember.Read.All",
        ],
        operations: &["GET /me/joinedTeams", "GET /teams/"],
        except: &["GET /teams/{id}/channels/{id_1}/filesFolder"],
    },
    CapabilitySet {
        name: "teams-write",
        summary: "post and manage channel messages, channels and team settings",
        scopes: &[
            "ChannelMessage.Send",
            "ChannelMessage.ReadWrite",
            "Channel.Create",
            "ChannelSettings.ReadWrite.All",
            "TeamSettings.ReadWrite.All",
            "TeamsActivity.Send",
        ],
        operations: &["POST /teams/", "PATCH /teams/", "DELETE /teams/"],
        except: &[],
    },
    CapabilitySet {
        name: "mail",
        summary: "your mailbox: read, draft, send, move",
        scopes: &["Mail.ReadWrite", "Mail.Send"],
        operations: &["* /me/messages", "* /me/mailFolders", "POST /me/sendMail"],
        except: &[],
    },
    CapabilitySet {
        name: "calendar",
        summary: "your calendar: events, invitations, free/busy, meeting times",
        scopes: &["Calendars.ReadWrite", "Calendars.Read.Shared"],
        operations: &[
            "* /me/events",
            "* /me/calendar",
            "POST /me/findMeetingTimes",
        ],
        except: &[],
    },
    CapabilitySet {
        name: "files",
        summary: "your OneDrive files",
        scopes: &["Files.ReadWrite"],
        operations: &["* /me/drive", "GET /teams/{id}/channels/{id_1}/filesFolder"],
        except: &[],
    },
    CapabilitySet {
        name: "meetings",
        summary: "your online meetings, transcripts, recordings and attendance",
        scopes: &[
            "OnlineMeetings.ReadWrite",
            "OnlineMeetingArtifact.Read.All",
            "OnlineMeetingTranscript.Read.All",
            "OnlineMeetingRecording.Read.All",
        ],
        operations: &["* /me/onlineMeetings", "GET /users/{id}/onlineMeetings"],
        except: &[],
    },
    CapabilitySet {
        name: "presence",
        summary: "your presence and that of colleagues",
        scopes: &["Presence.ReadWrite", "Presence.Read.All"],
        operations: &[
            "* /me/presence",
            "* /users/{id}/presence",
            "POST /communications/getPresencesByUserId",
        ],
        except: &[],
    },
    CapabilitySet {
        name: "people",
        summary: "colleagues: directory lookup, relevant people, contacts",
        scopes: &["User.ReadBasic.All", "People.Read", "Contacts.ReadWrite"],
        operations: &["GET /users", "GET /me/people", "* /me/contacts"],
        except: &["GET /users/{id}/presence", "GET /users/{id}/onlineMeetings"],
    },
    CapabilitySet {
        name: "tasks",
        summary: "your To Do lists and tasks",
        scopes: &["Tasks.ReadWrite"],
        operations: &["* /me/todo"],
        except: &[],
    },
];

/// The sets a new profile gets: chats and people, nothing that needs an administrator.
pub const DEFAULT_CAPABILITIES: &[&str] = &["chat", "people"];

/// Every delegated sign-in can read the signed-in user's own profile.
const BASE_SCOPES: &[&str] = &["User.Read"];

pub fn find(name: &str) -> Result<&'static CapabilitySet> {
    CAPABILITY_SETS
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            Error::usage(format!("unknown capability set '{name}'")).with_hint(format!(
                "choose from: {}",
                CAPABILITY_SETS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// The Graph permissions to request for `capabilities` plus `extra` (`--add-scope`): bare
/// names, sorted, without duplicates.
pub fn graph_scopes(capabilities: &[String], extra: &[String]) -> Result<Vec<String>> {
    let mut scopes: BTreeSet<String> = BASE_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    for name in capabilities {
        scopes.extend(find(name)?.scopes.iter().map(|s| (*s).to_owned()));
    }
    scopes.extend(extra.iter().map(|s| bare(s).to_owned()));
    Ok(scopes.into_iter().collect())
}

/// A scope without the Graph resource prefix (`https://graph.microsoft.com/Chat.Read` →
/// `Chat.Read`).
pub fn bare(scope: &str) -> &str {
    scope
        .strip_prefix("https://")
        .and_then(|rest| rest.split_once('/'))
        .map(|(_, name)| name)
        .unwrap_or(scope)
}

/// What an operation needs: any one of `allowed` (least privileged first), and which of those
/// need an administrator's consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationPermissions {
    pub allowed: Vec<String>,
    pub admin_consent: Vec<String>,
}

const REFERENCE: &str = include_str!("../../msgate-sandbox/data/graph-permissions.json");

static TABLE: LazyLock<BTreeMap<String, OperationPermissions>> = LazyLock::new(|| {
    let parsed: Value = serde_json::from_str(REFERENCE).unwrap_or(Value::Null);
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect()
    };
    parsed
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(operation, entry)| {
            let delegated = entry.get("delegated_work")?.as_object()?;
            let mut allowed = names(&delegated["least"]);
            allowed.extend(names(&delegated["higher"]));
            Some((
                operation.clone(),
                OperationPermissions {
                    allowed,
                    admin_consent: names(&delegated["admin_consent"]),
                },
            ))
        })
        .collect()
});

/// The delegated permissions that allow `operation` (`GET /me/chats`). The operation catalog
/// replaces this lookup when operations declare their permissions themselves.
pub fn operation_permissions(operation: &str) -> Option<&'static OperationPermissions> {
    TABLE.get(operation)
}

/// The reference's operations that belong to `set`.
pub fn operations(set: &CapabilitySet) -> Vec<&'static str> {
    TABLE
        .keys()
        .filter(|op| set.operations.iter().any(|prefix| matches(prefix, op)))
        .filter(|op| !set.except.iter().any(|prefix| matches(prefix, op)))
        .map(String::as_str)
        .collect()
}

fn matches(prefix: &str, operation: &str) -> bool {
    match prefix.strip_prefix("* ") {
        Some(path) => operation
            .split_once(' ')
            .is_some_and(|(_, op_path)| op_path.starts_with(path)),
        None => operation.starts_with(prefix),
    }
}

/// Whether a permission needs an administrator's consent in a work tenant.
pub fn needs_admin_consent(permission: &str) -> bool {
    TABLE
        .values()
        .any(|p| p.admin_consent.iter().any(|a| a == permission))
}

/// Every form of `permission` Graph accepts in its place (`Chat.Read` is also granted by
/// `Chat.ReadWrite`).
pub fn satisfied_by(permission: &str, held: &BTreeSet<String>) -> bool {
    let (base, all) = match permission.strip_suffix(".All") {
        Some(base) => (base, ".All"),
        None => (permission, ""),
    };
    let mut forms = vec![permission.to_owned()];
    if let Some(family) = base.strip_suffix(".ReadBasic") {
        forms.push(format!("{family}.Read{all}"));
        forms.push(format!("{family}.ReadWrite{all}"));
    } else if let Some(family) = base.strip_suffix(".Read") {
        forms.push(format!("{family}.ReadWrite{all}"));
    }
    forms.iter().any(|f| held.contains(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known_permissions() -> BTreeSet<String> {
        TABLE
            .values()
            .flat_map(|p| p.allowed.iter().chain(&p.admin_consent).cloned())
            .collect()
    }

    #[test]
    fn every_scope_of_every_set_is_a_delegated_permission_in_the_reference() {
        let known = known_permissions();
        for set in CAPABILITY_SETS {
            for scope in set.scopes {
                assert!(
                    known.contains(*scope),
                    "{}: {scope} is not in the permissions reference",
                    set.name
                );
            }
            assert!(
                !operations(set).is_empty(),
                "{} has no operations",
                set.name
            );
        }
        for scope in BASE_SCOPES {
            assert!(known.contains(*scope));
        }
    }

    #[test]
    fn each_sets_scopes_cover_its_operations_or_the_gap_is_admin_only() {
        let mut gaps = Vec::new();
        for set in CAPABILITY_SETS {
            let held: BTreeSet<String> = set.scopes.iter().map(|s| (*s).to_owned()).collect();
            for op in operations(set) {
                let needed = operation_permissions(op).unwrap();
                let covered = needed.allowed.is_empty()
                    || needed.allowed.iter().any(|p| satisfied_by(p, &held));
                let admin_only = needed.allowed.iter().all(|p| needs_admin_consent(p));
                if !(covered || admin_only) {
                    gaps.push(format!(
                        "{}: {op} needs one of {:?}",
                        set.name, needed.allowed
                    ));
                }
            }
        }
        assert!(gaps.is_empty(), "{gaps:#?}");
    }

    #[test]
    fn defaults_need_no_admin_consent() {
        let scopes = graph_scopes(
            &DEFAULT_CAPABILITIES
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>(),
            &[],
        )
        .unwrap();
        let admin: Vec<&String> = scopes.iter().filter(|s| needs_admin_consent(s)).collect();
        assert!(admin.is_empty(), "{admin:?}");
        assert!(scopes.contains(&"Chat.ReadWrite".to_owned()));
    }

    #[test]
    fn scopes_are_unioned_and_prefixes_dropped() {
        let scopes = graph_scopes(
            &["mail".to_owned()],
            &["https://graph.microsoft.com/Tasks.Read".to_owned()],
        )
        .unwrap();
        assert_eq!(
            scopes,
            ["Mail.ReadWrite", "Mail.Send", "Tasks.Read", "User.Read"]
        );
        assert!(graph_scopes(&["nope".to_owned()], &[]).is_err());
    }
}
