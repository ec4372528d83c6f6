#![doc = include_str!("../docs/crate.md")]
#![warn(missing_docs)]

mod blocking;
mod cache;
mod clock;
mod commands;
mod config;
mod error;
mod eviction;
mod expiry;
mod glob;
mod loader;
mod stats;
mod store;
mod types;
mod value;

pub use cache::Cache;
pub use clock::{Clock, MockClock, SystemClock};
pub use commands::{
    Aggregate, End, ExpireCondition, Expiry, Position, RangeBy, ScanOptions, SetCondition,
    SetOptions, SetOutcome, ZAddOptions,
};
pub use config::{CacheBuilder, EvictionPolicy};
pub use error::{Error, Result};
pub use glob::{glob_match, glob_match_nocase};
pub use stats::Stats;
pub use types::zset::{LexBound, ScoreBound};
pub use value::ValueType;

/// Formats a float as Redis replies with it (INCRBYFLOAT): plain decimal, no exponent.
pub fn format_float(v: f64) -> String {
    commands::num::format_f64(v)
}

/// The README's examples, compiled and run as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
