//! Typed peers: u64 keys and `[u8; 16]` values, which quick_cache, dashmap and moka store
//! inline in their tables, as a Rust user of them would. ferricache takes the key's 8
//! bytes and the value's 16, and copies the value out on a hit (`get_with`), so the
//! comparison shows what the engine's layout costs against values kept beside their keys.

use super::{medians, run, stream, Workload, BOUND, KEYS};

type Value = [u8; 16];

/// The value stored under key index `k` (its bytes vary, so a hit's copy is checked).
fn value_of(k: u32) -> Value {
    let mut v = [0u8; 16];
    v[..4].copy_from_slice(&k.to_le_bytes());
    v
}

trait Typed: Send + Sync {
    fn get(&self, k: u64) -> Option<Value>;
    fn set(&self, k: u64, v: Value);
}

struct Ferri(ferricache::Cache);
impl Typed for Ferri {
    #[inline]
    fn get(&self, k: u64) -> Option<Value> {
        self.0
            .get_with(k.to_le_bytes(), |b| Value::try_from(b).ok())
            .unwrap()
            .flatten()
    }
    #[inline]
    fn set(&self, k: u64, v: Value) {
        self.0.set(k.to_le_bytes(), &v).unwrap()
    }
}

struct Quick(quick_cache::sync::Cache<u64, Value>);
impl Typed for Quick {
    fn get(&self, k: u64) -> Option<Value> {
        self.0.get(&k)
    }
    fn set(&self, k: u64, v: Value) {
        self.0.insert(k, v)
    }
}

struct Moka(moka::sync::Cache<u64, Value>);
impl Typed for Moka {
    fn get(&self, k: u64) -> Option<Value> {
        self.0.get(&k)
    }
    fn set(&self, k: u64, v: Value) {
        self.0.insert(k, v)
    }
}

struct Dash(dashmap::DashMap<u64, Value>);
impl Typed for Dash {
    fn get(&self, k: u64) -> Option<Value> {
        self.0.get(&k).map(|v| *v)
    }
    fn set(&self, k: u64, v: Value) {
        self.0.insert(k, v);
    }
}

const PEERS: [&str; 4] = ["ferricache", "quick_cache", "moka (sync)", "dashmap"];

fn build(peer: &str, bound: Option<usize>) -> Box<dyn Typed> {
    let cap = bound.unwrap_or(KEYS * 2);
    match peer {
        "ferricache" => {
            let mut b = ferricache::Cache::builder();
            if let Some(n) = bound {
                b = b.max_entries(n);
            }
            Box::new(Ferri(b.build().unwrap()))
        }
        "quick_cache" => Box::new(Quick(quick_cache::sync::Cache::new(cap))),
        "moka (sync)" => Box::new(Moka(moka::sync::Cache::new(cap as u64))),
        _ => Box::new(Dash(dashmap::DashMap::new())),
    }
}

fn run_typed(e: &dyn Typed, w: Workload, threads: usize, streams: &[Vec<u32>]) -> (f64, f64) {
    run(
        w,
        threads,
        streams,
        |k| e.get(u64::from(k)).is_some_and(|v| v == value_of(k)),
        |k| e.set(u64::from(k), value_of(k)),
    )
}

/// The typed table: get-hit over 1M keys, and the Zipf workloads over a 100k bound, at 1
/// and 2 threads; dashmap has no bound and sits out the bounded rows.
pub fn main(runs: usize, per_thread: usize) {
    println!("\nTyped peers: u64 keys, [u8; 16] values (ferricache: 8 bytes in, 16 copied out)\n");
    println!("| workload | threads | engine | Mops/s | ferricache speed-up | hit ratio |");
    println!("|---|---|---|---|---|---|");
    for w in [Workload::GetHit, Workload::Mixed, Workload::CacheAside] {
        for threads in [1, 2] {
            let streams: Vec<Vec<u32>> = (0..threads)
                .map(|t| stream(w, per_thread, 42 + t as u64))
                .collect();
            let warm = [stream(w, per_thread, 7)];
            let mut base = 0.0;
            for peer in PEERS {
                if w.bounded() && peer == "dashmap" {
                    continue;
                }
                let engine = build(peer, w.bounded().then_some(BOUND));
                if w.bounded() {
                    run_typed(engine.as_ref(), w, 1, &warm);
                } else {
                    for k in 0..KEYS as u32 {
                        engine.set(u64::from(k), value_of(k));
                    }
                }
                let (rate, ratio) =
                    medians(runs, || run_typed(engine.as_ref(), w, threads, &streams));
                drop(engine);
                if peer == "ferricache" {
                    base = rate;
                }
                let hit = format!("{:.1}%", ratio * 100.0);
                println!(
                    "| {} | {threads} | {peer} | {:.2} | {:.2}x | {hit} |",
                    w.name(),
                    rate / 1e6,
                    base / rate
                );
            }
        }
    }
}
