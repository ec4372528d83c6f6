//! Snapshots in Redis's RDB format: SAVE, BGSAVE and LASTSAVE, and the load at build from
//! [`crate::CacheBuilder::snapshot_path`]. A file is written beside its final name, synced,
//! renamed over it and the directory synced, so a crash leaves the old snapshot or the new
//! one, never a torn file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use crate::cache::Inner;
use crate::error::{Error, Result};
use crate::rdb;
pub use crate::rdb::file::LoadSkipped;
use crate::store::key::Key;
use crate::value::Value;
use crate::Cache;

/// A cache's snapshot settings and state.
pub(crate) struct Snapshots {
    /// Where SAVE writes and the build loads from (`None`: nowhere yet).
    pub path: Mutex<Option<PathBuf>>,
    /// Redis's `save <seconds> <changes>` rules: a BGSAVE starts when, for one of them,
    /// that many seconds passed since the last save and that many writes were made.
    rules: Mutex<Vec<(u64, u64)>>,
    /// Writes counted at the snapshot of the last successful save.
    saved_writes: AtomicU64,
    /// Unix seconds of the last successful save (or of the start).
    last_save: AtomicU64,
    /// A BGSAVE is writing.
    running: AtomicBool,
    /// The rule-checking thread runs.
    saver: AtomicBool,
    /// Save when the last handle goes: the builder's `save_on_shutdown`, in force once
    /// the cache is built (a cache whose load failed must not overwrite the file).
    on_shutdown: AtomicBool,
    save_on_shutdown: bool,
    /// Skip what the engine does not hold when loading (`snapshot_lenient`).
    lenient: bool,
    /// What the load at build skipped.
    skipped: Mutex<rdb::file::LoadSkipped>,
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Snapshots {
    pub fn new(
        path: Option<PathBuf>,
        rules: Vec<(u64, u64)>,
        on_shutdown: bool,
        lenient: bool,
    ) -> Snapshots {
        Snapshots {
            path: Mutex::new(path),
            rules: Mutex::new(rules),
            saved_writes: AtomicU64::new(0),
            last_save: AtomicU64::new(unix_secs()),
            running: AtomicBool::new(false),
            saver: AtomicBool::new(false),
            on_shutdown: AtomicBool::new(false),
            save_on_shutdown: on_shutdown,
            lenient,
            skipped: Mutex::default(),
        }
    }
}

/// Parses Redis's `save` setting: pairs of seconds and changes (`"3600 1 300 100"`), or
/// `""` for none.
pub(crate) fn parse_rules(text: &str) -> Option<Vec<(u64, u64)>> {
    let nums: Vec<u64> = text
        .split_whitespace()
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    (nums.len() % 2 == 0).then(|| nums.chunks(2).map(|p| (p[0], p[1])).collect())
}

/// The rules as CONFIG GET prints them.
pub(crate) fn format_rules(rules: &[(u64, u64)]) -> String {
    rules
        .iter()
        .map(|(s, c)| format!("{s} {c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts the thread that checks the save rules once a second (once per cache); it ends
/// with the cache.
pub(crate) fn spawn_saver(inner: &Arc<Inner>) {
    if inner.snapshots.saver.swap(true, SeqCst) {
        return;
    }
    let weak: Weak<Inner> = Arc::downgrade(inner);
    let spawned = std::thread::Builder::new()
        .name("ferricache-saver".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let Some(inner) = weak.upgrade() else { return };
            let cache = Cache::internal(inner);
            if cache.rules_due() {
                let _ = cache.bgsave();
            }
        });
    if spawned.is_err() {
        inner.snapshots.saver.store(false, SeqCst);
    }
}

/// Saves when the application's last handle goes, if asked to
/// ([`crate::CacheBuilder::save_on_shutdown`]); once.
pub(crate) fn save_on_drop(inner: &Inner) {
    let path = inner.snapshots.path.lock().clone();
    if let (true, Some(path)) = (inner.snapshots.on_shutdown.swap(false, Relaxed), path) {
        let records = inner.ks.snapshot();
        let bytes = rdb::file::write(records, inner.ks.now(), inner.ks.used_memory());
        let _ = write_atomically(&path, &bytes);
    }
}

/// Writes `bytes` to `path` so that a crash at any moment leaves the old file or the new
/// one: a temporary file in the same directory, synced, renamed over `path`, and the
/// directory synced.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "dump.rdb".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

impl Cache {
    /// The file SAVE writes and the build loads (see [`crate::CacheBuilder::snapshot_path`]).
    pub fn snapshot_path(&self) -> Option<PathBuf> {
        self.inner.snapshots.path.lock().clone()
    }

    /// Changes the file later saves write.
    pub fn set_snapshot_path(&self, path: impl Into<PathBuf>) {
        *self.inner.snapshots.path.lock() = Some(path.into());
        if !self.inner.snapshots.rules.lock().is_empty() {
            spawn_saver(&self.inner);
        }
    }

    /// True when a save rule is met and no save runs.
    fn rules_due(&self) -> bool {
        let s = &self.inner.snapshots;
        if s.running.load(SeqCst) || s.path.lock().is_none() {
            return false;
        }
        let changes = self.changes_since_last_save();
        let elapsed = unix_secs().saturating_sub(s.last_save.load(Relaxed));
        s.rules
            .lock()
            .iter()
            .any(|&(secs, min)| elapsed >= secs && changes >= min.max(1))
    }

    /// Redis's `save` rules in force (CONFIG GET save).
    pub fn save_rules(&self) -> Vec<(u64, u64)> {
        self.inner.snapshots.rules.lock().clone()
    }

    /// Replaces the `save` rules (CONFIG SET save): after `seconds` with at least `changes`
    /// writes since the last save, a BGSAVE starts. `&[]` turns automatic saves off.
    pub fn set_save_rules(&self, rules: &[(u64, u64)]) {
        *self.inner.snapshots.rules.lock() = rules.to_vec();
        if !rules.is_empty() {
            spawn_saver(&self.inner);
        }
    }

    /// Writes not yet in a snapshot (INFO's `rdb_changes_since_last_save`).
    pub fn changes_since_last_save(&self) -> u64 {
        let s = &self.inner.snapshots;
        self.inner
            .ks
            .counters
            .writes()
            .saturating_sub(s.saved_writes.load(Relaxed))
    }

    fn save_path(&self) -> Result<PathBuf> {
        self.snapshot_path().ok_or(Error::Invalid(
            "no snapshot path: set CacheBuilder::snapshot_path (or Cache::set_snapshot_path)",
        ))
    }

    /// SAVE: writes every database to the snapshot file in Redis's RDB format, synced to
    /// disk when it returns. The snapshot is the state at one instant; readers are not
    /// blocked, and a writer waits at most for one shard's keys to be copied (see
    /// [`Cache::bgsave`]).
    ///
    /// ```
    /// use ferricache::Cache;
    ///
    /// let path = std::env::temp_dir().join(format!("ferricache-doc-{}.rdb", std::process::id()));
    /// let cache = Cache::builder().snapshot_path(&path).build().unwrap();
    /// cache.set("greeting", "hello").unwrap();
    /// cache.save().unwrap();
    /// // A warm restart: the next cache starts with the saved keys.
    /// let restarted = Cache::builder().snapshot_path(&path).build().unwrap();
    /// assert_eq!(restarted.get("greeting").unwrap().unwrap(), "hello");
    /// # std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn save(&self) -> Result<()> {
        let path = self.save_path()?;
        let writes = self.inner.ks.counters.writes();
        let records = self.inner.ks.snapshot();
        self.write_snapshot(&path, records, writes)
    }

    fn write_snapshot(
        &self,
        path: &Path,
        records: Vec<rdb::file::Record>,
        writes: u64,
    ) -> Result<()> {
        let bytes = rdb::file::write(records, self.inner.ks.now(), self.inner.ks.used_memory());
        write_atomically(path, &bytes)
            .map_err(|e| Error::Command(format!("snapshot to {} failed: {e}", path.display())))?;
        let s = &self.inner.snapshots;
        s.saved_writes.fetch_max(writes, Relaxed);
        s.last_save.store(unix_secs(), Relaxed);
        Ok(())
    }

    /// BGSAVE: the snapshot is of this instant (as SAVE's), and is copied and written on
    /// a thread of its own; returns at once. [`Cache::last_save`] moves when the file is
    /// on disk. Meanwhile a writer waits at most for the copy of one shard (its first
    /// write to a shard not yet copied makes the copy), or for the copy of a collection
    /// the snapshot still holds when it writes to it.
    pub fn bgsave(&self) -> Result<()> {
        let path = self.save_path()?;
        let s = &self.inner.snapshots;
        if s.running.swap(true, SeqCst) {
            return Err(Error::Invalid("Background save already in progress"));
        }
        let writes = self.inner.ks.counters.writes();
        let job = self.inner.ks.begin_snapshot();
        let unpaid = job.clone();
        let cache = Cache::internal(self.inner.clone());
        let spawned = std::thread::Builder::new()
            .name("ferricache-bgsave".into())
            .spawn(move || {
                let records = cache.inner.ks.finish_snapshot(&job);
                let _ = cache.write_snapshot(&path, records, writes);
                cache.inner.snapshots.running.store(false, SeqCst);
            });
        if let Err(e) = spawned {
            // Settle what the shards owe the snapshot, so no writer copies for nothing.
            drop(self.inner.ks.finish_snapshot(&unpaid));
            s.running.store(false, SeqCst);
            return Err(Error::Command(format!(
                "cannot start the BGSAVE thread: {e}"
            )));
        }
        Ok(())
    }

    /// True while a BGSAVE is writing.
    pub fn bgsave_in_progress(&self) -> bool {
        self.inner.snapshots.running.load(SeqCst)
    }

    /// LASTSAVE: Unix seconds of the last successful save (the start, before any).
    pub fn last_save(&self) -> u64 {
        self.inner.snapshots.last_save.load(Relaxed)
    }

    /// Loads the snapshot file, if it exists, into this (new) cache: all or nothing, since
    /// a cache whose load fails is never handed out (nor saved on its drop). Keys whose
    /// deadline passed while the file sat on disk are not loaded, as in Redis.
    pub(crate) fn load_snapshot(&self) -> Result<()> {
        self.load_file()?;
        // As after Redis's load: nothing is waiting to be saved.
        let s = &self.inner.snapshots;
        s.saved_writes
            .store(self.inner.ks.counters.writes(), Relaxed);
        s.on_shutdown.store(s.save_on_shutdown, Relaxed);
        Ok(())
    }

    fn load_file(&self) -> Result<()> {
        let Some(path) = self.snapshot_path() else {
            return Ok(());
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(Error::InvalidConfig(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        let bytes: Arc<[u8]> = bytes.into();
        let fault = |e: Error| {
            Error::InvalidConfig(format!(
                "{}: {}",
                path.display(),
                e.to_string().trim_start_matches("ERR ")
            ))
        };
        let file = rdb::file::open(&bytes).map_err(fault)?;
        // Two stages on two threads: this one parses and decodes (allocating the values),
        // the other inserts into the keyspace the batches handed over a bounded channel,
        // and checksums the file whenever no batch waits. A wrong checksum is the fault
        // reported, whatever else went wrong; keys read before a fault went into this
        // cache, which is then never handed out.
        let lenient = self.inner.snapshots.lenient;
        let (now, databases) = (self.inner.ks.now(), self.databases());
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(LOAD_QUEUE);
        let (body_len, checksum) = (file.body.len(), file.checksum.is_some());
        let stage = {
            let (cache, bytes) = (Cache::internal(self.inner.clone()), bytes.clone());
            std::thread::Builder::new()
                .name("ferricache-load".into())
                .spawn(move || cache.insert_and_checksum(rx, &bytes[..body_len], checksum))
        };
        let mut sink = Loader {
            batch: Batch::default(),
            tx: stage.as_ref().ok().map(|_| tx),
            cache: self,
        };
        let read = rdb::file::parse(file.body, now, databases, lenient, &mut sink);
        sink.flush();
        drop(sink);
        let sum = match stage {
            Ok(stage) => stage
                .join()
                .expect("the load's insert stage does not panic"),
            Err(_) => checksum.then(|| rdb::CRC64.checksum(file.body)),
        };
        if let (Some(want), Some(got)) = (file.checksum, sum) {
            rdb::file::check(&bytes, got, want).map_err(fault)?;
        }
        *self.inner.snapshots.skipped.lock() = read.map_err(fault)?;
        Ok(())
    }

    /// A load's second stage: inserts the batches as they come and, while none waits,
    /// checksums `body` a chunk at a time; returns the checksum if asked for one.
    fn insert_and_checksum(&self, rx: Receiver<Batch>, body: &[u8], checksum: bool) -> Option<u64> {
        let mut digest = checksum.then(|| rdb::CRC64.digest());
        let mut at = 0;
        loop {
            let batch = match rx.try_recv() {
                Ok(batch) => batch,
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => match digest.as_mut().filter(|_| at < body.len()) {
                    Some(d) => {
                        let end = (at + CHECKSUM_CHUNK).min(body.len());
                        d.update(&body[at..end]);
                        at = end;
                        continue;
                    }
                    None => match rx.recv() {
                        Ok(batch) => batch,
                        Err(_) => break,
                    },
                },
            };
            self.insert_loaded(batch);
        }
        digest.map(|mut d| {
            d.update(&body[at..]);
            d.finalize()
        })
    }

    /// Puts a batch of loaded keys into the keyspace.
    fn insert_loaded(&self, batch: Batch) {
        if batch.reserve > 0 {
            self.inner.ks.reserve(batch.reserve);
        }
        for (db, key, value, expire_at) in batch.keys {
            let key = key.as_bytes();
            let _ = self.in_db(db).ks().write(key, 0, |tx| {
                if let Some(i) = tx.find(key) {
                    tx.remove(i);
                }
                tx.insert(key, value, expire_at);
                Ok(())
            });
        }
    }

    /// What the load at build skipped, with [`crate::CacheBuilder::snapshot_lenient`]
    /// (all zero otherwise, or with no file). Also in INFO persistence.
    pub fn load_skipped(&self) -> LoadSkipped {
        *self.inner.snapshots.skipped.lock()
    }
}

/// Keys a load hands from its parsing stage to its inserting stage at a time, and the
/// batches that may wait between them.
const LOAD_BATCH: usize = 2048;
const LOAD_QUEUE: usize = 8;
/// Bytes the insert stage checksums at a time while no batch waits.
const CHECKSUM_CHUNK: usize = 256 << 10;

/// Loaded keys on their way into the keyspace, and room to make first.
#[derive(Default)]
struct Batch {
    reserve: usize,
    keys: Vec<(u8, Key, Value, u64)>,
}

/// The parsing stage's end: batches the keys for the inserting stage, or inserts them
/// itself when no thread could be started for that.
struct Loader<'a> {
    batch: Batch,
    tx: Option<std::sync::mpsc::SyncSender<Batch>>,
    cache: &'a Cache,
}

impl Loader<'_> {
    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        match &self.tx {
            // The inserting stage ends only when this sender is dropped.
            Some(tx) => tx.send(batch).expect("the insert stage runs until the end"),
            None => self.cache.insert_loaded(batch),
        }
    }
}

impl rdb::file::Sink for Loader<'_> {
    fn expect(&mut self, keys: u64) {
        self.batch.reserve += keys as usize;
    }

    fn key(&mut self, db: u8, key: &[u8], value: Value, expire_at: u64) {
        self.batch.keys.push((db, Key::new(key), value, expire_at));
        if self.batch.keys.len() >= LOAD_BATCH {
            self.flush();
        }
    }
}
