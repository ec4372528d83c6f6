//! A hierarchical timing wheel that finds due deadlines without scanning the keyspace.
//!
//! Geometry: 6 levels of 64 buckets over 1 ms ticks, so a timer fires in the very
//! millisecond its key expires.
//!
//! | level | one bucket spans | the level spans |
//! |-------|------------------|-----------------|
//! | 0     | 1 ms             | 64 ms           |
//! | 1     | 64 ms            | 4.1 s           |
//! | 2     | 4.1 s            | 4.4 min         |
//! | 3     | 4.4 min          | 4.7 h           |
//! | 4     | 4.7 h            | 12.4 days       |
//! | 5     | 12.4 days        | 2.2 years       |
//!
//! Each level keeps a 64-bit map of its non-empty buckets, so time that passes with no
//! timers due is skipped a whole bucket span at a time, not tick by tick.
//! A deadline beyond 2.2 years waits in the last bucket and is filed again when that bucket
//! comes round. The wheel never looks inside a [`Timer`] beyond its deadline: deciding what
//! a fired timer means (the key expired, its TTL moved, it is gone) is the shard's job.

const BITS: u32 = 6;
const SLOTS: usize = 1 << BITS;
const LEVELS: usize = 6;
/// Milliseconds per tick of level 0.
pub(crate) const TICK_MS: u64 = 1;

/// One scheduled deadline, for the key with id `slot` (or a later key given that id: the
/// shard tells, see `ShardData::expire_due`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timer {
    pub deadline: u64,
    pub slot: u32,
}

pub(crate) struct Wheel {
    /// The last tick whose bucket has been fully handed out.
    cur: u64,
    buckets: Vec<Vec<Timer>>,
    /// Bit `b` of `occupied[l]` is set while bucket `b` of level `l` may be non-empty.
    occupied: [u64; LEVELS],
    /// Timers filed at or before `cur`: due at the next advance.
    due: Vec<Timer>,
    len: usize,
}

impl Wheel {
    pub fn new(now_ms: u64) -> Wheel {
        Wheel {
            cur: ((now_ms + 1) / TICK_MS).saturating_sub(1),
            buckets: (0..SLOTS * LEVELS).map(|_| Vec::new()).collect(),
            occupied: [0; LEVELS],
            due: Vec::new(),
            len: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Timers filed and not yet handed out (stale ones included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// A time at or before which no filed timer is due, in ms (`None`: nothing is filed):
    /// the start of the first occupied bucket after the current tick, over all levels.
    /// Exact for level 0; a lower bound above it, so a reaper that sleeps until then may
    /// wake to find nothing due, and asks again.
    pub fn next_due_hint(&self) -> Option<u64> {
        if !self.due.is_empty() {
            return Some(self.cur * TICK_MS);
        }
        let mut best: Option<u64> = None;
        for (level, &mask) in self.occupied.iter().enumerate() {
            if mask == 0 {
                continue;
            }
            // A bucket of this level holds ticks t with t >> span == v for one v in
            // (cur >> span, (cur >> span) + 64]; the first occupied one after the current
            // position has the smallest v.
            let span = BITS as usize * level;
            let q = self.cur >> span;
            let first = ((q + 1) & (SLOTS as u64 - 1)) as u32;
            let i = u64::from(mask.rotate_right(first).trailing_zeros());
            let start = (q + 1 + i) << span;
            best = Some(best.map_or(start, |b| b.min(start)));
        }
        best.map(|t| t * TICK_MS)
    }

    pub fn insert(&mut self, timer: Timer) {
        self.len += 1;
        self.file(timer);
    }

    fn file(&mut self, timer: Timer) {
        let t = timer.deadline / TICK_MS;
        if t <= self.cur {
            self.due.push(timer);
            return;
        }
        let delta = t - self.cur;
        let mut level = ((63 - delta.leading_zeros()) / BITS) as usize;
        let mut at = t;
        if level >= LEVELS {
            level = LEVELS - 1;
            at = self.cur + (1u64 << (BITS as usize * LEVELS)) - 1;
        }
        let bucket = ((at >> (BITS as usize * level)) as usize) & (SLOTS - 1);
        self.buckets[level * SLOTS + bucket].push(timer);
        self.occupied[level] |= 1 << bucket;
    }

    /// Moves every timer due by `now_ms` into `out`, at most `budget` of them; returns true
    /// when nothing due is left behind. Timers that come out are due: `deadline <= now_ms`.
    pub fn advance(&mut self, now_ms: u64, budget: usize, out: &mut Vec<Timer>) -> bool {
        let start = out.len();
        let take = |src: &mut Vec<Timer>, out: &mut Vec<Timer>| {
            let room = budget - (out.len() - start);
            let n = src.len().min(room);
            out.extend(src.drain(src.len() - n..));
        };
        take(&mut self.due, out);
        // Ticks whose whole span has passed: their deadlines are all <= now.
        let last = ((now_ms + 1) / TICK_MS).saturating_sub(1);
        let mut done = self.due.is_empty();
        while done && self.cur < last {
            let lowest = self.occupied.iter().position(|&m| m != 0);
            match lowest {
                None => {
                    self.cur = last;
                    break;
                }
                Some(l) if l > 0 => {
                    // Nothing below level l: jump to just before its next boundary.
                    let span = BITS as usize * l;
                    let boundary = ((self.cur >> span) + 1) << span;
                    if boundary - 1 > self.cur {
                        self.cur = (boundary - 1).min(last);
                        continue;
                    }
                }
                Some(_) => {}
            }
            let tick = self.cur + 1;
            for level in (1..LEVELS).rev() {
                let span = BITS as usize * level;
                if tick & ((1u64 << span) - 1) == 0 {
                    let bucket = ((tick >> span) as usize) & (SLOTS - 1);
                    self.cascade(level, bucket, tick);
                }
            }
            take(&mut self.due, out);
            let bucket = (tick as usize) & (SLOTS - 1);
            let timers = &mut self.buckets[bucket];
            take(timers, out);
            if timers.is_empty() && self.due.is_empty() {
                self.occupied[0] &= !(1 << bucket);
                self.cur = tick;
            } else {
                done = false;
            }
        }
        self.len -= out.len() - start;
        done && self.due.is_empty()
    }

    /// Refiles the timers of one bucket relative to `tick`, the tick being entered.
    fn cascade(&mut self, level: usize, bucket: usize, tick: u64) {
        self.occupied[level] &= !(1 << bucket);
        let timers = std::mem::take(&mut self.buckets[level * SLOTS + bucket]);
        let saved = self.cur;
        // File relative to `tick`: a timer due at `tick` goes to `due`, handed out right
        // after; a later one lands strictly below this level.
        self.cur = tick;
        for timer in &timers {
            self.file(*timer);
        }
        self.cur = saved;
        // Keep the allocation for the next round unless it is large.
        if timers.capacity() <= 64 {
            let mut timers = timers;
            timers.clear();
            self.buckets[level * SLOTS + bucket] = timers;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Advances to `now`; returns the (slot, deadline) pairs handed out.
    fn drain(w: &mut Wheel, now: u64) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        assert!(w.advance(now, usize::MAX, &mut out));
        out.into_iter().map(|t| (t.slot, t.deadline)).collect()
    }

    fn timer(slot: u32, deadline: u64) -> Timer {
        Timer { deadline, slot }
    }

    #[test]
    fn fires_each_deadline_once_and_never_early() {
        let start = 1_000_000;
        let mut w = Wheel::new(start);
        let deadlines: Vec<u64> = [
            1,
            3,
            4,
            5,
            255,
            256,
            257,
            16_000,
            16_500,
            3_600_000,
            86_400_000 * 3,
        ]
        .iter()
        .map(|d| start + d)
        .collect();
        for (i, &d) in deadlines.iter().enumerate() {
            w.insert(timer(i as u32, d));
        }
        let mut fired = Vec::new();
        let mut now = start;
        while fired.len() < deadlines.len() {
            now += 1 + now % 997; // uneven steps
            for (slot, deadline) in drain(&mut w, now) {
                assert!(deadline <= now, "fired early: {deadline} at {now}");
                assert!(now - deadline < 2_000, "fired late: {deadline} at {now}");
                fired.push(slot);
            }
        }
        fired.sort();
        assert_eq!(fired, (0..deadlines.len() as u32).collect::<Vec<_>>());
        assert_eq!(w.len(), 0);
    }

    #[test]
    fn past_deadlines_are_due_at_once_and_budget_is_respected() {
        let mut w = Wheel::new(10_000);
        for i in 0..10 {
            w.insert(timer(i, 5_000));
        }
        let mut out = Vec::new();
        assert!(!w.advance(10_000, 4, &mut out));
        assert_eq!(out.len(), 4);
        assert!(w.advance(10_000, 100, &mut out));
        assert_eq!(out.len(), 10);
    }

    #[test]
    fn far_deadlines_wait_and_long_idle_gaps_are_cheap() {
        let mut w = Wheel::new(0);
        let far = 20 * 365 * 86_400_000u64;
        w.insert(timer(1, far));
        assert!(drain(&mut w, far / 2).is_empty());
        assert!(drain(&mut w, far - 1).is_empty());
        assert_eq!(drain(&mut w, far + TICK_MS), vec![(1, far)]);
    }

    proptest::proptest! {
        /// Every timer comes out exactly once, at the first advance whose time has reached
        /// its deadline: never early, never late, whatever the steps between advances.
        #[test]
        fn timers_fire_exactly_on_time(
            offsets in proptest::collection::vec(0u64..200_000_000, 1..200),
            steps in proptest::collection::vec(1u64..5_000_000, 1..400),
        ) {
            let start = 1_700_000_000_123;
            let mut w = Wheel::new(start);
            for (i, &d) in offsets.iter().enumerate() {
                w.insert(timer(i as u32, start + d));
            }
            let mut now = start;
            let mut fired = vec![false; offsets.len()];
            let mut steps = steps.into_iter().cycle();
            while fired.iter().any(|f| !f) {
                let prev = now;
                now += steps.next().unwrap();
                for (slot, deadline) in drain(&mut w, now) {
                    proptest::prop_assert!(deadline <= now && deadline > prev || deadline <= start);
                    proptest::prop_assert!(!fired[slot as usize]);
                    fired[slot as usize] = true;
                }
            }
            proptest::prop_assert_eq!(w.len(), 0);
        }
    }

    #[test]
    fn the_hint_is_close_to_the_deadline() {
        let start = 1_700_000_000_000;
        let mut w = Wheel::new(start);
        assert_eq!(w.next_due_hint(), None);
        w.insert(timer(1, start + 50_000)); // level 2: buckets of 4.1 s
        let h = w.next_due_hint().unwrap();
        assert!(h <= start + 50_000 && h > start + 45_000, "{}", h - start);
        w.insert(timer(2, start + 10)); // level 0: exact
        assert_eq!(w.next_due_hint(), Some(start + 10));
    }

    proptest::proptest! {
        /// The hint is never later than the earliest pending deadline, and a timer due at
        /// the hint's time comes out when the wheel reaches it.
        #[test]
        fn the_hint_is_a_lower_bound_of_the_next_deadline(
            offsets in proptest::collection::vec(1u64..200_000_000, 1..100),
            steps in proptest::collection::vec(1u64..5_000_000, 0..50),
        ) {
            let start = 1_700_000_000_123;
            let mut w = Wheel::new(start);
            let mut pending: Vec<u64> = offsets.iter().map(|d| start + d).collect();
            for (i, &d) in pending.iter().enumerate() {
                w.insert(timer(i as u32, d));
            }
            let mut now = start;
            for step in steps {
                now += step;
                for (slot, _) in drain(&mut w, now) {
                    pending[slot as usize] = u64::MAX;
                }
                let earliest = pending.iter().copied().min().unwrap();
                match w.next_due_hint() {
                    None => proptest::prop_assert_eq!(earliest, u64::MAX),
                    Some(h) => proptest::prop_assert!(h <= earliest, "hint {} after {}", h, earliest),
                }
            }
        }
    }
}
