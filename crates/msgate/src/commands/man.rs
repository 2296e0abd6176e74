//! `msgate man`: roff man pages generated from the same clap definition as `--help`.

use std::path::Path;

use msgate_core::{Error, Result};

use crate::diag;
use crate::output::{self, Data};

pub fn run(dir: Option<&Path>) -> Result<Data> {
    let command = crate::cli::command();
    match dir {
        None => output::write_stdout(&render(&command)?)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), &e))?;
            let mut written = 0;
            write_pages(&command, "msgate", dir, &mut written)?;
            diag::status(&format!("wrote {written} man pages to {}", dir.display()));
        }
    }
    Ok(Data::Nothing)
}

fn render(command: &clap::Command) -> Result<String> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut buf)
        .map_err(|e| Error::internal(format!("cannot render the man page: {e}")))?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// One page per command, named like git's: msgate-config-set.1.
fn write_pages(command: &clap::Command, name: &str, dir: &Path, written: &mut usize) -> Result<()> {
    let page = command.clone().name(name.to_owned());
    let path = dir.join(format!("{name}.1"));
    let text = render(&page)?;
    std::fs::write(&path, text)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), &e))?;
    *written += 1;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
