//! [`PolicyGate`]: the policy in front of [`crate::Catalog::invoke`], for every face.
//!
//! At admission it applies the rules, makes sure the audit log can take a line before anything
//! is written, takes a send-cap slot and asks for confirmation where the policy wants one — in
//! that order, so nobody is asked about a call that would be refused anyway. While the
//! operation runs, its pass checks each resolved target against the scopes. When it ends, the
//! pass gives back an unused cap slot and writes the audit line. Denials are audited where they
//! happen.
//!
//! Asking a person is the face's business: the CLI prompts on a terminal, the MCP server uses
//! elicitation. Both plug in through [`Confirm`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use msgate_core::{Error, Result};
use msgate_graph::{BoxFuture, WriteOutcome};
use serde_json::Value;

use super::audit::{AuditLog, Record};
use super::caps::{CapState, Full, Slot};
use super::glob::Glob;
use super::scope::Target;
use super::{Pattern, Policy, denied};
use crate::catalog::{Ended, Gate, Pass};
use crate::ctx::{Ctx, Face};
use crate::spec::{Risk, Spec};

/// What a face is asked to confirm.
#[derive(Clone, Debug)]
pub struct Question {
    pub operation: &'static str,
    pub summary: &'static str,
    pub risk: Risk,
    /// The call's input, as given.
    pub input: Value,
    /// The `confirm` entry that asks (`team.*`).
    pub rule: String,
    /// Whether the policy lets `--yes` answer where nobody can be asked (`allow_yes`).
    pub accepts_yes: bool,
}

impl Question {
    /// One line for a person: "Run team.archive (Archive a team) with {"team":"Platform"}?"
    pub fn text(&self) -> String {
        let risk = match self.risk {
            Risk::Read => "",
            Risk::Write => " It changes data.",
            Risk::Destructive => " It is destructive.",
        };
        format!(
            "Run {} ({}) with {}?{risk}",
            self.operation, self.summary, self.input
        )
    }
}

/// A face's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmation {
    Yes,
    No,
    /// Nobody could be asked; the reason completes "… needs confirmation, and …".
    CannotAsk(String),
}

/// How a face asks a person whether a call may go ahead.
pub trait Confirm: Send + Sync + std::fmt::Debug {
    fn confirm<'a>(&'a self, question: &'a Question) -> BoxFuture<'a, Confirmation>;
}

/// For callers that have nobody to ask.
#[derive(Debug, Default)]
pub struct NoConfirm;

impl Confirm for NoConfirm {
    fn confirm<'a>(&'a self, _question: &'a Question) -> BoxFuture<'a, Confirmation> {
        Box::pin(async { Confirmation::CannotAsk("nobody can be asked here".to_owned()) })
    }
}

/// The policy engine as a [`Gate`].
#[derive(Debug)]
pub struct PolicyGate {
    shared: Arc<Shared>,
    /// A dry run the face asked for (`--dry-run`), on top of the policy's own.
    dry_run: bool,
}

/// What the gate and the passes it hands out share.
#[derive(Debug)]
struct Shared {
    policy: Policy,
    profile: String,
    audit: Option<AuditLog>,
    confirm: Arc<dyn Confirm>,
}

impl PolicyGate {
    /// `state_root` is msgate's state directory (the audit log's home); without one, writes
    /// are refused because they could not be audited.
    pub fn new(
        policy: Policy,
        profile: impl Into<String>,
        state_root: Option<PathBuf>,
        confirm: Arc<dyn Confirm>,
    ) -> Self {
        let audit = state_root
            .map(|dir| AuditLog::new(&dir, policy.audit.max_bytes, policy.audit.include_content));
        PolicyGate {
            shared: Arc::new(Shared {
                policy,
                profile: profile.into(),
                audit,
                confirm,
            }),
            dry_run: false,
        }
    }

    /// Holds every write back, whatever the policy says.
    pub fn with_dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }

    /// The rules alone, before a face has a Graph connection: a call they deny is refused (and
    /// audited) without needing a sign-in. [`Gate::admit`] decides the same way again.
    pub fn screen(&self, face: Face, spec: &Spec, input: &Value) -> Result<()> {
        let policy = &self.shared.policy;
        let verdict = policy.decide(spec, face);
        match policy.denial(spec, &verdict, face) {
            None => Ok(()),
            Some(error) => Err(self
                .shared
                .deny(face, spec, &verdict.rule.name(), input, error)),
        }
    }

    /// Where the audit log is written, if anywhere.
    pub fn audit_path(&self) -> Option<PathBuf> {
        self.shared.audit.as_ref().map(AuditLog::path)
    }

    async fn admit_call(
        &self,
        ctx: &Ctx,
        spec: &'static Spec,
        input: &Value,
    ) -> Result<Box<dyn Pass>> {
        let shared = &self.shared;
        let policy = &shared.policy;
        let verdict = policy.decide(spec, ctx.face);
        let rule = verdict.rule.name();
        if let Some(error) = policy.denial(spec, &verdict, ctx.face) {
            return Err(shared.deny(ctx.face, spec, &rule, input, error));
        }
        let writes = spec.risk != Risk::Read;
        let dry_run = writes && (self.dry_run || policy.dry_run);
        if writes {
            match &shared.audit {
                Some(audit) => audit.ready()?,
                None => {
                    return Err(denied(format!(
                        "{} is not allowed: msgate has no state directory for its audit log",
                        spec.name
                    ))
                    .with_hint(NO_STATE_HINT));
                }
            }
        }
        let slot = match policy.cap_for(spec) {
            Some((glob, limit)) if !dry_run => {
                let cap_rule = format!("cap '{glob}' ({limit} per hour)");
                match shared.take_slot(ctx, spec, glob, limit, &cap_rule) {
                    Ok(slot) => Some(slot),
                    Err(error) => return Err(shared.deny(ctx.face, spec, &cap_rule, input, error)),
                }
            }
            _ => None,
        };
        if !dry_run
            && let Some(pattern) = policy.confirm_rule(spec)
            && let Err(error) = shared.ask(spec, pattern, input).await
        {
            if let Some((caps, slot)) = &slot {
                caps.give_back(slot, now())?;
            }
            let rule = format!("confirm '{}'", pattern.as_str());
            return Err(shared.deny(ctx.face, spec, &rule, input, error));
        }
        Ok(Box::new(PolicyPass {
            shared: shared.clone(),
            rule,
            dry_run,
            slot,
            scope_denial: Mutex::new(None),
        }))
    }
}

const NO_STATE_HINT: &str = "set HOME, XDG_STATE_HOME or MSGATE_STATE_DIR";

impl Shared {
    /// A send-cap slot for `spec`, or the denial that says when the next one frees up.
    fn take_slot(
        &self,
        ctx: &Ctx,
        spec: &Spec,
        glob: &Glob,
        limit: u32,
        cap_rule: &str,
    ) -> Result<(CapState, Slot)> {
        let Some(dir) = &ctx.state_dir else {
            return Err(denied(format!(
                "{} is capped by rule {cap_rule}, and msgate has no state directory to count in",
                spec.name
            ))
            .with_hint(NO_STATE_HINT));
        };
        let caps = CapState::new(dir);
        match caps.take(spec.name, limit, now())? {
            Ok(slot) => Ok((caps, slot)),
            Err(Full { used, free_in }) => Err(denied(format!(
                "policy denies {}: rule {cap_rule} is used up ({used} in the last hour)",
                spec.name
            ))
            .with_hint(format!(
                "the next one is allowed in {} min; to send more, raise caps.\"{glob}\" in {}",
                (free_in + 59) / 60,
                self.policy.origin.place()
            ))),
        }
    }

    async fn ask(&self, spec: &'static Spec, pattern: &Pattern, input: &Value) -> Result<()> {
        let question = Question {
            operation: spec.name,
            summary: spec.summary,
            risk: spec.risk,
            input: input.clone(),
            rule: pattern.as_str().to_owned(),
            accepts_yes: self.policy.allow_yes,
        };
        match self.confirm.confirm(&question).await {
            Confirmation::Yes => Ok(()),
            Confirmation::No => Err(denied(format!("{} was not confirmed", spec.name))),
            Confirmation::CannotAsk(reason) => {
                let hint = if self.policy.allow_yes {
                    "run it on a terminal and answer the prompt, or pass --yes".to_owned()
                } else {
                    format!(
                        "run it on a terminal and answer the prompt, or set allow_yes = true in {} and pass --yes",
                        self.policy.origin.place()
                    )
                };
                Err(denied(format!(
                    "{} needs confirmation (rule confirm '{}'), and {reason}",
                    spec.name,
                    pattern.as_str()
                ))
                .with_hint(hint))
            }
        }
    }

    /// Refuses a call before it ran, with its audit line.
    fn deny(&self, face: Face, spec: &Spec, rule: &str, input: &Value, error: Error) -> Error {
        self.audit(face, &[], spec, ("deny", rule), Err(&error), input);
        error
    }

    fn audit(
        &self,
        face: Face,
        targets: &[Target],
        spec: &Spec,
        (decision, rule): (&str, &str),
        ended: std::result::Result<&Ended<'_>, &Error>,
        input: &Value,
    ) {
        let Some(audit) = &self.audit else {
            return;
        };
        let outcome = match ended.map(|e| e.result) {
            Ok(Ok(_)) => "ok",
            Ok(Err(err)) | Err(err) => err.code().as_str(),
        };
        let request_ids: Vec<String> = ended
            .map(|e| {
                e.writes
                    .iter()
                    .filter_map(|w| w.request_id.clone())
                    .collect()
            })
            .unwrap_or_default();
        let record = Record {
            profile: &self.profile,
            face: face.as_str(),
            operation: spec.name,
            risk: spec.risk.as_str(),
            decision,
            rule,
            targets,
            outcome,
            request_ids: &request_ids,
            input,
        };
        if let Err(err) = audit.append(&record) {
            // The call is decided already; the log's own failure can only be reported.
            tracing::error!(target: "msgate::policy", "cannot write the audit log: {}", err.message());
        }
    }
}

impl Gate for PolicyGate {
    fn admit<'a>(
        &'a self,
        ctx: &'a Ctx,
        spec: &'static Spec,
        input: &'a Value,
    ) -> BoxFuture<'a, Result<Box<dyn Pass>>> {
        Box::pin(self.admit_call(ctx, spec, input))
    }
}

#[derive(Debug)]
struct PolicyPass {
    shared: Arc<Shared>,
    /// The rule that admitted the call.
    rule: String,
    dry_run: bool,
    slot: Option<(CapState, Slot)>,
    /// The scope rule that stopped the call, if one did.
    scope_denial: Mutex<Option<String>>,
}

impl Pass for PolicyPass {
    fn dry_run(&self) -> bool {
        self.dry_run
    }

    fn check_target<'a>(&'a self, ctx: &'a Ctx, target: &'a Target) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let Some(spec) = ctx.spec() else {
                return Ok(());
            };
            if spec.risk == Risk::Read {
                return Ok(());
            }
            let policy = &self.shared.policy;
            let Some(scope) = policy.scopes.excludes(ctx, target).await else {
                return Ok(());
            };
            let rule = format!("scope '{scope}'");
            *self
                .scope_denial
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(rule.clone());
            Err(denied(format!(
                "policy denies {} on this {}: it is outside rule {rule} of {}",
                spec.name,
                target.kind().replace('_', " "),
                policy.origin.describe()
            ))
            .with_hint(format!(
                "to allow it, add it to scopes.{scope} in {}",
                policy.origin.place()
            )))
        })
    }

    fn signature(&self) -> Option<&str> {
        self.shared.policy.signature.as_deref()
    }

    fn finish(&self, ctx: &Ctx, ended: &Ended<'_>) {
        let Some(spec) = ctx.spec() else {
            return;
        };
        if let Some((caps, slot)) = &self.slot
            && !ended.writes.iter().any(|w| w.outcome.may_have_changed())
            && let Err(err) = caps.give_back(slot, now())
        {
            tracing::error!(target: "msgate::policy", "cannot give back a send-cap slot: {}", err.message());
        }
        let scope_denial = self
            .scope_denial
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let (decision, rule) = match &scope_denial {
            Some(rule) => ("deny", rule.as_str()),
            None if spec.risk == Risk::Read => return,
            None if ended.writes.iter().any(|w| w.outcome == WriteOutcome::Held) => {
                ("dry_run", self.rule.as_str())
            }
            None => ("allow", self.rule.as_str()),
        };
        let targets = ctx.targets();
        self.shared.audit(
            ctx.face,
            &targets,
            spec,
            (decision, rule),
            Ok(ended),
            ended.input,
        );
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
pub(crate) mod testing {
    //! A confirmer with a fixed answer, counting how often it was asked.
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[derive(Debug)]
    pub struct Answer {
        pub answer: Confirmation,
        pub asked: AtomicUsize,
    }

    impl Answer {
        pub fn new(answer: Confirmation) -> Arc<Answer> {
            Arc::new(Answer {
                answer,
                asked: AtomicUsize::new(0),
            })
        }

        pub fn asked(&self) -> usize {
            self.asked.load(Ordering::SeqCst)
        }
    }

    impl Confirm for Answer {
        fn confirm<'a>(&'a self, _question: &'a Question) -> BoxFuture<'a, Confirmation> {
            self.asked.fetch_add(1, Ordering::SeqCst);
            let answer = self.answer.clone();
            Box::pin(async move { answer })
        }
    }
}
