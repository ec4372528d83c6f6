//! The data structures behind Redis's collection types. Lists, hashes and sets are
//! `VecDeque` and `indexmap` collections (see [`crate::value`]); sorted sets and their
//! order-statistic index are here.

pub(crate) mod ranked;
pub(crate) mod zset;
