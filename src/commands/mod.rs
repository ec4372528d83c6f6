//! The commands, as methods on [`Cache`](crate::Cache), one file per family. Each method is
//! named after its Redis command in snake_case and follows Redis 7's semantics.

pub(crate) mod bitfield;
pub(crate) mod bitmaps;
pub(crate) mod coll;
pub(crate) mod dump;
pub(crate) mod hashes;
pub(crate) mod hll;
pub(crate) mod keys;
pub(crate) mod lcs;
pub(crate) mod lists;
pub(crate) mod long_double;
pub(crate) mod num;
pub(crate) mod object;
pub(crate) mod sets;
pub(crate) mod sort;
pub(crate) mod strings;
pub(crate) mod zsets;

pub use bitfield::{BitFieldOp, BitFieldType, Overflow};
pub use bitmaps::{BitOp, BitUnit};
pub use coll::PopWaiter;
pub use dump::RestoreOptions;
pub use keys::{ExpireCondition, ScanOptions};
pub use lcs::LcsMatch;
pub use lists::{End, Position};
pub use sort::SortOptions;
pub use strings::{Expiry, SetCondition, SetOptions, SetOutcome};
pub use zsets::{Aggregate, RangeBy, ZAddOptions};
