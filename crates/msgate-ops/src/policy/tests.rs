//! The policy engine's decisions: presets over the whole catalog, rule precedence, denials,
//! the two faces, policy files, and scopes resolved against the sandbox tenant.

use std::path::Path;
use std::sync::Arc;

use msgate_core::config::ConfigFile;
use msgate_graph::{ClientOptions, Cloud, GraphClient, StaticToken};
use msgate_sandbox::{Sandbox, SandboxOptions};
use serde_json::json;

use super::gate::testing::Answer;
use super::*;
use crate::catalog::Gate;
use crate::ctx::Ctx;

fn spec(name: &'static str, risk: Risk) -> &'static Spec {
    Box::leak(Box::new(Spec {
        name,
        summary: "A synthetic operation",
        risk,
        idempotent: true,
        delegated: &[],
        application: &[],
        columns: &[],
    }))
}

/// A destructive operation, whether or not the catalog has one yet.
fn archive() -> &'static Spec {
    spec("team.archive", Risk::Destructive)
}

/// A bare preset.
fn preset(preset: Preset) -> Policy {
    with(Some(preset), &[], &[])
}

fn with(preset: Option<Preset>, allow: &[&str], deny: &[&str]) -> Policy {
    let mut policy = Policy::unconfigured(Origin::Default {
        config: Some("/home/ada/.config/msgate/config.toml".into()),
        profile: "default".into(),
    });
    policy.preset = preset;
    policy.allow = allow.iter().map(|p| Pattern::parse(p).unwrap()).collect();
    policy.deny = deny.iter().map(|p| Pattern::parse(p).unwrap()).collect();
    policy
}

#[test]
fn every_operation_of_the_catalog_under_every_preset() {
    let entries = Catalog::get().entries();
    assert!(!entries.is_empty());
    let specs: Vec<&Spec> = entries.iter().map(|e| e.spec).chain([archive()]).collect();
    for spec in specs {
        for face in Face::ALL {
            let decide = |p| preset(p).decide(spec, face).allowed;
            let expected = match spec.risk {
                Risk::Read => [true, true, true],
                Risk::Write => [false, true, true],
                Risk::Destructive => [false, false, true],
            };
            assert_eq!(
                [
                    decide(Preset::ReadOnly),
                    decide(Preset::Standard),
                    decide(Preset::Full)
                ],
                expected,
                "{} ({:?}) through {face:?}",
                spec.name,
                spec.risk
            );
            if spec.risk == Risk::Destructive {
                assert!(!decide(Preset::ReadOnly) && !decide(Preset::Standard));
            }
        }
        // Without a policy: the CLI runs `standard`, the MCP server `read-only`; never `full`.
        let unconfigured = with(None, &[], &[]);
        assert_eq!(
            unconfigured.decide(spec, Face::Cli).allowed,
            Preset::Standard.allows(spec.risk),
            "{}",
            spec.name
        );
        assert_eq!(
            unconfigured.decide(spec, Face::Mcp).allowed,
            spec.risk == Risk::Read,
            "{}",
            spec.name
        );
        // Every operation's name is a valid rule that names exactly it.
        let exact = Pattern::parse(spec.name).unwrap();
        assert!(exact.matches(spec), "{}", spec.name);
        assert!(
            exact.rank().0 == 4,
            "{} must rank as an exact name",
            spec.name
        );
    }
}

#[test]
fn the_most_specific_rule_wins_and_deny_wins_a_tie() {
    let send = spec("message.send", Risk::Write);
    let list = spec("chat.list", Risk::Read);
    let standard = Some(Preset::Standard);

    // An exact name beats a glob, a glob beats a risk class, a risk class beats `*`.
    let policy = with(standard, &["team.archive"], &["team.*"]);
    assert!(policy.decide(archive(), Face::Cli).allowed);
    let policy = with(Some(Preset::Full), &["destructive"], &["team.*"]);
    assert!(!policy.decide(archive(), Face::Cli).allowed);
    let policy = with(standard, &["team.*"], &["destructive"]);
    assert!(policy.decide(archive(), Face::Cli).allowed);
    let policy = with(standard, &["*"], &["destructive"]);
    assert!(!policy.decide(archive(), Face::Cli).allowed);
    assert!(policy.decide(send, Face::Cli).allowed);
    // A longer glob beats a shorter one.
    let policy = with(standard, &["message.se*"], &["message.*"]);
    assert!(policy.decide(send, Face::Cli).allowed);
    // On a tie, deny wins.
    let policy = with(standard, &["message.send"], &["message.send"]);
    let verdict = policy.decide(send, Face::Cli);
    assert!(!verdict.allowed);
    assert_eq!(verdict.rule.name(), "deny 'message.send'");
    // Rules that do not match leave the preset in charge.
    let policy = with(Some(Preset::ReadOnly), &["mail.*"], &["chat.create"]);
    assert!(policy.decide(list, Face::Mcp).allowed);
    assert_eq!(
        policy.decide(send, Face::Mcp).rule,
        Rule::Preset {
            preset: Preset::ReadOnly,
            by_default: false
        }
    );
}

#[test]
fn a_denial_exits_16_naming_the_rule_and_how_to_allow_the_call() {
    let policy = with(None, &[], &[]);
    let verdict = policy.decide(archive(), Face::Cli);
    assert!(
        !verdict.allowed,
        "the default CLI policy denies team.archive"
    );
    let err = policy.denial(archive(), &verdict, Face::Cli).unwrap();
    assert_eq!(err.exit().status(), 16);
    assert_eq!(err.code().as_str(), "policy_denied");
    assert_eq!(
        err.message(),
        "policy denies team.archive (destructive): preset 'standard' (the default for the CLI) denies destructive operations"
    );
    assert_eq!(
        err.hint(),
        Some(
            "to allow it, add allow = [\"team.archive\"] to [profiles.default.policy] in /home/ada/.config/msgate/config.toml"
        )
    );

    let policy = with(Some(Preset::Full), &[], &["team.*"]);
    let verdict = policy.decide(archive(), Face::Mcp);
    let err = policy.denial(archive(), &verdict, Face::Mcp).unwrap();
    assert!(
        err.message().contains("rule deny 'team.*'"),
        "{}",
        err.message()
    );
    assert!(
        err.hint().unwrap().contains("remove 'team.*' from deny"),
        "{:?}",
        err.hint()
    );

    let send = spec("message.send", Risk::Write);
    let policy = with(None, &[], &[]);
    let err = policy
        .denial(send, &policy.decide(send, Face::Mcp), Face::Mcp)
        .unwrap();
    assert!(
        policy
            .denial(send, &policy.decide(send, Face::Cli), Face::Cli)
            .is_none()
    );
    assert!(
        err.message()
            .contains("(the default for the MCP server) allows reads only")
    );
    assert!(
        err.hint()
            .unwrap()
            .ends_with("or choose preset = \"standard\"")
    );
}

/// A context whose Graph client is never called (admission needs no Graph).
fn offline_ctx(face: Face, state: &Path) -> Ctx {
    let cloud = Cloud::custom("http://127.0.0.1:9/v1.0", "http://127.0.0.1:9").unwrap();
    let token = Arc::new(StaticToken::new(
        msgate_core::Secret::new("unused".to_owned()),
        "a test",
    ));
    let graph = GraphClient::new(ClientOptions::new(cloud), token).unwrap();
    Ctx::new(graph, face, Some(state.join("default")))
}

#[tokio::test]
async fn the_cli_and_the_mcp_face_reach_the_same_decision_under_the_same_policy() {
    let state = tempfile::tempdir().unwrap();
    let mut capped = with(Some(Preset::Standard), &["team.archive"], &["chat.*"]);
    capped.caps = vec![(Glob::new("message.send").unwrap(), 1000)];
    let policies = [
        preset(Preset::ReadOnly),
        preset(Preset::Standard),
        preset(Preset::Full),
        with(Some(Preset::ReadOnly), &["message.*"], &[]),
        capped,
    ];
    let specs: Vec<&'static Spec> = Catalog::get()
        .entries()
        .iter()
        .map(|e| e.spec)
        .chain([archive()])
        .collect();
    let mut decided = 0;
    for policy in policies {
        let gate = PolicyGate::new(
            policy,
            "default",
            Some(state.path().to_path_buf()),
            Arc::new(NoConfirm),
        );
        let cli = offline_ctx(Face::Cli, state.path());
        let mcp = offline_ctx(Face::Mcp, state.path());
        for spec in &specs {
            let input = json!({});
            let through_cli = gate.admit(&cli, spec, &input).await;
            let through_mcp = gate.admit(&mcp, spec, &input).await;
            assert_eq!(
                through_cli
                    .as_ref()
                    .map(|pass| pass.dry_run())
                    .map_err(Clone::clone),
                through_mcp
                    .as_ref()
                    .map(|pass| pass.dry_run())
                    .map_err(Clone::clone),
                "{} under {:?}",
                spec.name,
                gate.policy().preset
            );
            assert_eq!(
                gate.screen(Face::Cli, spec, &input).is_ok(),
                through_cli.is_ok(),
                "screening and admission agree for {}",
                spec.name
            );
            decided += 1;
        }
    }
    assert!(decided >= 4 * 5);
    // Only the unconfigured defaults differ between the faces.
    let gate = PolicyGate::new(
        with(None, &[], &[]),
        "default",
        Some(state.path().to_path_buf()),
        Arc::new(NoConfirm),
    );
    let send = spec("message.send", Risk::Write);
    let input = json!({});
    assert!(
        gate.admit(&offline_ctx(Face::Cli, state.path()), send, &input)
            .await
            .is_ok()
    );
    assert!(
        gate.admit(&offline_ctx(Face::Mcp, state.path()), send, &input)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn confirmation_is_asked_once_and_a_no_or_nobody_to_ask_denies() {
    let state = tempfile::tempdir().unwrap();
    let send = spec("message.send", Risk::Write);
    let input = json!({"text": "hi"});
    let ctx = offline_ctx(Face::Cli, state.path());
    let mut policy = with(Some(Preset::Standard), &[], &[]);
    policy.confirm = vec![Pattern::parse("message.*").unwrap()];
    for (answer, allowed) in [
        (Confirmation::Yes, true),
        (Confirmation::No, false),
        (
            Confirmation::CannotAsk("stdin is not a terminal".into()),
            false,
        ),
    ] {
        let confirm = Answer::new(answer.clone());
        let gate = PolicyGate::new(
            policy.clone(),
            "default",
            Some(state.path().to_path_buf()),
            confirm.clone(),
        );
        let admitted = gate.admit(&ctx, send, &input).await;
        assert_eq!(admitted.is_ok(), allowed, "{answer:?}");
        assert_eq!(confirm.asked(), 1);
        if let Err(err) = admitted {
            assert_eq!(err.exit().status(), 16);
        }
        // A dry run changes nothing, so nobody is asked.
        let gate = gate.with_dry_run(true);
        assert!(gate.admit(&ctx, send, &input).await.unwrap().dry_run());
        assert_eq!(confirm.asked(), 1);
    }
    let confirm = Answer::new(Confirmation::CannotAsk("stdin is not a terminal".into()));
    let gate = PolicyGate::new(policy, "default", Some(state.path().to_path_buf()), confirm);
    let err = gate.admit(&ctx, send, &input).await.unwrap_err();
    assert_eq!(
        err.message(),
        "message.send needs confirmation (rule confirm 'message.*'), and stdin is not a terminal"
    );
    assert!(err.hint().unwrap().contains("allow_yes = true"));
}

#[tokio::test]
async fn a_cap_is_counted_per_operation_and_refused_when_spent() {
    let state = tempfile::tempdir().unwrap();
    let send = spec("message.send", Risk::Write);
    let react = spec("message.react", Risk::Write);
    let mut policy = with(Some(Preset::Standard), &[], &[]);
    policy.caps = vec![
        (Glob::new("message.*").unwrap(), 2),
        (Glob::new("message.send").unwrap(), 1),
    ];
    let gate = PolicyGate::new(
        policy,
        "default",
        Some(state.path().to_path_buf()),
        Arc::new(NoConfirm),
    );
    let ctx = offline_ctx(Face::Mcp, state.path());
    let input = json!({});
    assert!(gate.admit(&ctx, send, &input).await.is_ok());
    let err = gate.admit(&ctx, send, &input).await.unwrap_err();
    assert_eq!(err.exit().status(), 16);
    assert!(
        err.message()
            .contains("rule cap 'message.send' (1 per hour) is used up (1 in the last hour)"),
        "{}",
        err.message()
    );
    assert!(err.hint().unwrap().contains("raise caps.\"message.send\""));
    // The broader cap applies to the other operations, each counted on its own.
    assert!(gate.admit(&ctx, react, &input).await.is_ok());
    assert!(gate.admit(&ctx, react, &input).await.is_ok());
    assert!(gate.admit(&ctx, react, &input).await.is_err());
    // Reads are never capped.
    assert!(
        gate.admit(&ctx, spec("message.list", Risk::Read), &input)
            .await
            .is_ok()
    );
}

fn config(text: &str) -> ConfigFile {
    ConfigFile {
        path: "/home/ada/.config/msgate/config.toml".into(),
        doc: text.parse().unwrap(),
    }
}

fn from_config(text: &str, profile: &str) -> msgate_core::Result<Loaded> {
    let file = config(text);
    load(Source::Config {
        file: Some(&file),
        config_path: Some(&file.path),
        profile,
    })
}

#[test]
fn a_policy_reads_every_key() {
    let text = r#"output = "json"

[profiles.agent.policy]
preset = "standard"
allow = ["team.archive"]
deny = ["chat.*", "destructive"]
confirm = ["message.send"]
allow_yes = true
dry_run = true
signature = "  Sent by an agent  "

[profiles.agent.policy.scopes]
teams = ["Platform"]
channels = ["Product/design"]
chats = ["Release 4.2"]
mail_domains = ["larkspur.example", "*.partner.example"]
folders = ["/Shared/Reports"]

[profiles.agent.policy.caps]
"message.send" = 20
"message.*" = 100

[profiles.agent.policy.audit]
include_content = true
max_bytes = 1048576
"#;
    let loaded = from_config(text, "agent").unwrap();
    let policy = loaded.policy;
    assert_eq!(
        policy.origin,
        Origin::Config {
            path: "/home/ada/.config/msgate/config.toml".into(),
            table: "profiles.agent.policy".into()
        }
    );
    assert_eq!(policy.preset, Some(Preset::Standard));
    assert_eq!(policy.allow, vec![Pattern::parse("team.archive").unwrap()]);
    assert_eq!(policy.deny[1], Pattern::Risk(Risk::Destructive));
    assert!(policy.allow_yes && policy.dry_run);
    assert_eq!(policy.signature.as_deref(), Some("Sent by an agent"));
    assert_eq!(policy.scopes.teams, Some(vec!["Platform".to_owned()]));
    assert_eq!(policy.scopes.mail_domains.as_ref().unwrap().len(), 2);
    assert_eq!(
        policy.scopes.folders,
        Some(vec!["/Shared/Reports".to_owned()])
    );
    assert_eq!(policy.caps.len(), 2);
    assert_eq!(
        policy
            .cap_for(spec("message.send", Risk::Write))
            .map(|(_, n)| n),
        Some(20)
    );
    assert_eq!(
        policy
            .cap_for(spec("message.edit", Risk::Write))
            .map(|(_, n)| n),
        Some(100)
    );
    assert!(policy.audit.include_content);
    assert_eq!(policy.audit.max_bytes, 1_048_576);
    // `team.archive` is not in the catalog yet: a warning, not an error.
    assert!(
        loaded
            .warnings
            .iter()
            .all(|w| w.contains("matches no operation")),
        "{:?}",
        loaded.warnings
    );
    let show = policy.to_json(Face::Mcp);
    assert_eq!(show["preset"], "standard");
    assert_eq!(show["scopes"]["chats"], json!(["Release 4.2"]));
    assert_eq!(show["caps"]["message.send"], 20);
}

#[test]
fn the_profiles_policy_wins_over_the_top_level_one_and_none_means_the_default() {
    let text = "[policy]\npreset = \"read-only\"\n[profiles.work.policy]\npreset = \"full\"\n";
    assert_eq!(
        from_config(text, "work").unwrap().policy.preset,
        Some(Preset::Full)
    );
    let home = from_config(text, "home").unwrap().policy;
    assert_eq!(home.preset, Some(Preset::ReadOnly));
    assert_eq!(
        home.origin.place(),
        "[policy] in /home/ada/.config/msgate/config.toml"
    );
    let none = from_config("output = \"json\"\n", "home").unwrap().policy;
    assert_eq!(none.preset, None);
    assert!(matches!(none.origin, Origin::Default { .. }));
    let nothing = load(Source::Config {
        file: None,
        config_path: None,
        profile: "default",
    })
    .unwrap();
    assert_eq!(nothing.policy.preset_for(Face::Cli), Preset::Standard);
}

#[test]
fn invalid_values_stop_with_the_file_line_and_key() {
    let cases = [
        (
            "[profiles.work.policy]\n\npreset = \"everything\"\n",
            "config.toml:3",
            "'profiles.work.policy.preset'",
        ),
        (
            "[profiles.work.policy]\nallow = [\"message.send\",\n  \"mail send\"]\n",
            "config.toml:3",
            "'profiles.work.policy.allow'",
        ),
        (
            "[profiles.work.policy.caps]\n\"message.send\" = 0\n",
            "config.toml:2",
            "'profiles.work.policy.caps.\"message.send\"'",
        ),
        (
            "[profiles.work.policy.scopes]\nteams = \"Platform\"\n",
            "config.toml:2",
            "'profiles.work.policy.scopes.teams'",
        ),
        (
            "[profiles.work.policy]\ndry_run = \"yes\"\n",
            "config.toml:2",
            "'profiles.work.policy.dry_run'",
        ),
        (
            "[profiles.work.policy.audit]\nmax_bytes = 10\n",
            "config.toml:2",
            "'profiles.work.policy.audit.max_bytes'",
        ),
        (
            "[profiles.work]\npolicy = \"full\"\n",
            "config.toml:2",
            "'profiles.work.policy'",
        ),
    ];
    for (text, at, key) in cases {
        let err = from_config(text, "work").unwrap_err();
        assert_eq!(err.exit().status(), 2, "{text}");
        assert!(err.message().contains(at), "{at} in {}", err.message());
        assert!(err.message().contains(key), "{key} in {}", err.message());
    }
}

#[test]
fn unknown_keys_and_rules_that_match_nothing_are_warnings() {
    let text = "[profiles.work.policy]\npreset = \"standard\"\ndenny = [\"x\"]\nallow = [\"mesage.send\"]\n[profiles.work.policy.scopes]\nteam = [\"Platform\"]\n";
    let loaded = from_config(text, "work").unwrap();
    assert_eq!(loaded.warnings.len(), 3, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains(
        "unknown policy key 'profiles.work.policy.denny' at /home/ada/.config/msgate/config.toml:3"
    ));
    assert!(loaded.warnings[1].contains("policy rule 'mesage.send'"));
    assert!(
        loaded.warnings[2].contains(
            "'profiles.work.policy.scopes.team' at /home/ada/.config/msgate/config.toml:6"
        )
    );
}

#[test]
fn a_policy_file_is_read_only_when_private_and_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.toml");
    msgate_core::atomic::write_atomic(
        &path,
        b"preset = \"read-only\"\nallow = [\"message.send\"]\n",
    )
    .unwrap();
    let loaded = load(Source::File {
        path: &path,
        via: "--policy",
    })
    .unwrap();
    assert_eq!(loaded.policy.preset, Some(Preset::ReadOnly));
    assert!(
        loaded
            .policy
            .decide(spec("message.send", Risk::Write), Face::Mcp)
            .allowed
    );

    msgate_core::atomic::write_atomic(&path, b"preset = \"full\"\n[caps\n").unwrap();
    let err = load(Source::File {
        path: &path,
        via: "--policy",
    })
    .unwrap_err();
    assert_eq!(err.exit().status(), 2);
    assert!(
        err.message().contains("agent.toml is not valid TOML"),
        "{}",
        err.message()
    );
    assert!(err.message().contains("line 2"), "{}", err.message());

    msgate_core::atomic::write_atomic(&path, b"preset = \"fully\"\n").unwrap();
    let err = load(Source::File {
        path: &path,
        via: "--policy",
    })
    .unwrap_err();
    assert!(err.message().contains("agent.toml:1"), "{}", err.message());
    assert!(
        err.message().contains("policy key 'preset'"),
        "{}",
        err.message()
    );

    let missing = dir.path().join("nope.toml");
    let err = load(Source::File {
        path: &missing,
        via: "MSGATE_POLICY",
    })
    .unwrap_err();
    assert_eq!(err.exit().status(), 2);
    assert!(err.message().contains("(from MSGATE_POLICY)"));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        msgate_core::atomic::write_atomic(&path, b"preset = \"full\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        let err = load(Source::File {
            path: &path,
            via: "--policy",
        })
        .unwrap_err();
        assert_eq!(err.code(), msgate_core::ErrorCode::ConfigInsecure);
    }
}

async fn sandbox_ctx() -> (Sandbox, Ctx) {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let signed_in = sandbox
        .sign_in(None, &msgate_sandbox::all_delegated_permissions())
        .await
        .unwrap();
    let info = sandbox.info();
    let cloud = Cloud::custom(&info.graph_url, &info.login_url).unwrap();
    let graph = GraphClient::new(
        ClientOptions::new(cloud),
        Arc::new(StaticToken::new(signed_in.access_token, "the sandbox")),
    )
    .unwrap();
    (sandbox, Ctx::new(graph, Face::Mcp, None))
}

#[tokio::test]
async fn scopes_resolve_names_like_the_command_line_and_narrow_writes() {
    let (_sandbox, ctx) = sandbox_ctx().await;
    let (platform, _) = crate::refs::find_team(&ctx, "Platform").await.unwrap();
    let (product, _) = crate::refs::find_team(&ctx, "Product").await.unwrap();
    let (_, eng) = crate::refs::find_channel(&ctx, "Platform/eng")
        .await
        .unwrap();
    let (_, design) = crate::refs::find_channel(&ctx, "Product/design")
        .await
        .unwrap();
    let (_, roadmap) = crate::refs::find_channel(&ctx, "Product/roadmap")
        .await
        .unwrap();
    let release = crate::refs::find_chat(&ctx, "Release 4.2").await.unwrap();
    let planning = crate::refs::find_chat(&ctx, "Quarterly planning review")
        .await
        .unwrap();
    let channel = |team_id: &str, channel_id: &str| Target::Channel {
        team_id: team_id.to_owned(),
        channel_id: channel_id.to_owned(),
    };

    let scopes = Scopes {
        teams: Some(vec!["Platform".into(), "No Such Team".into()]),
        channels: Some(vec!["Product/design".into()]),
        chats: Some(vec!["Release 4.2".into()]),
        ..Scopes::default()
    };
    let team = |id: &str| Target::Team { id: id.to_owned() };
    assert_eq!(scopes.excludes(&ctx, &team(&platform)).await, None);
    assert_eq!(scopes.excludes(&ctx, &team(&product)).await, Some("teams"));
    // A listed team covers its channels; a listed channel only itself.
    assert_eq!(scopes.excludes(&ctx, &channel(&platform, &eng)).await, None);
    assert_eq!(
        scopes.excludes(&ctx, &channel(&product, &design)).await,
        None
    );
    assert_eq!(
        scopes.excludes(&ctx, &channel(&product, &roadmap)).await,
        Some("channels")
    );
    let chat = |id: &str| Target::Chat { id: id.to_owned() };
    assert_eq!(scopes.excludes(&ctx, &chat(&release)).await, None);
    assert_eq!(scopes.excludes(&ctx, &chat(&planning)).await, Some("chats"));
    // Kinds without a list are unrestricted.
    let open = Scopes {
        chats: Some(vec![release.clone()]),
        ..Scopes::default()
    };
    assert_eq!(open.excludes(&ctx, &team(&product)).await, None);
    assert_eq!(
        open.excludes(&ctx, &channel(&product, &roadmap)).await,
        None
    );
    // Only teams listed: a channel outside them is outside `teams`.
    let teams_only = Scopes {
        teams: Some(vec![platform.clone()]),
        ..Scopes::default()
    };
    assert_eq!(
        teams_only
            .excludes(&ctx, &channel(&product, &roadmap))
            .await,
        Some("teams")
    );
}
