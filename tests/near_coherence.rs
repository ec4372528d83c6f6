//! Coherence across OS processes: three processes, each with its own near cache on one
//! redis-server, read and write keys of three types at random. Every write is logged with
//! the time of its acknowledgement, every read with the time it began; no read may return
//! a version older than the newest one acknowledged more than the staleness bound before
//! the read began. The staleness actually seen is printed (p50, p99, max).
//!
//! Each key has one writer (its owner process), so its versions are ordered; every process
//! reads every key, so each read of another process's key crosses processes.
#![cfg(feature = "remote-test-hooks")]

#[path = "support/redis_server.rs"]
mod redis_server;

use std::collections::HashMap;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ferricache::{Cache, RemoteOptions};
use redis_server::RedisServer;

const PROCESSES: usize = 3;
const KEYS_PER_PROCESS: usize = 12;
const RUN: Duration = Duration::from_secs(3);
/// The bound checked: well above the invalidation delivery time on loopback, well below
/// anything a user would call coherent-enough to notice.
const BOUND_US: u64 = 200_000;

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// Key `i` of process `p`: a string, a hash field or a sorted-set score by `i % 3`.
fn key(p: usize, i: usize) -> String {
    format!("p{p}:k{i}")
}

/// The version a read of `k` sees (0: not written yet).
fn read(cache: &Cache, i: usize, k: &str) -> u64 {
    let parse = |b: Option<bytes::Bytes>| {
        b.map_or(0, |b| std::str::from_utf8(&b).unwrap().parse().unwrap())
    };
    match i % 3 {
        0 => parse(cache.get(k).unwrap()),
        1 => parse(cache.hget(k, "v").unwrap()),
        _ => cache.zscore(k, "v").unwrap().map_or(0, |s| s as u64),
    }
}

fn write(cache: &Cache, i: usize, k: &str, version: u64) {
    match i % 3 {
        0 => cache.set(k, version.to_string()).unwrap(),
        1 => drop(cache.hset(k, [("v", version.to_string())]).unwrap()),
        _ => drop(cache.zadd(k, [(version as f64, "v")]).unwrap()),
    }
}

#[test]
#[ignore = "one of the processes of reads_across_processes_are_never_staler_than_the_bound"]
fn coherence_worker() {
    let url = std::env::var("FC_URL").expect("run by the coherence test");
    let me: usize = std::env::var("FC_PROCESS").unwrap().parse().unwrap();
    let log_path = std::env::var("FC_LOG").unwrap();
    let cache = Cache::builder()
        .remote(url)
        .remote_options(RemoteOptions::new().max_staleness(Duration::from_millis(400)))
        .build()
        .unwrap();
    let mut log = std::io::BufWriter::new(std::fs::File::create(log_path).unwrap());
    let mut versions = [0u64; KEYS_PER_PROCESS];
    let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ (me as u64 + 1);
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let start = Instant::now();
    while start.elapsed() < RUN {
        let r = next();
        if r % 10 == 0 {
            let i = (r / 10) as usize % KEYS_PER_PROCESS;
            versions[i] += 1;
            write(&cache, i, &key(me, i), versions[i]);
            writeln!(log, "W {me} {i} {} {}", versions[i], now_us()).unwrap();
        } else {
            let (p, i) = (
                (r / 10) as usize % PROCESSES,
                (r / 100) as usize % KEYS_PER_PROCESS,
            );
            let began = now_us();
            let v = read(&cache, i, &key(p, i));
            writeln!(log, "R {p} {i} {v} {began}").unwrap();
        }
    }
    log.flush().unwrap();
    let s = cache.near_cache_stats().unwrap();
    eprintln!("process {me}: {s:?}");
}

#[test]
fn reads_across_processes_are_never_staler_than_the_bound() {
    let server = RedisServer::start();
    let dir = std::env::temp_dir().join(format!("ferricache-coherence-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "coherence_worker",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("FC_URL", server.url())
                .env("FC_PROCESS", p.to_string())
                .env("FC_LOG", dir.join(format!("{p}.log")))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a worker process failed");
    }
    // ack[(p, i)][v] = when version v of key (p, i) was acknowledged.
    let mut ack: HashMap<(usize, usize), Vec<u64>> = HashMap::new();
    let mut reads = Vec::new();
    for p in 0..PROCESSES {
        let text = std::fs::read_to_string(dir.join(format!("{p}.log"))).unwrap();
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let (owner, i, v, t): (usize, usize, u64, u64) = (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            );
            if f[0] == "W" {
                let versions = ack.entry((owner, i)).or_default();
                assert_eq!(versions.len() as u64 + 1, v, "versions are logged in order");
                versions.push(t);
            } else {
                reads.push((p, owner, i, v, t));
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    let (mut violations, mut cross, mut stale_us) = (0, 0, Vec::new());
    for &(reader, owner, i, v, began) in &reads {
        let acks = ack.get(&(owner, i)).map_or(&[][..], |a| &a[..]);
        assert!(
            v as usize <= acks.len(),
            "read version {v} of p{owner}:k{i} that was never written"
        );
        if reader != owner {
            cross += 1;
        }
        // How long before the read began the version after `v` had been acknowledged.
        let staleness = acks
            .get(v as usize)
            .map_or(0, |&newer| began.saturating_sub(newer));
        stale_us.push(staleness);
        if staleness > BOUND_US {
            violations += 1;
            eprintln!("stale read: p{reader} read p{owner}:k{i} = {v}, {staleness} us after v{} was acknowledged", v + 1);
        }
    }
    stale_us.sort_unstable();
    let pct = |q: f64| stale_us[((stale_us.len() - 1) as f64 * q) as usize];
    eprintln!(
        "{} reads ({cross} across processes), {} writes: staleness p50 {} us, p99 {} us, max {} us; {violations} over the {} ms bound",
        reads.len(),
        ack.values().map(Vec::len).sum::<usize>(),
        pct(0.5),
        pct(0.99),
        stale_us.last().unwrap(),
        BOUND_US / 1000
    );
    assert!(
        reads.len() > 1000 && cross > 500,
        "the run did too little to judge"
    );
    assert_eq!(violations, 0);
}
