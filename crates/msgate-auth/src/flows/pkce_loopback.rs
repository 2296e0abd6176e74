//! Authorization code + PKCE through a loopback redirect (RFC 8252), the default wherever a
//! browser can be opened.
//!
//! msgate listens on 127.0.0.1 (and ::1 when it can) on a port the OS picks, sends the browser
//! to Entra's authorize page with `redirect_uri=http://localhost:PORT/`, an S256 code challenge
//! and a random `state`, and waits for the browser to come back with a code. The `state` is
//! compared in constant time; anything else that arrives on the port (a favicon request, a
//! forged callback) is answered and ignored. Only the code, the verifier and the same redirect
//! URI then go to the token endpoint. The browser gets a small page saying it can be closed.

use std::time::Duration;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use msgate_core::{Error, ErrorCode, Result, Secret};
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{SignIn, random_token};
use crate::entra::{Tokens, tokens_from, unix_now};

/// How long msgate waits for the browser to come back.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
const MAX_REQUEST_BYTES: usize = 16 * 1024;

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>msgate</title><p>Signed in to msgate. You can close this window.";
const FAILED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>msgate</title><p>msgate could not sign you in. Return to the terminal for details.";

/// The two halves of PKCE: the verifier msgate keeps and the challenge it sends.
#[derive(Debug)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Result<Self> {
        let verifier = Secret::new(random_token(32)?);
        let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.expose().as_bytes()));
        Ok(Pkce {
            verifier,
            challenge,
        })
    }
}

/// Sign in through the browser. `open` is handed the authorize URL (it opens a browser, or in
/// tests follows the redirect itself); `timeout` bounds the wait for the callback.
pub async fn sign_in(
    request: &SignIn<'_>,
    open: &(dyn Fn(&str) + Sync),
    timeout: Duration,
) -> Result<Tokens> {
    let v4 = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
        Error::io(
            "cannot listen on a loopback port for the sign-in redirect",
            &e,
        )
    })?;
    let port = v4
        .local_addr()
        .map_err(|e| Error::io("cannot read the loopback port", &e))?
        .port();
    // Browsers may resolve localhost to ::1; listen there too when the system has IPv6.
    let v6 = TcpListener::bind(("::1", port)).await.ok();
    let redirect_uri = format!("http://localhost:{port}/");
    let pkce = Pkce::new()?;
    let state = random_token(16)?;
    let url = authorize_url(request, &redirect_uri, &pkce.challenge, &state)?;
    open(&url);

    let code = tokio::time::timeout(timeout, wait_for_code(&v4, v6.as_ref(), &state))
        .await
        .map_err(|_| {
            Error::new(
                ErrorCode::AuthRequired,
                format!(
                    "no answer from the browser within {} minutes",
                    timeout.as_secs() / 60
                ),
            )
            .with_hint(format!(
                "run '{}' again, or use --device-code where no browser can reach this machine",
                request.login_command
            ))
        })??;
    let answer = request
        .client
        .post(
            &request.authority.token_url(),
            &[
                ("client_id", request.client_id),
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("redirect_uri", &redirect_uri),
                ("code_verifier", pkce.verifier.expose()),
                ("scope", &request.scope_param()),
            ],
        )
        .await?
        .map_err(|e| e.into_error(request.login_command))?;
    tokens_from(&answer, unix_now())
}

fn authorize_url(
    request: &SignIn<'_>,
    redirect_uri: &str,
    challenge: &str,
    state: &str,
) -> Result<String> {
    let mut url = Url::parse(&request.authority.authorize_url())
        .map_err(|e| Error::usage(format!("the sign-in URL is not valid: {e}")))?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("client_id", request.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &request.scope_param())
            .append_pair("state", state)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("prompt", "select_account");
        if let Some(hint) = request.login_hint {
            query.append_pair("login_hint", hint);
        }
    }
    Ok(url.to_string())
}

/// Accept connections until one carries our `state` with a code or an error.
async fn wait_for_code(v4: &TcpListener, v6: Option<&TcpListener>, state: &str) -> Result<Secret> {
    loop {
        let accepted = match v6 {
            Some(v6) => tokio::select! {
                a = v4.accept() => a,
                a = v6.accept() => a,
            },
            None => v4.accept().await,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        if let Some(outcome) = handle(stream, state).await {
            return outcome;
        }
    }
}

/// One request on the loopback port: `None` when it is not the callback we wait for.
async fn handle(mut stream: TcpStream, state: &str) -> Option<Result<Secret>> {
    let target = read_request_target(&mut stream).await?;
    let url = Url::parse(&format!("http://localhost{target}")).ok()?;
    if url.path() != "/" {
        respond(&mut stream, "404 Not Found", "").await;
        return None;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let same_state = param("state").is_some_and(|got| {
        verify_slices_are_equal(
            digest(&SHA256, got.as_bytes()).as_ref(),
            digest(&SHA256, state.as_bytes()).as_ref(),
        )
        .is_ok()
    });
    if !same_state {
        respond(&mut stream, "400 Bad Request", FAILED_PAGE).await;
        return None;
    }
    if let Some(code) = param("code") {
        respond(&mut stream, "200 OK", DONE_PAGE).await;
        return Some(Ok(Secret::new(code)));
    }
    respond(&mut stream, "200 OK", FAILED_PAGE).await;
    let error = param("error").unwrap_or_else(|| "no code".to_owned());
    let description = param("error_description").unwrap_or_default();
    let reason = description.split(" Trace ID:").next().unwrap_or_default();
    Some(Err(Error::new(
        ErrorCode::AuthRequired,
        format!("sign-in failed: {error}: {reason}"),
    )
    .with_hint(
        "check the account, the tenant and the requested scopes, then sign in again",
    )))
}

/// The request target of the first line (`GET /?code=… HTTP/1.1`), reading at most 16 KiB.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if read == 0 || buffer.len() > MAX_REQUEST_BYTES {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let head = String::from_utf8_lossy(&buffer);
    let mut parts = head.lines().next()?.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_owned()),
        _ => None,
    }
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The browser leaving early must not fail the sign-in.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_s256_of_the_verifier() {
        let pkce = Pkce::new().unwrap();
        assert_eq!(pkce.verifier.expose().len(), 43);
        assert_eq!(
            pkce.challenge,
            URL_SAFE_NO_PAD.encode(digest(&SHA256, pkce.verifier.expose().as_bytes()))
        );
        assert_ne!(Pkce::new().unwrap().challenge, pkce.challenge);
    }
}
