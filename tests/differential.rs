//! A differential fuzzer: seeded random commands, sent to a real redis-server and to
//! `Cache::execute`, must get the same RESP2 replies and leave the same data.
//!
//! Every command of the dispatcher has a template below (or an entry in [`NOT_FUZZED`]
//! saying why not). Arguments come from pools of edge values: huge and negative integers,
//! ±inf, NaN, hex floats, empty and binary strings, missing keys and keys of every type as
//! sources and destinations. Each round starts from the same data on both sides, runs
//! [`STEPS`] commands and then compares every key's type, value and TTL.
//!
//! `cargo test --features remote-test-hooks --test differential` runs the fixed seeds of
//! CI; `FERRICACHE_FUZZ_ROUNDS=5000` runs longer (`FERRICACHE_FUZZ_SEED` moves the start).
#![cfg(feature = "remote")]

#[path = "support/redis_server.rs"]
mod redis_server;
#[path = "support/resp.rs"]
mod resp;

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;

use ferricache::{Cache, EvictionPolicy};
use redis_server::RedisServer;
use resp::{canonical, of_reply, Resp};

/// Commands per round.
const STEPS: usize = 40;

/// Rounds in CI (each one seeded by its number).
const CI_ROUNDS: u64 = 600;

/// The dispatcher's commands the fuzzer leaves out, and why.
const NOT_FUZZED: &[(&str, &str)] = &[
    (
        "config",
        "parameters differ: the engine has its own (eviction policies, hz)",
    ),
    ("info", "the text describes each server"),
    ("command", "describes each server's own command table"),
    ("time", "the clock's reading"),
    (
        "save",
        "writes a file; snapshots_move_between_redis_and_the_engine checks it",
    ),
    (
        "bgsave",
        "writes a file; snapshots_move_between_redis_and_the_engine checks it",
    ),
    ("lastsave", "a time"),
    (
        "dump",
        "the payload's bytes are an encoding choice (Redis compresses long strings, packs \
         lists in listpacks); dump_and_restore_... moves every type both ways instead",
    ),
    (
        "randomkey",
        "a random key; covered by the corpus on one-key databases",
    ),
];

/// Commands that take more than Redis 7.0 allows, on purpose: an extra argument is not
/// added to them.
const SUPERSETS: &[(&str, &str)] = &[
    ("zrank", "takes Redis 7.2's WITHSCORE"),
    ("zrevrank", "takes Redis 7.2's WITHSCORE"),
];

/// Commands whose reply is random: only its shape (type, length, errors) is compared.
const RANDOM_REPLY: &[&str] = &["hrandfield", "srandmember", "zrandmember"];

/// One template per command. Tokens: `k` key, `i` integer, `f` float, `b` score bound,
/// `l` lex bound, `v` value, `m` member or field, `n` count, `t` TTL, `u` unix time, `o`
/// blocking timeout, `q` SCAN cursor, `p` glob, `w` bit offset, `x` bit; a token with `+` is
/// repeated 1 to 3 times; `[a|b]` is an optional choice, `(a|b)` a required one,
/// `{...}` repeats its content 1 to 3 times; inside brackets `_` separates tokens; any
/// other word is sent as written.
const TEMPLATES: &[(&str, &str)] = &[
    // strings
    ("strings", "append k v"),
    ("strings", "decr k"),
    ("strings", "decrby k i"),
    ("strings", "get k"),
    ("strings", "getdel k"),
    ("strings", "getex k [EX_t|PX_t|EXAT_u|PXAT_u|PERSIST]"),
    ("strings", "getrange k i i"),
    ("strings", "getset k v"),
    ("strings", "incr k"),
    ("strings", "incrby k i"),
    ("strings", "incrbyfloat k f"),
    ("strings", "mget k+"),
    ("strings", "mset {k_v}"),
    ("strings", "msetnx {k_v}"),
    ("strings", "psetex k t v"),
    (
        "strings",
        "set k v [NX|XX] [GET] [EX_t|PX_t|EXAT_u|PXAT_u|KEEPTTL]",
    ),
    ("strings", "setex k t v"),
    ("strings", "setnx k v"),
    ("strings", "setrange k w v"),
    ("strings", "strlen k"),
    (
        "strings",
        "lcs k k [LEN] [IDX] [MINMATCHLEN_i] [WITHMATCHLEN] [LEN|IDX]",
    ),
    ("strings", "substr k i i"),
    // bitmaps
    ("bitmaps", "setbit k w x"),
    ("bitmaps", "getbit k w"),
    ("bitmaps", "bitcount k [i_i_[BYTE|BIT]]"),
    ("bitmaps", "bitpos k x [i_[i_[BYTE|BIT]]]"),
    ("bitmaps", "bitop (AND|OR|XOR|NOT) k k+"),
    (
        "bitmaps",
        "bitfield k {(GET_e_y|SET_e_y_i|INCRBY_e_y_i|OVERFLOW_(WRAP|SAT|FAIL|x))}",
    ),
    ("bitmaps", "bitfield_ro k {(GET_e_y|GET_e_y|SET_e_y_i)}"),
    // HyperLogLog (values in Redis's format: the data check compares their bytes)
    ("hyperloglog", "pfadd k v+"),
    ("hyperloglog", "pfadd k {m_m_m_v_m}"),
    ("hyperloglog", "pfcount k+"),
    ("hyperloglog", "pfmerge k k+"),
    // keys
    ("keys", "copy k k [REPLACE]"),
    // Payloads that are not DUMP's: the errors and their order (BUSYKEY, TTL, payload).
    (
        "keys",
        "restore k (0|-1|x|100) v [REPLACE] [ABSTTL] [IDLETIME_i|FREQ_i]",
    ),
    ("databases", "copy k k DB d [REPLACE]"),
    ("databases", "select d"),
    ("databases", "move k d"),
    ("databases", "swapdb d d"),
    ("databases", "dbsize"),
    ("databases", "flushdb [ASYNC]"),
    ("keys", "del k+"),
    ("keys", "exists k+"),
    ("keys", "expire k t [NX|XX|GT|LT]"),
    ("keys", "expireat k u [NX|XX|GT|LT]"),
    ("keys", "expiretime k"),
    ("keys", "keys p"),
    ("keys", "persist k"),
    ("keys", "pexpire k t [NX|XX|GT|LT]"),
    ("keys", "pexpireat k u [NX|XX|GT|LT]"),
    ("keys", "pexpiretime k"),
    ("keys", "pttl k"),
    ("keys", "rename k k"),
    ("keys", "renamenx k k"),
    (
        "keys",
        "scan q [MATCH_p] COUNT 1000 [TYPE_(string|hash|list|set|zset)]",
    ),
    (
        "sort",
        "sort k [BY_(w_*|*->f1)] [LIMIT_i_i] [GET_(#|*|w_*|*->f1)] [GET_#] [ASC|DESC] [STORE_k]",
    ),
    (
        "sort",
        "sort k ALPHA [LIMIT_i_i] [GET_(#|w_*)] [DESC] [STORE_k]",
    ),
    (
        "sort",
        "sort_ro k [BY_w_*] [LIMIT_i_i] [GET_(#|w_*)] [DESC] [ALPHA]",
    ),
    // Without sorting, or by equal text, the order is a hash table's: compared as a set.
    ("sort", "sort_ro k BY_(nosort|m*) [ALPHA] [GET_#]"),
    ("keys", "touch k+"),
    // IDLETIME reads the clock; the encodings and refcounts are Redis 7.0's.
    ("keys", "object (ENCODING|REFCOUNT|FREQ|HELLO) k"),
    ("keys", "memory USAGE k [SAMPLES_i]"),
    ("keys", "ttl k"),
    ("keys", "type k"),
    ("keys", "unlink k+"),
    // hashes
    ("hashes", "hdel k m+"),
    ("hashes", "hexists k m"),
    ("hashes", "hget k m"),
    ("hashes", "hgetall k"),
    ("hashes", "hincrby k m i"),
    ("hashes", "hincrbyfloat k m f"),
    ("hashes", "hkeys k"),
    ("hashes", "hlen k"),
    ("hashes", "hmget k m+"),
    ("hashes", "hmset k {m_v}"),
    ("hashes", "hrandfield k [n_[WITHVALUES]]"),
    ("hashes", "hscan k q [MATCH_p] COUNT 1000"),
    ("hashes", "hset k {m_v}"),
    ("hashes", "hsetnx k m v"),
    ("hashes", "hstrlen k m"),
    ("hashes", "hvals k"),
    // lists
    ("lists", "blmove k k (LEFT|RIGHT) (LEFT|RIGHT) o"),
    ("lists", "blmpop o (1_k|2_k_k|n_k) (LEFT|RIGHT) [COUNT_n]"),
    ("lists", "blpop k+ o"),
    ("lists", "brpop k+ o"),
    ("lists", "brpoplpush k k o"),
    ("lists", "lindex k i"),
    ("lists", "linsert k (BEFORE|AFTER) v v"),
    ("lists", "llen k"),
    ("lists", "lmove k k (LEFT|RIGHT) (LEFT|RIGHT)"),
    ("lists", "lmpop (1_k|2_k_k|n_k) (LEFT|RIGHT) [COUNT_n]"),
    ("lists", "lpop k [n]"),
    ("lists", "lpos k v [RANK_i] [COUNT_n] [MAXLEN_n]"),
    ("lists", "lpush k v+"),
    ("lists", "lpushx k v+"),
    ("lists", "lrange k i i"),
    ("lists", "lrem k i v"),
    ("lists", "lset k i v"),
    ("lists", "ltrim k i i"),
    ("lists", "rpop k [n]"),
    ("lists", "rpoplpush k k"),
    ("lists", "rpush k v+"),
    ("lists", "rpushx k v+"),
    // sets
    ("sets", "sadd k m+"),
    ("sets", "scard k"),
    ("sets", "sdiff k+"),
    ("sets", "sdiffstore k k+"),
    ("sets", "sinter k+"),
    ("sets", "sintercard (1_k|2_k_k|n_k) [LIMIT_n]"),
    ("sets", "sinterstore k k+"),
    ("sets", "sismember k m"),
    ("sets", "smembers k"),
    ("sets", "smismember k m+"),
    ("sets", "smove k k m"),
    ("sets", "spop k (100|0|-1)"),
    ("sets", "srandmember k [n]"),
    ("sets", "srem k m+"),
    ("sets", "sscan k q [MATCH_p] COUNT 1000"),
    ("sets", "sunion k+"),
    ("sets", "sunionstore k k+"),
    // sorted sets
    ("zsets", "bzmpop o (1_k|2_k_k|n_k) (MIN|MAX) [COUNT_n]"),
    ("zsets", "bzpopmax k+ o"),
    ("zsets", "bzpopmin k+ o"),
    ("zsets", "zadd k [NX|XX] [GT|LT] [CH] [INCR] {f_m}"),
    ("zsets", "zcard k"),
    ("zsets", "zcount k b b"),
    ("zsets", "zdiff (1_k|2_k_k|n_k) [WITHSCORES]"),
    ("zsets", "zdiffstore k (1_k|2_k_k|n_k)"),
    ("zsets", "zincrby k f m"),
    (
        "zsets",
        "zinter (1_k|2_k_k) [WEIGHTS_f_f] [AGGREGATE_(SUM|MIN|MAX)] [WITHSCORES]",
    ),
    ("zsets", "zintercard (1_k|2_k_k|n_k) [LIMIT_n]"),
    (
        "zsets",
        "zinterstore k (1_k|2_k_k) [WEIGHTS_f_f] [AGGREGATE_(SUM|MIN|MAX)]",
    ),
    ("zsets", "zlexcount k l l"),
    ("zsets", "zmpop (1_k|2_k_k|n_k) (MIN|MAX) [COUNT_n]"),
    ("zsets", "zmscore k m+"),
    ("zsets", "zpopmax k [n]"),
    ("zsets", "zpopmin k [n]"),
    ("zsets", "zrandmember k [n_[WITHSCORES]]"),
    (
        "zsets",
        "zrange k (i_i|b_b_BYSCORE|l_l_BYLEX) [REV] [LIMIT_i_i] [WITHSCORES]",
    ),
    ("zsets", "zrangebylex k l l [LIMIT_i_i]"),
    ("zsets", "zrangebyscore k b b [WITHSCORES] [LIMIT_i_i]"),
    (
        "zsets",
        "zrangestore k k (i_i|b_b_BYSCORE|l_l_BYLEX) [REV] [LIMIT_i_i]",
    ),
    ("zsets", "zrank k m"),
    ("zsets", "zrem k m+"),
    ("zsets", "zremrangebylex k l l"),
    ("zsets", "zremrangebyrank k i i"),
    ("zsets", "zremrangebyscore k b b"),
    ("zsets", "zrevrange k i i [WITHSCORES]"),
    ("zsets", "zrevrangebylex k l l [LIMIT_i_i]"),
    ("zsets", "zrevrangebyscore k b b [WITHSCORES] [LIMIT_i_i]"),
    ("zsets", "zrevrank k m"),
    ("zsets", "zscan k q [MATCH_p] COUNT 1000"),
    ("zsets", "zscore k m"),
    (
        "zsets",
        "zunion (1_k|2_k_k) [WEIGHTS_f_f] [AGGREGATE_(SUM|MIN|MAX)] [WITHSCORES]",
    ),
    (
        "zsets",
        "zunionstore k (1_k|2_k_k) [WEIGHTS_f_f] [AGGREGATE_(SUM|MIN|MAX)]",
    ),
    // server
    ("server", "dbsize"),
    ("server", "echo v"),
    ("server", "ping [v]"),
    ("server", "publish m v"),
    ("server", "pubsub (CHANNELS|NUMPAT|NUMSUB_m)"),
    ("server", "flushall"),
    ("server", "flushdb"),
];

const KEYS: &[&str] = &["a", "b", "c", "d", "e", "f", "g", "h"];

/// The data every round starts from: one key of each type, an intset, a HyperLogLog.
const SEED: &[&[&str]] = &[
    &["SET", "a", "hello"],
    &["SET", "b", "10", "EX", "1000"],
    &["HSET", "c", "f1", "1", "f2", "hello", "m1", "1.5"],
    &["RPUSH", "d", "v", "10", "hello", "v"],
    &["SADD", "e", "m1", "m2", "m3", "1", "2"],
    &[
        "ZADD", "f", "1", "m1", "2", "m2", "2.5", "m3", "0", "a", "0", "b",
    ],
    &["SADD", "g", "1", "2", "3"],
    &["PFADD", "h", "a", "b", "c"],
    // Weights and objects for SORT's BY and GET patterns.
    &[
        "MSET", "w_m1", "3", "w_m2", "1", "w_1", "2", "w_v", "x", "w_10", "-1", "w_2", "5",
    ],
];

fn pool(token: char) -> &'static [&'static str] {
    match token {
        'i' => &[
            "0",
            "1",
            "-1",
            "2",
            "3",
            "-2",
            "10",
            "100",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "abc",
            "",
            "1.5",
            " 1",
            "+1",
            "01",
        ],
        'f' => &[
            "0", "1.5", "-2.5", "inf", "-inf", "+inf", "nan", "1e308", "1e309", "-0", "0x10",
            "abc", "", "3", "1e-320", "10",
        ],
        'b' => &[
            "-inf", "+inf", "0", "1", "(1", "2", "(2.5", "2.5", "(inf", "nan", "x", "-1",
        ],
        'l' => &[
            "-", "+", "[a", "(m1", "[m2", "(m3", "m1", "[", "(", "[\u{0}",
        ],
        'v' => &[
            "",
            "v",
            "hello",
            "10",
            "-5",
            "3.5",
            "\u{0}\u{7f}",
            "m1",
            "9223372036854775807",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ],
        'm' => &[
            "m1", "m2", "m3", "a", "b", "1", "2", "f1", "f2", "v", "hello", "10", "",
        ],
        'n' => &["0", "1", "2", "3", "5", "-1", "-3", "100", "x"],
        // Long enough, in seconds and in milliseconds, not to expire during a round.
        't' => &[
            "100000",
            "3000000",
            "0",
            "-5",
            "9223372036854775807",
            "x",
            "5000",
        ],
        'u' => &["2000000000", "1", "0", "-1", "4000000000000", "y"],
        'o' => &["0.01", "-1", "x", "0.02"],
        // Where a nonzero cursor lands in a hash table differs by design; these are the
        // cursors whose meaning is defined (0, and the errors).
        'q' => &["0", "x", "", "+0", "-", "18446744073709551616"],
        'p' => &["*", "a*", "m?", "[ab]*", "*1", "h[^e]*"],
        'w' => &["0", "1", "7", "8", "100", "-1", "4294967296", "x"],
        'x' => &["0", "1", "2"],
        // BITFIELD types and offsets.
        'e' => &[
            "i1", "i8", "u8", "i5", "u7", "i16", "u63", "i64", "u64", "i0", "x", "i08",
        ],
        'y' => &[
            "0",
            "1",
            "7",
            "8",
            "13",
            "#1",
            "#2",
            "-1",
            "x",
            "4294967296",
            "#4611686018427387904",
            "#-1",
        ],
        // database numbers: mostly the three the snapshot reads, and the errors.
        'd' => &["0", "1", "2", "0", "1", "2", "-1", "16", "x", "4294967296"],
        _ => unreachable!("token {token}"),
    }
}

/// splitmix64: a tiny seeded generator, so a seed names one sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Splits `s` on `sep` outside brackets.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, ch) in s.char_indices() {
        match ch {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn expand(token: &str, rng: &mut Rng, out: &mut Vec<String>) {
    let inner = |t: &str| t[1..t.len() - 1].to_string();
    let seq = |body: &str, rng: &mut Rng, out: &mut Vec<String>| {
        for t in split_top(body, '_') {
            expand(t, rng, out);
        }
    };
    if token.starts_with('[') {
        if rng.below(2) == 0 {
            let body = inner(token);
            let alts = split_top(&body, '|');
            let alt = alts[rng.below(alts.len())];
            seq(alt, rng, out);
        }
    } else if token.starts_with('(') {
        let body = inner(token);
        let alts = split_top(&body, '|');
        let alt = alts[rng.below(alts.len())];
        seq(alt, rng, out);
    } else if token.starts_with('{') {
        let body = inner(token);
        for _ in 0..1 + rng.below(3) {
            seq(&body, rng, out);
        }
    } else if let Some(t) = token.strip_suffix('+') {
        for _ in 0..1 + rng.below(3) {
            expand(t, rng, out);
        }
    } else if token.len() == 1 && token.chars().all(|c| c.is_ascii_lowercase()) {
        let c = token.chars().next().unwrap();
        let word = if c == 'k' {
            rng.pick(KEYS)
        } else {
            rng.pick(pool(c))
        };
        out.push(word.to_string());
    } else {
        out.push(token.to_string());
    }
}

/// A command from a template; sometimes with an argument dropped or added, to reach the
/// arity and syntax errors.
fn generate(template: &str, rng: &mut Rng) -> Vec<String> {
    let mut argv = Vec::new();
    for token in split_top(template, ' ') {
        expand(token, rng, &mut argv);
    }
    match rng.below(40) {
        // SPOP without a count pops a random member: the data would part ways.
        0 if argv.len() > 1 && argv[0] != "spop" => {
            argv.pop();
        }
        1 if !SUPERSETS.iter().any(|(n, _)| argv[0] == *n) => {
            argv.push(rng.pick(&["x", "1", "NX", "WITHSCORES"]).to_string())
        }
        _ => {}
    }
    argv
}

/// A connection to the server speaking raw RESP2, so replies are compared byte for byte.
struct Server {
    out: TcpStream,
    input: BufReader<TcpStream>,
}

impl Server {
    fn connect(port: u16) -> Server {
        let out = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let input = BufReader::new(out.try_clone().unwrap());
        Server { out, input }
    }

    fn call(&mut self, argv: &[impl AsRef<[u8]>]) -> Resp {
        let mut req = format!("*{}\r\n", argv.len()).into_bytes();
        for a in argv {
            let a = a.as_ref();
            req.extend(format!("${}\r\n", a.len()).as_bytes());
            req.extend(a);
            req.extend(b"\r\n");
        }
        self.out.write_all(&req).unwrap();
        self.read()
    }

    fn read(&mut self) -> Resp {
        let line = self.line();
        let n = || {
            std::str::from_utf8(&line[1..])
                .unwrap()
                .parse::<i64>()
                .unwrap()
        };
        match line[0] {
            b'$' | b'*' if n() < 0 => Resp::Nil,
            b'$' => {
                let mut body = vec![0; n() as usize + 2];
                self.input.read_exact(&mut body).unwrap();
                body.truncate(body.len() - 2);
                Resp::Bulk(body)
            }
            b'*' => Resp::Array((0..n()).map(|_| self.read()).collect()),
            _ => Resp::Line(line),
        }
    }

    fn line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        loop {
            let mut byte = [0];
            self.input.read_exact(&mut byte).unwrap();
            if byte[0] == b'\n' && line.last() == Some(&b'\r') {
                line.pop();
                return line;
            }
            line.push(byte[0]);
        }
    }
}

/// The reply as compared: unordered replies sorted, random ones reduced to their shape.
fn comparable(name: &str, argv: &[String], r: Resp) -> Resp {
    fn shape(r: Resp) -> Resp {
        match r {
            Resp::Bulk(_) => Resp::Bulk(b"?".to_vec()),
            Resp::Array(items) => Resp::Array(items.into_iter().map(shape).collect()),
            other => other,
        }
    }
    let r = canonical(name, r);
    match (name, r) {
        ("sort_ro", Resp::Array(mut v)) if argv_by_hash_order(argv) => {
            v.sort();
            Resp::Array(v)
        }
        (n, r) if RANDOM_REPLY.contains(&n) => shape(r),
        // A string's encoding follows its content here, and how it was built in Redis (an
        // APPENDed "10" is raw there): only that it is a string's is compared.
        ("object", Resp::Bulk(b)) if [&b"int"[..], b"embstr", b"raw"].contains(&&b[..]) => {
            Resp::Bulk(b"a string's".to_vec())
        }
        // What a key costs differs by design: only the reply's kind is compared.
        ("memory", Resp::Line(l)) if l[0] == b':' => Resp::Line(b":size".to_vec()),
        ("spop", Resp::Array(mut v)) => {
            v.sort();
            Resp::Array(v)
        }
        (_, r) => r,
    }
}

/// SORT_RO BY a pattern without `*` or naming no key: the elements come in the order
/// Redis's hash tables hold them.
fn argv_by_hash_order(argv: &[String]) -> bool {
    argv.windows(2)
        .any(|w| w[0] == "BY" && (w[1] == "nosort" || w[1] == "m*"))
}

/// Whether two comparable replies agree (`a` Redis's, `b` the engine's): equal, or for the
/// TTL commands within the moment that passes between reading the two clocks.
fn agree(name: &str, a: &Resp, b: &Resp) -> bool {
    let int = |r: &Resp| match r {
        Resp::Line(l) if l[0] == b':' => std::str::from_utf8(&l[1..]).ok()?.parse::<i64>().ok(),
        _ => None,
    };
    if name == "dbsize" {
        // Redis counts a key SET with a deadline already past (PXAT 1) until its expiry
        // cycle reclaims it; the engine never counts it.
        return match (int(a), int(b)) {
            (Some(redis), Some(ours)) => ours <= redis,
            _ => a == b,
        };
    }
    if name == "object" {
        // Which small integers are Redis's one shared object depends on how the value was
        // made (COPY duplicates it: refcount 1); the engine answers
        // for the value, as if it were shared.
        let shared = |r: &Resp| matches!(int(r), Some(1) | Some(2147483647));
        if shared(a) && shared(b) {
            return true;
        }
    }
    let slack = match name {
        "ttl" | "expiretime" => 1,
        "pttl" | "pexpiretime" => 1000,
        _ => return a == b,
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) if x >= 0 && y >= 0 => (x - y).abs() <= slack,
        _ => a == b,
    }
}

/// Each pool key's type, contents and TTL (seconds), in databases 0 to 2.
fn snapshot(mut call: impl FnMut(&[&str]) -> Resp) -> Vec<(String, Resp, Resp)> {
    let mut out = Vec::new();
    for db in ["0", "1", "2"] {
        call(&["SELECT", db]);
        out.extend(
            snapshot_db(&mut call)
                .into_iter()
                .map(|(k, v, t)| (format!("db{db} {k}"), v, t)),
        );
    }
    out
}

fn snapshot_db(mut call: impl FnMut(&[&str]) -> Resp) -> Vec<(String, Resp, Resp)> {
    let mut out = Vec::new();
    for key in KEYS {
        let Resp::Line(t) = call(&["TYPE", key]) else {
            panic!("TYPE answers a status")
        };
        let t = String::from_utf8(t[1..].to_vec()).unwrap();
        let read: &[&str] = match t.as_str() {
            "string" => &["GET"],
            "hash" => &["HGETALL"],
            "list" => &["LRANGE", "0", "-1"],
            "set" => &["SMEMBERS"],
            "zset" => &["ZRANGE", "0", "-1", "WITHSCORES"],
            _ => &[],
        };
        let contents = if read.is_empty() {
            Resp::Nil
        } else {
            let mut argv = vec![read[0], key];
            argv.extend(&read[1..]);
            canonical(read[0], call(&argv))
        };
        out.push((format!("{key} ({t})"), contents, call(&["TTL", key])));
    }
    out
}

#[derive(Default)]
struct Tally {
    agree: usize,
    differ: usize,
}

/// Runs `rounds` rounds from `first_seed`; returns the differences, and prints agreement
/// per family.
fn fuzz(first_seed: u64, rounds: u64) -> Vec<String> {
    let server = RedisServer::start();
    let mut redis = Server::connect(server.port);
    // Redis's default policy, so a full engine refuses writes as Redis does.
    let cache = Cache::builder()
        .eviction_policy(EvictionPolicy::NoEviction)
        .build()
        .unwrap();
    // A connection's state (the selected database) as redis-server keeps it for `redis`.
    let mut client = cache.client();
    let mut tally: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for seed in first_seed..first_seed + rounds {
        let mut rng = Rng(seed);
        let (mut log, mut parted) = (Vec::new(), false);
        for cmd in [&["SELECT", "0"][..], &["FLUSHALL"]] {
            redis.call(cmd);
            client.execute(cmd);
        }
        for cmd in SEED {
            redis.call(cmd);
            client.execute(cmd);
        }
        for _ in 0..STEPS {
            let (family, template) = TEMPLATES[rng.below(TEMPLATES.len())];
            let argv = generate(template, &mut rng);
            let name = template.split(' ').next().unwrap();
            if name.starts_with("sort") {
                // Redis 7.0's SORT reads errno without clearing it: an ERANGE left by an
                // earlier strtod (ZADD k 1e309 m) makes it reject good numbers. A ZADD that
                // parses a score clears it.
                redis.call(&["ZADD", "__errno", "0", "x"]);
                redis.call(&["DEL", "__errno"]);
            }
            let expected = comparable(name, &argv, redis.call(&argv));
            let got = comparable(name, &argv, of_reply(&client.execute(&argv)));
            log.push(argv.join(" "));
            let t = tally.entry(family).or_default();
            if agree(name, &expected, &got) {
                t.agree += 1;
            } else {
                t.differ += 1;
                failures.push(format!(
                    "seed {seed}: {:?}\n  redis:      {expected:?}\n  ferricache: {got:?}\n  after: {}",
                    argv,
                    log[..log.len() - 1].join(" | ")
                ));
                // What follows a difference may differ only because of it.
                parted = true;
                break;
            }
        }
        if parted {
            continue;
        }
        let theirs = snapshot(|argv| redis.call(argv));
        let ours = snapshot(|argv| of_reply(&client.execute(argv)));
        for ((key, a, a_ttl), (_, b, b_ttl)) in theirs.into_iter().zip(ours) {
            if a != b || !agree("ttl", &a_ttl, &b_ttl) {
                failures.push(format!(
                    "seed {seed}: after the round, key {key}\n  redis:      {a:?} ttl {a_ttl:?}\n  ferricache: {b:?} ttl {b_ttl:?}\n  commands: {log:#?}"
                ));
            }
        }
    }
    println!(
        "{:<10} {:>8} {:>8} {:>9}",
        "family", "agree", "differ", "agreement"
    );
    for (family, t) in &tally {
        let total = t.agree + t.differ;
        println!(
            "{family:<10} {:>8} {:>8} {:>8.2}%",
            t.agree,
            t.differ,
            100.0 * t.agree as f64 / total as f64
        );
    }
    failures
}

#[test]
fn every_dispatcher_command_is_fuzzed_or_excused() {
    for name in ferricache::command_names() {
        let fuzzed = TEMPLATES
            .iter()
            .any(|(_, t)| t.split(' ').next() == Some(name));
        let excused = NOT_FUZZED.iter().any(|(n, _)| *n == name);
        assert!(
            fuzzed ^ excused,
            "{name}: fuzzed {fuzzed}, excused {excused}"
        );
    }
}

#[test]
fn random_commands_agree_with_redis() {
    let rounds = std::env::var("FERRICACHE_FUZZ_ROUNDS")
        .map(|r| r.parse().expect("FERRICACHE_FUZZ_ROUNDS is a number"))
        .unwrap_or(CI_ROUNDS);
    let seed = std::env::var("FERRICACHE_FUZZ_SEED")
        .map(|r| r.parse().expect("FERRICACHE_FUZZ_SEED is a number"))
        .unwrap_or(1);
    let failures = fuzz(seed, rounds);
    assert!(
        failures.is_empty(),
        "{} differences (the first 300):\n{}",
        failures.len(),
        failures[..failures.len().min(300)].join("\n")
    );
}

/// HyperLogLog beyond the fuzzer's few elements: sparse values that grow dense, counts up to
/// 200k, merges of sparse and dense values. Counts and bytes must be Redis's.
#[test]
fn hyperloglog_counts_and_bytes_match_redis() {
    let server = RedisServer::start();
    let mut redis = Server::connect(server.port);
    let cache = Cache::new();
    let both = |redis: &mut Server, argv: &[String]| {
        let (theirs, ours) = (redis.call(argv), of_reply(&cache.execute(argv)));
        assert_eq!(theirs, ours, "{:?}", &argv[..argv.len().min(4)]);
        ours
    };
    let mut added = 0;
    for (key, target) in [("small", 50), ("medium", 1500), ("large", 200_000)] {
        let mut batch = 1;
        while added < target {
            let mut argv = vec!["PFADD".to_string(), key.to_string()];
            argv.extend((added..(added + batch).min(target)).map(|i| format!("user:{i}")));
            added = (added + batch).min(target);
            batch = (batch * 2).min(5000);
            both(&mut redis, &argv);
            both(&mut redis, &["PFCOUNT".into(), key.into()]);
            both(&mut redis, &["GET".into(), key.into()]);
        }
        added = 0;
    }
    for argv in [
        &["PFCOUNT", "small", "medium", "large", "missing"][..],
        &["PFMERGE", "sparse", "small", "medium"],
        &["GET", "sparse"],
        &["PFMERGE", "dense", "small", "large"],
        &["GET", "dense"],
        &["PFCOUNT", "dense"],
        &["PFADD", "empty"],
        &["GET", "empty"],
        &["SET", "text", "not a sketch"],
        &["PFADD", "text", "x"],
        &["PFCOUNT", "small", "text"],
        &["SET", "corrupt", "HYLL\u{1}\0\0\0\0\0\0\0\0\0\0\0\u{7f}"],
        &["PFCOUNT", "corrupt"],
        &["PFADD", "corrupt", "x"],
    ] {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        both(&mut redis, &argv);
    }
}

/// LCS on longer strings than the fuzzer's: which subsequence among equal ones, and the
/// runs IDX lists, must be Redis's.
#[test]
fn lcs_matches_redis_on_random_strings() {
    let server = RedisServer::start();
    let mut redis = Server::connect(server.port);
    let cache = Cache::new();
    let mut rng = Rng(7);
    for _ in 0..60 {
        for key in ["x", "y"] {
            let len = rng.below(80);
            let text: String = (0..len).map(|_| ["a", "b", "c"][rng.below(3)]).collect();
            redis.call(&["SET", key, &text]);
            cache.execute(&["SET", key, &text]);
        }
        for argv in [
            &["LCS", "x", "y"][..],
            &["LCS", "x", "y", "LEN"],
            &["LCS", "x", "y", "IDX", "WITHMATCHLEN"],
            &["LCS", "x", "y", "IDX", "MINMATCHLEN", "3"],
        ] {
            assert_eq!(redis.call(argv), of_reply(&cache.execute(argv)), "{argv:?}");
        }
    }
}

/// Valid BITFIELD calls only (the fuzzer's are mostly refused): every type width, offsets
/// across byte boundaries, values around each type's limits, all three overflow rules; the
/// replies and the string left behind must be Redis's.
#[test]
fn bitfield_matches_redis_on_random_valid_operations() {
    let server = RedisServer::start();
    let mut redis = Server::connect(server.port);
    let cache = Cache::new();
    let mut rng = Rng(11);
    for round in 0..300 {
        let mut argv: Vec<String> = vec!["BITFIELD".into(), "bf".into()];
        for _ in 0..1 + rng.below(6) {
            let signed = rng.below(2) == 0;
            let bits = 1 + rng.below(if signed { 64 } else { 63 }) as u32;
            let ty = format!("{}{bits}", if signed { 'i' } else { 'u' });
            let offset = if rng.below(4) == 0 {
                format!("#{}", rng.below(10))
            } else {
                rng.below(200).to_string()
            };
            let edge = |rng: &mut Rng| -> String {
                let limit = if bits >= 63 {
                    i64::MAX
                } else {
                    1i64 << (bits - u32::from(signed))
                };
                match rng.below(6) {
                    0 => limit.to_string(),
                    1 => (limit - 1).to_string(),
                    2 => (-limit).to_string(),
                    3 => i64::MIN.to_string(),
                    4 => ((rng.next() % 1000) as i64 - 500).to_string(),
                    _ => (rng.next() as i64).to_string(),
                }
            };
            match rng.below(5) {
                0 => argv.extend(["GET".into(), ty, offset]),
                1 | 2 => argv.extend(["SET".into(), ty, offset, edge(&mut rng)]),
                3 => argv.extend(["INCRBY".into(), ty, offset, edge(&mut rng)]),
                _ => argv.extend([
                    "OVERFLOW".into(),
                    ["WRAP", "SAT", "FAIL"][rng.below(3)].into(),
                ]),
            }
        }
        assert_eq!(
            redis.call(&argv),
            of_reply(&cache.execute(&argv)),
            "{argv:?}"
        );
        assert_eq!(
            redis.call(&["GET", "bf"]),
            of_reply(&cache.execute(&["GET", "bf"])),
            "round {round}: {argv:?}"
        );
        let ro = ["BITFIELD_RO", "bf", "GET", "i64", "#0", "GET", "u13", "5"];
        assert_eq!(redis.call(&ro), of_reply(&cache.execute(&ro)));
        if rng.below(10) == 0 {
            redis.call(&["DEL", "bf"]);
            cache.execute(&["DEL", "bf"]);
        }
    }
}

/// SSCAN and HSCAN with members deleted and added between pages: every member present
/// throughout comes back exactly once, from Redis (whose dict moves nothing on delete)
/// and from the engine (whose slots never move), for small and large sets and hashes.
#[test]
fn scans_with_deletions_return_each_lasting_member_once_as_redis() {
    type Call<'a> = dyn FnMut(&[String]) -> Resp + 'a;
    fn walk(call: &mut Call, cmd: &str, hash: bool, churn: &[String]) -> Vec<Vec<u8>> {
        let (mut cursor, mut seen, mut step) = ("0".to_string(), Vec::new(), 0);
        loop {
            let argv = [
                cmd.to_string(),
                "k".into(),
                cursor.clone(),
                "COUNT".into(),
                "7".into(),
            ];
            let Resp::Array(reply) = call(&argv) else {
                panic!("{cmd} replies an array")
            };
            let (Resp::Bulk(next), Resp::Array(items)) = (&reply[0], &reply[1]) else {
                panic!("cursor and items")
            };
            // Members, or a hash's fields (every other item).
            for item in items.iter().step_by(if hash { 2 } else { 1 }) {
                let Resp::Bulk(m) = item else {
                    panic!("bulk items")
                };
                seen.push(m.clone());
            }
            // Between pages: delete two members, add one.
            if let Some(c) = churn.get(step) {
                call(&c.split(' ').map(String::from).collect::<Vec<_>>());
            }
            step += 1;
            cursor = String::from_utf8(next.clone()).unwrap();
            if cursor == "0" {
                return seen;
            }
        }
    }
    let server = RedisServer::start();
    let mut redis = Server::connect(server.port);
    let cache = Cache::new();
    for (n, cmd) in [
        (20, "SSCAN"),
        (300, "SSCAN"),
        (300, "HSCAN"),
        (1000, "HSCAN"),
        (300, "ZSCAN"),
    ] {
        let mut rng = Rng(n as u64 + cmd.len() as u64);
        // HSCAN and ZSCAN answer pairs: the member (or field) is the first of each.
        let hash = cmd != "SSCAN";
        let (add, del) = match cmd {
            "SSCAN" => ("SADD", "SREM"),
            "HSCAN" => ("HSET", "HDEL"),
            _ => ("ZADD", "ZREM"),
        };
        let mut fill = vec![add.to_string(), "k".into()];
        for i in 0..n {
            if cmd == "ZSCAN" {
                fill.push(i.to_string());
            }
            fill.push(format!("m{i}"));
            if cmd == "HSCAN" {
                fill.push("v".into());
            }
        }
        let mut churn = Vec::new();
        let mut gone = std::collections::BTreeSet::new();
        for j in 0..200 {
            let (a, b) = (rng.below(n), rng.below(n));
            gone.extend([a, b]);
            let extra = match cmd {
                "SSCAN" => format!("{add} k new{j}"),
                "HSCAN" => format!("{add} k new{j} v"),
                _ => format!("{add} k {j} new{j}"),
            };
            churn.push(format!("{del} k m{a} m{b}"));
            churn.push(extra);
        }
        let lasting: Vec<Vec<u8>> = (0..n)
            .filter(|i| !gone.contains(i))
            .map(|i| format!("m{i}").into_bytes())
            .collect();
        let sides: [(&str, &mut Call); 2] = [
            ("redis", &mut |a: &[String]| redis.call(a)),
            ("ferricache", &mut |a: &[String]| {
                of_reply(&cache.execute(a))
            }),
        ];
        for (side, call) in sides {
            call(&["DEL".into(), "k".into()]);
            call(&fill);
            let seen = walk(call, cmd, hash, &churn);
            for m in &lasting {
                let times = seen.iter().filter(|s| *s == m).count();
                assert_eq!(
                    times,
                    1,
                    "{side} {cmd} of {n}: {} came back {times} times",
                    String::from_utf8_lossy(m)
                );
            }
        }
    }
}

/// A key's type and contents, read through `call`, in a canonical order.
fn key_contents(call: &mut dyn FnMut(&[&str]) -> Resp, key: &str) -> (Resp, Resp) {
    let t = call(&["TYPE", key]);
    let read: &[&str] = match &t {
        Resp::Line(l) if l == b"+string" => &["GET"],
        Resp::Line(l) if l == b"+list" => &["LRANGE", "0", "-1"],
        Resp::Line(l) if l == b"+set" => &["SMEMBERS"],
        Resp::Line(l) if l == b"+hash" => &["HGETALL"],
        Resp::Line(l) if l == b"+zset" => &["ZRANGE", "0", "-1", "WITHSCORES"],
        _ => return (t, Resp::Nil),
    };
    let mut argv = vec![read[0], key];
    argv.extend(&read[1..]);
    let mut contents = canonical(read[0], call(&argv));
    // Scores as numbers: Valkey 9 prints them with 17 digits where Redis 7 prints the
    // shortest form that reads back the same.
    if let (Resp::Array(items), true) = (&mut contents, read[0] == "ZRANGE") {
        for score in items.iter_mut().skip(1).step_by(2) {
            if let Resp::Bulk(b) = score {
                if let Some(x) = std::str::from_utf8(b)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                {
                    *b = x.to_string().into_bytes();
                }
            }
        }
    }
    (t, contents)
}

/// DUMP on redis-server, RESTORE here, and the other way round, for every type in every
/// encoding Redis 7.0 picks (integer, raw and LZF strings; listpack and quicklist lists;
/// intsets and hash-table sets; listpack and hash-table hashes; listpack and skiplist
/// sorted sets; a HyperLogLog), with TTLs; and RESTORE's errors, compared with Redis's.
#[test]
fn dump_and_restore_move_keys_between_redis_and_the_engine() {
    let server = RedisServer::start();
    let mut redis = Server::connect(server.port);
    let cache = Cache::new();
    let long = "a".repeat(200);
    let binary: String = (0..300)
        .map(|i| char::from(b'!' + (i * 7 % 90) as u8))
        .collect();
    let mut setup: Vec<Vec<String>> = vec![
        vec!["SET".into(), "s:text".into(), "hello".into()],
        vec!["SET".into(), "s:int".into(), "12345".into()],
        vec!["SET".into(), "s:neg".into(), "-7".into()],
        vec!["SET".into(), "s:big".into(), "9223372036854775807".into()],
        vec!["SET".into(), "s:lzf".into(), long.clone()],
        vec!["SET".into(), "s:bin".into(), binary.clone()],
        vec!["SET".into(), "s:empty".into(), "".into()],
        vec![
            "RPUSH".into(),
            "l:small".into(),
            "a".into(),
            "1".into(),
            "-3000".into(),
            "100000".into(),
            "9000000000".into(),
            long.clone(),
        ],
        vec![
            "PFADD".into(),
            "hll".into(),
            "a".into(),
            "b".into(),
            "c".into(),
        ],
        vec![
            "SADD".into(),
            "set:ints".into(),
            "1".into(),
            "-2".into(),
            "300".into(),
            "70000".into(),
            "5000000000".into(),
        ],
        vec![
            "SADD".into(),
            "set:small".into(),
            "x".into(),
            "y".into(),
            "1".into(),
        ],
        vec![
            "HSET".into(),
            "h:small".into(),
            "f".into(),
            "v".into(),
            "n".into(),
            "12".into(),
        ],
        vec![
            "ZADD".into(),
            "z:small".into(),
            "1".into(),
            "a".into(),
            "-2.5".into(),
            "b".into(),
            "inf".into(),
            "c".into(),
            "-inf".into(),
            "10".into(),
        ],
    ];
    let mut big_list = vec!["RPUSH".to_string(), "l:big".into()];
    let mut big_set = vec!["SADD".to_string(), "set:big".into()];
    let mut big_hash = vec!["HSET".to_string(), "h:big".into()];
    let mut big_zset = vec!["ZADD".to_string(), "z:big".into()];
    for i in 0..1000 {
        big_list.push(format!("element-{i}"));
        big_set.push(format!("member-{i}"));
        big_hash.extend([format!("field-{i}"), format!("value-{}", i * 31)]);
        big_zset.extend([format!("{}", f64::from(i) / 3.0), format!("m{i}")]);
    }
    setup.extend([big_list, big_set, big_hash, big_zset]);
    let keys: Vec<String> = setup.iter().map(|c| c[1].clone()).collect();
    for cmd in &setup {
        redis.call(cmd);
    }
    // Redis's payloads, restored here.
    for key in &keys {
        let Resp::Bulk(payload) = redis.call(&["DUMP", key]) else {
            panic!("DUMP {key}")
        };
        let payload = ferricache::Bytes::from(payload);
        let r = cache.execute(&[&b"RESTORE"[..], key.as_bytes(), b"0", &payload]);
        assert_eq!(r, ferricache::Reply::OK, "RESTORE of Redis's {key}");
        let theirs = key_contents(&mut |a| redis.call(a), key);
        let ours = key_contents(&mut |a| of_reply(&cache.execute(a)), key);
        assert_eq!(ours, theirs, "{key} restored from Redis's DUMP");
    }
    // The engine's payloads, restored on Redis under new names.
    for key in &keys {
        let payload = cache.dump(key).unwrap().unwrap();
        let copy = format!("copy:{key}");
        let argv: [&[u8]; 4] = [b"RESTORE", copy.as_bytes(), b"0", &payload];
        assert_eq!(
            redis.call(&argv),
            Resp::Line(b"+OK".to_vec()),
            "RESTORE on Redis of {key}"
        );
        let theirs = key_contents(&mut |a| redis.call(a), &copy);
        let ours = key_contents(&mut |a| of_reply(&cache.execute(a)), key);
        assert_eq!(
            theirs, ours,
            "{key} restored on Redis from the engine's DUMP"
        );
    }
    // TTLs, relative and absolute; an absolute one already past creates nothing.
    let payload = cache.dump("s:text").unwrap().unwrap();
    let far = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 100_000)
        .to_string();
    let errors: Vec<Vec<&[u8]>> = vec![
        vec![b"RESTORE", b"t1", b"50000", &payload],
        vec![b"PTTL", b"t1"],
        vec![b"RESTORE", b"t2", far.as_bytes(), &payload, b"ABSTTL"],
        vec![b"RESTORE", b"t3", b"1", &payload, b"ABSTTL"],
        vec![b"EXISTS", b"t3"],
        vec![b"RESTORE", b"t1", b"0", &payload],
        vec![b"RESTORE", b"t1", b"x", &payload],
        vec![b"RESTORE", b"new", b"-1", &payload],
        vec![b"RESTORE", b"new", b"0", b"not a payload"],
        vec![b"RESTORE", b"new", b"0", &payload[..payload.len() - 1]],
        vec![b"RESTORE", b"new", b"0", &payload, b"IDLETIME", b"-1"],
        vec![b"RESTORE", b"new", b"0", &payload, b"FREQ", b"256"],
        vec![
            b"RESTORE",
            b"new",
            b"0",
            &payload,
            b"IDLETIME",
            b"1",
            b"FREQ",
            b"1",
        ],
        vec![b"RESTORE", b"new", b"0", &payload, b"BOGUS"],
        vec![
            b"RESTORE",
            b"t1",
            b"0",
            &payload,
            b"REPLACE",
            b"IDLETIME",
            b"10",
        ],
        vec![b"RESTORE", b"t1", b"1", &payload, b"REPLACE", b"ABSTTL"],
        vec![b"EXISTS", b"t1"],
        vec![b"DUMP", b"missing"],
    ];
    for argv in &errors {
        let theirs = redis.call(argv);
        let ours = of_reply(&cache.execute(argv));
        let shown: Vec<String> = argv
            .iter()
            .take(3)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if argv[0] == b"PTTL" {
            assert!(
                matches!((&theirs, &ours), (Resp::Line(a), Resp::Line(b)) if a.len() >= 5 && b.len() >= 5),
                "{shown:?}"
            );
        } else {
            assert_eq!(ours, theirs, "{shown:?}");
        }
    }
    // A corrupted byte fails the checksum on both.
    let mut bad = payload.to_vec();
    bad[2] ^= 1;
    let argv: [&[u8]; 4] = [b"RESTORE", b"crc", b"0", &bad];
    assert_eq!(of_reply(&cache.execute(&argv)), redis.call(&argv));
}

/// Every key of databases 0 to 2 with its type, contents and whether it has a TTL.
fn all_contents(call: &mut dyn FnMut(&[&str]) -> Resp) -> Vec<(String, (Resp, Resp), Resp)> {
    let mut out = Vec::new();
    for db in ["0", "1", "2"] {
        call(&["SELECT", db]);
        let Resp::Array(keys) = call(&["KEYS", "*"]) else {
            panic!("KEYS")
        };
        let mut keys: Vec<String> = keys
            .into_iter()
            .map(|k| match k {
                Resp::Bulk(b) => String::from_utf8(b).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        keys.sort();
        for k in keys {
            let ttl = match call(&["PTTL", &k]) {
                Resp::Line(l) if l.starts_with(b":-") => Resp::Line(l),
                _ => Resp::Line(b":ttl".to_vec()),
            };
            out.push((format!("db{db} {k}"), key_contents(call, &k), ttl));
        }
    }
    call(&["SELECT", "0"]);
    out
}

/// SAVE here, then redis-check-rdb and redis-server load the file and hold the same keys;
/// then redis-server SAVEs (in its own encodings: listpacks, quicklists, intsets, LZF)
/// and a new engine loads that file and holds them too.
#[test]
fn snapshots_move_between_redis_and_the_engine() {
    let dir = std::env::temp_dir().join(format!("ferricache-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ours_path = dir.join("ours.rdb");
    let cache = Cache::builder().snapshot_path(&ours_path).build().unwrap();
    let mut client = cache.client();
    let long = "x".repeat(300);
    let mut fill: Vec<Vec<String>> = vec![
        vec!["SET".into(), "s".into(), "hello".into()],
        vec!["SET".into(), "n".into(), "-42".into()],
        vec!["SET".into(), "long".into(), long.clone()],
        vec![
            "SET".into(),
            "ttl".into(),
            "v".into(),
            "EX".into(),
            "1000".into(),
        ],
        vec![
            "RPUSH".into(),
            "l".into(),
            "a".into(),
            "7".into(),
            long.clone(),
        ],
        vec![
            "SADD".into(),
            "si".into(),
            "1".into(),
            "2".into(),
            "-3".into(),
        ],
        vec!["SADD".into(), "ss".into(), "a".into(), "b".into()],
        vec![
            "HSET".into(),
            "h".into(),
            "f".into(),
            "1".into(),
            "g".into(),
            long.clone(),
        ],
        vec![
            "ZADD".into(),
            "z".into(),
            "1.5".into(),
            "a".into(),
            "-inf".into(),
            "b".into(),
        ],
        vec!["PFADD".into(), "hll".into(), "x".into(), "y".into()],
        vec!["SELECT".into(), "1".into()],
        vec!["SET".into(), "s".into(), "in db 1".into()],
        vec!["HSET".into(), "h1".into(), "f".into(), "v".into()],
        vec!["SELECT".into(), "2".into()],
        vec!["RPUSH".into(), "l2".into(), "q".into()],
        vec!["PEXPIRE".into(), "l2".into(), "500000".into()],
        vec!["SELECT".into(), "0".into()],
    ];
    let mut big = vec!["ZADD".to_string(), "zbig".into()];
    let mut bigl = vec!["RPUSH".to_string(), "lbig".into()];
    for i in 0..500 {
        big.extend([i.to_string(), format!("m{i}")]);
        bigl.push(format!("e{i}"));
    }
    fill.extend([big, bigl]);
    for cmd in &fill {
        client.execute(cmd);
    }
    cache.save().unwrap();
    let check = std::process::Command::new("redis-check-rdb")
        .arg(&ours_path)
        .output()
        .expect("redis-check-rdb (Debian's redis-tools, which the test command installs)");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success() && report.contains("RDB looks OK"),
        "{report}"
    );
    // redis-server loads the engine's file when it starts.
    let mut loaded = RedisServer::start_with(&["--dbfilename", "ours.rdb"]);
    std::fs::copy(&ours_path, loaded.dir().join("ours.rdb")).unwrap();
    loaded.restart();
    let mut redis = Server::connect(loaded.port);
    let ours = all_contents(&mut |a| of_reply(&client.execute(a)));
    let theirs = all_contents(&mut |a| redis.call(a));
    assert_eq!(theirs.len(), ours.len(), "{theirs:?}");
    assert_eq!(theirs, ours);
    // Redis's own file (SAVE writes it in Redis's encodings) loads in a new engine.
    redis.call(&["SET", "added-by-redis", "1"]);
    assert_eq!(redis.call(&["SAVE"]), Resp::Line(b"+OK".to_vec()));
    let reloaded = Cache::builder()
        .snapshot_path(loaded.dir().join("ours.rdb"))
        .build()
        .unwrap();
    let mut again = reloaded.client();
    let theirs = all_contents(&mut |a| redis.call(a));
    let ours = all_contents(&mut |a| of_reply(&again.execute(a)));
    assert_eq!(ours, theirs);
    assert!(ours.iter().any(|(k, ..)| k == "db0 added-by-redis"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Redis 7.0 file holding streams (with a consumer group, a consumer and pending
/// entries) and a function library: refused by name, or, with `snapshot_lenient`, read
/// past and counted while every other key loads.
#[test]
fn a_lenient_load_skips_redis_streams_and_functions() {
    let server = RedisServer::start_with(&["--dbfilename", "mixed.rdb"]);
    let mut redis = Server::connect(server.port);
    for i in 0..40 {
        redis.call(&["SET", &format!("s{i}"), &format!("v{i}")]);
    }
    redis.call(&["HSET", "h", "f", "v"]);
    for stream in ["st", "st2"] {
        for i in 0..3 {
            redis.call(&["XADD", stream, "*", "field", &i.to_string()]);
        }
    }
    redis.call(&["XGROUP", "CREATE", "st", "g", "0"]);
    redis.call(&[
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "COUNT",
        "2",
        "STREAMS",
        "st",
        ">",
    ]);
    let loaded = redis.call(&[
        "FUNCTION",
        "LOAD",
        "#!lua name=lib\nredis.register_function('f', function() return 1 end)",
    ]);
    assert_eq!(loaded, Resp::Bulk(b"lib".to_vec()), "{loaded:?}");
    assert_eq!(redis.call(&["SAVE"]), Resp::Line(b"+OK".to_vec()));
    let path = server.dir().join("mixed.rdb");

    let strict = Cache::builder().snapshot_path(&path).build();
    let Err(e) = strict else {
        panic!("a strict load refuses streams")
    };
    let e = e.to_string();
    assert!(e.contains("stream") || e.contains("function"), "{e}");

    let c = Cache::builder()
        .snapshot_path(&path)
        .snapshot_lenient(true)
        .build()
        .unwrap();
    assert_eq!(c.dbsize().unwrap(), 41, "every key but the two streams");
    for i in 0..40 {
        assert_eq!(c.get(format!("s{i}")).unwrap().unwrap(), format!("v{i}"));
    }
    assert_eq!(c.hget("h", "f").unwrap().unwrap(), "v");
    let skipped = c.load_skipped();
    assert_eq!(
        (skipped.streams, skipped.modules, skipped.functions),
        (2, 0, 1)
    );
    let info = format!(
        "{:?}",
        of_reply(&c.client().execute(&["INFO", "persistence"]))
    );
    assert!(info.contains("rdb_load_skipped_streams:2"), "{info}");
    assert!(info.contains("rdb_load_skipped_functions:1"), "{info}");
}
