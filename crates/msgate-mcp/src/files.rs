//! Local files an agent names: refused unless the server was started with `--allow-files DIR`,
//! and then only inside DIR. An agent steered by a message it read must not be able to mail
//! `~/.ssh/id_ed25519` or overwrite a shell profile.
//!
//! Operations mark the inputs that name a local file with the schema extension
//! `x-local-file` (`read` or `write`); this module rewrites each such value to a path inside
//! the root before the call reaches the catalog, and a written file with no path given lands
//! in the root rather than the server's working directory.

use std::path::{Component, Path, PathBuf};

use msgate_core::{Error, ErrorCode, Result};
use msgate_ops::Entry;
use serde_json::{Map, Value};

/// The one directory whose files tools may read and write.
#[derive(Clone, Debug)]
pub struct FileRoot {
    root: PathBuf,
}

impl FileRoot {
    /// `dir` must exist; it is kept in canonical form so links cannot lead out of it.
    pub fn new(dir: &Path) -> Result<Self> {
        let root = dir.canonicalize().map_err(|e| {
            Error::io(format!("--allow-files {}", dir.display()), &e)
                .with_hint("give an existing directory")
        })?;
        if !root.is_dir() {
            return Err(Error::new(
                ErrorCode::Usage,
                format!("--allow-files {} is not a directory", dir.display()),
            ));
        }
        Ok(FileRoot { root })
    }

    pub fn path(&self) -> &Path {
        &self.root
    }
}

/// The inputs of `entry` that name local files, with whether they are read or written.
pub fn local_file_inputs(entry: &Entry) -> Vec<(String, bool)> {
    let schema = entry.input_schema();
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(
            |(name, definition)| match definition["x-local-file"].as_str() {
                Some("write") => Some((name.clone(), true)),
                Some(_) => Some((name.clone(), false)),
                None => None,
            },
        )
        .collect()
}

/// Checks and rewrites the local-file inputs of a call; an error when the call names a local
/// file and no root allows it, or names one outside the root.
pub fn confine(
    entry: &Entry,
    root: Option<&FileRoot>,
    input: &mut Map<String, Value>,
) -> Result<()> {
    for (name, writes) in local_file_inputs(entry) {
        let given = input.get(&name).cloned();
        let names_a_file = match &given {
            None | Some(Value::Null) => writes,
            Some(Value::Array(items)) => !items.is_empty(),
            Some(_) => true,
        };
        if !names_a_file {
            continue;
        }
        let Some(root) = root else {
            return Err(Error::new(
                ErrorCode::PolicyDenied,
                format!(
                    "{} {} a local file, and this MCP server was not allowed to touch local files",
                    entry.spec.name,
                    if writes { "writes" } else { "reads" }
                ),
            )
            .with_hint("start it with --allow-files DIR to let tools use files in DIR"));
        };
        let confined = match given {
            None | Some(Value::Null) => Value::String(root.root.display().to_string()),
            Some(Value::Array(items)) => Value::Array(
                items
                    .iter()
                    .map(|item| inside(root, item, &name, writes).map(Value::String))
                    .collect::<Result<_>>()?,
            ),
            Some(value) => Value::String(inside(root, &value, &name, writes)?),
        };
        input.insert(name, confined);
    }
    Ok(())
}

/// `value` as a path inside the root: relative paths are taken from the root; nothing may
/// climb out with `..` or through a link.
fn inside(root: &FileRoot, value: &Value, name: &str, writes: bool) -> Result<String> {
    let Some(text) = value.as_str() else {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("{name} must be a path"),
        ));
    };
    let given = Path::new(text);
    let outside = || {
        Error::new(
            ErrorCode::PolicyDenied,
            format!(
                "{name} '{text}' is outside the directory this MCP server may use ({})",
                root.root.display()
            ),
        )
        .with_hint("name a file inside that directory, relative to it")
    };
    if given.components().any(|c| c == Component::ParentDir) {
        return Err(outside());
    }
    let joined = root.root.join(given);
    // What exists is resolved through its links; a file about to be written is judged by
    // its directory.
    let resolved = match joined.canonicalize() {
        Ok(resolved) => resolved,
        Err(_) if writes => match (joined.parent(), joined.file_name()) {
            (Some(parent), Some(file)) => parent.canonicalize().map_err(|_| outside())?.join(file),
            _ => return Err(outside()),
        },
        Err(e) => return Err(Error::io(format!("cannot read {name} '{text}'"), &e)),
    };
    if !resolved.starts_with(&root.root) {
        return Err(outside());
    }
    Ok(resolved.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use msgate_ops::Catalog;
    use serde_json::json;

    fn input(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn every_input_that_names_a_local_file_is_marked() {
        for entry in Catalog::get().entries() {
            let schema = entry.input_schema();
            for (name, definition) in schema["properties"].as_object().into_iter().flatten() {
                let about = definition["description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase();
                // A flag about local files (--force: replace one) names none.
                let sounds_local = definition["type"] != "boolean"
                    && [
                        "local file",
                        "attach this",
                        "show this image",
                        "file on this computer",
                        "where to save",
                    ]
                    .iter()
                    .any(|phrase| about.contains(phrase));
                assert_eq!(
                    sounds_local,
                    definition.get("x-local-file").is_some(),
                    "{}.{name}: {about}",
                    entry.spec.name
                );
            }
        }
    }

    #[test]
    fn files_are_refused_without_a_root_and_confined_with_one() {
        let upload = Catalog::get().find("files.upload").unwrap();
        let download = Catalog::get().find("files.download").unwrap();
        let mut call = input(json!({"local": "/etc/passwd", "dest": "x"}));
        let error = confine(upload, None, &mut call).unwrap_err();
        assert_eq!(error.code(), ErrorCode::PolicyDenied);
        let mut call = input(json!({"path": "a.txt"}));
        assert!(
            confine(download, None, &mut call).is_err(),
            "a download with no out writes too"
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("report.txt"), "fake report").unwrap();
        let root = FileRoot::new(dir.path()).unwrap();
        let mut call = input(json!({"local": "report.txt"}));
        confine(upload, Some(&root), &mut call).unwrap();
        assert_eq!(
            call["local"],
            json!(root.path().join("report.txt").display().to_string())
        );
        for escape in ["/etc/passwd", "../report.txt", "sub/../../x"] {
            let mut call = input(json!({"local": escape}));
            assert!(confine(upload, Some(&root), &mut call).is_err(), "{escape}");
        }
        let mut call = input(json!({"path": "a.txt"}));
        confine(download, Some(&root), &mut call).unwrap();
        assert_eq!(call["out"], json!(root.path().display().to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_out_of_the_root_is_outside() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
        let root = FileRoot::new(dir.path()).unwrap();
        let upload = Catalog::get().find("files.upload").unwrap();
        let mut call = input(json!({"local": "etc/hostname"}));
        assert_eq!(
            confine(upload, Some(&root), &mut call).unwrap_err().code(),
            ErrorCode::PolicyDenied
        );
    }
}
