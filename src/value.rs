//! The value model: one enum over Redis's types, and the type names TYPE and SCAN TYPE use.
//!
//! The store keeps a string of up to 128 bytes in the key's item, as bytes (see
//! `store::items`; [`ValueRef::Str`] is how a reader sees it). A [`Value`] is what the
//! store keeps out of line, and what commands build and change: a string of up to
//! [`SMALL_MAX`] bytes is kept inside the value itself, so it costs no allocation; one of
//! up to [`BOXED_MAX`] bytes is a single allocation of exactly its length; a longer one is
//! a `Bytes`, handed out as a view. Every collection sits behind one reference-counted box,
//! so a [`Value`] is 32 bytes. A collection carries
//! the count of bytes it is charged, kept up to date by every change, so memory accounting
//! stays O(1) per write.
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

/// The longest string kept inline in a [`Value`].
pub(crate) const SMALL_MAX: usize = 22;
/// The longest string kept in one exact allocation and copied out on a read: two cache
/// lines, whose copy and allocation stay a few nanoseconds.
pub(crate) const BOXED_MAX: usize = 128;

/// A stored value. Commands reach their variant through the `as_*` accessors, which give
/// WRONGTYPE for every other type, and make one with [`Value::string`],
/// [`Value::from_slice`] or [`Value::new_coll`].
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// A string of more than [`BOXED_MAX`] bytes, or of more than [`SMALL_MAX`] handed
    /// over as a `Bytes` shared with its caller.
    Str(Bytes),
    /// Everything else, in the 24 bytes before `Bytes`'s vtable pointer: that pointer's
    /// niche tells `Str` from `Packed`, and `Packed`'s own tag its three kinds, so four
    /// kinds fit in 32 bytes (a flat enum of them would take 40).
    Packed(Packed),
}

#[derive(Debug, Clone)]
pub(crate) enum Packed {
    /// A string of at most [`SMALL_MAX`] bytes.
    Small(Small),
    /// A string of more than [`SMALL_MAX`] and at most [`BOXED_MAX`] bytes.
    Boxed(Box<[u8]>),
    /// A collection, shared copy-on-write (see the module docs).
    Coll(Arc<Coll>),
}

/// A short string's bytes, inline.
#[derive(Clone, Copy)]
pub(crate) struct Small {
    len: u8,
    buf: [u8; SMALL_MAX],
}

impl Small {
    #[inline]
    fn new(bytes: &[u8]) -> Small {
        Small {
            len: bytes.len() as u8,
            buf: crate::store::key::padded(bytes),
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }
}

impl std::fmt::Debug for Small {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
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
                Value::Packed(Packed::Coll(c)) => match &c.kind {
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
                Value::Packed(Packed::Coll(c)) if matches!(c.kind, Kind::$variant(_)) => {
                    match Arc::make_mut(c) {
                        Coll {
                            kind: Kind::$variant(v),
                            bytes,
                        } => Ok((v, bytes)),
                        _ => unreachable!("the type was just checked"),
                    }
                }
                _ => Err(Error::WrongType),
            }
        }
    };
}

impl Value {
    pub fn new_coll(kind: Kind) -> Value {
        Value::coll(Coll { kind, bytes: 0 })
    }

    /// A collection with its byte count.
    pub fn coll(coll: Coll) -> Value {
        Value::Packed(Packed::Coll(Arc::new(coll)))
    }

    /// A string value: inline when short (the `Bytes` is dropped); up to [`BOXED_MAX`], the
    /// `Bytes`'s own buffer as one exact allocation when nobody else holds it; else (longer,
    /// or still shared with the caller or static, where boxing would copy) the `Bytes`.
    #[inline]
    pub fn string(bytes: Bytes) -> Value {
        if bytes.len() <= SMALL_MAX {
            Value::Packed(Packed::Small(Small::new(&bytes)))
        } else if bytes.len() <= BOXED_MAX && bytes.is_unique() {
            Value::Packed(Packed::Boxed(Vec::from(bytes).into_boxed_slice()))
        } else {
            Value::Str(bytes)
        }
    }

    /// A string value copied from `bytes`; a short one allocates nothing.
    #[inline]
    pub fn from_slice(bytes: &[u8]) -> Value {
        if bytes.len() <= SMALL_MAX {
            Value::Packed(Packed::Small(Small::new(bytes)))
        } else if bytes.len() <= BOXED_MAX {
            Value::Packed(Packed::Boxed(bytes.into()))
        } else {
            Value::Str(Bytes::copy_from_slice(bytes))
        }
    }

    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Str(_) | Value::Packed(Packed::Small(_) | Packed::Boxed(_)) => ValueType::String,
            Value::Packed(Packed::Coll(c)) => match c.kind {
                Kind::List(_) => ValueType::List,
                Kind::Hash(_) => ValueType::Hash,
                Kind::Set(_) => ValueType::Set,
                Kind::ZSet(_) => ValueType::ZSet,
            },
        }
    }

    /// The collection, if this is one.
    #[inline]
    pub fn as_coll(&self) -> Option<&Coll> {
        match self {
            Value::Packed(Packed::Coll(c)) => Some(c),
            _ => None,
        }
    }

    /// Bytes this value owns on the heap.
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(b) => b.len(),
            Value::Packed(Packed::Boxed(b)) => b.len(),
            Value::Packed(Packed::Small(_)) => 0,
            Value::Packed(Packed::Coll(c)) => {
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
        let version = match self.as_coll().map(|c| &c.kind) {
            Some(Kind::ZSet(z)) => z.version(),
            _ => 0,
        };
        (self.heap_size(), version)
    }

    /// True for a collection with no elements (Redis removes those keys).
    pub fn is_empty_coll(&self) -> bool {
        match self.as_coll().map(|c| &c.kind) {
            None => false,
            Some(Kind::List(v)) => v.is_empty(),
            Some(Kind::Hash(v)) => v.is_empty(),
            Some(Kind::Set(v)) => v.is_empty(),
            Some(Kind::ZSet(v)) => v.is_empty(),
        }
    }

    /// The string as a `Bytes` a command may change in place: a short one moves out of
    /// line first (the caller's `update` charges the difference), a boxed one's buffer
    /// becomes the `Bytes`'s without a copy.
    #[inline]
    pub fn as_str_mut(&mut self) -> Result<&mut Bytes> {
        match self {
            Value::Packed(Packed::Small(s)) => {
                *self = Value::Str(Bytes::copy_from_slice(s.as_bytes()));
            }
            Value::Packed(Packed::Boxed(b)) => {
                *self = Value::Str(Bytes::from(std::mem::take(b)));
            }
            _ => {}
        }
        match self {
            Value::Str(b) => Ok(b),
            _ => Err(Error::WrongType),
        }
    }

    /// After a command changed a string in place ([`Value::as_str_mut`]): one that fits
    /// inline or boxed moves back.
    #[inline]
    pub fn settle(&mut self) {
        if let Value::Str(b) = self {
            if b.len() <= BOXED_MAX {
                *self = Value::string(std::mem::take(b));
            }
        }
    }

    /// An integer's decimal text, inline (INCR's result allocates nothing).
    #[inline]
    pub fn from_i64(n: i64) -> Value {
        Value::from_slice(itoa::Buffer::new().format(n).as_bytes())
    }

    /// The string's bytes.
    #[inline]
    pub fn as_str(&self) -> Result<&[u8]> {
        match self {
            Value::Str(b) => Ok(b),
            Value::Packed(Packed::Small(s)) => Ok(s.as_bytes()),
            Value::Packed(Packed::Boxed(b)) => Ok(b),
            _ => Err(Error::WrongType),
        }
    }

    /// The string as `Bytes`: a view of a long one, a copy of a short or boxed one
    /// (cheaper than a reference count that every reader's core would share).
    #[inline]
    pub fn str_bytes(&self) -> Result<Bytes> {
        match self {
            Value::Str(b) => Ok(b.clone()),
            Value::Packed(Packed::Small(s)) => Ok(Bytes::copy_from_slice(s.as_bytes())),
            Value::Packed(Packed::Boxed(b)) => Ok(Bytes::copy_from_slice(b)),
            _ => Err(Error::WrongType),
        }
    }

    accessors!(as_list, as_list_mut, List, VecDeque<Bytes>);
    accessors!(as_hash, as_hash_mut, Hash, HashValue);
    accessors!(as_set, as_set_mut, Set, SetValue);
    accessors!(as_zset, as_zset_mut, ZSet, ZSet);
}

/// A stored value as a reader sees it: a string's bytes in its item, or a value kept out
/// of line (collections, long strings). Reads go through the same accessors as
/// [`Value`]'s, with WRONGTYPE for every other type.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ValueRef<'a> {
    Str(&'a [u8]),
    Value(&'a Value),
}

macro_rules! ref_accessors {
    ($($get:ident: $ty:ty),*) => {$(
        /// The collection if the value is of this type, WRONGTYPE otherwise.
        #[inline]
        pub fn $get(self) -> Result<&'a $ty> {
            match self {
                ValueRef::Value(v) => v.$get(),
                ValueRef::Str(_) => Err(Error::WrongType),
            }
        }
    )*};
}

impl<'a> ValueRef<'a> {
    /// The string's bytes.
    #[inline]
    pub fn as_str(self) -> Result<&'a [u8]> {
        match self {
            ValueRef::Str(s) => Ok(s),
            ValueRef::Value(v) => v.as_str(),
        }
    }

    /// The string as `Bytes`: a copy of one kept in its item, a view of a long one.
    #[inline]
    pub fn str_bytes(self) -> Result<Bytes> {
        match self {
            ValueRef::Str(s) => Ok(Bytes::copy_from_slice(s)),
            ValueRef::Value(v) => v.str_bytes(),
        }
    }

    pub fn value_type(self) -> ValueType {
        match self {
            ValueRef::Str(_) => ValueType::String,
            ValueRef::Value(v) => v.value_type(),
        }
    }

    /// The collection, if this is one.
    #[inline]
    pub fn as_coll(self) -> Option<&'a Coll> {
        match self {
            ValueRef::Value(v) => v.as_coll(),
            ValueRef::Str(_) => None,
        }
    }

    /// What changes when a command changes the value (see [`Value::fingerprint`]).
    pub fn fingerprint(self) -> (usize, u64) {
        match self {
            ValueRef::Str(s) => (s.len(), 0),
            ValueRef::Value(v) => v.fingerprint(),
        }
    }

    /// True for a collection with no elements.
    pub fn is_empty_coll(self) -> bool {
        match self {
            ValueRef::Str(_) => false,
            ValueRef::Value(v) => v.is_empty_coll(),
        }
    }

    /// An owned copy (a collection's shared box is shared, not copied).
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Str(s) => Value::from_slice(s),
            ValueRef::Value(v) => v.clone(),
        }
    }

    ref_accessors!(as_list: VecDeque<Bytes>, as_hash: HashValue, as_set: SetValue, as_zset: ZSet);
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
