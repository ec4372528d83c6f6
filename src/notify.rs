//! Keyspace notifications: Redis's `notify-keyspace-events` flags, and the events that
//! writes, expiry and eviction publish on `__keyspace@0__:<key>` and
//! `__keyevent@0__:<event>`, so that ordinary subscriptions receive them.
//!
//! Events are collected while a shard lock is held and published after it is released.
//! A command's event fires when the command changed the key (as Redis, which signals
//! modifications); `expired` fires when an expired key is actually removed, lazily or by
//! the wheel; `evicted` when eviction removes a key.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::pubsub::Registry;

/// K: publish on `__keyspace@0__:<key>`.
pub(crate) const KEYSPACE: u16 = 1;
/// E: publish on `__keyevent@0__:<event>`.
pub(crate) const KEYEVENT: u16 = 1 << 1;
/// g: generic commands (DEL, EXPIRE, RENAME, ...).
pub(crate) const GENERIC: u16 = 1 << 2;
/// $: string commands.
pub(crate) const STRING: u16 = 1 << 3;
/// l: list commands.
pub(crate) const LIST: u16 = 1 << 4;
/// s: set commands.
pub(crate) const SET: u16 = 1 << 5;
/// h: hash commands.
pub(crate) const HASH: u16 = 1 << 6;
/// z: sorted-set commands.
pub(crate) const ZSET: u16 = 1 << 7;
/// x: expired keys.
pub(crate) const EXPIRED: u16 = 1 << 8;
/// e: evicted keys.
pub(crate) const EVICTED: u16 = 1 << 9;
/// n: new keys (not part of A, as in Redis).
pub(crate) const NEW: u16 = 1 << 10;
/// Not a Redis flag: set in a write's flags while some key is WATCHed, so that the write
/// collects every event (to mark the watchers) whatever is published.
pub(crate) const WATCHED: u16 = 1 << 15;
/// A: every class but n.
const ALL: u16 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED;

const CLASSES: [(char, u16); 9] = [
    ('g', GENERIC),
    ('$', STRING),
    ('l', LIST),
    ('s', SET),
    ('h', HASH),
    ('z', ZSET),
    ('x', EXPIRED),
    ('e', EVICTED),
    ('n', NEW),
];

/// Parses a `notify-keyspace-events` value (`"KEA"`, `"Ex"`, `""` ...).
pub(crate) fn parse(s: &str) -> Result<u16> {
    s.chars().try_fold(0, |acc, c| {
        Ok(acc
            | match c {
                'K' => KEYSPACE,
                'E' => KEYEVENT,
                'A' => ALL,
                c => CLASSES
                    .iter()
                    .find(|(ch, _)| *ch == c)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| {
                        Error::InvalidConfig(
                            "Invalid event class character. Use 'Ag$lshzxeKEn'.".into(),
                        )
                    })?,
            })
    })
}

/// The flags as CONFIG GET shows them.
pub(crate) fn to_string(flags: u16) -> String {
    let mut s = String::new();
    if flags & ALL == ALL {
        s.push('A');
    } else {
        s.extend(
            CLASSES
                .iter()
                .filter(|(c, f)| *c != 'n' && flags & f != 0)
                .map(|(c, _)| c),
        );
    }
    if flags & NEW != 0 {
        s.push('n');
    }
    if flags & KEYSPACE != 0 {
        s.push('K');
    }
    if flags & KEYEVENT != 0 {
        s.push('E');
    }
    s
}

/// True if a write under `flags` collects events of `class`: to publish them, or for WATCH.
#[inline]
pub(crate) fn collected(flags: u16, class: u16) -> bool {
    flags & WATCHED != 0 || wanted(flags, class)
}

/// True if events of `class` are published under `flags`.
#[inline]
pub(crate) fn wanted(flags: u16, class: u16) -> bool {
    flags & class != 0 && flags & (KEYSPACE | KEYEVENT) != 0
}

/// An event collected under a shard lock.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub class: u16,
    pub name: &'static str,
    /// The database of the key (`__keyspace@<db>__`).
    pub db: u8,
    pub key: Bytes,
}

/// Publishes collected events as Redis does.
pub(crate) fn publish(registry: &Registry, flags: u16, events: Vec<Event>) {
    for e in events {
        if !wanted(flags, e.class) {
            continue;
        }
        if flags & KEYSPACE != 0 {
            let mut ch = BytesMut::with_capacity(17 + e.key.len());
            ch.put_slice(format!("__keyspace@{}__:", e.db).as_bytes());
            ch.put_slice(&e.key);
            registry.publish(&ch, &Bytes::from_static(e.name.as_bytes()));
        }
        if flags & KEYEVENT != 0 {
            let ch = format!("__keyevent@{}__:{}", e.db, e.name);
            registry.publish(ch.as_bytes(), &e.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip_as_redis_prints_them() {
        assert_eq!(to_string(parse("KEA").unwrap()), "AKE");
        assert_eq!(to_string(parse("Ex").unwrap()), "xE");
        assert_eq!(to_string(parse("").unwrap()), "");
        assert_eq!(to_string(parse("Kg$lshzxe").unwrap()), "AK");
        assert!(parse("Q").is_err());
        assert!(
            !wanted(parse("A").unwrap(), GENERIC),
            "neither K nor E: nothing is published"
        );
    }
}
