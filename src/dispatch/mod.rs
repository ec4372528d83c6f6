//! The command dispatcher: Redis argv in, a [`Reply`] out.
//!
//! A thin layer over the typed API with no logic of its own: it looks the command up
//! (case-insensitively), checks its arity as Redis does, parses the arguments with Redis's
//! error texts, calls the [`Cache`] method and shapes the result. It serves the C ABI, the
//! bindings' `execute_command` / `sendCommand`, and any later protocol front end.

pub(crate) mod args;
mod bitmaps;
mod hashes;
mod hll;
mod introspect;
mod keys;
mod lists;
mod reply;
mod server;
mod sets;
mod strings;
mod zsets;

pub use reply::Reply;
pub(crate) use server::db_index;

use crate::error::{Error, Result};
use crate::Cache;

type Handler = fn(&Cache, &[&[u8]]) -> Result<Reply>;

/// One command: its lowercase name, Redis's arity (the argument count with the name; a
/// negative arity `-n` means at least `n`), and the handler, which receives the
/// arguments after the name.
struct Spec {
    name: &'static str,
    arity: i32,
    run: Handler,
}

impl Spec {
    const fn new(name: &'static str, arity: i32, run: Handler) -> Spec {
        Spec { name, arity, run }
    }

    fn arity_ok(&self, argc: usize) -> bool {
        let n = self.arity.unsigned_abs() as usize;
        if self.arity < 0 {
            argc >= n
        } else {
            argc == n
        }
    }
}

/// Every command, sorted by name for binary search.
static COMMANDS: &[Spec] = &[
    Spec::new("append", 3, strings::append),
    Spec::new("bgsave", -1, server::bgsave),
    Spec::new("bitcount", -2, bitmaps::bitcount),
    Spec::new("bitfield", -2, bitmaps::bitfield),
    Spec::new("bitfield_ro", -2, bitmaps::bitfield_ro),
    Spec::new("bitop", -4, bitmaps::bitop),
    Spec::new("bitpos", -3, bitmaps::bitpos),
    Spec::new("blmove", 6, lists::blmove),
    Spec::new("blmpop", -5, lists::blmpop),
    Spec::new("blpop", -3, lists::blpop),
    Spec::new("brpop", -3, lists::brpop),
    Spec::new("brpoplpush", 4, lists::brpoplpush),
    Spec::new("bzmpop", -5, zsets::bzmpop),
    Spec::new("bzpopmax", -3, zsets::bzpopmax),
    Spec::new("bzpopmin", -3, zsets::bzpopmin),
    Spec::new("command", -1, introspect::command),
    Spec::new("config", -2, server::config),
    Spec::new("copy", -3, keys::copy),
    Spec::new("dbsize", 1, server::dbsize),
    Spec::new("decr", 2, strings::decr),
    Spec::new("decrby", 3, strings::decrby),
    Spec::new("del", -2, keys::del),
    Spec::new("dump", 2, keys::dump),
    Spec::new("echo", 2, server::echo),
    Spec::new("exists", -2, keys::exists),
    Spec::new("expire", -3, keys::expire),
    Spec::new("expireat", -3, keys::expireat),
    Spec::new("expiretime", 2, keys::expiretime),
    Spec::new("flushall", -1, server::flushall),
    Spec::new("flushdb", -1, server::flushdb),
    Spec::new("get", 2, strings::get),
    Spec::new("getbit", 3, bitmaps::getbit),
    Spec::new("getdel", 2, strings::getdel),
    Spec::new("getex", -2, strings::getex),
    Spec::new("getrange", 4, strings::getrange),
    Spec::new("getset", 3, strings::getset),
    Spec::new("hdel", -3, hashes::hdel),
    Spec::new("hexists", 3, hashes::hexists),
    Spec::new("hget", 3, hashes::hget),
    Spec::new("hgetall", 2, hashes::hgetall),
    Spec::new("hincrby", 4, hashes::hincrby),
    Spec::new("hincrbyfloat", 4, hashes::hincrbyfloat),
    Spec::new("hkeys", 2, hashes::hkeys),
    Spec::new("hlen", 2, hashes::hlen),
    Spec::new("hmget", -3, hashes::hmget),
    Spec::new("hmset", -4, hashes::hmset),
    Spec::new("hrandfield", -2, hashes::hrandfield),
    Spec::new("hscan", -3, hashes::hscan),
    Spec::new("hset", -4, hashes::hset),
    Spec::new("hsetnx", 4, hashes::hsetnx),
    Spec::new("hstrlen", 3, hashes::hstrlen),
    Spec::new("hvals", 2, hashes::hvals),
    Spec::new("incr", 2, strings::incr),
    Spec::new("incrby", 3, strings::incrby),
    Spec::new("incrbyfloat", 3, strings::incrbyfloat),
    Spec::new("info", -1, server::info),
    Spec::new("keys", 2, keys::keys),
    Spec::new("lastsave", 1, server::lastsave),
    Spec::new("lcs", -3, strings::lcs),
    Spec::new("lindex", 3, lists::lindex),
    Spec::new("linsert", 5, lists::linsert),
    Spec::new("llen", 2, lists::llen),
    Spec::new("lmove", 5, lists::lmove),
    Spec::new("lmpop", -4, lists::lmpop),
    Spec::new("lpop", -2, lists::lpop),
    Spec::new("lpos", -3, lists::lpos),
    Spec::new("lpush", -3, lists::lpush),
    Spec::new("lpushx", -3, lists::lpushx),
    Spec::new("lrange", 4, lists::lrange),
    Spec::new("lrem", 4, lists::lrem),
    Spec::new("lset", 4, lists::lset),
    Spec::new("ltrim", 4, lists::ltrim),
    Spec::new("memory", -2, introspect::memory),
    Spec::new("mget", -2, strings::mget),
    Spec::new("move", 3, keys::move_key),
    Spec::new("mset", -3, strings::mset),
    Spec::new("msetnx", -3, strings::msetnx),
    Spec::new("object", -2, introspect::object),
    Spec::new("persist", 2, keys::persist),
    Spec::new("pexpire", -3, keys::pexpire),
    Spec::new("pexpireat", -3, keys::pexpireat),
    Spec::new("pexpiretime", 2, keys::pexpiretime),
    Spec::new("pfadd", -2, hll::pfadd),
    Spec::new("pfcount", -2, hll::pfcount),
    Spec::new("pfmerge", -2, hll::pfmerge),
    Spec::new("ping", -1, server::ping),
    Spec::new("psetex", 4, strings::psetex),
    Spec::new("pttl", 2, keys::pttl),
    Spec::new("publish", 3, server::publish),
    Spec::new("pubsub", -2, server::pubsub),
    Spec::new("randomkey", 1, keys::randomkey),
    Spec::new("rename", 3, keys::rename),
    Spec::new("renamenx", 3, keys::renamenx),
    Spec::new("restore", -4, keys::restore),
    Spec::new("rpop", -2, lists::rpop),
    Spec::new("rpoplpush", 3, lists::rpoplpush),
    Spec::new("rpush", -3, lists::rpush),
    Spec::new("rpushx", -3, lists::rpushx),
    Spec::new("sadd", -3, sets::sadd),
    Spec::new("save", 1, server::save),
    Spec::new("scan", -2, keys::scan),
    Spec::new("scard", 2, sets::scard),
    Spec::new("sdiff", -2, sets::sdiff),
    Spec::new("sdiffstore", -3, sets::sdiffstore),
    Spec::new("select", 2, server::select),
    Spec::new("set", -3, strings::set),
    Spec::new("setbit", 4, bitmaps::setbit),
    Spec::new("setex", 4, strings::setex),
    Spec::new("setnx", 3, strings::setnx),
    Spec::new("setrange", 4, strings::setrange),
    Spec::new("sinter", -2, sets::sinter),
    Spec::new("sintercard", -3, sets::sintercard),
    Spec::new("sinterstore", -3, sets::sinterstore),
    Spec::new("sismember", 3, sets::sismember),
    Spec::new("smembers", 2, sets::smembers),
    Spec::new("smismember", -3, sets::smismember),
    Spec::new("smove", 4, sets::smove),
    Spec::new("sort", -2, keys::sort),
    Spec::new("sort_ro", -2, keys::sort_ro),
    Spec::new("spop", -2, sets::spop),
    Spec::new("srandmember", -2, sets::srandmember),
    Spec::new("srem", -3, sets::srem),
    Spec::new("sscan", -3, sets::sscan),
    Spec::new("strlen", 2, strings::strlen),
    Spec::new("substr", 4, strings::getrange),
    Spec::new("sunion", -2, sets::sunion),
    Spec::new("sunionstore", -3, sets::sunionstore),
    Spec::new("swapdb", 3, server::swapdb),
    Spec::new("time", 1, server::time),
    Spec::new("touch", -2, keys::touch),
    Spec::new("ttl", 2, keys::ttl),
    Spec::new("type", 2, keys::type_),
    Spec::new("unlink", -2, keys::unlink),
    Spec::new("zadd", -4, zsets::zadd),
    Spec::new("zcard", 2, zsets::zcard),
    Spec::new("zcount", 4, zsets::zcount),
    Spec::new("zdiff", -3, zsets::zdiff),
    Spec::new("zdiffstore", -4, zsets::zdiffstore),
    Spec::new("zincrby", 4, zsets::zincrby),
    Spec::new("zinter", -3, zsets::zinter),
    Spec::new("zintercard", -3, zsets::zintercard),
    Spec::new("zinterstore", -4, zsets::zinterstore),
    Spec::new("zlexcount", 4, zsets::zlexcount),
    Spec::new("zmpop", -4, zsets::zmpop),
    Spec::new("zmscore", -3, zsets::zmscore),
    Spec::new("zpopmax", -2, zsets::zpopmax),
    Spec::new("zpopmin", -2, zsets::zpopmin),
    Spec::new("zrandmember", -2, zsets::zrandmember),
    Spec::new("zrange", -4, zsets::zrange),
    Spec::new("zrangebylex", -4, zsets::zrangebylex),
    Spec::new("zrangebyscore", -4, zsets::zrangebyscore),
    Spec::new("zrangestore", -5, zsets::zrangestore),
    Spec::new("zrank", -3, zsets::zrank),
    Spec::new("zrem", -3, zsets::zrem),
    Spec::new("zremrangebylex", 4, zsets::zremrangebylex),
    Spec::new("zremrangebyrank", 4, zsets::zremrangebyrank),
    Spec::new("zremrangebyscore", 4, zsets::zremrangebyscore),
    Spec::new("zrevrange", -4, zsets::zrevrange),
    Spec::new("zrevrangebylex", -4, zsets::zrevrangebylex),
    Spec::new("zrevrangebyscore", -4, zsets::zrevrangebyscore),
    Spec::new("zrevrank", -3, zsets::zrevrank),
    Spec::new("zscan", -3, zsets::zscan),
    Spec::new("zscore", 3, zsets::zscore),
    Spec::new("zunion", -3, zsets::zunion),
    Spec::new("zunionstore", -4, zsets::zunionstore),
];

/// Commands that need a connection of their own, with where to go instead.
const ELSEWHERE: &[(&str, &str)] = &[
    ("subscribe", "Cache::subscriber"),
    ("psubscribe", "Cache::subscriber"),
    ("unsubscribe", "Cache::subscriber"),
    ("punsubscribe", "Cache::subscriber"),
    ("multi", "Cache::client"),
    ("exec", "Cache::client"),
    ("discard", "Cache::client"),
    ("watch", "Cache::client"),
    ("unwatch", "Cache::client"),
];

/// The names of the commands [`Cache::execute`] knows, lowercase and sorted.
///
/// ```
/// assert!(ferricache::command_names().any(|n| n == "zadd"));
/// ```
pub fn command_names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|s| s.name)
}

fn lookup(name: &[u8]) -> Option<&'static Spec> {
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let lower = &*lower;
    COMMANDS
        .binary_search_by(|s| s.name.as_bytes().cmp(lower))
        .ok()
        .map(|i| &COMMANDS[i])
}

/// Redis's reply to an unknown command: its name and the start of its arguments.
fn unknown(argv: &[&[u8]]) -> Error {
    let name = String::from_utf8_lossy(argv[0]);
    let lower = name.to_ascii_lowercase();
    if let Some((_, instead)) = ELSEWHERE.iter().find(|(n, _)| *n == lower) {
        return Error::Command(format!(
            "'{lower}' is not available through execute: use {instead}"
        ));
    }
    let mut msg = format!("unknown command '{name}', with args beginning with: ");
    for arg in &argv[1..] {
        let arg = String::from_utf8_lossy(arg);
        let cut: String = arg.chars().take(128).collect();
        msg.push_str(&format!("'{cut}' "));
    }
    Error::Command(msg)
}

impl Cache {
    /// Runs one command given as Redis argv (`["ZADD", "lb", "50", "alice"]`): names are
    /// case-insensitive and arguments binary-safe. Errors (WRONGTYPE, syntax, arity,
    /// unknown command) come back as [`Reply::Error`] with Redis's text, never as a panic.
    ///
    /// Blocking commands (BLPOP, BZPOPMIN, ...) block the calling thread. SUBSCRIBE and
    /// MULTI need a connection of their own: use [`Cache::subscriber`] and
    /// [`Cache::client`].
    ///
    /// ```
    /// use ferricache::{Cache, Reply};
    ///
    /// let cache = Cache::new();
    /// assert_eq!(cache.execute(&["SET", "greeting", "hello"]), Reply::OK);
    /// assert_eq!(cache.execute(&["get", "greeting"]), Reply::Bulk("hello".into()));
    /// assert_eq!(cache.execute(&["INCR", "greeting"]),
    ///            Reply::Error("ERR value is not an integer or out of range".into()));
    /// ```
    pub fn execute<A: AsRef<[u8]>>(&self, argv: &[A]) -> Reply {
        let argv: Vec<&[u8]> = argv.iter().map(AsRef::as_ref).collect();
        self.execute_slices(&argv)
    }

    /// [`Cache::execute`] over borrowed slices, without collecting them first.
    pub fn execute_slices(&self, argv: &[&[u8]]) -> Reply {
        #[cfg(feature = "remote")]
        if let (Some(remote), false) = (crate::remote::routed(&self.inner), argv.is_empty()) {
            return remote.execute(self, argv);
        }
        self.execute_local(argv)
    }

    /// Runs argv on this engine alone (in near-cache mode, on the local copies: the typed
    /// methods it calls are not routed again).
    pub(crate) fn execute_local(&self, argv: &[&[u8]]) -> Reply {
        #[cfg(feature = "remote")]
        let _local = crate::remote::LocalOnly::enter();
        match check(argv) {
            Ok(spec) => (spec.run)(self, &argv[1..]).unwrap_or_else(Reply::from),
            Err(refused) => refused,
        }
    }
}

/// The command's entry if argv names a known command with a valid argument count, else
/// the error Redis replies (as it does to a command queued after MULTI).
fn check(argv: &[&[u8]]) -> std::result::Result<&'static Spec, Reply> {
    let Some(name) = argv.first() else {
        return Err(Reply::Error("ERR empty command".into()));
    };
    let Some(spec) = lookup(name) else {
        return Err(unknown(argv).into());
    };
    if !spec.arity_ok(argv.len()) {
        return Err(args::arity(spec.name).into());
    }
    Ok(spec)
}

/// The error a command would be refused with before it runs (unknown name, wrong arity).
pub(crate) fn refusal(argv: &[&[u8]]) -> Option<Reply> {
    check(argv).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_unique() {
        for pair in COMMANDS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} / {}",
                pair[0].name,
                pair[1].name
            );
        }
    }

    #[test]
    fn lookup_ignores_case_and_rejects_long_names() {
        assert_eq!(lookup(b"ZaDd").map(|s| s.name), Some("zadd"));
        assert!(lookup(b"zaddd").is_none());
        assert!(lookup(&[b'x'; 100]).is_none());
    }
}
