//! Single-command latencies over 100k keys, medians of 5 rounds: GET hit (64-byte values),
//! GET miss, SET, SET EX and INCR. A plain loop, so that two builds of the engine (two
//! commits) can be run alternately on this noisy machine and compared side by side
//! (`cargo run --release -p ferricache-peers --bin latency`; see the README).
//!
//! By default SET and SET EX store clones of one `Bytes`, so that after the first round
//! every key shares one buffer; `-- owned` has each write hand over a value of its own (a
//! fresh `Vec`, as a value just serialized), which leaves every key its own buffer.
use std::time::Instant;
fn main() {
    let owned = std::env::args().any(|a| a == "owned");
    let c = ferricache::Cache::new();
    let n = 100_000u32;
    for i in 0..n {
        c.set(format!("key:{i:08}"), vec![b'v'; 64]).unwrap();
    }
    let keys: Vec<String> = (0..n)
        .map(|i| format!("key:{:08}", (i * 7919) % n))
        .collect();
    let ns = |t: Instant, k: usize| t.elapsed().as_nanos() as f64 / k as f64;
    let mut rows = vec![];
    for _ in 0..5 {
        let t = Instant::now();
        let mut h = 0;
        for i in 0..4_000_000usize {
            if c.get(&keys[i % keys.len()]).unwrap().is_some() {
                h += 1
            }
        }
        let hit = ns(t, 4_000_000);
        let t = Instant::now();
        for _ in 0..10_000_000 {
            if c.get("no such key").unwrap().is_none() {
                h += 1
            }
        }
        let miss = ns(t, 10_000_000);
        let v = bytes::Bytes::from(vec![b'w'; 64]);
        let t = Instant::now();
        for i in 0..2_000_000usize {
            if owned {
                c.set(&keys[i % keys.len()], vec![b'w'; 64]).unwrap();
            } else {
                c.set(&keys[i % keys.len()], v.clone()).unwrap();
            }
        }
        let set = ns(t, 2_000_000);
        let t = Instant::now();
        for i in 0..2_000_000usize {
            if owned {
                c.set_ex(&keys[i % keys.len()], 3600, vec![b'w'; 64])
                    .unwrap();
            } else {
                c.set_ex(&keys[i % keys.len()], 3600, v.clone()).unwrap();
            }
        }
        let setex = ns(t, 2_000_000);
        let t = Instant::now();
        for _ in 0..4_000_000usize {
            h += c.incr("counter").unwrap() as usize & 1;
        }
        let incr = ns(t, 4_000_000);
        rows.push([hit, miss, set, setex, incr]);
        std::hint::black_box(h);
    }
    let mut med = [0.0; 5];
    for j in 0..5 {
        let mut col: Vec<f64> = rows.iter().map(|r| r[j]).collect();
        col.sort_by(|a, b| a.partial_cmp(b).unwrap());
        med[j] = col[2];
    }
    println!(
        "hit {:.0} miss {:.1} set {:.0} setex {:.0} incr {:.0}",
        med[0], med[1], med[2], med[3], med[4]
    );
}
