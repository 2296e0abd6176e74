//! The sandbox's state: every Graph entity as a JSON document in SQLite.
//!
//! One table holds all entities, keyed by kind, parent and id, in insertion order; handlers
//! give the documents their Graph semantics; `kv` holds the tenant's binary content (file
//! bytes, upload fragments). The sandbox's own credentials (the token signing key, the
//! confidential client's secret) are kept apart in `credentials`, so a reset to the seed, which
//! empties the tenant's tables, leaves issued tokens valid. A file under `--data` keeps it all
//! across restarts; without it the database lives in memory and vanishes with the process.
//!
//! Every put and delete is also published as a [`Change`] on a broadcast channel: the change
//! feed behind change notifications, fed from the one place every write goes through, so no
//! handler can forget to announce what it changed.

use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};

use msgate_core::{Error, Result};
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use tokio::sync::broadcast;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL,
    parent TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, parent, id)
);
CREATE INDEX IF NOT EXISTS entities_by_seq ON entities (kind, parent, seq);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (key TEXT PRIMARY KEY, value BLOB NOT NULL);
";

/// How many changes the feed holds for a listener that falls behind; past that the listener
/// is told how many it missed.
const FEED_CAPACITY: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Created,
    Updated,
    Deleted,
}

/// One write to the store, as the change feed announces it.
#[derive(Debug, Clone)]
pub struct Change {
    pub kind: String,
    pub parent: String,
    pub id: String,
    pub change_type: ChangeType,
    /// The document as written, or as it was before a delete.
    pub document: Value,
}

#[derive(Debug)]
pub struct Store {
    pool: SqlitePool,
    /// Orders documents on insertion and, as each document's version, on every change.
    next_seq: AtomicI64,
    feed: broadcast::Sender<Change>,
}

fn db_error(e: sqlx::Error) -> Error {
    Error::internal(format!("sandbox database: {e}"))
}

impl Store {
    pub async fn open(data_dir: Option<&Path>) -> Result<Store> {
        let (options, connections) = match data_dir {
            Some(dir) => {
                msgate_core::atomic::create_private_dir(dir)?;
                let options = SqliteConnectOptions::new()
                    .filename(dir.join("sandbox.sqlite3"))
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal);
                (options, 4)
            }
            // One connection: every connection to ":memory:" would be a database of its own.
            None => (
                SqliteConnectOptions::from_str("sqlite::memory:").map_err(db_error)?,
                1,
            ),
        };
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(db_error)?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(db_error)?;
        let max: Option<i64> =
            sqlx::query_scalar("SELECT max(max(seq), max(version)) FROM entities")
                .fetch_one(&pool)
                .await
                .map_err(db_error)?;
        Ok(Store {
            pool,
            next_seq: AtomicI64::new(max.unwrap_or(0) + 1),
            feed: broadcast::channel(FEED_CAPACITY).0,
        })
    }

    /// Every change from now on, in the order the writes completed.
    pub fn changes(&self) -> broadcast::Receiver<Change> {
        self.feed.subscribe()
    }

    fn publish(&self, kind: &str, parent: &str, id: &str, change_type: ChangeType, body: &Value) {
        if self.feed.receiver_count() == 0 {
            return;
        }
        let _ = self.feed.send(Change {
            kind: kind.to_owned(),
            parent: parent.to_owned(),
            id: id.to_owned(),
            change_type,
            document: body.clone(),
        });
    }

    pub async fn is_empty(&self) -> Result<bool> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM entities")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(count == 0)
    }

    /// Forget the tenant — every entity and every piece of content — but not the credentials.
    pub async fn clear(&self) -> Result<()> {
        let mut transaction = self.pool.begin().await.map_err(db_error)?;
        for statement in ["DELETE FROM entities", "DELETE FROM kv"] {
            sqlx::query(statement)
                .execute(&mut *transaction)
                .await
                .map_err(db_error)?;
        }
        transaction.commit().await.map_err(db_error)
    }

    pub async fn get(&self, kind: &str, parent: &str, id: &str) -> Result<Option<Value>> {
        let row = sqlx::query("SELECT body FROM entities WHERE kind = ? AND parent = ? AND id = ?")
            .bind(kind)
            .bind(parent)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.map(|r| parse(&r.get::<String, _>(0))).transpose()
    }

    /// Insert or replace; a replaced document keeps its place in the order and gets a new
    /// version, which is what delta queries follow. An update keeps the original `seq`, which
    /// is how the change feed tells a creation from an update.
    pub async fn put(&self, kind: &str, parent: &str, id: &str, body: &Value) -> Result<()> {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let kept: i64 = sqlx::query_scalar(
            "INSERT INTO entities (kind, parent, id, seq, version, body) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (kind, parent, id) DO UPDATE SET body = excluded.body, version = excluded.version
             RETURNING seq",
        )
        .bind(kind)
        .bind(parent)
        .bind(id)
        .bind(seq)
        .bind(seq)
        .bind(body.to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        let change_type = if kept == seq {
            ChangeType::Created
        } else {
            ChangeType::Updated
        };
        self.publish(kind, parent, id, change_type, body);
        Ok(())
    }

    pub async fn delete(&self, kind: &str, parent: &str, id: &str) -> Result<bool> {
        let removed: Option<String> = sqlx::query_scalar(
            "DELETE FROM entities WHERE kind = ? AND parent = ? AND id = ? RETURNING body",
        )
        .bind(kind)
        .bind(parent)
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let Some(body) = removed else {
            return Ok(false);
        };
        self.publish(kind, parent, id, ChangeType::Deleted, &parse(&body)?);
        Ok(true)
    }

    /// Every document of `kind` under `parent`, oldest first.
    pub async fn list(&self, kind: &str, parent: &str) -> Result<Vec<Value>> {
        let rows =
            sqlx::query("SELECT body FROM entities WHERE kind = ? AND parent = ? ORDER BY seq")
                .bind(kind)
                .bind(parent)
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
        rows.iter().map(|r| parse(&r.get::<String, _>(0))).collect()
    }

    /// Documents changed after `version`, oldest change first, and the newest version seen.
    pub async fn changed_since(
        &self,
        kind: &str,
        parent: &str,
        version: i64,
    ) -> Result<(Vec<Value>, i64)> {
        let rows = sqlx::query(
            "SELECT body, version FROM entities WHERE kind = ? AND parent = ? AND version > ? ORDER BY version",
        )
        .bind(kind)
        .bind(parent)
        .bind(version)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        let newest = rows.last().map(|r| r.get::<i64, _>(1)).unwrap_or(version);
        let docs = rows
            .iter()
            .map(|r| parse(&r.get::<String, _>(0)))
            .collect::<Result<_>>()?;
        Ok((docs, newest))
    }

    /// Ids of the documents inserted after `version` (an update keeps a document's insertion
    /// order), which tells a delta query's "created" from "updated".
    pub async fn inserted_since(
        &self,
        kind: &str,
        parent: &str,
        version: i64,
    ) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT id FROM entities WHERE kind = ? AND parent = ? AND seq > ?")
            .bind(kind)
            .bind(parent)
            .bind(version)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)
    }

    pub async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT value FROM kv WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)
    }

    pub async fn kv_put(&self, key: &str, value: &[u8]) -> Result<()> {
        sqlx::query("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    pub async fn kv_delete(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM kv WHERE key = ?")
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    pub async fn credential_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT value FROM credentials WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)
    }

    pub async fn credential_put(&self, key: &str, value: &[u8]) -> Result<()> {
        sqlx::query("INSERT INTO credentials (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn parse(text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::internal(format!("sandbox database holds bad JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn documents_round_trip_in_order() {
        let store = Store::open(None).await.unwrap();
        store
            .put("chat", "", "b", &json!({"id": "b"}))
            .await
            .unwrap();
        store
            .put("chat", "", "a", &json!({"id": "a"}))
            .await
            .unwrap();
        store
            .put("chat", "", "b", &json!({"id": "b", "topic": "x"}))
            .await
            .unwrap();
        let ids: Vec<Value> = store
            .list("chat", "")
            .await
            .unwrap()
            .into_iter()
            .map(|d| d["id"].clone())
            .collect();
        assert_eq!(
            ids,
            [json!("b"), json!("a")],
            "a replaced document keeps its place"
        );
        assert_eq!(
            store.get("chat", "", "b").await.unwrap().unwrap()["topic"],
            "x"
        );
        assert!(store.delete("chat", "", "a").await.unwrap());
        assert!(store.get("chat", "", "a").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn the_change_feed_tells_creations_updates_and_deletes_apart() {
        let store = Store::open(None).await.unwrap();
        let mut feed = store.changes();
        store.put("chat", "", "c", &json!({"v": 1})).await.unwrap();
        store.put("chat", "", "c", &json!({"v": 2})).await.unwrap();
        assert!(store.delete("chat", "", "c").await.unwrap());
        assert!(!store.delete("chat", "", "c").await.unwrap());
        let seen: Vec<(ChangeType, Value)> = (0..3)
            .map(|_| {
                let change = feed.try_recv().unwrap();
                assert_eq!((change.kind.as_str(), change.id.as_str()), ("chat", "c"));
                (change.change_type, change.document["v"].clone())
            })
            .collect();
        assert_eq!(
            seen,
            [
                (ChangeType::Created, json!(1)),
                (ChangeType::Updated, json!(2)),
                (ChangeType::Deleted, json!(2)),
            ]
        );
        assert!(feed.try_recv().is_err(), "a delete of nothing is no change");
    }

    #[tokio::test]
    async fn clearing_forgets_the_tenant_but_not_the_credentials() {
        let store = Store::open(None).await.unwrap();
        store
            .put("driveItem", "d", "i", &json!({"id": "i"}))
            .await
            .unwrap();
        store.kv_put("content:d:i", b"bytes").await.unwrap();
        store.credential_put("signing", b"key").await.unwrap();
        store.clear().await.unwrap();
        assert!(store.is_empty().await.unwrap());
        assert!(store.kv_get("content:d:i").await.unwrap().is_none());
        assert_eq!(
            store.credential_get("signing").await.unwrap().as_deref(),
            Some(&b"key"[..])
        );
    }

    #[tokio::test]
    async fn a_data_dir_persists_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(Some(dir.path())).await.unwrap();
        store
            .put("user", "", "u1", &json!({"id": "u1"}))
            .await
            .unwrap();
        store.kv_put("k", b"v").await.unwrap();
        store.credential_put("c", b"s").await.unwrap();
        store.close().await;
        let store = Store::open(Some(dir.path())).await.unwrap();
        assert!(store.get("user", "", "u1").await.unwrap().is_some());
        assert_eq!(store.kv_get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
        assert_eq!(
            store.credential_get("c").await.unwrap().as_deref(),
            Some(&b"s"[..])
        );
    }
}
