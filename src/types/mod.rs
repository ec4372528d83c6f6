//! The data structures behind Redis's collection types. Lists, hashes and sets are
//! `VecDeque` and `indexmap` collections (see [`crate::value`]); sorted sets are here.

pub(crate) mod skiplist;
pub(crate) mod zset;
