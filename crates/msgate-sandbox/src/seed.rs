//! The demo tenant: Larkspur Labs, twelve people with managers and presence, and what they work
//! with — three teams with channels, threaded conversations (mentions, reactions, replies, an
//! inline image), installed apps and tags; one-on-one and group chats; outside contacts and a
//! To Do list each (tasks for the default user, Ada Brennan); a mailbox each with two weeks of
//! mail between them and outside correspondents; a calendar each around a realistic working
//! week of meetings; a OneDrive each and every team's document library; and, for the past
//! week's Teams meetings, online meetings with transcripts, recordings and attendance reports.
//!
//! This module seeds the people, teams and chats and calls each area's own seed for the rest
//! (`graph::mail::seed`, `graph::calendar::seed`, `graph::files::seed`, …). Ids are derived from
//! names, so they are the same on every start; dates are relative to now.

use serde_json::{Value, json};

use crate::ids;
use crate::model::{self, NewMessage, Person, Place};
use crate::store::Store;
use crate::tenant::Tenant;
use crate::{clock, graph};

/// (mail nickname, given name, surname, job title, department, manager's nickname, availability)
const PEOPLE: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "ada.brennan",
        "Ada",
        "Brennan",
        "Product Manager",
        "Product",
        "hugo.lindqvist",
        "Available",
    ),
    (
        "ben.okafor",
        "Ben",
        "Okafor",
        "Platform Engineer",
        "Engineering",
        "grace.kim",
        "Busy",
    ),
    (
        "chloe.martin",
        "Chloe",
        "Martin",
        "Designer",
        "Product",
        "ada.brennan",
        "Available",
    ),
    (
        "dev.patel",
        "Dev",
        "Patel",
        "Site Reliability Engineer",
        "Engineering",
        "grace.kim",
        "Away",
    ),
    (
        "elena.rossi",
        "Elena",
        "Rossi",
        "Security Engineer",
        "Engineering",
        "grace.kim",
        "DoNotDisturb",
    ),
    (
        "farid.haddad",
        "Farid",
        "Haddad",
        "Data Analyst",
        "Finance",
        "ines.duarte",
        "Available",
    ),
    (
        "grace.kim",
        "Grace",
        "Kim",
        "Engineering Manager",
        "Engineering",
        "hugo.lindqvist",
        "Busy",
    ),
    (
        "hugo.lindqvist",
        "Hugo",
        "Lindqvist",
        "Chief Executive Officer",
        "Executive",
        "",
        "Offline",
    ),
    (
        "ines.duarte",
        "Ines",
        "Duarte",
        "Finance Lead",
        "Finance",
        "hugo.lindqvist",
        "Available",
    ),
    (
        "jonas.weber",
        "Jonas",
        "Weber",
        "Sales Lead",
        "Sales",
        "hugo.lindqvist",
        "BeRightBack",
    ),
    (
        "kira.tanaka",
        "Kira",
        "Tanaka",
        "Support Engineer",
        "Support",
        "jonas.weber",
        "Available",
    ),
    (
        "liam.oconnor",
        "Liam",
        "O'Connor",
        "Technical Writer",
        "Product",
        "ada.brennan",
        "Away",
    ),
];

pub fn user_id(nickname: &str) -> String {
    ids::stable_guid(&format!("user:{nickname}"))
}

fn activity_for(availability: &str) -> &'static str {
    match availability {
        "Available" => "Available",
        "Busy" => "InACall",
        "DoNotDisturb" => "Presenting",
        "BeRightBack" => "BeRightBack",
        "Away" => "Away",
        _ => "Offline",
    }
}

pub async fn demo(store: &Store, tenant: &Tenant, graph_url: &str) -> msgate_core::Result<()> {
    let mut users = Vec::new();
    for (nick, given, surname, title, department, manager, availability) in PEOPLE {
        let id = user_id(nick);
        let upn = model::upn(nick);
        let user = json!({
            "id": id,
            "displayName": format!("{given} {surname}"),
            "givenName": given,
            "surname": surname,
            "userPrincipalName": upn,
            "mail": upn,
            "jobTitle": title,
            "department": department,
            "officeLocation": "Harbour Office",
            "businessPhones": [],
            "mobilePhone": null,
            "preferredLanguage": "en-US",
            "accountEnabled": true,
            "userType": "Member",
            "mailNickname": nick,
        });
        store.put("user", "", &id, &user).await?;
        if !manager.is_empty() {
            store
                .put("manager", &id, "manager", &json!({"id": user_id(manager)}))
                .await?;
        }
        let presence = json!({
            "id": id,
            "availability": availability,
            "activity": activity_for(availability),
            "statusMessage": null,
        });
        store.put("presence", "", &id, &presence).await?;
        users.push(user);
    }
    let person = |nick: &str| -> Person<'_> {
        let id = user_id(nick);
        let user = users.iter().find(|u| u["id"] == id.as_str());
        user.map(Person::of).unwrap_or(Person {
            id: "",
            display_name: "",
            upn: "",
        })
    };

    seed_teams(store, tenant, &person).await?;
    seed_inline_image(store, &person, graph_url).await?;
    let user_ids: Vec<String> = PEOPLE.iter().map(|p| user_id(p.0)).collect();
    graph::people::seed(store, &user_ids).await?;
    graph::todo::seed(store, &user_ids).await?;
    let mut teams = Vec::new();
    for team in store.list("team", "").await? {
        let id = team["id"].as_str().unwrap_or_default().to_owned();
        let members = store.list("teamMember", &id).await?;
        let member_ids = members
            .iter()
            .filter_map(|m| m["userId"].as_str().map(str::to_owned))
            .collect();
        teams.push((id, member_ids));
    }
    graph::team_apps::seed(store, &teams).await?;
    graph::mail::seed(store, tenant, graph_url).await?;
    graph::calendar::seed(store, tenant, graph_url).await?;
    graph::files::seed(store, tenant, graph_url).await?;
    graph::meetings::seed(store, tenant, graph_url).await?;
    seed_chats(store, tenant, &person).await?;
    Ok(())
}

struct Say<'a> {
    from: &'a str,
    minutes_ago: i64,
    html: &'a str,
    mentions: &'a [(u32, &'a str)],
    reactions: &'a [(&'a str, &'a str)],
}

const fn say<'a>(from: &'a str, minutes_ago: i64, html: &'a str) -> Say<'a> {
    Say {
        from,
        minutes_ago,
        html,
        mentions: &[],
        reactions: &[],
    }
}

fn build_message<'p>(
    place: &Place<'_>,
    say: &Say<'_>,
    person: &impl Fn(&str) -> Person<'p>,
) -> Value {
    // Teams message ids are the creation time in milliseconds.
    let at = clock::minutes_before_now(say.minutes_ago);
    let id = at.as_millisecond().to_string();
    let created = clock::format_millis(at);
    let mentions: Vec<Value> = say
        .mentions
        .iter()
        .map(|(index, nick)| model::mention(*index, &person(nick)))
        .collect();
    let reactions: Vec<Value> = say
        .reactions
        .iter()
        .map(|(kind, nick)| model::reaction(kind, &person(nick), &created))
        .collect();
    model::message(
        place,
        NewMessage {
            id: &id,
            created: &created,
            from: model::from_user(&person(say.from)),
            body: json!({"contentType": "html", "content": say.html}),
            mentions: Value::Array(mentions),
            attachments: json!([]),
            reactions: Value::Array(reactions),
            importance: "normal",
            subject: None,
        },
        "https://teams.example.invalid",
    )
}

async fn seed_teams<'p>(
    store: &Store,
    tenant: &Tenant,
    person: &impl Fn(&str) -> Person<'p>,
) -> msgate_core::Result<()> {
    let everyone: Vec<&str> = PEOPLE.iter().map(|p| p.0).collect();
    let teams: [(&str, &str, &[&str], Vec<&str>); 3] = [
        (
            "Platform",
            "Infrastructure, CI and the developer platform",
            &["General", "eng", "releases"],
            vec![
                "grace.kim",
                "ben.okafor",
                "dev.patel",
                "elena.rossi",
                "ada.brennan",
            ],
        ),
        (
            "Product",
            "Roadmap, design and customer research",
            &["General", "roadmap", "design"],
            vec![
                "ada.brennan",
                "chloe.martin",
                "liam.oconnor",
                "hugo.lindqvist",
                "kira.tanaka",
            ],
        ),
        (
            "All Company",
            "Announcements for everyone at Larkspur Labs",
            &["General", "announcements"],
            everyone,
        ),
    ];
    for (name, description, channels, members) in &teams {
        let team_id = ids::stable_guid(&format!("team:{name}"));
        let team = json!({
            "id": team_id,
            "displayName": name,
            "description": description,
            "createdDateTime": clock::minutes_ago(60 * 24 * 400),
            "classification": null,
            "specialization": "none",
            "visibility": "private",
            "webUrl": format!("https://teams.example.invalid/l/team/{}", ids::channel_id(&format!("{name}/General"))),
            "isArchived": false,
            "tenantId": tenant.id,
            "internalId": ids::channel_id(&format!("{name}/General")),
            // Teams' defaults for a new team.
            "memberSettings": {
                "allowCreateUpdateChannels": true,
                "allowCreatePrivateChannels": true,
                "allowDeleteChannels": true,
                "allowAddRemoveApps": true,
                "allowCreateUpdateRemoveTabs": true,
                "allowCreateUpdateRemoveConnectors": true,
            },
            "guestSettings": {"allowCreateUpdateChannels": false, "allowDeleteChannels": false},
            "messagingSettings": {
                "allowUserEditMessages": true,
                "allowUserDeleteMessages": true,
                "allowOwnerDeleteMessages": true,
                "allowTeamMentions": true,
                "allowChannelMentions": true,
            },
            "funSettings": {
                "allowGiphy": true,
                "giphyContentRating": "moderate",
                "allowStickersAndMemes": true,
                "allowCustomMemes": true,
            },
        });
        store.put("team", "", &team_id, &team).await?;
        for (i, nick) in members.iter().enumerate() {
            let member = model::member(&team_id, &person(nick), &tenant.id, i == 0);
            store
                .put(
                    "teamMember",
                    &team_id,
                    member["id"].as_str().unwrap_or_default(),
                    &member,
                )
                .await?;
        }
        for channel_name in *channels {
            let channel_id = ids::channel_id(&format!("{name}/{channel_name}"));
            let channel = json!({
                "id": channel_id,
                "createdDateTime": clock::minutes_ago(60 * 24 * 400),
                "displayName": channel_name,
                "description": if *channel_name == "General" { Value::Null } else { json!(format!("{name} — {channel_name}")) },
                "isFavoriteByDefault": *channel_name == "General",
                "email": "",
                "webUrl": format!("https://teams.example.invalid/l/channel/{channel_id}/{channel_name}"),
                "membershipType": "standard",
                "isArchived": false,
                "tenantId": tenant.id,
            });
            store
                .put("channel", &team_id, &channel_id, &channel)
                .await?;
        }
    }

    let platform = ids::stable_guid("team:Platform");
    let eng = ids::channel_id("Platform/eng");
    let place = Place::Channel {
        team_id: &platform,
        channel_id: &eng,
        reply_to: None,
    };
    let threads: [(Say<'_>, Vec<Say<'_>>); 2] = [
        (
            Say {
                from: "grace.kim",
                minutes_ago: 60 * 26,
                html: "<p>The CI runners move to the new pool on Thursday. <at id=\"0\">Ben Okafor</at> can you own the cut-over?</p>",
                mentions: &[(0, "ben.okafor")],
                reactions: &[("like", "ben.okafor"), ("like", "dev.patel")],
            },
            vec![
                say(
                    "ben.okafor",
                    60 * 25,
                    "<p>Yes — I'll post the runbook here by Wednesday.</p>",
                ),
                say(
                    "dev.patel",
                    60 * 24,
                    "<p>Please keep the old pool warm for a day in case we need to roll back.</p>",
                ),
            ],
        ),
        (
            Say {
                from: "elena.rossi",
                minutes_ago: 90,
                html: "<p>Heads-up: token scanning now runs on every pull request. <at id=\"0\">Ada Brennan</at>, it will show up in the release notes.</p>",
                mentions: &[(0, "ada.brennan")],
                reactions: &[("heart", "ada.brennan")],
            },
            vec![say(
                "ada.brennan",
                80,
                "<p>Great, thanks — I'll add a line for customers.</p>",
            )],
        ),
    ];
    for (root, replies) in &threads {
        let message = build_message(&place, root, person);
        let root_id = message["id"].as_str().unwrap_or_default().to_owned();
        store
            .put("message", &format!("{platform}/{eng}"), &root_id, &message)
            .await?;
        let reply_place = Place::Channel {
            team_id: &platform,
            channel_id: &eng,
            reply_to: Some(&root_id),
        };
        for reply in replies {
            let reply = build_message(&reply_place, reply, person);
            store
                .put(
                    "reply",
                    &format!("{platform}/{eng}/{root_id}"),
                    reply["id"].as_str().unwrap_or_default(),
                    &reply,
                )
                .await?;
        }
    }
    Ok(())
}

/// A 2×2 PNG in Larkspur blue, the inline image of the design channel's mock-up thread.
const MOCKUP_PNG: [u8; 73] = [
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0,
    0, 0, 253, 212, 154, 115, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 208, 206, 217, 0, 68, 12,
    16, 10, 0, 33, 190, 5, 29, 166, 36, 222, 177, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

async fn seed_inline_image<'p>(
    store: &Store,
    person: &impl Fn(&str) -> Person<'p>,
    graph_url: &str,
) -> msgate_core::Result<()> {
    use base64::Engine;
    let team = ids::stable_guid("team:Product");
    let channel = ids::channel_id("Product/design");
    let at = clock::minutes_before_now(60 * 7);
    let message_id = at.as_millisecond().to_string();
    let content_id = base64::engine::general_purpose::STANDARD
        .encode(format!("id=x_0-wus-d1-seed-mockup,type=1,url={message_id}"));
    let url = format!(
        "{graph_url}/teams/{team}/channels/{channel}/messages/{message_id}/hostedContents/{content_id}/$value"
    );
    let html = format!(
        "<p>New onboarding mock-up, step two:</p><p><img src=\"{url}\" alt=\"onboarding mock-up\" style=\"width:240px\"></p>"
    );
    let place = Place::Channel {
        team_id: &team,
        channel_id: &channel,
        reply_to: None,
    };
    let message = model::message(
        &place,
        NewMessage {
            id: &message_id,
            created: &clock::format_millis(at),
            from: model::from_user(&person("chloe.martin")),
            body: json!({"contentType": "html", "content": html}),
            mentions: json!([]),
            attachments: json!([]),
            reactions: json!([]),
            importance: "normal",
            subject: Some("Onboarding mock-up"),
        },
        "https://teams.example.invalid",
    );
    let parent = format!("{team}/{channel}");
    store.put("message", &parent, &message_id, &message).await?;
    let content = json!({
        "id": content_id,
        "contentBytes": base64::engine::general_purpose::STANDARD.encode(MOCKUP_PNG),
        "contentType": "image/png",
    });
    store
        .put(
            "hostedContent",
            &format!("{parent}/{message_id}"),
            &content_id,
            &content,
        )
        .await
}

async fn seed_chats<'p>(
    store: &Store,
    tenant: &Tenant,
    person: &impl Fn(&str) -> Person<'p>,
) -> msgate_core::Result<()> {
    let ada = user_id("ada.brennan");
    let chats: [(Option<&str>, Vec<&str>, Vec<Say<'_>>); 4] = [
        (
            None,
            vec!["ada.brennan", "chloe.martin"],
            vec![
                say(
                    "chloe.martin",
                    60 * 5,
                    "<p>I pushed the new onboarding mock-ups to the design channel.</p>",
                ),
                say(
                    "ada.brennan",
                    60 * 4,
                    "<p>Looks good! Can we drop the third step?</p>",
                ),
                say(
                    "chloe.martin",
                    30,
                    "<p>Done — take another look when you have a minute.</p>",
                ),
            ],
        ),
        (
            None,
            vec!["ada.brennan", "ben.okafor"],
            vec![
                say(
                    "ben.okafor",
                    60 * 30,
                    "<p>Do you have the numbers for the runner cost review?</p>",
                ),
                say(
                    "ada.brennan",
                    60 * 29,
                    "<p>Farid is pulling them together, should be ready tomorrow.</p>",
                ),
            ],
        ),
        (
            Some("Quarterly planning review"),
            vec!["ada.brennan", "grace.kim", "ines.duarte", "hugo.lindqvist"],
            vec![
                say(
                    "hugo.lindqvist",
                    60 * 48,
                    "<p>Agenda for the quarterly planning review is in the meeting invite.</p>",
                ),
                Say {
                    from: "ines.duarte",
                    minutes_ago: 60 * 3,
                    html: "<p><at id=\"0\">Ada Brennan</at> could you add the roadmap slide before Friday?</p>",
                    mentions: &[(0, "ada.brennan")],
                    reactions: &[],
                },
            ],
        ),
        (
            Some("Release 4.2"),
            vec!["ada.brennan", "dev.patel", "liam.oconnor", "kira.tanaka"],
            vec![
                say(
                    "liam.oconnor",
                    60 * 6,
                    "<p>Release notes draft is ready for review.</p>",
                ),
                Say {
                    from: "kira.tanaka",
                    minutes_ago: 15,
                    html: "<p>Support saw two tickets about the export timeout — is the fix in 4.2?</p>",
                    mentions: &[],
                    reactions: &[("surprised", "dev.patel")],
                },
            ],
        ),
    ];
    for (topic, members, messages) in &chats {
        let member_ids: Vec<String> = members.iter().map(|n| user_id(n)).collect();
        let (chat_id, chat_type) = match topic {
            None => (
                ids::one_on_one_chat_id(&member_ids[0], &member_ids[1]),
                "oneOnOne",
            ),
            Some(topic) => (ids::chat_thread_id(topic), "group"),
        };
        let created = clock::minutes_ago(60 * 24 * 90);
        let last = messages
            .iter()
            .map(|m| m.minutes_ago)
            .min()
            .map(clock::minutes_ago)
            .unwrap_or_else(|| created.clone());
        let chat = json!({
            "id": chat_id,
            "topic": topic,
            "createdDateTime": created,
            "lastUpdatedDateTime": last,
            "chatType": chat_type,
            "webUrl": format!("https://teams.example.invalid/l/chat/{chat_id}/0"),
            "tenantId": tenant.id,
            "isHiddenForAllMembers": false,
            "onlineMeetingInfo": null,
            "viewpoint": {"isHidden": false, "lastMessageReadDateTime": clock::minutes_ago(60 * 5)},
        });
        store.put("chat", "", &chat_id, &chat).await?;
        for (i, nick) in members.iter().enumerate() {
            let member = model::member(
                &chat_id,
                &person(nick),
                &tenant.id,
                i == 0 || member_ids[i] == ada,
            );
            store
                .put(
                    "chatMember",
                    &chat_id,
                    member["id"].as_str().unwrap_or_default(),
                    &member,
                )
                .await?;
        }
        let place = Place::Chat(&chat_id);
        let mut ordered: Vec<&Say<'_>> = messages.iter().collect();
        ordered.sort_by_key(|m| std::cmp::Reverse(m.minutes_ago));
        for say in ordered {
            let message = build_message(&place, say, person);
            store
                .put(
                    "message",
                    &chat_id,
                    message["id"].as_str().unwrap_or_default(),
                    &message,
                )
                .await?;
        }
    }
    Ok(())
}
