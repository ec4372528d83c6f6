//! Near-cache mode against a real redis-server: replies equal the server's, reads become
//! local, other clients' writes invalidate, the fill race keeps nothing stale, and the
//! engine recovers from a killed tracking connection, a flush and a restarted server.
#![cfg(feature = "remote-test-hooks")]

#[path = "support/redis_server.rs"]
mod redis_server;
#[path = "support/replies.rs"]
mod replies;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferricache::{Cache, RemoteOptions, Reply};
use redis::Commands;
use redis_server::{eventually, RedisServer};
use replies::{direct, norm};

const BOUND: Duration = Duration::from_secs(2);

fn near(server: &RedisServer) -> Cache {
    Cache::builder()
        .remote(server.url())
        .remote_options(
            RemoteOptions::new()
                .max_staleness(Duration::from_millis(400))
                .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(200)),
        )
        .build()
        .unwrap()
}

/// The cache reconnects by itself and then reads `key`'s current `value`.
fn recovers_to(cache: &Cache, key: &str, value: &str) {
    assert!(eventually(Duration::from_secs(5), || cache
        .near_cache_stats()
        .unwrap()
        .connected));
    assert!(eventually(
        BOUND,
        || matches!(cache.get(key), Ok(Some(v)) if v == value)
    ));
}

#[test]
fn replies_equal_the_servers_for_every_family() {
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    let script: &[&[&str]] = &[
        &["SET", "s", "hello"],
        &["GET", "s"],
        &["STRLEN", "s"],
        &["GETRANGE", "s", "-3", "-1"],
        &["APPEND", "s", "!"],
        &["GET", "s"],
        &["INCR", "n"],
        &["INCRBY", "n", "41"],
        &["GET", "n"],
        &["INCR", "s"],
        &["GET", "missing"],
        &["MGET", "s", "missing", "n"],
        &["EXISTS", "s", "n", "missing"],
        &["TYPE", "s"],
        &["TYPE", "missing"],
        &["RPUSH", "l", "a", "b", "c"],
        &["LRANGE", "l", "0", "-1"],
        &["LINDEX", "l", "-1"],
        &["LLEN", "l"],
        &["LPOP", "l"],
        &["LRANGE", "l", "0", "-1"],
        &["LPOS", "l", "c"],
        &["GET", "l"],
        &["HSET", "h", "f", "1", "g", "2"],
        &["HGET", "h", "f"],
        &["HGETALL", "h"],
        &["HLEN", "h"],
        &["HINCRBY", "h", "f", "5"],
        &["HMGET", "h", "f", "x"],
        &["HEXISTS", "h", "g"],
        &["HKEYS", "h"],
        &["SADD", "st", "x", "y"],
        &["SISMEMBER", "st", "x"],
        &["SCARD", "st"],
        &["SMISMEMBER", "st", "x", "z"],
        &["SREM", "st", "x"],
        &["SMEMBERS", "st"],
        &["ZADD", "z", "1.5", "a", "2", "b", "3", "c"],
        &["ZSCORE", "z", "a"],
        &["ZRANK", "z", "c"],
        &["ZREVRANGE", "z", "0", "-1", "WITHSCORES"],
        &["ZRANGEBYSCORE", "z", "(1.5", "+inf"],
        &["ZINCRBY", "z", "10", "a"],
        &["ZREVRANK", "z", "a"],
        &["ZCOUNT", "z", "-inf", "+inf"],
        &["ZCARD", "z"],
        &["LPUSH", "s", "x"],
        &["EXPIRE", "s", "100"],
        &["GET", "s"],
        &["DEL", "s", "l"],
        &["GET", "s"],
        &["EXISTS", "s"],
        &["RENAME", "h", "h2"],
        &["HGETALL", "h"],
        &["HGETALL", "h2"],
    ];
    // The server's own answers to the same script, in a fresh database of the same server.
    let mut other = redis::Client::open(format!("redis://127.0.0.1:{}/1", server.port))
        .unwrap()
        .get_connection()
        .unwrap();
    for argv in script {
        let ours = norm(cache.execute(argv));
        let theirs = direct(&mut other, argv);
        assert_eq!(ours, theirs, "{argv:?}");
    }
    // And the near cache's writes reached its server.
    assert_eq!(
        direct(&mut con, &["HGET", "h2", "f"]),
        Reply::Bulk("6".into())
    );
    let stats = cache.near_cache_stats().unwrap();
    assert!(
        stats.fetches > 0 && stats.forwarded > 0 && stats.connected,
        "{stats:?}"
    );
}

#[test]
fn hot_reads_are_local_and_misses_are_remembered() {
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    let _: () = con.set("user:1", "ada").unwrap();
    for _ in 0..100 {
        assert_eq!(cache.get("user:1").unwrap().as_deref(), Some(&b"ada"[..]));
        assert_eq!(cache.get("user:404").unwrap(), None);
        assert_eq!(cache.execute(&["STRLEN", "user:1"]), Reply::Integer(3));
    }
    let s = cache.near_cache_stats().unwrap();
    assert_eq!(s.fetches, 2, "one fetch per key: {s:?}");
    assert!(s.negative_hits >= 99, "{s:?}");
    assert_eq!(s.forwarded, 0, "{s:?}");
    // 300 reads, 2 of them fetches (the first GET of each key); the rest local.
    assert_eq!(s.local_hits, 298, "{s:?}");
    assert_eq!(s.round_trips_saved, 298, "{s:?}");
    assert_eq!(s.nodes, 1);
    let Reply::Bulk(info) = cache.execute(&["INFO", "nearcache"]) else {
        panic!("INFO is a bulk string")
    };
    let info = String::from_utf8(info.to_vec()).unwrap();
    assert!(info.starts_with("# Nearcache\r\n"), "{info}");
    assert!(info.contains("near_cache_connected:1\r\n"), "{info}");
    assert!(info.contains("near_cache_fetches:2\r\n"), "{info}");
    assert!(info.contains("near_cache_local_hits:298\r\n"), "{info}");
}

#[test]
fn another_clients_write_reaches_this_cache_within_the_bound() {
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    let _: () = con.set("car:1", "v1").unwrap();
    let _: () = con.zadd("lb", "ada", 1).unwrap();
    assert_eq!(cache.get("car:1").unwrap().as_deref(), Some(&b"v1"[..]));
    assert_eq!(cache.get("car:2").unwrap(), None); // a negative entry
    assert_eq!(cache.execute(&["ZSCORE", "lb", "ada"]), Reply::Double(1.0));
    let _: () = con.set("car:1", "v2").unwrap();
    let _: () = con.set("car:2", "new").unwrap();
    let _: () = con.zincr("lb", "ada", 5).unwrap();
    assert!(eventually(BOUND, || cache.get("car:1").unwrap().as_deref()
        == Some(&b"v2"[..])));
    assert!(eventually(BOUND, || cache.get("car:2").unwrap().as_deref()
        == Some(&b"new"[..])));
    assert!(eventually(BOUND, || cache
        .execute(&["ZSCORE", "lb", "ada"])
        == Reply::Double(6.0)));
    let _: () = con.del("car:1").unwrap();
    assert!(eventually(BOUND, || cache.get("car:1").unwrap().is_none()));
    assert!(cache.near_cache_stats().unwrap().invalidations >= 4);
}

#[test]
fn a_thread_reads_its_own_writes_and_refused_writes_change_nothing() {
    let server = RedisServer::start();
    let cache = near(&server);
    cache.set("k", "1").unwrap();
    assert_eq!(cache.get("k").unwrap().as_deref(), Some(&b"1"[..]));
    for i in 2..50 {
        cache.set("k", i.to_string()).unwrap();
        assert_eq!(cache.get("k").unwrap().unwrap(), i.to_string().as_bytes());
    }
    assert_eq!(
        cache.execute(&["LPUSH", "k", "x"]),
        Reply::Error("WRONGTYPE Operation against a key holding the wrong kind of value".into())
    );
    assert_eq!(cache.get("k").unwrap().as_deref(), Some(&b"49"[..]));
    assert_eq!(cache.del(&["k"]).unwrap(), 1);
    assert_eq!(cache.get("k").unwrap(), None);
    let mut con = server.client();
    assert_eq!(con.get::<_, Option<String>>("k").unwrap(), None);
}

#[test]
fn a_fill_that_races_an_invalidation_is_discarded() {
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    let _: () = con.set("race", "old").unwrap();
    let armed = Arc::new(AtomicBool::new(true));
    let (hook_armed, url, watcher) = (armed.clone(), server.url(), cache.clone());
    cache.set_fill_hook(move |key| {
        if key == b"race" && hook_armed.swap(false, Ordering::SeqCst) {
            // Between the fetch (which saw "old") and the install: another client writes,
            // and its invalidation is delivered before the install runs.
            let before = watcher.near_cache_stats().unwrap().invalidations;
            let mut other = redis::Client::open(url.as_str())
                .unwrap()
                .get_connection()
                .unwrap();
            let _: () = other.set("race", "new").unwrap();
            assert!(eventually(BOUND, || watcher
                .near_cache_stats()
                .unwrap()
                .invalidations
                > before));
        }
    });
    // The racing read itself may answer "old" (it began before the write) or go to the
    // server; what matters is that "old" is not kept.
    let first = cache.get("race").unwrap().unwrap();
    assert!(first == "old" || first == "new", "{first:?}");
    assert!(!armed.load(Ordering::SeqCst), "the hook ran");
    assert_eq!(cache.get("race").unwrap().as_deref(), Some(&b"new"[..]));
    let s = cache.near_cache_stats().unwrap();
    assert_eq!(s.discarded_fills, 1, "{s:?}");
}

#[test]
fn a_flush_by_another_client_drops_every_copy() {
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    for i in 0..10 {
        let _: () = con.set(format!("k{i}"), i).unwrap();
        assert!(cache.get(format!("k{i}")).unwrap().is_some());
    }
    let _: () = redis::cmd("FLUSHALL").query(&mut con).unwrap();
    assert!(eventually(BOUND, || (0..10)
        .all(|i| cache.get(format!("k{i}")).unwrap().is_none())));
    assert!(cache.near_cache_stats().unwrap().flushes >= 1);
}

#[test]
fn a_killed_tracking_connection_reconnects_and_drops_every_copy() {
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    let _: () = con.set("k", "v1").unwrap();
    assert_eq!(cache.get("k").unwrap().as_deref(), Some(&b"v1"[..]));
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query(&mut con)
        .unwrap();
    assert_eq!(killed, 1);
    // A write while the stream is down must not be missed.
    let _: () = con.set("k", "v2").unwrap();
    assert!(eventually(BOUND, || cache
        .get("k")
        .map(|v| v.as_deref() == Some(&b"v2"[..]))
        .unwrap_or(false)));
    assert!(eventually(BOUND, || cache
        .near_cache_stats()
        .unwrap()
        .connected));
    assert!(cache.near_cache_stats().unwrap().reconnects >= 1);
    let _: () = con.set("k", "v3").unwrap();
    assert!(eventually(BOUND, || cache.get("k").unwrap().as_deref()
        == Some(&b"v3"[..])));
}

#[test]
fn a_server_that_goes_away_gives_errors_not_stale_answers_and_is_found_again() {
    let mut server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    let _: () = con.set("k", "v1").unwrap();
    assert_eq!(cache.get("k").unwrap().as_deref(), Some(&b"v1"[..]));
    server.kill();
    // Within the staleness bound the copy may still be served; past it, never.
    assert!(eventually(BOUND, || !cache
        .near_cache_stats()
        .unwrap()
        .connected));
    assert!(cache.get("k").is_err(), "fail-fast once the stream is down");
    assert!(
        cache.set("k", "lost?").is_err(),
        "a write is never silently dropped"
    );
    // Nor is any other command's answer made up: no empty SCAN page (a pattern
    // invalidation would skip keys), no DBSIZE of 0, no FLUSHALL that did nothing.
    let opts = ferricache::ScanOptions::new().pattern("k*");
    let answers = [
        ("SCAN", cache.scan(0, &opts).map(drop)),
        (
            "SCAN iterator",
            cache.scan_iter(opts.clone()).try_for_each(|k| k.map(drop)),
        ),
        ("KEYS", cache.keys("*").map(drop)),
        ("DBSIZE", cache.dbsize().map(drop)),
        ("RANDOMKEY", cache.randomkey().map(drop)),
        ("FLUSHALL", cache.flushall()),
        ("FLUSHDB", cache.flushdb()),
        ("TYPE", cache.key_type("k").map(drop)),
        ("PTTL", cache.pttl("k").map(drop)),
        ("EXPIRETIME", cache.expiretime("k").map(drop)),
        ("PEXPIRETIME", cache.pexpiretime("k").map(drop)),
        ("PERSIST", cache.persist("k").map(drop)),
        ("PUBLISH", cache.publish("news", "hi").map(drop)),
        ("PUBSUB CHANNELS", cache.pubsub_channels(None).map(drop)),
        ("PUBSUB NUMSUB", cache.pubsub_numsub(&["news"]).map(drop)),
        ("PUBSUB NUMPAT", cache.pubsub_numpat().map(drop)),
    ];
    for (name, answer) in answers {
        assert!(
            answer.is_err_and(|e| e.to_string().starts_with("ERR remote server")),
            "{name} answered without the server"
        );
    }
    server.restart();
    let mut con = server.client();
    let _: () = con.set("k", "after").unwrap();
    recovers_to(&cache, "k", "after");
}

#[test]
fn bad_settings_are_refused() {
    let server = RedisServer::start();
    let err = Cache::builder()
        .remote(server.url())
        .eviction_policy(ferricache::EvictionPolicy::NoEviction)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("noeviction"), "{err}");
    let err = Cache::builder()
        .remote("redis://127.0.0.1:1/0")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().starts_with("ERR remote server unavailable"),
        "{err}"
    );
    let err = Cache::builder().remote("http://x").build().unwrap_err();
    assert!(err.to_string().contains("remote URL"), "{err}");
}

#[test]
fn the_readme_example_runs() -> Result<(), Box<dyn std::error::Error>> {
    let server = RedisServer::start();
    let url = server.url();
    // README "Scaling out", with the server's URL.
    let cache = Cache::builder()
        .max_memory(256 << 20)
        .remote(url.as_str())
        .remote_options(RemoteOptions::new().max_staleness(Duration::from_millis(500)))
        .build()?;
    cache.set("car:1", "v1")?;
    assert_eq!(cache.get("car:1")?.as_deref(), Some(&b"v1"[..]));
    cache.execute(&["ZADD", "lb", "50", "ada"]);
    let stats = cache.near_cache_stats().unwrap();
    assert_eq!((stats.fetches, stats.forwarded), (1, 2));
    Ok(())
}

#[test]
fn the_typed_api_reaches_the_server_and_reads_copies() {
    use ferricache::SetOptions;
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    cache.set_ex("session:1", 100, "ada").unwrap();
    assert_eq!(con.get::<_, String>("session:1").unwrap(), "ada");
    assert!((99..=100).contains(&cache.ttl("session:1").unwrap()));
    assert!(cache.pttl("session:1").unwrap() > 98_000);
    let lock = SetOptions::new().nx().ex(30);
    assert!(cache.set_with("lock:a", "me", &lock).unwrap().written);
    assert!(!cache.set_with("lock:a", "you", &lock).unwrap().written);
    let swapped = cache
        .set_with("lock:a", "next", &SetOptions::new().get())
        .unwrap();
    assert_eq!(swapped.previous.as_deref(), Some(&b"me"[..]));
    assert_eq!(cache.incr("hits").unwrap(), 1);
    assert_eq!(cache.incr_by("hits", 41).unwrap(), 42);
    assert_eq!(con.get::<_, i64>("hits").unwrap(), 42);
    assert_eq!(cache.hset("h", [("f", "1"), ("g", "2")]).unwrap(), 2);
    assert_eq!(cache.hget("h", "g").unwrap().as_deref(), Some(&b"2"[..]));
    assert_eq!(cache.hgetall("h").unwrap().len(), 2);
    assert_eq!(cache.rpush("q", ["a", "b"]).unwrap(), 2);
    assert_eq!(cache.lpush("q", ["z"]).unwrap(), 3);
    assert_eq!(cache.lrange("q", 0, -1).unwrap(), ["z", "a", "b"]);
    assert_eq!(cache.sadd("s", ["x", "y"]).unwrap(), 2);
    assert!(cache.sismember("s", "x").unwrap());
    assert_eq!(cache.scard("s").unwrap(), 2);
    assert_eq!(cache.zadd("lb", [(50.0, "ada"), (70.0, "bob")]).unwrap(), 2);
    assert_eq!(cache.zrevrank("lb", "bob").unwrap(), Some(0));
    assert_eq!(cache.zincrby("lb", 30.0, "ada").unwrap(), 80.0);
    assert_eq!(cache.zscore("lb", "ada").unwrap(), Some(80.0));
    assert_eq!(cache.zrevrank("lb", "ada").unwrap(), Some(0));
    assert_eq!(cache.exists(&["h", "q", "nope"]).unwrap(), 2);
    assert_eq!(
        cache.mget(&["session:1", "nope"]).unwrap()[0].as_deref(),
        Some(&b"ada"[..])
    );
    assert!(cache.expire("q", 50).unwrap());
    assert_eq!(con.ttl::<_, i64>("q").unwrap(), 50);
    // Another process's writes reach the typed reads.
    let _: () = con.hset("h", "g", "20").unwrap();
    let _: () = con.zadd("lb", "carol", 100).unwrap();
    assert!(eventually(BOUND, || cache
        .hget("h", "g")
        .unwrap()
        .as_deref()
        == Some(&b"20"[..])));
    assert!(eventually(BOUND, || cache.zrevrank("lb", "carol").unwrap() == Some(0)));
    // Errors are the server's, as the engine's variants.
    assert!(matches!(cache.incr("h"), Err(ferricache::Error::WrongType)));
    assert!(matches!(
        cache.incr("session:1"),
        Err(ferricache::Error::NotInteger)
    ));
    // PUBLISH reaches the server's subscribers.
    let mut sub = server.client();
    let mut ps = sub.as_pubsub();
    ps.subscribe("news").unwrap();
    assert_eq!(cache.publish("news", "hi").unwrap(), 1);
    assert_eq!(
        ps.get_message().unwrap().get_payload::<String>().unwrap(),
        "hi"
    );
}

#[test]
fn a_stalled_server_gives_timeouts_not_stale_answers_and_is_found_again() {
    let server = RedisServer::start_with(&["--enable-debug-command", "yes"]);
    let cache = Cache::builder()
        .remote(server.url())
        .remote_options(
            RemoteOptions::new()
                .max_staleness(Duration::from_millis(200))
                .command_timeout(Duration::from_millis(150))
                .reconnect_backoff(Duration::from_millis(20), Duration::from_millis(100)),
        )
        .build()
        .unwrap();
    let mut con = server.client();
    let _: () = con.set("k", "v1").unwrap();
    assert_eq!(cache.get("k").unwrap().as_deref(), Some(&b"v1"[..]));
    // Another client stalls the server for 1 s, then writes a new value.
    let url = server.url();
    let staller = std::thread::spawn(move || {
        let mut c = redis::Client::open(url.as_str())
            .unwrap()
            .get_connection()
            .unwrap();
        let _: () = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg("1")
            .query(&mut c)
            .unwrap();
        let _: () = c.set("k", "v2").unwrap();
    });
    std::thread::sleep(Duration::from_millis(50));
    // While it sleeps: a fetch times out; a copy is served only until the stream is
    // declared down, then reads fail fast. No answer is ever wrong: v1 is still current.
    let err = cache.get("other").unwrap_err();
    assert!(
        matches!(
            err,
            ferricache::Error::RemoteTimeout(_) | ferricache::Error::RemoteUnavailable(_)
        ),
        "{err}"
    );
    // The counting and multi-key reads say so too, rather than 0 or misses.
    let errs = [
        cache.del(&["other"]).map(drop),
        cache.exists(&["other"]).map(drop),
        cache.mget(&["other", "another"]).map(drop),
    ];
    for e in errs {
        assert!(e.is_err_and(|e| e.to_string().starts_with("ERR remote server")));
    }
    assert!(eventually(BOUND, || !cache
        .near_cache_stats()
        .unwrap()
        .connected));
    match cache.get("k") {
        Ok(v) => assert_eq!(v.as_deref(), Some(&b"v1"[..])),
        Err(e) => assert!(e.to_string().starts_with("ERR remote server"), "{e}"),
    }
    staller.join().unwrap();
    recovers_to(&cache, "k", "v2");
}

#[test]
fn keys_evicted_by_the_server_are_dropped_here() {
    let server =
        RedisServer::start_with(&["--maxmemory", "4mb", "--maxmemory-policy", "allkeys-lru"]);
    let cache = near(&server);
    let mut con = server.client();
    for i in 0..200 {
        let _: () = con.set(format!("held:{i}"), "x".repeat(100)).unwrap();
        assert!(cache.get(format!("held:{i}")).unwrap().is_some());
    }
    // Another client fills the server far past maxmemory: it evicts the held keys.
    for i in 0..400 {
        let _: () = con.set(format!("filler:{i}"), "y".repeat(20_000)).unwrap();
    }
    let gone: Vec<usize> = (0..200)
        .filter(|i| !con.exists::<_, bool>(format!("held:{i}")).unwrap())
        .collect();
    assert!(
        gone.len() > 100,
        "the server evicted only {} held keys",
        gone.len()
    );
    assert!(eventually(BOUND, || gone
        .iter()
        .all(|i| cache.get(format!("held:{i}")).unwrap().is_none())));
}

#[test]
fn without_waiting_answers_hits_and_refuses_round_trips_untouched() {
    let server = RedisServer::start();
    let cache = near(&server);
    let mut con = server.client();
    let _: () = con.set("hot", "v").unwrap();
    assert_eq!(cache.get("hot").unwrap().unwrap(), "v"); // copied
    let before = cache.near_cache_stats().unwrap();
    cache.without_waiting(|| {
        assert_eq!(cache.get("hot").unwrap().unwrap(), "v");
        assert_eq!(cache.execute(&["STRLEN", "hot"]), Reply::Integer(1));
        assert!(matches!(
            cache.get("cold"),
            Err(ferricache::Error::WouldBlock)
        ));
        assert!(matches!(
            cache.set("hot", "w"),
            Err(ferricache::Error::WouldBlock)
        ));
        let Reply::Error(e) = cache.execute(&["INCR", "n"]) else {
            panic!("INCR answered without the server")
        };
        assert!(e.starts_with("WOULDBLOCK"), "{e}");
    });
    let after = cache.near_cache_stats().unwrap();
    assert_eq!(after.fetches, before.fetches, "nothing was fetched");
    assert_eq!(
        con.get::<_, String>("hot").unwrap(),
        "v",
        "nothing was written"
    );
    assert!(!con.exists::<_, bool>("n").unwrap());
    assert_eq!(cache.get("hot").unwrap().unwrap(), "v", "the copy stayed");
    assert_eq!(cache.near_cache_stats().unwrap().fetches, before.fetches);
    // Outside, the same calls reach the server.
    cache.set("hot", "w").unwrap();
    assert_eq!(cache.get("cold").unwrap(), None);
    assert_eq!(con.get::<_, String>("hot").unwrap(), "w");
}

#[test]
fn databases_are_the_servers_and_the_url_names_this_caches() {
    let server = RedisServer::start();
    let mut con = server.client();
    // The URL's database is the one this cache is an L1 for.
    let url = server.url().replace("/0", "/2");
    let cache = Cache::builder().remote(&url).build().unwrap();
    cache.set("k", "in db 2").unwrap();
    let _: () = redis::cmd("SELECT").arg(2).query(&mut con).unwrap();
    let v: String = con.get("k").unwrap();
    assert_eq!(v, "in db 2");
    // MOVE runs on the server and drops the local copy.
    assert_eq!(cache.get("k").unwrap().unwrap(), "in db 2");
    assert!(cache.move_to_db("k", 3).unwrap());
    assert_eq!(cache.get("k").unwrap(), None);
    let _: () = redis::cmd("SELECT").arg(3).query(&mut con).unwrap();
    let v: String = con.get("k").unwrap();
    assert_eq!(v, "in db 2");
    // Switching databases locally, or swapping them, is refused.
    assert!(cache
        .select(1)
        .unwrap_err()
        .to_string()
        .contains("near-cache mode"));
    assert!(cache.select(0).is_ok());
    assert!(cache.swapdb(0, 1).is_err());
    assert!(matches!(
        cache.execute(&["SWAPDB", "0", "1"]),
        Reply::Error(_)
    ));
    let mut client = cache.client();
    assert_eq!(client.execute(&["SELECT", "0"]), Reply::OK);
    assert!(matches!(client.execute(&["SELECT", "1"]), Reply::Error(_)));
}
