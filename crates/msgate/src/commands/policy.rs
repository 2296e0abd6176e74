//! `msgate policy show|check|explain`: the policy in force, one operation's verdict, and what
//! each preset allows — all computed by the same engine the operations pass through.

use msgate_core::{Error, ErrorCode, Result};
use msgate_ops::policy::{self, CapState, Policy};
use msgate_ops::{Catalog, Ctx, Face, Target, refs};
use serde_json::{Value, json};

use crate::cli::{FaceArg, PolicyCommand};
use crate::context::Context;
use crate::output::Data;

const TARGET_KINDS: &str = "team:REF, channel:TEAM/CHANNEL, chat:REF, mail:ADDRESS or file:PATH";

pub fn run(command: PolicyCommand, ctx: &Context) -> Result<Data> {
    let gate = ctx.gate()?;
    let policy = gate.policy();
    match command {
        PolicyCommand::Show { face } => {
            let mut shown = policy.to_json(face_of(face));
            let audit = gate.audit_path().map(|path| path.display().to_string());
            shown["audit"]["path"] = json!(audit);
            Ok(Data::Value(shown))
        }
        PolicyCommand::Explain { face } => Ok(Data::List {
            items: policy::explain(policy, face_of(face)),
            more: None,
            columns: &[
                "operation",
                "risk",
                "read-only",
                "standard",
                "full",
                "effective",
            ],
        }),
        PolicyCommand::Check {
            operation,
            targets,
            face,
        } => check(ctx, policy, &operation, &targets, face_of(face)).map(Data::Value),
    }
}

fn face_of(face: FaceArg) -> Face {
    match face {
        FaceArg::Cli => Face::Cli,
        FaceArg::Mcp => Face::Mcp,
    }
}

/// A target as typed: `KIND:REF`.
struct Typed<'a> {
    text: &'a str,
    kind: &'a str,
    reference: &'a str,
}

fn parse_target(text: &str) -> Result<Typed<'_>> {
    let usage = || {
        Error::new(ErrorCode::Usage, format!("'{text}' is not a target"))
            .with_hint(format!("write KIND:REF, one of {TARGET_KINDS}"))
    };
    let (kind, reference) = text.split_once(':').ok_or_else(usage)?;
    if !matches!(kind, "team" | "channel" | "chat" | "mail" | "file") || reference.trim().is_empty()
    {
        return Err(usage());
    }
    Ok(Typed {
        text,
        kind,
        reference,
    })
}

fn check(
    ctx: &Context,
    policy: &Policy,
    operation: &str,
    targets: &[String],
    face: Face,
) -> Result<Value> {
    let entry = Catalog::get().find(operation).ok_or_else(|| {
        Error::new(
            ErrorCode::Usage,
            format!("there is no operation named '{operation}'"),
        )
        .with_hint("'msgate policy explain' lists every operation")
    })?;
    let spec = entry.spec;
    let typed = targets
        .iter()
        .map(|t| parse_target(t))
        .collect::<Result<Vec<_>>>()?;

    let verdict = policy.decide(spec, face);
    let mut decision = verdict.allowed;
    let mut rule = verdict.rule.name();
    let mut reason = None;
    let mut how = None;
    if let Some(denial) = policy.denial(spec, &verdict, face) {
        reason = Some(denial.message().to_owned());
        how = denial.hint().map(str::to_owned);
    }

    let cap = match policy.cap_for(spec) {
        Some((glob, limit)) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            let used = match ctx.state_dir() {
                Some(dir) => CapState::new(&dir).used(spec.name, now)?,
                None => 0,
            };
            if decision && used >= limit as usize {
                decision = false;
                rule = format!("cap '{glob}' ({limit} per hour)");
                reason = Some(format!(
                    "{used} of {limit} writes in the last hour are used"
                ));
            }
            json!({"rule": glob.as_str(), "limit": limit, "used": used})
        }
        None => Value::Null,
    };

    let checked = if typed.is_empty() {
        Vec::new()
    } else {
        check_targets(
            ctx,
            policy,
            spec.risk != msgate_ops::Risk::Read,
            face,
            &typed,
        )?
    };
    for target in &checked {
        if decision && let Some(scope) = target["outside"].as_str() {
            decision = false;
            rule = format!("scope '{scope}'");
            reason = Some(format!("{} is outside scopes.{scope}", target["target"]));
            how = Some(format!(
                "add it to scopes.{scope} in {}",
                policy.origin.place()
            ));
        }
    }

    Ok(json!({
        "operation": spec.name,
        "risk": spec.risk.as_str(),
        "face": face.as_str(),
        "decision": if decision { "allow" } else { "deny" },
        "rule": rule,
        "reason": reason,
        "how_to_allow": how,
        "confirm": policy.confirm_rule(spec).map(|p| format!("confirm '{}'", p.as_str())),
        "dry_run": policy.dry_run || ctx.dry_run,
        "cap": cap,
        "targets": checked,
        "source": policy.origin.describe(),
    }))
}

/// Each target resolved and checked against the scopes (which bind writes only). Names resolve
/// through Graph exactly as an operation would resolve them.
fn check_targets(
    ctx: &Context,
    policy: &Policy,
    scoped: bool,
    face: Face,
    typed: &[Typed<'_>],
) -> Result<Vec<Value>> {
    let needs_graph = typed.iter().any(|t| offline(t).is_none());
    let checked: Vec<(Target, Option<&str>)> = if needs_graph {
        let connection = ctx.connect()?;
        connection.run(|graph| async {
            let session = Ctx::new(graph.clone(), face, ctx.state_dir());
            let mut checked = Vec::new();
            for t in typed {
                let target = match offline(t) {
                    Some(target) => target,
                    None => resolve(&session, t).await?,
                };
                let outside = if scoped {
                    policy.scopes.excludes(&session, &target).await
                } else {
                    None
                };
                checked.push((target, outside));
            }
            Ok::<_, Error>(checked)
        })?
    } else {
        typed
            .iter()
            .filter_map(offline)
            .map(|target| {
                let outside = if scoped {
                    policy.scopes.excludes_offline(&target).flatten()
                } else {
                    None
                };
                (target, outside)
            })
            .collect()
    };
    Ok(typed
        .iter()
        .zip(checked)
        .map(|(t, (target, outside))| {
            let mut row = json!({"target": t.text, "kind": target.kind(), "outside": outside});
            match &target {
                Target::Team { id }
                | Target::Chat { id }
                | Target::User { id }
                | Target::Event { id }
                | Target::Meeting { id } => {
                    row["id"] = json!(id);
                }
                Target::Channel {
                    team_id,
                    channel_id,
                } => {
                    row["team_id"] = json!(team_id);
                    row["id"] = json!(channel_id);
                }
                Target::MailRecipient { .. } | Target::File { .. } => {}
            }
            row
        })
        .collect())
}

/// Targets that are what they say: mail addresses and file paths.
fn offline(typed: &Typed<'_>) -> Option<Target> {
    match typed.kind {
        "mail" => Some(Target::MailRecipient {
            address: typed.reference.to_owned(),
        }),
        "file" => Some(Target::File {
            path: typed.reference.to_owned(),
        }),
        _ => None,
    }
}

async fn resolve(ctx: &Ctx, typed: &Typed<'_>) -> Result<Target> {
    let reference = typed.reference;
    Ok(match typed.kind {
        "team" => Target::Team {
            id: refs::team(ctx, reference).await?.0,
        },
        "channel" => {
            let (team_id, channel_id) = refs::channel(ctx, reference).await?;
            Target::Channel {
                team_id,
                channel_id,
            }
        }
        _ => Target::Chat {
            id: refs::chat(ctx, reference).await?,
        },
    })
}
