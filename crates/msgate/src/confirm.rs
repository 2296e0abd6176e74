//! Confirmations on the command line: the policy's `confirm` rules, asked on a terminal.
//!
//! A person at a terminal is asked on stderr and answers on stdin. Where nobody can answer —
//! stdin or stderr is not a terminal (a script, an agent) — msgate never prompts: the call is
//! refused, unless the policy sets `allow_yes` and the command line says `--yes`.

use std::io::IsTerminal;

use msgate_graph::BoxFuture;
use msgate_ops::policy::{Confirm, Confirmation, Question};

use crate::diag;

#[derive(Debug)]
pub struct TerminalConfirm {
    /// `--yes` was given.
    pub yes: bool,
}

impl Confirm for TerminalConfirm {
    fn confirm<'a>(&'a self, question: &'a Question) -> BoxFuture<'a, Confirmation> {
        let answer = if self.yes && question.accepts_yes {
            Confirmation::Yes
        } else if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            ask(question)
        } else if self.yes {
            Confirmation::CannotAsk(
                "the policy does not let --yes answer (allow_yes is not set)".to_owned(),
            )
        } else {
            Confirmation::CannotAsk("stdin is not a terminal to ask on".to_owned())
        };
        Box::pin(async move { answer })
    }
}

fn ask(question: &Question) -> Confirmation {
    diag::emit(&format!("{} [y/N] ", question.text()));
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(_) if matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") => {
            Confirmation::Yes
        }
        Ok(_) => Confirmation::No,
        Err(_) => Confirmation::CannotAsk("the answer could not be read".to_owned()),
    }
}
