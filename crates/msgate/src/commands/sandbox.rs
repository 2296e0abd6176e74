//! `msgate sandbox serve`: the sandbox tenant as a long-running local server.

use std::time::Duration;

use msgate_core::{Error, Result};
use msgate_sandbox::{Sandbox, SandboxOptions, Seed};

use crate::cli::{SandboxCommand, SandboxServeArgs, SeedArg};
use crate::diag;
use crate::output::{self, Data};

pub fn run(command: SandboxCommand) -> Result<Data> {
    match command {
        SandboxCommand::Serve(args) => serve(args),
    }
}

fn serve(args: SandboxServeArgs) -> Result<Data> {
    if !args.bind.is_loopback() {
        diag::warning(&format!(
            "the sandbox listens on {}: anyone who can reach this address can use it",
            args.bind
        ));
    }
    let options = SandboxOptions {
        bind: args.bind,
        port: args.port,
        data_dir: args.data,
        seed: match args.seed {
            SeedArg::Demo => Seed::Demo,
            SeedArg::Empty => Seed::Empty,
        },
        auto_approve: args.auto_approve,
        token_lifetime: Duration::from_secs(args.token_lifetime),
        faults: args.faults.unwrap_or_default(),
        strict_requests: false,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", &e))?;
    runtime.block_on(async {
        // Listen for signals before announcing the sandbox, so a caller that stops it as soon
        // as it has read the line gets a graceful shutdown, not the default kill.
        let stop = stop_signal()?;
        let sandbox = Sandbox::start(options).await?;
        let line = serde_json::to_string(sandbox.info())
            .map_err(|e| Error::internal(format!("cannot describe the sandbox: {e}")))?;
        output::write_stdout(&format!("{line}\n"))?;
        diag::status(&format!(
            "sandbox tenant serving on {} (Ctrl-C to stop)",
            sandbox.info().login_url
        ));
        stop.await;
        sandbox.shutdown().await;
        diag::status("sandbox stopped");
        Ok(Data::Nothing)
    })
}

/// A future that completes on SIGINT or SIGTERM (Ctrl-C elsewhere); the handlers are in place
/// when this returns.
pub fn stop_signal() -> Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|e| Error::io("cannot listen for SIGTERM", &e))?;
        let mut interrupt = signal(SignalKind::interrupt())
            .map_err(|e| Error::io("cannot listen for SIGINT", &e))?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
