//! Turning clap's verdicts into the contract: help and version on stdout with status 0, every
//! other parse failure a one-line `usage_error` (exit 2) with a one-line hint.

use clap::error::ErrorKind;
use msgate_core::{Error, Result};

use crate::{diag, output};

/// What to do with a command line clap did not accept.
pub fn handle(err: clap::Error) -> Result<()> {
    let rendered = err.render().to_string();
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => output::write_stdout(&rendered),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            diag::emit(&rendered);
            Err(Error::usage("a command is required")
                .with_hint("pick one of the commands listed above"))
        }
        _ => Err(usage_error(&rendered)),
    }
}

/// clap renders "error: …", maybe "  tip: …", "Usage: msgate config set <KEY> <VALUE>" and a
/// pointer to --help; keep the first line as the message and fold the rest into one hint.
fn usage_error(rendered: &str) -> Error {
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let message = lines
        .next()
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .unwrap_or("invalid command line");
    let rest: Vec<&str> = lines.collect();
    let tip = rest
        .iter()
        .find_map(|l| l.strip_prefix("tip: "))
        .map(|t| format!("{t}; "))
        .unwrap_or_default();
    let command = rest
        .iter()
        .find_map(|l| l.strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "msgate".to_owned());
    Error::usage(message).with_hint(format!("{tip}see '{command} --help'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_clap_output_into_one_message_and_one_hint() {
        let rendered = "error: unrecognized subcommand 'confg'\n\n  tip: a similar subcommand exists: 'config'\n\nUsage: msgate [OPTIONS] <COMMAND>\n\nFor more information, try '--help'.\n";
        let err = usage_error(rendered);
        assert_eq!(err.message(), "unrecognized subcommand 'confg'");
        assert_eq!(
            err.hint(),
            Some("a similar subcommand exists: 'config'; see 'msgate --help'")
        );
        let rendered = "error: the following required arguments were not provided:\n  <VALUE>\n\nUsage: msgate config set <KEY> <VALUE>\n";
        assert_eq!(
            usage_error(rendered).hint(),
            Some("see 'msgate config set --help'")
        );
    }
}
