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
    g.bench_function("exists", |b| b.iter(|| black_box(c.exists(&[next()]))));
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
                let (next, keys) = c.scan(cursor, &opts);
                cursor = next;
                black_box(keys)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, commands, scan);
criterion_main!(benches);
