//! The criterion `command` group's loops (`benches/engine.rs`: 100k keys of 64-byte
//! values, keys visited in a stride), each out of line so that callgrind can count one at
//! a time, deterministically, where the machine's timings are too noisy to compare two
//! builds by a few percent:
//!
//! ```text
//! cargo build --release -p ferricache-peers --bin commands
//! valgrind --tool=callgrind --cache-sim=yes --D1=49152,12,64 --LL=2097152,16,64 \
//!     --toggle-collect=commands::get_hit target/release/commands
//! ```
//!
//! then the summary's totals divided by [`N`] (`get_miss`, `set_overwrite`, `set_ex` and
//! `incr` likewise). The file builds against any commit of the engine, so it can be
//! copied into an older worktree's `benches/peers/src/bin/` for an A/B.
use std::hint::black_box;

use bytes::Bytes;
use ferricache::Cache;

const KEYS: u64 = 100_000;
/// Operations each loop runs.
const N: usize = 200_000;

fn key(i: u64) -> String {
    format!("key:{i:012}")
}

#[inline(never)]
fn get_hit(c: &Cache, keys: &[String]) {
    for i in 0..N {
        black_box(c.get(&keys[i % keys.len()]).unwrap());
    }
}

#[inline(never)]
fn get_miss(c: &Cache) {
    for _ in 0..N {
        black_box(c.get("no such key").unwrap());
    }
}

#[inline(never)]
fn set_overwrite(c: &Cache, keys: &[String], v: &Bytes) {
    for i in 0..N {
        c.set(&keys[i % keys.len()], v.clone()).unwrap();
    }
}

#[inline(never)]
fn set_ex(c: &Cache, keys: &[String], v: &Bytes) {
    for i in 0..N {
        c.set_ex(&keys[i % keys.len()], 3600, v.clone()).unwrap();
    }
}

/// SET EX again on keys that all have a deadline now: the steady state, where no key is
/// given its first TTL (which moves its item to make room for the deadline word).
#[inline(never)]
fn set_ex_again(c: &Cache, keys: &[String], v: &Bytes) {
    set_ex(c, keys, v);
}

#[inline(never)]
fn incr(c: &Cache) {
    for _ in 0..N {
        black_box(c.incr("counter").unwrap());
    }
}

fn main() {
    let c = Cache::new();
    for i in 0..KEYS {
        c.set(key(i), vec![b'v'; 64]).unwrap();
    }
    let keys: Vec<String> = (0..KEYS).map(|i| key(i * 7919 % KEYS)).collect();
    let v = Bytes::from(vec![b'w'; 64]);
    get_hit(&c, &keys);
    get_miss(&c);
    set_overwrite(&c, &keys, &v);
    set_ex(&c, &keys, &v);
    set_ex_again(&c, &keys, &v);
    incr(&c);
}
