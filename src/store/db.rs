//! Databases (SELECT's numbers): one keyspace holds them all. Every entry carries its
//! database's number, and a key's shard and hash depend on its bytes alone, so the same key
//! in two databases shares a shard: MOVE and SWAPDB never move data between shards, and the
//! memory bound, eviction and expiry stay global, as Redis's are.

use std::ops::Deref;

use super::items::EntryRef;
use super::{Keyspace, MultiTx, Tx};
use crate::error::Result;

/// How many databases a cache has unless configured (Redis's `databases`).
pub const DEFAULT_DATABASES: usize = 16;
/// The most a cache can have: an entry keeps its database's number in one byte.
pub const MAX_DATABASES: usize = 256;

/// The keyspace seen from one database: what a [`crate::Cache`] handle's commands run on.
/// The keyspace-wide state (bounds, counters, shards) is reached through `Deref`.
#[derive(Clone, Copy)]
pub(crate) struct Db<'a> {
    ks: &'a Keyspace,
    pub id: u8,
}

impl<'a> Db<'a> {
    pub fn new(ks: &'a Keyspace, id: u8) -> Db<'a> {
        Db { ks, id }
    }

    /// See [`Keyspace::read`].
    #[inline]
    pub fn read<R>(
        &self,
        key: &[u8],
        lookup: bool,
        f: impl FnOnce(Option<EntryRef<'_>>) -> R,
    ) -> R {
        self.ks.read(self.id, key, lookup, f)
    }

    /// See [`Keyspace::read_deadline`].
    #[inline]
    pub fn read_deadline<R>(
        &self,
        key: &[u8],
        lookup: bool,
        f: impl FnOnce(Option<(EntryRef<'_>, u64)>) -> R,
    ) -> R {
        self.ks.read_deadline(self.id, key, lookup, f)
    }

    /// See [`Keyspace::peek`].
    #[inline]
    pub fn peek<R>(
        &self,
        key: &[u8],
        lookup: bool,
        f: impl FnOnce(Option<EntryRef<'_>>) -> R,
    ) -> R {
        self.ks.peek(self.id, key, lookup, f)
    }

    /// See [`Keyspace::inspect`].
    pub fn inspect<R>(&self, key: &[u8], f: impl FnOnce(Option<EntryRef<'_>>) -> R) -> R {
        self.ks.inspect(self.id, key, f)
    }

    /// See [`Keyspace::write`].
    #[inline]
    pub fn write<R>(
        &self,
        key: &[u8],
        grow: usize,
        f: impl FnOnce(&mut Tx) -> Result<R>,
    ) -> Result<R> {
        self.ks.write(self.id, key, grow, f)
    }

    /// See [`Keyspace::write_many`]: every key in this database.
    pub fn write_many<R>(
        &self,
        keys: &[&[u8]],
        grow: usize,
        f: impl FnOnce(&mut MultiTx) -> Result<R>,
    ) -> Result<R> {
        let keys: Vec<(u8, &[u8])> = keys.iter().map(|k| (self.id, *k)).collect();
        self.ks.write_many(&keys, grow, f)
    }

    /// Keys in this database.
    pub fn len(&self) -> usize {
        self.ks.len_of(self.id)
    }
}

impl Deref for Db<'_> {
    type Target = Keyspace;

    fn deref(&self) -> &Keyspace {
        self.ks
    }
}
