//! The demo tenant's mail: a mailbox with the well-known folders for everyone, and two weeks of
//! correspondence delivered the way `sendMail` delivers — so every tenant recipient holds a
//! copy and every sender's Sent Items the original. Ada Brennan, the default user, gets a full
//! inbox: colleagues and outside contacts, unread and flagged mail, two threads of replies, an
//! attachment, a custom folder with a child folder, a draft, junk and deleted items.

use serde_json::{Value, json};

use super::folders::folder_doc;
use super::mailbox::{self, Mailbox, ROOT, WELL_KNOWN, id_of, stable_id};
use super::send::{Outgoing, deliver};
use super::shape::{self, Placement, date_time_time_zone};
use crate::clock;
use crate::store::Store;
use crate::tenant::DOMAIN;

const DEFAULT_USER: &str = "ada.brennan";
const PROJECTS: &str = "projects";
const RELEASE: &str = "projects/release-4.2";

/// Someone who writes or receives mail: a tenant user by nickname, or an outside contact.
#[derive(Clone, Copy)]
enum Who {
    User(&'static str),
    Outside(&'static str, &'static str),
}
use Who::{Outside, User};

const TOMAS: Who = Outside("Tomas Novak", "tomas.novak@northwind.example.invalid");
const PRIYA: Who = Outside("Priya Raman", "priya@fabrikam-design.example.invalid");
const MARTA: Who = Outside(
    "Marta Silva",
    "marta.silva@contoso-research.example.invalid",
);
const BILLING: Who = Outside("CloudHost Billing", "billing@cloudhost.example.invalid");
const WEEKLY: Who = Outside("Product Weekly", "newsletter@productweekly.example.invalid");
const PRIZES: Who = Outside("Prize Desk", "winner@prizes.example.invalid");

const EVERYONE: &[Who] = &[
    User("ada.brennan"),
    User("ben.okafor"),
    User("chloe.martin"),
    User("dev.patel"),
    User("elena.rossi"),
    User("farid.haddad"),
    User("grace.kim"),
    User("hugo.lindqvist"),
    User("ines.duarte"),
    User("jonas.weber"),
    User("kira.tanaka"),
    User("liam.oconnor"),
];

struct Letter {
    key: &'static str,
    from: Who,
    to: &'static [Who],
    cc: &'static [Who],
    subject: &'static str,
    html: &'static str,
    minutes_ago: i64,
    /// The conversation it belongs to, when it is part of a thread.
    thread: Option<&'static str>,
    unread: bool,
    /// Flagged for follow-up in the default user's mailbox.
    flagged: bool,
    importance: &'static str,
    /// Where the default user keeps it, when not in the Inbox.
    filed_in: Option<&'static str>,
    attachment: Option<(&'static str, &'static str, &'static [u8])>,
    /// Newsletters and notices land in "Other", not "Focused".
    other: bool,
}

const fn letter(
    key: &'static str,
    from: Who,
    to: &'static [Who],
    subject: &'static str,
    minutes_ago: i64,
    html: &'static str,
) -> Letter {
    Letter {
        key,
        from,
        to,
        cc: &[],
        subject,
        html,
        minutes_ago,
        thread: None,
        unread: false,
        flagged: false,
        importance: "normal",
        filed_in: None,
        attachment: None,
        other: false,
    }
}

const DAY: i64 = 24 * 60;
const RUNNER_COSTS: &[u8] =
    b"month,runner_hours,cost_eur\n2026-07,1180,3540\n2026-08,1240,3720\n2026-09,1410,4230\n";

const LETTERS: &[Letter] = &[
    Letter {
        cc: &[User("jonas.weber")],
        thread: Some("q3-roadmap"),
        ..letter(
            "roadmap-1",
            User("hugo.lindqvist"),
            &[User("ada.brennan"), User("grace.kim"), User("ines.duarte")],
            "Q3 roadmap review",
            13 * DAY + 120,
            "<p>Hi all,</p><p>Let's review the Q3 roadmap on Thursday. Please bring your top three bets and what you would cut.</p><p>Hugo</p>",
        )
    },
    Letter {
        thread: Some("q3-roadmap"),
        ..letter(
            "roadmap-2",
            User("grace.kim"),
            &[
                User("hugo.lindqvist"),
                User("ada.brennan"),
                User("ines.duarte"),
            ],
            "RE: Q3 roadmap review",
            13 * DAY,
            "<p>Engineering's top bet is the runner migration; I'd cut the legacy export rewrite.</p><p>Grace</p>",
        )
    },
    Letter {
        thread: Some("q3-roadmap"),
        ..letter(
            "roadmap-3",
            User("ada.brennan"),
            &[
                User("hugo.lindqvist"),
                User("grace.kim"),
                User("ines.duarte"),
            ],
            "RE: Q3 roadmap review",
            12 * DAY + 300,
            "<p>Product's bets: onboarding v3, usage-based pricing, and the 4.2 release. I agree on cutting the export rewrite.</p><p>Ada</p>",
        )
    },
    Letter {
        thread: Some("q3-roadmap"),
        flagged: true,
        ..letter(
            "roadmap-4",
            User("ines.duarte"),
            &[
                User("hugo.lindqvist"),
                User("ada.brennan"),
                User("grace.kim"),
            ],
            "RE: Q3 roadmap review",
            12 * DAY + 100,
            "<p>Finance can fund two of the three product bets this quarter. Ada, can you rank them by Friday?</p><p>Ines</p>",
        )
    },
    letter(
        "runner-pool",
        User("ben.okafor"),
        &[User("ada.brennan")],
        "CI runner pool migration",
        12 * DAY,
        "<p>Heads-up: the runner pool moves on Thursday. Builds may queue for up to ten minutes during the cut-over.</p><p>Ben</p>",
    ),
    Letter {
        other: true,
        ..letter(
            "invoice",
            BILLING,
            &[User("ada.brennan")],
            "Your invoice for October",
            11 * DAY,
            "<p>Your CloudHost invoice for October is ready. Amount due: EUR 4,230.00.</p><p>This is an automated message.</p>",
        )
    },
    Letter {
        thread: Some("renewal-2027"),
        ..letter(
            "renewal-1",
            TOMAS,
            &[User("ada.brennan")],
            "Renewal terms for 2027",
            10 * DAY,
            "<p>Hello Ada,</p><p>Our contract renews in January. Could you send the 2027 terms, including the volume discount we discussed?</p><p>Best regards,<br>Tomas Novak<br>Northwind Traders</p>",
        )
    },
    Letter {
        cc: &[User("ben.okafor")],
        flagged: true,
        attachment: Some(("runner-costs.csv", "text/csv", RUNNER_COSTS)),
        ..letter(
            "runner-costs",
            User("farid.haddad"),
            &[User("ada.brennan")],
            "Runner cost review numbers",
            9 * DAY + 200,
            "<p>Ada, the runner cost numbers for the last quarter are attached. September is up 13% on August.</p><p>Farid</p>",
        )
    },
    Letter {
        thread: Some("renewal-2027"),
        ..letter(
            "renewal-2",
            User("ada.brennan"),
            &[TOMAS],
            "RE: Renewal terms for 2027",
            9 * DAY,
            "<p>Hi Tomas,</p><p>Thanks for reaching out. I'll have the 2027 terms to you next week, with the volume discount included.</p><p>Ada</p>",
        )
    },
    Letter {
        other: true,
        ..letter(
            "weekly-pricing",
            WEEKLY,
            &[User("ada.brennan")],
            "Product Weekly: pricing pages that convert",
            8 * DAY,
            "<h1>Product Weekly</h1><p>This week: five pricing pages that convert, and why annual plans win.</p>",
        )
    },
    letter(
        "mockups",
        User("chloe.martin"),
        &[User("ada.brennan")],
        "Onboarding mock-ups v3",
        7 * DAY,
        "<p>The v3 onboarding mock-ups are in the design channel. Step two is simpler now.</p><p>Chloe</p>",
    ),
    letter(
        "pricing-copy",
        User("ada.brennan"),
        &[User("chloe.martin"), User("liam.oconnor")],
        "Pricing page copy",
        6 * DAY + 60,
        "<p>Chloe, Liam — here is the outline for the new pricing page copy. Can we have a draft by Wednesday?</p><p>Ada</p>",
    ),
    Letter {
        cc: &[User("chloe.martin")],
        ..letter(
            "brand",
            PRIYA,
            &[User("ada.brennan")],
            "Brand refresh — first concepts",
            6 * DAY,
            "<p>Hi Ada,</p><p>Our first concepts for the brand refresh are ready. Would Tuesday work for a walkthrough?</p><p>Priya</p>",
        )
    },
    Letter {
        cc: &[User("grace.kim")],
        ..letter(
            "token-scanning",
            User("elena.rossi"),
            &[User("ada.brennan")],
            "Token scanning in CI — release note wording",
            5 * DAY,
            "<p>Suggested wording: \"Every pull request is now scanned for leaked credentials.\" OK for the release notes?</p><p>Elena</p>",
        )
    },
    Letter {
        unread: true,
        ..letter(
            "interviews",
            MARTA,
            &[User("ada.brennan")],
            "Customer interview recap",
            4 * DAY,
            "<p>Hi Ada,</p><p>Recap of the six customer interviews: export speed came up in four of them.</p><p>Marta</p>",
        )
    },
    Letter {
        filed_in: Some(RELEASE),
        ..letter(
            "release-notes",
            User("liam.oconnor"),
            &[User("ada.brennan")],
            "Release notes draft for 4.2",
            3 * DAY + 200,
            "<p>The 4.2 release notes draft is ready for review.</p><p>Liam</p>",
        )
    },
    Letter {
        unread: true,
        filed_in: Some(RELEASE),
        ..letter(
            "rollout",
            User("dev.patel"),
            &[
                User("ada.brennan"),
                User("liam.oconnor"),
                User("kira.tanaka"),
            ],
            "4.2 rollout plan",
            3 * DAY,
            "<p>Rollout plan: 10% on Monday, 50% on Wednesday, everyone on Friday. Rollback is one click.</p><p>Dev</p>",
        )
    },
    letter(
        "expansion",
        User("jonas.weber"),
        &[User("ada.brennan")],
        "Northwind expansion — pricing question",
        2 * DAY + 300,
        "<p>Northwind wants to add two more teams. Can we extend the volume discount to them?</p><p>Jonas</p>",
    ),
    Letter {
        unread: true,
        ..letter(
            "on-call",
            User("grace.kim"),
            &[User("ben.okafor"), User("dev.patel"), User("elena.rossi")],
            "On-call rotation for December",
            2 * DAY + 100,
            "<p>The December on-call rotation is in the team calendar. Swap requests by Friday, please.</p><p>Grace</p>",
        )
    },
    Letter {
        thread: Some("renewal-2027"),
        unread: true,
        flagged: true,
        importance: "high",
        ..letter(
            "renewal-3",
            TOMAS,
            &[User("ada.brennan")],
            "RE: Renewal terms for 2027",
            2 * DAY,
            "<p>Hi Ada,</p><p>Just following up — our procurement team needs the terms by the end of the month.</p><p>Tomas</p>",
        )
    },
    Letter {
        cc: &[User("dev.patel")],
        unread: true,
        ..letter(
            "export-tickets",
            User("kira.tanaka"),
            &[User("ada.brennan")],
            "Export timeout tickets",
            DAY + 200,
            "<p>Two more tickets about the export timeout today. Is the fix in 4.2?</p><p>Kira</p>",
        )
    },
    Letter {
        other: true,
        ..letter(
            "maintenance",
            BILLING,
            &[User("ada.brennan")],
            "Scheduled maintenance on Saturday",
            DAY + 100,
            "<p>CloudHost will perform scheduled maintenance on Saturday from 02:00 to 04:00 UTC.</p>",
        )
    },
    Letter {
        unread: true,
        ..letter(
            "escalation",
            User("jonas.weber"),
            &[User("kira.tanaka")],
            "Escalation: Northwind export issue",
            DAY,
            "<p>Kira, Northwind escalated the export timeout. Can you own the follow-up?</p><p>Jonas</p>",
        )
    },
    letter(
        "one-on-one",
        User("grace.kim"),
        &[User("ada.brennan")],
        "1:1 agenda",
        20 * 60,
        "<p>Agenda for our 1:1: runner costs, hiring, and the export fix.</p><p>Grace</p>",
    ),
    Letter {
        unread: true,
        ..letter(
            "all-hands",
            User("hugo.lindqvist"),
            EVERYONE,
            "All-hands on Friday",
            6 * 60,
            "<p>Hi everyone,</p><p>All-hands is on Friday at 16:00 in the Harbour Office and online. Bring questions!</p><p>Hugo</p>",
        )
    },
    Letter {
        unread: true,
        importance: "high",
        ..letter(
            "budget",
            User("ines.duarte"),
            &[User("ada.brennan")],
            "Budget sign-off needed",
            3 * 60,
            "<p>Ada, I need your sign-off on the Q1 product budget by tomorrow noon.</p><p>Ines</p>",
        )
    },
    Letter {
        unread: true,
        ..letter(
            "pricing-question",
            User("chloe.martin"),
            &[User("ada.brennan")],
            "Quick question about the pricing page",
            40,
            "<p>Should the annual plan be the default toggle on the pricing page?</p><p>Chloe</p>",
        )
    },
    Letter {
        other: true,
        filed_in: Some("deleteditems"),
        ..letter(
            "weekly-onboarding",
            WEEKLY,
            &[User("ada.brennan")],
            "Product Weekly: onboarding teardown",
            13 * DAY,
            "<h1>Product Weekly</h1><p>This week: an onboarding teardown of three popular apps.</p>",
        )
    },
    Letter {
        unread: true,
        other: true,
        filed_in: Some("junkemail"),
        ..letter(
            "prize",
            PRIZES,
            &[User("ada.brennan")],
            "You have been selected!",
            5 * 60,
            "<p>Congratulations! Claim your prize today.</p>",
        )
    },
];

fn user_id(nickname: &str) -> String {
    crate::seed::user_id(nickname)
}

fn recipient(who: Who, directory: &[Value]) -> Value {
    match who {
        User(nick) => directory
            .iter()
            .find(|u| u["id"] == user_id(nick).as_str())
            .map(shape::recipient_of)
            .unwrap_or(Value::Null),
        Outside(name, address) => json!({"emailAddress": {"name": name, "address": address}}),
    }
}

/// A mailbox for every user: the root, the well-known folders, and for the default user a
/// custom folder with a child folder.
async fn folders(store: &Store, directory: &[Value]) -> msgate_core::Result<()> {
    for user in directory {
        let mailbox = Mailbox::new(store, id_of(user));
        let root = mailbox.well_known_id(ROOT);
        let top = mailbox.well_known_id("root");
        mailbox
            .put_folder(&folder_doc(&root, "Top of Information Store", &top))
            .await?;
        for (name, display) in WELL_KNOWN {
            let folder = folder_doc(&mailbox.well_known_id(name), display, &root);
            mailbox.put_folder(&folder).await?;
        }
    }
    let ada = user_id(DEFAULT_USER);
    let mailbox = Mailbox::new(store, &ada);
    let projects = mailbox.well_known_id(PROJECTS);
    let root = mailbox.well_known_id(ROOT);
    mailbox
        .put_folder(&folder_doc(&projects, "Projects", &root))
        .await?;
    mailbox
        .put_folder(&folder_doc(
            &mailbox.well_known_id(RELEASE),
            "Release 4.2",
            &projects,
        ))
        .await
}

pub async fn mailboxes(store: &Store) -> msgate_core::Result<()> {
    let directory = store.list("user", "").await?;
    folders(store, &directory).await?;
    let mut threads: Vec<(&str, String)> = Vec::new();
    for letter in LETTERS {
        let (conversation, index) = conversation(letter, &mut threads);
        send(store, &directory, letter, &conversation, &index).await?;
    }
    draft(store, &directory).await
}

/// The conversation id and index of a letter: a thread's replies extend its root's index.
fn conversation(letter: &Letter, threads: &mut Vec<(&'static str, String)>) -> (String, String) {
    let thread = letter.thread.unwrap_or(letter.key);
    let seed = mailbox::digest(letter.key);
    let index = match threads.iter().find(|(t, _)| *t == thread) {
        Some((_, parent)) => mailbox::child_conversation_index(parent, &seed),
        None => mailbox::conversation_index(&mailbox::digest(thread)),
    };
    threads.retain(|(t, _)| *t != thread);
    if let Some(key) = letter.thread {
        threads.push((key, index.clone()));
    }
    (mailbox::conversation_id(thread), index)
}

async fn send(
    store: &Store,
    directory: &[Value],
    letter: &Letter,
    conversation: &str,
    index: &str,
) -> msgate_core::Result<()> {
    let at = clock::minutes_ago(letter.minutes_ago);
    let list = |people: &[Who]| -> Vec<Value> {
        people.iter().map(|w| recipient(*w, directory)).collect()
    };
    let sender = match letter.from {
        User(nick) => directory
            .iter()
            .find(|u| u["id"] == user_id(nick).as_str())
            .cloned()
            .unwrap_or(Value::Null),
        Outside(name, address) => json!({"id": "", "displayName": name, "mail": address}),
    };
    let content = json!({
        "subject": letter.subject,
        "body": {"contentType": "html", "content": format!("<html><body>{}</body></html>", letter.html)},
        "importance": letter.importance,
        "categories": [],
        "toRecipients": list(letter.to),
        "ccRecipients": list(letter.cc),
        "bccRecipients": [],
        "replyTo": [],
        "from": recipient(letter.from, directory),
        "sender": recipient(letter.from, directory),
        "flag": {"flagStatus": "notFlagged"},
        "inferenceClassification": if letter.other { "other" } else { "focused" },
        "isDeliveryReceiptRequested": false,
        "isReadReceiptRequested": false,
        "internetMessageId": null,
        "conversationId": conversation,
        "conversationIndex": index,
    });
    let attachments: Vec<Value> = letter
        .attachment
        .iter()
        .map(|(name, content_type, bytes)| {
            super::attachments::file_doc("", name, content_type, bytes, &at)
        })
        .collect();
    let out = Outgoing {
        sender: &sender,
        content: &content,
        attachments: &attachments,
        at: &at,
        save_to_sent: matches!(letter.from, User(_)),
    };
    let key = letter.key;
    let id_for = |salt: &str| stable_id(&format!("mail:{key}:{salt}"));
    let delivery = deliver(store, directory, &out, &id_for).await?;
    let ada = user_id(DEFAULT_USER);
    for (owner, mut copy) in delivery.copies {
        if copy["parentFolderId"] == Mailbox::new(store, &owner).well_known_id("sentitems") {
            continue;
        }
        copy["isRead"] = json!(!letter.unread);
        if owner == ada {
            file(store, &owner, letter, &mut copy);
        }
        Mailbox::new(store, &owner).put_message(&copy).await?;
    }
    Ok(())
}

/// How the default user keeps a letter: its folder and follow-up flag.
fn file(store: &Store, owner: &str, letter: &Letter, copy: &mut Value) {
    let mailbox = Mailbox::new(store, owner);
    if let Some(folder) = letter.filed_in {
        copy["parentFolderId"] = json!(mailbox.well_known_id(folder));
    }
    if letter.flagged {
        let received = copy["receivedDateTime"].as_str().unwrap_or_default();
        let due = clock::minutes_ago(letter.minutes_ago - 3 * DAY);
        copy["flag"] = json!({
            "flagStatus": "flagged",
            "startDateTime": date_time_time_zone(received),
            "dueDateTime": date_time_time_zone(&due),
        });
    }
}

async fn draft(store: &Store, directory: &[Value]) -> msgate_core::Result<()> {
    let ada = user_id(DEFAULT_USER);
    let mailbox = Mailbox::new(store, &ada);
    let at = clock::minutes_ago(90);
    let content = json!({
        "subject": "Customer summary for 4.2",
        "body": {"contentType": "html", "content": "<html><body><p>Liam, Kira — draft customer summary for 4.2:</p><ul><li>Faster exports</li><li>Token scanning on every pull request</li></ul></body></html>"},
        "importance": "normal",
        "categories": ["Release"],
        "toRecipients": [recipient(User("liam.oconnor"), directory), recipient(User("kira.tanaka"), directory)],
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "from": null,
        "sender": null,
        "flag": {"flagStatus": "notFlagged"},
        "inferenceClassification": "focused",
        "isDeliveryReceiptRequested": false,
        "isReadReceiptRequested": false,
        "internetMessageId": format!("<draft-customer-summary@{DOMAIN}>"),
        "conversationId": mailbox::conversation_id("draft-customer-summary"),
        "conversationIndex": mailbox::conversation_index(&mailbox::digest("draft-customer-summary")),
        "hasAttachments": false,
    });
    let id = stable_id(&format!("mail:draft-customer-summary:{ada}"));
    let drafts = mailbox.well_known_id("drafts");
    let doc = shape::place(
        &content,
        &Placement {
            id: &id,
            folder: &drafts,
            is_read: true,
            is_draft: true,
            created: &at,
            received: &at,
            sent: None,
            change_key: &mailbox::change_key(),
        },
    );
    mailbox.put_message(&doc).await
}
