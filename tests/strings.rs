//! String commands, checked against replies recorded from Redis 7.0.

mod common;

use bytes::Bytes;
use common::{mock_cache, s, T0};
use ferricache::{Cache, Error, Expiry, SetOptions};
use std::time::Duration;

#[test]
fn set_get_and_overwrite() {
    let c = Cache::new();
    assert_eq!(c.get("k").unwrap(), None);
    c.set("k", "v1").unwrap();
    c.set("k", "v2").unwrap();
    assert_eq!(s(c.get("k").unwrap()).as_deref(), Some("v2"));
    c.set("", "empty key").unwrap();
    assert_eq!(s(c.get("").unwrap()).as_deref(), Some("empty key"));
    let binary = Bytes::from_static(b"\x00\xff\x00");
    c.set(&b"\xfe\x00"[..], binary.clone()).unwrap();
    assert_eq!(c.get(&b"\xfe\x00"[..]).unwrap(), Some(binary));
    let long_key = "k".repeat(1000);
    c.set(&long_key, "long").unwrap();
    assert_eq!(s(c.get(&long_key).unwrap()).as_deref(), Some("long"));
    assert_eq!(c.dbsize().unwrap(), 4);
}

#[test]
fn set_nx_xx_get() {
    let c = Cache::new();
    let nx = SetOptions::new().nx();
    assert!(c.set_with("k", "a", &nx).unwrap().written);
    assert!(!c.set_with("k", "b", &nx).unwrap().written);
    assert!(
        !c.set_with("missing", "b", &SetOptions::new().xx())
            .unwrap()
            .written
    );
    assert_eq!(c.get("missing").unwrap(), None);
    let out = c.set_with("k", "c", &SetOptions::new().xx().get()).unwrap();
    assert!(out.written);
    assert_eq!(s(out.previous).as_deref(), Some("a"));
    // NX with GET: not written, previous value still returned (Redis 7).
    let out = c.set_with("k", "d", &SetOptions::new().nx().get()).unwrap();
    assert!(!out.written);
    assert_eq!(s(out.previous).as_deref(), Some("c"));
    assert!(c.set_nx("new", "x").unwrap());
    assert!(!c.set_nx("new", "y").unwrap());
    assert_eq!(s(c.getset("new", "z").unwrap()).as_deref(), Some("x"));
    assert_eq!(c.getset("fresh", "z").unwrap(), None);
}

#[test]
fn set_ttl_options() {
    let (c, clock) = mock_cache();
    c.set_with("ex", "v", &SetOptions::new().ex(10)).unwrap();
    c.set_with("px", "v", &SetOptions::new().px(1500)).unwrap();
    c.set_with(
        "exat",
        "v",
        &SetOptions::new().exat((T0 / 1000 + 100) as i64),
    )
    .unwrap();
    c.set_with("pxat", "v", &SetOptions::new().pxat((T0 + 2500) as i64))
        .unwrap();
    assert_eq!(c.ttl("ex").unwrap(), 10);
    assert_eq!(c.pttl("px").unwrap(), 1500);
    assert_eq!(c.ttl("px").unwrap(), 2); // Redis rounds to the nearest second.
    assert_eq!(c.ttl("exat").unwrap(), 100);
    assert_eq!(c.pttl("pxat").unwrap(), 2500);
    // A plain SET clears the TTL; KEEPTTL keeps it.
    c.set_with("ex", "w", &SetOptions::new().keep_ttl())
        .unwrap();
    assert_eq!(c.ttl("ex").unwrap(), 10);
    c.set("ex", "x").unwrap();
    assert_eq!(c.ttl("ex").unwrap(), -1);
    // A deadline in the past leaves no key.
    c.set_with("past", "v", &SetOptions::new().exat(1000))
        .unwrap();
    assert_eq!(c.exists(&["past"]).unwrap(), 0);
    clock.advance(Duration::from_millis(1500));
    assert_eq!(c.get("px").unwrap(), None);
    assert!(c.get("pxat").unwrap().is_some());
}

#[test]
fn invalid_ttls_are_errors_that_change_nothing() {
    let c = Cache::new();
    c.set("k", "old").unwrap();
    for opts in [
        SetOptions::new().ex(0),
        SetOptions::new().ex(-1),
        SetOptions::new().px(0),
        SetOptions::new().exat(0),
        SetOptions::new().px(i64::MAX),
        SetOptions::new().ex(i64::MAX / 100),
    ] {
        let err = c.set_with("k", "new", &opts).unwrap_err();
        assert_eq!(err.to_string(), "ERR invalid expire time in 'set' command");
    }
    assert_eq!(
        c.set_ex("k", 0, "new").unwrap_err().to_string(),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        c.pset_ex("k", 0, "new").unwrap_err().to_string(),
        "ERR invalid expire time in 'psetex' command"
    );
    assert!(matches!(
        c.set_with(
            "k",
            "new",
            &SetOptions {
                expiry: Some(Expiry::Persist),
                ..Default::default()
            }
        ),
        Err(Error::Syntax)
    ));
    assert_eq!(s(c.get("k").unwrap()).as_deref(), Some("old"));
    assert_eq!(c.ttl("k").unwrap(), -1);
}

#[test]
fn mget_mset_msetnx() {
    let c = Cache::new();
    c.mset([("a", "1"), ("b", "2")]).unwrap();
    let got: Vec<_> = c
        .mget(&["a", "b", "nope"])
        .unwrap()
        .into_iter()
        .map(s)
        .collect();
    assert_eq!(got, vec![Some("1".into()), Some("2".into()), None]);
    assert!(!c.msetnx([("a", "x"), ("zz", "3")]).unwrap());
    assert_eq!(c.exists(&["zz"]).unwrap(), 0);
    assert_eq!(s(c.get("a").unwrap()).as_deref(), Some("1"));
    assert!(c.msetnx([("zz", "3"), ("yy", "4")]).unwrap());
    assert_eq!(c.exists(&["zz", "yy"]).unwrap(), 2);
    // Many keys over many shards at once.
    let pairs: Vec<(String, String)> = (0..500).map(|i| (format!("k{i}"), i.to_string())).collect();
    c.mset(pairs.clone()).unwrap();
    let keys: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
    assert!(c
        .mget(&keys)
        .unwrap()
        .iter()
        .zip(&pairs)
        .all(|(v, (_, want))| v.as_deref() == Some(want.as_bytes())));
}

#[test]
fn getdel_getex() {
    let (c, clock) = mock_cache();
    c.set("k", "v").unwrap();
    assert_eq!(s(c.getdel("k").unwrap()).as_deref(), Some("v"));
    assert_eq!(c.getdel("k").unwrap(), None);
    c.set("t", "v").unwrap();
    assert_eq!(
        s(c.getex("t", Some(Expiry::Ex(10))).unwrap()).as_deref(),
        Some("v")
    );
    assert_eq!(c.ttl("t").unwrap(), 10);
    assert_eq!(s(c.getex("t", None).unwrap()).as_deref(), Some("v"));
    assert_eq!(c.ttl("t").unwrap(), 10);
    c.getex("t", Some(Expiry::Persist)).unwrap();
    assert_eq!(c.ttl("t").unwrap(), -1);
    assert!(matches!(
        c.getex("t", Some(Expiry::KeepTtl)),
        Err(Error::Syntax)
    ));
    assert_eq!(
        c.getex("t", Some(Expiry::Ex(0))).unwrap_err().to_string(),
        "ERR invalid expire time in 'getex' command"
    );
    // EXAT in the past: returns the value, then the key is gone.
    assert_eq!(
        s(c.getex("t", Some(Expiry::ExAt(1))).unwrap()).as_deref(),
        Some("v")
    );
    assert_eq!(c.exists(&["t"]).unwrap(), 0);
    c.getex("missing", Some(Expiry::Ex(5))).unwrap();
    assert_eq!(c.exists(&["missing"]).unwrap(), 0);
    let _ = clock;
}

#[test]
fn append_strlen_getrange_setrange() {
    let c = Cache::new();
    assert_eq!(c.append("k", "Hello").unwrap(), 5);
    assert_eq!(c.append("k", " World").unwrap(), 11);
    assert_eq!(c.strlen("k").unwrap(), 11);
    assert_eq!(c.strlen("nope").unwrap(), 0);
    c.set("s", "This is a string").unwrap();
    // (start, end, reply) as Redis 7.0 replies.
    for (a, b, want) in [
        (0, 3, "This"),
        (-3, -1, "ing"),
        (0, -1, "This is a string"),
        (10, 100, "string"),
        (-1, -5, ""),
        (5, 3, ""),
        (-100, -90, "T"),
        (-100, 2, "Thi"),
        (20, 30, ""),
    ] {
        assert_eq!(
            &c.getrange("s", a, b).unwrap()[..],
            want.as_bytes(),
            "GETRANGE {a} {b}"
        );
    }
    assert_eq!(c.getrange("nope", 0, -1).unwrap(), Bytes::new());
    assert_eq!(c.setrange("s", 10, "STRING").unwrap(), 16);
    assert_eq!(s(c.get("s").unwrap()).as_deref(), Some("This is a STRING"));
    assert_eq!(c.setrange("pad", 3, "ab").unwrap(), 5);
    assert_eq!(&c.get("pad").unwrap().unwrap()[..], b"\0\0\0ab");
    assert_eq!(c.setrange("none", 5, "").unwrap(), 0);
    assert_eq!(c.exists(&["none"]).unwrap(), 0);
    assert!(matches!(
        c.setrange("s", 512 << 20, "x"),
        Err(Error::StringTooLong)
    ));
}

#[test]
fn append_shares_nothing_with_earlier_reads() {
    let c = Cache::new();
    c.set("k", "abc").unwrap();
    let before = c.get("k").unwrap().unwrap();
    c.append("k", "def").unwrap();
    assert_eq!(&before[..], b"abc");
    assert_eq!(&c.get("k").unwrap().unwrap()[..], b"abcdef");
}

#[test]
fn incr_family() {
    let c = Cache::new();
    assert_eq!(c.incr("n").unwrap(), 1);
    assert_eq!(c.incr_by("n", 41).unwrap(), 42);
    assert_eq!(c.decr("n").unwrap(), 41);
    assert_eq!(c.decr_by("n", 50).unwrap(), -9);
    assert_eq!(s(c.get("n").unwrap()).as_deref(), Some("-9"));
    c.set("max", i64::MAX.to_string()).unwrap();
    assert_eq!(
        c.incr("max").unwrap_err().to_string(),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(s(c.get("max").unwrap()), Some(i64::MAX.to_string()));
    assert_eq!(
        c.decr_by("n", i64::MIN).unwrap_err().to_string(),
        "ERR decrement would overflow"
    );
    for bad in ["abc", " 1", "1.5", "-0", "01", "+1", ""] {
        c.set("bad", bad).unwrap();
        assert_eq!(
            c.incr("bad").unwrap_err().to_string(),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(s(c.get("bad").unwrap()).as_deref(), Some(bad));
    }
}

#[test]
fn incr_keeps_the_ttl() {
    let (c, _clock) = mock_cache();
    c.set_ex("rate:1.2.3.4", 60, "5").unwrap();
    assert_eq!(c.incr("rate:1.2.3.4").unwrap(), 6);
    assert_eq!(c.ttl("rate:1.2.3.4").unwrap(), 60);
}

#[test]
fn incr_by_float_formats_as_redis() {
    let c = Cache::new();
    c.set("f", "10.50").unwrap();
    assert_eq!(c.incr_by_float("f", 0.1).unwrap(), 10.6);
    assert_eq!(s(c.get("f").unwrap()).as_deref(), Some("10.6"));
    assert_eq!(c.incr_by_float("f", -5.0).unwrap(), 5.6);
    c.set("g", "5.0e3").unwrap();
    c.incr_by_float("g", 2.0e2).unwrap();
    assert_eq!(s(c.get("g").unwrap()).as_deref(), Some("5200"));
    c.set("h", "0.1").unwrap();
    c.incr_by_float("h", 0.2).unwrap();
    assert_eq!(s(c.get("h").unwrap()).as_deref(), Some("0.3"));
    assert_eq!(
        c.incr_by_float("h", f64::INFINITY).unwrap_err().to_string(),
        "ERR increment would produce NaN or Infinity"
    );
    assert!(matches!(
        c.incr_by_float("h", f64::NAN),
        Err(Error::NotFloat)
    ));
    c.set("txt", "abc").unwrap();
    assert_eq!(
        c.incr_by_float("txt", 1.0).unwrap_err().to_string(),
        "ERR value is not a valid float"
    );
    assert_eq!(s(c.get("h").unwrap()).as_deref(), Some("0.3"));
}

#[test]
fn bitfield_typed_api_checks_before_it_touches_the_key() {
    use ferricache::{BitFieldOp, BitFieldType, Overflow};
    let c = Cache::new();
    let u8t: BitFieldType = "u8".parse().unwrap();
    assert!(BitFieldType::unsigned(64).is_err() && BitFieldType::signed(65).is_err());
    assert!(BitFieldType::signed(0).is_err() && "i".parse::<BitFieldType>().is_err());
    // An offset past 512 MB is refused before anything is written.
    let far = 512 * 1024 * 1024 * 8;
    assert!(c
        .bitfield(
            "k",
            &[BitFieldOp::Set(u8t, 0, 1), BitFieldOp::Set(u8t, far, 1)]
        )
        .is_err());
    assert_eq!(c.exists(&["k"]).unwrap(), 0);
    // A wrong type is refused, reads of a missing key are zeros and create nothing.
    c.rpush("list", ["x"]).unwrap();
    assert!(matches!(
        c.bitfield("list", &[BitFieldOp::Get(u8t, 0)]),
        Err(ferricache::Error::WrongType)
    ));
    assert_eq!(c.bitfield_ro("nokey", &[(u8t, 100)]).unwrap(), [0]);
    assert_eq!(c.exists(&["nokey"]).unwrap(), 0);
    // A FAIL that refuses every write still leaves the key created, as Redis's.
    let r = c
        .bitfield(
            "made",
            &[
                BitFieldOp::Overflow(Overflow::Fail),
                BitFieldOp::Set(u8t, 8, 256),
            ],
        )
        .unwrap();
    assert_eq!(r, [None]);
    assert_eq!(c.get("made").unwrap().unwrap(), vec![0u8, 0]);
    // The TTL is kept.
    c.set_ex("ttl", 100, "x").unwrap();
    c.bitfield("ttl", &[BitFieldOp::IncrBy(u8t, 16, 1)])
        .unwrap();
    assert!(c.ttl("ttl").unwrap() > 0);
    assert_eq!(c.get("ttl").unwrap().unwrap(), vec![b'x', 0, 1]);
}

#[test]
fn batch_setters_take_borrowed_values_and_refuse_oversized_ones() {
    let c = Cache::new();
    let buf = [9u8; 40];
    let big = vec![0u8; (512 << 20) + 1];
    c.atomic(&["a", "b", "big"], |tx| {
        tx.set("a", &buf[..])?;
        tx.set_ex("b", 100, &buf)?;
        assert!(matches!(tx.set("big", &big[..]), Err(Error::StringTooLong)));
        assert!(matches!(
            tx.set_ex("big", 100, &big[..]),
            Err(Error::StringTooLong)
        ));
        Ok(())
    })
    .unwrap();
    assert_eq!(&c.get("a").unwrap().unwrap()[..], &buf[..]);
    assert_eq!(&c.get("b").unwrap().unwrap()[..], &buf[..]);
    assert!((99_000..=100_000).contains(&c.pttl("b").unwrap()));
    assert_eq!(c.exists(&["big"]).unwrap(), 0);
}
