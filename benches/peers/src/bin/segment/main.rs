//! A prototype of the item store issue 16 asks for, outside the engine, to settle its three
//! open questions with numbers before the engine is rebuilt on it:
//! - memory: small string items (an 8-byte header, the key, the value) packed back to back
//!   in 64 KiB segments, found through a hash table of 4-byte item references, with no
//!   slab slot and no per-item queue links;
//! - hit ratio: S3-FIFO run over the segments as two logs (new items are appended to the
//!   *small* log; its head item moves to the *main* log if it was read, else it is evicted
//!   to the ghost; main's head item is appended again with its frequency lowered, or
//!   evicted), which must evict in the order the engine's linked-list S3-FIFO does;
//! - speed: a get is two dependent cache misses, the table and then the item.
//!
//! `cargo run --release -p ferricache-peers --bin segment [memory|ratio|cold]` (all three
//! by default). The prototype keeps what the questions need (get, set, delete, eviction
//! under an entry bound, the ghost); TTLs, databases, SCAN, collections and the
//! compaction of segments that deletes leave sparse are the integration's (see the README).

use std::collections::VecDeque;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use std::hash::{BuildHasher, Hasher};

use hashbrown::HashMap;
use parking_lot::RwLock;

// The engine's own chunked index (12 tags and the 12 references they stand for in one
// cache line), compiled in here from its source so the prototype measures that table.
#[allow(dead_code)]
#[path = "../../../../../src/store/index.rs"]
mod index;
use index::Index;

/// The engine's key hash: one ahash pass over the bytes.
#[inline]
fn hash_key(state: &ahash::RandomState, key: &[u8]) -> u64 {
    let mut h = state.build_hasher();
    h.write(key);
    h.finish()
}

/// Words (8 bytes) in a segment: 64 KiB.
const SEG_SHIFT: u32 = 13;
const SEG_WORDS: usize = 1 << SEG_SHIFT;
/// The largest key and value an item holds here (longer values stay boxed in the engine).
const MAX_KEY: usize = 255;
const MAX_VALUE: usize = 128;
/// Heads examined by one eviction before it evicts regardless, as the engine's S3-FIFO.
const MAX_STEPS: usize = 64;
const MAX_FREQ: u64 = 3;

// An item's header word: key length, value length, 2-bit frequency, live and main flags.
const VLEN_SHIFT: u32 = 8;
const FREQ_SHIFT: u32 = 24;
const FREQ_ONE: u64 = 1 << FREQ_SHIFT;
const LIVE: u64 = 1 << 26;
const MAIN: u64 = 1 << 27;

fn klen(h: u64) -> usize {
    (h & 0xff) as usize
}
fn vlen(h: u64) -> usize {
    ((h >> VLEN_SHIFT) & 0xffff) as usize
}
fn freq(h: u64) -> u64 {
    (h >> FREQ_SHIFT) & 3
}
/// Words an item of these lengths takes: the header, then key and value bytes packed.
fn words(klen: usize, vlen: usize) -> usize {
    1 + (klen + vlen).div_ceil(8)
}

/// One S3-FIFO queue as a log of segments: items are appended to the last segment and
/// examined from `head` (a word offset in the first).
#[derive(Default)]
struct Log {
    segs: VecDeque<u32>,
    head: usize,
    /// Live items on this log.
    items: usize,
}

/// Fingerprints of keys recently evicted from the small log (the engine's ghost queue).
#[derive(Default)]
struct Ghost {
    order: VecDeque<(u32, u64)>,
    live: HashMap<u32, u64>,
    seq: u64,
}

impl Ghost {
    fn add(&mut self, fp: u32, cap: usize) {
        self.seq += 1;
        self.live.insert(fp, self.seq);
        self.order.push_back((fp, self.seq));
        while self.order.len() > cap {
            let (old, seq) = self.order.pop_front().expect("non-empty");
            if self.live.get(&old) == Some(&seq) {
                self.live.remove(&old);
            }
        }
    }

    fn remove(&mut self, fp: u32) -> bool {
        self.live.remove(&fp).is_some()
    }
}

/// A cache line of a segment.
#[repr(align(64))]
struct Line([AtomicU64; 8]);

/// The segments and their fill, apart from the index so both can be borrowed at once.
struct Segments {
    /// Words are atomics so that readers under a shared lock may bump an item's frequency
    /// (a relaxed store) and copy bytes out while nothing else writes. Segments are
    /// line-aligned, so word offsets tell where lines begin.
    segs: Vec<Box<[Line]>>,
    fill: Vec<usize>,
    spare: Vec<u32>,
    hasher: ahash::RandomState,
}

impl Segments {
    #[inline]
    fn word(&self, r: u32, i: usize) -> &AtomicU64 {
        let w = (r as usize & (SEG_WORDS - 1)) + i;
        &self.segs[(r >> SEG_SHIFT) as usize][w / 8].0[w % 8]
    }

    fn word_mut(&mut self, seg: u32, w: usize) -> &mut u64 {
        self.segs[seg as usize][w / 8].0[w % 8].get_mut()
    }

    #[inline]
    fn header(&self, r: u32) -> u64 {
        self.word(r, 0).load(Relaxed)
    }

    /// Copies `out.len()` bytes starting `at` bytes into the item's data into `out`: the
    /// words that cover them are loaded whole, then the bytes cut out of them.
    #[inline]
    fn bytes(&self, r: u32, at: usize, out: &mut [u8]) {
        if out.is_empty() {
            return;
        }
        let (first, last) = (at / 8, (at + out.len() - 1) / 8);
        let mut buf = [0u8; MAX_KEY + MAX_VALUE + 16];
        for (j, w) in (first..=last).enumerate() {
            let b = self.word(r, 1 + w).load(Relaxed).to_le_bytes();
            buf[8 * j..8 * j + 8].copy_from_slice(&b);
        }
        let from = at % 8;
        out.copy_from_slice(&buf[from..from + out.len()]);
    }

    /// Whether the item at `r` holds `key`, compared a word at a time.
    #[inline]
    fn key_is(&self, r: u32, key: &[u8]) -> bool {
        if klen(self.header(r)) != key.len() {
            return false;
        }
        let mut chunks = key.chunks_exact(8);
        let mut i = 1;
        for c in &mut chunks {
            if self.word(r, i).load(Relaxed) != u64::from_le_bytes(c.try_into().unwrap()) {
                return false;
            }
            i += 1;
        }
        let rest = chunks.remainder();
        if rest.is_empty() {
            return true;
        }
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        let mask = u64::MAX >> (8 * (8 - rest.len()));
        self.word(r, i).load(Relaxed) & mask == u64::from_le_bytes(w)
    }

    fn hash_of(&self, r: u32) -> u64 {
        let mut k = [0u8; MAX_KEY];
        let n = klen(self.header(r));
        self.bytes(r, 0, &mut k[..n]);
        hash_key(&self.hasher, &k[..n])
    }

    /// Appends an item to `log`'s last segment (a new one when it is full).
    fn append(&mut self, log: &mut Log, header: u64, key: &[u8], value: &[u8]) -> u32 {
        let n = words(key.len(), value.len());
        let seg = match log.segs.back() {
            Some(&s) if self.fill[s as usize] + n <= SEG_WORDS => s,
            _ => {
                let s = self.spare.pop().unwrap_or_else(|| {
                    self.segs.push(
                        (0..SEG_WORDS / 8)
                            .map(|_| Line(std::array::from_fn(|_| AtomicU64::new(0))))
                            .collect(),
                    );
                    self.fill.push(0);
                    (self.segs.len() - 1) as u32
                });
                log.segs.push_back(s);
                s
            }
        };
        let mut at = self.fill[seg as usize];
        // An item of at most a cache line never straddles two (one miss, not two): a dead
        // filler item pads to the next line.
        let room = 8 - at % 8;
        if n <= 8 && n > room && at + room + n <= SEG_WORDS {
            *self.word_mut(seg, at) = ((room - 1) * 8) as u64;
            at += room;
            self.fill[seg as usize] += room;
        }
        self.fill[seg as usize] += n;
        self.write(seg, at, n, header, key, value);
        (seg << SEG_SHIFT) | at as u32
    }

    /// Writes an item's `n` words at word `at` of segment `seg`.
    fn write(&mut self, seg: u32, at: usize, n: usize, header: u64, key: &[u8], value: &[u8]) {
        *self.word_mut(seg, at) = header;
        let mut data = key.iter().chain(value).copied();
        for w in at + 1..at + n {
            let mut b = [0u8; 8];
            for (slot, byte) in b.iter_mut().zip(&mut data) {
                *slot = byte;
            }
            *self.word_mut(seg, w) = u64::from_le_bytes(b);
        }
    }
}

/// One shard of the prototype: segments, the index, the two logs and the ghost.
struct Store {
    seg: Segments,
    index: Index,
    small: Log,
    main: Log,
    ghost: Ghost,
    /// The most live items kept.
    cap: usize,
    /// Words of live items, all and on the small log (S3-FIFO's 10% rule is in bytes).
    live_words: usize,
    small_words: usize,
}

impl Store {
    fn new(cap: usize) -> Store {
        Store {
            seg: Segments {
                segs: Vec::new(),
                fill: Vec::new(),
                spare: Vec::new(),
                hasher: ahash::RandomState::with_seeds(1, 2, 3, 4),
            },
            index: Index::new(),
            small: Log::default(),
            main: Log::default(),
            ghost: Ghost::default(),
            cap,
            live_words: 0,
            small_words: 0,
        }
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn hash(&self, key: &[u8]) -> u64 {
        hash_key(&self.seg.hasher, key)
    }

    /// GET: `f` sees the value's bytes; the read bumps the item's frequency.
    #[inline]
    fn get_with<R>(&self, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        self.get_hashed(self.hash(key), key, f)
    }

    #[inline]
    fn get_hashed<R>(&self, hash: u64, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let seg = &self.seg;
        let r = self.index.find(hash, |r| seg.key_is(r, key))?;
        let h = seg.header(r);
        if freq(h) < MAX_FREQ {
            seg.word(r, 0).store(h + FREQ_ONE, Relaxed);
        }
        // The words that cover the value, loaded whole; the value is cut out of them.
        let (at, n) = (klen(h), vlen(h));
        let mut buf = [0u8; MAX_VALUE + 16];
        if n > 0 {
            for (j, w) in (at / 8..=(at + n - 1) / 8).enumerate() {
                buf[8 * j..8 * j + 8]
                    .copy_from_slice(&seg.word(r, 1 + w).load(Relaxed).to_le_bytes());
            }
        }
        Some(f(&buf[at % 8..at % 8 + n]))
    }

    /// Marks the item at `r` dead; its words are reclaimed when its log's head passes it.
    fn kill(&mut self, r: u32) {
        let w = self.seg.word(r, 0);
        let h = w.load(Relaxed);
        w.store(h & !LIVE, Relaxed);
        let n = words(klen(h), vlen(h));
        self.live_words -= n;
        if h & MAIN == 0 {
            self.small_words -= n;
            self.small.items -= 1;
        } else {
            self.main.items -= 1;
        }
    }

    /// Appends a copy of `key` and `value` to the small or main log.
    fn put(&mut self, main: bool, freq: u64, key: &[u8], value: &[u8]) -> u32 {
        let header = key.len() as u64
            | (value.len() as u64) << VLEN_SHIFT
            | freq << FREQ_SHIFT
            | LIVE
            | if main { MAIN } else { 0 };
        let log = if main {
            &mut self.main
        } else {
            &mut self.small
        };
        let r = self.seg.append(log, header, key, value);
        let n = words(key.len(), value.len());
        log.items += 1;
        self.live_words += n;
        if !main {
            self.small_words += n;
        }
        r
    }

    /// Points the index entry of the item at `old` (whose key hashes to `hash`) at `new`.
    fn repoint(&mut self, hash: u64, old: u32, new: u32) {
        assert!(self.index.remove(hash, old), "a live item is indexed");
        let seg = &self.seg;
        self.index.insert(hash, new, |r| seg.hash_of(r));
    }

    /// SET: in place when the value takes as many words as before (a write counts as a
    /// read), else a new item in the same log.
    fn set(&mut self, key: &[u8], value: &[u8]) {
        assert!(key.len() <= MAX_KEY && value.len() <= MAX_VALUE);
        let hash = self.hash(key);
        let seg = &self.seg;
        if let Some(r) = self.index.find(hash, |r| seg.key_is(r, key)) {
            let h = seg.header(r);
            if words(key.len(), value.len()) == words(key.len(), vlen(h)) {
                self.overwrite(r, h, key.len(), value);
                return;
            }
            self.kill(r);
            let f = (freq(h) + 1).min(MAX_FREQ);
            let new = self.put(h & MAIN != 0, f, key, value);
            self.repoint(hash, r, new);
            return;
        }
        let main = self.ghost.remove(hash as u32);
        let r = self.put(main, 0, key, value);
        let seg = &self.seg;
        self.index.insert(hash, r, |r| seg.hash_of(r));
        while self.len() > self.cap {
            if !self.evict_one(r) {
                break;
            }
        }
    }

    fn overwrite(&mut self, r: u32, h: u64, klen: usize, value: &[u8]) {
        let f = (freq(h) + 1).min(MAX_FREQ);
        let mut h2 = h & !(0xffff << VLEN_SHIFT) & !(3 << FREQ_SHIFT);
        h2 |= (value.len() as u64) << VLEN_SHIFT | f << FREQ_SHIFT;
        // Rebuild the data words from the key already there and the new value.
        let mut key = [0u8; MAX_KEY];
        self.seg.bytes(r, 0, &mut key[..klen]);
        let (seg, at) = (r >> SEG_SHIFT, r as usize & (SEG_WORDS - 1));
        let n = words(klen, value.len());
        self.seg.write(seg, at, n, h2, &key[..klen], value);
    }

    /// DEL (the model test's: the benchmarks never delete).
    #[cfg_attr(not(test), allow(dead_code))]
    fn delete(&mut self, key: &[u8]) -> bool {
        let hash = self.hash(key);
        let seg = &self.seg;
        match self.index.find(hash, |r| seg.key_is(r, key)) {
            Some(r) => {
                self.index.remove(hash, r);
                self.kill(r);
                true
            }
            None => false,
        }
    }

    /// The first live item of a log, freeing the segments its head leaves behind.
    fn head(seg: &mut Segments, log: &mut Log) -> Option<u32> {
        if log.items == 0 {
            return None;
        }
        loop {
            let s = *log.segs.front().expect("a log with items has segments");
            if log.head >= seg.fill[s as usize] {
                log.segs.pop_front();
                seg.fill[s as usize] = 0;
                seg.spare.push(s);
                log.head = 0;
                continue;
            }
            let r = (s << SEG_SHIFT) | log.head as u32;
            let h = seg.header(r);
            if h & LIVE != 0 {
                return Some(r);
            }
            log.head += words(klen(h), vlen(h));
        }
    }

    /// Evicts one item (never `protect`), moving heads between logs as S3-FIFO says.
    fn evict_one(&mut self, protect: u32) -> bool {
        for _ in 0..MAX_STEPS {
            let small_head = Self::head(&mut self.seg, &mut self.small);
            let main_head = Self::head(&mut self.seg, &mut self.main);
            let use_small = small_head.is_some()
                && (self.small_words * 10 >= self.live_words
                    || main_head.is_none()
                    || main_head == Some(protect));
            let (r, small) = if use_small {
                (small_head.expect("checked"), true)
            } else {
                match main_head {
                    Some(r) => (r, false),
                    None => return false,
                }
            };
            if r == protect {
                return false;
            }
            let h = self.seg.header(r);
            let keep = if small { freq(h) >= 1 } else { freq(h) > 0 };
            let n = words(klen(h), vlen(h));
            let hash = self.seg.hash_of(r);
            if !keep {
                assert!(self.index.remove(hash, r), "indexed");
                self.kill(r);
                if small {
                    self.small.head += n;
                    self.ghost.add(hash as u32, self.main.items.max(16));
                } else {
                    self.main.head += n;
                }
                return true;
            }
            let mut buf = [0u8; MAX_KEY + MAX_VALUE];
            let kv = &mut buf[..klen(h) + vlen(h)];
            self.seg.bytes(r, 0, kv);
            let (k, v) = kv.split_at(klen(h));
            self.kill(r);
            if small {
                self.small.head += n;
            } else {
                self.main.head += n;
            }
            let f = if small { 0 } else { freq(h) - 1 };
            let new = self.put(true, f, k, v);
            self.repoint(hash, r, new);
        }
        // Bounded work: evict the head at hand.
        let r = Self::head(&mut self.seg, &mut self.main)
            .or_else(|| Self::head(&mut self.seg, &mut self.small))
            .filter(|&r| r != protect);
        let Some(r) = r else { return false };
        let hash = self.seg.hash_of(r);
        assert!(self.index.remove(hash, r), "indexed");
        self.kill(r);
        true
    }
}

/// 16 shards under `parking_lot` read-write locks, picked by bits 32.. of the hash, as the
/// engine does.
struct Sharded {
    shards: Vec<RwLock<Store>>,
    hasher: ahash::RandomState,
}

impl Sharded {
    fn new(cap: usize) -> Sharded {
        Sharded {
            shards: (0..16).map(|_| RwLock::new(Store::new(cap / 16))).collect(),
            hasher: ahash::RandomState::with_seeds(1, 2, 3, 4),
        }
    }

    #[inline]
    fn get_with<R>(&self, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let h = hash_key(&self.hasher, key);
        self.shards[(h >> 32) as usize & 15]
            .read()
            .get_hashed(h, key, f)
    }

    fn set(&self, key: &[u8], value: &[u8]) {
        let h = hash_key(&self.hasher, key);
        self.shards[(h >> 32) as usize & 15].write().set(key, value)
    }
}

fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Resident bytes per entry for 1M entries of 16-byte keys and 64-byte values, each read
/// once, in a child process per engine (the `-- mem` table's shape).
fn memory() {
    let exe = std::env::current_exe().expect("own path");
    println!("| engine | resident bytes per entry (1M, 16-byte keys, 64-byte values, read once) |");
    println!("|---|---|");
    for who in ["segments (prototype)", "ferricache"] {
        let out = std::process::Command::new(&exe)
            .args(["--memory-child", who])
            .output()
            .expect("child");
        println!(
            "| {who} | {} |",
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
}

fn memory_child(who: &str) {
    const N: usize = 1_000_000;
    let key = |i: usize| {
        let mut k = [b'k'; 16];
        k[..8].copy_from_slice(&(i as u64).to_le_bytes());
        k
    };
    let value = [b'v'; 64];
    let before = resident_bytes();
    if who == "ferricache" {
        let c = ferricache::Cache::new();
        for i in 0..N {
            c.set(key(i), bytes::Bytes::copy_from_slice(&value))
                .unwrap();
        }
        for i in 0..N {
            std::hint::black_box(c.get(key(i)).unwrap());
        }
        println!("{}", (resident_bytes() - before) / N);
        std::hint::black_box(&c);
    } else {
        let s = Sharded::new(usize::MAX);
        for i in 0..N {
            s.set(&key(i), &value);
        }
        for i in 0..N {
            std::hint::black_box(s.get_with(&key(i), |v| v.len()));
        }
        println!("{}", (resident_bytes() - before) / N);
        std::hint::black_box(&s);
    }
}

/// Miss ratios of cache-aside (GET, SET on a miss) over seeded Zipf streams of 100k
/// objects, the hit-ratio table's shapes, for the prototype and the engine's S3-FIFO with
/// one shard, on the same streams.
fn ratio() {
    use rand::{rngs::SmallRng, Rng, SeedableRng};
    println!(
        "| stream | cache | ferricache s3-fifo, 1 shard | segments (prototype) | difference |"
    );
    println!("|---|---|---|---|---|");
    for alpha in [0.8f64, 1.0] {
        // Inverse-CDF Zipf over 100k objects, as libCacheSim's synthetic reader draws them.
        let n = 100_000usize;
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for i in 0..n {
            total += 1.0 / ((i + 1) as f64).powf(alpha);
            cdf.push(total);
        }
        let mut rng = SmallRng::seed_from_u64(42);
        let stream: Vec<u32> = (0..1_000_000)
            .map(|_| {
                let x = rng.random::<f64>() * total;
                cdf.partition_point(|&c| c < x) as u32
            })
            .collect();
        for pct in [1, 10] {
            let cap = n * pct / 100;
            let engine = ferricache::Cache::builder()
                .max_entries(cap)
                .shards(1)
                .build()
                .unwrap();
            let mut proto = Store::new(cap);
            let (mut me, mut mp) = (0u64, 0u64);
            for &id in &stream {
                let k = id.to_le_bytes();
                if engine.get(k).unwrap().is_none() {
                    me += 1;
                    engine.set(k, bytes::Bytes::from_static(b"v")).unwrap();
                }
                if proto.get_with(&k, |_| ()).is_none() {
                    mp += 1;
                    proto.set(&k, b"v");
                }
            }
            let (e, p) = (
                me as f64 / stream.len() as f64 * 100.0,
                mp as f64 / stream.len() as f64 * 100.0,
            );
            println!(
                "| zipf {alpha} | {pct}% | {e:.3} | {p:.3} | {:+.3} |",
                p - e
            );
        }
    }
}

/// Uniform hits over 1M keys (u64 keys, 16-byte values), the engine, the prototype and
/// quick_cache in one process, best of 5 rounds (the `cold` binary's measurement).
fn cold() {
    let n: u64 = std::env::var("COLD_KEYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let c = ferricache::Cache::new();
    let s = Sharded::new(usize::MAX);
    // The same 16 shards once more, read with no lock at all (this loop has one thread):
    // what the layout costs without the shard lock's two atomic instructions.
    let mut bare: Vec<Store> = (0..16).map(|_| Store::new(usize::MAX)).collect();
    let q = quick_cache::sync::Cache::<u64, [u8; 16]>::new(2 * n as usize);
    for k in 0..n {
        let key = k.to_le_bytes();
        c.set(key, bytes::Bytes::copy_from_slice(&[7u8; 16]))
            .unwrap();
        s.set(&key, &[7u8; 16]);
        let h = hash_key(&s.hasher, &key);
        bare[(h >> 32) as usize & 15].set(&key, &[7u8; 16]);
        q.insert(k, [7u8; 16]);
    }
    let mut x = 88172645463325252u64;
    let keys: Vec<u64> = (0..4_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        })
        .collect();
    let per_op = |t: Instant| t.elapsed().as_secs_f64() * 1e9 / keys.len() as f64;
    let (mut f, mut p, mut b, mut qc) = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..5 {
        let t = Instant::now();
        for &k in &keys {
            let v = c.get_with(k.to_le_bytes(), |b| <[u8; 16]>::try_from(b).ok());
            assert!(std::hint::black_box(v.unwrap()).is_some());
        }
        f = f.min(per_op(t));
        let t = Instant::now();
        for &k in &keys {
            let v = s.get_with(&k.to_le_bytes(), |b| <[u8; 16]>::try_from(b).ok());
            assert!(std::hint::black_box(v).is_some());
        }
        p = p.min(per_op(t));
        let t = Instant::now();
        for &k in &keys {
            let key = k.to_le_bytes();
            let h = hash_key(&s.hasher, &key);
            let v =
                bare[(h >> 32) as usize & 15].get_hashed(h, &key, |b| <[u8; 16]>::try_from(b).ok());
            assert!(std::hint::black_box(v).is_some());
        }
        b = b.min(per_op(t));
        let t = Instant::now();
        for &k in &keys {
            assert!(std::hint::black_box(q.get(&k)).is_some());
        }
        qc = qc.min(per_op(t));
    }
    println!("| engine | ns per uniform hit over 1M keys | time over quick_cache's |");
    println!("|---|---|---|");
    for (name, t) in [
        ("ferricache", f),
        ("segments (prototype)", p),
        ("segments, the same 16 shards read with no lock", b),
        ("quick_cache", qc),
    ] {
        println!("| {name} | {t:.1} | {:.2}x |", t / qc);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--memory-child") {
        memory_child(&args[2]);
        return;
    }
    let only = args.get(1).cloned().unwrap_or_default();
    if only.is_empty() || only == "memory" {
        memory();
        println!();
    }
    if only.is_empty() || only == "ratio" {
        ratio();
        println!();
    }
    if only.is_empty() || only == "cold" {
        cold();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prototype against a map, with an unbounded store: every operation's answer and
    /// every key's bytes, across sizes that change an item's word count.
    #[test]
    fn the_prototype_agrees_with_a_map() {
        use rand::{rngs::SmallRng, Rng, SeedableRng};
        let mut rng = SmallRng::seed_from_u64(9);
        let mut s = Store::new(usize::MAX);
        let mut model = std::collections::HashMap::new();
        for _ in 0..200_000 {
            let k = format!("key:{}", rng.random_range(0..500)).into_bytes();
            match rng.random_range(0..4) {
                0 | 1 => {
                    let v: Vec<u8> = (0..rng.random_range(0..=MAX_VALUE))
                        .map(|_| rng.random())
                        .collect();
                    s.set(&k, &v);
                    model.insert(k, v);
                }
                2 => assert_eq!(s.delete(&k), model.remove(&k).is_some()),
                _ => assert_eq!(s.get_with(&k, <[u8]>::to_vec), model.get(&k).cloned()),
            }
            assert_eq!(s.len(), model.len());
        }
    }

    /// Under a bound the store keeps exactly the bound, frees whole segments as the logs'
    /// heads pass them, and what it keeps reads back right.
    #[test]
    fn a_bounded_store_recycles_its_segments() {
        let mut s = Store::new(1000);
        for i in 0..200_000u32 {
            let k = i.to_le_bytes();
            s.set(&k, &[i as u8; 40]);
            if i % 3 == 0 {
                s.get_with(&(i / 2).to_le_bytes(), |_| ());
            }
        }
        assert_eq!(s.len(), 1000);
        // 1000 items of 6 words fit in one segment each log; a few more while heads move.
        assert!(s.seg.segs.len() <= 4, "{} segments", s.seg.segs.len());
        let mut found = 0;
        for i in 0..200_000u32 {
            if let Some(v) = s.get_with(&i.to_le_bytes(), <[u8]>::to_vec) {
                assert_eq!(v, vec![i as u8; 40]);
                found += 1;
            }
        }
        assert_eq!(found, 1000);
    }

    /// S3-FIFO over logs evicts as the engine's linked lists do: cache-aside over a Zipf
    /// stream misses as often in both, to within 0.01% of the requests (the engine seeds
    /// its ghost's fingerprints at random, so a collision may differ).
    #[test]
    fn the_logs_evict_as_the_engine_does() {
        use rand::{rngs::SmallRng, Rng, SeedableRng};
        let mut rng = SmallRng::seed_from_u64(5);
        let (n, cap) = (10_000u32, 500);
        let engine = ferricache::Cache::builder()
            .max_entries(cap)
            .shards(1)
            .build()
            .unwrap();
        let mut proto = Store::new(cap);
        let (mut me, mut mp) = (0i64, 0i64);
        let requests = 200_000;
        for _ in 0..requests {
            // A rough Zipf: small ids far more often than large ones.
            let id = (n as f64 * rng.random::<f64>().powi(3)) as u32;
            let k = id.to_le_bytes();
            if engine.get(k).unwrap().is_none() {
                me += 1;
                engine.set(k, bytes::Bytes::from_static(b"v")).unwrap();
            }
            if proto.get_with(&k, |_| ()).is_none() {
                mp += 1;
                proto.set(&k, b"v");
            }
        }
        assert!(me > requests / 20, "the stream must evict: {me} misses");
        assert!(
            (me - mp).abs() <= requests / 10_000,
            "engine {me} misses, prototype {mp}"
        );
        assert_eq!(proto.len(), cap);
    }
}
