//! `cargo run --release -p ferricache-peers -- near`: ferricache's near cache beside
//! redis-rs with no local cache and redis-rs's own client-side cache (`cache-aio`, RESP3),
//! on one local redis-server (started here: Debian's binary, a free loopback port, a
//! temporary --dir, --save ''). Read-heavy Zipf(0.99): 95% GET, 5% SET, 100k keys of
//! 64-byte values. Each engine runs for a fixed time at 1 and 2 threads; the table gives
//! throughput, sampled p50 / p99 latency, the L1 hit ratio and round trips per operation.
//! Last, reads that hit, with no writes: each engine beside the near cache, and the near
//! cache's GET beside a plain local GET. redis-rs's cache is sized to hold every key.

use std::net::TcpListener;
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Zipf};
use redis::AsyncCommands;

const KEYS: usize = 100_000;
const RUN: Duration = Duration::from_secs(2);
const SAMPLE_EVERY: u64 = 8;
/// redis-rs's cache sized to hold every key (its default is 10,000 entries).
const CSC_SIZE: std::num::NonZeroUsize = std::num::NonZeroUsize::new(2 * KEYS).unwrap();

struct Server {
    child: Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("ferricache-near-bench-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let child = crate::redis_server::spawn(port, &dir, &[]);
        let s = Server { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis::Client::open(s.url())
            .and_then(|c| c.get_connection())
            .is_err()
        {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn key(i: usize) -> String {
    format!("key:{i:010}")
}

fn value(i: u64) -> Vec<u8> {
    let mut v = format!("{i:064}").into_bytes();
    v.truncate(64);
    v
}

/// One operation of the workload: a key index and whether it is a write.
fn ops(seed: u64, n: usize, writes_percent: u32) -> Vec<(u32, bool)> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let zipf = Zipf::new(KEYS as f64, 0.99).unwrap();
    (0..n)
        .map(|_| {
            let k = zipf.sample(&mut rng) as u32 - 1;
            (k, rng.random_range(0..100) < writes_percent)
        })
        .collect()
}

#[derive(Default)]
struct Outcome {
    ops: u64,
    secs: f64,
    samples: Vec<u64>,
}

/// Runs `op` on `threads` threads for `RUN`; each thread walks its own op stream.
fn drive(
    threads: usize,
    writes: u32,
    mut make: impl FnMut() -> Box<dyn FnMut(u32, bool) + Send>,
) -> Outcome {
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let mut op = make();
            let stream = ops(100 + t as u64, 1 << 20, writes);
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                let (mut n, mut samples) = (0u64, Vec::new());
                while start.elapsed() < RUN {
                    for _ in 0..64 {
                        let (k, w) = stream[(n as usize) & ((1 << 20) - 1)];
                        if n.is_multiple_of(SAMPLE_EVERY) {
                            let t0 = Instant::now();
                            op(k, w);
                            samples.push(t0.elapsed().as_nanos() as u64);
                        } else {
                            op(k, w);
                        }
                        n += 1;
                    }
                }
                (n, start.elapsed().as_secs_f64(), samples)
            })
        })
        .collect();
    barrier.wait();
    let mut out = Outcome::default();
    for h in handles {
        let (n, secs, s) = h.join().unwrap();
        out.ops += n;
        out.secs = out.secs.max(secs);
        out.samples.extend(s);
    }
    out.samples.sort_unstable();
    out
}

fn pct(s: &[u64], q: f64) -> String {
    let ns = s[((s.len() - 1) as f64 * q) as usize];
    if ns < 10_000 {
        format!("{:.2} µs", ns as f64 / 1000.0)
    } else {
        format!("{:.0} µs", ns as f64 / 1000.0)
    }
}

/// A RESP3 connection with redis-rs's client-side cache, sized to hold every key.
async fn cached_connection(url: &str) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(format!("{url}?protocol=resp3")).unwrap();
    let cache = redis::caching::CacheConfig::new().set_size(CSC_SIZE);
    let config = redis::AsyncConnectionConfig::new().set_cache_config(cache);
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .unwrap()
}

fn row(name: &str, threads: usize, o: &Outcome, base: Option<f64>, hit: &str, trips: f64) -> f64 {
    let rate = o.ops as f64 / o.secs;
    let ratio = base.map_or("1.0x".into(), |b| format!("{:.1}x", b / rate));
    println!(
        "| {name} | {threads} | {:.3} | {} | {} | {hit} | {trips:.3} | {ratio} |",
        rate / 1e6,
        pct(&o.samples, 0.5),
        pct(&o.samples, 0.99)
    );
    rate
}

pub fn main() {
    let server = Server::start();
    let url = server.url();
    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    for chunk in (0..KEYS).collect::<Vec<_>>().chunks(1000) {
        let mut pipe = redis::pipe();
        for &i in chunk {
            pipe.set(key(i), value(0)).ignore();
        }
        let _: () = pipe.query(&mut con).unwrap();
    }
    let names: Arc<Vec<String>> = Arc::new((0..KEYS).map(key).collect());
    println!("near cache: Zipf(0.99) over {KEYS} keys of 64 bytes, 95% GET / 5% SET, {} s per row, one redis-server 7 on loopback\n", RUN.as_secs());
    println!("| engine | threads | Mops/s | p50 | p99 | L1 hit ratio | round trips / op | ferricache speed-up |");
    println!("|---|---|---|---|---|---|---|---|");
    let version = Arc::new(AtomicU64::new(1));
    for threads in [1, 2] {
        // ferricache near cache.
        let near = ferricache::Cache::builder()
            .max_memory(256 << 20)
            .remote(url.as_str())
            .build()
            .unwrap();
        let before = near.stats();
        let o = drive(threads, 5, || {
            let (c, names, version) = (near.clone(), names.clone(), version.clone());
            Box::new(move |k, w| {
                let k = &names[k as usize];
                if w {
                    c.set(k.as_str(), value(version.fetch_add(1, Relaxed)))
                        .unwrap();
                } else {
                    c.get_with(k.as_str(), |v| v.len()).unwrap();
                }
            })
        });
        let s = near.near_cache_stats().unwrap();
        let after = near.stats();
        let trips = (s.fetches + s.forwarded) as f64 / o.ops as f64;
        let reads = (after.hits + after.misses - before.hits - before.misses).max(1);
        let hit = format!("{:.1}%", 100.0 * (1.0 - s.fetches as f64 / reads as f64));
        let ferri = row("ferricache near cache", threads, &o, None, &hit, trips);
        drop(near);

        // redis-rs, no local cache: one connection per thread.
        let o = drive(threads, 5, || {
            let mut con = redis::Client::open(url.as_str())
                .unwrap()
                .get_connection()
                .unwrap();
            let (names, version) = (names.clone(), version.clone());
            Box::new(move |k, w| {
                let k = &names[k as usize];
                if w {
                    let _: () =
                        redis::Commands::set(&mut con, k, value(version.fetch_add(1, Relaxed)))
                            .unwrap();
                } else {
                    let _: Option<Vec<u8>> = redis::Commands::get(&mut con, k).unwrap();
                }
            })
        });
        row("redis-rs, no cache", threads, &o, Some(ferri), "-", 1.0);

        // redis-rs's client-side cache: a multiplexed RESP3 connection per thread, each
        // thread driving it from its own current-thread runtime.
        let stats = Arc::new(parking_lot::Mutex::new((0u64, 0u64)));
        let o = drive(threads, 5, || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let mut con = rt.block_on(cached_connection(&url));
            let (names, version, stats) = (names.clone(), version.clone(), stats.clone());
            let mut n = 0u64;
            Box::new(move |k, w| {
                let k = &names[k as usize];
                rt.block_on(async {
                    if w {
                        let _: () = con
                            .set(k, value(version.fetch_add(1, Relaxed)))
                            .await
                            .unwrap();
                    } else {
                        let _: Option<Vec<u8>> = con.get(k).await.unwrap();
                    }
                });
                n += 1;
                if n.is_multiple_of(4096) {
                    if let Some(s) = con.get_cache_statistics() {
                        *stats.lock() = (s.hit as u64, s.miss as u64);
                    }
                }
            })
        });
        let (hits, misses) = *stats.lock();
        let hit = format!(
            "{:.1}%",
            100.0 * hits as f64 / (hits + misses).max(1) as f64
        );
        let trips = (misses as f64 + 0.05 * (hits + misses) as f64) / (hits + misses).max(1) as f64;
        row(
            "redis-rs client-side cache",
            threads,
            &o,
            Some(ferri),
            &hit,
            trips,
        );
    }

    // Reads that hit: every key already copied (no writes), each engine on the same
    // Zipf stream, one thread; ratios against the near cache.
    println!(
        "\n| reads that hit (1 thread, no writes) | Mops/s | p50 | p99 | near cache speed-up |"
    );
    println!("|---|---|---|---|---|");
    let near = ferricache::Cache::builder()
        .remote(url.as_str())
        .build()
        .unwrap();
    let local = ferricache::Cache::new();
    for i in 0..KEYS {
        local.set(key(i), value(0)).unwrap();
        near.get(key(i)).unwrap();
    }
    let read_row = |name: &str, o: &Outcome, base: Option<f64>| {
        let rate = o.ops as f64 / o.secs;
        let vs = base.map_or("1.0x".into(), |b| format!("{:.1}x", b / rate));
        println!(
            "| {name} | {:.3} | {} | {} | {vs} |",
            rate / 1e6,
            pct(&o.samples, 0.5),
            pct(&o.samples, 0.99)
        );
        rate
    };
    let plain = |c: &ferricache::Cache| {
        drive(1, 0, || {
            let (c, names) = (c.clone(), names.clone());
            Box::new(move |k, _| {
                c.get_with(names[k as usize].as_str(), |v| v.len()).unwrap();
            })
        })
    };
    let near_rate = read_row("ferricache near cache GET", &plain(&near), None);
    read_row(
        "ferricache local GET (no server)",
        &plain(&local),
        Some(near_rate),
    );
    let o = drive(1, 0, || {
        let mut con = redis::Client::open(url.as_str())
            .unwrap()
            .get_connection()
            .unwrap();
        let names = names.clone();
        Box::new(move |k, _| {
            let _: Option<Vec<u8>> = redis::Commands::get(&mut con, &names[k as usize]).unwrap();
        })
    });
    read_row("redis-rs, no cache", &o, Some(near_rate));
    // redis-rs's cache as async code uses it: the whole loop awaits inside one runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let o = rt.block_on(async {
        let mut con = cached_connection(&url).await;
        for i in 0..KEYS {
            let _: Option<Vec<u8>> = con.get(key(i)).await.unwrap();
        }
        let stream = ops(100, 1 << 20, 0);
        let (start, mut n, mut samples) = (Instant::now(), 0u64, Vec::new());
        while start.elapsed() < RUN {
            for _ in 0..64 {
                let (k, _) = stream[(n as usize) & ((1 << 20) - 1)];
                let t0 = Instant::now();
                let _: Option<Vec<u8>> = con.get(&names[k as usize]).await.unwrap();
                if n.is_multiple_of(SAMPLE_EVERY) {
                    samples.push(t0.elapsed().as_nanos() as u64);
                }
                n += 1;
            }
        }
        samples.sort_unstable();
        Outcome {
            ops: n,
            secs: start.elapsed().as_secs_f64(),
            samples,
        }
    });
    read_row("redis-rs client-side cache", &o, Some(near_rate));
}
