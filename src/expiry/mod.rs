//! TTLs: deadline arithmetic shared by every command, and the timing wheel that reclaims
//! expired keys without scanning.
//!
//! Expiry is exact and lazy: a key is invisible from the first millisecond at or past its
//! deadline, whatever the wheel has done. The wheel only decides when the memory comes back.

pub(crate) mod reaper;
pub(crate) mod wheel;

use crate::error::{Error, Result};

/// The largest default TTL the builder accepts, in milliseconds (about 292 years).
pub const MAX_TTL_MS: u64 = 1 << 53;

/// Converts a relative TTL in `unit_ms` units to an absolute deadline, as Redis validates it:
/// `positive_only` rejects zero and negative TTLs (SET EX), otherwise they yield a deadline
/// in the past (EXPIRE with a negative time deletes).
pub(crate) fn deadline_after(
    now_ms: u64,
    amount: i64,
    unit_ms: i64,
    positive_only: bool,
    cmd: &'static str,
) -> Result<u64> {
    if positive_only && amount <= 0 {
        return Err(Error::InvalidExpireTime(cmd));
    }
    let ms = amount
        .checked_mul(unit_ms)
        .ok_or(Error::InvalidExpireTime(cmd))?;
    let at = (now_ms as i64)
        .checked_add(ms)
        .ok_or(Error::InvalidExpireTime(cmd))?;
    check_absolute(at, cmd)
}

/// Validates an absolute Unix deadline in `unit_ms` units.
pub(crate) fn deadline_at(
    at: i64,
    unit_ms: i64,
    positive_only: bool,
    cmd: &'static str,
) -> Result<u64> {
    if positive_only && at <= 0 {
        return Err(Error::InvalidExpireTime(cmd));
    }
    let ms = at
        .checked_mul(unit_ms)
        .ok_or(Error::InvalidExpireTime(cmd))?;
    check_absolute(ms, cmd)
}

fn check_absolute(ms: i64, _cmd: &'static str) -> Result<u64> {
    // A deadline at or before the epoch is simply in the past; 1 ms keeps 0 meaning "none".
    Ok(ms.max(1) as u64)
}
