//! The Rust side of the ABI overhead benchmark: the same work as `bench/abi_bench.c`
//! (GET hits copied into a buffer with `get_with`, as `fc_get` does, and SET of 16-byte
//! values on 1,000 keys) through the Rust API.
//! Prints one line per operation: name and the median ns per call over 15 rounds.
//! Run by `scripts/bench-c.sh`.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use ferricache::{Cache, SetOptions};

const KEYS: usize = 1000;
const ITERS: usize = 200_000;
const ROUNDS: usize = 15;

fn median(mut round: impl FnMut() -> f64) -> f64 {
    let mut t: Vec<f64> = (0..ROUNDS).map(|_| round()).collect();
    t.sort_by(f64::total_cmp);
    t[ROUNDS / 2]
}

fn main() {
    let cache = Cache::new();
    let keys: Vec<String> = (0..KEYS).map(|k| format!("key:{k}")).collect();
    let value: &[u8] = b"0123456789abcdef";
    for k in &keys {
        cache.set(k, Bytes::copy_from_slice(value)).unwrap();
    }
    let get = median(|| {
        let mut buf = [0u8; 64];
        let mut sum = 0;
        let t0 = Instant::now();
        for i in 0..ITERS {
            // As fc_get: look up and copy into the caller's buffer under the read lock.
            let n = cache
                .get_with(black_box(&keys[i % KEYS]), |v| {
                    buf[..v.len()].copy_from_slice(v);
                    v.len()
                })
                .unwrap()
                .unwrap();
            black_box(&buf);
            sum += n;
        }
        assert_eq!(sum, ITERS * 16);
        t0.elapsed().as_nanos() as f64 / ITERS as f64
    });
    let opts = SetOptions::new();
    let set = median(|| {
        let t0 = Instant::now();
        for i in 0..ITERS {
            // As fc_set: the value arrives as borrowed bytes and is copied in.
            let v = Bytes::copy_from_slice(black_box(value));
            cache.set_with(&keys[i % KEYS], v, &opts).unwrap();
        }
        t0.elapsed().as_nanos() as f64 / ITERS as f64
    });
    println!("get {get:.1}");
    println!("set {set:.1}");
}
