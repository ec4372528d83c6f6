//! The commands, as methods on [`Cache`](crate::Cache), one file per family. Each method is
//! named after its Redis command in snake_case and follows Redis 7's semantics.

pub(crate) mod keys;
pub(crate) mod num;
pub(crate) mod strings;

pub use keys::{ExpireCondition, ScanOptions};
pub use strings::{Expiry, SetCondition, SetOptions, SetOutcome};
