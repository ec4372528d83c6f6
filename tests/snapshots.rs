//! Snapshots without a server: SAVE and the load at build round-trip every type, database
//! and deadline; expired keys stay out; a bad file fails the build naming where; a
//! snapshot is one instant even under concurrent writes; BGSAVE and LASTSAVE. (Files moving
//! to and from redis-server are tested in tests/differential.rs.)

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::T0;
use ferricache::{Cache, MockClock, ScanOptions};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferricache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn save_and_load_round_trip_every_type_database_and_deadline() {
    let dir = temp_dir("snap-round-trip");
    let path = dir.join("dump.rdb");
    let clock = MockClock::new(T0);
    let c = Cache::builder()
        .snapshot_path(&path)
        .clock(clock.clone())
        .build()
        .unwrap();
    c.set("s", "text").unwrap();
    c.set("n", "12").unwrap();
    c.set_ex("ttl", 100, "v").unwrap();
    c.rpush("l", ["a", "1"]).unwrap();
    c.sadd("set", ["x", "2"]).unwrap();
    c.hset("h", [("f", "v")]).unwrap();
    c.zadd("z", [(2.5, "m"), (f64::NEG_INFINITY, "n")]).unwrap();
    c.select(7).unwrap().set("s", "in seven").unwrap();
    for i in 0..2000 {
        c.sadd("big", [format!("m{i}")]).unwrap();
    }
    // A sorted set past the packed form, with tied scores and -0, which a load builds in bulk.
    c.zadd(
        "bigz",
        (0..3000).map(|i| (((i * 7919) % 41) as f64 - 20.0, format!("m{i}"))),
    )
    .unwrap();
    c.zadd("bigz", [(-0.0, "negative zero")]).unwrap();
    let before = c.last_save();
    c.save().unwrap();
    assert!(c.last_save() >= before);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["dump.rdb"], "no temporary file is left behind");

    let r = Cache::builder()
        .snapshot_path(&path)
        .clock(clock.clone())
        .build()
        .unwrap();
    assert_eq!(r.dbsize().unwrap(), c.dbsize().unwrap());
    let mut keys = r.keys("*").unwrap();
    keys.sort();
    for k in keys {
        assert_eq!(r.dump(&k).unwrap(), c.dump(&k).unwrap(), "{k:?}");
    }
    assert_eq!(r.ttl("ttl").unwrap(), 100, "the deadline is absolute");
    assert_eq!(r.select(7).unwrap().get("s").unwrap().unwrap(), "in seven");
    assert_eq!(r.scard("big").unwrap(), 2000);
    assert_eq!(
        r.zrange_withscores("bigz", 0, -1).unwrap(),
        c.zrange_withscores("bigz", 0, -1).unwrap()
    );
    for m in ["m0", "m1234", "m2999", "negative zero"] {
        assert_eq!(r.zrank("bigz", m).unwrap(), c.zrank("bigz", m).unwrap());
        assert_eq!(r.zscore("bigz", m).unwrap(), c.zscore("bigz", m).unwrap());
    }
    // As after Redis's load, nothing waits to be saved.
    assert_eq!(r.changes_since_last_save(), 0);

    // A deadline that passed while the file sat on disk: the key is not loaded.
    clock.set_ms(T0 + 101_000);
    let later = Cache::builder()
        .snapshot_path(&path)
        .clock(clock)
        .build()
        .unwrap();
    assert_eq!(later.exists(&["ttl"]).unwrap(), 0);
    assert_eq!(later.exists(&["s"]).unwrap(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_file_fails_the_build_and_says_where() {
    let dir = temp_dir("snap-bad");
    let path = dir.join("dump.rdb");
    let c = Cache::builder().snapshot_path(&path).build().unwrap();
    for i in 0..100 {
        c.set(format!("k{i}"), "v").unwrap();
    }
    c.save().unwrap();
    let good = std::fs::read(&path).unwrap();
    let fails = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        match Cache::builder().snapshot_path(&path).build() {
            Ok(_) => panic!("a bad file loaded"),
            Err(e) => e.to_string(),
        }
    };
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x55;
    assert!(fails(&flipped).contains("checksum mismatch"));
    assert!(fails(&good[..good.len() - 20]).contains("dump.rdb"));
    assert!(fails(b"not an rdb file at all").contains("no REDIS header"));
    // A bad value with a valid checksum names its key and offset.
    let mut bad = good[..good.len() - 9].to_vec();
    let at = bad.windows(3).position(|w| w == b"k42").unwrap();
    bad[at - 2] = 0x06; // the type byte before the key: a module value
    bad.push(0xFF);
    let crc = crc_of(&bad);
    bad.extend_from_slice(&crc.to_le_bytes());
    let e = fails(&bad);
    assert!(e.contains("key 'k42'") && e.contains("at byte"), "{e}");
    // Keys before k42 were read when the fault came; the cache that held them is never
    // handed out, and its drop does not save over the file even when asked to save on
    // shutdown.
    let refused = Cache::builder()
        .snapshot_path(&path)
        .save_on_shutdown(true)
        .build();
    assert!(refused.is_err());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bad,
        "the bad file is left as it was"
    );
    // A missing file is a cold start, not an error.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        Cache::builder()
            .snapshot_path(&path)
            .build()
            .unwrap()
            .dbsize()
            .unwrap(),
        0
    );
    assert!(Cache::new().save().is_err(), "no path, no save");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Files past a megabyte are checksummed on another thread while their keys are read: a
/// wrong checksum is still the error reported, whether or not the damage also broke the
/// parse, and no cache is handed out.
#[test]
fn a_large_damaged_file_reports_its_checksum() {
    let dir = temp_dir("snap-large-bad");
    let path = dir.join("dump.rdb");
    let c = Cache::builder().snapshot_path(&path).build().unwrap();
    for i in 0..20_000 {
        c.set(format!("key:{i}"), "v".repeat(100)).unwrap();
    }
    c.save().unwrap();
    let good = std::fs::read(&path).unwrap();
    assert!(good.len() > 2 << 20);
    for at in [good.len() / 3, good.len() / 2, good.len() - 20] {
        for flip in [0x01u8, 0xFF] {
            let mut bad = good.clone();
            bad[at] ^= flip;
            std::fs::write(&path, &bad).unwrap();
            let Err(e) = Cache::builder().snapshot_path(&path).build() else {
                panic!("a damaged file loaded (byte {at})");
            };
            assert!(e.to_string().contains("checksum mismatch"), "{e}");
        }
    }
    std::fs::write(&path, &good).unwrap();
    let r = Cache::builder().snapshot_path(&path).build().unwrap();
    assert_eq!(r.dbsize().unwrap(), 20_000);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Redis's CRC-64, here for forging a file whose checksum is right.
fn crc_of(bytes: &[u8]) -> u64 {
    // Jones polynomial, reflected (as Redis's src/crc64.c).
    let mut crc = 0u64;
    for &b in bytes {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// SAVE, or BGSAVE and wait for it.
fn save_in_front_or_behind(c: &Cache, background: bool) {
    if background {
        c.bgsave().unwrap();
        while c.bgsave_in_progress() {
            std::thread::sleep(Duration::from_millis(1));
        }
    } else {
        c.save().unwrap();
    }
}

/// A writer moves two keys together (MSET) while snapshots are taken, by SAVE and by
/// BGSAVE: every snapshot holds them equal, so a write is wholly in or wholly out.
#[test]
fn a_snapshot_is_one_instant_under_concurrent_writes() {
    let dir = temp_dir("snap-instant");
    let path = dir.join("dump.rdb");
    let c = Cache::builder().snapshot_path(&path).build().unwrap();
    c.mset([("a", "0"), ("b", "0")]).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (c, stop) = (c.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                c.mset([("a", i.to_string()), ("b", i.to_string())])
                    .unwrap();
                c.set(format!("k{}", i % 1000), "x").unwrap();
            }
        })
    };
    for round in 0..30 {
        save_in_front_or_behind(&c, round % 2 == 1);
        let r = Cache::builder().snapshot_path(&path).build().unwrap();
        assert_eq!(r.get("a").unwrap(), r.get("b").unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Four writers, each running its own sequence of steps (an MSET of 48 keys spread over
/// every shard, then an HSET, a ZADD and an RPUSH on collections large enough to be shared
/// copy-on-write) while BGSAVEs and SAVEs run. A snapshot is a cut at one instant, so for
/// each writer it must hold exactly the state after some prefix of that writer's steps:
/// the model's, rebuilt from the MSET's number.
#[test]
fn each_writer_is_seen_at_one_point_of_its_sequence() {
    const WRITERS: usize = 4;
    const KEYS: usize = 48;
    let dir = temp_dir("snap-model");
    let path = dir.join("dump.rdb");
    let c = Cache::builder()
        .snapshot_path(&path)
        .shards(16)
        .build()
        .unwrap();
    // Each writer's collections start with 500 elements, past every packed form.
    let base = |t: usize| (0..500).map(move |i| format!("base{t}:{i}"));
    for t in 0..WRITERS {
        c.hset(format!("h{t}"), base(t).map(|f| (f, "0".to_string())))
            .unwrap();
        c.zadd(format!("z{t}"), base(t).map(|m| (0.0, m))).unwrap();
        c.rpush(format!("l{t}"), base(t)).unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|t| {
            let (c, stop) = (c.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    c.mset((0..KEYS).map(|j| (format!("w{t}:{j}"), n.to_string())))
                        .unwrap();
                    c.hset(format!("h{t}"), [(format!("f{}", n % 7), n.to_string())])
                        .unwrap();
                    c.zadd(format!("z{t}"), [(n as f64, format!("m{}", n % 13))])
                        .unwrap();
                    c.rpush(format!("l{t}"), [n.to_string()]).unwrap();
                }
                n
            })
        })
        .collect();
    let mut seen = 0;
    for round in 0..24 {
        save_in_front_or_behind(&c, round % 3 != 0);
        let r = Cache::builder().snapshot_path(&path).build().unwrap();
        for t in 0..WRITERS {
            let keys: Vec<String> = (0..KEYS).map(|j| format!("w{t}:{j}")).collect();
            let got = r.mget(&keys).unwrap();
            let n: u64 = got[0]
                .as_ref()
                .map_or(0, |v| std::str::from_utf8(v).unwrap().parse().unwrap());
            let want = if n == 0 { None } else { Some(n.to_string()) };
            assert!(
                got.iter()
                    .all(|v| v.as_deref() == want.as_deref().map(str::as_bytes)),
                "writer {t}: the MSET of step {n} is split"
            );
            // After step n's MSET, the snapshot holds 0 to 3 of its other writes, in order.
            let list = r.lrange(format!("l{t}"), 500, -1).unwrap();
            let hash: std::collections::HashMap<Bytes, Bytes> =
                r.hgetall(format!("h{t}")).unwrap().into_iter().collect();
            let zset = r.zrange_withscores(format!("z{t}"), 0, -1).unwrap();
            let matches = |done: u64| {
                // The model after steps 1..n-1 in full and `done` writes of step n.
                let full = if n == 0 { 0 } else { n - 1 };
                let hs = if done >= 1 { n } else { full };
                let zs = if done >= 2 { n } else { full };
                let ls = if done >= 3 { n } else { full };
                let mut model_hash: std::collections::HashMap<Bytes, Bytes> = base(t)
                    .map(|f| (Bytes::from(f), Bytes::from("0")))
                    .collect();
                for k in 1..=hs {
                    model_hash.insert(
                        Bytes::from(format!("f{}", k % 7)),
                        Bytes::from(k.to_string()),
                    );
                }
                let mut model_z: std::collections::BTreeMap<String, f64> =
                    base(t).map(|m| (m, 0.0)).collect();
                for k in 1..=zs {
                    model_z.insert(format!("m{}", k % 13), k as f64);
                }
                let mut model_z: Vec<(f64, String)> =
                    model_z.into_iter().map(|(m, s)| (s, m)).collect();
                model_z.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
                let model_l: Vec<Bytes> = (1..=ls).map(|k| Bytes::from(k.to_string())).collect();
                hash == model_hash
                    && list == model_l
                    && zset
                        .iter()
                        .map(|(m, s)| (*s, String::from_utf8(m.to_vec()).unwrap()))
                        .eq(model_z)
            };
            let done = (0..=3).find(|&d| matches(d));
            assert!(
                done.is_some(),
                "round {round}, writer {t}: after step {n}'s MSET the collections match no point of the sequence"
            );
            seen += n;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    assert!(seen > 0, "the writers made progress during the snapshots");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bgsave_writes_in_the_background_and_lastsave_moves() {
    let dir = temp_dir("snap-bg");
    let path = dir.join("dump.rdb");
    let c = Cache::builder().snapshot_path(&path).build().unwrap();
    for i in 0..10_000 {
        c.set(format!("k{i}"), "v").unwrap();
    }
    c.bgsave().unwrap();
    for _ in 0..500 {
        if !c.bgsave_in_progress() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!c.bgsave_in_progress());
    let r = Cache::builder().snapshot_path(&path).build().unwrap();
    assert_eq!(r.dbsize().unwrap(), 10_000);
    assert_eq!(
        r.scan_iter(ScanOptions::new().pattern("k1*"))
            .map(Result::unwrap)
            .count(),
        1111
    );
    // Through the dispatcher, as Redis answers.
    assert_eq!(
        c.execute(&["BGSAVE"]),
        ferricache::Reply::Status("Background saving started".into())
    );
    assert!(matches!(c.execute(&["LASTSAVE"]), ferricache::Reply::Integer(n) if n > 0));
    while c.bgsave_in_progress() {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(c.execute(&["SAVE"]), ferricache::Reply::OK);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Redis's `save <seconds> <changes>` rules start a BGSAVE by themselves; CONFIG sets the
/// rules and the file as Redis names them; a clean shutdown saves when asked to.
#[test]
fn save_rules_config_and_shutdown_save() {
    let dir = temp_dir("snap-rules");
    let c = Cache::new();
    let config = |args: &[&str]| {
        let mut argv = vec!["CONFIG"];
        argv.extend_from_slice(args);
        c.execute(&argv)
    };
    assert_eq!(
        config(&["SET", "dir", dir.to_str().unwrap()]),
        ferricache::Reply::OK
    );
    assert_eq!(
        config(&["SET", "dbfilename", "rules.rdb"]),
        ferricache::Reply::OK
    );
    assert_eq!(c.snapshot_path().unwrap(), dir.join("rules.rdb"));
    assert!(
        matches!(config(&["SET", "dir", "/no/such/dir"]), ferricache::Reply::Error(e) if e.contains("No such file"))
    );
    assert!(
        matches!(config(&["SET", "dbfilename", "a/b"]), ferricache::Reply::Error(e) if e.contains("just a filename"))
    );
    assert!(
        matches!(config(&["SET", "save", "1 x"]), ferricache::Reply::Error(e) if e.contains("Invalid save"))
    );
    assert_eq!(config(&["SET", "save", "1 2"]), ferricache::Reply::OK);
    assert_eq!(
        config(&["GET", "save"]),
        ferricache::Reply::Array(vec![
            ferricache::Reply::Bulk("save".into()),
            ferricache::Reply::Bulk("1 2".into())
        ])
    );
    c.set("one", "1").unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !dir.join("rules.rdb").exists(),
        "one change is under the rule's two"
    );
    c.set("two", "2").unwrap();
    let saved = (0..50).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        dir.join("rules.rdb").exists()
    });
    assert!(saved, "the rule started a BGSAVE");
    std::thread::sleep(Duration::from_millis(200));
    let r = Cache::builder()
        .snapshot_path(dir.join("rules.rdb"))
        .build()
        .unwrap();
    assert_eq!(r.dbsize().unwrap(), 2);

    // Save on a clean shutdown: when the last handle goes.
    let path = dir.join("shutdown.rdb");
    let s = Cache::builder()
        .snapshot_path(&path)
        .save_on_shutdown(true)
        .build()
        .unwrap();
    s.set("k", "v").unwrap();
    let other = s.clone();
    drop(s);
    assert!(!path.exists(), "a handle remains");
    drop(other);
    assert_eq!(
        Cache::builder()
            .snapshot_path(&path)
            .build()
            .unwrap()
            .get("k")
            .unwrap()
            .unwrap(),
        "v"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The shutdown save is done when the application's last handle has dropped, even while
/// the expiry thread holds the cache (here, reclaiming many keys that fell due at once):
/// the save is on the dropping thread, not on whichever thread lets the cache go last,
/// which may be after the process has moved on or exited.
#[test]
fn the_shutdown_save_is_done_when_the_last_handle_drop_returns() {
    let dir = temp_dir("shutdown-race");
    let path = dir.join("race.rdb");
    for round in 0..4u32 {
        let _ = std::fs::remove_file(&path);
        let c = Cache::builder()
            .snapshot_path(&path)
            .save_on_shutdown(true)
            .build()
            .unwrap();
        for k in 0..20_000u32 {
            c.pset_ex(k.to_be_bytes(), 1, "v").unwrap();
        }
        c.set("kept", round.to_string()).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        drop(c);
        assert!(path.exists(), "round {round}: no file when drop returned");
        let r = Cache::builder().snapshot_path(&path).build().unwrap();
        assert_eq!(r.get("kept").unwrap().unwrap(), round.to_string());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A warm restart keeps its shutdown save: loading the snapshot (whose keys go in through
/// handles made for one call) neither saves nor turns the shutdown save off.
#[test]
fn a_restarted_cache_still_saves_on_shutdown() {
    let dir = temp_dir("restart-save");
    let path = dir.join("dump.rdb");
    let open = || {
        Cache::builder()
            .snapshot_path(&path)
            .save_on_shutdown(true)
            .build()
            .unwrap()
    };
    let c = open();
    c.set("first", "1").unwrap();
    c.select(3).unwrap().set("other-db", "x").unwrap();
    drop(c);
    for round in 0..3u32 {
        let c = open();
        assert_eq!(c.get("first").unwrap().unwrap(), "1", "round {round}");
        assert_eq!(c.select(3).unwrap().get("other-db").unwrap().unwrap(), "x");
        c.set(format!("round:{round}"), "done").unwrap();
        drop(c);
        let r = Cache::builder().snapshot_path(&path).build().unwrap();
        for k in 0..=round {
            let key = format!("round:{k}");
            assert!(r.get(&key).unwrap().is_some(), "round {round}: {key} lost");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

mod corruption {
    use super::*;
    use proptest::prelude::*;

    /// A valid snapshot of every type, for the corruption tests to break (made once).
    fn valid_file() -> Vec<u8> {
        static GOOD: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        GOOD.get_or_init(make_valid_file).clone()
    }

    fn make_valid_file() -> Vec<u8> {
        let dir = temp_dir("snap-corrupt-source");
        let path = dir.join("dump.rdb");
        let c = Cache::builder().snapshot_path(&path).build().unwrap();
        c.set("s", "text").unwrap();
        c.set("n", "-123456").unwrap();
        c.set_ex("t", 100, "v").unwrap();
        c.rpush("l", ["a", "1", "x"]).unwrap();
        c.sadd("set", ["1", "2", "m"]).unwrap();
        c.hset("h", [("f", "v"), ("g", "w")]).unwrap();
        c.zadd("z", [(1.0, "a"), (2.5, "b")]).unwrap();
        c.pfadd("hll", &["a", "b"]).unwrap();
        c.save().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        bytes
    }

    /// Loads `bytes` as a snapshot file: the number of keys, or the error's text.
    fn load(bytes: &[u8]) -> Result<usize, String> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = temp_dir(&format!("snap-corrupt-{n}"));
        let path = dir.join("dump.rdb");
        std::fs::write(&path, bytes).unwrap();
        let r = Cache::builder()
            .snapshot_path(&path)
            .build()
            .map(|c| c.dbsize().unwrap())
            .map_err(|e| e.to_string());
        std::fs::remove_dir_all(&dir).unwrap();
        r
    }

    #[test]
    fn every_truncation_is_refused() {
        let good = valid_file();
        assert_eq!(load(&good), Ok(8));
        for end in 0..good.len() {
            assert!(
                load(&good[..end]).is_err(),
                "cut at {end} of {}",
                good.len()
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Random bit flips: the checksum refuses them. Then the same flips with the
        /// checksum forged to match: the parser itself meets the garbage, and refuses it or
        /// loads a file it can read, never panicking or hanging.
        #[test]
        fn flipped_bits_are_refused_or_read_never_panic(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..6)
        ) {
            let good = valid_file();
            let mut bad = good.clone();
            let body = good.len() - 8;
            for (at, bit) in &flips {
                bad[at.index(body)] ^= 1 << bit;
            }
            // (A flip in the version digits can name a version before 5, whose files carry
            // no checksum: Redis reads those unchecked too.)
            if bad != good && bad[5..9] == good[5..9] {
                prop_assert!(load(&bad).is_err());
            }
            let crc = crc_of(&bad[..body]);
            bad[body..].copy_from_slice(&crc.to_le_bytes());
            let _ = load(&bad);
        }
    }
}

mod crash {
    use super::*;

    /// Saves generations of 2000 keys, each SAVE holding one generation. In the normal run
    /// it checks one such save; as the child of the crash test (FERRICACHE_CRASH_TARGET
    /// set) it saves until it is killed.
    #[test]
    fn writer() {
        let target = std::env::var_os("FERRICACHE_CRASH_TARGET").map(PathBuf::from);
        let path = target
            .clone()
            .unwrap_or_else(|| temp_dir("snap-writer").join("dump.rdb"));
        let c = Cache::builder().snapshot_path(&path).build().unwrap();
        for generation in 0u64.. {
            let value = generation.to_string();
            c.mset((0..2000).map(|i| (format!("k{i}"), value.clone())))
                .unwrap();
            c.save().unwrap();
            if target.is_none() {
                let r = Cache::builder().snapshot_path(&path).build().unwrap();
                assert_eq!(r.dbsize().unwrap(), 2000);
                std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
                return;
            }
        }
    }

    /// Kills the writer at random points of its saves: the file on disk is always a
    /// whole snapshot, of one generation.
    #[test]
    fn a_killed_save_leaves_the_old_snapshot_or_the_new() {
        let exe = std::env::current_exe().unwrap();
        let mut seen = 0;
        for round in 0..15u64 {
            let dir = temp_dir(&format!("snap-crash-{round}"));
            let path = dir.join("dump.rdb");
            let mut child = std::process::Command::new(&exe)
                .args(["crash::writer", "--exact", "--test-threads=1"])
                .env("FERRICACHE_CRASH_TARGET", &path)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(100 + round * 37 % 400));
            child.kill().unwrap();
            child.wait().unwrap();
            if path.exists() {
                seen += 1;
                let r = Cache::builder().snapshot_path(&path).build().unwrap();
                assert_eq!(r.dbsize().unwrap(), 2000, "round {round}");
                let first = r.get("k0").unwrap();
                assert!((0..2000).all(|i| r.get(format!("k{i}")).unwrap() == first));
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
        assert!(
            seen >= 5,
            "most rounds got a save in before the kill ({seen} of 15)"
        );
    }
}
