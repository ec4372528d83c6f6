//! Server commands: PING, ECHO, TIME, DBSIZE, FLUSHALL, FLUSHDB, SELECT, SWAPDB, INFO, CONFIG, PUBLISH, PUBSUB.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::args::{is, owned, Args};
use super::reply::{bulk, bulks, int as integer, status, Reply};
use crate::error::{Error, Result};
use crate::{glob_match_nocase, Cache, EvictionPolicy};

pub(super) fn ping(_: &Cache, a: Args) -> Result<Reply> {
    match a {
        [] => Ok(status("PONG")),
        [msg] => Ok(bulk(owned(msg))),
        _ => Err(Error::Command(
            "wrong number of arguments for 'ping' command".into(),
        )),
    }
}

pub(super) fn echo(_: &Cache, a: Args) -> Result<Reply> {
    Ok(bulk(owned(a[0])))
}

pub(super) fn time(_: &Cache, _: Args) -> Result<Reply> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Ok(bulks([
        Bytes::from(now.as_secs().to_string()),
        Bytes::from(now.subsec_micros().to_string()),
    ]))
}

pub(super) fn dbsize(c: &Cache, _: Args) -> Result<Reply> {
    Ok(integer(c.dbsize()?))
}

/// FLUSHALL / FLUSHDB's optional ASYNC | SYNC (both flush at once here).
fn flush_mode(a: Args) -> Result<()> {
    match a {
        [] => Ok(()),
        [mode] if is(mode, "ASYNC") || is(mode, "SYNC") => Ok(()),
        _ => Err(Error::Syntax),
    }
}

/// FLUSHALL [ASYNC | SYNC]: every database.
pub(super) fn flushall(c: &Cache, a: Args) -> Result<Reply> {
    flush_mode(a)?;
    c.flushall()?;
    Ok(Reply::OK)
}

/// FLUSHDB [ASYNC | SYNC]: this database.
pub(super) fn flushdb(c: &Cache, a: Args) -> Result<Reply> {
    flush_mode(a)?;
    c.flushdb()?;
    Ok(Reply::OK)
}

/// A database number as Redis's getIntFromObjectOrReply reads it (an `int`); `invalid`
/// replaces Redis's texts for a non-integer or one out of `int` range when given.
pub(crate) fn db_index(arg: &[u8], invalid: Option<&'static str>) -> Result<usize> {
    let n = super::args::int(arg).map_err(|e| invalid.map_or(e, Error::Invalid))?;
    let n = i32::try_from(n).map_err(|_| {
        invalid.map_or(
            Error::Invalid("value is out of range, value must between -2147483648 and 2147483647"),
            Error::Invalid,
        )
    })?;
    // A negative number is refused later, by `Cache::select`, as Redis's selectDb does.
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// SELECT without a connection: a [`Cache`] handle's database is fixed, so only its own
/// number is accepted; a [`crate::Client`] (and so every binding's connection) switches.
pub(super) fn select(c: &Cache, a: Args) -> Result<Reply> {
    let db = c.select(db_index(a[0], None)?)?.db();
    if db != c.db() {
        return Err(Error::Invalid(
            "SELECT needs a connection: choose the database when making the handle \
             (Cache::select, db=, database) or SELECT on a client or in a transaction",
        ));
    }
    Ok(Reply::OK)
}

/// SWAPDB index1 index2.
pub(super) fn swapdb(c: &Cache, a: Args) -> Result<Reply> {
    let first = db_index(a[0], Some("invalid first DB index"))?;
    let second = db_index(a[1], Some("invalid second DB index"))?;
    c.swapdb(first, second)?;
    Ok(Reply::OK)
}

pub(super) fn publish(c: &Cache, a: Args) -> Result<Reply> {
    Ok(integer(c.publish(a[0], owned(a[1]))?))
}

pub(super) fn pubsub(c: &Cache, a: Args) -> Result<Reply> {
    let sub = a[0];
    let too_many = (is(sub, "CHANNELS") && a.len() > 2) || (is(sub, "NUMPAT") && a.len() > 1);
    if too_many {
        let name = String::from_utf8_lossy(sub).to_ascii_lowercase();
        return Err(super::args::arity(&format!("pubsub|{name}")));
    }
    if is(sub, "CHANNELS") {
        Ok(bulks(c.pubsub_channels(a.get(1).copied())?))
    } else if is(sub, "NUMSUB") {
        let counts = c.pubsub_numsub(&a[1..])?;
        Ok(Reply::Array(
            counts
                .into_iter()
                .flat_map(|(ch, n)| [Reply::Bulk(ch), integer(n)])
                .collect(),
        ))
    } else if is(sub, "NUMPAT") {
        Ok(integer(c.pubsub_numpat()?))
    } else {
        Err(unknown_subcommand(sub, "PUBSUB"))
    }
}

fn unknown_subcommand(sub: &[u8], cmd: &str) -> Error {
    Error::Command(format!(
        "unknown subcommand '{}'. Try {cmd} HELP.",
        String::from_utf8_lossy(sub)
    ))
}

/// The settings CONFIG GET and SET know, in the order CONFIG GET * lists them.
const SETTINGS: [&str; 8] = [
    "databases",
    "dbfilename",
    "dir",
    "hz",
    "maxmemory",
    "maxmemory-policy",
    "notify-keyspace-events",
    "save",
];

fn setting(c: &Cache, name: &str) -> String {
    match name {
        "maxmemory" => c.max_memory().to_string(),
        "maxmemory-policy" => c.eviction_policy().name().to_string(),
        "hz" => c.hz().to_string(),
        "databases" => c.databases().to_string(),
        "save" => crate::persist::format_rules(&c.save_rules()),
        // The snapshot file's directory and name ("" until a snapshot path is set).
        "dir" => c
            .snapshot_path()
            .and_then(|p| p.parent().map(|d| d.display().to_string()))
            .unwrap_or_default(),
        "dbfilename" => c
            .snapshot_path()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default(),
        _ => c.notify_keyspace_events(),
    }
}

/// A memory size as redis.conf writes them: `100`, `1k` (1000), `1kb` (1024), `5mb`, `1gb`.
fn parse_memory(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let mul: usize = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1 << 10,
        "m" => 1_000_000,
        "mb" => 1 << 20,
        "g" => 1_000_000_000,
        "gb" => 1 << 30,
        _ => return None,
    };
    digits.parse::<usize>().ok()?.checked_mul(mul)
}

fn config_failed(name: &str, why: &str) -> Error {
    Error::Command(format!(
        "CONFIG SET failed (possibly related to argument '{name}') - {why}"
    ))
}

/// What a CONFIG SET will apply, validated before anything changes.
enum Change {
    Hz(u32),
    MaxMemory(usize),
    Policy(EvictionPolicy),
    Notify(String),
    Save(Vec<(u64, u64)>),
    Dir(std::path::PathBuf),
    DbFilename(String),
}

fn parse_change(name: &str, value: &[u8]) -> Result<Change> {
    let text =
        std::str::from_utf8(value).map_err(|_| config_failed(name, "argument must be text"))?;
    match name {
        "databases" => Err(config_failed(name, "can't set immutable config")),
        "save" => crate::persist::parse_rules(text)
            .map(Change::Save)
            .ok_or_else(|| config_failed(name, "Invalid save parameters")),
        "dir" if std::path::Path::new(text).is_dir() => Ok(Change::Dir(text.into())),
        "dir" => Err(config_failed(name, "No such file or directory")),
        "dbfilename" if text.contains('/') || text.is_empty() => Err(config_failed(
            name,
            "dbfilename can't be a path, just a filename",
        )),
        "dbfilename" => Ok(Change::DbFilename(text.into())),
        // Redis takes any int and clamps it to 1..500.
        "hz" => match text.parse::<i64>() {
            Ok(n) if (0..=i64::from(i32::MAX)).contains(&n) => Ok(Change::Hz(n as u32)),
            Ok(_) => Err(config_failed(
                name,
                "argument must be between 0 and 2147483647 inclusive",
            )),
            Err(_) => Err(config_failed(
                name,
                "argument couldn't be parsed into an integer",
            )),
        },
        "maxmemory" => parse_memory(text)
            .map(Change::MaxMemory)
            .ok_or_else(|| config_failed(name, "argument must be a memory value")),
        "maxmemory-policy" => text.parse().map(Change::Policy).map_err(|_| {
            let names: Vec<&str> = EvictionPolicy::ALL.iter().map(|p| p.name()).collect();
            config_failed(
                name,
                &format!(
                    "argument(s) must be one of the following: {}",
                    names.join(", ")
                ),
            )
        }),
        _ => {
            crate::notify::parse(text).map_err(|_| {
                config_failed(
                    name,
                    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
                )
            })?;
            Ok(Change::Notify(text.to_string()))
        }
    }
}

pub(super) fn config(c: &Cache, a: Args) -> Result<Reply> {
    let sub = a[0];
    let arity = |name: &str| {
        Error::Command(format!(
            "wrong number of arguments for 'config|{name}' command"
        ))
    };
    if is(sub, "GET") {
        if a.len() < 2 {
            return Err(arity("get"));
        }
        let mut out = Vec::new();
        for name in SETTINGS {
            // Redis echoes a name given without wildcards as the caller spelt it.
            let Some(p) = a[1..]
                .iter()
                .find(|p| glob_match_nocase(p, name.as_bytes()))
            else {
                continue;
            };
            let literal = !p.iter().any(|b| b"*?[\\".contains(b));
            out.push(Reply::Bulk(if literal {
                owned(p)
            } else {
                Bytes::from_static(name.as_bytes())
            }));
            out.push(Reply::Bulk(Bytes::from(setting(c, name))));
        }
        Ok(Reply::Array(out))
    } else if is(sub, "SET") {
        if a.len() < 3 {
            return Err(arity("set"));
        }
        let mut changes = Vec::new();
        for pair in a[1..].chunks(2) {
            let known = std::str::from_utf8(pair[0])
                .ok()
                .and_then(|n| SETTINGS.iter().find(|s| s.eq_ignore_ascii_case(n)));
            match (known, pair) {
                (Some(name), [_, value]) => changes.push(parse_change(name, value)?),
                _ => {
                    return Err(Error::Command(format!(
                        "Unknown option or number of arguments for CONFIG SET - '{}'",
                        String::from_utf8_lossy(pair[0])
                    )))
                }
            }
        }
        for change in changes {
            match change {
                Change::Hz(n) => c.set_hz(n),
                Change::MaxMemory(n) => c.set_max_memory(n),
                Change::Policy(p) => c.set_eviction_policy(p),
                Change::Notify(flags) => c.set_notify_keyspace_events(&flags)?,
                Change::Save(rules) => c.set_save_rules(&rules),
                Change::Dir(dir) => {
                    let name: Option<std::ffi::OsString> = c
                        .snapshot_path()
                        .and_then(|p| p.file_name().map(Into::into));
                    c.set_snapshot_path(dir.join(name.unwrap_or_else(|| "dump.rdb".into())));
                }
                Change::DbFilename(name) => {
                    let dir = c.snapshot_path().and_then(|p| p.parent().map(Into::into));
                    let dir: std::path::PathBuf = dir.unwrap_or_else(|| ".".into());
                    c.set_snapshot_path(dir.join(name));
                }
            }
        }
        Ok(Reply::OK)
    } else {
        Err(unknown_subcommand(sub, "CONFIG"))
    }
}

/// Bytes as Redis's INFO prints `*_human` fields.
fn human(bytes: usize) -> String {
    let b = bytes as f64;
    match bytes {
        0..1024 => format!("{bytes}B"),
        1024..1_048_576 => format!("{:.2}K", b / 1024.0),
        1_048_576..1_073_741_824 => format!("{:.2}M", b / 1_048_576.0),
        _ => format!("{:.2}G", b / 1_073_741_824.0),
    }
}

/// INFO [section ...]: the sections ferricache has (server, clients, memory, stats,
/// keyspace), in Redis's `field:value` format.
pub(super) fn info(c: &Cache, a: Args) -> Result<Reply> {
    let s = c.stats();
    let wanted = |section: &str| {
        a.is_empty()
            || a.iter()
                .any(|w| is(w, section) || is(w, "all") || is(w, "default") || is(w, "everything"))
    };
    let mut out = String::new();
    let mut section = |name: &str, fields: Vec<(&str, String)>| {
        if wanted(name) {
            if !out.is_empty() {
                out.push_str("\r\n");
            }
            let mut title = name.to_string();
            title[..1].make_ascii_uppercase();
            out.push_str(&format!("# {title}\r\n"));
            for (k, v) in fields {
                out.push_str(&format!("{k}:{v}\r\n"));
            }
        }
    };
    section(
        "server",
        vec![
            ("redis_version", "7.0.0".into()),
            ("ferricache_version", env!("CARGO_PKG_VERSION").into()),
            ("redis_mode", "embedded".into()),
            ("process_id", std::process::id().to_string()),
            ("arch_bits", (usize::BITS).to_string()),
        ],
    );
    section(
        "clients",
        vec![("blocked_clients", s.blocked_clients.to_string())],
    );
    let max = c.max_memory();
    section(
        "memory",
        vec![
            ("used_memory", s.used_memory.to_string()),
            ("used_memory_human", human(s.used_memory)),
            ("maxmemory", max.to_string()),
            ("maxmemory_human", human(max)),
            ("maxmemory_policy", c.eviction_policy().name().into()),
            ("max_entries", c.max_entries().to_string()),
        ],
    );
    section(
        "stats",
        vec![
            ("total_commands_processed", s.commands.to_string()),
            ("keyspace_hits", s.hits.to_string()),
            ("keyspace_misses", s.misses.to_string()),
            ("expired_keys", s.expirations.to_string()),
            ("evicted_keys", s.evictions.to_string()),
            // INFO answers while a near cache's server is down (when it is needed most):
            // these two, the server's figures, then read 0.
            (
                "pubsub_channels",
                c.pubsub_channels(None).map_or(0, |v| v.len()).to_string(),
            ),
            (
                "pubsub_patterns",
                c.pubsub_numpat().unwrap_or(0).to_string(),
            ),
            ("pubsub_dropped_messages", s.pubsub_dropped.to_string()),
            (
                "pubsub_disconnected_clients",
                s.pubsub_disconnected.to_string(),
            ),
        ],
    );
    let skipped = c.load_skipped();
    section(
        "persistence",
        vec![
            ("loading", "0".into()),
            (
                "rdb_changes_since_last_save",
                c.changes_since_last_save().to_string(),
            ),
            (
                "rdb_bgsave_in_progress",
                u8::from(c.bgsave_in_progress()).to_string(),
            ),
            ("rdb_last_save_time", c.last_save().to_string()),
            // Not Redis's: what a lenient load (`snapshot_lenient`) read past.
            ("rdb_load_skipped_streams", skipped.streams.to_string()),
            ("rdb_load_skipped_modules", skipped.modules.to_string()),
            ("rdb_load_skipped_functions", skipped.functions.to_string()),
        ],
    );
    let dbs = c.keyspace();
    let names: Vec<String> = dbs.iter().map(|d| format!("db{}", d.db)).collect();
    let keyspace = dbs
        .iter()
        .zip(&names)
        .map(|(d, name)| {
            let line = format!("keys={},expires={},avg_ttl=0", d.keys, d.expires);
            (name.as_str(), line)
        })
        .collect();
    section("keyspace", keyspace);
    #[cfg(feature = "remote")]
    if let Some(n) = c.near_cache_stats() {
        section(
            "nearcache",
            vec![
                ("near_cache_connected", (n.connected as u8).to_string()),
                ("near_cache_nodes", n.nodes.to_string()),
                ("near_cache_local_hits", n.local_hits.to_string()),
                (
                    "near_cache_round_trips_saved",
                    n.round_trips_saved.to_string(),
                ),
                ("near_cache_fetches", n.fetches.to_string()),
                ("near_cache_negative_hits", n.negative_hits.to_string()),
                ("near_cache_forwarded", n.forwarded.to_string()),
                ("near_cache_invalidations", n.invalidations.to_string()),
                ("near_cache_flushes", n.flushes.to_string()),
                ("near_cache_discarded_fills", n.discarded_fills.to_string()),
                ("near_cache_stale_serves", n.stale_serves.to_string()),
                ("near_cache_reconnects", n.reconnects.to_string()),
            ],
        );
    }
    Ok(bulk(Bytes::from(out)))
}

/// SAVE.
pub(super) fn save(c: &Cache, _: Args) -> Result<Reply> {
    if c.bgsave_in_progress() {
        return Err(Error::Invalid("Background save already in progress"));
    }
    c.save()?;
    Ok(Reply::OK)
}

/// BGSAVE [SCHEDULE].
pub(super) fn bgsave(c: &Cache, a: Args) -> Result<Reply> {
    let schedule = match a {
        [] => false,
        [s] if is(s, "SCHEDULE") => true,
        _ => return Err(Error::Syntax),
    };
    if schedule && c.bgsave_in_progress() {
        return Ok(status("Background saving scheduled"));
    }
    c.bgsave()?;
    Ok(status("Background saving started"))
}

/// LASTSAVE.
pub(super) fn lastsave(c: &Cache, _: Args) -> Result<Reply> {
    Ok(integer(c.last_save()))
}
