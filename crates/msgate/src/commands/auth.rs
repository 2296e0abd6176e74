//! `msgate auth`: the sign-in state of a profile. Sign-in flows and token stores arrive with the
//! auth crate; what is here already answers "can msgate act for me right now?".

use msgate_core::Result;
use serde_json::json;

use crate::cli::AuthCommand;
use crate::context::Context;
use crate::output::Data;

pub fn run(command: AuthCommand, ctx: &Context) -> Result<Data> {
    match command {
        AuthCommand::Status => {
            let session = ctx.require_session()?;
            Ok(Data::Value(json!({
                "profile": session.profile,
                "signed_in": true,
                "source": session.source,
            })))
        }
    }
}
