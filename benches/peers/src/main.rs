//! ferricache beside moka, quick_cache, dashmap and a `Mutex<hashbrown::HashMap>`, in one
//! run, on the workloads of the core engine issue. Prints a table of median throughputs
//! (of `RUNS` runs each) and ratios, plus resident bytes per entry.
//!
//! `cargo run --release -p ferricache-peers` (add `-- quick` for a short smoke run);
//! `-- near` runs the near-cache benchmark against a local redis-server (`near.rs`);
//! `-- typed` only the typed peers' table (`typed.rs`), which the full run also prints.

mod near;
mod redis_server;
mod typed;

use std::sync::Barrier;
use std::time::Instant;

use bytes::Bytes;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Zipf};

const KEYS: usize = 1_000_000;
const BOUND: usize = 100_000;

/// What every engine offers the benchmark: byte-string keys, `Bytes` values.
trait Engine: Send + Sync {
    fn get(&self, k: &[u8]) -> Option<Bytes>;
    fn set(&self, k: &[u8], v: Bytes);
}

struct Ferri(ferricache::Cache);
impl Engine for Ferri {
    #[inline]
    fn get(&self, k: &[u8]) -> Option<Bytes> {
        self.0.get(k).unwrap()
    }
    #[inline]
    fn set(&self, k: &[u8], v: Bytes) {
        self.0.set(k, v).unwrap()
    }
}

struct Moka(moka::sync::Cache<Box<[u8]>, Bytes>);
impl Engine for Moka {
    fn get(&self, k: &[u8]) -> Option<Bytes> {
        self.0.get(k)
    }
    fn set(&self, k: &[u8], v: Bytes) {
        self.0.insert(k.into(), v)
    }
}

struct Quick(quick_cache::sync::Cache<Box<[u8]>, Bytes>);
impl Engine for Quick {
    fn get(&self, k: &[u8]) -> Option<Bytes> {
        self.0.get(k)
    }
    fn set(&self, k: &[u8], v: Bytes) {
        self.0.insert(k.into(), v)
    }
}

struct Dash(dashmap::DashMap<Box<[u8]>, Bytes>);
impl Engine for Dash {
    fn get(&self, k: &[u8]) -> Option<Bytes> {
        self.0.get(k).map(|v| v.clone())
    }
    fn set(&self, k: &[u8], v: Bytes) {
        self.0.insert(k.into(), v);
    }
}

struct Locked(parking_lot::Mutex<hashbrown::HashMap<Box<[u8]>, Bytes>>);
impl Engine for Locked {
    fn get(&self, k: &[u8]) -> Option<Bytes> {
        self.0.lock().get(k).cloned()
    }
    fn set(&self, k: &[u8], v: Bytes) {
        self.0.lock().insert(k.into(), v);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Peer {
    Ferricache,
    QuickCache,
    Moka,
    DashMap,
    MutexHashMap,
}

impl Peer {
    const ALL: [Peer; 5] = [
        Peer::Ferricache,
        Peer::QuickCache,
        Peer::Moka,
        Peer::DashMap,
        Peer::MutexHashMap,
    ];

    fn name(self) -> &'static str {
        match self {
            Peer::Ferricache => "ferricache",
            Peer::QuickCache => "quick_cache",
            Peer::Moka => "moka (sync)",
            Peer::DashMap => "dashmap",
            Peer::MutexHashMap => "Mutex<HashMap>",
        }
    }

    fn bounded(self) -> bool {
        matches!(self, Peer::Ferricache | Peer::QuickCache | Peer::Moka)
    }

    /// A fresh engine; `bound` entries at most when given (only for bounded engines).
    fn build(self, bound: Option<usize>) -> Box<dyn Engine> {
        let cap = bound.unwrap_or(KEYS * 2);
        match self {
            Peer::Ferricache => {
                let mut b = ferricache::Cache::builder();
                if let Some(n) = bound {
                    b = b.max_entries(n);
                }
                Box::new(Ferri(b.build().unwrap()))
            }
            Peer::QuickCache => Box::new(Quick(quick_cache::sync::Cache::new(cap))),
            Peer::Moka => Box::new(Moka(moka::sync::Cache::new(cap as u64))),
            Peer::DashMap => Box::new(Dash(dashmap::DashMap::new())),
            Peer::MutexHashMap => Box::new(Locked(Default::default())),
        }
    }
}

fn key(i: usize) -> [u8; 16] {
    // 16-byte keys, as in the memory target: "key:" and 12 digits.
    let mut k = *b"key:000000000000";
    let mut n = i;
    for b in k[4..].iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
    k
}

fn value() -> Bytes {
    Bytes::from(vec![b'v'; 64])
}

#[derive(Clone, Copy)]
enum Workload {
    GetHit,
    Set,
    Mixed,
    CacheAside,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::GetHit => "get-hit, 1M keys",
            Workload::Set => "set, 1M keys",
            Workload::Mixed => "90% get/10% set, zipf .99, 100k bound",
            Workload::CacheAside => "cache-aside, zipf .99, 100k bound",
        }
    }
    fn bounded(self) -> bool {
        matches!(self, Workload::Mixed | Workload::CacheAside)
    }
}

/// Key indices for one thread: uniform for the 1M-key workloads, Zipf(0.99) otherwise.
fn stream(w: Workload, n: usize, seed: u64) -> Vec<u32> {
    let mut rng = SmallRng::seed_from_u64(seed);
    if w.bounded() {
        let z = Zipf::new(KEYS as f64, 0.99).unwrap();
        (0..n).map(|_| z.sample(&mut rng) as u32 - 1).collect()
    } else {
        (0..n).map(|_| rng.random_range(0..KEYS as u32)).collect()
    }
}

/// Runs `w` on `threads` threads, key index `k` read by `get(k)` (true on a hit) and
/// written by `set(k)`; returns (ops per second, hit ratio of the gets).
fn run(
    w: Workload,
    threads: usize,
    streams: &[Vec<u32>],
    get: impl Fn(u32) -> bool + Sync,
    set: impl Fn(u32) + Sync,
) -> (f64, f64) {
    let barrier = Barrier::new(threads + 1);
    let (get, set) = (&get, &set);
    let (start, results) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, stream) = (&barrier, &streams[t]);
                s.spawn(move || {
                    barrier.wait();
                    let (mut hits, mut gets) = (0u64, 0u64);
                    for (i, &k) in stream.iter().enumerate() {
                        match w {
                            Workload::GetHit => {
                                hits += get(k) as u64;
                                gets += 1;
                            }
                            Workload::Set => set(k),
                            Workload::Mixed => {
                                if i % 10 == 9 {
                                    set(k);
                                } else {
                                    hits += get(k) as u64;
                                    gets += 1;
                                }
                            }
                            Workload::CacheAside => {
                                gets += 1;
                                if get(k) {
                                    hits += 1;
                                } else {
                                    set(k);
                                }
                            }
                        }
                    }
                    (hits, gets)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let results: Vec<(u64, u64)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        (start, results)
    });
    let elapsed = start.elapsed().as_secs_f64();
    let ops: usize = streams[..threads].iter().map(Vec::len).sum();
    let (hits, gets) = results.iter().fold((0, 0), |a, r| (a.0 + r.0, a.1 + r.1));
    (
        ops as f64 / elapsed,
        if gets == 0 {
            0.0
        } else {
            hits as f64 / gets as f64
        },
    )
}

/// [`run`] over an engine of byte-string keys and `Bytes` values.
fn run_bytes(engine: &dyn Engine, w: Workload, threads: usize, streams: &[Vec<u32>]) -> (f64, f64) {
    let v = value();
    run(
        w,
        threads,
        streams,
        |k| engine.get(&key(k as usize)).is_some(),
        |k| engine.set(&key(k as usize), v.clone()),
    )
}

/// The medians of `runs` (rate, hit ratio) measurements.
fn medians(runs: usize, mut one: impl FnMut() -> (f64, f64)) -> (f64, f64) {
    let (rates, ratios): (Vec<f64>, Vec<f64>) = (0..runs).map(|_| one()).unzip();
    (median(rates), median(ratios))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
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

/// Child mode: fills one engine with 1M entries and prints RSS growth per entry.
fn memory_child(peer: &str) {
    let peer = Peer::ALL
        .into_iter()
        .find(|p| p.name() == peer)
        .expect("peer");
    let keys: Vec<[u8; 16]> = (0..KEYS).map(key).collect();
    let before = resident_bytes();
    let engine = peer.build(None);
    for k in &keys {
        // Each value is a 64-byte allocation the engine then owns, as a user's would be.
        engine.set(k, value());
    }
    // Read every entry once: engines that share value buffers may allocate on first share.
    for k in &keys {
        std::hint::black_box(engine.get(k));
    }
    let after = resident_bytes();
    println!("{}", (after - before) / KEYS);
    std::hint::black_box(&engine);
}

/// Memory of 100k small hashes (10 fields of short strings), the case where Redis's compact
/// listpack encoding shines: compare with redis-server's INFO memory after the same HSETs.
/// The shapes `memory` measures: sessions as small hashes, tags as small sets, small
/// sorted sets, and one leaderboard of 1M members.
const SHAPES: [&str; 4] = ["hashes", "sets", "zsets", "leaderboard"];

/// `used_memory` and resident bytes per collection (or per member) for each of
/// [`SHAPES`], each measured in a fresh process so that memory freed by one shape cannot
/// hide the growth of the next.
fn collection_memory() {
    println!("| shape | used_memory, bytes per item | resident, bytes per item |");
    println!("|---|---:|---:|");
    let exe = std::env::current_exe().expect("own path");
    for shape in SHAPES {
        let out = std::process::Command::new(&exe)
            .args(["memory", shape])
            .output()
            .expect("child run");
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

/// One shape of [`collection_memory`], in this process.
fn shape_memory(shape: &str) {
    let c = ferricache::Cache::new();
    let short = |p: &str| (0..10).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let before = resident_bytes();
    let (what, n) = match shape {
        "hashes" => {
            let fields: Vec<(String, String)> = (0..10)
                .map(|i| (format!("f{i}"), format!("value{i}")))
                .collect();
            for i in 1..=100_000 {
                c.hset(format!("session:{i}"), fields.clone()).unwrap();
            }
            ("100k hashes of 10 short fields, per hash", 100_000)
        }
        "sets" => {
            let members = short("tag");
            for i in 1..=100_000 {
                c.sadd(format!("tags:{i}"), members.clone()).unwrap();
            }
            ("100k sets of 10 short members, per set", 100_000)
        }
        "zsets" => {
            let members = short("m");
            for i in 1..=100_000 {
                let pairs = members
                    .iter()
                    .enumerate()
                    .map(|(k, m)| (k as f64, m.clone()));
                c.zadd(format!("z:{i}"), pairs).unwrap();
            }
            ("100k sorted sets of 10 short members, per set", 100_000)
        }
        "leaderboard" => {
            for i in 0..1_000_000usize {
                c.zadd(
                    "lb",
                    [((i * 7919 % 1_000_000) as f64, format!("player:{i}"))],
                )
                .unwrap();
            }
            (
                "one sorted set of 1M members (player:N), per member",
                1_000_000,
            )
        }
        other => panic!("unknown shape {other}; one of {SHAPES:?}"),
    };
    let after = resident_bytes();
    println!(
        "| {what} | {} | {} |",
        c.stats().used_memory / n,
        (after - before) / n
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--memory-child") {
        memory_child(&args[2]);
        return;
    }
    if args.get(1).map(String::as_str) == Some("near") {
        near::main();
        return;
    }
    if args.get(1).map(String::as_str) == Some("memory") {
        match args.get(2) {
            Some(shape) => shape_memory(shape),
            None => collection_memory(),
        }
        return;
    }
    let quick = args.iter().any(|a| a == "quick");
    let only: Vec<&str> = args[1..]
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "quick")
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.starts_with(o));
    let (runs, per_thread) = if quick { (1, 200_000) } else { (5, 2_000_000) };
    println!(
        "ferricache peers: median of {runs} runs, {per_thread} ops per thread per run, {} cores\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| workload | threads | engine | Mops/s | ferricache speed-up | hit ratio |");
    println!("|---|---|---|---|---|---|");
    for w in [
        Workload::GetHit,
        Workload::Set,
        Workload::Mixed,
        Workload::CacheAside,
    ] {
        if !wanted(w.name()) {
            continue;
        }
        for threads in [1, 2] {
            let streams: Vec<Vec<u32>> = (0..threads)
                .map(|t| stream(w, per_thread, 42 + t as u64))
                .collect();
            let warm = [stream(w, per_thread, 7)];
            let mut base = 0.0;
            for peer in Peer::ALL {
                if w.bounded() && !peer.bounded() {
                    continue;
                }
                // One engine per cell, filled (or warmed to the bound's steady state) once;
                // the runs then measure the same state again and again.
                let engine = peer.build(w.bounded().then_some(BOUND));
                if w.bounded() {
                    run_bytes(engine.as_ref(), w, 1, &warm);
                } else {
                    for i in 0..KEYS {
                        engine.set(&key(i), value());
                    }
                }
                let (rate, ratio) =
                    medians(runs, || run_bytes(engine.as_ref(), w, threads, &streams));
                drop(engine);
                if peer == Peer::Ferricache {
                    base = rate;
                }
                let hit = if matches!(w, Workload::Mixed | Workload::CacheAside) {
                    format!("{:.1}%", ratio * 100.0)
                } else {
                    "".into()
                };
                println!(
                    "| {} | {threads} | {} | {:.2} | {:.2}x | {hit} |",
                    w.name(),
                    peer.name(),
                    rate / 1e6,
                    base / rate
                );
            }
        }
    }
    if wanted("typed") {
        typed::main(runs, per_thread);
    }
    if !wanted("memory") {
        return;
    }
    println!("\n| engine | resident bytes per entry (1M entries, 16-byte keys, 64-byte values) |");
    println!("|---|---|");
    let exe = std::env::current_exe().unwrap();
    for peer in Peer::ALL {
        let out = std::process::Command::new(&exe)
            .args(["--memory-child", peer.name()])
            .output()
            .unwrap();
        println!(
            "| {} | {} |",
            peer.name(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
}
