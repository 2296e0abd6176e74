//! What the catalog knows about an operation besides its code: the facts every face and the
//! policy engine read — its dotted name, what it does in one line, how much harm it can do,
//! whether repeating it is safe, and which Graph permissions allow it.

use serde::Serialize;

/// How much an operation can change. The policy engine's presets are defined on it, the MCP
/// server derives its tool annotations from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Reads only.
    Read,
    /// Creates or changes something that can be changed back (send, edit, react).
    Write,
    /// Removes, archives or takes away access: hard or impossible to undo.
    Destructive,
}

impl Risk {
    pub const ALL: [Risk; 3] = [Risk::Read, Risk::Write, Risk::Destructive];

    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Read => "read",
            Risk::Write => "write",
            Risk::Destructive => "destructive",
        }
    }
}

/// An operation's static description.
#[derive(Debug)]
pub struct Spec {
    /// Dotted name: `noun.verb` or `noun.sub.verb` (`chat.list`, `team.members.add`). The CLI's
    /// subcommand path is these segments; the MCP tool name joins them with `_`.
    pub name: &'static str,
    /// One line, imperative, no trailing period: `List your chats with their last message`.
    pub summary: &'static str,
    pub risk: Risk,
    /// Whether calling it twice with the same input is harmless.
    pub idempotent: bool,
    /// Delegated permissions, any one of which allows it (least privileged first).
    pub delegated: &'static [&'static str],
    /// Application permissions, any one of which allows it; empty when app-only is unsupported.
    pub application: &'static [&'static str],
    /// Table columns for people, in order; empty shows every field.
    pub columns: &'static [&'static str],
}

impl Spec {
    /// The segments of the dotted name.
    pub fn path(&self) -> impl Iterator<Item = &'static str> {
        self.name.split('.')
    }

    /// The name as an MCP tool name (`chat_list`): letters, digits, `_` and `-` only.
    pub fn tool_name(&self) -> String {
        self.name.replace('.', "_")
    }
}
