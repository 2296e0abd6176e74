//! Progress bars on stderr: msgate-ops' [`Progress`] drawn with indicatif, for transfers and long
//! listings.
//!
//! Bars are for a person watching: they are drawn only when stderr is a terminal, and never
//! when the output was asked for as JSON (`--output json`), under `--debug` (whose log lines
//! would tear them), or for the MCP server, which never asks for them. They carry no colour, and
//! each is cleared when its work ends, so stderr keeps only the lines that matter.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use msgate_core::settings::OutputFormat;
use msgate_ops::progress::{Bar, Progress, Unit};

use crate::context::Context;

/// Bars on stderr, several at once if several transfers run.
#[derive(Debug)]
pub struct Bars {
    multi: MultiProgress,
}

/// The progress a command shows: bars where a person watches, nothing otherwise.
pub fn for_command(ctx: &Context) -> Option<Arc<dyn Progress>> {
    let json = ctx.settings.output.value == Some(OutputFormat::Json);
    let wanted = std::io::stderr().is_terminal() && !json && !ctx.settings.debug;
    wanted.then(|| {
        Arc::new(Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
        }) as Arc<dyn Progress>
    })
}

/// The bar's look: a bar with sizes and speed when the total is known, a counter otherwise.
fn template(total: Option<u64>, unit: Unit) -> &'static str {
    match (total.is_some(), unit) {
        (true, Unit::Bytes) => {
            "{msg} [{wide_bar}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}"
        }
        (false, Unit::Bytes) => "{spinner} {msg} {bytes} {binary_bytes_per_sec}",
        (true, Unit::Items) => "{msg} [{wide_bar}] {human_pos}/{human_len}",
        (false, Unit::Items) => "{spinner} {msg}: {human_pos} items",
    }
}

fn style(total: Option<u64>, unit: Unit) -> ProgressStyle {
    // The templates are fixed and tested; a rejected one would fall back to a plain bar.
    ProgressStyle::with_template(template(total, unit))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Progress for Bars {
    fn start(&self, label: &str, total: Option<u64>, unit: Unit) -> Box<dyn Bar> {
        let bar = match total {
            Some(total) => ProgressBar::new(total),
            None => ProgressBar::new_spinner(),
        }
        .with_style(style(total, unit))
        .with_message(label.to_owned());
        Box::new(Shown(self.multi.add(bar)))
    }
}

struct Shown(ProgressBar);

impl Bar for Shown {
    fn advance(&mut self, n: u64) {
        self.0.inc(n);
    }

    fn finish(&mut self) {
        self.0.finish_and_clear();
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        if !self.0.is_finished() {
            self.0.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_style_has_a_valid_template() {
        for total in [Some(10), None] {
            for unit in [Unit::Bytes, Unit::Items] {
                let template = template(total, unit);
                assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
            }
        }
        // Hidden bars still count, so nothing depends on whether they are drawn.
        let bars = Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
        };
        let mut bar = bars.start("x", Some(10), Unit::Bytes);
        bar.advance(4);
        bar.finish();
    }
}
