//! The lesson's patterns done right on top of the commands: locks with compare-and-delete
//! release, and atomic rate limiters.

pub(crate) mod lock;
pub(crate) mod rate_limit;
