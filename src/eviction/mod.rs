//! Eviction: what a read records about a key, and which key goes when a bound is exceeded.
//!
//! The read path does at most one relaxed atomic store into the entry (and none once a hot
//! key's counter is saturated). Everything else runs under the shard's write lock when a
//! writer finds the cache over its bound.
//!
//! - `s3-fifo` (default): see [`s3fifo`].
//! - `*-lru`, `*-lfu`, `*-random`, `volatile-ttl`: Redis's approach: sample a few keys of the
//!   shard (five, Redis's `maxmemory-samples` default) and evict the best candidate.

pub(crate) mod s3fifo;

use std::cell::Cell;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

use crate::config::EvictionPolicy;
use crate::store::items::EntryRef;

/// Keys looked at per sampled eviction.
pub(crate) const SAMPLES: usize = 5;
/// Redis's LFU defaults: `lfu-log-factor 10`, `lfu-decay-time 1` (minute), new keys at 5.
const LFU_LOG_FACTOR: f64 = 10.0;
const LFU_INIT: u32 = 5;

/// The LRU clock: time in units of 16 ms, wrapping at 32 bits (about 2 years).
#[inline]
pub(crate) fn lru_clock(now_ms: u64) -> u32 {
    (now_ms >> 4) as u32
}

fn minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xFFFF) as u32
}

/// The meta word of a newly written key.
pub(crate) fn initial_meta(policy: EvictionPolicy, now_ms: u64) -> u32 {
    match policy {
        EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru => lru_clock(now_ms),
        EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu => {
            (minutes(now_ms) << 8) | LFU_INIT
        }
        _ => 0,
    }
}

/// The meta word RESTORE's IDLETIME (seconds) or FREQ gives a key under `policy`, as
/// Redis's objectSetLRUOrLFU: FREQ counts under the LFU policies, IDLETIME under the LRU
/// ones, and neither under the others (`None`: keep the new key's own).
pub(crate) fn restored_meta(
    policy: EvictionPolicy,
    now_ms: u64,
    idle_secs: Option<u64>,
    freq: Option<u8>,
) -> Option<u32> {
    match policy {
        EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu => {
            freq.map(|f| (minutes(now_ms) << 8) | u32::from(f))
        }
        EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru => idle_secs
            .map(|s| lru_clock(now_ms).wrapping_sub(lru_clock(s.saturating_mul(1000).min(now_ms)))),
        _ => None,
    }
}

/// True for the policies whose access record needs the time.
#[inline]
pub(crate) fn needs_time(policy: EvictionPolicy) -> bool {
    matches!(
        policy,
        EvictionPolicy::AllKeysLru
            | EvictionPolicy::VolatileLru
            | EvictionPolicy::AllKeysLfu
            | EvictionPolicy::VolatileLfu
    )
}

/// Records an access. Called under the shard's read lock.
#[inline(always)]
pub(crate) fn on_access(entry: &EntryRef<'_>, policy: EvictionPolicy, coarse_now_ms: u64) {
    match policy {
        // Saturates at `s3fifo::MAX_FREQ`.
        EvictionPolicy::S3Fifo => entry.bump_freq(),
        _ => on_access_meta(entry.meta(), policy, coarse_now_ms),
    }
}

/// Records an access in the LRU/LFU word `meta` (the policies other than S3-FIFO).
#[inline]
pub(crate) fn on_access_meta(meta: &AtomicU32, policy: EvictionPolicy, coarse_now_ms: u64) {
    match policy {
        EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru => {
            let c = lru_clock(coarse_now_ms);
            if meta.load(Relaxed) != c {
                meta.store(c, Relaxed);
            }
        }
        EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu => {
            let old = meta.load(Relaxed);
            let counter = lfu_log_incr(lfu_decayed(old, coarse_now_ms));
            let new = (minutes(coarse_now_ms) << 8) | counter;
            if new != old {
                meta.store(new, Relaxed);
            }
        }
        _ => {}
    }
}

/// The LFU counter of a meta word now (OBJECT FREQ), decayed as on the next access.
pub(crate) fn lfu_counter(meta: u32, now_ms: u64) -> u32 {
    lfu_decayed(meta, now_ms)
}

/// Milliseconds since the access an LRU meta word records (OBJECT IDLETIME).
pub(crate) fn lru_idle_ms(meta: u32, now_ms: u64) -> u64 {
    u64::from(lru_clock(now_ms).wrapping_sub(meta)) << 4
}

/// The LFU counter after Redis's decay of one step per idle minute.
fn lfu_decayed(meta: u32, now_ms: u64) -> u32 {
    let counter = meta & 0xFF;
    let last = meta >> 8;
    let idle = (minutes(now_ms).wrapping_sub(last)) & 0xFFFF;
    counter.saturating_sub(idle)
}

/// Redis's logarithmic increment: the higher the counter, the less likely it grows.
fn lfu_log_incr(counter: u32) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT) as f64;
    let p = 1.0 / (base * LFU_LOG_FACTOR + 1.0);
    if random_unit() < p {
        counter + 1
    } else {
        counter
    }
}

thread_local! {
    static RNG: Cell<u64> = Cell::new({
        let x = &RNG as *const _ as u64;
        x.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
    });
}

/// A cheap per-thread xorshift, for probabilistic counters and sampling.
#[inline]
pub(crate) fn random_u64() -> u64 {
    RNG.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        x
    })
}

fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A sampled policy's score for an entry: the lowest score is evicted first.
pub(crate) fn sample_score(entry: &EntryRef<'_>, policy: EvictionPolicy, now_ms: u64) -> u64 {
    match policy {
        EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru => {
            // Older access = larger idle time = lower score.
            let idle = lru_clock(now_ms).wrapping_sub(entry.meta().load(Relaxed));
            u64::MAX - idle as u64
        }
        EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu => {
            lfu_decayed(entry.meta().load(Relaxed), now_ms) as u64
        }
        EvictionPolicy::VolatileTtl => entry.expire_at(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfu_counter_grows_logarithmically_and_decays() {
        let mut c = LFU_INIT;
        for _ in 0..1000 {
            c = lfu_log_incr(c);
        }
        assert!(c > LFU_INIT + 5 && c < 60, "counter {c}");
        let meta = (minutes(0) << 8) | 20;
        assert_eq!(lfu_decayed(meta, 5 * 60_000), 15);
        assert_eq!(lfu_decayed(meta, 500 * 60_000), 0);
    }
}
