//! The command dispatcher against a recording of Redis 7.0's replies.
//!
//! `tests/data/dispatch_corpus.txt` holds commands covering every family with their edge
//! cases and errors; `tests/data/dispatch_redis7.txt` holds what redis-server 7.0.15
//! answered to each, in RESP2 (re-record with `tests/data/record_redis_replies.py`). Each
//! reply of `Cache::execute` is compared with the recording; where Redis leaves the order
//! unspecified (SMEMBERS, HGETALL, the SCAN family ...) the elements are compared as sets.

#[path = "support/resp.rs"]
mod resp;

use ferricache::{Cache, EvictionPolicy, Reply};
use resp::{canonical, of_reply, parse};

/// Python's `codecs.escape_decode` of what the recorder wrote.
fn unescape(s: &str) -> Vec<u8> {
    let (mut out, b) = (Vec::new(), s.as_bytes());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let (byte, used) = match b[i + 1] {
            b'r' => (b'\r', 2),
            b'n' => (b'\n', 2),
            b't' => (b'\t', 2),
            b'x' => (u8::from_str_radix(&s[i + 2..i + 4], 16).unwrap(), 4),
            c => (c, 2),
        };
        out.push(byte);
        i += used;
    }
    out
}

/// Splits a corpus line like a shell: spaces separate, double quotes group, `\xHH` escapes.
fn argv_of(line: &str) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q.find('"').expect("closing quote");
            args.push(unescape(&q[..end]));
            rest = q[end + 1..].trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            args.push(rest.as_bytes()[..end].to_vec());
            rest = rest[end..].trim_start();
        }
    }
    args
}

#[test]
fn replies_match_redis_7() {
    let corpus = include_str!("data/dispatch_redis7.txt");
    // Redis's default policy, so CONFIG GET answers alike.
    let cache = Cache::builder()
        .eviction_policy(EvictionPolicy::NoEviction)
        .build()
        .unwrap();
    let mut lines = corpus.lines();
    let mut checked = 0;
    let mut failures = Vec::new();
    while let Some(cmd) = lines.next() {
        let cmd = cmd.strip_prefix("> ").expect("a command line");
        let expected_raw = unescape(lines.next().expect("a reply line"));
        let argv = argv_of(cmd);
        let name = String::from_utf8_lossy(&argv[0]).to_string();
        let expected = canonical(&name, parse(&mut &expected_raw[..]));
        let got = canonical(&name, of_reply(&cache.execute(&argv)));
        if got != expected {
            failures.push(format!(
                "{cmd}\n  redis:      {expected:?}\n  ferricache: {got:?}"
            ));
        }
        checked += 1;
    }
    assert!(checked > 250, "the corpus was read ({checked} commands)");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn any_argument_count_gets_a_reply_never_a_panic() {
    let cache = Cache::new();
    cache.execute(&["RPUSH", "l", "a"]);
    let junk: [&[u8]; 6] = [b"l", b"-1", b"\xff\xfe", b"", b"(1", b"0"];
    for name in ferricache::command_names() {
        if name.starts_with('b') {
            continue; // blocking pops wait; they are covered with a timeout below
        }
        for n in 0..junk.len() {
            let mut argv: Vec<&[u8]> = vec![name.as_bytes()];
            argv.extend(&junk[..n]);
            let reply = cache.execute(&argv);
            if let Reply::Error(e) = &reply {
                assert!(
                    e.starts_with("ERR") || e.starts_with("WRONGTYPE"),
                    "{name}: {e}"
                );
            }
        }
    }
}

#[test]
fn a_blocking_pop_is_woken_by_a_push_from_another_thread() {
    let cache = Cache::new();
    let waiter = {
        let cache = cache.clone();
        std::thread::spawn(move || cache.execute(&["BLPOP", "jobs", "0"]))
    };
    while cache.stats().blocked_clients == 0 {
        std::thread::yield_now();
    }
    assert_eq!(
        cache.execute(&["RPUSH", "jobs", "job-1"]),
        Reply::Integer(1)
    );
    assert_eq!(
        waiter.join().unwrap(),
        Reply::Array(vec![
            Reply::Bulk("jobs".into()),
            Reply::Bulk("job-1".into())
        ])
    );
}

#[test]
fn keys_and_values_are_binary_safe() {
    let cache = Cache::new();
    let key: &[u8] = b"k\x00\xff";
    let value: &[u8] = b"\x00\x01\xfe\xff";
    assert_eq!(cache.execute(&[b"SET" as &[u8], key, value]), Reply::OK);
    assert_eq!(cache.get(key).unwrap().unwrap(), value);
    assert_eq!(
        cache.execute(&[b"GET" as &[u8], key]),
        Reply::Bulk(value.to_vec().into())
    );
}

#[test]
fn info_reports_the_stats_in_redis_format() {
    let cache = Cache::new();
    cache.execute(&["SET", "a", "1"]);
    cache.execute(&["SET", "b", "2", "EX", "100"]);
    cache.execute(&["GET", "a"]);
    cache.execute(&["GET", "missing"]);
    let Reply::Bulk(all) = cache.execute(&["INFO"]) else {
        panic!("INFO is a bulk string")
    };
    let text = String::from_utf8(all.to_vec()).unwrap();
    for line in [
        "# Server\r\n",
        "# Memory\r\n",
        "keyspace_hits:1\r\n",
        "keyspace_misses:1\r\n",
        "db0:keys=2,expires=1,avg_ttl=0\r\n",
        "maxmemory_policy:s3-fifo\r\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    let Reply::Bulk(stats) = cache.execute(&["info", "STATS"]) else {
        panic!()
    };
    let stats = String::from_utf8(stats.to_vec()).unwrap();
    assert!(
        stats.starts_with("# Stats\r\n") && !stats.contains("# Server"),
        "{stats}"
    );
    assert_eq!(
        cache.execute(&["INFO", "nosuchsection"]),
        Reply::Bulk("".into())
    );
}

#[test]
fn config_set_changes_the_engine_and_validates_everything_first() {
    let cache = Cache::new();
    assert_eq!(
        cache.execute(&[
            "CONFIG",
            "SET",
            "maxmemory",
            "1mb",
            "maxmemory-policy",
            "allkeys-lru"
        ]),
        Reply::OK
    );
    assert_eq!(cache.max_memory(), 1 << 20);
    assert_eq!(cache.eviction_policy(), EvictionPolicy::AllKeysLru);
    // One bad value: nothing changes.
    assert!(cache
        .execute(&[
            "CONFIG",
            "SET",
            "maxmemory",
            "2mb",
            "maxmemory-policy",
            "bogus"
        ])
        .is_error());
    assert_eq!(cache.max_memory(), 1 << 20);
    assert_eq!(
        cache.execute(&["CONFIG", "GET", "max*"]),
        Reply::Array(vec![
            Reply::Bulk("maxmemory".into()),
            Reply::Bulk("1048576".into()),
            Reply::Bulk("maxmemory-policy".into()),
            Reply::Bulk("allkeys-lru".into()),
        ])
    );
}

#[test]
fn time_and_connection_only_commands() {
    let cache = Cache::new();
    let Reply::Array(t) = cache.execute(&["TIME"]) else {
        panic!("TIME is an array")
    };
    let secs: u64 = std::str::from_utf8(&t[0].to_bytes().unwrap())
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs > 1_700_000_000);
    let Reply::Error(e) = cache.execute(&["SUBSCRIBE", "news"]) else {
        panic!()
    };
    assert!(e.contains("Cache::subscriber"), "{e}");
    assert_eq!(
        cache.execute::<&str>(&[]),
        Reply::Error("ERR empty command".into())
    );
}
