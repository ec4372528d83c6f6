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
    /// Not offered in near-cache mode (they change the connection's state).
    Refused,
}

/// Reads whose answer a local copy gives exactly. Time-varying or random reads (TTL, PTTL,
/// EXPIRETIME, RANDOMKEY, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, SCAN) are in SERVER_READ.
const READ_ONE: &[&str] = &[
    "get",
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
    "sync",
    "unsubscribe",
    "unwatch",
    "wait",
    "watch",
];

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
}
