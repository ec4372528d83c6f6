//! Per-operation cost with everything in cache: 900 hot keys (u64 keys, 16-byte values) in
//! a 1000-entry ferricache and quick_cache side by side in one process, best of 15 rounds,
//! ns per operation (`cargo run --release -p ferricache-peers --bin hot [-- filter]`; pin
//! it with `taskset -c 1`). Where the typed table's Zipf rows lose time, free of memory
//! misses. The `zipf-mix` rows run the typed table's 90/10 Zipf(0.99) mix itself, in a
//! 100k bound, for counting under callgrind (`--toggle-collect='hot::main::{{closure}}'`).
use std::time::Instant;

type Op<'a> = (&'static str, Box<dyn FnMut(usize) + 'a>);
fn main() {
    let only = std::env::args().nth(1).unwrap_or_default();
    let c = ferricache::Cache::builder()
        .max_entries(1000)
        .build()
        .unwrap();
    let q = quick_cache::sync::Cache::<u64, [u8; 16]>::new(1000);
    for k in 0..900u64 {
        c.set(k.to_le_bytes(), bytes::Bytes::copy_from_slice(&[7u8; 16]))
            .unwrap();
        q.insert(k, [7u8; 16]);
    }
    let n = 300_000;
    // The typed table's 90/10 Zipf(0.99) mix over 1M keys in a 100k bound, warmed up by
    // one pass: a stream of 15 * `n` key indices, every tenth operation a SET.
    let (zf, zq) = (
        ferricache::Cache::builder()
            .max_entries(100_000)
            .build()
            .unwrap(),
        quick_cache::sync::Cache::<u64, [u8; 16]>::new(100_000),
    );
    let zipf: Vec<u64> = {
        use rand::SeedableRng;
        use rand_distr::Distribution;
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let z = rand_distr::Zipf::new(1_000_000f64, 0.99).unwrap();
        let len = if only.contains("zipf") { 15 * n } else { 0 };
        (0..len).map(|_| z.sample(&mut rng) as u64 - 1).collect()
    };
    let zipf = &zipf;
    if only.contains("zipf") {
        for &k in zipf {
            zf.set(k.to_le_bytes(), &[7u8; 16]).unwrap();
            zq.insert(k, [7u8; 16]);
        }
    }
    let mut next_f = 1_000_000u64;
    let mut next_q = 1_000_000u64;
    let mut next_b = 1_000_000_000u64;
    let mut tests: Vec<Op> = vec![
        (
            "ferri get-hit hot",
            Box::new(|i| {
                let k = (i % 900) as u64;
                std::hint::black_box(
                    c.get_with(k.to_le_bytes(), |b| <[u8; 16]>::try_from(b).ok())
                        .unwrap(),
                );
            }),
        ),
        (
            "qc get-hit hot",
            Box::new(|i| {
                let k = (i % 900) as u64;
                std::hint::black_box(q.get(&k));
            }),
        ),
        (
            "ferri get-miss",
            Box::new(|i| {
                let k = (i % 900) as u64 + 5000;
                std::hint::black_box(
                    c.get_with(k.to_le_bytes(), |b| <[u8; 16]>::try_from(b).ok())
                        .unwrap(),
                );
            }),
        ),
        (
            "qc get-miss",
            Box::new(|i| {
                let k = (i % 900) as u64 + 5000;
                std::hint::black_box(q.get(&k));
            }),
        ),
        (
            "ferri set-overwrite (copy_from_slice)",
            Box::new(|i| {
                let k = (i % 900) as u64;
                c.set(k.to_le_bytes(), bytes::Bytes::copy_from_slice(&[7u8; 16]))
                    .unwrap();
            }),
        ),
        (
            "ferri set-overwrite (borrowed)",
            Box::new(|i| {
                let k = (i % 900) as u64;
                c.set(k.to_le_bytes(), &[7u8; 16]).unwrap();
            }),
        ),
        (
            "ferri set-overwrite (static)",
            Box::new(|i| {
                let k = (i % 900) as u64;
                c.set(k.to_le_bytes(), bytes::Bytes::from_static(&[7u8; 16]))
                    .unwrap();
            }),
        ),
        (
            "qc set-overwrite",
            Box::new(|i| {
                let k = (i % 900) as u64;
                q.insert(k, [7u8; 16]);
            }),
        ),
        (
            "ferri insert+evict",
            Box::new(|_| {
                next_f += 1;
                c.set(next_f.to_le_bytes(), bytes::Bytes::from_static(&[7u8; 16]))
                    .unwrap();
            }),
        ),
        (
            "ferri insert+evict (borrowed)",
            Box::new(|_| {
                next_b += 1;
                c.set(next_b.to_le_bytes(), &[7u8; 16]).unwrap();
            }),
        ),
        (
            "qc insert+evict",
            Box::new(|_| {
                next_q += 1;
                q.insert(next_q, [7u8; 16]);
            }),
        ),
    ];
    tests.push((
        "ferri zipf-mix",
        Box::new({
            let mut at = 0;
            move |i| {
                let k = zipf[at % zipf.len()];
                at += 1;
                if i % 10 == 0 {
                    zf.set(k.to_le_bytes(), &[7u8; 16]).unwrap();
                } else {
                    std::hint::black_box(zf.get_with(k.to_le_bytes(), |b| b[0]).unwrap());
                }
            }
        }),
    ));
    tests.push((
        "qc zipf-mix",
        Box::new({
            let mut at = 0;
            move |i| {
                let k = zipf[at % zipf.len()];
                at += 1;
                if i % 10 == 0 {
                    zq.insert(k, [7u8; 16]);
                } else {
                    std::hint::black_box(zq.get(&k));
                }
            }
        }),
    ));
    tests.retain(|t| t.0.contains(&only));
    let mut best = vec![f64::MAX; tests.len()];
    for _round in 0..15 {
        for (j, (_, f)) in tests.iter_mut().enumerate() {
            let t = Instant::now();
            for i in 0..n {
                f(i);
            }
            best[j] = best[j].min(t.elapsed().as_secs_f64() * 1e9 / n as f64);
        }
    }
    for (j, (name, _)) in tests.iter().enumerate() {
        println!("{name:40} {:7.1} ns/op", best[j]);
    }
}
