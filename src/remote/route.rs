//! Which commands a near cache answers from its copies, which go to the server, and
//! which it refuses.

/// How one command runs in near-cache mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A read answered from local copies of the keys it names (fetched when missing):
    /// the key after the name (`One`) or every argument after it (`All`).
    ReadOne,
    ReadAll,
    /// Answered by the local engine alone (it describes the engine: INFO, CONFIG, ECHO).
    Engine,
    /// A read the server answers (it varies with time or chance, or spans the keyspace);
    /// it changes nothing, so no copy is dropped.
    ServerRead,
    /// Sent to the server; on success, local copies of every key it may name are dropped
    /// before the call returns.
    Server,
    /// FLUSHALL / FLUSHDB: on the server, then every local copy dropped.
    Flush,
    /// A blocking command: on a connection of its own, with its timeout on top.
    Blocking,
    /// Not offered in near-cache mode (they change the connection's state, or, as SWAPDB,
    /// other processes' copies without telling them).
    Refused,
}

/// Reads whose answer a local copy gives exactly. Time-varying or random reads (TTL, PTTL,
/// EXPIRETIME, RANDOMKEY, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SCAN) are in SERVER_READ.
const READ_ONE: &[&str] = &[
    "bitcount",
    "bitfield_ro",
    "bitpos",
    "get",
    "getbit",
    "getrange",
    "hexists",
    "hget",
    "hgetall",
    "hkeys",
    "hlen",
    "hmget",
    "hstrlen",
    "hvals",
    "lindex",
    "llen",
    "lpos",
    "lrange",
    "scard",
    "sismember",
    "smembers",
    "smismember",
    "strlen",
    "substr",
    "type",
    "zcard",
    "zcount",
    "zlexcount",
    "zmscore",
    "zrange",
    "zrangebylex",
    "zrangebyscore",
    "zrank",
    "zrevrange",
    "zrevrangebylex",
    "zrevrangebyscore",
    "zrevrank",
    "zscore",
];

const READ_ALL: &[&str] = &["exists", "mget", "sdiff", "sinter", "sunion"];

const SERVER_READ: &[&str] = &[
    "dbsize",
    // The server's own serialization of its value (and its object, not a copy).
    "dump",
    "expiretime",
    "hrandfield",
    "hscan",
    "keys",
    "pexpiretime",
    "pttl",
    "pubsub",
    "randomkey",
    "scan",
    "sintercard",
    "srandmember",
    "sscan",
    "ttl",
    "zrandmember",
    "zscan",
];

const ENGINE: &[&str] = &["config", "echo", "info"];

const BLOCKING: &[&str] = &[
    "blmove",
    "blpop",
    "brpop",
    "brpoplpush",
    "bzpopmax",
    "bzpopmin",
];

const REFUSED: &[&str] = &[
    "auth",
    "client",
    "discard",
    "exec",
    "hello",
    "monitor",
    "multi",
    "psubscribe",
    "psync",
    "punsubscribe",
    "quit",
    "reset",
    "select",
    "subscribe",
    // Servers send no invalidations for a swap: other processes' copies would go stale.
    "swapdb",
    "sync",
    "unsubscribe",
    "unwatch",
    "wait",
    "watch",
];

/// Which server node a command goes to, in a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// The node serving the key at this argv position.
    Key(usize),
    /// Any node (keyless: PING, PUBLISH, INFO, ...).
    Any,
    /// Every master (keyspace-wide: FLUSHALL, DBSIZE, KEYS, SCAN).
    All,
}

/// Keyspace-wide commands, sent to every master of a cluster.
const EVERY_NODE: &[&str] = &["dbsize", "flushall", "flushdb", "keys", "scan"];

/// Keyless commands.
const ANY_NODE: &[&str] = &[
    "cluster",
    "command",
    "config",
    "echo",
    "info",
    "ping",
    "publish",
    "pubsub",
    "randomkey",
    "script",
    "time",
];

/// Where a command's first key is, for routing it in a cluster.
pub(crate) fn target(argv: &[&[u8]]) -> Target {
    let name = String::from_utf8_lossy(argv[0]).to_ascii_lowercase();
    let numkeys_at = |i: usize| match argv.get(i).and_then(|n| std::str::from_utf8(n).ok()) {
        Some(n) if n.parse::<u64>().is_ok_and(|n| n > 0) && argv.len() > i + 1 => {
            Target::Key(i + 1)
        }
        _ => Target::Any,
    };
    match name.as_str() {
        n if EVERY_NODE.contains(&n) => Target::All,
        n if ANY_NODE.contains(&n) => Target::Any,
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" => numkeys_at(2),
        "sintercard" | "zintercard" | "zunion" | "zinter" | "zdiff" | "lmpop" | "zmpop" => {
            numkeys_at(1)
        }
        "blmpop" | "bzmpop" => numkeys_at(2),
        "object" | "memory" if argv.len() > 2 => Target::Key(2),
        _ if argv.len() > 1 => Target::Key(1),
        _ => Target::Any,
    }
}

/// The route of command `name` (any case).
pub(crate) fn route(name: &[u8]) -> Route {
    let mut buf = [0u8; 24];
    let Some(lower) = buf.get_mut(..name.len()) else {
        return Route::Server;
    };
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let Ok(lower) = std::str::from_utf8(lower) else {
        return Route::Server;
    };
    let is = |list: &[&str]| list.binary_search(&lower).is_ok();
    if is(READ_ONE) {
        Route::ReadOne
    } else if is(READ_ALL) {
        Route::ReadAll
    } else if is(ENGINE) {
        Route::Engine
    } else if is(SERVER_READ) {
        Route::ServerRead
    } else if is(BLOCKING) {
        Route::Blocking
    } else if is(REFUSED) {
        Route::Refused
    } else if lower == "flushall" || lower == "flushdb" {
        Route::Flush
    } else {
        Route::Server
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_are_sorted_for_binary_search() {
        for list in [READ_ONE, READ_ALL, ENGINE, SERVER_READ, BLOCKING, REFUSED] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn routes() {
        assert_eq!(route(b"GET"), Route::ReadOne);
        assert_eq!(route(b"mget"), Route::ReadAll);
        assert_eq!(route(b"TTL"), Route::ServerRead);
        assert_eq!(route(b"SINTER"), Route::ReadAll);
        assert_eq!(route(b"SRANDMEMBER"), Route::ServerRead);
        assert_eq!(route(b"set"), Route::Server);
        assert_eq!(route(b"BLPOP"), Route::Blocking);
        assert_eq!(route(b"MULTI"), Route::Refused);
        assert_eq!(route(b"FlushDB"), Route::Flush);
    }

    #[test]
    fn targets() {
        let t = |argv: &[&str]| target(&argv.iter().map(|a| a.as_bytes()).collect::<Vec<_>>());
        assert_eq!(t(&["GET", "k"]), Target::Key(1));
        assert_eq!(t(&["EVAL", "s", "1", "k", "a"]), Target::Key(3));
        assert_eq!(t(&["EVAL", "s", "0"]), Target::Any);
        assert_eq!(t(&["SINTERCARD", "2", "a", "b"]), Target::Key(2));
        assert_eq!(t(&["BLMPOP", "0", "1", "q", "LEFT"]), Target::Key(3));
        assert_eq!(t(&["OBJECT", "ENCODING", "k"]), Target::Key(2));
        assert_eq!(t(&["scan", "0"]), Target::All);
        assert_eq!(t(&["PUBLISH", "ch", "m"]), Target::Any);
        assert_eq!(t(&["PING"]), Target::Any);
    }
}
