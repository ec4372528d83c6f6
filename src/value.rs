//! The value model: one enum over Redis's types, and the type names TYPE and SCAN TYPE use.

use bytes::Bytes;

use crate::error::{Error, Result};

/// The type of a stored value, as Redis's TYPE command names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueType {
    /// A binary-safe string (also integers and floats kept as their decimal text).
    String,
    /// A list (arrives with the collections issue).
    List,
    /// A hash (arrives with the collections issue).
    Hash,
    /// A set (arrives with the collections issue).
    Set,
    /// A sorted set (arrives with the collections issue).
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

/// A stored value. Each Redis type becomes one variant; commands reach their variant
/// through the `as_*` accessors, which give WRONGTYPE for every other variant.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Str(Bytes),
}

impl Value {
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Str(_) => ValueType::String,
        }
    }

    /// Bytes this value owns on the heap (its payload).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(b) => b.len(),
        }
    }

    #[inline]
    pub fn as_str_mut(&mut self) -> Result<&mut Bytes> {
        match self {
            Value::Str(b) => Ok(b),
            #[allow(unreachable_patterns)]
            _ => Err(Error::WrongType),
        }
    }

    #[inline]
    pub fn as_str(&self) -> Result<&Bytes> {
        match self {
            Value::Str(b) => Ok(b),
            #[allow(unreachable_patterns)]
            _ => Err(Error::WrongType),
        }
    }
}
