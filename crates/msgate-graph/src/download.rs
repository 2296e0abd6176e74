//! Content downloads (files, attachments, transcripts, recordings) without handing the Graph
//! token to anyone else.
//!
//! Graph answers many `/content` requests with a redirect to a pre-authenticated URL on a content
//! host (SharePoint, OneDrive). The client never follows redirects on its own: each hop is checked
//! against the cloud's documented content hosts and fetched with no `Authorization` header at all.
//! Bytes are streamed to the caller's sink; a transfer that breaks off resumes with a `Range`
//! request from the last byte written.

use msgate_core::{Error, ErrorCode, Result};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LOCATION, RANGE};
use reqwest::{StatusCode, Url};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::client::{Answer, BodyMode, GraphClient, display_url};
use crate::error::{self, GraphErrorBody};
use crate::request::Request;

/// Redirect hops followed before giving up.
const MAX_REDIRECTS: usize = 5;
/// Times a broken-off transfer is resumed.
const MAX_RESUMES: usize = 3;

/// What a download wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Bytes written to the sink by this call.
    pub written: u64,
    /// The size of the whole content, when the server said.
    pub total: Option<u64>,
    pub content_type: Option<String>,
}

/// Called with (bytes so far including the starting offset, total size if known).
pub type Progress<'a> = &'a mut (dyn FnMut(u64, Option<u64>) + Send);

impl GraphClient {
    /// Streams the content behind `request` into `sink`, starting at byte `offset` (to resume a
    /// partial file).
    pub async fn download<W: AsyncWrite + Unpin + Send>(
        &self,
        request: Request,
        sink: &mut W,
        offset: u64,
        progress: Progress<'_>,
    ) -> Result<Download> {
        let request = if offset > 0 {
            request.header("Range", format!("bytes={offset}-"))
        } else {
            request
        };
        let graph_url = self.url_for(&request)?;
        let Answer::Unread(mut response) = self.execute(&request, BodyMode::Stream).await? else {
            return Err(Error::internal("a streamed answer was read"));
        };
        let mut url = graph_url;
        let mut hops = 0;
        while response.status().is_redirection() {
            hops += 1;
            if hops > MAX_REDIRECTS {
                return Err(Error::new(
                    ErrorCode::Network,
                    "too many redirects while downloading",
                ));
            }
            url = self.content_location(&url, &response)?;
            response = self.fetch_content(&url, offset).await?;
        }
        // Only a pre-authenticated content URL can be asked again without the token.
        let resume_url = (hops > 0).then_some(&url);
        self.stream_body(response, resume_url, sink, offset, progress)
            .await
    }

    /// The next hop of a download, refused unless it is on one of the cloud's content hosts.
    fn content_location(&self, from: &Url, response: &reqwest::Response) -> Result<Url> {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::Internal,
                    "Graph redirected a download without a Location",
                )
            })?;
        let next = from.join(location).map_err(|e| {
            Error::new(
                ErrorCode::Internal,
                format!("Graph redirected a download to a bad URL: {e}"),
            )
        })?;
        if !self.cloud().is_content_host(&next) {
            return Err(Error::new(
                ErrorCode::Internal,
                format!(
                    "refusing to download from {}: it is not a content host of the {} cloud",
                    next.host_str().unwrap_or("an unknown host"),
                    self.cloud()
                ),
            )
            .with_hint("the redirect did not come from Microsoft Graph as configured; check MSGATE_GRAPH_URL and any proxy"));
        }
        Ok(next)
    }

    /// A pre-authenticated content URL, fetched without any credential.
    async fn fetch_content(&self, url: &Url, offset: u64) -> Result<reqwest::Response> {
        let mut request = self.http().get(url.clone());
        if offset > 0 {
            request = request.header(RANGE, format!("bytes={offset}-"));
        }
        let response = request
            .send()
            .await
            .map_err(|e| error::from_transport(&e, &display_url(url)))?;
        let status = response.status();
        if status.is_success() || status.is_redirection() {
            return Ok(response);
        }
        let request_id = crate::client::header_text(response.headers(), "request-id");
        let body = response.bytes().await.unwrap_or_default();
        Err(error::from_status(
            status,
            &GraphErrorBody::parse(&body),
            request_id.as_deref(),
            &[],
            None,
        ))
    }

    async fn stream_body<W: AsyncWrite + Unpin + Send>(
        &self,
        mut response: reqwest::Response,
        resume_url: Option<&Url>,
        sink: &mut W,
        offset: u64,
        progress: Progress<'_>,
    ) -> Result<Download> {
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let total = total_size(&response, offset);
        let mut position = offset;
        // A server that ignores Range sends everything again: skip what the caller already has.
        let mut skip = if offset > 0 && response.status() == StatusCode::OK {
            offset
        } else {
            0
        };
        let mut resumes = 0;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let usable = if skip >= chunk.len() as u64 {
                        skip -= chunk.len() as u64;
                        continue;
                    } else {
                        let start = usize::try_from(skip).unwrap_or(0);
                        skip = 0;
                        chunk.slice(start..)
                    };
                    sink.write_all(&usable)
                        .await
                        .map_err(|e| Error::io("cannot write the download", &e))?;
                    position += usable.len() as u64;
                    progress(position, total);
                }
                Ok(None) => break,
                Err(err) => {
                    resumes += 1;
                    let Some(url) = resume_url.filter(|_| resumes <= MAX_RESUMES) else {
                        return Err(error::from_transport(&err, "the content host").with_hint(
                            format!("{position} bytes arrived; run the download again to resume from there"),
                        ));
                    };
                    tracing::debug!(target: "msgate::graph", "download broke off at byte {position}; resuming");
                    response = self.fetch_content(url, position).await?;
                    if response.status() == StatusCode::OK {
                        skip = position;
                    }
                }
            }
        }
        sink.flush()
            .await
            .map_err(|e| Error::io("cannot write the download", &e))?;
        Ok(Download {
            written: position - offset,
            total,
            content_type,
        })
    }
}

/// The whole content's size: from `Content-Range` (`bytes 10-99/100`) on a partial answer,
/// otherwise `Content-Length`.
fn total_size(response: &reqwest::Response, offset: u64) -> Option<u64> {
    let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
    if response.status() == StatusCode::PARTIAL_CONTENT {
        return header(CONTENT_RANGE)
            .and_then(|range| range.rsplit('/').next())
            .and_then(|total| total.parse().ok());
    }
    let length: u64 = header(CONTENT_LENGTH)?.parse().ok()?;
    Some(if response.status() == StatusCode::OK {
        length
    } else {
        length + offset
    })
}
