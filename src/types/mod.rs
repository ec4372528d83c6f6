//! The data structures behind Redis's collection types. Lists and sets are `VecDeque` and
//! `indexmap` collections (see [`crate::value`]); hashes (packed while small), sorted sets
//! and their order-statistic index are here.

pub(crate) mod hash;
pub(crate) mod ranked;
pub(crate) mod zset;
