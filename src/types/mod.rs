//! The data structures behind Redis's collection types. Lists are a `VecDeque` (see
//! [`crate::value`]); hashes, sets and sorted sets (each packed while small) and the
//! order-statistic index of sorted sets are here, with HyperLogLog's string format.

pub(crate) mod hash;
pub(crate) mod hll;
pub(crate) mod ranked;
pub(crate) mod set;
pub(crate) mod slots;
pub(crate) mod zset;
