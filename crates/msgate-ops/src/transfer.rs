//! Downloads to local files, the same way for every operation that saves one (files, message
//! and mail attachments, recordings): where the file goes, a name that is safe to create, and
//! a transfer that never leaves half a file under the real name.
//!
//! Bytes stream into `.NAME.msgate-part` beside the destination, which is renamed into place
//! only when complete. When Graph reports the file's QuickXorHash the download is checked
//! against it, and that check is also what makes a partial file from an interrupted run safe
//! to continue: msgate asks for the rest with `Range`, and if the pieces turn out not to belong
//! together (the file changed in between) it starts over once. Without a hash nothing is
//! resumed. Progress goes to the context's progress bar.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use msgate_core::{Error, ErrorCode, Result};
use msgate_graph::{QuickXor, Request};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};

use crate::ctx::Ctx;
use crate::progress::{Position, Unit};

/// A name safe to create in a directory: no separators, no `..`, no control characters.
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        safe_file_name(fallback, "download")
    } else {
        cleaned
    }
}

/// Where a download goes: `out` as a file, `name` inside `out` when it is a directory, or
/// `name` in the current directory. An existing file is replaced only with `force`.
pub fn destination(out: Option<&str>, name: &str, force: bool) -> Result<PathBuf> {
    let path = match out {
        Some(out) if Path::new(out).is_dir() => Path::new(out).join(name),
        Some(out) => PathBuf::from(out),
        None => PathBuf::from(name),
    };
    if path.exists() && !force {
        return Err(Error::new(
            ErrorCode::Conflict,
            format!("'{}' already exists", path.display()),
        )
        .with_hint("choose another --out, or replace it with --force"));
    }
    Ok(path)
}

/// What is known of a download before it starts.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// What the progress bar says it is.
    pub label: &'a str,
    /// Its size, when known (the bar's length; a partial file longer than this is not resumed).
    pub size: Option<u64>,
    /// Its QuickXorHash as Graph reports it: checked, and what allows resuming.
    pub quick_xor: Option<&'a str>,
}

/// What a download wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The size of the saved file.
    pub bytes: u64,
    /// Bytes a partial file from an earlier run already had (0 for a fresh download).
    pub resumed_from: u64,
    /// Its media type, as the server said.
    pub content_type: Option<String>,
}

/// The partial file of a download to `destination`.
pub fn partial_path(destination: &Path) -> PathBuf {
    destination.with_file_name(format!(
        ".{}.msgate-part",
        destination
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ))
}

/// Streams the content behind `request` into `destination` by way of its partial file.
pub async fn save(
    ctx: &Ctx,
    request: Request,
    destination: &Path,
    expected: Expected<'_>,
) -> Result<Saved> {
    let partial = partial_path(destination);
    let resumable = expected.quick_xor.is_some();
    let mut start = if resumable {
        usable_partial(&partial, expected.size).await
    } else {
        0
    };
    loop {
        let attempt = fetch(ctx, request.clone(), &partial, start, expected).await;
        let (hash, content_type) = match attempt {
            Ok(done) => done,
            Err(err) => {
                // A partial file that can be continued is kept for the next run.
                if !resumable {
                    let _ = tokio::fs::remove_file(&partial).await;
                }
                return Err(err);
            }
        };
        match expected.quick_xor {
            Some(wanted) if wanted != hash.finish() => {
                let _ = tokio::fs::remove_file(&partial).await;
                if start > 0 {
                    // The earlier part belonged to another version of the file.
                    tracing::debug!(target: "msgate::ops", "resumed download does not match its hash; starting over");
                    start = 0;
                    continue;
                }
                return Err(Error::new(
                    ErrorCode::Internal,
                    format!(
                        "the download of '{}' does not match the content hash Graph reports",
                        expected.label
                    ),
                )
                .with_hint("run it again; if it keeps failing, the file is changing meanwhile"));
            }
            _ => {}
        }
        tokio::fs::rename(&partial, destination)
            .await
            .map_err(|e| Error::io(format!("cannot write {}", destination.display()), &e))?;
        return Ok(Saved {
            bytes: hash.len(),
            resumed_from: start,
            content_type,
        });
    }
}

/// The length of a partial file worth continuing: present, and not longer than the content.
async fn usable_partial(partial: &Path, size: Option<u64>) -> u64 {
    match tokio::fs::metadata(partial).await {
        Ok(meta) if meta.is_file() && size.is_none_or(|size| meta.len() <= size) => meta.len(),
        _ => 0,
    }
}

/// One transfer into the partial file from byte `start`: the hash of the whole file and the
/// content type.
async fn fetch(
    ctx: &Ctx,
    request: Request,
    partial: &Path,
    start: u64,
    expected: Expected<'_>,
) -> Result<(QuickXor, Option<String>)> {
    let cannot = |e: std::io::Error| Error::io(format!("cannot write {}", partial.display()), &e);
    let mut hash = QuickXor::new();
    let file = if start > 0 {
        hash_existing(partial, start, &mut hash).await?;
        tokio::fs::OpenOptions::new()
            .append(true)
            .open(partial)
            .await
            .map_err(cannot)?
    } else {
        tokio::fs::File::create(partial).await.map_err(cannot)?
    };
    if expected.size == Some(start) && start > 0 {
        // Everything arrived last time; only the rename was missing.
        return Ok((hash, None));
    }
    let mut sink = Hashing {
        inner: BufWriter::with_capacity(256 * 1024, file),
        hash,
    };
    let mut position = Position::new(
        ctx.progress()
            .start(expected.label, expected.size, Unit::Bytes),
        start,
    );
    let outcome = ctx
        .graph
        .download(request, &mut sink, start, &mut |at, _| position.set(at))
        .await;
    position.finish();
    let download = outcome?;
    sink.inner.flush().await.map_err(cannot)?;
    Ok((sink.hash, download.content_type))
}

/// Feeds the first `len` bytes of the partial file to the hash.
async fn hash_existing(partial: &Path, len: u64, hash: &mut QuickXor) -> Result<()> {
    let cannot = |e: std::io::Error| Error::io(format!("cannot read {}", partial.display()), &e);
    let file = tokio::fs::File::open(partial).await.map_err(cannot)?;
    let mut reader = file.take(len);
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = reader.read(&mut buffer).await.map_err(cannot)?;
        if read == 0 {
            return Ok(());
        }
        hash.update(&buffer[..read]);
    }
}

/// A writer that hashes what it accepts.
struct Hashing<W> {
    inner: W,
    hash: QuickXor,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Hashing<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = written {
            this.hash.update(&buf[..n]);
        }
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd", "x"), "_.._etc_passwd");
        assert_eq!(safe_file_name("..", "id-1"), "id-1");
        assert_eq!(safe_file_name("a\u{7}b.txt", "x"), "a_b.txt");
        assert_eq!(
            partial_path(Path::new("/tmp/a b.txt")),
            Path::new("/tmp/.a b.txt.msgate-part")
        );
    }

    #[tokio::test]
    async fn a_partial_file_is_continued_only_when_it_can_belong() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join(".x.msgate-part");
        assert_eq!(usable_partial(&partial, Some(10)).await, 0);
        std::fs::write(&partial, b"12345").unwrap();
        assert_eq!(usable_partial(&partial, Some(10)).await, 5);
        assert_eq!(usable_partial(&partial, None).await, 5);
        assert_eq!(usable_partial(&partial, Some(4)).await, 0);
        let mut hash = QuickXor::new();
        hash_existing(&partial, 3, &mut hash).await.unwrap();
        assert_eq!(hash.finish(), msgate_graph::quick_xor(b"123"));
    }
}
