//! Resource scopes: which teams, channels, chats, mail domains and folders a write may touch.
//!
//! Operations never check scopes themselves. Every reference they resolve goes through `refs`,
//! which reports the resolved [`Target`] to the call's context; the policy checks it there, before
//! any write is sent. Mail recipients and file paths, which are not references, are reported with
//! one call (`ctx.note(Target::MailRecipient { … })`). A scope entry may be written the way a
//! person names the thing (`Platform`, `Platform/General`, a chat topic) — it is resolved with the
//! same rules as the command line — or as an id.
//!
//! A list that is absent leaves its kind unrestricted. A channel is in scope when it is listed
//! under `channels` or its team under `teams`.

use super::glob::Glob;
use crate::ctx::Ctx;
use crate::refs;

/// Something an operation acts on, as resolved to ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Team {
        id: String,
    },
    Channel {
        team_id: String,
        channel_id: String,
    },
    Chat {
        id: String,
    },
    User {
        id: String,
    },
    /// A mail recipient's address (to, cc or bcc).
    MailRecipient {
        address: String,
    },
    /// A file or folder path in a drive (`/Reports/q1.xlsx`).
    File {
        path: String,
    },
    /// A calendar event or occurrence, by its Outlook id.
    Event {
        id: String,
    },
    /// A Teams online meeting, by its Graph id.
    Meeting {
        id: String,
    },
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Team { .. } => "team",
            Target::Channel { .. } => "channel",
            Target::Chat { .. } => "chat",
            Target::User { .. } => "user",
            Target::MailRecipient { .. } => "mail_recipient",
            Target::File { .. } => "file",
            Target::Event { .. } => "event",
            Target::Meeting { .. } => "meeting",
        }
    }
}

/// The scopes of a policy; `None` leaves a kind unrestricted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scopes {
    pub teams: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    pub chats: Option<Vec<String>>,
    pub mail_domains: Option<Vec<Glob>>,
    pub folders: Option<Vec<String>>,
}

impl Scopes {
    /// `None` when `target` is in scope, else the name of the scope that leaves it out.
    pub async fn excludes(&self, ctx: &Ctx, target: &Target) -> Option<&'static str> {
        if let Some(answer) = self.excludes_offline(target) {
            return answer;
        }
        match target {
            Target::Team { id } => match &self.teams {
                Some(teams) if !team_listed(ctx, teams, id).await => Some("teams"),
                _ => None,
            },
            Target::Channel {
                team_id,
                channel_id,
            } => {
                if self.teams.is_none() && self.channels.is_none() {
                    None
                } else if let Some(teams) = &self.teams
                    && team_listed(ctx, teams, team_id).await
                {
                    None
                } else if let Some(channels) = &self.channels
                    && channel_listed(ctx, channels, team_id, channel_id).await
                {
                    None
                } else if self.channels.is_some() {
                    Some("channels")
                } else {
                    Some("teams")
                }
            }
            Target::Chat { id } => match &self.chats {
                Some(chats) if !chat_listed(ctx, chats, id).await => Some("chats"),
                _ => None,
            },
            Target::User { .. }
            | Target::MailRecipient { .. }
            | Target::File { .. }
            | Target::Event { .. }
            | Target::Meeting { .. } => None,
        }
    }

    /// [`Scopes::excludes`] for the targets that need no Graph lookup (users, mail recipients,
    /// files); `None` for the others.
    pub fn excludes_offline(&self, target: &Target) -> Option<Option<&'static str>> {
        match target {
            // No scope lists calendars or meetings: invitations are checked as mail recipients.
            Target::User { .. } | Target::Event { .. } | Target::Meeting { .. } => Some(None),
            Target::MailRecipient { address } => Some(match &self.mail_domains {
                Some(domains) if !domain_listed(domains, address) => Some("mail_domains"),
                _ => None,
            }),
            Target::File { path } => Some(match &self.folders {
                Some(folders) if !folder_listed(folders, path) => Some("folders"),
                _ => None,
            }),
            Target::Team { .. } | Target::Channel { .. } | Target::Chat { .. } => None,
        }
    }
}

/// Entries that do not resolve (a renamed team, a chat that is gone) match nothing: a scope
/// only ever narrows what is allowed.
async fn team_listed(ctx: &Ctx, entries: &[String], team_id: &str) -> bool {
    for entry in entries {
        if entry.eq_ignore_ascii_case(team_id) {
            return true;
        }
        match refs::find_team(ctx, entry).await {
            Ok((id, _)) if id.eq_ignore_ascii_case(team_id) => return true,
            Ok(_) => {}
            Err(err) => unresolved("teams", entry, &err),
        }
    }
    false
}

async fn channel_listed(ctx: &Ctx, entries: &[String], team_id: &str, channel_id: &str) -> bool {
    for entry in entries {
        if entry == channel_id {
            return true;
        }
        match refs::find_channel(ctx, entry).await {
            Ok((team, channel)) if team.eq_ignore_ascii_case(team_id) && channel == channel_id => {
                return true;
            }
            Ok(_) => {}
            Err(err) => unresolved("channels", entry, &err),
        }
    }
    false
}

async fn chat_listed(ctx: &Ctx, entries: &[String], chat_id: &str) -> bool {
    for entry in entries {
        if entry == chat_id {
            return true;
        }
        match refs::find_chat(ctx, entry).await {
            Ok(id) if id == chat_id => return true,
            Ok(_) => {}
            Err(err) => unresolved("chats", entry, &err),
        }
    }
    false
}

fn unresolved(scope: &str, entry: &str, err: &msgate_core::Error) {
    tracing::debug!(target: "msgate::policy", "scope {scope} entry '{entry}' does not resolve: {}", err.message());
}

fn domain_listed(domains: &[Glob], address: &str) -> bool {
    let Some((_, domain)) = address.trim().rsplit_once('@') else {
        return false;
    };
    let domain = domain.trim_end_matches('>');
    domains.iter().any(|glob| glob.matches(domain))
}

/// A path's components, or `None` for a path that climbs (`..`), which is never in scope.
fn components(path: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => return None,
            part => parts.push(part.to_lowercase()),
        }
    }
    Some(parts)
}

/// Whether `path` is one of `folders` or below one (OneDrive paths ignore case).
fn folder_listed(folders: &[String], path: &str) -> bool {
    let Some(path) = components(path) else {
        return false;
    };
    folders.iter().any(|folder| {
        components(folder)
            .is_some_and(|folder| path.len() >= folder.len() && path.starts_with(&folder))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_exactly_or_by_glob() {
        let domains = vec![
            Glob::new("larkspur.example").unwrap(),
            Glob::new("*.partner.example").unwrap(),
        ];
        assert!(domain_listed(&domains, "ada@larkspur.example"));
        assert!(domain_listed(&domains, "Ada <ada@LARKSPUR.example>"));
        assert!(domain_listed(&domains, "bo@eu.partner.example"));
        assert!(!domain_listed(&domains, "bo@partner.example"));
        assert!(!domain_listed(&domains, "eve@larkspur.example.evil"));
        assert!(!domain_listed(&domains, "no-at-sign"));
    }

    #[test]
    fn folders_are_path_prefixes_by_component() {
        let folders = vec!["/Shared/Reports".to_owned()];
        assert!(folder_listed(&folders, "/Shared/Reports"));
        assert!(folder_listed(&folders, "/shared/reports/2026/q1.xlsx"));
        assert!(folder_listed(&folders, "Shared//Reports/./x"));
        assert!(!folder_listed(&folders, "/Shared/ReportsOld/x"));
        assert!(!folder_listed(&folders, "/Shared"));
        assert!(!folder_listed(&folders, "/Shared/Reports/../Secrets/x"));
        assert!(folder_listed(&["/".to_owned()], "/anything"));
    }
}
