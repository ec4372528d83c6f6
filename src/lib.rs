#![doc = include_str!("../docs/crate.md")]
#![warn(missing_docs)]

/// In near-cache mode, returns from the enclosing typed method with its command run
/// through the router: the argv items, then the reply made into the method's return type,
/// a `Result` (a server that does not answer is an error, never a default; `@argv` for an
/// argv built from iterators and options).
macro_rules! near {
    // An argv built item by item: `near!(@argv self, "LPOS" .arg(key) .args(more))`.
    (@argv $self:ident, $name:tt $(. $m:ident ( $($x:expr),* ))*) => {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&$self.inner).is_some() {
            return crate::remote::typed::Argv::cmd($name)$(.$m($($x),*))*.run($self);
        }
    };
    ($self:ident, $($arg:expr),+ $(,)?) => {
        #[cfg(feature = "remote")]
        if crate::remote::routed(&$self.inner).is_some() {
            return crate::remote::typed::FromReply::from_reply(
                $self.execute_slices(&[$(crate::remote::typed::arg(&$arg)),+]),
            );
        }
    };
}

mod batch;
mod blocking;
mod cache;
mod client;
mod clock;
mod commands;
mod config;
mod dispatch;
mod error;
mod eviction;
mod expiry;
mod glob;
mod loader;
mod notify;
mod patterns;
mod persist;
mod pubsub;
mod rdb;
#[cfg(feature = "remote")]
mod remote;
mod stats;
mod store;
mod string_value;
mod types;
mod value;

/// Arguments as Redis reads them, with its error texts, for callers that take typed values
/// and must refuse what the server would (the bindings' typed methods).
pub mod parse {
    pub use crate::commands::num::{parse_f64 as float, parse_i64 as int};
    pub use crate::dispatch::args::timeout;
}

pub use batch::Batch;
pub use blocking::{Served, Take};
/// The value type: a reference-counted byte buffer (re-exported from the `bytes` crate, so
/// that the version always matches).
pub use bytes::Bytes;
pub use cache::Cache;
pub use client::Client;
pub use clock::{Clock, MockClock, SystemClock};
pub use commands::PopWaiter;
pub use commands::{
    Aggregate, BitFieldOp, BitFieldType, BitOp, BitUnit, End, ExpireCondition, Expiry, LcsMatch,
    Overflow, Position, RangeBy, RestoreOptions, ScanOptions, SetCondition, SetOptions, SetOutcome,
    SortOptions, ZAddOptions,
};
pub use config::{CacheBuilder, EvictionPolicy};
pub use dispatch::{command_names, Reply};
pub use error::{Error, Result};
pub use glob::{glob_match, glob_match_nocase};
pub use patterns::lock::LockGuard;
pub use patterns::rate_limit::RateLimit;
pub use persist::LoadSkipped;
pub use pubsub::{Message, Subscription};
#[cfg(feature = "remote")]
pub use remote::{NearCacheStats, RemoteOptions, Tracking, WhenStale};
pub use stats::{DbStats, Stats};
pub use string_value::StringValue;
pub use types::zset::{LexBound, ScoreBound};
pub use value::ValueType;

/// Formats a float as Redis replies with it (INCRBYFLOAT): plain decimal, no exponent.
pub fn format_float(v: f64) -> String {
    commands::num::format_f64(v)
}

/// Formats a sorted-set score as Redis 7 replies with it (`%.17g`: `0.1` is
/// `0.10000000000000001`, `1e20` is `1e+20`, `inf`).
pub fn format_score(v: f64) -> String {
    commands::num::format_score(v)
}

/// The README's examples, compiled and run as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
