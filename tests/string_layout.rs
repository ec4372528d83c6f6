//! Strings of up to 128 bytes live in the key's item, beside the key, and are copied out
//! on reads; longer ones in a shared `Bytes` buffer out of line. Commands that grow,
//! shrink or rewrite a string move it between the two, and between items of different
//! lengths: these tests check replies against a model and the memory charged against the
//! layout's rule after every step, and that readers copying a value while writers replace
//! it (across the boundary) never see a torn value.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use common::getrange_model as range;
use ferricache::{Cache, Error};
use proptest::prelude::*;

/// The longest string kept in an item and copied out on reads.
const BOXED: usize = 128;

/// The bytes charged to a key of `klen` bytes holding a string of `n` bytes, as the crate
/// docs' memory formula has it: 16 bytes of id slot and index, an 8-byte header, the key
/// and value padded to whole words; a longer value leaves a 4-byte record number in the
/// item, and costs its 48-byte record and its bytes.
fn charge(klen: usize, n: usize) -> usize {
    if n <= BOXED {
        16 + 8 + (klen + n).div_ceil(8) * 8
    } else {
        16 + 8 + (klen + 4).div_ceil(8) * 8 + 48 + n
    }
}

#[derive(Debug, Clone)]
enum Op {
    Set(usize, Vec<u8>),
    Append(usize, Vec<u8>),
    SetRange(usize, usize, Vec<u8>),
    IncrBy(usize, i64),
    SetBit(usize, u64, bool),
    GetSet(usize, Vec<u8>),
    GetDel(usize),
    GetRange(usize, i64, i64),
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..=max),
        // Digits, so that INCRBY finds integers, some of them near the boundary's length.
        (0u64..10, 0usize..20).prop_map(|(d, n)| format!("{d}{}", "9".repeat(n)).into_bytes()),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0usize..3;
    prop_oneof![
        (key.clone(), bytes(40)).prop_map(|(k, v)| Op::Set(k, v)),
        (key.clone(), (BOXED - 10..BOXED + 10)).prop_map(|(k, n)| Op::Set(k, vec![b'x'; n])),
        (key.clone(), bytes(12)).prop_map(|(k, v)| Op::Append(k, v)),
        (key.clone(), bytes(60)).prop_map(|(k, v)| Op::Append(k, v)),
        (key.clone(), 0usize..30, bytes(8)).prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
        (key.clone(), 100usize..140, bytes(8)).prop_map(|(k, o, v)| Op::SetRange(k, o, v)),
        (
            key.clone(),
            prop_oneof![-1000i64..1000, Just(i64::MAX), Just(i64::MIN)]
        )
            .prop_map(|(k, by)| Op::IncrBy(k, by)),
        (key.clone(), 0u64..260, any::<bool>()).prop_map(|(k, o, b)| Op::SetBit(k, o, b)),
        (key.clone(), bytes(30)).prop_map(|(k, v)| Op::GetSet(k, v)),
        key.clone().prop_map(Op::GetDel),
        (key, -30i64..30, -30i64..30).prop_map(|(k, a, b)| Op::GetRange(k, a, b)),
    ]
}

fn parse(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    if s.is_empty()
        || s.starts_with('+')
        || (s.len() > 1 && (s.starts_with('0') || s.starts_with("-0")))
    {
        return None;
    }
    s.parse().ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn strings_moving_in_and_out_of_line_keep_their_bytes_and_their_charge(
        ops in prop::collection::vec(op(), 1..60)
    ) {
        let cache = Cache::new();
        let keys = ["a", "b", "c"];
        let mut model: HashMap<usize, Vec<u8>> = HashMap::new();
        for op in ops {
            match op {
                Op::Set(k, v) => {
                    cache.set(keys[k], v.clone()).unwrap();
                    model.insert(k, v);
                }
                Op::Append(k, v) => {
                    let n = cache.append(keys[k], &v).unwrap();
                    let m = model.entry(k).or_default();
                    m.extend_from_slice(&v);
                    prop_assert_eq!(n, m.len());
                }
                Op::SetRange(k, o, v) => {
                    let n = cache.setrange(keys[k], o, &v).unwrap();
                    if !v.is_empty() {
                        let m = model.entry(k).or_default();
                        if m.len() < o + v.len() {
                            m.resize(o + v.len(), 0);
                        }
                        m[o..o + v.len()].copy_from_slice(&v);
                    }
                    prop_assert_eq!(n, model.get(&k).map_or(0, Vec::len));
                }
                Op::IncrBy(k, by) => {
                    let got = cache.incr_by(keys[k], by);
                    let cur = model.get(&k).map_or(Some(0), |v| parse(v));
                    match cur {
                        None => prop_assert!(matches!(got, Err(Error::NotInteger)), "{:?}", got),
                        Some(c) => match c.checked_add(by) {
                            None => prop_assert!(matches!(got, Err(Error::Overflow)), "{:?}", got),
                            Some(n) => {
                                prop_assert_eq!(got.unwrap(), n);
                                model.insert(k, n.to_string().into_bytes());
                            }
                        },
                    }
                }
                Op::SetBit(k, o, on) => {
                    let old = cache.setbit(keys[k], o, on).unwrap();
                    let m = model.entry(k).or_default();
                    let byte = (o / 8) as usize;
                    if m.len() <= byte {
                        m.resize(byte + 1, 0);
                    }
                    let mask = 1u8 << (7 - o % 8);
                    prop_assert_eq!(old, u8::from(m[byte] & mask != 0));
                    if on { m[byte] |= mask } else { m[byte] &= !mask }
                }
                Op::GetSet(k, v) => {
                    let old = cache.getset(keys[k], v.clone()).unwrap();
                    prop_assert_eq!(old.as_deref(), model.get(&k).map(Vec::as_slice));
                    model.insert(k, v);
                }
                Op::GetDel(k) => {
                    let old = cache.getdel(keys[k]).unwrap();
                    let want = model.remove(&k);
                    prop_assert_eq!(old.as_deref(), want.as_deref());
                }
                Op::GetRange(k, a, b) => {
                    let got = cache.getrange(keys[k], a, b).unwrap();
                    let want = model.get(&k).map_or(Vec::new(), |v| range(v, a, b));
                    prop_assert_eq!(&got[..], &want[..]);
                }
            }
            let mut total = 0;
            for (k, key) in keys.iter().enumerate() {
                let got = cache.get(key).unwrap();
                prop_assert_eq!(got.as_deref(), model.get(&k).map(Vec::as_slice));
                let mut copied = None;
                cache.get_with(key, |b| copied = Some(b.to_vec())).unwrap();
                prop_assert_eq!(copied.as_deref(), model.get(&k).map(Vec::as_slice));
                let charged = cache.memory_usage(key).unwrap();
                let want = model.get(&k).map(|v| charge(1, v.len()));
                prop_assert_eq!(charged, want, "key {} holding {:?}", key, model.get(&k));
                total += charged.unwrap_or(0);
            }
            prop_assert_eq!(cache.stats().used_memory, total);
        }
    }
}

#[test]
fn the_boundary_is_128_bytes_and_reads_see_the_same_bytes_either_side() {
    let cache = Cache::new();
    for len in [0, 1, 7, 8, 21, 22, 23, 24, 64, 127, 128, 129, 1000] {
        let v: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        cache.set("k", v.clone()).unwrap();
        assert_eq!(cache.get("k").unwrap().as_deref(), Some(&v[..]));
        assert_eq!(
            cache.memory_usage("k").unwrap(),
            Some(charge(1, len)),
            "{len} bytes"
        );
        // The encoding Redis reports is unchanged by where the bytes live.
        let enc = cache.object_encoding("k").unwrap().unwrap();
        assert_eq!(enc, if len <= 44 { "embstr" } else { "raw" }, "{len} bytes");
    }
    // A value handed over as `Bytes` above 128 bytes is kept without a copy, and read as
    // a view of the same buffer; a shorter one is copied into the item, even if the
    // caller still shares it.
    for len in [BOXED + 1, 1000] {
        let shared = Bytes::from(vec![5u8; len]);
        cache.set("shared", shared.clone()).unwrap();
        assert_eq!(
            cache.get("shared").unwrap().unwrap().as_ptr(),
            shared.as_ptr()
        );
    }
    for len in [1, 23, BOXED] {
        let shared = Bytes::from(vec![5u8; len]);
        cache.set("shared", shared.clone()).unwrap();
        assert_ne!(
            cache.get("shared").unwrap().unwrap().as_ptr(),
            shared.as_ptr()
        );
        assert_eq!(cache.memory_usage("shared").unwrap(), Some(charge(6, len)));
    }
    // One of up to 128 bytes is copied out on reads, so readers share nothing.
    cache.set("mid", vec![6u8; BOXED]).unwrap();
    let (a, b) = (
        cache.get("mid").unwrap().unwrap(),
        cache.get("mid").unwrap().unwrap(),
    );
    assert_eq!(a, vec![6u8; BOXED]);
    assert_ne!(a.as_ptr(), b.as_ptr());
    // INCR across digit counts stays exact, and stays an integer's encoding.
    cache.set("n", "9").unwrap();
    assert_eq!(cache.incr("n").unwrap(), 10);
    cache.set("n", (i64::MAX - 1).to_string()).unwrap();
    assert_eq!(cache.incr("n").unwrap(), i64::MAX);
    assert!(matches!(cache.incr("n"), Err(Error::Overflow)));
    assert_eq!(cache.get("n").unwrap().unwrap(), i64::MAX.to_string());
    assert_eq!(cache.object_encoding("n").unwrap(), Some("int"));
    assert_eq!(cache.incr_by("n", i64::MIN).unwrap(), -1);
    assert_eq!(cache.memory_usage("n").unwrap(), Some(charge(1, 2)));
}

#[test]
fn borrowed_values_are_copied_in_and_stored_as_owned_ones_are() {
    let (owned, borrowed) = (Cache::new(), Cache::new());
    for len in [0, 1, 22, 23, 64, 128, 129, 1000] {
        let v: Vec<u8> = (0..len).map(|i| (i * 3 + len) as u8).collect();
        let text = String::from_utf8(vec![b'a' + (len % 26) as u8; len]).unwrap();
        owned.set("bytes", v.clone()).unwrap();
        owned.set("text", text.clone()).unwrap();
        // Every borrowed form: a slice, a Vec, a str, a String, an array.
        borrowed.set("bytes", &v[..]).unwrap();
        borrowed.set("vec", &v).unwrap();
        borrowed.set("text", text.as_str()).unwrap();
        borrowed.set("string", &text).unwrap();
        for key in ["bytes", "vec"] {
            assert_eq!(borrowed.get(key).unwrap().as_deref(), Some(&v[..]), "{len}");
        }
        for key in ["text", "string"] {
            assert_eq!(
                borrowed.get(key).unwrap().unwrap(),
                text.as_bytes(),
                "{len}"
            );
        }
        // The same layout and charge as the owned value's, and no buffer shared with
        // the caller's, whatever the length.
        assert_eq!(
            borrowed.memory_usage("bytes").unwrap(),
            owned.memory_usage("bytes").unwrap(),
            "{len} bytes"
        );
        assert_eq!(
            borrowed.object_encoding("bytes").unwrap(),
            owned.object_encoding("bytes").unwrap()
        );
        if len > 0 {
            assert_ne!(borrowed.get("bytes").unwrap().unwrap().as_ptr(), v.as_ptr());
        }
    }
    assert_eq!(borrowed.stats().used_memory, {
        let c = Cache::new();
        for key in ["bytes", "vec"] {
            c.set(key, vec![0u8; 1000]).unwrap();
        }
        for key in ["text", "string"] {
            c.set(key, "m".repeat(1000)).unwrap();
        }
        c.stats().used_memory
    });
    let array = [9u8; 16];
    borrowed.set_ex("array", 60, &array).unwrap();
    assert_eq!(borrowed.get("array").unwrap().unwrap(), &array[..]);
    assert!(borrowed.ttl("array").unwrap() > 0);
    // The options path and NX take borrowed bytes too, and GETSET returns the old value.
    assert!(!borrowed.set_nx("array", &b"x"[..]).unwrap());
    assert_eq!(
        borrowed.getset("array", &b"y"[..]).unwrap().unwrap(),
        &array[..]
    );
}

/// Values whose every byte is a function of the length and a per-write stamp, so a torn
/// read (bytes of two writes) is visible.
fn stamped(len: usize, stamp: u8) -> Vec<u8> {
    let mut v = vec![stamp; len];
    if len > 0 {
        v[0] = len as u8;
    }
    v
}

fn well_formed(v: &[u8]) -> bool {
    match v {
        [] => true,
        [len, rest @ ..] => *len as usize == v.len() && rest.windows(2).all(|w| w[0] == w[1]),
    }
}

#[test]
fn readers_never_see_a_torn_value_while_writers_move_it_across_the_boundary() {
    let cache = Arc::new(Cache::new());
    let keys: Vec<String> = (0..8).map(|i| format!("key:{i}")).collect();
    for k in &keys {
        cache.set(k, stamped(1, 0)).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for w in 0..2u8 {
        let (cache, keys) = (cache.clone(), keys.clone());
        handles.push(std::thread::spawn(move || {
            let lens = [1, 5, 21, 22, 23, 40, 128, 129, 200, 127, 22, 2];
            for round in 0..20_000usize {
                let k = &keys[round % keys.len()];
                let len = lens[(round / keys.len() + w as usize) % lens.len()];
                cache.set(k, stamped(len, (round % 251) as u8 ^ w)).unwrap();
            }
        }));
    }
    let mut readers = Vec::new();
    for _ in 0..2 {
        let (cache, keys, stop) = (cache.clone(), keys.clone(), stop.clone());
        readers.push(std::thread::spawn(move || {
            let mut seen = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for k in &keys {
                    let v = cache.get(k).unwrap().unwrap();
                    assert!(well_formed(&v), "torn value {v:?}");
                    let ok = cache.get_with(k, well_formed).unwrap().unwrap();
                    assert!(ok, "torn copy of {k}");
                    seen += 2;
                }
            }
            seen
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let seen: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(seen > 1000, "the readers ran ({seen} reads)");
}
