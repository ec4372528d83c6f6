//! Snapshots side by side with redis-server 7.0 on the same data: SAVE time, load time
//! (a cache built on the file against redis-server's start-up load), file size, and the
//! longest write stall while a BGSAVE runs. Prints a table.
//!
//! `cargo run --release -p ferricache-peers --bin snapshot [SCALE]` — SCALE 1.0 is the
//! issue's data: 1M strings of 16-byte keys and 64-byte values, 100k small hashes and
//! one sorted set of 1M members. Needs `redis-server` on the PATH. SAVE and load times
//! are medians of three runs each; the stall is the longest over one BGSAVE.

#[path = "../redis_server.rs"]
mod redis_server;

use std::net::TcpListener;
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferricache::Cache;
use rand::{rngs::SmallRng, Rng, SeedableRng};

struct Data {
    strings: Vec<([u8; 16], [u8; 64])>,
    hashes: Vec<(String, Vec<(String, String)>)>,
    zset: Vec<(f64, String)>,
}

fn data(scale: f64) -> Data {
    let mut rng = SmallRng::seed_from_u64(7);
    let n = |x: f64| (x * scale) as usize;
    let mut value = || {
        let mut v = [0u8; 64];
        // Text-like values (a 16-letter alphabet), as cached JSON or HTML fragments are.
        for b in v.iter_mut() {
            *b = b'a' + rng.random_range(0..16u8);
        }
        v
    };
    let strings = (0..n(1e6))
        .map(|i| {
            let mut k = [0u8; 16];
            k.copy_from_slice(format!("key:{i:012}").as_bytes());
            (k, value())
        })
        .collect();
    let hashes = (0..n(1e5))
        .map(|i| {
            let fields = (0..5)
                .map(|f| (format!("field{f}"), format!("value-{i}-{f}")))
                .collect();
            (format!("hash:{i}"), fields)
        })
        .collect();
    let zset = (0..n(1e6))
        .map(|i| (i as f64 * 0.5, format!("member:{i}")))
        .collect();
    Data {
        strings,
        hashes,
        zset,
    }
}

fn fill_cache(c: &Cache, d: &Data) {
    for (k, v) in &d.strings {
        c.set(&k[..], v.to_vec()).unwrap();
    }
    for (k, fields) in &d.hashes {
        c.hset(k, fields.iter().map(|(f, v)| (f.clone(), v.clone())))
            .unwrap();
    }
    for chunk in d.zset.chunks(10_000) {
        c.zadd("zset", chunk.iter().map(|(s, m)| (*s, m.clone())))
            .unwrap();
    }
}

fn fill_redis(con: &mut redis::Connection, d: &Data) {
    for chunk in d.strings.chunks(10_000) {
        let mut p = redis::pipe();
        for (k, v) in chunk {
            p.cmd("SET").arg(&k[..]).arg(&v[..]).ignore();
        }
        p.query::<()>(con).unwrap();
    }
    for chunk in d.hashes.chunks(10_000) {
        let mut p = redis::pipe();
        for (k, fields) in chunk {
            p.cmd("HSET").arg(k).arg(fields).ignore();
        }
        p.query::<()>(con).unwrap();
    }
    for chunk in d.zset.chunks(10_000) {
        redis::cmd("ZADD")
            .arg("zset")
            .arg(chunk)
            .query::<()>(con)
            .unwrap();
    }
}

/// What the writer does while a BGSAVE runs: SETs of small keys spread over the
/// keyspace, or ZADDs to the 1M-member sorted set (which a snapshot holds at that moment).
#[derive(Clone, Copy)]
enum Write {
    Set,
    ZAdd,
}

/// The median of `RUNS` timings.
fn median(mut run: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| run()).collect();
    times.sort();
    times[RUNS / 2]
}

/// Timings per figure (SAVE, load); the table quotes their median.
const RUNS: usize = 3;

/// The longest time one SET took while `during` ran on another thread.
fn longest_stall(set: impl Fn(u64) + Send + Sync + 'static, during: impl FnOnce()) -> Duration {
    let stop = Arc::new(AtomicBool::new(false));
    let worst = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, worst) = (stop.clone(), worst.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                set(i);
                worst.fetch_max(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                i += 1;
            }
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    worst.store(0, Ordering::Relaxed);
    during();
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    Duration::from_nanos(worst.load(Ordering::Relaxed))
}

fn start_redis(dir: &Path, port: u16) -> Child {
    redis_server::spawn(port, dir, &["--dbfilename", "dump.rdb"])
}

/// Waits until the server answers PING (not LOADING); the time that took.
fn wait_ready(port: u16) -> Duration {
    let t = Instant::now();
    loop {
        if let Ok(mut con) = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
            .and_then(|c| c.get_connection())
        {
            if redis::cmd("PING").query::<String>(&mut con).is_ok() {
                return t.elapsed();
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn main() {
    let scale: f64 = std::env::args()
        .nth(1)
        .map_or(1.0, |s| s.parse().expect("SCALE"));
    let d = data(scale);
    let dir =
        std::env::temp_dir().join(format!("ferricache-snapshot-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // ferricache
    let path = dir.join("ferricache.rdb");
    let c = Cache::builder().snapshot_path(&path).build().unwrap();
    fill_cache(&c, &d);
    let our_save = median(|| {
        let t = Instant::now();
        c.save().unwrap();
        t.elapsed()
    });
    let our_size = std::fs::metadata(&path).unwrap().len();
    let our_load = median(|| {
        let t = Instant::now();
        let loaded = Cache::builder().snapshot_path(&path).build().unwrap();
        let took = t.elapsed();
        assert_eq!(loaded.dbsize().unwrap(), c.dbsize().unwrap());
        took
    });
    let our_stall = [Write::Set, Write::ZAdd].map(|w| {
        let writer = c.clone();
        longest_stall(
            move |i| match w {
                Write::Set => writer.set(format!("stall:{}", i % 1000), "x").unwrap(),
                Write::ZAdd => {
                    writer.zadd("zset", [(-1.0, format!("stall:{i}"))]).unwrap();
                }
            },
            || {
                c.bgsave().unwrap();
                while c.bgsave_in_progress() {
                    std::thread::sleep(Duration::from_millis(1));
                }
            },
        )
    });

    // redis-server
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rdir = dir.join("redis");
    std::fs::create_dir_all(&rdir).unwrap();
    let mut server = start_redis(&rdir, port);
    wait_ready(port);
    let url = format!("redis://127.0.0.1:{port}/");
    let mut con = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    fill_redis(&mut con, &d);
    let redis_save = median(|| {
        let t = Instant::now();
        redis::cmd("SAVE").query::<()>(&mut con).unwrap();
        t.elapsed()
    });
    let redis_size = std::fs::metadata(rdir.join("dump.rdb")).unwrap().len();
    let redis_stall = [Write::Set, Write::ZAdd].map(|w| {
        let url2 = url.clone();
        longest_stall(
            move |i| {
                thread_local! {
                    static CON: std::cell::RefCell<Option<redis::Connection>> = const { std::cell::RefCell::new(None) };
                }
                CON.with(|c| {
                    let mut c = c.borrow_mut();
                    let con = c.get_or_insert_with(|| {
                        redis::Client::open(url2.as_str())
                            .unwrap()
                            .get_connection()
                            .unwrap()
                    });
                    let cmd = match w {
                        Write::Set => redis::cmd("SET")
                            .arg(format!("stall:{}", i % 1000))
                            .arg("x")
                            .clone(),
                        Write::ZAdd => redis::cmd("ZADD")
                            .arg("zset")
                            .arg(-1.0)
                            .arg(format!("stall:{i}"))
                            .clone(),
                    };
                    cmd.query::<()>(con).unwrap();
                })
            },
            || {
                redis::cmd("BGSAVE").query::<String>(&mut con).unwrap();
                loop {
                    let info: String = redis::cmd("INFO")
                        .arg("persistence")
                        .query(&mut con)
                        .unwrap();
                    if info.contains("rdb_bgsave_in_progress:0") {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            },
        )
    });
    let _ = server.kill();
    let _ = server.wait();
    let redis_load = median(|| {
        let mut server = start_redis(&rdir, port);
        let took = wait_ready(port);
        let _ = server.kill();
        let _ = server.wait();
        took
    });
    std::fs::remove_dir_all(&dir).unwrap();

    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1e3);
    println!(
        "snapshot of {} strings, {} hashes, a sorted set of {} (scale {scale})",
        d.strings.len(),
        d.hashes.len(),
        d.zset.len()
    );
    println!(
        "{:<32} {:>14} {:>14} {:>8}",
        "", "ferricache", "redis-server", "ratio"
    );
    let row = |name: &str, ours: f64, theirs: f64, text: &dyn Fn(f64) -> String| {
        println!(
            "{name:<32} {:>14} {:>14} {:>7.2}x",
            text(ours),
            text(theirs),
            theirs / ours
        );
    };
    row(
        "SAVE",
        our_save.as_secs_f64(),
        redis_save.as_secs_f64(),
        &|s| ms(Duration::from_secs_f64(s)),
    );
    row(
        "load at start",
        our_load.as_secs_f64(),
        redis_load.as_secs_f64(),
        &|s| ms(Duration::from_secs_f64(s)),
    );
    row(
        "file size (MB)",
        our_size as f64 / 1e6,
        redis_size as f64 / 1e6,
        &|s| format!("{s:.1}"),
    );
    row(
        "longest SET during BGSAVE",
        our_stall[0].as_secs_f64(),
        redis_stall[0].as_secs_f64(),
        &|s| format!("{:.2} ms", s * 1e3),
    );
    row(
        "longest ZADD to the sorted set",
        our_stall[1].as_secs_f64(),
        redis_stall[1].as_secs_f64(),
        &|s| format!("{:.2} ms", s * 1e3),
    );
    println!(
        "(ratio: redis-server's over ferricache's; above 1 means ferricache is faster or smaller)"
    );
}
