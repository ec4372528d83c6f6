//! Criterion micro-benchmarks of single commands on one thread. The side-by-side table
//! against other caches is the `ferricache-peers` crate (`benches/peers`).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferricache::{Cache, ScanOptions};

const KEYS: u64 = 100_000;

fn key(i: u64) -> String {
    format!("key:{i:012}")
}

fn filled() -> Cache {
    let c = Cache::new();
    for i in 0..KEYS {
        c.set(key(i), vec![b'v'; 64]).unwrap();
    }
    c
}

fn commands(cr: &mut Criterion) {
    let c = filled();
    let keys: Vec<String> = (0..KEYS).map(|i| key(i * 7919 % KEYS)).collect();
    let mut g = cr.benchmark_group("command");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    let mut next = || {
        i = (i + 1) % keys.len();
        &keys[i]
    };
    g.bench_function("get (hit)", |b| {
        b.iter(|| black_box(c.get(next()).unwrap()))
    });
    g.bench_function("get (miss)", |b| {
        b.iter(|| black_box(c.get("no such key").unwrap()))
    });
    g.bench_function("set (overwrite)", |b| {
        let v = bytes::Bytes::from(vec![b'w'; 64]);
        b.iter(|| c.set(next(), v.clone()).unwrap())
    });
    g.bench_function("set_ex (overwrite, 1 h TTL)", |b| {
        let v = bytes::Bytes::from(vec![b'w'; 64]);
        b.iter(|| c.set_ex(next(), 3600, v.clone()).unwrap())
    });
    g.bench_function("incr", |b| b.iter(|| black_box(c.incr("counter").unwrap())));
    g.bench_function("exists", |b| {
        b.iter(|| black_box(c.exists(&[next()]).unwrap()))
    });
    g.finish();
}

fn scan(cr: &mut Criterion) {
    let c = filled();
    let mut g = cr.benchmark_group("scan");
    for count in [10usize, 100, 1000] {
        g.throughput(Throughput::Elements(count as u64));
        g.bench_with_input(BenchmarkId::new("COUNT", count), &count, |b, &count| {
            let opts = ScanOptions::new().count(count);
            let mut cursor = 0;
            b.iter(|| {
                let (next, keys) = c.scan(cursor, &opts).unwrap();
                cursor = next;
                black_box(keys)
            })
        });
    }
    g.finish();
}

fn leaderboard(cr: &mut Criterion) {
    const MEMBERS: usize = 1_000_000;
    let c = Cache::new();
    let members: Vec<String> = (0..MEMBERS).map(|i| format!("player:{i}")).collect();
    for (i, m) in members.iter().enumerate() {
        c.zadd("lb", [((i * 7919 % MEMBERS) as f64, m.clone())])
            .unwrap();
    }
    let mut g = cr.benchmark_group("leaderboard (1M members)");
    g.throughput(Throughput::Elements(1));
    // Members are asked for in the order they were named (`player:0`, `player:1`, ...),
    // so the benchmark's own strings stream through the cache as an application's request
    // data would; in the engine each lands somewhere random (the hash table by the hash,
    // the order by the score, `i * 7919 % 1M`), so every lookup there is cold.
    let mut i = 0;
    let mut next = move || {
        i = (i + 1) % MEMBERS;
        i
    };
    g.bench_function("zrevrank", |b| {
        b.iter(|| black_box(c.zrevrank("lb", &members[next()]).unwrap()))
    });
    g.bench_function("zscore", |b| {
        b.iter(|| black_box(c.zscore("lb", &members[next()]).unwrap()))
    });
    g.bench_function("zrevrange 0 9 withscores", |b| {
        b.iter(|| black_box(c.zrevrange_withscores("lb", 0, 9).unwrap()))
    });
    g.bench_function("zincrby (existing member)", |b| {
        b.iter(|| black_box(c.zincrby("lb", 1.0, members[next()].clone()).unwrap()))
    });
    g.bench_function("zadd (new member)", |b| {
        b.iter_custom(|iters| {
            let fresh = Cache::new();
            let names: Vec<String> = (0..iters).map(|i| format!("new:{i}")).collect();
            let t = std::time::Instant::now();
            for (k, n) in names.into_iter().enumerate() {
                fresh.zadd("lb", [(k as f64, n)]).unwrap();
            }
            t.elapsed()
        })
    });
    g.finish();
}

fn small_hashes(cr: &mut Criterion) {
    let c = Cache::new();
    let fields: Vec<(String, String)> = (0..10)
        .map(|i| (format!("field{i}"), format!("value{i}")))
        .collect();
    for s in 0..10_000 {
        c.hset(format!("session:{s}"), fields.clone()).unwrap();
    }
    let mut g = cr.benchmark_group("hash (10 fields)");
    g.throughput(Throughput::Elements(1));
    let mut s = 0;
    g.bench_function("hset one field", |b| {
        b.iter(|| {
            s = (s + 1) % 10_000;
            c.hset(format!("session:{s}"), [("field3", "changed")])
                .unwrap()
        })
    });
    g.bench_function("hgetall", |b| {
        b.iter(|| {
            s = (s + 1) % 10_000;
            black_box(c.hgetall(format!("session:{s}")).unwrap())
        })
    });
    g.finish();
}

fn handoff(cr: &mut Criterion) {
    // Ping-pong between two threads through two lists: one iteration is two handoffs
    // (LPUSH on one thread, BRPOP on the other), so handoff latency is half the time.
    let c = Cache::new();
    let echo = {
        let c = c.clone();
        std::thread::spawn(move || {
            while let Some((_, v)) = c.brpop(&["ping"], 0.0).unwrap() {
                if &v[..] == b"stop" {
                    return;
                }
                c.lpush("pong", [v]).unwrap();
            }
        })
    };
    let mut g = cr.benchmark_group("queue");
    g.bench_function("lpush + brpop round trip (2 handoffs)", |b| {
        b.iter(|| {
            c.lpush("ping", ["x"]).unwrap();
            black_box(c.brpop(&["pong"], 0.0).unwrap())
        })
    });
    g.finish();
    c.lpush("ping", ["stop"]).unwrap();
    echo.join().unwrap();
}

fn pubsub(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("pubsub");
    // Latency: ping-pong through two channels; one iteration is two deliveries.
    let c = Cache::new();
    let echo = {
        let c = c.clone();
        let mut sub = c.subscriber();
        sub.subscribe(["ping"]);
        std::thread::spawn(move || {
            for m in sub.iter() {
                if &m.payload[..] == b"stop" {
                    return;
                }
                c.publish("pong", m.payload).unwrap();
            }
        })
    };
    let mut pong = c.subscriber();
    pong.subscribe(["pong"]);
    g.bench_function("publish + receive round trip (2 deliveries)", |b| {
        b.iter(|| {
            c.publish("ping", "x").unwrap();
            black_box(
                pong.recv_timeout(std::time::Duration::from_secs(5))
                    .unwrap(),
            )
        })
    });
    c.publish("ping", "stop").unwrap();
    echo.join().unwrap();
    // Throughput: publishing to 1 and 10 subscribers that drain on their own threads.
    for subscribers in [1usize, 10] {
        let c = Cache::new();
        let drains: Vec<_> = (0..subscribers)
            .map(|_| {
                let mut sub = c.subscriber();
                sub.subscribe(["quotes"]);
                std::thread::spawn(move || {
                    sub.iter().take_while(|m| &m.payload[..] != b"stop").count()
                })
            })
            .collect();
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(
            BenchmarkId::new("publish to subscribers", subscribers),
            &subscribers,
            |b, _| b.iter(|| black_box(c.publish("quotes", "912.5").unwrap())),
        );
        c.publish("quotes", "stop").unwrap();
        drains.into_iter().for_each(|d| {
            d.join().unwrap();
        });
    }
    g.finish();
}

fn patterns(cr: &mut Criterion) {
    let c = Cache::new();
    let mut g = cr.benchmark_group("patterns");
    g.bench_function("lock + release", |b| {
        b.iter(|| {
            c.lock("lock:job", std::time::Duration::from_secs(30))
                .unwrap()
                .unwrap()
                .release()
        })
    });
    g.bench_function("rate_limit_fixed", |b| {
        b.iter(|| {
            black_box(
                c.rate_limit_fixed("rate:ip", u64::MAX, std::time::Duration::from_secs(60))
                    .unwrap(),
            )
        })
    });
    g.bench_function("throttle (GCRA)", |b| {
        b.iter(|| {
            black_box(
                c.throttle(
                    "user:7",
                    1_000_000,
                    1_000_000,
                    std::time::Duration::from_secs(1),
                    1,
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    commands,
    scan,
    leaderboard,
    small_hashes,
    handoff,
    pubsub,
    patterns
);
criterion_main!(benches);
