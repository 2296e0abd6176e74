//! Progress of long work — transfers and long listings — reported without knowing who watches.
//!
//! An operation asks its context for a [`Bar`] (`ctx.progress().start(…)`) and advances it; the
//! face decides what that shows. The CLI draws a bar on stderr when a person is watching; the
//! MCP server, tests and scripts get [`Silent`], which shows nothing. Operations never learn
//! which, so every transfer reports the same way: message and mail attachments, recordings and
//! files alike.

use std::fmt;

/// What a bar counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes transferred.
    Bytes,
    /// Items listed.
    Items,
}

/// Where progress is shown: one per face, shared by every call of a session.
pub trait Progress: Send + Sync + fmt::Debug {
    /// A new indicator for one piece of work: a bar when `total` is known, else a counter.
    fn start(&self, label: &str, total: Option<u64>, unit: Unit) -> Box<dyn Bar>;
}

/// One piece of work in progress. Dropping it without [`Bar::finish`] takes it away too.
pub trait Bar: Send {
    /// `n` more units done.
    fn advance(&mut self, n: u64);
    /// The work is done (or given up): the indicator goes away.
    fn finish(&mut self);
}

/// Shows nothing: the default of every context.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _label: &str, _total: Option<u64>, _unit: Unit) -> Box<dyn Bar> {
        Box::new(Silent)
    }
}

impl Bar for Silent {
    fn advance(&mut self, _n: u64) {}
    fn finish(&mut self) {}
}

/// A bar fed absolute positions (what msgate-graph's transfer callbacks report) rather than
/// steps: it advances by the difference.
pub struct Position {
    bar: Box<dyn Bar>,
    at: u64,
}

impl fmt::Debug for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Position").field("at", &self.at).finish()
    }
}

impl Position {
    /// Starts counting at `at` (the bytes a resumed transfer already has).
    pub fn new(mut bar: Box<dyn Bar>, at: u64) -> Self {
        if at > 0 {
            bar.advance(at);
        }
        Position { bar, at }
    }

    /// The work now stands at `position`.
    pub fn set(&mut self, position: u64) {
        if position > self.at {
            self.bar.advance(position - self.at);
            self.at = position;
        }
    }

    pub fn finish(mut self) {
        self.bar.finish();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    struct Counting(Arc<Mutex<Vec<u64>>>);

    impl Bar for Counting {
        fn advance(&mut self, n: u64) {
            self.0.lock().unwrap().push(n);
        }
        fn finish(&mut self) {}
    }

    #[test]
    fn positions_become_steps() {
        let steps = Arc::new(Mutex::new(Vec::new()));
        let mut position = Position::new(Box::new(Counting(steps.clone())), 10);
        position.set(15);
        position.set(15);
        position.set(12);
        position.set(40);
        position.finish();
        assert_eq!(*steps.lock().unwrap(), vec![10, 5, 25]);
    }
}
