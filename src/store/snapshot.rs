//! Snapshots of the whole keyspace at one instant, with writers held up for one shard's
//! copy at most.
//!
//! Beginning a snapshot marks every shard, under all their write locks at once (a moment
//! that no write straddles: a batch or transaction holds its shards' locks throughout).
//! Each shard is then copied once, at its state of that instant, by whichever comes first:
//! the snapshot's own walk over the shards, under the shard's read lock, or the first
//! writer to lock the shard after the instant, which copies it before it changes anything.
//! A copy is cheap handles: the key, a reference count for a string, and a reference to a
//! collection, which is shared copy-on-write (see [`crate::value`]). Readers never wait;
//! a writer waits at most for one shard's copy, where copying everything under every lock
//! held them up for all of it.

use parking_lot::Mutex;

use super::items::expired;
use super::key::Key;
use super::shard::{Shard, ShardData};
use super::Keyspace;
use crate::rdb::file::Record;

/// A snapshot begun and not yet finished: its instant and the shards copied so far.
pub(crate) struct SnapshotJob {
    /// The instant, in the keyspace clock's ms: keys expired by then are left out.
    now: u64,
    /// One part per shard copied.
    copied: Mutex<Vec<Vec<Record>>>,
}

impl SnapshotJob {
    /// Copies `data`, the state of its shard at the snapshot's instant.
    pub(super) fn copy(&self, data: &ShardData) {
        let mut part = Vec::with_capacity(data.len());
        part.extend(
            data.all_entries()
                .filter(|e| !expired(e.expire_at(), || self.now))
                .map(|e| Record {
                    db: e.db(),
                    key: Key::new(e.key()),
                    value: e.value().to_value(),
                    expire_at: e.expire_at(),
                }),
        );
        self.copied.lock().push(part);
    }
}

impl Keyspace {
    /// Begins a snapshot of this instant: O(shards), under every shard's write lock.
    pub fn begin_snapshot(&self) -> std::sync::Arc<SnapshotJob> {
        // `Shard::write` first copies any shard still owed to an earlier snapshot.
        let guards: Vec<_> = self.shards.iter().map(Shard::write).collect();
        let job = std::sync::Arc::new(SnapshotJob {
            now: self.now(),
            copied: Mutex::new(Vec::new()),
        });
        for shard in self.shards.iter() {
            shard.owe_snapshot(&job);
        }
        drop(guards);
        job
    }

    /// Copies every shard that no writer copied yet, and returns the snapshot's keys,
    /// sorted by database.
    pub fn finish_snapshot(&self, job: &SnapshotJob) -> Vec<Record> {
        for shard in self.shards.iter() {
            let data = shard.read();
            shard.pay_snapshot(&data);
        }
        let parts = std::mem::take(&mut *job.copied.lock());
        let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in parts {
            out.extend(part);
        }
        out.sort_by_key(|r| r.db);
        out
    }

    /// Every live key of every database at one instant, sorted by database (see the
    /// module docs for what waits for what).
    pub fn snapshot(&self) -> Vec<Record> {
        let job = self.begin_snapshot();
        self.finish_snapshot(&job)
    }
}
