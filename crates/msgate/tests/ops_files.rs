//! Files through the CLI against a running sandbox tenant: a OneDrive listed, read, organized
//! (folders, moves, renames, copies), shared and searched, each change read back from the
//! tenant; a channel's files folder the same way; transfers — a 50 MB upload that survives
//! failures injected mid-session with its content hash intact, downloads that never show the
//! Graph token to the content host and continue a partial file from an interrupted run — and
//! the exit codes for what is missing, not allowed, ambiguous, out of the policy's folders, or
//! throttled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const SCOPES: &[&str] = &[
    "User.Read",
    "Files.ReadWrite.All",
    "Team.ReadBasic.All",
    "TeamSettings.ReadWrite.All",
    "Channel.ReadBasic.All",
];

fn run(tenant: &Running, home: &Home, args: &[&str]) -> Output {
    tenant.msgate(home, args).output().unwrap()
}

/// Runs a command that must succeed and returns its JSON.
fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    let output = run(tenant, home, args);
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

/// Runs a command that must fail with `exit`, and returns its JSON error.
fn fails(tenant: &Running, home: &Home, args: &[&str], exit: i32) -> Value {
    let mut args = args.to_vec();
    args.insert(0, "--err-json");
    let output = run(tenant, home, &args);
    assert_eq!(status(&output), exit, "{args:?}: {}", stderr(&output));
    error_json(&output)["error"].clone()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The tenant's own answer for a path in Ada's OneDrive: (status, item).
fn at(tenant: &Running, path: &str) -> (u16, Value) {
    tenant.graph("GET", &format!("/me/drive/root:/{path}"), None)
}

/// Requests that change something (what the policy must have stopped before).
fn writes(tenant: &Running) -> Vec<(String, String, u16)> {
    tenant
        .requests()
        .into_iter()
        .filter(|(method, path, _)| method != "GET" && !path.ends_with("/search/query"))
        .collect()
}

fn home_allowing_everything() -> Home {
    let home = Home::new();
    home.write_config("[policy]\npreset = \"full\"\n");
    home
}

#[test]
fn a_onedrive_is_listed_organized_shared_searched_and_cleaned_up() {
    let tenant = running(SCOPES);
    let home = home_allowing_everything();

    let top = ok(&tenant, &home, &["files", "ls"]);
    let top_names = names(&top);
    for expected in ["Documents", "Pictures", "Getting started.md"] {
        assert!(top_names.contains(&expected.to_owned()), "{top_names:?}");
    }
    let documents = top
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Documents")
        .unwrap();
    assert_eq!(documents["kind"], "folder");
    assert_eq!(documents["path"], "/Documents");
    let listed = ok(&tenant, &home, &["files", "ls", "/Documents/Product"]);
    let research = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "Research")
        .unwrap();
    assert_eq!(research["path"], "/Documents/Product/Research");
    assert_eq!(research["items"], 1);

    let roadmap = ok(
        &tenant,
        &home,
        &["files", "get", "Documents/Roadmap 2026.md"],
    );
    let (_, graph_roadmap) = at(&tenant, "Documents/Roadmap 2026.md");
    assert_eq!(roadmap["id"], graph_roadmap["id"]);
    assert_eq!(roadmap["size"], graph_roadmap["size"]);
    assert_eq!(roadmap["path"], "/Documents/Roadmap 2026.md");
    assert_eq!(roadmap["mime"], "text/markdown");
    assert_eq!(roadmap["modified_by"], "Ada Brennan");
    assert_eq!(
        roadmap["quick_xor_hash"],
        graph_roadmap["file"]["hashes"]["quickXorHash"]
    );

    // Folders, with the ones above made as needed; one that exists is a conflict.
    let made = ok(
        &tenant,
        &home,
        &["files", "mkdir", "Projects/2026/Q3 plans", "--parents"],
    );
    assert_eq!(made["path"], "/Projects/2026/Q3 plans");
    assert_eq!(made["kind"], "folder");
    assert_eq!(at(&tenant, "Projects/2026/Q3 plans").0, 200);
    fails(&tenant, &home, &["files", "mkdir", "Projects/2026"], 15);
    ok(
        &tenant,
        &home,
        &["files", "mkdir", "Projects/2026", "--parents"],
    );
    fails(&tenant, &home, &["files", "mkdir", "Nowhere/Else"], 13);

    // A small upload into a folder, under the file's own name.
    let local = tempfile::tempdir().unwrap();
    let notes = local.path().join("runner notes.txt");
    std::fs::write(&notes, "Drain the old pool on Thursday.\n").unwrap();
    let uploaded = ok(
        &tenant,
        &home,
        &["files", "upload", notes.to_str().unwrap(), "Projects/2026"],
    );
    assert_eq!(uploaded["path"], "/Projects/2026/runner notes.txt");
    assert_eq!(uploaded["size"], 32);
    let error = fails(
        &tenant,
        &home,
        &["files", "upload", notes.to_str().unwrap(), "Projects/2026"],
        15,
    );
    assert!(
        error["hint"].as_str().unwrap().contains("--if-exists"),
        "{error}"
    );
    let renamed = ok(
        &tenant,
        &home,
        &[
            "files",
            "upload",
            notes.to_str().unwrap(),
            "Projects/2026",
            "--if-exists",
            "rename",
        ],
    );
    assert_eq!(renamed["name"], "runner notes 1.txt");

    // Move into a folder, then rename in place.
    let moved = ok(
        &tenant,
        &home,
        &[
            "files",
            "move",
            "Projects/2026/runner notes.txt",
            "Projects/2026/Q3 plans",
        ],
    );
    assert_eq!(moved["path"], "/Projects/2026/Q3 plans/runner notes.txt");
    assert_eq!(at(&tenant, "Projects/2026/runner notes.txt").0, 404);
    let renamed = ok(
        &tenant,
        &home,
        &[
            "files",
            "move",
            "Projects/2026/Q3 plans/runner notes.txt",
            "Projects/2026/Q3 plans/Runner cutover.txt",
        ],
    );
    assert_eq!(renamed["name"], "Runner cutover.txt");
    assert_eq!(renamed["id"], moved["id"], "a rename keeps the item");
    assert_eq!(
        at(&tenant, "Projects/2026/Q3 plans/Runner cutover.txt").0,
        200
    );
    fails(
        &tenant,
        &home,
        &["files", "move", "Projects", "Projects/2026"],
        2,
    );

    // A copy is followed to its end through the monitor.
    let copied = ok(
        &tenant,
        &home,
        &[
            "files",
            "copy",
            "Projects/2026/Q3 plans/Runner cutover.txt",
            "Projects/Cutover copy.txt",
        ],
    );
    assert_eq!(copied["status"], "completed");
    assert_eq!(copied["item"]["path"], "/Projects/Cutover copy.txt");
    let (_, copy) = at(&tenant, "Projects/Cutover copy.txt");
    assert_eq!(copied["item"]["id"], copy["id"]);
    assert_ne!(copy["id"], renamed["id"]);
    assert_eq!(copy["size"], 32);

    // Sharing links: asking twice gives the same link.
    let link = ok(
        &tenant,
        &home,
        &[
            "files",
            "share",
            "Projects/Cutover copy.txt",
            "--type",
            "edit",
            "--scope",
            "anonymous",
        ],
    );
    assert_eq!(
        (link["type"].as_str(), link["scope"].as_str()),
        (Some("edit"), Some("anonymous"))
    );
    let again = ok(
        &tenant,
        &home,
        &[
            "files",
            "share",
            "Projects/Cutover copy.txt",
            "--type",
            "edit",
            "--scope",
            "anonymous",
        ],
    );
    assert_eq!(again["url"], link["url"]);
    let (_, permissions) = tenant.graph(
        "GET",
        &format!(
            "/me/drive/items/{}/permissions",
            copy["id"].as_str().unwrap()
        ),
        None,
    );
    let links: Vec<&Value> = permissions["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["link"]["webUrl"] == link["url"])
        .collect();
    assert_eq!(links.len(), 1, "{permissions}");
    assert_eq!(links[0]["roles"], json!(["write"]));

    let found = ok(&tenant, &home, &["files", "search", "cutover"]);
    let mut found_paths: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    found_paths.sort_unstable();
    assert_eq!(
        found_paths,
        [
            "/Projects/2026/Q3 plans/Runner cutover.txt",
            "/Projects/Cutover copy.txt"
        ]
    );

    // Deleting is destructive: the default policy refuses it before anything is sent.
    let standard = Home::new();
    tenant.reset_log();
    let denied = fails(&tenant, &standard, &["files", "delete", "Projects"], 16);
    assert!(denied["message"].as_str().unwrap().contains("destructive"));
    assert!(writes(&tenant).is_empty(), "{:?}", writes(&tenant));
    let deleted = ok(&tenant, &home, &["files", "delete", "Projects"]);
    assert_eq!(
        (deleted["path"].as_str(), deleted["kind"].as_str()),
        (Some("/Projects"), Some("folder"))
    );
    assert_eq!(at(&tenant, "Projects").0, 404);
    assert_eq!(at(&tenant, "Projects/Cutover copy.txt").0, 404);
}

#[test]
fn a_channel_files_folder_is_reached_through_the_team_library() {
    let tenant = running(SCOPES);
    let home = home_allowing_everything();
    let channel = ["--channel", "Platform/General"];
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(channel.iter())
            .map(|s| (*s).to_owned())
            .collect()
    };
    let call = |args: &[&str]| -> Value {
        let args = with(args);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&tenant, &home, &args)
    };

    let listed = call(&["files", "ls"]);
    assert_eq!(
        names(&listed),
        ["CI runners migration.md", "On-call rota.csv"]
    );
    assert_eq!(listed[0]["path"], "/CI runners migration.md");

    let local = tempfile::tempdir().unwrap();
    let review = local.path().join("Incident review.md");
    std::fs::write(
        &review,
        "# Runner saturation\n\nThe pool ran dry at 09:10.\n",
    )
    .unwrap();
    call(&["files", "mkdir", "Postmortems"]);
    let uploaded = call(&["files", "upload", review.to_str().unwrap(), "Postmortems"]);
    assert_eq!(uploaded["path"], "/Postmortems/Incident review.md");
    // It is in the team's library, below the channel's folder.
    let folder_path = {
        let (_, teams) = tenant.graph("GET", "/me/joinedTeams", None);
        let team = teams["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["displayName"] == "Platform")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, channels) = tenant.graph("GET", &format!("/teams/{team}/channels"), None);
        let general = channels["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["displayName"] == "General")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, folder) = tenant.graph(
            "GET",
            &format!("/teams/{team}/channels/{general}/filesFolder"),
            None,
        );
        folder
    };
    let drive = folder_path["parentReference"]["driveId"].as_str().unwrap();
    let (code, item) = tenant.graph(
        "GET",
        &format!(
            "/drives/{drive}/items/{}:/Postmortems/Incident%20review.md",
            folder_path["id"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(code, 200, "{item}");
    assert_eq!(item["id"], uploaded["id"]);

    let moved = call(&[
        "files",
        "move",
        "Postmortems/Incident review.md",
        "Runner saturation.md",
    ]);
    assert_eq!(moved["path"], "/Runner saturation.md");
    let link = call(&["files", "share", "Runner saturation.md"]);
    assert_eq!(
        (link["type"].as_str(), link["scope"].as_str()),
        (Some("view"), Some("organization"))
    );

    // The drive-wide search is narrowed to the channel's folder.
    let other = local.path().join("Design saturation.md");
    std::fs::write(&other, "saturation of the design review queue\n").unwrap();
    ok(
        &tenant,
        &home,
        &[
            "files",
            "upload",
            other.to_str().unwrap(),
            "--channel",
            "Platform/eng",
        ],
    );
    let found = call(&["files", "search", "saturation"]);
    assert_eq!(names(&found), ["Runner saturation.md"]);
    let found = ok(
        &tenant,
        &home,
        &["files", "search", "saturation", "--channel", "Platform/eng"],
    );
    assert_eq!(names(&found), ["Design saturation.md"]);

    call(&["files", "delete", "Postmortems"]);
    assert_eq!(
        names(&call(&["files", "ls"])),
        [
            "CI runners migration.md",
            "On-call rota.csv",
            "Runner saturation.md"
        ]
    );
}

/// `len` random bytes.
fn sample(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    bytes
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

fn content_host(log: &[(String, String, u16)], kind: &str) -> Vec<(String, u16)> {
    log.iter()
        .filter(|(_, path, _)| path.starts_with(&format!("/_sandbox/{kind}/")))
        .map(|(method, _, status)| (method.clone(), *status))
        .collect()
}

#[test]
fn a_50_mb_upload_survives_failures_midway_and_comes_back_whole() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let local = tempfile::tempdir().unwrap();
    let data = sample(50 * 1024 * 1024);
    let source = local.path().join("runner-images.bin");
    std::fs::write(&source, &data).unwrap();

    // Failures injected mid-session: fragments answered 503/504 or cut off after arriving.
    tenant.reset_log();
    tenant
        .set_faults(json!({"error_rate": 0.25, "drop_rate": 0.1, "retry_after_s": 0, "seed": 11}));
    let uploaded = ok(
        &tenant,
        &home,
        &["files", "upload", source.to_str().unwrap(), "Documents"],
    );
    tenant.set_faults(json!({}));
    let fragments = content_host(&tenant.requests(), "upload");
    let failed = fragments.iter().position(|(_, s)| *s >= 500);
    assert!(
        failed.is_some_and(|at| fragments[at + 1..].iter().any(|(_, s)| *s == 202)),
        "a fragment failed midway and the session went on: {fragments:?}"
    );
    assert_eq!(uploaded["size"], data.len());
    let (_, item) = at(&tenant, "Documents/runner-images.bin");
    let reported = item["file"]["hashes"]["quickXorHash"].as_str().unwrap();
    assert_eq!(
        reported,
        msgate_graph::quick_xor(&data),
        "msgate's hash is the tenant's"
    );
    assert_eq!(uploaded["quick_xor_hash"], reported);

    let saved = local.path().join("saved");
    std::fs::create_dir(&saved).unwrap();
    let downloaded = ok(
        &tenant,
        &home,
        &[
            "files",
            "download",
            "Documents/runner-images.bin",
            "--out",
            saved.to_str().unwrap(),
        ],
    );
    let written = std::fs::read(saved.join("runner-images.bin")).unwrap();
    assert_eq!(sha256(&written), sha256(&data));
    assert_eq!(downloaded["bytes"], data.len());
    assert_eq!(downloaded["quick_xor_hash"], reported);
}

#[test]
fn downloads_skip_the_token_on_the_content_host_and_continue_partial_files() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let local = tempfile::tempdir().unwrap();
    let data = sample(6 * 1024 * 1024 + 12_345);
    let source = local.path().join("pool-metrics.bin");
    std::fs::write(&source, &data).unwrap();
    ok(
        &tenant,
        &home,
        &["files", "upload", source.to_str().unwrap()],
    );
    let download = |out: &Path| -> Value {
        ok(
            &tenant,
            &home,
            &[
                "files",
                "download",
                "pool-metrics.bin",
                "--out",
                out.to_str().unwrap(),
            ],
        )
    };

    // The content host answers 401 to any Authorization header: a 200 there means none went.
    let saved = local.path().join("saved");
    std::fs::create_dir(&saved).unwrap();
    tenant.reset_log();
    download(&saved);
    let log = tenant.requests();
    assert_eq!(content_host(&log, "content"), [("GET".to_owned(), 200)]);
    assert!(
        log.iter()
            .any(|(m, p, s)| m == "GET" && p.ends_with("/content") && *s == 302),
        "Graph redirected to the content host: {log:?}"
    );
    assert_eq!(std::fs::read(saved.join("pool-metrics.bin")).unwrap(), data);

    // An interrupted run left 4 MB: the rest is asked for with Range.
    let resumed_dir = local.path().join("resumed");
    std::fs::create_dir(&resumed_dir).unwrap();
    let partial = resumed_dir.join(".pool-metrics.bin.msgate-part");
    std::fs::write(&partial, &data[..4 * 1024 * 1024]).unwrap();
    tenant.reset_log();
    let resumed = download(&resumed_dir.join("pool-metrics.bin"));
    assert_eq!(resumed["resumed_from"], 4 * 1024 * 1024);
    assert_eq!(resumed["bytes"], data.len());
    assert_eq!(
        content_host(&tenant.requests(), "content"),
        [("GET".to_owned(), 206)]
    );
    let written = std::fs::read(resumed_dir.join("pool-metrics.bin")).unwrap();
    assert_eq!(sha256(&written), sha256(&data));
    assert!(!partial.exists());

    // A partial file of another version does not pass the hash: downloaded again whole.
    let stale_dir = local.path().join("stale");
    std::fs::create_dir(&stale_dir).unwrap();
    std::fs::write(
        stale_dir.join(".pool-metrics.bin.msgate-part"),
        vec![7u8; 1024],
    )
    .unwrap();
    tenant.reset_log();
    let fresh = download(&stale_dir);
    assert_eq!(fresh["bytes"], data.len());
    assert!(fresh.get("resumed_from").is_none(), "{fresh}");
    assert_eq!(
        content_host(&tenant.requests(), "content"),
        [("GET".to_owned(), 206), ("GET".to_owned(), 200)]
    );
    assert_eq!(
        std::fs::read(stale_dir.join("pool-metrics.bin")).unwrap(),
        data
    );
    assert_no_partial_left(&stale_dir);
    // A file already there is kept unless replaced on purpose.
    let error = fails(
        &tenant,
        &home,
        &[
            "files",
            "download",
            "pool-metrics.bin",
            "--out",
            stale_dir.to_str().unwrap(),
        ],
        15,
    );
    assert!(error["hint"].as_str().unwrap().contains("--force"));
    fails(
        &tenant,
        &home,
        &[
            "files",
            "download",
            "Documents",
            "--out",
            stale_dir.to_str().unwrap(),
        ],
        2,
    );
}

fn assert_no_partial_left(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".msgate-part"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Every files operation, with its arguments: `ITEM` an item, `FOLDER/` a folder, `LOCAL` a
/// local file, `OUT` a local directory — for the checks every operation must pass.
const EVERY: &[&[&str]] = &[
    &["files", "ls", "FOLDER/"],
    &["files", "get", "ITEM"],
    &["files", "download", "ITEM", "--out", "OUT"],
    &["files", "upload", "LOCAL", "FOLDER/"],
    &["files", "mkdir", "FOLDER/new"],
    &["files", "copy", "ITEM", "Copied"],
    &["files", "share", "ITEM"],
    &["files", "search", "ITEM"],
    &["files", "move", "ITEM", "Moved"],
    &["files", "delete", "ITEM"],
];

fn with(args: &[&str], item: &str, folder: &str, local: &Path) -> Vec<String> {
    let file = local.join("x.txt");
    if !file.exists() {
        std::fs::write(&file, "x").unwrap();
    }
    args.iter()
        .map(|a| match *a {
            "ITEM" => item.to_owned(),
            "FOLDER/" => format!("{folder}/"),
            "FOLDER/new" => format!("{folder}/new"),
            "LOCAL" => file.to_str().unwrap().to_owned(),
            "OUT" => local.to_str().unwrap().to_owned(),
            a => a.to_owned(),
        })
        .collect()
}

fn fails_with(
    tenant: &Running,
    home: &Home,
    token: Option<&str>,
    args: &[String],
    exit: i32,
) -> Value {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.insert(0, "--err-json");
    let output = match token {
        Some(token) => tenant.msgate_as(home, token, &args).output().unwrap(),
        None => run(tenant, home, &args),
    };
    assert_eq!(status(&output), exit, "{args:?}: {}", stderr(&output));
    error_json(&output)["error"].clone()
}

#[test]
fn missing_and_not_allowed() {
    let tenant = running(SCOPES);
    let home = home_allowing_everything();
    let local = tempfile::tempdir().unwrap();

    // Not found: the path and the place are named, with where to look.
    for args in EVERY.iter().filter(|a| a[1] != "search") {
        let args = with(args, "Documents/Nope", "Documents/Nope", local.path());
        let error = fails_with(&tenant, &home, None, &args, 13);
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("/Documents/Nope"),
            "{args:?}: {error}"
        );
        assert!(
            error["hint"]
                .as_str()
                .unwrap()
                .contains("files ls '/Documents"),
            "{args:?}: {error}"
        );
    }
    // A channel that does not exist: one resolver for all, so a reader and a writer suffice.
    for args in EVERY.iter().filter(|a| matches!(a[1], "ls" | "upload")) {
        let mut args = with(args, "Nope", "Nope", local.path());
        args.extend(["--channel".to_owned(), "Platform/Nope".to_owned()]);
        fails_with(&tenant, &home, None, &args, 13);
    }
    assert_no_partial_left(local.path());
    fails(&tenant, &home, &["files", "get", "../etc/passwd"], 2);

    // Missing permission: the hint names what would allow it.
    let nothing = tenant.token_for("ada.brennan@larkspur.example.invalid", &["User.Read"]);
    for args in EVERY {
        let args = with(args, "Documents/Notes.md", "Documents", local.path());
        let error = fails_with(&tenant, &home, Some(&nothing), &args, 12);
        assert!(
            error["hint"].as_str().unwrap().contains("Files.Read"),
            "{args:?}: {error}"
        );
    }
    // Reading is not writing.
    let reader = tenant.token_for("ada.brennan@larkspur.example.invalid", &["Files.Read"]);
    for args in EVERY
        .iter()
        .filter(|a| !matches!(a[1], "ls" | "get" | "download" | "search"))
    {
        let args = with(args, "Documents/Notes.md", "Documents", local.path());
        let error = fails_with(&tenant, &home, Some(&reader), &args, 12);
        assert!(
            error["hint"].as_str().unwrap().contains("Files.ReadWrite"),
            "{args:?}: {error}"
        );
    }
    assert_eq!(at(&tenant, "Documents/Notes.md").0, 200);
}

#[test]
fn ambiguous_out_of_scope_and_throttled() {
    let tenant = running(SCOPES);
    let home = home_allowing_everything();
    let local = tempfile::tempdir().unwrap();
    let upload = local.path().join("x.txt");
    std::fs::write(&upload, "x").unwrap();

    // Out of the policy's folders: refused before any write, both ends of a move checked.
    let scoped = Home::new();
    scoped.write_config(
        "[policy]\npreset = \"full\"\n[policy.scopes]\nfolders = [\"/Documents/Product\"]\n",
    );
    tenant.reset_log();
    for args in EVERY
        .iter()
        .filter(|a| !matches!(a[1], "ls" | "get" | "download" | "search"))
    {
        let args = with(args, "Documents/Notes.md", "Documents", local.path());
        let denied = fails_with(&tenant, &scoped, None, &args, 16);
        assert!(
            denied["message"].as_str().unwrap().contains("folders"),
            "{args:?}: {denied}"
        );
    }
    fails(
        &tenant,
        &scoped,
        &[
            "files",
            "move",
            "Documents/Product/Feature requests.csv",
            "Documents",
        ],
        16,
    );
    fails(
        &tenant,
        &scoped,
        &[
            "files",
            "copy",
            "Documents/Product/Feature requests.csv",
            "Documents",
        ],
        16,
    );
    assert!(writes(&tenant).is_empty(), "{:?}", writes(&tenant));
    // Reads are not bound by scopes, and writes inside them go through.
    ok(&tenant, &scoped, &["files", "get", "Documents/Notes.md"]);
    let inside = ok(
        &tenant,
        &scoped,
        &[
            "files",
            "upload",
            upload.to_str().unwrap(),
            "Documents/Product",
        ],
    );
    assert_eq!(inside["path"], "/Documents/Product/x.txt");
    ok(
        &tenant,
        &scoped,
        &["files", "delete", "Documents/Product/x.txt"],
    );

    // Throttled: retried after Retry-After, and still done.
    tenant.set_faults(json!({"throttle_rate": 0.3, "retry_after_s": 0, "seed": 7}));
    for args in EVERY {
        // The move took the item away: the delete removes it where it went.
        let item = if args[1] == "delete" {
            "Moved"
        } else {
            "Documents/Notes.md"
        };
        let args = with(args, item, "Documents", local.path());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&tenant, &home, &args);
        assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    }
    tenant.set_faults(json!({}));
    assert_eq!(at(&tenant, "Copied").0, 200);
    assert_eq!(at(&tenant, "Documents/new").0, 200);
    assert_eq!(at(&tenant, "Documents/x.txt").0, 200);
    assert_eq!(at(&tenant, "Moved").0, 404, "moved, then deleted");
    assert_eq!(at(&tenant, "Documents/Notes.md").0, 404);

    // Two teams named Platform: the channel reference is ambiguous and nothing is written.
    let (_, teams) = tenant.graph("GET", "/me/joinedTeams", None);
    let all_company = teams["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["displayName"] == "All Company")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, _) = tenant.graph(
        "PATCH",
        &format!("/teams/{all_company}"),
        Some(json!({"displayName": "platform"})),
    );
    assert_eq!(code, 204);
    tenant.reset_log();
    for args in EVERY {
        let mut args = with(args, "On-call rota.csv", "", local.path());
        args.extend(["--channel".to_owned(), "Platform/General".to_owned()]);
        let error = fails_with(&tenant, &home, None, &args, 2);
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("matches 2 teams"),
            "{args:?}: {error}"
        );
    }
    assert!(writes(&tenant).is_empty());
}
