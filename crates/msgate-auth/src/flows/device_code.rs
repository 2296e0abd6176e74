//! The device code flow: for machines without a browser (SSH sessions, containers). msgate
//! shows a code and a URL on stderr; the person enters the code on any other device; msgate
//! polls the token endpoint, waiting the `interval` Entra asked for and five seconds more each
//! time Entra answers `slow_down`, until the code is redeemed, declined or expired.

use std::time::Duration;

use msgate_core::{Error, ErrorCode, Result};

use super::SignIn;
use crate::entra::{Tokens, tokens_from, unix_now};

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const SLOW_DOWN_STEP: u64 = 5;

/// What the person must do, as Entra phrased it.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
}

pub async fn sign_in(request: &SignIn<'_>, show: &(dyn Fn(&Prompt) + Sync)) -> Result<Tokens> {
    let scope = request.scope_param();
    let answer = request
        .client
        .post(
            &request.authority.devicecode_url(),
            &[("client_id", request.client_id), ("scope", &scope)],
        )
        .await?
        .map_err(|e| e.into_error(request.login_command))?;
    let text = |name: &str| answer[name].as_str().unwrap_or_default().to_owned();
    let device_code = text("device_code");
    if device_code.is_empty() {
        return Err(Error::new(
            ErrorCode::AuthRequired,
            "Entra answered the device code request without a code",
        ));
    }
    let prompt = Prompt {
        user_code: text("user_code"),
        verification_uri: text("verification_uri"),
        message: text("message"),
    };
    show(&prompt);
    let mut interval = answer["interval"].as_u64().unwrap_or(5).max(1);
    let deadline = unix_now() + answer["expires_in"].as_i64().unwrap_or(900);
    let mut first = true;
    loop {
        if !first {
            tokio::time::sleep(Duration::from_secs(interval)).await;
        }
        first = false;
        if unix_now() > deadline {
            return Err(expired(request.login_command));
        }
        let polled = request
            .client
            .post(
                &request.authority.token_url(),
                &[
                    ("client_id", request.client_id),
                    ("grant_type", DEVICE_CODE_GRANT),
                    ("device_code", &device_code),
                ],
            )
            .await?;
        match polled {
            Ok(answer) => return tokens_from(&answer, unix_now()),
            Err(e) if e.error == "authorization_pending" => {}
            Err(e) if e.error == "slow_down" => interval += SLOW_DOWN_STEP,
            Err(e) if e.error == "expired_token" => return Err(expired(request.login_command)),
            Err(e) if e.error == "authorization_declined" => {
                return Err(Error::new(
                    ErrorCode::AuthRequired,
                    "the sign-in was declined on the verification page",
                ));
            }
            Err(e) => return Err(e.into_error(request.login_command)),
        }
    }
}

fn expired(login: &str) -> Error {
    Error::new(
        ErrorCode::AuthRequired,
        "the device code expired before anyone entered it",
    )
    .with_hint(format!("run '{login}' again and enter the new code"))
}
