//! An order-statistic sequence of (score, member) pairs, the ordered index of a sorted set:
//! sorted blocks of at most [`MAX_BLOCK`] pairs, a Fenwick tree of block lengths for ranks,
//! and the first score of every block (plus every 64th of those) for finding a block.
//!
//! Why not a skiplist: at a million members a skiplist search takes some 40 dependent steps,
//! each a cache miss on a cold cache (several microseconds per ZRANK). Here a rank is a
//! count over a short array, one over 64 blocks' first scores, one over a block's scores,
//! and a Fenwick prefix sum. The blocks' scores and members are kept apart, so what a rank
//! reads besides the one block (the per-block arrays: some 10 bytes a block plus a handle)
//! is small enough to stay cached, and the block's scores are read in independent loads:
//! about one memory round trip for the rank on a cold cache.
//! Inserts move at most a block's worth of pairs; a block that outgrows the limit splits,
//! and an emptied one goes, rebuilding the small per-block arrays (amortised over at least
//! `MAX_BLOCK / 2` inserts or the removal of a whole block).

use bytes::Bytes;

/// Pairs per block at most; a fuller block splits in two.
const MAX_BLOCK: usize = 128;
/// Scores per block slot of the arena: room for a block one past full (before it splits),
/// rounded up to whole cache lines.
const STRIDE: usize = (MAX_BLOCK + 1).next_multiple_of(8);
/// Blocks per entry of `Ranked::coarse`.
const FANOUT: usize = 64;

#[derive(Debug, Clone, Default)]
pub(crate) struct Ranked {
    /// Every block's scores, each block in a fixed `STRIDE`-long slot, NaN past its end
    /// (NaN is below nothing, so a count over the whole slot is a count over the block).
    /// A slot's place follows from its number, so a rank reads no block header.
    arena: Vec<f64>,
    /// The arena slot of each block, in order.
    slots: Vec<u32>,
    /// Slots of removed blocks, for reuse.
    free: Vec<u32>,
    /// Each block's members; `members[b][i]` goes with score `i` of block `b`.
    members: Vec<Vec<Bytes>>,
    /// First score of each block.
    firsts: Vec<f64>,
    /// Every `FANOUT`th of `firsts`: a block is found by a count over this short array
    /// and one over `FANOUT` of `firsts`, two rounds of independent loads rather than a
    /// dozen dependent probes of a binary search.
    coarse: Vec<f64>,
    /// Fenwick tree (1-based) over block lengths.
    fenwick: Vec<u32>,
    len: usize,
}

impl Ranked {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    fn blocks(&self) -> usize {
        self.members.len()
    }

    /// Where block `b`'s slot starts in the arena.
    fn start(&self, b: usize) -> usize {
        self.slots[b] as usize * STRIDE
    }

    /// Block `b`'s whole slot, NaN past the block's end.
    fn slot(&self, b: usize) -> &[f64] {
        let s = self.start(b);
        &self.arena[s..s + STRIDE]
    }

    /// Block `b`'s scores.
    fn scores(&self, b: usize) -> &[f64] {
        &self.slot(b)[..self.members[b].len()]
    }

    /// A slot for a new block: a free one, or a new one at the arena's end.
    fn take_slot(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            let n = self.arena.len() / STRIDE;
            self.arena.resize(self.arena.len() + STRIDE, f64::NAN);
            n as u32
        })
    }

    /// Recomputes the per-block arrays from the blocks, in O(blocks) and reusing their
    /// buffers (a split or a removed block calls this).
    fn rebuild(&mut self) {
        let n = self.blocks();
        self.firsts.clear();
        for b in 0..n {
            let first = self.slot(b)[0];
            self.firsts.push(first);
        }
        self.coarse.clear();
        self.coarse
            .extend(self.firsts.iter().step_by(FANOUT).copied());
        // Linear Fenwick build: each node adds itself to its parent once.
        self.fenwick.clear();
        self.fenwick.push(0);
        self.fenwick
            .extend(self.members.iter().map(|b| b.len() as u32));
        for j in 1..=n {
            let parent = j + (j & j.wrapping_neg());
            if parent <= n {
                self.fenwick[parent] += self.fenwick[j];
            }
        }
    }

    /// Builds the index of `pairs`, which must be sorted by (score, member) and free of
    /// repeats and NaN: blocks three quarters full, so that the inserts that follow a
    /// load split rarely. O(n), where inserting one by one costs a split every few dozen.
    pub fn from_sorted(pairs: impl ExactSizeIterator<Item = (f64, Bytes)>) -> Ranked {
        const FILL: usize = MAX_BLOCK * 3 / 4;
        let mut r = Ranked {
            len: pairs.len(),
            ..Ranked::default()
        };
        let blocks = pairs.len().div_ceil(FILL);
        r.arena.reserve(blocks * STRIDE);
        r.members.reserve(blocks);
        for (k, (score, member)) in pairs.enumerate() {
            if k % FILL == 0 {
                let slot = r.take_slot();
                r.slots.push(slot);
                r.members.push(Vec::with_capacity(FILL + 1));
            }
            let b = r.members.len() - 1;
            let at = r.start(b) + r.members[b].len();
            r.arena[at] = score;
            r.members[b].push(member);
        }
        r.rebuild();
        r
    }

    fn fenwick_add(&mut self, block: usize, delta: i32) {
        let mut j = block + 1;
        while j < self.fenwick.len() {
            self.fenwick[j] = (self.fenwick[j] as i32 + delta) as u32;
            j += j & j.wrapping_neg();
        }
    }

    /// Pairs in the blocks before `block`.
    fn before_block(&self, block: usize) -> usize {
        let (mut j, mut sum) = (block, 0usize);
        while j > 0 {
            sum += self.fenwick[j] as usize;
            j &= j - 1;
        }
        sum
    }

    /// The block and offset of 0-based `rank`.
    fn locate(&self, rank: usize) -> Option<(usize, usize)> {
        if rank >= self.len {
            return None;
        }
        let n = self.blocks();
        let (mut pos, mut rem) = (0usize, rank);
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && (self.fenwick[next] as usize) <= rem {
                pos = next;
                rem -= self.fenwick[next] as usize;
            }
            step >>= 1;
        }
        Some((pos, rem))
    }

    /// The global position of the first pair for which `below` is false (`below` holds
    /// for a prefix of the order).
    pub fn lower_bound(&self, below: impl Fn(f64, &[u8]) -> bool) -> usize {
        // The last block whose first pair is below: the boundary is in it or right after.
        let b = partition(self.blocks(), |j| {
            below(self.firsts[j], &self.members[j][0])
        });
        if b == 0 {
            return 0;
        }
        let (scores, members) = (self.scores(b - 1), &self.members[b - 1]);
        let i = partition(scores.len(), |i| below(scores[i], &members[i]));
        self.before_block(b - 1) + i
    }

    /// The block where (score, member) is or would go: the last one starting at or below
    /// it. Members are compared only on equal scores.
    fn find_block(&self, score: f64, member: &[u8]) -> Option<usize> {
        let n = self.blocks();
        // Blocks starting below the score: the group from `coarse`, then within it.
        let mut p = match count_below(&self.coarse, score) {
            0 => 0,
            g => {
                let from = (g - 1) * FANOUT;
                from + count_below(&self.firsts[from..(from + FANOUT).min(n)], score)
            }
        };
        // Then those starting at the score with a member at or below this one.
        while p < n && self.firsts[p] == score && &self.members[p][0][..] <= member {
            p += 1;
        }
        (n > 0).then(|| p.saturating_sub(1))
    }

    /// Sets block `b`'s first score (after an insert or removal at its front).
    fn set_first(&mut self, b: usize) {
        let first = self.slot(b)[0];
        self.firsts[b] = first;
        if b % FANOUT == 0 {
            self.coarse[b / FANOUT] = first;
        }
    }

    /// The position (block, offset) where (score, member) is or would go.
    fn find(&self, score: f64, member: &[u8]) -> (usize, usize) {
        let Some(b) = self.find_block(score, member) else {
            return (0, 0);
        };
        // As in `rank`: count the lower scores, and compare members among ties only.
        let slot = self.slot(b);
        prefetch(slot);
        let lo = count_below(slot, score);
        let ties = slot[lo..].iter().take_while(|&&s| s == score).count();
        let i = lo + partition(ties, |t| &self.members[b][lo + t][..] < member);
        (b, i)
    }

    /// 0-based rank of (score, member), if present.
    ///
    /// Within the block the pairs below `score` are counted, not binary-searched: the
    /// loads of a count do not depend on each other, and all are asked for at once, so a
    /// cold block costs about one memory round trip where a binary search pays one for
    /// each of its first probes. Members are compared only where scores tie: a score that
    /// occurs once in the block identifies the pair from the scores alone, sparing the
    /// cache misses of reading a member. The caller takes `score` from the member map, so
    /// the pair is known to be present.
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let b = self.find_block(score, member)?;
        let slot = self.slot(b);
        prefetch(slot);
        let lo = count_below(slot, score);
        let ties = slot[lo..].iter().take_while(|&&s| s == score).count();
        let i = match ties {
            0 => return None,
            1 => lo,
            _ => {
                lo + self.members[b][lo..lo + ties]
                    .iter()
                    .position(|m| &m[..] == member)?
            }
        };
        debug_assert_eq!(&self.members[b][i][..], member);
        Some(self.before_block(b) + i)
    }

    /// The pair at 0-based `rank`.
    #[cfg(test)]
    pub fn get(&self, rank: usize) -> Option<(&Bytes, f64)> {
        let (b, i) = self.locate(rank)?;
        Some((&self.members[b][i], self.slot(b)[i]))
    }

    /// Pairs from rank `from`, walking forwards (or backwards with `rev`), at most `n`.
    pub fn walk(&self, from: usize, n: usize, rev: bool) -> Vec<(Bytes, f64)> {
        let mut out = Vec::with_capacity(n.min(1024));
        let Some((mut b, mut i)) = self.locate(from) else {
            return out;
        };
        let mut scores = self.scores(b);
        while out.len() < n {
            out.push((self.members[b][i].clone(), scores[i]));
            if rev {
                if i > 0 {
                    i -= 1;
                } else if b > 0 {
                    b -= 1;
                    scores = self.scores(b);
                    i = scores.len() - 1;
                } else {
                    break;
                }
            } else if i + 1 < scores.len() {
                i += 1;
            } else if b + 1 < self.blocks() {
                b += 1;
                scores = self.scores(b);
                i = 0;
            } else {
                break;
            }
        }
        out
    }

    /// Inserts a pair that is not present.
    pub fn insert(&mut self, score: f64, member: Bytes) {
        if self.members.is_empty() {
            let slot = self.take_slot();
            self.arena[slot as usize * STRIDE] = score;
            self.slots.push(slot);
            self.members.push(vec![member]);
            self.len = 1;
            self.rebuild();
            return;
        }
        let (b, i) = self.find(score, &member);
        let (s, len) = (self.start(b), self.members[b].len());
        self.arena.copy_within(s + i..s + len, s + i + 1);
        self.arena[s + i] = score;
        self.members[b].insert(i, member);
        self.len += 1;
        if len + 1 > MAX_BLOCK {
            let now = len + 1;
            let half = now / 2;
            let tail = self.take_slot();
            let t = tail as usize * STRIDE;
            self.arena.copy_within(s + half..s + now, t);
            self.arena[s + half..s + now].fill(f64::NAN);
            let tail_members = self.members[b].split_off(half);
            self.slots.insert(b + 1, tail);
            self.members.insert(b + 1, tail_members);
            self.rebuild();
        } else {
            if i == 0 {
                self.set_first(b);
            }
            self.fenwick_add(b, 1);
        }
    }

    /// Removes (score, member); false if it is not there.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> bool {
        let (b, i) = self.find(score, member);
        let Some(members) = self.members.get(b) else {
            return false;
        };
        if i >= members.len() || self.slot(b)[i] != score || &members[i][..] != member {
            return false;
        }
        let (s, len) = (self.start(b), members.len());
        self.arena.copy_within(s + i + 1..s + len, s + i);
        self.arena[s + len - 1] = f64::NAN;
        self.members[b].remove(i);
        self.len -= 1;
        let len = len - 1;
        let mergeable = len < MAX_BLOCK / 8
            && b + 1 < self.blocks()
            && len + self.members[b + 1].len() <= MAX_BLOCK;
        if len == 0 {
            self.free.push(self.slots.remove(b));
            self.members.remove(b);
            self.rebuild();
        } else if mergeable {
            let (n, next_len) = (self.start(b + 1), self.members[b + 1].len());
            self.arena.copy_within(n..n + next_len, s + len);
            self.arena[n..n + next_len].fill(f64::NAN);
            self.free.push(self.slots.remove(b + 1));
            let next_members = self.members.remove(b + 1);
            self.members[b].extend(next_members);
            self.rebuild();
        } else {
            if i == 0 {
                self.set_first(b);
            }
            self.fenwick_add(b, -1);
        }
        true
    }
}

/// Asks for every cache line of `xs` at once, so that a count over a cold block waits
/// about one memory round trip rather than one per window of in-flight loads.
#[inline]
fn prefetch(xs: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    for line in xs.chunks(8) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint with no effect on memory or on program state, valid
        // for any address; SSE, which it needs, is part of every x86_64 target.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
    }
}

/// How many of `xs` are below `x`: a branch-free count whose loads are independent.
fn count_below(xs: &[f64], x: f64) -> usize {
    xs.iter().map(|&v| usize::from(v < x)).sum()
}

/// The first index in `0..n` for which `below` is false (`below` holds for a prefix).
fn partition(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    /// (score, member) order, as Redis sorts sorted sets.
    fn cmp(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
        s1.partial_cmp(&s2)
            .unwrap_or(Ordering::Equal)
            .then_with(|| m1.cmp(m2))
    }
    use proptest::prelude::*;

    /// Enough pairs for hundreds of blocks (several `coarse` groups), with runs of tied
    /// scores longer than a block, through inserts and removals.
    #[test]
    fn many_blocks_rank_as_a_sorted_vec() {
        let mut r = Ranked::default();
        let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
        for i in 0..60_000u64 {
            let score = match i % 3 {
                0 => ((i * 7919) % 10_007) as f64,
                1 => (i % 7) as f64 * 1000.0,
                _ => -(((i * 31) % 257) as f64),
            };
            let member = format!("m{:08}", (i * 104_729) % 1_000_003).into_bytes();
            r.insert(score, Bytes::from(member.clone()));
            model.push((score, member));
        }
        model.sort_by(|a, b| cmp(a.0, &a.1, b.0, &b.1));
        let mut k = 0;
        model.retain(|(s, m)| {
            k += 1;
            let drop = k % 5 == 0;
            if drop {
                assert!(r.remove(*s, m));
            }
            !drop
        });
        assert_eq!(r.len(), model.len());
        assert!(r.blocks() > 2 * FANOUT, "{} blocks", r.blocks());
        for (k, (s, m)) in model.iter().enumerate() {
            assert_eq!(r.rank(*s, m), Some(k));
        }
        assert_eq!(r.rank(0.5, b"absent"), None);
        // Emptied and merged blocks give their slots back; new blocks reuse them.
        let (kept, gone): (Vec<_>, Vec<_>) = model
            .into_iter()
            .enumerate()
            .partition(|(k, _)| k % 10 == 0 || (k / 3000) % 2 == 0);
        for (_, (s, m)) in &gone {
            assert!(r.remove(*s, m));
        }
        assert!(!r.free.is_empty());
        let mut model: Vec<(f64, Vec<u8>)> = kept.into_iter().map(|(_, p)| p).collect();
        for (_, (s, m)) in gone.into_iter().rev() {
            let (s, m) = (s + 0.5, [b"x".as_slice(), &m].concat());
            r.insert(s, Bytes::from(m.clone()));
            model.push((s, m));
        }
        model.sort_by(|a, b| cmp(a.0, &a.1, b.0, &b.1));
        assert_eq!(r.len(), model.len());
        for (k, (s, m)) in model.iter().enumerate() {
            assert_eq!(r.rank(*s, m), Some(k));
            assert_eq!(
                r.get(k).map(|(m, s)| (m.to_vec(), s)),
                Some((m.clone(), *s))
            );
        }
    }

    type Model = Vec<(f64, Vec<u8>)>;

    /// Applies (member, score, insert) operations to the index and to a sorted Vec.
    fn apply(
        r: &mut Ranked,
        model: &mut Model,
        ops: &[(u16, i8, bool)],
    ) -> Result<(), TestCaseError> {
        for &(m, s, insert) in ops {
            let member = format!("m{m}").into_bytes();
            match (insert, model.iter().position(|(_, mm)| *mm == member)) {
                (true, None) => {
                    r.insert(s as f64, Bytes::from(member.clone()));
                    model.push((s as f64, member));
                    model.sort_by(|a, b| cmp(a.0, &a.1, b.0, &b.1));
                }
                (false, Some(p)) => {
                    let (sc, mm) = model.remove(p);
                    prop_assert!(r.remove(sc, &mm));
                }
                (false, None) => prop_assert!(!r.remove(s as f64, &member)),
                _ => {}
            }
            prop_assert_eq!(r.len(), model.len());
        }
        Ok(())
    }

    /// Ranks, access by rank, walks and lower bounds agree with the sorted Vec.
    fn agrees(r: &Ranked, model: &Model) -> Result<(), TestCaseError> {
        for (k, (sc, mm)) in model.iter().enumerate() {
            prop_assert_eq!(r.rank(*sc, mm), Some(k));
            let (gm, gs) = r.get(k).unwrap();
            prop_assert_eq!((&gm[..], gs), (&mm[..], *sc));
        }
        prop_assert!(r.get(model.len()).is_none());
        prop_assert_eq!(r.walk(0, usize::MAX, false).len(), model.len());
        if !model.is_empty() {
            let back = r.walk(model.len() - 1, usize::MAX, true);
            prop_assert_eq!(back.len(), model.len());
            prop_assert_eq!(&back[0].0[..], &model.last().unwrap().1[..]);
        }
        for t in -5i8..5 {
            let want = model.iter().filter(|(s, _)| *s < t as f64).count();
            prop_assert_eq!(r.lower_bound(|s, _| s < t as f64), want);
        }
        Ok(())
    }

    proptest! {
        /// A bulk-built index (as a snapshot load makes) ranks as a sorted Vec, and keeps
        /// doing so through inserts and removals that follow.
        #[test]
        fn built_from_sorted_pairs_then_edited_matches_a_sorted_vec(
            initial in proptest::collection::btree_map(0u16..2000, -4i8..4, 0..800),
            ops in proptest::collection::vec((0u16..2000, -4i8..4, any::<bool>()), 0..400),
        ) {
            let mut model: Model = initial
                .iter()
                .map(|(m, s)| (*s as f64, format!("m{m}").into_bytes()))
                .collect();
            model.sort_by(|a, b| cmp(a.0, &a.1, b.0, &b.1));
            let pairs: Vec<(f64, Bytes)> = model.iter().map(|(s, m)| (*s, Bytes::from(m.clone()))).collect();
            let mut r = Ranked::from_sorted(pairs.into_iter());
            prop_assert_eq!(r.len(), model.len());
            agrees(&r, &model)?;
            apply(&mut r, &mut model, &ops)?;
            agrees(&r, &model)?;
        }

        /// Against a sorted Vec: rank, access by rank, walks and lower bounds after random
        /// inserts and removals, across block splits, merges and removals.
        #[test]
        fn matches_a_sorted_vec(ops in proptest::collection::vec((0u16..600, -4i8..4, any::<bool>()), 1..1500)) {
            let (mut r, mut model) = (Ranked::default(), Model::new());
            apply(&mut r, &mut model, &ops)?;
            agrees(&r, &model)?;
        }
    }
}
