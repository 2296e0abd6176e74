//! People in the directory: you, anyone by email, UPN or name, searching by name or address,
//! managers, and the people most relevant to you.

mod get;
mod manager;
mod me;
mod people;
mod search;

use crate::catalog::{Entry, entry};

pub fn entries() -> Vec<Entry> {
    vec![
        entry::<me::Me>(),
        entry::<get::Get>(),
        entry::<search::Search>(),
        entry::<manager::Manager>(),
        entry::<people::People>(),
    ]
}

/// Permissions that allow reading other users' basic profiles, least privileged first.
pub const READ_USERS: &[&str] = &["User.ReadBasic.All", "User.Read.All"];

/// The user properties every user operation shows (the `Person` view).
pub const PERSON_FIELDS: &[&str] = &[
    "id",
    "displayName",
    "mail",
    "userPrincipalName",
    "jobTitle",
    "department",
];

/// The columns people see for a person.
pub const PERSON_COLUMNS: &[&str] = &["id", "name", "email", "title", "department"];
