//! The value model: one enum over Redis's types, and the type names TYPE and SCAN TYPE use.
//!
//! Strings are stored directly (a `Bytes`, 32 bytes); every collection sits behind one
//! reference-counted box, which keeps [`Value`] at 32 bytes and so the slab slot at 80. A
//! collection carries the count of bytes it is charged, kept up to date by every change, so
//! memory accounting stays O(1) per write.
//!
//! The box is shared copy-on-write: a snapshot takes a reference instead of copying the
//! collection while writers wait, and a write to a collection that a snapshot still holds
//! copies it first (`Arc::make_mut`); otherwise a write costs one uncontended atomic check.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::types::zset::ZSet;

pub(crate) use crate::types::hash::HashValue;

pub(crate) use crate::types::set::SetValue;

/// Bytes charged per element beyond its payload: the `Bytes` handle(s) and the share of
/// the structure's index.
pub(crate) const LIST_ELEMENT_OVERHEAD: usize = 32;
/// The most a hash field costs beyond its payload (a hash table's; packed hashes cost 2).
pub(crate) const HASH_FIELD_OVERHEAD: usize = crate::types::hash::TABLE_FIELD_OVERHEAD;
/// The most a set member costs beyond its payload (a hash set's; packed sets cost 1).
pub(crate) const SET_MEMBER_OVERHEAD: usize = crate::types::set::TABLE_MEMBER_OVERHEAD;
/// A sorted-set member is held by the score map (a 40-byte slot, the member inline up to
/// 22 bytes, at up to 7/8 load, and a control byte), by the insertion-ordered list ZSCAN
/// walks and by the order-statistic index (a `Bytes` handle each, sharing one buffer with
/// its 32-byte header, and the score).
pub(crate) const ZSET_MEMBER_OVERHEAD: usize = 152;
/// The box every collection lives in (quoted in the crate docs), before its reference
/// counts.
#[cfg(test)]
const COLL_BYTES: usize = 96;
/// The shared box's two reference counts.
const ARC_COUNTS: usize = 2 * std::mem::size_of::<usize>();

/// The type of a stored value, as Redis's TYPE command names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueType {
    /// A binary-safe string (also integers and floats kept as their decimal text).
    String,
    /// A list.
    List,
    /// A hash.
    Hash,
    /// A set.
    Set,
    /// A sorted set.
    ZSet,
}

impl ValueType {
    /// The name TYPE replies with.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Hash => "hash",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
        }
    }

    /// Parses a SCAN TYPE argument (case-insensitive); `None` for unknown names.
    pub fn from_name(name: &str) -> Option<ValueType> {
        [
            ValueType::String,
            ValueType::List,
            ValueType::Hash,
            ValueType::Set,
            ValueType::ZSet,
        ]
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

/// A stored value. Commands reach their variant through the `as_*` accessors, which give
/// WRONGTYPE for every other type.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Str(Bytes),
    /// Shared copy-on-write (see the module docs).
    Coll(Arc<Coll>),
}

/// A collection and the bytes it is charged.
#[derive(Debug, Clone)]
pub(crate) struct Coll {
    pub kind: Kind,
    /// Payload plus per-element overhead of every element; kept by the code that changes
    /// `kind` (see the `types` modules).
    pub bytes: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    List(VecDeque<Bytes>),
    Hash(HashValue),
    Set(SetValue),
    ZSet(ZSet),
}

macro_rules! accessors {
    ($get:ident, $get_mut:ident, $variant:ident, $ty:ty) => {
        /// The collection if the value is of this type, WRONGTYPE otherwise.
        #[inline]
        pub fn $get(&self) -> Result<&$ty> {
            match self {
                Value::Coll(c) => match &c.kind {
                    Kind::$variant(v) => Ok(v),
                    _ => Err(Error::WrongType),
                },
                _ => Err(Error::WrongType),
            }
        }

        /// Mutable access, with the byte count to keep up to date.
        #[inline]
        pub fn $get_mut(&mut self) -> Result<(&mut $ty, &mut usize)> {
            match self {
                // The type is checked on the shared box: a WRONGTYPE copies nothing.
                Value::Coll(c) if matches!(c.kind, Kind::$variant(_)) => match Arc::make_mut(c) {
                    Coll {
                        kind: Kind::$variant(v),
                        bytes,
                    } => Ok((v, bytes)),
                    _ => unreachable!("the type was just checked"),
                },
                _ => Err(Error::WrongType),
            }
        }
    };
}

impl Value {
    pub fn new_coll(kind: Kind) -> Value {
        Value::Coll(Arc::new(Coll { kind, bytes: 0 }))
    }

    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Str(_) => ValueType::String,
            Value::Coll(c) => match c.kind {
                Kind::List(_) => ValueType::List,
                Kind::Hash(_) => ValueType::Hash,
                Kind::Set(_) => ValueType::Set,
                Kind::ZSet(_) => ValueType::ZSet,
            },
        }
    }

    /// Bytes this value owns on the heap.
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(b) => b.len(),
            Value::Coll(c) => {
                let own = match &c.kind {
                    Kind::ZSet(z) => z.boxed_size(),
                    _ => 0,
                };
                ARC_COUNTS + std::mem::size_of::<Coll>() + own + c.bytes
            }
        }
    }

    /// What changes when a command changes the value: its size and, for sorted sets whose
    /// scores can change in place, a version.
    pub fn fingerprint(&self) -> (usize, u64) {
        let version = match self {
            Value::Coll(c) => match &c.kind {
                Kind::ZSet(z) => z.version(),
                _ => 0,
            },
            Value::Str(_) => 0,
        };
        (self.heap_size(), version)
    }

    /// True for a collection with no elements (Redis removes those keys).
    pub fn is_empty_coll(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::Coll(c) => match &c.kind {
                Kind::List(v) => v.is_empty(),
                Kind::Hash(v) => v.is_empty(),
                Kind::Set(v) => v.is_empty(),
                Kind::ZSet(v) => v.is_empty(),
            },
        }
    }

    #[inline]
    pub fn as_str_mut(&mut self) -> Result<&mut Bytes> {
        match self {
            Value::Str(b) => Ok(b),
            _ => Err(Error::WrongType),
        }
    }

    #[inline]
    pub fn as_str(&self) -> Result<&Bytes> {
        match self {
            Value::Str(b) => Ok(b),
            _ => Err(Error::WrongType),
        }
    }

    accessors!(as_list, as_list_mut, List, VecDeque<Bytes>);
    accessors!(as_hash, as_hash_mut, Hash, HashValue);
    accessors!(as_set, as_set_mut, Set, SetValue);
    accessors!(as_zset, as_zset_mut, ZSet, ZSet);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_quoted_in_the_crate_docs() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Coll>(), COLL_BYTES);
    }
}
