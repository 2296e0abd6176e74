//! Mail through the CLI against a running sandbox tenant: listing, filtering, searching and
//! threads; mail sent to a colleague arriving in their inbox (read as them), replies, reply-all
//! and forwards staying in one conversation; drafts; a 5 MB attachment through an upload
//! session, downloaded byte for byte; filing, flags, categories, read state and deletes — each
//! read back — and the exit codes for what is missing (13), ambiguous (2), not permitted (12),
//! outside the policy's mail domains (16, nothing written) and throttled (still done).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::process::Output;

use serde_json::{Value, json};
use support::{Home, Running, error_json, json, running, status, stderr};

const SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "Mail.ReadWrite",
    "Mail.Send",
];
const BEN: &str = "ben.okafor@larkspur.example.invalid";
const CHLOE: &str = "chloe.martin@larkspur.example.invalid";
const TOMAS: &str = "tomas.novak@northwind.example.invalid";
/// The seed's attachment on Farid's "Runner cost review numbers".
const RUNNER_COSTS: &str =
    "month,runner_hours,cost_eur\n2026-07,1180,3540\n2026-08,1240,3720\n2026-09,1410,4230\n";

fn run_as(tenant: &Running, home: &Home, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = match token {
        Some(token) => tenant.msgate_as(home, token, args),
        None => tenant.msgate(home, args),
    };
    command.write_stdin("").output().unwrap()
}

/// Runs a command that must succeed and returns its JSON.
fn ok(tenant: &Running, home: &Home, args: &[&str]) -> Value {
    ok_as(tenant, home, None, args)
}

fn ok_as(tenant: &Running, home: &Home, token: Option<&str>, args: &[&str]) -> Value {
    let output = run_as(tenant, home, token, args);
    assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    json(&output)
}

/// Runs a command that must fail with `exit`, and returns its JSON error.
fn fails(tenant: &Running, home: &Home, args: &[&str], exit: i32) -> Value {
    let mut args = args.to_vec();
    args.insert(0, "--err-json");
    let output = run_as(tenant, home, None, &args);
    assert_eq!(status(&output), exit, "{args:?}: {}", stderr(&output));
    error_json(&output)["error"].clone()
}

fn subjects(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect()
}

/// The one message of `list` with `subject`.
fn with_subject<'a>(list: &'a Value, subject: &str) -> &'a Value {
    let found: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == subject)
        .collect();
    assert_eq!(found.len(), 1, "{subject} in {list}");
    found[0]
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// The writes in the sandbox's request log: (method, path).
/// Writes that reached Graph (the log also holds the content host's upload fragments).
fn writes(tenant: &Running) -> Vec<(String, String)> {
    tenant
        .requests()
        .into_iter()
        .filter(|(m, p, _)| m != "GET" && p.starts_with("/v1.0/"))
        .map(|(m, p, _)| (m, p))
        .collect()
}

#[test]
fn mail_is_listed_filtered_searched_read_and_threaded() {
    let tenant = running(SCOPES);
    let home = Home::new();

    let inbox = ok(&tenant, &home, &["mail", "list"]);
    let items = inbox.as_array().unwrap();
    assert_eq!(items.len(), 20, "the seed's inbox");
    let at: Vec<&str> = items.iter().map(|m| m["at"].as_str().unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] >= w[1]), "newest first: {at:?}");
    let costs = with_subject(&inbox, "Runner cost review numbers");
    assert_eq!(
        costs["from"],
        "Farid Haddad <farid.haddad@larkspur.example.invalid>"
    );
    assert_eq!(
        costs["cc"],
        json!(["Ben Okafor <ben.okafor@larkspur.example.invalid>"])
    );
    assert_eq!(costs["has_attachments"], true);
    assert_eq!(costs["flagged"], true);
    assert!(
        costs["preview"]
            .as_str()
            .unwrap()
            .starts_with("Ada, the runner cost numbers")
    );

    let unread = ok(&tenant, &home, &["mail", "list", "--unread"]);
    assert_eq!(unread.as_array().unwrap().len(), 6);
    assert!(
        unread
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["unread"] == true)
    );

    let from_ines = ok(&tenant, &home, &["mail", "list", "--from", "Ines Duarte"]);
    assert_eq!(
        subjects(&from_ines),
        ["Budget sign-off needed", "RE: Q3 roadmap review"]
    );
    let from_tomas = ok(
        &tenant,
        &home,
        &["mail", "list", "--from", TOMAS, "--unread"],
    );
    assert_eq!(subjects(&from_tomas), ["RE: Renewal terms for 2027"]);
    let recent = ok(&tenant, &home, &["mail", "list", "--since", "1d"]);
    assert!(
        !recent.as_array().unwrap().is_empty() && recent.as_array().unwrap().len() < 20,
        "{recent}"
    );

    // A search goes out alone ($search takes no $filter or $orderby) and covers every folder.
    tenant.reset_log();
    let renewal = ok(&tenant, &home, &["mail", "list", "--search", "renewal"]);
    assert_eq!(
        subjects(&renewal),
        [
            "RE: Renewal terms for 2027",
            "RE: Renewal terms for 2027",
            "Renewal terms for 2027"
        ],
        "both of Tomas's and Ada's answer from Sent Items"
    );
    let log = tenant.requests();
    assert!(
        log.iter()
            .any(|(_, p, s)| p == "/v1.0/me/messages" && *s == 200),
        "{log:?}"
    );
    let unread_renewal = ok(
        &tenant,
        &home,
        &["mail", "list", "--search", "renewal", "--unread"],
    );
    assert_eq!(unread_renewal.as_array().unwrap().len(), 1);
    let by_attachment = ok(
        &tenant,
        &home,
        &[
            "mail",
            "list",
            "--search",
            "attachment:runner-costs",
            "--from",
            "farid.haddad@larkspur.example.invalid",
        ],
    );
    assert_eq!(subjects(&by_attachment), ["Runner cost review numbers"]);

    for folder in ["Release 4.2", "projects/release 4.2"] {
        let filed = ok(&tenant, &home, &["mail", "list", "--folder", folder]);
        assert_eq!(
            subjects(&filed),
            ["4.2 rollout plan", "Release notes draft for 4.2"]
        );
    }
    let sent = ok(&tenant, &home, &["mail", "list", "--folder", "Sent Items"]);
    assert_eq!(sent.as_array().unwrap().len(), 3);

    // Paging: a cut list continues where it stopped.
    let output = run_as(
        &tenant,
        &home,
        None,
        &["mail", "list", "--limit", "15", "--output", "json"],
    );
    assert_eq!(json(&output).as_array().unwrap().len(), 15);
    let note = stderr(&output);
    let cursor = note
        .split("--cursor '")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    let rest = ok(&tenant, &home, &["mail", "list", "--cursor", cursor]);
    assert_eq!(rest.as_array().unwrap().len(), 5);

    // Reading one: plain text by default, Outlook's HTML on request, Graph's JSON raw.
    let costs_id = id(costs);
    let got = ok(&tenant, &home, &["mail", "get", &costs_id]);
    assert_eq!(
        got["text"],
        "Ada, the runner cost numbers for the last quarter are attached. September is up 13% on August.\nFarid"
    );
    assert!(got.get("html").is_none() && got.get("preview").is_none());
    let html = ok(&tenant, &home, &["mail", "get", &costs_id, "--html"]);
    assert!(
        html["html"].as_str().unwrap().contains("<p>Farid</p>"),
        "{html}"
    );
    let raw = ok(&tenant, &home, &["mail", "get", &costs_id, "--raw"]);
    assert_eq!(raw["body"]["contentType"], "text");
    assert_eq!(raw["id"], costs_id.as_str());

    // Its attachment, listed and saved byte for byte.
    let attachments = ok(&tenant, &home, &["mail", "attachments", "list", &costs_id]);
    assert_eq!(attachments[0]["name"], "runner-costs.csv");
    assert_eq!(attachments[0]["size"], RUNNER_COSTS.len());
    let out = home.path().join("saved.csv");
    let saved = ok(
        &tenant,
        &home,
        &[
            "mail",
            "attachments",
            "download",
            &costs_id,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(saved["bytes"], RUNNER_COSTS.len());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), RUNNER_COSTS);
    let again = fails(
        &tenant,
        &home,
        &[
            "mail",
            "attachments",
            "download",
            &costs_id,
            "--out",
            out.to_str().unwrap(),
        ],
        15,
    );
    assert!(
        again["hint"].as_str().unwrap().contains("--force"),
        "{again}"
    );

    // The whole thread, oldest first, from the inbox and Sent Items alike.
    let latest = id(&renewal[0]);
    let thread = ok(&tenant, &home, &["mail", "thread", &latest]);
    assert_eq!(
        thread
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["from"].as_str().unwrap().split(' ').next().unwrap())
            .collect::<Vec<_>>(),
        ["Tomas", "Ada", "Tomas"]
    );
    assert!(thread[1]["text"].as_str().unwrap().starts_with("Hi Tomas,"));
    let by_conversation = ok(
        &tenant,
        &home,
        &[
            "mail",
            "thread",
            thread[0]["conversation"].as_str().unwrap(),
        ],
    );
    assert_eq!(by_conversation, thread);
}

#[test]
fn mail_to_a_colleague_arrives_and_replies_and_forwards_keep_the_thread() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let ben = tenant.token_for(BEN, SCOPES);
    let chloe = tenant.token_for(CHLOE, SCOPES);

    tenant.reset_log();
    let sent = ok(
        &tenant,
        &home,
        &[
            "mail",
            "send",
            "--to",
            "Ben Okafor",
            "--cc",
            TOMAS,
            "--subject",
            "Runner pool budget",
            "Ben, the **runner pool** needs:\n\n- two more machines\n- a budget line",
        ],
    );
    assert_eq!(sent["done"], "sent");
    assert_eq!(sent["to"], json!([format!("Ben Okafor <{BEN}>")]));
    assert_eq!(sent["cc"], json!([TOMAS]));
    assert!(sent.get("id").is_none());
    assert_eq!(
        writes(&tenant),
        [("POST".to_owned(), "/v1.0/me/sendMail".to_owned())],
        "one request, nothing else written"
    );

    // Ben finds it unread in his inbox, rendered from Markdown.
    let inbox = ok_as(&tenant, &home, Some(&ben), &["mail", "list", "--unread"]);
    let arrived = with_subject(&inbox, "Runner pool budget");
    assert_eq!(
        arrived["from"],
        "Ada Brennan <ada.brennan@larkspur.example.invalid>"
    );
    let arrived_id = id(arrived);
    let raw = ok_as(
        &tenant,
        &home,
        Some(&ben),
        &["mail", "get", &arrived_id, "--raw", "--html"],
    );
    let html = raw["body"]["content"].as_str().unwrap();
    assert!(
        html.contains("<strong>runner pool</strong>")
            && html.contains("<li>two more machines</li>"),
        "{html}"
    );
    let text = ok_as(&tenant, &home, Some(&ben), &["mail", "get", &arrived_id]);
    assert!(
        text["text"]
            .as_str()
            .unwrap()
            .contains("runner pool needs:"),
        "{text}"
    );

    // Ben replies; Ada answers everyone; Ada forwards the thread to Chloe.
    let replied = ok_as(
        &tenant,
        &home,
        Some(&ben),
        &[
            "mail",
            "reply",
            &arrived_id,
            "Approved — *one* machine now.",
        ],
    );
    assert_eq!(replied["done"], "replied");
    assert_eq!(replied["subject"], "RE: Runner pool budget");
    assert_eq!(
        replied["to"],
        json!(["Ada Brennan <ada.brennan@larkspur.example.invalid>"])
    );
    let ada_inbox = ok(&tenant, &home, &["mail", "list", "--unread"]);
    let answer = with_subject(&ada_inbox, "RE: Runner pool budget");
    let all = ok(
        &tenant,
        &home,
        &["mail", "reply-all", &id(answer), "Thanks, ordering it."],
    );
    assert_eq!(all["done"], "replied_all");
    assert_eq!(
        all["to"],
        json!([format!("Ben Okafor <{BEN}>")]),
        "never to oneself"
    );
    let forwarded = ok(
        &tenant,
        &home,
        &[
            "mail",
            "forward",
            &id(answer),
            "--to",
            "Chloe Martin",
            "FYI",
        ],
    );
    assert_eq!(forwarded["subject"], "FW: RE: Runner pool budget");

    let thread = ok(&tenant, &home, &["mail", "thread", &id(answer)]);
    let shown: Vec<(String, String)> = thread
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"]
                    .as_str()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_owned(),
                m["subject"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("Ada", "Runner pool budget"),
            ("Ben", "RE: Runner pool budget"),
            ("Ada", "RE: Runner pool budget"),
            ("Ada", "FW: RE: Runner pool budget"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned())),
        "one conversation, oldest first"
    );
    assert!(
        thread[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("Approved — one machine now.")
    );
    let conversation = &thread[0]["conversation"];
    let chloe_inbox = ok_as(&tenant, &home, Some(&chloe), &["mail", "list", "--unread"]);
    let fw = with_subject(&chloe_inbox, "FW: RE: Runner pool budget");
    assert_eq!(&fw["conversation"], conversation);
    let ben_thread = ok_as(&tenant, &home, Some(&ben), &["mail", "thread", &arrived_id]);
    assert_eq!(
        ben_thread.as_array().unwrap().len(),
        3,
        "Ben's copies: {ben_thread}"
    );

    // A draft, written as plain text, kept, then sent as it is.
    let saved = ok(
        &tenant,
        &home,
        &[
            "mail",
            "draft",
            "--to",
            BEN,
            "--subject",
            "Draft plan",
            "--text",
            "Plain *text* plan",
        ],
    );
    assert_eq!(saved["done"], "saved");
    let draft_id = id(&saved);
    let drafts = ok(&tenant, &home, &["mail", "list", "--folder", "drafts"]);
    assert_eq!(with_subject(&drafts, "Draft plan")["draft"], true);
    let also = ok(
        &tenant,
        &home,
        &[
            "mail",
            "send",
            "--to",
            BEN,
            "--subject",
            "Second draft",
            "--save-draft",
            "<p>Hi <script>x()</script></p>",
            "--html",
        ],
    );
    assert_eq!(also["done"], "saved");
    let second = ok(
        &tenant,
        &home,
        &[
            "mail",
            "get",
            also["id"].as_str().unwrap(),
            "--raw",
            "--html",
        ],
    );
    assert_eq!(second["body"]["content"], "<p>Hi </p>", "HTML is sanitized");
    let sent = ok(&tenant, &home, &["mail", "send", "--draft", &draft_id]);
    assert_eq!(sent["to"], json!([format!("Ben Okafor <{BEN}>")]));
    let drafts = ok(&tenant, &home, &["mail", "list", "--folder", "drafts"]);
    assert!(!subjects(&drafts).contains(&"Draft plan".to_owned()));
    let ben_inbox = ok_as(&tenant, &home, Some(&ben), &["mail", "list"]);
    let plan = with_subject(&ben_inbox, "Draft plan");
    let plan = ok_as(&tenant, &home, Some(&ben), &["mail", "get", &id(plan)]);
    assert_eq!(plan["text"], "Plain *text* plan");
    let error = fails(&tenant, &home, &["mail", "send", "--draft", &id(answer)], 2);
    assert!(
        error["message"].as_str().unwrap().contains("not a draft"),
        "{error}"
    );

    // A policy's signature ends every body msgate writes or sends: new mail, replies, and a
    // draft written before the signature was set. Ben writes from a home without a policy.
    let ben_home = Home::new();
    let unsigned = ok(
        &tenant,
        &home,
        &[
            "mail",
            "draft",
            "--to",
            BEN,
            "--subject",
            "Unsigned",
            "Hello",
        ],
    );
    ok_as(
        &tenant,
        &ben_home,
        Some(&ben),
        &[
            "mail",
            "send",
            "--to",
            "Ada Brennan",
            "--subject",
            "Ping",
            "ping",
        ],
    );
    home.write_config("[policy]\nsignature = \"Sent by an agent <via msgate>\"\n");
    ok(
        &tenant,
        &home,
        &[
            "mail",
            "send",
            "--to",
            BEN,
            "--subject",
            "Signed",
            "--text",
            "Hello",
        ],
    );
    ok(
        &tenant,
        &home,
        &["mail", "send", "--draft", unsigned["id"].as_str().unwrap()],
    );
    let ada_inbox = ok(&tenant, &home, &["mail", "list"]);
    let ping = id(with_subject(&ada_inbox, "Ping"));
    ok(&tenant, &home, &["mail", "reply", &ping, "pong"]);
    let ben_inbox = ok_as(&tenant, &ben_home, Some(&ben), &["mail", "list"]);
    for subject in ["Signed", "Unsigned"] {
        let message = id(with_subject(&ben_inbox, subject));
        let got = ok_as(&tenant, &ben_home, Some(&ben), &["mail", "get", &message]);
        assert!(
            got["text"]
                .as_str()
                .unwrap()
                .ends_with("Sent by an agent <via msgate>"),
            "{subject}: {got}"
        );
    }
    let pong = id(with_subject(&ben_inbox, "RE: Ping"));
    let pong = ok_as(
        &tenant,
        &ben_home,
        Some(&ben),
        &["mail", "get", &pong, "--html"],
    );
    assert!(
        pong["html"]
            .as_str()
            .unwrap()
            .contains("<p>pong</p><p>Sent by an agent &lt;via msgate&gt;</p>"),
        "{pong}"
    );
}

#[test]
fn a_large_attachment_goes_through_an_upload_session_and_comes_back_whole() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let ben = tenant.token_for(BEN, SCOPES);
    let large: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let large_path = home.path().join("capacity-model.bin");
    std::fs::write(&large_path, &large).unwrap();
    let small_path = home.path().join("notes.txt");
    std::fs::write(&small_path, "small notes\n").unwrap();

    tenant.reset_log();
    let sent = ok(
        &tenant,
        &home,
        &[
            "mail",
            "send",
            "--to",
            BEN,
            "--subject",
            "Capacity model",
            "--attach",
            large_path.to_str().unwrap(),
            "--attach",
            small_path.to_str().unwrap(),
            "The model is attached.",
        ],
    );
    assert_eq!(
        sent["attachments"],
        json!(["capacity-model.bin", "notes.txt"])
    );
    let log = writes(&tenant);
    let paths: Vec<&str> = log.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(paths[0], "/v1.0/me/messages", "a draft first: {log:?}");
    assert!(
        paths[1].ends_with("/attachments/createUploadSession"),
        "{log:?}"
    );
    assert!(
        paths[2].ends_with("/attachments"),
        "the small file posted: {log:?}"
    );
    assert!(paths[3].ends_with("/send"), "{log:?}");
    assert_eq!(paths.len(), 4, "{log:?}");
    let drafts = ok(&tenant, &home, &["mail", "list", "--folder", "drafts"]);
    assert!(!subjects(&drafts).contains(&"Capacity model".to_owned()));

    let inbox = ok_as(
        &tenant,
        &home,
        Some(&ben),
        &["mail", "list", "--search", "capacity"],
    );
    let arrived = with_subject(&inbox, "Capacity model");
    assert_eq!(arrived["has_attachments"], true);
    let arrived_id = id(arrived);
    let listed = ok_as(
        &tenant,
        &home,
        Some(&ben),
        &["mail", "attachments", "list", &arrived_id],
    );
    let sizes: Vec<(String, u64)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [
            ("capacity-model.bin".to_owned(), large.len() as u64),
            ("notes.txt".to_owned(), 12)
        ]
    );
    let error = fails_as_ben(&tenant, &home, &ben, &arrived_id);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("capacity-model.bin"),
        "{error}"
    );
    let out = home.path().join("downloads");
    std::fs::create_dir(&out).unwrap();
    let saved = ok_as(
        &tenant,
        &home,
        Some(&ben),
        &[
            "mail",
            "attachments",
            "download",
            &arrived_id,
            "--attachment",
            "capacity-model.bin",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(saved["bytes"], large.len());
    assert!(
        std::fs::read(out.join("capacity-model.bin")).unwrap() == large,
        "downloaded byte for byte"
    );

    // Small files travel inside the one sendMail request.
    tenant.reset_log();
    ok(
        &tenant,
        &home,
        &[
            "mail",
            "send",
            "--to",
            BEN,
            "--subject",
            "Notes",
            "--attach",
            small_path.to_str().unwrap(),
        ],
    );
    assert_eq!(
        writes(&tenant),
        [("POST".to_owned(), "/v1.0/me/sendMail".to_owned())]
    );
}

/// Downloading without naming one of several files: exit 2, listing them.
fn fails_as_ben(tenant: &Running, home: &Home, ben: &str, message: &str) -> Value {
    let output = run_as(
        tenant,
        home,
        Some(ben),
        &["--err-json", "mail", "attachments", "download", message],
    );
    assert_eq!(status(&output), 2, "{}", stderr(&output));
    error_json(&output)["error"].clone()
}

#[test]
fn messages_are_filed_flagged_categorized_marked_and_deleted() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let inbox = ok(&tenant, &home, &["mail", "list"]);
    let mockups = id(with_subject(&inbox, "Onboarding mock-ups v3"));
    let budget = id(with_subject(&inbox, "Budget sign-off needed"));

    let top = ok(&tenant, &home, &["mail", "folders", "create", "Design"]);
    assert_eq!(top["path"], "Design");
    let child = ok(
        &tenant,
        &home,
        &["mail", "folders", "create", "Q4", "--parent", "Design"],
    );
    assert_eq!(child["path"], "Design/Q4");
    assert_eq!(child["parent"], top["id"]);
    let folders = ok(&tenant, &home, &["mail", "folders", "list"]);
    let paths: Vec<&str> = folders
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let design = paths.iter().position(|p| *p == "Design").unwrap();
    assert_eq!(
        paths[design + 1],
        "Design/Q4",
        "children follow their parent: {paths:?}"
    );
    assert!(paths.contains(&"Projects/Release 4.2"), "{paths:?}");
    fails(
        &tenant,
        &home,
        &["mail", "folders", "create", "Q4", "--parent", "Design"],
        15,
    );

    let moved = ok(
        &tenant,
        &home,
        &["mail", "move", &mockups, "--folder", "Design/Q4"],
    );
    assert_ne!(
        moved["id"],
        mockups.as_str(),
        "a moved message has a new id"
    );
    let q4 = ok(&tenant, &home, &["mail", "list", "--folder", "Design/Q4"]);
    assert_eq!(subjects(&q4), ["Onboarding mock-ups v3"]);
    let inbox = ok(&tenant, &home, &["mail", "list"]);
    assert!(!subjects(&inbox).contains(&"Onboarding mock-ups v3".to_owned()));
    fails(&tenant, &home, &["mail", "get", &mockups], 13);
    let copied = ok(
        &tenant,
        &home,
        &["mail", "copy", &budget, "--folder", "archive"],
    );
    let archive = ok(&tenant, &home, &["mail", "list", "--folder", "archive"]);
    assert_eq!(subjects(&archive), ["Budget sign-off needed"]);
    assert_ne!(copied["id"], budget.as_str());
    ok(&tenant, &home, &["mail", "get", &budget]);

    let read = ok(&tenant, &home, &["mail", "mark", &budget, "--read"]);
    assert_eq!(read["unread"], false);
    assert_eq!(
        ok(&tenant, &home, &["mail", "get", &budget])["unread"],
        false
    );
    ok(&tenant, &home, &["mail", "mark", &budget, "--unread"]);
    assert_eq!(
        ok(&tenant, &home, &["mail", "get", &budget])["unread"],
        true
    );
    fails(&tenant, &home, &["mail", "mark", &budget], 2);

    assert_eq!(
        ok(&tenant, &home, &["mail", "flag", &budget])["flagged"],
        true
    );
    let done = ok(&tenant, &home, &["mail", "flag", &budget, "--complete"]);
    assert_eq!(
        (done["flagged"].clone(), done["flag_complete"].clone()),
        (json!(false), json!(true))
    );
    let raw = ok(&tenant, &home, &["mail", "get", &budget, "--raw"]);
    assert_eq!(raw["flag"]["flagStatus"], "complete");
    assert!(raw["flag"]["completedDateTime"].is_object());
    ok(&tenant, &home, &["mail", "flag", &budget, "--clear"]);
    let raw = ok(&tenant, &home, &["mail", "get", &budget, "--raw"]);
    assert_eq!(raw["flag"]["flagStatus"], "notFlagged");

    ok(
        &tenant,
        &home,
        &["mail", "categorize", &budget, "--category", "Finance"],
    );
    let both = ok(
        &tenant,
        &home,
        &[
            "mail",
            "categorize",
            &budget,
            "--category",
            "Urgent",
            "--category",
            "finance",
        ],
    );
    assert_eq!(both["categories"], json!(["Finance", "Urgent"]));
    assert_eq!(
        ok(&tenant, &home, &["mail", "get", &budget])["categories"],
        json!(["Finance", "Urgent"])
    );
    let cleared = ok(&tenant, &home, &["mail", "categorize", &budget, "--clear"]);
    assert!(cleared.get("categories").is_none());

    // Deleting is destructive: the default policy refuses it, a full one allows it.
    tenant.reset_log();
    let error = fails(&tenant, &home, &["mail", "delete", &budget], 16);
    assert!(
        error["message"].as_str().unwrap().contains("mail.delete"),
        "{error}"
    );
    assert!(writes(&tenant).is_empty());
    home.write_config("[policy]\npreset = \"full\"\n");
    let deleted = ok(&tenant, &home, &["mail", "delete", &budget]);
    assert_eq!(deleted, json!({"id": budget, "done": "deleted"}));
    fails(&tenant, &home, &["mail", "get", &budget], 13);
    fails(&tenant, &home, &["mail", "delete", &budget], 13);
}

#[test]
fn missing_ambiguous_not_permitted_and_out_of_scope() {
    let tenant = running(SCOPES);
    let home = Home::new();
    let unknown = "AAMkAGI2TG93AAA-ZGVmMDEzLTEyMzQtNDU2Ny1hYmNkLWVmMDEyMzQ1Njc4OQAAAAAAAAA=";
    for args in [
        vec!["mail", "get", unknown],
        vec!["mail", "thread", unknown],
        vec!["mail", "reply", unknown, "hi"],
        vec!["mail", "forward", unknown, "--to", BEN],
        vec!["mail", "move", unknown, "--folder", "archive"],
        vec!["mail", "flag", unknown],
        vec!["mail", "attachments", "list", unknown],
        vec!["mail", "list", "--folder", "Nowhere"],
        vec!["mail", "send", "--draft", unknown],
    ] {
        fails(&tenant, &home, &args, 13);
    }
    let error = fails(&tenant, &home, &["mail", "get", "not-an-id"], 2);
    assert!(
        error["message"].as_str().unwrap().contains("malformed"),
        "{error}"
    );

    // Two folders named Q4: the name alone is ambiguous, the path is not.
    ok(
        &tenant,
        &home,
        &["mail", "folders", "create", "Q4", "--parent", "inbox"],
    );
    ok(
        &tenant,
        &home,
        &["mail", "folders", "create", "Q4", "--parent", "Projects"],
    );
    let error = fails(&tenant, &home, &["mail", "list", "--folder", "Q4"], 2);
    assert!(
        error["message"].as_str().unwrap().contains("Projects/Q4"),
        "{error}"
    );
    ok(&tenant, &home, &["mail", "list", "--folder", "Projects/Q4"]);
    // A recipient named ambiguously (Okafor, O'Connor).
    tenant.reset_log();
    fails(
        &tenant,
        &home,
        &["mail", "send", "--to", "O", "--subject", "x", "hi"],
        2,
    );
    fails(
        &tenant,
        &home,
        &["mail", "send", "--to", "not-an-address@", "hi"],
        2,
    );
    fails(
        &tenant,
        &home,
        &["mail", "send", "--subject", "nobody", "hi"],
        2,
    );
    assert!(writes(&tenant).is_empty());

    // Too few permissions: the error names the one that would allow it.
    let basic = tenant.token_for(
        "ada.brennan@larkspur.example.invalid",
        &["User.Read", "Mail.ReadBasic"],
    );
    let output = run_as(
        &tenant,
        &home,
        Some(&basic),
        &["--err-json", "mail", "get", "x"],
    );
    assert_eq!(
        status(&output),
        2,
        "a malformed id is refused before permissions"
    );
    let inbox = ok_as(&tenant, &home, Some(&basic), &["mail", "list"]);
    let first = id(&inbox[0]);
    assert!(
        inbox[0].get("preview").is_none(),
        "Mail.ReadBasic reads no previews"
    );
    for (args, permission) in [
        (
            vec!["mail", "attachments", "list", first.as_str()],
            "Mail.Read",
        ),
        (vec!["mail", "flag", first.as_str()], "Mail.ReadWrite"),
        (
            vec!["mail", "send", "--to", BEN, "--subject", "x", "hi"],
            "Mail.Send",
        ),
        (vec!["mail", "reply", first.as_str(), "hi"], "Mail.Send"),
    ] {
        let mut with = vec!["--err-json"];
        with.extend(args.iter().copied());
        let output = run_as(&tenant, &home, Some(&basic), &with);
        assert_eq!(status(&output), 12, "{args:?}: {}", stderr(&output));
        let error = error_json(&output)["error"].clone();
        assert!(
            error["hint"].as_str().unwrap().contains(permission),
            "{args:?}: {error}"
        );
    }

    // A policy that keeps mail inside the company: outside recipients are refused before
    // anything is written, whichever way the mail would leave.
    home.write_config(
        "[profiles.default.policy.scopes]\nmail_domains = [\"larkspur.example.invalid\"]\n",
    );
    let inbox = ok(&tenant, &home, &["mail", "list"]);
    let from_tomas = id(with_subject(&inbox, "RE: Renewal terms for 2027"));
    tenant.reset_log();
    for args in [
        vec![
            "mail",
            "send",
            "--to",
            BEN,
            "--cc",
            TOMAS,
            "--subject",
            "Terms",
            "hi",
        ],
        vec!["mail", "draft", "--to", TOMAS, "--subject", "Terms", "hi"],
        vec!["mail", "reply", &from_tomas, "Terms attached"],
        vec![
            "mail",
            "forward",
            &from_tomas,
            "--to",
            "someone@elsewhere.example.invalid",
        ],
    ] {
        let error = fails(&tenant, &home, &args, 16);
        assert!(
            error["message"].as_str().unwrap().contains("mail_domains"),
            "{args:?}: {error}"
        );
    }
    assert!(writes(&tenant).is_empty(), "{:?}", tenant.requests());
    let inside = ok(
        &tenant,
        &home,
        &["mail", "send", "--to", BEN, "--subject", "Inside", "hi"],
    );
    assert_eq!(inside["done"], "sent");
}

#[test]
fn mail_works_while_graph_throttles() {
    let tenant = running(SCOPES);
    let home = Home::new();
    // Over 3 MB: through an upload session, whose fragments are throttled too.
    let attached = home.path().join("a.bin");
    std::fs::write(&attached, vec![7u8; 3 * 1024 * 1024 + 1000]).unwrap();
    tenant.set_faults(json!({"throttle_rate": 0.4, "retry_after_s": 0, "seed": 11}));
    let inbox = ok(&tenant, &home, &["mail", "list", "--unread"]);
    let first = id(&inbox[0]);
    ok(&tenant, &home, &["mail", "get", &first]);
    ok(&tenant, &home, &["mail", "thread", &first]);
    ok(&tenant, &home, &["mail", "folders", "list"]);
    ok(&tenant, &home, &["mail", "list", "--folder", "Release 4.2"]);
    ok(&tenant, &home, &["mail", "flag", &first]);
    ok(&tenant, &home, &["mail", "reply", &first, "On it."]);
    ok(
        &tenant,
        &home,
        &[
            "mail",
            "send",
            "--to",
            BEN,
            "--subject",
            "Throttled",
            "--attach",
            attached.to_str().unwrap(),
            "hi",
        ],
    );
    tenant.set_faults(json!({}));
    let throttled = tenant
        .requests()
        .iter()
        .filter(|(_, _, s)| *s == 429)
        .count();
    assert!(throttled > 0, "faults were on");
    let sent = ok(&tenant, &home, &["mail", "list", "--folder", "sentitems"]);
    let throttled_mail: Vec<&Value> = sent
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"] == "Throttled")
        .collect();
    assert_eq!(throttled_mail.len(), 1, "sent once");
    let attachments = ok(
        &tenant,
        &home,
        &["mail", "attachments", "list", &id(throttled_mail[0])],
    );
    assert_eq!(attachments[0]["size"], 3 * 1024 * 1024 + 1000);
    assert_eq!(
        ok(&tenant, &home, &["mail", "get", &first])["flagged"],
        true
    );
}
