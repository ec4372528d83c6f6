//! Snapshots without a server: SAVE and the load at build round-trip every type, database
//! and deadline; expired keys stay out; a bad file fails the build naming where; a
//! snapshot is one instant even under concurrent writes; BGSAVE and LASTSAVE. (Files moving
//! to and from redis-server are tested in tests/differential.rs.)

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    assert_eq!(r.dbsize(), c.dbsize());
    let mut keys = r.keys("*");
    keys.sort();
    for k in keys {
        assert_eq!(r.dump(&k).unwrap(), c.dump(&k).unwrap(), "{k:?}");
    }
    assert_eq!(r.ttl("ttl").unwrap(), 100, "the deadline is absolute");
    assert_eq!(r.select(7).unwrap().get("s").unwrap().unwrap(), "in seven");
    assert_eq!(r.scard("big").unwrap(), 2000);

    // A deadline that passed while the file sat on disk: the key is not loaded.
    clock.set_ms(T0 + 101_000);
    let later = Cache::builder()
        .snapshot_path(&path)
        .clock(clock)
        .build()
        .unwrap();
    assert_eq!(later.exists(&["ttl"]), 0);
    assert_eq!(later.exists(&["s"]), 1);
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
    // A missing file is a cold start, not an error.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        Cache::builder()
            .snapshot_path(&path)
            .build()
            .unwrap()
            .dbsize(),
        0
    );
    assert!(Cache::new().save().is_err(), "no path, no save");
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

/// A writer moves two keys together (MSET) while snapshots are taken: every snapshot
/// holds them equal, so a write is wholly in or wholly out.
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
    for _ in 0..30 {
        c.save().unwrap();
        let r = Cache::builder().snapshot_path(&path).build().unwrap();
        assert_eq!(r.get("a").unwrap(), r.get("b").unwrap());
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
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
    assert_eq!(r.dbsize(), 10_000);
    assert_eq!(r.scan_iter(ScanOptions::new().pattern("k1*")).count(), 1111);
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
    assert_eq!(r.dbsize(), 2);

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
