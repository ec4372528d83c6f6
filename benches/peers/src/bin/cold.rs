//! Per-operation cost out of cache: uniform random hits over 1M keys (u64 keys, 16-byte
//! values), ferricache and quick_cache side by side in one process, alternating, best of
//! 5 rounds of 4M lookups (`cargo run --release -p ferricache-peers --bin cold`; pin it
//! with `taskset -c 1`). The typed table's get-hit row, with the two engines measured in
//! the same seconds, which the machine's noise moves less than it moves that row.
use std::time::Instant;

fn main() {
    // COLD_KEYS overrides the key count, to see how the ratio moves with the working set.
    let keys_n: u64 = std::env::var("COLD_KEYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let c = ferricache::Cache::new();
    let q = quick_cache::sync::Cache::<u64, [u8; 16]>::new(2 * keys_n as usize);
    for k in 0..keys_n {
        c.set(k.to_le_bytes(), bytes::Bytes::copy_from_slice(&[7u8; 16]))
            .unwrap();
        q.insert(k, [7u8; 16]);
    }
    // xorshift64: the same uniform key stream for both engines.
    let mut x = 88172645463325252u64;
    // COLD_LOOKUPS shortens the rounds (for a cache simulation under valgrind).
    let lookups: usize = std::env::var("COLD_LOOKUPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4_000_000);
    let keys: Vec<u64> = (0..lookups)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % keys_n
        })
        .collect();
    let per_op = |t: Instant| t.elapsed().as_secs_f64() * 1e9 / keys.len() as f64;
    let (mut f, mut e, mut qc) = (f64::MAX, f64::MAX, f64::MAX);
    for _round in 0..5 {
        let t = Instant::now();
        ferricache_gets(&c, &keys);
        f = f.min(per_op(t));
        let t = Instant::now();
        for &k in &keys {
            assert!(std::hint::black_box(c.exists(&[k.to_le_bytes()]).unwrap()) == 1);
        }
        e = e.min(per_op(t));
        let t = Instant::now();
        quick_cache_gets(&q, &keys);
        qc = qc.min(per_op(t));
    }
    println!("ferricache get_with {f:6.1} ns/op");
    println!("ferricache exists   {e:6.1} ns/op");
    println!("quick_cache get     {qc:6.1} ns/op");
    println!("get_with / quick_cache: {:.2}x the time", f / qc);
}

/// The timed loops, out of line so that a profiler can attribute (and callgrind's
/// `--toggle-collect` select) each engine's lookups.
#[inline(never)]
fn ferricache_gets(c: &ferricache::Cache, keys: &[u64]) {
    for &k in keys {
        let v = c.get_with(k.to_le_bytes(), |b| <[u8; 16]>::try_from(b).ok());
        assert!(std::hint::black_box(v.unwrap()).is_some());
    }
}

#[inline(never)]
fn quick_cache_gets(q: &quick_cache::sync::Cache<u64, [u8; 16]>, keys: &[u64]) {
    for &k in keys {
        assert!(std::hint::black_box(q.get(&k)).is_some());
    }
}
