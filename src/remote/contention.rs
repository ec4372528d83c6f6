//! Running an optimistic step again after it lost a race for its keys (a WATCHed
//! transaction, a compare-and-set). Each loss waits a random while before the next try,
//! up to a bound that doubles with each loss ("full jitter"), so that processes which
//! collided once spread out instead of colliding again in step. The retries stop at a
//! time limit, not at a count: on a busy machine a count runs out while the contenders
//! are merely slow.

use std::time::{Duration, Instant};

use crate::eviction::random_u64;

/// How long one call keeps trying before it reports contention.
const LIMIT: Duration = Duration::from_secs(10);
/// The first wait's bound, in microseconds; it doubles with each loss up to `MAX_WAIT_US`.
const FIRST_WAIT_US: u64 = 200;
const MAX_WAIT_US: u64 = 50_000;

/// The retry state of one optimistic call.
pub(crate) struct Contention {
    losses: u32,
    deadline: Instant,
}

impl Contention {
    pub(crate) fn new() -> Self {
        Contention {
            losses: 0,
            deadline: Instant::now() + LIMIT,
        }
    }

    /// Records a lost race and waits before the next try; false when time is up.
    pub(crate) fn lost(&mut self) -> bool {
        let bound = (FIRST_WAIT_US << self.losses.min(16)).min(MAX_WAIT_US);
        self.losses += 1;
        let wait = Duration::from_micros(random_u64() % (bound + 1));
        if Instant::now() + wait >= self.deadline {
            return false;
        }
        std::thread::sleep(wait);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_stop_at_the_deadline() {
        let mut c = Contention::new();
        assert!(c.lost());
        c.deadline = Instant::now();
        assert!(!c.lost(), "a call past its time limit gives up");
        assert_eq!(c.losses, 2);
    }
}
