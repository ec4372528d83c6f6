//! Replays a stream of object ids (little-endian u32s) through ferricache as cache-aside
//! (GET, and SET on a miss) with a bound on the number of keys; prints the miss ratio.
//!
//! `replay FILE CAPACITY [POLICY] [SHARDS]` — used by `benches/hitratio/run.sh`.

use ferricache::{Cache, EvictionPolicy};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: replay FILE CAPACITY [POLICY] [SHARDS]");
        std::process::exit(2);
    }
    let raw = std::fs::read(&args[1]).expect("read the stream");
    let capacity: usize = args[2].parse().expect("capacity");
    let policy: EvictionPolicy = args
        .get(3)
        .map_or("s3-fifo", String::as_str)
        .parse()
        .expect("policy");
    let mut builder = Cache::builder()
        .max_entries(capacity)
        .eviction_policy(policy);
    if let Some(shards) = args.get(4) {
        builder = builder.shards(shards.parse().expect("shards"));
    }
    let cache = builder.build().expect("cache");
    let (mut misses, mut total) = (0u64, 0u64);
    let value = bytes::Bytes::from_static(b"v");
    for id in raw.chunks_exact(4) {
        let key = u32::from_le_bytes(id.try_into().unwrap()).to_le_bytes();
        total += 1;
        if cache.get(key).unwrap().is_none() {
            misses += 1;
            cache.set(key, value.clone()).unwrap();
        }
    }
    println!("{:.6}", misses as f64 / total as f64);
}
