//! `msgate completions SHELL`: completion scripts generated from the same clap definition.

use clap_complete::Shell;
use msgate_core::Result;

use crate::output::{self, Data};

pub fn run(shell: Shell) -> Result<Data> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "msgate", &mut buf);
    output::write_stdout(&String::from_utf8_lossy(&buf))?;
    Ok(Data::Nothing)
}
